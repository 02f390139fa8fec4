//! veilleur's engine: log files in, Arrow record batches out, on all cores. No Python here;
//! the `veilleur-py` crate binds it.
//!
//! Layers, data flowing down: [`input`] (files, decompression, hashes) → [`chunk`] (newline-
//! aligned chunks) → [`formats`] (one module per format, line → typed fields or a reject) →
//! [`columns`] (Arrow builders) → [`pipeline`] (parallel, ordered, with provenance) →
//! [`events`] (the normalised schema).

pub mod chunk;
pub mod columns;
pub mod correlate;
pub mod error;
pub mod events;
pub mod formats;
pub mod input;
pub mod ioc;
pub mod ip;
pub mod pipeline;
pub mod report;
pub mod simd;
pub mod take;
#[cfg(test)]
mod test_rng;
pub mod time;
pub mod year;

pub use error::{Error, Result};
pub use formats::FormatId;
pub use pipeline::{read_all, Output, Plan, ReadOptions, ReadResult, Scan};
pub use report::{FileSummary, Report, Status};
