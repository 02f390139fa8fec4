//! Helpers shared by the format modules' tests: parse a text as one chunk, and read a parsed
//! chunk of a typed table ([`typed::Col`] list, then the `extra` map column) by column name.
//! Each format's tests wrap the ones they use around their own `COLS` and `parse_chunk`.

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, MapArray};

use crate::chunk::Chunk;

use super::typed::{self, Col};
use super::{ParseCtx, ParsedChunk};

/// A format's chunk parser.
pub(crate) type ParseFn = fn(Chunk, &ParseCtx) -> ParsedChunk;

/// `text` as the first chunk of a file.
pub(crate) fn chunk(text: &str) -> Chunk {
    Chunk { index: 0, offset: 0, data: text.as_bytes().to_vec(), long_line: None }
}

/// Parse `text` as one chunk: local times in the zone named `tz` (`None`: UTC), yearless stamps
/// in 2024, no header.
pub(crate) fn parse(parse_chunk: ParseFn, text: &str, tz: Option<&str>) -> ParsedChunk {
    let ctx = ParseCtx { tz: tz.and_then(crate::time::parse_zone), year: Some(2024), header: None };
    parse_chunk(chunk(text), &ctx)
}

/// The column `name` of `cols`.
pub(crate) fn column<'a>(cols: &[Col], p: &'a ParsedChunk, name: &str) -> &'a ArrayRef {
    &p.columns[typed::index(cols, name)]
}

/// The value of string column `name` in `row` (`None`: null).
pub(crate) fn s(cols: &[Col], p: &ParsedChunk, name: &str, row: usize) -> Option<String> {
    let a = column(cols, p, name).as_string_view();
    a.is_valid(row).then(|| a.value(row).to_string())
}

/// The value of primitive column `name` in `row` (`None`: null).
pub(crate) fn prim<T: ArrowPrimitiveType>(cols: &[Col], p: &ParsedChunk, name: &str, row: usize) -> Option<T::Native> {
    let a = column(cols, p, name).as_primitive::<T>();
    a.is_valid(row).then(|| a.value(row))
}

/// The value of timestamp column `name` in `row` (UTC microseconds; `None`: null).
pub(crate) fn ts(cols: &[Col], p: &ParsedChunk, name: &str, row: usize) -> Option<i64> {
    prim::<TimestampMicrosecondType>(cols, p, name, row)
}

/// The `extra` entries of `row` (the map column after `cols`), in order (`None`: null value).
pub(crate) fn extra(cols: &[Col], p: &ParsedChunk, row: usize) -> Vec<(String, Option<String>)> {
    let m = p.columns[cols.len()].as_any().downcast_ref::<MapArray>().expect("the extra map column");
    let e = m.value(row);
    let (k, v) = (e.column(0).as_string_view(), e.column(1).as_string_view());
    (0..k.len()).map(|j| (k.value(j).to_string(), v.is_valid(j).then(|| v.value(j).to_string()))).collect()
}

/// UTC microseconds of a civil date and time.
pub(crate) fn utc(y: i64, m: u32, d: u32, h: i64, mi: i64, sec: i64) -> i64 {
    (crate::time::days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + sec) * 1_000_000
}

/// The usual wrappers of a format's tests over this module, for its `parse_chunk` and `COLS`:
/// `parse(text, tz)`, `s(p, name, row)`, `ts(p, name, row)`, `extra(p, row)`.
macro_rules! format_test_helpers {
    ($parse_chunk:path, $cols:expr) => {
        fn parse(text: &str, tz: Option<&str>) -> ParsedChunk {
            $crate::formats::testing::parse($parse_chunk, text, tz)
        }
        #[allow(dead_code)]
        fn c<'a>(p: &'a ParsedChunk, name: &str) -> &'a arrow_array::ArrayRef {
            $crate::formats::testing::column($cols, p, name)
        }
        #[allow(dead_code)]
        fn s(p: &ParsedChunk, name: &str, row: usize) -> Option<String> {
            $crate::formats::testing::s($cols, p, name, row)
        }
        #[allow(dead_code)]
        fn ts(p: &ParsedChunk, name: &str, row: usize) -> Option<i64> {
            $crate::formats::testing::ts($cols, p, name, row)
        }
        #[allow(dead_code)]
        fn extra(p: &ParsedChunk, row: usize) -> Vec<(String, Option<String>)> {
            $crate::formats::testing::extra($cols, p, row)
        }
    };
}
pub(crate) use format_test_helpers;
