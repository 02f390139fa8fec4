"""mailbox.log (log4j with stack traces) into a typed table: veilleur vs Python ``re`` and
polars, on the same generated file, in the same run. Rows fold their continuation lines.

Compared columns: ts (UTC), level, thread, category, n_lines, and the message's first line.
No pass/fail on speed; the tables must agree.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import polars as pl
import pyarrow as pa
import pytest

import gen_mailbox
from timing import timed
import veilleur
from gen_access import MB

BENCH_MB = float(os.environ.get("VEILLEUR_BENCH_MB", "200"))
ROUNDS = int(os.environ.get("VEILLEUR_BENCH_ROUNDS", "3"))
HEAD = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) +(\S+) +\[(.*?)\] ?\[(.*?)\] (\S+) - (.*)$")
START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("us", tz="UTC")),
        ("level", pa.string()),
        ("thread", pa.string()),
        ("category", pa.string()),
        ("first_line", pa.string()),
        ("n_lines", pa.uint32()),
    ]
)


def parse_veilleur(path) -> pa.Table:
    return veilleur.read_arrow(os.fspath(path), format="zimbra_mailbox", tz="UTC")


def _first_lines(t: pa.Table) -> pa.ChunkedArray:
    if "first_line" in t.column_names:
        return t["first_line"].cast(pa.string())
    msg = pl.from_arrow(t.select(["message"]))["message"]
    return msg.str.split("\n").list.first().to_arrow().cast(pa.string())


def parse_re(path) -> pa.Table:
    """Line by line: a record-start regex decides folding, a second regex splits the head."""
    ts, lv, th, cat, first, n = [], [], [], [], [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if START.match(line):
                m = HEAD.match(line)
                if m is None:
                    continue
                ts.append(datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1e6 + int(m[2]) * 1000)
                lv.append(m[3])
                th.append(m[4])
                cat.append(m[6])
                first.append(m[7])
                n.append(1)
            elif n:
                n[-1] += 1
    return pa.table(
        {
            "ts": pa.array(ts, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "level": lv,
            "thread": th,
            "category": cat,
            "first_line": first,
            "n_lines": pa.array(n, pa.uint32()),
        }
    )


def parse_polars(path) -> pa.Table:
    """Lines, a record id from a cumulative sum of record starts, one group per record."""
    lines = pl.read_csv(path, has_header=False, separator="\x01", quote_char=None, new_columns=["line"], infer_schema=False)
    recs = (
        lines.with_columns(rec=pl.col("line").str.contains(START.pattern).cum_sum())
        .filter(pl.col("rec") > 0)
        .group_by("rec", maintain_order=True)
        .agg(pl.col("line").first().alias("head"), pl.len().cast(pl.UInt32).alias("n_lines"))
    )
    f = recs.select(pl.col("head").str.extract_groups(HEAD.pattern).alias("g"), "n_lines").unnest("g")
    f = f.rename({"1": "ts", "2": "ms", "3": "level", "4": "thread", "5": "context", "6": "category", "7": "first_line"})
    f = f.with_columns(
        (pl.col("ts").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S") + pl.duration(milliseconds=pl.col("ms").cast(pl.Int64)))
        .dt.replace_time_zone("UTC")
        .alias("ts")
    )
    return f.select("ts", "level", "thread", "category", "first_line", "n_lines").to_arrow()


METHODS = {"veilleur": parse_veilleur, "re": parse_re, "polars": parse_polars}


@pytest.fixture(scope="session")
def mailbox_file():
    return gen_mailbox.cached(BENCH_MB)


@pytest.fixture(scope="session")
def mailbox_reference(mailbox_file):
    return parse_re(mailbox_file)


@pytest.mark.parametrize("method", list(METHODS))
def test_mailbox(benchmark, method, mailbox_file, mailbox_reference, bench_record):
    result, median = timed(benchmark, METHODS[method], mailbox_file, group="mailbox.log", rounds=ROUNDS)
    size = mailbox_file.stat().st_size
    bench_record("mailbox.log", method, mb_per_s=size / MB / median, median_s=median, rows=result.num_rows)
    # the same records, fields and folding as the reference
    ref = mailbox_reference
    assert result.num_rows == ref.num_rows
    for col in ("ts", "level", "thread", "category", "n_lines"):
        assert result[col].cast(SCHEMA.field(col).type).equals(ref[col].cast(SCHEMA.field(col).type)), col
    assert pa.chunked_array(_first_lines(result)).equals(pa.chunked_array(ref["first_line"])), "first_line"
