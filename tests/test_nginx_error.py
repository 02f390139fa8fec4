"""nginx error log (golden files: test_golden.py): detection, hypothesis properties."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

import _golden


def test_detected(tmp_path):
    p = tmp_path / "nginx.log"
    p.write_text((_golden.GOLDEN / "nginx_error" / "proxy.log").read_text())
    s = vl.read(p, tz="Europe/Paris").summary.row(0, named=True)
    assert (s["format"], s["format_source"]) == ("nginx_error", "detected")
    assert s["confidence"] == pytest.approx(0.8)  # 4 of 5 sampled lines


LEVELS = ["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"]
# message text: anything printable without the `, client: ` that opens the context
msg_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"), max_size=60
).filter(lambda s: ", client: " not in s and s == s.strip(" ") and not s.startswith("*"))
host = st.from_regex(r"[a-z][a-z0-9-]{0,15}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
# quoted values: may hold `, ` and quotes, but not a quote followed by `, key: `
quoted = st.text(alphabet='abcdefgh /?=&%", :', max_size=40).filter(
    lambda s: not any(f'", {k}: ' in s + '", ' or s.endswith('"') for k in ("client", "server", "login", "upstream", "request", "subrequest", "host", "referrer"))
    and '", ' not in s
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ts=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(lambda t: t.replace(microsecond=0)),
    level=st.sampled_from(LEVELS),
    pid=st.integers(0, 99999),
    tid=st.integers(0, 99999),
    conn=st.none() | st.integers(0, 2**63),
    msg=msg_text,
    client=st.none() | st.ip_addresses(),
    server=host,
    path=quoted,
    referrer=st.none() | quoted,
    hostname=st.none() | host,
)
def test_roundtrip(tmp_path, ts, level, pid, tid, conn, msg, client, server, path, referrer, hostname):
    line = f"{ts:%Y/%m/%d %H:%M:%S} [{level}] {pid}#{tid}: " + (f"*{conn} " if conn is not None else "") + msg
    if client is not None:
        line += f", client: {client}, server: {server}, request: \"GET /{path} HTTP/1.1\""
        if hostname is not None:
            line += f', host: "{hostname}"'
        if referrer is not None:
            line += f', referrer: "{referrer}"'
    p = tmp_path / "e.log"
    p.write_text(line + "\n", encoding="utf-8")
    b = vl.read(p, format="nginx_error", tz="UTC")
    r = b["nginx_error"].row(0, named=True)
    assert r["ts"] == ts.replace(tzinfo=dt.timezone.utc)
    assert (r["level"], r["pid"], r["tid"], r["connection"]) == (level, pid, tid, conn)
    assert r["message"] == msg
    if client is None:
        assert r["client"] is None and r["request"] is None
    else:
        assert ipaddress.ip_address(r["client_ip"]) == client  # canonical text checked in Rust tests
        assert r["server"] == server
        assert r["request"] == f"GET /{path} HTTP/1.1"
        assert (r["method"], r["url"]) == ("GET", f"/{path}")
        assert r["host"] == hostname
        assert r["referrer"] == referrer


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(tmp_path, data):
    p = tmp_path / "junk.log"
    p.write_bytes(b"2022/09/06 10:15:32 [error] 1#0: *1 x, client: 1.2.3.4, request: \"" + data)
    s = vl.read(p, format="nginx_error", tz="Europe/Paris").summary.row(0, named=True)
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]
