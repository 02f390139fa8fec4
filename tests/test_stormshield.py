"""stormshield (golden files: test_golden.py): the traps of SNS audit logs (empty values, CRLF, statistics
keys, localised messages, locale-style times, syslog framing, the ts rule)."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

import veilleur as vl

from conftest import read_checked, write

UTC = dt.timezone.utc
HEAD = 'id=firewall time="2024-05-06 09:20:14" fw="SN210W0000000000" tz=+0200 startime="2024-05-06 09:19:58" pri=5'


def read(tmp_path: Path, data: bytes, **kw) -> vl.Bundle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_checked(write(tmp_path, "l_all", data), **kw)  # counts add up, per file


def one(tmp_path: Path, line: str, **kw) -> dict:
    b = read(tmp_path, (line + "\r\n").encode(), **kw)
    assert b.summary.row(0, named=True)["format"] == "stormshield"
    assert b["stormshield"].height == 1, b.rejects
    return b["stormshield"].row(0, named=True)


def test_ts_is_time_and_startime_is_kept(tmp_path):
    r = one(tmp_path, HEAD + ' logtype="connection"')
    assert r["ts"] == dt.datetime(2024, 5, 6, 7, 20, 14, tzinfo=UTC)
    assert r["startime"] == dt.datetime(2024, 5, 6, 7, 19, 58, tzinfo=UTC)
    assert r["time"] == "2024-05-06 09:20:14"


def test_empty_values_are_null_and_crlf(tmp_path):
    r = one(tmp_path, HEAD + ' src= dst= user= dstname=Firewall_eth4 action= logtype="alarm"')
    assert (r["src"], r["dst"], r["user"], r["action"]) == (None, None, None, None)
    assert r["logtype"] == "alarm"  # the CR of CRLF is not part of the last value
    assert r["extra"] == {}
    ev = vl.read(tmp_path / "l_all", tz="UTC").events.row(0, named=True)
    assert ev["action"] is None and ev["domain"] is None and ev["host"] == "SN210W0000000000"


def test_unreadable_startime_kept_as_text(tmp_path):
    r = one(tmp_path, 'id=firewall time="2024-05-06 09:20:14" fw="SN" tz=+0200 startime="yesterday" logtype="system"')
    assert r["startime"] is None and r["extra"] == {"startime": "yesterday"}
    assert r["ts"] == dt.datetime(2024, 5, 6, 7, 20, 14, tzinfo=UTC)


def test_statistics_keys_untouched(tmp_path):
    r = one(tmp_path, HEAD + ' Byte(i/o)=10/20 Ethernet0=out,1,2,3 CPU=1,2,3 Rule1:2=5 logtype="filterstat"')
    assert r["extra"] == {"Byte(i/o)": "10/20", "Ethernet0": "out,1,2,3", "CPU": "1,2,3", "Rule1:2": "5"}


def test_locale_time_and_missing_tz(tmp_path):
    b = read(tmp_path, b'id=firewall time="1/27/2019 13:24:28" fw="SN" pri=5 logtype="system"\r\n', tz="Europe/Paris")
    assert b["stormshield"]["ts"][0] == dt.datetime(2019, 1, 27, 12, 24, 28, tzinfo=UTC)
    s = b.summary.row(0, named=True)
    assert (s["tz"], s["tz_assumed"]) == ("Europe/Paris", False)
    b = read(tmp_path, b'id=firewall time="1/27/2019 13:24:28" fw="SN" pri=5 logtype="system"\r\n')
    assert b.summary.row(0, named=True)["tz_assumed"] is True


def test_french_message_and_action_case(tmp_path):
    r = one(tmp_path, HEAD + ' action=BLOCK msg="Paquet rejeté : règle n°3" logtype="filter"')
    assert r["msg"] == "Paquet rejeté : règle n°3"
    ev = vl.read(tmp_path / "l_all", tz="UTC").events.row(0, named=True)
    assert ev["action"] == "deny" and ev["message"] == "Paquet rejeté : règle n°3"


@pytest.mark.parametrize(
    "prefix, host",
    [("", None), ("<13>", None), ("<13>May  6 09:20:14 sn-fw ", "sn-fw"), ("<13>1 2024-05-06T07:20:14Z sn-fw asqd - - - ", "sn-fw")],
)
def test_syslog_framing(tmp_path, prefix, host):
    r = one(tmp_path, prefix + HEAD + ' logtype="system"', year=2024)
    assert r["syslog_host"] == host
    assert r["ts"] == dt.datetime(2024, 5, 6, 7, 20, 14, tzinfo=UTC)


def test_proto_is_ipproto_not_application(tmp_path):
    read(tmp_path, (HEAD + ' ipproto=udp proto=dns src=10.0.0.1 dst=192.0.2.53 dstport=53 action=pass logtype="connection"\r\n').encode())
    ev = vl.read(tmp_path / "l_all", tz="UTC").events.row(0, named=True)
    assert (ev["proto"], ev["action"], ev["dst_port"]) == ("udp", "allow", 53)


def test_non_numeric_typed_values_go_to_extra(tmp_path):
    r = one(tmp_path, HEAD + ' srcport=abc result=ok duration=n/a startime="yesterday" logtype="auth"')
    assert r["srcport"] is None and r["result"] is None and r["duration"] is None
    # the repeated startime is kept in extra; the first one is typed
    assert r["startime"] == dt.datetime(2024, 5, 6, 7, 19, 58, tzinfo=UTC)
    assert r["extra"] == {"srcport": "abc", "result": "ok", "duration": "n/a", "startime": "yesterday"}
