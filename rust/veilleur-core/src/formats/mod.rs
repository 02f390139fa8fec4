//! Log formats. Each format module turns one line into typed fields or a reject reason; this
//! module holds the registry and the chunk driver they share.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use arrow_array::ArrayRef;
use arrow_buffer::Buffer;
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::chunk::{self, Chunk};
use crate::columns::{Block, Blocks};
use crate::time::DateCache;

pub mod access_table;
pub mod cef;
pub mod cisco_asa;
pub mod combined;
pub mod common;
pub mod csv_fields;
pub mod fortigate;
pub mod kv;
pub mod leef;
pub mod log4j;
pub mod ncsa;
pub mod netfilter;
pub mod nginx_error;
pub mod normal;
pub mod panos;
pub mod pfsense;
pub mod squid;
pub mod stormshield;
pub mod syslog;
pub mod syslog_header;
#[cfg(test)]
pub(crate) mod testing;
pub mod typed;
pub mod w3c;
pub mod wrapped;
pub mod zimbra_access;
pub mod zimbra_nginx;
pub mod zmmailboxd_out;

use access_table::Col;

/// Why a line was rejected.
pub type Reason = Cow<'static, str>;

/// The month of a dated line (for formats that omit the year).
pub type LineMonth = fn(&[u8]) -> Option<u32>;

/// What a parser needs to know beyond the bytes: the zone of formats written in local time
/// without an offset, the year of formats that omit it, and the header line in force for
/// formats whose layout a header declares.
#[derive(Debug, Clone, Default)]
pub struct ParseCtx {
    /// The zone for local times; `None` reads them as UTC (and the summary says so).
    pub tz: Option<chrono_tz::Tz>,
    /// The year of the chunk's first record, for formats without a year.
    pub year: Option<i32>,
    /// For formats with a [`FormatId::header_prefix`]: the last header line before the chunk
    /// (W3C `#Fields: ...`), if any.
    pub header: Option<Arc<[u8]>>,
}

/// The functions a format module provides (the registry below dispatches to them).
/// - `fields() -> Vec<Field>`: the table's columns after provenance;
/// - `matches(line: &[u8]) -> bool`: whether a line is a complete line of the format (detection);
/// - `parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk`;
/// - `events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError>`: the mapping into the
///   normalised events (in the module for the formats added with the key-value framing).
pub type FieldsFn = fn() -> Vec<Field>;

/// The formats veilleur reads. The id names the table and fills `source` in events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormatId {
    Common,
    Combined,
    ZimbraAccess,
    ZimbraNginx,
    ZimbraMailbox,
    ZimbraAudit,
    Syslog,
    NginxError,
    ZmmailboxdOut,
    Squid,
    W3c,
    Fortigate,
    Stormshield,
    Pfsense,
    Netfilter,
    CiscoAsa,
    Panos,
    Cef,
    Leef,
}

impl FormatId {
    /// Every format, most specific first (the order detection breaks ties in).
    /// The line-anchored formats come first: each requires its own timestamp shape at the start
    /// of the line, so none of them reads an access-log line (which starts with the client).
    /// The firewall formats that travel inside syslog come before `syslog`, which reads any
    /// syslog line: each of them requires its own payload after the header.
    pub const ALL: [FormatId; 19] = [
        FormatId::Squid,
        FormatId::W3c,
        FormatId::Cef,
        FormatId::Leef,
        FormatId::Fortigate,
        FormatId::Stormshield,
        FormatId::Pfsense,
        FormatId::Netfilter,
        FormatId::CiscoAsa,
        FormatId::Panos,
        FormatId::ZmmailboxdOut,
        FormatId::NginxError,
        FormatId::Syslog,
        FormatId::ZimbraAudit,
        FormatId::ZimbraMailbox,
        FormatId::ZimbraNginx,
        FormatId::ZimbraAccess,
        FormatId::Combined,
        FormatId::Common,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FormatId::Common => "common",
            FormatId::Combined => "combined",
            FormatId::ZimbraAccess => "zimbra_access",
            FormatId::ZimbraNginx => "zimbra_nginx",
            FormatId::ZimbraMailbox => "zimbra_mailbox",
            FormatId::ZimbraAudit => "zimbra_audit",
            FormatId::Syslog => "syslog",
            FormatId::NginxError => "nginx_error",
            FormatId::ZmmailboxdOut => "zmmailboxd_out",
            FormatId::Squid => "squid",
            FormatId::W3c => "w3c",
            FormatId::Fortigate => "fortigate",
            FormatId::Stormshield => "stormshield",
            FormatId::Pfsense => "pfsense",
            FormatId::Netfilter => "netfilter",
            FormatId::CiscoAsa => "cisco_asa",
            FormatId::Panos => "panos",
            FormatId::Cef => "cef",
            FormatId::Leef => "leef",
        }
    }

    pub fn parse(s: &str) -> Option<FormatId> {
        FormatId::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The columns of the access-log formats (which share one table builder; empty for others).
    fn columns(self) -> &'static [Col] {
        match self {
            FormatId::Common => common::COLUMNS,
            FormatId::Combined => combined::COLUMNS,
            FormatId::ZimbraAccess => zimbra_access::COLUMNS,
            FormatId::ZimbraNginx => zimbra_nginx::COLUMNS,
            _ => &[],
        }
    }

    /// The format's own columns (after provenance).
    fn fields(self) -> Vec<Field> {
        match self {
            FormatId::ZimbraMailbox => log4j::fields(log4j::Kind::Mailbox),
            FormatId::ZimbraAudit => log4j::fields(log4j::Kind::Audit),
            FormatId::Syslog => syslog::fields(),
            FormatId::NginxError => nginx_error::fields(),
            FormatId::ZmmailboxdOut => zmmailboxd_out::fields(),
            FormatId::Squid => squid::fields(),
            FormatId::W3c => w3c::fields(),
            FormatId::Fortigate => fortigate::fields(),
            FormatId::Stormshield => stormshield::fields(),
            FormatId::Pfsense => pfsense::fields(),
            FormatId::Netfilter => netfilter::fields(),
            FormatId::CiscoAsa => cisco_asa::fields(),
            FormatId::Panos => panos::fields(),
            FormatId::Cef => cef::fields(),
            FormatId::Leef => leef::fields(),
            _ => self.columns().iter().map(|c| c.field()).collect(),
        }
    }

    /// Parse one line into `r` (used by the chunk driver and by detection).
    fn parse_line(self, line: &[u8], dates: &mut DateCache, r: &mut ncsa::AccessLine) -> Result<(), Reason> {
        *r = ncsa::AccessLine::default();
        match self {
            FormatId::Common => common::parse(line, dates, r),
            FormatId::Combined => combined::parse(line, dates, r),
            FormatId::ZimbraAccess => zimbra_access::parse(line, dates, r),
            FormatId::ZimbraNginx => zimbra_nginx::parse(line, dates, r),
            _ => Err("not an access-log format".into()),
        }
    }

    /// The format's table schema: provenance columns, then the format's own.
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: OnceLock<Vec<SchemaRef>> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| {
            FormatId::ALL
                .iter()
                .map(|f| {
                    let mut fields = provenance_fields();
                    fields.extend(f.fields());
                    Arc::new(Schema::new(fields))
                })
                .collect()
        });
        let i = FormatId::ALL.iter().position(|f| *f == self).unwrap_or(0);
        all[i].clone()
    }

    /// Whether `line` is a complete line of this format (all its fields present).
    pub fn matches(self, line: &[u8], dates: &mut DateCache) -> bool {
        match self {
            FormatId::ZimbraMailbox => log4j::matches(log4j::Kind::Mailbox, line),
            FormatId::ZimbraAudit => log4j::matches(log4j::Kind::Audit, line),
            FormatId::Syslog => syslog::matches(line),
            FormatId::NginxError => nginx_error::matches(line),
            FormatId::ZmmailboxdOut => zmmailboxd_out::matches(line),
            FormatId::Squid => squid::matches(line),
            FormatId::W3c => w3c::matches(line),
            FormatId::Fortigate => fortigate::matches(line),
            FormatId::Stormshield => stormshield::matches(line),
            FormatId::Pfsense => pfsense::matches(line),
            FormatId::Netfilter => netfilter::matches(line),
            FormatId::CiscoAsa => cisco_asa::matches(line),
            FormatId::Panos => panos::matches(line),
            FormatId::Cef => cef::matches(line),
            FormatId::Leef => leef::matches(line),
            _ => {
                let mut r = ncsa::AccessLine::default();
                self.parse_line(line, dates, &mut r).is_ok() && r.complete
            }
        }
    }

    /// Parse a chunk into this format's columns (without provenance) and rejects.
    pub fn parse_chunk(self, chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
        match self {
            FormatId::Syslog => syslog::parse_chunk(chunk, ctx),
            FormatId::NginxError => nginx_error::parse_chunk(chunk, ctx),
            FormatId::ZmmailboxdOut => zmmailboxd_out::parse_chunk(chunk, ctx),
            FormatId::Common | FormatId::Combined | FormatId::ZimbraAccess | FormatId::ZimbraNginx => {
                access_table::parse_chunk(self.columns(), chunk, |line, dates, r| self.parse_line(line, dates, r))
            }
            FormatId::ZimbraMailbox => log4j::parse_chunk(log4j::Kind::Mailbox, chunk, ctx),
            FormatId::ZimbraAudit => log4j::parse_chunk(log4j::Kind::Audit, chunk, ctx),
            FormatId::Squid => squid::parse_chunk(chunk, ctx),
            FormatId::W3c => w3c::parse_chunk(chunk, ctx),
            FormatId::Fortigate => fortigate::parse_chunk(chunk, ctx),
            FormatId::Stormshield => stormshield::parse_chunk(chunk, ctx),
            FormatId::Pfsense => pfsense::parse_chunk(chunk, ctx),
            FormatId::Netfilter => netfilter::parse_chunk(chunk, ctx),
            FormatId::CiscoAsa => cisco_asa::parse_chunk(chunk, ctx),
            FormatId::Panos => panos::parse_chunk(chunk, ctx),
            FormatId::Cef => cef::parse_chunk(chunk, ctx),
            FormatId::Leef => leef::parse_chunk(chunk, ctx),
        }
    }

    /// For formats whose records may span several lines (stack traces): whether a line starts a
    /// new record. The predicate sees at least the line's first [`RECORD_START_PEEK`] bytes (or
    /// the whole line if shorter). `None`: every line is a record.
    pub fn record_start(self) -> Option<fn(&[u8]) -> bool> {
        match self {
            FormatId::ZmmailboxdOut => Some(zmmailboxd_out::record_start),
            FormatId::Common | FormatId::Combined | FormatId::ZimbraAccess | FormatId::ZimbraNginx => None,
            FormatId::ZimbraMailbox | FormatId::ZimbraAudit => Some(log4j::record_start),
            FormatId::Syslog | FormatId::NginxError => None,
            _ => None,
        }
    }

    /// For formats whose layout a header line declares (W3C `#Fields:`): the header's prefix.
    /// The pipeline hands each chunk the last such line before it ([`ParseCtx::header`]).
    pub fn header_prefix(self) -> Option<&'static [u8]> {
        match self {
            FormatId::W3c => Some(w3c::HEADER_PREFIX),
            _ => None,
        }
    }

    /// For formats with a [`Self::header_prefix`]: where the header in `line` starts, when
    /// `line` is a header line (W3C: at 0, or behind a syslog header).
    pub fn header_at(self, line: &[u8]) -> Option<usize> {
        match self {
            FormatId::W3c => {
                let k = w3c::payload_start(line);
                line[k..].starts_with(w3c::HEADER_PREFIX).then_some(k)
            }
            _ => None,
        }
    }

    /// Whether the format writes local time without an offset (and so reads `tz`).
    pub fn local_time(self) -> bool {
        match self {
            FormatId::Common | FormatId::Combined | FormatId::ZimbraAccess | FormatId::ZimbraNginx => false,
            FormatId::ZimbraMailbox | FormatId::ZimbraAudit => true,
            FormatId::Syslog | FormatId::NginxError | FormatId::ZmmailboxdOut => true,
            // epoch seconds; W3C date/time are UTC (IIS, ProxySG GMT)
            FormatId::Squid | FormatId::W3c => false,
            // a local syslog header, or local device times with or without an offset field
            FormatId::Fortigate | FormatId::Stormshield | FormatId::Pfsense | FormatId::Netfilter => true,
            FormatId::CiscoAsa | FormatId::Panos | FormatId::Cef | FormatId::Leef => true,
        }
    }

    /// Whether the format's lines travel inside syslog (a syslog header, then the format's
    /// own payload): detection lets such a format keep a file most of whose lines it reads.
    pub fn inside_syslog(self) -> bool {
        matches!(self, FormatId::Pfsense | FormatId::Netfilter | FormatId::CiscoAsa | FormatId::W3c)
    }

    /// For formats that omit the year: the month of a line that carries a date (used to place
    /// chunks in the right year; see [`crate::year`]).
    pub fn line_month(self) -> Option<LineMonth> {
        match self {
            FormatId::Syslog => Some(syslog::line_month),
            // formats that may arrive behind a BSD syslog header
            FormatId::Fortigate | FormatId::Stormshield | FormatId::Pfsense | FormatId::Netfilter => Some(syslog::line_month),
            FormatId::CiscoAsa | FormatId::Panos | FormatId::Cef | FormatId::Leef => Some(syslog::line_month),
            _ => None,
        }
    }
}

/// `file` (dictionary), `line`, `offset`: the provenance every table starts with.
pub fn provenance_fields() -> Vec<Field> {
    vec![
        Field::new("file", DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8)), false),
        Field::new("line", DataType::UInt64, false),
        Field::new("offset", DataType::UInt64, false),
    ]
}

/// A rejected line. `line` and `offset` are relative to the chunk until the pipeline places
/// the chunk in its file.
#[derive(Debug, Clone)]
pub struct Reject {
    pub line: u64,
    pub offset: u64,
    pub reason: Reason,
    pub raw: Vec<u8>,
}

/// What parsing one chunk gives: the format's columns, each row's line index in the chunk
/// (0-based, its first line) and byte offset in the chunk, the rejects, how many lines the chunk
/// held and how many of them were folded into the record above (continuation lines).
/// Invariant: `n_lines == rows + rejects + folded`.
pub struct ParsedChunk {
    pub columns: Vec<ArrayRef>,
    pub row_lines: Vec<u64>,
    pub row_offsets: Vec<u64>,
    pub rejects: Vec<Reject>,
    pub n_lines: u64,
    pub folded: u64,
    /// Local times that were ambiguous or non-existent in the zone (DST transitions).
    pub ambiguous_times: u64,
    pub nonexistent_times: u64,
    /// Stamps read as local time (through `tz`), and stamps that had no year.
    pub local_times: u64,
    pub yearless_times: u64,
    pub blocks: Blocks,
}

impl ParsedChunk {
    pub fn rows(&self) -> usize {
        self.row_lines.len()
    }
}

/// Reject every line of a chunk with one reason (used for files of no known format).
pub fn reject_all(chunk: Chunk, reason: &'static str) -> ParsedChunk {
    drive_records(chunk, None, |_, _, _, _, _| Err(reason.into()))
}

/// Bytes of a line a record-start predicate may look at.
pub const RECORD_START_PEEK: usize = 64;

/// Run `parse` over every record of a chunk. A record is one line, or — when `record_start` is
/// given — a line that starts a record plus the lines after it that do not (continuation
/// lines, folded into it; a continuation line with no record above it is rejected).
///
/// Handles what all formats share: empty lines, text that is not valid UTF-8 (decoded lossily
/// into the `lossy` block and parsed from there), over-long lines, and the bookkeeping of rows
/// and rejects. `parse` gets the record's bytes (lines joined by their `\n`, without the final
/// one), the block they live in, their offset there, the side buffer for rewritten text, and the
/// record's number of lines; it appends a row and returns `Ok`, or returns the reason and
/// appends nothing.
pub fn drive_records<F>(chunk: Chunk, record_start: Option<fn(&[u8]) -> bool>, mut parse: F) -> ParsedChunk
where
    F: FnMut(&[u8], Block, usize, &mut Vec<u8>, u64) -> Result<(), Reason>,
{
    let mut out =
        Records { row_lines: Vec::new(), row_offsets: Vec::new(), rejects: Vec::new(), lossy: Vec::new(), side: Vec::new(), folded: 0 };
    let data = chunk.data;
    let mut n_lines = 0u64;

    if let Some(len) = chunk.long_line {
        out.rejects.push(Reject {
            line: 0,
            offset: 0,
            reason: format!("line of {len} bytes is longer than the limit; only its first {} bytes are kept here", data.len()).into(),
            raw: data.clone(),
        });
        n_lines = 1;
    } else {
        let all_valid = simdutf8::basic::from_utf8(&data).is_ok();
        // the record being gathered: (first line index, start, end, lines)
        let mut open: Option<(u64, usize, usize, u64)> = None;
        for (s, e) in chunk::lines(&data) {
            let idx = n_lines;
            n_lines += 1;
            let line = &data[s..e];
            let starts = match record_start {
                None => true,
                Some(pred) => {
                    let body = &line[leading_junk(line, s == 0)..];
                    !body.is_empty() && pred(&body[..body.len().min(RECORD_START_PEEK)])
                }
            };
            if !starts {
                if let Some(rec) = open.as_mut() {
                    rec.2 = e;
                    rec.3 += 1;
                    continue;
                }
            }
            if let Some((i, rs, re, n)) = open.take() {
                out.record(&data, all_valid, i, rs, re, n, &mut parse);
            }
            if line.is_empty() {
                out.rejects.push(Reject { line: idx, offset: s as u64, reason: "empty line".into(), raw: Vec::new() });
            } else if !starts {
                out.rejects.push(Reject {
                    line: idx,
                    offset: s as u64,
                    reason: "continuation line with no record above it".into(),
                    raw: line.to_vec(),
                });
            } else {
                open = Some((idx, s, e, 1));
            }
        }
        if let Some((i, rs, re, n)) = open.take() {
            out.record(&data, all_valid, i, rs, re, n, &mut parse);
        }
    }
    ParsedChunk {
        columns: Vec::new(),
        row_lines: out.row_lines,
        row_offsets: out.row_offsets,
        rejects: out.rejects,
        n_lines,
        folded: out.folded,
        ambiguous_times: 0,
        nonexistent_times: 0,
        local_times: 0,
        yearless_times: 0,
        blocks: Blocks { input: Buffer::from_vec(data), lossy: Buffer::from_vec(out.lossy), side: Buffer::from_vec(out.side) },
    }
}

struct Records {
    row_lines: Vec<u64>,
    row_offsets: Vec<u64>,
    rejects: Vec<Reject>,
    lossy: Vec<u8>,
    side: Vec<u8>,
    folded: u64,
}

impl Records {
    #[allow(clippy::too_many_arguments)]
    fn record<F>(&mut self, data: &[u8], all_valid: bool, idx: u64, s: usize, e: usize, n: u64, parse: &mut F)
    where
        F: FnMut(&[u8], Block, usize, &mut Vec<u8>, u64) -> Result<(), Reason>,
    {
        // The parser reads past what is not part of the record's text: NUL bytes a crash left
        // before it, and a UTF-8 byte-order mark at the start of a file. Provenance and the
        // reject's raw bytes keep them.
        let skip = leading_junk(&data[s..e], s == 0);
        let (raw_start, s) = (s, s + skip);
        let rec = &data[s..e];
        let result = if all_valid || simdutf8::basic::from_utf8(rec).is_ok() {
            parse(rec, Block::Input, s, &mut self.side, n)
        } else {
            let text = String::from_utf8_lossy(rec);
            let at = self.lossy.len();
            self.lossy.extend_from_slice(text.as_bytes());
            parse(&self.lossy[at..], Block::Lossy, at, &mut self.side, n)
        };
        self.folded += n - 1;
        match result {
            Ok(()) => {
                self.row_lines.push(idx);
                self.row_offsets.push(raw_start as u64);
            }
            Err(reason) => self.rejects.push(Reject { line: idx, offset: raw_start as u64, reason, raw: data[raw_start..e].to_vec() }),
        }
    }
}

/// Bytes before a record's text: NULs, and a UTF-8 BOM when the record starts its chunk's data.
fn leading_junk(rec: &[u8], at_data_start: bool) -> usize {
    let mut k = rec.iter().take_while(|&&b| b == 0).count();
    if at_data_start && k == 0 && rec.starts_with(b"\xEF\xBB\xBF") {
        k = 3;
    }
    k
}

/// The sampled lines as records: each line alone, or for multi-line formats a record-start line
/// with the continuation lines after it (continuation lines before the first start are left out:
/// they count neither for nor against the format).
fn records<'a>(lines: &[&'a [u8]], record_start: Option<fn(&[u8]) -> bool>) -> Vec<Cow<'a, [u8]>> {
    let Some(pred) = record_start else { return lines.iter().map(|l| Cow::Borrowed(*l)).collect() };
    let mut out: Vec<Cow<'a, [u8]>> = Vec::new();
    let mut started = false;
    for l in lines {
        if pred(&l[..l.len().min(RECORD_START_PEEK)]) {
            out.push(Cow::Borrowed(*l));
            started = true;
        } else if started {
            let last = out.last_mut().expect("a record was started");
            let mut joined = last.to_vec();
            joined.push(b'\n');
            joined.extend_from_slice(l);
            *last = Cow::Owned(joined);
        }
    }
    out
}

/// Recognise a file's format from its first bytes. Every format scores the sampled lines: the
/// share of them it reads completely (continuation lines of multi-line formats left out of the
/// count). The best share wins, then the most lines read, then the most specific format. A
/// format must read at least half of the lines it scores. Exception: a format that travels
/// inside syslog ([`FormatId::inside_syslog`]) and reads at least half of the lines keeps the
/// file against `syslog` (its other lines become rejects, raw text kept). Returns the format and its share, or
/// why none fits.
pub fn detect(head: &[u8], truncated: bool) -> Result<(FormatId, f64), String> {
    const SAMPLE: usize = 64;
    let mut lines: Vec<&[u8]> = chunk::lines(head).map(|(s, e)| &head[s..e]).filter(|l| !l.is_empty()).collect();
    if truncated && lines.len() > 1 {
        lines.pop(); // the last line may be cut by the head limit
    }
    lines.truncate(SAMPLE);
    if lines.is_empty() {
        return Err("no lines in the first 64 KiB".into());
    }
    if lines.iter().filter(|l| simdutf8::basic::from_utf8(l).is_err() || l.contains(&0)).count() * 2 > lines.len() {
        return Err("binary data (most sampled lines are not text)".into());
    }
    let mut best: Option<(FormatId, f64, usize)> = None;
    for f in FormatId::ALL {
        let mut dates = DateCache::default();
        let (mut scored, mut read) = (0usize, 0usize);
        for rec in records(&lines, f.record_start()) {
            scored += 1;
            if f.matches(&rec, &mut dates) {
                read += 1;
            }
        }
        if read == 0 {
            continue;
        }
        let share = read as f64 / scored as f64;
        let better = match best {
            // a format that travels inside syslog keeps a file most of whose lines it reads
            // (a kern.log of netfilter lines with a few other kernel messages): `syslog`, which
            // reads every line, does not take it over
            Some((b, s, _)) if f == FormatId::Syslog && b.inside_syslog() && s >= 0.5 => false,
            None => true,
            Some((_, s, r)) => share > s + 1e-9 || ((share - s).abs() <= 1e-9 && read > r),
        };
        if better {
            best = Some((f, share, read));
        }
    }
    match best {
        Some((f, share, _)) if share >= 0.5 => Ok((f, share)),
        Some((f, share, _)) => {
            Err(format!("no format reads most lines (best: {} reads {:.0}% of {} sampled)", f.as_str(), share * 100.0, lines.len()))
        }
        None => Err(format!("no known format reads any of the {} sampled lines", lines.len())),
    }
}
