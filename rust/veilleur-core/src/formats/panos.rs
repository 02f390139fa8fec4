//! `panos`: SKELETON — to be written (issue 4). Registered in the format registry so that the
//! formats can be written side by side; it reads nothing yet.

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::Mapping;

use super::{FormatId, ParseCtx, ParsedChunk};

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    Vec::new()
}

/// Whether `line` is a complete line of this format (detection).
pub fn matches(_line: &[u8]) -> bool {
    false
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, _ctx: &ParseCtx) -> ParsedChunk {
    super::reject_all(chunk, "panos: not implemented yet")
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    Mapping::new(batch).build(FormatId::Panos)
}
