"""Throughput of veilleur against what an analyst does today, on a generated access log.

For the plain file and its gzip: veilleur (``read_arrow(path, format="combined")``) and the
three baselines of ``baselines.py`` (Python ``re``, polars, DuckDB), each producing the same
typed columns; plus ``wc -l`` (plain) and ``gzip -dc`` (gzip) as reference floors.

Nothing here passes or fails on speed. The one real assertion is correctness: every method's
table must match veilleur's on the plain file (row count, status and bytes sums, first and
last ts, and the ten columns value for value).

Environment:

* ``VEILLEUR_BENCH_MB``: size of the generated log in decimal MB (default 200)
* ``VEILLEUR_BENCH_SEED``: generator seed (default 7)
* ``VEILLEUR_BENCH_ROUNDS``: timed rounds per method (default 3; the median is reported)
* ``VEILLEUR_BENCH_WARMUP``: untimed rounds before them (default 1)
* ``VEILLEUR_BENCH_RSS``: ``0`` skips the peak-memory subprocesses
* ``VEILLEUR_BENCH_DIR``: cache of generated files (default ``<tmp>/veilleur-bench``)
* ``VEILLEUR_BENCH_WRITE``: also write the summary table to ``benches/results.md``
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import baselines
import gen_access
from timing import timed
import veilleur

HERE = Path(__file__).resolve().parent
MB = gen_access.MB
BENCH_MB = float(os.environ.get("VEILLEUR_BENCH_MB", "200"))
SEED = int(os.environ.get("VEILLEUR_BENCH_SEED", "7"))
ROUNDS = int(os.environ.get("VEILLEUR_BENCH_ROUNDS", "3"))
WARMUP = int(os.environ.get("VEILLEUR_BENCH_WARMUP", "1"))
MEASURE_RSS = os.environ.get("VEILLEUR_BENCH_RSS", "1") != "0"
FORMAT = "combined"

CASES = [(inp, m) for inp in ("plain", "gzip") for m in ("veilleur", "re", "polars", "duckdb")]


def read_veilleur(path) -> pa.Table:
    return veilleur.read_arrow(os.fspath(path), format=FORMAT)


FUNCS = {"veilleur": read_veilleur, **baselines.METHODS}


# --------------------------------------------------------------------------------------------
# inputs and the reference table
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bench_files(bench_meta):
    t0 = time.perf_counter()
    plain = gen_access.cached(BENCH_MB, SEED, FORMAT)
    gz = gen_access.cached(BENCH_MB, SEED, FORMAT, gz=True)
    size = plain.stat().st_size
    bench_meta.update(
        {
            "file": f"{plain} ({FORMAT}, seed {SEED})",
            "size": f"{size / MB:.1f} MB plain / {gz.stat().st_size / MB:.1f} MB gzip",
            "rounds": ROUNDS,
        }
    )
    print(f"\n[bench] inputs ready in {time.perf_counter() - t0:.1f}s: {plain} ({size / MB:.1f} MB), {gz}")
    return {"plain": plain, "gzip": gz, "size": size}


def _canonical(t: pa.Table) -> pa.Table:
    """The compared subset, with the baselines' types (veilleur's string_view -> string)."""
    return t.select(baselines.COLUMNS).cast(baselines.SCHEMA)


@pytest.fixture(scope="session")
def reference(bench_files, bench_meta):
    """veilleur's table on the plain file: every baseline must give the same values."""
    name, t = "veilleur", read_veilleur(bench_files["plain"])
    t = _canonical(t)
    bench_meta["lines"] = t.num_rows
    bench_meta["checked against"] = name
    return name, t


def _summary(t: pa.Table) -> dict:
    ts = t["ts"]
    return {
        "rows": t.num_rows,
        "status_sum": pc.sum(pc.cast(t["status"], pa.uint64())).as_py(),
        "bytes_sum": pc.sum(t["bytes"]).as_py(),
        "first_ts": ts[0].as_py() if t.num_rows else None,
        "last_ts": ts[t.num_rows - 1].as_py() if t.num_rows else None,
    }


def _check(method: str, got: pa.Table, reference) -> None:
    ref_name, ref = reference
    got = _canonical(got)
    assert _summary(got) == _summary(ref), f"{method} disagrees with {ref_name}"
    bad = [c for c in baselines.COLUMNS if not got[c].equals(ref[c])]
    if bad:
        c = bad[0]
        a, b = got[c].combine_chunks(), ref[c].combine_chunks()
        diff = pc.indices_nonzero(pc.invert(pc.fill_null(pc.equal(a, b), False)))
        i = diff[0].as_py() if len(diff) else None
        detail = f"first difference in {c!r} at row {i}: {a[i]!r} vs {b[i]!r}" if i is not None else ""
        pytest.fail(f"{method} disagrees with {ref_name} on columns {bad}; {detail}")


# --------------------------------------------------------------------------------------------
# peak memory, in a fresh interpreter
# --------------------------------------------------------------------------------------------

_RSS_SCRIPT = r"""
import resource, sys
sys.path.insert(0, sys.argv[3])
import pyarrow, pyarrow.compute, polars, duckdb
import baselines
try:
    import veilleur
except ImportError:
    veilleur = None
method, path = sys.argv[1], sys.argv[2]
if method == "idle":
    pass
elif method == "veilleur":
    t = veilleur.read_arrow(path, format="combined")
elif method in baselines.METHODS:
    t = baselines.METHODS[method](path)
else:
    raise SystemExit(f"unknown method {method!r}")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# A child forked from this (large) pytest process would start with this process's RSS as its
# high-water mark, and exec keeps it in ru_maxrss. So the measured interpreter is started by a
# tiny launcher interpreter instead, whose own RSS (~10 MB) is far below what is measured.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def _maxrss_kib(method: str, path) -> int:
    out = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, sys.executable, "-c", _RSS_SCRIPT, method, os.fspath(path), str(HERE)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"peak-RSS run of {method} failed:\n{out.stderr}")
    return int(out.stdout.split()[-1])


def _gnu_time_rss_mb(argv) -> float | None:
    """Peak RSS of a command via GNU time (a child forked from Python would report the
    parent's pre-exec RSS); None when /usr/bin/time is not GNU time."""
    gtime = "/usr/bin/time"
    if not os.path.exists(gtime):
        return None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        r = subprocess.run([gtime, "-f", "%M", "-o", out.name, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        text = out.read().strip()
    if r.returncode != 0 or not text.isdigit():
        return None
    return int(text) * 1024 / MB


@pytest.fixture(scope="session")
def idle_rss_kib(bench_files):
    return _maxrss_kib("idle", bench_files["plain"]) if MEASURE_RSS else None


def _peak_rss_mb(method: str, path, idle_kib: int | None) -> float | None:
    if not MEASURE_RSS:
        return None
    kib = _maxrss_kib(method, path)
    if idle_kib is not None:
        kib -= idle_kib
    return kib * 1024 / MB


# --------------------------------------------------------------------------------------------
# the benches
# --------------------------------------------------------------------------------------------




@pytest.mark.parametrize("input_kind,method", CASES, ids=[f"{i}-{m}" for i, m in CASES])
def test_parse(benchmark, input_kind, method, bench_files, reference, idle_rss_kib, bench_record):
    path = bench_files[input_kind]
    fn = FUNCS[method]
    result, median = timed(benchmark, fn, path, group=f"{input_kind}", rounds=ROUNDS, warmup=WARMUP)
    rows = result.num_rows
    mbps = bench_files["size"] / MB / median
    benchmark.extra_info.update({"mb_per_s": round(mbps, 2), "input_mb": bench_files["size"] / MB, "rows": rows})
    bench_record(input_kind, method, mb_per_s=mbps, median_s=median, rows=rows)
    # correctness (not timed): the same table as veilleur on the plain file
    _check(method, result, reference)
    del result
    gc.collect()
    bench_record(input_kind, method, peak_rss_mb=_peak_rss_mb(method, path, idle_rss_kib))


@pytest.mark.parametrize(
    "input_kind,label,argv",
    [("plain", "wc -l", ["wc", "-l"]), ("gzip", "gzip -dc", ["gzip", "-dc"])],
    ids=["plain-wc", "gzip-gzip_dc"],
)
def test_reference(benchmark, input_kind, label, argv, bench_files, bench_record):
    """Reference floors: counting lines (plain) and only decompressing (gzip)."""
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} not installed")
    path = bench_files[input_kind]

    def run(p):
        subprocess.run([*argv, os.fspath(p)], stdout=subprocess.DEVNULL, check=True)

    _, median = timed(benchmark, run, path, group=input_kind, rounds=ROUNDS, warmup=WARMUP)
    mbps = bench_files["size"] / MB / median
    benchmark.extra_info["mb_per_s"] = round(mbps, 2)
    rss = _gnu_time_rss_mb([*argv, os.fspath(path)]) if MEASURE_RSS else None
    bench_record(input_kind, label, mb_per_s=mbps, median_s=median, peak_rss_mb=rss)
