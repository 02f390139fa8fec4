"""Hypothesis properties of the four web formats.

(a) Lines rendered from random fields parse back to exactly those fields.
(b) Arbitrary bytes never crash the reader, and every line is accounted for:
    per file ``lines == rows + rejected`` and ``lines`` is the number of ``\\n``-terminated
    records plus one for a non-empty unterminated tail; rows and rejects point at their line.
"""

from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import veilleur as vl

from conftest import MONTHS, check_counts, expected_lines, line_starts, split_records, write

# garbage inputs are reported as unrecognised or truncated, with a warning each time
pytestmark = pytest.mark.filterwarnings("ignore:veilleur:UserWarning")

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WEB_FORMATS = ["common", "combined", "zimbra_access", "zimbra_nginx"]

# --------------------------------------------------------------------------- field strategies

ipv4 = st.ip_addresses(v=4).map(str)


@st.composite
def ipv6(draw) -> tuple[str, str]:
    """(text as written, canonical text). Global unicast only: IPv4-mapped and -compatible
    addresses have several accepted canonical spellings."""
    groups = [draw(st.integers(0x2000, 0x3FFF))] + [
        draw(st.one_of(st.just(0), st.integers(0, 0xFFFF))) for _ in range(7)
    ]
    addr = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
    style = draw(st.sampled_from(["compressed", "exploded", "upper", "unpadded"]))
    if style == "compressed":
        text = addr.compressed
    elif style == "exploded":
        text = addr.exploded
    elif style == "upper":
        text = addr.compressed.upper()
    else:
        text = ":".join(f"{g:x}" for g in groups)
    return text, addr.compressed


ip = st.one_of(ipv4.map(lambda t: (t, t)), ipv6())
hostname = st.from_regex(r"[a-z][a-z0-9-]{0,12}(\.[a-z][a-z0-9-]{0,12}){1,3}", fullmatch=True)
token = st.from_regex(r"[A-Za-z0-9._@+-]{1,20}", fullmatch=True).filter(lambda s: s != "-")
dash_or_token = st.one_of(st.just("-"), token)

OFFSETS = ["+0000", "-0500", "+0530", "+0200", "-0930", "+1400", "-1200", "+0545", "+0100", "-0300"]
naive_time = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31, 23, 59, 59)).map(
    lambda d: d.replace(microsecond=0)
)

URL_CHARS = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@"
pct = st.integers(0, 255).map(lambda b: f"%{b:02X}")
segment = st.lists(st.one_of(st.sampled_from(URL_CHARS), pct), max_size=12).map("".join)
url_path = st.lists(segment, min_size=1, max_size=5).map(lambda segs: "/" + "/".join(segs))
query_part = st.lists(st.one_of(st.sampled_from(URL_CHARS + "/?"), pct), max_size=30).map("".join)
query = st.one_of(st.none(), query_part)
METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PROPFIND", "PATCH", "MKCOL", "REPORT"]
PROTOCOLS = ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0", None]

quoted_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"\\'), min_size=1, max_size=60
).filter(lambda s: s != "-")
user_agent = st.one_of(
    st.just(None),
    quoted_text,
    st.sampled_from(
        [
            "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/105.0.0.0 Safari/537.36",
            "Apple-iPhone13C2/1905.3",
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.15601; Pro)",
        ]
    ),
)
referrer = st.one_of(st.none(), st.builds(lambda p, q: "https://mail.example.org" + p + ("?" + q if q else ""), url_path, query))
extra_token = st.one_of(
    st.from_regex(r"[0-9]{1,4}\.[0-9]{3}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9.:/=-]{1,16}", fullmatch=True),
    quoted_text.map(lambda t: f'"{t}"'),
)
extra = st.one_of(st.none(), st.lists(extra_token, min_size=1, max_size=3).map(" ".join))


@dataclass
class Record:
    line: str
    expected: dict
    domain: str | None
    complete: bool = True


@st.composite
def request(draw) -> tuple[str, dict, str | None]:
    method = draw(st.sampled_from(METHODS))
    p = draw(url_path)
    q = draw(query)
    target = p + ("" if q is None else "?" + q)
    domain = None
    if draw(st.integers(0, 9)) == 0:
        domain = draw(hostname)
        port = draw(st.sampled_from(["", ":443", ":8080"]))
        target = draw(st.sampled_from(["http://", "https://"])) + domain + port + target
    proto = draw(st.sampled_from(PROTOCOLS))
    text = f"{method} {target}" + ("" if proto is None else f" {proto}")
    return text, {"request": text, "method": method, "url": target, "path": p, "query": q, "protocol": proto}, domain


@st.composite
def timestamp(draw, offsets=OFFSETS, carbonio=False) -> tuple[str, datetime]:
    naive = draw(naive_time)
    off = draw(st.sampled_from(offsets))
    sign = 1 if off[0] == "+" else -1
    tz = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
    local = naive.replace(tzinfo=tz)
    hms = f"{naive.hour:02d}:{naive.minute:02d}:{naive.second:02d}"
    if carbonio and draw(st.booleans()):
        hms += f":{naive.minute}{naive.second}"  # Java's 'ms': minute and second, unpadded
    text = f"{naive.day:02d}/{MONTHS[naive.month - 1]}/{naive.year}:{hms} {off}"
    return text, local.astimezone(timezone.utc)


def _nullable(v: str) -> str | None:
    return None if v == "-" else v


def _q(v: str | None) -> str:
    return '"-"' if v is None else f'"{v}"'


@st.composite
def common_record(draw, fmt: str) -> Record:
    if draw(st.integers(0, 5)) == 0:
        client = draw(hostname)
        client_ip = None
    else:
        client, client_ip = draw(ip)
    ident, user = draw(dash_or_token), draw(dash_or_token)
    ts_text, ts = draw(timestamp())
    req, req_exp, domain = draw(request())
    status = draw(st.integers(100, 599))
    nbytes = draw(st.one_of(st.none(), st.integers(0, 10**12)))
    line = f'{client} {ident} {user} [{ts_text}] "{req}" {status} {"-" if nbytes is None else nbytes}'
    exp = dict(client=client, client_ip=client_ip, ident=_nullable(ident), user=_nullable(user), ts=ts, status=status, bytes=nbytes, **req_exp)
    if fmt == "combined":
        ref, ua = draw(referrer), draw(user_agent)
        if draw(st.integers(0, 7)) == 0:  # a line without referrer and agent
            exp.update(referrer=None, user_agent=None, extra=None)
            return Record(line, exp, domain, complete=False)
        else:
            line += f" {_q(ref)} {_q(ua)}"
            ext = draw(extra)
            if ext is not None:
                line += " " + ext
            exp.update(referrer=ref, user_agent=ua, extra=ext)
    return Record(line, exp, domain)


@st.composite
def zimbra_access_record(draw) -> Record:
    ips = draw(st.lists(ip, min_size=1, max_size=3))
    client = ", ".join(t for t, _ in ips)
    user = draw(dash_or_token)
    ts_text, ts = draw(timestamp(offsets=["+0000"], carbonio=True))
    req, req_exp, domain = draw(request())
    status = draw(st.integers(100, 599))
    nbytes = draw(st.one_of(st.none(), st.integers(0, 10**9)))
    ref, ua = draw(referrer), draw(user_agent)
    latency = draw(st.integers(0, 10**7))
    line = f'{client} - {user} [{ts_text}] "{req}" {status} {"-" if nbytes is None else nbytes} {_q(ref)} {_q(ua)} {latency}'
    exp = dict(
        client=client, client_ip=ips[0][1], ident=None, user=_nullable(user), ts=ts, status=status, bytes=nbytes,
        referrer=ref, user_agent=ua, latency_ms=latency, **req_exp,
    )
    return Record(line, exp, domain)


@st.composite
def zimbra_nginx_record(draw) -> Record:
    ip_text, canon = draw(ip)
    port = draw(st.integers(1, 65535))
    user = draw(dash_or_token)
    ts_text, ts = draw(timestamp())
    req, req_exp, domain = draw(request())
    status = draw(st.integers(100, 599))
    nbytes = draw(st.integers(0, 10**9))
    ref, ua = draw(referrer), draw(user_agent)
    upstream = draw(st.one_of(st.none(), st.sampled_from(["10.10.1.5:8080", "10.10.1.5:8443", "10.10.1.5:8080, 10.10.1.6:8080"])))
    server_name = draw(st.one_of(st.none(), hostname))
    spaces = draw(st.sampled_from([" ", "  "]))
    line = (
        f'{ip_text}:{port} - {user} [{ts_text}]{spaces}"{req}" {status} {nbytes} {_q(ref)} {_q(ua)} {_q(upstream)}'
    )
    server = ext = None
    if server_name is not None:
        server = f"{server_name}:{draw(st.sampled_from([80, 443, 8443]))}"
        line += f' "{server}"'
        ext = draw(extra)
        if ext is not None:
            line += " " + ext
    exp = dict(
        client=f"{ip_text}:{port}", client_ip=canon, client_port=port, ident=None, user=_nullable(user), ts=ts, status=status,
        bytes=nbytes, referrer=ref, user_agent=ua, upstream=upstream, server=server, extra=ext, **req_exp,
    )
    return Record(line, exp, domain or server_name)


RECORDS = {
    "common": common_record("common"),
    "combined": common_record("combined"),
    "zimbra_access": zimbra_access_record(),
    "zimbra_nginx": zimbra_nginx_record(),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


# --------------------------------------------------------------------------- (a) round trip

def _round_trip(fmt: str, records: list[Record], eol: str, directory: Path) -> None:
    data = "".join(r.line + eol for r in records).encode()
    path = write(directory, f"{fmt}.log", data)
    b = vl.read(path, format=fmt)
    check_counts(b.summary)
    s = b.summary.row(0, named=True)
    bad = b.rejects.rows(named=True)
    assert not bad, bad
    assert (s["lines"], s["rows"]) == (len(records), len(records))
    t = b[fmt]
    starts = line_starts(data)
    for i, (row, rec) in enumerate(zip(t.iter_rows(named=True), records)):
        assert row["line"] == i + 1 and row["offset"] == starts[i]
        for key, want in rec.expected.items():
            assert row[key] == want, f"{key}: {row[key]!r} != {want!r} in {rec.line!r}"
    ev = b.events
    assert ev["domain"].to_list() == [r.domain for r in records]
    assert ev["src_ip"].to_list() == [r.expected["client_ip"] for r in records]
    assert ev["http_status"].to_list() == [r.expected["status"] for r in records]
    assert ev["ts"].to_list() == [r.expected["ts"] for r in records]


@pytest.mark.parametrize("fmt", WEB_FORMATS)
def test_rendered_fields_parse_back(fmt: str, workdir: Path) -> None:
    @settings(max_examples=60, **SETTINGS)
    @given(records=st.lists(RECORDS[fmt], min_size=1, max_size=8), eol=st.sampled_from(["\n", "\r\n"]))
    def run(records: list[Record], eol: str) -> None:
        _round_trip(fmt, records, eol, workdir)

    run()


@pytest.mark.parametrize("fmt", WEB_FORMATS)
def test_rendered_lines_are_detected(fmt: str, workdir: Path) -> None:
    """A file of complete lines of one format is detected as that format."""

    @settings(max_examples=25, **SETTINGS)
    # a combined line without referrer and agent is a common line: complete lines only
    @given(records=st.lists(RECORDS[fmt].filter(lambda r: r.complete), min_size=3, max_size=8))
    def run(records: list[Record]) -> None:
        data = "".join(r.line + "\n" for r in records).encode()
        path = write(workdir, f"detect-{fmt}.log", data)
        b = vl.read(path)
        check_counts(b.summary)
        assert b.summary["format"][0] == fmt, (b.summary.row(0, named=True), data[:400])
        assert b.summary["rows"][0] == len(records)

    run()


# --------------------------------------------------------------------------- (b) no crash, no loss

VALID = [
    b'192.0.2.45 - - [30/Jun/2022:05:33:18 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.0" 401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" 7',
    b'203.0.113.66:52014 - - [06/Sep/2022:11:14:02 +0200]  "GET /zimbraAdmin/public/jsp/K.jsp?cmd=id HTTP/1.1" 200 58 "-" "curl/7.74.0" "10.10.1.5:8080" "mail.example.org:443"',
    b'10.10.2.31 - - [06/Sep/2022:09:00:00 +0200] "GET /a HTTP/1.1" 200 10 "http://x/" "UA \\"q\\" (x)" "extra" 0.1',
    b'::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
    b"2022-09-06 10:15:32,511 WARN  [qtp1-1:https://m/service/extension/backup/mboximport] [] mboxmove - Auth failed",
    b"\tat com.zimbra.cs.Foo.bar(Foo.java:1)",
]
JUNK = [b"", b"\r", b"\x00" * 7, b"\xff\xfe\xc3(", b"\x16\x03\x01\x02\x00", b"[", b'"', b"\\", b"-", b" ", b"\x1f\x8b"]


@st.composite
def fragment(draw) -> bytes:
    line = draw(st.sampled_from(VALID))
    i = draw(st.integers(0, len(line)))
    j = draw(st.integers(i, len(line)))
    return line[i:j]


piece = st.one_of(st.sampled_from(VALID), fragment(), st.sampled_from(JUNK), st.binary(max_size=40))
assembled = st.lists(st.tuples(st.lists(piece, min_size=1, max_size=3), st.sampled_from([b"\n", b"\r\n", b"", b"\n\n"])), max_size=12).map(
    lambda parts: b"".join(b"".join(ps) + eol for ps, eol in parts)
)
anything = st.one_of(st.binary(max_size=600), assembled)

MAGIC = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd")


def _check_accounting(path: Path, data: bytes, fmt: str | None) -> None:
    b = vl.read(path, format=fmt) if fmt else vl.read(path)
    check_counts(b.summary)
    s = b.summary.row(0, named=True)
    assert s["bytes"] == len(data)
    if not data:
        assert s["status"] == "empty" and s["lines"] == 0
        return
    if data.startswith(MAGIC):
        return  # read as a (broken) compressed stream: only the accounting applies
    assert s["lines"] == expected_lines(data)
    assert s["decompressed_bytes"] == len(data)
    starts = line_starts(data)
    records = split_records(data)
    rej = b.rejects
    for r in rej.iter_rows(named=True):
        assert r["offset"] == starts[r["line"] - 1]
        assert r["raw"] == records[r["line"] - 1].decode("utf-8", "replace")
    for name in b.formats:
        t = b[name]
        for line, offset in t.select("line", "offset").rows():
            assert offset == starts[line - 1]
    if fmt in WEB_FORMATS:
        seen = sorted(rej["line"].to_list() + (b[fmt]["line"].to_list() if fmt in b.formats else []))
        assert seen == list(range(1, s["lines"] + 1))


@settings(max_examples=120, **SETTINGS)
@given(data=anything)
def test_arbitrary_bytes_never_crash(data: bytes, tmp_path_factory) -> None:
    directory = tmp_path_factory.getbasetemp() / "arbitrary"
    path = write(directory, "input.log", data)
    for fmt in [None, *WEB_FORMATS]:
        _check_accounting(path, data, fmt)
