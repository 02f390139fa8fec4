"""veilleur as the benches call it: ``read_arrow`` (the typed table, nothing else: it returns no
summary, so it computes no SHA-256) and, beside it, the same table read the way ``vl.read`` and
``veilleur hunt`` read (each file's SHA-256 computed in the same pass, for the summary)."""

from __future__ import annotations

import os
from typing import Callable

import pyarrow as pa

import veilleur


def arrow_reader(fmt: str, **options) -> Callable[[os.PathLike], pa.Table]:
    def read(path) -> pa.Table:
        return veilleur.read_arrow(os.fspath(path), format=fmt, **options)

    return read


def hashing_reader(fmt: str, **options) -> Callable[[os.PathLike], pa.Table]:
    def read(path) -> pa.Table:
        report = veilleur.Report()
        table = pa.Table.from_batches(list(veilleur.iter_batches(os.fspath(path), format=fmt, report=report, **options)))
        assert report.summary["sha256"][0] is not None
        return table

    return read
