"""One timing helper for every bench: pytest-benchmark's pedantic mode with a garbage
collection before each round (outside the timing), reporting the median of the timed rounds."""

from __future__ import annotations

import gc
import os
import time

ROUNDS = int(os.environ.get("VEILLEUR_BENCH_ROUNDS", "3"))
WARMUP = int(os.environ.get("VEILLEUR_BENCH_WARMUP", "1"))


def timed(benchmark, fn, path, group: str, rounds: int = ROUNDS, warmup: int = WARMUP):
    """Run ``fn(path)`` ``warmup + rounds`` times; the last result and the median seconds of the
    timed rounds (with ``--benchmark-disable``, the single call's own time)."""
    benchmark.group = group
    box = {}

    def setup():
        gc.collect()
        box["t0"] = time.perf_counter()
        return (path,), {}

    result = benchmark.pedantic(fn, setup=setup, rounds=rounds, iterations=1, warmup_rounds=warmup)
    stats = getattr(benchmark, "stats", None)
    median = stats.stats.median if stats is not None else time.perf_counter() - box["t0"]
    return result, median
