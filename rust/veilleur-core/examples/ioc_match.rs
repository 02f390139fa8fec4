//! `cargo run --release --example ioc_match -- DIR [ROUNDS [TASK...]]`: time the IOC matcher on data
//! written by a bench run (not committed): `DIR/iocs.tsv` (kind TAB normalised value per
//! line) and one file per column, `DIR/{src_ip,dst_ip,domain,url}.txt`, one cell per line
//! (a line holding only `\x01` is a null). Cells go into Utf8View batches of 122,880 rows (as
//! polars exports them); the "(dictionary)" task reads them dictionary-encoded instead (one
//! batch, one dictionary per column). Handy with `perf record` (build with `--profile profiling`).

use std::sync::Arc;
use std::time::Instant;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, LargeStringArray, RecordBatch, StringViewArray};
use veilleur_core::ioc::matcher::ColumnSpec;
use veilleur_core::ioc::{merge_hits, IocMatcher, Kind, Role};

const BATCH: usize = 122_880;

/// CPU seconds used by this process so far (all threads), from /proc (0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; `after` starts at field 3
    f.get(11).zip(f.get(12)).map_or(0.0, |(u, s)| (u + s) / 100.0)
}

fn column(dir: &str, name: &str) -> Vec<ArrayRef> {
    let text = std::fs::read_to_string(format!("{dir}/{name}.txt")).expect("column file");
    let cells: Vec<Option<&str>> = text.lines().map(|l| (l != "\x01").then_some(l)).collect();
    cells.chunks(BATCH).map(|c| Arc::new(StringViewArray::from(c.to_vec())) as ArrayRef).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().map_or("/tmp/iocspeed", String::as_str);
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let only: Vec<&str> = args.iter().skip(2).map(String::as_str).collect();
    let iocs: Vec<(Kind, String)> = std::fs::read_to_string(format!("{dir}/iocs.tsv"))
        .expect("iocs.tsv")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (Kind::parse(k).expect("kind"), v.to_string()))
        .collect();
    let names = ["src_ip", "dst_ip", "domain", "url"];
    let cols: Vec<Vec<ArrayRef>> = names.iter().map(|n| column(dir, n)).collect();
    let batches: Vec<RecordBatch> = (0..cols[0].len())
        .map(|i| RecordBatch::try_from_iter(names.iter().zip(&cols).map(|(n, c)| (*n, c[i].clone()))).expect("batch"))
        .collect();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    // the same columns dictionary-encoded (one dictionary per column, as pyarrow's
    // `dictionary_encode` of a whole column gives)
    let dict_batches: Vec<RecordBatch> = {
        let encoded = names.iter().map(|n| {
            let text = std::fs::read_to_string(format!("{dir}/{n}.txt")).expect("column file");
            let mut index: std::collections::HashMap<&str, i32> = Default::default();
            let mut values: Vec<&str> = Vec::new();
            let keys: Vec<Option<i32>> = text
                .lines()
                .map(|l| {
                    (l != "\x01").then(|| {
                        *index.entry(l).or_insert_with(|| {
                            values.push(l);
                            values.len() as i32 - 1
                        })
                    })
                })
                .collect();
            let values = Arc::new(LargeStringArray::from(values)) as ArrayRef;
            (*n, Arc::new(DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), values).expect("keys")) as ArrayRef)
        });
        vec![RecordBatch::try_from_iter(encoded).expect("batch")]
    };
    let subset = |k: Option<Kind>| -> IocMatcher {
        let v: Vec<(Kind, String)> = iocs.iter().filter(|(kind, _)| k.is_none_or(|k| *kind == k)).cloned().collect();
        IocMatcher::new(&v).expect("compile")
    };
    let spec = |n: &str, role| ColumnSpec { name: n.into(), role, unless: None };
    let headline = || vec![spec("src_ip", Role::Ip), spec("dst_ip", Role::Ip), spec("domain", Role::Domain)];
    let tasks: Vec<(&str, IocMatcher, Vec<ColumnSpec>)> = vec![
        ("ip+cidr+domain", subset(None), headline()),
        ("ip+cidr+domain (dictionary)", subset(None), headline()),
        ("exact ip", subset(Some(Kind::Ip)), vec![spec("src_ip", Role::Ip), spec("dst_ip", Role::Ip)]),
        ("cidr", subset(Some(Kind::Cidr)), vec![spec("src_ip", Role::Ip), spec("dst_ip", Role::Ip)]),
        ("domain suffix", subset(Some(Kind::Domain)), vec![spec("domain", Role::Domain)]),
        ("url text", subset(None), vec![spec("url", Role::Text)]),
        // the headline's columns one by one (what each costs)
        ("src_ip", subset(None), vec![spec("src_ip", Role::Ip)]),
        ("dst_ip", subset(None), vec![spec("dst_ip", Role::Ip)]),
        ("domain", subset(None), vec![spec("domain", Role::Domain)]),
    ];
    for (name, m, specs) in &tasks {
        let batches = if name.ends_with("(dictionary)") { &dict_batches } else { &batches };
        if !only.is_empty() && !only.contains(name) {
            continue;
        }
        let (mut best, mut cpu) = (f64::MAX, f64::MAX);
        let mut hits = 0;
        for _ in 0..rounds {
            let (t, c) = (Instant::now(), cpu_seconds());
            let h = m.match_batches(batches, specs).expect("match");
            best = best.min(t.elapsed().as_secs_f64());
            cpu = cpu.min(cpu_seconds() - c);
            hits = h.iter().map(RecordBatch::num_rows).sum();
        }
        let r = rows as f64 / 1e6;
        println!("{name:28} {best:.3}s {:7.1} M rows/s   cpu {cpu:.2}s {:6.1} M rows/s/core  {hits} hits", r / best, r / cpu);
        if specs.len() > 1 {
            // as the Python API runs it: a column at a time, the hits merged in row order
            let (mut best, mut merge) = (f64::MAX, f64::MAX);
            for _ in 0..rounds {
                let t = Instant::now();
                let parts: Vec<Vec<RecordBatch>> =
                    specs.iter().map(|s| m.match_batches(batches, std::slice::from_ref(s)).expect("match")).collect();
                let t1 = Instant::now();
                let merged = merge_hits(&parts).expect("merge");
                merge = merge.min(t1.elapsed().as_secs_f64());
                best = best.min(t.elapsed().as_secs_f64());
                assert_eq!(merged.iter().map(RecordBatch::num_rows).sum::<usize>(), hits);
            }
            println!("{:28} {best:.3}s {:7.1} M rows/s   (a column at a time; merge {merge:.3}s)", "", r / best);
        }
    }
}
