"""CEF, LEEF and PAN-OS (golden files: test_golden.py): detection in a mixed folder, the traps of each format,
and hypothesis properties (CEF extension values and PAN-OS quoted CSV fields round-trip)."""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

import _golden

MINE = ("cef", "leef", "panos")
UTC = dt.timezone.utc


def read(path: Path, **kw) -> vl.Bundle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(path, **kw)
    for s in b.summary.iter_rows(named=True):
        assert s["lines"] == s["rows"] + s["rejected"] + s["folded"], s
    return b


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    p = tmp_path / name
    p.write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    return p


# --------------------------------------------------------------------------- detection


def test_mixed_folder_detects_each_format(tmp_path):
    for fmt in MINE:
        for log in _golden.cases(fmt):
            shutil.copy(log, tmp_path / f"{fmt}_{log.name}")
    shutil.copy(_golden.GOLDEN / "syslog" / "zimbra_bsd.log", tmp_path / "zimbra.log")
    shutil.copy(_golden.GOLDEN / "zimbra_audit" / "logins.log", tmp_path / "audit.log")
    b = read(tmp_path, tz="UTC", year=2024)
    got = {Path(r["path"]).name: r["format"] for r in b.summary.iter_rows(named=True)}
    for name, fmt in got.items():
        want = name.split("_", 1)[0] if name.split("_", 1)[0] in MINE else None
        if want:
            assert fmt == want, (name, fmt)
    assert got["zimbra.log"] == "syslog"
    assert got["audit.log"] not in MINE
    # one events table for all of them
    sources = set(b.events["source"].cast(str).unique().to_list())
    assert set(MINE) <= sources


def test_other_golden_files_are_not_mine():
    for log in sorted(_golden.GOLDEN.glob("*/*.log")):
        if log.parent.name in MINE:
            continue
        b = read(log, tz="UTC", year=2022)
        assert b.summary["format"][0] not in MINE, log


def test_fortigate_cef_is_cef(tmp_path):
    p = write(
        tmp_path,
        "fgt.log",
        "<189>Feb 12 10:48:12 fgt01 CEF:0|Fortinet|Fortigate|v7.2.5|00013|traffic:forward close|3|FTNTFGTlogid=0000000013 "
        "cat=traffic:forward FTNTFGTsubtype=forward src=10.20.30.41 spt=51544 dst=198.51.100.140 dpt=443 proto=6 act=close",
    )
    b = read(p, tz="UTC", year=2024)
    assert b.summary["format"][0] == "cef"
    assert b.events["action"][0] == "allow"


# --------------------------------------------------------------------------- CEF traps


def test_cef_traps(tmp_path):
    p = write(
        tmp_path,
        "cef.log",
        r"CEF:0|V|Pro\|duct|1|id\\x|Name|5|msg=a\=b requestClientApplication=Mozilla/5.0 (Windows NT 10.0; Win64; x64) act=deny   ",
        r"CEF:0|V|P|1|id|name|",
        r"CEF:0|V|P|1|id|name||",
        r"CEF:0|V|P|1|id|name|Low|",
    )
    b = read(p, format="cef", tz="UTC", year=2024)
    t = b["cef"]
    assert t.height == 3
    r = t.row(0, named=True)
    assert r["device_product"] == "Pro|duct"
    assert r["signature_id"] == "id\\x"
    assert r["msg"] == "a=b"
    assert r["request_client_application"] == "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    assert r["act"] == "deny"  # trailing padding trimmed
    assert t["severity"].to_list() == ["5", None, "Low"]
    assert b.rejects["line"].to_list() == [2]
    assert "6 of its 7" in b.rejects["reason"][0]


def test_cef_rt_zones(tmp_path):
    p = write(
        tmp_path,
        "cef.log",
        "CEF:0|V|P|1|a|b|1|rt=May 06 2024 09:24:07 CEST",
        "CEF:0|V|P|1|a|b|1|rt=May 06 2024 09:24:07 GMT+02:00",
        "CEF:0|V|P|1|a|b|1|rt=May 06 2024 09:24:07.125 Z",
        "CEF:0|V|P|1|a|b|1|rt=May 06 2024 09:24:07 dtz=Asia/Tokyo",
        "CEF:0|V|P|1|a|b|1|rt=May 06 2024 09:24:07 Europe/London",
    )
    t = read(p, tz="Europe/Paris", year=2024)["cef"]
    assert t["ts"].to_list() == [
        dt.datetime(2024, 5, 6, 7, 24, 7, tzinfo=UTC),
        dt.datetime(2024, 5, 6, 7, 24, 7, tzinfo=UTC),
        dt.datetime(2024, 5, 6, 9, 24, 7, 125000, tzinfo=UTC),
        dt.datetime(2024, 5, 6, 0, 24, 7, tzinfo=UTC),
        dt.datetime(2024, 5, 6, 8, 24, 7, tzinfo=UTC),
    ]


_VALUE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\n\r\x00", exclude_categories=("Cs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip(" \t") == s and s.strip())


def _cef_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("=", "\\=")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(msg=_VALUE, user=_VALUE)
def test_cef_values_round_trip(tmp_path, msg, user):
    # a value runs to the next ` key=`; `\=` and `\\` escapes; spaces inside are kept
    line = f"CEF:0|V|P|1|id|n|1|msg={_cef_escape(msg)} suser={_cef_escape(user)} act=deny"
    p = write(tmp_path, "prop.log", line)
    t = read(p, format="cef", tz="UTC", year=2024)["cef"]
    assert t.height == 1
    r = t.row(0, named=True)
    assert (r["msg"], r["suser"], r["act"]) == (msg, user, "deny")


# --------------------------------------------------------------------------- LEEF traps


def test_leef_delimiters_and_times(tmp_path):
    p = write(
        tmp_path,
        "leef.log",
        "LEEF:2.0|V|P|1|e|^|src=192.0.2.1^devTime=May 06 2024 09:00:00.500 UTC",
        "LEEF:2.0|V|P|1|e|x7C|src=192.0.2.2|devTimeFormat=yyyy-MM-dd HH:mm:ss|devTime=2024-05-06 11:00:00",
        "LEEF:2.0|V|P|1|e|0x09|src=192.0.2.3\tdevTime=1714986000000",
        "LEEF:2.0|V|P|1|e||src=192.0.2.4\tdevTimeFormat=EEE MMM dd HH:mm:ss zzz yyyy\tdevTime=Mon May 06 09:00:00 GMT 2024",
        "LEEF:2.0|V|P|1|e|::|src=192.0.2.5",
    )
    b = read(p, tz="Europe/Paris", year=2024)
    t = b["leef"]
    assert t["src"].to_list() == ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]
    assert t["ts"].to_list() == [
        dt.datetime(2024, 5, 6, 9, 0, 0, 500000, tzinfo=UTC),
        dt.datetime(2024, 5, 6, 9, 0, 0, tzinfo=UTC),  # local Paris time, CEST
        dt.datetime(2024, 5, 6, 9, 0, 0, tzinfo=UTC),
        dt.datetime(2024, 5, 6, 9, 0, 0, tzinfo=UTC),
    ]
    assert b.rejects["line"].to_list() == [5]
    assert "delimiter" in b.rejects["reason"][0]


# --------------------------------------------------------------------------- PAN-OS traps

HEAD = "1,2024/05/06 09:23:10,013201000001"


def _session(ty: str, sub: str, action: str, tail: list[str]) -> str:
    f = [
        *HEAD.split(","), ty, sub, "2560", "2024/05/06 09:23:10", "192.0.2.1", "198.51.100.2", "", "", "rule", "u", "", "ssl", "vsys1",
        "a", "b", "e1", "e2", "default", "", "1", "1", "1000", "443", "0", "0", "0x0", "tcp", action,
    ]
    return ",".join(f + tail)


def test_panos_types_kept_and_tail(tmp_path):
    p = write(
        tmp_path,
        "pan.log",
        f"{HEAD},USERID,login,2560,2024/05/06 09:23:10,vsys1,192.0.2.1,example\\bob,,0,1,2700,0,0,vsys1,PA-440",
        f"{HEAD},HIPMATCH,0,2560,2024/05/06 09:23:10,example\\bob,vsys1,ws-1,Windows,192.0.2.1,hip-profile",
        _session("TRAFFIC", "start", "allow", ["0"] * 23 + ["x", "y"]),
        _session("THREAT", "virus", "alert", ['"eicar.com.txt"', "Eicar Test File(39040)"]),
        f"{HEAD},lowercase,0,2560,2024/05/06 09:23:10",
    )
    b = read(p, tz="UTC", year=2024)
    t = b["panos"]
    assert t["type"].to_list() == ["USERID", "HIPMATCH", "TRAFFIC", "THREAT"]
    assert t["tail"][0] == "vsys1,192.0.2.1,example\\bob,,0,1,2700,0,0,vsys1,PA-440"
    assert t["tail"][2] == "x,y"
    assert t["url"][3] == "eicar.com.txt"
    ev = b.events
    assert ev["action"].to_list() == [None, None, "allow", "allow"]
    assert ev["message"][3] == "Eicar Test File(39040)"
    assert ev["domain"][3] is None  # a file name, not a URL
    assert b.rejects["line"].to_list() == [5]


def test_panos_rfc5424_octet_counted_and_cloud_time(tmp_path):
    line = _session("TRAFFIC", "end", "reset-both", []).replace(
        "2024/05/06 09:23:10,192.0.2.1", "2024-05-06T07:23:10.123456789Z,192.0.2.1"
    )
    msg = "<14>1 2024-05-06T09:23:11+02:00 PA-VM - - - - " + line
    # the second line as written by a TCP receiver keeping RFC 6587 octet counts
    p = write(tmp_path, "pan.log", msg, f"{len(msg)} {msg}")
    b = read(p, tz="Europe/Paris", year=2024)
    assert b.summary["format"][0] == "panos"
    assert b["panos"].height == 2
    assert b["panos"]["ts"].to_list() == [dt.datetime(2024, 5, 6, 7, 23, 10, 123456, tzinfo=UTC)] * 2
    assert b.events["action"].to_list() == ["reset"] * 2
    assert b.events["host"].to_list() == ["PA-VM"] * 2


_FIELD = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\n\r\x00", exclude_categories=("Cs", "Zl", "Zp")),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=_FIELD, ua=_FIELD)
def test_panos_quoted_fields_round_trip(tmp_path, url, ua):
    q = lambda s: '"' + s.replace('"', '""') + '"'
    tail = [q(url), "(9999)", "c", "informational", "client-to-server", "1", "0x0", "", "", "0", "", "0", "", "", "1", q(ua)]
    p = write(tmp_path, "prop.log", "May  6 09:23:41 PA-440 " + _session("THREAT", "url", "alert", tail))
    t = read(p, format="panos", tz="UTC", year=2024)["panos"]
    assert t.height == 1
    r = t.row(0, named=True)
    assert (r["url"], r["user_agent"]) == (url or None, ua or None)
    assert r["category"] == "c"


def test_tagged_syslog_header_is_still_cef_and_leef(tmp_path):
    # a syslog tag in front of the payload: `syslog` reads these lines too; the payload wins
    p = write(tmp_path, "tagged.log", *[f"May  6 09:24:{i:02d} host cef-relay[7]: CEF:0|V|P|1|id|n|1|src=192.0.2.{i}" for i in range(10)])
    assert read(p, tz="UTC", year=2024).summary["format"][0] == "cef"
    p = write(tmp_path, "tagged_leef.log", *[f"May  6 09:24:{i:02d} host qradar: LEEF:1.0|V|P|1|e|src=192.0.2.{i}" for i in range(10)])
    assert read(p, tz="UTC", year=2024).summary["format"][0] == "leef"


def test_zone_assumed_only_when_a_local_time_was_read(tmp_path):
    epoch = write(tmp_path, "epoch.log", "May  6 09:24:05 h CEF:0|V|P|1|id|n|1|rt=1714980245000")
    local = write(tmp_path, "local.log", "CEF:0|V|P|1|id|n|1|rt=May 06 2024 09:24:07")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = {Path(r["path"]).name: r["tz_assumed"] for r in vl.read([epoch, local], year=2024).summary.iter_rows(named=True)}
    assert s == {"epoch.log": False, "local.log": True}
