//! Per-file accounting (the summary) and rejected lines, and their Arrow tables.

use std::sync::Arc;

use arrow_array::{ArrayRef, BinaryArray, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use crate::formats::FormatId;
use crate::input::Compression;

/// How reading a file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Read to the end.
    Ok,
    /// A compressed stream ended early or is corrupt: the rows before the cut are kept.
    Truncated,
    /// The file could not be opened or read (see `error`).
    Error,
    /// No bytes.
    Empty,
    /// No known format was recognised: every line is a reject.
    Unrecognised,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Truncated => "truncated",
            Status::Error => "error",
            Status::Empty => "empty",
            Status::Unrecognised => "unrecognised",
        }
    }
}

/// One file's line of the summary. Invariant: `lines == rows + rejected + folded`.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub path: String,
    pub format: Option<FormatId>,
    /// How the format was decided: given, override or detected.
    pub format_source: &'static str,
    /// Share of the sampled lines the detected format read.
    pub confidence: Option<f64>,
    pub compression: Option<Compression>,
    /// SHA-256 of the bytes as stored on disk; `None` if the file could not be read.
    pub sha256: Option<String>,
    pub bytes: u64,
    pub decompressed_bytes: u64,
    pub lines: u64,
    pub rows: u64,
    pub rejected: u64,
    /// Continuation lines folded into the record above them (stack traces).
    pub folded: u64,
    /// For formats written in local time: the zone used (`UTC` when none was given).
    pub tz: Option<String>,
    /// Local times read as UTC because no zone was given.
    pub tz_assumed: bool,
    pub ambiguous_times: u64,
    pub nonexistent_times: u64,
    /// For formats without a year: the year of the first record, and how it was decided.
    pub year: Option<i32>,
    pub year_source: Option<String>,
    pub status: Status,
    pub error: Option<String>,
}

/// A rejected line, placed in its file.
#[derive(Debug, Clone)]
pub struct RejectRow {
    pub file: usize,
    pub line: u64,
    pub offset: u64,
    pub reason: String,
    pub raw: Vec<u8>,
}

/// What a read reports besides its rows.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub files: Vec<FileSummary>,
    pub rejects: Vec<RejectRow>,
}

impl Report {
    pub fn summary_batch(&self) -> RecordBatch {
        let f = &self.files;
        let schema = Schema::new(vec![
            Field::new("path", DataType::Utf8, false),
            Field::new("format", DataType::Utf8, true),
            Field::new("compression", DataType::Utf8, true),
            Field::new("sha256", DataType::Utf8, true),
            Field::new("bytes", DataType::UInt64, false),
            Field::new("decompressed_bytes", DataType::UInt64, false),
            Field::new("lines", DataType::UInt64, false),
            Field::new("rows", DataType::UInt64, false),
            Field::new("rejected", DataType::UInt64, false),
            Field::new("folded", DataType::UInt64, false),
            Field::new("status", DataType::Utf8, false),
            Field::new("error", DataType::Utf8, true),
            Field::new("format_source", DataType::Utf8, false),
            Field::new("confidence", DataType::Float64, true),
            Field::new("tz", DataType::Utf8, true),
            Field::new("tz_assumed", DataType::Boolean, false),
            Field::new("ambiguous_times", DataType::UInt64, false),
            Field::new("nonexistent_times", DataType::UInt64, false),
            Field::new("year", DataType::Int32, true),
            Field::new("year_source", DataType::Utf8, true),
        ]);
        let u = |g: fn(&FileSummary) -> u64| -> ArrayRef { Arc::new(f.iter().map(g).collect::<UInt64Array>()) };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(f.iter().map(|s| Some(s.path.as_str())).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| s.format.map(FormatId::as_str)).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| s.compression.map(Compression::as_str)).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| s.sha256.as_deref()).collect::<StringArray>()),
            u(|s| s.bytes),
            u(|s| s.decompressed_bytes),
            u(|s| s.lines),
            u(|s| s.rows),
            u(|s| s.rejected),
            u(|s| s.folded),
            Arc::new(f.iter().map(|s| Some(s.status.as_str())).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| s.error.as_deref()).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| Some(s.format_source)).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| s.confidence).collect::<Float64Array>()),
            Arc::new(f.iter().map(|s| s.tz.as_deref()).collect::<StringArray>()),
            Arc::new(f.iter().map(|s| Some(s.tz_assumed)).collect::<BooleanArray>()),
            u(|s| s.ambiguous_times),
            u(|s| s.nonexistent_times),
            Arc::new(f.iter().map(|s| s.year).collect::<Int32Array>()),
            Arc::new(f.iter().map(|s| s.year_source.as_deref()).collect::<StringArray>()),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).expect("summary columns match their schema")
    }

    pub fn rejects_batch(&self) -> RecordBatch {
        let r = &self.rejects;
        let schema = Schema::new(vec![
            Field::new("file", DataType::Utf8, false),
            Field::new("line", DataType::UInt64, false),
            Field::new("offset", DataType::UInt64, false),
            Field::new("reason", DataType::Utf8, false),
            Field::new("raw", DataType::Utf8, false),
            Field::new("raw_bytes", DataType::Binary, false),
        ]);
        let path = |x: &RejectRow| self.files.get(x.file).map_or("", |s| s.path.as_str());
        let columns: Vec<ArrayRef> = vec![
            Arc::new(r.iter().map(|x| Some(path(x))).collect::<StringArray>()),
            Arc::new(r.iter().map(|x| x.line).collect::<UInt64Array>()),
            Arc::new(r.iter().map(|x| x.offset).collect::<UInt64Array>()),
            Arc::new(r.iter().map(|x| Some(x.reason.as_str())).collect::<StringArray>()),
            Arc::new(r.iter().map(|x| Some(String::from_utf8_lossy(&x.raw).into_owned())).collect::<StringArray>()),
            Arc::new(r.iter().map(|x| Some(x.raw.as_slice())).collect::<BinaryArray>()),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).expect("reject columns match their schema")
    }
}
