"""Traps of real collected logs: odd characters, broken bytes, compression, file names,
inputs of every shape, failures, and the provenance of rows back to the bytes on disk."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import polars as pl
import pytest

import veilleur as vl

from conftest import (
    BigFile,
    check_counts,
    check_provenance,
    combined_line,
    expected_lines,
    file_rows,
    gzip_bytes,
    line_starts,
    raw_line_at,
    split_records,
    summary_row,
    write,
)

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:104.0) Gecko/20100101 Firefox/104.0"
NGINX = (
    '10.10.2.14:50712 - - [06/Sep/2022:11:13:58 +0200]  "POST /service/soap/SearchRequest HTTP/1.1" 200 4873 '
    f'"https://mail.example.org/" "{UA}" "10.10.1.5:8080" "mail.example.org:443"'
)
JETTY = (
    '10.10.2.14 - - [06/Sep/2022:09:13:58 +0000] "POST /service/soap/SearchRequest HTTP/1.1" 200 4873 '
    f'"https://mail.example.org/" "{UA}" 23'
)


def read_one(path, **kw) -> tuple[vl.Bundle, dict]:
    """Read, check the accounting, and return the bundle and (for a single file) its summary row."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = vl.read(path, **kw)
    check_counts(b.summary)
    return b, (b.summary.row(0, named=True) if b.summary.height == 1 else {})


def lines_text(*lines: str, end: str = "\n") -> bytes:
    return "".join(l + end for l in lines).encode()


# --------------------------------------------------------------------------- odd characters

def test_url_with_spaces_and_quotes(tmp_path: Path) -> None:
    data = lines_text(
        f'10.10.2.36 - - [06/Sep/2022:09:20:15 +0200] "GET /docs/rapport annuel.pdf?v=1 2 HTTP/1.1" 404 274 "-" "{UA}"',
        # nginx escapes a quote in the request line as \x22
        f'10.10.2.36 - - [06/Sep/2022:09:20:16 +0200] "GET /q?s=\\x22a\\x22 HTTP/1.1" 200 10 "-" "{UA}"',
        # Apache escapes it as \"
        f'10.10.2.36 - - [06/Sep/2022:09:20:17 +0200] "GET /q?s=\\"a b\\" HTTP/1.1" 200 11 "-" "{UA}"',
        # a server that does not escape at all
        f'10.10.2.36 - - [06/Sep/2022:09:20:18 +0200] "GET /a"b c HTTP/1.1" 200 12 "-" "{UA}"',
    )
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert s["rows"] == 4 and s["rejected"] == 0
    t = b["combined"]
    assert t["url"].to_list() == [
        "/docs/rapport annuel.pdf?v=1 2",
        "/q?s=\\x22a\\x22",
        '/q?s=\\"a b\\"',
        '/a"b c',
    ]
    assert t["path"].to_list() == ["/docs/rapport annuel.pdf", "/q", "/q", '/a"b c']
    assert t["query"].to_list() == ["v=1 2", "s=\\x22a\\x22", 's=\\"a b\\"', None]
    assert t["protocol"].to_list() == ["HTTP/1.1"] * 4
    assert t["bytes"].to_list() == [274, 10, 11, 12]
    assert t["user_agent"].to_list() == [UA] * 4


def test_escaped_quotes_in_user_agent(tmp_path: Path) -> None:
    data = lines_text(
        '192.0.2.200 - - [06/Sep/2022:09:12:44 +0200] "GET / HTTP/1.1" 200 5 "-" "Mozilla \\"quoted\\" (X11; Linux)"',
        # an escaped backslash right before the closing quote: the quote still closes the field
        '192.0.2.200 - - [06/Sep/2022:09:12:45 +0200] "GET / HTTP/1.1" 200 6 "C:\\\\temp\\\\" "agent\\\\"',
        # a quote in the user agent followed by a space, as if another field started
        '192.0.2.200 - - [06/Sep/2022:09:12:46 +0200] "GET / HTTP/1.1" 200 7 "-" "a\\" \\"b"',
        f'192.0.2.200 - - [06/Sep/2022:09:12:47 +0200] "GET / HTTP/1.1" 200 8 "-" "{UA}"',
    )
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert s["rows"] == 4
    t = b["combined"]
    assert t["user_agent"].to_list() == ['Mozilla \\"quoted\\" (X11; Linux)', "agent\\\\", 'a\\" \\"b', UA]
    assert t["referrer"].to_list() == [None, "C:\\\\temp\\\\", None, None]
    assert t["extra"].to_list() == [None] * 4
    assert t["bytes"].to_list() == [5, 6, 7, 8]


def test_ipv6_clients(tmp_path: Path) -> None:
    common = write(
        tmp_path,
        "common.log",
        lines_text(
            '2001:db8::5 - - [06/Sep/2022:09:00:00 +0200] "GET / HTTP/1.1" 200 1',
            '2001:DB8:0:0::0:5 - - [06/Sep/2022:09:00:01 +0200] "GET / HTTP/1.1" 200 2',
            '::1 - - [06/Sep/2022:09:00:02 +0200] "GET / HTTP/1.1" 200 3',
        ),
    )
    b, _ = read_one(common, format="common")
    t = b["common"]
    assert t["client"].to_list() == ["2001:db8::5", "2001:DB8:0:0::0:5", "::1"]
    assert t["client_ip"].to_list() == ["2001:db8::5", "2001:db8::5", "::1"]

    nginx = write(
        tmp_path,
        "nginx.access.log",
        lines_text(
            NGINX.replace("10.10.2.14:50712", "2001:db8::1:51234"),
            NGINX.replace("10.10.2.14:50712", "2001:db8:85a3::8a2e:370:7334:443"),
            NGINX.replace("10.10.2.14:50712", "::1:8443"),
        ),
    )
    b, s = read_one(nginx, format="zimbra_nginx")
    assert s["rows"] == 3
    t = b["zimbra_nginx"]
    assert t["client_ip"].to_list() == ["2001:db8::1", "2001:db8:85a3::8a2e:370:7334", "::1"]
    assert t["client_port"].to_list() == [51234, 443, 8443]
    assert b.events["src_ip"].to_list() == ["2001:db8::1", "2001:db8:85a3::8a2e:370:7334", "::1"]
    assert b.events["src_port"].to_list() == [51234, 443, 8443]

    jetty = write(tmp_path, "access_log.2022-09-06", lines_text(JETTY.replace("10.10.2.14", "2001:db8:4f2a:10::17, 10.10.0.20")))
    b, _ = read_one(jetty, format="zimbra_access")
    assert b["zimbra_access"]["client_ip"].to_list() == ["2001:db8:4f2a:10::17"]


def test_dash_fields_are_null(tmp_path: Path) -> None:
    data = lines_text(
        '10.10.2.36 - - [06/Sep/2022:09:00:31 +0200] "-" 408 - "-" "-"',
        '10.10.2.36 - - [06/Sep/2022:09:00:32 +0200] "GET /x HTTP/1.1" 200 - "-" "-"',
    )
    b, s = read_one(write(tmp_path, "a.log", data), format="combined")
    assert s["rows"] == 2
    t = b["combined"]
    for col in ("ident", "user", "bytes", "referrer", "user_agent", "extra"):
        assert t[col].to_list() == [None, None], col
    assert t["request"].to_list() == ["-", "GET /x HTTP/1.1"]
    assert t["method"].to_list() == [None, "GET"]
    assert t["status"].to_list() == [408, 200]
    ev = b.events
    assert ev["bytes_in"].to_list() == [None, None]
    assert ev["user_agent"].to_list() == [None, None]


def test_missing_trailing_fields(tmp_path: Path) -> None:
    """A combined file where one line lacks the referrer and the user agent: a row with nulls."""
    data = lines_text(
        f'10.10.2.31 - - [06/Sep/2022:09:00:00 +0200] "GET /a HTTP/1.1" 200 10 "http://x/" "{UA}"',
        '10.10.2.31 - - [06/Sep/2022:09:00:01 +0200] "GET /b HTTP/1.1" 200 11',
        f'10.10.2.31 - - [06/Sep/2022:09:00:02 +0200] "GET /c HTTP/1.1" 200 12 "http://x/" "{UA}"',
    )
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path)
    assert s["format"] == "combined"
    assert s["rows"] == 3 and s["rejected"] == 0
    t = b["combined"]
    assert t["referrer"].to_list() == ["http://x/", None, "http://x/"]
    assert t["user_agent"].to_list() == [UA, None, UA]
    assert t["path"].to_list() == ["/a", "/b", "/c"]
    assert t["bytes"].to_list() == [10, 11, 12]


# --------------------------------------------------------------------------- broken bytes

@pytest.mark.parametrize(
    ("fmt", "line", "last_col", "last_val"),
    [
        ("zimbra_access", JETTY, "latency_ms", 23),
        ("combined", f'10.10.2.31 - - [06/Sep/2022:09:00:00 +0200] "GET /a HTTP/1.1" 200 10 "-" "{UA}"', "user_agent", UA),
        ("zimbra_nginx", NGINX, "server", "mail.example.org:443"),
        ("common", '10.10.2.31 - - [06/Sep/2022:09:00:00 +0200] "GET /a HTTP/1.1" 200 10', "bytes", 10),
    ],
)
def test_crlf_line_ends(tmp_path: Path, fmt: str, line: str, last_col: str, last_val) -> None:
    data = lines_text(line, line, "garbage", line, end="\r\n")
    path = write(tmp_path, "crlf.log", data)
    b, s = read_one(path, format=fmt)
    assert s["lines"] == 4 and s["rows"] == 3 and s["rejected"] == 1
    t = b[fmt]
    assert t[last_col].to_list() == [last_val] * 3
    assert t["line"].to_list() == [1, 2, 4]
    check_provenance(t, data)
    rej = b.rejects
    assert rej["raw"].to_list() == ["garbage"]
    assert rej["offset"].to_list() == [2 * (len(line) + 2)]


def test_invalid_utf8_is_lossy_not_fatal(tmp_path: Path) -> None:
    good = f'10.10.2.31 - - [06/Sep/2022:09:00:00 +0200] "GET /a HTTP/1.1" 200 10 "-" "{UA}"'.encode()
    bad_ua = b'10.10.2.31 - - [06/Sep/2022:09:00:01 +0200] "GET /b HTTP/1.1" 200 11 "-" "Mozilla \xff\xfe (caf\xe9)"'
    bad_url = b'10.10.2.31 - - [06/Sep/2022:09:00:02 +0200] "GET /caf\xe9/\xc3\x28 HTTP/1.1" 200 12 "-" "curl/7.74.0"'
    junk = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8b\x1e\xa4\xff"
    data = b"\n".join([good, bad_ua, bad_url, junk, good]) + b"\n"
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert s["lines"] == 5
    assert s["rejected"] >= 1  # the raw TLS bytes cannot be a row
    t = b["combined"]
    by_line = {r["line"]: r for r in t.iter_rows(named=True)}
    assert by_line[1]["user_agent"] == UA and by_line[5]["user_agent"] == UA
    rej = {r["line"]: r for r in b.rejects.iter_rows(named=True)}
    assert 4 in rej
    assert rej[4]["raw"] == junk.decode("utf-8", "replace")
    if "raw_bytes" in b.rejects.columns:
        assert rej[4]["raw_bytes"] == junk
    # lines 2 and 3: a row with lossy text, or a reject keeping the lossy raw line
    for n, raw, col in ((2, bad_ua, "user_agent"), (3, bad_url, "url")):
        if n in by_line:
            assert "\ufffd" in by_line[n][col]
            assert by_line[n]["status"] == 200
        else:
            assert rej[n]["raw"] == raw.decode("utf-8", "replace")
    check_provenance(t, data)


def test_nul_bytes_after_a_crash(tmp_path: Path) -> None:
    """A crash leaves a run of NULs where the last lines were; the restarted server appends after it."""
    lines = [combined_line(i) for i in range(6)]
    data = (
        (lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n").encode()
        + b"\x00" * 4096
        + (lines[3] + "\n" + lines[4] + "\n").encode()
        + b"\x00" * 512 + b"\n"
        + (lines[5].replace("Firefox/104.0", "Fire\x00fox") + "\n").encode()
    )
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert s["lines"] == 7
    t = b["combined"]
    by_line = {r["line"]: r for r in t.iter_rows(named=True)}
    for n in (1, 2, 3, 5):
        assert n in by_line, f"line {n} lost"
        assert by_line[n]["url"] == f"/service/home/~/?id={ [0, 1, 2, None, 4][n - 1] }&part=2"
    rejects = {r["line"]: r for r in b.rejects.iter_rows(named=True)}
    # line 4: NULs glued to a valid line: the parser reads past them; the row keeps the line's
    # own offset (where the NULs start), so the raw evidence is still found there
    assert by_line[4]["status"] == 200 and by_line[4]["url"] == "/service/home/~/?id=3&part=2"
    assert by_line[4]["client"] == by_line[4]["client_ip"] == "10.10.2.14"
    assert data[by_line[4]["offset"] : by_line[4]["offset"] + 4096] == b"\x00" * 4096
    # line 6: only NULs, not a log line
    assert 6 in rejects and rejects[6]["raw"] == "\x00" * 512
    # line 7: a NUL inside the user agent is text like any other
    assert by_line[7]["user_agent"].endswith("Fire\x00fox")
    check_provenance(t, data)


def test_ten_megabyte_line(tmp_path: Path) -> None:
    long_query = "q=" + "A" * (10 * 1024 * 1024)
    lines = [
        combined_line(1),
        f'198.51.100.9 - - [06/Sep/2022:09:30:00 +0200] "GET /search?{long_query} HTTP/1.1" 414 0 "-" "{UA}"',
        combined_line(3),
    ]
    data = lines_text(*lines)
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert s["lines"] == 3 and s["rows"] == 3
    t = b["combined"]
    assert t["line"].to_list() == [1, 2, 3]
    assert t["offset"].to_list() == [0, len(lines[0]) + 1, len(lines[0]) + len(lines[1]) + 2]
    assert t["query"][1] == long_query
    assert t["status"].to_list() == [200, 414, 200]
    assert t["user_agent"][2] == "Mozilla/5.0 (X11; Linux x86_64; rv:104.0) Gecko/20100101 Firefox/104.0"


def test_ten_megabyte_junk_line_is_a_reject(tmp_path: Path) -> None:
    junk = "x" * (10 * 1024 * 1024)
    data = lines_text(combined_line(1), junk, combined_line(3))
    b, s = read_one(write(tmp_path, "access.log", data), format="combined")
    assert (s["lines"], s["rows"], s["rejected"]) == (3, 2, 1)
    rej = b.rejects.row(0, named=True)
    assert rej["line"] == 2 and rej["offset"] == len(combined_line(1)) + 1
    assert len(rej["raw"]) == len(junk)


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "access.log", b"")
    b, s = read_one(path)
    assert s["status"] == "empty"
    assert (s["lines"], s["rows"], s["rejected"], s["bytes"], s["decompressed_bytes"]) == (0, 0, 0, 0, 0)
    assert s["sha256"] == hashlib.sha256(b"").hexdigest()
    assert b.formats == []
    assert b.rejects.height == 0
    assert b.events.height == 0

    gz = write(tmp_path, "nginx.access.log.2.gz", gzip_bytes(b""))
    _, s = read_one(gz)
    assert s["status"] == "empty"
    assert s["compression"] == "gzip"
    assert (s["lines"], s["rows"], s["rejected"], s["decompressed_bytes"]) == (0, 0, 0, 0)


def test_file_without_final_newline(tmp_path: Path) -> None:
    data = (combined_line(1) + "\n" + combined_line(2)).encode()
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert (s["lines"], s["rows"], s["rejected"]) == (2, 2, 0)
    t = b["combined"]
    assert t["line"].to_list() == [1, 2]
    assert t["url"][1] == "/service/home/~/?id=2&part=2"
    assert t["user_agent"][1].endswith("Firefox/104.0")

    # the same with CRLF and the \r left at the very end
    data = (combined_line(1) + "\r\n" + combined_line(2) + "\r").encode()
    b, s = read_one(write(tmp_path, "crlf.log", data), format="combined")
    assert (s["lines"], s["rows"], s["rejected"]) == (2, 2, 0)
    assert b["combined"]["user_agent"][1].endswith("Firefox/104.0")


# --------------------------------------------------------------------------- compression

def _numbered(n: int) -> bytes:
    return lines_text(*(combined_line(i) for i in range(1, n + 1)))


def test_truncated_gzip_keeps_rows_before_the_cut(tmp_path: Path) -> None:
    n = 3000
    plain = _numbered(n)
    packed = gzip_bytes(plain)
    cut = packed[: len(packed) // 2]
    path = write(tmp_path, "nginx.access.log.2.gz", cut)
    b, s = read_one(path, format="combined")
    assert s["status"] == "truncated", s
    assert s["compression"] == "gzip"
    assert s["error"], "a truncated file must say why"
    assert any(w in s["error"].lower() for w in ("truncat", "unexpected end", "eof", "incomplete", "end of")), s["error"]
    assert s["sha256"] == hashlib.sha256(cut).hexdigest()
    assert s["bytes"] == len(cut)
    assert 0 < s["decompressed_bytes"] < len(plain)
    assert s["lines"] == expected_lines(plain[: s["decompressed_bytes"]])
    t = b["combined"]
    k = t.height
    assert k >= n // 4, f"only {k} rows survived half of the compressed stream"
    assert t["line"].to_list() == list(range(1, k + 1))
    assert t["url"].to_list() == [f"/service/home/~/?id={i}&part=2" for i in range(1, k + 1)]
    check_provenance(t, plain)
    with pytest.raises((OSError, vl.VeilleurError)):
        vl.read(path, format="combined", strict=True)


def test_corrupt_gzip_is_an_error_or_truncated(tmp_path: Path) -> None:
    packed = bytearray(gzip_bytes(_numbered(500)))
    packed[len(packed) // 2 : len(packed) // 2 + 64] = b"\xa5" * 64
    path = write(tmp_path, "x.gz", bytes(packed))
    _, s = read_one(path, format="combined")
    assert s["status"] in ("truncated", "error"), s
    assert s["error"]


def test_multi_member_gzip(tmp_path: Path) -> None:
    a, c = _numbered(100), lines_text(*(combined_line(i) for i in range(101, 151)))
    data = gzip_bytes(a) + gzip_bytes(c)
    path = write(tmp_path, "nginx.access.log.1.gz", data)
    b, s = read_one(path, format="combined")
    assert s["status"] == "ok" and s["compression"] == "gzip"
    assert (s["lines"], s["rows"]) == (150, 150)
    assert s["decompressed_bytes"] == len(a) + len(c)
    assert s["sha256"] == hashlib.sha256(data).hexdigest()
    t = b["combined"]
    assert t["line"].to_list() == list(range(1, 151))
    assert t["url"][149] == "/service/home/~/?id=150&part=2"
    check_provenance(t, a + c)


def _zstd(data: bytes, tmp_path: Path) -> bytes:
    try:
        import zstandard  # type: ignore[import-not-found]

        return zstandard.ZstdCompressor().compress(data)
    except ImportError:
        pass
    exe = shutil.which("zstd")
    if exe is None:
        pytest.skip("neither the zstandard module nor the zstd command is available to write a .zst file")
    src = write(tmp_path, "zsrc.bin", data)
    out = tmp_path / "zsrc.bin.zst"
    subprocess.run([exe, "-q", "-f", "-o", str(out), str(src)], check=True)
    packed = out.read_bytes()
    src.unlink()
    out.unlink()
    return packed


def test_zstd(tmp_path: Path) -> None:
    plain = _numbered(400)
    packed = _zstd(plain, tmp_path)
    path = write(tmp_path, "access.log.zst", packed)
    b, s = read_one(path, format="combined")
    assert s["compression"] == "zstd" and s["status"] == "ok"
    assert (s["lines"], s["rows"]) == (400, 400)
    assert s["decompressed_bytes"] == len(plain)
    assert s["sha256"] == hashlib.sha256(packed).hexdigest()
    check_provenance(b["combined"], plain)

    # a zstd file cut short
    cut = write(tmp_path, "cut.zst", packed[: len(packed) // 2])
    _, s = read_one(cut, format="combined")
    assert s["status"] == "truncated" and s["error"]


def test_compression_by_magic_bytes_not_name(tmp_path: Path) -> None:
    plain = _numbered(20)
    gz_named_log = write(tmp_path, "really_gzip.log", gzip_bytes(plain))
    plain_named_gz = write(tmp_path, "really_plain.gz", plain)
    b, _ = read_one(tmp_path, format="combined")
    s1 = summary_row(b.summary, gz_named_log)
    s2 = summary_row(b.summary, plain_named_gz)
    assert s1["compression"] == "gzip" and s1["rows"] == 20 and s1["status"] == "ok"
    assert s2["compression"] == "none" and s2["rows"] == 20 and s2["status"] == "ok"
    assert s1["decompressed_bytes"] == s2["decompressed_bytes"] == len(plain)
    assert s1["sha256"] == hashlib.sha256(gz_named_log.read_bytes()).hexdigest()
    assert s2["sha256"] == hashlib.sha256(plain).hexdigest()


def test_rotated_names_are_detected(tmp_path: Path) -> None:
    jetty = write(tmp_path, "access_log.2022-09-06", lines_text(*[JETTY] * 5))
    nginx = write(tmp_path, "nginx.access.log.3.gz", gzip_bytes(lines_text(*[NGINX] * 5)))
    b, _ = read_one(tmp_path)
    sj, sn = summary_row(b.summary, jetty), summary_row(b.summary, nginx)
    assert (sj["format"], sj["compression"], sj["rows"]) == ("zimbra_access", "none", 5)
    assert (sn["format"], sn["compression"], sn["rows"]) == ("zimbra_nginx", "gzip", 5)
    assert b.formats == ["zimbra_access", "zimbra_nginx"]
    assert b["zimbra_nginx"]["client_port"].to_list() == [50712] * 5
    assert b["zimbra_access"]["latency_ms"].to_list() == [23] * 5


def test_sha256_and_sizes(tmp_path: Path) -> None:
    plain = _numbered(50)
    packed = gzip_bytes(plain, level=9)
    p1 = write(tmp_path, "a.log", plain)
    p2 = write(tmp_path, "b.log.gz", packed)
    b, _ = read_one(tmp_path, format="combined")
    for p, raw, dec in ((p1, plain, plain), (p2, packed, plain)):
        s = summary_row(b.summary, p)
        assert s["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest() == hashlib.sha256(raw).hexdigest()
        assert s["bytes"] == os.path.getsize(p) == len(raw)
        assert s["decompressed_bytes"] == len(dec)
        assert s["lines"] == 50


# --------------------------------------------------------------------------- inputs

def _tree(root: Path) -> dict[str, Path]:
    return {
        "a": write(root, "a.log", _numbered(3)),
        "b": write(root, "sub/b.log", _numbered(4)),
        "c": write(root, "sub/deeper/c.log.1.gz", gzip_bytes(_numbered(5))),
        "d": write(root, "sub/d.txt", _numbered(6)),
    }


def test_folder_is_recursive(tmp_path: Path) -> None:
    files = _tree(tmp_path / "collect")
    b, _ = read_one(tmp_path / "collect", format="combined")
    assert b.summary.height == 4
    for key, n in (("a", 3), ("b", 4), ("c", 5), ("d", 6)):
        assert summary_row(b.summary, files[key])["rows"] == n
    assert b["combined"].height == 18
    # given as str, Path, and with a trailing slash: same result
    b2, _ = read_one(str(tmp_path / "collect") + "/", format="combined")
    assert b2.summary.height == 4


def test_glob(tmp_path: Path) -> None:
    files = _tree(tmp_path / "collect")
    b, _ = read_one(str(tmp_path / "collect" / "sub" / "*.log"), format="combined")
    assert b.summary.height == 1
    assert summary_row(b.summary, files["b"])["rows"] == 4
    b, _ = read_one(str(tmp_path / "collect" / "*" / "*"), format="combined")
    got = sorted(Path(p).name for p in b.summary["path"].to_list())
    assert "b.log" in got and "d.txt" in got and "a.log" not in got


def test_list_of_paths(tmp_path: Path) -> None:
    files = _tree(tmp_path / "collect")
    b, _ = read_one([files["a"], str(files["c"])], format="combined")
    assert b.summary.height == 2
    assert b["combined"].height == 8
    assert sorted(b["combined"]["file"].cast(pl.String).unique().to_list()) == sorted([str(files["a"]), str(files["c"])])


def test_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_access_log.2022-09-06"
    with pytest.raises(FileNotFoundError) as e:
        vl.read(missing)
    assert str(missing) in str(e.value)
    present = write(tmp_path, "a.log", _numbered(2))
    with pytest.raises(FileNotFoundError) as e:
        vl.read([present, missing])
    assert str(missing) in str(e.value)
    with pytest.raises(FileNotFoundError):
        vl.read_arrow(missing)
    with pytest.raises(FileNotFoundError):
        vl.iter_batches(missing).read_all()


def test_glob_matching_nothing(tmp_path: Path) -> None:
    pattern = str(tmp_path / "*.nothing")
    with pytest.raises(FileNotFoundError) as e:
        vl.read(pattern)
    assert pattern in str(e.value)


def test_dangling_symlink_in_folder(tmp_path: Path) -> None:
    root = tmp_path / "collect"
    good = write(root, "a.log", _numbered(3))
    link = root / "access.log.1"
    link.symlink_to(root / "vanished.log")
    with pytest.warns(UserWarning, match="access.log.1"):
        b = vl.read(root, format="combined")
    check_counts(b.summary)
    s = summary_row(b.summary, link)
    assert s["status"] == "error"
    assert s["error"] and ("access.log.1" in s["error"] or "vanished.log" in s["error"]), s["error"]
    assert s["rows"] == 0
    assert summary_row(b.summary, good)["rows"] == 3
    assert b["combined"].height == 3
    with pytest.raises((OSError, vl.VeilleurError)) as e:
        vl.read(root, format="combined", strict=True)
    assert "access.log.1" in str(e.value) or "vanished.log" in str(e.value)


def test_strict_raises_parse_error_with_path_and_line(tmp_path: Path) -> None:
    data = lines_text(combined_line(1), combined_line(2), "this is not a log line", combined_line(4), "")
    path = write(tmp_path, "access.log", data)
    with pytest.raises(vl.ParseError) as e:
        vl.read(str(path), format="combined", strict=True)
    assert f"{path}:3" in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, vl.VeilleurError)
    # the reason is in the message too: the same text as the reject's reason
    b, _ = read_one(path, format="combined")
    reason = b.rejects.filter(pl.col("line") == 3)["reason"][0]
    assert reason in str(e.value)
    with pytest.raises(vl.ParseError, match=f"{path}:3"):
        vl.read_arrow(str(path), format="combined", strict=True)
    # a clean file passes strict mode
    clean = write(tmp_path, "clean.log", _numbered(10))
    assert vl.read(clean, format="combined", strict=True)["combined"].height == 10


def test_strict_empty_line(tmp_path: Path) -> None:
    path = write(tmp_path, "access.log", lines_text(combined_line(1), "", combined_line(3)))
    b, s = read_one(path, format="combined")
    assert (s["rows"], s["rejected"]) == (2, 1)
    assert b.rejects["reason"].to_list() == ["empty line"]
    assert b.rejects["raw"].to_list() == [""]
    with pytest.raises(vl.ParseError, match=f"{path}:2"):
        vl.read(str(path), format="combined", strict=True)


# --------------------------------------------------------------------------- provenance

def test_provenance_small_file(tmp_path: Path) -> None:
    data = lines_text(combined_line(1), "junk", "", combined_line(4)) + (combined_line(5) + "\r\n").encode() + combined_line(6).encode()
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined")
    assert (s["lines"], s["rows"], s["rejected"]) == (6, 4, 2)
    records = split_records(data)
    for r in b["combined"].iter_rows(named=True):
        assert raw_line_at(data, r["offset"]) == records[r["line"] - 1]
        assert f"?id={r['line']}&" in r["url"]
    for r in b.rejects.iter_rows(named=True):
        assert raw_line_at(data, r["offset"]).decode() == r["raw"] == records[r["line"] - 1].decode()
    assert sorted(b["combined"]["line"].to_list() + b.rejects["line"].to_list()) == list(range(1, 7))


def test_provenance_large_file_across_chunks(big_combined: BigFile) -> None:
    """> 20 MB: several chunks; every line is a row, numbered 1..N, at its exact byte offset."""
    b, s = read_one(big_combined.path, format="combined")
    data = big_combined.data
    assert s["bytes"] == len(data) > 20 * 1024 * 1024
    assert (s["lines"], s["rows"], s["rejected"]) == (big_combined.lines,) * 2 + (0,)
    t = b["combined"]
    assert t["line"].to_list() == list(range(1, big_combined.lines + 1))
    assert t["offset"].to_list() == line_starts(data)
    # spot checks of content against the raw bytes
    for i in (0, 1, big_combined.lines // 3, big_combined.lines // 2, big_combined.lines - 1):
        r = t.row(i, named=True)
        raw = raw_line_at(data, r["offset"]).decode()
        assert raw.startswith(r["client"] + " - - [")
        assert f'"{r["request"]}" {r["status"]} {r["bytes"]} ' in raw
        assert f"?id={i}&" in r["url"]


def test_provenance_of_rejects_across_chunks(tmp_path: Path) -> None:
    """Small chunks over a 1.5 MB file with junk lines sprinkled: rows and rejects keep their
    line numbers and offsets whichever chunk they fall in."""
    lines = []
    bad = set()
    for i in range(1, 7001):
        if i % 997 == 0 or i in (1, 7000):
            lines.append(f"junk line {i} " + "z" * (i % 300))
            bad.add(i)
        else:
            lines.append(combined_line(i))
    data = lines_text(*lines)
    path = write(tmp_path, "access.log", data)
    b, s = read_one(path, format="combined", chunk_bytes=64 * 1024)
    assert (s["lines"], s["rows"], s["rejected"]) == (7000, 7000 - len(bad), len(bad))
    starts = line_starts(data)
    rej = b.rejects.sort("line")
    assert rej["line"].to_list() == sorted(bad)
    assert rej["offset"].to_list() == [starts[i - 1] for i in sorted(bad)]
    assert rej["raw"].to_list() == [lines[i - 1] for i in sorted(bad)]
    t = b["combined"]
    assert t["line"].to_list() == [i for i in range(1, 7001) if i not in bad]
    check_provenance(t, data)
    # the same with the default chunk size: identical tables
    b2, _ = read_one(path, format="combined")
    assert b2["combined"].equals(t)
    assert b2.rejects.sort("line").equals(rej)


def test_rows_of_several_files_keep_their_own_provenance(tmp_path: Path) -> None:
    d1, d2 = _numbered(30), lines_text(*(combined_line(i) for i in range(1, 11)), end="\r\n")
    p1, p2 = write(tmp_path, "one.log", d1), write(tmp_path, "two.log", d2)
    b, _ = read_one([p1, p2], format="combined")
    t = b["combined"]
    for p, d, n in ((p1, d1, 30), (p2, d2, 10)):
        rows = file_rows(t, p)
        assert rows["line"].to_list() == list(range(1, n + 1))
        check_provenance(rows, d)


# --------------------------------------------------------------------------- values out of range

@pytest.mark.parametrize(
    "stamp",
    [
        "29/Feb/2023:10:00:00 +0000",  # not a leap year
        "31/Apr/2022:10:00:00 +0000",
        "06/Sep/2022:24:00:00 +0000",
        "06/Sep/2022:10:00:00 +2400",
        "06/Sep/2022:10:00:00",  # no zone
        "06/Sep/2022:10:00:00 CEST",
        "06/Xyz/2022:10:00:00 +0000",
    ],
)
def test_impossible_timestamps_are_rejected(tmp_path: Path, stamp: str) -> None:
    line = f'10.10.2.31 - - [{stamp}] "GET / HTTP/1.1" 200 1'
    path = write(tmp_path, "a.log", lines_text(combined_line(1), line, combined_line(3)))
    for fmt in ("common", "combined"):
        b, s = read_one(path, format=fmt)
        assert s["rejected"] >= 1
        assert 2 in b.rejects["line"].to_list(), (fmt, stamp)


def test_numbers_out_of_range_are_rejected(tmp_path: Path) -> None:
    lines = [
        '10.1.1.1 - - [06/Sep/2022:10:00:00 +0000] "GET / HTTP/1.1" 200 99999999999999999999999',  # > u64
        '10.1.1.1 - - [06/Sep/2022:10:00:00 +0000] "GET / HTTP/1.1" 2000 1',
        '10.1.1.1 - - [06/Sep/2022:10:00:00 +0000] "GET / HTTP/1.1" 200 -1',
        '10.1.1.1 - - [06/Sep/2022:10:00:00 +0000] "GET / HTTP/1.1" 200 18446744073709551615',  # u64::MAX fits
    ]
    b, s = read_one(write(tmp_path, "a.log", lines_text(*lines)), format="common")
    assert (s["rows"], s["rejected"]) == (1, 3)
    assert b["common"]["bytes"].to_list() == [18446744073709551615]
    jetty = JETTY.replace(" 23", " 99999999999999999999999")
    b, s = read_one(write(tmp_path, "access_log.2022-09-06", lines_text(jetty, JETTY)), format="zimbra_access")
    assert (s["rows"], s["rejected"]) == (1, 1)
    assert b.rejects["line"].to_list() == [1]


def test_tz_does_not_move_lines_that_carry_an_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "nginx.access.log", lines_text(NGINX))
    a = vl.read(path, format="zimbra_nginx")["zimbra_nginx"]["ts"].to_list()
    b = vl.read(path, format="zimbra_nginx", tz="America/New_York")["zimbra_nginx"]["ts"].to_list()
    assert a == b
    assert a[0].isoformat() == "2022-09-06T09:13:58+00:00"


def test_only_empty_lines(tmp_path: Path) -> None:
    b, s = read_one(write(tmp_path, "a.log", b"\n\n\r\n"), format="combined")
    assert (s["lines"], s["rows"], s["rejected"]) == (3, 0, 3)
    assert b.rejects["line"].to_list() == [1, 2, 3]
    assert b.rejects["offset"].to_list() == [0, 1, 2]
    assert b.rejects["reason"].to_list()[:2] == ["empty line", "empty line"]


def test_gzip_followed_by_zero_padding_keeps_every_row(tmp_path: Path) -> None:
    """Copies from disk images or tapes pad a .gz with zeros after the stream: gzip -d ignores
    them ('trailing zero bytes ignored'); every row must still be read."""
    plain = _numbered(40)
    path = write(tmp_path, "nginx.access.log.4.gz", gzip_bytes(plain) + b"\x00" * 1024)
    b, s = read_one(path, format="combined")
    assert (s["rows"], s["rejected"], s["decompressed_bytes"]) == (40, 0, len(plain))
    assert s["status"] in ("ok", "truncated")
    assert b["combined"]["line"].to_list() == list(range(1, 41))


def test_folder_with_a_symlink_loop(tmp_path: Path) -> None:
    """A collected tree can hold symlinked folders (/opt/zimbra/jetty -> jetty_base): the walk
    ends, and no file is read twice."""
    root = tmp_path / "collect"
    real = write(root, "jetty_base/logs/a.log", _numbered(3))
    (root / "jetty").symlink_to(root / "jetty_base")
    (root / "jetty_base" / "logs" / "up").symlink_to(root)
    b, _ = read_one(root, format="combined")
    paths = [os.path.realpath(p) for p in b.summary["path"].to_list()]
    assert len(paths) == len(set(paths)), b.summary["path"].to_list()
    assert os.path.realpath(real) in paths
    assert b["combined"].height == 3


def test_apache_combined_with_duration_is_not_zimbra_access(tmp_path: Path) -> None:
    """Apache's common ``combined`` + ``%D`` (microseconds) ends with a bare integer, like
    Jetty's latency. mailboxd's access_log is always GMT (+0000); a file written at +0200 is not
    one, and reading %D microseconds as latency_ms would be off by 1000: it is combined with
    the duration in ``extra``."""
    lines = [
        f'10.10.2.{i} - - [06/Sep/2022:10:00:{i:02d} +0200] "GET /intranet/{i} HTTP/1.1" 200 {500 + i} "-" "{UA}" {15320 + i}'
        for i in range(20)
    ]
    path = write(tmp_path, "var/log/apache2/other_vhosts_access.log", lines_text(*lines))
    b, s = read_one(path)
    assert s["format"] == "combined", s
    assert b["combined"]["extra"].to_list() == [str(15320 + i) for i in range(20)]


@pytest.mark.parametrize("chunk", [1024, 4097, 65537])
def test_crlf_across_chunk_boundaries(tmp_path: Path, chunk: int) -> None:
    """Chunk cuts that fall between a \\r and its \\n, or right after a line end."""
    lines = [combined_line(i) if i % 50 else f"junk {i}" for i in range(1, 1201)]
    data = lines_text(*lines, end="\r\n")
    path = write(tmp_path, "crlf.log", data)
    b, s = read_one(path, format="combined", chunk_bytes=chunk)
    assert (s["lines"], s["rows"], s["rejected"]) == (1200, 1200 - 24, 24)
    t = b["combined"]
    assert t["line"].to_list() == [i for i in range(1, 1201) if i % 50]
    assert not any(ua.endswith("\r") for ua in t["user_agent"].to_list())
    check_provenance(t, data)
    assert b.rejects["raw"].to_list() == [f"junk {i}" for i in range(50, 1201, 50)]
    assert b.rejects["offset"].to_list() == [line_starts(data)[i - 1] for i in range(50, 1201, 50)]


def test_gzip_members_split_a_line(tmp_path: Path) -> None:
    """``cat a.gz b.gz`` where a line continues from one member into the next: one line."""
    lines = [combined_line(i) for i in (1, 2, 3)]
    first = (lines[0] + "\n" + lines[1][:50]).encode()
    second = (lines[1][50:] + "\n" + lines[2] + "\n").encode()
    path = write(tmp_path, "joined.log.gz", gzip_bytes(first) + gzip_bytes(second))
    b, s = read_one(path, format="combined")
    assert (s["lines"], s["rows"], s["rejected"]) == (3, 3, 0)
    assert b["combined"]["url"].to_list() == [f"/service/home/~/?id={i}&part=2" for i in (1, 2, 3)]
    check_provenance(b["combined"], first + second)


def test_gzip_provenance_across_chunks(tmp_path: Path) -> None:
    """Offsets of a compressed file are positions in the decompressed stream, across chunks."""
    lines = [combined_line(i) if i % 333 else "not a log line" for i in range(1, 8001)]
    plain = lines_text(*lines)
    path = write(tmp_path, "nginx.access.log.5.gz", gzip_bytes(plain))
    b, s = read_one(path, format="combined", chunk_bytes=64 * 1024)
    assert (s["lines"], s["rejected"], s["decompressed_bytes"]) == (8000, 24, len(plain))
    check_provenance(b["combined"], plain)
    starts = line_starts(plain)
    assert b.rejects["offset"].to_list() == [starts[i - 1] for i in range(333, 8001, 333)]


def test_detection_survives_a_long_first_line(tmp_path: Path) -> None:
    """The first request of the day is a 200 KB probe (longer than the detection sample): the
    file is still recognised and none of its valid lines ends up in rejects. Otherwise one long
    request after each rotation hides a whole day of evidence from the tables."""
    long = f'198.51.100.9 - - [06/Sep/2022:09:30:00 +0200] "GET /search?q={"A" * 200_000} HTTP/1.1" 414 0 "-" "curl/7.74.0"'
    path = write(tmp_path, "access.log", lines_text(long, *(combined_line(i) for i in range(1, 101))))
    b, s = read_one(path)
    assert s["format"] == "combined", s
    assert (s["lines"], s["rows"], s["rejected"]) == (101, 101, 0)
    assert len(b["combined"]["query"][0]) == 200_002


def test_utf8_bom_at_file_start(tmp_path: Path) -> None:
    line = combined_line(0)
    path = write(tmp_path, "access.log", b"\xef\xbb\xbf" + (line + "\n" + combined_line(1) + "\n").encode())
    b, s = read_one(path)
    assert (s["format"], s["rows"], s["rejected"]) == ("combined", 2, 0)
    t = b["combined"]
    assert t["offset"].to_list() == [0, 3 + len(line) + 1]
    assert t["client_ip"][0] == t["client"][0] == line.split(" ", 1)[0]
