"""Time-window correlation in the Rust core: window joins, multi-step sequences, sliding
counts and beacons, on polars DataFrames or pyarrow tables (anything exporting
``__arrow_c_stream__``); results are polars DataFrames.

Common rules:

* Times come from a timestamp column of any unit (s, ms, µs, ns) and zone, or a date; they
  are compared as UTC instants (a naive timestamp is taken as UTC wall time). Rows with a
  null time never take part.
* Keys are one or several columns of string (``String``/``Utf8``/``LargeUtf8``/``Utf8View``),
  integer, boolean, binary or categorical/dictionary type, compared by value across types
  (``Int32`` 5 equals ``UInt64`` 5; a string never equals an integer). A row with a null in
  any key column never matches anything.
* Durations are strings such as ``"30m"``, ``"1h30m"``, ``"10s"``, ``"500ms"`` (units ``d h m s
  ms us ns``) or :class:`datetime.timedelta`.
* The GIL is released during the work, which runs on all cores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal, Union

import polars as pl

from . import _core
from ._arrow import arrow_source

__all__ = ["window_join", "sequence", "count_window", "beacons"]

Duration = Union[str, timedelta]
Columns = Union[str, Sequence[str]]
Direction = Literal["after", "before", "both"]


def _micros(d: Duration, what: str, signed: bool = False) -> int:
    if isinstance(d, timedelta):
        us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    elif isinstance(d, str):
        us = _core.parse_duration(d)
    else:
        raise TypeError(f"{what} must be a duration string such as '30m' or a timedelta, not {type(d).__name__}")
    if us < 0 and not signed:
        raise ValueError(f"{what} must not be negative")
    return us


def _cols(c: Columns | None) -> list[str]:
    if c is None:
        return []
    if isinstance(c, str):
        return [c]
    return list(c)


def _polars(t: Any) -> pl.DataFrame:
    return pl.DataFrame(t)


def window_join(
    left: Any,
    right: Any,
    on: Columns | None = None,
    *,
    left_on: Columns | None = None,
    right_on: Columns | None = None,
    within: Duration | tuple[Duration, Duration] = "30m",
    direction: Direction | None = None,
    left_time: str = "ts",
    right_time: str = "ts",
    max_matches: int | None = None,
    keep: Literal["first", "last"] = "first",
) -> pl.DataFrame:
    """Every (left row, right row) pair with equal keys whose times fall in a window, not only
    the nearest one.

    With ``d = right time - left time``, a pair matches when (both edges inclusive):

    * ``direction="after"`` (the default): ``0 <= d <= within``
    * ``direction="before"``: ``-within <= d <= 0``
    * ``direction="both"``: ``-within <= d <= within``
    * ``within=(before, after)``: ``-before <= d <= after`` (then ``direction`` must be None);
      a negative timedelta moves an edge past the left time:
      ``(timedelta(minutes=-5), "10m")`` keeps right rows 5 to 10 minutes after.

    Keys: ``on`` (same names on both sides) or ``left_on``/``right_on`` (one column or a list,
    paired in order); none of them for a pure time window. Null keys never match.

    ``max_matches=k`` keeps, for each left row, the k pairs with the earliest right times
    (``keep="first"``) or the latest (``keep="last"``).

    Cost O((n + m) log(n + m) + k) for k pairs; memory proportional to the inputs plus the
    output, never to n × m.

    Returns every left column, then every right column (a name already taken gets ``_right``
    appended), then ``delta`` = right time − left time as ``Duration("us")``. Rows are ordered
    by left row (input order), then right time, then right row (input order).
    """
    if on is not None and (left_on is not None or right_on is not None):
        raise ValueError("give either on= or left_on=/right_on=, not both")
    lon = _cols(on if on is not None else left_on)
    ron = _cols(on if on is not None else right_on)
    if len(lon) != len(ron):
        raise ValueError(f"left_on has {len(lon)} columns and right_on {len(ron)}; they must pair up")
    if isinstance(within, tuple):
        if direction is not None:
            raise ValueError("within=(before, after) sets both edges; leave direction unset")
        before, after = within
        lo, hi = -_micros(before, "before", signed=True), _micros(after, "after", signed=True)
        if lo > hi:
            raise ValueError("within=(before, after) is empty: -before > after")
    else:
        w = _micros(within, "within")
        d = direction or "after"
        if d == "after":
            lo, hi = 0, w
        elif d == "before":
            lo, hi = -w, 0
        elif d == "both":
            lo, hi = -w, w
        else:
            raise ValueError(f"direction must be 'after', 'before' or 'both', not {d!r}")
    if keep not in ("first", "last"):
        raise ValueError(f"keep must be 'first' or 'last', not {keep!r}")
    if max_matches is not None and max_matches < 1:
        raise ValueError("max_matches must be at least 1")
    out = _core.window_join(
        arrow_source(left, "left"),
        arrow_source(right, "right"),
        lon,
        ron,
        left_time,
        right_time,
        lo,
        hi,
        max_matches,
        keep == "last",
    )
    return _polars(out)


def _step_keys(by: str | Sequence[str | Sequence[str]] | None, n: int) -> list[list[str]]:
    if by is None:
        return [[] for _ in range(n)]
    if isinstance(by, str):
        return [[by] for _ in range(n)]
    per = list(by)
    if len(per) != n:
        raise ValueError(
            f"by has {len(per)} entries for {n} steps: give one column name for all steps, "
            "or one entry (a name or a list of names) per step"
        )
    return [[k] if isinstance(k, str) else list(k) for k in per]


def sequence(
    table: Any,
    steps: Sequence[pl.Expr],
    by: str | Sequence[str | Sequence[str]] | None = "src_ip",
    within: Duration = "10m",
    ordered: bool = True,
    *,
    time: str = "ts",
) -> pl.DataFrame:
    """Complete matches of a multi-step pattern per entity: step 1, then step 2, ... within
    ``within`` (first to last row, inclusive).

    ``steps`` are boolean polars expressions (``pl.col("domain") == "evil.example"``); a null
    result counts as false. ``by`` is one key column for every step, or one entry per step (a
    column or a list of columns), so keys may differ between steps:
    ``by=["dst_ip", "src_ip"]`` links step 1's ``dst_ip`` to step 2's ``src_ip``. ``None``:
    no key, one global sequence.

    Rows are ordered by (time, input row): equal timestamps follow input order.

    * ``ordered=True``: rows r1, r2, ... in that order (distinct rows, times never
      decreasing), ri satisfying step i. **Overlap rule: earliest completion per start** —
      every row satisfying step 1 starts at most one match, in which each next step takes the
      first qualifying row after the previous one. A later row may belong to several matches
      (two step-1 rows followed by one step-2 row give two matches).
    * ``ordered=False``: all steps within ``within`` in any order. Each row satisfying some
      step anchors at most one match per key: every step takes its first qualifying row at
      or after the anchor and within ``within`` of it. A row satisfying several steps may fill
      several.

    Returns one row per (match, step): ``match`` (UInt64, from 0, ordered by the match's first
    row), ``step`` (UInt32, index into ``steps``), then every column of that step's row.
    """
    steps = list(steps)
    if not steps:
        raise ValueError("give at least one step")
    if not all(isinstance(s, pl.Expr) for s in steps):
        raise TypeError("steps must be polars expressions, such as pl.col('action') == 'login_fail'")
    arrow_source(table, "table")
    df = table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)
    masks = df.select([s.cast(pl.Boolean).alias(f"step{i}") for i, s in enumerate(steps)])
    out = _core.sequence(df, masks, _step_keys(by, len(steps)), time, _micros(within, "within"), ordered)
    return _polars(out)


def count_window(
    table: Any,
    by: Columns | None,
    within: Duration = "1m",
    distinct: str | None = None,
    *,
    threshold: int,
    time: str = "ts",
) -> pl.DataFrame:
    """Sliding-window counts per key, reporting the windows that reach ``threshold`` (Sigma's
    ``event_count``, or ``value_count`` with ``distinct``).

    For each key and each distinct timestamp t of its events, the window is
    ``[t - within, t]`` (both edges inclusive); its count is the number of the key's events
    in it, or with ``distinct="dst_port"`` the number of distinct non-null ``dst_port`` values.
    A window alerts when ``count >= threshold`` ("more than 20 ports" is ``threshold=21``).
    Consecutive alerting windows of a key merge into one episode.

    Returns one row per episode: the ``by`` columns, ``window_start`` (the earliest event of
    the first alerting window), ``window_end`` (the last alerting timestamp), ``count`` (the
    peak count), ordered by key (first appearance), then time. ``by=None`` counts all rows
    together.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    out = _core.count_window(arrow_source(table, "table"), _cols(by), time, _micros(within, "within"), threshold, distinct)
    return _polars(out)


def beacons(
    table: Any,
    by: Columns | None = ("src_ip", "dst_ip"),
    min_events: int = 10,
    max_jitter: float = 0.1,
    *,
    time: str = "ts",
) -> pl.DataFrame:
    """Keys whose events repeat at a steady period (beaconing), tolerant of missed beats.

    Per key, events sorted by time, equal timestamps counted as one beat. A gap of about k
    typical gaps (k >= 2) counts as k - 1 missed beats; ``period`` is the median gap after
    dividing such gaps by k. Each gap deviates from its nearest multiple of the period by
    ``|gap - k * period|`` (not divided by k, so long random gaps do not look regular);
    ``jitter`` is the median of these deviations relative to the period (robust: a few odd
    gaps do not move it). Gaps shorter than half a period deviate by ``period - gap``, so
    extra traffic raises the jitter. A key is reported when it has at least ``min_events``
    events (and 3 distinct timestamps) and ``jitter <= max_jitter``: 5 minutes ± 10 % gives a
    jitter around 0.05, random traffic 0.3 or more.

    Returns one row per key: the ``by`` columns, ``count``, ``first``, ``last``, ``period``
    (``Duration("us")``), ``jitter`` (Float64), ``missed`` (estimated missed beats), ordered by
    key (first appearance).
    """
    if min_events < 1:
        raise ValueError("min_events must be at least 1")
    out = _core.beacons(arrow_source(table, "table"), _cols(by), time, min_events, float(max_jitter))
    return _polars(out)
