"""Golden files: ``tests/golden/<format>/<case>.log`` read with the options of
``<case>.expected.json``, compared with the hand-written expected rows there.

``expected.json`` holds ``options`` (``tz``, ``year`` passed to ``vl.read``), ``summary``
(columns of the file's summary row to check), ``rows`` (for each row of the format's table, in
order, the columns to check; timestamps as ISO 8601 UTC text ``2022-09-06T08:15:32Z``, with
fraction when non-zero), optionally ``events`` (same, against ``bundle.events``) and
``rejects`` (line numbers of the rejected lines)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import veilleur as vl

GOLDEN = Path(__file__).resolve().parent / "golden"


def cases(fmt: str) -> list[Path]:
    return sorted((GOLDEN / fmt).glob("*.log"))


def _norm(v):
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        text = v.strftime("%Y-%m-%dT%H:%M:%S")
        if v.microsecond:
            text += f".{v.microsecond:06d}".rstrip("0")
        return text + "Z"
    return v


def check(fmt: str, log: Path) -> None:
    spec = json.loads(log.with_name(log.name[: -len(".log")] + ".expected.json").read_text(encoding="utf-8"))
    opts = spec.get("options", {})
    b = vl.read(log, format=fmt, **opts)
    s = b.summary.row(0, named=True)
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"], s
    for k, v in spec.get("summary", {}).items():
        assert s[k] == v, (log.name, k, s[k], v)
    table = b[fmt] if spec["rows"] else None
    assert (table.height if table is not None else 0) == len(spec["rows"]), log.name
    for i, want in enumerate(spec["rows"]):
        got = table.row(i, named=True)
        for k, v in want.items():
            assert _norm(got[k]) == v, (log.name, i, k, got[k], v)
    if "events" in spec:
        ev = b.events
        for i, want in enumerate(spec["events"]):
            got = ev.row(i, named=True)
            for k, v in want.items():
                assert _norm(got[k]) == v, (log.name, "events", i, k, got[k], v)
    rej = b.rejects
    want_rej = spec.get("rejects", [])
    assert (rej["line"].to_list() if rej.height else []) == want_rej, (log.name, rej)
