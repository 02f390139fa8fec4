//! What the formats that travel inside syslog as a self-describing payload share (CEF, LEEF,
//! PAN-OS CSV): finding the payload behind an optional syslog header, reading the device time
//! fields they carry (CEF `rt`, LEEF `devTime`: epoch milliseconds, `MMM dd [yyyy] HH:mm:ss[.SSS]
//! [zzz]`, Java `SimpleDateFormat` patterns) with the zone they name, and two helpers of their
//! event mappings (a key of the `extra` map column as a column, the host of a URL).

use std::sync::Arc;

use arrow_array::builder::StringViewBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, MapArray, RecordBatch, StringViewArray};

use crate::time::{days_from_civil, days_in_month, month_from_abbr, parse_offset, LocalClock};

use super::ncsa::Span;
use super::syslog_header::{self, Clock, Stamp};
use super::typed::Row;
use super::{ParseCtx, ParsedChunk, Reason};

/// Where the payload of a line starts, and the syslog header fields in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framed {
    /// The header HOSTNAME.
    pub host: Option<Span>,
    /// The header time stamp (`None`: no header, a bare `<PRI>`, or RFC 5424 `-`).
    pub stamp: Option<Stamp>,
    /// The payload: from here to the end of the line.
    pub payload: usize,
}

/// The payload of `line`, recognised by `is_payload` (which sees the text from a candidate
/// start to the end of the line), at the start of the line, after a bare `<PRI>`, or after a
/// syslog header ([`syslog_header::parse`]: BSD, RFC 3339 or RFC 5424, with or without a tag),
/// itself optionally preceded by an RFC 6587 octet count (`535 <14>1 ...`).
/// A header without a host whose first word is the payload (`<134>May  6 09:23:10 CEF:0|...`)
/// is read as such. `what` names the payload in the reject reason.
pub fn split(line: &[u8], is_payload: impl Fn(&[u8]) -> bool, what: &'static str) -> Result<Framed, Reason> {
    if is_payload(line) {
        return Ok(Framed { host: None, stamp: None, payload: 0 });
    }
    // RFC 6587 octet counting (`535 <14>1 ...`, syslog over TCP/TLS written as received)
    let digits = line.iter().take(7).take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && line.get(digits) == Some(&b' ') && line.get(digits + 1) == Some(&b'<') {
        let mut f = split(&line[digits + 1..], is_payload, what)?;
        f.host = f.host.map(|(s, e)| (s + digits + 1, e + digits + 1));
        f.payload += digits + 1;
        return Ok(f);
    }
    if line.first() == Some(&b'<') {
        if let Some(k) = line.iter().take(5).position(|&c| c == b'>') {
            if k > 1 && line[1..k].iter().all(u8::is_ascii_digit) && is_payload(&line[k + 1..]) {
                return Ok(Framed { host: None, stamp: None, payload: k + 1 });
            }
        }
    }
    let h = syslog_header::parse(line).map_err(|e| Reason::from(format!("no {what} at the start of the line, and {e}")))?;
    let stamp = (h.stamp != Stamp::Unknown).then_some(h.stamp);
    // the earliest place the payload can start: the host field itself (a header without a
    // host), the word after the host (the payload's first word looked like a tag:
    // `host #Fields: ...`, `host 2011-08-04 ...`), or the message after the tag
    if let Some((hs, he)) = h.host {
        if is_payload(&line[hs..]) {
            return Ok(Framed { host: None, stamp, payload: hs });
        }
        let after = he + line[he..].iter().take_while(|&&c| c == b' ').count();
        if after > he && after < h.msg.0 && is_payload(&line[after..]) {
            return Ok(Framed { host: h.host, stamp, payload: after });
        }
    }
    if h.msg.0 < line.len() && is_payload(&line[h.msg.0..]) {
        return Ok(Framed { host: h.host, stamp, payload: h.msg.0 });
    }
    Err(format!("no {what} after the syslog header").into())
}

/// The zone a device time names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone<'a> {
    /// None written.
    None,
    /// `UTC`, `GMT`, `Z`, `+0200`, `+02:00`, `GMT+02:00`: seconds east of UTC.
    Offset(i64),
    /// A name (`CEST`, `Europe/Paris`).
    Name(&'a [u8]),
}

/// A device time as read from its text: the reading and the zone it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevTime<'a> {
    pub stamp: Stamp,
    pub zone: Zone<'a>,
}

/// Epoch milliseconds (CEF `rt`, LEEF `devTime` without a pattern). Ten digits or fewer are
/// read as seconds (a sender that writes seconds; ten digits of milliseconds would be January
/// 1970).
pub fn epoch_ms(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 16 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = super::ncsa::parse_u64(b)? as i64;
    Some(if b.len() <= 10 { v * 1_000_000 } else { v * 1000 })
}

/// A zone word: `UTC`, `GMT`, `UT`, `Z`, a numeric offset, `GMT`/`UTC` followed by an offset,
/// or a name (letters, `/`, `_`, `-`, `+`, digits after a letter).
pub fn zone_word(w: &[u8]) -> Option<Zone<'_>> {
    if w.is_empty() {
        return None;
    }
    if matches!(w, b"UTC" | b"GMT" | b"UT" | b"Z" | b"utc" | b"gmt") {
        return Some(Zone::Offset(0));
    }
    if let Some(o) = parse_offset(w) {
        return Some(Zone::Offset(o));
    }
    for p in [&b"GMT"[..], b"UTC"] {
        if let Some(rest) = w.strip_prefix(p) {
            return short_offset(rest).map(Zone::Offset);
        }
    }
    let named = w[0].is_ascii_alphabetic() && w.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'_' | b'-' | b'+'));
    named.then_some(Zone::Name(w))
}

/// `+hh:mm`, `+hhmm` or `+h`/`+hh` (after `GMT`/`UTC`).
fn short_offset(b: &[u8]) -> Option<i64> {
    if let Some(o) = parse_offset(b) {
        return Some(o);
    }
    let (sign, digits) = match b.split_first()? {
        (b'+', d) => (1, d),
        (b'-', d) => (-1, d),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 2 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let h = i64::from(crate::time::small_number(digits)?);
    (h <= 23).then_some(sign * h * 3600)
}

/// `MMM dd [yyyy] HH:mm:ss[.SSS] [zzz]` (the CEF text forms, and LEEF's default devTime).
pub fn mmm_time(b: &[u8]) -> Option<DevTime<'_>> {
    let (stamp, end) = syslog_header::bsd_stamp(b, 0)?;
    if end == b.len() {
        return Some(DevTime { stamp, zone: Zone::None });
    }
    if b[end] != b' ' {
        return None;
    }
    let w = &b[end + 1..];
    Some(DevTime { stamp, zone: zone_word(w)? })
}

/// A CEF or LEEF time value: epoch milliseconds or the `MMM dd ...` text forms.
pub fn device_time(b: &[u8]) -> Option<DevTime<'_>> {
    match epoch_ms(b) {
        Some(t) => Some(DevTime { stamp: Stamp::Utc(t), zone: Zone::None }),
        None => mmm_time(b),
    }
}

#[inline]
fn run(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut q = from;
    while q < b.len() && pred(b[q]) {
        q += 1;
    }
    q
}

/// A value written by a Java `SimpleDateFormat` pattern (LEEF `devTimeFormat`). Supported
/// letters: `y` (`yy` is 20yy), `M` (number, `MMM` abbreviation, `MMMM` full name), `d`, `H`,
/// `m`, `s`, `S` (fraction digits), `E` (day name, skipped), `Z`/`X` (offsets, `X` also `Z`),
/// `z` (a zone word), quoted literals (`'T'`, `''`) and any other character as itself.
/// `None` when the pattern uses other letters (12-hour `h` with `a`...) or the value does not
/// follow it.
pub fn java_time<'a>(pattern: &[u8], v: &'a [u8]) -> Option<DevTime<'a>> {
    let (mut year, mut month, mut day) = (None::<i64>, None::<u32>, None::<u32>);
    let (mut h, mut mi, mut s, mut micros) = (0u32, 0u32, 0u32, 0i64);
    let mut zone = Zone::None;
    let (mut i, mut p) = (0usize, 0usize);
    // a number of `n` digits (1-2 when the letter is single, `max` at most)
    let number = |p: usize, n: usize, max: usize| -> Option<(u32, usize)> {
        // at most `max` digits looked at: a pattern of many one-letter fields over a long run
        // of digits stays linear
        let e = if n == 1 { run(&v[..v.len().min(p + max)], p, |c| c.is_ascii_digit()) } else { p + n };
        let d = v.get(p..e)?;
        if d.is_empty() {
            return None;
        }
        Some((crate::time::small_number(d)?, e))
    };
    while i < pattern.len() {
        let c = pattern[i];
        if c == b'\'' {
            // quoted literal; `''` is a quote
            let close = pattern[i + 1..].iter().position(|&x| x == b'\'').map(|k| i + 1 + k)?;
            let lit: &[u8] = if close == i + 1 { b"'" } else { &pattern[i + 1..close] };
            if !v.get(p..)?.starts_with(lit) {
                return None;
            }
            p += lit.len();
            i = close + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            if v.get(p) != Some(&c) {
                return None;
            }
            p += 1;
            i += 1;
            continue;
        }
        let n = run(pattern, i, |x| x == c) - i;
        i += n;
        match c {
            b'y' => {
                let (y, e) = number(p, if n == 2 { 2 } else { 4 }, 4)?;
                year = Some(if n == 2 { 2000 + i64::from(y) } else { i64::from(y) });
                p = e;
            }
            b'M' if n >= 3 => {
                month = Some(month_from_abbr(v.get(p..p + 3)?)?);
                p = if n == 3 { p + 3 } else { run(v, p, |x| x.is_ascii_alphabetic()) };
            }
            b'M' | b'd' | b'H' | b'm' | b's' => {
                let (x, e) = number(p, n, 2)?;
                match c {
                    b'M' => month = Some(x),
                    b'd' => day = Some(x),
                    b'H' => h = x,
                    b'm' => mi = x,
                    _ => s = x,
                }
                p = e;
            }
            b'S' => {
                let d = v.get(p..p + n)?;
                if !d.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let kept = &d[..n.min(6)];
                micros = i64::from(crate::time::small_number(kept)?) * 10i64.pow(6 - kept.len() as u32);
                p += n;
            }
            b'E' => p = run(v, p, |x| x.is_ascii_alphabetic()),
            b'Z' | b'X' => {
                let e = run(v, p, |x| x.is_ascii_digit() || matches!(x, b'+' | b'-' | b':' | b'Z'));
                zone = Zone::Offset(short_offset(&v[p..e]).or_else(|| parse_offset(&v[p..e]))?);
                p = e;
            }
            b'z' => {
                let e = run(v, p, |x| x.is_ascii_alphanumeric() || matches!(x, b'/' | b'_' | b'+' | b'-' | b':'));
                zone = zone_word(&v[p..e])?;
                p = e;
            }
            _ => return None,
        }
    }
    if p != v.len() {
        return None;
    }
    let (month, day) = (month?, day?);
    if !(1..=12).contains(&month) || day == 0 || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let micros_of_day = i64::from(h * 3600 + mi * 60 + s) * 1_000_000 + micros;
    let stamp = match year {
        Some(y) => {
            if day > days_in_month(y, month) {
                return None;
            }
            Stamp::Local(days_from_civil(y, month, day) * 86_400_000_000 + micros_of_day)
        }
        None if day <= days_in_month(2000, month) => Stamp::NoYear { month, day, micros_of_day },
        None => return None,
    };
    Some(DevTime { stamp, zone })
}

/// Turns device times into UTC: explicit offsets exactly; a zone named by the record (CEF
/// `dtz`, or a zone word that is an IANA name such as `Europe/Paris`) through that zone; any
/// other local reading (no zone, or an abbreviation like `CEST`, which is ambiguous across
/// the world) through `ParseCtx::tz` like the syslog header.
pub struct Times {
    pub clock: Clock,
    zones: Vec<(Box<[u8]>, Option<LocalClock>)>,
    ambiguous: u64,
    nonexistent: u64,
}

const ZONE_CACHE: usize = 16;

impl Times {
    pub fn new(ctx: &ParseCtx) -> Self {
        Times { clock: Clock::new(ctx), zones: Vec::new(), ambiguous: 0, nonexistent: 0 }
    }

    /// The clock of an IANA zone name (cached; `None` if it is not one).
    fn zone(&mut self, name: &[u8]) -> Option<&mut LocalClock> {
        let k = match self.zones.iter().position(|(n, _)| &n[..] == name) {
            Some(k) => k,
            None => {
                let tz = std::str::from_utf8(name).ok().and_then(crate::time::parse_zone);
                if self.zones.len() == ZONE_CACHE {
                    if let Some((_, Some(z))) = self.zones.pop() {
                        self.ambiguous += z.ambiguous;
                        self.nonexistent += z.nonexistent;
                    }
                }
                self.zones.push((name.into(), tz.map(LocalClock::new)));
                self.zones.len() - 1
            }
        };
        self.zones[k].1.as_mut()
    }

    /// UTC microseconds of a device time; `dtz` is the zone field of the record, if any.
    pub fn utc(&mut self, t: &DevTime, dtz: Option<&[u8]>) -> Result<Option<i64>, Reason> {
        let named = match t.zone {
            Zone::Offset(o) => {
                return Ok(self.clock.wall(t.stamp)?.map(|(w, local)| if local { w - o * 1_000_000 } else { w }));
            }
            Zone::Name(n) if n.contains(&b'/') => Some(n),
            _ => dtz,
        };
        if let Some(name) = named {
            if self.zone(name).is_some() {
                let Some((w, local)) = self.clock.wall(t.stamp)? else { return Ok(None) };
                if !local {
                    return Ok(Some(w));
                }
                let z = self.zone(name).expect("cached above");
                return Ok(Some(z.to_utc(w.div_euclid(1_000_000)) * 1_000_000 + w.rem_euclid(1_000_000)));
            }
        }
        self.clock.utc(t.stamp)
    }

    /// Set `ts` column `c` of `row` to the record's own time `t`, else to the time of the
    /// syslog header `stamp` in front of the record, if any.
    pub fn set_ts_or_header(&mut self, row: &mut Row, c: usize, t: Option<i64>, stamp: Option<Stamp>) -> Result<(), Reason> {
        let t = match (t, stamp) {
            (None, Some(st)) => self.clock.utc(st)?,
            (t, _) => t,
        };
        if let Some(us) = t {
            row.set_ts(c, us);
        }
        Ok(())
    }

    /// The chunk's time counts (the clock's, plus DST anomalies met in record zones).
    pub fn report(&self, parsed: &mut ParsedChunk) {
        self.clock.report(parsed);
        let (mut a, mut n) = (self.ambiguous, self.nonexistent);
        for z in self.zones.iter().filter_map(|(_, z)| z.as_ref()) {
            a += z.ambiguous;
            n += z.nonexistent;
        }
        parsed.ambiguous_times += a;
        parsed.nonexistent_times += n;
    }
}

/// Split a `|`-separated header: up to `n` fields, `\|` and `\\` escaped. Returns the fields
/// (span and whether it holds an escape) and the position after the last `|` read, or the
/// number of fields found when there are fewer than `n` separators.
pub fn pipe_fields<const N: usize>(line: &[u8], start: usize) -> Result<([(Span, bool); N], usize), usize> {
    let mut out = [((0usize, 0usize), false); N];
    let (mut p, mut fs, mut esc) = (start, start, false);
    let mut k = 0;
    while k < N {
        match memchr::memchr2(b'|', b'\\', &line[p..]) {
            None => return Err(k),
            Some(j) => {
                let q = p + j;
                if line[q] == b'\\' {
                    esc = true;
                    p = (q + 2).min(line.len());
                    continue;
                }
                out[k] = ((fs, q), esc);
                k += 1;
                p = q + 1;
                fs = p;
                esc = false;
            }
        }
    }
    Ok((out, p))
}

/// The text of a header field with `\|` and `\\` unescaped (other backslashes kept).
pub fn unescape_pipes(b: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && matches!(b[i + 1], b'|' | b'\\') {
            out.push(b[i + 1]);
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
}

/// Set string column `c` of a row from a header field (unescaped into the side buffer only
/// when it holds an escape).
pub fn header_field(row: &mut Row, c: usize, (span, escaped): (Span, bool)) {
    if !escaped {
        row.text(c, span);
        return;
    }
    let mut buf = Vec::new();
    unescape_pipes(&row.line()[span.0..span.1], &mut buf);
    if !buf.is_empty() {
        row.owned(c, &buf);
    }
}

/// The values of key `key` in the `extra` map column (first occurrence per row), as a column.
pub fn extra_value(batch: &RecordBatch, key: &str) -> ArrayRef {
    let n = batch.num_rows();
    let mut b = StringViewBuilder::with_capacity(n);
    let Some(map) = batch.column_by_name(super::typed::EXTRA).and_then(|a| a.as_any().downcast_ref::<MapArray>()) else {
        (0..n).for_each(|_| b.append_null());
        return Arc::new(b.finish());
    };
    let keys = map.keys().as_string_view();
    let values = map.values().as_string_view();
    let offsets = map.value_offsets();
    for i in 0..n {
        let (s, e) = (offsets[i] as usize, offsets[i + 1] as usize);
        match (s..e).find(|&j| keys.value(j) == key) {
            Some(j) if values.is_valid(j) => b.append_value(values.value(j)),
            _ => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

/// The host of a URL: with a scheme (`https://host:443/x`), or scheme-less as PAN-OS writes
/// it (`host/path`, `host:8080/path`). `None` for a path (`/index.html`) or an empty host.
pub fn url_domain(url: &str) -> Option<&str> {
    if url.contains("://") {
        return crate::events::url_host(url).map(|(s, e)| &url[s..e]);
    }
    if url.starts_with(['/', '?', '#']) {
        return None;
    }
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let auth = &url[..end];
    let host = if auth.starts_with('[') {
        &auth[..auth.find(']').map_or(auth.len(), |b| b + 1)]
    } else {
        auth.rsplit_once(':').map_or(auth, |(h, _)| h)
    };
    (!host.is_empty() && !host.contains(' ')).then_some(host)
}

/// A computed domain column: `first` where set, else the host of `url`.
pub fn domain_column(first: Option<&StringViewArray>, url: &StringViewArray) -> ArrayRef {
    super::normal::strings(url.len(), |i| {
        if let Some(f) = first.filter(|f| f.is_valid(i)) {
            return Some(f.value(i));
        }
        url.is_valid(i).then(|| url_domain(url.value(i))).flatten()
    })
}

/// A computed string column from a string column of the batch, row by row.
pub fn map_strings(batch: &RecordBatch, name: &str, f: impl Fn(&str) -> Option<&'static str>) -> ArrayRef {
    let n = batch.num_rows();
    match batch.column_by_name(name) {
        Some(a) => {
            let a = a.as_string_view();
            super::normal::strings(n, |i| a.is_valid(i).then(|| f(a.value(i))).flatten())
        }
        None => super::normal::strings::<&str>(n, |_| None),
    }
}

/// The protocol column of the events (`normal::proto` of a string column).
pub fn proto_column(batch: &RecordBatch, name: &str) -> ArrayRef {
    let n = batch.num_rows();
    match batch.column_by_name(name) {
        Some(a) => {
            let a = a.as_string_view();
            super::normal::strings(n, |i| a.is_valid(i).then(|| super::normal::proto(a.value(i))).flatten())
        }
        None => super::normal::strings::<&str>(n, |_| None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000;

    fn local(y: i64, m: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + (h * 3600 + mi * 60 + s) * 1_000_000
    }

    #[test]
    fn split_headers() {
        let cef = |b: &[u8]| b.starts_with(b"CEF:");
        let l = b"May  6 09:24:05 proxy01 CEF:0|a|b|c|d|e|1|";
        let f = split(l, cef, "CEF").unwrap();
        assert_eq!(&l[f.payload..f.payload + 4], b"CEF:");
        assert_eq!(f.host, Some((16, 23)));
        assert!(matches!(f.stamp, Some(Stamp::NoYear { .. })));
        assert_eq!(split(b"CEF:0|x", cef, "CEF").unwrap().payload, 0);
        assert_eq!(split(b"<134>CEF:0|x", cef, "CEF").unwrap().payload, 5);
        let l = b"<134>May  6 09:24:05 CEF:0|a|b c|d|e|f|1|";
        let f = split(l, cef, "CEF").unwrap();
        assert_eq!((f.host, f.payload), (None, 21));
        let l = b"<14>1 2024-05-06T07:24:05Z fw app - - - CEF:0|a|b|c|d|e|1|";
        let f = split(l, cef, "CEF").unwrap();
        assert_eq!(&l[f.payload..f.payload + 4], b"CEF:");
        assert!(matches!(f.stamp, Some(Stamp::Utc(_))));
        let l = b"May  6 09:24:05 host app[12]: CEF:0|a";
        assert_eq!(&l[split(l, cef, "CEF").unwrap().payload..][..4], b"CEF:");
        let l = b"535 <14>1 2020-03-27T09:57:41+01:00 PA-VM - - - - CEF:0|a";
        let f = split(l, cef, "CEF").unwrap();
        assert_eq!((&l[f.payload..f.payload + 4], f.host.map(|(s, e)| &l[s..e])), (&b"CEF:"[..], Some(&b"PA-VM"[..])));
        assert!(split(b"May  6 09:24:05 host hello", cef, "CEF").is_err());
        assert!(split(b"12 <13>hello", cef, "CEF").is_err());
        assert!(split(b"hello CEF:0|", cef, "CEF").is_err());
    }

    #[test]
    fn text_times() {
        let t = device_time(b"May 06 2024 09:24:07 CEST").unwrap();
        assert_eq!(t.stamp, Stamp::Local(local(2024, 5, 6, 9, 24, 7)));
        assert_eq!(t.zone, Zone::Name(b"CEST"));
        let t = device_time(b"May 06 2024 09:24:07.250 +0200").unwrap();
        assert_eq!(t.stamp, Stamp::Local(local(2024, 5, 6, 9, 24, 7) + 250_000));
        assert_eq!(t.zone, Zone::Offset(7200));
        assert_eq!(device_time(b"May 06 09:24:07 GMT").unwrap().zone, Zone::Offset(0));
        assert_eq!(device_time(b"May 06 09:24:07 GMT+02:00").unwrap().zone, Zone::Offset(7200));
        assert_eq!(device_time(b"May 06 09:24:07 UTC-5").unwrap().zone, Zone::Offset(-18000));
        assert!(matches!(device_time(b"May 06 09:24:07").unwrap().stamp, Stamp::NoYear { month: 5, day: 6, .. }));
        assert_eq!(device_time(b"1714980245000").unwrap().stamp, Stamp::Utc(1_714_980_245_000_000));
        assert_eq!(device_time(b"1714980245").unwrap().stamp, Stamp::Utc(1_714_980_245_000_000));
        for bad in [&b"May 06 2024 09:24:07 +99"[..], b"Foo 06 2024 09:24:07", b"May 06 2024 09:24", b"", b"May 06 2024 09:24:07  ", b"12a"]
        {
            assert!(device_time(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn java_patterns() {
        let t = java_time(b"yyyy-MM-dd'T'HH:mm:ss.SSSZ", b"2017-10-18T11:26:03.060+0200").unwrap();
        assert_eq!(t.stamp, Stamp::Local(local(2017, 10, 18, 11, 26, 3) + 60_000));
        assert_eq!(t.zone, Zone::Offset(7200));
        let t = java_time(b"yyyy-MM-dd HH:mm:ss", b"2024-05-06 09:25:11").unwrap();
        assert_eq!((t.stamp, t.zone), (Stamp::Local(local(2024, 5, 6, 9, 25, 11)), Zone::None));
        let t = java_time(b"MMM dd yyyy HH:mm:ss.SSS zzz", b"May 06 2024 09:25:11.204 CEST").unwrap();
        assert_eq!(t.zone, Zone::Name(b"CEST"));
        let t = java_time(b"yyyy-MM-dd'T'HH:mm:ssXXX", b"2024-05-06T07:25:11Z").unwrap();
        assert_eq!(t.zone, Zone::Offset(0));
        let t = java_time(b"EEE, d MMMM yy H:mm:ss", b"Mon, 6 May 24 9:25:11").unwrap();
        assert_eq!(t.stamp, Stamp::Local(local(2024, 5, 6, 9, 25, 11)));
        assert!(java_time(b"hh:mm a", b"09:25 AM").is_none());
        assert!(java_time(b"yyyy-MM-dd", b"2024-02-30").is_none());
        assert!(java_time(b"yyyy-MM-dd HH:mm:ss", b"2024-05-06 09:25:11 extra").is_none());
        assert!(java_time(b"'unterminated", b"x").is_none());
        // hostile: many one-letter fields over a long run of digits
        let pattern = "d".repeat(20_000);
        let value = "1".repeat(40_000);
        assert!(java_time(pattern.as_bytes(), value.as_bytes()).is_none());
    }

    #[test]
    fn zones_from_records() {
        let ctx = ParseCtx { tz: crate::time::parse_zone("Europe/Paris"), year: Some(2024), header: None };
        let mut t = Times::new(&ctx);
        let cest = device_time(b"May 06 2024 09:24:07 CEST").unwrap();
        // named abbreviation: ctx.tz (Paris, summer: UTC+2)
        assert_eq!(t.utc(&cest, None).unwrap(), Some(local(2024, 5, 6, 7, 24, 7)));
        // dtz wins over ctx.tz
        assert_eq!(t.utc(&cest, Some(b"America/New_York")).unwrap(), Some(local(2024, 5, 6, 13, 24, 7)));
        // a dtz that is not a zone name: ctx.tz
        assert_eq!(t.utc(&cest, Some(b"Nowhere")).unwrap(), Some(local(2024, 5, 6, 7, 24, 7)));
        let off = device_time(b"May 06 09:24:07 +0000").unwrap();
        assert_eq!(t.utc(&off, Some(b"America/New_York")).unwrap(), Some(local(2024, 5, 6, 9, 24, 7)));
        let epoch = device_time(b"1714980245000").unwrap();
        assert_eq!(t.utc(&epoch, Some(b"America/New_York")).unwrap(), Some(1_714_980_245_000_000));
    }

    #[test]
    fn header_pipes() {
        let l = br"CEF:0|V|Ex\|Gw|1\\|id|n|5|ext";
        let (f, end) = pipe_fields::<7>(l, 0).unwrap();
        assert_eq!(&l[f[2].0 .0..f[2].0 .1], br"Ex\|Gw");
        assert!(f[2].1 && f[3].1 && !f[1].1);
        assert_eq!(&l[end..], b"ext");
        let mut out = Vec::new();
        unescape_pipes(br"Ex\|Gw\\x\n", &mut out);
        assert_eq!(out, br"Ex|Gw\x\n");
        assert_eq!(pipe_fields::<7>(b"CEF:0|a|b|c", 0).unwrap_err(), 3);
        assert_eq!(pipe_fields::<3>(br"a\|b\", 0).unwrap_err(), 0);
    }

    #[test]
    fn domains() {
        assert_eq!(url_domain("https://blocked.example.net:443/x"), Some("blocked.example.net"));
        assert_eq!(url_domain("blocked.example.net/download.exe"), Some("blocked.example.net"));
        assert_eq!(url_domain("www.example.com:8080"), Some("www.example.com"));
        assert_eq!(url_domain("/index.html"), None);
        assert_eq!(url_domain(""), None);
    }
}
