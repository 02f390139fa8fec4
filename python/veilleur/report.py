"""The hunt report: key findings drawn from a :class:`veilleur.hunts.HuntResult`, rendered
as one self-contained HTML file (inline CSS, no script, no external fetch; readable offline
and printable) or as a short text summary for the terminal.

Everything in the report that comes from the logs was written by someone else, possibly the
attacker: every value goes through :func:`html.escape` (attribute values quoted), control
characters are shown as ``\\xNN``, and a Content-Security-Policy forbids any script or fetch
should something slip through.

>>> from veilleur import hunts, report
>>> res = hunts.run(vl.read("collect/", tz="Europe/Paris"))
>>> html_text = report.render_html(res, title="mail.example.org", inputs=["collect/"], iocs_path=None)
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from . import __version__
from . import hunts
from .hunts import HuntResult

__all__ = ["Findings", "findings", "printable", "render_html", "text_summary"]

#: Rows shown per table in the HTML report; the rest is in the frame's CSV.
MAX_ROWS = 500
#: Characters shown per cell; the whole value is in the CSV and Parquet files.
MAX_CELL = 400
#: mboximport outcomes that mean the archive was (or may have been) imported.
ALLOWED = ("allow", "accept", "pass", "permit", "allowed", "accepted")
DENIED = ("deny", "drop", "reset", "reject", "block", "denied", "dropped", "blocked", "rejected")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: Any) -> str:
    """Text safe to print on a terminal or show in a page: C0/C1 control characters (escape
    sequences included) written as ``\\xNN``; ``None`` as an empty string."""
    if value is None:
        return ""
    text = _fmt(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _fmt(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{value.microsecond // 1000:03d}" if value.microsecond else "")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# ----------------------------------------------------------------------------------- findings

@dataclass
class Findings:
    """What an analyst asks first, from the hunt frames; each table is small and sorted by
    time. Requests logged both by the proxy and by mailboxd count once (same second, client,
    method and status)."""

    files: int
    rows: int
    rejected: int
    formats: list[str]
    attackers: pl.DataFrame       # host, why, first_seen, last_seen, evidence
    attempts: pl.DataFrame        # outcome, requests, log_lines, first, last
    first_exploit: dict[str, Any] | None
    webshells: pl.DataFrame       # path, first_seen, last_seen, src_ips, requests
    commands: pl.DataFrame        # ts, src_ip, path, command
    c2: pl.DataFrame              # host, why, first_seen, last_seen, evidence
    egress: pl.DataFrame          # dst_ip, dst_port, domain, first_contact, rows
    lateral: pl.DataFrame         # dst_ip, dst_port, verdict, first, last, rows
    ioc_hits: int
    ioc_seen: pl.DataFrame        # ioc, ioc_kind, first_seen, last_seen, hits, ...
    scope: pl.DataFrame


def _has(df: pl.DataFrame, *cols: str) -> bool:
    return df.height > 0 and all(c in df.columns for c in cols)


def _requests(df: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """One row per request: rows with the same second and ``keys`` are one request seen by
    several logs."""
    return df.with_columns(pl.col("ts").dt.truncate("1s").alias("_sec")).unique(
        subset=["_sec", *keys], keep="first", maintain_order=True
    )


def _attempts(tries: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, Any] | None]:
    schema = {"outcome": pl.String, "requests": pl.UInt32, "log_lines": pl.UInt32,
              "first": pl.Datetime("us", "UTC"), "last": pl.Datetime("us", "UTC")}
    if not _has(tries, "ts", "outcome"):
        return pl.DataFrame(schema=schema), None
    keys = ["src_ip", "http_method", "http_status", "outcome"]
    lines = tries.group_by("outcome").agg(pl.len().alias("log_lines"))
    reqs = _requests(tries, keys).group_by("outcome").agg(
        pl.len().alias("requests"), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
    table = reqs.join(lines, on="outcome").select(list(schema)).cast(schema).sort("first", nulls_last=True)
    up = tries.filter(pl.col("outcome").is_in(hunts.UPLOADED)).sort("ts")
    if up.height == 0:
        up = tries.filter(pl.col("http_method").str.to_uppercase() == "POST").sort("ts")
    first = up.row(0, named=True) if up.height else None
    return table, first


def _webshells(shells: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    if not _has(shells, "path", "ts", "src_ip"):
        return (pl.DataFrame(schema={"path": pl.String, "first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC"),
                                     "src_ips": pl.List(pl.String), "requests": pl.UInt32}),
                pl.DataFrame(schema={"ts": pl.Datetime("us", "UTC"), "src_ip": pl.String, "path": pl.String, "command": pl.String}))
    reqs = _requests(shells.sort("ts"), ["src_ip", "path", "query"])
    paths = reqs.group_by("path").agg(
        pl.col("ts").min().alias("first_seen"), pl.col("ts").max().alias("last_seen"),
        pl.col("src_ip").drop_nulls().unique(maintain_order=True).alias("src_ips"), pl.len().cast(pl.UInt32).alias("requests"),
    ).sort("first_seen")
    commands = reqs.filter(pl.col("command").is_not_null()).select("ts", "src_ip", "path", "command")
    return paths, commands


def _egress(egr: pl.DataFrame) -> pl.DataFrame:
    schema = {"dst_ip": pl.String, "dst_port": pl.UInt16, "domain": pl.String, "first_contact": pl.Datetime("us", "UTC"), "rows": pl.UInt32}
    if not _has(egr, "dst_ip", "ts"):
        return pl.DataFrame(schema=schema)
    return egr.group_by("dst_ip", "dst_port").agg(
        pl.col("domain").drop_nulls().first(), pl.col("ts").min().alias("first_contact"), pl.len().cast(pl.UInt32).alias("rows"),
    ).select(list(schema)).cast(schema).sort("first_contact")


def _lateral(lat: pl.DataFrame) -> pl.DataFrame:
    schema = {"dst_ip": pl.String, "dst_port": pl.UInt16, "verdict": pl.String, "first": pl.Datetime("us", "UTC"),
              "last": pl.Datetime("us", "UTC"), "rows": pl.UInt32}
    if not _has(lat, "dst_ip", "ts"):
        return pl.DataFrame(schema=schema)
    action = pl.col("action").str.to_lowercase()
    verdict = (pl.when(action.is_in(ALLOWED)).then(pl.lit("allowed"))
               .when(action.is_in(DENIED)).then(pl.lit("denied"))
               .when(action.is_null()).then(pl.lit("seen (no verdict logged)"))
               .otherwise(pl.lit("other: ") + action))
    return lat.with_columns(verdict.alias("verdict")).group_by("dst_ip", "dst_port", "verdict").agg(
        pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"), pl.len().cast(pl.UInt32).alias("rows"),
    ).select(list(schema)).cast(schema).sort("first")


def _role(scope: pl.DataFrame, *roles: str) -> pl.DataFrame:
    if not _has(scope, "role"):
        return scope
    return scope.filter(pl.col("role").is_in(roles))


def findings(result: HuntResult) -> Findings:
    """The key findings of a hunt (see :class:`Findings`)."""
    s = result.summary
    attempts, first = _attempts(result.exploitation)
    shells, commands = _webshells(result.webshells)
    return Findings(
        files=s.height,
        rows=int(s["rows"].sum()) if "rows" in s.columns else 0,
        rejected=int(s["rejected"].sum()) if "rejected" in s.columns else result.rejects.height,
        formats=sorted(set(s["format"].drop_nulls().to_list())) if "format" in s.columns else [],
        attackers=_role(result.scope, "attacker"),
        attempts=attempts,
        first_exploit=first,
        webshells=shells,
        commands=commands,
        c2=_role(result.scope, "c2"),
        egress=_egress(result.egress),
        lateral=_lateral(result.lateral),
        ioc_hits=result.ioc_hits.height,
        ioc_seen=result.ioc_seen,
        scope=result.scope,
    )


# ------------------------------------------------------------------------------ text summary

def _lines_of(df: pl.DataFrame, cols: Sequence[str], limit: int, indent: str = "  ") -> list[str]:
    out = [indent + "  ".join(printable(r.get(c)) for c in cols if r.get(c) is not None) for r in df.head(limit).iter_rows(named=True)]
    if df.height > limit:
        out.append(f"{indent}… {df.height - limit} more")
    return out


def text_summary(result: HuntResult, f: Findings | None = None, *, limit: int = 10) -> list[str]:
    """A short human summary of a hunt, as lines for the terminal (control characters from
    the logs escaped)."""
    f = f or findings(result)
    out = [f"read {f.files} files ({', '.join(f.formats) or 'no known format'}): {f.rows:,} rows, {f.rejected:,} rejected lines"]
    if result.mail_server:
        out.append(f"mail server: {printable(result.mail_server)}")
    if f.attempts.height:
        parts = [f"{r['outcome']} {r['requests']}" + (f" ({r['log_lines']} log lines)" if r["log_lines"] != r["requests"] else "")
                 for r in f.attempts.iter_rows(named=True)]
        out.append("mboximport attempts by outcome (requests): " + ", ".join(parts))
    else:
        out.append("mboximport attempts: none")
    if f.first_exploit:
        e = f.first_exploit
        line = (f"  first upload: {printable(e['ts'])} UTC from {printable(e['src_ip'])}: "
                f"{printable(e['http_method'])} → {printable(e['http_status'])} ({printable(e['outcome'])})")
        if e.get("next_webshell"):
            line += f", then webshell {printable(e['next_webshell'])} at {printable(e['next_webshell_ts'])} UTC"
        out.append(line)
    out.append(f"webshells: {f.webshells.height} path(s), {f.commands.height} command(s)")
    out += _lines_of(f.webshells, ["path", "first_seen", "src_ips"], limit)
    out += [f"    $ {printable(r['command'])}" for r in f.commands.head(limit).iter_rows(named=True)]
    if f.commands.height > limit:
        out.append(f"    … {f.commands.height - limit} more commands")
    if f.lateral.height:
        out.append(f"lateral movement from the mail server: {f.lateral.height} target(s)")
        out += _lines_of(f.lateral, ["dst_ip", "dst_port", "verdict", "first"], limit)
    if f.egress.height or f.c2.height:
        out.append(f"egress: {f.egress.height} first contact(s); C2 (beaconing): {f.c2.height}")
        out += _lines_of(f.c2, ["host", "why"], limit)
        out += _lines_of(f.egress, ["dst_ip", "dst_port", "domain", "first_contact"], limit)
    out.append(f"scope: {f.scope.height} host(s)")
    out += _lines_of(f.scope, ["host", "role", "why"], limit * 2)
    if result.phishing.height:
        ws = result.phishing["workstation"].drop_nulls().n_unique()
        out.append(f"phishing: {result.phishing.height} mail(s) from indicator senders, {ws} recipient workstation(s) known")
        out += _lines_of(result.phishing, ["ts", "sender", "recipient", "workstation"], limit)
    if result.ioc_seen.height or result.ioc_hits.height:
        out.append(f"IOC hits: {f.ioc_hits:,} on {f.ioc_seen.height} indicator(s)")
        out += _lines_of(f.ioc_seen, ["ioc", "ioc_kind", "first_seen", "last_seen", "hits"], limit)
    return out


# ------------------------------------------------------------------------------------- HTML

_CSS = """
:root { --ink:#1d232b; --muted:#5b6672; --line:#d5dae0; --head:#eef1f4; --accent:#8a1c1c; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .6rem 0; }
header dt { color: var(--muted); }
header dd { margin: 0; }
nav { margin: .8rem 0; font-size: .9rem; }
nav a { margin-right: 1rem; color: var(--ink); }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .2rem; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td { overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t, td.nw { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.ip { white-space: nowrap; }
code, td.mono, td.ip { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.key { border-left: 4px solid var(--accent); padding: .1rem 0 .1rem .9rem; margin: .6rem 0; }
.muted, .more { color: var(--muted); }
.more { font-size: .85rem; margin: 0 0 .8rem; }
.none { color: var(--muted); font-style: italic; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  nav { display: none; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _e(value: Any, limit: int = MAX_CELL) -> str:
    """A value from anywhere, escaped for HTML text or a quoted attribute."""
    text = printable(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return html.escape(text, quote=True)


@dataclass(frozen=True)
class Col:
    """A table column: frame column, header, and how to show it (``t`` time, ``num``,
    ``mono``, ``ip`` (monospace, not wrapped), ``nw`` (not wrapped), ``hash`` shortened with the
    whole value in ``title``)."""

    name: str
    header: str
    kind: str = ""


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "<td></td>"
    if kind == "hash":
        return f'<td class="mono" title="{_e(value)}">{_e(str(value)[:12])}…</td>'
    cls = f' class="{kind}"' if kind else ""
    return f"<td{cls}>{_e(value)}</td>"


def _table(df: pl.DataFrame, cols: Sequence[Col], *, more_in: str | None = None, cap: int = MAX_ROWS,
           empty: str = "none") -> str:
    """A capped table of ``df``; beyond ``cap`` rows, a note names the CSV holding them all."""
    if df.height == 0:
        return f'<p class="none">{_e(empty)}</p>'
    cols = [c for c in cols if c.name in df.columns]
    head = "".join(f"<th>{_e(c.header)}</th>" for c in cols)
    body = "\n".join(
        "<tr>" + "".join(_cell(r[c.name], c.kind) for c in cols) + "</tr>"
        for r in df.head(cap).iter_rows(named=True)
    )
    out = f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"
    if df.height > cap:
        where = f" in {_e(more_in)}" if more_in else ""
        out += f'<p class="more">{df.height - cap:,} more rows{where}</p>'
    elif more_in:
        out += f'<p class="more">all rows in {_e(more_in)}</p>'
    return out


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{_e(anchor)}">\n<h2>{_e(title)}</h2>\n{body}\n</section>'


def _local(df: pl.DataFrame, tz: str | None, col: str = "ts") -> pl.DataFrame:
    """Adds ``<col>_local``: the time in the analysis zone, as text with its offset."""
    if not tz or col not in df.columns:
        return df
    try:
        ZoneInfo(tz)
    except Exception:
        return df
    return df.with_columns(pl.col(col).dt.convert_time_zone(tz).dt.to_string("%Y-%m-%d %H:%M:%S%:z").alias(f"{col}_local"))


def _header(result: HuntResult, f: Findings, title: str, inputs: Sequence[str], iocs_path: Any, tz: str | None) -> str:
    iocs = [str(p) for p in iocs_path] if isinstance(iocs_path, (list, tuple)) else ([str(iocs_path)] if iocs_path else [])
    items = [
        ("Analysed", ", ".join(printable(i) for i in inputs) or "—"),
        ("Input", f"{f.files:,} files ({', '.join(f.formats) or 'no known format'}), {f.rows:,} rows, {f.rejected:,} rejected lines"),
        ("Indicators", ", ".join(iocs) if iocs else "none given (no IOC sweep)"),
        ("Mail server", result.mail_server or "unknown"),
        ("Time zone", (f"{tz} for logs written in local time; " if tz else "none given: local-time logs read as UTC; ")
         + "times below are UTC"),
        ("Generated", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("veilleur", __version__),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v, 4000)}</dd>" for k, v in items)
    nav = "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in (
        ("findings", "Key findings"), ("timeline", "Timeline"), ("scope", "Affected hosts"), ("files", "Files"), ("rejects", "Rejects")))
    return f"<header>\n<h1>{_e(title)}</h1>\n<dl>{dl}</dl>\n<nav>{nav}</nav>\n</header>"


def _key_findings(result: HuntResult, f: Findings) -> str:
    parts = ["<h3>Attackers</h3>", _table(f.attackers, [
        Col("host", "address", "ip"), Col("why", "why"), Col("first_seen", "first seen (UTC)", "t"),
        Col("last_seen", "last seen (UTC)", "t"), Col("evidence", "evidence rows", "num")], more_in="scope.csv",
        empty="no attacker identified")]
    parts.append("<h3>Exploitation (mboximport, CVE-2022-27925 / CVE-2022-37042)</h3>")
    e = f.first_exploit
    if e:
        conf = (f' It was followed by the webshell <code>{_e(e["next_webshell"])}</code> at {_e(e["next_webshell_ts"])} UTC.'
                if e.get("next_webshell") else "")
        parts.append(
            f'<p class="key">First upload: <strong>{_e(e["ts"])} UTC</strong> from <code>{_e(e["src_ip"])}</code>, '
            f'{_e(e["http_method"])} answered {_e(e["http_status"])} — outcome <strong>{_e(e["outcome"])}</strong> '
            f'({_e(e.get("variant"))}).{conf}</p>')
    parts.append(_table(f.attempts, [
        Col("outcome", "outcome"), Col("requests", "requests", "num"), Col("log_lines", "log lines", "num"),
        Col("first", "first (UTC)", "t"), Col("last", "last (UTC)", "t")], more_in="exploitation.csv",
        empty="no request to mboximport"))
    parts.append('<p class="muted">A 401 answer to a POST is not a failure: the vulnerable servlet answers 401 and '
                 "imports the archive anyway. A request logged by both the proxy and mailboxd counts once.</p>")
    parts.append("<h3>Webshells and commands</h3>")
    parts.append(_table(f.webshells, [
        Col("path", "path", "mono"), Col("first_seen", "first seen (UTC)", "t"), Col("last_seen", "last seen (UTC)", "t"),
        Col("src_ips", "from", "ip"), Col("requests", "requests", "num")], more_in="webshells.csv", empty="no webshell found"))
    if f.commands.height:
        parts.append(_table(f.commands, [
            Col("ts", "time (UTC)", "t"), Col("src_ip", "from", "ip"), Col("command", "command", "mono"), Col("path", "webshell", "mono")],
            more_in="webshells.csv"))
    parts.append("<h3>C2 and egress from the mail server</h3>")
    if f.c2.height:
        parts.append(_table(f.c2, [Col("host", "address", "ip"), Col("why", "why"), Col("first_seen", "first (UTC)", "t"),
                                   Col("last_seen", "last (UTC)", "t"), Col("evidence", "beats", "num")], more_in="beacons.csv"))
    parts.append(_table(f.egress, [
        Col("dst_ip", "destination", "ip"), Col("dst_port", "port", "num"), Col("domain", "domain", "mono"),
        Col("first_contact", "first contact (UTC)", "t"), Col("rows", "rows", "num")], more_in="egress.csv",
        empty="no first-contact egress found (needs proxy or firewall logs and a known mail server)"))
    parts.append("<h3>Lateral movement from the mail server</h3>")
    parts.append(_table(f.lateral, [
        Col("dst_ip", "target", "ip"), Col("dst_port", "port", "num"), Col("verdict", "verdict"),
        Col("first", "first (UTC)", "t"), Col("last", "last (UTC)", "t"), Col("rows", "rows", "num")], more_in="lateral.csv",
        empty="no connection to an administration port found (needs firewall logs and a known mail server)"))
    parts.append("<h3>Phishing: mail from indicator senders</h3>")
    parts.append(_table(result.phishing, [
        Col("ts", "delivered (UTC)", "t"), Col("recipient", "recipient", "mono"), Col("sender", "sender", "mono"),
        Col("workstation", "recipient's workstation", "ip"), Col("logins", "seen from it", "num"), Col("ioc", "indicator", "mono")],
        more_in="phishing.csv",
        empty="no mail from an indicator sender" if result.indicators else "no indicators given (no phishing hunt)"))
    parts.append("<h3>Indicator hits</h3>")
    if f.ioc_seen.height:
        parts.append(f"<p>{f.ioc_hits:,} hits on {f.ioc_seen.height:,} indicators.</p>")
    parts.append(_table(f.ioc_seen, [
        Col("ioc", "indicator", "mono"), Col("ioc_kind", "kind"), Col("first_seen", "first seen (UTC)", "t"),
        Col("last_seen", "last seen (UTC)", "t"), Col("hits", "hits", "num"), Col("hosts", "hosts", "num"),
        Col("columns", "in")], more_in="ioc_seen.csv",
        empty="no indicator hit" if result.indicators else "no indicators given (no IOC sweep)"))
    return _section("findings", "Key findings", "\n".join(parts))


def _timeline(result: HuntResult, tz: str | None) -> str:
    tl = result.timeline
    if _has(tl, "file", "line"):
        tl = tl.with_columns(pl.format("{}:{}", pl.col("file"), pl.col("line")).alias("evidence"))
    tl = _local(tl, tz)
    cols = [Col("stage", "stage", "nw"), Col("ts", "time (UTC)", "t")]
    if tz:
        cols.append(Col("ts_local", f"local ({tz})", "t"))
    cols += [Col("what", "what", "mono"), Col("src_ip", "from", "ip"), Col("dst_ip", "to", "ip"),
             Col("source", "log", "nw"), Col("evidence", "evidence (file:line)", "mono")]
    return _section("timeline", "Intrusion timeline", _table(tl, cols, more_in="timeline.csv", empty="no evidence found"))


def _scope(f: Findings) -> str:
    return _section("scope", "Affected hosts", _table(f.scope, [
        Col("host", "host", "ip"), Col("role", "role"), Col("why", "why"), Col("first_seen", "first seen (UTC)", "t"),
        Col("last_seen", "last seen (UTC)", "t"), Col("evidence", "evidence rows", "num")], more_in="scope.csv",
        empty="no host in scope"))


def _files(result: HuntResult) -> str:
    s = result.summary
    if _has(s, "status", "error"):
        s = s.with_columns(pl.when(pl.col("error").is_not_null()).then(pl.format("{}: {}", pl.col("status"), pl.col("error")))
                           .otherwise(pl.col("status")).alias("status"))
    return _section("files", "Files analysed", _table(s, [
        Col("path", "path", "mono"), Col("format", "format"), Col("compression", "compression"), Col("sha256", "sha256", "hash"),
        Col("lines", "lines", "num"), Col("rows", "rows", "num"), Col("rejected", "rejected", "num"),
        Col("folded", "folded", "num"), Col("tz", "zone"), Col("status", "status")], more_in="summary.csv", empty="no file read"))


def _rejects(result: HuntResult, first: int = 20) -> str:
    r = result.rejects
    intro = f"<p>{r.height:,} rejected lines (every line is a row or a reject; none is dropped silently).</p>"
    if _has(r, "raw"):
        r = r.with_columns(pl.col("raw").str.slice(0, 200))
    return _section("rejects", "Rejected lines", intro + _table(r, [
        Col("file", "file", "mono"), Col("line", "line", "num"), Col("offset", "offset", "num"), Col("reason", "reason"),
        Col("raw", "raw (first 200 characters)", "mono")], more_in="rejects.csv", cap=first, empty="no rejected line"))


def render_html(result: HuntResult, *, title: str, inputs: Iterable[str], iocs_path: Any = None,
                tz: str | None = None) -> str:
    """The hunt report as one self-contained HTML page: header (what was analysed, when,
    veilleur version, time zone), key findings (attackers, first exploitation and outcome,
    webshells and commands, C2/egress, lateral targets allowed vs denied, IOC hits with
    first/last seen), intrusion timeline, affected hosts, per-file summary and rejects.
    Tables show at most :data:`MAX_ROWS` rows and name the CSV holding the rest. Every value
    is escaped; the page has no script and fetches nothing."""
    f = findings(result)
    inputs = [str(i) for i in inputs]
    body = "\n".join([
        _header(result, f, title, inputs, iocs_path, tz),
        _key_findings(result, f),
        _timeline(result, tz),
        _scope(f),
        _files(result),
        _rejects(result),
        f"<footer>veilleur {_e(__version__)} — every row keeps its provenance (file, line, byte offset); the CSV and "
        "Parquet files next to this report hold every row.</footer>",
    ])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
