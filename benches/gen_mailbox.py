"""Deterministic generator of a Zimbra ``mailbox.log`` (log4j layout, stack traces) for the benches.

A pool of records (SOAP, IMAP, LMTP, auth, and WARN records followed by Java stack traces) is
drawn with ``random.Random(seed)``; timestamps advance through a day. Files are cached like the
access logs (see ``gen_access.cached``) and never committed.

    python benches/gen_mailbox.py --mb 200 --seed 7 -o /tmp/mailbox.log
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from gen_common import MB, cache_dir

_TRACE = [
    "com.zimbra.common.service.ServiceException: permission denied: not an admin account",
    "\tat com.zimbra.common.service.ServiceException.PERM_DENIED(ServiceException.java:205)",
    "\tat com.zimbra.cs.service.admin.Auth.handle(Auth.java:103)",
    "\tat com.zimbra.soap.SoapEngine.dispatchRequest(SoapEngine.java:580)",
    "\tat org.eclipse.jetty.server.Server.handle(Server.java:516)",
    "Caused by: java.io.EOFException",
    "\t... 42 more",
]


def _records(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(head without timestamp, continuation text) pairs."""
    out = []
    for _ in range(n):
        user = f"user{rng.randrange(1400)}@hopital.example.fr"
        ip = f"10.{rng.randrange(1, 40)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        k = rng.random()
        if k < 0.45:
            req = rng.choice(["SearchRequest", "GetMsgRequest", "BatchRequest", "NoOpRequest", "GetFolderRequest"])
            head = (
                f"INFO  [qtp1335505684-{rng.randrange(2000)}:https://mail.hopital.example.fr/service/soap/{req}] "
                f"[name={user};mid={rng.randrange(9000)};oip={ip};ua=ZimbraWebClient - FF{rng.randrange(90, 130)} (Win);"
                f"soapId={rng.randrange(1 << 32):08x};] soap - {req} elapsed={rng.randrange(900)}"
            )
            out.append((head, ""))
        elif k < 0.65:
            head = f"INFO  [ImapServer-{rng.randrange(9999)}] [name={user};ip={ip};oproto=imap;] imap - FETCH elapsed={rng.randrange(60)}"
            out.append((head, ""))
        elif k < 0.85:
            head = (
                f"INFO  [LmtpServer-{rng.randrange(60)}] [name={user};mid={rng.randrange(9000)};"
                f"msgid=<{rng.randrange(1 << 40)}.JavaMail.zimbra@hopital.example.fr>;] lmtp - Delivering message: "
                f"size={rng.randrange(1000, 900000)} bytes, nrcpts=1, sender=alerts@example.org"
            )
            out.append((head, ""))
        elif k < 0.93:
            head = (
                f"INFO  [qtp1335505684-{rng.randrange(2000)}:https://mail.hopital.example.fr/service/soap/AuthRequest] "
                f"[name={user};oip={ip};ua=Mozilla/5.0 (Windows NT 10.0;; Win64;; x64);] account - Authentication successful for user: {user}"
            )
            out.append((head, ""))
        else:
            depth = rng.randrange(1, len(_TRACE) + 1)
            head = (
                f"WARN  [qtp1335505684-{rng.randrange(2000)}:https://mail.hopital.example.fr/service/admin/soap/] "
                f"[name={user};oip={ip};] SoapEngine - handler exception"
            )
            out.append((head, "\n".join(_TRACE[:depth])))
    return out


def generate(path, *, mb: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    pool = _records(rng, 4000)
    target = int(mb * MB)
    written = 0
    sec = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        while written < target:
            lines = []
            for _ in range(20000):
                head, cont = pool[rng.randrange(len(pool))]
                s = sec // 40
                ts = f"2022-09-06 {s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d},{sec % 1000:03d}"
                sec += 1
                lines.append(f"{ts} {head}\n" + (cont + "\n" if cont else ""))
            block = "".join(lines)
            f.write(block)
            written += len(block.encode())
    return written


def cached(mb: float, seed: int = 7) -> Path:
    p = cache_dir() / f"mailbox-s{seed}-{mb:g}mb.log"
    if not p.exists():
        tmp = p.with_suffix(".tmp")
        generate(tmp, mb=mb, seed=seed)
        tmp.rename(p)
    return p


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    generate(a.output, mb=a.mb, seed=a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
