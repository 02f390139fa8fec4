"""Built-in hunts for a compromised Zimbra server and the network around it.

Each hunt reads the normalised events (``bundle.events``, or any table with the events
columns) and returns a polars DataFrame of evidence rows that keep their provenance
(``file``, ``line``, ``offset``), so every answer leads back to the raw line.

>>> import veilleur as vl
>>> from veilleur import hunts
>>> b = vl.read("collect/", tz="Europe/Paris")
>>> tries = hunts.mboximport(b.events)              # CVE-2022-27925 / 37042 attempts, with outcome
>>> shells = hunts.webshells(b.events)              # JSPs first seen after an attempt, commands decoded
>>> res = hunts.run(b, iocs=vl.IocSet.from_file("iocs.csv"))   # everything, plus scope and timeline

Rules, so that an analyst can check them:

* **mboximport** — any request whose path, percent-decoded and with repeated slashes
  collapsed, is ``/service/extension/backup/mboximport`` (any query, any method, any
  status: the public Sigma rule requires ``append`` and misses the in-the-wild
  ``ow=1&no-switch=true`` form). A ``401`` answer to a POST does **not** mean failure: the
  vulnerable servlet sends 401 and still imports the archive. Outcomes: ``uploaded`` (POST
  answered 2xx), ``uploaded_401`` (POST answered 401: the import ran on a vulnerable server),
  ``server_error`` (POST, 5xx: the import may have run), ``refused`` (403), ``absent`` (404:
  the extension is not there), ``probe`` (other methods), ``trace`` (server-side log lines,
  no status). ``next_webshell`` names the first non-stock JSP first requested within a day
  after the attempt: the confirmation an analyst looks for.
* **webshells** — requests for a ``.jsp`` that is not a stock Zimbra JSP (Volexity's
  baseline lists for 8.8.15 and 9.0.0), answered with anything but 400/404, and first seen
  (per path) at or after the first mboximport upload when there is one. Commands are read
  from the query string (``cmd``, ``c``, ``exec``, ``command``..., percent-decoded).
* **egress / lateral** — rows from a host (``src_ip``) after a time: ``lateral`` to internal
  addresses on administration ports (22, 23, 135, 139, 445, 3389, 5985, 5986), with the
  firewall's verdict; ``egress`` to external addresses that the host had not contacted
  before that time (first contacts).
* **admin_logins** — Zimbra admin console logins (``cmd=AdminAuth`` in audit.log), failed
  or not, from addresses outside the internal networks.
* **beaconing** — :func:`veilleur.beacons` per (src_ip, dst_ip, dst_port) on network rows.
  :func:`run` keeps the beacons from the mail server to destinations it first contacted
  after the compromise or that are indicators (a periodic update check that ran before the
  intrusion is not a beacon), DNS and NTP ports left out.
* **ioc_sweep** — :meth:`veilleur.IocSet.match` on the events and
  :func:`veilleur.first_last_seen` per indicator.
* **phishing** — mail delivered to a mailbox (mailbox.log ``lmtp`` "Delivering message"
  lines) whose sender address or sender domain is an indicator, with the recipient's
  workstation: the internal address the account most often logs in from (``oip`` of its
  webmail / IMAP / ActiveSync lines in mailbox.log). Recipients are in scope even when no
  visit to the phishing site is seen.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable
from urllib.parse import parse_qsl, unquote, unquote_plus

import polars as pl

from .correlate import beacons as _beacons
from .ioc import IocSet, first_last_seen

MBOXIMPORT = "/service/extension/backup/mboximport"
LATERAL_PORTS = (22, 23, 135, 139, 445, 3389, 5985, 5986)
COMMAND_PARAMS = ("cmd", "c", "exec", "command", "code", "run", "shell", "pass", "arg")
PROVENANCE = ["file", "line", "offset"]
#: the typed tables :func:`run` reads besides the events (nginx upstreams, mailbox accounts)
TABLES = ("zimbra_nginx", "zimbra_mailbox")
INTERNAL_NETS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10", "127.0.0.0/8", "::1/128")


def _events(table: Any) -> pl.DataFrame:
    if hasattr(table, "events") and not isinstance(table, pl.DataFrame):
        table = table.events
    return table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Categorical columns (``file``, ``source``) as strings, on a hunt's (small) result rather
    than on every event: results are concatenated and joined across sources."""
    cats = [c for c, t in df.schema.items() if isinstance(t, (pl.Categorical, pl.Enum))]
    return df.with_columns(pl.col(cats).cast(pl.String)) if cats else df


@lru_cache(maxsize=1)
def zimbra_jsp_baseline() -> frozenset[str]:
    """URL paths of the JSPs a stock Zimbra 8.8.15 / 9.0.0 serves (``webapps/zimbra`` is
    mounted at ``/`` and, on some installs, ``/zimbra``)."""
    text = resources.files("veilleur").joinpath("data/zimbra_jsp_baseline.txt").read_text(encoding="utf-8")
    out: set[str] = set()
    for line in text.splitlines():
        p = line.strip()
        if not p or p.startswith("#"):
            continue
        if p.startswith("zimbra/"):
            out.add("/" + p[len("zimbra/"):])
        out.add("/" + p)
    return frozenset(out)


_SCHEME_HOST = r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*"


def _path_expr() -> pl.Expr:
    """The URL's path: scheme and host removed, query and fragment cut, slashes collapsed."""
    u = pl.col("url").str.replace(_SCHEME_HOST, "")
    return u.str.split_exact("?", 1).struct.field("field_0").str.split_exact("#", 1).struct.field("field_0").str.replace_all("/{2,}", "/")


def _with_path(df: pl.DataFrame) -> pl.DataFrame:
    """Adds ``path`` (decoded where it holds ``%``) and ``query`` columns."""
    df = df.with_columns(
        _path_expr().alias("path"),
        pl.col("url").str.replace(_SCHEME_HOST, "").str.split_exact("?", 1).struct.field("field_1").alias("query"),
    )
    enc = df["path"].str.contains("%", literal=True).fill_null(False)
    if enc.any():
        decoded = [re.sub("/{2,}", "/", unquote(p)) if e else p for p, e in zip(df["path"].to_list(), enc.to_list())]
        df = df.with_columns(pl.Series("path", decoded, dtype=pl.String))
    return df


def _variant(query: str | None) -> str:
    q = dict((k.lower(), v.lower()) for k, v in parse_qsl(query or "", keep_blank_values=True))
    if q.get("ow") == "cmd":
        return "ow=cmd (public PoC)"
    if "append" in q:
        return "append (nuclei / Sigma form)"
    if q.get("ow") == "1" and "no-switch" in q:
        return "ow=1&no-switch (in the wild, Volexity)"
    return "other" if q else "no query"


#: the events columns the web hunts (mboximport, webshells) read
_HTTP_COLS = [*PROVENANCE, "ts", "source", "src_ip", "http_method", "url", "http_status", "user_agent"]
_MBOXIMPORT_TAIL = "(?i)" + "".join(f"(?:{c}|%{ord(c):02x})" for c in "mboximport") + "$"


def mboximport(events: Any) -> pl.DataFrame:
    """Requests to the mboximport servlet (CVE-2022-27925 / CVE-2022-37042), every source and
    method, with ``variant`` (the query's form) and ``outcome`` (see the module docs: a 401
    to a POST is ``uploaded``). Sorted by time."""
    ev = _events(events)
    # cheap vectorised pre-filter: the raw path (before any query) ends with `mboximport`, each
    # letter written as itself or percent-encoded (what decoding would turn into mboximport)
    df = ev.lazy().filter(pl.col("url").str.split_exact("?", 1).struct.field("field_0").str.contains(_MBOXIMPORT_TAIL))
    df = df.select(_HTTP_COLS).collect()
    df = _with_path(_plain(df)).filter(pl.col("path").str.to_lowercase().str.ends_with(MBOXIMPORT))
    method = pl.col("http_method").str.to_uppercase()
    status = pl.col("http_status")
    outcome = (
        pl.when(status.is_null()).then(pl.lit("trace"))
        .when(method != "POST").then(pl.lit("probe"))
        .when(status == 401).then(pl.lit("uploaded_401"))
        .when((status >= 200) & (status < 300)).then(pl.lit("uploaded"))
        .when(status >= 500).then(pl.lit("server_error"))
        .when(status == 403).then(pl.lit("refused"))
        .when(status == 404).then(pl.lit("absent"))
        .otherwise(pl.lit("other"))
    )
    df = df.with_columns(
        outcome.alias("outcome"),
        pl.col("query").fill_null("").map_elements(_variant, return_dtype=pl.String).alias("variant"),
    )
    df = df.select(*_HTTP_COLS, "variant", "outcome").sort("ts", "source")
    return df


UPLOADED = ["uploaded", "uploaded_401", "server_error"]


def _confirm(tries: pl.DataFrame, shells: pl.DataFrame, within: timedelta = timedelta(days=1)) -> pl.DataFrame:
    """Adds ``next_webshell`` / ``next_webshell_ts`` to the attempts: the first non-stock JSP
    first requested after the attempt, within ``within``."""
    firsts = shells.group_by("path").agg(pl.col("first_seen").min()).sort("first_seen")
    if firsts.height == 0 or tries.height == 0:
        return tries.with_columns(pl.lit(None, dtype=pl.String).alias("next_webshell"),
                                  pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("next_webshell_ts"))
    firsts = firsts.rename({"path": "next_webshell", "first_seen": "next_webshell_ts"})
    out = tries.with_row_index("_i").sort("ts").join_asof(
        firsts, left_on="ts", right_on="next_webshell_ts", strategy="forward", tolerance=within
    )
    up = pl.col("outcome").is_in(UPLOADED)
    return out.sort("_i").drop("_i").with_columns(
        pl.when(up).then(pl.col("next_webshell")).alias("next_webshell"),
        pl.when(up).then(pl.col("next_webshell_ts")).alias("next_webshell_ts"),
    )


def _command(query: str | None) -> str | None:
    if not query:
        return None
    pairs = parse_qsl(query, keep_blank_values=True)
    for name in COMMAND_PARAMS:
        for k, v in pairs:
            if k.lower() == name and v:
                return v
    return unquote_plus(query)


def webshells(events: Any, *, after: datetime | None = None, baseline: Iterable[str] | None = None) -> pl.DataFrame:
    """Requests for JSPs outside the stock baseline, first seen at or after ``after`` (default:
    the first mboximport upload, if any), with the decoded ``command`` and ``first_seen`` per
    path. Requests answered 400/404 do not count (a probe for a file that is not there)."""
    df = _events(events)
    if after is None:
        tries = mboximport(df)
        up = tries.filter(pl.col("outcome").is_in(UPLOADED))
        after = up["ts"].min() if up.height else None
    base = frozenset(baseline) if baseline is not None else zimbra_jsp_baseline()
    df = df.lazy().filter(pl.col("url").str.to_lowercase().str.contains(".jsp", literal=True))
    df = df.select(_HTTP_COLS).collect()
    df = _with_path(_plain(df)).filter(
        pl.col("path").str.to_lowercase().str.ends_with(".jsp")
        & ~pl.col("path").is_in(list(base))
        & (pl.col("http_status").is_null() | ~pl.col("http_status").is_in([400, 404]))
        & pl.col("http_status").is_not_null()
    )
    df = df.with_columns(pl.col("ts").min().over("path").alias("first_seen"))
    if after is not None:
        df = df.filter(pl.col("first_seen") >= after)
    df = df.with_columns(pl.col("query").map_elements(_command, return_dtype=pl.String).alias("command"))
    return df.select(*PROVENANCE, "ts", "source", "src_ip", "http_method", "path", "query", "command", "http_status", "user_agent", "first_seen").sort("ts", "source")


def _is_internal(ip: str | None, nets: tuple[ipaddress._BaseNetwork, ...]) -> bool | None:
    if ip is None:
        return None
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return None
    return any(a in n for n in nets)


def _internal_flags(values: pl.Series, internal: Iterable[str]) -> pl.Series:
    nets = tuple(ipaddress.ip_network(n) for n in internal)
    uniq = values.unique().to_list()
    table = {v: _is_internal(v, nets) for v in uniq}
    return values.replace_strict(table, default=None, return_dtype=pl.Boolean)


_NET_COLS = [*PROVENANCE, "ts", "source", "host", "src_ip", "dst_ip", "dst_port", "proto", "action", "url", "domain",
             "bytes_in", "bytes_out", "message"]


def _network_rows(events: Any, where: pl.Expr | None = None) -> pl.DataFrame:
    """Rows with both addresses (and matching ``where``), only the columns the network hunts
    use: filtering the whole events frame would copy every column of every row first."""
    cond = pl.col("src_ip").is_not_null() & pl.col("dst_ip").is_not_null()
    return _plain(_events(events).lazy().filter(cond if where is None else cond & where).select(_NET_COLS).collect())


def lateral(events: Any, host: str, after: datetime, within: timedelta = timedelta(days=7), *,
            ports: Iterable[int] = LATERAL_PORTS, internal: Iterable[str] = INTERNAL_NETS) -> pl.DataFrame:
    """Rows from ``host`` to internal addresses on administration ports between ``after`` and
    ``after + within``, with the verdict (``action``) as logged by each device."""
    df = _network_rows(events,
        (pl.col("src_ip") == host) & pl.col("ts").is_between(after, after + within) & pl.col("dst_port").is_in(list(ports))
        & (pl.col("dst_ip") != host)
    )
    df = df.filter(_internal_flags(df["dst_ip"], internal).fill_null(False))
    return df.select(*PROVENANCE, "ts", "source", "host", "src_ip", "dst_ip", "dst_port", "proto", "action", "message").sort("ts", "source")


def egress(events: Any, host: str, after: datetime, within: timedelta = timedelta(days=7), *,
           internal: Iterable[str] = INTERNAL_NETS) -> pl.DataFrame:
    """Rows from ``host`` to external addresses between ``after`` and ``after + within`` whose
    destination the host had not contacted before ``after`` (first contacts), with
    ``first_contact`` per destination."""
    df = _network_rows(events, pl.col("src_ip") == host)
    ext = ~_internal_flags(df["dst_ip"], internal).fill_null(True)
    df = df.filter(ext)
    before = set(df.filter(pl.col("ts") < after)["dst_ip"].unique().to_list())
    df = df.filter(pl.col("ts").is_between(after, after + within) & ~pl.col("dst_ip").is_in(list(before)))
    df = df.with_columns(pl.col("ts").min().over("dst_ip").alias("first_contact"))
    return df.select(*PROVENANCE, "ts", "source", "host", "src_ip", "dst_ip", "dst_port", "proto", "action", "url", "domain",
                     "bytes_in", "bytes_out", "first_contact").sort("ts", "source")


def admin_logins(events: Any, *, internal: Iterable[str] = INTERNAL_NETS) -> pl.DataFrame:
    """Admin console logins (``cmd=AdminAuth``, success and failure) from external
    addresses, with the account and the outcome (``action``: ``login_ok`` / ``login_fail``)."""
    df = _events(events).lazy().filter(pl.col("message").str.contains("cmd=AdminAuth;", literal=True) & pl.col("src_ip").is_not_null()).select(
        *PROVENANCE, "ts", "source", "src_ip", "user", "action", "message").collect()
    df = _plain(df)
    df = df.filter(~_internal_flags(df["src_ip"], internal).fill_null(True))
    return df.select(*PROVENANCE, "ts", "source", "src_ip", "user", "action", "message").sort("ts", "source")


def beaconing(events: Any, *, sources: Iterable[str] | None = None, indicators: Iterable[str] = (),
              min_events: int = 10, max_jitter: float = 0.1, ignore_ports: Iterable[int] = (53, 123)) -> pl.DataFrame:
    """Steady periodic connections (see :func:`veilleur.beacons`) per (src_ip, dst_ip,
    dst_port), kept when ``src_ip`` is in ``sources`` or ``dst_ip`` in ``indicators`` (both
    ``None``/empty: all), and the port is not ignored (DNS and NTP by default)."""
    where = ~pl.col("dst_port").is_in(list(ignore_ports)) | pl.col("dst_port").is_null()
    srcs = set(sources) if sources is not None else None
    inds = set(indicators)
    if srcs is not None or inds:
        cond = pl.lit(False)
        if srcs is not None:
            cond = cond | pl.col("src_ip").is_in(list(srcs))
        if inds:
            cond = cond | pl.col("dst_ip").is_in(list(inds))
        where = where & cond
    df = _network_rows(events, where)
    if df.height == 0:
        return pl.DataFrame(schema={"src_ip": pl.String, "dst_ip": pl.String, "dst_port": pl.UInt16, "count": pl.UInt64,
                                    "first": pl.Datetime("us", "UTC"), "last": pl.Datetime("us", "UTC"),
                                    "period": pl.Duration("us"), "jitter": pl.Float64, "missed": pl.UInt64})
    # one beat per connection: the same session may be logged by several devices
    df = df.unique(subset=["ts", "src_ip", "dst_ip", "dst_port"], keep="first", maintain_order=True).sort("ts")
    return _beacons(df.select("ts", "src_ip", "dst_ip", "dst_port"), by=("src_ip", "dst_ip", "dst_port"),
                    min_events=min_events, max_jitter=max_jitter)


def ioc_sweep(events: Any, iocs: IocSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every indicator hit in the events (``IocSet.match``) and, per indicator, first and last
    seen with hit and host counts."""
    df = _events(events)
    hits = iocs.match(df, keep=["src_ip", "dst_ip", "dst_port", "user", "url", "domain", "action"])
    return hits, first_last_seen(hits)


_PHISHING_SCHEMA = {
    "ts": pl.Datetime("us", "UTC"), "recipient": pl.String, "sender": pl.String, "ioc": pl.String, "ioc_kind": pl.String,
    "workstation": pl.String, "logins": pl.UInt32, "file": pl.String, "line": pl.UInt64, "offset": pl.UInt64,
}


def _table(bundle: Any, name: str) -> pl.DataFrame | None:
    """One format's typed table of a bundle; ``None`` when absent (or given events only)."""
    if isinstance(bundle, pl.DataFrame):  # events only: no format tables
        return None
    try:
        t = bundle[name]
    except (KeyError, TypeError, ValueError):
        return None
    return t if isinstance(t, pl.DataFrame) else pl.DataFrame(t)


def phishing(bundle: Any, iocs: IocSet | None, *, internal: Iterable[str] = INTERNAL_NETS) -> pl.DataFrame:
    """Mail delivered from an indicator sender (address or domain) to a mailbox, one row per
    delivery, with the recipient's ``workstation`` (the internal ``oip`` its mailbox.log lines
    show most often, ``logins`` how many lines show it; null when none does) and the
    delivery line's provenance."""
    mb = _table(bundle, "zimbra_mailbox")
    empty = pl.DataFrame(schema=_PHISHING_SCHEMA)
    if mb is None or iocs is None or not len(iocs) or "message" not in mb.columns or "name" not in mb.columns:
        return empty
    deliveries = mb.filter(pl.col("message").str.starts_with("Delivering message")).select(
        "ts", pl.col("name").alias("recipient"),
        pl.col("message").str.extract(r"sender=([^\s,;]+)", 1).str.to_lowercase().alias("sender"), *PROVENANCE,
    ).filter(pl.col("sender").is_not_null())
    if deliveries.height == 0:
        return empty
    senders = deliveries.select("sender").unique().with_columns(pl.col("sender").str.extract(r"@(.+)$", 1).alias("sender_domain"))
    hits = iocs.match(senders, {"sender": "email", "sender_domain": "domain"}, keep=["sender"])
    if hits.height == 0:
        return empty
    first = hits.unique(subset=["sender"], keep="first", maintain_order=True).select("sender", "ioc", "ioc_kind")
    got = deliveries.join(first, on="sender", how="inner")
    logins = mb.filter(pl.col("name").is_in(got["recipient"].unique().implode()) & pl.col("oip").is_not_null())
    logins = logins.filter(_internal_flags(logins["oip"], internal).fill_null(False)) if logins.height else logins
    ws = logins.group_by("name", "oip").len().sort(["name", "len", "oip"], descending=[False, True, False]).unique(
        subset=["name"], keep="first", maintain_order=True).select(pl.col("name").alias("recipient"), pl.col("oip").alias("workstation"),
                                                                 pl.col("len").cast(pl.UInt32).alias("logins"))
    out = got.join(ws, on="recipient", how="left")
    return _plain(out).select(*(pl.col(c).cast(t) for c, t in _PHISHING_SCHEMA.items())).sort("ts", "recipient")


def infer_mail_server(bundle: Any) -> str | None:
    """The Zimbra mailbox server's address, from the nginx proxy's upstream column
    (``10.10.1.5:8080``): the most frequent upstream host."""
    t = _table(bundle, "zimbra_nginx")
    if t is None or "upstream" not in t.columns:
        return None
    ups = t.select(pl.col("upstream").str.extract(r"^\[?([0-9A-Fa-f:.]+?)\]?:\d+$", 1).alias("h")).drop_nulls()
    if ups.height == 0:
        return None
    return ups.group_by("h").len().sort("len", descending=True)["h"][0]


@dataclass
class HuntResult:
    """What :func:`run` finds; every frame keeps the provenance of its evidence rows."""

    mail_server: str | None
    exploitation: pl.DataFrame
    webshells: pl.DataFrame
    admin_logins: pl.DataFrame
    lateral: pl.DataFrame
    egress: pl.DataFrame
    beacons: pl.DataFrame
    ioc_hits: pl.DataFrame
    ioc_seen: pl.DataFrame
    phishing: pl.DataFrame
    scope: pl.DataFrame
    timeline: pl.DataFrame
    summary: pl.DataFrame = field(default_factory=pl.DataFrame)
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: how many indicators the IOC sweep and the phishing hunt used (0: no IOC list given)
    indicators: int = 0

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every result frame by name (for export)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), pl.DataFrame)}


_TIMELINE_SCHEMA = {
    "ts": pl.Datetime("us", "UTC"), "stage": pl.String, "what": pl.String, "source": pl.String,
    "src_ip": pl.String, "dst_ip": pl.String, "file": pl.String, "line": pl.UInt64, "offset": pl.UInt64,
}


def _timeline_part(df: pl.DataFrame, stage: str, what: pl.Expr) -> pl.DataFrame:
    if df.height == 0:
        return pl.DataFrame(schema=_TIMELINE_SCHEMA)
    cols = {c: (pl.col(c) if c in df.columns else pl.lit(None, dtype=t)) for c, t in _TIMELINE_SCHEMA.items() if c not in ("stage", "what")}
    return df.select(
        cols["ts"], pl.lit(stage).alias("stage"), what.alias("what"),
        *(cols[c].cast(_TIMELINE_SCHEMA[c]).alias(c) for c in ("source", "src_ip", "dst_ip", "file", "line", "offset")),
    )


def _scope_rows(rows: list[dict]) -> pl.DataFrame:
    schema = {"host": pl.String, "role": pl.String, "why": pl.String, "first_seen": pl.Datetime("us", "UTC"),
              "last_seen": pl.Datetime("us", "UTC"), "evidence": pl.UInt64}
    if not rows:
        return pl.DataFrame(schema=schema)
    df = pl.DataFrame(rows, schema=schema)
    return df.group_by("host", "role", maintain_order=True).agg(
        pl.col("why").unique(maintain_order=True).str.join("; "),
        pl.col("first_seen").min(), pl.col("last_seen").max(), pl.col("evidence").sum(),
    ).sort("first_seen", "host", nulls_last=True)


def _scope_of(df: pl.DataFrame, key: str, role: str, why: str) -> list[dict]:
    if df.height == 0 or key not in df.columns:
        return []
    g = df.filter(pl.col(key).is_not_null()).group_by(key).agg(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b"), pl.len().alias("n"))
    return [{"host": r[key], "role": role, "why": why, "first_seen": r["a"], "last_seen": r["b"], "evidence": r["n"]} for r in g.iter_rows(named=True)]


def run(bundle: Any, iocs: IocSet | None = None, *, mail_server: str | None = None,
        within: timedelta = timedelta(days=7)) -> HuntResult:
    """Every hunt over a bundle (from :func:`veilleur.read`): exploitation, webshells and
    their commands, lateral movement and first-contact egress from the mail server after the
    first upload, beaconing, the IOC sweep, the scope (hosts involved, with why) and a
    timeline of the evidence. ``mail_server`` defaults to the nginx proxy's upstream."""
    ev = _events(bundle)
    server = mail_server or infer_mail_server(bundle)
    tries = mboximport(ev)
    uploads = tries.filter(pl.col("outcome").is_in(UPLOADED))
    # webshells first seen after the first upload (passed in: webshells() would read the attempts again)
    shells = webshells(ev, after=uploads["ts"].min() if uploads.height else None)
    tries = _confirm(tries, shells)
    uploads = tries.filter(pl.col("outcome").is_in(UPLOADED))
    start = uploads["ts"].min() if uploads.height else (shells["ts"].min() if shells.height else None)
    if server and start is not None:
        lat, egr = lateral(ev, server, start, within), egress(ev, server, start, within)
    else:
        lat = lateral(ev, "", datetime(1970, 1, 1, tzinfo=timezone.utc), within).clear()
        egr = egress(ev, "", datetime(1970, 1, 1, tzinfo=timezone.utc), within).clear()
    # without indicators the sweep runs on no rows: empty frames that keep their columns
    hits, seen = ioc_sweep(ev if iocs is not None and len(iocs) else ev.clear(), iocs if iocs is not None else IocSet())
    ioc_ips = set(hits.filter(pl.col("ioc_kind").is_in(["ip", "cidr"]))["matched"].to_list())
    admins = admin_logins(ev)
    beac = beaconing(ev, sources=[server] if server else [], indicators=ioc_ips)
    # a beacon is to a destination first contacted after the compromise, or to an indicator
    fresh = set(egr["dst_ip"].unique().to_list()) | ioc_ips
    beac = beac.filter(pl.col("dst_ip").is_in(list(fresh)))

    scope: list[dict] = []
    if server:
        scope.append({"host": server, "role": "compromised", "why": "Zimbra mailbox server (nginx upstream)" if not mail_server else "Zimbra mailbox server",
                      "first_seen": start, "last_seen": None, "evidence": tries.height + shells.height})
    scope += _scope_of(uploads, "src_ip", "attacker", "uploaded to mboximport")
    scope += _scope_of(shells, "src_ip", "attacker", "used the webshell")
    scope += _scope_of(admins.filter(pl.col("action") == "login_ok"), "src_ip", "attacker", "logged into the admin console from outside")
    scope += _scope_of(lat.filter(pl.col("action").is_null() | (pl.col("action") == "allow")), "dst_ip", "lateral_target", "reached from the mail server on an administration port")
    scope += _scope_of(lat.filter(pl.col("action").is_in(["deny", "drop", "reset"])), "dst_ip", "lateral_attempt", "denied from the mail server on an administration port")
    if beac.height:
        scope += [{"host": r["dst_ip"], "role": "c2", "why": f"beaconing from {r['src_ip']} every {r['period']}", "first_seen": r["first"],
                   "last_seen": r["last"], "evidence": r["count"]} for r in beac.iter_rows(named=True)]
    if hits.height:
        dom = hits.filter(pl.col("ioc_kind").is_in(["domain", "url"]) & pl.col("src_ip").is_not_null())
        internal_src = dom.filter(_internal_flags(dom["src_ip"], INTERNAL_NETS).fill_null(False))
        scope += _scope_of(internal_src.filter(pl.col("src_ip") != (server or "")), "src_ip", "visited_ioc", "reached an indicator domain or URL")
    phish = phishing(bundle, iocs)
    scope += _scope_of(phish.rename({"workstation": "ws"}), "ws", "phish_recipient", "received mail from an indicator sender (workstation: the account's usual login address)")
    scope_df = _scope_rows(scope)

    parts = [
        _timeline_part(tries.filter(pl.col("outcome") != "trace"), "exploitation",
                       pl.format("{} mboximport → {} ({})", pl.col("http_method"), pl.col("http_status"), pl.col("outcome"))),
        _timeline_part(shells, "webshell", pl.format("{} {} {}", pl.col("http_method"), pl.col("path"), pl.col("command").fill_null(""))),
        _timeline_part(admins, "admin_login", pl.format("AdminAuth {} {}", pl.col("user"), pl.col("action"))),
        _timeline_part(lat, "lateral", pl.format("→ {}:{} {}", pl.col("dst_ip"), pl.col("dst_port"), pl.col("action").fill_null("?"))),
        _timeline_part(egr, "egress", pl.format("first contact → {}:{}", pl.col("dst_ip"), pl.col("dst_port"))),
    ]
    parts.append(_timeline_part(phish, "phishing", pl.format("mail from {} to {} ({})", pl.col("sender"), pl.col("recipient"),
                                                             pl.col("workstation").fill_null("workstation unknown"))))
    if hits.height:
        parts.append(_timeline_part(hits, "ioc", pl.format("{} {} in {}", pl.col("ioc_kind"), pl.col("ioc"), pl.col("column"))))
    timeline = pl.concat(parts, how="vertical").sort("ts", "stage", "file", "line", nulls_last=True)
    summary = bundle.summary if hasattr(bundle, "summary") else pl.DataFrame()
    rejects = bundle.rejects if hasattr(bundle, "rejects") else pl.DataFrame()
    return HuntResult(mail_server=server, exploitation=tries, webshells=shells, admin_logins=admins, lateral=lat, egress=egr,
                      beacons=beac, ioc_hits=hits, ioc_seen=seen, phishing=phish, scope=scope_df, timeline=timeline,
                      summary=summary, rejects=rejects, indicators=len(iocs) if iocs is not None else 0)
