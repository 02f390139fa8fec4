"""IOC loaders: kind guessing of file names and host:port."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import veilleur as vl

DATA = Path(__file__).parent / "data" / "ioc"


def pairs(s: vl.IocSet) -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in s}


def invalid(s: vl.IocSet) -> list[tuple[int | None, str, str]]:
    return s.invalid.select("line", "value", "reason").rows()


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
