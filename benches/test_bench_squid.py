"""Throughput of veilleur's ``squid`` format against Python ``re``, polars and DuckDB on a
generated Squid native access.log (``gen_squid.py``).

Every method produces the same typed columns (``COLUMNS`` / ``SCHEMA``): the twelve fields of
``logformat squid`` — ts (UTC, from the epoch and milliseconds), elapsed_ms, client_ip,
result_code, status (``000`` → null), bytes, method, url, user, hierarchy, peer, content_type
(``-`` → null). The baselines use one regex per line, the way such scripts are written.

Nothing passes or fails on speed; the one assertion is that every method's table equals
veilleur's. This module prints its own table at the end of its run.

Environment: ``VEILLEUR_BENCH_MB`` (default 200), ``VEILLEUR_BENCH_SEED`` (7),
``VEILLEUR_BENCH_ROUNDS`` (3), ``VEILLEUR_BENCH_WARMUP`` (1), ``VEILLEUR_BENCH_DIR``.

    VEILLEUR_BENCH_MB=8 python -m pytest benches/test_bench_squid.py --benchmark-only -q -s
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

import gen_squid
import baselines
import readers
import report
from gen_common import BENCH_MB, SEED
from timing import ROUNDS, WARMUP


COLUMNS = [
    "ts", "elapsed_ms", "client_ip", "result_code", "status", "bytes", "method", "url", "user", "hierarchy", "peer",
    "content_type",
]
SCHEMA = pa.schema(
    [("ts", pa.timestamp("us", tz="UTC")), ("elapsed_ms", pa.uint64()), ("client_ip", pa.string()), ("result_code", pa.string()),
     ("status", pa.uint16()), ("bytes", pa.uint64())]
    + [(c, pa.string()) for c in ("method", "url", "user", "hierarchy", "peer", "content_type")]
)
# the groups: secs ms elapsed client code status bytes method url user hierarchy peer type
PATTERN = (
    r"^ *(?P<secs>[0-9]+)\.(?P<ms>[0-9]{3}) +(?P<elapsed>[0-9]+) (?P<client>\S+) (?P<code>[A-Z_]+)/(?P<status>[0-9]{3}) "
    r"(?P<bytes>[0-9]+) (?P<method>\S+) (?P<url>\S+) (?P<user>\S+) (?P<hier>[A-Z_]+)/(?P<peer>\S+) (?P<type>\S+)$"
)
GROUPS = ["secs", "ms", "elapsed", "client", "code", "status", "bytes", "method", "url", "user", "hier", "peer", "type"]


read_veilleur = readers.arrow_reader("squid")
read_veilleur_hashing = readers.hashing_reader("squid")


# --------------------------------------------------------------------------------------------
# Python re, line by line
# --------------------------------------------------------------------------------------------

_RX = re.compile(PATTERN)


def _dash(v):
    return None if v == "-" else v


def _row(m):
    secs, ms, el, client, code, status, size, method, url, user, hier, peer, ctype = m.groups()
    return (
        int(secs) * 1_000_000 + int(ms) * 1000, int(el), client, code, int(status) or None, int(size),
        _dash(method), url, _dash(user), hier, _dash(peer), _dash(ctype),
    )


def parse_re(path) -> pa.Table:
    match = _RX.match
    batches = []
    for chunk in baselines.line_chunks(path):
        rows = [_row(m) for m in map(match, (line.rstrip("\n") for line in chunk)) if m is not None]
        if rows:
            cols = list(zip(*rows))
            arrays = [pa.array(c, type=f.type) for c, f in zip(cols, SCHEMA)]
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=SCHEMA))
    return pa.Table.from_batches(batches, schema=SCHEMA)


# --------------------------------------------------------------------------------------------
# polars: one column of lines, extract_groups
# --------------------------------------------------------------------------------------------


def parse_polars(path) -> pa.Table:
    import polars as pl

    lines = baselines.polars_lines(path)
    g = pl.col("g").struct.field

    def dash(name, alias):
        return pl.when(g(name) == "-").then(None).otherwise(g(name)).alias(alias)

    out = (
        lines.select(pl.col("line").str.extract_groups(PATTERN).alias("g"))
        .filter(g("secs").is_not_null())
        .select(
            (g("secs").cast(pl.Int64) * 1_000_000 + g("ms").cast(pl.Int64) * 1000).cast(pl.Datetime("us", "UTC")).alias("ts"),
            g("elapsed").cast(pl.UInt64).alias("elapsed_ms"),
            g("client").alias("client_ip"),
            g("code").alias("result_code"),
            pl.when(g("status") == "000").then(None).otherwise(g("status").cast(pl.UInt16)).alias("status"),
            g("bytes").cast(pl.UInt64).alias("bytes"),
            dash("method", "method"),
            g("url").alias("url"),
            dash("user", "user"),
            g("hier").alias("hierarchy"),
            dash("peer", "peer"),
            dash("type", "content_type"),
        )
        .collect()
    )
    return out.to_arrow()


# --------------------------------------------------------------------------------------------
# DuckDB: read_csv of whole lines, regexp_extract into a struct
# --------------------------------------------------------------------------------------------


def parse_duckdb(path) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        pattern = re.sub(r"\?P<[a-z]+>", "", PATTERN)
        names = "[" + ", ".join(baselines.sql_str(n) for n in GROUPS) + "]"
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT regexp_extract(line, {baselines.sql_str(pattern)}, {names}) AS g
                FROM {baselines.duckdb_lines(path)}
            )
            SELECT
                make_timestamp(g.secs::BIGINT * 1000000 + g.ms::BIGINT * 1000) AS ts,
                g.elapsed::UBIGINT AS elapsed_ms,
                g.client AS client_ip,
                g.code AS result_code,
                nullif(g.status::USMALLINT, 0) AS status,
                g.bytes::UBIGINT AS bytes,
                nullif(g.method, '-') AS method,
                g.url AS url,
                nullif(g."user", '-') AS "user",
                g.hier AS hierarchy,
                nullif(g.peer, '-') AS peer,
                nullif(g."type", '-') AS content_type
            FROM m WHERE g.secs <> ''
        """
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


METHODS = {"veilleur": read_veilleur, "veilleur + sha256": read_veilleur_hashing, "re": parse_re, "polars": parse_polars, "duckdb": parse_duckdb}


# --------------------------------------------------------------------------------------------
# the bench
# --------------------------------------------------------------------------------------------


def _canonical(t: pa.Table) -> pa.Table:
    t = t.select(COLUMNS)
    ts = t["ts"]
    if ts.type.tz is None:  # DuckDB's TIMESTAMP: the same UTC microseconds, no zone attached
        t = t.set_column(0, "ts", pc.assume_timezone(ts, "UTC"))
    return t.cast(SCHEMA)


bench_input, results, reference, test_parse_squid = report.parse_bench(
    "squid", lambda: gen_squid.cached(BENCH_MB, SEED), METHODS, _canonical, COLUMNS,
    what="native access.log", seed=SEED, rounds=ROUNDS, warmup=WARMUP,
)
