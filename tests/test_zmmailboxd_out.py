"""zmmailboxd.out (Jetty StdErrLog records with folded JVM output; golden files: test_golden.py): chunk
boundaries, hypothesis properties."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl


def test_trace_cut_by_chunk_boundary(tmp_path):
    rec = "2022-08-10 07:33:18.411:WARN:oejs.ServletHandler:qtp1-2: boom\n" + "".join(
        f"\tat com.zimbra.Frame{i}.run(Frame.java:{i})\n" for i in range(40)
    )
    p = tmp_path / "zmmailboxd.out"
    p.write_text("\tat a.leading.Frame(X.java:1)\n" + rec * 20)
    b = vl.read(p, tz="UTC", chunk_bytes=700)
    s = b.summary.row(0, named=True)
    assert s["format"] == "zmmailboxd_out"
    assert (s["lines"], s["rows"], s["rejected"], s["folded"]) == (1 + 41 * 20, 20, 1, 40 * 20)
    t = b["zmmailboxd_out"]
    assert t["n_lines"].to_list() == [41] * 20
    assert t["line"].to_list() == [2 + 41 * i for i in range(20)]
    assert all(x.count("\n") == 39 for x in t["trace"].to_list())


line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"), max_size=60
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ts=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
        lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)
    ),
    level=st.sampled_from(["INFO", "WARN", "DBUG", "IGNORED"]),
    logger=st.from_regex(r"[a-z][a-zA-Z.]{0,20}", fullmatch=True),
    thread=st.none() | st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9_:/.-]{0,20}", fullmatch=True),
    msg=line_text,
    trace=st.lists(line_text.map(lambda s: "\tat " + s), max_size=4),
)
def test_roundtrip(tmp_path, ts, level, logger, thread, msg, trace):
    if thread is None:
        # without a thread, a message whose first `: ` follows a space-free word would read as one
        msg = "x " + msg
    head = f"{ts:%Y-%m-%d %H:%M:%S}.{ts.microsecond // 1000:03d}:{level}:{logger}:"
    line = head + (f"{thread}: {msg}" if thread is not None else msg)
    p = tmp_path / "z.out"
    p.write_text("\n".join([line, *trace]) + "\n", encoding="utf-8")
    b = vl.read(p, format="zmmailboxd_out", tz="UTC")
    r = b["zmmailboxd_out"].row(0, named=True)
    assert r["ts"] == ts.replace(tzinfo=dt.timezone.utc)
    assert (r["level"], r["logger"], r["thread"], r["message"]) == (level, logger, thread, msg)
    assert r["trace"] == ("\n".join(trace) if trace else None)
    assert r["n_lines"] == 1 + len(trace)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(tmp_path, data):
    p = tmp_path / "junk.out"
    p.write_bytes(b"2022-08-10 07:33:18.411:WARN:x:" + data)
    s = vl.read(p, format="zmmailboxd_out", tz="Europe/Paris").summary.row(0, named=True)
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]
