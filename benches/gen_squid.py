"""A deterministic Squid native access.log from a seed, for the squid bench.

``logformat squid`` lines (``%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt``):
epoch times increasing with milliseconds, the elapsed time right-aligned in 6 columns (tunnels
of several minutes overflow it), a proxy's mix of results — misses, hits, refreshes, CONNECT
tunnels (``TCP_TUNNEL/200``, ``host:443``), denials (``TCP_DENIED/403``, ``/407`` auth
challenges), aborted transfers and ``NONE_NONE/000`` / ``NONE/400`` errors —, mostly anonymous
users with some authenticated ones, direct and parent-proxy hierarchy codes, content types or
``-``. IPv4 clients and a few IPv6 ones, in canonical form. URLs have no spaces (Squid's default
``uri_whitespace strip``) and their query strings are mostly stripped (``strip_query_terms on``).

    python benches/gen_squid.py --mb 200 --seed 7 -o /tmp/access.log
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import gen_common
from gen_common import ip_pool, private_v4, write_blocks


SITES = [
    "www.example.com", "cdn.example.net", "api.example.org", "login.example.com", "static.example-cdn.com",
    "updates.example.org", "mail.example.net", "news.example.com", "video.example.tv", "ads.tracker.example",
    "www.google.com", "www.microsoft.com", "ocsp.digicert.com", "settings-win.data.microsoft.com", "github.com",
]
PATHS = ["/", "/index.html", "/favicon.ico", "/static/app.js", "/static/style.css", "/api/v1/items", "/images/logo.png",
         "/download/setup.exe", "/login", "/search", "/feed.xml", "/v1/events", "/wp-admin/admin-ajax.php"]
TYPES = ["text/html", "application/javascript", "text/css", "image/png", "image/gif", "application/json",
         "application/octet-stream", "text/xml", "image/jpeg", "-"]
USERS = ["alice", "bob", "carol@EXAMPLE.COM", "dave", "svc-backup", "mallory"]


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.clients = ip_pool(self.rng, 2000, private_v4, v6_every=97)
        self.servers = [f"198.51.100.{i}" for i in range(1, 255)] + [f"203.0.113.{i}" for i in range(1, 255)]
        self.t = 1_714_979_730_000  # ms

    def line(self) -> str:
        r = self.rng
        self.t += r.randrange(0, 40)
        secs, ms = divmod(self.t, 1000)
        client = r.choice(self.clients)
        user = r.choice(USERS) if r.random() < 0.2 else "-"
        site = r.choice(SITES)
        k = r.random()
        ctype = r.choice(TYPES)
        hier = f"HIER_DIRECT/{r.choice(self.servers)}" if r.random() < 0.9 else "HIER_PARENT_HIT/parent1.example.net"
        if k < 0.25:
            code, status, method = "TCP_TUNNEL", 200, "CONNECT"
            url = f"{site}:443"
            elapsed = r.randrange(50, 2_000_000)
            size = r.randrange(500, 5_000_000)
            ctype = "-"
        elif k < 0.29:
            code, status, method = "TCP_DENIED", 403, r.choice(["GET", "CONNECT"])
            url = f"http://{site}{r.choice(PATHS)}" if method == "GET" else f"{site}:443"
            elapsed, size, hier, ctype = r.randrange(0, 5), r.randrange(3000, 4500), "HIER_NONE/-", "text/html"
        elif k < 0.33:
            code, status, method = "TCP_DENIED", 407, r.choice(["GET", "CONNECT"])
            url = f"http://{site}{r.choice(PATHS)}" if method == "GET" else f"{site}:443"
            elapsed, size, hier, ctype, user = r.randrange(0, 5), r.randrange(3000, 4500), "HIER_NONE/-", "text/html", "-"
        elif k < 0.35:
            code, status, method, url = "NONE_NONE", 0, "-", "error:transaction-end-before-headers"
            elapsed, size, hier, ctype = 0, 0, "HIER_NONE/-", "-"
        elif k < 0.36:
            code, status, method, url = "NONE", 400, "NONE", "error:invalid-request"
            elapsed, size, hier, ctype = 0, r.randrange(3000, 4000), "HIER_NONE/-", "text/html"
        elif k < 0.38:
            code, status, method = "TCP_MISS_ABORTED", 0, "GET"
            url = f"http://{site}{r.choice(PATHS)}"
            elapsed, size = r.randrange(100, 60_000), r.randrange(0, 100_000)
        else:
            code = r.choices(["TCP_MISS", "TCP_HIT", "TCP_MEM_HIT", "TCP_REFRESH_UNMODIFIED", "TCP_REFRESH_MODIFIED"], [60, 12, 8, 12, 8])[0]
            status = {"TCP_REFRESH_UNMODIFIED": 304}.get(code, r.choices([200, 200, 200, 301, 302, 404, 500], [70, 10, 5, 4, 5, 4, 2])[0])
            method = r.choices(["GET", "POST", "HEAD", "PUT"], [85, 10, 3, 2])[0]
            path = r.choice(PATHS)
            if r.random() < 0.1:
                path += f"?id={r.randrange(10**6)}&lang=en"
            scheme = "https" if r.random() < 0.1 else "http"
            port = ":8080" if r.random() < 0.03 else ""
            url = f"{scheme}://{site}{port}{path}"
            elapsed, size = r.randrange(0, 3000), r.randrange(200, 2_000_000)
            if code in ("TCP_HIT", "TCP_MEM_HIT"):
                hier = "HIER_NONE/-"
        return f"{secs}.{ms:03d} {elapsed:6d} {client} {code}/{status:03d} {size} {method} {url} {user} {hier} {ctype}"


def generate(path: str | os.PathLike, *, mb: float, seed: int = 7) -> int:
    """Write about `mb` decimal MB to `path`; returns the number of lines."""
    g = _Gen(seed)
    return write_blocks(path, mb, lambda: [g.line() for _ in range(1000)])


def cached(mb: float, seed: int = 7) -> Path:
    """The generated file for (seed, mb), generated once."""
    return gen_common.cached("squid-access", mb, seed, generate)


def main(argv=None) -> int:
    return gen_common.main(__doc__, generate, argv)


if __name__ == "__main__":
    raise SystemExit(main())
