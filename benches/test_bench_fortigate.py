"""Throughput of veilleur's ``fortigate`` format against Python ``re``, polars and DuckDB on a
generated FortiGate syslog file (``gen_fortigate.py``: FortiOS 7 traffic-heavy mix with UTM and
event lines, ~850-byte lines).

Every method produces the same table: ``ts`` (from the nanosecond ``eventtime``) and every key
veilleur types (``COLUMNS``, typed as in ``SCHEMA``: ports u16, counts u64, ids u32...). The
baselines are written the way an analyst does it:

* ``re``: one ``findall`` of ``key=value`` pairs per line into a dict, quotes stripped, then the
  wanted keys, cast by pyarrow;
* ``polars``: one ``str.extract`` per key on a column of lines (``[ >]key="([^"]*)"`` for quoted
  strings, ``[ >]key=([^ ]*)`` for bare values), then casts;
* ``duckdb``: the same patterns with ``regexp_extract`` on ``read_csv`` of whole lines.

Nothing passes or fails on speed; the one assertion is that every method's table equals
veilleur's. This module prints its own table at the end of its run.

Environment: ``VEILLEUR_BENCH_MB`` (default 200), ``VEILLEUR_BENCH_SEED`` (7),
``VEILLEUR_BENCH_ROUNDS`` (3), ``VEILLEUR_BENCH_WARMUP`` (1), ``VEILLEUR_BENCH_DIR``.

    VEILLEUR_BENCH_MB=200 python -m pytest benches/test_bench_fortigate.py --benchmark-only -q -s -p no:cacheprovider
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

import gen_fortigate
import baselines
import readers
import report
from gen_common import BENCH_MB, SEED
from timing import ROUNDS, WARMUP


U8, U16, U32, U64, I64, S = pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64(), pa.int64(), pa.string()
# every typed key of the fortigate table (syslog_host aside: there is no relay header here)
KEYS = {
    "date": S, "time": S, "tz": S, "eventtime": I64, "devname": S, "devid": S, "logid": S, "type": S, "subtype": S,
    "eventtype": S, "level": S, "vd": S, "logdesc": S, "srcip": S, "srcport": U16, "srcintf": S, "srcintfrole": S,
    "srcname": S, "srcmac": S, "srccountry": S, "dstip": S, "dstport": U16, "dstintf": S, "dstintfrole": S,
    "dstcountry": S, "sessionid": U64, "proto": U8, "action": S, "policyid": U32, "policyname": S, "policytype": S,
    "service": S, "trandisp": S, "transip": S, "transport": U16, "tranip": S, "tranport": U16, "duration": U64,
    "sentbyte": U64, "rcvdbyte": U64, "sentpkt": U64, "rcvdpkt": U64, "appid": U32, "app": S, "appcat": S, "apprisk": S,
    "user": S, "group": S, "unauthuser": S, "hostname": S, "url": S, "qname": S, "agent": S, "msg": S, "attack": S,
    "attackid": U32, "virus": S, "filename": S, "reason": S, "status": S, "ui": S, "method": S, "remip": S, "locip": S,
    "xauthuser": S, "tunnelip": S, "crscore": U32, "craction": U32, "utmaction": S, "logver": S, "timestamp": I64,
}
IPS = {"srcip", "dstip", "transip", "tranip", "remip", "locip", "tunnelip"}
# bare (unquoted) values: numbers, IPs, and the date and time
BARE = {k for k, t in KEYS.items() if t != S} | IPS | {"date", "time"}
COLUMNS = ["ts", *KEYS]
SCHEMA = pa.schema([("ts", pa.timestamp("us", tz="UTC"))] + list(KEYS.items()))


def _pattern(key: str) -> str:
    return f"[ >]{key}=([^ ]*)" if key in BARE else f'[ >]{key}="([^"]*)"'


read_veilleur = readers.arrow_reader("fortigate", tz="UTC")
read_veilleur_hashing = readers.hashing_reader("fortigate", tz="UTC")


# --------------------------------------------------------------------------------------------
# Python re: one findall per line into a dict
# --------------------------------------------------------------------------------------------

_KV = re.compile(r'([A-Za-z0-9_]+)=("(?:[^"\\]|\\.)*"|[^ ]*)')


def _value(v: str | None):
    if not v:
        return None
    if v[0] == '"':
        v = v[1:-1]
    return v or None


def _re_batch(dicts) -> pa.RecordBatch:
    cols = []
    for k, t in KEYS.items():
        a = pa.array([_value(d.get(k)) for d in dicts], type=pa.string())
        cols.append(a if t == S else pc.cast(a, t))
    ns = cols[3]
    ts = pc.cast(pc.divide(ns, pa.scalar(1000, I64)), pa.timestamp("us", tz="UTC"))
    return pa.RecordBatch.from_arrays([ts, *cols], schema=SCHEMA)


def parse_re(path) -> pa.Table:
    findall = _KV.findall
    batches = []
    for chunk in baselines.line_chunks(path, lines=50_000):
        batches.append(_re_batch([dict(findall(line)) for line in chunk]))
    return pa.Table.from_batches(batches, schema=SCHEMA)


# --------------------------------------------------------------------------------------------
# polars: one str.extract per key
# --------------------------------------------------------------------------------------------

_PL_TYPES = {U8: "UInt8", U16: "UInt16", U32: "UInt32", U64: "UInt64", I64: "Int64"}


def parse_polars(path) -> pa.Table:
    import polars as pl

    lines = baselines.polars_lines(path)
    line = pl.col("line")
    exprs = []
    for k, t in KEYS.items():
        e = line.str.extract(_pattern(k), 1)
        e = pl.when(e == "").then(None).otherwise(e)
        if t != S:
            e = e.cast(getattr(pl, _PL_TYPES[t]))
        exprs.append(e.alias(k))
    out = (
        lines.select(exprs)
        .with_columns((pl.col("eventtime") // 1000).cast(pl.Datetime("us", "UTC")).alias("ts"))
        .select(COLUMNS)
        .collect()
    )
    return out.to_arrow()


# --------------------------------------------------------------------------------------------
# DuckDB: one regexp_extract per key
# --------------------------------------------------------------------------------------------

_SQL_TYPES = {U8: "UTINYINT", U16: "USMALLINT", U32: "UINTEGER", U64: "UBIGINT", I64: "BIGINT"}


def parse_duckdb(path) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        sel = []
        for k, t in KEYS.items():
            e = f"nullif(regexp_extract(line, {baselines.sql_str(_pattern(k))}, 1), '')"
            if t != S:
                e = f"({e})::{_SQL_TYPES[t]}"
            sel.append(f'{e} AS "{k}"')
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT {", ".join(sel)}
                FROM {baselines.duckdb_lines(path)}
            )
            SELECT make_timestamp(eventtime // 1000) AS ts, * FROM m
        """
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


METHODS = {"veilleur": read_veilleur, "veilleur + sha256": read_veilleur_hashing, "re": parse_re, "polars": parse_polars, "duckdb": parse_duckdb}


# --------------------------------------------------------------------------------------------
# the bench
# --------------------------------------------------------------------------------------------


def _canonical(t: pa.Table) -> pa.Table:
    return t.select(COLUMNS).cast(SCHEMA)


bench_input, results, reference, test_parse_fortigate = report.parse_bench(
    "fortigate", lambda: gen_fortigate.cached(BENCH_MB, SEED), METHODS, _canonical, COLUMNS,
    what="FortiOS 7 syslog", seed=SEED, rounds=ROUNDS, warmup=WARMUP, extra=[f"{len(COLUMNS)} typed columns"], load=True,
)
