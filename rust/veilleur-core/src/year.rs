//! The year of formats that omit it (RFC 3164 syslog): given, or inferred from the file's
//! modification time, then carried forward through the file with December → January roll-over.

use std::time::SystemTime;

use crate::time::days_from_civil;

/// A month decreasing by more than this between consecutive records is a new year (Dec → Jan);
/// smaller steps back are records slightly out of order.
const ROLLOVER_DROP: u32 = 6;

/// The year of the file's first record, and how it was decided.
pub fn base_year(given: Option<i32>, first_month: Option<u32>, mtime: Option<SystemTime>) -> (i32, String) {
    if let Some(y) = given {
        return (y, "given".into());
    }
    let Some((y, m)) = mtime.and_then(year_month) else {
        return (1970, "unknown (no modification time): 1970 assumed".into());
    };
    match first_month {
        // the file was last written in month m of year y, so it cannot start after that
        Some(first) if first > m => (y - 1, format!("modification time {y}-{m:02}, first record in month {first}: previous year")),
        _ => (y, format!("modification time {y}-{m:02}")),
    }
}

fn year_month(t: SystemTime) -> Option<(i32, u32)> {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    // invert days_from_civil by search over a small range (years since 1970)
    let mut y = 1970 + (days / 365) as i32 + 1;
    while days_from_civil(i64::from(y), 1, 1) > days {
        y -= 1;
    }
    let mut m = 12;
    while days_from_civil(i64::from(y), m, 1) > days {
        m -= 1;
    }
    Some((y, m))
}

/// Whether going from month `prev` to month `next` crosses into a new year.
pub fn rolls_over(prev: u32, next: u32) -> bool {
    prev > next + ROLLOVER_DROP
}

/// Tracks the year across a file's chunks, in order.
pub struct YearTracker {
    year: i32,
    last_month: Option<u32>,
}

impl YearTracker {
    pub fn new(base: i32) -> Self {
        YearTracker { year: base, last_month: None }
    }

    /// The year of a chunk's first record given its first and last months; advances past any
    /// roll-over inside the chunk for the next one.
    pub fn chunk(&mut self, first: Option<u32>, last: Option<u32>) -> i32 {
        if let (Some(prev), Some(f)) = (self.last_month, first) {
            if rolls_over(prev, f) {
                self.year += 1;
            }
        }
        let year = self.year;
        if let (Some(f), Some(l)) = (first, last) {
            if rolls_over(f, l) {
                self.year += 1;
            }
        }
        if let Some(l) = last.or(first) {
            self.last_month = Some(l);
        }
        year
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(y: i64, m: u32, d: u32) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs((days_from_civil(y, m, d) * 86_400 + 3600) as u64)
    }

    #[test]
    fn base_from_mtime() {
        assert_eq!(base_year(None, Some(9), Some(at(2022, 9, 7))).0, 2022);
        assert_eq!(base_year(None, Some(12), Some(at(2023, 1, 3))).0, 2022);
        assert_eq!(base_year(Some(2019), Some(12), Some(at(2023, 1, 3))).0, 2019);
        assert_eq!(year_month(at(2024, 2, 29)), Some((2024, 2)));
        assert_eq!(year_month(at(2023, 12, 31)), Some((2023, 12)));
    }

    #[test]
    fn rollover_across_and_inside_chunks() {
        let mut t = YearTracker::new(2022);
        assert_eq!(t.chunk(Some(12), Some(12)), 2022);
        assert_eq!(t.chunk(Some(1), Some(1)), 2023); // Dec → Jan between chunks
        let mut t = YearTracker::new(2022);
        assert_eq!(t.chunk(Some(12), Some(1)), 2022); // inside the chunk
        assert_eq!(t.chunk(Some(1), Some(2)), 2023);
        let mut t = YearTracker::new(2022);
        assert_eq!(t.chunk(Some(10), Some(9)), 2022); // out of order, no roll-over
        assert_eq!(t.chunk(Some(10), Some(10)), 2022);
    }
}
