"""Handing tables to the Rust engine through the Arrow PyCapsule interface."""

from __future__ import annotations

from typing import Any

import polars as pl


def arrow_source(obj: Any, what: str) -> Any:
    """An object the engine can import with ``__arrow_c_stream__`` (no copy).

    polars exports ``Null``-typed columns (e.g. an all-null ``host``) with a buffer that
    arrow-rs' C stream import rejects; pyarrow's export of the same table is accepted, so such a
    frame goes through ``to_arrow()``.
    """
    if isinstance(obj, pl.LazyFrame):
        raise TypeError(f"{what} is a polars LazyFrame; collect() it first")
    if not hasattr(obj, "__arrow_c_stream__"):
        raise TypeError(f"{what} must be a polars DataFrame or a pyarrow Table, not {type(obj).__name__}")
    if isinstance(obj, pl.DataFrame) and any(d == pl.Null for d in obj.dtypes):
        return obj.to_arrow()
    return obj
