"""A one-line progress display on stderr for the command line, without dependencies.

It is shown only when enabled (stderr is a terminal and ``--quiet`` was not given). A phase
(``reading…``, ``hunting…``, ``writing…``) shows its elapsed seconds, refreshed by a
background thread while the work runs (the Rust engine releases the GIL); a streaming read
adds files and bytes done, from the :class:`veilleur.Report` filled as the stream goes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def human_bytes(n: float) -> str:
    """``1.5 MB`` style size (decimal units)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


class Progress:
    """Phases with elapsed time, and optional counters, on one rewritten stderr line.

    >>> progress = Progress(enabled=sys.stderr.isatty())
    >>> with progress.phase("reading"):
    ...     progress.update(files=(3, 6), done_bytes=12_000_000, total_bytes=40_000_000)
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._lock = threading.Lock()
        self._name = ""
        self._start = 0.0
        self._detail = ""
        self._width = 0

    def _draw(self) -> None:
        text = f"veilleur: {self._name}… {time.monotonic() - self._start:.1f}s"
        if self._detail:
            text += f" — {self._detail}"
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()

    def update(self, *, files: tuple[int, int] | None = None, done_bytes: int | None = None,
               total_bytes: int | None = None, rows: int | None = None) -> None:
        """Set the counters shown after the phase name (files done/total, bytes, rows)."""
        if not self.enabled:
            return
        parts = []
        if files is not None:
            parts.append(f"{files[0]}/{files[1]} files")
        if done_bytes is not None:
            parts.append(human_bytes(done_bytes) + (f"/{human_bytes(total_bytes)}" if total_bytes else ""))
        if rows is not None:
            parts.append(f"{rows:,} rows")
        with self._lock:
            self._detail = ", ".join(parts)
            self._draw()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Show ``name…`` with its elapsed seconds while the block runs; the line is cleared
        at the end."""
        if not self.enabled:
            yield
            return
        stop = threading.Event()
        with self._lock:
            self._name, self._start, self._detail = name, time.monotonic(), ""
            self._draw()

        def tick() -> None:
            while not stop.wait(self._interval):
                with self._lock:
                    self._draw()

        ticker = threading.Thread(target=tick, name="veilleur-progress", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            with self._lock:
                self._stream.write("\r" + " " * self._width + "\r")
                self._stream.flush()
                self._width = 0
