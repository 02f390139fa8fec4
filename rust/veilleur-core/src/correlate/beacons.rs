//! Beaconing: keys whose events repeat at a steady period, tolerant of missed beats.
//!
//! Per key, events sorted by time; equal timestamps count as one beat. With gaps g between
//! consecutive beats and m0 their median, a gap of about k typical gaps (k = round(g / m0),
//! at least 2) counts as g / k; the `period` P is the median of these. Each gap is then
//! assigned to its nearest number of periods k = max(1, round(g / P)), that is k - 1 beats
//! `missed`, and its deviation is |g - k P|, not divided by k, so that folding long random
//! gaps does not make them look regular. The `jitter` is the median deviation divided by P
//! (0.05: gaps typically 5 % off a multiple of the period). Gaps shorter than half a period
//! deviate by P - g, so extra traffic raises the jitter. A key is reported when it has at
//! least `min_events` events and 3 distinct timestamps, and `jitter <= max_jitter`.
//!
//! Output, one row per key: key columns, `count` (events), `first`, `last`, `period`
//! (duration µs, rounded), `jitter` (f64), `missed` (estimated missed beats). Ordered by key
//! (first appearance).

use std::sync::Arc;

use arrow_array::{ArrayRef, DurationMicrosecondArray, Float64Array, RecordBatch, TimestampMicrosecondArray, UInt64Array};
use arrow_schema::{DataType, Field, TimeUnit};
use rayon::prelude::*;

use super::count_window::{group_ids, keyed_output};
use super::keys::Groups;
use super::table::Row;
use super::time::{micros, zone};
use super::Table;
use crate::{Error, Result};

#[derive(Clone, Debug)]
pub struct BeaconSpec {
    pub by: Vec<String>,
    pub time: String,
    pub min_events: usize,
    pub max_jitter: f64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// (period µs, jitter, missed beats) of sorted times with at least 3 distinct values.
pub fn periodicity(times: &[i64]) -> Option<(f64, f64, u64)> {
    let gaps: Vec<f64> = times.windows(2).filter(|w| w[1] > w[0]).map(|w| (w[1] - w[0]) as f64).collect();
    if gaps.len() < 2 {
        return None;
    }
    let m0 = median(&mut gaps.clone());
    let mut folded: Vec<f64> = gaps.iter().map(|g| if (g / m0).round() >= 2.0 { g / (g / m0).round() } else { *g }).collect();
    let period = median(&mut folded);
    let mut missed = 0u64;
    let mut dev: Vec<f64> = gaps
        .iter()
        .map(|g| {
            let k = (g / period).round().max(1.0);
            missed += k as u64 - 1;
            (g - k * period).abs()
        })
        .collect();
    Some((period, median(&mut dev) / period, missed))
}

pub fn beacons(table: &Table, spec: &BeaconSpec) -> Result<RecordBatch> {
    if spec.max_jitter.is_nan() || spec.max_jitter < 0.0 {
        return Err(Error::InvalidArgument("max_jitter must be a number >= 0".into()));
    }
    let t = micros(table, &spec.time)?;
    let (g, n_groups) = group_ids(table, &spec.by, &t)?;
    let groups = Groups::build(&g, n_groups, &t);
    // (first row, count, first, last, period, jitter, missed) per reported key
    type Found = (Row, u64, i64, i64, f64, f64, u64);
    let found: Vec<Option<Found>> = (0..n_groups)
        .into_par_iter()
        .map(|k| {
            let (rows, times) = groups.group(k);
            if rows.len() < spec.min_events.max(1) {
                return None;
            }
            let (period, jitter, missed) = periodicity(times)?;
            (jitter <= spec.max_jitter).then(|| (rows[0], rows.len() as u64, times[0], times[times.len() - 1], period, jitter, missed))
        })
        .collect();
    let found: Vec<_> = found.into_iter().flatten().collect();
    let tz = zone(table, &spec.time)?;
    let ts_type = DataType::Timestamp(TimeUnit::Microsecond, tz.clone());
    let ts = |v: Vec<i64>| -> ArrayRef { Arc::new(TimestampMicrosecondArray::from(v).with_timezone_opt(tz.clone())) };
    let rows: Vec<Row> = found.iter().map(|f| f.0).collect();
    keyed_output(
        table,
        &spec.by,
        &rows,
        vec![
            (Field::new("count", DataType::UInt64, false), Arc::new(UInt64Array::from(found.iter().map(|f| f.1).collect::<Vec<_>>()))),
            (Field::new("first", ts_type.clone(), false), ts(found.iter().map(|f| f.2).collect())),
            (Field::new("last", ts_type, false), ts(found.iter().map(|f| f.3).collect())),
            (
                Field::new("period", DataType::Duration(TimeUnit::Microsecond), false),
                Arc::new(DurationMicrosecondArray::from(found.iter().map(|f| f.4.round() as i64).collect::<Vec<_>>())),
            ),
            (Field::new("jitter", DataType::Float64, false), Arc::new(Float64Array::from(found.iter().map(|f| f.5).collect::<Vec<_>>()))),
            (Field::new("missed", DataType::UInt64, false), Arc::new(UInt64Array::from(found.iter().map(|f| f.6).collect::<Vec<_>>()))),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_with_a_missed_beat() {
        // gaps 300, 310, 290, 600 (one missed), 300, 300 -> normalised 300,310,290,300,300,300
        let t = [0, 300, 610, 900, 1500, 1800, 2100];
        let (p, j, m) = periodicity(&t).unwrap();
        assert_eq!((p, j, m), (300.0, 0.0, 1));
        // gaps 100, 200, 300, 400: m0 = 250, folded 100, 200, 300, 200 -> period 200; slots
        // 1, 1, 2, 2 (2 missed), deviations 100, 0, 100, 0 -> jitter 50 / 200
        let (p, j, m) = periodicity(&[0, 100, 300, 600, 1000]).unwrap();
        assert_eq!((p, j, m), (200.0, 0.25, 2));
        // long random gaps folded by a short median do not look regular
        let (_, j, _) = periodicity(&[0, 7, 100, 130, 700, 710, 1400, 2000, 2005, 2600]).unwrap();
        assert!(j > 0.3, "{j}");
        assert!(periodicity(&[5, 5, 6]).is_none());
    }
}
