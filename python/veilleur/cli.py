"""The ``veilleur`` command line.

``veilleur read PATHS...`` reads log files (files, folders, globs; plain, gzip or zstd) and
prints the per-file summary (format, SHA-256, lines, rows, rejects), the rejects and the first
rows of each format's table.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import polars as pl

from ._read import formats, read


def _cmd_read(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the summary below shows every problem
        bundle = read(args.paths, format=args.format, tz=args.tz, strict=args.strict)
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``veilleur`` command."""
    p = argparse.ArgumentParser(prog="veilleur", description="Incident-response log parsing into Arrow.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("read", help="read logs and print the per-file summary, rejects and first rows")
    r.add_argument("paths", nargs="+", help="files, folders (recursive) or globs")
    r.add_argument("--format", choices=formats(), help="force one format instead of detecting it")
    r.add_argument("--tz", help="IANA zone for formats written in local time without an offset")
    r.add_argument("--strict", action="store_true", help="stop at the first rejected line")
    r.add_argument("--rows", type=int, default=5, help="rows to show per table (default 5)")
    r.add_argument("--width", type=int, default=60, help="characters shown per text cell")
    r.set_defaults(func=_cmd_read)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as e:
        print(f"veilleur: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
