"""Golden files: ``golden/<format>/<case>.log`` against ``<case>.expected.json``.

The expected values were written by hand from reading each line (never pasted from veilleur's
output). Every listed column of every listed row is compared; ``offset`` is checked against the
bytes of the file; keys starting with ``_`` are expectations on the normalised events.
"""

from __future__ import annotations

import pytest

import veilleur as vl

from conftest import (
    read_checked,
    FORMAT_COLUMNS,
    GoldenCase,
    check_counts,
    check_provenance,
    expected_lines,
    file_rows,
    golden_cases,
    line_starts,
    summary_row,
    utc,
)

CASES = golden_cases()


def _ids(cases: list[GoldenCase]) -> list[str]:
    return [c.id for c in cases]


def _compare_row(actual: dict, expected: dict, where: str) -> None:
    for key, want in expected.items():
        if key.startswith("_"):
            continue
        assert key in actual, f"{where}: no column {key!r}"
        got = actual[key]
        if key == "ts":
            assert got is not None, f"{where}: ts is null"
            assert got == utc(want), f"{where}: ts {got.isoformat()} != {want}"
        else:
            assert got == want, f"{where}: {key} = {got!r}, expected {want!r}"


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_golden_rows(case: GoldenCase) -> None:
    data = case.log.read_bytes()
    exp = case.expected
    assert expected_lines(data) == exp["lines"], "the expectation's line count disagrees with the file"

    b = read_checked(str(case.log), format=case.format)
    check_counts(b.summary)
    s = summary_row(b.summary, case.log)
    assert s["format"] == case.format
    assert s["compression"] == "none"
    assert s["status"] == "ok", s
    assert s["lines"] == exp["lines"]
    assert s["rows"] == len(exp["rows"])
    assert s["rejected"] == len(exp["rejects"])

    table = b[case.format]
    assert table.columns[:3] == ["file", "line", "offset"]
    assert set(table.columns) == set(FORMAT_COLUMNS[case.format])
    assert table.height == len(exp["rows"])
    for actual, expected in zip(table.iter_rows(named=True), exp["rows"]):
        _compare_row(actual, expected, f"{case.id}:{expected['line']}")
        assert actual["file"].endswith(case.log.name)
    check_provenance(table, data)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_golden_rejects(case: GoldenCase) -> None:
    data = case.log.read_bytes()
    starts = line_starts(data)
    b = read_checked(case.log, format=case.format)
    rejects = b.rejects.sort("line")
    expected = case.expected["rejects"]
    assert rejects["line"].to_list() == [r["line"] for r in expected], rejects
    for got, want in zip(rejects.iter_rows(named=True), expected):
        where = f"{case.id}:{want['line']}"
        assert want["reason"].lower() in got["reason"].lower(), f"{where}: reason {got['reason']!r}"
        assert got["reason"], where
        assert got["offset"] == starts[want["line"] - 1], where
        if "raw" in want:
            assert got["raw"] == want["raw"], where
        assert got["file"].endswith(case.log.name)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_golden_events(case: GoldenCase) -> None:
    """The normalised events of the same rows: the mapping of the README applied to the
    hand-written row values, and the hand-written ``_domain``."""
    b = read_checked(case.log, format=case.format)
    ev = file_rows(b.events, case.log).sort("line")
    assert ev.height == len(case.expected["rows"])
    for got, row in zip(ev.iter_rows(named=True), case.expected["rows"]):
        where = f"{case.id}:{row['line']} (events)"
        assert got["line"] == row["line"], where
        assert got["ts"] == utc(row["ts"]), where
        assert got["source"] == case.format, where
        assert got["host"] is None, where
        assert got["action"] == row.get("_action"), where
        assert got["src_ip"] == row["client_ip"], where
        assert got["src_port"] == row.get("client_port"), where
        assert got["user"] == row["user"], where
        assert got["http_method"] == row["method"], where
        assert got["url"] == row["url"], where
        assert got["http_status"] == row["status"], where
        assert got["bytes_in"] == row["bytes"], where
        assert got["user_agent"] == row.get("user_agent"), where
        assert got["domain"] == row.get("_domain"), f"{where}: domain {got['domain']!r}"
        assert isinstance(got["message"], str) and got["message"].strip(), where


@pytest.mark.parametrize("case", [c for c in CASES if c.expected.get("detect")], ids=_ids([c for c in CASES if c.expected.get("detect")]))
def test_golden_detection(case: GoldenCase) -> None:
    """Without ``format=`` each golden file is recognised as its format and gives the same rows."""
    forced = read_checked(case.log, format=case.format)
    b = read_checked(case.log)
    check_counts(b.summary)
    s = summary_row(b.summary, case.log)
    assert s["format"] == case.format, f"detected {s['format']!r}"
    assert b.formats == [case.format]
    assert b[case.format].equals(forced[case.format])


@pytest.mark.parametrize("case", [c for c in CASES if c.expected["rejects"]], ids=_ids([c for c in CASES if c.expected["rejects"]]))
def test_golden_strict(case: GoldenCase) -> None:
    first = min(r["line"] for r in case.expected["rejects"])
    with pytest.raises(vl.ParseError) as e:
        read_checked(str(case.log), format=case.format, strict=True)
    assert f"{case.log}:{first}" in str(e.value)


def test_golden_set_is_complete() -> None:
    """Each web format has golden files with rows and rejects among them."""
    by_format: dict[str, list[GoldenCase]] = {}
    for c in CASES:
        by_format.setdefault(c.format, []).append(c)
    assert set(by_format) == {"common", "combined", "zimbra_access", "zimbra_nginx"}
    for fmt, cases in by_format.items():
        assert sum(len(c.expected["rows"]) for c in cases) >= 4, fmt
    assert sum(len(c.expected["rejects"]) for c in CASES) >= 4


def test_golden_all_at_once() -> None:
    """The whole golden folder in one call with per-file overrides: every file keeps its rows."""
    overrides = {f"*/{fmt}/*.log": fmt for fmt in FORMAT_COLUMNS}
    b = read_checked([str(c.log) for c in CASES], format=overrides)
    check_counts(b.summary)
    assert b.summary.height == len(CASES)
    for c in CASES:
        s = summary_row(b.summary, c.log)
        assert s["format"] == c.format
        assert s["rows"] == len(c.expected["rows"])
    assert sorted(b.formats) == sorted(FORMAT_COLUMNS)
    total = sum(len(c.expected["rows"]) for c in CASES)
    assert b.events.height == total
    assert b.events["source"].value_counts().sort("source").rows() == sorted(
        (fmt, sum(len(c.expected["rows"]) for c in CASES if c.format == fmt)) for fmt in FORMAT_COLUMNS
    )
