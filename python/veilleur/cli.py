"""The ``veilleur`` command line.

``veilleur read PATHS...``
    prints the per-file summary (format, SHA-256, lines, rows, rejects), the rejects and the
    first rows of each format's table.

``veilleur parse PATHS... -o DIR``
    streams the logs into a Parquet dataset partitioned by source and day:
    ``DIR/events/source=<fmt>/day=<YYYY-MM-DD>/part-N.parquet`` (normalised events; rows
    without a time in ``day=unknown``), ``DIR/tables/<fmt>/day=.../`` (each format's typed
    table), ``DIR/summary.{parquet,csv}`` and ``DIR/rejects.{parquet,csv}``.

``veilleur hunt PATHS... [--iocs FILE]... -o DIR``
    runs every built-in hunt (:func:`veilleur.hunts.run`), writes each result frame as
    ``DIR/<name>.parquet`` and ``DIR/<name>.csv`` and the self-contained ``DIR/report.html``,
    and prints a short summary.

``veilleur timeline PATHS... -o FILE [--iocs FILE]``
    writes the hunt timeline in Timesketch's import layout (``message``, ``datetime``,
    ``timestamp_desc``, ``timestamp`` and fields), as CSV or JSONL (from the extension, or
    ``--format-out``).

PATHS are files, folders (read recursively) or globs; plain, gzip or zstd. Every CSV is
written by :func:`veilleur.export.write_csv` (cells that a spreadsheet would run as a
formula are neutralised). A progress line is shown on stderr when it is a terminal (not with
``--quiet``).

Exit status: 0 on success; 2 for a usage error, a missing input, a folder without files, or
an unusable IOC file (the reason on stderr); 1 for an unexpected error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from . import hunts
from ._progress import Progress, human_bytes
from ._read import Bundle, Report, _warn_about, formats, iter_batches, read
from .export import ISO_DATETIME, write_csv, write_frame, write_partitioned
from .ioc import IocSet
from .report import findings, printable, render_html, text_summary

#: How many invalid IOC entries are named (file:line) in the warning.
SHOW_INVALID = 3
_GLOB = re.compile(r"[*?\[]")
_TS_DESC = {
    "exploitation": "HTTP Request Time",
    "webshell": "HTTP Request Time",
    "lateral": "Connection Time",
    "egress": "Connection Time",
}


class CliError(Exception):
    """A problem with what the user gave (exit status 2); the message is shown as is."""


# ------------------------------------------------------------------------------------ inputs

@dataclass
class Inputs:
    """The files the paths name, as far as the command line can tell before reading (for the
    progress display): count and bytes on disk."""

    files: int
    bytes: int


def _walk(path: str) -> Iterator[str]:
    for root, _dirs, names in os.walk(path):
        for n in names:
            yield os.path.join(root, n)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def check_inputs(paths: Sequence[str]) -> Inputs:
    """Fail early, with a clear message, on a path that does not exist, a glob matching
    nothing or a folder without any file."""
    import glob

    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = list(_walk(p))
            if not found:
                raise CliError(f"no log files found in {p}")
            files += found
        elif os.path.exists(p):
            files.append(p)
        elif _GLOB.search(p) and (matches := glob.glob(p, recursive=True)):
            for m in matches:
                files += list(_walk(m)) if os.path.isdir(m) else [m]
        else:
            raise CliError(f"no such file or directory: {p}")
    return Inputs(len(files), sum(_size(f) for f in files))


def _report_problems(summary: pl.DataFrame) -> None:
    """The read's warnings (unreadable, truncated or unrecognised files, local time read as
    UTC) on stderr, one line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _warn_about(summary)
    for w in caught:
        print(printable(str(w.message)), file=sys.stderr)


def _read_bundle(args: argparse.Namespace, progress: Progress) -> Bundle:
    """Read the command's inputs into a :class:`Bundle` (the read's problems on stderr)."""
    check_inputs(args.paths)
    with progress.phase("reading"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reported below, once, on stderr
        bundle = read(args.paths, format=args.format, tz=args.tz, year=args.year, strict=getattr(args, "strict", False),
                      sha256=args.sha256, w3c_fields=args.w3c_fields)
    _report_problems(bundle.summary)
    return bundle


def _progress(args: argparse.Namespace) -> Progress:
    return Progress(enabled=sys.stderr.isatty() and not getattr(args, "quiet", False))


# -------------------------------------------------------------------------------------- IOCs

def _load_ioc_file(path: str, include_context: bool = False) -> IocSet:
    p = Path(path)
    if not p.is_file():
        raise CliError(f"no such file or directory: {path}" if not p.exists() else f"{path}: not a file")
    try:
        iocs = IocSet.from_file(p, to_ids_only=not include_context)
    except json.JSONDecodeError as e:
        raise CliError(f"{path}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    except UnicodeDecodeError as e:
        raise CliError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    except ValueError as e:  # a CSV header without a value column, JSON neither STIX nor MISP
        msg = str(e).removeprefix(f"{p}: ")
        raise CliError(f"{path}: {msg}") from e
    except (AttributeError, TypeError, KeyError) as e:
        raise CliError(f"{path}: not a STIX 2.1 bundle nor a MISP event export ({type(e).__name__}: {e})") from e
    bad = iocs.invalid
    if len(iocs) == 0:
        if bad.height:
            raise CliError(f"{path}: none of its {bad.height} entries is a usable indicator; first: {_where(bad.row(0, named=True))}")
        raise CliError(f"{path}: no indicators found")
    if bad.height:
        shown = "; ".join(_where(r) for r in bad.head(SHOW_INVALID).iter_rows(named=True))
        more = f" (and {bad.height - SHOW_INVALID} more)" if bad.height > SHOW_INVALID else ""
        print(f"veilleur: warning: {path}: {bad.height} invalid entries skipped, {len(iocs)} indicators loaded: {shown}{more}",
              file=sys.stderr)
    return iocs


def _where(row: dict) -> str:
    loc = f"{row['file']}:{row['line']}" if row.get("line") is not None else str(row.get("file") or "?")
    return printable(f"{loc}: {row['reason']}")


def load_iocs(paths: Sequence[str] | None, include_context: bool = False) -> IocSet | None:
    """The indicators of every ``--iocs`` file, merged; ``None`` without any. Raises
    :class:`CliError` for a file that cannot be used; warns about skipped entries.
    ``include_context`` loads MISP attributes whose ``to_ids`` is false."""
    if not paths:
        return None
    merged = IocSet()
    for p in paths:
        merged.update(_load_ioc_file(p, include_context))
    return merged


# ------------------------------------------------------------------------------------- hunt

def _run_hunt(args: argparse.Namespace, progress: Progress) -> tuple[IocSet | None, hunts.HuntResult]:
    iocs = load_iocs(args.iocs, args.include_context)  # before reading: a bad IOC file fails fast
    bundle = _read_bundle(args, progress)
    with progress.phase("hunting"):
        bundle.release_tables(keep=hunts.TABLES)  # memory: the hunts read events and these two tables
        result = hunts.run(bundle, iocs, mail_server=args.mail_server)
    return iocs, result


def _title(args: argparse.Namespace) -> str:
    return args.title or f"veilleur hunt — {', '.join(args.paths)}"


def _cmd_hunt(args: argparse.Namespace) -> int:
    progress = _progress(args)
    _iocs, result = _run_hunt(args, progress)
    out = Path(args.output)
    with progress.phase("writing"):
        out.mkdir(parents=True, exist_ok=True)
        frames = result.frames()
        for name, df in frames.items():
            write_frame(df, out, name)
        report = out / "report.html"
        report.write_text(render_html(result, title=_title(args), inputs=args.paths, iocs_path=args.iocs, tz=args.tz),
                          encoding="utf-8")
    if not args.quiet:
        f = findings(result)
        lines = text_summary(result, f)
        if not args.iocs:
            lines.append("IOC sweep: not run (no --iocs)")
        lines.append(f"written: {report} and {len(frames)} tables as Parquet and CSV in {out}/ ({', '.join(frames)})")
        print("\n".join(lines))
    return 0


# --------------------------------------------------------------------------------- timeline

def timesketch_frame(timeline: pl.DataFrame) -> pl.DataFrame:
    """The hunt timeline in Timesketch's import layout: ``message``, ``datetime`` (ISO 8601
    with offset), ``timestamp`` (µs since the epoch), ``timestamp_desc``, then the fields
    (``stage``, ``source``, ``src_ip``, ``dst_ip``, ``file``, ``line``, ``offset``,
    ``data_type``). Rows without a time cannot be placed on a timeline and are left out."""
    tl = timeline.filter(pl.col("ts").is_not_null())
    src = pl.when(pl.col("src_ip").is_not_null()).then(pl.lit(" from ") + pl.col("src_ip")).otherwise(pl.lit(""))
    return tl.select(
        (pl.col("stage") + pl.lit(": ") + pl.col("what").fill_null("") + src).alias("message"),
        pl.col("ts").dt.convert_time_zone("UTC").dt.to_string(ISO_DATETIME).alias("datetime"),
        pl.col("ts").dt.epoch("us").alias("timestamp"),
        pl.col("stage").replace_strict(_TS_DESC, default="Log Entry Time", return_dtype=pl.String).alias("timestamp_desc"),
        "stage", "source", "src_ip", "dst_ip", "file", "line", "offset",
        (pl.lit("veilleur:hunt:") + pl.col("stage")).alias("data_type"),
    )


def _timeline_format(args: argparse.Namespace) -> str:
    if args.format_out:
        return args.format_out
    ext = Path(args.output).suffix.lower()
    if ext in (".csv",):
        return "csv"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise CliError(f"cannot tell the output format from {args.output!r}: name it .csv or .jsonl, or pass --format-out")


def _cmd_timeline(args: argparse.Namespace) -> int:
    fmt = _timeline_format(args)
    progress = _progress(args)
    _iocs, result = _run_hunt(args, progress)
    ts = timesketch_frame(result.timeline)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        write_csv(ts, out)
    else:
        ts.write_ndjson(out)
    left_out = result.timeline.height - ts.height
    if left_out:
        print(f"veilleur: warning: {left_out} timeline rows without a time left out", file=sys.stderr)
    if not args.quiet:
        print(f"wrote {ts.height} timeline rows to {out} ({fmt}, Timesketch import layout)")
    return 0


# ------------------------------------------------------------------------------------ parse

def _clear_outputs(out: Path, overwrite: bool) -> None:
    """Refuse to mix a new dataset with an old one: ``events/`` and ``tables/`` must be
    absent or empty, or removed with ``--overwrite``."""
    for sub in (out / "events", out / "tables"):
        if sub.exists() and any(sub.iterdir()):
            if not overwrite:
                raise CliError(f"{sub} already holds data: choose another -o, or pass --overwrite to replace it")
            shutil.rmtree(sub)


@contextmanager
def _streaming(progress: Progress, report: Report, inputs: Inputs, name: str) -> Iterator[Callable[[pa.RecordBatch], None]]:
    """A phase whose ``on_batch`` callback shows files and bytes done and rows, at most five
    times a second. Files and their bytes come from the report's summary (filled as each file
    ends); within the current file, the byte offset of the batch's last row is added (an
    estimate for compressed files: never shown going backwards, never above the total)."""
    state = {"rows": 0, "shown": 0.0, "bytes": 0}

    def on_batch(batch: pa.RecordBatch) -> None:
        state["rows"] += batch.num_rows
        now = time.monotonic()
        if not progress.enabled or now - state["shown"] < 0.2:
            return
        state["shown"] = now
        s = report.summary
        done = int(s["bytes"].sum()) if s.height else 0
        if batch.num_rows and "offset" in batch.schema.names and "file" in batch.schema.names:
            current = batch.column("file")[-1].as_py()
            if current not in set(s["path"].to_list()):
                done += int(batch.column("offset")[-1].as_py())
        state["bytes"] = min(max(state["bytes"], done), inputs.bytes or done)
        progress.update(files=(s.height, inputs.files), done_bytes=state["bytes"], total_bytes=inputs.bytes, rows=state["rows"])

    with progress.phase(name):
        yield on_batch


def _parse_tables(args: argparse.Namespace, summary: pl.DataFrame, out: Path, progress: Progress) -> dict[str, int]:
    """Each format's typed table, streamed again from the files of that format."""
    rows: dict[str, int] = {}
    done = summary.filter(pl.col("format").is_not_null() & (pl.col("rows") > 0))
    for fmt in sorted(set(done["format"].to_list())):
        files = done.filter(pl.col("format") == fmt)
        inputs = Inputs(files.height, int(files["bytes"].sum()))
        report = Report()
        # the files were hashed by the first pass (the summary): not again
        reader = iter_batches(files["path"].to_list(), format=fmt, tz=args.tz, year=args.year, schema="native", report=report,
                              sha256=False, w3c_fields=args.w3c_fields)
        with _streaming(progress, report, inputs, f"writing tables/{fmt}") as on_batch:
            rows[fmt] = write_partitioned(reader, out / "tables" / fmt, on_batch=on_batch)
    return rows


def _partitions(base: Path) -> list[str]:
    return sorted({str(p.parent.relative_to(base)) for p in base.rglob("*.parquet")})


def _cmd_parse(args: argparse.Namespace) -> int:
    inputs = check_inputs(args.paths)
    out = Path(args.output)
    _clear_outputs(out, args.overwrite)
    progress = _progress(args)
    report = Report()
    reader = iter_batches(args.paths, format=args.format, tz=args.tz, year=args.year, schema="events", report=report,
                          sha256=args.sha256, w3c_fields=args.w3c_fields)
    with _streaming(progress, report, inputs, "reading") as on_batch:
        n_events = write_partitioned(reader, out / "events", by=["source"], on_batch=on_batch)
    summary, rejects = report.summary, report.rejects
    _report_problems(summary)
    table_rows = _parse_tables(args, summary, out, progress)
    write_frame(summary, out, "summary")
    write_frame(rejects, out, "rejects")
    if not args.quiet:
        parts = _partitions(out / "events")
        print(f"read {summary.height} files ({human_bytes(int(summary['bytes'].sum()) if summary.height else 0)}): "
              f"{n_events:,} rows, {rejects.height:,} rejected lines")
        print(f"events: {out / 'events'}/ ({len(parts)} partitions: source × day)")
        for fmt, n in table_rows.items():
            print(f"tables/{fmt}: {n:,} rows")
        print(f"summary: {out / 'summary.parquet'}, {out / 'summary.csv'}; rejects: {out / 'rejects.parquet'}, {out / 'rejects.csv'}")
    return 0


# ------------------------------------------------------------------------------------- read

def _cmd_read(args: argparse.Namespace) -> int:
    bundle = _read_bundle(args, Progress(enabled=False))
    s = bundle.summary
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=args.width, tbl_width_chars=240, tbl_hide_dataframe_shape=True):
        print(
            f"== {s.height} files, {int(s['lines'].sum())} lines: {int(s['rows'].sum())} rows, "
            f"{int(s['rejected'].sum())} rejected, {int(s['folded'].sum())} folded into multi-line records"
        )
        print(s.with_columns(pl.col("sha256").str.slice(0, 16) + "…").select(
            "path", "format", "compression", "sha256", "bytes", "lines", "rows", "rejected", "folded", "tz", "status", "error"
        ))
        if bundle.rejects.height:
            print(f"\n== rejects ({bundle.rejects.height})")
            print(bundle.rejects.select("file", "line", "offset", "reason", pl.col("raw").str.slice(0, 60)).head(args.rows))
        for fmt in bundle.formats:
            t = bundle[fmt]
            print(f"\n== {fmt}: {t.height} rows (first {min(args.rows, t.height)})")
            cols = [
                c
                for c in ("line", "ts", "host", "level", "client_ip", "method", "url", "status", "bytes", "user", "action", "category", "message")
                if c in t.columns
            ]
            print(t.select(cols).head(args.rows))
    return 0


# ------------------------------------------------------------------------------------ parser

def _inputs_parser() -> argparse.ArgumentParser:
    """Options shared by every command that reads logs."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders (recursive) or globs; plain, gzip or zstd")
    p.add_argument("--format", choices=formats(), help="force one format instead of detecting it")
    p.add_argument("--tz", metavar="ZONE", help="IANA zone (Europe/Paris) of logs written in local time without an offset")
    p.add_argument("--year", type=int, help="year of logs that omit it (RFC 3164 syslog); default: from each file's mtime")
    p.add_argument("--no-sha256", dest="sha256", action="store_false",
                   help="do not hash each file (the summary's sha256 stays empty): for re-reads of a collection hashed at acquisition")
    p.add_argument("--w3c-fields", metavar="FIELDS",
                   help="layout of W3C/ELFF files that declare none (ProxySG over syslog): the field names of a #Fields: line, quoted")
    return p


def _hunt_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--iocs", action="append", metavar="FILE",
                   help="indicators: .csv/.tsv, .json (STIX 2.1 bundle or MISP event) or text, one per line; repeatable")
    p.add_argument("--include-context", action="store_true",
                   help="also load MISP attributes whose to_ids is false (context, skipped by default)")
    p.add_argument("--mail-server", metavar="IP", help="the Zimbra mailbox server's address (default: the nginx proxy's upstream)")
    p.add_argument("--quiet", action="store_true", help="no progress display and no summary on stdout")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The ``veilleur`` argument parser."""
    p = argparse.ArgumentParser(prog="veilleur", description="Incident-response log parsing, hunting and reporting.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inputs, hunt_opts = _inputs_parser(), _hunt_options()

    r = sub.add_parser("read", parents=[inputs], help="print the per-file summary, rejects and first rows")
    r.add_argument("--strict", action="store_true", help="stop at the first rejected line")
    r.add_argument("--rows", type=int, default=5, help="rows to show per table (default 5)")
    r.add_argument("--width", type=int, default=60, help="characters shown per text cell")
    r.set_defaults(func=_cmd_read)

    pa_ = sub.add_parser("parse", parents=[inputs], help="write a Parquet dataset partitioned by source and day")
    pa_.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    pa_.add_argument("--overwrite", action="store_true", help="replace DIR/events and DIR/tables if they hold data")
    pa_.add_argument("--quiet", action="store_true", help="no progress display and no summary on stdout")
    pa_.set_defaults(func=_cmd_parse)

    h = sub.add_parser("hunt", parents=[inputs, hunt_opts], help="run the hunts; write every result and report.html")
    h.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    h.add_argument("--title", help="title of the HTML report")
    h.set_defaults(func=_cmd_hunt)

    t = sub.add_parser("timeline", parents=[inputs, hunt_opts], help="write the hunt timeline for Timesketch (CSV or JSONL)")
    t.add_argument("-o", "--output", required=True, metavar="FILE", help="output file (.csv or .jsonl)")
    t.add_argument("--format-out", choices=("csv", "jsonl"), help="output format (default: from the extension)")
    t.set_defaults(func=_cmd_timeline)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``veilleur`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as e:
        print(f"veilleur: {printable(str(e))}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:  # a file that vanished between the check and the read
        print(f"veilleur: no such file or directory: {e.filename or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("veilleur: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the command line reports, it does not crash
        print(f"veilleur: error: {printable(f'{type(e).__name__}: {e}')}", file=sys.stderr)
        if os.environ.get("VEILLEUR_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
