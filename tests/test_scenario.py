"""The incident scenario generator (``fixtures/scenario/generate.py``): deterministic output,
a ground truth whose every (file, line) reads back with its recorded values, Zimbra files that
veilleur reads with no reject, IOC files that load, near misses that no IOC matches, and a size
knob that is honoured."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import ipaddress
import json
import re
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

import veilleur as vl

from conftest import check_counts

GENERATOR = Path(__file__).resolve().parent.parent / "fixtures" / "scenario" / "generate.py"
MB = 1 << 20


def load_generator():
    """Import the generator from its file (registered in sys.modules first: its dataclasses
    need their module)."""
    name = "veilleur_scenario_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


gen = load_generator()


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")


def file_lines(root: Path, rel: str, cache: dict) -> list[str]:
    if rel not in cache:
        cache[rel] = read_text(root / rel).split("\n")[:-1]
    return cache[rel]


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def ms_of(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("scenario") / "seed7"
    truth = gen.generate(root, seed=7, size_bytes=2 * MB)
    return root, truth


@pytest.fixture(scope="module")
def zimbra(bundle) -> vl.Bundle:
    root, _ = bundle
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b = vl.read(root / "logs" / "zimbra", tz="Europe/Paris", year=2022)
    assert not caught, [str(w.message) for w in caught]
    return b


# --------------------------------------------------------------------------- determinism

def test_same_seed_same_bytes_other_seed_other_bytes(bundle, tmp_path) -> None:
    root, truth = bundle
    again = gen.generate(tmp_path / "again", seed=7, size_bytes=2 * MB)
    assert digests(root) == digests(tmp_path / "again")
    assert {k: v for k, v in again.items() if k != "_seconds"} == {k: v for k, v in truth.items() if k != "_seconds"}
    other = gen.generate(tmp_path / "other", seed=8, size_bytes=2 * MB)
    a, b = digests(root), digests(tmp_path / "other")
    common = a.keys() & b.keys()  # a slice with nothing logged has no file: the layouts may differ by one
    assert len(common) >= len(a) - 2
    assert all(a[k] != b[k] for k in common), [k for k in common if a[k] == b[k]]
    assert other["actors"]["webshell"] != truth["actors"]["webshell"]


def test_gzip_members_are_deterministic(bundle) -> None:
    root, truth = bundle
    gz = [f for f in truth["files"] if f["compressed"]]
    assert gz, "rotated files are compressed by default"
    for f in gz:
        raw = (root / f["path"]).read_bytes()
        assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\x00\x00\x00\x00", f["path"]  # mtime 0


# --------------------------------------------------------------------------- the ground truth

def _ts_text(rel: str, ms: int) -> str:
    """How the generator wrote that instant in that file."""
    c = gen.CLOCK
    name = Path(rel).name
    if name.startswith("access_log"):
        return f"[{c.ncsa_gmt(ms)}]"
    if name.startswith("nginx.access.log"):
        return f"[{c.ncsa_local(ms)}]"
    if name.startswith(("mailbox.log", "audit.log")):
        return c.log4j_ts(ms)
    if "squid" in rel:
        return f"{ms // 1000}.{ms % 1000:03d} "
    if "fortigate" in rel:
        return f"{c.forti_ts(ms)} "
    return c.bsd_ts(ms)  # zimbra.log, kern.log


def _check_line(rel: str, text: str, rec: dict) -> None:
    assert _ts_text(rel, ms_of(rec["ts"])) in text, (rel, rec, text)
    fortigate = "fortigate" in rel
    for key in ("src_ip", "dst_ip", "src_port", "dst_port"):
        if key in rec:
            if fortigate:
                fk = {"src_ip": "srcip", "dst_ip": "dstip", "src_port": "srcport", "dst_port": "dstport"}[key]
                assert f" {fk}={rec[key]} " in text, (key, rec, text)
            elif key != "src_port" or "nginx" in rel:
                assert str(rec[key]) in text, (key, rec, text)
    for key in ("url", "user_agent", "recipient", "sender", "account", "user", "domain", "result"):
        if rec.get(key) not in (None, "-"):
            assert str(rec[key]) in text, (key, rec, text)
    if "status" in rec:
        assert f'" {rec["status"]} ' in text, (rec, text)
    if fortigate and "action" in rec:
        assert f'action="{rec["action"]}"' in text, (rec, text)


def test_every_planted_line_reads_back(bundle) -> None:
    root, truth = bundle
    cache: dict = {}
    assert truth["lines"] and truth["near_misses"]
    seen = set()
    for rec in truth["lines"] + truth["near_misses"]:
        lines = file_lines(root, rec["file"], cache)
        assert 1 <= rec["line"] <= len(lines), rec
        _check_line(rec["file"], lines[rec["line"] - 1], rec)
        assert (rec["file"], rec["line"]) not in seen, rec
        seen.add((rec["file"], rec["line"]))
    # every file the ground truth names exists with the recorded line count
    for f in truth["files"]:
        assert len(file_lines(root, f["path"], cache)) == f["lines"], f


def _sort_key(rel: str, line: str):
    if "squid" in rel:
        return float(line.split(" ", 1)[0])
    if "fortigate" in rel:
        return int(re.search(r" eventtime=(\d+) ", line).group(1)) // 1_000_000_000
    m = re.search(r"\[(\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]", line)
    if m:
        return datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
    if re.match(r"\d{4}-\d\d-\d\d ", line):
        return line[:23]
    if re.match(r"\w\w\w [ \d]\d \d\d:", line):
        return (int(line[4:6]), line[7:15])
    return None  # a continuation line (stack trace)


def test_timestamps_never_go_back_in_any_file(bundle) -> None:
    root, truth = bundle
    for f in truth["files"]:
        last = None
        for n, line in enumerate(read_text(root / f["path"]).split("\n")[:-1], 1):
            key = _sort_key(f["path"], line)
            if key is None:
                continue
            assert last is None or key >= last, (f["path"], n, line)
            last = key


def test_story_order_and_expected_answers(bundle) -> None:
    _, truth = bundle
    exp, actors = truth["expected"], truth["actors"]
    assert exp["first_webshell_hit"]["ts"] > exp["first_exploit"]["ts"]
    assert [p["status"] for p in exp["exploit_posts"]] == [401, 401, 401, 200]
    assert {c["cmd"] for c in exp["commands"]} >= {"id", "whoami", "/opt/zimbra/bin/zmprov -l gaa", "cat /opt/zimbra/conf/localconfig.xml"}
    assert any(actors["c2_domain"] in c["cmd"] for c in exp["commands"])
    beacon = exp["beacon"]
    assert beacon["allowed"] > 100 and beacon["denied_after_containment"] > 10
    assert beacon["last_allowed_ts"] < exp["containment_ts"]
    assert {r["firewall"] for r in exp["lateral"]} == {"allow", "deny"} and any(r["reached"] for r in exp["lateral"])
    assert {r["port"] for r in exp["lateral"]} == {22, 445, 3389}
    assert len(exp["phishing"]["recipients"]) == 8 and len(exp["visitors"]) == 6
    scope_ips = {s["ip"] for s in exp["scope"]}
    assert actors["mail_server"]["ip"] in scope_ips and {v["ip"] for v in exp["visitors"]} <= scope_ips
    stages = [s["name"] for s in truth["stages"]]
    assert stages[:3] == ["recon", "exploitation", "webshell"] and "containment" in stages
    # beacon lines: the configured period, allowed then denied by the containment policy
    fw = [r for r in truth["lines"] if r.get("dst_ip") == actors["c2_ip"] and r.get("dst_port") == 443]
    gaps = [(ms_of(b["ts"]) - ms_of(a["ts"])) / 1000 for a, b in zip(fw, fw[1:])]
    assert all(abs(g - beacon["period_s"]) <= beacon["period_s"] * 0.03 for g in gaps)
    assert {r["action"] for r in fw if r["ts"] >= exp["containment_ts"]} == {"deny"}


# --------------------------------------------------------------------------- veilleur reads the Zimbra files

def test_zimbra_files_parse_with_no_reject(bundle, zimbra) -> None:
    root, truth = bundle
    s = zimbra.summary
    check_counts(s)
    assert zimbra.rejects.height == 0
    assert set(s["status"].to_list()) == {"ok"}
    assert set(s["format"].to_list()) == {"zimbra_access", "zimbra_nginx", "zimbra_mailbox", "zimbra_audit", "syslog"}
    expected = {f["path"]: f["lines"] for f in truth["files"] if f["path"].startswith("logs/zimbra/")}
    got = {str(Path(p).relative_to(root)): n for p, n in zip(s["path"].to_list(), s["lines"].to_list())}
    assert got == expected


def test_exploit_rows_found_by_filtering(bundle, zimbra) -> None:
    _, truth = bundle
    attacker = truth["actors"]["attacker_ip"]
    first = datetime.fromisoformat(truth["expected"]["first_exploit"]["ts"].replace("Z", "+00:00")).replace(microsecond=0)
    for fmt in ("zimbra_access", "zimbra_nginx"):
        t = zimbra[fmt].filter((pl.col("path") == gen.MBOX) & (pl.col("method") == "POST") & (pl.col("client_ip") == attacker)).sort("ts")
        assert t["status"].to_list() == [401, 401, 401, 200], fmt
        assert t["ts"][0] == first, fmt
        assert set(t["query"].to_list()) == set(gen.EXPLOIT_QUERIES)
    shell = truth["actors"]["webshell"]["url"]
    hits = zimbra["zimbra_access"].filter(pl.col("path") == shell).sort("ts")
    assert hits["ts"].min() > first and set(hits["status"].to_list()) == {200}
    assert hits.height == len(truth["expected"]["commands"])
    mb = zimbra["zimbra_mailbox"].filter(pl.col("thread_url").str.contains("mboximport", literal=True) & (pl.col("message") == "Auth failed"))
    assert mb.height == 4
    au = zimbra["zimbra_audit"].filter(pl.col("client_ip") == truth["actors"]["operator_ip"])
    assert au.select("cmd", "action").rows() == [("AdminAuth", "login_fail"), ("AdminAuth", "login_ok")]


def test_ground_truth_lines_are_veilleur_rows(bundle, zimbra) -> None:
    """veilleur's provenance (file, line) of the planted Zimbra rows equals the ground truth's."""
    root, truth = bundle
    ev = zimbra.events.with_columns(pl.col("file").cast(pl.String))
    rows = {(str(Path(f).relative_to(root)), line): ip for f, line, ip in ev.select("file", "line", "src_ip").iter_rows()}
    checked = 0
    for rec in truth["lines"]:
        if rec["file"].startswith("logs/zimbra/opt/zimbra/log/") and "nginx" not in rec["file"] and "src_ip" in rec:
            key = (rec["file"], rec["line"])
            assert key in rows, rec
            if "access_log" in rec["file"] or "audit" in rec["file"]:
                assert rows[key] == rec["src_ip"], rec
            checked += 1
    assert checked > 20


# --------------------------------------------------------------------------- IOCs and near misses

def test_ioc_files_load_and_agree(bundle) -> None:
    root, _ = bundle
    csv_set = vl.IocSet.from_file(root / "iocs.csv")
    stix_set = vl.IocSet.from_file(root / "iocs.stix.json")
    assert csv_set.invalid.height == 0 and stix_set.invalid.height == 0
    kinds = {i.kind for i in csv_set}
    assert kinds == {"ip", "cidr", "domain", "url", "uri", "sha256", "user_agent"}
    assert sorted((i.kind, i.value) for i in csv_set) == sorted((i.kind, i.value) for i in stix_set)
    stix = json.loads((root / "iocs.stix.json").read_text())
    assert any(" OR " in o.get("pattern", "") for o in stix["objects"])


def test_near_misses_are_present_and_distinct_from_iocs(bundle, zimbra) -> None:
    root, truth = bundle
    iocs = vl.IocSet.from_file(root / "iocs.csv")
    values = {i.value for i in iocs}
    near = truth["near_misses"]
    kinds = {n["kind"] for n in near}
    assert kinds == {"baseline_jsp", "legit_extension", "benign_post", "lookalike_user_agent", "ip_neighbour", "outside_cidr",
                     "lookalike_domain", "legit_admin", "periodic_legit", "legit_internal_22_445"}
    for n in near:
        for key in ("src_ip", "dst_ip", "url", "user_agent", "domain"):
            if key in n:
                assert n[key] not in values, n
    # no indicator matches a near-miss row of the Zimbra files
    hits = iocs.match(zimbra.events).with_columns(pl.col("file").cast(pl.String))
    hit_rows = {(str(Path(f).relative_to(root)), line) for f, line in hits.select("file", "line").iter_rows()}
    zimbra_near = {(n["file"], n["line"]) for n in near if n["file"].startswith("logs/zimbra/")}
    assert zimbra_near and not (zimbra_near & hit_rows)
    # ... while every planted exploit and webshell line is hit
    attack = {(r["file"], r["line"]) for r in truth["lines"] if r["stage"] in ("exploitation", "webshell") and "access_log" in r["file"]}
    assert attack and attack <= hit_rows


def _ioc_matchers(rows: list[dict]):
    """Plain-Python matchers for the CSV's indicators, with veilleur's boundary rules: an IP
    equal to a dotted-quad token, an address inside the CIDR, a domain or any subdomain of it
    (not ``xevil.example`` nor ``evil.example.cdn.net``), substrings for paths, URLs and user
    agents."""
    ips = {r["value"] for r in rows if r["type"] == "ip"}
    nets = [ipaddress.ip_network(r["value"]) for r in rows if r["type"] == "cidr"]
    domains = [re.compile(r"(?<![\w-])" + re.escape(r["value"]) + r"(?![\w.-])") for r in rows if r["type"] == "domain"]
    strings = [r["value"] for r in rows if r["type"] in ("uri", "url", "user_agent", "sha256")]
    quad = re.compile(r"(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d])")

    def hit(line: str) -> bool:
        for ip in quad.findall(line):
            if ip in ips or any(ipaddress.ip_address(ip) in n for n in nets):
                return True
        return any(d.search(line) for d in domains) or any(v in line for v in strings)

    return hit


def test_iocs_appear_only_on_planted_story_lines(bundle) -> None:
    """Across every file (proxy, firewall and kern.log included), a line that mentions an
    indicator is a planted line of the story: never noise, never a near miss."""
    import csv

    root, truth = bundle
    hit = _ioc_matchers(list(csv.DictReader((root / "iocs.csv").open(encoding="utf-8"))))
    story = set()
    for r in truth["lines"]:
        story.update((r["file"], r["line"] + k) for k in range(r.get("record_lines", 1)))
    near = {(n["file"], n["line"]) for n in truth["near_misses"]}
    hits = 0
    for f in truth["files"]:
        for n, line in enumerate(read_text(root / f["path"]).split("\n")[:-1], 1):
            if hit(line):
                assert (f["path"], n) in story, (f["path"], n, line)
                assert (f["path"], n) not in near
                hits += 1
    assert hits > 100


# --------------------------------------------------------------------------- size, speed, CLI

@pytest.mark.parametrize("size_mb", [2, 20])
def test_size_knob_is_honoured(tmp_path, size_mb: int) -> None:
    t0 = time.perf_counter()
    truth = gen.generate(tmp_path / "b", seed=3, size_bytes=size_mb * MB, compress_rotated=False)
    secs = time.perf_counter() - t0
    assert abs(truth["bytes_written"] / (size_mb * MB) - 1) <= 0.30, truth["bytes_written"]
    assert truth["bytes_on_disk"] == truth["bytes_written"]  # nothing compressed
    print(f"\nscenario {size_mb} MB: {truth['bytes_written'] / 1e6:.1f} MB in {secs:.2f} s ({truth['bytes_written'] / 1e6 / secs:.0f} MB/s)")


def test_parse_size() -> None:
    assert gen.parse_size("5MB") == 5 * MB
    assert gen.parse_size("500KB") == 500 << 10
    assert gen.parse_size("1GB") == 1 << 30
    assert gen.parse_size("1.5MiB") == int(1.5 * MB)
    assert gen.parse_size("12345") == 12345
    with pytest.raises(ValueError):
        gen.parse_size("lots")


def test_cli(tmp_path, capsys) -> None:
    assert gen.main(["--seed", "11", "--size", "1MB", "-o", str(tmp_path / "cli")]) == 0
    out = capsys.readouterr().out
    assert "planted lines" in out
    truth = json.loads((tmp_path / "cli" / "ground_truth.json").read_text())
    assert truth["seed"] == 11 and (tmp_path / "cli" / "iocs.csv").exists()
    assert (tmp_path / "cli" / "logs/zimbra/opt/zimbra/log/nginx.access.log.1.gz").exists()


def test_committed_demo_is_the_generators_output(tmp_path) -> None:
    """``fixtures/demo`` (the README's quick start) is exactly ``generate.py --seed 7 --size 3MB``:
    regenerate it with that command after changing the generator."""
    demo = GENERATOR.parent.parent / "demo"
    gen.generate(tmp_path / "demo", seed=7, size_bytes=3 * MB)
    assert digests(demo) == digests(tmp_path / "demo")
