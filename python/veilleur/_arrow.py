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


def polars_table(df: pl.DataFrame, dictionaries: dict | None = None) -> pa.Table:
    """``df`` as a pyarrow Table sharing its memory: each column exported through its own
    ``__arrow_c_stream__``, chunk by chunk. Categorical and Enum columns become dictionary
    columns whose chunks share one dictionary (:func:`categorical_column`; ``dictionaries``
    keeps the dictionaries of one caller's calls, on frames it holds)."""
    dictionaries = {} if dictionaries is None else dictionaries
    return pa.table({c: categorical_column(s, dictionaries) if isinstance(s.dtype, (pl.Categorical, pl.Enum)) else pa.chunked_array(s)
                     for c, s in df.to_dict().items()})


def categorical_column(s: pl.Series, dictionaries: dict) -> pa.ChunkedArray:
    """A Categorical or Enum series as a dictionary column: its codes, chunk by chunk as they
    are, and one dictionary for all chunks, its categories in code order (so its values are
    matched once). polars' own export of each chunk carries a dictionary of its own, and its
    export of the frame concatenates the chunks and renumbers the codes (~0.2 s per 20M rows).

    ``dictionaries``: the dictionaries already built, by categories (listing them is a Python
    loop in polars, ~15 ms per 100k categories; a frame's columns usually share polars' global
    categories). Categories only grow while a frame holding them lives: a dictionary built
    during one caller's work on its frames covers every code they hold."""
    dtype = s.dtype
    if isinstance(dtype, pl.Categorical):
        cats = dtype.categories
        key = ("categorical", cats.name(), cats.namespace(), str(cats.physical()))
        make = cats.to_series
    else:
        key = ("enum", tuple(dtype.categories.to_list()))
        make = lambda: pl.Series(dtype.categories)  # noqa: E731
    if key not in dictionaries:
        dictionaries[key] = make().to_arrow()
    dictionary = dictionaries[key]
    codes = pa.chunked_array(s.to_physical())
    # codes are not checked against the dictionary here (the engine reads a code past it as a
    # value that matches nothing; the dictionary holds every category anyway)
    chunks = [pa.DictionaryArray.from_arrays(c, dictionary, safe=False) for c in codes.chunks]
    return pa.chunked_array(chunks, type=pa.dictionary(codes.type, dictionary.type))
