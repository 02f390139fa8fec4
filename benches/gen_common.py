"""What the bench generators share: address pools, writing blocks of lines up to a size, the
cache of generated files (one per generator, seed and size, under ``VEILLEUR_BENCH_DIR``), and
the command line (``--mb``, ``--seed``, ``-o``)."""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from pathlib import Path
from typing import Callable

MB = 1_000_000  # sizes and throughputs are in decimal megabytes
# the benches' input: its size in MB and the generator seed
BENCH_MB = float(os.environ.get("VEILLEUR_BENCH_MB", "200"))
SEED = int(os.environ.get("VEILLEUR_BENCH_SEED", "7"))


def v6(rng: random.Random) -> str:
    """An IPv6 address of the documentation prefix (2001:db8::/32), in canonical form."""
    return f"2001:db8:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFFF):x}"


def public_v4(rng: random.Random) -> str:
    return f"{rng.randrange(1, 224)}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def private_v4(rng: random.Random, subnets: int = 256) -> str:
    """10.x.y.z with x below `subnets`."""
    return f"10.{rng.randrange(0, subnets)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def ip_pool(rng: random.Random, n: int, v4: Callable[[random.Random], str], *, v6_every: int, v6_at: int = 0) -> list[str]:
    """`n` addresses, drawn in order: `v6` at the indexes i where ``i % v6_every == v6_at``, `v4`
    elsewhere."""
    return [v6(rng) if i % v6_every == v6_at else v4(rng) for i in range(n)]


def write_blocks(path: str | os.PathLike, mb: float, block: Callable[[], list[str]]) -> int:
    """Write ``block()``'s lines (ASCII, each ending in a newline) to `path` until at least `mb`
    decimal MB are written; returns the number of lines. The last block is written whole."""
    target = int(mb * MB)
    written = lines = 0
    with open(path, "w", encoding="ascii", newline="\n") as f:
        while written < target:
            b = block()
            data = "\n".join(b) + "\n"
            f.write(data)
            written += len(data)
            lines += len(b)
    return lines


def cache_dir() -> Path:
    d = Path(os.environ.get("VEILLEUR_BENCH_DIR") or Path(tempfile.gettempdir()) / "veilleur-bench")
    d.mkdir(parents=True, exist_ok=True)
    return d


def cached(stem: str, mb: float, seed: int, generate: Callable[..., object]) -> Path:
    """``<cache_dir>/<stem>-s<seed>-<mb>mb.log``, made once by ``generate(path, mb=, seed=)``
    (into a temporary name first, so that an interrupted run leaves no partial file)."""
    mbs = f"{mb:g}".replace(".", "p")
    path = cache_dir() / f"{stem}-s{seed}-{mbs}mb.log"
    if not path.exists():
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        generate(tmp, mb=mb, seed=seed)
        os.replace(tmp, path)
    return path


def main(doc: str, generate: Callable[..., int], argv=None) -> int:
    """``--mb MB --seed N -o PATH``: write one file with ``generate`` and say how many lines."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    n = generate(a.output, mb=a.mb, seed=a.seed)
    print(f"{a.output}: {n} lines")
    return 0
