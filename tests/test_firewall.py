"""netfilter, pfSense and Cisco ASA (golden files: test_golden.py): detection, traps and counts."""

from __future__ import annotations

import pytest

import polars as pl

import veilleur as vl

import _golden
from conftest import GOLDEN

FORMATS = ("netfilter", "pfsense", "cisco_asa")


# --------------------------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------------------------

NF = (
    "May  6 09:22:{s:02d} gw01 kernel: [ 5123.004211] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
    "SRC=203.0.113.{s} DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=40123 DF PROTO=TCP SPT=48211 DPT=22 "
    "WINDOW=64240 RES=0x00 SYN URGP=0\n"
)
OTHER_KERNEL = "May  6 09:23:{s:02d} gw01 kernel: [ 5124.2] usb 1-1: new high-speed USB device number {s} using xhci_hcd\n"
ZIMBRA = "Sep  6 10:15:{s:02d} mail postfix/smtpd[1]: connect from a[192.0.2.1]\n"


def _detected(path):
    return vl.read(path, tz="UTC", year=2024).summary.row(0, named=True)["format"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_files_detect_as_their_format_in_a_mixed_folder(tmp_path, fmt):
    for log in _golden.cases(fmt):
        # the golden files carry a few rejected lines on purpose; a file of only the good lines
        # must detect alone, and inside a folder with a Zimbra syslog file
        d = tmp_path / log.stem
        d.mkdir()
        (d / log.name).write_bytes(log.read_bytes())
        (d / "zimbra.log").write_text("".join(ZIMBRA.format(s=s) for s in range(20)))
        b = vl.read(d, tz="UTC", year=2024)
        formats = dict(zip(b.summary["path"].to_list(), b.summary["format"].to_list()))
        assert formats[str(d / log.name)] == fmt, formats
        assert formats[str(d / "zimbra.log")] == "syslog"


def test_other_golden_files_do_not_detect_as_firewall_formats():
    for d in sorted(GOLDEN.iterdir()):
        if d.name in FORMATS or not d.is_dir():
            continue
        for log in sorted(d.glob("*.log")):
            b = vl.read(log, tz="UTC", year=2022)
            fmt = b.summary.row(0, named=True)["format"]
            assert fmt not in FORMATS, (log, fmt)


def test_kernlog_mix_most_lines_decide(tmp_path):
    few = tmp_path / "few" / "kern.log"
    few.parent.mkdir()
    few.write_text("".join(OTHER_KERNEL.format(s=s) for s in range(20)) + "".join(NF.format(s=s) for s in range(3)))
    assert _detected(few) == "syslog"
    most = tmp_path / "most" / "kern.log"
    most.parent.mkdir()
    most.write_text("".join(NF.format(s=s) for s in range(20)) + "".join(OTHER_KERNEL.format(s=s) for s in range(3)))
    b = vl.read(most, tz="UTC", year=2024)
    s = b.summary.row(0, named=True)
    assert s["format"] == "netfilter"
    # the other kernel messages are rows too: their text in message, packet columns null
    assert (s["rows"], s["rejected"]) == (23, 0)
    nf = b["netfilter"]
    other = nf.filter(pl.col("src").is_null())
    assert other.height == 3 and all(m.startswith("usb 1-1") for m in other["message"].to_list())
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]


def test_syslog_lines_with_firewall_words_stay_syslog(tmp_path):
    p = tmp_path / "messages"
    p.write_text(
        "May  6 09:00:00 h sshd[1]: Accepted password for root from 192.0.2.1 port 22 ssh2\n"
        "May  6 09:00:01 h app[2]: LOGIN=bob IN=x OUT=y\n"  # IN= and OUT= but no packet
        "May  6 09:00:02 h app[2]: the text %ASA-x is not a tag\n"
        "May  6 09:00:03 h filterlog[3]: not,a,complete\n"
    )
    assert _detected(p) == "syslog"


# --------------------------------------------------------------------------------------------
# traps
# --------------------------------------------------------------------------------------------


def _one(tmp_path, fmt, line, **opts):
    p = tmp_path / f"{fmt}.log"
    p.write_text(line + "\n")
    b = vl.read(p, format=fmt, **{"tz": "UTC", "year": 2024, **opts})
    s = b.summary.row(0, named=True)
    assert s["lines"] == s["rows"] + s["rejected"] + s["folded"]
    return b


def test_netfilter_icmp_inner_packet_does_not_overwrite(tmp_path):
    b = _one(tmp_path, "netfilter", "May  6 09:00:00 gw kernel: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=88 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.2 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=7 DF PROTO=UDP SPT=1 DPT=2 LEN=40 ]")
    r = b["netfilter"].row(0, named=True)
    assert (r["src"], r["dst"], r["len"], r["spt"], r["udp_len"]) == ("192.0.2.1", "192.0.2.2", 88, None, None)
    assert r["extra"]["inner"].startswith("SRC=192.0.2.2")


def test_netfilter_udp_len_twice(tmp_path):
    b = _one(tmp_path, "netfilter", "May  6 09:00:00 gw kernel: X IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=76 TOS=0x00 PREC=0x00 TTL=57 ID=0 DF PROTO=UDP SPT=53 DPT=4000 LEN=56")
    r = b["netfilter"].row(0, named=True)
    assert (r["len"], r["udp_len"], r["extra"]) == (76, 56, {})


def test_netfilter_prefix_glued_to_in(tmp_path):
    b = _one(tmp_path, "netfilter", "May  6 09:00:00 gw kernel: [ 1.5] [LAN_IN-10-A]IN=br0 OUT=eth0 SRC=192.0.2.1 DST=192.0.2.2 LEN=1 TOS=0x00 PREC=0x00 TTL=1 ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 ACK URGP=0")
    r = b["netfilter"].row(0, named=True)
    assert (r["prefix"], r["in_if"], r["out_if"], r["kernel_uptime"]) == ("[LAN_IN-10-A]", "br0", "eth0", 1.5)
    assert b.events.row(0, named=True)["action"] == "allow"


def test_pfsense_truncated_csv_keeps_what_was_read(tmp_path):
    b = _one(tmp_path, "pfsense", "<134>May  6 09:21:12 filterlog[1]: 5,,,1712345678,em0,match,block,in,4,0x0,,52,40124,0,DF,6,tc")
    r = b["pfsense"].row(0, named=True)
    assert (r["rule"], r["interface"], r["ip_version"], r["proto_id"], r["proto"], r["src"]) == (5, "em0", 4, 6, "tc", None)


def test_pfsense_opnsense_tracker_hash_to_extra(tmp_path):
    b = _one(tmp_path, "pfsense", "<134>1 2024-05-06T09:23:10+02:00 opn filterlog 1 - - 96,,,fae559338f65e11c53669fc3642c93c2,vtnet0,match,pass,out,4,0x0,,64,0,0,DF,17,udp,76,192.0.2.20,198.51.100.123,123,123,56")
    r = b["pfsense"].row(0, named=True)
    assert (r["tracker"], r["extra"]) == (None, {"tracker": "fae559338f65e11c53669fc3642c93c2"})


def test_asa_unknown_message_id_is_kept(tmp_path):
    b = _one(tmp_path, "cisco_asa", "Oct 10 2018 12:34:56 asa01 : %ASA-7-999999: Some future message with 192.0.2.1/80")
    r = b["cisco_asa"].row(0, named=True)
    assert (r["message_id"], r["severity"], r["message"], r["src"]) == (999999, 7, "Some future message with 192.0.2.1/80", None)
    assert r["device"] == "asa01"


def test_asa_outbound_build_is_oriented(tmp_path):
    b = _one(tmp_path, "cisco_asa", "%ASA-6-302013: Built outbound TCP connection 1 for outside:198.51.100.1/443 (198.51.100.1/443) to inside:10.0.0.5/50000 (203.0.113.5/40211)")
    e = b.events.row(0, named=True)
    assert (e["src_ip"], e["src_port"], e["dst_ip"], e["dst_port"]) == ("10.0.0.5", 50000, "198.51.100.1", 443)
    r = b["cisco_asa"].row(0, named=True)
    assert (r["src_mapped"], r["src_mapped_port"]) == ("203.0.113.5", 40211)


def test_asa_host_names_and_hostile_parentheses(tmp_path):
    b = _one(tmp_path, "cisco_asa", "%ASA-6-302013: Built inbound TCP connection 1 for DMZ:websrv01/8080 (websrv01/8080) to inside:10.0.0.5/50000 " + "(" * 5000)
    r = b["cisco_asa"].row(0, named=True)
    assert (r["src_if"], r["src"], r["src_port"]) == ("DMZ", None, 8080)
    assert r["extra"]["src"] == "websrv01"
