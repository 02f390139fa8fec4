//! A table as the bindings hand it over (a schema and its batches, uncopied), global row
//! numbers across batches, and the gather of rows into output columns.

use std::sync::Arc;

use arrow_array::{new_empty_array, Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::{DataType, SchemaRef};

use crate::{Error, Result};

/// Global row number (across batches). Tables are limited to `u32::MAX` rows.
pub type Row = u32;

/// A schema and its record batches, in order. Row `i` is the i-th row of the concatenation.
#[derive(Clone, Debug)]
pub struct Table {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// `starts[b]` = global row number of batch `b`'s first row; one extra entry at the end.
    starts: Vec<usize>,
}

impl Table {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Self> {
        let mut starts = Vec::with_capacity(batches.len() + 1);
        let mut n = 0usize;
        for b in &batches {
            starts.push(n);
            n += b.num_rows();
        }
        starts.push(n);
        if n > Row::MAX as usize {
            return Err(Error::InvalidArgument(format!("tables of more than {} rows are not supported", Row::MAX)));
        }
        Ok(Table { schema, batches, starts })
    }

    pub fn from_batch(batch: RecordBatch) -> Self {
        Table::new(batch.schema(), vec![batch]).expect("a single batch fits")
    }

    pub fn num_rows(&self) -> usize {
        *self.starts.last().unwrap_or(&0)
    }

    /// Index of a column by name, with a clear error listing the columns.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.schema.index_of(name).map_err(|_| {
            let names: Vec<&str> = self.schema.fields().iter().map(|f| f.name().as_str()).collect();
            Error::InvalidArgument(format!("no column {name:?} (columns: {})", names.join(", ")))
        })
    }

    /// The column's array in each batch, with the batch's first global row.
    pub fn chunks(&self, col: usize) -> Vec<(usize, &ArrayRef)> {
        self.batches.iter().zip(&self.starts).map(|(b, s)| (*s, b.column(col))).collect()
    }

    /// (batch, row in batch) of a global row.
    fn locate(&self, row: Row) -> (usize, usize) {
        let r = row as usize;
        let b = self.starts.partition_point(|s| *s <= r) - 1;
        (b, r - self.starts[b])
    }

    /// Column `col` gathered at `rows` (in that order).
    pub fn take(&self, col: usize, rows: &[Row]) -> Result<ArrayRef> {
        let dtype: &DataType = self.schema.field(col).data_type();
        if rows.is_empty() || self.batches.is_empty() {
            return Ok(new_empty_array(dtype));
        }
        let out = if self.batches.len() == 1 {
            let idx = UInt32Array::from(rows.to_vec());
            arrow_select::take::take(self.batches[0].column(col).as_ref(), &idx, None)
        } else {
            let values: Vec<&dyn Array> = self.batches.iter().map(|b| b.column(col).as_ref()).collect();
            let idx: Vec<(usize, usize)> = rows.iter().map(|r| self.locate(*r)).collect();
            arrow_select::interleave::interleave(&values, &idx)
        };
        out.map_err(arrow_err)
    }
}

pub fn arrow_err(e: arrow_schema::ArrowError) -> Error {
    Error::InvalidArgument(format!("arrow: {e}"))
}

/// A column name not yet used in `taken`: `name`, else `name_right`, `name_right_right`, ...
pub fn unique_name(name: &str, taken: &[String]) -> String {
    let mut n = name.to_string();
    while taken.contains(&n) {
        n.push_str("_right");
    }
    n
}

pub fn schema_ref(fields: Vec<arrow_schema::Field>) -> SchemaRef {
    Arc::new(arrow_schema::Schema::new(fields))
}
