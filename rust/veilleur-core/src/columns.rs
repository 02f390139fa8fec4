//! Column builders that produce Arrow arrays without copying the text: strings are Utf8View
//! views into the chunk's own bytes (block 0), into lossily decoded copies of lines that were
//! not valid UTF-8 (block 1), or into a side buffer of rewritten text (block 2: canonical IPv6).

use std::sync::Arc;

use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{ArrayRef, MapArray, PrimitiveArray, StringViewArray, StructArray};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
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
    let n = bytes.len();
    let b4 = |i: usize| u128::from(u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]));
    let inline = if n > 12 {
        return n as u128 | (b4(0) << 32) | (u128::from(block) << 64) | (u128::from(offset) << 96);
    } else if n >= 8 {
        let lo = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
        u128::from(lo) | (b4(n - 4) << (8 * (n - 4)))
    } else if n >= 4 {
        b4(0) | (b4(n - 4) << (8 * (n - 4)))
    } else if n > 0 {
        let b = |i: usize| u128::from(bytes[i]) << (8 * i);
        b(0) | b(n / 2) | b(n - 1)
    } else {
        0
    };
    n as u128 | (inline << 32)
}

/// A Utf8View column under construction.
pub struct StrCol {
    views: Vec<u128>,
    nulls: NullBufferBuilder,
}

impl Default for StrCol {
    fn default() -> Self {
        StrCol::with_capacity(0)
    }
}

impl StrCol {
    pub fn with_capacity(n: usize) -> Self {
        StrCol { views: Vec::with_capacity(n), nulls: NullBufferBuilder::new(n) }
    }

    /// Append `bytes`, which must be valid UTF-8 and live at `offset` in `block`.
    #[inline(always)]
    pub fn push(&mut self, bytes: &[u8], block: Block, offset: usize) {
        self.views.push(view(bytes, block as u32, offset as u32));
        self.nulls.append_non_null();
    }

    #[inline]
    pub fn push_null(&mut self) {
        self.views.push(0);
        self.nulls.append_null();
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

    fn finish_views(mut self, blocks: &Blocks) -> StringViewArray {
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
    nulls: NullBufferBuilder,
}

impl<T: ArrowPrimitiveType> PrimCol<T> {
    pub fn with_capacity(n: usize) -> Self {
        PrimCol { values: Vec::with_capacity(n), nulls: NullBufferBuilder::new(n) }
    }

    #[inline]
    pub fn push(&mut self, v: T::Native) {
        self.values.push(v);
        self.nulls.append_non_null();
    }

    #[inline]
    pub fn push_opt(&mut self, v: Option<T::Native>) {
        match v {
            Some(v) => self.push(v),
            None => {
                self.values.push(T::Native::default());
                self.nulls.append_null();
            }
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Drop the values after the first `len`.
    pub fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.nulls.truncate(len);
    }

    pub fn finish(mut self) -> PrimitiveArray<T> {
        PrimitiveArray::new(ScalarBuffer::from(self.values), self.nulls.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::make_view;

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
