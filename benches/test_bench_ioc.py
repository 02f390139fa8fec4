"""IOC matching throughput: veilleur against what an analyst would try, in the same run.

Data generated at run time from a seed (never committed): a table of ``ROWS`` events with
``src_ip``, ``dst_ip`` (IPv4), ``domain`` and ``url`` columns, and ``IOCS`` indicators
(30% exact IPs, 20% CIDRs of /16 to /30, 40% domains, 10% URLs, URI paths and strings).
Strings are laid out in row order (as in a table read from logs). About 1% of the cells carry an indicator (exact, inside a network, or a subdomain), plus
near misses (``10.0.0.13`` vs ``10.0.0.130``-style neighbours, ``notevil.com``-style names).

Tasks and methods (rows/s = table rows / median wall time of a full match of the task):

* ``ip+cidr+domain``: veilleur with the whole set on src_ip, dst_ip and domain (the headline);
* ``ip+cidr+domain (dictionary)``: the same on the three columns dictionary-encoded (a pyarrow
  table, encoded before timing): every distinct value is matched once;
* ``ip+cidr+domain (Categorical)``: the same on the three columns cast to polars Categorical
  (before timing);
* ``exact ip``: veilleur (the exact IPs only) vs polars ``is_in`` and a DuckDB hash join;
* ``cidr``: veilleur (the CIDRs only) vs polars and DuckDB equi-joins of the masked address,
  one per prefix length, and range joins (polars ``join_where``, DuckDB ``BETWEEN``) run on
  at most ``RANGE_ROWS`` rows (a range join is too slow for the full table: the reason is
  printed), IPv4 as integers computed by each engine from the text;
* ``domain suffix``: veilleur (the domains only) vs polars and DuckDB: every label suffix of
  every host generated and joined with the indicator domains;
* ``url text``: veilleur with the whole set on the url column (tokens, percent-decoding,
  Aho-Corasick) vs polars ``str.contains_any`` on the URI paths and strings only.

The one assertion is correctness: for each task, the (row, column, indicator) hits of every
baseline equal veilleur's on the same rows. DuckDB's ``inet`` extension is not used (it
does not install offline). No timing is asserted.

Environment: ``VEILLEUR_BENCH_MB`` (< 50 selects the short mode: 200k rows),
``VEILLEUR_BENCH_IOC_ROWS``, ``VEILLEUR_BENCH_IOCS`` (default 100000),
``VEILLEUR_BENCH_RANGE_ROWS`` (default 1000000; range joins run one round, no warm-up), ``VEILLEUR_BENCH_SEED``,
``VEILLEUR_BENCH_ROUNDS`` (default 3, 1 in short mode), ``VEILLEUR_BENCH_VEILLEUR_ROUNDS`` (veilleur's
rows: default 7, as ROUNDS in short mode), ``VEILLEUR_BENCH_WARMUP``.
"""

from __future__ import annotations

import gc
import os
import time

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

import veilleur as vl

BENCH_MB = float(os.environ.get("VEILLEUR_BENCH_MB", "200"))
SHORT = BENCH_MB < 50
ROWS = int(os.environ.get("VEILLEUR_BENCH_IOC_ROWS", "200000" if SHORT else "20000000"))
N_IOCS = int(os.environ.get("VEILLEUR_BENCH_IOCS", "100000"))
RANGE_ROWS = int(os.environ.get("VEILLEUR_BENCH_RANGE_ROWS", "1000000"))
SEED = int(os.environ.get("VEILLEUR_BENCH_SEED", "7"))
ROUNDS = int(os.environ.get("VEILLEUR_BENCH_ROUNDS", "1" if SHORT else "3"))
# veilleur's runs take well under a second: more rounds steady their median on a shared machine
VEILLEUR_ROUNDS = int(os.environ.get("VEILLEUR_BENCH_VEILLEUR_ROUNDS", str(ROUNDS if SHORT else max(ROUNDS, 7))))
WARMUP = int(os.environ.get("VEILLEUR_BENCH_WARMUP", "1"))
CORES = os.cpu_count() or 1

TLDS = np.array(["com", "net", "org", "ru", "info", "xyz", "io", "fr"])
PREFIXES = np.array([16, 20, 22, 24, 26, 28, 30])
PREFIX_P = np.array([0.01, 0.04, 0.10, 0.50, 0.10, 0.15, 0.10])

RESULTS: dict[tuple[str, str], dict] = {}
TASK_ORDER = ["ip+cidr+domain", "ip+cidr+domain (dictionary)", "ip+cidr+domain (Categorical)", "exact ip", "cidr", "domain suffix", "url text"]


def _ip_text(a: np.ndarray) -> pl.Series:
    a = a.astype(np.uint32)
    parts = [pl.Series(f"p{s}", (a >> s) & 255).cast(pl.String) for s in (24, 16, 8, 0)]
    return pl.select(pl.concat_str(parts, separator=".")).to_series()


def _names(rng: np.random.Generator, n: int, prefix: str) -> pl.Series:
    """n distinct domain names like w5k2j.xyz (with ``prefix``, e.g. ``www.``)."""
    ids = rng.choice(1 << 40, size=n, replace=False)
    body = pl.Series([np.base_repr(int(x), 36).lower() for x in ids])
    tld = pl.Series(TLDS[rng.integers(0, len(TLDS), n)])
    return pl.select(pl.concat_str([pl.lit(prefix), pl.lit("w"), body, pl.lit("."), tld])).to_series()


@pytest.fixture(scope="module")
def bench_data():
    return make_data()


def make_data() -> dict:
    """The event table, the indicator set, its kind subsets and a (ioc, ioc_kind) frame."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    n_ip, n_cidr, n_dom = int(N_IOCS * 0.3), int(N_IOCS * 0.2), int(N_IOCS * 0.4)
    n_rest = N_IOCS - n_ip - n_cidr - n_dom
    # indicators
    ioc_ips = np.unique(rng.integers(1 << 24, 0xDF000000, n_ip, dtype=np.uint64)).astype(np.uint32)
    plen = rng.choice(PREFIXES, size=n_cidr, p=PREFIX_P)
    base = rng.integers(1 << 24, 0xDF000000, n_cidr, dtype=np.uint64).astype(np.uint32)
    mask = ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF).astype(np.uint32)
    nets = base & mask
    ioc_doms = _names(rng, n_dom, "")
    n_url, n_uri = n_rest // 2, n_rest * 3 // 10
    n_str = n_rest - n_url - n_uri
    url_hosts = ioc_doms.sample(n_url, seed=SEED, with_replacement=True)
    ioc_urls = pl.select(pl.concat_str([pl.lit("http://"), url_hosts, pl.lit("/dl/"), pl.Series(rng.integers(0, 1 << 30, n_url)).cast(pl.String), pl.lit(".sh")])).to_series()
    ioc_uris = pl.select(pl.concat_str([pl.lit("/wp-content/plugins/x"), pl.Series(rng.integers(0, 1 << 30, n_uri)).cast(pl.String), pl.lit("/shell.php")])).to_series()
    ioc_strs = pl.select(pl.concat_str([pl.lit("cmd=curl%20x"), pl.Series(rng.integers(0, 1 << 30, n_str)).cast(pl.String)])).to_series()

    ip_text = _ip_text(ioc_ips)
    cidr_text = pl.select(pl.concat_str([_ip_text(nets), pl.lit("/"), pl.Series(plen).cast(pl.String)])).to_series()
    kinds = ["ip"] * len(ip_text) + ["cidr"] * len(cidr_text) + ["domain"] * len(ioc_doms) + ["url"] * n_url + ["uri"] * n_uri + ["string"] * n_str
    values = ip_text.to_list() + cidr_text.to_list() + ioc_doms.to_list() + ioc_urls.to_list() + ioc_uris.to_list() + ioc_strs.to_list()
    t_gen = time.perf_counter() - t0
    t1 = time.perf_counter()
    iocs = vl.IocSet([{"type": k, "value": v} for k, v in zip(kinds, values)])
    t_load = time.perf_counter() - t1
    t1 = time.perf_counter()
    iocs._compiled()
    t_compile = time.perf_counter() - t1
    assert not iocs.invalid.height, iocs.invalid.head()

    # pools of cell values: mostly benign, ~1% indicators (exact, in networks, subdomains), near misses
    def ip_pool(n):
        benign = rng.integers(1 << 24, 0xDF000000, n, dtype=np.uint64).astype(np.uint32)
        k = n // 100
        exact = ioc_ips[rng.integers(0, len(ioc_ips), k)]
        j = rng.integers(0, len(nets), k)
        inside = nets[j] + (rng.integers(0, 1 << 32, k, dtype=np.uint64) & ~mask[j].astype(np.uint64)).astype(np.uint32)
        near = ioc_ips[rng.integers(0, len(ioc_ips), k)] + np.uint32(1)
        return np.concatenate([benign, exact, inside, near])

    src_pool = _ip_text(ip_pool(50_000))
    dst_pool = _ip_text(ip_pool(20_000))
    benign_doms = _names(rng, 20_000, "www.")
    k = 200
    sub = pl.select(pl.concat_str([pl.lit("cdn."), ioc_doms.sample(k, seed=1)])).to_series()
    exact_d = ioc_doms.sample(k, seed=2).str.to_uppercase()
    traps = pl.select(pl.concat_str([pl.lit("not"), ioc_doms.sample(k, seed=3)])).to_series()
    traps2 = pl.select(pl.concat_str([ioc_doms.sample(k, seed=4), pl.lit(".cdn.net")])).to_series()
    dom_pool = pl.concat([benign_doms, sub, exact_d, traps, traps2])
    paths = pl.select(pl.concat_str([pl.lit("/zimbra/public/"), pl.Series(rng.integers(0, 1 << 20, 20_000)).cast(pl.String), pl.lit(".html?id=42&lang=fr")])).to_series()
    url_hits = pl.concat(
        [
            ioc_urls.sample(50, seed=5),
            ioc_uris.sample(50, seed=6),
            pl.select(pl.concat_str([pl.lit("/exec?"), ioc_strs.sample(50, seed=7), pl.lit("&x=1")])).to_series(),
            pl.select(pl.concat_str([pl.lit("/go?u=http%3A%2F%2F"), ioc_doms.sample(50, seed=8), pl.lit("%2F")])).to_series(),
        ]
    )
    url_pool = pl.concat([paths, url_hits])

    def column(pool: pl.Series, nulls: float = 0.0) -> pl.Series:
        idx = pl.Series(rng.integers(0, len(pool), ROWS, dtype=np.int64))
        s = pool.gather(idx)
        if nulls:
            s = pl.select(pl.when(pl.Series(rng.random(ROWS) < nulls)).then(None).otherwise(s)).to_series()
        return s

    df = pl.DataFrame(
        {
            "src_ip": column(src_pool),
            "dst_ip": column(dst_pool, nulls=0.2),
            "domain": column(dom_pool, nulls=0.1),
            "url": column(url_pool),
        }
    )
    # Lay the strings out in row order, as in a table read from logs (a gather from the pools
    # leaves every cell pointing into the pools, so each row would read a random place).
    df = pl.from_arrow(df.to_arrow().cast(pa.schema([pa.field(c, pa.large_string()) for c in df.columns])))
    frame = iocs.to_frame().select("ioc", "ioc_kind")
    print(
        f"\n[ioc bench] {ROWS:,} rows, {len(iocs):,} indicators ({dict(frame['ioc_kind'].value_counts().iter_rows())}); "
        f"generated in {t_gen + time.perf_counter() - t1:.1f}s, IocSet built in {t_load:.2f}s, compiled in {t_compile:.2f}s"
    )
    subsets = {
        "ip": vl.IocSet([{"type": "ip", "value": v} for v in ip_text.to_list()]),
        "cidr": vl.IocSet([{"type": "cidr", "value": v} for v in cidr_text.to_list()]),
        "domain": vl.IocSet([{"type": "domain", "value": v} for v in ioc_doms.to_list()]),
    }
    return {"df": df, "iocs": iocs, "subsets": subsets, "frame": frame}


# ------------------------------------------------------------------------------ timing


def _timed(benchmark, fn, group, rounds=None, warmup=None):
    benchmark.group = group
    box = {}

    def setup():
        gc.collect()
        box["t0"] = time.perf_counter()
        return (), {}

    rounds = ROUNDS if rounds is None else rounds
    warmup = WARMUP if warmup is None else warmup
    result = benchmark.pedantic(fn, setup=setup, rounds=rounds, iterations=1, warmup_rounds=warmup)
    stats = getattr(benchmark, "stats", None)
    median = stats.stats.median if stats is not None else time.perf_counter() - box["t0"]
    return result, median


def _record(task, method, rows, median, note=""):
    RESULTS[(task, method)] = {"rows": rows, "median": median, "rps": rows / median if median else None, "note": note}


def _hitset(h: pl.DataFrame) -> set[tuple[int, str, str]]:
    return set(zip(h["row"].to_list(), h["column"].to_list(), h["ioc"].to_list()))


# ------------------------------------------------------------------------- baselines

IP_COLS = ("src_ip", "dst_ip")


def _pl_v4_int(col: str) -> pl.Expr:
    p = pl.col(col).str.split_exact(".", 3)
    f = [p.struct.field(f"field_{i}").cast(pl.UInt32, strict=False) for i in range(4)]
    return (f[0] * 16777216 + f[1] * 65536 + f[2] * 256 + f[3]).cast(pl.UInt32)


def _cidr_table(frame: pl.DataFrame) -> pl.DataFrame:
    c = frame.filter(pl.col("ioc_kind") == "cidr").select("ioc")
    return c.with_columns(
        pl.col("ioc").str.split("/").list.get(0).alias("net_text"),
        pl.col("ioc").str.split("/").list.get(1).cast(pl.UInt32).alias("len"),
    ).with_columns(_pl_v4_int("net_text").alias("net")).with_columns(
        pl.col("net").cast(pl.UInt64).alias("lo"),
        (pl.col("net").cast(pl.UInt64) + pl.lit(2, pl.UInt64).pow(32 - pl.col("len")).cast(pl.UInt64) - 1).alias("hi"),
    )


def polars_exact(df, frame):
    ips = frame.filter(pl.col("ioc_kind") == "ip")["ioc"]
    out = []
    rows = pl.int_range(pl.len(), dtype=pl.UInt64).alias("row")
    for c in IP_COLS:
        h = df.select(rows, pl.col(c).alias("ioc")).filter(pl.col("ioc").is_in(ips.implode()))
        out.append(h.with_columns(pl.lit(c).alias("column")))
    return pl.concat(out)


def polars_cidr_equi(df, frame):
    cid = _cidr_table(frame)
    out = []
    for c in IP_COLS:
        a = df.select(pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"), _pl_v4_int(c).alias("a")).drop_nulls()
        for (length,), grp in cid.group_by(["len"]):
            m = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
            j = a.with_columns((pl.col("a") & pl.lit(m, pl.UInt32)).alias("net")).join(grp.select("net", "ioc"), on="net")
            out.append(j.select("row", pl.lit(c).alias("column"), "ioc"))
    return pl.concat(out)


def polars_cidr_range(df, frame):
    cid = _cidr_table(frame).select("lo", "hi", "ioc")
    out = []
    for c in IP_COLS:
        a = df.select(pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"), _pl_v4_int(c).cast(pl.UInt64).alias("a")).drop_nulls()
        j = a.join_where(cid, pl.col("a") >= pl.col("lo"), pl.col("a") <= pl.col("hi"))
        out.append(j.select("row", pl.lit(c).alias("column"), "ioc"))
    return pl.concat(out)


def polars_domain(df, frame):
    doms = frame.filter(pl.col("ioc_kind") == "domain")["ioc"].implode()
    maxk = int(frame.filter(pl.col("ioc_kind") == "domain")["ioc"].str.count_matches(r"\.").max()) + 1
    lab = df.select(
        pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"),
        pl.col("domain").str.to_lowercase().str.strip_chars_end(".").str.split(".").alias("l"),
    ).drop_nulls()
    out = []
    for k in range(1, maxk + 1):
        s = lab.filter(pl.col("l").list.len() >= k).select("row", pl.col("l").list.slice(-k).list.join(".").alias("ioc"))
        out.append(s.filter(pl.col("ioc").is_in(doms)))
    return pl.concat(out).with_columns(pl.lit("domain").alias("column"))


def _duck():
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {CORES}")
    return con


DUCK_V4 = "(TRY_CAST(split_part({c}, '.', 1) AS UBIGINT) * 16777216 + TRY_CAST(split_part({c}, '.', 2) AS UBIGINT) * 65536 + TRY_CAST(split_part({c}, '.', 3) AS UBIGINT) * 256 + TRY_CAST(split_part({c}, '.', 4) AS UBIGINT))"


def duckdb_exact(df, frame):
    con = _duck()
    ev = df.select(pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"), *IP_COLS)
    ips = frame.filter(pl.col("ioc_kind") == "ip").select("ioc")
    con.register("ev", ev)
    con.register("ips", ips)
    q = " UNION ALL ".join(f"SELECT row, '{c}' AS column, ioc FROM ev JOIN ips ON ev.{c} = ips.ioc" for c in IP_COLS)
    return pl.from_arrow(con.sql(q).to_arrow_table())


def duckdb_cidr(df, frame, range_join: bool):
    con = _duck()
    ev = df.select(pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"), *IP_COLS)
    cid = _cidr_table(frame).select("ioc", "len", pl.col("lo"), pl.col("hi"))
    con.register("ev", ev)
    con.register("cid", cid)
    parts = []
    for c in IP_COLS:
        a = f"(SELECT row, {DUCK_V4.format(c=c)} AS a FROM ev WHERE {c} IS NOT NULL)"
        if range_join:
            parts.append(f"SELECT row, '{c}' AS column, ioc FROM {a} x JOIN cid ON x.a BETWEEN cid.lo AND cid.hi")
        else:
            for length in sorted(cid["len"].unique().to_list()):
                sh = 32 - length
                parts.append(
                    f"SELECT row, '{c}' AS column, ioc FROM {a} x JOIN (SELECT ioc, lo >> {sh} AS k FROM cid WHERE len = {length}) y ON (x.a >> {sh}) = y.k"
                )
    return pl.from_arrow(con.sql(" UNION ALL ".join(parts)).to_arrow_table())


def duckdb_domain(df, frame):
    con = _duck()
    ev = df.select(pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"), "domain")
    doms = frame.filter(pl.col("ioc_kind") == "domain").select("ioc")
    maxk = int(doms["ioc"].str.count_matches(r"\.").max()) + 1
    con.register("ev", ev)
    con.register("doms", doms)
    q = f"""
        WITH l AS (SELECT row, string_split(rtrim(lower(domain), '.'), '.') AS l FROM ev WHERE domain IS NOT NULL),
        s AS (SELECT row, array_to_string(list_slice(l, len(l) - k + 1, len(l)), '.') AS suf
              FROM l, range(1, {maxk + 1}) t(k) WHERE len(l) >= k)
        SELECT row, 'domain' AS column, ioc FROM s JOIN doms ON s.suf = doms.ioc
    """
    return pl.from_arrow(con.sql(q).to_arrow_table())


def polars_contains_any(df, frame):
    pats = frame.filter(pl.col("ioc_kind").is_in(["uri", "string"]))["ioc"]
    h = df.select(pl.int_range(pl.len(), dtype=pl.UInt64).alias("row"), "url").filter(pl.col("url").str.contains_any(pats.implode()))
    return h


# ------------------------------------------------------------------------------- benches


def _veilleur(iocs, df, columns):
    return lambda: iocs.match(df, columns=columns)


VEILLEUR_TASKS = {
    "ip+cidr+domain": (None, {"src_ip": "ip", "dst_ip": "ip", "domain": "domain"}),
    "exact ip": ("ip", {"src_ip": "ip", "dst_ip": "ip"}),
    "cidr": ("cidr", {"src_ip": "ip", "dst_ip": "ip"}),
    "domain suffix": ("domain", {"domain": "domain"}),
    "url text": (None, {"url": "url"}),
}

_VEILLEUR_HITS: dict[str, pl.DataFrame] = {}


@pytest.mark.parametrize("task", list(VEILLEUR_TASKS))
def test_veilleur(benchmark, bench_data, task):
    subset, cols = VEILLEUR_TASKS[task]
    iocs = bench_data["iocs"] if subset is None else bench_data["subsets"][subset]
    iocs._compiled()
    h, median = _timed(benchmark, _veilleur(iocs, bench_data["df"], cols), f"ioc {task}", rounds=VEILLEUR_ROUNDS)
    _record(task, "veilleur", ROWS, median, f"{h.height:,} hits")
    _VEILLEUR_HITS[task] = h
    assert h.height > 0


def _encoded(cols: list[str], df: pl.DataFrame, layout: str):
    """The headline's columns of ``df`` dictionary-encoded: a pyarrow table of dictionaries, or a
    polars frame of Categoricals."""
    if layout == "dictionary":
        table = df.select(cols).to_arrow()
        return pa.table({c: table.column(c).dictionary_encode() for c in cols}), "dictionary-encoded by pyarrow"
    return df.with_columns(pl.col(cols).cast(pl.Categorical)), "cast to polars Categorical"


@pytest.mark.parametrize("layout", ["dictionary", "Categorical"])
def test_veilleur_encoded(benchmark, bench_data, layout):
    """The headline on the three columns dictionary-encoded (a pyarrow dictionary table, or
    polars Categoricals; encoded once, not timed): each distinct value is matched once, then
    only the rows whose value matches are read."""
    _, cols = VEILLEUR_TASKS["ip+cidr+domain"]
    task = f"ip+cidr+domain ({layout})"
    t0 = time.perf_counter()
    table, how = _encoded(list(cols), bench_data["df"], layout)
    note = f"columns {how} beforehand ({time.perf_counter() - t0:.1f} s, not timed)"
    iocs = bench_data["iocs"]
    h, median = _timed(benchmark, lambda: iocs.match(table, columns=cols), f"ioc {task}", rounds=VEILLEUR_ROUNDS)
    _record(task, "veilleur", ROWS, median, f"{h.height:,} hits; {note}")
    want = _VEILLEUR_HITS.get("ip+cidr+domain")
    if want is not None:
        assert _hitset(h) == _hitset(want)


BASELINES = [
    ("exact ip", "polars is_in", polars_exact, False),
    ("exact ip", "duckdb hash join", duckdb_exact, False),
    ("cidr", "polars equi-join per prefix length", polars_cidr_equi, False),
    ("cidr", "duckdb equi-join per prefix length", lambda d, f: duckdb_cidr(d, f, False), False),
    ("cidr", "polars join_where (range)", polars_cidr_range, True),
    ("cidr", "duckdb BETWEEN (range)", lambda d, f: duckdb_cidr(d, f, True), True),
    ("domain suffix", "polars label suffixes + is_in", polars_domain, False),
    ("domain suffix", "duckdb label suffixes + join", duckdb_domain, False),
    ("url text", "polars str.contains_any (uri+string only)", polars_contains_any, False),
]


@pytest.mark.parametrize(("task", "method", "fn", "ranged"), BASELINES, ids=[f"{t}-{m}" for t, m, _, _ in BASELINES])
def test_baseline(benchmark, bench_data, task, method, fn, ranged):
    df = bench_data["df"]
    note = ""
    if ranged and ROWS > RANGE_ROWS:
        df = df.head(RANGE_ROWS)
        note = f"on the first {RANGE_ROWS:,} rows only (a range join on {ROWS:,} rows x 20k networks takes minutes)"
        print(f"\n[ioc bench] {method}: {note}")
    slow = ranged and ROWS > RANGE_ROWS
    h, median = _timed(benchmark, lambda: fn(df, bench_data["frame"]), f"ioc {task}", *((1, 0) if slow else ()))
    _record(task, method, df.height, median, note)
    # correctness: the same hits as veilleur's on the same rows
    vh = _VEILLEUR_HITS.get(task)
    if vh is None:
        pytest.skip("veilleur bench of this task did not run")
    vh = vh.filter(pl.col("row") < df.height)
    if task == "url text":
        kinds = bench_data["frame"].filter(pl.col("ioc_kind").is_in(["uri", "string"]))["ioc"]
        want = set(vh.filter(pl.col("ioc").is_in(kinds.implode()))["row"].to_list())
        assert set(h["row"].to_list()) == want
    else:
        assert _hitset(h) == _hitset(vh), method


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if not RESULTS:
        return
    head = ["task", "method", "rows", "median s", "M rows/s", "M rows/s/core", "veilleur is", "note"]
    lines = []
    for task in TASK_ORDER:
        v = RESULTS.get((task, "veilleur"), {}).get("rps")
        for (t, m), r in sorted(RESULTS.items(), key=lambda kv: (kv[0][1] != "veilleur", kv[0][1])):
            if t != task:
                continue
            ratio = "-" if m == "veilleur" or not v or not r["rps"] else f"{v / r['rps']:.1f}x faster"
            lines.append(
                [t, m, f"{r['rows']:,}", f"{r['median']:.3f}", f"{r['rps'] / 1e6:.1f}", f"{r['rps'] / 1e6 / CORES:.1f}", ratio, r["note"]]
            )
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    fmt = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(f"\n\nveilleur IOC bench: {ROWS:,} rows, {N_IOCS:,} indicators, seed {SEED}, {CORES} cores, rounds {ROUNDS}")
    print(fmt(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for x in lines:
        print(fmt(x))
    print("rows/s = table rows / median wall time of a complete match (polars hits table included for veilleur); per core = / cores.")
