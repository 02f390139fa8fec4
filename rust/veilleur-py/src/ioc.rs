//! Bindings of `veilleur_core::ioc`: normalisation of indicator values, and the compiled
//! matcher run over any Arrow table (GIL released while matching).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use veilleur_core::ioc::matcher::ColumnSpec;
use veilleur_core::ioc::{self, IocMatcher, Kind, Role};

use crate::arrow_export::{import_table, ArrowTable};

fn kind(name: &str) -> PyResult<Kind> {
    Kind::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        PyValueError::new_err(format!("unknown indicator kind {name:?}; known kinds: {}", known.join(", ")))
    })
}

/// Normalise `value` as an indicator of `kind`; returns `(kind, value)` (an IP written with
/// `/len` becomes a cidr). Raises ValueError with the reason when the value is invalid.
#[pyfunction]
fn normalize_ioc(kind_name: &str, value: &str) -> PyResult<(&'static str, String)> {
    let k = kind(kind_name)?;
    let (k, v) = ioc::normalize(k, value).map_err(PyValueError::new_err)?;
    Ok((k.as_str(), v))
}

/// The kind a bare value looks like.
#[pyfunction]
fn guess_ioc_kind(value: &str) -> &'static str {
    ioc::guess_kind(value).as_str()
}

/// Undo defanging (`hxxp`, `[.]`, `(.)`, `[:]`, `[@]`, ...).
#[pyfunction]
fn refang(value: &str) -> String {
    ioc::refang(value)
}

/// A compiled indicator set; ids are positions in the lists given.
#[pyclass(module = "veilleur._core", frozen)]
struct RawIocMatcher {
    /// Boxed: a Python object's memory is only 16-byte aligned, and the matcher holds SIMD
    /// state aligned to 32 (memchr's AVX2 searcher), which its aligned loads require.
    inner: Box<IocMatcher>,
}

// A Python object is only 16-byte aligned: a pyclass must not need more (box what does).
const _: () = assert!(std::mem::align_of::<RawIocMatcher>() <= 16);

#[pymethods]
impl RawIocMatcher {
    /// Compile normalised indicators (`kinds[i]`, `values[i]`), as returned by `normalize_ioc`.
    #[new]
    fn new(py: Python<'_>, kinds: Vec<String>, values: Vec<String>) -> PyResult<Self> {
        if kinds.len() != values.len() {
            return Err(PyValueError::new_err("kinds and values differ in length"));
        }
        let iocs = kinds.iter().map(|k| kind(k)).zip(values).map(|(k, v)| k.map(|k| (k, v))).collect::<PyResult<Vec<_>>>()?;
        let inner = py.detach(|| IocMatcher::new(&iocs)).map_err(PyValueError::new_err)?;
        Ok(RawIocMatcher { inner: Box::new(inner) })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Match the `i`-th table of `tables` (an iterable of objects with `__arrow_c_stream__`:
    /// the same rows, a table per column) on `columns[i]`, a `(column, role, unless)`, and
    /// return the hits (row, column, ioc, value, matched) in row order, a row's hits in the
    /// order of `columns`. Each table is taken from the iterable, imported, matched and dropped before
    /// the next: a generator makes each export live only while its column is matched.
    /// `keep`: that many more tables follow, of the same rows (a column or a few each): their
    /// columns at each hit's row come first in the hits (dictionaries decoded to their values),
    /// each table taken and dropped as those of `columns` are.
    #[pyo3(signature = (tables, columns, keep=0))]
    fn match_tables(
        &self,
        py: Python<'_>,
        tables: &Bound<'_, PyAny>,
        columns: Vec<(String, String, Option<String>)>,
        keep: usize,
    ) -> PyResult<ArrowTable> {
        let specs = specs(columns)?;
        let mut parts = Vec::with_capacity(specs.len());
        let mut tables = tables.try_iter()?;
        for spec in specs {
            let table = tables.next().ok_or_else(|| PyValueError::new_err("fewer tables than columns"))??;
            let (_schema, batches) = import_table(&table)?;
            drop(table);
            parts.push(py.detach(|| self.inner.match_batches(&batches, &[spec])).map_err(PyValueError::new_err)?);
        }
        let hits = py.detach(|| ioc::merge_hits(&parts)).map_err(PyValueError::new_err)?;
        drop(parts);
        let (mut fields, mut kept) = (Vec::new(), vec![Vec::new(); hits.len()]);
        for _ in 0..keep {
            let table = tables.next().ok_or_else(|| PyValueError::new_err("fewer tables than columns"))??;
            let (schema, batches) = import_table(&table)?;
            drop(table);
            let taken = py.detach(|| ioc::columns_at_hits(&hits, &schema, &batches)).map_err(PyValueError::new_err)?;
            fields.extend(veilleur_core::take::decoded_schema(&schema).fields().iter().cloned());
            kept.iter_mut().zip(taken).for_each(|(k, t)| k.extend(t));
        }
        if tables.next().is_some() {
            return Err(PyValueError::new_err("more tables than columns"));
        }
        let (schema, hits) = ioc::hits_with_columns(hits, fields, kept).map_err(PyValueError::new_err)?;
        Ok(ArrowTable::new(schema, hits))
    }
}

/// Column specs from `(column, role, unless)` triples.
fn specs(columns: Vec<(String, String, Option<String>)>) -> PyResult<Vec<ColumnSpec>> {
    columns
        .into_iter()
        .map(|(name, role, unless)| {
            let role = Role::parse(&role).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "unknown column role {role:?} for {name:?}; roles: ip, domain, url, text, user_agent, email, hash"
                ))
            })?;
            Ok(ColumnSpec { name, role, unless })
        })
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(normalize_ioc, m)?)?;
    m.add_function(wrap_pyfunction!(guess_ioc_kind, m)?)?;
    m.add_function(wrap_pyfunction!(refang, m)?)?;
    m.add_class::<RawIocMatcher>()?;
    Ok(())
}
