"""The scripts in ``examples/`` run, and say what the demo's ground truth says."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"


def test_hunt_demo_example(capsys):
    ns = runpy.run_path(str(ROOT / "examples" / "hunt_demo.py"))
    out = ns["main"](DEMO)
    truth = json.loads((DEMO / "ground_truth.json").read_text(encoding="utf-8"))
    res = out["result"]
    assert res.mail_server == truth["actors"]["mail_server"]["ip"]
    # the connections of the mail server within 30 minutes of a webshell command include the
    # implant downloads from the C2
    c2 = truth["actors"]["c2_ip"]
    after = out["after_webshell"]
    assert after.filter((pl.col("dst_ip") == c2) & (pl.col("dst_port") == 80)).height >= 1
    assert set(res.beacons["dst_ip"]) == {c2}
    printed = capsys.readouterr().out
    assert truth["actors"]["attacker_ip"] in printed and truth["actors"]["webshell"]["url"] in printed
