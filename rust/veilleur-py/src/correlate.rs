//! Bindings of `veilleur_core::correlate`: tables in through the Arrow PyCapsule interface,
//! the GIL released around all work, one table out.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use pyo3::prelude::*;

use veilleur_core::correlate::{self, BeaconSpec, CountSpec, Keep, SequenceSpec, Table, WindowSpec};

use crate::arrow_export::{import_table, ArrowTable};
use crate::errors::to_pyerr;

fn table(obj: &Bound<'_, PyAny>) -> PyResult<Table> {
    let (schema, batches) = import_table(obj)?;
    Table::new(schema, batches).map_err(|e| to_pyerr(obj.py(), e))
}

fn out(py: Python<'_>, r: veilleur_core::Result<RecordBatch>) -> PyResult<ArrowTable> {
    let b = r.map_err(|e| to_pyerr(py, e))?;
    Ok(ArrowTable::new(b.schema(), vec![b]))
}

/// A duration such as "30m", "1h30m", "10s", "500ms", in microseconds.
#[pyfunction]
fn parse_duration(py: Python<'_>, text: &str) -> PyResult<i64> {
    correlate::parse_duration(text).map_err(|e| to_pyerr(py, e))
}

/// Every pair with equal keys and `lo <= right time - left time <= hi` (µs, inclusive).
#[pyfunction]
#[pyo3(signature = (left, right, left_on, right_on, left_time, right_time, lo, hi, max_matches=None, keep_last=false))]
#[allow(clippy::too_many_arguments)]
fn window_join(
    py: Python<'_>,
    left: &Bound<'_, PyAny>,
    right: &Bound<'_, PyAny>,
    left_on: Vec<String>,
    right_on: Vec<String>,
    left_time: String,
    right_time: String,
    lo: i64,
    hi: i64,
    max_matches: Option<usize>,
    keep_last: bool,
) -> PyResult<ArrowTable> {
    let (l, r) = (table(left)?, table(right)?);
    let keep = if keep_last { Keep::Last } else { Keep::First };
    let spec = WindowSpec { left_on, right_on, left_time, right_time, lo, hi, max_matches: max_matches.map(|k| (k, keep)) };
    out(py, py.detach(|| correlate::window_join(&l, &r, &spec)))
}

/// Per boolean column, the ascending rows where it is true (null is false).
fn step_rows(t: &Table) -> veilleur_core::Result<Vec<Vec<u32>>> {
    let mut out = Vec::new();
    for (c, f) in t.schema.fields().iter().enumerate() {
        if f.data_type() != &DataType::Boolean {
            return Err(veilleur_core::Error::InvalidArgument(format!("step mask {:?} must be boolean, not {}", f.name(), f.data_type())));
        }
        let mut v = Vec::new();
        for (start, a) in t.chunks(c) {
            let b = a.as_boolean();
            v.extend(b.values().set_indices().filter(|i| b.is_valid(*i)).map(|i| (start + i) as u32));
        }
        out.push(v);
    }
    Ok(out)
}

/// Multi-step patterns; `step_masks` holds one boolean column per step.
#[pyfunction]
#[pyo3(signature = (table, step_masks, keys, time, within, ordered=true))]
fn sequence(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    step_masks: &Bound<'_, PyAny>,
    keys: Vec<Vec<String>>,
    time: String,
    within: i64,
    ordered: bool,
) -> PyResult<ArrowTable> {
    let t = self::table(table)?;
    let m = self::table(step_masks)?;
    let spec = SequenceSpec { time, keys, within, ordered };
    out(
        py,
        py.detach(|| -> veilleur_core::Result<RecordBatch> {
            if m.num_rows() != t.num_rows() {
                return Err(veilleur_core::Error::InvalidArgument("the step masks need one row per table row".into()));
            }
            correlate::sequence(&t, &step_rows(&m)?, &spec)
        }),
    )
}

/// Sliding-window event or distinct-value counts per key that reach `threshold`.
#[pyfunction]
#[pyo3(signature = (table, by, time, within, threshold, distinct=None))]
fn count_window(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    by: Vec<String>,
    time: String,
    within: i64,
    threshold: u64,
    distinct: Option<String>,
) -> PyResult<ArrowTable> {
    let t = self::table(table)?;
    let spec = CountSpec { by, time, within, distinct, threshold };
    out(py, py.detach(|| correlate::count_window(&t, &spec)))
}

/// Periodic traffic per key.
#[pyfunction]
#[pyo3(signature = (table, by, time, min_events, max_jitter))]
fn beacons(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    by: Vec<String>,
    time: String,
    min_events: usize,
    max_jitter: f64,
) -> PyResult<ArrowTable> {
    let t = self::table(table)?;
    let spec = BeaconSpec { by, time, min_events, max_jitter };
    out(py, py.detach(|| correlate::beacons(&t, &spec)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_duration, m)?)?;
    m.add_function(wrap_pyfunction!(window_join, m)?)?;
    m.add_function(wrap_pyfunction!(sequence, m)?)?;
    m.add_function(wrap_pyfunction!(count_window, m)?)?;
    m.add_function(wrap_pyfunction!(beacons, m)?)?;
    Ok(())
}
