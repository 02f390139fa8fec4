"""Proxy access logs: Squid native ``access.log`` (``squid``) and W3C extended / ELFF (``w3c``:
IIS, ProxySG). Detection (golden files: test_golden.py), the traps of each format, hypothesis properties."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

import _golden

MINE = {"squid", "w3c"}


def _summary(b):
    return {os.path.basename(r["path"]): r for r in b.summary.iter_rows(named=True)}


# ---------------------------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------------------------

SQUID_COMBINED = (
    '10.20.30.57 - - [06/May/2024:09:15:45 +0200] "GET http://www.example.org/ HTTP/1.1" 407 3964 "-" "Wget/1.21.4" TCP_DENIED:HIER_NONE\n'
    '10.20.30.41 - asmith [06/May/2024:09:15:46 +0200] "CONNECT www.example.net:443 HTTP/1.1" 200 48213 "-" "curl/8.5.0" TCP_TUNNEL:HIER_DIRECT\n'
)
SQUID_COMMON = (
    '10.20.30.57 - - [06/May/2024:09:15:45 +0200] "GET http://www.example.org/ HTTP/1.1" 407 3964 TCP_DENIED:HIER_NONE\n'
    '10.20.30.41 - asmith [06/May/2024:09:15:46 +0200] "CONNECT www.example.net:443 HTTP/1.1" 200 48213 TCP_TUNNEL:HIER_DIRECT\n'
)


def test_mixed_folder_one_call(tmp_path):
    d = tmp_path / "logs"
    d.mkdir()
    for name, src in [
        ("access.log", _golden.GOLDEN / "squid" / "native.log"),
        ("u_ex240506.log", _golden.GOLDEN / "w3c" / "iis.log"),
        ("SG_main.log", _golden.GOLDEN / "w3c" / "proxysg.log"),
        ("zimbra.log", _golden.GOLDEN / "syslog" / "zimbra_bsd.log"),
    ]:
        (d / name).write_bytes(src.read_bytes())
    (d / "squid_combined.log").write_text(SQUID_COMBINED)
    (d / "squid_common.log").write_text(SQUID_COMMON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(d, tz="Europe/Paris", year=2022)
    s = _summary(b)
    assert s["access.log"]["format"] == "squid"
    assert s["u_ex240506.log"]["format"] == "w3c"
    assert s["SG_main.log"]["format"] == "w3c"
    assert s["zimbra.log"]["format"] == "syslog"
    # Squid's common/combined layouts (with their trailing %Ss:%Sh) go to the access-log formats
    assert s["squid_combined.log"]["format"] == "combined"
    # Squid's `common` (no referer/agent, then %Ss:%Sh) is read by neither `common` (text after
    # the bytes) nor `combined` (no user agent): a gap of the access-log formats, not ours
    assert s["squid_common.log"]["format"] not in MINE
    for r in s.values():
        assert r["lines"] == r["rows"] + r["rejected"] + r["folded"], r
    assert {"squid", "w3c", "syslog"} <= set(b.events["source"].unique().to_list())


def _other_golden():
    return [p for p in sorted(_golden.GOLDEN.glob("*/*.log")) if p.parent.name not in MINE]


@pytest.mark.parametrize("log", _other_golden(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_other_formats_not_detected_as_proxy(log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(log, tz="UTC", year=2022)
    assert b.summary.row(0, named=True)["format"] not in MINE


# ---------------------------------------------------------------------------------------------
# squid traps
# ---------------------------------------------------------------------------------------------


def test_squid_reject_reasons(tmp_path):
    p = tmp_path / "access.log"
    p.write_text(
        "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/ - HIER_DIRECT/198.51.100.140 text/html\n"
        "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/ - HIER_DIRECT/198.51.100.140\n"
        "garbage\n"
    )
    b = vl.read(p, format="squid")
    r = {row["line"]: row["reason"] for row in b.rejects.iter_rows(named=True)}
    assert set(r) == {2, 3}
    assert "hierarchy" in r[2] and "epoch" in r[3]


def test_squid_connect_and_denied_events(tmp_path):
    p = tmp_path / "access.log"
    p.write_text(
        "1714979741.903  60012 10.20.30.41 TCP_TUNNEL/200 48213 CONNECT www.example.net:443 asmith HIER_DIRECT/198.51.100.151 -\n"
        "1714979746.100      1 10.20.30.42 TCP_DENIED/407 3950 CONNECT www.example.net:443 - HIER_NONE/- text/html\n"
        "1714979745.001      0 10.20.30.41 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -\n"
    )
    ev = vl.read(p, format="squid").events
    assert ev["url"].to_list() == ["www.example.net:443", "www.example.net:443", "error:transaction-end-before-headers"]
    assert ev["domain"].to_list() == ["www.example.net", "www.example.net", None]
    assert ev["dst_port"].to_list() == [443, 443, None]
    assert ev["action"].to_list() == ["allow", "deny", None]
    assert ev["http_status"].to_list() == [200, 407, None]


# ---------------------------------------------------------------------------------------------
# w3c traps
# ---------------------------------------------------------------------------------------------

IIS_HEAD = (
    "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-05-06 07:00:00\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken\n"
)
IIS_HEAD2 = (
    "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-05-06 08:00:00\n"
    "#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-bytes cs(User-Agent) s-computername\n"
)


def _iis_file(n1: int, n2: int) -> str:
    lines = [IIS_HEAD]
    for i in range(n1):
        lines.append(f"2024-05-06 07:{i // 60 % 60:02d}:{i % 60:02d} 10.0.0.5 GET /a/{i} - 443 - 203.0.113.{i % 250 + 1} Mozilla/5.0+(X11) 200 {i}\n")
    lines.append(IIS_HEAD2)
    for i in range(n2):
        lines.append(f"2024-05-06 08:{i // 60 % 60:02d}:{i % 60:02d} 198.51.100.{i % 250 + 1} POST /b/{i} 302 {1000 + i} curl/8.5.0 WEB02\n")
    return "".join(lines)


@pytest.mark.parametrize("chunk_bytes", [1, 64, 300, 4096, None])
def test_w3c_header_change_across_chunks(tmp_path, chunk_bytes):
    p = tmp_path / "u_ex240506.log"
    n1, n2 = 150, 120
    p.write_text(_iis_file(n1, n2))
    b = vl.read(p, format="w3c", chunk_bytes=chunk_bytes)
    s = b.summary.row(0, named=True)
    assert (s["lines"], s["rows"], s["rejected"]) == (n1 + n2 + 8, n1 + n2 + 8, 0)
    t = b["w3c"]
    data = t.filter(t["directive"].is_null())
    assert data.height == n1 + n2
    first, second = data.head(n1), data.tail(n2)
    # first layout: s-port and time-taken typed, the agent decoded
    assert first["s_port"].to_list() == [443] * n1
    assert first["time_taken"].to_list() == list(range(n1))
    assert first["cs_user_agent"].unique().to_list() == ["Mozilla/5.0 (X11)"]
    assert first["s_computername"].null_count() == n1
    # second layout, whatever chunk it starts in
    assert second["c_ip"].to_list() == [f"198.51.100.{i % 250 + 1}" for i in range(n2)]
    assert second["sc_bytes"].to_list() == [1000 + i for i in range(n2)]
    assert second["s_computername"].unique().to_list() == ["WEB02"]
    assert second["s_port"].null_count() == n2
    ev = b.events
    assert ev.height == n1 + n2  # directive rows are not events
    assert ev["ts"].null_count() == 0


@pytest.mark.parametrize("chunk_bytes", [1, 300, 4096, None])
def test_w3c_behind_syslog_headers_across_chunks(tmp_path, chunk_bytes):
    """ProxySG streams its access log over syslog, `#Fields:` lines included: every line behind
    a syslog header (BSD with a tag-like first word, or RFC 5424), the layout still followed
    from chunk to chunk; a `#Fields:` inside a data line's URL changes nothing."""
    n1, n2 = 150, 120
    wrap = ["<13>May  6 07:00:00 sg1 ", "<14>1 2024-05-06T09:00:00+02:00 sg1 ProxySG - - - "]
    lines = _iis_file(n1, n2).splitlines(keepends=True)
    assert "/a/3 " in lines[7]
    lines[7] = lines[7].replace("/a/3 ", "/a/3#Fields:x ")  # the 4th data line: the header text in its URL
    p = tmp_path / "proxysg-syslog.log"
    p.write_text("".join(wrap[i % 2] + line for i, line in enumerate(lines)))
    b = vl.read(p, chunk_bytes=chunk_bytes)  # detected, not forced
    s = b.summary.row(0, named=True)
    assert (s["format"], s["lines"], s["rows"], s["rejected"]) == ("w3c", n1 + n2 + 8, n1 + n2 + 8, 0)
    t = b["w3c"]
    data = t.filter(t["directive"].is_null())
    first, second = data.head(n1), data.tail(n2)
    assert first["s_port"].to_list() == [443] * n1
    assert first["cs_uri_stem"][3] == "/a/3#Fields:x"
    assert second["c_ip"].to_list() == [f"198.51.100.{i % 250 + 1}" for i in range(n2)]
    assert second["s_computername"].unique().to_list() == ["WEB02"]
    # directives are kept as the W3C text, without the relay's header
    assert t["directive"].drop_nulls().to_list()[3].startswith("#Fields: date time s-ip")


def test_w3c_fields_given_for_files_without_a_header(tmp_path):
    """ProxySG over syslog may send no #Fields: line: w3c_fields gives the layout; a #Fields:
    line in the file takes over from it."""
    fields = "date time time-taken c-ip sc-status s-action cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path"
    lines = [
        "<13>Aug  4 23:00:01 sg42 2011-08-04 21:00:01 11 10.1.2.3 200 TCP_HIT GET http kh.google.com 80 /flatfile",
        "<13>Aug  4 23:00:02 sg42 2011-08-04 21:00:02 9 10.1.2.4 403 TCP_DENIED GET http evil.example 80 /x.sh",
        "<13>Aug  4 23:00:03 sg42 #Fields: date time c-ip cs-method cs-uri",
        "<13>Aug  4 23:00:04 sg42 2011-08-04 21:00:04 10.1.2.5 GET http://cdn.example/a.js",
    ]
    p = tmp_path / "sg42.log"
    p.write_text("\n".join(lines) + "\n")
    without = vl.read(p, format="w3c")
    assert without.summary["rejected"].to_list() == [2]  # the two lines before the #Fields: line
    assert set(without.rejects["reason"].to_list()) == {"w3c: data line before any #Fields: header"}
    b = vl.read(p, w3c_fields=fields)
    assert b.summary.select("format", "rows", "rejected").row(0) == ("w3c", 4, 0)
    ev = b.events
    assert ev["url"].to_list() == ["http://kh.google.com/flatfile", "http://evil.example/x.sh", "http://cdn.example/a.js"]
    assert ev["action"].to_list() == ["allow", "deny", None]
    assert ev["http_status"].to_list() == [200, 403, None]
    assert vl.read_arrow(p, w3c_fields=fields).num_rows == 4
    with pytest.raises(ValueError, match="w3c_fields"):
        vl.read(p, w3c_fields="  ")


def test_w3c_data_before_header_and_count_mismatch(tmp_path):
    p = tmp_path / "ex.log"
    p.write_text(
        "2024-05-06 07:00:00 10.0.0.5 GET /x\n"
        "#Fields: date time c-ip cs-method\n"
        "2024-05-06 07:00:01 192.0.2.1 GET\n"
        "2024-05-06 07:00:02 192.0.2.1\n"
        "2024-05-06 07:00:03 192.0.2.1 GET extra\n"
        '2024-05-06 07:00:04 192.0.2.1 "GET\n'
    )
    b = vl.read(p, format="w3c")
    r = {row["line"]: row["reason"] for row in b.rejects.iter_rows(named=True)}
    assert sorted(r) == [1, 4, 5, 6]
    assert "before any #Fields" in r[1]
    assert "fewer values" in r[4] and "more values" in r[5]
    assert "unterminated" in r[6]
    s = b.summary.row(0, named=True)
    assert (s["rows"], s["rejected"]) == (2, 4)


def test_w3c_strict_mode_reads_directives(tmp_path):
    p = tmp_path / "u_ex.log"
    p.write_text(_iis_file(3, 2))
    b = vl.read(p, format="w3c", strict=True)
    assert b.summary.row(0, named=True)["rejected"] == 0


def test_w3c_typed_value_that_does_not_read_goes_to_extra(tmp_path):
    p = tmp_path / "ex.log"
    p.write_text("#Fields: date time c-ip s-port sc-status x-custom\n2024-05-06 07:00:01 not-an-ip 99999 abc \"a b\"\n2024-13-06 07:00:01 192.0.2.1 80 200 -\n")
    t = vl.read(p, format="w3c")["w3c"]
    r = t.row(1, named=True)
    assert (r["c_ip"], r["s_port"], r["sc_status"]) == (None, None, None)
    assert r["extra"] == {"c-ip": "not-an-ip", "s-port": "99999", "sc-status": "abc", "x-custom": "a b"}
    r = t.row(2, named=True)
    assert r["ts"] is None and r["extra"] == {"date": "2024-13-06", "time": "07:00:01"}


# ---------------------------------------------------------------------------------------------
# hypothesis: squid fields → line → fields
# ---------------------------------------------------------------------------------------------

CODES = ["TCP_MISS", "TCP_HIT", "TCP_DENIED", "TCP_TUNNEL", "TCP_REFRESH_UNMODIFIED", "NONE_NONE", "TAG_NONE", "TCP_MISS_ABORTED"]
HIERS = ["HIER_DIRECT", "HIER_NONE", "HIER_PARENT_HIT", "HIER_FIRSTUP_PARENT", "DIRECT", "NONE", "TIMEOUT_DIRECT"]
url_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/:.?=&%-_", min_size=1, max_size=25)
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789@.\\_", min_size=1, max_size=15)
quoted = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters='"\x85\ufeff'), max_size=30
).map(lambda s: f'"{s}"')
tail = st.none() | st.lists(quoted | st.integers(0, 10**6).map(str), min_size=1, max_size=3).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    secs=st.integers(0, 4_000_000_000),
    ms=st.integers(0, 999),
    elapsed=st.integers(0, 10**8),
    client=st.ip_addresses(),
    code=st.sampled_from(CODES),
    status=st.integers(0, 999),
    size=st.integers(0, 2**63),
    method=st.sampled_from(["GET", "POST", "CONNECT", "NONE", "-"]),
    url=st.lists(url_token, min_size=1, max_size=3),
    user=st.none() | word,
    hier=st.sampled_from(HIERS),
    peer=st.none() | st.ip_addresses().map(str) | word,
    ctype=st.none() | st.sampled_from(["text/html", "application/octet-stream", "image/gif;charset=x"]),
    extra=tail,
)
def test_squid_roundtrip(tmp_path, secs, ms, elapsed, client, code, status, size, method, url, user, hier, peer, ctype, extra):
    u = " ".join(url)
    line = (
        f"{secs:9d}.{ms:03d} {elapsed:6d} {client} {code}/{status:03d} {size} {method} {u} {user or '-'} "
        f"{hier}/{peer or '-'} {ctype or '-'}" + (f" {extra}" if extra else "")
    )
    p = tmp_path / "access.log"
    p.write_text(line + "\n", encoding="utf-8")
    b = vl.read(p, format="squid")
    assert b.rejects.height == 0, (line, b.rejects["reason"].to_list())
    r = b["squid"].row(0, named=True)
    assert r["ts"] == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=secs, milliseconds=ms)
    assert r["elapsed_ms"] == elapsed
    assert ipaddress.ip_address(r["client_ip"]) == client
    assert (r["result_code"], r["status"], r["bytes"]) == (code, status or None, size)
    assert r["method"] == (None if method == "-" else method)
    assert r["url"] == u
    assert r["user"] == user
    assert r["hierarchy"] == hier
    assert r["peer"] == peer
    assert r["content_type"] == ctype
    assert r["tail"] == extra


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), fmt=st.sampled_from(["squid", "w3c"]))
def test_arbitrary_bytes_never_crash(tmp_path, data, fmt):
    p = tmp_path / "junk.log"
    prefix = b"1714979730.412 1 10.0.0.1 TCP_MISS/200 1 GET " if fmt == "squid" else b"#Fields: date time c-ip cs(User-Agent)\n2024-05-06 07:00:00 "
    p.write_bytes(prefix + data)
    b = vl.read(p, format=fmt)
    s = b.summary.row(0, named=True)
    whole = prefix + data
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]
    assert s["lines"] == whole.count(b"\n") + (0 if whole.endswith(b"\n") else 1)
    assert b.events.height <= s["rows"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(["ok", "space_url", "junk", "empty", "short"]), min_size=1, max_size=30))
def test_squid_counts_add_up(tmp_path, kinds):
    text = {
        "ok": "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/ - HIER_DIRECT/198.51.100.140 text/html",
        "space_url": "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/a b - HIER_DIRECT/198.51.100.140 text/html",
        "junk": "not a squid line",
        "empty": "",
        "short": "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET",
    }
    p = tmp_path / "access.log"
    p.write_text("".join(text[k] + "\n" for k in kinds))
    b = vl.read(p, format="squid")
    s = b.summary.row(0, named=True)
    good = sum(k in ("ok", "space_url") for k in kinds)
    assert (s["lines"], s["rows"], s["rejected"]) == (len(kinds), good, len(kinds) - good)


W3C_FIELDS = "#Fields: date time time-taken c-ip cs-username sc-status cs-method cs-uri-path cs(User-Agent) sc-bytes"
SYSLOG_HEADERS = st.sampled_from([
    "<13>Aug  4 23:00:01 sg42 ",
    "<13>Aug  4 23:00:01 sg42 ProxySG: ",
    "<14>1 2011-08-04T23:00:01+02:00 sg42 ProxySG - - - ",
    "2011-08-04T23:00:01+02:00 sg42 ",
    "112 <13>Aug  4 23:00:01 sg42 ",
])
W3C_VALUE = st.text(alphabet="abcXYZ019./-_:?=&%", min_size=1, max_size=12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 86399), st.integers(0, 10**6), st.ip_addresses(v=4).map(str), W3C_VALUE, st.integers(100, 599),
                  st.sampled_from(["GET", "POST", "CONNECT"]), W3C_VALUE, W3C_VALUE, st.integers(0, 10**9)),
        min_size=1, max_size=8),
    headers=st.lists(SYSLOG_HEADERS, min_size=20, max_size=20),
)
def test_w3c_behind_syslog_reads_as_bare(tmp_path, rows, headers):
    """A W3C file and the same lines each behind a syslog header give the same table (the
    directive rows holding the W3C text alone)."""
    lines = [W3C_FIELDS] + [
        f"2011-08-04 {t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d} {tt} {ip} {user} {st_} {m} /{path} \"{ua} x\" {size}"
        for t, tt, ip, user, st_, m, path, ua, size in rows
    ]
    bare, wrapped = tmp_path / "bare.log", tmp_path / "wrapped.log"
    bare.write_text("\n".join(lines) + "\n")
    wrapped.write_text("\n".join(h + line for h, line in zip(headers, lines)) + "\n")
    a, b = vl.read(bare), vl.read(wrapped)
    assert a.summary.select("format", "lines", "rows", "rejected").row(0) == ("w3c", len(lines), len(lines), 0)
    assert b.summary.select("format", "lines", "rows", "rejected").row(0) == ("w3c", len(lines), len(lines), 0)
    cols = [c for c in a["w3c"].columns if c not in ("file", "offset")]
    assert a["w3c"].select(cols).equals(b["w3c"].select(cols))
