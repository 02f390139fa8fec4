"""Writing results to disk: CSV that is safe to open in a spreadsheet, Parquet, and
Parquet datasets partitioned by source and day from a stream of record batches.

Log lines are written by whoever sends the requests, attackers included. A cell such as
``=HYPERLINK("http://x")`` in a URL or user agent becomes a live formula when the CSV is
opened in Excel or LibreOffice. :func:`write_csv` applies the OWASP CSV-injection rule to
every text cell: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with a single quote ``'``. Numeric columns are left alone (a negative
number stays a number); only text cells are changed, and only those.

>>> from veilleur.export import write_csv, write_frame
>>> write_csv(result.exploitation, "out/exploitation.csv")
>>> write_frame(result.webshells, "out", "webshells")     # out/webshells.parquet + .csv
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pds

__all__ = [
    "FORMULA_PREFIXES",
    "csv_safe",
    "neutralise",
    "write_csv",
    "write_frame",
    "write_parquet",
    "write_partitioned",
]

#: A text cell starting with one of these is read as a formula by spreadsheets (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"
#: ISO 8601 with the offset written as ``+00:00``; fractional seconds only when non-zero.
ISO_DATETIME = "%Y-%m-%dT%H:%M:%S%.f%:z"
UNKNOWN_DAY = "unknown"


def neutralise(value: str) -> str:
    """One text cell made safe for a spreadsheet: ``'`` prepended when it starts like a
    formula (``=``, ``+``, ``-``, ``@``, tab, carriage return), unchanged otherwise."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr | None:
    """An expression turning a column that CSV cannot hold (lists, structs, binary,
    durations, categoricals) into text, or ``None`` when the column can be written as is."""
    col = pl.col(name)
    if isinstance(dtype, (pl.List, pl.Array)):
        return col.cast(pl.List(pl.String)).list.join("; ")
    if isinstance(dtype, pl.Struct):
        return col.struct.json_encode()
    if dtype == pl.Binary:
        return col.bin.encode("hex")
    if isinstance(dtype, pl.Duration):
        return col.dt.to_string()
    if isinstance(dtype, (pl.Categorical, pl.Enum, pl.Object)):
        return col.cast(pl.String)
    return None


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every column CSV can hold, and every text cell neutralised (see
    :func:`neutralise`). Numbers, booleans and times are not touched."""
    converted = [e.alias(n) for n, t in df.schema.items() if (e := _as_text(n, t)) is not None]
    if converted:
        df = df.with_columns(converted)
    text = [n for n, t in df.schema.items() if t == pl.String]
    if not text:
        return df
    return df.with_columns(
        pl.when(pl.col(n).str.contains(_FORMULA_RE)).then(pl.lit("'") + pl.col(n)).otherwise(pl.col(n)).alias(n)
        for n in text
    )


def write_csv(df: pl.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` as UTF-8 CSV with a header, safe to open in a spreadsheet: text cells
    neutralised against formula injection, nested values joined with ``; ``, binary as hex,
    times in ISO 8601 with offset. Every CSV veilleur writes goes through this function."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    csv_safe(df).write_csv(p, datetime_format=ISO_DATETIME)
    return p


def write_parquet(df: pl.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` as Parquet (zstd), types kept."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(p, compression="zstd")
    return p


def write_frame(df: pl.DataFrame, directory: str | os.PathLike[str], name: str) -> list[Path]:
    """Write ``df`` as ``directory/name.parquet`` and ``directory/name.csv``."""
    d = Path(directory)
    return [write_parquet(df, d / f"{name}.parquet"), write_csv(df, d / f"{name}.csv")]


# ------------------------------------------------------------------------ partitioned datasets

def _plain_type(t: pa.DataType) -> pa.DataType:
    """The type Arrow's dataset writer can partition: view types become their plain
    equivalents (``take`` has no kernel for ``string_view``), recursively."""
    if pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_dictionary(t):
        return pa.dictionary(t.index_type, _plain_type(t.value_type), t.ordered)
    if pa.types.is_map(t):
        return pa.map_(_plain_type(t.key_type), _plain_type(t.item_type), t.keys_sorted)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(t.value_field.with_type(_plain_type(t.value_type)))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(t.value_field.with_type(_plain_type(t.value_type)), t.list_size)
    if pa.types.is_struct(t):
        return pa.struct([t.field(i).with_type(_plain_type(t.field(i).type)) for i in range(t.num_fields)])
    return t


def _day(batch: pa.RecordBatch) -> pa.Array:
    """``YYYY-MM-DD`` of each row's ``ts`` in UTC, ``unknown`` for rows without a time."""
    if "ts" not in batch.schema.names:
        return pa.array([UNKNOWN_DAY] * batch.num_rows, pa.string())
    ts = batch.column("ts")
    if ts.type.tz is None or ts.type.tz.upper() not in ("UTC", "+00:00", "Z"):
        ts = pc.cast(ts, pa.timestamp(ts.type.unit, "UTC"))
    return pc.fill_null(pc.strftime(ts, format="%Y-%m-%d"), UNKNOWN_DAY)


def _partition_schema(schema: pa.Schema, by: Iterable[str]) -> pa.Schema:
    """The written schema: plain types, partition columns as plain strings, ``day`` added."""
    keys = set(by)
    fields = [f.with_type(pa.string() if f.name in keys else _plain_type(f.type)) for f in schema]
    return pa.schema(fields + [pa.field("day", pa.string(), nullable=False)])


def _with_day(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    for b in batches:
        cols = [b.column(i).cast(schema.field(i).type) for i in range(b.num_columns)]
        yield pa.RecordBatch.from_arrays([*cols, _day(b)], schema=schema)


def write_partitioned(
    reader: pa.RecordBatchReader,
    base_dir: str | os.PathLike[str],
    *,
    by: Iterable[str] = (),
    on_batch: Callable[[pa.RecordBatch], None] | None = None,
) -> int:
    """Stream ``reader`` into a Hive-partitioned Parquet dataset under ``base_dir``,
    partitioned by the columns ``by`` and then by ``day`` (the UTC day of ``ts``, or
    ``unknown``): ``base_dir/<col>=<value>/.../day=YYYY-MM-DD/part-N.parquet``. The data is
    never held whole in memory. ``on_batch`` is called after each batch (progress). Returns
    the number of rows written.

    Partition columns are not stored in the files (their value is in the directory name);
    read the dataset back with Hive partitioning (``pyarrow.dataset.dataset(base_dir,
    partitioning="hive")`` or ``polars.scan_parquet(..., hive_partitioning=True)``).
    """
    keys = [*by]
    schema = _partition_schema(reader.schema, keys)
    rows = 0

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for b in reader:
            rows += b.num_rows
            yield b
            if on_batch is not None:
                on_batch(b)

    stream = pa.RecordBatchReader.from_batches(schema, _with_day(counted(), schema))
    pds.write_dataset(
        stream,
        os.fspath(base_dir),
        format="parquet",
        partitioning=[*keys, "day"],
        partitioning_flavor="hive",
        basename_template="part-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_partitions=1_000_000,
        file_options=pds.ParquetFileFormat().make_write_options(compression="zstd"),
    )
    return rows
