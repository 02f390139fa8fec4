"""The Python API: Bundle (summary, rejects, formats, tables, events), read_arrow,
iter_batches with a Report, errors, and the Arrow types handed over."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

import veilleur as vl

from conftest import (
    read_checked,
    EVENT_COLUMNS,
    FORMAT_COLUMNS,
    REJECT_COLUMNS,
    SUMMARY_COLUMNS,
    BigFile,
    check_counts,
    combined_line,
    gzip_bytes,
    summary_row,
    write,
)

UTC_US = pl.Datetime("us", "UTC")
JETTY = (
    '203.0.113.66 - - [06/Sep/2022:09:14:02 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.1" '
    '401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" 7'
)
NGINX = (
    '203.0.113.66:52014 - - [06/Sep/2022:11:14:02 +0200]  "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.1" '
    '401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" "10.10.1.5:8080" "mail.example.org:443"'
)


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    """A small collected folder: Jetty access_log, nginx (plain and rotated gzip), one bad line."""
    root = tmp_path / "collect"
    write(root, "opt/zimbra/log/access_log.2022-09-06", "\n".join([JETTY] * 3 + ["not a log line", JETTY]) + "\n")
    write(root, "opt/zimbra/log/nginx.access.log", "\n".join([NGINX] * 4) + "\n")
    write(root, "opt/zimbra/log/nginx.access.log.1.gz", gzip_bytes(("\n".join([NGINX] * 2) + "\n").encode()))
    return root


def test_exceptions_hierarchy() -> None:
    assert issubclass(vl.ParseError, vl.VeilleurError)
    assert issubclass(vl.ParseError, ValueError)
    assert issubclass(vl.VeilleurError, Exception)
    assert "zimbra_access" in vl.formats() and "zimbra_nginx" in vl.formats()
    assert {"common", "combined"} <= set(vl.formats())


def test_summary_columns_and_dtypes(mixed: Path) -> None:
    b = read_checked(mixed)
    s = b.summary
    assert s.columns[: len(SUMMARY_COLUMNS)] == SUMMARY_COLUMNS or set(SUMMARY_COLUMNS) <= set(s.columns)
    for col in ("path", "format", "compression", "sha256", "status", "error"):
        assert s.schema[col] == pl.String, col
    for col in ("bytes", "decompressed_bytes", "lines", "rows", "rejected"):
        assert s.schema[col] == pl.UInt64, col
    assert s.height == 3
    check_counts(s)
    assert sorted(s["compression"].to_list()) == ["gzip", "none", "none"]
    assert set(s["status"].to_list()) == {"ok"}
    assert s["error"].to_list() == [None, None, None]
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in s["sha256"].to_list())
    acc = summary_row(s, mixed / "opt/zimbra/log/access_log.2022-09-06")
    assert (acc["format"], acc["lines"], acc["rows"], acc["rejected"]) == ("zimbra_access", 5, 4, 1)


def test_rejects_columns_and_dtypes(mixed: Path) -> None:
    r = read_checked(mixed).rejects
    assert set(REJECT_COLUMNS) <= set(r.columns)
    assert r.schema["line"] == pl.UInt64 and r.schema["offset"] == pl.UInt64
    for col in ("reason", "raw"):
        assert r.schema[col] == pl.String
    assert r.schema["file"] in (pl.String, pl.Categorical)
    assert r.height == 1
    row = r.row(0, named=True)
    assert (row["line"], row["offset"], row["raw"]) == (4, 3 * (len(JETTY) + 1), "not a log line")
    assert str(row["file"]).endswith("access_log.2022-09-06")


def test_formats_and_getitem(mixed: Path) -> None:
    b = read_checked(mixed)
    assert b.formats == ["zimbra_access", "zimbra_nginx"]
    assert b["zimbra_access"].height == 4
    assert b["zimbra_nginx"].height == 6
    with pytest.raises(KeyError) as e:
        b["combined"]
    msg = str(e.value)
    assert "combined" in msg and "zimbra_access" in msg and "zimbra_nginx" in msg
    with pytest.raises(KeyError):
        b["no_such_format"]


@pytest.mark.parametrize("fmt", sorted(FORMAT_COLUMNS))
def test_native_table_dtypes(fmt: str, tmp_path: Path) -> None:
    line = {
        "common": '10.10.2.31 - - [06/Sep/2022:09:00:00 +0200] "GET /a?b=1 HTTP/1.1" 200 10',
        "combined": combined_line(1),
        "zimbra_access": JETTY,
        "zimbra_nginx": NGINX,
    }[fmt]
    b = read_checked(write(tmp_path, "x.log", line + "\n"), format=fmt)
    t = b[fmt]
    assert t.columns[:3] == ["file", "line", "offset"]
    assert set(t.columns) == set(FORMAT_COLUMNS[fmt])
    assert t.schema["file"] in (pl.String, pl.Categorical)
    assert t.schema["line"] == pl.UInt64 and t.schema["offset"] == pl.UInt64
    assert t.schema["ts"] == UTC_US
    assert t.schema["status"] == pl.UInt16
    assert t.schema["bytes"] == pl.UInt64
    for col in ("client", "client_ip", "ident", "user", "request", "method", "url", "path", "query", "protocol"):
        assert t.schema[col] == pl.String, col
    if fmt == "zimbra_access":
        assert t.schema["latency_ms"] == pl.UInt64
    if fmt == "zimbra_nginx":
        assert t.schema["client_port"] == pl.UInt16
        for col in ("upstream", "server", "extra"):
            assert t.schema[col] == pl.String, col
    assert t.height == 1


def test_events_schema(mixed: Path) -> None:
    ev = read_checked(mixed).events
    assert ev.columns == EVENT_COLUMNS
    assert ev.schema["ts"] == UTC_US
    assert ev.schema["http_status"] == pl.UInt16
    assert ev.schema["bytes_in"] == pl.UInt64
    assert ev.schema["bytes_out"] == pl.UInt64
    assert ev.schema["src_port"] == pl.UInt16
    assert ev.schema["dst_port"] == pl.UInt16
    assert ev.schema["line"] == pl.UInt64 and ev.schema["offset"] == pl.UInt64
    assert ev.schema["source"] in (pl.String, pl.Categorical)
    for col in ("src_ip", "dst_ip", "user", "action", "http_method", "url", "domain", "user_agent", "message"):
        assert ev.schema[col] == pl.String, col
    assert ev.height == 10
    assert sorted(ev["source"].unique().to_list()) == ["zimbra_access", "zimbra_nginx"]
    # the same request seen by the proxy (local time, +0200) and by mailboxd (GMT) at the same instant
    assert ev["ts"].unique().to_list() == [ev["ts"][0]]
    assert ev["src_ip"].unique().to_list() == ["203.0.113.66"]
    assert ev.filter(pl.col("source") == "zimbra_nginx")["src_port"].unique().to_list() == [52014]
    assert ev.filter(pl.col("source") == "zimbra_access")["src_port"].null_count() == 4
    assert ev.filter(pl.col("source") == "zimbra_nginx")["domain"].unique().to_list() == ["mail.example.org"]
    assert ev["http_status"].unique().to_list() == [401]
    assert ev["bytes_in"].unique().to_list() == [299]


def test_read_arrow_matches_bundle(mixed: Path) -> None:
    access = mixed / "opt/zimbra/log/access_log.2022-09-06"
    t = vl.read_arrow(access)
    assert isinstance(t, pa.Table)
    b = read_checked(access)
    assert pl.from_arrow(t).equals(b["zimbra_access"])
    assert t.num_rows == 4
    # a folder with two formats: native needs format=..., events are fine
    with pytest.raises(ValueError, match="format"):
        vl.read_arrow(mixed)
    with pytest.raises(ValueError):
        vl.read_arrow(mixed, schema="native")
    ev = vl.read_arrow(mixed, schema="events")
    assert isinstance(ev, pa.Table) and ev.num_rows == 10
    assert pl.from_arrow(ev).equals(read_checked(mixed).events)
    nginx_only = vl.read_arrow(str(mixed / "opt/zimbra/log/nginx.access.log*"))
    assert nginx_only.num_rows == 6
    with pytest.raises(ValueError):
        vl.read_arrow(mixed, schema="nonsense")


def test_read_arrow_types(mixed: Path) -> None:
    t = vl.read_arrow(mixed / "opt/zimbra/log/nginx.access.log")
    sch = t.schema
    assert sch.field("ts").type == pa.timestamp("us", tz="UTC")
    assert sch.field("status").type == pa.uint16()
    assert sch.field("bytes").type == pa.uint64()
    assert sch.field("line").type == pa.uint64()
    assert sch.field("offset").type == pa.uint64()
    assert sch.field("client_port").type == pa.uint16()
    for col in ("client", "request", "url", "user_agent"):
        ty = sch.field(col).type
        assert pa.types.is_string(ty) or pa.types.is_large_string(ty) or pa.types.is_string_view(ty), (col, ty)
    ev = vl.read_arrow(mixed, schema="events").schema
    assert ev.field("ts").type == pa.timestamp("us", tz="UTC")
    assert ev.field("http_status").type == pa.uint16()
    assert ev.field("bytes_in").type == pa.uint64()
    assert ev.field("src_port").type == pa.uint16()
    assert ev.names == EVENT_COLUMNS


def test_iter_batches_streams_a_large_file(big_combined: BigFile) -> None:
    report = vl.Report()
    reader = vl.iter_batches(big_combined.path, format="combined", report=report)
    assert isinstance(reader, pa.RecordBatchReader)
    assert reader.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert reader.schema.field("status").type == pa.uint16()
    n_batches = rows = 0
    last_line = 0
    for batch in reader:
        assert isinstance(batch, pa.RecordBatch)
        n_batches += 1
        lines = batch.column("line").to_pylist()
        if lines:
            assert lines[0] == last_line + 1, "batches must come in order, without gaps"
            last_line = lines[-1]
        rows += batch.num_rows
    assert n_batches >= 3, f"a {big_combined.path.stat().st_size} byte file came in {n_batches} batch(es)"
    assert rows == big_combined.lines == last_line
    s = report.summary
    check_counts(s)
    assert s.height == 1
    assert (s["rows"][0], s["rejected"][0], s["lines"][0]) == (big_combined.lines, 0, big_combined.lines)
    assert s["status"][0] == "ok"
    assert report.rejects.height == 0


def test_iter_batches_report_and_events(mixed: Path) -> None:
    report = vl.Report()
    reader = vl.iter_batches(mixed, schema="events", report=report)
    assert reader.schema.names == EVENT_COLUMNS
    table = reader.read_all()
    assert table.num_rows == 10
    assert pl.from_arrow(table).sort("file", "line").equals(read_checked(mixed).events.sort("file", "line"))
    s = report.summary
    check_counts(s)
    assert s.height == 3 and int(s["rejected"].sum()) == 1
    r = report.rejects
    assert r.height == 1 and r["line"][0] == 4 and r["raw"][0] == "not a log line"
    # native schema over mixed formats needs a format
    with pytest.raises(ValueError):
        vl.iter_batches(mixed).read_all()
    nginx = vl.iter_batches(mixed / "opt/zimbra/log/nginx.access.log.1.gz").read_all()
    assert nginx.num_rows == 2 and nginx.schema.field("client_port").type == pa.uint16()


def test_iter_batches_strict(tmp_path: Path) -> None:
    path = write(tmp_path, "a.log", combined_line(1) + "\nbroken\n" + combined_line(3) + "\n")
    with pytest.raises(ValueError, match=f"{path}:2"):
        vl.iter_batches(str(path), format="combined", strict=True).read_all()


def test_paths_as_str_path_and_list(mixed: Path) -> None:
    log = mixed / "opt/zimbra/log/nginx.access.log"
    a = read_checked(str(log))["zimbra_nginx"]
    b = read_checked(log)["zimbra_nginx"]
    c = read_checked([log])["zimbra_nginx"]
    assert a.equals(b) and b.equals(c)
    with pytest.raises(ValueError):
        read_checked([])


def test_unknown_format_id(tmp_path: Path) -> None:
    path = write(tmp_path, "a.log", combined_line(1) + "\n")
    with pytest.raises((ValueError, KeyError)) as e:
        read_checked(path, format="apache_combined_typo")
    assert "apache_combined_typo" in str(e.value)


def test_unrecognised_file(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "shopping list\neggs\nmilk\n")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        b = read_checked(path)
    s = b.summary.row(0, named=True)
    assert s["status"] == "unrecognised" and s["format"] is None
    assert (s["lines"], s["rows"], s["rejected"]) == (3, 0, 3)
    assert b.rejects["raw"].to_list() == ["shopping list", "eggs", "milk"]
    assert b.formats == []
    assert any("notes.txt" in str(x.message) for x in w)


def test_repr(mixed: Path) -> None:
    r = repr(read_checked(mixed))
    assert "files=3" in r and "rows=10" in r and "rejected=1" in r


def test_release_tables_keeps_events_and_the_kept_tables(mixed: Path) -> None:
    whole = vl.read(mixed)
    b = vl.read(mixed)
    fmts = b.formats
    assert len(fmts) >= 2
    keep, gone = fmts[0], fmts[1]
    kept_before = b[keep]
    ev = b.release_tables(keep=[keep])
    assert ev.equals(whole.events) and b.events is ev
    assert b[keep].equals(kept_before) and b.formats == fmts
    with pytest.raises(KeyError, match="released"):
        b[gone]
    assert b.summary.equals(whole.summary) and b.rejects.equals(whole.rejects)
    # a second call releases more, events unchanged
    b.release_tables()
    with pytest.raises(KeyError, match="released"):
        b[keep]
    assert b.events.equals(whole.events)
    with pytest.raises(KeyError, match="unknown format"):
        b.release_tables(keep=["nope"])


def test_sha256_opt_out(mixed: Path) -> None:
    import hashlib

    hashed = vl.read(mixed)
    plain = vl.read(mixed, sha256=False)
    for row in hashed.summary.iter_rows(named=True):
        assert row["sha256"] == hashlib.sha256(Path(row["path"]).read_bytes()).hexdigest()
    assert plain.summary["sha256"].null_count() == plain.summary.height
    # everything else is the same: the bytes on disk are still counted
    assert plain.summary.drop("sha256").equals(hashed.summary.drop("sha256"))
    assert plain.events.equals(hashed.events)
    report = vl.Report()
    for _ in vl.iter_batches(mixed, format={"*access*": "zimbra_access", "*nginx*": "zimbra_nginx"}, report=report, sha256=False):
        pass
    assert report.summary["sha256"].null_count() == report.summary.height
