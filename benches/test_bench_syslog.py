"""Throughput of veilleur's ``syslog`` format against Python ``re`` and polars on a generated
zimbra.log (``gen_syslog.py``): BSD headers, Postfix and amavis mail fields.

Every method produces the same typed columns (``COLUMNS`` / ``SCHEMA``): the header (ts in
UTC — the file is read as UTC with year 2022 —, host, program, pid, message) and the mail
fields an analyst pulls out of zimbra.log (queue_id, client_ip, from, to, status, size,
amavis_action, amavis_verdict). The baselines use one header regex and a few regexes on the
message, per program, the way such scripts are written.

Nothing passes or fails on speed; the one assertion is that every method's table equals
veilleur's. This module prints its own table at the end of its run (the session table of
``conftest.py`` belongs to the access-log bench).

Environment: ``VEILLEUR_BENCH_MB`` (default 200), ``VEILLEUR_BENCH_SEED`` (7),
``VEILLEUR_BENCH_ROUNDS`` (3), ``VEILLEUR_BENCH_WARMUP`` (1), ``VEILLEUR_BENCH_DIR``.

    VEILLEUR_BENCH_MB=8 python -m pytest benches/test_bench_syslog.py --benchmark-only -q -s
"""

from __future__ import annotations

import os
import re

import pyarrow as pa
import pyarrow.compute as pc

import gen_syslog
import baselines
import report
from gen_common import BENCH_MB, SEED
from timing import ROUNDS, WARMUP
import veilleur

YEAR = 2022

COLUMNS = [
    "ts", "host", "program", "pid", "message", "queue_id", "client_ip", "from", "to", "status", "size",
    "amavis_action", "amavis_verdict",
]
SCHEMA = pa.schema(
    [("ts", pa.timestamp("us", tz="UTC"))]
    + [(c, pa.string()) for c in ("host", "program")]
    + [("pid", pa.uint32()), ("message", pa.string())]
    + [(c, pa.string()) for c in ("queue_id", "client_ip", "from", "to", "status")]
    + [("size", pa.uint64()), ("amavis_action", pa.string()), ("amavis_verdict", pa.string())]
)

# the header, and the message fields (Postfix, then amavis)
HEADER = r"^(?P<ts>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}) (?P<host>\S+) (?P<program>[^\s\[:]+)(?:\[(?P<pid>[0-9]+)\])?: (?P<message>.*)$"
PF_QID = r"^([0-9A-Za-z]{6,20}): "
PF_CLIENT = r"(?:client=|connect from )[^\[ ]*\[([^\]]+)\]"
PF_FROM = r"from=<([^>]*)>"
PF_TO = r"to=<([^>]*)>"
PF_STATUS = r"status=([a-z]+)"
PF_SIZE = r"size=([0-9]+)"
AV_ACTION = r"^\([^)]*\) (Passed|Blocked) ([A-Z-]+(?: \([^)]*\))?)"
AV_CLIENT = r"\[([^\]]+)\] <[^>]*> -> <"
AV_FROM = r"<([^>]*)> -> <"
AV_TO = r"> -> <([^>]*)>"
AV_QID = r"Queue-ID: ([0-9A-Za-z]+)"
AV_SIZE = r", size: ([0-9]+)"


def read_veilleur(path) -> pa.Table:
    return veilleur.read_arrow(os.fspath(path), format="syslog", tz="UTC", year=YEAR)


# --------------------------------------------------------------------------------------------
# Python re, line by line
# --------------------------------------------------------------------------------------------

_RX = re.compile(HEADER)
_PF = [re.compile(x).search for x in (PF_QID, PF_CLIENT, PF_FROM, PF_TO, PF_STATUS, PF_SIZE)]
_AV_ACTION = re.compile(AV_ACTION).search
_AV = [re.compile(x).search for x in (AV_CLIENT, AV_FROM, AV_TO, AV_QID, AV_SIZE)]


def _g(m):
    return m.group(1) if m else None


def _row(m):
    ts, host, prog, pid, msg = m.groups()
    qid = cip = frm = to = status = size = action = verdict = None
    if prog.startswith("postfix"):
        qid, cip, frm, to, status, size = (_g(f(msg)) for f in _PF)
        if qid is not None and not any(c.isdigit() for c in qid):
            qid = None
    elif prog.startswith("amavis"):
        a = _AV_ACTION(msg)
        if a:
            action, verdict = a.groups()
        cip, frm, to, qid, size = (_g(f(msg)) for f in _AV)
    return (ts, host, prog, pid, msg, qid, cip, frm, to, status, size, action, verdict)


def _ts_array(ts: pa.Array) -> pa.Array:
    # `Sep  9` → `Sep 09`, then the year in front
    fixed = pc.replace_substring_regex(ts, pattern=r"^([A-Za-z]{3})  ", replacement=r"\1 0")
    return pc.assume_timezone(pc.strptime(pc.binary_join_element_wise(str(YEAR), fixed, " "), format="%Y %b %d %H:%M:%S", unit="us"), "UTC")


def _re_batch(rows) -> pa.RecordBatch:
    cols = [pa.array(c, type=pa.string()) for c in zip(*rows)]
    arrays = [_ts_array(cols[0]), cols[1], cols[2], pc.cast(cols[3], pa.uint32()), *cols[4:10], pc.cast(cols[10], pa.uint64()), cols[11], cols[12]]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def parse_re(path) -> pa.Table:
    match = _RX.match
    batches = []
    for chunk in baselines.line_chunks(path):
        rows = [_row(m) for m in map(match, (line.rstrip("\n") for line in chunk)) if m is not None]
        if rows:
            batches.append(_re_batch(rows))
    return pa.Table.from_batches(batches, schema=SCHEMA)


# --------------------------------------------------------------------------------------------
# polars: one column of lines, extract_groups for the header, extract per program
# --------------------------------------------------------------------------------------------


def parse_polars(path) -> pa.Table:
    import polars as pl

    lines = baselines.polars_lines(path)
    g = pl.col("g")
    msg, prog = pl.col("message"), pl.col("program")
    pf, av = prog.str.starts_with("postfix"), prog.str.starts_with("amavis")

    def when(cond, expr):
        return pl.when(cond).then(expr).otherwise(None)

    qid = msg.str.extract(PF_QID, 1)
    out = (
        lines.select(pl.col("line").str.extract_groups(HEADER).alias("g"))
        .filter(g.struct.field("ts").is_not_null())
        .select(
            pl.concat_str([pl.lit(str(YEAR)), g.struct.field("ts").str.replace(r"^([A-Za-z]{3})  ", "${1} 0")], separator=" ")
            .str.strptime(pl.Datetime("us", "UTC"), "%Y %b %d %H:%M:%S")
            .alias("ts"),
            g.struct.field("host"),
            g.struct.field("program"),
            g.struct.field("pid").cast(pl.UInt32),
            g.struct.field("message"),
        )
        .with_columns(av_g=when(av, msg.str.extract_groups(AV_ACTION)))
        .select(
            "ts", "host", "program", "pid", "message",
            pl.when(pf).then(pl.when(qid.str.contains("[0-9]")).then(qid)).when(av).then(msg.str.extract(AV_QID, 1)).alias("queue_id"),
            pl.when(pf).then(msg.str.extract(PF_CLIENT, 1)).when(av).then(msg.str.extract(AV_CLIENT, 1)).alias("client_ip"),
            pl.when(pf).then(msg.str.extract(PF_FROM, 1)).when(av).then(msg.str.extract(AV_FROM, 1)).alias("from"),
            pl.when(pf).then(msg.str.extract(PF_TO, 1)).when(av).then(msg.str.extract(AV_TO, 1)).alias("to"),
            when(pf, msg.str.extract(PF_STATUS, 1)).alias("status"),
            pl.when(pf).then(msg.str.extract(PF_SIZE, 1)).when(av).then(msg.str.extract(AV_SIZE, 1)).cast(pl.UInt64).alias("size"),
            pl.col("av_g").struct.field("1").alias("amavis_action"),
            pl.col("av_g").struct.field("2").alias("amavis_verdict"),
        )
        .collect()
    )
    return out.to_arrow()


METHODS = {"veilleur": read_veilleur, "re": parse_re, "polars": parse_polars}


# --------------------------------------------------------------------------------------------
# the bench
# --------------------------------------------------------------------------------------------


def _canonical(t: pa.Table) -> pa.Table:
    return t.select(COLUMNS).cast(SCHEMA)


bench_input, results, reference, test_parse_syslog = report.parse_bench(
    "syslog", lambda: gen_syslog.cached(BENCH_MB, SEED), METHODS, _canonical, COLUMNS,
    what="zimbra.log-like", seed=SEED, rounds=ROUNDS, warmup=WARMUP,
)
