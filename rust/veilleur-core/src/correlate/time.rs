//! Durations ("30m", "1h30m", "10s", "500ms") and timestamp columns of any unit and zone,
//! both as UTC microseconds.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::Array;
use arrow_schema::{DataType, TimeUnit};

use super::table::Table;
use crate::{Error, Result};

/// Marks a null time in the vectors returned by [`micros`]. Never a real timestamp (it is
/// 292,000 years before 1970); conversions saturate one above it.
pub const NULL_TIME: i64 = i64::MIN;

/// Parse a duration written as one or more `<integer><unit>` parts, without spaces:
/// units `d`, `h`, `m`, `s`, `ms`, `us` (or `µs`), `ns` (a whole number of microseconds).
/// `"1h30m"` = 5,400,000,000 µs. Returns microseconds, never negative.
pub fn parse_duration(text: &str) -> Result<i64> {
    let bad =
        |why: &str| Error::InvalidArgument(format!("invalid duration {text:?}: {why} (examples: \"30m\", \"1h30m\", \"10s\", \"500ms\")"));
    let s = text.trim();
    if s.is_empty() {
        return Err(bad("empty"));
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut total_ns: i128 = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(bad("expected a number"));
        }
        let n: i128 = s[start..i].parse().map_err(|_| bad("number too large"))?;
        let ustart = i;
        while i < b.len() && !b[i].is_ascii_digit() {
            i += 1;
        }
        let per_ns: i128 = match &s[ustart..i] {
            "d" => 86_400_000_000_000,
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            "" => return Err(bad("missing unit")),
            _ => return Err(bad("unknown unit")),
        };
        total_ns = total_ns.checked_add(n.checked_mul(per_ns).ok_or_else(|| bad("too large"))?).ok_or_else(|| bad("too large"))?;
    }
    if total_ns % 1000 != 0 {
        return Err(bad("not a whole number of microseconds"));
    }
    i64::try_from(total_ns / 1000).map_err(|_| bad("too large"))
}

fn scale(v: i64, mul: i64) -> i64 {
    v.saturating_mul(mul).max(NULL_TIME + 1)
}

/// A column's times as UTC microseconds, one per row of the table, [`NULL_TIME`] for nulls.
///
/// Accepted types: `Timestamp` of any unit, with or without a zone (Arrow stores zoned
/// timestamps as UTC instants; naive ones are taken as UTC wall time), `Date32`, `Date64`.
/// Nanoseconds are floored to the microsecond.
pub fn micros<'a>(table: &'a Table, name: &str) -> Result<Cow<'a, [i64]>> {
    let col = table.index_of(name)?;
    let dtype = table.schema.field(col).data_type().clone();
    if let (DataType::Timestamp(TimeUnit::Microsecond, _), [batch]) = (&dtype, table.batches.as_slice()) {
        let a = batch.column(col).as_primitive::<TimestampMicrosecondType>();
        if a.null_count() == 0 {
            // No copy: the column itself (a value of i64::MIN then reads as null).
            return Ok(Cow::Borrowed(a.values().as_ref()));
        }
    }
    let mut out = Vec::with_capacity(table.num_rows());
    for (_, a) in table.chunks(col) {
        let a = a.as_ref();
        macro_rules! conv {
            ($t:ty, $f:expr) => {{
                let p = a.as_primitive::<$t>();
                if p.null_count() == 0 {
                    out.extend(p.values().iter().map(|v| $f(*v as i64)));
                } else {
                    out.extend(p.iter().map(|v| v.map_or(NULL_TIME, |v| $f(v as i64))));
                }
            }};
        }
        match &dtype {
            DataType::Timestamp(TimeUnit::Second, _) => conv!(TimestampSecondType, |v| scale(v, 1_000_000)),
            DataType::Timestamp(TimeUnit::Millisecond, _) => conv!(TimestampMillisecondType, |v| scale(v, 1_000)),
            DataType::Timestamp(TimeUnit::Microsecond, _) => conv!(TimestampMicrosecondType, |v: i64| v.max(NULL_TIME + 1)),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => conv!(TimestampNanosecondType, |v: i64| v.div_euclid(1_000)),
            DataType::Date32 => conv!(Date32Type, |v| scale(v, 86_400_000_000)),
            DataType::Date64 => conv!(Date64Type, |v| scale(v, 1_000)),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "column {name:?} must be a timestamp (any unit and zone) or a date, not {other}"
                )))
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// The zone of a timestamp column (kept on output timestamps), `None` for naive or dates.
pub fn zone(table: &Table, name: &str) -> Result<Option<std::sync::Arc<str>>> {
    let col = table.index_of(name)?;
    Ok(match table.schema.field(col).data_type() {
        DataType::Timestamp(_, tz) => tz.clone(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{RecordBatch, TimestampMillisecondArray, TimestampNanosecondArray};
    use std::sync::Arc;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), 1_800_000_000);
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000_000);
        assert_eq!(parse_duration("10s").unwrap(), 10_000_000);
        assert_eq!(parse_duration("500ms").unwrap(), 500_000);
        assert_eq!(parse_duration("1d").unwrap(), 86_400_000_000);
        assert_eq!(parse_duration("0s").unwrap(), 0);
        assert_eq!(parse_duration("2000ns").unwrap(), 2);
        for bad in ["", "m", "30", "3x", "1.5h", "-5m", "1500ns", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn units_and_nulls() {
        let ms = TimestampMillisecondArray::from(vec![Some(1_500), None, Some(-1)]).with_timezone("Europe/Paris");
        let b = RecordBatch::try_from_iter([("ts", Arc::new(ms) as _)]).unwrap();
        assert_eq!(*micros(&Table::from_batch(b), "ts").unwrap(), [1_500_000, NULL_TIME, -1_000]);
        let ns = TimestampNanosecondArray::from(vec![1_999, -1]);
        let b = RecordBatch::try_from_iter([("ts", Arc::new(ns) as _)]).unwrap();
        assert_eq!(*micros(&Table::from_batch(b), "ts").unwrap(), [1, -1]);
    }
}
