"""A first hour on the demo bundle, in a script (or paste it into a notebook cell by cell).

    python examples/hunt_demo.py [BUNDLE]   # default: fixtures/demo

The bundle is a hospital network's collected logs (Zimbra, Squid, FortiGate, netfilter) with a
planted CVE-2022-37042 intrusion, and the CERT's IOC list beside it (``iocs.csv``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

import veilleur as vl
from veilleur import hunts


def main(bundle_dir: Path) -> dict:
    with pl.Config(tbl_rows=20, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200):
        return _hunt(bundle_dir)


def _hunt(bundle_dir: Path) -> dict:
    # 1. Parse every log of the collection in one call (formats detected, times in UTC).
    bundle = vl.read(bundle_dir / "logs", tz="Europe/Paris")
    s = bundle.summary
    print(f"{s.height} files, {int(s['rows'].sum())} rows, {int(s['rejected'].sum())} rejected; formats: {', '.join(bundle.formats)}")

    # 2. Where do the CERT's indicators appear, first and last seen?
    iocs = vl.IocSet.from_file(bundle_dir / "iocs.csv")
    hits = iocs.match(bundle.events)
    seen = vl.first_last_seen(hits)
    print(seen.select("ioc", "ioc_kind", "first_seen", "last_seen", "hits"))

    # 3. Was the mail server exploited? mboximport attempts (a 401 is not a failure) and the
    #    webshell that followed, with the commands run through it.
    res = hunts.run(bundle, iocs=iocs)
    tries = res.exploitation.filter(pl.col("source") == "zimbra_access")
    print(tries.select("ts", "src_ip", "http_method", "http_status", "variant", "outcome", "next_webshell"))
    shells = res.webshells.filter(pl.col("source") == "zimbra_access")
    print(shells.select("ts", "src_ip", "path", "command"))

    # 4. Which internal hosts did the mail server reach within 30 minutes of any webshell
    #    command? A time-window join in Rust: every (command, connection) pair, not only the
    #    nearest one.
    net = bundle.events.filter(pl.col("src_ip") == res.mail_server)
    after = vl.window_join(shells.select("ts", "command").with_columns(pl.lit(res.mail_server).alias("host")), net,
                           left_on="host", right_on="src_ip", within="30m")
    print(after.select("ts", "command", "ts_right", "dst_ip", "dst_port", "action").unique().sort("ts_right").head(10))

    # 5. Beaconing, lateral movement and the scope of the intrusion, with the evidence lines.
    print(res.beacons)
    print(res.lateral.select("ts", "source", "dst_ip", "dst_port", "action", "file", "line"))
    print(res.scope)
    return {"bundle": bundle, "result": res, "after_webshell": after, "seen": seen}


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "fixtures" / "demo"
    main(root)
