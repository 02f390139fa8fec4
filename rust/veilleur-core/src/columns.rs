//! Column builders that produce Arrow arrays without copying the text: strings are Utf8View
//! views into the chunk's own bytes (block 0), into lossily decoded copies of lines that were
//! not valid UTF-8 (block 1), or into a side buffer of rewritten text (block 2: canonical IPv6).

use std::sync::Arc;

use arrow_array::builder::make_view;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{ArrayRef, PrimitiveArray, StringViewArray};
use arrow_buffer::{Buffer, NullBufferBuilder, ScalarBuffer};

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
        self.views.push(make_view(bytes, block as u32, offset as u32));
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

    pub fn finish(mut self, blocks: &Blocks) -> ArrayRef {
        let buffers: Arc<[Buffer]> = Arc::from(vec![blocks.input.clone(), blocks.lossy.clone(), blocks.side.clone()]);
        let views = ScalarBuffer::from(self.views);
        // SAFETY: every view was made by `make_view` from bytes that are valid UTF-8 and lie at
        // the recorded offset of the recorded block, and both blocks are in `buffers`.
        let array = unsafe { StringViewArray::new_unchecked(views, buffers, self.nulls.finish()) };
        Arc::new(array)
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

    pub fn finish(mut self) -> PrimitiveArray<T> {
        PrimitiveArray::new(ScalarBuffer::from(self.values), self.nulls.finish())
    }
}
