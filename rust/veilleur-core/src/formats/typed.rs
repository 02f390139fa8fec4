//! A typed table described by a list of columns, filled row by row: the builder of the
//! key-value and positional formats (FortiGate, Stormshield, Squid, W3C, netfilter, ASA, PAN-OS,
//! CEF, LEEF, pfSense). A format declares its columns once ([`Col`]), maps the keys or field
//! names it types to them ([`KeyIndex`]), and for each line opens a [`Row`], sets what it read
//! and commits it. Columns left unset in a row are null. A row dropped without `commit` (the
//! line was rejected half-way) leaves no trace.
//!
//! Rules shared by every format built on it:
//! - strings are views into the line (no copy); only rewritten text (unescaped values, canonical
//!   IPv6, rebuilt URLs) is copied, into the chunk's side buffer;
//! - an empty value is null;
//! - a value that does not read as its column's type (a port of `abc`, an IP of `-1`) leaves the
//!   column null and is kept, as written, in the `extra` map column under its key — as are keys
//!   the format does not type and repeats of a typed key. Nothing on the line is dropped.

use std::sync::Arc;

use arrow_array::types::{
    ArrowPrimitiveType, Float64Type, Int64Type, TimestampMicrosecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::chunk::Chunk;
use crate::columns::{Block, Blocks, MapCol, PrimCol, StrCol};
use crate::ip::{self, CanonIp};

use super::kv::{self, Pair};
use super::ncsa::{parse_u64, Span};
use super::syslog_header::Clock;
use super::{drive_records, ParseCtx, ParsedChunk, Reason};

/// A column's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// An IP address, canonical text (IPv6 compressed, lower case).
    Ip,
    U8,
    U16,
    U32,
    U64,
    I64,
    F64,
    /// UTC microseconds.
    Ts,
}

/// A column of a typed table.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub name: &'static str,
    pub kind: Kind,
}

/// Shorthand for a column declaration.
pub const fn col(name: &'static str, kind: Kind) -> Col {
    Col { name, kind }
}

/// The name of the map column of untyped keys.
pub const EXTRA: &str = "extra";

/// The Arrow fields of `cols`, then the `extra` map column if asked for.
pub fn fields(cols: &[Col], extra: bool) -> Vec<Field> {
    let mut out: Vec<Field> = cols
        .iter()
        .map(|c| {
            let dt = match c.kind {
                Kind::Str | Kind::Ip => DataType::Utf8View,
                Kind::U8 => DataType::UInt8,
                Kind::U16 => DataType::UInt16,
                Kind::U32 => DataType::UInt32,
                Kind::U64 => DataType::UInt64,
                Kind::I64 => DataType::Int64,
                Kind::F64 => DataType::Float64,
                Kind::Ts => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            };
            Field::new(c.name, dt, true)
        })
        .collect();
    if extra {
        out.push(Field::new(EXTRA, MapCol::data_type(), false));
    }
    out
}

/// The index of a named column in a list (for formats that refer to columns by name once, at
/// start-up). Panics on a name that is not there: a programming error caught by any test.
pub fn index(cols: &[Col], name: &str) -> usize {
    cols.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("no column {name}"))
}

/// Keys (or field names) → column index, without hashing the whole key: a key is read as its
/// length and two words (its first and last eight bytes, or four, overlapping: for keys of up
/// to 16 bytes, the whole key), an open-addressing table (linear probing, at most a quarter
/// full) is indexed by a hash of those, and one comparison of the three decides (longer keys
/// are then compared in full). Flat, so a lookup is one cache line.
pub struct KeyIndex {
    table: Vec<Entry>,
    mask: usize,
}

#[derive(Clone, Copy)]
struct Entry {
    w0: u64,
    w1: u64,
    len: u32,
    col: u32,
    key: &'static [u8],
}

/// The length of an empty table entry.
const FREE: u32 = u32::MAX;

/// A key's two words: the whole key when it is at most 16 bytes long.
#[inline(always)]
fn words(k: &[u8]) -> (u64, u64) {
    let n = k.len();
    let w8 = |i: usize| u64::from_le_bytes(k[i..i + 8].try_into().expect("8 bytes"));
    let w4 = |i: usize| u64::from(u32::from_le_bytes(k[i..i + 4].try_into().expect("4 bytes")));
    if n >= 8 {
        (w8(0), w8(n - 8))
    } else if n >= 4 {
        (w4(0), w4(n - 4))
    } else {
        (k.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)), 0)
    }
}

#[inline(always)]
fn slot(w0: u64, w1: u64, len: usize) -> usize {
    ((w0 ^ w1.rotate_left(29) ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
}

impl KeyIndex {
    /// The index of `keys`; a key given twice keeps its first column.
    pub fn new(keys: &[(&'static str, usize)]) -> Self {
        let size = (keys.len() * 4).next_power_of_two().max(64);
        let free = Entry { w0: 0, w1: 0, len: FREE, col: 0, key: &[] };
        let mut table = vec![free; size];
        let mask = size - 1;
        for &(k, c) in keys {
            let k = k.as_bytes();
            let (w0, w1) = words(k);
            let mut i = slot(w0, w1, k.len()) & mask;
            while table[i].len != FREE && table[i].key != k {
                i = (i + 1) & mask;
            }
            if table[i].len == FREE {
                table[i] = Entry { w0, w1, len: k.len() as u32, col: u32::try_from(c).expect("column index"), key: k };
            }
        }
        KeyIndex { table, mask }
    }

    /// Columns named like the keys: every column of `cols` is keyed by its own name.
    pub fn by_name(cols: &[Col]) -> Self {
        let keys: Vec<(&'static str, usize)> = cols.iter().enumerate().map(|(i, c)| (c.name, i)).collect();
        KeyIndex::new(&keys)
    }

    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<usize> {
        let (w0, w1) = words(key);
        let n = key.len();
        let mut i = slot(w0, w1, n) & self.mask;
        loop {
            let e = &self.table[i];
            if e.len == FREE {
                return None;
            }
            if e.w0 == w0 && e.w1 == w1 && e.len as usize == n && (n <= 16 || e.key == key) {
                return Some(e.col as usize);
            }
            i = (i + 1) & self.mask;
        }
    }
}

enum Column {
    Str(StrCol),
    U8(PrimCol<UInt8Type>),
    U16(PrimCol<UInt16Type>),
    U32(PrimCol<UInt32Type>),
    U64(PrimCol<UInt64Type>),
    I64(PrimCol<Int64Type>),
    F64(PrimCol<Float64Type>),
    Ts(PrimCol<TimestampMicrosecondType>),
}

impl Column {
    fn new(kind: Kind, n: usize) -> Self {
        match kind {
            Kind::Str | Kind::Ip => Column::Str(StrCol::with_capacity(n)),
            Kind::U8 => Column::U8(PrimCol::with_capacity(n)),
            Kind::U16 => Column::U16(PrimCol::with_capacity(n)),
            Kind::U32 => Column::U32(PrimCol::with_capacity(n)),
            Kind::U64 => Column::U64(PrimCol::with_capacity(n)),
            Kind::I64 => Column::I64(PrimCol::with_capacity(n)),
            Kind::F64 => Column::F64(PrimCol::with_capacity(n)),
            Kind::Ts => Column::Ts(PrimCol::with_capacity(n)),
        }
    }

    /// Nulls up to `n` values.
    fn pad_to(&mut self, n: usize) {
        match self {
            Column::Str(c) => c.pad_to(n),
            Column::U8(c) => c.pad_to(n),
            Column::U16(c) => c.pad_to(n),
            Column::U32(c) => c.pad_to(n),
            Column::U64(c) => c.pad_to(n),
            Column::I64(c) => c.pad_to(n),
            Column::F64(c) => c.pad_to(n),
            Column::Ts(c) => c.pad_to(n),
        }
    }

    fn truncate(&mut self, n: usize) {
        match self {
            Column::Str(c) => c.truncate(n),
            Column::U8(c) => c.truncate(n),
            Column::U16(c) => c.truncate(n),
            Column::U32(c) => c.truncate(n),
            Column::U64(c) => c.truncate(n),
            Column::I64(c) => c.truncate(n),
            Column::F64(c) => c.truncate(n),
            Column::Ts(c) => c.truncate(n),
        }
    }

    fn finish(self, blocks: &Blocks) -> ArrayRef {
        match self {
            Column::Str(c) => c.finish(blocks),
            Column::U8(c) => Arc::new(c.finish()),
            Column::U16(c) => Arc::new(c.finish()),
            Column::U32(c) => Arc::new(c.finish()),
            Column::U64(c) => Arc::new(c.finish()),
            Column::I64(c) => Arc::new(c.finish()),
            Column::F64(c) => Arc::new(c.finish()),
            Column::Ts(c) => Arc::new(c.finish().with_timezone("UTC")),
        }
    }
}

/// A typed table under construction. A column holds values up to the last row that set it:
/// the nulls of the rows that left it unset are added in one go when it is next set (or at
/// `finish`), so committing a row costs nothing per column.
pub struct Table {
    kinds: Vec<Kind>,
    cols: Vec<Column>,
    extra: Option<MapCol>,
    rows: usize,
    /// The columns set in the row being filled: bit `c % 64` of word `c / 64`.
    set: Vec<u64>,
}

impl Table {
    /// A table of `cols` (and an `extra` map column if asked), sized for `capacity` rows.
    pub fn new(cols: &[Col], extra: bool, capacity: usize) -> Self {
        Table {
            kinds: cols.iter().map(|c| c.kind).collect(),
            cols: cols.iter().map(|c| Column::new(c.kind, capacity)).collect(),
            extra: extra.then(|| MapCol::with_capacity(capacity)),
            rows: 0,
            set: vec![0; cols.len().div_ceil(64)],
        }
    }

    /// A table sized for the lines of a chunk (one row per line at most).
    pub fn for_chunk(cols: &[Col], extra: bool, data: &[u8]) -> Self {
        Table::new(cols, extra, memchr::memchr_iter(b'\n', data).count() + 1)
    }

    /// Open a row for the record `line`, which lives at `base` in `block`; rewritten text goes
    /// to `side`.
    pub fn row<'a>(&'a mut self, line: &'a [u8], block: Block, base: usize, side: &'a mut Vec<u8>) -> Row<'a> {
        Row { t: self, line, block, base, side, done: false }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The columns, in declaration order, then `extra`.
    pub fn finish(self, blocks: &Blocks) -> Vec<ArrayRef> {
        let rows = self.rows;
        let mut out: Vec<ArrayRef> = self
            .cols
            .into_iter()
            .map(|mut c| {
                c.pad_to(rows);
                c.finish(blocks)
            })
            .collect();
        if let Some(m) = self.extra {
            out.push(m.finish(blocks));
        }
        out
    }
}

/// Parse a chunk whose records are single lines into a table of `cols` (and `extra` if asked):
/// for each line a row is opened, `parse` fills it from the line and it is committed, or
/// `parse` returns the reject reason and the row is undone. The caller adds its own counts
/// (a clock's report) to the result.
pub fn parse_rows<F>(chunk: Chunk, cols: &[Col], extra: bool, mut parse: F) -> ParsedChunk
where
    F: FnMut(&mut Row, &[u8]) -> Result<(), Reason>,
{
    let mut table = Table::for_chunk(cols, extra, &chunk.data);
    let mut parsed = drive_records(chunk, None, |line, block, base, side, _| {
        let mut row = table.row(line, block, base, side);
        parse(&mut row, line)?;
        row.commit();
        Ok(())
    });
    parsed.columns = table.finish(&parsed.blocks);
    parsed
}

/// [`parse_rows`] for formats whose times go through a syslog header [`Clock`]: the clock is
/// made from `ctx`, handed to `parse` with each line, and its counts reported in the result.
pub fn parse_clocked_rows<F>(chunk: Chunk, ctx: &ParseCtx, cols: &[Col], extra: bool, mut parse: F) -> ParsedChunk
where
    F: FnMut(&mut Row, &mut Clock, &[u8]) -> Result<(), Reason>,
{
    let mut clock = Clock::new(ctx);
    let mut parsed = parse_rows(chunk, cols, extra, |row, line| parse(row, &mut clock, line));
    clock.report(&mut parsed);
    parsed
}

/// One row being filled. Commit it with [`Row::commit`]; dropped otherwise, it is undone.
pub struct Row<'a> {
    t: &'a mut Table,
    line: &'a [u8],
    block: Block,
    base: usize,
    side: &'a mut Vec<u8>,
    done: bool,
}

/// Parse a decimal integer (optional leading `-`).
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    match b.split_first() {
        Some((b'-', rest)) => parse_u64(rest).and_then(|v| i64::try_from(v).ok()).map(|v| -v),
        _ => parse_u64(b).and_then(|v| i64::try_from(v).ok()),
    }
}

/// Parse a decimal number (`16.12`, `-3`, `1e3`).
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    if b.is_empty() || b.len() > 40 || !b.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok().filter(|v: &f64| v.is_finite())
}

impl<'a> Row<'a> {
    /// The line this row reads.
    pub fn line(&self) -> &'a [u8] {
        self.line
    }

    /// Whether column `c` already has a value in this row.
    #[inline(always)]
    pub fn is_set(&self, c: usize) -> bool {
        self.t.set[c / 64] & (1 << (c % 64)) != 0
    }

    /// Record that column `c` has its value for this row.
    #[inline(always)]
    fn mark(&mut self, c: usize) {
        self.t.set[c / 64] |= 1 << (c % 64);
    }

    /// Set column `c` from the text at `span`, read as the column's kind. Empty text is null
    /// (returns true). Returns false, setting nothing, when the text does not read as the kind
    /// or the column is already set.
    #[inline(always)]
    pub fn text(&mut self, c: usize, span: Span) -> bool {
        if self.is_set(c) {
            return false;
        }
        let b = &self.line[span.0..span.1];
        if b.is_empty() {
            return true;
        }
        match self.t.kinds[c] {
            Kind::Str => {
                self.str(c, span);
                true
            }
            Kind::Ip => self.ip(c, span),
            Kind::U8 => parse_u64(b).and_then(|v| u8::try_from(v).ok()).map(|v| self.set_u8(c, v)).is_some(),
            Kind::U16 => parse_u64(b).and_then(|v| u16::try_from(v).ok()).map(|v| self.set_u16(c, v)).is_some(),
            Kind::U32 => parse_u64(b).and_then(|v| u32::try_from(v).ok()).map(|v| self.set_u32(c, v)).is_some(),
            Kind::U64 => parse_u64(b).map(|v| self.set_u64(c, v)).is_some(),
            Kind::I64 => parse_i64(b).map(|v| self.set_i64(c, v)).is_some(),
            Kind::F64 => parse_f64(b).map(|v| self.set_f64(c, v)).is_some(),
            Kind::Ts => false,
        }
    }

    /// Push `bytes` (at `offset` in `block`) to string column `c` if it is unset in this row.
    #[inline(always)]
    fn push_str(&mut self, c: usize, bytes: &[u8], block: Block, offset: usize) {
        if self.is_set(c) {
            return;
        }
        let rows = self.t.rows;
        if let Column::Str(col) = &mut self.t.cols[c] {
            col.pad_to(rows);
            col.push(bytes, block, offset);
            self.mark(c);
        }
    }

    /// Whether string column `c` can take a value in this row.
    #[inline(always)]
    fn str_free(&self, c: usize) -> bool {
        !self.is_set(c) && matches!(self.t.cols[c], Column::Str(_))
    }

    /// Set string column `c` to the text at `span` (a view into the line).
    #[inline(always)]
    pub fn str(&mut self, c: usize, span: Span) {
        let line = self.line;
        self.push_str(c, &line[span.0..span.1], self.block, self.base + span.0);
    }

    /// Set string column `c` to rewritten text (copied to the side buffer).
    pub fn owned(&mut self, c: usize, text: &[u8]) {
        debug_assert!(std::str::from_utf8(text).is_ok());
        if self.str_free(c) {
            let at = self.side.len();
            self.side.extend_from_slice(text);
            self.push_str(c, text, Block::Side, at);
        }
    }

    /// Set string column `c` to a constant (a normalised value such as `allow`).
    pub fn constant(&mut self, c: usize, text: &'static str) {
        if text.len() <= 12 {
            self.push_str(c, text.as_bytes(), Block::Input, 0); // inline view: no buffer read
        } else {
            self.owned(c, text.as_bytes());
        }
    }

    /// Set IP column `c` from the text at `span`, canonical. False if it is not an address.
    pub fn ip(&mut self, c: usize, span: Span) -> bool {
        if self.is_set(c) {
            return false;
        }
        match ip::canonical(&self.line[span.0..span.1]) {
            Some(CanonIp::AsIs) => {
                self.str(c, span);
                true
            }
            Some(CanonIp::Rewritten(t)) => {
                self.owned(c, t.as_bytes());
                true
            }
            None => false,
        }
    }

    /// Set column `c` to the value of a key-value pair: unescaped when it needs it, read as the
    /// column's kind. False when it does not read (the caller keeps it in `extra`).
    #[inline(always)]
    pub fn pair_value(&mut self, c: usize, p: &Pair) -> bool {
        if !p.escaped {
            return self.text(c, p.value);
        }
        if self.is_set(c) || !matches!(self.t.kinds[c], Kind::Str) {
            return false;
        }
        let mut buf = Vec::new();
        kv::unescape(&self.line[p.value.0..p.value.1], &mut buf);
        self.owned(c, &buf);
        true
    }

    /// The usual handling of a pair: into its column if it has one and reads as its kind,
    /// else into `extra`.
    #[inline(always)]
    pub fn pair(&mut self, c: Option<usize>, p: &Pair) {
        if let Some(c) = c {
            if self.pair_value(c, p) {
                return;
            }
        }
        self.extra_pair(p);
    }

    /// Keep a pair in `extra` (value unescaped when it needs it; empty value: null).
    pub fn extra_pair(&mut self, p: &Pair) {
        if !p.escaped {
            self.extra(p.key, Some(p.value));
            return;
        }
        let mut buf = Vec::new();
        kv::unescape(&self.line[p.value.0..p.value.1], &mut buf);
        let (ks, ke) = p.key;
        let at = self.side.len();
        self.side.extend_from_slice(&buf);
        if let Some(m) = self.t.extra.as_mut() {
            m.entry((&self.line[ks..ke], self.block, self.base + ks), Some((&buf, Block::Side, at)));
        }
    }

    /// Add `key` → `value` (`None` or empty: null) to `extra`.
    pub fn extra(&mut self, key: Span, value: Option<Span>) {
        let (line, block, base) = (self.line, self.block, self.base);
        if let Some(m) = self.t.extra.as_mut() {
            let v = value.filter(|v| v.1 > v.0).map(|(s, e)| (&line[s..e], block, base + s));
            m.entry((&line[key.0..key.1], block, base + key.0), v);
        }
    }

    /// Add a constant key (a field name the format knows) with the value at `value` to `extra`.
    pub fn extra_named(&mut self, key: &'static str, value: Span) {
        let (line, block, base) = (self.line, self.block, self.base);
        let at = self.side.len();
        self.side.extend_from_slice(key.as_bytes());
        if let Some(m) = self.t.extra.as_mut() {
            let v = (value.1 > value.0).then(|| (&line[value.0..value.1], block, base + value.0));
            m.entry((key.as_bytes(), Block::Side, at), v);
        }
    }

    /// Add `key` → the value at `value` (`None` or empty: null) to `extra`, the key being text
    /// the format already wrote to the side buffer at `key_at` (field names of a header, written
    /// once per chunk rather than once per row).
    pub fn extra_side_key(&mut self, key: &[u8], key_at: usize, value: Option<Span>) {
        debug_assert_eq!(self.side.get(key_at..key_at + key.len()), Some(key));
        let (line, block, base) = (self.line, self.block, self.base);
        if let Some(m) = self.t.extra.as_mut() {
            let v = value.filter(|v| v.1 > v.0).map(|(s, e)| (&line[s..e], block, base + s));
            m.entry((key, Block::Side, key_at), v);
        }
    }

    /// Push `v` to primitive column `c` (the one `pick` finds there) if it is unset in this row.
    #[inline(always)]
    fn prim<T: ArrowPrimitiveType>(&mut self, c: usize, v: T::Native, pick: fn(&mut Column) -> Option<&mut PrimCol<T>>) {
        if self.is_set(c) {
            return;
        }
        let rows = self.t.rows;
        if let Some(col) = pick(&mut self.t.cols[c]) {
            col.pad_to(rows);
            col.push(v);
            self.mark(c);
        }
    }

    #[inline]
    pub fn set_u8(&mut self, c: usize, v: u8) {
        self.prim(c, v, |col| if let Column::U8(x) = col { Some(x) } else { None });
    }
    #[inline]
    pub fn set_u16(&mut self, c: usize, v: u16) {
        self.prim(c, v, |col| if let Column::U16(x) = col { Some(x) } else { None });
    }
    #[inline]
    pub fn set_u32(&mut self, c: usize, v: u32) {
        self.prim(c, v, |col| if let Column::U32(x) = col { Some(x) } else { None });
    }
    #[inline]
    pub fn set_u64(&mut self, c: usize, v: u64) {
        self.prim(c, v, |col| if let Column::U64(x) = col { Some(x) } else { None });
    }
    #[inline]
    pub fn set_i64(&mut self, c: usize, v: i64) {
        self.prim(c, v, |col| if let Column::I64(x) = col { Some(x) } else { None });
    }
    #[inline]
    pub fn set_f64(&mut self, c: usize, v: f64) {
        self.prim(c, v, |col| if let Column::F64(x) = col { Some(x) } else { None });
    }
    /// Set timestamp column `c` (UTC microseconds).
    #[inline]
    pub fn set_ts(&mut self, c: usize, micros: i64) {
        self.prim(c, micros, |col| if let Column::Ts(x) = col { Some(x) } else { None });
    }

    /// Keep the row: unset columns become null (when next set, or at `finish`).
    #[inline]
    pub fn commit(mut self) {
        self.t.set.fill(0);
        if let Some(m) = self.t.extra.as_mut() {
            m.end_row();
        }
        self.t.rows += 1;
        self.done = true;
    }
}

impl Drop for Row<'_> {
    fn drop(&mut self) {
        if !self.done {
            // the columns this row set hold one value too many; the others end before it
            let n = self.t.rows;
            for (w, word) in self.t.set.iter_mut().enumerate() {
                while *word != 0 {
                    self.t.cols[w * 64 + word.trailing_zeros() as usize].truncate(n);
                    *word &= *word - 1;
                }
            }
            if let Some(m) = self.t.extra.as_mut() {
                m.truncate(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::{Array, MapArray};
    use arrow_buffer::Buffer;

    const COLS: &[Col] = &[col("srcip", Kind::Ip), col("srcport", Kind::U16), col("msg", Kind::Str), col("sent", Kind::U64)];

    #[test]
    fn rows_extra_and_rollback() {
        let keys = KeyIndex::by_name(COLS);
        let data = br#"srcip=2001:DB8::1 srcport=99999 msg="a \"b\"" x=1 sent=5 sent=6
srcip=10.0.0.1 msg=
"#
        .to_vec();
        let mut t = Table::for_chunk(COLS, true, &data);
        let mut side = Vec::new();
        let mut offset = 0;
        for (i, line) in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
            let mut row = t.row(line, Block::Input, offset, &mut side);
            for tok in kv::scan(line, 0, line.len(), kv::Dialect::SPACED) {
                if let kv::Token::Pair(p) = tok {
                    row.pair(keys.get(&line[p.key.0..p.key.1]), &p);
                }
            }
            row.commit();
            offset += line.len() + 1;
            if i == 0 {
                // a rejected row leaves nothing behind
                let mut row = t.row(line, Block::Input, 0, &mut side);
                row.str(2, (0, 5));
                row.set_u64(3, 1);
                drop(row);
            }
        }
        let blocks =
            Blocks { input: Buffer::from_vec(data.clone()), lossy: Buffer::from_vec(Vec::<u8>::new()), side: Buffer::from_vec(side) };
        let cols = t.finish(&blocks);
        assert_eq!(cols.len(), 5);
        let ip = cols[0].as_string_view();
        assert_eq!(ip.value(0), "2001:db8::1");
        assert_eq!(ip.value(1), "10.0.0.1");
        let port = cols[1].as_primitive::<UInt16Type>();
        assert!(port.is_null(0) && port.is_null(1));
        assert_eq!(cols[2].as_string_view().value(0), r#"a "b""#);
        assert!(cols[2].is_null(1));
        let sent = cols[3].as_primitive::<UInt64Type>();
        assert_eq!(sent.value(0), 5);
        let extra = cols[4].as_any().downcast_ref::<MapArray>().unwrap();
        assert_eq!(extra.len(), 2);
        let entries = extra.value(0);
        let k = entries.column(0).as_string_view();
        let v = entries.column(1).as_string_view();
        let got: Vec<(String, String)> = (0..k.len()).map(|i| (k.value(i).to_string(), v.value(i).to_string())).collect();
        assert_eq!(got, vec![("srcport".into(), "99999".into()), ("x".into(), "1".into()), ("sent".into(), "6".into())]);
        assert_eq!(extra.value(1).len(), 0);
    }

    /// Nulls filled late (when a column is next set, or at finish) and undone rows: every
    /// column ends with one value per committed row.
    #[test]
    fn lazy_nulls_and_rollback() {
        const C: &[Col] = &[col("a", Kind::Str), col("n", Kind::U16), col("t", Kind::Ts)];
        let data = b"x 1".to_vec();
        let line = &data[..];
        let mut t = Table::new(C, false, 2);
        let mut side = Vec::new();
        let mut row = t.row(line, Block::Input, 0, &mut side);
        row.str(0, (0, 1));
        row.commit();
        let mut row = t.row(line, Block::Input, 0, &mut side);
        assert!(!row.is_set(0) && row.text(1, (2, 3)) && row.is_set(1) && !row.text(1, (2, 3)));
        row.commit();
        let mut row = t.row(line, Block::Input, 0, &mut side);
        row.str(0, (0, 1));
        row.set_u16(1, 7);
        assert!(row.is_set(0) && row.is_set(1));
        drop(row); // undone: its values go, the nulls padded before them stay
        let mut row = t.row(line, Block::Input, 0, &mut side);
        assert!(!row.is_set(0) && !row.is_set(1));
        row.set_ts(2, 5);
        row.commit();
        let row = t.row(line, Block::Input, 0, &mut side);
        row.commit();
        assert_eq!(t.rows(), 4);
        let blocks =
            Blocks { input: Buffer::from_vec(data.clone()), lossy: Buffer::from_vec(Vec::<u8>::new()), side: Buffer::from_vec(side) };
        let cols = t.finish(&blocks);
        let a = cols[0].as_string_view();
        assert_eq!((a.len(), a.value(0), a.null_count()), (4, "x", 3));
        let n = cols[1].as_primitive::<UInt16Type>();
        assert_eq!((n.len(), n.value(1), n.null_count()), (4, 1, 3));
        let ts = cols[2].as_primitive::<TimestampMicrosecondType>();
        assert_eq!((ts.len(), ts.value(2), ts.null_count()), (4, 5, 3));
    }

    #[test]
    fn key_index() {
        let names = ["date", "time", "devname", "srcip", "dstip", "srcport", "dstport", "action", "a", ""];
        let keys: Vec<(&'static str, usize)> = names.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let idx = KeyIndex::new(&keys);
        for (i, k) in names.iter().enumerate() {
            assert_eq!(idx.get(k.as_bytes()), Some(i));
        }
        assert_eq!(idx.get(b"srcipx"), None);
        // keys that differ in one byte anywhere, of every length around the word sizes
        let long: Vec<String> = (0..=20).map(|n| "k".repeat(n)).collect();
        let keys: Vec<(&'static str, usize)> = long.iter().enumerate().map(|(i, k)| (&*Box::leak(k.clone().into_boxed_str()), i)).collect();
        let idx = KeyIndex::new(&keys);
        for (i, k) in long.iter().enumerate() {
            assert_eq!(idx.get(k.as_bytes()), Some(i), "{k}");
            for j in 0..k.len() {
                let mut other = k.clone().into_bytes();
                other[j] = b'x';
                assert_eq!(idx.get(&other), None, "{k} {j}");
            }
        }
        assert_eq!(idx.get(b"dates"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"--1"), None);
        assert_eq!(parse_f64(b"16.12"), Some(16.12));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b"1e999"), None);
    }
}
