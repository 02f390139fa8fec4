"""Deterministic generator of realistic web access logs (Zimbra webmail traffic) for the benches.

The output is a function of (seed, size, format) only: a pool of a few thousand pre-rendered
field values is drawn with ``random.Random(seed)`` and lines are assembled from it in large
blocks, so 200 MB takes a few seconds.

Formats:

* ``combined``: NCSA combined, timestamps in ``+0200``::

    CLIENT - USER [dd/Mon/yyyy:HH:MM:SS +0200] "METHOD URL PROTO" STATUS BYTES "REFERRER" "UA"

* ``zimbra_access``: mailboxd's Jetty access log: combined in ``+0000``, then the latency in
  milliseconds as a bare integer; the first field is sometimes an X-Forwarded-For list
  (``203.0.113.5, 10.10.2.10``).

Command line::

    python benches/gen_access.py --mb 200 --seed 7 --format combined -o /tmp/x.log [--gzip]

Generated files are never committed: :func:`cached` keeps them under a temporary directory
(``$VEILLEUR_BENCH_DIR`` or ``<tmp>/veilleur-bench``), keyed by (seed, size, format).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import ipaddress
import itertools
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import gen_common
from gen_common import MB

FORMATS = ("combined", "zimbra_access")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BLOCK_LINES = 50_000

_USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.81",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:124.0) Gecko/20100101 Firefox/124.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17425; Pro)",
    "ZimbraConnectorForOutlook/9.0.0.1906",
    "zclient/9.0.0_GA_4546",
    "Zimbra Desktop/7.3.1 (Windows NT 10.0)",
    "Apple-iPhone15C2/2104.153",
    "Android-Mail/2024.04.14.625193128.Release",
    "MobileAsSettings/1.0 CFNetwork/1494.0.7 Darwin/23.4.0",
    "Thunderbird/115.10.1 (X11; Linux x86_64)",
    "DAVdroid/4.3.10-ose (2024/01/02; dav4jvm; okhttp/4.12.0) Android/14",
    "curl/7.81.0",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Wget/1.21.2",
    "Mozilla/5.0 zgrab/0.x",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    # user agents carrying quotes, written escaped (`\"`) as web servers log them
    'Mozilla/5.0 (compatible; \\"ZmScanner\\" 1.2; +http://scanner.example.net)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) \\"Chrome\\" AppleWebKit/537.36',
    'python-httpx/0.27.0 \\"probe\\"',
]
# relative weights: browsers dominate, scanners and quoted agents are rare
_UA_WEIGHTS = [30, 12, 14, 8, 6, 8, 4, 7, 6, 1, 1, 10, 5, 4, 1, 3, 3, 2, 3, 2, 2, 1, 2, 1, 1, 1, 1, 0.5, 0.5, 0.5]

_SOAP = [
    "SearchRequest", "GetMsgRequest", "NoOpRequest", "BatchRequest", "GetInfoRequest",
    "GetFolderRequest", "SyncRequest", "ConvActionRequest", "MsgActionRequest", "SendMsgRequest",
    "GetPrefsRequest", "GetApptSummariesRequest", "AuthRequest", "GetContactsRequest",
    "SaveDraftRequest", "SearchConvRequest", "GetMiniCalRequest", "GetWorkingHoursRequest",
]
_ZIMBRA_STATIC = [
    "/zimbra/", "/zimbra/?client=advanced", "/zimbra/?client=preferred", "/zimbra/mail",
    "/zimbra/public/login.jsp", "/zimbra/h/search?mesp=1", "/zimbra/js/zimbraMail/share/model/ZmSettings.js",
    "/zimbra/js/Startup1_1_all.js", "/zimbra/js/Startup2_all.js", "/zimbra/js/MailCore_all.js",
    "/zimbra/css/common,login,zhtml,skin.css?skin=harmony&v=240412103314",
    "/zimbra/img/zimbra.gif", "/zimbra/img/large/ImgCalendarApp_48.png", "/zimbra/skins/harmony/logos/AppBanner.svg",
    "/zimbra/res/I18nMsg,AjxMsg,ZMsg,ZmMsg,AjxKeys,ZmKeys,ZdMsg,AjxTemplateMsg.js.zgz?v=240412103314&language=fr",
    "/zimbra/templates/mail/Message.template.js", "/zimbra/favicon.ico",
]
_PUBLIC = [
    "/public/blank.html", "/public/Resources.jsp", "/public/PreAuthTest.jsp", "/public/launchNewWindow.jsp",
    "/public/login.jsp?virtualacctdomain=example.org", "/public/jsp/Zimbra.jsp", "/public/error.jsp",
    "/public/secureRequest.jsp?isAuthRequest=true",
]
_OTHER = [
    "/Microsoft-Server-ActiveSync?Cmd=Ping&User=alice&DeviceId=APPLE1234&DeviceType=iPhone",
    "/Microsoft-Server-ActiveSync?Cmd=Sync&User=bob&DeviceId=ANDROIDC8F3&DeviceType=Android",
    "/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml", "/dav/alice@example.org/Calendar/",
    "/principals/users/alice@example.org/", "/service/preauth?account=carol@example.org&expires=0&timestamp=1710400000000&preauth=3f2a",
    "/service/upload?fmt=raw,extended", "/service/upload?lbfums=", "/service/zimlet/res/Messages.js?v=240412103314",
    "/service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true",
    "/service/proxy?target=https://example.com/", "/robots.txt", "/.env", "/wp-login.php", "/favicon.ico",
    "/zimbraAdmin/", "/service/admin/soap/GetAllServersRequest",
]
_USERS = ["alice", "bob", "carol", "dave", "eve", "mallory", "trent", "victor", "peggy", "walter",
          "admin", "postmaster", "j.dupont", "m.martin", "s.bernard", "l.petit"]
_REFERRERS_FIXED = [
    "https://mail.example.org/", "https://mail.example.org/zimbra/", "https://mail.example.org/zimbra/?client=advanced",
    "https://mail.example.org/zimbra/mail", "https://mail.example.org/zimbra/public/login.jsp",
    "https://webmail.example.org/zimbra/", "https://www.google.com/", "https://intranet.example.org/portal/index.php?page=mail",
]


def _pool_ips(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.01:  # ~1% IPv6, written canonically (RFC 5952)
            if rng.random() < 0.5:
                a = ipaddress.IPv6Address((0x2001_0db8 << 96) | (rng.getrandbits(16) << 64) | rng.getrandbits(16))
            else:
                a = ipaddress.IPv6Address((0x2a01_0e0a << 96) | rng.getrandbits(64))
            out.append(a.compressed)
        elif r < 0.35:
            out.append(f"10.{rng.randrange(0, 40)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}")
        elif r < 0.45:
            out.append(f"192.168.{rng.randrange(0, 20)}.{rng.randrange(1, 255)}")
        else:
            first = rng.choice([31, 37, 46, 62, 78, 80, 82, 83, 86, 88, 90, 91, 92, 93, 109, 176, 185, 193, 194, 195, 212, 213, 217])
            out.append(f"{first}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}")
    return out


def _pool_urls(rng: random.Random, n: int) -> tuple[list[str], list[float]]:
    urls, weights = [], []
    for _ in range(n):
        k = rng.random()
        if k < 0.45:
            u = f"/service/soap/{rng.choice(_SOAP)}"
            w = 3.0
        elif k < 0.62:
            u = rng.choice(_ZIMBRA_STATIC)
            w = 1.5
        elif k < 0.80:
            kind = rng.random()
            mid = rng.randrange(100, 400_000)
            if kind < 0.5:
                u = f"/service/home/~/?auth=co&loc=fr&id={mid}&part={rng.randrange(1, 5)}"
            elif kind < 0.75:
                u = f"/service/home/~/?auth=co&view=html&id={mid}&fmt=html&disp=a"
            elif kind < 0.9:
                u = f"/service/home/~/Calendar.ics?start={rng.randrange(1, 30)}d&end={rng.randrange(30, 90)}d"
            else:
                u = f"/service/home/{rng.choice(_USERS)}@example.org/Contacts?fmt=vcf"
            w = 1.0
        elif k < 0.88:
            u = rng.choice(_PUBLIC)
            w = 0.5
        else:
            u = rng.choice(_OTHER)
            w = 0.3
        urls.append(u)
        weights.append(w)
    return urls, weights


def _cum(weights) -> list[float]:
    return list(itertools.accumulate(weights))


class _Pools:
    def __init__(self, seed: int, fmt: str):
        rng = random.Random(seed)
        self.rng = rng
        self.fmt = fmt
        ips = _pool_ips(rng, 4000)
        # a few heavy hitters (NAT gateways, the reverse proxy), then a long tail
        self.clients = ips
        self.client_cw = _cum(1.0 / (i + 1) ** 0.8 for i in range(len(ips)))
        if fmt == "zimbra_access":
            proxies = ["10.10.2.10", "10.10.2.11", "172.16.0.4"]
            xff = [f"{rng.choice(ips[200:])}, {rng.choice(proxies)}" for _ in range(400)]
            xff += [f"{rng.choice(ips[200:])}, {rng.choice(ips[200:])}, {rng.choice(proxies)}" for _ in range(50)]
            # ~10% of lines: an X-Forwarded-For list in field 1
            self.clients = ips + xff
            tail = self.client_cw[-1]
            self.client_cw = self.client_cw + [tail + 0.11 * tail * (i + 1) / len(xff) for i in range(len(xff))]
        users = ["-"]
        users += list(_USERS) + [f"{u}@example.org" for u in _USERS]
        self.users = users
        self.user_cw = _cum([len(users) * 6.0] + [1.0] * (len(users) - 1))  # ~85% '-'
        urls, uw = _pool_urls(rng, 3000)
        methods = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "PROPFIND", "DELETE"]
        mw = [66, 28, 2, 1.5, 1, 1, 0.5]
        protos = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0"]
        requests, rw = [], []
        for u, w in zip(urls, uw):
            m = "POST" if u.startswith("/service/soap/") else rng.choices(methods, mw)[0]
            p = rng.choices(protos, [90, 4, 6])[0]
            requests.append(f"{m} {u} {p}")
            rw.append(w)
        self.requests = requests
        self.request_cw = _cum(rw)
        # status + bytes, pre-rendered together: `200 5123`, `304 -`, ...
        sb = []
        sbw = []
        for _ in range(3000):
            st = rng.choices([200, 304, 302, 204, 401, 404, 500, 503, 403, 400], [80, 6, 4, 2, 2.5, 2.5, 0.6, 0.2, 0.5, 0.3])[0]
            if st == 304 or st == 204 or (rng.random() < 0.03):
                b = "-"
            else:
                b = str(int(rng.lognormvariate(7.5, 1.6)))
            sb.append(f"{st} {b}")
            sbw.append(1.0)
        self.status_bytes = sb
        self.status_bytes_cw = _cum(sbw)
        refs = ["-"] + _REFERRERS_FIXED + [
            f"https://mail.example.org/zimbra/?client=advanced&id={rng.randrange(100, 400_000)}" for _ in range(200)
        ]
        self.referrers = refs
        self.referrer_cw = _cum([len(refs) * 1.2] + [3.0] * len(_REFERRERS_FIXED) + [1.0] * 200)  # ~50% '-'
        uas = _USER_AGENTS + ["-"]
        self.uas = uas
        self.ua_cw = _cum(_UA_WEIGHTS + [1.0])
        self.latencies = [str(int(rng.lognormvariate(3.0, 1.2))) for _ in range(2000)]

    def block(self, n: int, ts: list[str]) -> str:
        """`n` lines whose timestamps (already rendered, with brackets) are `ts`."""
        rng = self.rng
        cl = rng.choices(self.clients, cum_weights=self.client_cw, k=n)
        us = rng.choices(self.users, cum_weights=self.user_cw, k=n)
        rq = rng.choices(self.requests, cum_weights=self.request_cw, k=n)
        sb = rng.choices(self.status_bytes, cum_weights=self.status_bytes_cw, k=n)
        rf = rng.choices(self.referrers, cum_weights=self.referrer_cw, k=n)
        ua = rng.choices(self.uas, cum_weights=self.ua_cw, k=n)
        if self.fmt == "combined":
            return "".join(
                [f'{c} - {u} {t} "{r}" {s} "{f}" "{a}"\n' for c, u, t, r, s, f, a in zip(cl, us, ts, rq, sb, rf, ua)]
            )
        lat = rng.choices(self.latencies, k=n)
        return "".join(
            [f'{c} - {u} {t} "{r}" {s} "{f}" "{a}" {l}\n' for c, u, t, r, s, f, a, l in zip(cl, us, ts, rq, sb, rf, ua, lat)]
        )


def _timestamps(day_ordinal: int, offset: str, first_sec: int, n_secs: int) -> list[str]:
    """Rendered `[dd/Mon/yyyy:HH:MM:SS +zzzz]` for seconds first_sec .. first_sec+n_secs-1 of the day."""
    import datetime as _dt

    out = []
    base = _dt.date.fromordinal(day_ordinal)
    for s in range(first_sec, first_sec + n_secs):
        d = base + _dt.timedelta(days=s // 86400)
        r = s % 86400
        out.append(f"[{d.day:02d}/{_MONTHS[d.month - 1]}/{d.year}:{r // 3600:02d}:{r // 60 % 60:02d}:{r % 60:02d} {offset}]")
    return out


def generate(path: str | os.PathLike, *, mb: float, seed: int = 7, fmt: str = "combined") -> int:
    """Write about `mb` decimal megabytes (at least that many) of `fmt` lines to `path`.

    Timestamps increase through one day (``2024-03-14`` shifted by the seed's day) and spread
    evenly over it for the expected number of lines. Returns the number of lines written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    target = int(mb * MB)
    pools = _Pools(seed, fmt)
    offset = "+0200" if fmt == "combined" else "+0000"
    import datetime as _dt

    day = _dt.date(2024, 3, 14).toordinal() + seed % 200
    # estimate the mean line length from a sample to spread the lines over the day
    sample = pools.block(2000, ["[14/Mar/2024:00:00:00 +0000]"] * 2000)
    pools = _Pools(seed, fmt)  # restart the random stream: the output depends on the seed only
    est_lines = max(1, int(target / (len(sample) / 2000)))
    per_sec = est_lines / 86400.0
    ts_cache: list[str] = []
    written = 0
    lines = 0
    with open(path, "wb", buffering=4 * 1024 * 1024) as f:
        while written < target:
            n = _BLOCK_LINES
            last_sec = int((lines + n) / per_sec) + 1
            if last_sec >= len(ts_cache):
                ts_cache.extend(_timestamps(day, offset, len(ts_cache), last_sec + 3600 - len(ts_cache)))
            ts = [ts_cache[int(i / per_sec)] for i in range(lines, lines + n)]
            text = pools.block(n, ts)
            data = text.encode("utf-8")
            if written + len(data) > target:
                # stop at the first line end past the target
                cut = data.find(b"\n", target - written - 1)
                data = data[: cut + 1]
                n = data.count(b"\n")
            f.write(data)
            written += len(data)
            lines += n
    return lines


def write_gzip(src: str | os.PathLike, dst: str | os.PathLike, level: int = 6) -> None:
    """Compress `src` to `dst` (gzip, level 6); uses the `gzip` binary when present (faster)."""
    tmp = f"{dst}.tmp{os.getpid()}"
    gz = shutil.which("gzip")
    if gz:
        import subprocess

        with open(tmp, "wb") as out:
            subprocess.run([gz, "-c", f"-{level}", os.fspath(src)], stdout=out, check=True)
    else:
        with open(src, "rb") as fi, gzip.open(tmp, "wb", compresslevel=level) as fo:
            shutil.copyfileobj(fi, fo, 4 * 1024 * 1024)
    os.replace(tmp, dst)


def cached(mb: float, seed: int = 7, fmt: str = "combined", *, gz: bool = False) -> Path:
    """The generated file for (seed, mb, fmt), generating it (and its gzip) once."""
    plain = gen_common.cached(f"access-{fmt}", mb, seed, functools.partial(generate, fmt=fmt))
    if not gz:
        return plain
    gzp = plain.with_name(plain.name + ".gz")
    if not gzp.exists() or gzp.stat().st_mtime < plain.stat().st_mtime:
        write_gzip(plain, gzp)
    return gzp


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=200.0, help="target size in decimal MB (default 200)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", choices=FORMATS, default="combined")
    ap.add_argument("-o", "--output", required=True, help="output path ('-' for stdout)")
    ap.add_argument("--gzip", action="store_true", help="also write OUTPUT.gz (gzip level 6)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    if a.output == "-":
        tmp = Path(tempfile.mkdtemp()) / "x.log"
        generate(tmp, mb=a.mb, seed=a.seed, fmt=a.format)
        with open(tmp, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
        shutil.rmtree(tmp.parent)
        return 0
    n = generate(a.output, mb=a.mb, seed=a.seed, fmt=a.format)
    dt = time.perf_counter() - t0
    size = os.path.getsize(a.output)
    print(f"{a.output}: {n} lines, {size / MB:.1f} MB in {dt:.1f}s", file=sys.stderr)
    if a.gzip:
        write_gzip(a.output, a.output + ".gz")
        print(f"{a.output}.gz: {os.path.getsize(a.output + '.gz') / MB:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
