"""A deterministic firewall ``kern.log`` from a seed, for the netfilter bench.

BSD syslog framing (``May  6 09:22:41 gw01 kernel: ...``, no year, the day space-padded below
10), timestamps increasing through two days, every line an iptables ``LOG`` / nftables ``log``
packet line: mostly an uptime stamp ``[ 5123.004211]``, a prefix among several conventions
(UFW ``[UFW BLOCK] ``, glued ``IPT-DROP:IN=``, ``DROP_IN: ``, firewalld
``filter_IN_public_REJECT: ``, UniFi ``[WAN_LOCAL-default-D]`` glued, nft ``nft-in-drop ``,
none), IPv4 TCP (SYN, ACK PSH, with MAC or without), UDP (its second ``LEN``), ICMP echo
(IP ``ID`` and ICMP ``ID``), and a few IPv6 TCP / ICMPv6 lines in canonical form.

    python benches/gen_netfilter.py --mb 200 --seed 7 -o /tmp/kern.log
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import gen_common
from gen_common import public_v4, v6, write_blocks

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PREFIXES = ["[UFW BLOCK] ", "[UFW ALLOW] ", "IPT-DROP:", "DROP_IN: ", '"filter_IN_public_REJECT: "', "[WAN_LOCAL-default-D]", "nft-in-drop ", ""]
FLAGS = ["SYN", "ACK", "ACK PSH", "ACK FIN", "RST", "ACK RST", "SYN ACK"]


def _mac(rng: random.Random) -> str:
    return ":".join(f"{rng.randrange(256):02x}" for _ in range(12)) + ":08:00"


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.srcs = [public_v4(self.rng) for _ in range(2000)]
        self.dsts = [public_v4(self.rng) for _ in range(50)]
        self.macs = [_mac(self.rng) for _ in range(20)]
        self.t = 6 * 86400 + 6 * 3600  # May 6, 06:00:00
        self.up = 5000.0
        self.n = 0

    def head(self) -> str:
        r = self.rng
        self.n += 1
        if self.n % 20 == 0:
            self.t += 1
        self.up += r.random() / 100
        day, s = divmod(self.t, 86400)
        stamp = f"May {day:2d} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
        up = f"[{self.up:12.6f}] " if r.random() < 0.8 else ""
        return f"{stamp} gw{r.randrange(1, 4):02d} kernel: {up}{r.choice(PREFIXES)}"

    def line(self) -> str:
        r = self.rng
        x = r.random()
        iface = f"IN=eth{r.randrange(2)} OUT= " if r.random() < 0.9 else f"IN= OUT=eth{r.randrange(2)} "
        mac = f"MAC={r.choice(self.macs)} " if r.random() < 0.7 else ""
        if x < 0.06:
            src, dst = v6(r), v6(r)
            ip = f"SRC={src} DST={dst} LEN={r.randrange(60, 1500)} TC=0 HOPLIMIT={r.randrange(30, 256)} FLOWLBL={r.randrange(0, 1 << 20)} "
            if x < 0.03:
                tail = f"PROTO=TCP SPT={r.randrange(1024, 65536)} DPT={r.choice([22, 80, 443])} WINDOW={r.randrange(1024, 65536)} RES=0x00 SYN URGP=0"
            else:
                tail = f"PROTO=ICMPv6 TYPE=128 CODE=0 ID={r.randrange(65536)} SEQ={r.randrange(1, 100)}"
            return self.head() + iface + ip + tail
        ttl = r.choice([52, 57, 64, 118, 128, 240, 255])
        df = "DF " if r.random() < 0.7 else ""
        ip = (
            f"SRC={r.choice(self.srcs)} DST={r.choice(self.dsts)} LEN={r.randrange(40, 1500)} TOS=0x{r.choice([0, 0, 0, 16, 8]):02X} "
            f"PREC=0x00 TTL={ttl} ID={r.randrange(65536)} {df}"
        )
        if x < 0.70:
            uid = f" UID={r.randrange(1000, 1010)} GID={r.randrange(1000, 1010)}" if r.random() < 0.05 else ""
            tail = (
                f"PROTO=TCP SPT={r.randrange(1024, 65536)} DPT={r.choice([22, 23, 25, 80, 443, 445, 3389, 8080])} "
                f"WINDOW={r.randrange(0, 65536)} RES=0x00 {r.choice(FLAGS)} URGP=0{uid}"
            )
        elif x < 0.92:
            tail = f"PROTO=UDP SPT={r.choice([53, 123, 5353, r.randrange(1024, 65536)])} DPT={r.randrange(1, 65536)} LEN={r.randrange(8, 1400)}"
        else:
            tail = f"PROTO=ICMP TYPE={r.choice([8, 0, 3, 11])} CODE=0 ID={r.randrange(65536)} SEQ={r.randrange(1, 1000)}"
        return self.head() + iface + mac + ip + tail


def generate(path: str | os.PathLike, *, mb: float, seed: int = 7) -> int:
    """Write about `mb` decimal MB to `path`; returns the number of lines."""
    g = _Gen(seed)
    return write_blocks(path, mb, lambda: [g.line() for _ in range(2000)])


def cached(mb: float, seed: int = 7) -> Path:
    """The generated file for (seed, mb), generated once."""
    return gen_common.cached("netfilter-kernlog", mb, seed, generate)


def main(argv=None) -> int:
    return gen_common.main(__doc__, generate, argv)


if __name__ == "__main__":
    raise SystemExit(main())
