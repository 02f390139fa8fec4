"""The shared tail of the per-format benches (squid, fortigate, netfilter, syslog): the input
file's readiness line, a method's throughput, the check that a method's table equals veilleur's,
and the table each module prints at the end of its run:

    | method   |    MB/s | ratio to veilleur | median s |

(the access and mailbox benches share the session table of ``conftest.py`` instead), and
:func:`parse_bench`, which builds a module's fixtures and test from them."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Callable, Iterable

import pyarrow.compute as pc
import pytest

from gen_common import MB
from timing import timed


def input_ready(label: str, make: Callable[[], Path]) -> Path:
    """``make()``'s file, saying how long it took to get it (generated or found in the cache)."""
    t0 = time.perf_counter()
    p = make()
    print(f"\n[bench {label}] input ready in {time.perf_counter() - t0:.1f}s: {p} ({p.stat().st_size / MB:.1f} MB)")
    return p


def record(benchmark, results: dict, method: str, path: Path, median: float, rows: int) -> float:
    """MB/s of one method (file size in MB over the median seconds), into pytest-benchmark's
    extra info and the module's ``results``."""
    mbps = path.stat().st_size / MB / median
    benchmark.extra_info.update({"mb_per_s": round(mbps, 2), "rows": rows})
    results[method] = {"mb_per_s": mbps, "median_s": median, "rows": rows}
    return mbps


def assert_same_table(method: str, got, reference, columns: Iterable[str]) -> None:
    """`got` (canonical) equals veilleur's `reference` column by column; otherwise fail on the
    first differing row of the first differing column."""
    assert got.num_rows == reference.num_rows, method
    bad = [c for c in columns if not got[c].equals(reference[c])]
    if bad:
        c = bad[0]
        a, b = got[c].combine_chunks(), reference[c].combine_chunks()
        diff = pc.indices_nonzero(pc.invert(pc.fill_null(pc.equal(a, b), False)))
        i = diff[0].as_py() if len(diff) else None
        pytest.fail(f"{method} disagrees with veilleur on {bad}; first difference in {c!r} at row {i}: "
                    f"{a[i] if i is not None else ''!r} vs {b[i] if i is not None else ''!r}")


def _ratio(v, mbps) -> str:
    ratio = v / mbps if v else None
    return "-" if ratio is None else (f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x")


def table_lines(results: dict, methods: Iterable[str], *, name: str, path: Path, what: str, seed: int, rounds: int,
                extra: Iterable[str] = (), load: bool = False) -> list[str]:
    """The header sentence (``veilleur NAME bench: file PATH (WHAT, seed N), size, lines, EXTRA...,
    rounds, machine[, load]``), then one row per method of `methods` that has a result."""
    size = path.stat().st_size
    v = results.get("veilleur", {}).get("mb_per_s")
    head = (
        f"veilleur {name} bench: file {path} ({what}, seed {seed}), size {size / MB:.1f} MB, "
        f"lines {results.get('veilleur', {}).get('rows', '-')}, "
        + "".join(f"{e}, " for e in extra)
        + f"rounds {rounds}, machine {platform.machine()} x{os.cpu_count()} cpus, Python {platform.python_version()}"
        + (f", load {os.getloadavg()[0]:.2f}" if load else "")
    )
    methods = [m for m in methods if m in results]
    w = max([8, *map(len, methods)])
    out = [
        "",
        head,
        "",
        f"| {'method':<{w}} |    MB/s | ratio to veilleur | median s |",
        f"|{'-' * (w + 2)}|--------:|------------------:|---------:|",
    ]
    for m in methods:
        r = results[m]
        out.append(f"| {m:<{w}} | {r['mb_per_s']:7.1f} | {_ratio(v, r['mb_per_s']):>17} | {r['median_s']:8.3f} |")
    out.append("")
    out.append("MB/s = input MB (10^6 bytes) / median wall time; ratio = veilleur MB/s / method MB/s.")
    if "veilleur + sha256" in methods:
        out.append("veilleur: read_arrow (returns no summary, so hashes nothing); veilleur + sha256: each file's SHA-256 "
                   "computed in the same pass, as vl.read and veilleur hunt do.")
    return out


def print_table(config, results: dict, methods: Iterable[str], **header) -> None:
    """`table_lines` through pytest's terminal reporter (plain print without one); nothing
    when no method ran."""
    if not results:
        return
    tr = config.pluginmanager.get_plugin("terminalreporter")
    for line in table_lines(results, methods, **header):
        if tr is not None:
            tr.write_line(line)
        else:
            print(line)


def parse_bench(name: str, make_input: Callable[[], Path], methods: dict, canonical: Callable, columns: Iterable[str], *,
                what: str, seed: int, rounds: int, warmup: int, **header):
    """The fixtures and the test of a format's parse bench, to bind in its module:

        bench_input, results, reference, test_parse_x = report.parse_bench(...)

    ``bench_input``: ``make_input()``'s file; ``results``: each method's throughput, printed as
    the module's table at its end (``header`` goes to :func:`print_table`); ``reference``:
    veilleur's table through ``canonical``; the test times each of ``methods`` on the file and
    checks its canonical table equals the reference on ``columns``."""
    columns = list(columns)

    @pytest.fixture(scope="module")
    def bench_input():
        return input_ready(name, make_input)

    @pytest.fixture(scope="module")
    def results(request, bench_input):
        res: dict[str, dict] = {}
        yield res
        print_table(request.config, res, methods, name=name, path=bench_input, what=what, seed=seed, rounds=rounds, **header)

    @pytest.fixture(scope="module")
    def reference(bench_input):
        return canonical(methods["veilleur"](bench_input))

    @pytest.mark.parametrize("method", list(methods))
    def test(benchmark, method, bench_input, reference, results):
        if method == "duckdb":
            pytest.importorskip("duckdb")
        result, median = timed(benchmark, methods[method], bench_input, group=name, rounds=rounds, warmup=warmup)
        record(benchmark, results, method, bench_input, median, result.num_rows)
        assert_same_table(method, canonical(result), reference, columns)

    return bench_input, results, reference, test
