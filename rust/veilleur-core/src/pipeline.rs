//! The parallel read: files are read (and decompressed, and hashed) by reader threads, cut into
//! newline-terminated chunks, parsed on rayon's pool, and handed back in file and chunk order,
//! with line numbers and offsets placed exactly. Memory is bounded: each file has at most
//! `in_flight` chunks read but not yet consumed.

use std::collections::BTreeMap;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use arrow_array::{ArrayRef, RecordBatch, UInt64Array};
use rayon::prelude::*;

use crate::chunk::Chunker;
use crate::error::{Error, Result};
use crate::events::constant_dict;
use crate::formats::{self, FormatId, ParseCtx, ParsedChunk};
use crate::input::{self, Compression, Source};
use crate::report::{FileSummary, RejectRow, Report, Status};
use crate::year::{self, YearTracker};

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Force one format for every file instead of detecting it per file.
    pub format: Option<FormatId>,
    /// Per-file formats: the first pattern matching a file's path or name decides its format.
    pub overrides: Vec<(glob::Pattern, FormatId)>,
    /// The zone of formats written in local time without an offset (UTC if `None`).
    pub tz: Option<chrono_tz::Tz>,
    /// The year of formats that omit it (inferred per file if `None`).
    pub year: Option<i32>,
    /// Stop at the first rejected line or unreadable file with an error.
    pub strict: bool,
    /// Target size of a chunk of decompressed input (the unit of parallel work and of a batch).
    pub chunk_bytes: usize,
    /// Lines longer than this are rejected without being held in memory.
    pub max_line: usize,
    /// Compute each file's SHA-256 (of its bytes on disk) in the same pass; off, the summary's
    /// `sha256` is null (for re-reads of a collection already hashed at acquisition).
    pub sha256: bool,
    /// The layout of W3C files that never declare one (ProxySG streaming over syslog without
    /// its header lines): the field names of a `#Fields:` line, space-separated. A `#Fields:`
    /// line in the file takes over from it.
    pub w3c_fields: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            overrides: Vec::new(),
            tz: None,
            year: None,
            strict: false,
            chunk_bytes: 4 << 20,
            max_line: 64 << 20,
            sha256: true,
            w3c_fields: None,
        }
    }
}

/// Bytes read from the start of each file to recognise its format.
const SNIFF_BYTES: usize = 64 * 1024;
/// ... or, when those hold fewer than two whole lines (a huge first request), this much.
const SNIFF_BYTES_LONG_LINES: usize = 1 << 20;

/// The first bytes of a file for detection, and whether they stop before its end.
fn sniff(path: &std::path::Path) -> io::Result<(Vec<u8>, bool)> {
    let (head, _) = input::read_head(path, SNIFF_BYTES)?;
    if head.len() == SNIFF_BYTES && memchr::memchr_iter(b'\n', &head).count() < 2 {
        let (head, _) = input::read_head(path, SNIFF_BYTES_LONG_LINES)?;
        let truncated = head.len() == SNIFF_BYTES_LONG_LINES;
        return Ok((head, truncated));
    }
    let truncated = head.len() == SNIFF_BYTES;
    Ok((head, truncated))
}

/// How a file's format was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatSource {
    /// `format=` for every file.
    Given,
    /// A per-file pattern.
    Override,
    /// Recognised from the file's first bytes.
    Detected,
}

impl FormatSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FormatSource::Given => "given",
            FormatSource::Override => "override",
            FormatSource::Detected => "detected",
        }
    }
}

/// One input file and what is known of it before reading.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub path: PathBuf,
    pub display: String,
    pub format: Option<FormatId>,
    pub format_source: FormatSource,
    /// Share of the sampled lines the chosen format read (detection only).
    pub confidence: Option<f64>,
    /// Why no format was recognised, when none was.
    pub unrecognised: Option<String>,
}

/// The files of a read, resolved and with their formats recognised.
#[derive(Debug, Clone)]
pub struct Plan {
    pub files: Vec<FileInfo>,
}

impl Plan {
    /// Resolve inputs and decide each file's format: `format` for all, else the first matching
    /// override, else detection (in parallel) from the file's first 64 KiB.
    pub fn new(inputs: &[String], opts: &ReadOptions) -> Result<Plan> {
        let paths = input::resolve(inputs)?;
        let files = paths
            .into_par_iter()
            .map(|path| {
                let display = path.display().to_string();
                let overridden = opts.overrides.iter().find_map(|(pat, f)| {
                    let by_name = path.file_name().is_some_and(|n| pat.matches(&n.to_string_lossy()));
                    (by_name || pat.matches(&display)).then_some(*f)
                });
                let mut info =
                    FileInfo { path, display, format: None, format_source: FormatSource::Detected, confidence: None, unrecognised: None };
                if let Some(f) = opts.format {
                    info.format = Some(f);
                    info.format_source = FormatSource::Given;
                } else if let Some(f) = overridden {
                    info.format = Some(f);
                    info.format_source = FormatSource::Override;
                } else {
                    match sniff(&info.path) {
                        Ok((head, truncated)) => match formats::detect(&head, truncated) {
                            Ok((f, conf)) => {
                                info.format = Some(f);
                                info.confidence = Some(conf);
                            }
                            Err(why) => info.unrecognised = Some(why),
                        },
                        Err(e) => info.unrecognised = Some(format!("cannot read: {e}")),
                    }
                }
                info
            })
            .collect();
        Ok(Plan { files })
    }

    /// The distinct formats of the plan, in `FormatId` order.
    pub fn formats(&self) -> Vec<FormatId> {
        let mut f: Vec<FormatId> = self.files.iter().filter_map(|f| f.format).collect();
        f.sort();
        f.dedup();
        f
    }
}

/// A batch of rows of one format, from one file.
#[derive(Debug, Clone)]
pub struct Output {
    pub file: usize,
    pub format: FormatId,
    pub batch: RecordBatch,
}

/// How a reader thread ended a file.
struct ReadEnd {
    chunks: usize,
    compression: Option<Compression>,
    sha256: Option<String>,
    raw_bytes: u64,
    decompressed: u64,
    /// The error that stopped reading, and whether it cut a compressed stream short.
    error: Option<(io::Error, bool)>,
}

type Done = std::result::Result<(ParsedChunk, u64), String>;

#[derive(Default)]
struct SlotState {
    ready: BTreeMap<usize, Done>,
    in_flight: usize,
    end: Option<ReadEnd>,
    /// The base year used for a yearless format, and how it was decided.
    year: Option<(i32, String)>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    cv: Condvar,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // a poisoned lock only means a panic elsewhere; the state itself stays consistent
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Shared {
    plan: Plan,
    opts: ReadOptions,
    slots: Vec<Slot>,
    next_file: AtomicUsize,
    cancel: AtomicBool,
    in_flight: usize,
}

/// A running read: an iterator of batches in file order, and the report filled as it goes.
pub struct Scan {
    shared: Arc<Shared>,
    readers: Vec<JoinHandle<()>>,
    report: Arc<Mutex<Report>>,
    cur: usize,
    next_chunk: usize,
    lines: u64,
    rows: u64,
    rejected: u64,
    folded: u64,
    ambiguous: u64,
    nonexistent: u64,
    local_times: u64,
    yearless_times: u64,
    year: Option<(i32, String)>,
    failed: Option<String>,
    finished: bool,
}

impl Scan {
    pub fn start(plan: Plan, opts: ReadOptions) -> Scan {
        let threads = rayon::current_num_threads().max(1);
        let n_files = plan.files.len();
        let shared = Arc::new(Shared {
            slots: (0..n_files).map(|_| Slot::default()).collect(),
            plan,
            opts,
            next_file: AtomicUsize::new(0),
            cancel: AtomicBool::new(false),
            in_flight: 2 * threads + 2,
        });
        let readers = (0..threads.min(n_files))
            .map(|_| {
                let sh = shared.clone();
                std::thread::spawn(move || loop {
                    let i = sh.next_file.fetch_add(1, Ordering::SeqCst);
                    if i >= sh.plan.files.len() || sh.cancel.load(Ordering::SeqCst) {
                        break;
                    }
                    read_file(&sh, i);
                })
            })
            .collect();
        Scan {
            shared,
            readers,
            report: Arc::new(Mutex::new(Report::default())),
            cur: 0,
            next_chunk: 0,
            lines: 0,
            rows: 0,
            rejected: 0,
            folded: 0,
            ambiguous: 0,
            nonexistent: 0,
            local_times: 0,
            yearless_times: 0,
            year: None,
            failed: None,
            finished: false,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.shared.plan
    }

    /// The report so far (complete once the iterator has ended).
    pub fn report(&self) -> Arc<Mutex<Report>> {
        self.report.clone()
    }

    fn report_lock(&self) -> MutexGuard<'_, Report> {
        self.report.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stop(&mut self) {
        self.finished = true;
        self.shared.cancel.store(true, Ordering::SeqCst);
        for s in &self.shared.slots {
            s.cv.notify_all();
        }
    }

    /// Close the current file: its summary line, and in strict mode an error if it failed.
    fn end_file(&mut self, end: ReadEnd) -> Option<Error> {
        let info = &self.shared.plan.files[self.cur];
        let mut status = match (&end.error, info.format) {
            (Some((_, true)), _) => Status::Truncated,
            (Some((_, false)), _) => Status::Error,
            (None, _) if end.decompressed == 0 && end.compression.is_some() => Status::Empty,
            (None, None) => Status::Unrecognised,
            (None, Some(_)) => Status::Ok,
        };
        let mut error = end.error.as_ref().map(|(e, truncated)| {
            if *truncated {
                format!("stream cut after {} decompressed bytes: {e}", end.decompressed)
            } else {
                e.to_string()
            }
        });
        if let Some(msg) = self.failed.take() {
            status = Status::Error;
            error = Some(msg);
        }
        if status == Status::Unrecognised {
            error = info.unrecognised.clone();
        }
        // zone and year are reported for the files that depended on them
        let local = info.format.is_some_and(FormatId::local_time) && self.local_times > 0;
        let tz = local.then(|| self.shared.opts.tz.map_or("UTC".to_string(), |z| z.name().to_string()));
        let (year, year_source) = match self.year.take() {
            Some((y, how)) if self.yearless_times > 0 => (Some(y), Some(how)),
            _ => (None, None),
        };
        let summary = FileSummary {
            path: info.display.clone(),
            format: info.format,
            compression: end.compression,
            sha256: end.sha256,
            bytes: end.raw_bytes,
            decompressed_bytes: end.decompressed,
            lines: self.lines,
            rows: self.rows,
            rejected: self.rejected,
            folded: self.folded,
            format_source: info.format_source.as_str(),
            confidence: info.confidence,
            tz,
            tz_assumed: local && self.shared.opts.tz.is_none(),
            ambiguous_times: self.ambiguous,
            nonexistent_times: self.nonexistent,
            year,
            year_source,
            status,
            error: error.clone(),
        };
        let path = info.display.clone();
        self.report_lock().files.push(summary);
        self.cur += 1;
        self.next_chunk = 0;
        self.lines = 0;
        self.rows = 0;
        self.rejected = 0;
        self.folded = 0;
        self.ambiguous = 0;
        self.nonexistent = 0;
        self.local_times = 0;
        self.yearless_times = 0;
        if self.shared.opts.strict && status != Status::Ok && status != Status::Empty {
            let source = match end.error {
                Some((e, _)) => io::Error::new(e.kind(), error.unwrap_or_default()),
                None => io::Error::other(error.unwrap_or_else(|| status.as_str().to_string())),
            };
            return Some(Error::Io { path, source });
        }
        None
    }

    /// Place a parsed chunk in its file: absolute lines and offsets, rejects to the report.
    fn place(&mut self, parsed: ParsedChunk, offset: u64) -> Result<Option<Output>> {
        let base = self.lines;
        self.lines += parsed.n_lines;
        self.rows += parsed.rows() as u64;
        self.rejected += parsed.rejects.len() as u64;
        self.folded += parsed.folded;
        self.ambiguous += parsed.ambiguous_times;
        self.nonexistent += parsed.nonexistent_times;
        self.local_times += parsed.local_times;
        self.yearless_times += parsed.yearless_times;
        let file = self.cur;
        if let Some(first) = parsed.rejects.first() {
            if self.shared.opts.strict {
                return Err(Error::Parse {
                    file: self.shared.plan.files[file].display.clone(),
                    line: base + first.line + 1,
                    reason: first.reason.to_string(),
                });
            }
        }
        {
            let mut rep = self.report_lock();
            rep.rejects.extend(parsed.rejects.into_iter().map(|r| RejectRow {
                file,
                line: base + r.line + 1,
                offset: offset + r.offset,
                reason: r.reason.into_owned(),
                raw: r.raw,
            }));
        }
        let n = parsed.row_lines.len();
        if n == 0 {
            return Ok(None);
        }
        let Some(format) = self.shared.plan.files[file].format else { return Ok(None) };
        let info = &self.shared.plan.files[file];
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(parsed.columns.len() + 3);
        columns.push(constant_dict(&info.display, n));
        columns.push(std::sync::Arc::new(parsed.row_lines.iter().map(|l| base + l + 1).collect::<UInt64Array>()));
        columns.push(std::sync::Arc::new(parsed.row_offsets.iter().map(|o| offset + o).collect::<UInt64Array>()));
        columns.extend(parsed.columns);
        let batch = RecordBatch::try_new(format.schema(), columns)
            .map_err(|e| Error::InvalidArgument(format!("internal error building a {} batch: {e}", format.as_str())))?;
        Ok(Some(Output { file, format, batch }))
    }
}

impl Iterator for Scan {
    type Item = Result<Output>;

    fn next(&mut self) -> Option<Result<Output>> {
        while !self.finished {
            if self.cur >= self.shared.plan.files.len() {
                self.finished = true;
                return None;
            }
            let shared = self.shared.clone();
            let slot = &shared.slots[self.cur];
            let mut st = slot.lock();
            if self.year.is_none() {
                self.year = st.year.clone();
            }
            let got = loop {
                if let Some(done) = st.ready.remove(&self.next_chunk) {
                    st.in_flight -= 1;
                    slot.cv.notify_all();
                    break Some(done);
                }
                if st.end.as_ref().is_some_and(|e| e.chunks == self.next_chunk) {
                    break None;
                }
                st = slot.cv.wait(st).unwrap_or_else(|p| p.into_inner());
            };
            let Some(done) = got else {
                let end = st.end.take().expect("end was checked");
                drop(st);
                if let Some(err) = self.end_file(end) {
                    self.stop();
                    return Some(Err(err));
                }
                continue;
            };
            drop(st);
            self.next_chunk += 1;
            match done {
                Err(msg) => {
                    self.failed = Some(msg);
                }
                Ok((parsed, offset)) => match self.place(parsed, offset) {
                    Ok(Some(out)) => return Some(Ok(out)),
                    Ok(None) => {}
                    Err(e) => {
                        self.stop();
                        return Some(Err(e));
                    }
                },
            }
        }
        None
    }
}

impl Drop for Scan {
    fn drop(&mut self) {
        self.stop();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

/// Read one file on a reader thread: chunks go to rayon, the end goes to the file's slot.
fn read_file(sh: &Arc<Shared>, i: usize) {
    let info = &sh.plan.files[i];
    let slot = &sh.slots[i];
    let finish = |end: ReadEnd| {
        slot.lock().end = Some(end);
        slot.cv.notify_all();
    };
    let src = match Source::open(&info.path, sh.opts.sha256) {
        Ok(s) => s,
        Err(e) => {
            let e = io::Error::new(e.kind(), format!("cannot read {}: {e}", info.display));
            return finish(ReadEnd { chunks: 0, compression: None, sha256: None, raw_bytes: 0, decompressed: 0, error: Some((e, false)) });
        }
    };
    let compression = src.compression();
    let mut chunker = Chunker::new(src, sh.opts.chunk_bytes, sh.opts.max_line);
    if let Some(pred) = info.format.and_then(FormatId::record_start) {
        chunker = chunker.with_record_start(pred);
    }
    let line_month = info.format.and_then(FormatId::line_month);
    let header_prefix = info.format.and_then(FormatId::header_prefix);
    let mut header: Option<Arc<[u8]>> = match (info.format, &sh.opts.w3c_fields) {
        (Some(FormatId::W3c), Some(fields)) => Some(Arc::from(format!("#Fields: {fields}").into_bytes())),
        _ => None,
    };
    let mut years: Option<YearTracker> = None;
    let mut year_source: Option<String> = None;
    let mut chunks = 0;
    for chunk in chunker.by_ref() {
        if sh.cancel.load(Ordering::SeqCst) {
            break;
        }
        let mut ctx = ParseCtx { tz: sh.opts.tz, year: None, header: header.clone() };
        if let (Some(prefix), Some(format)) = (header_prefix, info.format) {
            if let Some(h) = last_header(&chunk.data, prefix, |line| format.header_at(line)) {
                header = Some(Arc::from(h));
            }
        }
        if let Some(month) = line_month {
            let (first, last) = chunk_months(&chunk.data, month);
            let tracker = years.get_or_insert_with(|| {
                let mtime = std::fs::metadata(&info.path).and_then(|m| m.modified()).ok();
                let (base, how) = year::base_year(sh.opts.year, first, mtime);
                year_source = Some(how);
                YearTracker::new(base)
            });
            ctx.year = Some(tracker.chunk(first, last));
        }
        {
            let mut st = slot.lock();
            while st.in_flight >= sh.in_flight && !sh.cancel.load(Ordering::SeqCst) {
                st = slot.cv.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            st.in_flight += 1;
            if st.year.is_none() {
                st.year = ctx.year.map(|y| (y, year_source.clone().unwrap_or_default()));
            }
        }
        chunks += 1;
        let sh2 = sh.clone();
        let format = info.format;
        rayon::spawn(move || {
            let (index, offset) = (chunk.index, chunk.offset);
            let parsed = catch_unwind(AssertUnwindSafe(|| match format {
                Some(f) => f.parse_chunk(chunk, &ctx),
                None => formats::reject_all(chunk, "format not recognised"),
            }))
            .map(|p| (p, offset))
            .map_err(|_| format!("internal error: the parser failed on the chunk at byte {offset}; its lines are not counted"));
            let slot = &sh2.slots[i];
            slot.lock().ready.insert(index, parsed);
            slot.cv.notify_all();
        });
    }
    let decompressed = chunker.bytes_read();
    let read_error = chunker.take_error();
    let src = chunker.into_inner();
    let (sha256, raw_bytes, finish_error) = match src.finish() {
        Ok((h, n)) => (h, n, None),
        Err(e) => (None, 0, Some(e)),
    };
    let error = match (read_error, finish_error) {
        (Some(e), _) => Some((e, compression != Compression::None)),
        (None, Some(e)) => Some((e, false)),
        (None, None) => None,
    };
    finish(ReadEnd { chunks, compression: Some(compression), sha256, raw_bytes, decompressed, error });
}

/// The header of the last header line of `data` (from `prefix` to the line end): a line
/// holding `prefix` where `header_at` says its header starts (at the line start, or behind a
/// syslog header).
fn last_header<'a>(data: &'a [u8], prefix: &[u8], header_at: impl Fn(&[u8]) -> Option<usize>) -> Option<&'a [u8]> {
    let mut end = data.len();
    while let Some(k) = memchr::memmem::rfind(&data[..end], prefix) {
        let start = memchr::memrchr(b'\n', &data[..k]).map_or(0, |j| j + 1);
        let e = memchr::memchr(b'\n', &data[k..]).map_or(data.len(), |j| k + j);
        let e = if e > k && data[e - 1] == b'\r' { e - 1 } else { e };
        if header_at(&data[start..e]) == Some(k - start) {
            return Some(&data[k..e]);
        }
        end = start;
    }
    None
}

/// The months of the first and last dated lines of a chunk (for year tracking).
fn chunk_months(data: &[u8], month: fn(&[u8]) -> Option<u32>) -> (Option<u32>, Option<u32>) {
    const LOOK: usize = 16; // lines looked at from each end
    let first = crate::chunk::lines(data).take(LOOK).find_map(|(s, e)| month(&data[s..e]));
    let mut last = None;
    let mut end = data.len();
    for _ in 0..LOOK {
        let body = if end > 0 && data[end - 1] == b'\n' { &data[..end - 1] } else { &data[..end] };
        let start = memchr::memrchr(b'\n', body).map_or(0, |p| p + 1);
        if let Some(m) = month(&body[start..]) {
            last = Some(m);
            break;
        }
        if start == 0 {
            break;
        }
        end = start;
    }
    (first, last)
}

/// Everything a read gives when materialised.
pub struct ReadResult {
    pub plan: Plan,
    /// Batches of each format, in file order.
    pub tables: BTreeMap<FormatId, Vec<RecordBatch>>,
    pub report: Report,
}

/// Read everything into memory.
pub fn read_all(inputs: &[String], opts: ReadOptions) -> Result<ReadResult> {
    let plan = Plan::new(inputs, &opts)?;
    let mut scan = Scan::start(plan.clone(), opts);
    let mut tables: BTreeMap<FormatId, Vec<RecordBatch>> = BTreeMap::new();
    for out in scan.by_ref() {
        let out = out?;
        tables.entry(out.format).or_default().push(out.batch);
    }
    let report = scan.report().lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(ReadResult { plan, tables, report })
}
