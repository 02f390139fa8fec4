"""Handing tables to the Rust engine through the Arrow PyCapsule interface."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa


def arrow_source(obj: Any, what: str) -> Any:
    """An object the engine can import with ``__arrow_c_stream__`` (no copy).

    A polars DataFrame is handed over column by column, each column's chunks as they are
    (:func:`polars_table`): the frame's own export concatenates every column into one chunk
    first, which copies its strings (~0.05 s per 20M-row string column in 163 chunks, the
    layout ``vl.read`` gives), and exports ``Null``-typed columns with a buffer that arrow-rs'
    C stream import rejects.
    """
    if isinstance(obj, pl.LazyFrame):
        raise TypeError(f"{what} is a polars LazyFrame; collect() it first")
    if not hasattr(obj, "__arrow_c_stream__"):
        raise TypeError(f"{what} must be a polars DataFrame or a pyarrow Table, not {type(obj).__name__}")
    if isinstance(obj, pl.DataFrame):
        return polars_table(obj)
    return obj


def polars_table(df: pl.DataFrame) -> pa.Table:
    """``df`` as a pyarrow Table sharing its memory: each column exported through its own
    ``__arrow_c_stream__``, chunk by chunk. Categorical and Enum columns go through the
    frame's export instead, which gives all their chunks one dictionary (each chunk's own
    export carries every category, matched again per chunk)."""
    cats = [c for c, t in df.schema.items() if isinstance(t, (pl.Categorical, pl.Enum))]
    whole = pa.table(df.select(cats)) if cats else None
    columns = {c: whole.column(c) if whole is not None and c in cats else pa.chunked_array(df.get_column(c)) for c in df.columns}
    return pa.table(columns)
