//! The string columns the matcher reads, in any of Arrow's layouts, cell by cell.

use std::hint::select_unpredictable;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, LargeStringArray, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

/// A string column of any of the supported layouts.
pub(super) enum Col<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(Views<'a>),
    /// A dictionary: `matches[k]` false when its value `k` matches no indicator (see
    /// [`Col::set_matches`]); the rows holding such a value are then not read at all.
    Dict {
        keys: Keys<'a>,
        nulls: Option<NullBuffer>,
        values: Box<Col<'a>>,
        dictionary: &'a ArrayRef,
        /// the number of values (`dictionary.len()`, a virtual call, kept out of the row loop)
        n: usize,
        matches: Option<Arc<[bool]>>,
    },
}

/// The keys of a dictionary column, read in place (any integer key type).
pub(super) enum Keys<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
}

/// `$e` with `$k` bound to the key slice of `$keys`, whatever its key type (one copy of `$e`
/// per type).
macro_rules! each_key_type {
    ($keys:expr, $k:ident => $e:expr) => {
        match $keys {
            Keys::U8($k) => $e,
            Keys::U16($k) => $e,
            Keys::U32($k) => $e,
            Keys::U64($k) => $e,
            Keys::I8($k) => $e,
            Keys::I16($k) => $e,
            Keys::I32($k) => $e,
            Keys::I64($k) => $e,
        }
    };
}

impl<'a> Keys<'a> {
    fn new(keys: &'a dyn Array) -> Option<Keys<'a>> {
        use arrow_array::types::*;
        Some(match keys.data_type() {
            DataType::UInt8 => Keys::U8(keys.as_primitive::<UInt8Type>().values()),
            DataType::UInt16 => Keys::U16(keys.as_primitive::<UInt16Type>().values()),
            DataType::UInt32 => Keys::U32(keys.as_primitive::<UInt32Type>().values()),
            DataType::UInt64 => Keys::U64(keys.as_primitive::<UInt64Type>().values()),
            DataType::Int8 => Keys::I8(keys.as_primitive::<Int8Type>().values()),
            DataType::Int16 => Keys::I16(keys.as_primitive::<Int16Type>().values()),
            DataType::Int32 => Keys::I32(keys.as_primitive::<Int32Type>().values()),
            DataType::Int64 => Keys::I64(keys.as_primitive::<Int64Type>().values()),
            _ => return None,
        })
    }

    /// The value row `i` holds, among `n` values: none for a null row or a key out of range.
    #[inline]
    fn value_of(&self, i: usize, nulls: Option<&NullBuffer>, n: usize) -> Option<usize> {
        let k = self.get(i);
        (k < n && !nulls.is_some_and(|b| b.is_null(i))).then_some(k)
    }

    /// Key `i` as an index into the values (a negative one: `usize::MAX`, past any values
    /// array).
    #[inline]
    fn get(&self, i: usize) -> usize {
        each_key_type!(self, k => k[i].index())
    }

    /// Rows `rows` (valid rows only when `valid` is given: the keys' validity) whose value
    /// `k` has `wanted[k]`, in order.
    fn rows_where(&self, rows: Range<usize>, valid: Option<&NullBuffer>, wanted: &[bool]) -> Vec<usize> {
        each_key_type!(self, k => rows_where(k, rows, valid, wanted))
    }
}

/// A dictionary key of any integer type.
trait Key: Copy {
    /// The key as an index into the values (a negative one: `usize::MAX`, past any values
    /// array).
    fn index(self) -> usize;
}

macro_rules! keys {
    ($($t:ty),*) => {$(
        impl Key for $t {
            #[inline(always)]
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            fn index(self) -> usize {
                usize::try_from(self as u64).unwrap_or(usize::MAX) // negative: huge
            }
        }
    )*};
}
keys!(u8, u16, u32, u64, i8, i16, i32, i64);

/// [`Keys::rows_where`] for one key type: a tight loop over the keys, the branch on each
/// row's value taken rarely (few values match), the null rows skipped a bitmap word at a time.
fn rows_where<K: Key>(keys: &[K], rows: Range<usize>, valid: Option<&NullBuffer>, wanted: &[bool]) -> Vec<usize> {
    let want = |i: usize| wanted.get(keys[i].index()).copied().unwrap_or(false);
    match valid.filter(|v| v.null_count() > 0) {
        Some(v) => v.inner().slice(rows.start, rows.len()).set_indices().map(|i| i + rows.start).filter(|&i| want(i)).collect(),
        None => rows.filter(|&i| want(i)).collect(),
    }
}

impl<'a> Col<'a> {
    pub(super) fn new(a: &'a dyn Array) -> Option<Col<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Col::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Col::Large(a.as_string::<i64>()),
            DataType::Utf8View => Col::View(Views::new(a.as_string_view())),
            DataType::Dictionary(_, _) => {
                let d = a.as_any_dictionary_opt()?;
                let values = Col::new(d.values().as_ref())?;
                Col::Dict {
                    keys: Keys::new(d.keys())?,
                    nulls: d.keys().logical_nulls(),
                    values: Box::new(values),
                    dictionary: d.values(),
                    n: d.values().len(),
                    matches: None,
                }
            }
            _ => return None,
        })
    }

    /// Cell `i` as a string (null: `None`).
    #[inline]
    pub(super) fn get_str(&self, i: usize) -> Option<&'a str> {
        match self {
            Col::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Col::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Col::View(a) => a.get_str(i),
            Col::Dict { keys, nulls, values, n, .. } => keys.value_of(i, nulls.as_ref(), *n).and_then(|k| values.get_str(k)),
        }
    }

    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Col::Utf8(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            Col::Large(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            Col::View(a) => a.get(i),
            Col::Dict { keys, nulls, values, n, .. } => keys.value_of(i, nulls.as_ref(), *n).and_then(|k| values.get(k)),
        }
    }

    /// Whether this is a dictionary column whose matching values are known
    /// ([`Col::set_matches`]): [`Col::candidates`] then gives the rows worth reading.
    pub(super) fn is_matched_dictionary(&self) -> bool {
        matches!(self, Col::Dict { matches: Some(_), .. })
    }

    /// The rows of `rows` that may match, in order: for a dictionary column whose matching
    /// values are known, the rows holding one of them (the others are not read at all);
    /// otherwise every row.
    pub(super) fn candidates(&self, rows: Range<usize>) -> Vec<usize> {
        match self {
            Col::Dict { keys, nulls, matches: Some(m), .. } => keys.rows_where(rows, nulls.as_ref(), m),
            _ => rows.collect(),
        }
    }

    /// The column's null rows (a dictionary's are its keys' and are read row by row).
    pub(super) fn nulls(&self) -> Option<&NullBuffer> {
        match self {
            Col::Utf8(a) => a.nulls(),
            Col::Large(a) => a.nulls(),
            Col::View(v) => v.array.nulls(),
            Col::Dict { .. } => None,
        }
    }

    /// A dictionary column's values.
    pub(super) fn dictionary(&self) -> Option<&'a ArrayRef> {
        match self {
            Col::Dict { dictionary, .. } => Some(dictionary),
            _ => None,
        }
    }

    /// Record which values of a dictionary column match some indicator (`matches[k]` for
    /// value `k`): matching then costs one look-up per row, the values having been matched
    /// once each. No effect on other columns.
    pub(super) fn set_matches(&mut self, m: Arc<[bool]>) {
        if let Col::Dict { matches, .. } = self {
            *matches = Some(m);
        }
    }
}

/// A Utf8View column read without a branch on each cell's length: whether a cell's text is in
/// its view (12 bytes or less) or in a data buffer depends on the data and is mispredicted
/// about as often as the lengths of IP addresses and host names straddle 12 bytes, which cost
/// more than the rest of reading a cell. Both addresses are computed and one is selected.
pub(super) struct Views<'a> {
    array: &'a StringViewArray,
    views: &'a [u128],
    /// the data buffers (at least one: an empty one when the array has none)
    buffers: Vec<&'a [u8]>,
}

impl<'a> Views<'a> {
    fn new(array: &'a StringViewArray) -> Self {
        let mut buffers: Vec<&[u8]> = array.data_buffers().iter().map(|b| b.as_slice()).collect();
        if buffers.is_empty() {
            buffers.push(&[]);
        }
        Views { array, views: array.views(), buffers }
    }

    /// The bytes of cell `i` (null: `None`).
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.array.is_valid(i).then(|| self.get_valid(i))
    }

    /// The bytes of cell `i`, known to be valid (a null reads as the empty string).
    #[inline(always)]
    pub(super) fn get_valid(&self, i: usize) -> &'a [u8] {
        let view = &self.views[i];
        let len = *view as u32 as usize;
        let inline = len <= 12;
        // an inline view holds its text from byte 4; another one names a buffer and an offset
        let index = select_unpredictable(inline, 0, (*view >> 64) as u32 as usize);
        let offset = select_unpredictable(inline, 0, (*view >> 96) as u32 as usize);
        let buffer = self.buffers.get(index).copied().unwrap_or_default();
        let outside = buffer.as_ptr().wrapping_add(offset);
        let inside = (view as *const u128).cast::<u8>().wrapping_add(4);
        let ptr = select_unpredictable(inline, inside, outside);
        // SAFETY: the view of a valid StringViewArray points at `len` bytes inside the view
        // itself (len <= 12) or inside data buffer `index` from `offset` (what the array's own
        // `value` relies on, unchecked, too); both live as long as the array.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }

    /// Cell `i` as a string (null: `None`).
    #[inline]
    pub(super) fn get_str(&self, i: usize) -> Option<&'a str> {
        self.array.is_valid(i).then(|| self.array.value(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_read_as_the_array_does() {
        let long = "a".repeat(40);
        let cells: Vec<Option<&str>> =
            vec![Some(""), Some("1.2.3.4"), None, Some("123456789012"), Some("1234567890123"), Some(&long), Some("é.example.org")];
        let a = StringViewArray::from(cells.clone());
        let v = Views::new(&a);
        for (i, want) in cells.iter().enumerate() {
            assert_eq!(v.get(i), want.map(str::as_bytes), "cell {i}");
            assert_eq!(v.get_str(i), *want);
        }
        // a slice of the array: views of the slice, same buffers
        let s = a.slice(3, 3);
        let v = Views::new(&s);
        assert_eq!(v.get(1), Some(&b"1234567890123"[..]));
        assert_eq!(v.get(2), Some(long.as_bytes()));
        // no data buffer at all (every cell inline)
        let a = StringViewArray::from(vec![Some("10.0.0.1"), None]);
        assert!(a.data_buffers().is_empty());
        assert_eq!(Views::new(&a).get(0), Some(&b"10.0.0.1"[..]));
    }
}
