"""mailbox.log / audit.log (log4j layout): fields, folding of stack traces, time zones, detection."""

from __future__ import annotations

import gzip
import warnings
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

MBOX_WARN = (
    "2022-08-10 07:33:18,411 WARN  [qtp1234567890-4711:https://mail.example.org/service/extension/backup/"
    "mboximport?account-name=admin&ow=2&no-switch=1&append=1] [] mboxmove - Auth failed"
)
MAILBOX = "\n".join(
    [
        "2022-09-06 10:15:30,072 INFO  [qtp1335505684-125:https://mail.example.org/service/soap/AuthRequest] "
        "[name=alice@example.org;mid=64;oip=192.168.1.114;port=47834;ua=Mozilla/5.0 (X11;; Linux x86_64);soapId=7ab4b781;] "
        "account - Authentication successful for user: alice@example.org",
        MBOX_WARN.replace("2022-08-10 07:33:18", "2022-09-06 10:15:32"),
        "2022-09-06 10:15:32,530 WARN  [qtp1234567890-4711:https://mail.example.org/service/extension/backup/mboximport"
        "?account-name=admin&ow=2&no-switch=1&append=1] [] mboxmove - unable to read metadata for account admin@example.org",
        "com.zimbra.common.service.ServiceException: system failure: unable to read metadata",
        "\tat com.zimbra.common.service.ServiceException.FAILURE(ServiceException.java:288)",
        "Caused by: java.io.EOFException",
        "\t... 10 more",
        "2007-06-17 20:11:34,194 FATAL [btpool0-3335] [name=samd@example.com;aname=abcadmin@example.com;mid=142;"
        "ip=10.3.4.5;ua=zimbraConnectorForBES/5.0.207;] system - handler exception java.lang.OutOfMemoryError: PermGen space",
    ]
) + "\n"

AUDIT = "\n".join(
    [
        "2010-09-08 00:12:05,253 INFO  [btpool0-8921] [name=dizihelp@dizi.dc;oip=192.168.1.3;ua=zclient/6.0.0_BETA2_1547.RHEL5_64;] "
        "security - cmd=Auth; account=dizihelp@dizi.dc; protocol=soap;",
        "2015-03-26 21:51:36,505 INFO  [Pop3Server-13] [ip=172.16.0.3;oip=200.111.128.196;] security - cmd=Auth; "
        "account=jbarrera@example.com; protocol=pop3;",
        "2022-09-06 10:17:01,003 WARN  [qtp1335505684-126:https://mail.example.org:7071/service/admin/soap/AuthRequest] "
        "[name=admin@example.org;oip=203.0.113.66;ua=ZimbraWebClient - FF101 (Linux);] security - cmd=AdminAuth; "
        "account=admin@example.org; error=authentication failed for [admin@example.org], invalid password;",
        "2025-09-19 19:40:17,304 INFO  [qtp1279309678-18:https://zimbra.example.net/service/soap/] [name=login@example.net;"
        "oip=1.2.3.4, 5.6.7.8;port=47834;ua=BlueMail 1.140.103 (20466)(...le2bw6) devip=1.2.3.4 ZPZB/74;soapId=56847ec2;] "
        "security - cmd=Auth; account=login@example.net; protocol=zsync;",
    ]
) + "\n"


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


def counts_add_up(b: vl.Bundle) -> None:
    s = b.summary
    assert (s["lines"] == s["rows"] + s["rejected"] + s["folded"]).all(), s


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_mailbox_fields_and_folding(tmp_path):
    p = write(tmp_path, "mailbox.log", MAILBOX)
    b = vl.read(p, tz="Europe/Paris")
    counts_add_up(b)
    s = b.summary.row(0, named=True)
    assert (s["format"], s["lines"], s["rows"], s["rejected"], s["folded"]) == ("zimbra_mailbox", 8, 4, 0, 4)
    assert (s["tz"], s["tz_assumed"]) == ("Europe/Paris", False)
    t = b["zimbra_mailbox"]
    assert t["line"].to_list() == [1, 2, 3, 8]
    assert t["n_lines"].to_list() == [1, 1, 5, 1]
    r0 = t.row(0, named=True)
    assert r0["ts"] == utc(2022, 9, 6, 8, 15, 30, 72000)  # CEST = UTC+2
    assert (r0["level"], r0["category"], r0["name"], r0["mid"], r0["port"]) == ("INFO", "account", "alice@example.org", 64, 47834)
    assert r0["ua"] == "Mozilla/5.0 (X11; Linux x86_64)"  # ';;' is a ';' inside a value
    assert r0["client_ip"] == "192.168.1.114"
    assert r0["thread_url"] == "https://mail.example.org/service/soap/AuthRequest"
    r2 = t.row(2, named=True)
    assert r2["exception"] == "com.zimbra.common.service.ServiceException"
    assert r2["message"].startswith("unable to read metadata for account admin@example.org\ncom.zimbra")
    assert r2["message"].endswith("\t... 10 more")
    assert "mboximport" in r2["thread_url"]
    r3 = t.row(3, named=True)
    assert r3["ts"] == utc(2007, 6, 17, 18, 11, 34, 194000)
    assert (r3["level"], r3["aname"], r3["client_ip"]) == ("FATAL", "abcadmin@example.com", "10.3.4.5")
    ev = b.events.sort("line")
    assert ev["source"].cast(pl.Utf8).unique().to_list() == ["zimbra_mailbox"]
    assert ev["user"].to_list() == ["alice@example.org", None, None, "abcadmin@example.com"]
    assert ev["src_ip"].to_list() == ["192.168.1.114", None, None, "10.3.4.5"]
    assert ev["message"][2] == "unable to read metadata for account admin@example.org"


def test_audit_logins(tmp_path):
    p = write(tmp_path, "audit.log", AUDIT)
    b = vl.read(p, tz="America/Santiago")
    counts_add_up(b)
    assert b.formats == ["zimbra_audit"]
    t = b["zimbra_audit"]
    assert t["cmd"].to_list() == ["Auth", "Auth", "AdminAuth", "Auth"]
    assert t["protocol"].to_list() == ["soap", "pop3", None, "zsync"]
    assert t["action"].to_list() == ["login_ok", "login_ok", "login_fail", "login_ok"]
    assert t["client_ip"].to_list() == ["192.168.1.3", "200.111.128.196", "203.0.113.66", "1.2.3.4"]
    assert t["error"][2] == "authentication failed for [admin@example.org], invalid password"
    ev = b.events
    assert ev["action"].to_list() == ["login_ok", "login_ok", "login_fail", "login_ok"]
    assert ev["user"].to_list() == ["dizihelp@dizi.dc", "jbarrera@example.com", "admin@example.org", "login@example.net"]
    # America/Santiago in March 2015: UTC-3 (its DST) -> 21:51:36 local is 00:51:36 UTC the next day
    assert t["ts"][1] == utc(2015, 3, 27, 0, 51, 36, 505000)


def test_without_tz_local_times_are_utc_and_named_in_a_warning(tmp_path):
    p = write(tmp_path, "mailbox.log", MBOX_WARN + "\n")
    with pytest.warns(UserWarning, match="mailbox.log.*no tz= was given"):
        b = vl.read(p)
    s = b.summary.row(0, named=True)
    assert (s["tz"], s["tz_assumed"]) == ("UTC", True)
    assert b["zimbra_mailbox"]["ts"][0] == utc(2022, 8, 10, 7, 33, 18, 411000)


def test_dst_anomalies_are_counted(tmp_path):
    lines = [
        "2022-10-30 02:30:00,000 INFO  [t-1] [] x - repeated hour",  # ambiguous in Paris
        "2022-03-27 02:30:00,000 INFO  [t-1] [] x - skipped hour",  # does not exist in Paris
        "2022-03-27 03:30:00,000 INFO  [t-1] [] x - after the gap",
    ]
    b = vl.read(write(tmp_path, "mailbox.log", "\n".join(lines) + "\n"), tz="Europe/Paris")
    s = b.summary.row(0, named=True)
    assert (s["ambiguous_times"], s["nonexistent_times"]) == (1, 1)
    assert b["zimbra_mailbox"]["ts"].to_list() == [
        utc(2022, 10, 30, 0, 30),  # first occurrence (CEST)
        utc(2022, 3, 27, 1, 30),  # offset before the gap (CET)
        utc(2022, 3, 27, 1, 30),
    ]


def test_bad_zone_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match='unknown time zone "Europe/Pariss"'):
        vl.read(write(tmp_path, "mailbox.log", MBOX_WARN + "\n"), tz="Europe/Pariss")


def test_stack_trace_at_file_start_is_rejected_and_strict_names_it(tmp_path):
    text = "\tat com.zimbra.X(X.java:1)\n" + MBOX_WARN + "\n"
    p = write(tmp_path, "mailbox.log", text)
    b = vl.read(p, tz="UTC")
    counts_add_up(b)
    rj = b.rejects.row(0, named=True)
    assert (rj["line"], rj["offset"], rj["raw"]) == (1, 0, "\tat com.zimbra.X(X.java:1)")
    assert "no record above" in rj["reason"]
    with pytest.raises(vl.ParseError, match=r"mailbox.log:1: continuation line"):
        vl.read(p, tz="UTC", strict=True, format="zimbra_mailbox")


def test_folding_is_exact_across_chunks(tmp_path):
    recs = []
    for i in range(4000):
        recs.append(f"2022-09-06 10:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d} INFO  [qtp1-{i}] [name=u{i}@x.org;] soap - rec {i}")
        recs.extend(f"\tat frame.F{j}(F.java:{i})" for j in range(i % 4))
    p = write(tmp_path, "mailbox.log", "\n".join(recs) + "\n")
    b = vl.read(p, tz="UTC", chunk_bytes=4096)
    counts_add_up(b)
    t = b["zimbra_mailbox"]
    assert t.height == 4000
    assert t["name"].to_list() == [f"u{i}@x.org" for i in range(4000)]
    assert t["n_lines"].to_list() == [1 + i % 4 for i in range(4000)]
    assert b.summary["rejected"][0] == 0


def test_mixed_zimbra_log_folder_in_one_call(tmp_path):
    log = tmp_path / "opt/zimbra/log"
    write(log, "mailbox.log", MAILBOX)
    (log / "mailbox.log.2022-09-05.gz").write_bytes(gzip.compress(MAILBOX.encode(), mtime=0))
    write(log, "audit.log", AUDIT)
    write(
        log,
        "access_log.2022-09-06",
        '203.0.113.66 - - [06/Sep/2022:08:15:32 +0000] "POST /service/extension/backup/mboximport?account-name=admin'
        '&ow=2&no-switch=1&append=1 HTTP/1.1" 401 0 "-" "python-requests/2.28.1" 12\n',
    )
    (log / "nginx.access.log.1.gz").write_bytes(
        gzip.compress(
            b'203.0.113.66:51234 - - [06/Sep/2022:10:15:32 +0200]  "POST /service/extension/backup/mboximport HTTP/1.1" '
            b'401 0 "-" "python-requests/2.28.1" "10.10.1.5:8080" "mail.example.org:443"\n',
            mtime=0,
        )
    )
    write(log, "zmconfigd.junk", b"\x00\x01\x02\x03 binary junk\n\xff\xfe\n")
    with warnings.catch_warnings(record=True):
        b = vl.read(tmp_path, tz="Europe/Paris")
    counts_add_up(b)
    fmt = dict(zip([Path(p).name for p in b.summary["path"]], b.summary["format"]))
    assert fmt == {
        "access_log.2022-09-06": "zimbra_access",
        "audit.log": "zimbra_audit",
        "mailbox.log": "zimbra_mailbox",
        "mailbox.log.2022-09-05.gz": "zimbra_mailbox",
        "nginx.access.log.1.gz": "zimbra_nginx",
        "zmconfigd.junk": None,
    }
    junk = b.summary.filter(pl.col("format").is_null()).row(0, named=True)
    assert junk["status"] == "unrecognised" and "binary" in junk["error"]
    # the same exploitation seen in three files, on one clock
    ev = b.events.filter(pl.col("url").str.contains("mboximport"))
    assert sorted(ev["source"].cast(pl.Utf8).unique().to_list()) == ["zimbra_access", "zimbra_mailbox", "zimbra_nginx"]
    web = ev.filter(pl.col("source").cast(pl.Utf8) != "zimbra_mailbox")
    assert web["ts"].unique().to_list() == [utc(2022, 9, 6, 8, 15, 32)]


def test_format_overrides_per_file(tmp_path):
    p = write(tmp_path, "weird.name", AUDIT)
    b = vl.read(tmp_path, format={"*.name": "zimbra_mailbox"}, tz="UTC")
    s = b.summary.row(0, named=True)
    assert (s["format"], s["format_source"]) == ("zimbra_mailbox", "override")
    with pytest.raises(ValueError, match="unknown format"):
        vl.read(p, format={"*": "nope"})


levels = st.sampled_from(["INFO ", "WARN ", "ERROR", "DEBUG", "FATAL"])
word = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="[];= \\"), min_size=1, max_size=12)
value = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="\n\r]"), min_size=0, max_size=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    when=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31)),
    level=levels,
    thread=word,
    name=value,
    ua=value,
    category=word,
    message=value.filter(lambda m: not m.startswith(" ")),
    trace=st.lists(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30).map(lambda s: "\tat " + s), max_size=3),
)
def test_property_rendered_records_parse_back(tmp_path, when, level, thread, name, ua, category, message, trace):
    esc = lambda v: v.replace(";", ";;")  # noqa: E731
    ms = when.microsecond // 1000
    head = f"{when:%Y-%m-%d %H:%M:%S},{ms:03d} {level} [{thread}] [name={esc(name)};ua={esc(ua)};] {category} - {message}"
    text = "\n".join([head, *trace]) + "\n"
    p = write(tmp_path, "mailbox.log", text)
    b = vl.read(p, format="zimbra_mailbox", tz="UTC")
    counts_add_up(b)
    t = b["zimbra_mailbox"]
    assert t.height == 1
    r = t.row(0, named=True)
    assert r["ts"] == when.replace(microsecond=ms * 1000, tzinfo=timezone.utc)
    assert (r["level"], r["thread"], r["category"]) == (level.strip(), thread, category)
    assert (r["name"], r["ua"]) == (name, ua)
    assert r["message"] == "\n".join([message, *trace])
    assert r["n_lines"] == 1 + len(trace)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.binary(max_size=80), st.sampled_from([MBOX_WARN.encode(), b"\tat x.Y(Y.java:1)", b""])), max_size=20))
def test_property_arbitrary_lines_never_crash_and_count(tmp_path, parts):
    data = b"\n".join(parts)
    p = write(tmp_path, "mailbox.log", data)
    b = vl.read(p, format="zimbra_mailbox", tz="Europe/Paris")
    counts_add_up(b)
    s = b.summary.row(0, named=True)
    expected = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    assert s["lines"] == expected


def test_sync_log_with_wrapped_thread_and_exception_id(tmp_path):
    # the admin guide's sync.log sample: the thread name wraps over two lines, and an
    # ExceptionId continuation line follows the record
    text = (
        "2013-01-15 15:52:20,426 WARN [qtp1635701107-91:https://x.x.x.x/\n"
        "Microsoft-Server-ActiveSync?User=zsupport2&DeviceId=Appl5ddddd3NR&DeviceType=iPhone&Cmd=FolderSync]"
        "[name=zsupport2@domain.com;mid=64;ip=10.1.2.3;Cmd=FolderSync;DeviceID=Appl5K0113UN3NR;Version=12.1;] sync - "
        "Service exception com.zimbra.common.service.ServiceException: error while proxying request to target server: "
        "HTTP/1.1 503 Service Unavailable\n"
        "ExceptionId:qtp1635701107-91:https://10.10.0.54:443/Microsoft-Server-ActiveSync?User=zsupport2:1358286740426:"
        'c5ca7f36bb0a038f Code:service.PROXY_ERROR Arg:(url, STR,"http://mail.domain.com:80/service/soap/SyncRequest"\n'
    )
    b = vl.read(write(tmp_path, "sync.log", text), tz="UTC")
    counts_add_up(b)
    s = b.summary.row(0, named=True)
    assert (s["format"], s["lines"], s["rows"], s["folded"]) == ("zimbra_mailbox", 3, 1, 2)
    r = b["zimbra_mailbox"].row(0, named=True)
    assert (r["category"], r["name"], r["mid"], r["client_ip"], r["n_lines"]) == ("sync", "zsupport2@domain.com", 64, "10.1.2.3", 3)
    assert r["thread_url"].startswith("https://x.x.x.x/\nMicrosoft-Server-ActiveSync?User=zsupport2")
    assert "DeviceID=Appl5K0113UN3NR" in r["context"]
    assert r["message"].splitlines()[1].startswith("ExceptionId:qtp1635701107-91")
