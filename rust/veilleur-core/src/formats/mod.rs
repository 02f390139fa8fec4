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
pub mod combined;
pub mod common;
pub mod ncsa;
pub mod zimbra_access;
pub mod zimbra_nginx;

use access_table::{AccessBuilder, Col};

/// Why a line was rejected.
pub type Reason = Cow<'static, str>;

/// The formats veilleur reads. The id names the table and fills `source` in events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormatId {
    Common,
    Combined,
    ZimbraAccess,
    ZimbraNginx,
}

impl FormatId {
    /// Every format, most specific first (the order detection breaks ties in).
    pub const ALL: [FormatId; 4] = [FormatId::ZimbraNginx, FormatId::ZimbraAccess, FormatId::Combined, FormatId::Common];

    pub fn as_str(self) -> &'static str {
        match self {
            FormatId::Common => "common",
            FormatId::Combined => "combined",
            FormatId::ZimbraAccess => "zimbra_access",
            FormatId::ZimbraNginx => "zimbra_nginx",
        }
    }

    pub fn parse(s: &str) -> Option<FormatId> {
        FormatId::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn columns(self) -> &'static [Col] {
        match self {
            FormatId::Common => common::COLUMNS,
            FormatId::Combined => combined::COLUMNS,
            FormatId::ZimbraAccess => zimbra_access::COLUMNS,
            FormatId::ZimbraNginx => zimbra_nginx::COLUMNS,
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
                    fields.extend(f.columns().iter().map(|c| c.field()));
                    Arc::new(Schema::new(fields))
                })
                .collect()
        });
        let i = FormatId::ALL.iter().position(|f| *f == self).unwrap_or(0);
        all[i].clone()
    }

    /// Whether `line` is a complete line of this format (all its fields present).
    pub fn matches(self, line: &[u8], dates: &mut DateCache) -> bool {
        let mut r = ncsa::AccessLine::default();
        self.parse_line(line, dates, &mut r).is_ok() && r.complete
    }

    /// Parse a chunk into this format's columns (without provenance) and rejects.
    pub fn parse_chunk(self, chunk: Chunk) -> ParsedChunk {
        let mut dates = DateCache::default();
        let mut b = AccessBuilder::new(self.columns(), chunk.data.len() / 200 + 16);
        let mut r = ncsa::AccessLine::default();
        let mut parsed = drive_lines(chunk, |line, block, base, side| {
            self.parse_line(line, &mut dates, &mut r)?;
            b.push(&r, line, block, base, side);
            Ok(())
        });
        parsed.columns = b.finish(&parsed.blocks);
        parsed
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
/// (0-based) and byte offset in the chunk, the rejects, and how many lines the chunk held.
pub struct ParsedChunk {
    pub columns: Vec<ArrayRef>,
    pub row_lines: Vec<u64>,
    pub row_offsets: Vec<u64>,
    pub rejects: Vec<Reject>,
    pub n_lines: u64,
    pub blocks: Blocks,
}

impl ParsedChunk {
    pub fn rows(&self) -> usize {
        self.row_lines.len()
    }
}

/// Reject every line of a chunk with one reason (used for files of no known format).
pub fn reject_all(chunk: Chunk, reason: &'static str) -> ParsedChunk {
    drive_lines(chunk, |_, _, _, _| Err(reason.into()))
}

/// Run `parse` over every line of a chunk. Handles what all formats share: empty lines, lines
/// that are not valid UTF-8 (decoded lossily into the `lossy` block and parsed from there),
/// over-long lines, and the bookkeeping of rows and rejects. `parse` gets the line, the block
/// it lives in, its offset there, and the side buffer for rewritten text; it appends a row and
/// returns `Ok`, or returns the reason and appends nothing.
pub fn drive_lines<F>(chunk: Chunk, mut parse: F) -> ParsedChunk
where
    F: FnMut(&[u8], Block, usize, &mut Vec<u8>) -> Result<(), Reason>,
{
    let mut row_lines = Vec::new();
    let mut row_offsets = Vec::new();
    let mut rejects = Vec::new();
    let mut lossy: Vec<u8> = Vec::new();
    let mut side: Vec<u8> = Vec::new();
    let data = chunk.data;
    let mut n_lines = 0u64;

    if let Some(len) = chunk.long_line {
        rejects.push(Reject {
            line: 0,
            offset: 0,
            reason: format!("line of {len} bytes is longer than the limit; only its first {} bytes are kept here", data.len()).into(),
            raw: data.clone(),
        });
        n_lines = 1;
    } else {
        let all_valid = simdutf8::basic::from_utf8(&data).is_ok();
        for (s, e) in chunk::lines(&data) {
            let idx = n_lines;
            n_lines += 1;
            let line = &data[s..e];
            let result = if line.is_empty() {
                Err("empty line".into())
            } else if all_valid || simdutf8::basic::from_utf8(line).is_ok() {
                parse(line, Block::Input, s, &mut side)
            } else {
                let text = String::from_utf8_lossy(line);
                let at = lossy.len();
                lossy.extend_from_slice(text.as_bytes());
                parse(&lossy[at..], Block::Lossy, at, &mut side)
            };
            match result {
                Ok(()) => {
                    row_lines.push(idx);
                    row_offsets.push(s as u64);
                }
                Err(reason) => rejects.push(Reject { line: idx, offset: s as u64, reason, raw: line.to_vec() }),
            }
        }
    }
    ParsedChunk {
        columns: Vec::new(),
        row_lines,
        row_offsets,
        rejects,
        n_lines,
        blocks: Blocks { input: Buffer::from_vec(data), lossy: Buffer::from_vec(lossy), side: Buffer::from_vec(side) },
    }
}

/// Guess a file's format from its first bytes: the format that parses the most sampled lines
/// completely wins, ties going to the most specific. `None` if no format reads at least half of
/// the sampled lines.
pub fn detect(head: &[u8], truncated: bool) -> Option<FormatId> {
    const SAMPLE: usize = 64;
    let mut lines: Vec<&[u8]> = chunk::lines(head).map(|(s, e)| &head[s..e]).filter(|l| !l.is_empty()).collect();
    if truncated && lines.len() > 1 {
        lines.pop(); // the last line may be cut by the head limit
    }
    lines.truncate(SAMPLE);
    if lines.is_empty() {
        return None;
    }
    let mut best: Option<(FormatId, usize)> = None;
    for f in FormatId::ALL {
        let mut dates = DateCache::default();
        let n = lines.iter().filter(|l| f.matches(l, &mut dates)).count();
        if n > 0 && best.is_none_or(|(_, b)| n > b) {
            best = Some((f, n));
        }
    }
    best.filter(|&(_, n)| 2 * n >= lines.len()).map(|(f, _)| f)
}
