//! Syslog framing: the header in front of a syslog message, as written to files by syslogd,
//! rsyslog and syslog-ng, or received from devices. Reused by every format that travels inside
//! syslog (zimbra.log, /var/log/messages, and the firewall formats), so it knows nothing of the
//! message: it returns the header fields and the message's span in the line.
//!
//! Accepted shapes (the `<PRI>` prefix is optional on all BSD forms):
//! - RFC 3164: `Mmm dd HH:MM:SS host tag[pid]: msg`, the day space-padded (`Sep  6`) or not,
//!   no year, local time; optional fraction (`HH:MM:SS.mmm`) and optional year after the day
//!   (Cisco: `Oct 10 2018 12:34:56`);
//! - the same with an RFC 3339 stamp (rsyslog's high-precision template):
//!   `2015-05-25T13:24:54.305138-03:00 host tag[pid]: msg`, offset used when present, local
//!   time otherwise;
//! - RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`, `-` for nulls, structured
//!   data kept raw, a UTF-8 BOM before MSG dropped;
//! - a missing host (`<134>Mmm dd HH:MM:SS filterlog[pid]: …`), a missing tag (`host msg`),
//!   a tag with slashes (`postfix/amavisd/smtpd[21803]:`), a tag without pid (`su:`).
//!
//! A forward scanner: every step moves right, so a line is read in time linear in its length.
//!
//! Use from a format of syslog-wrapped lines (FortiGate, Stormshield, pfSense, netfilter...):
//! `let h = syslog_header::parse(line)?;` gives the header fields as spans and `h.msg`, the span
//! of the payload to hand to the format's own scanner; a [`Clock`] made once per chunk from the
//! [`ParseCtx`] turns `h.stamp` into UTC (year and roll-over for BSD stamps, `tz` for local
//! ones, DST counts in [`Clock::zone`]).

use crate::time::{days_from_civil, days_in_month, month_from_abbr, parse_offset, LocalClock};
use crate::year;

use super::ncsa::Span;
use super::{ParseCtx, Reason};

/// When the header says the record was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// BSD `Mmm dd HH:MM:SS[.frac]`: no year, local time. `micros_of_day` counts from 00:00.
    NoYear { month: u32, day: u32, micros_of_day: i64 },
    /// A full date and time without offset, local time: microseconds since the epoch of the
    /// wall-clock reading as if it were UTC.
    Local(i64),
    /// An instant: UTC microseconds since the epoch.
    Utc(i64),
    /// RFC 5424 `-`: the sender did not know the time.
    Unknown,
}

/// Which header shape the line had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Bsd,
    Rfc3339,
    Rfc5424,
}

/// The header fields of one syslog line, as spans of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub framing: Framing,
    /// The PRI value (facility × 8 + severity), when the line starts with `<PRI>`.
    pub pri: Option<u8>,
    pub stamp: Stamp,
    pub host: Option<Span>,
    /// The tag / APP-NAME (`postfix/smtpd`, `sshd`).
    pub program: Option<Span>,
    /// The text between `[` and `]` after the tag, or RFC 5424 PROCID (not always a number).
    pub pid: Option<Span>,
    /// RFC 5424 MSGID.
    pub msgid: Option<Span>,
    /// RFC 5424 STRUCTURED-DATA, raw (`[id k="v"][id2]`).
    pub sd: Option<Span>,
    /// The message: from after the header to the end of the line (may be empty).
    pub msg: Span,
}

impl Header {
    pub fn facility(&self) -> Option<u8> {
        self.pri.map(|p| p >> 3)
    }
    pub fn severity(&self) -> Option<u8> {
        self.pri.map(|p| p & 7)
    }
    /// The pid as a number, when it is one.
    pub fn pid_u32(&self, line: &[u8]) -> Option<u32> {
        let (s, e) = self.pid?;
        let b = &line[s..e];
        if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        b.iter().try_fold(0u32, |a, &c| a.checked_mul(10)?.checked_add(u32::from(c - b'0')))
    }
}

#[inline]
fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// `<PRI>` at the start: the value and the position after `>`.
fn pri(line: &[u8]) -> Option<(u8, usize)> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let close = line.iter().take(5).position(|&c| c == b'>')?;
    let v = num(&line[1..close])?;
    (v <= 191).then_some((v as u8, close + 1))
}

/// `HH:MM:SS[.frac]` at `p`: microseconds of the day and the position after it.
fn clock(line: &[u8], p: usize) -> Option<(i64, usize)> {
    let b = line.get(p..p + 8)?;
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, s) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut end = p + 8;
    let mut micros = 0i64;
    if line.get(end) == Some(&b'.') {
        let fs = end + 1;
        let mut fe = fs;
        while fe < line.len() && line[fe].is_ascii_digit() {
            fe += 1;
        }
        if fe == fs {
            return None;
        }
        let kept = &line[fs..fe.min(fs + 6)]; // sub-microsecond digits are dropped
        micros = i64::from(num(kept)?) * 10i64.pow(6 - kept.len() as u32);
        end = fe;
    }
    Some((i64::from(h * 3600 + mi * 60 + s) * 1_000_000 + micros, end))
}

/// The month of a BSD stamp (after an optional `<PRI>`), for placing yearless files in time.
pub fn bsd_month(line: &[u8]) -> Option<u32> {
    let p = pri(line).map_or(0, |(_, p)| p);
    let m = month_from_abbr(line.get(p..p + 3)?)?;
    (line.get(p + 3) == Some(&b' ')).then_some(m)
}

/// BSD `Mmm dd [yyyy ]HH:MM:SS[.frac]` at `p`: the stamp and the position after it.
pub fn bsd_stamp(line: &[u8], p: usize) -> Option<(Stamp, usize)> {
    let month = month_from_abbr(line.get(p..p + 3)?)?;
    if line.get(p + 3) != Some(&b' ') {
        return None;
    }
    let mut q = p + 4;
    if line.get(q) == Some(&b' ') {
        q += 1; // space-padded day: `Sep  6`
    }
    let ds = q;
    while q < line.len() && q - ds < 2 && line[q].is_ascii_digit() {
        q += 1;
    }
    let day = num(&line[ds..q])?;
    if day == 0 || day > 31 || line.get(q) != Some(&b' ') {
        return None;
    }
    q += 1;
    // optional year (Cisco `Oct 10 2018 12:34:56`)
    let mut year = None;
    if line.get(q + 4) == Some(&b' ') && line.get(q + 2) != Some(&b':') {
        if let Some(y) = line.get(q..q + 4).and_then(num) {
            year = Some(i64::from(y));
            q += 5;
        }
    }
    let (micros_of_day, end) = clock(line, q)?;
    let stamp = match year {
        Some(y) => {
            if day > days_in_month(y, month) {
                return None;
            }
            Stamp::Local(days_from_civil(y, month, day) * 86_400_000_000 + micros_of_day)
        }
        None => {
            if day > days_in_month(2000, month) {
                return None; // Feb 29 is allowed here; the year decides later
            }
            Stamp::NoYear { month, day, micros_of_day }
        }
    };
    Some((stamp, end))
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM]` at `p`, up to the next space or the
/// end of the line. Without an offset the time is local.
pub fn rfc3339(line: &[u8], p: usize) -> Option<(Stamp, usize)> {
    let b = line.get(p..p + 19)?;
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let (y, m, d) = (i64::from(num(&b[0..4])?), num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let (micros_of_day, mut q) = clock(line, p + 11)?;
    let local = days_from_civil(y, m, d) * 86_400_000_000 + micros_of_day;
    let end = memchr::memchr(b' ', &line[q..]).map_or(line.len(), |k| q + k);
    if q == end {
        return Some((Stamp::Local(local), end));
    }
    let off = parse_offset(&line[q..end])?;
    q = end;
    Some((Stamp::Utc(local - off * 1_000_000), q))
}

/// The next space-delimited token at `p` (exactly one space expected before it was consumed):
/// its span and the position after it (at the space or the end of the line).
#[inline]
fn token(line: &[u8], p: usize) -> Span {
    // host names and tags are short: a plain loop beats memchr's setup here
    let e = line[p..].iter().position(|&c| c == b' ').map_or(line.len(), |k| p + k);
    (p, e)
}

#[inline]
fn skip_spaces(line: &[u8], mut p: usize) -> usize {
    while p < line.len() && line[p] == b' ' {
        p += 1;
    }
    p
}

/// A tag at `span`: `prog[pid]:` or `prog:`. Returns the program span, the pid span and
/// the position after the colon.
fn tag(line: &[u8], span: Span) -> Option<(Span, Option<Span>, usize)> {
    let (s, e) = span;
    let t = &line[s..e];
    if t.len() < 2 || *t.last()? != b':' {
        return None;
    }
    let body = &t[..t.len() - 1];
    // one pass: the program ends at `[`; it holds no `]`, `:` or `"`
    let mut open = None;
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'[' => {
                open = Some(i);
                break;
            }
            b']' | b':' | b'"' => return None,
            _ => {}
        }
    }
    match open {
        Some(0) => None,
        Some(o) if *body.last()? == b']' => Some(((s, s + o), Some((s + o + 1, s + body.len() - 1)), e)),
        Some(_) => None,
        None => Some(((s, s + body.len()), None, e)),
    }
}

/// Parse the syslog header of `line`.
pub fn parse(line: &[u8]) -> Result<Header, &'static str> {
    let (pri_v, mut p) = match pri(line) {
        Some((v, p)) => (Some(v), p),
        None => (None, 0),
    };
    // RFC 5424: `<PRI>1 `
    if pri_v.is_some() && line.get(p) == Some(&b'1') && line.get(p + 1) == Some(&b' ') {
        return rfc5424(line, pri_v, p + 2);
    }
    let (stamp, framing, end) = if let Some((st, e)) = bsd_stamp(line, p) {
        (st, Framing::Bsd, e)
    } else if let Some((st, e)) = rfc3339(line, p) {
        (st, Framing::Rfc3339, e)
    } else {
        return Err("no syslog timestamp (Mmm dd HH:MM:SS or RFC 3339) at the start");
    };
    p = end;
    let mut h =
        Header { framing, pri: pri_v, stamp, host: None, program: None, pid: None, msgid: None, sd: None, msg: (line.len(), line.len()) };
    if p == line.len() {
        return Ok(h);
    }
    if line[p] != b' ' {
        return Err("no space after the syslog timestamp");
    }
    p = skip_spaces(line, p);
    if p == line.len() {
        return Ok(h);
    }
    // first token: a tag (no host) or the host
    let t1 = token(line, p);
    if let Some((prog, pid, after)) = tag(line, t1) {
        h.program = Some(prog);
        h.pid = pid;
        h.msg = msg_after_tag(line, after);
        return Ok(h);
    }
    h.host = Some(t1);
    p = skip_spaces(line, t1.1);
    if p == line.len() {
        h.msg = (p, p);
        return Ok(h);
    }
    let t2 = token(line, p);
    if let Some((prog, pid, after)) = tag(line, t2) {
        h.program = Some(prog);
        h.pid = pid;
        h.msg = msg_after_tag(line, after);
    } else {
        h.msg = (p, line.len()); // `host msg`: no tag
    }
    Ok(h)
}

#[inline]
fn msg_after_tag(line: &[u8], after: usize) -> Span {
    let s = if line.get(after) == Some(&b' ') { after + 1 } else { after };
    (s, line.len())
}

/// `-` as null.
#[inline]
fn nil(line: &[u8], s: Span) -> Option<Span> {
    (&line[s.0..s.1] != b"-").then_some(s)
}

fn rfc5424(line: &[u8], pri_v: Option<u8>, mut p: usize) -> Result<Header, &'static str> {
    const SHORT: &str = "RFC 5424 header cut short (expected TIMESTAMP HOST APP PROCID MSGID SD)";
    let ts = token(line, p);
    let stamp = if &line[ts.0..ts.1] == b"-" {
        Stamp::Unknown
    } else {
        match rfc3339(line, p) {
            Some((st, e)) if e == ts.1 => st,
            _ => return Err("bad RFC 5424 timestamp"),
        }
    };
    let mut fields = [(0usize, 0usize); 4];
    p = ts.1;
    for f in &mut fields {
        if line.get(p) != Some(&b' ') {
            return Err(SHORT);
        }
        p += 1;
        *f = token(line, p);
        if f.0 == f.1 {
            return Err(SHORT);
        }
        p = f.1;
    }
    let [host, app, procid, msgid] = fields;
    if line.get(p) != Some(&b' ') {
        return Err(SHORT);
    }
    p += 1;
    let (sd, mut after) = if line.get(p) == Some(&b'-') {
        (None, p + 1)
    } else if line.get(p) == Some(&b'[') {
        match sd_end(line, p) {
            Some(e) => (Some((p, e)), e),
            // lenient: an SD we cannot close stays in the message rather than being lost
            None => (None, p),
        }
    } else {
        return Err("RFC 5424 structured data must be '-' or start with '['");
    };
    if line.get(after) == Some(&b' ') {
        after += 1;
    }
    if line[after..].starts_with(b"\xEF\xBB\xBF") {
        after += 3;
    }
    Ok(Header {
        framing: Framing::Rfc5424,
        pri: pri_v,
        stamp,
        host: nil(line, host),
        program: nil(line, app),
        pid: nil(line, procid),
        msgid: nil(line, msgid),
        sd,
        msg: (after, line.len()),
    })
}

/// The end of RFC 5424 structured data starting with `[` at `p`: one or more `[...]`
/// elements, `\"`, `\\` and `\]` escaped inside quoted values. `None` if unterminated.
fn sd_end(line: &[u8], mut p: usize) -> Option<usize> {
    while line.get(p) == Some(&b'[') {
        p += 1;
        let mut in_quotes = false;
        loop {
            let c = *line.get(p)?;
            match c {
                b'\\' if in_quotes => p += 2,
                b'"' => {
                    in_quotes = !in_quotes;
                    p += 1;
                }
                b']' if !in_quotes => {
                    p += 1;
                    break;
                }
                _ => p += 1,
            }
        }
    }
    Some(p)
}

/// Turns header stamps into UTC microseconds: the year of yearless stamps (with roll-over) and
/// the zone of local ones.
pub struct Clock {
    year: i32,
    last_month: Option<u32>,
    zone: Option<LocalClock>,
    /// Stamps read as local wall-clock time, and of those, stamps without a year.
    local_stamps: u64,
    yearless_stamps: u64,
}

impl Clock {
    pub fn new(ctx: &ParseCtx) -> Self {
        Clock { year: ctx.year.unwrap_or(1970), last_month: None, zone: ctx.tz.map(LocalClock::new), local_stamps: 0, yearless_stamps: 0 }
    }

    /// The zone clock (with its DST counts), when a zone was given.
    pub fn zone(&self) -> Option<&LocalClock> {
        self.zone.as_ref()
    }

    /// What the chunk's summary needs from the clock: DST anomalies, and whether any stamp was
    /// local time (so the file depended on `tz`) or had no year (so it depended on `year`).
    pub fn report(&self, parsed: &mut super::ParsedChunk) {
        if let Some(z) = &self.zone {
            parsed.ambiguous_times = z.ambiguous;
            parsed.nonexistent_times = z.nonexistent;
        }
        parsed.local_times = self.local_stamps;
        parsed.yearless_times = self.yearless_stamps;
    }

    /// Local wall-clock microseconds to UTC.
    pub fn local(&mut self, micros: i64) -> i64 {
        self.local_stamps += 1;
        match &mut self.zone {
            Some(z) => z.to_utc(micros.div_euclid(1_000_000)) * 1_000_000 + micros.rem_euclid(1_000_000),
            None => micros,
        }
    }

    pub fn utc(&mut self, stamp: Stamp) -> Result<Option<i64>, Reason> {
        Ok(match self.wall(stamp)? {
            Some((t, true)) => Some(self.local(t)),
            Some((t, false)) => Some(t),
            None => None,
        })
    }

    /// The reading of a stamp before any zone is applied: `(micros, true)` for a local
    /// wall-clock reading (the year of BSD stamps resolved as in [`Clock::utc`]), `(micros,
    /// false)` for an instant. For formats whose records carry their own zone (CEF `dtz`).
    pub fn wall(&mut self, stamp: Stamp) -> Result<Option<(i64, bool)>, Reason> {
        Ok(match stamp {
            Stamp::Utc(t) => Some((t, false)),
            Stamp::Local(t) => Some((t, true)),
            Stamp::Unknown => None,
            Stamp::NoYear { month, day, micros_of_day } => {
                self.yearless_stamps += 1;
                if let Some(prev) = self.last_month {
                    if year::rolls_over(prev, month) {
                        self.year += 1;
                    }
                }
                self.last_month = Some(month);
                let y = i64::from(self.year);
                if month == 2 && day == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) {
                    return Err(format!("Feb 29 in {y}, not a leap year (check year=)").into());
                }
                Some((days_from_civil(y, month, day) * 86_400_000_000 + micros_of_day, true))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(line: &[u8], sp: Option<Span>) -> Option<&str> {
        sp.map(|(a, b)| std::str::from_utf8(&line[a..b]).unwrap())
    }

    fn h(line: &str) -> Header {
        parse(line.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn bsd_padded_day_program_with_slashes() {
        let l = "Jun 16 11:41:14 msdplantations postfix/amavisd/smtpd[21803]: connect from localhost[127.0.0.1]";
        let x = h(l);
        let b = l.as_bytes();
        assert_eq!(x.framing, Framing::Bsd);
        assert_eq!(x.stamp, Stamp::NoYear { month: 6, day: 16, micros_of_day: (11 * 3600 + 41 * 60 + 14) * 1_000_000 });
        assert_eq!(s(b, x.host), Some("msdplantations"));
        assert_eq!(s(b, x.program), Some("postfix/amavisd/smtpd"));
        assert_eq!(s(b, x.pid), Some("21803"));
        assert_eq!(x.pid_u32(b), Some(21803));
        assert_eq!(s(b, Some(x.msg)), Some("connect from localhost[127.0.0.1]"));
        assert_eq!(x.pri, None);

        let l = "Sep  7 15:15:49 hostname clamd[2789]: SelfCheck: Database status OK.";
        let x = h(l);
        assert_eq!(x.stamp, Stamp::NoYear { month: 9, day: 7, micros_of_day: (15 * 3600 + 15 * 60 + 49) * 1_000_000 });
        assert_eq!(s(l.as_bytes(), Some(x.msg)), Some("SelfCheck: Database status OK."));
        // unpadded single-digit day and zero-padded day also read
        assert!(matches!(h("Sep 7 15:15:49 h p: m").stamp, Stamp::NoYear { day: 7, .. }));
        assert!(matches!(h("Sep 07 15:15:49 h p: m").stamp, Stamp::NoYear { day: 7, .. }));
    }

    #[test]
    fn pri_no_host_no_tag() {
        let l = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
        let x = h(l);
        let b = l.as_bytes();
        assert_eq!(x.pri, Some(34));
        assert_eq!((x.facility(), x.severity()), (Some(4), Some(2)));
        assert_eq!(s(b, x.program), Some("su"));
        assert_eq!(x.pid, None);
        assert_eq!(s(b, Some(x.msg)), Some("'su root' failed for lonvick on /dev/pts/8"));

        let l = "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!";
        let x = h(l);
        assert_eq!(s(l.as_bytes(), x.host), Some("10.0.0.99"));
        assert_eq!(x.program, None);
        assert_eq!(s(l.as_bytes(), Some(x.msg)), Some("Use the BFG!"));

        let l = "<134>Sep  6 10:15:32 filterlog[4242]: 5,,,1000000103,igb0,match,block,in,4,0x0";
        let x = h(l);
        assert_eq!(x.host, None);
        assert_eq!(s(l.as_bytes(), x.program), Some("filterlog"));
        assert_eq!(s(l.as_bytes(), Some(x.msg)), Some("5,,,1000000103,igb0,match,block,in,4,0x0"));
    }

    #[test]
    fn rfc3339_with_offset_and_without() {
        let l = "2015-05-25T13:24:54.305138-03:00 mta-in-01 amavis[31520]: (31520-03) Passed CLEAN";
        let x = h(l);
        assert_eq!(x.framing, Framing::Rfc3339);
        // 2015-05-25T16:24:54.305138Z
        let utc = (days_from_civil(2015, 5, 25) * 86_400 + 16 * 3600 + 24 * 60 + 54) * 1_000_000 + 305_138;
        assert_eq!(x.stamp, Stamp::Utc(utc));
        assert_eq!(s(l.as_bytes(), x.program), Some("amavis"));
        let x = h("2024-05-06T09:15:30.412034 fw kernel: x");
        let local = (days_from_civil(2024, 5, 6) * 86_400 + 9 * 3600 + 15 * 60 + 30) * 1_000_000 + 412_034;
        assert_eq!(x.stamp, Stamp::Local(local));
        assert!(matches!(h("2024-05-06T09:15:30+0400 fw kernel: x").stamp, Stamp::Utc(_)));
        assert!(matches!(h("2024-05-06T09:15:30Z fw kernel: x").stamp, Stamp::Utc(_)));
    }

    #[test]
    fn rfc5424_examples() {
        let l = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8";
        let x = h(l);
        let b = l.as_bytes();
        assert_eq!(x.framing, Framing::Rfc5424);
        assert_eq!(s(b, x.host), Some("mymachine.example.com"));
        assert_eq!(s(b, x.program), Some("su"));
        assert_eq!(x.pid, None);
        assert_eq!(s(b, x.msgid), Some("ID47"));
        assert_eq!(x.sd, None);
        assert_eq!(s(b, Some(x.msg)), Some("'su root' failed for lonvick on /dev/pts/8"));
        let l = r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#;
        let x = h(l);
        let b = l.as_bytes();
        assert_eq!(
            s(b, x.sd),
            Some(r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#)
        );
        assert_eq!(s(b, Some(x.msg)), Some(""));
        let l = r#"<165>1 - - - - - [a x="q\"]z"] msg"#;
        let x = h(l);
        assert_eq!(x.stamp, Stamp::Unknown);
        assert_eq!((x.host, x.program, x.pid, x.msgid), (None, None, None, None));
        assert_eq!(s(l.as_bytes(), x.sd), Some(r#"[a x="q\"]z"]"#));
        assert_eq!(s(l.as_bytes(), Some(x.msg)), Some("msg"));
        let l = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.";
        let x = h(l);
        assert_eq!(x.pid_u32(l.as_bytes()), Some(8710));
        assert_eq!(s(l.as_bytes(), Some(x.msg)), Some("%% It's time to make the do-nuts."));
        // unterminated SD: the message keeps it
        let l = r#"<165>1 - h a - - [x y="z msg"#;
        let x = h(l);
        assert_eq!(x.sd, None);
        assert_eq!(s(l.as_bytes(), Some(x.msg)), Some(r#"[x y="z msg"#));
    }

    #[test]
    fn cisco_year_and_bad_headers() {
        let x = h("Oct 10 2018 12:34:56 asa : %ASA-6-302013: Built");
        assert_eq!(x.stamp, Stamp::Local((days_from_civil(2018, 10, 10) * 86_400 + 12 * 3600 + 34 * 60 + 56) * 1_000_000));
        for l in [
            "",
            "Sep",
            "Sep  6",
            "Sep 32 10:00:00 h p: m",
            "Feb 30 10:00:00 h x",
            "Sep  6 25:00:00 h x",
            "<999>Sep  6 10:00:00 h x",
            "2022-13-01T00:00:00Z h x",
            "<1>1 2022-01-01 h",
            "Sep  6 10:15:32x",
        ] {
            assert!(parse(l.as_bytes()).is_err(), "{l}");
        }
        assert_eq!(bsd_month(b"<13>Dec 31 23:59:59 h x"), Some(12));
        assert_eq!(bsd_month(b"2015-05-25T13:24:54Z h x"), None);
    }
}
