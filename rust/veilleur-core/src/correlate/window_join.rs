//! Window join: every (left row, right row) pair with equal keys and
//! `lo <= right.time - left.time <= hi` (both edges inclusive), not only the nearest.
//!
//! Plan: the smaller table is indexed: its keys get dense ids, its rows are grouped by key
//! and sorted by time. The larger table is streamed once, in parallel chunks: each row looks
//! its key up (rows with unseen keys drop out at once), binary-searches its window in its
//! group's times and emits its pairs. Time O(n + m + s log s + t log s + k) for s indexed rows,
//! t streamed rows and k pairs; memory O(n + m + k), the inputs' times read without copy when
//! they are one µs batch. With `max_matches` the right side is always indexed, so each left
//! row emits only its first/last k pairs.
//!
//! Output order: by left row (input order), then right time, then right row (input order).
//! Columns: the left table's, then the right table's (a name already used gets `_right`
//! appended), then `delta` = right time − left time as `duration[µs]` (same renaming rule).

use std::sync::Arc;

use arrow_array::{ArrayRef, DurationMicrosecondArray, RecordBatch};
use arrow_schema::{DataType, Field, TimeUnit};
use rayon::prelude::*;

use super::keys::{Groups, Interner, KeyCols, NO_GROUP};
use super::table::{arrow_err, schema_ref, unique_name, Row, Table};
use super::time::{micros, NULL_TIME};
use crate::{Error, Result};

/// Which pairs `max_matches` keeps for each left row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The k pairs with the earliest right times.
    First,
    /// The k pairs with the latest right times.
    Last,
}

#[derive(Clone, Debug)]
pub struct WindowSpec {
    /// Key columns of the left table; empty for a pure time window.
    pub left_on: Vec<String>,
    /// Key columns of the right table, as many as `left_on`.
    pub right_on: Vec<String>,
    pub left_time: String,
    pub right_time: String,
    /// Smallest `right.time - left.time` kept, µs, inclusive (negative: right before left).
    pub lo: i64,
    /// Largest `right.time - left.time` kept, µs, inclusive.
    pub hi: i64,
    /// Keep at most this many pairs per left row.
    pub max_matches: Option<(usize, Keep)>,
}

const CHUNK: usize = 1 << 16;

/// Pairs (left row, right row), in output order.
pub fn pairs(left: &Table, right: &Table, spec: &WindowSpec) -> Result<Vec<(Row, Row)>> {
    let lt = micros(left, &spec.left_time)?;
    let rt = micros(right, &spec.right_time)?;
    pairs_at(left, right, spec, &lt, &rt)
}

/// One side of the join: its times and, for a keyed join, its key columns.
struct Side<'a> {
    t: &'a [i64],
    keys: Option<KeyCols<'a>>,
}

impl Side<'_> {
    fn len(&self) -> usize {
        self.t.len()
    }

    /// Group ids of rows `lo..hi` into `out` ([`NO_GROUP`]: null time, null or unseen key).
    fn ids(&self, it: &Interner, lo: usize, hi: usize, out: &mut [u32]) {
        let valid = |r: usize| self.t[r] != NULL_TIME;
        match &self.keys {
            Some(k) => it.probe_range(k, lo, hi, out, valid),
            None => (lo..hi).for_each(|r| out[r - lo] = if valid(r) { 0 } else { NO_GROUP }),
        }
    }

    fn intern(&self, it: &mut Interner) -> Vec<u32> {
        match &self.keys {
            Some(k) => it.intern(k, |r| self.t[r] != NULL_TIME),
            None => self.t.iter().map(|v| if *v == NULL_TIME { NO_GROUP } else { 0 }).collect(),
        }
    }

    fn probe(&self, it: &Interner) -> Vec<u32> {
        let mut out = vec![NO_GROUP; self.len()];
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, slot)| self.ids(it, c * CHUNK, c * CHUNK + slot.len(), slot));
        out
    }
}

/// [`pairs`] with the left and right times already read.
fn pairs_at(left: &Table, right: &Table, spec: &WindowSpec, lt: &[i64], rt: &[i64]) -> Result<Vec<(Row, Row)>> {
    if spec.left_on.len() != spec.right_on.len() {
        return Err(Error::InvalidArgument(format!(
            "left_on has {} columns and right_on {}; they must pair up",
            spec.left_on.len(),
            spec.right_on.len()
        )));
    }
    if spec.lo > spec.hi {
        return Err(Error::InvalidArgument(format!("empty window: lo {} µs > hi {} µs", spec.lo, spec.hi)));
    }
    if let Some((0, _)) = spec.max_matches {
        return Err(Error::InvalidArgument("max_matches must be at least 1".into()));
    }
    let keyed = !spec.left_on.is_empty();
    let l = Side { t: lt, keys: if keyed { Some(KeyCols::new(left, &spec.left_on)?) } else { None } };
    let r = Side { t: rt, keys: if keyed { Some(KeyCols::new(right, &spec.right_on)?) } else { None } };
    // The indexed side is grouped and sorted; the streamed side is read once, in parallel
    // chunks that look their keys up and emit their pairs on the spot.
    let index_right = spec.max_matches.is_some() || r.len() <= l.len();
    let (ix, st) = if index_right { (&r, &l) } else { (&l, &r) };
    let mut it = Interner::default();
    let gix = if ix.len() <= st.len() || !keyed {
        ix.intern(&mut it)
    } else {
        // only with max_matches: intern the smaller (streamed) side, probe the larger
        st.intern(&mut it);
        ix.probe(&it)
    };
    let n_groups = if keyed { it.len() } else { 1 };
    let idx = Groups::build(&gix, n_groups, ix.t);
    let chunks: Vec<Vec<(Row, Row)>> = (0..st.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(st.len()));
            let mut g = vec![NO_GROUP; hi - lo];
            st.ids(&it, lo, hi, &mut g);
            let mut last = if n_groups <= REMEMBER_GROUPS { vec![(i64::MIN, 0usize); n_groups] } else { Vec::new() };
            let mut out = Vec::new();
            for s in lo..hi {
                let gs = g[s - lo];
                if gs == NO_GROUP {
                    continue;
                }
                let (rows, times) = idx.group(gs as usize);
                let ts = st.t[s];
                if index_right {
                    // s is a left row: right rows with lo <= rt - ts <= hi
                    let (from, to) = (ts.saturating_add(spec.lo), ts.saturating_add(spec.hi));
                    let a = window_start(times, from, last.get_mut(gs as usize));
                    if a == times.len() || times[a] > to {
                        continue; // no pair: the common case, decided by one search
                    }
                    let b = gallop(times, a, |t| t <= to);
                    let (a, b) = match spec.max_matches {
                        Some((k, Keep::First)) => (a, b.min(a.saturating_add(k))),
                        Some((k, Keep::Last)) => (a.max(b.saturating_sub(k)), b),
                        None => (a, b),
                    };
                    out.extend(rows[a..b].iter().map(|r| (s as Row, *r)));
                } else {
                    // s is a right row: left rows with lo <= ts - lt <= hi
                    let (from, to) = (ts.saturating_sub(spec.hi), ts.saturating_sub(spec.lo));
                    let a = window_start(times, from, last.get_mut(gs as usize));
                    if a == times.len() || times[a] > to {
                        continue;
                    }
                    let b = gallop(times, a, |t| t <= to);
                    out.extend(rows[a..b].iter().map(|l| (*l, s as Row)));
                }
            }
            out
        })
        .collect();
    let pairs = chunks.concat();
    Ok(if index_right { pairs } else { by_left(pairs, lt.len(), rt) })
}

/// First index `>= start` where `pred` fails (`pred` true then false along `times`), by
/// galloping from `start`: O(log d) for an answer d places on, in the cache lines next to
/// `times[start]`.
fn gallop(times: &[i64], start: usize, pred: impl Fn(i64) -> bool) -> usize {
    if start >= times.len() || !pred(times[start]) {
        return start;
    }
    let (mut lo, mut step) = (start, 1); // pred(times[lo]) holds
    loop {
        let probe = lo + step;
        if probe >= times.len() || !pred(times[probe]) {
            let hi = probe.min(times.len());
            return lo + 1 + times[lo + 1..hi].partition_point(|t| pred(*t));
        }
        lo = probe;
        step *= 2;
    }
}

/// Start of the window `[from, ..]` in a group's times. Streamed rows usually come in time
/// order (logs), so each group remembers where the last search of this chunk ended
/// (`last[g] = (from, index)`) and gallops on from there when `from` did not go back;
/// otherwise a binary search.
fn window_start(times: &[i64], from: i64, last: Option<&mut (i64, usize)>) -> usize {
    match last {
        Some(l) => {
            let a = if from >= l.0 { gallop(times, l.1, |t| t < from) } else { times.partition_point(|t| *t < from) };
            *l = (from, a);
            a
        }
        None => times.partition_point(|t| *t < from),
    }
}

/// Groups up to which each stream chunk keeps its last search position per group.
const REMEMBER_GROUPS: usize = 1 << 16;

/// Pairs in right-row order → by left row, then (right time, right row): a stable counting
/// sort by left row, then a sort of each left row's pairs unless already in time order.
fn by_left(pairs: Vec<(Row, Row)>, n_left: usize, rt: &[i64]) -> Vec<(Row, Row)> {
    let mut start = vec![0usize; n_left + 1];
    for (l, _) in &pairs {
        start[*l as usize + 1] += 1;
    }
    for i in 0..n_left {
        start[i + 1] += start[i];
    }
    let mut out = vec![(0, 0); pairs.len()];
    let mut fill = start.clone();
    for p in pairs {
        let f = &mut fill[p.0 as usize];
        out[*f] = p;
        *f += 1;
    }
    let mut segs: Vec<&mut [(Row, Row)]> = Vec::new();
    let mut rest: &mut [(Row, Row)] = &mut out;
    for i in 0..n_left {
        let (a, b) = rest.split_at_mut(start[i + 1] - start[i]);
        if a.len() > 1 {
            segs.push(a);
        }
        rest = b;
    }
    segs.par_iter_mut().for_each(|s| {
        if !s.windows(2).all(|w| rt[w[0].1 as usize] <= rt[w[1].1 as usize]) {
            s.sort_by_key(|p| rt[p.1 as usize]); // stable: equal times stay in right-row order
        }
    });
    out
}

/// The joined table (see the module documentation for columns and order).
pub fn window_join(left: &Table, right: &Table, spec: &WindowSpec) -> Result<RecordBatch> {
    let lt = micros(left, &spec.left_time)?;
    let rt = micros(right, &spec.right_time)?;
    let pairs = pairs_at(left, right, spec, &lt, &rt)?;
    let (lrows, rrows): (Vec<Row>, Vec<Row>) = pairs.par_iter().copied().unzip();
    let delta: Vec<i64> = pairs.par_iter().map(|(l, r)| rt[*r as usize] - lt[*l as usize]).collect();

    let mut names: Vec<String> = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    for f in left.schema.fields() {
        names.push(f.name().clone());
        fields.push(f.as_ref().clone());
    }
    for f in right.schema.fields() {
        let n = unique_name(f.name(), &names);
        fields.push(f.as_ref().clone().with_name(n.clone()));
        names.push(n);
    }
    fields.push(Field::new(unique_name("delta", &names), DataType::Duration(TimeUnit::Microsecond), false));

    let nl = left.schema.fields().len();
    let nr = right.schema.fields().len();
    let mut cols: Vec<ArrayRef> = (0..nl + nr)
        .into_par_iter()
        .map(|c| if c < nl { left.take(c, &lrows) } else { right.take(c - nl, &rrows) })
        .collect::<Result<_>>()?;
    cols.push(Arc::new(DurationMicrosecondArray::from(delta)));
    RecordBatch::try_new(schema_ref(fields), cols).map_err(arrow_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Int64Array, StringArray, TimestampMicrosecondArray};

    fn table(keys: &[Option<&str>], ts: &[i64]) -> Table {
        let b = RecordBatch::try_from_iter([
            ("k", Arc::new(StringArray::from(keys.to_vec())) as ArrayRef),
            ("ts", Arc::new(TimestampMicrosecondArray::from(ts.to_vec()).with_timezone("UTC")) as ArrayRef),
            ("id", Arc::new(Int64Array::from((0..ts.len() as i64).collect::<Vec<_>>())) as ArrayRef),
        ])
        .unwrap();
        Table::from_batch(b)
    }

    fn spec(on: bool, lo: i64, hi: i64) -> WindowSpec {
        let on = if on { vec!["k".to_string()] } else { vec![] };
        WindowSpec { left_on: on.clone(), right_on: on, left_time: "ts".into(), right_time: "ts".into(), lo, hi, max_matches: None }
    }

    /// Every pair by brute force, in output order.
    fn brute(l: &Table, r: &Table, s: &WindowSpec) -> Vec<(Row, Row)> {
        let lt = micros(l, "ts").unwrap();
        let rt = micros(r, "ts").unwrap();
        fn key(t: &Table, i: usize) -> Option<String> {
            t.batches[0].column(0).as_any().downcast_ref::<StringArray>().unwrap().iter().nth(i).unwrap().map(String::from)
        }
        let mut out = Vec::new();
        for i in 0..lt.len() {
            let mut row: Vec<(i64, Row)> = (0..rt.len())
                .filter(|j| {
                    let d = rt[*j] - lt[i];
                    (s.left_on.is_empty() || (key(l, i).is_some() && key(l, i) == key(r, *j))) && d >= s.lo && d <= s.hi
                })
                .map(|j| (rt[j], j as Row))
                .collect();
            row.sort();
            out.extend(row.into_iter().map(|(_, j)| (i as Row, j)));
        }
        out
    }

    #[test]
    fn edges_are_inclusive_and_keys_match() {
        let l = table(&[Some("a"), Some("b"), None], &[100, 100, 100]);
        let r = table(&[Some("a"), Some("a"), Some("a"), Some("b"), None], &[99, 100, 130, 131, 100]);
        let s = spec(true, 0, 30);
        assert_eq!(pairs(&l, &r, &s).unwrap(), vec![(0, 1), (0, 2)]);
        // the other plan (left indexed) gives the same pairs
        let big_l = table(&[Some("a"); 10], &[100; 10]);
        let small_r = table(&[Some("a"), Some("a")], &[130, 100]);
        assert_eq!(pairs(&big_l, &small_r, &s).unwrap(), brute(&big_l, &small_r, &s));
        assert_eq!(pairs(&big_l, &small_r, &s).unwrap()[..2], [(0, 1), (0, 0)]);
    }

    #[test]
    fn pure_time_both_directions_and_max_matches() {
        let l = table(&[Some("x"), Some("y")], &[50, 10]);
        let r = table(&[Some("z"), Some("z"), Some("z"), Some("z")], &[40, 60, 0, 51]);
        let s = spec(false, -10, 10);
        assert_eq!(pairs(&l, &r, &s).unwrap(), brute(&l, &r, &s));
        assert_eq!(pairs(&l, &r, &s).unwrap(), vec![(0, 0), (0, 3), (0, 1), (1, 2)]);
        let mut k = s.clone();
        k.max_matches = Some((2, Keep::Last));
        assert_eq!(pairs(&l, &r, &k).unwrap(), vec![(0, 3), (0, 1), (1, 2)]);
        k.max_matches = Some((1, Keep::First));
        assert_eq!(pairs(&l, &r, &k).unwrap(), vec![(0, 0), (1, 2)]);
    }

    #[test]
    fn gallop_and_remembered_starts() {
        let t = [1, 2, 2, 3, 5, 8, 13, 21, 34];
        for start in 0..=t.len() {
            for x in 0..40 {
                let expect = start.max(t.partition_point(|v| *v < x));
                assert_eq!(gallop(&t, start, |v| v < x), expect, "{start} {x}");
            }
        }
        let mut last = (i64::MIN, 0);
        for from in [0, 2, 2, 4, 30, 1, 9, 40] {
            assert_eq!(window_start(&t, from, Some(&mut last)), t.partition_point(|v| *v < from));
        }
    }

    #[test]
    fn output_columns() {
        let l = table(&[Some("a")], &[0]);
        let r = table(&[Some("a")], &[5]);
        let out = window_join(&l, &r, &spec(true, 0, 10)).unwrap();
        let names: Vec<String> = out.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, ["k", "ts", "id", "k_right", "ts_right", "id_right", "delta"]);
        let d = out.column(6).as_any().downcast_ref::<DurationMicrosecondArray>().unwrap();
        assert_eq!(d.value(0), 5);
        let empty = table(&[], &[]);
        assert_eq!(window_join(&empty, &r, &spec(true, 0, 10)).unwrap().num_rows(), 0);
    }

    #[test]
    fn random_against_brute_force() {
        let mut seed = 42u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let n = (next() % 12) as usize;
            let m = (next() % 12) as usize;
            let keys = [Some("a"), Some("b"), None];
            let lk: Vec<_> = (0..n).map(|_| keys[(next() % 3) as usize]).collect();
            let rk: Vec<_> = (0..m).map(|_| keys[(next() % 3) as usize]).collect();
            let lts: Vec<i64> = (0..n).map(|_| (next() % 20) as i64).collect();
            let rts: Vec<i64> = (0..m).map(|_| (next() % 20) as i64).collect();
            let (l, r) = (table(&lk, &lts), table(&rk, &rts));
            let lo = (next() % 7) as i64 - 3;
            let s = spec(next() % 2 == 0, lo, lo + (next() % 5) as i64);
            assert_eq!(pairs(&l, &r, &s).unwrap(), brute(&l, &r, &s));
        }
    }
}
