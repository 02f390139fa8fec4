//! Time-window correlation on Arrow tables: window joins, ordered sequences, sliding counts
//! and beaconing. No Python here; `veilleur-py` binds it.
//!
//! Common rules, stated once:
//! * Times are read from a timestamp column of any unit and zone ([`time::micros`]) and
//!   compared as UTC microseconds. Rows whose time is null never take part.
//! * Keys are one or several columns of any string, integer, boolean, binary or dictionary
//!   type ([`keys`]). Values compare by content: `Utf8` "a" equals `Utf8View` "a", `Int32` 5
//!   equals `UInt64` 5, a string never equals an integer. A row with a null in any key column
//!   never matches anything.
//! * Work is sorted by (key, time, row) and swept, so every operation is
//!   O((n + m) log(n + m) + k) for k results, and parallel over keys or rows with rayon.
//! * Results are built with Arrow `take`/`interleave` of input rows, so they carry every input
//!   column with its type.

pub mod beacons;
pub mod count_window;
pub mod keys;
pub mod sequence;
pub mod table;
pub mod time;
pub mod window_join;

pub use beacons::{beacons, BeaconSpec};
pub use count_window::{count_window, CountSpec};
pub use sequence::{sequence, SequenceSpec};
pub use table::Table;
pub use time::parse_duration;
pub use window_join::{window_join, Keep, WindowSpec};
