//! Arrow data out to Python through the Arrow PyCapsule interface: no copy, any consumer
//! (pyarrow, polars, duckdb, ...).

use std::ffi::CString;

use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// A materialised table: batches sharing one schema. Exportable any number of times.
#[pyclass(module = "veilleur._core", frozen)]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        ArrowTable { schema, batches }
    }
}

#[pymethods]
impl ArrowTable {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let it = RecordBatchIterator::new(self.batches.clone().into_iter().map(Ok), self.schema.clone());
        stream_capsule(py, self.schema.clone(), Box::new(it))
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let ffi = FFI_ArrowSchema::try_from(self.schema.as_ref()).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        PyCapsule::new(py, ffi, Some(CString::new("arrow_schema").expect("no NUL")))
    }
}

struct IterReader {
    schema: SchemaRef,
    it: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>,
}

impl Iterator for IterReader {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.it.next()
    }
}

impl RecordBatchReader for IterReader {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// Wrap a batch iterator in an `arrow_array_stream` capsule. The consumer pulls batches
/// without the GIL; nothing in the iterator touches Python.
pub fn stream_capsule<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    it: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let reader = IterReader { schema, it };
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    PyCapsule::new(py, stream, Some(CString::new("arrow_array_stream").expect("no NUL")))
}

/// Arrow data in from Python: any object with `__arrow_c_stream__` (pyarrow Table or
/// RecordBatchReader, polars DataFrame, duckdb relation, veilleur tables). The batches are
/// imported without copying. Call with the GIL held; the returned reader can be drained
/// after `Python::detach`.
#[allow(dead_code)] // for the bindings that take tables in (IOC matching, correlation)
pub fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<arrow_array::ffi_stream::RecordBatchStreamReader> {
    use pyo3::types::PyCapsuleMethods;
    if !obj.hasattr("__arrow_c_stream__")? {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "expected an Arrow table (an object with __arrow_c_stream__, such as a pyarrow.Table or a polars.DataFrame), got {}",
            obj.get_type().name()?
        )));
    }
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule =
        capsule.cast::<PyCapsule>().map_err(|_| pyo3::exceptions::PyTypeError::new_err("__arrow_c_stream__ did not return a capsule"))?;
    let name = std::ffi::CString::new("arrow_array_stream").expect("no NUL");
    let ptr = capsule.pointer_checked(Some(&name))?;
    // SAFETY: the capsule holds an FFI_ArrowArrayStream (checked by its name); `from_raw`
    // moves it out and leaves a released stream behind, which the capsule's destructor skips.
    unsafe { arrow_array::ffi_stream::RecordBatchStreamReader::from_raw(ptr.as_ptr().cast()) }
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("cannot import the Arrow stream: {e}")))
}

/// Import a whole table: its schema and batches.
#[allow(dead_code)] // for the bindings that take tables in (IOC matching, correlation)
pub fn import_table(obj: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    let reader = import_stream(obj)?;
    let schema = reader.schema();
    let py = obj.py();
    let batches = py
        .detach(move || reader.collect::<Result<Vec<_>, ArrowError>>())
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))?;
    Ok((schema, batches))
}
