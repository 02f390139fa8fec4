"""Bench session plumbing: result collection and the one summary table.

Each bench records (input, method) -> MB/s, median seconds, peak RSS through the
``bench_record`` fixture; ``pytest_terminal_summary`` prints one table at the end of the
session and, only when ``VEILLEUR_BENCH_WRITE`` is set, writes it to ``benches/results.md``.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # gen_access, baselines

_RESULTS = pytest.StashKey[dict]()
_META = pytest.StashKey[dict]()

INPUT_ORDER = ["plain", "gzip"]
METHOD_ORDER = ["veilleur", "re", "polars", "duckdb", "wc -l", "gzip -dc"]
REFERENCES = {"wc -l", "gzip -dc"}  # not parsers: reference floors


def pytest_configure(config):
    config.stash[_RESULTS] = {}
    config.stash[_META] = {}


@pytest.fixture(scope="session")
def bench_record(pytestconfig):
    """record(input, method, mb_per_s=, median_s=, rounds=, peak_rss_mb=, rows=)."""
    results = pytestconfig.stash[_RESULTS]

    def record(input_kind: str, method: str, **values):
        results.setdefault((input_kind, method), {}).update(values)

    return record


@pytest.fixture(scope="session")
def bench_meta(pytestconfig):
    """A dict for the table's header (file size, line count, rounds, ...)."""
    return pytestconfig.stash[_META]


def _order(key):
    inp, meth = key
    return (
        INPUT_ORDER.index(inp) if inp in INPUT_ORDER else 99,
        METHOD_ORDER.index(meth) if meth in METHOD_ORDER else 99,
        meth,
    )


def _fmt_ratio(v_mbps, mbps):
    if not v_mbps or not mbps:
        return "-"
    r = v_mbps / mbps
    return f"{r:.2f}x" if r < 10 else f"{r:.1f}x"


def render_table(results: dict, meta: dict) -> list[str]:
    head = ["input", "method", "MB/s", "ratio to veilleur", "peak RSS MB", "median s"]
    rows = []
    for key in sorted(results, key=_order):
        inp, meth = key
        r = results[key]
        mbps = r.get("mb_per_s")
        v = results.get((inp, "veilleur"), {}).get("mb_per_s")
        rss = r.get("peak_rss_mb")
        rows.append(
            [
                inp,
                meth + (" (reference)" if meth in REFERENCES else ""),
                f"{mbps:.1f}" if mbps else "-",
                _fmt_ratio(v, mbps),
                f"{rss:.0f}" if rss is not None else "-",
                f"{r['median_s']:.3f}" if r.get("median_s") else "-",
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    right = {2, 3, 4, 5}

    def line(cells):
        return "| " + " | ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    out = []
    if meta:
        out.append(
            "veilleur bench: "
            + ", ".join(f"{k} {v}" for k, v in meta.items())
        )
        out.append("")
    out.append(line(head))
    out.append("|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|")
    out.extend(line(r) for r in rows)
    out.append("")
    out.append(
        "MB/s = decompressed input MB (10^6 bytes) / median wall time; ratio = veilleur MB/s / method MB/s; "
        "peak RSS = peak RSS of a fresh interpreter doing one parse minus that of an idle one with the same imports "
        "(references: the command's own peak RSS, via GNU time)."
    )
    return out


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = config.stash.get(_RESULTS, None)
    if not results:
        return
    meta = dict(config.stash.get(_META, {}))
    meta.setdefault("machine", f"{platform.machine()} x{os.cpu_count()} cpus, Python {platform.python_version()}")
    lines = render_table(results, meta)
    terminalreporter.section("veilleur bench summary")
    for ln in lines:
        terminalreporter.write_line(ln)
    if os.environ.get("VEILLEUR_BENCH_WRITE"):
        path = HERE / "results.md"
        path.write_text("# veilleur access-log bench results\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
        terminalreporter.write_line(f"written to {path}")
