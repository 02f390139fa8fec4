//! Sliding-window counts per key (Sigma's `event_count` and `value_count`): the windows in
//! which a key's events, or its distinct values of a column, reach a threshold.
//!
//! For each key and each distinct timestamp t of its events, the window is `[t - within, t]`
//! (both edges inclusive) and its count is the number of the key's events in it (or of
//! distinct non-null values of the `distinct` column among them). A window *alerts* when its
//! count is at least `threshold`. Consecutive alerting timestamps of a key merge into one
//! episode, reported as one row: the key columns, `window_start` (the earliest event of the
//! first alerting window), `window_end` (the last alerting timestamp), `count` (the largest
//! count over the episode's windows). Rows ordered by key (first appearance), then time.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, TimestampMicrosecondArray, UInt64Array};
use arrow_schema::{DataType, Field, TimeUnit};
use rayon::prelude::*;

use super::keys::{FxBuild, Groups, Interner, KeyCols, NO_GROUP};
use super::table::{arrow_err, schema_ref, Row, Table};
use super::time::{micros, zone, NULL_TIME};
use crate::{Error, Result};

#[derive(Clone, Debug)]
pub struct CountSpec {
    pub by: Vec<String>,
    pub time: String,
    pub within: i64,
    pub distinct: Option<String>,
    pub threshold: u64,
}

/// Group ids of the rows (every row in group 0 without `by`) and the number of groups.
pub fn group_ids(table: &Table, by: &[String], t: &[i64]) -> Result<(Vec<u32>, usize)> {
    if by.is_empty() {
        return Ok((t.iter().map(|v| if *v == NULL_TIME { NO_GROUP } else { 0 }).collect(), 1));
    }
    let mut it = Interner::default();
    let g = it.intern(&KeyCols::new(table, by)?, |r| t[r] != NULL_TIME);
    Ok((g, it.len()))
}

/// Key columns taken at `rows`, then the given extra columns.
pub fn keyed_output(table: &Table, by: &[String], rows: &[Row], extra: Vec<(Field, ArrayRef)>) -> Result<RecordBatch> {
    let mut fields = Vec::new();
    let mut cols = Vec::new();
    for name in by {
        let c = table.index_of(name)?;
        fields.push(table.schema.field(c).clone());
        cols.push(table.take(c, rows)?);
    }
    for (f, a) in extra {
        if fields.iter().any(|g: &Field| g.name() == f.name()) {
            return Err(Error::InvalidArgument(format!("a key column may not be named {:?}", f.name())));
        }
        fields.push(f);
        cols.push(a);
    }
    RecordBatch::try_new(schema_ref(fields), cols).map_err(arrow_err)
}

/// Episodes of one group: (window_start, window_end, peak count).
fn episodes(times: &[i64], values: Option<Vec<u32>>, within: i64, threshold: u64) -> Vec<(i64, i64, u64)> {
    let mut out = Vec::new();
    let mut counts: HashMap<u32, u32, FxBuild> = HashMap::default();
    let (mut lo, mut hi) = (0usize, 0usize); // window = [lo, hi)
    let mut open: Option<(i64, i64, u64)> = None;
    while hi < times.len() {
        let t = times[hi];
        while hi < times.len() && times[hi] == t {
            if let Some(v) = &values {
                if v[hi] != NO_GROUP {
                    *counts.entry(v[hi]).or_default() += 1;
                }
            }
            hi += 1;
        }
        while times[lo] < t.saturating_sub(within) {
            if let Some(v) = &values {
                if v[lo] != NO_GROUP {
                    let c = counts.get_mut(&v[lo]).expect("counted on entry");
                    *c -= 1;
                    if *c == 0 {
                        counts.remove(&v[lo]);
                    }
                }
            }
            lo += 1;
        }
        let count = if values.is_some() { counts.len() as u64 } else { (hi - lo) as u64 };
        if count >= threshold {
            open = Some(match open {
                None => (times[lo], t, count),
                Some((s, _, p)) => (s, t, p.max(count)),
            });
        } else if let Some(e) = open.take() {
            out.push(e);
        }
    }
    out.extend(open);
    out
}

pub fn count_window(table: &Table, spec: &CountSpec) -> Result<RecordBatch> {
    if spec.within < 0 {
        return Err(Error::InvalidArgument("within must not be negative".into()));
    }
    let t = micros(table, &spec.time)?;
    let (g, n_groups) = group_ids(table, &spec.by, &t)?;
    let groups = Groups::build(&g, n_groups, &t);
    let values: Option<Vec<u32>> = match &spec.distinct {
        None => None,
        Some(col) => {
            let mut it = Interner::default();
            Some(it.intern(&KeyCols::new(table, std::slice::from_ref(col))?, |_| true))
        }
    };
    type Episodes = Vec<(i64, i64, u64)>;
    let per: Vec<(Row, Episodes)> = (0..n_groups)
        .into_par_iter()
        .map(|k| {
            let (rows, times) = groups.group(k);
            let vals = values.as_ref().map(|v| rows.iter().map(|r| v[*r as usize]).collect());
            (rows.first().copied().unwrap_or(0), episodes(times, vals, spec.within, spec.threshold))
        })
        .collect();
    let mut rep = Vec::new();
    let (mut start, mut end, mut count) = (Vec::new(), Vec::new(), Vec::new());
    for (r, eps) in per {
        for (s, e, c) in eps {
            rep.push(r);
            start.push(s);
            end.push(e);
            count.push(c);
        }
    }
    let tz = zone(table, &spec.time)?;
    let ts_type = DataType::Timestamp(TimeUnit::Microsecond, tz.clone());
    let ts = |v: Vec<i64>| -> ArrayRef { Arc::new(TimestampMicrosecondArray::from(v).with_timezone_opt(tz.clone())) };
    keyed_output(
        table,
        &spec.by,
        &rep,
        vec![
            (Field::new("window_start", ts_type.clone(), false), ts(start)),
            (Field::new("window_end", ts_type, false), ts(end)),
            (Field::new("count", DataType::UInt64, false), Arc::new(UInt64Array::from(count))),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_episodes() {
        // window 10, threshold 3: at t=10 -> {0,5,10,10} = 4; at 12 -> {5,10,10,12} = 4;
        // at 30 -> 1 (episode closes); at 31, 32 -> 2, 3 (new episode)
        let t = [0, 5, 10, 10, 12, 30, 31, 32];
        assert_eq!(episodes(&t, None, 10, 3), vec![(0, 12, 4), (30, 32, 3)]);
        // edge: an event exactly `within` before is inside
        assert_eq!(episodes(&[0, 10], None, 10, 2), vec![(0, 10, 2)]);
        assert_eq!(episodes(&[0, 11], None, 10, 2), vec![]);
        // distinct values, nulls not counted
        let v = vec![1, 1, 2, NO_GROUP, 3];
        assert_eq!(episodes(&[0, 1, 2, 3, 4], Some(v), 10, 3), vec![(0, 4, 3)]);
    }
}
