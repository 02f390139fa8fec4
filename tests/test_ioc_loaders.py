"""IOC loaders: MISP to_ids/deleted/context types, CSV headers and delimiters, Python values,
JSON detection, STIX details, kind guessing of file names and host:port."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import veilleur as vl

DATA = Path(__file__).parent / "data" / "ioc"


def pairs(s: vl.IocSet) -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in s}


def invalid(s: vl.IocSet) -> list[tuple[int | None, str, str]]:
    return s.invalid.select("line", "value", "reason").rows()


# ------------------------------------------------------------------------------------- MISP


def test_misp_to_ids_deleted_and_context_types():
    s = vl.IocSet.from_file(DATA / "misp-context.json")
    assert pairs(s) == {
        ("ip", "198.51.100.17"),
        ("domain", "c2.evil.example"),  # hostname|port: the host
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),  # malware-sample: its MD5
        ("string", "0MVzAe6pgwe5go1D.jsp"),  # filename: as before
        ("domain", "update-zimbra.example"),
    }
    # deleted attributes (true, "1") and the attributes of a deleted object are gone, silently
    assert not {"old-c2.example", "deleted-object.example", "203.0.113.99"} & {v for _, v, _ in invalid(s)}
    rows = {v: (line, why) for line, v, why in invalid(s)}
    assert rows["mail"] == (10, "MISP type 'text' is context, not an indicator")
    assert rows["exploited before the patch"][1] == "MISP type 'comment' is context, not an indicator"
    assert rows["report.pdf"][1] == "MISP type 'attachment' is context, not an indicator"
    assert rows["AS64500"][1] == "MISP type 'AS' is not supported"
    assert rows[next(v for v in rows if v.startswith("https://www.volexity.com/"))][1] == "MISP type 'link' is context, not an indicator"
    line, why = rows["10.10.50.25"]
    assert line == 14 and why.startswith("to_ids is false") and "to_ids_only=False" in why and "--include-context" in why
    assert len(rows) == 6


def test_misp_to_ids_only_false_loads_context_ips_not_context_types():
    direct = vl.IocSet.from_misp(DATA / "misp-context.json", to_ids_only=False)
    via_file = vl.IocSet.from_file(DATA / "misp-context.json", to_ids_only=False)
    assert pairs(direct) == pairs(via_file)
    assert ("ip", "10.10.50.25") in pairs(direct)
    assert not {"mail", "10.10.50.25"} & {i.value for i in vl.IocSet.from_misp(DATA / "misp-context.json")}
    # context types stay out: "mail" must never become a free string
    assert "mail" not in {i.value for i in direct}
    assert not any(v.startswith("https://www.volexity.com/") for v in (i.value for i in direct))


def test_misp_context_no_longer_floods_matches():
    s = vl.IocSet.from_misp(DATA / "misp-context.json")
    df = pl.DataFrame({"dst_ip": ["10.10.50.25", "198.51.100.17"], "message": ["mail delivered", "mail delivered"]})
    assert s.match(df).select("row", "ioc").rows() == [(1, "198.51.100.17")]


# -------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("indicator_type,indicator_value,comment\nip,203.0.113.7,x\ndomain,evil.com,y\n", "iocs.csv"),
        ("type;value;description\nip;203.0.113.7;scanner\ndomain;evil.com;relais de phishing\n", "excel-fr.csv"),
        ("\ufeffType;Valeur;Value\nIP;203.0.113.7;203.0.113.7\ndomain;x;evil.com\n", "bom.csv"),
        ("Indicator type,Indicator,Description\nIPv4,203.0.113.7,\nhostname,evil.com,\n", "otx.csv"),
        ("ioc_type|ioc_value|tags\nip|203.0.113.7|c2\ndomain|evil.com|c2\n", "pipe.csv"),
        ("Observable Type\tObservable Value\nip-address\t203.0.113.7\nFQDN\tevil.com\n", "tabs.csv"),
        ("# exported 2022-08-12\ndata,kind\n203.0.113.7,ip\nevil.com,domain\n", "comment-first.csv"),
    ],
)
def test_csv_header_aliases_and_delimiters(tmp_path, content, name):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    s = vl.IocSet.from_file(p)
    assert pairs(s) == {("ip", "203.0.113.7"), ("domain", "evil.com")}
    assert s.invalid.height == 0


def test_csv_header_without_value_column_raises(tmp_path):
    p = tmp_path / "export.csv"
    p.write_text("indicator_kind,observable_name,comment\nip,203.0.113.7,x\n")
    with pytest.raises(ValueError, match=r"no value column in the header \(indicator_kind, observable_name, comment\).*indicator_value"):
        vl.IocSet.from_file(p)


def test_csv_single_column_and_headerless(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("indicators\nevil.com\n203.0.113.7\n")
    s = vl.IocSet.from_file(p)
    assert pairs(s) == {("domain", "evil.com"), ("ip", "203.0.113.7")}
    assert [i.value for i in s] == ["evil.com", "203.0.113.7"]  # the header word is not an indicator
    p.write_text("Domains\nevil.com\n")
    assert pairs(vl.IocSet.from_file(p)) == {("domain", "evil.com")}
    # no header: every row, first column; lines are the file's
    p.write_text("203.0.113.7,scanner seen 2022-08-01\nevil.com,payload host\n010.0.0.1,typo\n")
    s = vl.IocSet.from_file(p)
    assert pairs(s) == {("ip", "203.0.113.7"), ("domain", "evil.com")}
    assert [(line, v) for line, v, _ in invalid(s)] == [(3, "010.0.0.1")]


def test_csv_line_numbers_are_physical_lines(tmp_path):
    p = tmp_path / "multi.csv"
    p.write_text('type,value,description\nip,203.0.113.7,"multi\nline, desc"\ndomain,bad..com,y\n\nip,999.1.1.1,"a\n\nb"\nip,1.2.3,z\n')
    s = vl.IocSet.from_file(p)
    assert [(line, v) for line, v, _ in invalid(s)] == [(4, "bad..com"), (6, "999.1.1.1"), (9, "1.2.3")]


def test_type_names_otx_and_generic_hash(tmp_path):
    p = tmp_path / "otx.csv"
    p.write_text(
        "type,value\nFileHash-SHA256," + "A" * 64 + "\nFileHash-MD5," + "b" * 32 + "\nIP Address,203.0.113.7\n"
        "URL,hxxp://evil[.]com/x.sh\nhash," + "c" * 40 + "\nhash," + "d" * 64 + "\nhash,abc\nFileHash-IMPHASH," + "e" * 32 + "\n"
    )
    s = vl.IocSet.from_file(p)
    assert pairs(s) == {("sha256", "a" * 64), ("md5", "b" * 32), ("ip", "203.0.113.7"), ("url", "http://evil.com/x.sh"),
                        ("sha1", "c" * 40), ("sha256", "d" * 64)}
    assert [(line, why) for line, _, why in invalid(s)] == [
        (8, "a hash must be 32, 40 or 64 hexadecimal digits (md5, sha1, sha256)"),
        (9, "indicator type 'FileHash-IMPHASH' cannot be matched in logs"),
    ]


# ---------------------------------------------------------------------------- Python values


def test_iocset_from_one_string_and_kind_mappings():
    assert pairs(vl.IocSet("203.0.113.7")) == {("ip", "203.0.113.7")}
    s = vl.IocSet({"ip": ["203.0.113.7", "198.51.100.0/24"], "Domain": "evil.com", "FileHash-MD5": ["b" * 32], "yara": ["rule x {}"], "domian": ["typo.example"]})
    assert pairs(s) == {("ip", "203.0.113.7"), ("cidr", "198.51.100.0/24"), ("domain", "evil.com"), ("md5", "b" * 32)}
    assert [(v, why) for _, v, why in invalid(s)] == [
        ("rule x {}", "indicator type 'yara' cannot be matched in logs"),
        ("typo.example", "unknown indicator type 'domian'"),
    ]
    s = vl.IocSet({"ip": ["203.0.113.7", 42]})
    assert invalid(s) == [(2, "42", "not a string (int) in the values of 'ip'")]


def test_iocset_mapping_entries_take_the_csv_names():
    s = vl.IocSet([{"indicator": "evil.com", "indicator_type": "hostname", "comment": "C2"},
                   {"Indicator Value": "203.0.113.7"}, {"ioc": "x.sh", "type": "filename"}])
    assert pairs(s) == {("domain", "evil.com"), ("ip", "203.0.113.7"), ("string", "x.sh")}
    assert next(i for i in s if i.value == "evil.com").description == "C2"
    assert pairs(vl.IocSet({"value": "evil.com", "type": "domain"})) == {("domain", "evil.com")}


@pytest.mark.parametrize("bad", [42, b"203.0.113.7", None])
def test_iocset_wrong_types_raise(bad):
    with pytest.raises(TypeError, match="IocSet takes a string, an iterable"):
        vl.IocSet(bad)


def test_iocset_mapping_of_nothing_known_raises():
    with pytest.raises(ValueError, match="got keys: description, tags"):
        vl.IocSet({"description": "C2", "tags": "x"})


# ------------------------------------------------------------------------------------- JSON


def test_json_bom_list_single_object_and_neither(tmp_path):
    bundle = json.loads((DATA / "cve-2022-37042.stix.json").read_text())
    expected = pairs(vl.IocSet.from_stix(DATA / "cve-2022-37042.stix.json"))
    as_list = tmp_path / "objects.json"
    as_list.write_text(json.dumps(bundle["objects"], indent=1), encoding="utf-8-sig")  # with a BOM
    assert pairs(vl.IocSet.from_file(as_list)) == expected
    one = next(o for o in bundle["objects"] if o.get("type") == "indicator" and "138.199.34.206" in o["pattern"])
    single = tmp_path / "one.json"
    single.write_text(json.dumps(one))
    assert pairs(vl.IocSet.from_file(single)) == {("ip", "138.199.34.206"), ("ip", "52.90.92.82"), ("cidr", "198.51.100.0/22")}
    misp = tmp_path / "misp.json"
    misp.write_bytes(b"\xef\xbb\xbf" + (DATA / "cve-2022-37042.misp.json").read_bytes())
    assert pairs(vl.IocSet.from_file(misp)) == pairs(vl.IocSet.from_misp(DATA / "cve-2022-37042.misp.json"))
    other = tmp_path / "other.json"
    other.write_text('{"foo": 1}')
    with pytest.raises(ValueError, match="expected STIX 2.1 .* or a MISP export"):
        vl.IocSet.from_file(other)
    with pytest.raises(ValueError, match="not a MISP export"):
        vl.IocSet.from_misp(single)
    with pytest.raises(ValueError, match="not STIX 2.1"):
        vl.IocSet.from_stix(misp)


# ------------------------------------------------------------------------------------- STIX


def test_stix_object_lines_revoked_expired_and_operators():
    s = vl.IocSet.from_file(DATA / "stix-objects.json")
    assert pairs(s) == {
        ("ip", "198.51.100.7"),  # the .type and protocols comparisons only constrain: no invalid row
        ("cidr", "198.51.100.0/24"),  # ISSUBSET
        ("domain", "update-zimbra.example"),  # IN (...)
        ("domain", "c2.evil.example"),
        ("ip", "138.199.34.206"),  # observed-data
    }
    assert invalid(s) == [
        (12, "[ipv4-addr:value = '203.0.113.7']", "indicator revoked by its producer (revoked: true)"),
        (24, "[ipv4-addr:value = '203.0.113.8']",
         "expired: valid_until 2022-09-01T00:00:00.000Z is past (include_expired=True loads it)"),
        # the line where the indicator starts, not the relationship naming it on line 7
        (48, "bad..example", "empty label in domain"),
        (59, "cdn.example", "negated comparison (NOT =) is not an indicator"),
        (70, "00:16:3e:12:34:56", "STIX observable type 'mac-addr' is not supported"),
        (70, "EXAMPLE-AS", "STIX observable type 'autonomous-system' is not supported"),
    ]
    with_expired = vl.IocSet.from_stix(DATA / "stix-objects.json", include_expired=True)
    assert pairs(with_expired) == pairs(s) | {("ip", "203.0.113.8")}
    assert "203.0.113.7" not in with_expired  # revoked stays out
    assert pairs(vl.IocSet.from_file(DATA / "stix-objects.json", include_expired=True)) == pairs(with_expired)


def test_stix_bundle_lines_are_where_objects_start(tmp_path):
    objs = [
        {"type": "relationship", "spec_version": "2.1", "id": "relationship--1", "source_ref": "indicator--b", "target_ref": "malware--1"},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--b", "pattern": "[domain-name:value = 'b..bad']", "pattern_type": "stix"},
    ]
    p = tmp_path / "b.json"
    p.write_text('{"type": "bundle", "id": "bundle--2", "objects": [\n' + ",\n".join(json.dumps(o) for o in objs) + "\n]}")
    assert invalid(vl.IocSet.from_file(p))[0][0] == 3


# --------------------------------------------------------------------------------- guessing


def test_file_names_are_strings_and_host_port_a_domain(tmp_path):
    p = tmp_path / "list.txt"
    p.write_text("x.sh\ncmd.exe\nshell.aspx\nindex.php\na.jsp\npayload.ps1\nrun.bat\nlib.dll\n"
                 "evil.com:8080\nwp.pl\nevil.com/x.sh\n")
    s = vl.IocSet.from_file(p)
    assert pairs(s) == {
        *(("string", f) for f in ("x.sh", "cmd.exe", "shell.aspx", "index.php", "a.jsp", "payload.ps1", "run.bat", "lib.dll")),
        ("domain", "evil.com"),
        ("domain", "wp.pl"),
        ("url", "evil.com/x.sh"),
    }
    # a .sh domain is loaded as one when its type says so
    assert pairs(vl.IocSet([{"type": "domain", "value": "bun.sh"}])) == {("domain", "bun.sh")}
    assert pairs(vl.IocSet([{"type": "domain", "value": "evil[.]com[:]443"}])) == {("domain", "evil.com")}
    hits = s.match(pl.DataFrame({"request": ["CONNECT a.evil.com:443 HTTP/1.1"]}))
    assert hits["ioc"].to_list() == ["evil.com"]
