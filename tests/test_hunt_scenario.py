"""The built-in hunts against the scenario generator's ground truth, on bundles of several
seeds: every planted stage is found (recall) and no near miss is reported (precision)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import veilleur as vl
from veilleur import hunts

from test_scenario import gen

SEEDS = [1, 7, 42]
SIZE = 3 << 20


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def case(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"scenario{request.param}")
    truth = gen.generate(out, seed=request.param, size_bytes=SIZE)
    bundle = vl.read(out / "logs", tz=truth["time_zone"])
    iocs = vl.IocSet.from_file(out / "iocs.csv")
    result = hunts.run(bundle, iocs=iocs)
    return out, truth, bundle, result


def rel(out: Path, df: pl.DataFrame) -> set[tuple[str, int]]:
    root = str(out) + "/"
    return {(f.removeprefix(root), int(n)) for f, n in df.select("file", "line").rows()}


def near(s: datetime, want: str, slack: float = 1.0) -> bool:
    return abs((s - ts(want)).total_seconds()) <= slack


def test_every_log_file_is_read(case):
    out, truth, bundle, _ = case
    s = bundle.summary
    logs = {f["path"] for f in truth["files"]}
    read = {p.removeprefix(str(out) + "/"): (fmt, rej) for p, fmt, rej in s.select("path", "format", "rejected").rows()}
    for path in logs:
        fmt, rejected = read[path]
        assert fmt is not None, path
        assert rejected == 0, (path, bundle.rejects.head(3))


def test_mail_server_and_exploitation(case):
    out, truth, _, r = case
    e = truth["expected"]
    assert r.mail_server == truth["actors"]["mail_server"]["ip"]
    posts = r.exploitation.filter((pl.col("http_method") == "POST") & (pl.col("source") == "zimbra_access"))
    for want in e["exploit_posts"]:
        got = posts.filter(pl.col("url").str.ends_with(want["query"]) & (pl.col("http_status") == want["status"]))
        assert any(near(t, want["ts"]) for t in got["ts"]), want
        outcome = "uploaded_401" if want["status"] == 401 else "uploaded"
        assert set(got["outcome"]) == {outcome}
    assert set(posts["src_ip"]) == {e["first_exploit"]["src_ip"]}


def test_webshell_and_commands(case):
    _, truth, _, r = case
    e = truth["expected"]
    shells = r.webshells.filter(pl.col("source") == "zimbra_access")
    assert set(shells["path"]) == {truth["actors"]["webshell"]["url"]}
    assert near(shells["first_seen"].min(), e["first_webshell_hit"]["ts"])
    assert shells["command"].to_list() == [c["cmd"] for c in e["commands"]]


def test_admin_login(case):
    _, truth, _, r = case
    a = truth["expected"]["admin_login"]
    got = r.admin_logins.filter(pl.col("source") == "zimbra_audit")
    assert got.select("src_ip", "user", "action").rows() == [(a["src_ip"], a["account"], "login_fail"), (a["src_ip"], a["account"], "login_ok")]


def test_implant_beacon_lateral(case):
    _, truth, _, r = case
    e = truth["expected"]
    for d in e["implant_downloads"]:
        got = r.egress.filter((pl.col("dst_ip") == d["dst_ip"]) & (pl.col("dst_port") == d["dst_port"]))
        assert any(near(t, d["ts"], 5) for t in got["ts"]), d
    b = e["beacon"]
    got = r.beacons.select("src_ip", "dst_ip", "dst_port").rows()
    assert got == [(b["src_ip"], b["dst_ip"], b["dst_port"])]
    assert abs(r.beacons["period"][0] / timedelta(seconds=1) - b["period_s"]) < 0.05 * b["period_s"]
    lat = r.lateral
    for m in e["lateral"]:
        rows = lat.filter((pl.col("dst_ip") == m["ip"]) & (pl.col("dst_port") == m["port"]))
        assert rows.height, m
        fw = rows.filter(pl.col("source") == "fortigate")["action"].unique().to_list()
        assert fw == [m["firewall"]], (m, fw)
    reached = {m["ip"] for m in e["lateral"] if m["reached"]}
    targets = set(r.scope.filter(pl.col("role") == "lateral_target")["host"])
    assert reached <= targets


def test_phishing_recipients_and_workstations(case):
    _, truth, _, r = case
    p = truth["expected"]["phishing"]
    got = r.phishing.select("recipient", "sender", "workstation").rows()
    assert sorted(got) == sorted((x["email"], p["sender"], x["workstation"]) for x in p["recipients"])
    assert set(r.phishing["ioc"]) == {p["domain"]}
    ws = set(r.scope.filter(pl.col("role") == "phish_recipient")["host"])
    assert ws == {x["workstation"] for x in p["recipients"]}


def test_visitors_and_scope(case):
    _, truth, _, r = case
    e = truth["expected"]
    visitors = set(r.scope.filter(pl.col("role") == "visited_ioc")["host"])
    assert visitors == {v["ip"] for v in e["visitors"]}
    expected_hosts = {h["ip"] for h in e["scope"]}
    actors = truth["actors"]
    allowed = expected_hosts | {actors["attacker_ip"], actors["operator_ip"], actors["c2_ip"], actors["scanner_ip"]}
    got = set(r.scope["host"])
    assert expected_hosts <= got, expected_hosts - got
    assert got <= allowed, got - allowed


def test_no_near_miss_is_reported(case):
    out, truth, _, r = case
    misses = {(n["file"], n["line"]): n for n in truth["near_misses"]}
    for name in ("exploitation", "webshells", "admin_logins", "lateral", "ioc_hits"):
        df = getattr(r, name)
        if df.height == 0:
            continue
        bad = rel(out, df) & set(misses)
        assert not bad, (name, [misses[k]["why"] for k in sorted(bad)][:5])
    assert not (rel(out, r.timeline.filter(pl.col("stage") != "egress")) & set(misses))
