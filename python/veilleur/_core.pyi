"""Type stubs of the Rust extension ``veilleur._core`` (thin bindings of veilleur-core)."""

from collections.abc import Iterable
from typing import Any

__version__: str

class ArrowTable:
    """Arrow batches with one schema; exportable any number of times through the PyCapsule interface."""
    def __arrow_c_stream__(self, requested_schema: Any | None = None) -> Any: ...
    def __arrow_c_schema__(self) -> Any: ...

class RawBundle:
    def formats(self) -> list[str]: ...
    def table(self, format: str) -> ArrowTable: ...
    def events(self) -> ArrowTable: ...
    def events_releasing(self, keep: list[str]) -> ArrowTable:
        """Events, dropping each typed batch of a format not in ``keep`` once converted."""
        ...
    def summary(self) -> ArrowTable: ...
    def rejects(self) -> ArrowTable: ...

class RawStream:
    """A read in progress; consumed once, by ``__arrow_c_stream__`` or by ``collect()``."""
    def __arrow_c_stream__(self, requested_schema: Any | None = None) -> Any: ...
    def collect(self) -> RawBundle: ...
    def formats(self) -> list[str]: ...
    def summary(self) -> ArrowTable: ...
    def rejects(self) -> ArrowTable: ...

def stream(
    paths: list[str],
    format: str | None = None,
    overrides: list[tuple[str, str]] = ...,
    tz: str | None = None,
    year: int | None = None,
    strict: bool = False,
    events: bool = False,
    chunk_bytes: int | None = None,
    sha256: bool = True,
    w3c_fields: str | None = None,
) -> RawStream: ...
def formats() -> list[str]: ...

# ---------------------------------------------------------------------------------------------
# IOC matching (rust/veilleur-py/src/ioc.rs); the documented API is veilleur.IocSet.

def normalize_ioc(kind_name: str, value: str) -> tuple[str, str]:
    """Normalise ``value`` as an indicator of ``kind_name``; returns ``(kind, value)`` (an IP
    written with ``/len`` becomes a cidr). Raises ValueError with the reason if invalid."""
    ...

def guess_ioc_kind(value: str) -> str:
    """The kind a bare value looks like (see ``IocSet``)."""
    ...

def refang(value: str) -> str:
    """Undo defanging: ``hxxp``, ``[.]``, ``(.)``, ``[:]``, ``[@]``, ..."""
    ...

class RawIocMatcher:
    """Normalised indicators compiled into matchers; ids are positions in the lists."""
    def __init__(self, kinds: list[str], values: list[str]) -> None: ...
    def __len__(self) -> int: ...
    def match_tables(self, tables: Iterable[Any], columns: list[tuple[str, str, str | None]], keep: int = 0) -> ArrowTable:
        """Hits of the ``i``-th table of ``tables`` (an iterable, e.g. a generator; the same
        rows each) on ``columns[i]``, each table taken, imported, matched and dropped in turn,
        merged in row order (a row's hits in the order of ``columns``); the GIL is released
        while matching. ``keep`` more tables follow, of the same rows: their columns at each
        hit's row come first in the hits (dictionaries decoded to their values)."""
        ...

# ---------------------------------------------------------------------------------------------
# Correlation (rust/veilleur-py/src/correlate.rs); the documented API is veilleur.correlate.
# Times and windows in microseconds; the GIL is released during the work.

def parse_duration(text: str) -> int: ...
def window_join(
    left: Any,
    right: Any,
    left_on: list[str],
    right_on: list[str],
    left_time: str,
    right_time: str,
    lo: int,
    hi: int,
    max_matches: int | None = None,
    keep_last: bool = False,
) -> ArrowTable: ...
def sequence(
    table: Any,
    step_masks: Any,
    keys: list[list[str]],
    time: str,
    within: int,
    ordered: bool = True,
) -> ArrowTable: ...
def count_window(
    table: Any,
    by: list[str],
    time: str,
    within: int,
    threshold: int,
    distinct: str | None = None,
) -> ArrowTable: ...
def beacons(table: Any, by: list[str], time: str, min_events: int, max_jitter: float) -> ArrowTable: ...
