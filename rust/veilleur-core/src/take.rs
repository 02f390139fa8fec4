//! Rows of a table picked by their index: the columns a hits table carries from the rows it
//! refers to (provenance, addresses), gathered in Rust from any Arrow layout.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use arrow_select::concat::concat;
use arrow_select::take::{take, TakeOptions};

/// The type a column of type `t` has once taken: a dictionary becomes its values' type.
pub fn decoded_type(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, v) => v.as_ref().clone(),
        t => t.clone(),
    }
}

/// `schema` with each dictionary field decoded (see [`decoded_type`]).
pub fn decoded_schema(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone().with_data_type(decoded_type(f.data_type()))).collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// The rows `rows` (indices into the concatenation of `batches`, ascending, repeats allowed)
/// of every column of `batches`, one array per column in `schema`'s order (decoded, see
/// [`decoded_schema`]).
///
/// Each batch's rows are taken from that batch alone, so per-batch dictionaries are never
/// unified: a dictionary column is taken as its keys, then decoded through its own values.
/// String and binary views are compacted: the result does not keep the table's buffers alive.
pub fn take_rows(schema: &SchemaRef, batches: &[RecordBatch], rows: &[u64]) -> Result<Vec<ArrayRef>, String> {
    if rows.windows(2).any(|w| w[0] > w[1]) {
        return Err("rows to take are not in ascending order".into());
    }
    let total: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    if let Some(&last) = rows.last().filter(|&&r| r >= total) {
        return Err(format!("row {last} is out of range: the table has {total} rows"));
    }
    // (batch, the batch's local indices) for each batch holding some of `rows`
    let mut pieces: Vec<(usize, UInt32Array)> = Vec::new();
    let (mut start, mut lo) = (0u64, 0usize);
    for (k, b) in batches.iter().enumerate() {
        let end = start + b.num_rows() as u64;
        let hi = lo + rows[lo..].partition_point(|&r| r < end);
        if hi > lo {
            pieces.push((k, rows[lo..hi].iter().map(|&r| (r - start) as u32).collect()));
        }
        (start, lo) = (end, hi);
    }
    (0..schema.fields().len())
        .map(|c| {
            let taken = pieces.iter().map(|(k, idx)| take_decoded(batches[*k].column(c), idx)).collect::<Result<Vec<_>, _>>()?;
            let one = match taken.as_slice() {
                [] => arrow_array::new_empty_array(&decoded_type(schema.field(c).data_type())),
                [a] => a.clone(),
                many => concat(&many.iter().map(|a| a.as_ref()).collect::<Vec<_>>()).map_err(|e| e.to_string())?,
            };
            Ok(compact(one))
        })
        .collect()
}

/// `col` at `idx`, a dictionary decoded through its values.
fn take_decoded(col: &ArrayRef, idx: &UInt32Array) -> Result<ArrayRef, String> {
    let taken = take(col.as_ref(), idx, None).map_err(|e| e.to_string())?;
    match taken.as_any_dictionary_opt() {
        // a key past its dictionary is an error, not a panic (keys come from other programs)
        Some(d) => take(d.values().as_ref(), d.keys(), Some(TakeOptions { check_bounds: true })).map_err(|e| e.to_string()),
        None => Ok(taken),
    }
}

/// View arrays copied into buffers of their own (a taken view still points into the whole
/// table's bytes); other arrays as they are.
fn compact(a: ArrayRef) -> ArrayRef {
    match a.data_type() {
        DataType::Utf8View => Arc::new(a.as_string_view().gc()),
        DataType::BinaryView => Arc::new(a.as_binary_view().gc()),
        _ => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::{Int8Type, UInt16Type};
    use arrow_array::{DictionaryArray, Int8Array, LargeStringArray, StringArray, StringViewArray, UInt64Array};

    fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        match a.data_type() {
            DataType::Utf8 => a.as_string::<i32>().iter().map(|s| s.map(str::to_string)).collect(),
            DataType::LargeUtf8 => a.as_string::<i64>().iter().map(|s| s.map(str::to_string)).collect(),
            DataType::Utf8View => a.as_string_view().iter().map(|s| s.map(str::to_string)).collect(),
            t => panic!("not a string type: {t}"),
        }
    }

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(cols).expect("batch")
    }

    #[test]
    fn rows_across_batches_of_every_layout() {
        let long = "a string longer than twelve bytes, held out of the view";
        // two batches, each dictionary with its own values in its own order
        let d1: DictionaryArray<Int8Type> = vec![Some("x"), None, Some("y"), Some("x")].into_iter().collect();
        let d2 =
            DictionaryArray::<Int8Type>::new(Int8Array::from(vec![Some(1), Some(0), None]), Arc::new(StringArray::from(vec!["y", "z"])));
        let b1 = batch(vec![
            ("n", Arc::new(UInt64Array::from(vec![10, 11, 12, 13])) as ArrayRef),
            ("v", Arc::new(StringViewArray::from(vec![Some("a"), Some(long), None, Some("d")]))),
            ("l", Arc::new(LargeStringArray::from(vec!["l0", "l1", "l2", "l3"]))),
            ("d", Arc::new(d1)),
        ]);
        let b2 = batch(vec![
            ("n", Arc::new(UInt64Array::from(vec![20, 21, 22])) as ArrayRef),
            ("v", Arc::new(StringViewArray::from(vec![Some("e"), None, Some(long)]))),
            ("l", Arc::new(LargeStringArray::from(vec!["m0", "m1", "m2"]))),
            ("d", Arc::new(d2)),
        ]);
        let schema = b1.schema();
        // rows 0-3 | (an empty batch) | 4-6
        let rows = [1, 1, 3, 4, 5, 6];
        let out = take_rows(&schema, &[b1.clone(), b1.slice(0, 0), b2], &rows).expect("taken");
        assert_eq!(out[0].as_primitive::<arrow_array::types::UInt64Type>().values().to_vec(), vec![11, 11, 13, 20, 21, 22]);
        let v = |s: &str| Some(s.to_string());
        assert_eq!(strings(&out[1]), vec![v(long), v(long), v("d"), v("e"), None, v(long)]);
        assert_eq!(strings(&out[2]), vec![v("l1"), v("l1"), v("l3"), v("m0"), v("m1"), v("m2")]);
        assert_eq!(out[3].data_type(), &DataType::Utf8, "decoded to the values' type");
        assert_eq!(strings(&out[3]), vec![None, None, v("x"), v("z"), v("y"), None]);
        // the taken views hold their own bytes, not the batches' buffers
        let data: usize = out[1].as_string_view().data_buffers().iter().map(|b| b.len()).sum();
        assert_eq!(data, 3 * long.len());
        assert_eq!(decoded_schema(&schema).field(3).data_type(), &DataType::Utf8);
    }

    #[test]
    fn no_rows_and_bad_rows() {
        // SAFETY (of the test): key 2 is past the dictionary on purpose; nothing reads it unchecked
        let past =
            unsafe { DictionaryArray::<Int8Type>::new_unchecked(Int8Array::from(vec![0, 2]), Arc::new(StringArray::from(vec!["a", "b"]))) };
        let p = batch(vec![("d", Arc::new(past) as ArrayRef)]);
        assert!(take_rows(&p.schema(), std::slice::from_ref(&p), &[0, 1]).is_err(), "a key past the dictionary");
        let keys = arrow_array::PrimitiveArray::<UInt16Type>::from(vec![0u16]);
        let d = DictionaryArray::new(keys, Arc::new(StringArray::from(vec!["only"])));
        let b = batch(vec![("d", Arc::new(d) as ArrayRef)]);
        let schema = b.schema();
        let out = take_rows(&schema, std::slice::from_ref(&b), &[]).expect("no rows");
        assert_eq!((out[0].len(), out[0].data_type()), (0, &DataType::Utf8));
        assert_eq!(strings(&take_rows(&schema, std::slice::from_ref(&b), &[0, 0]).expect("taken")[0]), vec![Some("only".into()); 2]);
        assert!(take_rows(&schema, std::slice::from_ref(&b), &[1]).unwrap_err().contains("out of range"));
        let two = [b.clone(), b];
        assert!(take_rows(&schema, &two, &[1, 0]).unwrap_err().contains("ascending"));
    }
}
