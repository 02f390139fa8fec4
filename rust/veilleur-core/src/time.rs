//! Timestamps to UTC microseconds since the epoch. Hand-written, allocation-free parsers.

const MICROS_PER_SEC: i64 = 1_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` of year `y` (proleptic Gregorian).
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Month number from an English three-letter abbreviation, any case.
pub fn month_from_abbr(b: &[u8]) -> Option<u32> {
    if b.len() != 3 {
        return None;
    }
    let k = [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase(), b[2].to_ascii_lowercase()];
    Some(match &k {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Seconds east of UTC from `+hhmm` / `-hhmm` (also `+hh:mm`, and `Z`).
pub fn parse_offset(b: &[u8]) -> Option<i64> {
    if b == b"Z" {
        return Some(0);
    }
    let (sign, rest) = match b.first()? {
        b'+' => (1, &b[1..]),
        b'-' => (-1, &b[1..]),
        _ => return None,
    };
    let (h, m) = match rest.len() {
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        5 if rest[2] == b':' => (digits(&rest[..2])?, digits(&rest[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * i64::from(h * 3600 + m * 60))
}

/// Caches the day number of the last date seen: logs are sorted-ish, so the date part of a
/// timestamp rarely changes from one line to the next.
#[derive(Default)]
pub struct DateCache {
    key: [u8; 11],
    days: i64,
    valid: bool,
}

impl DateCache {
    /// Parse NCSA `dd/Mon/yyyy` (11 bytes).
    fn ncsa_days(&mut self, b: &[u8]) -> Option<i64> {
        if self.valid && b == self.key {
            return Some(self.days);
        }
        if b.len() != 11 || b[2] != b'/' || b[6] != b'/' {
            return None;
        }
        let d = digits(&b[..2])?;
        let m = month_from_abbr(&b[3..6])?;
        let y = i64::from(digits(&b[7..11])?);
        if d == 0 || d > days_in_month(y, m) {
            return None;
        }
        let days = days_from_civil(y, m, d);
        self.key.copy_from_slice(b);
        self.days = days;
        self.valid = true;
        Some(days)
    }

    /// Parse the NCSA / Apache `%t` timestamp (the text between the brackets):
    /// `dd/Mon/yyyy:HH:MM:SS ±hhmm`, also with `.fff` fractional seconds, and the Carbonio
    /// variant `dd/MMM/yyyy:HH:mm:ss:ms Z` whose `:ms` part repeats minute and second (Java's
    /// `m` and `s` letters) and is therefore ignored. Returns UTC microseconds.
    pub fn parse_ncsa(&mut self, b: &[u8]) -> Option<i64> {
        if b.len() < 26 || b[11] != b':' || b[14] != b':' || b[17] != b':' {
            return None;
        }
        let days = self.ncsa_days(&b[..11])?;
        let h = digits(&b[12..14])?;
        let mi = digits(&b[15..17])?;
        let s = digits(&b[18..20])?;
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let sp = memchr::memchr(b' ', &b[20..])? + 20;
        let mut micros = 0i64;
        let frac = &b[20..sp];
        if let Some(rest) = frac.strip_prefix(b".") {
            digits(rest)?;
            let kept = &rest[..rest.len().min(6)]; // sub-microsecond digits are dropped
            micros = i64::from(digits(kept)?) * 10i64.pow(6 - kept.len() as u32);
        } else if let Some(rest) = frac.strip_prefix(b":") {
            digits(rest)?;
        } else if !frac.is_empty() {
            return None;
        }
        let off = parse_offset(&b[sp + 1..])?;
        let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + s) - off;
        Some(secs * MICROS_PER_SEC + micros)
    }
}

/// Caches the day number of the last ISO date `yyyy-mm-dd` seen.
#[derive(Default)]
pub struct IsoDateCache {
    key: [u8; 10],
    days: i64,
    valid: bool,
}

impl IsoDateCache {
    /// Days since the epoch of `yyyy-mm-dd` (also `yyyy/mm/dd`).
    pub fn days(&mut self, b: &[u8]) -> Option<i64> {
        if b.len() != 10 {
            return None;
        }
        if self.valid && b == self.key {
            return Some(self.days);
        }
        if !(b[4] == b'-' && b[7] == b'-' || b[4] == b'/' && b[7] == b'/') {
            return None;
        }
        let y = i64::from(digits(&b[..4])?);
        let m = digits(&b[5..7])?;
        let d = digits(&b[8..10])?;
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        self.days = days_from_civil(y, m, d);
        self.key.copy_from_slice(b);
        self.valid = true;
        Some(self.days)
    }
}

/// `HH:MM:SS` → seconds of the day.
pub fn hms(b: &[u8]) -> Option<i64> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    (h < 24 && m < 60 && s <= 60).then(|| i64::from(h * 3600 + m * 60 + s))
}

/// Digits as a number (at most 9), for fractions of seconds and the like.
pub fn small_number(b: &[u8]) -> Option<u32> {
    digits(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn ncsa_with_offsets() {
        let mut c = DateCache::default();
        // 2022-06-30T05:33:18Z = 1656567198
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:05:33:18 +0000"), Some(1_656_567_198_000_000));
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:07:33:18 +0200"), Some(1_656_567_198_000_000));
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:00:03:18 -0530"), Some(1_656_567_198_000_000));
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:05:33:18.250 +0000"), Some(1_656_567_198_250_000));
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:05:33:18:3318 +0000"), Some(1_656_567_198_000_000));
    }

    #[test]
    fn ncsa_rejects_bad_dates() {
        let mut c = DateCache::default();
        assert_eq!(c.parse_ncsa(b"31/Jun/2022:05:33:18 +0000"), None);
        assert_eq!(c.parse_ncsa(b"29/Feb/2022:05:33:18 +0000"), None);
        assert!(c.parse_ncsa(b"29/Feb/2024:05:33:18 +0000").is_some());
        assert_eq!(c.parse_ncsa(b"30/Jux/2022:05:33:18 +0000"), None);
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:25:33:18 +0000"), None);
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:05:33:18 0000"), None);
        assert_eq!(c.parse_ncsa(b"30/Jun/2022:05:33:18"), None);
    }
}

/// Local wall-clock time (no offset written) to UTC in an IANA zone, DST-correct.
///
/// Rules for the two DST anomalies, counted so the summary can report them:
/// - an *ambiguous* local time (the repeated hour when clocks go back) is read as its first
///   occurrence (the earlier instant, still on summer time);
/// - a *non-existent* local time (the hour skipped when clocks go forward) is read with the
///   offset in force just before the gap, as a clock not yet adjusted would have written it.
pub struct LocalClock {
    tz: chrono_tz::Tz,
    hour: i64,
    offset: i64,
    cached: bool,
    pub ambiguous: u64,
    pub nonexistent: u64,
}

impl LocalClock {
    pub fn new(tz: chrono_tz::Tz) -> Self {
        LocalClock { tz, hour: 0, offset: 0, cached: false, ambiguous: 0, nonexistent: 0 }
    }

    pub fn zone(&self) -> chrono_tz::Tz {
        self.tz
    }

    /// Seconds east of UTC for a local instant, if it maps to exactly one instant.
    fn single_offset(&self, local: i64) -> Option<i64> {
        use chrono::{LocalResult, Offset, TimeZone};
        let ndt = chrono::DateTime::from_timestamp(local, 0)?.naive_utc();
        match self.tz.from_local_datetime(&ndt) {
            LocalResult::Single(dt) => Some(i64::from(dt.offset().fix().local_minus_utc())),
            _ => None,
        }
    }

    /// UTC seconds of `local` (seconds since the epoch of the wall-clock reading, as if UTC).
    pub fn to_utc(&mut self, local: i64) -> i64 {
        use chrono::{LocalResult, Offset, TimeZone};
        let hour = local.div_euclid(3600);
        if self.cached && hour == self.hour {
            return local - self.offset;
        }
        // Cache the offset for a whole local hour when the hour holds no transition.
        if let (Some(a), Some(b)) = (self.single_offset(hour * 3600), self.single_offset(hour * 3600 + 3599)) {
            if a == b {
                self.hour = hour;
                self.offset = a;
                self.cached = true;
                return local - a;
            }
        }
        let Some(ndt) = chrono::DateTime::from_timestamp(local, 0).map(|d| d.naive_utc()) else { return local };
        match self.tz.from_local_datetime(&ndt) {
            LocalResult::Single(dt) => local - i64::from(dt.offset().fix().local_minus_utc()),
            LocalResult::Ambiguous(first, _) => {
                self.ambiguous += 1;
                local - i64::from(first.offset().fix().local_minus_utc())
            }
            LocalResult::None => {
                self.nonexistent += 1;
                // the offset before the gap: gaps are at most a few hours, look back a day
                let before = ndt - chrono::Duration::hours(24);
                let off = match self.tz.from_local_datetime(&before) {
                    LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => i64::from(dt.offset().fix().local_minus_utc()),
                    LocalResult::None => 0,
                };
                local - off
            }
        }
    }
}

/// Parse an IANA zone name (`Europe/Paris`, `UTC`).
pub fn parse_zone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse().ok()
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    fn local(y: i64, m: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60
    }

    #[test]
    fn paris_summer_winter_and_transitions() {
        let mut c = LocalClock::new(parse_zone("Europe/Paris").unwrap());
        // CEST: UTC+2
        assert_eq!(c.to_utc(local(2022, 9, 6, 10, 15)), local(2022, 9, 6, 8, 15));
        // CET: UTC+1
        assert_eq!(c.to_utc(local(2022, 1, 6, 10, 15)), local(2022, 1, 6, 9, 15));
        // 2022-10-30 02:30 happens twice: first occurrence (CEST) → 00:30 UTC
        assert_eq!(c.to_utc(local(2022, 10, 30, 2, 30)), local(2022, 10, 30, 0, 30));
        assert_eq!(c.ambiguous, 1);
        // 2022-03-27 02:30 does not exist: read with CET (+1) → 01:30 UTC
        assert_eq!(c.to_utc(local(2022, 3, 27, 2, 30)), local(2022, 3, 27, 1, 30));
        assert_eq!(c.nonexistent, 1);
        // the hours around the gap are normal
        assert_eq!(c.to_utc(local(2022, 3, 27, 3, 30)), local(2022, 3, 27, 1, 30));
        assert_eq!(c.to_utc(local(2022, 3, 27, 1, 59)), local(2022, 3, 27, 0, 59));
    }

    #[test]
    fn unknown_zone() {
        assert!(parse_zone("Europe/Nowhere").is_none());
        assert!(parse_zone("UTC").is_some());
    }
}
