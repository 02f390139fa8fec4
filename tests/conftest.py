"""Shared helpers for the Python tests: writing inputs, checking the per-file accounting and the
provenance of rows against the bytes on disk (the golden-file runner is ``tests/_golden.py``)."""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings as hypothesis_settings

# CI explores a fixed set of examples (a red run must mean a regression, not a new random draw);
# local runs draw new examples each time and keep what they find in the example database.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
DEMO = TESTS / "data" / "zimbra_demo"  # the hand-written Zimbra collection (fixtures/demo is the generated scenario)

# The four web formats and the columns of their typed tables (the contract in the README).
PROVENANCE = ["file", "line", "offset"]
COMMON_COLUMNS = [
    "ts", "client", "client_ip", "ident", "user", "request", "method", "url", "path", "query", "protocol", "status", "bytes",
]
FORMAT_COLUMNS = {
    "common": PROVENANCE + COMMON_COLUMNS + ["extra"],
    "combined": PROVENANCE + COMMON_COLUMNS + ["referrer", "user_agent", "extra"],
    "zimbra_access": PROVENANCE + COMMON_COLUMNS + ["referrer", "user_agent", "latency_ms"],
    "zimbra_nginx": PROVENANCE + COMMON_COLUMNS + ["client_port", "referrer", "user_agent", "upstream", "server", "extra"],
}
EVENT_COLUMNS = [
    "file", "line", "offset", "ts", "source", "host", "src_ip", "src_port", "dst_ip", "dst_port", "proto", "user", "action",
    "http_method", "url", "domain", "http_status", "bytes_in", "bytes_out", "user_agent", "message",
]
SUMMARY_COLUMNS = [
    "path", "format", "compression", "sha256", "bytes", "decompressed_bytes", "lines", "rows", "rejected", "status", "error",
]
REJECT_COLUMNS = ["file", "line", "offset", "reason", "raw"]

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# --------------------------------------------------------------------------- writing inputs

def write(directory: Path, name: str, data: bytes | str) -> Path:
    """Write ``data`` (text is UTF-8 encoded as is: no newline translation) to ``directory/name``."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """One gzip member, deterministic (mtime=0, no file name)."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=level) as g:
        g.write(data)
    return buf.getvalue()


def ncsa_time(dt: datetime) -> str:
    """``dd/Mon/yyyy:HH:MM:SS ±hhmm`` of an aware datetime, with English month names."""
    off = int(dt.utcoffset().total_seconds())
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return (
        f"{dt.day:02d}/{MONTHS[dt.month - 1]}/{dt.year:04d}:{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} "
        f"{sign}{off // 3600:02d}{off % 3600 // 60:02d}"
    )


def combined_line(i: int, ip: str = "10.10.2.14", status: int = 200) -> str:
    """A valid combined line whose URL carries the number ``i`` (no newline)."""
    return (
        f'{ip} - - [06/Sep/2022:10:{(i // 60) % 60:02d}:{i % 60:02d} +0200] "GET /service/home/~/?id={i}&part=2 HTTP/1.1" '
        f'{status} {1000 + i} "https://mail.example.org/" "Mozilla/5.0 (X11; Linux x86_64; rv:104.0) Gecko/20100101 Firefox/104.0"'
    )


# --------------------------------------------------------------------------- line accounting

def split_records(data: bytes) -> list[bytes]:
    """The contract's lines: ``\\n``-terminated records plus a non-empty unterminated tail;
    each returned without its ``\\n`` and without one trailing ``\\r``."""
    if not data:
        return []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


def expected_lines(data: bytes) -> int:
    n = data.count(b"\n")
    return n + (1 if data and not data.endswith(b"\n") else 0)


def line_starts(data: bytes) -> list[int]:
    """Byte offset of the start of every line (as counted by :func:`expected_lines`)."""
    starts = [0] if data else []
    pos = data.find(b"\n")
    while pos != -1:
        if pos + 1 < len(data):
            starts.append(pos + 1)
        pos = data.find(b"\n", pos + 1)
    return starts


def raw_line_at(data: bytes, offset: int) -> bytes:
    """The line starting at ``offset``, without its newline and trailing ``\\r``."""
    end = data.find(b"\n", offset)
    line = data[offset:] if end == -1 else data[offset:end]
    return line[:-1] if line.endswith(b"\r") else line


def check_counts(summary: pl.DataFrame) -> None:
    """Per file: lines == rows + rejected (+ folded, for multi-line formats)."""
    assert summary.height > 0
    for row in summary.iter_rows(named=True):
        folded = row.get("folded") or 0
        assert row["lines"] == row["rows"] + row["rejected"] + folded, row
        if row["format"] in FORMAT_COLUMNS:
            assert folded == 0, row


def read_checked(paths, **kw):
    """``vl.read`` followed by the per-file accounting check."""
    import veilleur as vl

    bundle = vl.read(paths, **kw)
    check_counts(bundle.summary)
    return bundle


def summary_row(summary: pl.DataFrame, path: Path | str) -> dict:
    """The summary row of one file (matched on the full path, else on the file name)."""
    path = str(path)
    rows = [r for r in summary.iter_rows(named=True) if r["path"] == path]
    if not rows:
        rows = [r for r in summary.iter_rows(named=True) if Path(r["path"]).name == Path(path).name]
    assert len(rows) == 1, (path, summary["path"].to_list())
    return rows[0]


def file_rows(df: pl.DataFrame, path: Path | str) -> pl.DataFrame:
    """Rows of ``df`` (a typed table, events or rejects) that come from ``path``."""
    col = df["file"].cast(pl.String)
    mask = col == str(path)
    if not mask.any():
        mask = col.map_elements(lambda p: Path(p).name == Path(path).name, return_dtype=pl.Boolean)
    return df.filter(mask)


def check_provenance(df: pl.DataFrame, data: bytes, sample: int | None = None) -> None:
    """For the rows of ``df`` (one file), the bytes at ``offset`` are the line numbered ``line``."""
    starts = line_starts(data)
    rows = df.select("line", "offset").rows()
    if sample is not None and len(rows) > sample:
        step = max(1, len(rows) // sample)
        rows = rows[::step] + [rows[-1]]
    for line, offset in rows:
        assert 1 <= line <= len(starts), (line, len(starts))
        assert starts[line - 1] == offset, (line, offset, starts[line - 1])


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


# --------------------------------------------------------------------------- a large file

@dataclass
class BigFile:
    path: Path
    lines: int
    data: bytes


@pytest.fixture(scope="session")
def big_combined(tmp_path_factory) -> BigFile:
    """A > 20 MB combined log in which every line parses (several 4 MiB chunks)."""
    directory = tmp_path_factory.mktemp("big")
    parts = []
    size = 0
    i = 0
    while size < 21 * 1024 * 1024:
        # vary the line length so chunk cuts fall at different places within lines
        line = combined_line(i, ip=f"10.10.{i % 7}.{i % 251}") + "\n"
        if i % 5 == 0:
            line = line.replace("/service/home/~/", "/service/home/~/" + "a" * (i % 97) + "/")
        parts.append(line)
        size += len(line)
        i += 1
    data = "".join(parts).encode()
    path = write(directory, "access.log", data)
    return BigFile(path, i, data)
