//! Grouping keys: one or several columns of any string, integer, boolean, binary or
//! dictionary type, turned into dense group ids (`u32`) shared by every table and step that
//! is interned or probed against the same [`Interner`].
//!
//! A row's key is encoded to bytes by value, not by physical type: strings (`Utf8`,
//! `LargeUtf8`, `Utf8View`, or a dictionary of them) as a tag and their bytes, integers of
//! any width and sign as a tag and an `i128`, so `Utf8` "10.0.0.1" equals `Utf8View`
//! "10.0.0.1" and `Int32` 5 equals `UInt64` 5; a string never equals an integer. A null in any
//! key column gives [`NO_GROUP`]: null keys never match.

use std::hash::{BuildHasherDefault, Hasher};

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use rayon::prelude::*;

use super::table::{Row, Table};
use crate::{Error, Result};

/// Group id of a row that has a null key (or, when probing, a key the interner never saw).
pub const NO_GROUP: u32 = u32::MAX;

/// FxHash (rustc's): fast on short keys. Keys come from logs (attacker-written text): the
/// [`Interner`] starts each hash from a random seed, so collisions cannot be precomputed, and
/// a flood would cost time, never correctness.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        for &x in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(x)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// One key column of one batch, viewed by type.
enum Col<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Bin(&'a arrow_array::BinaryArray),
    LargeBin(&'a arrow_array::LargeBinaryArray),
    BinView(&'a arrow_array::BinaryViewArray),
    Bool(&'a arrow_array::BooleanArray),
    Int(&'a dyn Array, fn(&dyn Array, usize) -> i128),
    Dict { keys: &'a dyn Array, index: Vec<usize>, n_values: usize, values: Box<Col<'a>> },
}

fn int_at<T: ArrowPrimitiveType>(a: &dyn Array, i: usize) -> i128
where
    T::Native: Into<i128>,
{
    a.as_primitive::<T>().value(i).into()
}

impl<'a> Col<'a> {
    fn new(a: &'a ArrayRef, name: &str) -> Result<Col<'a>> {
        Col::of(a.as_ref(), name)
    }

    fn of(a: &'a dyn Array, name: &str) -> Result<Col<'a>> {
        Ok(match a.data_type() {
            DataType::Utf8 => Col::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Col::LargeUtf8(a.as_string::<i64>()),
            DataType::Utf8View => Col::View(a.as_string_view()),
            DataType::Binary => Col::Bin(a.as_binary::<i32>()),
            DataType::LargeBinary => Col::LargeBin(a.as_binary::<i64>()),
            DataType::BinaryView => Col::BinView(a.as_binary_view()),
            DataType::Boolean => Col::Bool(a.as_boolean()),
            DataType::Int8 => Col::Int(a, int_at::<Int8Type>),
            DataType::Int16 => Col::Int(a, int_at::<Int16Type>),
            DataType::Int32 => Col::Int(a, int_at::<Int32Type>),
            DataType::Int64 => Col::Int(a, int_at::<Int64Type>),
            DataType::UInt8 => Col::Int(a, int_at::<UInt8Type>),
            DataType::UInt16 => Col::Int(a, int_at::<UInt16Type>),
            DataType::UInt32 => Col::Int(a, int_at::<UInt32Type>),
            DataType::UInt64 => Col::Int(a, int_at::<UInt64Type>),
            DataType::Dictionary(_, _) => {
                let d = a.as_any_dictionary();
                Col::Dict {
                    keys: d.keys(),
                    index: d.normalized_keys(),
                    n_values: d.values().len(),
                    values: Box::new(Col::of(d.values().as_ref(), name)?),
                }
            }
            other => {
                return Err(Error::InvalidArgument(format!(
                    "key column {name:?} has type {other}; keys must be strings, integers, booleans, binary or dictionaries of them"
                )))
            }
        })
    }

    /// Append row `i`'s encoding to `buf`; false if it is null.
    fn encode(&self, i: usize, buf: &mut Vec<u8>) -> bool {
        fn bytes(buf: &mut Vec<u8>, tag: u8, v: &[u8]) {
            buf.push(tag);
            buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
            buf.extend_from_slice(v);
        }
        macro_rules! s {
            ($a:expr, $tag:expr, $conv:expr) => {{
                if $a.is_null(i) {
                    return false;
                }
                bytes(buf, $tag, $conv($a.value(i)));
            }};
        }
        match self {
            Col::Utf8(a) => s!(a, b's', str::as_bytes),
            Col::LargeUtf8(a) => s!(a, b's', str::as_bytes),
            Col::View(a) => s!(a, b's', str::as_bytes),
            Col::Bin(a) => s!(a, b'b', |v| v),
            Col::LargeBin(a) => s!(a, b'b', |v| v),
            Col::BinView(a) => s!(a, b'b', |v| v),
            Col::Bool(a) => {
                if a.is_null(i) {
                    return false;
                }
                buf.push(if a.value(i) { b'T' } else { b'F' });
            }
            Col::Int(a, at) => {
                if a.is_null(i) {
                    return false;
                }
                buf.push(b'i');
                buf.extend_from_slice(&at(*a, i).to_le_bytes());
            }
            Col::Dict { keys, index, values, .. } => {
                if keys.is_null(i) {
                    return false;
                }
                return values.encode(index[i], buf);
            }
        }
        true
    }
}

/// The key columns of one table, batch by batch.
pub struct KeyCols<'a> {
    /// Per batch: (first global row, number of rows, one view per key column).
    batches: Vec<(usize, usize, Vec<Col<'a>>)>,
    n: usize,
}

impl<'a> KeyCols<'a> {
    /// `names` may be empty: every row then has the same (empty) key.
    pub fn new(table: &'a Table, names: &[String]) -> Result<KeyCols<'a>> {
        let idx: Vec<usize> = names.iter().map(|n| table.index_of(n)).collect::<Result<_>>()?;
        let mut batches = Vec::with_capacity(table.batches.len());
        let mut start = 0;
        for b in &table.batches {
            let cols = idx.iter().zip(names).map(|(c, n)| Col::new(b.column(*c), n)).collect::<Result<Vec<_>>>()?;
            batches.push((start, b.num_rows(), cols));
            start += b.num_rows();
        }
        Ok(KeyCols { batches, n: table.num_rows() })
    }

    pub fn num_rows(&self) -> usize {
        self.n
    }

    fn encode(cols: &[Col<'_>], i: usize, buf: &mut Vec<u8>) -> bool {
        buf.clear();
        cols.iter().all(|c| c.encode(i, buf))
    }

    /// Group ids of rows `lo..hi` into `out` (`out[0]` is row `lo`): `lookup(encoded key)`
    /// for rows whose key has no null and for which `keep(row)` holds, [`NO_GROUP`] for the
    /// others. One key column gets fast paths: a dictionary's values are looked up once per
    /// batch, and a `Utf8View` row whose 16-byte view was seen before reuses its answer (equal
    /// views of one array hold equal strings), so repeated keys cost no hashing of bytes.
    fn resolve(&self, lo: usize, hi: usize, out: &mut [u32], keep: impl Fn(usize) -> bool, mut lookup: impl FnMut(&[u8]) -> u32) {
        let mut buf = Vec::with_capacity(64);
        for (start, len, cols) in &self.batches {
            let (s, e) = ((*start).max(lo), (start + len).min(hi));
            if s >= e {
                continue;
            }
            match cols.as_slice() {
                [Col::Dict { keys, index, n_values, values }] => {
                    let mut ids: Vec<Option<u32>> = vec![None; *n_values];
                    for g in s..e {
                        let i = g - start;
                        out[g - lo] = if !keep(g) || keys.is_null(i) {
                            NO_GROUP
                        } else {
                            let j = index[i];
                            *ids[j].get_or_insert_with(|| {
                                buf.clear();
                                if values.encode(j, &mut buf) {
                                    lookup(&buf)
                                } else {
                                    NO_GROUP
                                }
                            })
                        };
                    }
                }
                [c @ Col::View(a)] => {
                    const SLOTS: usize = 1 << 14;
                    let mut cache: Vec<(u128, u32)> = vec![(0, NO_GROUP); SLOTS];
                    let mut used = vec![false; SLOTS];
                    let views = a.views();
                    for g in s..e {
                        let i = g - start;
                        out[g - lo] = if !keep(g) || a.is_null(i) {
                            NO_GROUP
                        } else {
                            let v = views[i];
                            let h = ((v as u64 ^ (v >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 50) as usize;
                            if used[h] && cache[h].0 == v {
                                cache[h].1
                            } else {
                                buf.clear();
                                c.encode(i, &mut buf);
                                let id = lookup(&buf);
                                cache[h] = (v, id);
                                used[h] = true;
                                id
                            }
                        };
                    }
                }
                _ => {
                    for g in s..e {
                        out[g - lo] = if keep(g) && Self::encode(cols, g - start, &mut buf) { lookup(&buf) } else { NO_GROUP };
                    }
                }
            }
        }
    }
}

impl KeyCols<'_> {
    /// Group ids of the given rows (ascending), into `out` (aligned with `rows`), as
    /// [`KeyCols::resolve`] does for a range.
    fn resolve_rows(&self, rows: &[Row], out: &mut [u32], keep: impl Fn(usize) -> bool, mut lookup: impl FnMut(&[u8]) -> u32) {
        let mut buf = Vec::with_capacity(64);
        let mut b = 0;
        for (i, r) in rows.iter().enumerate() {
            let r = *r as usize;
            while b + 1 < self.batches.len() && self.batches[b].0 + self.batches[b].1 <= r {
                b += 1;
            }
            let (start, _, cols) = &self.batches[b];
            out[i] = if keep(r) && Self::encode(cols, r - start, &mut buf) { lookup(&buf) } else { NO_GROUP };
        }
    }
}

/// Dense ids for keys, shared by every table interned or probed against it.
///
/// An open-addressing table of ids over one byte arena: no allocation per key, so interning
/// millions of distinct keys (every (src_ip, dst_ip) pair of a large log) stays cheap.
pub struct Interner {
    /// Every key's bytes, one after the other; key `id` is `arena[spans[id].0..][..spans[id].1]`.
    arena: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// `(high 32 bits of the hash) << 32 | id`, or [`EMPTY`]; a power of two long, at most
    /// half full. The hash bits let a probe skip other keys without reading them.
    slots: Vec<u64>,
    seed: u64,
}

const EMPTY: u64 = u64::MAX;

impl Default for Interner {
    fn default() -> Self {
        use std::hash::BuildHasher;
        let seed = std::collections::hash_map::RandomState::new().hash_one(0u8);
        Interner { arena: Vec::new(), spans: Vec::new(), slots: vec![EMPTY; 64], seed }
    }
}

fn hash(seed: u64, key: &[u8]) -> u64 {
    let mut h = FxHasher(seed);
    h.write(key);
    h.write_usize(key.len());
    // FxHash leaves its low bits, which pick the slot, poorly mixed: finish with murmur3's fmix64
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

impl Interner {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn key(&self, id: u32) -> &[u8] {
        let (start, len) = self.spans[id as usize];
        &self.arena[start..start + len]
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn slot(&self, key: &[u8], h: u64) -> usize {
        let mask = self.slots.len() - 1;
        let tag = h >> 32;
        let mut i = h as usize & mask;
        loop {
            let v = self.slots[i];
            if v == EMPTY || (v >> 32 == tag && self.key(v as u32) == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of a key already interned.
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        let v = self.slots[self.slot(key, hash(self.seed, key))];
        (v != EMPTY).then_some(v as u32)
    }

    fn id(&mut self, key: &[u8]) -> u32 {
        let h = hash(self.seed, key);
        let i = self.slot(key, h);
        if self.slots[i] != EMPTY {
            return self.slots[i] as u32;
        }
        let id = self.spans.len() as u32;
        self.spans.push((self.arena.len(), key.len()));
        self.arena.extend_from_slice(key);
        self.slots[i] = (h >> 32) << 32 | u64::from(id);
        if self.spans.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    /// Double the slots; hashes are recomputed from the arena, read in order.
    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        let mask = n - 1;
        let mut slots = vec![EMPTY; n];
        for id in 0..self.spans.len() as u32 {
            let h = hash(self.seed, self.key(id));
            let mut i = h as usize & mask;
            while slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = (h >> 32) << 32 | u64::from(id);
        }
        self.slots = slots;
    }

    /// Group id of every row (new keys get new ids), [`NO_GROUP`] for null keys. Rows for
    /// which `keep(row)` is false are not interned and get [`NO_GROUP`].
    pub fn intern(&mut self, cols: &KeyCols<'_>, keep: impl Fn(usize) -> bool) -> Vec<u32> {
        let mut out = vec![NO_GROUP; cols.num_rows()];
        cols.resolve(0, cols.num_rows(), &mut out, keep, |k| self.id(k));
        out
    }

    /// Group ids of the given rows (ascending), aligned with them; new keys get new ids.
    pub fn intern_rows(&mut self, cols: &KeyCols<'_>, rows: &[Row], keep: impl Fn(usize) -> bool) -> Vec<u32> {
        let mut out = vec![NO_GROUP; rows.len()];
        cols.resolve_rows(rows, &mut out, keep, |k| self.id(k));
        out
    }

    /// Group ids of rows `lo..hi` for keys already interned, into `out`: [`NO_GROUP`] for
    /// null or unseen keys and for rows where `keep(row)` is false. Read-only.
    pub fn probe_range(&self, cols: &KeyCols<'_>, lo: usize, hi: usize, out: &mut [u32], keep: impl Fn(usize) -> bool) {
        cols.resolve(lo, hi, out, keep, |k| self.get(k).unwrap_or(NO_GROUP));
    }

    /// Group id of every row for keys already interned, [`NO_GROUP`] for null or unseen
    /// keys; read-only, in parallel over row ranges.
    pub fn probe(&self, cols: &KeyCols<'_>, keep: impl Fn(usize) -> bool + Sync) -> Vec<u32> {
        const CHUNK: usize = 1 << 16;
        let n = cols.num_rows();
        let mut out = vec![NO_GROUP; n];
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, slot)| {
            let lo = c * CHUNK;
            cols.resolve(lo, lo + slot.len(), slot, &keep, |k| self.get(k).unwrap_or(NO_GROUP));
        });
        out
    }
}

/// Rows grouped by id: `rows[offsets[g]..offsets[g + 1]]` are group `g`'s rows, each group
/// sorted by (time, row). Rows with [`NO_GROUP`] or a null time are left out. A counting
/// sort by group, then parallel sorts inside groups: O(n + G + sum of g log g).
pub struct Groups {
    pub offsets: Vec<usize>,
    pub rows: Vec<Row>,
    pub times: Vec<i64>,
}

impl Groups {
    pub fn build(group: &[u32], n_groups: usize, time: &[i64]) -> Groups {
        Groups::of(n_groups, time, group.iter().enumerate().map(|(r, g)| (*g, r as Row)))
    }

    /// Groups of (group id, row) entries given in row order (entries with [`NO_GROUP`] or a
    /// null time are left out).
    pub fn of(n_groups: usize, time: &[i64], entries: impl Iterator<Item = (u32, Row)> + Clone) -> Groups {
        let valid = |g: u32, r: Row| g != NO_GROUP && time[r as usize] != super::time::NULL_TIME;
        let mut offsets = vec![0usize; n_groups + 1];
        for (g, r) in entries.clone() {
            if valid(g, r) {
                offsets[g as usize + 1] += 1;
            }
        }
        for g in 0..n_groups {
            offsets[g + 1] += offsets[g];
        }
        let total = offsets[n_groups];
        let mut pairs: Vec<(i64, Row)> = vec![(0, 0); total];
        let mut fill = offsets.clone();
        for (g, r) in entries {
            if valid(g, r) {
                let g = g as usize;
                pairs[fill[g]] = (time[r as usize], r);
                fill[g] += 1;
            }
        }
        // Sort each group by (time, row), in parallel over groups, a large group itself in
        // parallel; input already in time order costs one check.
        let mut slices: Vec<&mut [(i64, Row)]> = Vec::with_capacity(n_groups);
        let mut rest: &mut [(i64, Row)] = &mut pairs;
        for g in 0..n_groups {
            let (a, b) = rest.split_at_mut(offsets[g + 1] - offsets[g]);
            slices.push(a);
            rest = b;
        }
        slices.par_iter_mut().for_each(|s| {
            if !s.windows(2).all(|w| w[0].0 <= w[1].0) {
                if s.len() > 1 << 16 {
                    s.par_sort_unstable();
                } else {
                    s.sort_unstable();
                }
            }
        });
        let rows = pairs.par_iter().map(|p| p.1).collect();
        let times = pairs.par_iter().map(|p| p.0).collect();
        Groups { offsets, rows, times }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Group `g`'s (rows, times).
    pub fn group(&self, g: usize) -> (&[Row], &[i64]) {
        let (a, b) = (self.offsets[g], self.offsets[g + 1]);
        (&self.rows[a..b], &self.times[a..b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{DictionaryArray, Int32Array, RecordBatch, StringArray, StringViewArray, UInt64Array};
    use std::sync::Arc;

    fn table(cols: Vec<(&str, ArrayRef)>) -> Table {
        Table::from_batch(RecordBatch::try_from_iter(cols).unwrap())
    }

    #[test]
    fn types_compare_by_value_and_nulls_never_match() {
        let a = table(vec![
            ("k", Arc::new(StringArray::from(vec![Some("x"), None, Some("y")])) as ArrayRef),
            ("n", Arc::new(Int32Array::from(vec![5, 5, 7])) as ArrayRef),
        ]);
        let dict: DictionaryArray<Int32Type> = vec![Some("y"), Some("x"), None].into_iter().collect();
        let b = table(vec![("k", Arc::new(dict) as ArrayRef), ("n", Arc::new(UInt64Array::from(vec![7, 5, 5])) as ArrayRef)]);
        let names = vec!["k".to_string(), "n".to_string()];
        let mut it = Interner::default();
        let ga = it.intern(&KeyCols::new(&a, &names).unwrap(), |_| true);
        assert_eq!(ga, vec![0, NO_GROUP, 1]);
        let gb = it.probe(&KeyCols::new(&b, &names).unwrap(), |_| true);
        assert_eq!(gb, vec![1, 0, NO_GROUP]);
        let v = table(vec![("k", Arc::new(StringViewArray::from(vec!["y", "z"])) as ArrayRef)]);
        let one = vec!["k".to_string()];
        let mut it = Interner::default();
        it.intern(&KeyCols::new(&a, &one).unwrap(), |_| true);
        assert_eq!(it.probe(&KeyCols::new(&v, &one).unwrap(), |_| true), vec![1, NO_GROUP]);
        // a string never equals an integer
        let s = table(vec![("n", Arc::new(StringArray::from(vec!["5"])) as ArrayRef)]);
        let n = vec!["n".to_string()];
        let mut it = Interner::default();
        it.intern(&KeyCols::new(&a, &n).unwrap(), |_| true);
        assert_eq!(it.probe(&KeyCols::new(&s, &n).unwrap(), |_| true), vec![NO_GROUP]);
    }

    #[test]
    fn interner_grows_and_finds_every_key() {
        let mut it = Interner::default();
        for i in 0..10_000u32 {
            assert_eq!(it.id(&i.to_le_bytes()), i);
        }
        for i in 0..10_000u32 {
            assert_eq!(it.id(&i.to_le_bytes()), i);
            assert_eq!(it.get(&i.to_le_bytes()), Some(i));
        }
        assert_eq!(it.get(b"absent"), None);
        assert_eq!(it.id(b""), 10_000);
        assert_eq!(it.len(), 10_001);
    }

    #[test]
    fn groups_sorted_by_time_then_row() {
        let g = Groups::build(&[0, 1, 0, NO_GROUP, 0], 2, &[5, 1, 3, 0, 3]);
        assert_eq!(g.group(0), (&[2u32, 4, 0][..], &[3i64, 3, 5][..]));
        assert_eq!(g.group(1), (&[1u32][..], &[1i64][..]));
    }
}
