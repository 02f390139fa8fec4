"""The main job end to end: ``veilleur hunt`` (read every log of a collected bundle, build the
events, run every hunt, write Parquet, CSV and the HTML report) on a bundle from the scenario
generator (``fixtures/scenario/generate.py``: Zimbra, Squid, FortiGate and netfilter logs, some
rotated and gzip-compressed, with the planted intrusion), as a separate process, so that its
wall time and peak memory are those an analyst sees.

The reference beside it is what an analyst does without veilleur to sweep the same bundle for
the same indicators: ``zgrep -F -f`` with the IOC values over every file (a floor: it answers
"which lines mention an indicator", not the hunt's questions). Nothing passes or fails on
speed; the bench checks that the hunt found the planted webshell. Issue 7's target: a 1 GB
bundle in under 10 s with under 3 GB of memory on 2 cores.

Environment: ``VEILLEUR_BENCH_MB`` (default 200: size of the bundle's logs, uncompressed),
``VEILLEUR_BENCH_SEED`` (7), ``VEILLEUR_BENCH_ROUNDS`` (3), ``VEILLEUR_BENCH_DIR``.

    VEILLEUR_BENCH_MB=1000 python -m pytest benches/test_bench_hunt.py --benchmark-only -q -s
"""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from timing import timed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures" / "scenario"))
import generate  # noqa: E402

MB = 1_000_000
BENCH_MB = float(os.environ.get("VEILLEUR_BENCH_MB", "200"))
SEED = int(os.environ.get("VEILLEUR_BENCH_SEED", "7"))
ROUNDS = int(os.environ.get("VEILLEUR_BENCH_ROUNDS", "3"))

_results: dict[str, dict] = {}
_meta: dict[str, float] = {}


@pytest.fixture(scope="module")
def bundle() -> Path:
    base = Path(os.environ.get("VEILLEUR_BENCH_DIR", Path(tempfile.gettempdir()) / "veilleur-bench"))
    out = base / f"scenario-s{SEED}-{BENCH_MB:g}mb"
    if not (out / "ground_truth.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        generate.generate(out, seed=SEED, size_bytes=int(BENCH_MB * MB))
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    _meta["mb"] = sum(f["bytes"] for f in truth["files"]) / MB  # uncompressed
    _meta["mb_on_disk"] = sum(f["bytes_on_disk"] for f in truth["files"]) / MB
    return out


def _peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1000


def test_hunt_cli(benchmark, bundle, tmp_path):
    out = tmp_path / "hunt"

    def run(_):
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "veilleur", "hunt", str(bundle / "logs"), "--iocs", str(bundle / "iocs.csv"),
               "--tz", "Europe/Paris", "-o", str(out), "--quiet"]
        return subprocess.run(cmd, check=True, capture_output=True)

    _, median = timed(benchmark, run, None, "hunt", rounds=ROUNDS, warmup=0)
    truth = json.loads((bundle / "ground_truth.json").read_text(encoding="utf-8"))
    with open(out / "webshells.csv", encoding="utf-8") as f:
        assert truth["actors"]["webshell"]["url"] in {r["path"] for r in csv.DictReader(f)}
    _results["veilleur hunt"] = {"median_s": median, "peak_rss_mb": _peak_children_mb()}


def test_zgrep_iocs(benchmark, bundle, tmp_path):
    if shutil.which("zgrep") is None:
        pytest.skip("zgrep is not installed")
    with open(bundle / "iocs.csv", encoding="utf-8") as f:
        values = [r["value"] for r in csv.DictReader(f) if r.get("value")]
    patterns = tmp_path / "patterns.txt"
    patterns.write_text("\n".join(values) + "\n", encoding="utf-8")
    files = sorted(str(p) for p in (bundle / "logs").rglob("*") if p.is_file())

    def run(_):
        # exit status 1 means "no match" for grep: not an error here
        return subprocess.run(["zgrep", "-F", "-c", "-f", str(patterns), *files], capture_output=True)

    _, median = timed(benchmark, run, None, "hunt", rounds=ROUNDS, warmup=0)
    _results["zgrep -F -f iocs (reference)"] = {"median_s": median}


def teardown_module(module):
    if not _results:
        return
    size = _meta.get("mb", BENCH_MB)
    print()
    print(f"veilleur hunt bench: scenario bundle seed {SEED}, {size:.1f} MB of logs ({_meta.get('mb_on_disk', 0):.1f} MB on disk, "
          f"some gzip), rounds {ROUNDS}, "
          f"machine {platform.machine()} x{os.cpu_count()} cpus, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    print("| method | MB/s | median s | peak RSS MB |")
    print("|--------|-----:|---------:|------------:|")
    for name, r in _results.items():
        mbps = size / r["median_s"] if r.get("median_s") else 0
        rss = f"{r['peak_rss_mb']:.0f}" if r.get("peak_rss_mb") else "-"
        print(f"| {name} | {mbps:.1f} | {r['median_s']:.2f} | {rss} |")
    print("MB/s = MB of logs (10^6 bytes, uncompressed) / median wall time; peak RSS of the hunt process.")
