"""Golden files: every ``golden/<format>/<case>.log`` against its ``<case>.expected.json``, by
the one runner of ``tests/_golden.py`` (both schemas of expected files, every check: counts,
summary, listed rows and events, provenance of rows and rejects, strict mode, same rows when
detected). Then the golden set itself, and the access formats' files read all at once."""

from __future__ import annotations

import pytest

import _golden
from conftest import FORMAT_COLUMNS, GOLDEN, read_checked, summary_row

CASES = _golden.all_cases()
ACCESS = [c for c in CASES if c.format in FORMAT_COLUMNS]

# every format with golden files, and how many each must have at least
FORMATS = {
    "cef": 2, "cisco_asa": 1, "combined": 1, "common": 1, "fortigate": 1, "leef": 2, "netfilter": 1, "nginx_error": 1,
    "panos": 2, "pfsense": 1, "squid": 1, "stormshield": 1, "syslog": 1, "w3c": 1, "zimbra_access": 1, "zimbra_audit": 1,
    "zimbra_mailbox": 1, "zimbra_nginx": 1, "zmmailboxd_out": 1,
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden(case: _golden.Case) -> None:
    _golden.check(case)


def test_golden_set_is_complete() -> None:
    """Every format has its golden files, every expected file its log; each web format has rows
    and rejects among them."""
    counts: dict[str, int] = {}
    for c in CASES:
        counts[c.format] = counts.get(c.format, 0) + 1
    assert set(counts) == set(FORMATS)
    for fmt, least in FORMATS.items():
        assert counts[fmt] >= least, fmt
    for exp in GOLDEN.glob("*/*.expected.json"):
        assert exp.with_name(exp.name[: -len(".expected.json")] + ".log").is_file(), exp
    for fmt in FORMAT_COLUMNS:
        assert sum(len(c.rows) for c in ACCESS if c.format == fmt) >= 4, fmt
    assert sum(len(c.rejects) for c in ACCESS) >= 4


def test_golden_all_at_once() -> None:
    """The access formats' golden files in one call with per-file overrides: every file keeps its rows."""
    overrides = {f"*/{fmt}/*.log": fmt for fmt in FORMAT_COLUMNS}
    b = read_checked([str(c.log) for c in ACCESS], format=overrides)
    assert b.summary.height == len(ACCESS)
    for c in ACCESS:
        s = summary_row(b.summary, c.log)
        assert s["format"] == c.format
        assert s["rows"] == len(c.rows)
    assert sorted(b.formats) == sorted(FORMAT_COLUMNS)
    assert b.events.height == sum(len(c.rows) for c in ACCESS)
    assert b.events["source"].value_counts().sort("source").rows() == sorted(
        (fmt, sum(len(c.rows) for c in ACCESS if c.format == fmt)) for fmt in FORMAT_COLUMNS
    )
