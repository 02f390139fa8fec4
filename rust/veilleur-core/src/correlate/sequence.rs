//! Multi-step patterns per entity: step 1, then step 2, ... within a time span.
//!
//! Each step is the ascending list of rows that satisfy it (computed by the caller, from a
//! boolean mask) and its own key columns, so step 1 may key on `dst_ip` and step 2 on `src_ip`: a match is one entity value
//! shared by every step. Rows are ordered by (time, row number): equal timestamps are ordered
//! by input row order.
//!
//! * `ordered`: a match is rows r1 < r2 < ... < rn in that order (so times never decrease and
//!   rows are distinct), ri satisfying step i with the common key, and
//!   `time(rn) - time(r1) <= within` (inclusive). **Overlap rule**: every row satisfying step 1
//!   starts at most one match, its *earliest completion*: each next step takes the first
//!   qualifying row after the previous one (this minimises rn, and among matches ending at rn
//!   it is the one with the earliest r2, then r3, ...). Later rows may be shared by several
//!   matches (two step-1 rows followed by one step-2 row give two matches).
//! * unordered: a match is anchored at a row a satisfying some step with key g; every step i
//!   takes the first row r >= a satisfying step i with key g and `time(r) - time(a) <= within`.
//!   Each (anchor, key) gives at most one match; a row satisfying several steps may fill
//!   several of them.
//!
//! Output, one row per (match, step), matches ordered by their first row's (time, row):
//! `match` (u64, from 0), `step` (u32, from 0), then every input column of that step's row.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field};
use rayon::prelude::*;

use super::keys::{Groups, Interner, KeyCols, NO_GROUP};
use super::table::{arrow_err, schema_ref, unique_name, Row, Table};
use super::time::{micros, NULL_TIME};
use crate::{Error, Result};

#[derive(Clone, Debug)]
pub struct SequenceSpec {
    pub time: String,
    /// Per step, its key columns (all empty: no key, one global sequence).
    pub keys: Vec<Vec<String>>,
    /// Span from first to last row of a match, µs, inclusive.
    pub within: i64,
    pub ordered: bool,
}

/// First index `j` of a group with `(times[j], rows[j]) > (t, r)` (or `>=` when `inclusive`).
fn after(rows: &[Row], times: &[i64], t: i64, r: Row, inclusive: bool) -> usize {
    let (mut lo, mut hi) = (0, rows.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let before = (times[mid], rows[mid]) < (t, r) || (!inclusive && (times[mid], rows[mid]) == (t, r));
        if before {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Matches as rows per step, in output order. `steps[i]` lists the rows satisfying step i,
/// ascending.
pub fn matches(table: &Table, steps: &[Vec<Row>], spec: &SequenceSpec) -> Result<Vec<Vec<Row>>> {
    let n_steps = steps.len();
    if n_steps == 0 {
        return Err(Error::InvalidArgument("a sequence needs at least one step".into()));
    }
    if spec.keys.len() != n_steps {
        return Err(Error::InvalidArgument(format!("{} steps but {} key lists", n_steps, spec.keys.len())));
    }
    let keyed = !spec.keys[0].is_empty();
    if spec.keys.iter().any(|k| k.is_empty() == keyed || k.len() != spec.keys[0].len()) {
        return Err(Error::InvalidArgument("every step needs the same number of key columns".into()));
    }
    let n = table.num_rows();
    if steps.iter().any(|s| s.windows(2).any(|w| w[0] >= w[1]) || s.last().is_some_and(|r| *r as usize >= n)) {
        return Err(Error::InvalidArgument("step rows must be ascending row numbers of the table".into()));
    }
    if spec.within < 0 {
        return Err(Error::InvalidArgument("within must not be negative".into()));
    }
    let t = micros(table, &spec.time)?;
    let mut it = Interner::default();
    let mut gids = Vec::with_capacity(n_steps);
    for (rows, keys) in steps.iter().zip(&spec.keys) {
        let valid = |r: usize| t[r] != NULL_TIME;
        gids.push(if keyed {
            it.intern_rows(&KeyCols::new(table, keys)?, rows, valid)
        } else {
            rows.iter().map(|r| if valid(*r as usize) { 0 } else { NO_GROUP }).collect()
        });
    }
    let n_groups = if keyed { it.len() } else { 1 };
    let steps: Vec<Groups> =
        steps.par_iter().zip(&gids).map(|(rows, g)| Groups::of(n_groups, &t, g.iter().copied().zip(rows.iter().copied()))).collect();

    let per_group: Vec<Vec<(i64, Row, Vec<Row>)>> = (0..n_groups)
        .into_par_iter()
        .map(|g| {
            let mut out = Vec::new();
            if spec.ordered {
                let (rows0, times0) = steps[0].group(g);
                'start: for (r0, t0) in rows0.iter().zip(times0) {
                    let mut m = vec![*r0];
                    let (mut ct, mut cr) = (*t0, *r0);
                    for s in &steps[1..] {
                        let (rows, times) = s.group(g);
                        let j = after(rows, times, ct, cr, false);
                        if j == rows.len() || times[j] - t0 > spec.within {
                            continue 'start;
                        }
                        (ct, cr) = (times[j], rows[j]);
                        m.push(cr);
                    }
                    out.push((*t0, *r0, m));
                }
            } else {
                let mut anchors: Vec<(i64, Row)> = Vec::new();
                for s in &steps {
                    let (rows, times) = s.group(g);
                    anchors.extend(times.iter().copied().zip(rows.iter().copied()));
                }
                anchors.sort_unstable();
                anchors.dedup();
                'anchor: for (ta, ra) in anchors {
                    let mut m = Vec::with_capacity(n_steps);
                    for s in &steps {
                        let (rows, times) = s.group(g);
                        let j = after(rows, times, ta, ra, true);
                        if j == rows.len() || times[j] - ta > spec.within {
                            continue 'anchor;
                        }
                        m.push(rows[j]);
                    }
                    out.push((ta, ra, m));
                }
            }
            out
        })
        .collect();
    let mut all: Vec<(i64, Row, usize, Vec<Row>)> =
        per_group.into_iter().enumerate().flat_map(|(g, v)| v.into_iter().map(move |(t, r, m)| (t, r, g, m))).collect();
    all.par_sort_unstable_by_key(|(t, r, g, _)| (*t, *r, *g));
    Ok(all.into_iter().map(|(_, _, _, m)| m).collect())
}

/// The matches as a table (see the module documentation).
pub fn sequence(table: &Table, steps: &[Vec<Row>], spec: &SequenceSpec) -> Result<RecordBatch> {
    let ms = matches(table, steps, spec)?;
    let n_steps = steps.len();
    let rows: Vec<Row> = ms.iter().flatten().copied().collect();
    let match_id: Vec<u64> = (0..ms.len() as u64).flat_map(|m| std::iter::repeat_n(m, n_steps)).collect();
    let step: Vec<u32> = (0..ms.len()).flat_map(|_| 0..n_steps as u32).collect();
    let mut names: Vec<String> = vec!["match".into(), "step".into()];
    let mut fields = vec![Field::new("match", DataType::UInt64, false), Field::new("step", DataType::UInt32, false)];
    for f in table.schema.fields() {
        let n = unique_name(f.name(), &names);
        fields.push(f.as_ref().clone().with_name(n.clone()));
        names.push(n);
    }
    let mut cols: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from(match_id)), Arc::new(UInt32Array::from(step))];
    let taken: Vec<ArrayRef> = (0..table.schema.fields().len()).into_par_iter().map(|c| table.take(c, &rows)).collect::<Result<_>>()?;
    cols.extend(taken);
    RecordBatch::try_new(schema_ref(fields), cols).map_err(arrow_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{StringArray, TimestampMicrosecondArray};

    fn table(src: &[&str], dst: &[&str], ts: &[i64]) -> Table {
        Table::from_batch(
            RecordBatch::try_from_iter([
                ("src", Arc::new(StringArray::from(src.to_vec())) as ArrayRef),
                ("dst", Arc::new(StringArray::from(dst.to_vec())) as ArrayRef),
                ("ts", Arc::new(TimestampMicrosecondArray::from(ts.to_vec())) as ArrayRef),
            ])
            .unwrap(),
        )
    }

    fn m(mask: Vec<bool>) -> Vec<Row> {
        (0..mask.len() as Row).filter(|r| mask[*r as usize]).collect()
    }

    fn matches(t: &Table, masks: &[Vec<bool>], s: &SequenceSpec) -> Result<Vec<Vec<Row>>> {
        super::matches(t, &masks.iter().cloned().map(m).collect::<Vec<_>>(), s)
    }

    fn sequence(t: &Table, masks: &[Vec<bool>], s: &SequenceSpec) -> Result<RecordBatch> {
        super::sequence(t, &masks.iter().cloned().map(m).collect::<Vec<_>>(), s)
    }

    fn spec(keys: Vec<Vec<&str>>, within: i64, ordered: bool) -> SequenceSpec {
        SequenceSpec {
            time: "ts".into(),
            keys: keys.into_iter().map(|k| k.into_iter().map(String::from).collect()).collect(),
            within,
            ordered,
        }
    }

    #[test]
    fn earliest_completion_per_start() {
        // rows:        0    1    2    3    4
        let t = table(&["h", "h", "h", "h", "g"], &["", "", "", "", ""], &[0, 5, 10, 10, 1]);
        let a = vec![true, true, false, false, true];
        let b = vec![false, false, true, true, false];
        let s = spec(vec![vec!["src"], vec!["src"]], 10, true);
        assert_eq!(matches(&t, &[a.clone(), b.clone()], &s).unwrap(), vec![vec![0, 2], vec![1, 2]]);
        let s = spec(vec![vec!["src"], vec!["src"]], 9, true);
        assert_eq!(matches(&t, &[a.clone(), b.clone()], &s).unwrap(), vec![vec![1, 2]]);
        // equal times are ordered by row: row 3 then row 2 is not a match for "b then a"
        let s = spec(vec![vec![], vec![]], 100, true);
        assert_eq!(matches(&t, &[b.clone(), b.clone()], &s).unwrap(), vec![vec![2, 3]]);
    }

    #[test]
    fn keys_differ_between_steps() {
        // step 0: a visit from workstation w to the IOC (dst = c2); step 1: c2 seen as src toward w? no:
        // step 0 keyed on dst, step 1 keyed on src: dst of step 0 = src of step 1.
        let t = table(&["w", "x", "c2"], &["c2", "y", "w"], &[0, 1, 2]);
        let s = spec(vec![vec!["dst"], vec!["src"]], 10, true);
        let m0 = vec![true, false, false];
        let m1 = vec![false, false, true];
        assert_eq!(matches(&t, &[m0, m1], &s).unwrap(), vec![vec![0, 2]]);
    }

    #[test]
    fn unordered_any_order() {
        let t = table(&["h", "h", "h"], &["", "", ""], &[0, 3, 20]);
        let a = vec![false, true, true];
        let b = vec![true, false, false];
        let s = spec(vec![vec!["src"], vec!["src"]], 5, false);
        assert_eq!(matches(&t, &[a.clone(), b.clone()], &s).unwrap(), vec![vec![1, 0]]);
        let s = spec(vec![vec!["src"], vec!["src"]], 5, true);
        assert!(matches(&t, &[a, b], &s).unwrap().is_empty());
        let out =
            sequence(&t, &[vec![true, false, false], vec![false, true, false]], &spec(vec![vec!["src"], vec!["src"]], 5, true)).unwrap();
        assert_eq!(out.num_rows(), 2);
        assert_eq!(out.schema().field(0).name(), "match");
    }
}
