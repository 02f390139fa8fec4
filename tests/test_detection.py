"""Detection across every format: each golden file is recognised as its own format when read
alone and inside one folder holding a file of every format (one ``vl.read`` call)."""

from __future__ import annotations

import shutil

import pytest

import veilleur as vl

import _golden

CASES = sorted(p for p in _golden.GOLDEN.glob("*/*.log"))


@pytest.mark.parametrize("log", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_file_detects_as_its_format(log):
    s = vl.read(log, tz="UTC", year=2022).summary.row(0, named=True)
    assert s["format"] == log.parent.name, (log, s["format"], s["error"])
    assert s["format_source"] == "detected"


def test_mixed_folder_in_one_call(tmp_path):
    want = {}
    for log in CASES:
        name = f"{log.parent.name}__{log.stem}.log"
        shutil.copy(log, tmp_path / name)
        want[name] = log.parent.name
    b = vl.read(tmp_path, tz="UTC", year=2022)
    got = {p.rsplit("/", 1)[-1]: f for p, f in b.summary.select("path", "format").rows()}
    assert got == want
    assert set(b.formats) == set(want.values())
    s = b.summary
    assert (s["lines"] == s["rows"] + s["rejected"] + s["folded"]).all()
