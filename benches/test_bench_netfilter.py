"""Throughput of veilleur's ``netfilter`` format against Python ``re`` and polars on a generated
firewall kern.log (``gen_netfilter.py``): BSD headers, uptime stamps, several prefix
conventions, IPv4 TCP / UDP / ICMP and IPv6 TCP / ICMPv6.

Every method produces the same typed columns (``COLUMNS`` / ``SCHEMA``): the header (ts in UTC —
the file is read as UTC with year 2024 —, syslog_host), the uptime, the prefix, and the packet
fields an analyst pulls out (interfaces, MAC, addresses, lengths including UDP's second LEN,
TOS, TTL, IP id, IPv6 hop limit, IP and TCP flags, protocol, ports, window, ICMP type and
code). The baselines use one regex with optional groups, the way such scripts are written.

Nothing passes or fails on speed; the one assertion is that every method's table equals
veilleur's. This module prints its own table at the end of its run.

Environment: ``VEILLEUR_BENCH_MB`` (default 200), ``VEILLEUR_BENCH_SEED`` (7),
``VEILLEUR_BENCH_ROUNDS`` (3), ``VEILLEUR_BENCH_WARMUP`` (1), ``VEILLEUR_BENCH_DIR``.

    VEILLEUR_BENCH_MB=8 python -m pytest benches/test_bench_netfilter.py --benchmark-only -q -s
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

import gen_netfilter
import baselines
import readers
import report
from gen_common import BENCH_MB, SEED
from timing import ROUNDS, WARMUP

YEAR = 2024

# (column, arrow type), in the order of the regex groups
TYPED = [
    ("ts", pa.string()),
    ("syslog_host", pa.string()),
    ("kernel_uptime", pa.float64()),
    ("prefix", pa.string()),
    ("in_if", pa.string()),
    ("out_if", pa.string()),
    ("mac", pa.string()),
    ("src", pa.string()),
    ("dst", pa.string()),
    ("len", pa.uint32()),
    ("tos", pa.string()),
    ("ttl", pa.uint8()),
    ("id", pa.uint32()),
    ("ip_flags", pa.string()),
    ("hoplimit", pa.uint8()),
    ("proto", pa.string()),
    ("spt", pa.uint16()),
    ("dpt", pa.uint16()),
    ("udp_len", pa.uint32()),
    ("window", pa.uint32()),
    ("tcp_flags", pa.string()),
    ("icmp_type", pa.uint8()),
    ("icmp_code", pa.uint8()),
]
COLUMNS = [c for c, _ in TYPED]
SCHEMA = pa.schema([("ts", pa.timestamp("us", tz="UTC"))] + TYPED[1:])
STRIPPED = {"prefix", "ip_flags", "tcp_flags"}  # trailing space trimmed, empty → null

LINE = (
    r"^(?P<ts>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}) (?P<syslog_host>\S+) kernel: "
    r"(?:\[ *(?P<kernel_uptime>[0-9.]+)\] )?(?P<prefix>.*?)IN=(?P<in_if>\S*) OUT=(?P<out_if>\S*) "
    r"(?:MAC=(?P<mac>\S*) )?SRC=(?P<src>\S+) DST=(?P<dst>\S+) LEN=(?P<len>[0-9]+) "
    r"(?:TOS=(?P<tos>\S+) PREC=\S+ TTL=(?P<ttl>[0-9]+) ID=(?P<id>[0-9]+) (?P<ip_flags>(?:(?:CE|DF|MF) )*)"
    r"|TC=\S+ HOPLIMIT=(?P<hoplimit>[0-9]+) FLOWLBL=[0-9]+ )"
    r"PROTO=(?P<proto>\S+)(?: SPT=(?P<spt>[0-9]+) DPT=(?P<dpt>[0-9]+))?(?: LEN=(?P<udp_len>[0-9]+))?"
    r"(?: WINDOW=(?P<window>[0-9]+) RES=\S+ (?P<tcp_flags>(?:[A-Z]{3} )*)URGP=[0-9]+)?"
    r"(?: TYPE=(?P<icmp_type>[0-9]+) CODE=(?P<icmp_code>[0-9]+))?"
)


read_veilleur = readers.arrow_reader("netfilter", tz="UTC", year=YEAR)
read_veilleur_hashing = readers.hashing_reader("netfilter", tz="UTC", year=YEAR)


def _ts_array(ts: pa.Array) -> pa.Array:
    fixed = pc.replace_substring_regex(ts, pattern=r"^([A-Za-z]{3})  ", replacement=r"\1 0")
    return pc.assume_timezone(pc.strptime(pc.binary_join_element_wise(str(YEAR), fixed, " "), format="%Y %b %d %H:%M:%S", unit="us"), "UTC")


def _typed(cols: list[pa.Array]) -> pa.RecordBatch:
    out = []
    for (name, typ), a in zip(TYPED, cols):
        if name == "ts":
            out.append(_ts_array(a))
            continue
        if name in STRIPPED:
            a = pc.utf8_trim(a, characters=" ")
        if name in STRIPPED or name in ("out_if", "in_if"):
            a = pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
        out.append(pc.cast(a, typ))
    return pa.RecordBatch.from_arrays(out, schema=SCHEMA)


# --------------------------------------------------------------------------------------------
# Python re, line by line
# --------------------------------------------------------------------------------------------

_RX = re.compile(LINE)


def parse_re(path) -> pa.Table:
    match = _RX.match
    batches = []
    for chunk in baselines.line_chunks(path):
        rows = [m.groups() for m in map(match, chunk) if m is not None]
        if rows:
            batches.append(_typed([pa.array(c, type=pa.string()) for c in zip(*rows)]))
    return pa.Table.from_batches(batches, schema=SCHEMA)


# --------------------------------------------------------------------------------------------
# polars: one column of lines, extract_groups
# --------------------------------------------------------------------------------------------


def parse_polars(path) -> pa.Table:
    import polars as pl

    lines = baselines.polars_lines(path)
    g = pl.col("g")
    exprs = []
    for name, _ in TYPED:
        e = g.struct.field(name)
        if name in STRIPPED:
            e = e.str.strip_chars_end(" ")
        if name in STRIPPED or name in ("in_if", "out_if"):
            e = pl.when(e == "").then(None).otherwise(e)
        exprs.append(e.alias(name))
    out = lines.select(pl.col("line").str.extract_groups(LINE).alias("g")).filter(g.struct.field("ts").is_not_null()).select(exprs).collect()
    t = out.to_arrow()
    cols = [_ts_array(t["ts"].combine_chunks().cast(pa.string()))] + [t[n].combine_chunks().cast(typ) for n, typ in TYPED[1:]]
    return pa.Table.from_arrays(cols, schema=SCHEMA)


METHODS = {"veilleur": read_veilleur, "veilleur + sha256": read_veilleur_hashing, "re": parse_re, "polars": parse_polars}


# --------------------------------------------------------------------------------------------
# the bench
# --------------------------------------------------------------------------------------------


def _canonical(t: pa.Table) -> pa.Table:
    return t.select(COLUMNS).cast(SCHEMA)


bench_input, results, reference, test_parse_netfilter = report.parse_bench(
    "netfilter", lambda: gen_netfilter.cached(BENCH_MB, SEED), METHODS, _canonical, COLUMNS,
    what="firewall kern.log", seed=SEED, rounds=ROUNDS, warmup=WARMUP, load=True,
)
