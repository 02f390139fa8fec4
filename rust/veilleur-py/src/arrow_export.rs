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

    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn num_batches(&self) -> usize {
        self.batches.len()
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
