"""Correlation on hand-built tables with exact expected outputs: window edges, equal
timestamps, null keys, empty and unsorted inputs, time units and zones, sequences, sliding
counts and beacons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pyarrow as pa
import pytest

import veilleur as vl

T0 = datetime(2024, 3, 1, 12, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def utc(seconds: float) -> datetime:
    return at(seconds).replace(tzinfo=timezone.utc)


def frame(unit: str = "us", tz: str | None = "UTC", **cols) -> pl.DataFrame:
    df = pl.DataFrame(cols)
    ts = pl.col("ts").cast(pl.Datetime(unit))
    return df.with_columns(ts.dt.replace_time_zone(tz) if tz else ts)


def pairs(out: pl.DataFrame) -> list[tuple]:
    return list(zip(out["lid"].to_list(), out["rid"].to_list()))


# ----------------------------------------------------------------------------- window_join


def hosts_left():
    return frame(lid=[0, 1, 2], host=["a", "b", None], ts=[at(0), at(0), at(0)])


def hosts_right():
    return frame(
        rid=[0, 1, 2, 3, 4, 5],
        host=["a", "a", "a", "b", None, "a"],
        ts=[at(-1), at(0), at(1800), at(1801), at(5), at(1800)],
    )


def test_after_edges_inclusive_and_null_keys_never_match():
    out = vl.window_join(hosts_left(), hosts_right(), on="host", within="30m")
    # right 0 is before, right 3 is 1 s past the edge, right 4 has a null key
    assert pairs(out) == [(0, 1), (0, 2), (0, 5)]
    assert out.columns == ["lid", "host", "ts", "rid", "host_right", "ts_right", "delta"]
    assert out["delta"].dtype == pl.Duration("us")
    assert out["delta"].to_list() == [timedelta(0), timedelta(minutes=30), timedelta(minutes=30)]


def test_before_both_and_asymmetric_windows():
    left, right = hosts_left(), hosts_right()
    assert pairs(vl.window_join(left, right, on="host", within="1s", direction="before")) == [(0, 0), (0, 1)]
    assert pairs(vl.window_join(left, right, on="host", within="1s", direction="both")) == [(0, 0), (0, 1)]
    assert pairs(vl.window_join(left, right, on="host", within=("1s", "1h"))) == [(0, 0), (0, 1), (0, 2), (0, 5), (1, 3)]
    assert pairs(vl.window_join(left, right, on="host", within=(timedelta(0), timedelta(seconds=1801)))) == [
        (0, 1),
        (0, 2),
        (0, 5),
        (1, 3),
    ]
    with pytest.raises(ValueError):
        vl.window_join(left, right, on="host", within=("1s", "1h"), direction="after")


def test_pure_time_window_equal_timestamps_and_order():
    left = frame(lid=[0, 1], ts=[at(10), at(0)])
    right = frame(rid=[0, 1, 2, 3], ts=[at(10), at(5), at(10), at(0)])
    out = vl.window_join(left, right, within="10s")
    # by left row, then right time, then right row; equal times in input order
    assert pairs(out) == [(0, 0), (0, 2), (1, 3), (1, 1), (1, 0), (1, 2)]


def test_left_on_right_on_multiple_keys_of_different_types():
    left = frame(lid=[0, 1], ip=["10.0.0.1", "10.0.0.2"], port=[443, 80], ts=[at(0), at(0)])
    right = frame(
        rid=[0, 1, 2],
        src=["10.0.0.1", "10.0.0.1", "10.0.0.2"],
        sport=[443, 80, 80],
        ts=[at(1), at(1), at(1)],
    ).with_columns(pl.col("sport").cast(pl.UInt16), pl.col("src").cast(pl.Categorical))
    out = vl.window_join(left, right, left_on=["ip", "port"], right_on=["src", "sport"], within="1m")
    assert pairs(out) == [(0, 0), (1, 2)]


def test_max_matches_first_and_last():
    left = frame(lid=[0], ts=[at(0)])
    right = frame(rid=[0, 1, 2, 3], ts=[at(3), at(1), at(2), at(4)])
    assert pairs(vl.window_join(left, right, within="1m", max_matches=2)) == [(0, 1), (0, 2)]
    assert pairs(vl.window_join(left, right, within="1m", max_matches=2, keep="last")) == [(0, 0), (0, 3)]


def test_empty_inputs():
    left = hosts_left()
    empty = hosts_right().clear()
    out = vl.window_join(left, empty, on="host")
    assert out.height == 0 and out.columns[-1] == "delta"
    assert vl.window_join(empty.rename({"rid": "lid"}), hosts_right(), on="host").height == 0


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris", "America/New_York"])
def test_units_and_zones_compare_instants(unit, tz):
    # the same instants written in other units and zones: 12:00 UTC is 13:00 in Paris
    left = frame(lid=[0], ts=[datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)], unit="us", tz="UTC")
    naive = [datetime(2024, 3, 1, 12, 0, 0, 1000), datetime(2024, 3, 1, 12, 30, 0), datetime(2024, 3, 1, 12, 30, 0, 1000)]
    right = pl.DataFrame({"rid": [0, 1, 2], "ts": naive}).with_columns(pl.col("ts").cast(pl.Datetime(unit)))
    if tz is not None:
        right = right.with_columns(pl.col("ts").dt.replace_time_zone("UTC").dt.convert_time_zone(tz))
    out = vl.window_join(left, right, within="30m")
    assert pairs(out) == [(0, 0), (0, 1)]
    assert out["delta"].to_list() == [timedelta(milliseconds=1), timedelta(minutes=30)]


def test_pyarrow_inputs_and_nanosecond_floor():
    left = pa.table({"lid": [0], "t": pa.array([0], pa.timestamp("s"))})
    right = pa.table({"rid": [0, 1], "t": pa.array([1_999, -1], pa.timestamp("ns"))})
    out = vl.window_join(left, right, within=("1us", "1us"), left_time="t", right_time="t")
    assert isinstance(out, pl.DataFrame)
    assert pairs(out) == [(0, 1), (0, 0)]  # -1 ns floors to -1 µs, 1999 ns to 1 µs


def test_null_times_are_skipped_and_bad_arguments():
    left = frame(lid=[0, 1], ts=[at(0), None])
    right = frame(rid=[0, 1], ts=[None, at(1)])
    assert pairs(vl.window_join(left, right, within="1m")) == [(0, 1)]
    with pytest.raises(ValueError, match="duration"):
        vl.window_join(left, right, within="30 minutes")
    with pytest.raises(ValueError, match="no column"):
        vl.window_join(left, right, on="host")
    with pytest.raises(ValueError, match="timestamp"):
        vl.window_join(left, right, left_time="lid")
    with pytest.raises(TypeError):
        vl.window_join(left.lazy(), right)


def test_unsorted_multi_chunk_right():
    left = frame(lid=[0, 1], host=["a", "b"], ts=[at(100), at(0)])
    parts = [frame(rid=[i], host=["ab"[i % 2]], ts=[at((i * 37) % 200)]) for i in range(20)]
    right = pl.concat(parts, rechunk=False)
    assert right.n_chunks() > 1
    out = vl.window_join(left, right, on="host", within="60s")
    expect = []
    for l_id, host, t in [(0, "a", 100), (1, "b", 0)]:
        rows = sorted(((i * 37) % 200, i) for i in range(20) if "ab"[i % 2] == host and 0 <= (i * 37) % 200 - t <= 60)
        expect += [(l_id, i) for _, i in rows]
    assert pairs(out) == expect


# -------------------------------------------------------------------------------- sequence


def seq_table():
    # a workstation visits the IOC domain, then connects to the C2 address; w2 too late,
    # w3 in the wrong order, w4 twice (two starts share one completion)
    return frame(
        src_ip=["w1", "w1", "w2", "w2", "w3", "w3", "w4", "w4", "w4", None, None],
        domain=["evil.test", None, "evil.test", None, None, "evil.test", "evil.test", "evil.test", None, "evil.test", None],
        dst_ip=["1.1.1.1", "6.6.6.6", "1.1.1.1", "6.6.6.6", "6.6.6.6", "1.1.1.1", "1.1.1.1", "1.1.1.1", "6.6.6.6", "1.1.1.1", "6.6.6.6"],
        ts=[at(0), at(600), at(0), at(601), at(0), at(10), at(0), at(5), at(60), at(0), at(1)],
    )


def test_sequence_ordered_within_inclusive_and_overlap_rule():
    steps = [pl.col("domain") == "evil.test", pl.col("dst_ip") == "6.6.6.6"]
    out = vl.sequence(seq_table(), steps, by="src_ip", within="10m")
    assert out.columns[:2] == ["match", "step"]
    got = [(m, s, ip, t) for m, s, ip, t in out.select("match", "step", "src_ip", "ts").iter_rows()]
    assert got == [
        (0, 0, "w1", utc(0)),
        (0, 1, "w1", utc(600)),
        (1, 0, "w4", utc(0)),
        (1, 1, "w4", utc(60)),
        (2, 0, "w4", utc(5)),
        (2, 1, "w4", utc(60)),
    ]


def test_sequence_unordered_and_no_key():
    steps = [pl.col("domain") == "evil.test", pl.col("dst_ip") == "6.6.6.6"]
    out = vl.sequence(seq_table(), steps, by="src_ip", within="10s", ordered=False)
    # w3 (C2 then domain 10 s later) now matches; anchors: w3's C2 row, w4's rows at 0 and 5 s
    # do not reach the C2 row at 60 s; w1 and w2 are too far apart
    got = [(m, s, ip, t) for m, s, ip, t in out.select("match", "step", "src_ip", "ts").iter_rows()]
    assert got == [(0, 0, "w3", utc(10)), (0, 1, "w3", utc(0))]
    # without a key every row takes part (null src_ip too): the step-1 rows at 0 s complete
    # the starts before them in row order (rows 0, 2), the row at 1 s the later ones (6, 9)
    out = vl.sequence(seq_table(), steps, by=None, within="1s")
    assert out.filter(pl.col("step") == 1)["ts"].to_list() == [utc(0), utc(0), utc(1), utc(1)]
    assert out.filter(pl.col("step") == 1)["src_ip"].to_list() == ["w3", "w3", None, None]
    assert out.filter(pl.col("step") == 0)["src_ip"].to_list() == ["w1", "w2", "w4", None]


def test_sequence_keys_differ_between_steps_three_steps():
    # step 0: mail server m receives the webshell hit (key dst_ip = m); step 1: m connects out
    # (key src_ip = m); step 2: m connects to the internal host (key src_ip = m)
    t = frame(
        src_ip=["x", "m", "m", "m"],
        dst_ip=["m", "8.8.8.8", "10.0.0.5", "10.0.0.6"],
        url=["/shell.jsp", None, None, None],
        ts=[at(0), at(5), at(9), at(8)],
    )
    steps = [pl.col("url") == "/shell.jsp", pl.col("dst_ip") == "8.8.8.8", pl.col("dst_ip").str.starts_with("10.")]
    out = vl.sequence(t, steps, by=["dst_ip", "src_ip", "src_ip"], within="10s")
    assert out["dst_ip"].to_list() == ["m", "8.8.8.8", "10.0.0.6"]
    with pytest.raises(ValueError, match="entries"):
        vl.sequence(t, steps, by=["dst_ip", "src_ip"])


def test_sequence_equal_timestamps_follow_row_order_and_empty():
    t = frame(k=["h", "h"], a=[False, True], b=[True, False], ts=[at(0), at(0)])
    assert vl.sequence(t, [pl.col("a"), pl.col("b")], by="k").height == 0
    assert vl.sequence(t, [pl.col("b"), pl.col("a")], by="k")["step"].to_list() == [0, 1]
    empty = vl.sequence(t.clear(), [pl.col("a"), pl.col("b")], by="k")
    assert empty.height == 0 and empty.columns == ["match", "step", "k", "a", "b", "ts"]


# ---------------------------------------------------------------------------- count_window


def test_count_window_events_and_edges():
    t = frame(
        host=["a"] * 8 + ["b", None],
        ts=[at(s) for s in [0, 5, 10, 10, 12, 30, 31, 32]] + [at(0), at(0)],
    )
    out = vl.count_window(t, by="host", within="10s", threshold=3)
    assert out.to_dicts() == [
        {"host": "a", "window_start": utc(0), "window_end": utc(12), "count": 4},
        {"host": "a", "window_start": utc(30), "window_end": utc(32), "count": 3},
    ]
    # an event exactly `within` before the window's end is inside
    two = frame(host=["a", "a"], ts=[at(0), at(10)])
    assert vl.count_window(two, by="host", within="10s", threshold=2).height == 1
    assert vl.count_window(two, by="host", within="9s", threshold=2).height == 0


def test_count_window_distinct_ports():
    ports = list(range(1, 25))
    t = frame(
        src_ip=["s"] * 24 + ["s"] * 3 + ["q"] * 30,
        dst_port=ports + [1, 1, None] + [80] * 30,
        ts=[at(i) for i in range(24)] + [at(24), at(25), at(26)] + [at(i) for i in range(30)],
    )
    out = vl.count_window(t, by="src_ip", within="1m", distinct="dst_port", threshold=21)
    assert out["src_ip"].to_list() == ["s"]
    assert out["count"].to_list() == [24]
    assert out["window_start"].to_list() == [utc(0)]
    assert out["window_end"].to_list() == [utc(26)]
    # without a key
    assert vl.count_window(t, by=None, within="0s", threshold=2)["count"].max() == 2


# --------------------------------------------------------------------------------- beacons


def test_beacons_exact_periods_and_missed_beats():
    beats = [0, 300, 610, 900, 1500, 1800, 2100, 2400, 2690, 3000]  # one beat missed at 1200
    noisy = [0, 7, 100, 130, 700, 710, 1400, 2000, 2005, 2600]
    t = frame(
        src_ip=["w"] * 10 + ["n"] * 10,
        dst_ip=["c2"] * 10 + ["cdn"] * 10,
        ts=[at(s) for s in beats + noisy],
    )
    out = vl.beacons(t, by=["src_ip", "dst_ip"], min_events=10, max_jitter=0.1)
    assert out.columns == ["src_ip", "dst_ip", "count", "first", "last", "period", "jitter", "missed"]
    row = out.row(0, named=True)
    assert out.height == 1
    assert (row["src_ip"], row["count"], row["missed"]) == ("w", 10, 1)
    assert row["period"] == timedelta(minutes=5)
    assert row["jitter"] == 0.0  # gaps 300 300 ... 310 290: deviations median 0
    assert row["first"] == utc(0) and row["last"] == utc(3000)
    assert vl.beacons(t, min_events=11).height == 0


def test_null_typed_columns_and_window_after_a_delay():
    left = pl.DataFrame({"lid": [0], "n": [None], "ts": [T0]})
    right = pl.DataFrame({"rid": [0, 1, 2], "ts": [at(299), at(300), at(600)]})
    assert left.schema["n"] == pl.Null
    out = vl.window_join(left, right, within=(timedelta(minutes=-5), "10m"))
    assert pairs(out) == [(0, 1), (0, 2)]
    assert out["n"].dtype == pl.Null


def test_on_a_read_bundle(tmp_path):
    # the events of vl.read (ts timestamp[us, UTC] from +0200 lines, dictionary `source`)
    log = tmp_path / "access.log"
    lines = [
        '10.0.0.5 - - [10/Oct/2024:13:55:36 +0200] "GET /shell.jsp?cmd=id HTTP/1.1" 200 12 "-" "curl/8.0"',
        '10.0.0.5 - - [10/Oct/2024:13:56:36 +0200] "GET /index.html HTTP/1.1" 200 512 "-" "curl/8.0"',
        '10.0.0.9 - - [10/Oct/2024:13:56:40 +0200] "GET /index.html HTTP/1.1" 200 512 "-" "curl/8.0"',
        '10.0.0.5 - - [10/Oct/2024:14:30:00 +0200] "GET /late HTTP/1.1" 200 1 "-" "curl/8.0"',
    ]
    log.write_text("\n".join(lines) + "\n")
    events = vl.read(log).events
    hits = events.filter(pl.col("url").str.contains("shell"))
    out = vl.window_join(hits, events, on="src_ip", within="30m")
    assert out["url_right"].to_list() == ["/shell.jsp?cmd=id", "/index.html"]
    assert out["delta"].to_list() == [timedelta(0), timedelta(minutes=1)]
    assert out["ts"].to_list()[0] == datetime(2024, 10, 10, 11, 55, 36, tzinfo=timezone.utc)
    # grouping by a dictionary column of the bundle
    counts = vl.count_window(events, by="source", within="1m", threshold=2)
    assert counts.select("window_start", "window_end", "count").rows() == [
        (datetime(2024, 10, 10, 11, 55, 36, tzinfo=timezone.utc), datetime(2024, 10, 10, 11, 56, 40, tzinfo=timezone.utc), 2)
    ]
    assert vl.count_window(events, by="source", within="1m", threshold=3).height == 0


def test_on_ioc_hits(tmp_path):
    # "which hosts did the webshell's client reach within 30 minutes after the IOC hit"
    log = tmp_path / "access.log"
    lines = [
        '203.0.113.7 - - [10/Oct/2024:13:55:36 +0200] "GET /shell.jsp HTTP/1.1" 200 12 "-" "curl/8.0"',
        '203.0.113.7 - - [10/Oct/2024:14:10:00 +0200] "GET /admin HTTP/1.1" 200 12 "-" "curl/8.0"',
        '203.0.113.7 - - [10/Oct/2024:15:00:00 +0200] "GET /later HTTP/1.1" 200 12 "-" "curl/8.0"',
        '198.51.100.1 - - [10/Oct/2024:14:00:00 +0200] "GET / HTTP/1.1" 200 12 "-" "curl/8.0"',
    ]
    log.write_text("\n".join(lines) + "\n")
    events = vl.read(log).events
    hits = vl.IocSet(["203.0.113.7"]).match(events)
    assert hits.height == 3
    first = hits.sort("ts").head(1)
    out = vl.window_join(first, events, on="src_ip", within="30m")
    assert out["url"].to_list() == ["/shell.jsp", "/admin"]  # hits carry no url: no suffix
