//! Column builders that produce Arrow arrays without copying the text: strings are Utf8View
//! views into the chunk's own bytes (block 0), into lossily decoded copies of lines that were
//! not valid UTF-8 (block 1), or into a side buffer of rewritten text (block 2: canonical IPv6).

use std::sync::Arc;

use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{ArrayRef, MapArray, PrimitiveArray, StringViewArray, StructArray};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields};

/// Where a string's bytes live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// The chunk's bytes as read.
    Input = 0,
    /// Lossy UTF-8 copies of the chunk's invalid lines.
    Lossy = 1,
    /// Text rewritten by a parser (canonical forms).
    Side = 2,
}

/// The bytes that string views of one chunk point into. Every block holds valid UTF-8 wherever
/// a view points (the chunk is validated once; invalid lines are decoded into `lossy`).
pub struct Blocks {
    pub input: Buffer,
    pub lossy: Buffer,
    pub side: Buffer,
}

/// The Utf8View view of `bytes`, which live at `offset` in block `block`: the value arrow's
/// `make_view` gives, built inline (arrow's is `inline(never)`, a call and a jump over thirteen
/// lengths for every string). A string of up to 12 bytes is held in the view itself: its bytes
/// are gathered with two loads that may overlap (the same bytes OR-ed twice), no copy loop.
#[inline(always)]
pub fn view(bytes: &[u8], block: u32, offset: u32) -> u128 {
    #[inline(always)]
    fn b4(bytes: &[u8], i: usize) -> u128 {
        u128::from(u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]))
    }
    let n = bytes.len();
    let inline = if n > 12 {
        return n as u128 | (b4(bytes, 0) << 32) | (u128::from(block) << 64) | (u128::from(offset) << 96);
    } else if n >= 8 {
        let lo = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
        u128::from(lo) | (b4(bytes, n - 4) << (8 * (n - 4)))
    } else if n >= 4 {
        b4(bytes, 0) | (b4(bytes, n - 4) << (8 * (n - 4)))
    } else if n > 0 {
        u128::from(bytes[0]) | (u128::from(bytes[n / 2]) << (8 * (n / 2))) | (u128::from(bytes[n - 1]) << (8 * (n - 1)))
    } else {
        0
    };
    n as u128 | (inline << 32)
}

/// The validity bits of a column under construction (bit `i` set when value `i` is not null),
/// written inline: arrow's builder calls out of line for every value once a column has a null.
/// The words are sized for the column's capacity up front; nulls add zero words in bulk.
struct Validity {
    words: Vec<u64>,
    len: usize,
}

impl Validity {
    fn with_capacity(n: usize) -> Self {
        Validity { words: Vec::with_capacity(n.div_ceil(64)), len: 0 }
    }

    #[inline(always)]
    fn push(&mut self, valid: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        if let Some(w) = self.words.last_mut() {
            *w |= u64::from(valid) << (self.len % 64);
        }
        self.len += 1;
    }

    /// Append `n` nulls.
    #[inline]
    fn push_nulls(&mut self, n: usize) {
        self.len += n;
        self.words.resize(self.len.div_ceil(64), 0);
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
            self.words.truncate(len.div_ceil(64));
            if let Some(w) = self.words.last_mut() {
                if !len.is_multiple_of(64) {
                    *w &= (1u64 << (len % 64)) - 1;
                }
            }
        }
    }

    /// The null buffer; `None` when no value is null.
    fn finish(self) -> Option<NullBuffer> {
        let nulls = NullBuffer::new(BooleanBuffer::new(Buffer::from_vec(self.words), 0, self.len));
        (nulls.null_count() > 0).then_some(nulls)
    }
}

/// A Utf8View column under construction.
pub struct StrCol {
    views: Vec<u128>,
    nulls: Validity,
}

impl Default for StrCol {
    fn default() -> Self {
        StrCol::with_capacity(0)
    }
}

impl StrCol {
    pub fn with_capacity(n: usize) -> Self {
        StrCol { views: Vec::with_capacity(n), nulls: Validity::with_capacity(n) }
    }

    /// Append `bytes`, which must be valid UTF-8 and live at `offset` in `block`.
    #[inline(always)]
    pub fn push(&mut self, bytes: &[u8], block: Block, offset: usize) {
        self.views.push(view(bytes, block as u32, offset as u32));
        self.nulls.push(true);
    }

    #[inline]
    pub fn push_null(&mut self) {
        self.views.push(0);
        self.nulls.push(false);
    }

    /// Append nulls until the column holds `n` values (nothing if it already does).
    #[inline(always)]
    pub fn pad_to(&mut self, n: usize) {
        if self.views.len() < n {
            self.push_nulls(n - self.views.len());
        }
    }

    /// Append `k` nulls.
    pub fn push_nulls(&mut self, k: usize) {
        self.views.resize(self.views.len() + k, 0);
        self.nulls.push_nulls(k);
    }

    #[inline(always)]
    pub fn push_opt(&mut self, v: Option<(&[u8], Block, usize)>) {
        match v {
            Some((b, blk, off)) => self.push(b, blk, off),
            None => self.push_null(),
        }
    }

    pub fn len(&self) -> usize {
        self.views.len()
    }

    pub fn is_empty(&self) -> bool {
        self.views.is_empty()
    }

    /// Drop the values after the first `len` (a row given up half-way).
    pub fn truncate(&mut self, len: usize) {
        self.views.truncate(len);
        self.nulls.truncate(len);
    }

    pub fn finish(self, blocks: &Blocks) -> ArrayRef {
        Arc::new(self.finish_views(blocks))
    }

    fn finish_views(self, blocks: &Blocks) -> StringViewArray {
        let buffers: Arc<[Buffer]> = Arc::from(vec![blocks.input.clone(), blocks.lossy.clone(), blocks.side.clone()]);
        let views = ScalarBuffer::from(self.views);
        // SAFETY: every view was made by `make_view` from bytes that are valid UTF-8 and lie at
        // the recorded offset of the recorded block, and both blocks are in `buffers`.
        unsafe { StringViewArray::new_unchecked(views, buffers, self.nulls.finish()) }
    }
}

/// A `map<string, string>` column under construction (the keys a format does not type, with
/// their values), keys and values as views like [`StrCol`]. A row without such keys holds an
/// empty map.
pub struct MapCol {
    offsets: Vec<i32>,
    keys: StrCol,
    values: StrCol,
}

impl Default for MapCol {
    fn default() -> Self {
        MapCol::with_capacity(0)
    }
}

impl MapCol {
    pub fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        MapCol { offsets, keys: StrCol::default(), values: StrCol::default() }
    }

    /// The Arrow type: `map<utf8view, utf8view>` with entries `key` (not null) and `value`.
    pub fn data_type() -> DataType {
        DataType::Map(Arc::new(Field::new("entries", DataType::Struct(Self::entry_fields()), false)), false)
    }

    fn entry_fields() -> Fields {
        Fields::from(vec![Field::new("key", DataType::Utf8View, false), Field::new("value", DataType::Utf8View, true)])
    }

    /// Add an entry to the current row (`None`: a null value).
    #[inline]
    pub fn entry(&mut self, key: (&[u8], Block, usize), value: Option<(&[u8], Block, usize)>) {
        self.keys.push(key.0, key.1, key.2);
        self.values.push_opt(value);
    }

    /// End the current row.
    #[inline]
    pub fn end_row(&mut self) {
        self.offsets.push(self.keys.len() as i32);
    }

    /// Rows ended so far.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drop the entries added since the last ended row, and the rows after the first `rows`.
    pub fn truncate(&mut self, rows: usize) {
        self.offsets.truncate(rows + 1);
        let n = self.offsets[rows] as usize;
        self.keys.truncate(n);
        self.values.truncate(n);
    }

    pub fn finish(self, blocks: &Blocks) -> ArrayRef {
        let n = *self.offsets.last().unwrap_or(&0) as usize;
        let (mut keys, mut values) = (self.keys, self.values);
        keys.truncate(n);
        values.truncate(n);
        let entries = StructArray::new(
            Self::entry_fields(),
            vec![Arc::new(keys.finish_views(blocks)) as ArrayRef, Arc::new(values.finish_views(blocks)) as ArrayRef],
            None,
        );
        let field = match Self::data_type() {
            DataType::Map(f, _) => f,
            _ => unreachable!("a map type"),
        };
        Arc::new(MapArray::new(field, OffsetBuffer::new(ScalarBuffer::from(self.offsets)), entries, None, false))
    }
}

/// A primitive column under construction.
pub struct PrimCol<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    nulls: Validity,
}

impl<T: ArrowPrimitiveType> PrimCol<T> {
    pub fn with_capacity(n: usize) -> Self {
        PrimCol { values: Vec::with_capacity(n), nulls: Validity::with_capacity(n) }
    }

    #[inline(always)]
    pub fn push(&mut self, v: T::Native) {
        self.values.push(v);
        self.nulls.push(true);
    }

    #[inline]
    pub fn push_opt(&mut self, v: Option<T::Native>) {
        match v {
            Some(v) => self.push(v),
            None => {
                self.values.push(T::Native::default());
                self.nulls.push(false);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Append nulls until the column holds `n` values (nothing if it already does).
    #[inline(always)]
    pub fn pad_to(&mut self, n: usize) {
        if self.values.len() < n {
            self.push_nulls(n - self.values.len());
        }
    }

    /// Append `k` nulls.
    pub fn push_nulls(&mut self, k: usize) {
        self.values.resize(self.values.len() + k, T::Native::default());
        self.nulls.push_nulls(k);
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Drop the values after the first `len`.
    pub fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.nulls.truncate(len);
    }

    pub fn finish(self) -> PrimitiveArray<T> {
        PrimitiveArray::new(ScalarBuffer::from(self.values), self.nulls.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::make_view;

    #[test]
    fn validity_bits() {
        let mut rng = crate::test_rng::Rng::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..200 {
            let mut v = Validity::with_capacity(rng.below(300));
            let mut model: Vec<bool> = Vec::new();
            for _ in 0..rng.below(60) {
                match rng.below(4) {
                    0 => {
                        let n = rng.below(150);
                        v.push_nulls(n);
                        model.extend(std::iter::repeat_n(false, n));
                    }
                    1 => {
                        let n = rng.below(model.len() as u64 + 1);
                        v.truncate(n);
                        model.truncate(n);
                    }
                    _ => {
                        let b = rng.below(3) != 0;
                        v.push(b);
                        model.push(b);
                    }
                }
            }
            let want: Vec<bool> = model.clone();
            match v.finish() {
                Some(nb) => assert_eq!((0..want.len()).map(|i| nb.is_valid(i)).collect::<Vec<_>>(), want),
                None => assert!(want.iter().all(|&b| b)),
            }
        }
    }

    #[test]
    fn views_match_arrow() {
        let text: Vec<u8> = (0..40u32).map(|i| b'a' + (i * 7 % 26) as u8).collect();
        for n in 0..=20 {
            for start in [0, 3, 11] {
                let b = &text[start..start + n];
                assert_eq!(view(b, 2, 12345), make_view(b, 2, 12345), "{n} {start}");
            }
        }
    }
}
