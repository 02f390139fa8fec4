//! Python bindings of veilleur-core, compiled to `veilleur._core`. Converts arguments,
//! releases the GIL around every call into the engine, maps errors, and hands Arrow data out
//! through the Arrow PyCapsule interface (no copy). Nothing else lives here.

mod arrow_export;
mod correlate;
mod errors;
mod ioc;

use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::prelude::*;
use rayon::prelude::*;

use veilleur_core::pipeline::{Plan, ReadOptions, Scan};
use veilleur_core::{events, FormatId, Report};

use arrow_export::ArrowTable;
use errors::to_pyerr;

fn parse_format(name: &str) -> PyResult<FormatId> {
    FormatId::parse(name).ok_or_else(|| {
        let known: Vec<&str> = FormatId::ALL.iter().map(|f| f.as_str()).collect();
        pyo3::exceptions::PyValueError::new_err(format!("unknown format {name:?}; known formats: {}", known.join(", ")))
    })
}

/// Read options from the Python arguments: `format` is a format id, or `overrides` a list of
/// (glob, format id) pairs tried in order on each file's path and name.
#[allow(clippy::too_many_arguments)]
fn options(
    format: Option<&str>,
    overrides: Vec<(String, String)>,
    tz: Option<&str>,
    year: Option<i32>,
    strict: bool,
    chunk_bytes: Option<usize>,
    sha256: bool,
    w3c_fields: Option<String>,
) -> PyResult<ReadOptions> {
    let mut opts = ReadOptions { strict, year, sha256, w3c_fields, ..ReadOptions::default() };
    opts.format = format.map(parse_format).transpose()?;
    for (pattern, name) in overrides {
        let pat = glob::Pattern::new(&pattern)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("bad glob pattern {pattern:?}: {e}")))?;
        opts.overrides.push((pat, parse_format(&name)?));
    }
    if let Some(name) = tz {
        opts.tz = Some(veilleur_core::time::parse_zone(name).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("unknown time zone {name:?}: use an IANA name such as 'Europe/Paris'"))
        })?);
    }
    if let Some(c) = chunk_bytes {
        opts.chunk_bytes = c.max(1);
    }
    Ok(opts)
}

/// Every batch read, in file order, with its format.
#[pyclass(module = "veilleur._core", frozen)]
struct RawBundle {
    /// The typed batches, in read order; [`RawBundle::events_releasing`] empties it of the
    /// formats it is not asked to keep.
    outputs: Mutex<Vec<(FormatId, RecordBatch)>>,
    /// Formats whose typed tables were released.
    released: Mutex<Vec<FormatId>>,
    report: Report,
}

impl RawBundle {
    fn batches(&self) -> std::sync::MutexGuard<'_, Vec<(FormatId, RecordBatch)>> {
        self.outputs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Give the pages freed by dropped batches back to the kernel (glibc keeps them in its arenas,
/// where polars' own allocator will not reuse them).
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists
    unsafe {
        libc::malloc_trim(0);
    }
}

#[pymethods]
impl RawBundle {
    /// Format ids of the files read (detected or forced), sorted; a format whose lines were
    /// all rejected is still listed, with an empty table.
    fn formats(&self) -> Vec<&'static str> {
        let mut f: Vec<FormatId> = self.report.files.iter().filter_map(|s| s.format).collect();
        f.sort();
        f.dedup();
        f.into_iter().map(FormatId::as_str).collect()
    }

    /// One format's typed table.
    fn table(&self, format: &str) -> PyResult<ArrowTable> {
        let f = FormatId::parse(format).ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(format!("unknown format {format:?}")))?;
        if self.released.lock().unwrap_or_else(|e| e.into_inner()).contains(&f) {
            return Err(pyo3::exceptions::PyKeyError::new_err(format!(
                "the typed table of {format:?} was released (Bundle.release_tables) to save memory; its rows are in events"
            )));
        }
        let batches = self.batches().iter().filter(|(g, _)| *g == f).map(|(_, b)| b.clone()).collect();
        Ok(ArrowTable::new(f.schema(), batches))
    }

    /// Every row in the normalised event schema.
    fn events(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batches = py
            .detach(|| self.batches().iter().map(|(f, b)| events::to_events(*f, b)).collect::<Result<Vec<_>, _>>())
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(ArrowTable::new(events::schema(), batches))
    }

    /// Every row in the normalised event schema, dropping each typed batch of a format not in
    /// `keep` as soon as its events are built (the events share its text buffers; its other
    /// columns are freed), so that peak memory stays near that of the typed tables alone.
    fn events_releasing(&self, py: Python<'_>, keep: Vec<String>) -> PyResult<ArrowTable> {
        let keep: Vec<FormatId> = keep
            .iter()
            .map(|k| FormatId::parse(k).ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(format!("unknown format {k:?}"))))
            .collect::<PyResult<_>>()?;
        let batches = py
            .detach(|| {
                let mut outputs = self.batches();
                let mut kept = Vec::new();
                let mut out = Vec::with_capacity(outputs.len());
                let mut released = Vec::new();
                let mut rest = std::mem::take(&mut *outputs).into_iter();
                let mut failed = None;
                // a few batches per thread at a time, converted on rayon's pool: the batches
                // were built there, so their freed memory is reused by the events that follow
                let group = 4 * rayon::current_num_threads().max(1);
                loop {
                    let batch: Vec<(FormatId, RecordBatch)> = rest.by_ref().take(group).collect();
                    if batch.is_empty() {
                        break;
                    }
                    let converted: Vec<_> = batch.par_iter().map(|(f, b)| events::to_events(*f, b)).collect();
                    if let Some(i) = converted.iter().position(Result::is_err) {
                        // nothing of this group is released; what was before is recorded
                        failed = converted.into_iter().nth(i).and_then(Result::err);
                        kept.extend(batch);
                        break;
                    }
                    out.extend(converted.into_iter().map(|e| e.expect("checked above")));
                    for (f, b) in batch {
                        if keep.contains(&f) {
                            kept.push((f, b));
                        } else if !released.contains(&f) {
                            released.push(f);
                        }
                    }
                }
                kept.extend(rest);
                *outputs = kept;
                self.released.lock().unwrap_or_else(|e| e.into_inner()).extend(released);
                if let Some(e) = failed {
                    return Err(e);
                }
                drop(outputs);
                trim_heap();
                Ok(out)
            })
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(ArrowTable::new(events::schema(), batches))
    }

    fn summary(&self) -> ArrowTable {
        let b = self.report.summary_batch();
        ArrowTable::new(b.schema(), vec![b])
    }

    fn rejects(&self) -> ArrowTable {
        let b = self.report.rejects_batch();
        ArrowTable::new(b.schema(), vec![b])
    }
}

// A Python object is only 16-byte aligned: a pyclass must not need more (box what does).
const _: () = assert!(std::mem::align_of::<RawBundle>() <= 16 && std::mem::align_of::<arrow_export::ArrowTable>() <= 16);

/// A read streamed batch by batch through `__arrow_c_stream__` (once); `summary()` and
/// `rejects()` are complete when the stream has ended.
#[pyclass(module = "veilleur._core", frozen)]
struct RawStream {
    scan: Mutex<Option<Scan>>,
    events: bool,
    report: Arc<Mutex<Report>>,
    formats: Vec<FormatId>,
}

const _: () = assert!(std::mem::align_of::<RawStream>() <= 16);

impl RawStream {
    fn take_scan(&self) -> PyResult<Scan> {
        self.scan
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("this stream was already consumed"))
    }

    /// The stream's schema: the events schema, or the one format of the inputs.
    fn schema(&self) -> PyResult<SchemaRef> {
        if self.events {
            return Ok(events::schema());
        }
        match self.formats.as_slice() {
            [one] => Ok(one.schema()),
            [] => Ok(FormatId::Combined.schema()),
            many => {
                let names: Vec<&str> = many.iter().map(|f| f.as_str()).collect();
                Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "the inputs hold several formats ({}); pass format=... to pick one, or schema=\"events\"",
                    names.join(", ")
                )))
            }
        }
    }
}

#[pymethods]
impl RawStream {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let _ = requested_schema; // the schema is fixed by the format; requests are not cast
        let schema = self.schema()?;
        let scan = self.take_scan()?;
        let events = self.events;
        let batches = scan.map(move |out| {
            let out = out.map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            if events {
                events::to_events(out.format, &out.batch)
            } else {
                Ok(out.batch)
            }
        });
        arrow_export::stream_capsule(py, schema, Box::new(batches))
    }

    /// Read the whole stream into memory (any mix of formats). The GIL is released meanwhile.
    fn collect(&self, py: Python<'_>) -> PyResult<RawBundle> {
        let mut scan = self.take_scan()?;
        let result = py.detach(move || -> veilleur_core::Result<RawBundle> {
            let mut outputs = Vec::new();
            for out in scan.by_ref() {
                let out = out?;
                outputs.push((out.format, out.batch));
            }
            let report = scan.report().lock().unwrap_or_else(|p| p.into_inner()).clone();
            Ok(RawBundle { outputs: Mutex::new(outputs), released: Mutex::new(Vec::new()), report })
        });
        result.map_err(|e| to_pyerr(py, e))
    }

    fn formats(&self) -> Vec<&'static str> {
        self.formats.iter().map(|f| f.as_str()).collect()
    }

    fn summary(&self) -> ArrowTable {
        let b = self.report.lock().unwrap_or_else(|p| p.into_inner()).summary_batch();
        ArrowTable::new(b.schema(), vec![b])
    }

    fn rejects(&self) -> ArrowTable {
        let b = self.report.lock().unwrap_or_else(|p| p.into_inner()).rejects_batch();
        ArrowTable::new(b.schema(), vec![b])
    }
}

/// Plan a read and start it. Batches come through the returned stream's
/// `__arrow_c_stream__` (with `events`, in the normalised schema; without, every recognised file
/// must be of one format), or all at once through its `collect()`.
#[pyfunction]
#[pyo3(signature = (paths, format=None, overrides=Vec::new(), tz=None, year=None, strict=false, events=false, chunk_bytes=None, sha256=true, w3c_fields=None))]
#[allow(clippy::too_many_arguments)]
fn stream(
    py: Python<'_>,
    paths: Vec<String>,
    format: Option<&str>,
    overrides: Vec<(String, String)>,
    tz: Option<&str>,
    year: Option<i32>,
    strict: bool,
    events: bool,
    chunk_bytes: Option<usize>,
    sha256: bool,
    w3c_fields: Option<String>,
) -> PyResult<RawStream> {
    let opts = options(format, overrides, tz, year, strict, chunk_bytes, sha256, w3c_fields)?;
    let plan = py.detach(|| Plan::new(&paths, &opts)).map_err(|e| to_pyerr(py, e))?;
    let formats = plan.formats();
    let scan = Scan::start(plan, opts);
    let report = scan.report();
    Ok(RawStream { scan: Mutex::new(Some(scan)), events, report, formats })
}

/// The known format ids.
#[pyfunction]
fn formats() -> Vec<&'static str> {
    FormatId::ALL.iter().map(|f| f.as_str()).collect()
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stream, m)?)?;
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    m.add_class::<RawBundle>()?;
    m.add_class::<RawStream>()?;
    m.add_class::<ArrowTable>()?;
    ioc::register(m)?;
    correlate::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
