"""fortigate (golden files: test_golden.py): detection, the traps of the issue, and hypothesis properties of the
key=value scanner seen through this format."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

import _golden
from conftest import read_checked, write

UTC = dt.timezone.utc
HEAD = 'date=2024-05-06 time=09:15:30 devname="FGT-EXAMPLE" devid="FGT60FTK00000000" logid="0000000013" type="traffic"'
# FortiOS 4 names read into the columns of their later names
ALIASES = {
    "device_id", "log_id", "pri", "src", "dst", "src_port", "dst_port", "src_int", "dst_int", "sent", "rcvd", "sent_pkt",
    "rcvd_pkt", "src_country", "dst_country", "tran_disp", "tran_ip", "tran_port", "SN",
}


def read(tmp_path: Path, text: str, **kw) -> vl.Bundle:
    kw.setdefault("format", "fortigate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_checked(write(tmp_path, "fgt.log", text), **kw)  # counts add up, per file


def one(tmp_path: Path, line: str, **kw) -> dict:
    b = read(tmp_path, line + "\n", **kw)
    assert b["fortigate"].height == 1, b.rejects
    return b["fortigate"].row(0, named=True)


# ------------------------------------------------------------------------------------ traps

def test_value_with_equals_and_escaped_quotes(tmp_path):
    r = one(tmp_path, HEAD + r' msg="User \"x\" set a=b" action="accept"')
    assert r["msg"] == 'User "x" set a=b'
    assert r["action"] == "accept"
    assert r["extra"] == {}


def test_truncated_line_is_kept_and_flagged(tmp_path):
    r = one(tmp_path, HEAD + ' srcip=10.0.0.1 hostname="www.example.com" url="/a/b?c=d e')
    assert r["url"] == "/a/b?c=d e"
    assert r["srcip"] == "10.0.0.1"
    assert r["extra"] == {"_truncated": "url"}


def test_duplicate_keys_first_typed_others_in_extra(tmp_path):
    r = one(tmp_path, HEAD + ' dstport=80 dstport=8080 custom="a" custom="b"')
    assert r["dstport"] == 80
    assert r["extra"]["dstport"] == "8080"
    # a repeated untyped key: both kept in the map column
    m = vl.read_arrow(tmp_path / "fgt.log", format="fortigate", tz="UTC").column("extra")[0].as_py()
    assert ("custom", "a") in m and ("custom", "b") in m


def test_empty_value_is_null(tmp_path):
    r = one(tmp_path, HEAD + ' srcname= user="" other=')
    assert r["srcname"] is None and r["user"] is None
    assert r["extra"] == {"other": None}


def test_fortios4_unquoted_values(tmp_path):
    r = one(
        tmp_path,
        "date=2012-06-13 time=10:22:43 devname=FG100A device_id=FG100A3907508000 log_id=0104032001 type=event "
        "subtype=admin pri=information vd=root user=admin msg=User admin login successfully from GUI(192.168.1.110)",
        tz="UTC",
    )
    assert (r["devid"], r["logid"], r["level"], r["vd"]) == ("FG100A3907508000", "0104032001", "information", "root")
    assert r["msg"] == "User admin login successfully from GUI(192.168.1.110)"
    assert r["ts"] == dt.datetime(2012, 6, 13, 10, 22, 43, tzinfo=UTC)


@pytest.mark.parametrize(
    "eventtime, want",
    [
        ("1714979730", dt.datetime(2024, 5, 6, 7, 15, 30, tzinfo=UTC)),
        ("1714979730123", dt.datetime(2024, 5, 6, 7, 15, 30, 123000, tzinfo=UTC)),
        ("1714979730123456", dt.datetime(2024, 5, 6, 7, 15, 30, 123456, tzinfo=UTC)),
        ("1714979730123456789", dt.datetime(2024, 5, 6, 7, 15, 30, 123456, tzinfo=UTC)),
    ],
)
def test_eventtime_units(tmp_path, eventtime, want):
    # the device clock says 23:59:59 in a zone it does not give: eventtime wins
    r = one(tmp_path, f'date=2024-05-06 time=23:59:59 devname="F" logid="1" eventtime={eventtime}', tz="UTC")
    assert r["ts"] == want
    assert r["eventtime"] == int(eventtime)


def test_missing_tz_uses_context_zone(tmp_path):
    b = read(tmp_path, HEAD + "\n", tz="Europe/Paris")
    assert b["fortigate"]["ts"][0] == dt.datetime(2024, 5, 6, 7, 15, 30, tzinfo=UTC)
    s = b.summary.row(0, named=True)
    assert (s["tz"], s["tz_assumed"]) == ("Europe/Paris", False)
    # without tz=: read as UTC, and the summary says the zone was assumed
    b = read(tmp_path, HEAD + "\n")
    assert b["fortigate"]["ts"][0] == dt.datetime(2024, 5, 6, 9, 15, 30, tzinfo=UTC)
    s = b.summary.row(0, named=True)
    assert (s["tz"], s["tz_assumed"]) == ("UTC", True)
    # an explicit offset is exact whatever the context zone, and not local time
    b = read(tmp_path, HEAD + ' tz="-0500"\n', tz="Europe/Paris")
    assert b["fortigate"]["ts"][0] == dt.datetime(2024, 5, 6, 14, 15, 30, tzinfo=UTC)
    assert b.summary.row(0, named=True)["tz"] is None


def test_non_numeric_port_goes_to_extra(tmp_path):
    r = one(tmp_path, HEAD + " srcport=http dstport=99999 proto=tcp")
    assert r["srcport"] is None and r["dstport"] is None and r["proto"] is None
    assert r["extra"] == {"srcport": "http", "dstport": "99999", "proto": "tcp"}


def test_trailing_pipe_stripped(tmp_path):
    r = one(tmp_path, HEAD + ' appcat="unscanned"|')
    assert r["appcat"] == "unscanned" and r["extra"] == {}
    r = one(tmp_path, HEAD + " sentbyte=12 |")
    assert r["sentbyte"] == 12 and r["extra"] == {}


def test_a_line_without_pairs_is_rejected_others_kept(tmp_path):
    b = read(tmp_path, HEAD + "\nnot a record\n" + HEAD + " x=1 trailing words\n")
    assert b["fortigate"].height == 2
    assert b.rejects["line"].to_list() == [2]
    assert b["fortigate"].row(1, named=True)["extra"] == {"x": "1 trailing words"}


# ------------------------------------------------------------------------------- detection

def test_detected_in_a_mixed_folder(tmp_path):
    d = tmp_path / "collect"
    d.mkdir()
    for log in _golden.cases("fortigate"):
        (d / f"fgt-{log.name}").write_bytes(log.read_bytes())
    for log in _golden.cases("stormshield"):
        (d / f"sns-{log.name}").write_bytes(log.read_bytes())
    (d / "zimbra.log").write_bytes((_golden.GOLDEN / "syslog" / "zimbra_bsd.log").read_bytes())
    (d / "access_log.2022-09-06").write_text(
        '104.244.79.6 - - [30/Jun/2022:05:33:18 +0000] "POST /service/extension/backup/mboximport?account-name=admin HTTP/1.0" 401 299 "-" "curl/7.68.0" 7\n'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(d, tz="Europe/Paris", year=2024)
    fmt = {os.path.basename(r["path"]): r["format"] for r in b.summary.iter_rows(named=True)}
    for name, f in fmt.items():
        want = "fortigate" if name.startswith("fgt-") else "stormshield" if name.startswith("sns-") else None
        if want:
            assert f == want, (name, f)
    assert fmt["zimbra.log"] == "syslog"
    assert fmt["access_log.2022-09-06"] == "zimbra_access"
    for r in b.summary.iter_rows(named=True):
        assert r["lines"] == r["rows"] + r["rejected"] + r["folded"]
    assert {"fortigate", "stormshield", "syslog", "zimbra_access"} <= set(b.events["source"].unique().to_list())


@pytest.mark.parametrize(
    "log",
    [p for p in sorted(_golden.GOLDEN.glob("*/*.log")) if p.parent.name not in ("fortigate", "stormshield")],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_other_golden_files_are_not_ours(log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(log, year=2022)
    assert b.summary.row(0, named=True)["format"] not in ("fortigate", "stormshield")


# ------------------------------------------------------------------------------ properties

KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12).filter(lambda k: k[0].isalpha())
VALUE = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(' ="\\=,|é€日\t')),
        st.characters(blacklist_categories=("Cs", "Cc")),
    ),
    max_size=40,
)
TYPED_STR = ["msg", "user", "hostname", "url", "logdesc", "agent", "policyname", "filename", "reason", "app"]


def fgt_quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _columns() -> set[str]:
    return set(vl.read_arrow(_golden.GOLDEN / "fortigate" / "csv.log", format="fortigate", tz="UTC").schema.names)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    untyped=st.lists(st.tuples(KEY, VALUE), max_size=8, unique_by=lambda kv: kv[0]),
    typed=st.lists(st.tuples(st.sampled_from(TYPED_STR), VALUE), max_size=4, unique_by=lambda kv: kv[0]),
    port=st.integers(min_value=0, max_value=200_000),
    sent=st.integers(min_value=0, max_value=2**64 - 1),
)
def test_kv_roundtrip(tmp_path, untyped, typed, port, sent):
    cols = _columns()
    untyped = [(k, v) for k, v in untyped if k not in cols and k not in ALIASES]
    pairs = [f"{k}={fgt_quote(v)}" for k, v in typed + untyped]
    line = HEAD + f' tz="+0200" dstport={port} sentbyte={sent} ' + " ".join(pairs)
    r = one(tmp_path, line)
    for k, v in typed:
        assert r[k] == (v or None), (k, v, line)
    extra = dict(r["extra"])
    for k, v in untyped:
        assert extra.pop(k) == (v or None), (k, v, line)
    assert r["sentbyte"] == sent
    if port <= 65535:
        assert r["dstport"] == port
    else:
        assert r["dstport"] is None and extra.pop("dstport") == str(port)
    assert extra == {}
    assert r["ts"] == dt.datetime(2024, 5, 6, 7, 15, 30, tzinfo=UTC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=20), st.booleans())
def test_arbitrary_bytes_never_crash_and_count(tmp_path, lines, with_head):
    data = b"\n".join((HEAD.encode() + b" " + l if with_head else l) for l in lines) + b"\n"
    p = tmp_path / "fuzz.log"
    p.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(p, format="fortigate", tz="UTC")
    s = b.summary.row(0, named=True)
    assert s["lines"] == data.count(b"\n")
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]
