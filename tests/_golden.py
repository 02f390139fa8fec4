"""The golden-file runner: ``tests/golden/<format>/<case>.log`` read with ``format=<format>`` and
compared with the hand-written ``<case>.expected.json`` (never pasted from veilleur's output).

Two schemas of ``expected.json`` are read, both into one :class:`Case`:

* the local-time formats' schema: ``options`` (``tz``, ``year`` passed to ``vl.read``),
  ``summary`` (columns of the file's summary row), ``rows`` (for each row of the format's table,
  in order, the columns to check; timestamps as ISO 8601 UTC text ``2022-09-06T08:15:32Z``, with
  fraction when non-zero), optionally ``events`` (the same, against ``bundle.events``, in order)
  and ``rejects`` (line numbers of the rejected lines);
* the access-log formats' schema (a top-level ``format`` key): ``format``, ``detect``, ``lines``,
  ``rows`` (each with ``line`` and the columns; ``ts`` as ISO 8601 with any offset; keys starting
  with ``_`` are expectations on the normalised events: ``_domain``, ``_action``) and ``rejects``
  (``{line, reason, raw}``: ``reason`` a case-insensitive substring of the reject's reason). Its
  events expectations are the README mapping applied to the hand-written row values
  (:func:`_access_events`).

:func:`check` runs every check on one case; ``tests/test_golden.py`` parametrises it over every
golden file of every format.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import veilleur as vl

from conftest import FORMAT_COLUMNS, GOLDEN, PROVENANCE, check_counts, check_provenance, expected_lines, line_starts, utc


def cases(fmt: str) -> list[Path]:
    """The golden ``.log`` files of one format (for the per-format modules' detection tests)."""
    return sorted((GOLDEN / fmt).glob("*.log"))


@dataclass
class Case:
    format: str
    log: Path
    options: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)  # summary-row columns
    rows: list[dict] = field(default_factory=list)  # per table row, in order: the columns to check
    events: list[dict] | None = None  # per event, in order: the columns to check
    rejects: list[dict] = field(default_factory=list)  # {line} or {line, reason (substring), raw}
    detect: bool = True  # read without format=, the file gives the same table

    @property
    def id(self) -> str:
        return f"{self.format}/{self.log.stem}"


def expected_path(log: Path) -> Path:
    return log.with_name(log.name[: -len(".log")] + ".expected.json")


def load(log: Path) -> Case:
    fmt = log.parent.name
    doc = json.loads(expected_path(log).read_text(encoding="utf-8"))
    if "format" not in doc:
        return Case(
            fmt, log, doc.get("options", {}), doc.get("summary", {}), doc["rows"], doc.get("events"),
            [{"line": n} for n in doc.get("rejects", [])],
        )
    assert doc["format"] == fmt, log
    rows = [
        {k: _norm(utc(v)) if k == "ts" else v for k, v in row.items() if not k.startswith("_")} for row in doc["rows"]
    ]
    return Case(
        fmt, log, summary={"lines": doc["lines"]}, rows=rows, events=_access_events(fmt, doc["rows"]),
        rejects=doc["rejects"], detect=bool(doc["detect"]),
    )


def all_cases() -> list[Case]:
    found = [load(log) for log in sorted(GOLDEN.glob("*/*.log"))]
    assert found, "no golden files found"
    return found


def _access_events(fmt: str, rows: list[dict]) -> list[dict]:
    """The events of an access-log file: the README mapping of the row values, the hand-written
    ``_action`` and ``_domain`` (null when absent)."""
    return [
        {
            "line": r["line"], "ts": _norm(utc(r["ts"])), "source": fmt, "host": None, "action": r.get("_action"),
            "src_ip": r["client_ip"], "src_port": r.get("client_port"), "user": r["user"], "http_method": r["method"],
            "url": r["url"], "http_status": r["status"], "bytes_in": r["bytes"], "user_agent": r.get("user_agent"),
            "domain": r.get("_domain"),
        }
        for r in rows
    ]


def _norm(v):
    if isinstance(v, dt.datetime):
        assert v.tzinfo is not None, f"naive timestamp {v!r}"
        v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        text = v.strftime("%Y-%m-%dT%H:%M:%S")
        if v.microsecond:
            text += f".{v.microsecond:06d}".rstrip("0")
        return text + "Z"
    return v


def _compare(got: dict, want: dict, where: str) -> None:
    for k, v in want.items():
        assert k in got, f"{where}: no column {k!r}"
        assert _norm(got[k]) == v, f"{where}: {k} = {got[k]!r}, expected {v!r}"


def _read(case: Case, **kw) -> vl.Bundle:
    b = vl.read(case.log, **case.options, **kw)
    check_counts(b.summary)  # lines == rows + rejected + folded; folded == 0 for the access formats
    assert b.summary.height == 1, b.summary
    return b


def check(case: Case) -> None:
    data = case.log.read_bytes()
    b = _read(case, format=case.format)

    # the summary row
    s = b.summary.row(0, named=True)
    assert (s["format"], s["compression"], s["status"]) == (case.format, "none", "ok"), s
    assert s["lines"] == expected_lines(data), "the summary's line count disagrees with the file"
    assert (s["rows"], s["rejected"]) == (len(case.rows), len(case.rejects)), s
    for k, v in case.summary.items():
        assert s[k] == v, (case.id, k, s[k], v)

    # the rows: every listed column, and the provenance of every row against the file's bytes
    table = b[case.format] if s["rows"] else None
    assert (table.height if table is not None else 0) == len(case.rows)
    if table is not None:
        assert table.columns[:3] == PROVENANCE
        if case.format in FORMAT_COLUMNS:
            assert set(table.columns) == set(FORMAT_COLUMNS[case.format])
        for i, (got, want) in enumerate(zip(table.iter_rows(named=True), case.rows)):
            _compare(got, want, f"{case.id}: row {i} (line {want.get('line')})")
            assert got["file"].endswith(case.log.name)
        check_provenance(table, data)

    # the events
    ev = b.events
    assert set(ev["source"].cast(str).to_list()) <= {case.format}
    if case.format in FORMAT_COLUMNS:  # one event per row, with a message
        assert ev.height == len(case.rows)
        assert all(isinstance(m, str) and m.strip() for m in ev["message"].to_list()), ev["message"]
    for i, want in enumerate(case.events or []):
        assert i < ev.height, f"{case.id}: {ev.height} events, expected at least {i + 1}"
        _compare(ev.row(i, named=True), want, f"{case.id}: event {i}")

    # the rejects: line numbers in order, offset at the line's start, reason and raw when given
    rej = b.rejects
    assert (rej["line"].to_list() if rej.height else []) == [r["line"] for r in case.rejects], (case.id, rej)
    starts = line_starts(data)
    for got, want in zip(rej.iter_rows(named=True), case.rejects):
        where = f"{case.id}:{want['line']} (reject)"
        assert got["reason"], where
        assert got["offset"] == starts[want["line"] - 1], where
        assert got["file"].endswith(case.log.name), where
        if "reason" in want:
            assert want["reason"].lower() in got["reason"].lower(), f"{where}: reason {got['reason']!r}"
        if "raw" in want:
            assert got["raw"] == want["raw"], where

    # strict: the first rejected line stops the read, named path:line
    if case.rejects:
        with pytest.raises(vl.ParseError) as e:
            _read(case, format=case.format, strict=True)
        assert f"{case.log}:{min(r['line'] for r in case.rejects)}" in str(e.value)

    # without format=, the file is recognised (tests/test_detection.py) and gives the same rows
    if case.detect:
        d = _read(case)
        assert d.summary["format"][0] == case.format
        assert d.formats == ([case.format] if table is not None else [])
        if table is not None:
            assert d[case.format].equals(table)
