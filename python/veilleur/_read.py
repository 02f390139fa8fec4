"""Reading log files: ``read`` (a :class:`Bundle` of polars tables), ``read_arrow`` (one pyarrow
table) and ``iter_batches`` (a streaming ``pyarrow.RecordBatchReader``)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Literal, Union

import polars as pl
import pyarrow as pa

from . import _core

PathLike = Union[str, "os.PathLike[str]"]
Paths = Union[PathLike, Iterable[PathLike]]
Schema = Literal["native", "events"]
FormatArg = Union[str, Mapping[str, str], None]

__all__ = ["Bundle", "Report", "read", "read_arrow", "iter_batches", "formats"]


def _paths(paths: Paths) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    out = [os.fspath(p) for p in paths]
    if not out:
        raise ValueError("no input paths given")
    return out


def _check_tz(tz: str | None) -> None:
    if tz is not None and not isinstance(tz, str):
        raise TypeError("tz must be an IANA zone name such as 'Europe/Paris'")


def _format_args(format: FormatArg) -> tuple[str | None, list[tuple[str, str]]]:
    """``format`` is one id for every file, or ``{glob: id}`` tried in order on each file's
    path and name (files matching no pattern are detected)."""
    if format is None or isinstance(format, str):
        return format, []
    if isinstance(format, Mapping):
        return None, [(str(k), str(v)) for k, v in format.items()]
    raise TypeError("format must be a format id, a {glob: format id} mapping, or None")


def _engine_args(paths: Paths, format: FormatArg, tz: str | None, year: int | None, strict: bool, chunk_bytes: int | None,
                 sha256: bool = True, w3c_fields: str | None = None) -> dict:
    _check_tz(tz)
    fmt, overrides = _format_args(format)
    if w3c_fields is not None and not w3c_fields.split():
        raise ValueError("w3c_fields must name at least one field (space-separated, as on a #Fields: line)")
    return dict(
        paths=_paths(paths), format=fmt, overrides=overrides, tz=tz, year=year, strict=strict, chunk_bytes=chunk_bytes,
        sha256=sha256, w3c_fields=w3c_fields,
    )


def _polars(obj: object) -> pl.DataFrame:
    df = pl.DataFrame(obj)
    return df


def _warn_about(summary: pl.DataFrame) -> None:
    bad = summary.filter(pl.col("status").is_in(["error", "truncated", "unrecognised"]))
    for row in bad.iter_rows(named=True):
        why = row["error"] or "no known format recognised; its lines are in rejects"
        warnings.warn(f"veilleur: {row['path']}: {row['status']}: {why}", stacklevel=3)
    for row in summary.filter(pl.col("tz_assumed")).iter_rows(named=True):
        warnings.warn(
            f"veilleur: {row['path']}: {row['format']} writes local time without an offset and no tz= was given: read as UTC",
            stacklevel=3,
        )


def formats() -> list[str]:
    """The format ids veilleur can read (they name the tables and fill ``source`` in events)."""
    return list(_core.formats())


class Bundle:
    """The result of :func:`read`: one typed table per format, the normalised events, the
    per-file summary and the rejected lines, as polars DataFrames.

    Tables are converted from Arrow without copying the data; ``events`` is built on first use.
    """

    def __init__(self, raw: _core.RawBundle) -> None:
        self._raw = raw
        self._tables: dict[str, pl.DataFrame] = {}
        self._events: pl.DataFrame | None = None
        self._summary: pl.DataFrame | None = None
        self._rejects: pl.DataFrame | None = None

    @property
    def formats(self) -> list[str]:
        """Format ids of the files read (detected, given or overridden), sorted; a format whose
        lines were all rejected is listed, with an empty table."""
        return sorted(self._raw.formats())

    def __getitem__(self, format: str) -> pl.DataFrame:
        """The typed table of one format, e.g. ``bundle["zimbra_access"]``."""
        if format not in self.formats:
            have = ", ".join(self.formats) or "none"
            raise KeyError(f"no rows of format {format!r} in this bundle (formats present: {have})")
        if format not in self._tables:
            self._tables[format] = _polars(self._raw.table(format))
        return self._tables[format]

    def __contains__(self, format: object) -> bool:
        return format in self.formats

    def __iter__(self):
        return iter(self.formats)

    def arrow(self, format: str) -> pa.Table:
        """The typed table of one format as a ``pyarrow.Table`` (no copy)."""
        if format not in self.formats:
            raise KeyError(f"no rows of format {format!r} in this bundle")
        return pa.table(self._raw.table(format))

    @property
    def events(self) -> pl.DataFrame:
        """Every row in the normalised event schema (see the README's schema table)."""
        if self._events is None:
            self._events = _polars(self._raw.events())
        return self._events

    def release_tables(self, keep: Iterable[str] = ()) -> pl.DataFrame:
        """Build :attr:`events` while dropping the typed tables of every format not in
        ``keep``, batch by batch, and return the events. The events share the tables' text
        buffers, so this frees the tables' other columns (about a third of a large bundle's
        memory) without ever holding both. Afterwards ``bundle[fmt]`` for a released format
        raises ``KeyError``; summary, rejects and events are unchanged. For whole-collection
        hunts on large bundles (``veilleur hunt`` keeps only what :func:`veilleur.hunts.run`
        reads: see ``hunts.TABLES``)."""
        keep = list(keep)
        unknown = [k for k in keep if k not in formats()]
        if unknown:
            raise KeyError(f"unknown format {unknown[0]!r}")
        if self._events is None:
            self._events = _polars(self._raw.events_releasing(keep))
        else:
            self._raw.events_releasing(keep)  # events exist: only the release matters
        self._tables = {k: v for k, v in self._tables.items() if k in keep}
        return self._events

    @property
    def summary(self) -> pl.DataFrame:
        """One row per file: path, format, compression, sha256 (of the bytes on disk), bytes,
        decompressed_bytes, lines, rows, rejected, folded (continuation lines folded into the
        record above), status (ok, truncated, error, empty, unrecognised), error,
        format_source (given, override, detected), confidence (share of sampled lines the
        detected format read), tz (zone used for local-time formats), tz_assumed,
        ambiguous_times, nonexistent_times, year, year_source.
        Per file, ``lines == rows + rejected + folded``."""
        if self._summary is None:
            self._summary = _polars(self._raw.summary())
        return self._summary

    @property
    def rejects(self) -> pl.DataFrame:
        """Rejected lines: file, line (1-based), offset (byte offset in the decompressed
        stream), reason, raw (decoded lossily) and raw_bytes (exact)."""
        if self._rejects is None:
            self._rejects = _polars(self._raw.rejects())
        return self._rejects

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<veilleur.Bundle files={s.height} rows={int(s['rows'].sum())} "
            f"rejected={int(s['rejected'].sum())} formats={self.formats}>"
        )


def read(
    paths: Paths,
    *,
    format: FormatArg = None,
    tz: str | None = None,
    year: int | None = None,
    strict: bool = False,
    chunk_bytes: int | None = None,
    sha256: bool = True,
    w3c_fields: str | None = None,
) -> Bundle:
    """Read log files into a :class:`Bundle`.

    Args:
        paths: a file, a folder (read recursively), a glob, or a list of them. Plain, gzip
            (multi-member) and zstd files are recognised by their magic bytes.
        format: force one format id (see :func:`formats`) for every file, or give
            ``{glob: format id}`` to decide per file (patterns are tried in order on each
            file's path and on its name; other files are detected from their first 64 KiB).
        tz: IANA zone (``"Europe/Paris"``) of formats written in local time without an offset
            (mailbox.log, audit.log, syslog, nginx error log). DST-correct: an ambiguous time
            is read as its first occurrence, a non-existent one with the offset before the
            gap; both are counted in the summary. Without ``tz`` such files are read as UTC,
            marked ``tz_assumed`` in the summary, and named in a warning. Formats that write
            an offset on every line (access logs) always use it.
        year: year of formats that omit it (RFC 3164 syslog); otherwise inferred per file
            from its modification time, with December → January roll-over, and reported in
            the summary (``year``, ``year_source``).
        strict: raise :class:`veilleur.ParseError` (``path:line: reason``) at the first
            rejected line, and an ``OSError`` for an unreadable or truncated file.
        chunk_bytes: size of the unit of parallel work (default 4 MiB).
        sha256: compute each file's SHA-256 (of its bytes on disk) in the same pass, for the
            summary (chain of custody). ``False`` leaves it null and saves about a sixth of
            the CPU time on plain files: for re-reads of a collection hashed at acquisition.
        w3c_fields: the layout of W3C/ELFF files that never declare one, as the field names of
            a ``#Fields:`` line (``"date time time-taken c-ip ..."``): ProxySG streaming over
            syslog may send no header line. A ``#Fields:`` line in a file takes over from it.

    Raises:
        FileNotFoundError: a named path does not exist or a glob matches nothing.
    """
    raw = _core.stream(**_engine_args(paths, format, tz, year, strict, chunk_bytes, sha256, w3c_fields)).collect()
    bundle = Bundle(raw)
    _warn_about(bundle.summary)
    return bundle


def read_arrow(
    paths: Paths,
    *,
    format: FormatArg = None,
    tz: str | None = None,
    year: int | None = None,
    strict: bool = False,
    schema: Schema = "native",
    chunk_bytes: int | None = None,
    w3c_fields: str | None = None,
) -> pa.Table:
    """Read log files into one ``pyarrow.Table`` (no copy from the engine).

    ``schema="native"`` gives the typed table of the inputs' one format (pass ``format=`` when
    a folder mixes formats); ``schema="events"`` gives every row in the normalised schema.
    Rejects and the summary are not returned: use :func:`read`, or :func:`iter_batches` with a
    :class:`Report` — and, since no summary is returned, no SHA-256 is computed (it would be
    about a sixth of the CPU time on plain files, for a value nobody could see). The other
    arguments are those of :func:`read`.

    Raises:
        ValueError: ``schema="native"`` and the inputs hold several formats, or none recognised.
        veilleur.ParseError: ``strict=True`` and a line was rejected.
    """
    if schema not in ("native", "events"):
        raise ValueError("schema must be 'native' or 'events'")
    raw = _core.stream(**_engine_args(paths, format, tz, year, strict, chunk_bytes, False, w3c_fields)).collect()
    if schema == "events":
        return pa.table(raw.events())
    found = raw.formats()
    if len(found) > 1:
        raise ValueError(
            f"the inputs hold several formats ({', '.join(found)}); pass format=... to pick one, or schema='events'"
        )
    if not found:
        raise ValueError("no input is of a recognised format; pass format=... to force one")
    return pa.table(raw.table(found[0]))


class Report:
    """Filled by :func:`iter_batches` as its stream is consumed: ``summary`` and ``rejects``
    (as in :class:`Bundle`) are complete once the reader is exhausted."""

    def __init__(self) -> None:
        self._stream: _core.RawStream | None = None

    def _attach(self, stream: _core.RawStream) -> None:
        self._stream = stream

    @property
    def summary(self) -> pl.DataFrame:
        if self._stream is None:
            raise RuntimeError("this Report was not passed to iter_batches")
        return _polars(self._stream.summary())

    @property
    def rejects(self) -> pl.DataFrame:
        if self._stream is None:
            raise RuntimeError("this Report was not passed to iter_batches")
        return _polars(self._stream.rejects())


def iter_batches(
    paths: Paths,
    *,
    format: FormatArg = None,
    tz: str | None = None,
    year: int | None = None,
    strict: bool = False,
    schema: Schema = "native",
    report: Report | None = None,
    chunk_bytes: int | None = None,
    sha256: bool = True,
    w3c_fields: str | None = None,
) -> pa.RecordBatchReader:
    """Stream record batches (one per chunk of a few MiB) without holding the whole input.

    Batches come in file order; parsing runs ahead on all cores with bounded memory. Pass a
    :class:`Report` to get the summary and rejects once the reader is exhausted.

    The other arguments (``sha256`` and ``w3c_fields`` included) are those of :func:`read`.

    With ``strict=True`` the first rejected line ends the stream with ``pyarrow.ArrowInvalid``
    (a ``ValueError``) whose message reads ``path:line: reason``.
    """
    if schema not in ("native", "events"):
        raise ValueError("schema must be 'native' or 'events'")
    raw = _core.stream(**_engine_args(paths, format, tz, year, strict, chunk_bytes, sha256, w3c_fields), events=(schema == "events"))
    if report is not None:
        report._attach(raw)
    return pa.RecordBatchReader.from_stream(raw)
