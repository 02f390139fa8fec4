//! `cargo run --release --example read -- [--no-sha256] PATHS...`: read files and print counts
//! and speed. Handy with `perf record` (build with `--profile profiling` for symbols).
//! `--no-sha256` skips the per-file hash, as `read_arrow` (and so the Python benches) does.

use std::time::Instant;

use veilleur_core::{pipeline::Plan, ReadOptions, Scan};

fn main() {
    let mut inputs: Vec<String> = std::env::args().skip(1).collect();
    let t = Instant::now();
    let mut opts = ReadOptions::default();
    if let Some(k) = inputs.iter().position(|a| a == "--no-sha256") {
        inputs.remove(k);
        opts.sha256 = false;
    }
    let plan = match Plan::new(&inputs, &opts) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut rows = 0usize;
    let mut scan = Scan::start(plan, opts);
    for out in scan.by_ref() {
        match out {
            Ok(o) => rows += o.batch.num_rows(),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let report = scan.report();
    let report = report.lock().unwrap_or_else(|p| p.into_inner());
    let bytes: u64 = report.files.iter().map(|f| f.decompressed_bytes).sum();
    let rejected: u64 = report.files.iter().map(|f| f.rejected).sum();
    println!("{rows} rows, {rejected} rejected, {bytes} bytes in {secs:.3}s = {:.0} MB/s", bytes as f64 / secs / 1e6);
}
