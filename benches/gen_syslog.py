"""A deterministic zimbra.log-like syslog file from a seed, for the syslog bench.

BSD syslog framing (``Sep  9 23:59:58 mail postfix/smtpd[1234]: ...``, no year, the day
space-padded below 10), timestamps increasing through two days (``Sep  9`` → ``Sep 10``), a
Zimbra MTA's mix: Postfix mail flow (smtpd connect/client/disconnect, some with SMTP AUTH,
cleanup message-id, qmgr from/size and removed, smtp delivery with relay/status), the
re-injection listener ``postfix/amavisd/smtpd``, amavis ``Passed CLEAN`` / ``Blocked SPAM`` /
``Blocked INFECTED (...)`` verdicts, zmconfigd, slapd and clamd chatter. IPv4 and a few IPv6
clients, in canonical form.

    python benches/gen_syslog.py --mb 200 --seed 7 -o /tmp/zimbra.log
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import gen_common
from gen_common import ip_pool, public_v4, write_blocks


DOMAINS = ["example.org", "example.com", "mail.example.net", "corp.example", "gmail.com", "outlook.com", "univ.example.edu"]
NAMES = ["alice", "bob", "carol", "dave", "eve", "mallory", "trent", "peggy", "victor", "walter", "admin", "noreply", "support"]
HOSTS = ["mail-wr1-f54.google.com", "unknown", "mx1.example.com", "smtp.example.net", "localhost", "a12-34.smtp-out.example.org"]


def _qid(rng: random.Random) -> str:
    while True:
        q = f"{rng.getrandbits(44):011X}"
        if any(c.isdigit() for c in q):
            return q


def _addr(rng: random.Random) -> str:
    return f"{rng.choice(NAMES)}{rng.randrange(100)}@{rng.choice(DOMAINS)}"


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.ips = ip_pool(self.rng, 3000, public_v4, v6_every=97)
        self.t = 9 * 86400 + 6 * 3600  # Sep 9, 06:00:00
        self.pid = 20000
        self.n = 0

    def stamp(self) -> str:
        self.n += 1
        if self.n % 12 == 0:
            self.t += 1
        day, s = divmod(self.t, 86400)
        return f"Sep {day:2d} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d} mail"

    def message(self) -> list[str]:
        """The lines of one message's way through the MTA, plus some background chatter."""
        r = self.rng
        ip = r.choice(self.ips)
        host = r.choice(HOSTS)
        q1, q2 = _qid(r), _qid(r)
        frm, to = _addr(r), _addr(r)
        mid = f"{r.getrandbits(40)}.{r.randrange(1000)}.{r.getrandbits(41)}.JavaMail.zimbra@{r.choice(DOMAINS)}"
        size = r.randrange(800, 2_000_000)
        p = r.randrange(1000, 65000)
        ts = self.stamp
        auth = f", sasl_method=LOGIN, sasl_username={frm}" if r.random() < 0.1 else ""
        verdict = r.random()
        if verdict < 0.85:
            av = "Passed CLEAN {RelayedInbound}"
        elif verdict < 0.97:
            av = "Blocked SPAM {DiscardedInbound,Quarantined}"
        else:
            av = "Blocked INFECTED (Eicar-Signature) {DiscardedInbound,Quarantined}"
        out = [
            f"{ts()} postfix/smtpd[{p}]: connect from {host}[{ip}]",
            f"{ts()} postfix/smtpd[{p}]: {q1}: client={host}[{ip}]{auth}",
            f"{ts()} postfix/cleanup[{p + 7}]: {q1}: message-id=<{mid}>",
            f"{ts()} postfix/qmgr[{self.pid}]: {q1}: from=<{frm}>, size={size}, nrcpt=1 (queue active)",
            f"{ts()} postfix/smtpd[{p}]: disconnect from {host}[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
            f"{ts()} amavis[{p + 11}]: ({p + 11}-{r.randrange(1, 99):02d}) {av}, [{ip}]:{p} [{ip}] <{frm}> -> <{to}>, "
            f"Queue-ID: {q1}, Message-ID: <{mid}>, mail_id: {r.getrandbits(60):x}, Hits: {r.uniform(-5, 15):.3f}, "
            f"size: {size}, queued_as: {q2}, {r.randrange(100, 3000)} ms",
            f"{ts()} postfix/amavisd/smtpd[{p + 13}]: connect from localhost[127.0.0.1]",
            f"{ts()} postfix/amavisd/smtpd[{p + 13}]: {q2}: client=localhost[127.0.0.1]",
            f"{ts()} postfix/smtp[{p + 17}]: {q2}: to=<{to}>, relay=mx.{r.choice(DOMAINS)}[{r.choice(self.ips)}]:25, "
            f"delay=0.{r.randrange(10, 99)}, delays=0.01/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {_qid(r)})",
            f"{ts()} postfix/qmgr[{self.pid}]: {q2}: removed",
        ]
        x = r.random()
        if x < 0.3:
            out.append(f"{ts()} zmconfigd[{self.pid + 5}]: Watchdog: service antivirus status is OK.")
        elif x < 0.5:
            out.append(f"{ts()} slapd[{self.pid + 3}]: slap_queue_csn: queueing 0x{r.getrandbits(28):x} 20220909{r.getrandbits(20)}Z#000000#000#000000")
        elif x < 0.55:
            out.append(f"{ts()} clamd[{self.pid + 9}]: SelfCheck: Database status OK.")
        elif x < 0.6:
            out.append(f"{ts()} saslauthd[{self.pid + 1}]: auth_zimbra: {frm} auth failed: authentication failed for [{frm}]")
        return out


def generate(path: str | os.PathLike, *, mb: float, seed: int = 7) -> int:
    """Write about `mb` decimal MB to `path`; returns the number of lines."""
    g = _Gen(seed)

    def block() -> list[str]:
        lines: list[str] = []
        for _ in range(100):
            lines.extend(g.message())
        return lines

    return write_blocks(path, mb, block)


def cached(mb: float, seed: int = 7) -> Path:
    """The generated file for (seed, mb), generated once."""
    return gen_common.cached("syslog-zimbra", mb, seed, generate)


def main(argv=None) -> int:
    return gen_common.main(__doc__, generate, argv)


if __name__ == "__main__":
    raise SystemExit(main())
