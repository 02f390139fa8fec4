"""The command line: ``veilleur parse|hunt|timeline`` on the demo collection, exit codes and
messages, and hostile log content (CSV formula injection, HTML injection) made harmless."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.dataset as pds
import pytest

import veilleur as vl
from veilleur import hunts
from veilleur.cli import main
from veilleur.export import FORMULA_PREFIXES, csv_safe, neutralise, write_csv

from conftest import DEMO, write

ATTACKER = "203.0.113.66"
SHELL = "/zimbraAdmin/public/jsp/Kq3vT8nWz2pLm6Rb.jsp"
FRAMES = ["exploitation", "webshells", "lateral", "egress", "beacons", "ioc_hits", "ioc_seen", "scope", "timeline", "summary", "rejects"]
PACKAGE_ROOT = Path(vl.__file__).resolve().parents[1]


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``veilleur.cli.main`` in-process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def run_module(*argv: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """``python -m veilleur ...`` in a child process, importing the package under test."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-m", "veilleur", *map(str, argv)], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def demo_bundle() -> vl.Bundle:
    return vl.read(DEMO, tz="Europe/Paris")


@pytest.fixture(scope="module")
def demo_hunt(tmp_path_factory) -> tuple[Path, int, str, str]:
    out = tmp_path_factory.mktemp("hunt")
    code, stdout, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "-o", out)
    return out, code, stdout, stderr


# ------------------------------------------------------------------------------------ hunt

def test_hunt_writes_every_frame_and_the_report(demo_hunt) -> None:
    out, code, stdout, stderr = demo_hunt
    assert code == 0, stderr
    for name in FRAMES:
        assert (out / f"{name}.parquet").is_file(), name
        assert (out / f"{name}.csv").is_file(), name
    assert (out / "report.html").is_file()
    posts = pl.read_parquet(out / "exploitation.parquet").filter((pl.col("src_ip") == ATTACKER) & (pl.col("http_method") == "POST"))
    assert posts.height >= 3
    assert set(posts["outcome"].to_list()) >= {"uploaded_401", "uploaded"}
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert ATTACKER in html_text and SHELL in html_text
    assert ATTACKER in stdout and SHELL in stdout
    assert "mboximport attempts by outcome" in stdout and "uploaded_401" in stdout
    assert "uname -a" in stdout  # a command run through the webshell
    assert str(out / "report.html") in stdout


def test_hunt_csv_matches_parquet(demo_hunt) -> None:
    out = demo_hunt[0]
    for name in ("exploitation", "webshells", "timeline", "scope"):
        pq = pl.read_parquet(out / f"{name}.parquet")
        with open(out / f"{name}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0] == pq.columns
        assert len(rows) - 1 == pq.height


def test_hunt_as_a_module_in_a_child_process(tmp_path: Path) -> None:
    proc = run_module("hunt", DEMO, "--tz", "Europe/Paris", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert ATTACKER in proc.stdout and SHELL in proc.stdout
    assert SHELL in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert proc.stderr == ""  # not a terminal: no progress line


def test_hunt_with_iocs(tmp_path: Path) -> None:
    iocs = write(tmp_path, "iocs.csv", f"value,type,description\n{ATTACKER},ip,operator\n{SHELL},uri,webshell\n")
    code, stdout, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "--iocs", iocs, "-o", tmp_path / "out", "--quiet")
    assert code == 0, stderr
    assert stdout == ""  # --quiet
    seen = pl.read_parquet(tmp_path / "out" / "ioc_seen.parquet")
    assert set(seen["ioc"].to_list()) == {ATTACKER, SHELL}
    assert "2 indicators" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_hunt_misp_context_needs_include_context(tmp_path: Path) -> None:
    event = {"Event": {"info": "webshell campaign", "Attribute": [
        {"uuid": "u1", "type": "uri", "to_ids": True, "value": SHELL},
        {"uuid": "u2", "type": "ip-src", "to_ids": False, "value": ATTACKER, "comment": "seen scanning, context"},
    ]}}
    iocs = write(tmp_path, "event.json", json.dumps(event))
    code, _, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "--iocs", iocs, "-o", tmp_path / "a", "--quiet")
    assert code == 0, stderr
    assert "1 invalid entries skipped" in stderr and "--include-context" in stderr
    assert pl.read_parquet(tmp_path / "a" / "ioc_seen.parquet")["ioc"].to_list() == [SHELL]
    code, _, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "--iocs", iocs, "--include-context", "-o", tmp_path / "b", "--quiet")
    assert code == 0 and "invalid" not in stderr, stderr
    assert set(pl.read_parquet(tmp_path / "b" / "ioc_seen.parquet")["ioc"].to_list()) == {ATTACKER, SHELL}


def test_hunt_without_a_known_mail_server(tmp_path: Path) -> None:
    logs = write(tmp_path, "logs/access_log.2022-09-06", (DEMO / "opt/zimbra/log/access_log.2022-09-06").read_bytes()).parent
    code, _, stderr = run_cli("hunt", logs, "-o", tmp_path / "out")
    assert code == 0, stderr


# ----------------------------------------------------------------------------------- parse

def test_parse_writes_a_dataset_partitioned_by_source_and_day(tmp_path: Path, demo_bundle: vl.Bundle) -> None:
    out = tmp_path / "ds"
    code, stdout, stderr = run_cli("parse", DEMO, "--tz", "Europe/Paris", "-o", out)
    assert code == 0, stderr
    events = demo_bundle.events
    data = pds.dataset(out / "events", format="parquet", partitioning="hive").to_table()
    assert data.num_rows == events.height
    lazy = pl.scan_parquet(out / "events" / "**" / "*.parquet", hive_partitioning=True)
    assert lazy.select(pl.len()).collect().item() == events.height
    # one directory per (source, UTC day) present in the events, and nothing else
    expect = {(s, d) for s, d in events.select(pl.col("source").cast(pl.String),
                                                pl.col("ts").dt.strftime("%Y-%m-%d").fill_null("unknown")).unique().rows()}
    found = {(p.parent.parent.name, p.parent.name) for p in (out / "events").rglob("*.parquet")}
    assert found == {(f"source={s}", f"day={d}") for s, d in expect}
    back = lazy.select(pl.col("source").cast(pl.String), pl.col("day").cast(pl.String), "line").collect()
    assert back.filter(pl.col("source") == "zimbra_nginx")["day"].unique().sort().to_list() == ["2022-09-05", "2022-09-06"]
    # each format's typed table, partitioned by day
    for fmt in demo_bundle.formats:
        t = pds.dataset(out / "tables" / fmt, format="parquet", partitioning="hive").to_table()
        assert t.num_rows == demo_bundle[fmt].height, fmt
        assert "client_ip" in t.schema.names or fmt in ("zimbra_mailbox", "zimbra_audit")
    for name in ("summary", "rejects"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    assert pl.read_parquet(out / "summary.parquet").height == demo_bundle.summary.height
    assert pl.read_parquet(out / "rejects.parquet").height == demo_bundle.rejects.height == 2
    assert f"{events.height:,} rows" in stdout
    summary = pl.read_parquet(out / "summary.parquet")
    assert summary["sha256"].to_list() == demo_bundle.summary["sha256"].to_list()
    assert summary["sha256"].null_count() == 0


def test_no_sha256_leaves_the_hashes_empty(tmp_path: Path) -> None:
    code, _, stderr = run_cli("parse", DEMO, "--tz", "Europe/Paris", "--no-sha256", "-o", tmp_path / "ds")
    assert code == 0, stderr
    summary = pl.read_parquet(tmp_path / "ds" / "summary.parquet")
    assert summary.height > 0 and summary["sha256"].null_count() == summary.height
    code, _, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "--no-sha256", "--quiet", "-o", tmp_path / "h")
    assert code == 0, stderr
    assert pl.read_parquet(tmp_path / "h" / "summary.parquet")["sha256"].null_count() == summary.height


def test_parse_rows_without_time_go_to_day_unknown(tmp_path: Path) -> None:
    log = write(tmp_path, "in/syslog.log", "<34>1 - host1 app - - - no time here\n<34>1 2022-09-06T09:14:02Z host1 app - - - timed\n")
    code, _, stderr = run_cli("parse", log, "-o", tmp_path / "ds", "--quiet")
    assert code == 0, stderr
    parts = sorted(p.parent.name for p in (tmp_path / "ds" / "events" / "source=syslog").rglob("*.parquet"))
    assert parts == ["day=2022-09-06", "day=unknown"]
    assert (tmp_path / "ds" / "tables" / "syslog" / "day=unknown").is_dir()


def test_parse_does_not_mix_datasets(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert run_cli("parse", DEMO, "--tz", "Europe/Paris", "-o", out, "--quiet")[0] == 0
    code, _, stderr = run_cli("parse", DEMO, "--tz", "Europe/Paris", "-o", out, "--quiet")
    assert code == 2 and "--overwrite" in stderr
    code, _, stderr = run_cli("parse", DEMO, "--tz", "Europe/Paris", "-o", out, "--quiet", "--overwrite")
    assert code == 0, stderr
    assert pds.dataset(out / "events", partitioning="hive").count_rows() == vl.read(DEMO, tz="Europe/Paris").events.height


# -------------------------------------------------------------------------------- timeline

@pytest.fixture(scope="module")
def demo_timeline(demo_bundle: vl.Bundle) -> pl.DataFrame:
    return hunts.run(demo_bundle).timeline


def _check_timesketch(rows: list[dict], expected: int) -> None:
    assert len(rows) == expected
    for r in rows:
        assert {"message", "datetime", "timestamp_desc"} <= set(r)
        assert r["message"] and r["timestamp_desc"]
        dt = datetime.fromisoformat(r["datetime"])
        assert dt.tzinfo is not None and dt.utcoffset().total_seconds() == 0
        assert r["datetime"].endswith("+00:00")
        assert int(r["timestamp"]) == int(dt.timestamp() * 1_000_000)


def test_timeline_csv(tmp_path: Path, demo_timeline: pl.DataFrame) -> None:
    code, _, stderr = run_cli("timeline", DEMO, "--tz", "Europe/Paris", "-o", tmp_path / "tl.csv")
    assert code == 0, stderr
    with open(tmp_path / "tl.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames[:4] == ["message", "datetime", "timestamp", "timestamp_desc"]
        assert {"stage", "source", "src_ip", "dst_ip", "file", "line", "offset"} <= set(reader.fieldnames)
        rows = list(reader)
    _check_timesketch(rows, demo_timeline.height)
    assert any(SHELL in r["message"] for r in rows)
    assert {r["timestamp_desc"] for r in rows if r["stage"] == "webshell"} == {"HTTP Request Time"}


def test_timeline_jsonl(tmp_path: Path, demo_timeline: pl.DataFrame) -> None:
    code, _, stderr = run_cli("timeline", DEMO, "--tz", "Europe/Paris", "-o", tmp_path / "tl.jsonl")
    assert code == 0, stderr
    rows = [json.loads(line) for line in (tmp_path / "tl.jsonl").read_text(encoding="utf-8").splitlines()]
    _check_timesketch(rows, demo_timeline.height)
    assert rows[0]["file"].endswith(".2022-09-06") or rows[0]["file"].endswith(".gz")
    assert isinstance(rows[0]["line"], int)


def test_timeline_format_out_and_unknown_extension(tmp_path: Path) -> None:
    code, _, stderr = run_cli("timeline", DEMO, "-o", tmp_path / "tl.txt")
    assert code == 2 and "--format-out" in stderr
    code, _, stderr = run_cli("timeline", DEMO, "--tz", "Europe/Paris", "-o", tmp_path / "tl.txt", "--format-out", "jsonl")
    assert code == 0, stderr
    json.loads((tmp_path / "tl.txt").read_text(encoding="utf-8").splitlines()[0])


# ------------------------------------------------------------------------ exit codes

@pytest.mark.parametrize("command", ["parse", "hunt", "timeline"])
def test_missing_path(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nope"
    out = tmp_path / ("o.csv" if command == "timeline" else "o")
    code, _, stderr = run_cli(command, missing, "-o", out)
    assert code == 2
    assert stderr.strip() == f"veilleur: no such file or directory: {missing}"


def test_glob_matching_nothing(tmp_path: Path) -> None:
    code, _, stderr = run_cli("hunt", tmp_path / "*.log", "-o", tmp_path / "o")
    assert code == 2 and "no such file or directory" in stderr


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    code, _, stderr = run_cli("hunt", tmp_path / "empty", "-o", tmp_path / "o")
    assert code == 2
    assert stderr.strip() == f"veilleur: no log files found in {tmp_path / 'empty'}"


def test_missing_path_in_a_child_process(tmp_path: Path) -> None:
    proc = run_module("parse", tmp_path / "nope", "-o", tmp_path / "o")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"veilleur: no such file or directory: {tmp_path / 'nope'}"


def test_usage_errors_stay_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e, contextlib.redirect_stderr(io.StringIO()):
        main(["hunt", str(DEMO)])  # -o is required
    assert e.value.code == 2


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("bad.json", '{"type": "bundle", "objects": [', "not valid JSON"),
        ("novalue.csv", "type,description\nip,attacker\n", "no value column in the header (type, description)"),
        ("novalue-fr.csv", "type;commentaire\nip;attaquant\n", "no value column in the header (type, commentaire)"),
        ("other.json", '{"foo": 1}', "expected STIX 2.1"),
        ("allbad.csv", "value,type\n1.2.3,ip\n999.1.1.1,ip\n", "none of its 2 entries"),
        ("empty.txt", "# nothing\n\n", "no indicators found"),
    ],
)
def test_malformed_ioc_file(tmp_path: Path, name: str, content: str, reason: str) -> None:
    iocs = write(tmp_path, name, content)
    code, stdout, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "--iocs", iocs, "-o", tmp_path / "o")
    assert code == 2, stderr
    assert stderr.startswith(f"veilleur: {iocs}: ") and reason in stderr
    assert not (tmp_path / "o").exists()  # failed before reading or writing anything


def test_missing_ioc_file(tmp_path: Path) -> None:
    code, _, stderr = run_cli("hunt", DEMO, "--iocs", tmp_path / "nope.csv", "-o", tmp_path / "o")
    assert code == 2 and stderr.strip() == f"veilleur: no such file or directory: {tmp_path / 'nope.csv'}"


def test_partly_invalid_ioc_file_warns_and_goes_on(tmp_path: Path) -> None:
    lines = ["value,type", f"{ATTACKER},ip"] + [f"10.0.0.{i}.9,ip" for i in range(5)]
    iocs = write(tmp_path, "iocs.csv", "\n".join(lines) + "\n")
    code, _, stderr = run_cli("hunt", DEMO, "--tz", "Europe/Paris", "--iocs", iocs, "-o", tmp_path / "o")
    assert code == 0, stderr
    assert "warning" in stderr and "5 invalid entries" in stderr
    assert f"{iocs}:3:" in stderr and f"{iocs}:5:" in stderr and "2 more" in stderr
    assert pl.read_parquet(tmp_path / "o" / "ioc_seen.parquet")["ioc"].to_list() == [ATTACKER]


def test_unexpected_error_is_exit_1(tmp_path: Path, monkeypatch) -> None:
    def boom(*a, **k):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(hunts, "run", boom)
    code, _, stderr = run_cli("hunt", DEMO, "-o", tmp_path / "o")
    assert code == 1 and "engine exploded" in stderr


# --------------------------------------------------------------------------- hostile content

HOSTILE = [
    '=HYPERLINK("http://x")',
    "+cmd",
    "-2+3",
    "@SUM(1)",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
]
# the same payloads percent-encoded in the webshell's cmd= parameter (decoded into `command`)
ENCODED = ["%3DHYPERLINK(%22http://x%22)", "%2Bcmd", "-2%2B3", "%40SUM(1)", "%3Cscript%3Ealert(1)%3C/script%3E",
           "%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E"]


def hostile_logs(directory: Path) -> Path:
    """A Zimbra access_log (the demo's layout) whose URLs and user agents carry spreadsheet
    formulas and HTML: an mboximport POST, then a JSP webshell used with each payload."""
    head = '198.51.100.9 - - [06/Sep/2022:09:14:{s:02d} +0000] "{m} {u} HTTP/1.1" {st} 58 "-" "{ua}" 7'
    lines = [head.format(s=2, m="POST", u="/service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true",
                         st=401, ua=HOSTILE[0])]
    for i, (ua, enc) in enumerate(zip(HOSTILE, ENCODED)):
        lines.append(head.format(s=10 + i, m="GET", u=f"/zimbraAdmin/public/jsp/Zz{i % 2}.jsp?cmd={enc}", st=200, ua=ua))
    return write(directory, "opt/zimbra/log/access_log.2022-09-06", "\n".join(lines) + "\n").parent


def _unsafe_cells(path: Path) -> list[str]:
    """Cells of a CSV that a spreadsheet would run as a formula (numbers are fine)."""
    bad = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for cell in row:
                if cell.startswith(FORMULA_PREFIXES):
                    try:
                        float(cell)
                    except ValueError:
                        bad.append(cell)
    return bad


def test_hostile_content_is_neutralised(tmp_path: Path) -> None:
    logs = hostile_logs(tmp_path / "collect")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("hunt", logs, "--mail-server", "10.10.1.5", "-o", out)
    assert code == 0, stderr
    shells = pl.read_parquet(out / "webshells.parquet")
    assert sorted(shells["command"].to_list()) == sorted(HOSTILE)  # the hunt saw every payload, decoded
    assert pl.read_parquet(out / "exploitation.parquet")["user_agent"].to_list() == [HOSTILE[0]]
    for f in out.glob("*.csv"):
        assert _unsafe_cells(f) == [], f.name
    with open(out / "webshells.csv", newline="", encoding="utf-8") as f:
        commands = [r["command"] for r in csv.DictReader(f)]
    assert sorted(commands) == sorted(neutralise(h) for h in HOSTILE)
    assert "'=HYPERLINK(\"http://x\")" in commands and "'-2+3" in commands and "<script>alert(1)</script>" in commands
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    # the timeline CSV goes through the same writer
    code, _, stderr = run_cli("timeline", logs, "--mail-server", "10.10.1.5", "-o", out / "tl.csv")
    assert code == 0, stderr
    assert _unsafe_cells(out / "tl.csv") == []


def test_csv_writer_keeps_numbers_and_flattens_nested(tmp_path: Path) -> None:
    df = pl.DataFrame({
        "n": [-2, 3], "x": [-1.5, None], "s": ["-2", "=1+1"], "t": ["\tx", "\rx"], "ok": ["a-b", "'quoted"],
        "l": [["=a", "b"], None], "b": [b"\x00=", None],
    })
    safe = csv_safe(df)
    assert safe["n"].to_list() == [-2, 3] and safe["x"].to_list() == [-1.5, None]
    assert safe["s"].to_list() == ["'-2", "'=1+1"]
    assert safe["t"].to_list() == ["'\tx", "'\rx"]
    assert safe["ok"].to_list() == ["a-b", "'quoted"]
    assert safe["l"].to_list() == ["'=a; b", None]
    assert safe["b"].to_list() == ["003d", None]
    path = write_csv(df, tmp_path / "x.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["n"] == "-2" and rows[0]["x"] == "-1.5" and rows[0]["s"] == "'-2"


def test_terminal_summary_escapes_control_characters(tmp_path: Path) -> None:
    line = ('198.51.100.9 - - [06/Sep/2022:09:14:02 +0000] "POST /service/extension/backup/mboximport?ow=1&no-switch=true HTTP/1.1" '
            '401 58 "-" "x" 7\n'
            '198.51.100.9 - - [06/Sep/2022:09:14:09 +0000] "GET /zimbraAdmin/public/jsp/Zz.jsp?cmd=%1B%5D0%3Bpwned%07 HTTP/1.1" '
            '200 58 "-" "x" 7\n')
    logs = write(tmp_path, "log/access_log.2022-09-06", line).parent
    code, stdout, stderr = run_cli("hunt", logs, "--mail-server", "10.10.1.5", "-o", tmp_path / "o")
    assert code == 0, stderr
    assert "\x1b" not in stdout and "\x07" not in stdout
    assert "\\x1b]0;pwned\\x07" in stdout


# -------------------------------------------------------------------------------- progress

def test_progress_line_is_drawn_and_cleared() -> None:
    from veilleur._progress import Progress

    err = io.StringIO()
    p = Progress(enabled=True, stream=err, interval=0.01)
    with p.phase("reading"):
        p.update(files=(1, 6), done_bytes=30_406, total_bytes=82_500, rows=128)
    text = err.getvalue()
    assert "veilleur: reading… " in text and "1/6 files, 30.4 kB/82.5 kB, 128 rows" in text
    assert text.endswith("\r")  # the line is blanked at the end of the phase
    quiet = io.StringIO()
    with Progress(enabled=False, stream=quiet).phase("reading"):
        pass
    assert quiet.getvalue() == ""
