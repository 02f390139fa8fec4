"""The HTML report: self-contained, every value from the logs escaped, tables capped, key
findings of the demo intrusion present; rendered by a real browser (headless Chromium) when
one is installed."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

import veilleur as vl
from veilleur import hunts
from veilleur.report import MAX_ROWS, findings, render_html

from conftest import DEMO

ATTACKER = "203.0.113.66"
SHELL = "/zimbraAdmin/public/jsp/Kq3vT8nWz2pLm6Rb.jsp"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
NO_CHROMIUM = ("chromium is not installed (Debian: apt-get install -y chromium; .ci/run installs it when apt-get can "
               "reach a mirror)")


@pytest.fixture(scope="module")
def result() -> hunts.HuntResult:
    return hunts.run(vl.read(DEMO, tz="Europe/Paris"))


@pytest.fixture(scope="module")
def page(result: hunts.HuntResult) -> str:
    return render_html(result, title="demo", inputs=[str(DEMO)], iocs_path=None, tz="Europe/Paris")


def test_report_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    low = page.lower()
    assert "<script" not in low and "<link" not in low and "<img" not in low and "@import" not in low
    assert not re.search(r"\b(src|href)\s*=\s*\"(?!#)", low)  # only in-page anchors
    assert "url(" not in low
    assert 'http-equiv="content-security-policy"' in low and "default-src 'none'" in page


def test_report_key_findings(page: str, result: hunts.HuntResult) -> None:
    assert ATTACKER in page and SHELL in page
    for section in ("Key findings", "Intrusion timeline", "Affected hosts", "Files analysed", "Rejected lines"):
        assert f">{section}</h2>" in page
    assert "uploaded_401" in page and "uname -a" in page
    assert "Europe/Paris" in page and vl.__version__ in page
    # per-file summary: sha256 shortened, the full value in the title attribute
    sha = result.summary["sha256"][0]
    assert f'title="{sha}"' in page and f">{sha[:12]}…<" in page
    # the first exploitation is stated with its outcome
    f = findings(result)
    assert f.first_exploit is not None and f.first_exploit["outcome"] == "uploaded_401"
    assert f.webshells["path"].to_list() == [SHELL]
    assert "cat /opt/zimbra/conf/localconfig.xml" in f.commands["command"].to_list()


def test_report_findings_count_requests_once(result: hunts.HuntResult) -> None:
    f = findings(result)
    att = {r["outcome"]: r for r in f.attempts.iter_rows(named=True)}
    # seen by both mailboxd (access_log) and the nginx proxy: two log lines, one request
    assert att["uploaded"]["requests"] == 1 and att["uploaded"]["log_lines"] == 2
    assert att["uploaded_401"]["requests"] == 3 and att["uploaded_401"]["log_lines"] == 6


def test_report_tables_are_capped(result: hunts.HuntResult) -> None:
    big = pl.concat([result.timeline] * (MAX_ROWS // result.timeline.height + 2))
    html_text = render_html(dataclasses.replace(result, timeline=big), title="t", inputs=["x"], iocs_path=None)
    timeline = html_text.split('id="timeline"')[1].split("</section>")[0]
    assert timeline.count("<tr>") == MAX_ROWS + 1  # header + capped rows
    assert f"{big.height - MAX_ROWS:,} more rows in timeline.csv" in timeline


def test_report_escapes_everything(result: hunts.HuntResult) -> None:
    evil = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    scope = result.scope.with_columns(pl.lit(evil).alias("why"))
    tl = result.timeline.with_columns(pl.lit(evil).alias("what"), pl.lit("\x1b[31mred").alias("source"))
    summary = result.summary.with_columns(pl.lit(evil).alias("sha256"))
    page = render_html(dataclasses.replace(result, scope=scope, timeline=tl, summary=summary),
                       title=evil, inputs=[evil], iocs_path=evil)
    low = page.lower()
    assert "<script" not in low and "<img" not in low
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'title="&quot;&gt;&lt;script&gt;' in page  # attribute value escaped, quotes included
    assert "\x1b" not in page and "\\x1b[31mred" in page


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={cwd / 'profile'}", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_report_renders_in_chromium(tmp_path: Path, page: str) -> None:
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    dom = _chromium("--dump-dom", report.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert ATTACKER in dom.stdout and SHELL in dom.stdout
    assert "Key findings" in dom.stdout
    shot = tmp_path / "report.png"
    proc = _chromium(f"--screenshot={shot}", "--window-size=1400,2000", report.as_uri(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_hostile_report_stays_text_in_chromium(tmp_path: Path, result: hunts.HuntResult) -> None:
    evil = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'
    tl = result.timeline.with_columns(pl.lit(evil).alias("what"))
    report = tmp_path / "report.html"
    report.write_text(render_html(dataclasses.replace(result, timeline=tl), title="clean", inputs=["x"], iocs_path=None),
                      encoding="utf-8")
    dom = _chromium("--dump-dom", report.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<title>clean</title>" in dom.stdout  # no script ran
    assert "<script" not in dom.stdout.lower() and "<img" not in dom.stdout.lower()
    assert "&lt;script&gt;document.title" in dom.stdout  # shown as text


def test_report_phishing_section_on_the_generated_demo() -> None:
    root = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
    truth = __import__("json").loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    res = hunts.run(vl.read(root / "logs", tz="Europe/Paris"), iocs=vl.IocSet.from_file(root / "iocs.csv"))
    html = render_html(res, title="demo", inputs=[str(root)], iocs_path=str(root / "iocs.csv"), tz="Europe/Paris")
    assert "Phishing: mail from indicator senders" in html
    for r in truth["expected"]["phishing"]["recipients"]:
        assert r["email"] in html and r["workstation"] in html
    empty = render_html(hunts.run(vl.read(DEMO, tz="Europe/Paris")), title="demo", inputs=[str(DEMO)], iocs_path=None, tz="Europe/Paris")
    assert "no indicators given (no phishing hunt)" in empty
