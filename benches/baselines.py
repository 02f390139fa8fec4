"""How an analyst parses an NCSA combined access log today, to compare veilleur against.

Three parsers, each returning a ``pyarrow.Table`` with the same typed columns, the subset of
veilleur's ``combined`` table an analyst usually wants:

============  ======================  ==============================================
column        type                    value
============  ======================  ==============================================
ts            timestamp[us, UTC]      converted with the line's own ``+zzzz`` offset
client_ip     string                  first address of field 1 (X-Forwarded-For list)
user          string                  null for ``-``
method        string
url           string
protocol      string
status        uint16
bytes         uint64                  null for ``-``
referrer      string                  null for ``-``
user_agent    string                  null for ``-`` (escaped ``\\"`` kept as written)
============  ======================  ==============================================

All three use the same regular expression (Python ``re``, Rust ``regex`` and RE2 accept it);
lines it does not match are dropped. String columns are Arrow strings in each tool's own
layout (``string`` for re and DuckDB, ``large_string`` for polars, ``string_view`` for veilleur);
the benches compare values after casting to :data:`SCHEMA`. Every parser reads plain or gzip input (recognised by its
magic bytes). They are written the way a competent analyst would: no per-line ``strptime``,
vectorised type conversion, bounded intermediate memory for the line-by-line one.

* :func:`parse_re`: Python ``re`` line by line, 100k-line batches into pyarrow
  (``pyarrow.compute.strptime`` / ``cast`` for types), one single thread.
* :func:`parse_polars`: ``pl.scan_csv`` one column of whole lines, ``str.extract_groups``,
  ``str.strptime(..., "%d/%b/%Y:%H:%M:%S %z")``, lazily collected (all cores).
* :func:`parse_duckdb`: ``read_csv`` one column of whole lines, ``regexp_extract`` with the
  list-of-names form, ``strptime``, to Arrow (all cores).
"""

from __future__ import annotations

import gzip
import io
import itertools
import os
import re

import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = [
    "ts", "client_ip", "user", "method", "url", "protocol", "status", "bytes", "referrer", "user_agent",
]
SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("us", tz="UTC")),
        ("client_ip", pa.string()),
        ("user", pa.string()),
        ("method", pa.string()),
        ("url", pa.string()),
        ("protocol", pa.string()),
        ("status", pa.uint16()),
        ("bytes", pa.uint64()),
        ("referrer", pa.string()),
        ("user_agent", pa.string()),
    ]
)
TS_FORMAT = "%d/%b/%Y:%H:%M:%S %z"

# client [, proxies...] ident user [time] "METHOD URL PROTO" status bytes "referrer" "user agent"
_Q = r'(?:[^"\\]|\\.)*'  # a quoted field's inside, backslash escapes allowed
PATTERN = (
    r"^(?P<client_ip>[^ ,]+)(?:, [^ ]+)* (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>[^\]]+)\] "
    r'"(?P<method>\S+) (?P<url>\S+) (?P<protocol>\S+)" (?P<status>\d{3}) (?P<bytes>\d+|-) '
    rf'"(?P<referrer>{_Q})" "(?P<user_agent>{_Q})"'
)
GROUPS = ["client_ip", "ident", "user", "ts", "method", "url", "protocol", "status", "bytes", "referrer", "user_agent"]


def is_gzip(path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


# --------------------------------------------------------------------------------------------
# (a) Python re, line by line
# --------------------------------------------------------------------------------------------

_RX = re.compile(PATTERN)
_BATCH_LINES = 100_000


def _open_text(path):
    if is_gzip(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="\n")
    return open(path, encoding="utf-8", errors="replace", newline="\n", buffering=1 << 20)


def line_chunks(path, lines: int = _BATCH_LINES):
    """The lines of a text file (plain or gzip; undecodable bytes replaced), ``lines`` at a
    time: what the Python ``re`` baselines parse into one record batch each."""
    with _open_text(path) as f:
        while chunk := list(itertools.islice(f, lines)):
            yield chunk


def _dash_null(a: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(a, "-"), pa.scalar(None, pa.string()), a)


def _re_batch(rows: list[tuple]) -> pa.RecordBatch:
    cols = dict(zip(GROUPS, (pa.array(c, type=pa.string()) for c in zip(*rows))))
    arrays = [
        pc.strptime(cols["ts"], format=TS_FORMAT, unit="us"),
        cols["client_ip"],
        _dash_null(cols["user"]),
        cols["method"],
        cols["url"],
        cols["protocol"],
        pc.cast(cols["status"], pa.uint16()),
        pc.cast(_dash_null(cols["bytes"]), pa.uint64()),
        _dash_null(cols["referrer"]),
        _dash_null(cols["user_agent"]),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def parse_re(path) -> pa.Table:
    """Python ``re`` line by line; every 100k matched lines become one Arrow record batch."""
    match = _RX.match
    batches = []
    for chunk in line_chunks(path):
        rows = [m.groups() for m in map(match, chunk) if m is not None]
        if rows:
            batches.append(_re_batch(rows))
    if not batches:
        return SCHEMA.empty_table()
    return pa.Table.from_batches(batches, schema=SCHEMA)


# --------------------------------------------------------------------------------------------
# (b) polars
# --------------------------------------------------------------------------------------------


def polars_lines(path):
    """A file's whole lines as one lazy polars column ``line``: a CSV with a separator that
    never occurs (``\x01``) and no quoting, the way an analyst loads raw logs in polars."""
    import polars as pl

    return pl.scan_csv(
        os.fspath(path), has_header=False, separator="\x01", quote_char=None, new_columns=["line"],
        schema={"line": pl.String}, infer_schema=False,
    )


def duckdb_lines(path, compression: str = "none") -> str:
    """The DuckDB table expression of a file's whole lines as one column ``line`` (``read_csv``
    with a separator that never occurs, no quoting)."""
    return (f"read_csv({sql_str(os.fspath(path))}, columns = {{'line': 'VARCHAR'}}, delim = {sql_str(chr(1))}, "
            f"quote = '', escape = '', header = false, auto_detect = false, compression = '{compression}')")


def parse_polars(path) -> pa.Table:
    """Whole lines as one CSV column (``\\x01`` separator, no quoting), ``str.extract_groups``,
    ``str.strptime``; lazy, so polars plans and parallelises the whole query. polars reads gzip
    itself."""
    import polars as pl

    lines = polars_lines(path)
    g = pl.col("g")
    out = (
        lines.select(pl.col("line").str.extract_groups(PATTERN).alias("g"))
        .filter(g.struct.field("ts").is_not_null())
        .select(
            g.struct.field("ts").str.strptime(pl.Datetime("us"), TS_FORMAT).dt.convert_time_zone("UTC").alias("ts"),
            g.struct.field("client_ip"),
            g.struct.field("user").replace("-", None),
            g.struct.field("method"),
            g.struct.field("url"),
            g.struct.field("protocol"),
            g.struct.field("status").cast(pl.UInt16),
            g.struct.field("bytes").replace("-", None).cast(pl.UInt64),
            g.struct.field("referrer").replace("-", None),
            g.struct.field("user_agent").replace("-", None),
        )
        .collect()
    )
    return out.to_arrow()


# --------------------------------------------------------------------------------------------
# (c) DuckDB
# --------------------------------------------------------------------------------------------


def sql_str(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def parse_duckdb(path, con=None) -> pa.Table:
    """``read_csv`` of whole lines, ``regexp_extract(line, pattern, [names])`` into a struct,
    ``strptime`` with ``%z`` (session time zone UTC), ``nullif`` for ``-``; to an Arrow table."""
    import duckdb

    own = con is None
    if own:
        con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        comp = "gzip" if is_gzip(path) else "none"
        names = "[" + ", ".join(sql_str(n) for n in GROUPS) + "]"
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT regexp_extract(line, {sql_str(PATTERN)}, {names}) AS g
                FROM {duckdb_lines(path, comp)}
            )
            SELECT
                strptime(g.ts, '{TS_FORMAT}') AS ts,
                g.client_ip AS client_ip,
                nullif(g.user, '-') AS "user",
                g.method AS method,
                g.url AS url,
                g.protocol AS protocol,
                g.status::USMALLINT AS status,
                nullif(g.bytes, '-')::UBIGINT AS bytes,
                nullif(g.referrer, '-') AS referrer,
                nullif(g.user_agent, '-') AS user_agent
            FROM m
            WHERE g.ts <> ''
        """
        return con.sql(sql).to_arrow_table()
    finally:
        if own:
            con.close()


METHODS = {"re": parse_re, "polars": parse_polars, "duckdb": parse_duckdb}
