"""syslog (golden files: test_golden.py): year inference, zones, detection, and hypothesis properties."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import time
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

import _golden

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _set_mtime(path, y, m, d):
    t = dt.datetime(y, m, d, 12, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (t, t))


def test_year_from_mtime(tmp_path):
    p = tmp_path / "zimbra.log"
    p.write_text("Sep  6 10:15:32 mail postfix/smtpd[1]: connect from a[192.0.2.1]\n")
    _set_mtime(p, 2021, 9, 8)
    b = vl.read(p, tz="UTC")
    s = b.summary.row(0, named=True)
    assert (s["format"], s["year"]) == ("syslog", 2021)
    assert "modification time" in s["year_source"]
    assert b["syslog"]["ts"][0] == dt.datetime(2021, 9, 6, 10, 15, 32, tzinfo=dt.timezone.utc)


def test_year_from_mtime_december_to_january(tmp_path):
    # written in January 2023; starts in December, so December is 2022 and January 2023
    p = tmp_path / "zimbra.log.1"
    p.write_text(
        "Dec 31 23:59:59 mail slapd[2]: a\n"
        "Jan  1 00:00:01 mail slapd[2]: b\n"
        "Jan  2 08:00:00 mail slapd[2]: c\n"
    )
    _set_mtime(p, 2023, 1, 2)
    b = vl.read(p, tz="UTC")
    s = b.summary.row(0, named=True)
    assert s["year"] == 2022
    assert "previous year" in s["year_source"]
    assert [t.year for t in b["syslog"]["ts"]] == [2022, 2023, 2023]


def test_rollover_across_chunks(tmp_path):
    # small chunks so that December and January land in different chunks
    lines = [f"Dec 31 23:{m:02d}:00 mail slapd[2]: " + "x" * 60 for m in range(60)]
    lines += [f"Jan  1 00:{m:02d}:00 mail slapd[2]: " + "y" * 60 for m in range(60)]
    p = tmp_path / "big.log"
    p.write_text("\n".join(lines) + "\n")
    b = vl.read(p, tz="UTC", year=2022, chunk_bytes=1000)
    years = b["syslog"]["ts"].dt.year().to_list()
    assert years == [2022] * 60 + [2023] * 60


def test_dst_europe_paris_october(tmp_path):
    p = tmp_path / "messages"
    p.write_text(
        "Oct 30 01:59:59 h cron[1]: a\n"
        "Oct 30 02:30:00 h cron[1]: b\n"  # happens twice: first occurrence (CEST)
        "Oct 30 03:00:00 h cron[1]: c\n"
    )
    b = vl.read(p, tz="Europe/Paris", year=2022)
    utc = dt.timezone.utc
    assert b["syslog"]["ts"].to_list() == [
        dt.datetime(2022, 10, 29, 23, 59, 59, tzinfo=utc),
        dt.datetime(2022, 10, 30, 0, 30, tzinfo=utc),
        dt.datetime(2022, 10, 30, 2, 0, tzinfo=utc),
    ]
    s = b.summary.row(0, named=True)
    assert (s["ambiguous_times"], s["nonexistent_times"]) == (1, 0)


def test_no_tz_is_utc_and_warned(tmp_path):
    p = tmp_path / "messages"
    p.write_text("Sep  6 10:15:32 h cron[1]: a\n")
    with pytest.warns(UserWarning, match="no tz= was given"):
        b = vl.read(p, year=2022)
    s = b.summary.row(0, named=True)
    assert (s["tz"], s["tz_assumed"]) == ("UTC", True)
    assert b["syslog"]["ts"][0] == dt.datetime(2022, 9, 6, 10, 15, 32, tzinfo=dt.timezone.utc)


def test_mixed_folder_one_call(tmp_path):
    d = tmp_path / "log"
    d.mkdir()
    (d / "zimbra.log").write_text((_golden.GOLDEN / "syslog" / "zimbra_bsd.log").read_text(encoding="utf-8"), encoding="utf-8")
    (d / "nginx.log").write_text((_golden.GOLDEN / "nginx_error" / "proxy.log").read_text())
    (d / "zmmailboxd.out").write_text((_golden.GOLDEN / "zmmailboxd_out" / "jetty.log").read_text())
    (d / "access_log.2022-09-06").write_text(
        '104.244.79.6 - - [30/Jun/2022:05:33:18 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.0" 401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" 7\n'
    )
    (d / "README").write_text("some notes\nnot a log\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(d, tz="Europe/Paris", year=2022)
    s = {os.path.basename(r["path"]): r for r in b.summary.iter_rows(named=True)}
    assert s["zimbra.log"]["format"] == "syslog"
    assert s["nginx.log"]["format"] == "nginx_error"
    assert s["zmmailboxd.out"]["format"] == "zmmailboxd_out"
    assert s["access_log.2022-09-06"]["format"] == "zimbra_access"
    assert s["README"]["status"] == "unrecognised"
    for r in s.values():
        assert r["lines"] == r["rows"] + r["rejected"] + r["folded"]
    assert set(b.events["source"].unique().to_list()) == {"syslog", "nginx_error", "zmmailboxd_out", "zimbra_access"}


# ---------------------------------------------------------------------------------------------
# hypothesis
# ---------------------------------------------------------------------------------------------

word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=20).filter(lambda s: s[0] != "-")
program = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=10), min_size=1, max_size=3).map("/".join)
message = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff\x85"), max_size=80
)
stamp = st.datetimes(min_value=dt.datetime(2022, 1, 1), max_value=dt.datetime(2022, 12, 31, 23, 59, 59)).map(
    lambda t: t.replace(microsecond=0)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ts=stamp,
    pri=st.none() | st.integers(0, 191),
    host=word,
    prog=program,
    pid=st.none() | st.integers(0, 2**32 - 1),
    msg=message,
    padded=st.booleans(),
)
def test_bsd_roundtrip(tmp_path, ts, pri, host, prog, pid, msg, padded):
    day = f"{ts.day:2d}" if padded else f"{ts.day:02d}"
    head = f"<{pri}>" if pri is not None else ""
    tag = f"{prog}[{pid}]:" if pid is not None else f"{prog}:"
    line = f"{head}{MONTHS[ts.month - 1]} {day} {ts:%H:%M:%S} {host} {tag} {msg}"
    p = tmp_path / "h.log"
    p.write_text(line + "\n", encoding="utf-8")
    b = vl.read(p, format="syslog", tz="UTC", year=2022)
    r = b["syslog"].row(0, named=True)
    assert r["ts"] == ts.replace(tzinfo=dt.timezone.utc)
    assert (r["host"], r["program"], r["pid"]) == (host, prog, pid)
    assert r["message"] == msg
    assert r["facility"] == (pri >> 3 if pri is not None else None)
    assert r["severity"] == (pri & 7 if pri is not None else None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ts=st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    off=st.integers(-23 * 60 - 59, 23 * 60 + 59),
    pri=st.integers(0, 191),
    host=word,
    app=word,
    procid=st.none() | word,
    msgid=st.none() | word,
    msg=message,
)
def test_rfc5424_roundtrip(tmp_path, ts, off, pri, host, app, procid, msgid, msg):
    sign = "+" if off >= 0 else "-"
    text_ts = f"{ts:%Y-%m-%dT%H:%M:%S}.{ts.microsecond:06d}{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}"
    line = f"<{pri}>1 {text_ts} {host} {app} {procid or '-'} {msgid or '-'} - {msg}"
    p = tmp_path / "h.log"
    p.write_text(line + "\n", encoding="utf-8")
    b = vl.read(p, format="syslog", tz="UTC")
    r = b["syslog"].row(0, named=True)
    want = (ts - dt.timedelta(minutes=off)).replace(tzinfo=dt.timezone.utc)
    assert r["ts"] == want
    assert (r["host"], r["program"], r["msgid"], r["message"]) == (host, app, msgid, msg)
    assert r["pid"] == (int(procid) if procid and procid.isdigit() and int(procid) < 2**32 else None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    user=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._@-", min_size=1, max_size=20),
    ip=st.ip_addresses(),
    ok=st.booleans(),
    invalid=st.booleans(),
)
def test_sshd_logins(tmp_path, user, ip, ok, invalid):
    what = "Accepted" if ok else "Failed"
    inv = "invalid user " if invalid and not ok else ""
    line = f"Sep  6 10:15:32 bastion sshd[812]: {what} password for {inv}{user} from {ip} port 22 ssh2"
    p = tmp_path / "auth.log"
    p.write_text(line + "\n")
    ev = vl.read(p, format="syslog", tz="UTC", year=2022).events.row(0, named=True)
    # compared as addresses: IPv4-mapped IPv6 is written `::ffff:0.0.0.0` (RFC 5952 §5), which
    # Python's str() does not do
    assert (ev["user"], ev["action"]) == (user, "login_ok" if ok else "login_fail")
    assert ipaddress.ip_address(ev["src_ip"]) == ip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(tmp_path, data):
    p = tmp_path / "junk.log"
    p.write_bytes(b"Sep  6 10:15:32 h p[1]: " + data)
    b = vl.read(p, format="syslog", tz="Europe/Paris", year=2022)
    s = b.summary.row(0, named=True)
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]
    assert s["lines"] == data.count(b"\n") + 1 - (1 if data.endswith(b"\n") else 0)


def test_stamps_with_offsets_need_no_tz_nor_year(tmp_path):
    """A file whose every stamp carries its offset (RFC 5424, rsyslog RFC 3339) depends on
    neither tz nor year: no warning, no zone, no year in its summary."""
    p = tmp_path / "messages"
    p.write_text(
        "<165>1 2022-09-06T10:15:32.003+02:00 mail.example.org sshd 4242 - - Accepted password for root from 203.0.113.50 port 51234 ssh2\n"
        "2022-09-06T10:15:33.000001+02:00 mail.example.org postfix/smtpd[21803]: connect from unknown[203.0.113.50]\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = vl.read(p)
    s = b.summary.row(0, named=True)
    assert (s["format"], s["rows"], s["tz"], s["tz_assumed"], s["year"], s["year_source"]) == ("syslog", 2, None, False, None, None)
    assert b["syslog"]["ts"].to_list() == [
        dt.datetime(2022, 9, 6, 8, 15, 32, 3000, tzinfo=dt.timezone.utc),
        dt.datetime(2022, 9, 6, 8, 15, 33, 1, tzinfo=dt.timezone.utc),
    ]
