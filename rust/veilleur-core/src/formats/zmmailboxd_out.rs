//! `zmmailboxd_out`: mailboxd's stdout/stderr, `/opt/zimbra/log/zmmailboxd.out`. Records are
//! Jetty StdErrLog lines, `yyyy-MM-dd HH:mm:ss.SSS:LEVEL:logger:thread: message` (local time;
//! the thread part may be missing, as in `...:WARN:oejs.DoSFilter:DOS ALERT:ip=...`). Raw JVM
//! output and stack traces after a record are its continuation lines: the row keeps the first
//! line's message and the following lines in `trace`, and `n_lines` counts them all.
//!
//! The thread is the text before the first `: ` when that text holds no space (thread names
//! such as `main`, `qtp123-45:https://host/service/soap/` do not); otherwise there is none and
//! the whole text after the logger is the message.

use std::sync::Arc;

use arrow_array::types::{TimestampMicrosecondType, UInt32Type};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::chunk::Chunk;
use crate::columns::{PrimCol, StrCol};
use crate::time::days_from_civil;

use super::ncsa::Span;
use super::syslog_header::Clock;
use super::{drive_records, ParseCtx, ParsedChunk, Reason};

pub fn fields() -> Vec<Field> {
    vec![
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
        Field::new("level", DataType::Utf8View, false),
        Field::new("logger", DataType::Utf8View, false),
        Field::new("thread", DataType::Utf8View, true),
        Field::new("message", DataType::Utf8View, false),
        Field::new("trace", DataType::Utf8View, true),
        Field::new("n_lines", DataType::UInt32, false),
    ]
}

#[inline]
fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// Whether a line starts a record: `dddd-dd-dd dd:dd:dd.ddd:`.
pub fn record_start(line: &[u8]) -> bool {
    const SHAPE: &[u8; 24] = b"0000-00-00 00:00:00.000:";
    line.len() >= 24 && SHAPE.iter().zip(line).all(|(&s, &c)| if s == b'0' { c.is_ascii_digit() } else { c == s })
}

/// `yyyy-MM-dd HH:mm:ss.SSS` → local microseconds.
fn stamp(b: &[u8]) -> Option<i64> {
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (h, mi, s, ms) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?, num(&b[20..23])?);
    let dim = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > dim || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some((days_from_civil(i64::from(y), m, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s)) * 1_000_000 + i64::from(ms) * 1000)
}

/// One record's fields.
#[derive(Default, Debug)]
pub struct Record {
    pub local: i64,
    pub level: Span,
    pub logger: Span,
    pub thread: Option<Span>,
    pub message: Span,
    pub trace: Option<Span>,
}

/// Parse a record (its first line and any continuation lines, joined by `\n`).
pub fn parse(rec: &[u8], r: &mut Record) -> Result<(), Reason> {
    if !record_start(rec) {
        return Err("no yyyy-MM-dd HH:mm:ss.SSS: timestamp at the start".into());
    }
    let nl = memchr::memchr(b'\n', rec);
    let mut end = nl.unwrap_or(rec.len());
    if end > 0 && rec[end - 1] == b'\r' {
        end -= 1;
    }
    if let Some(n) = nl {
        if n + 1 < rec.len() {
            r.trace = Some((n + 1, rec.len()));
        }
    }
    let line = &rec[..end];
    r.local = stamp(line).ok_or("bad date or time")?;
    let ls = 24;
    let le = memchr::memchr(b':', &line[ls..]).ok_or("expected :LEVEL: after the timestamp")? + ls;
    if le == ls || !line[ls..le].iter().all(u8::is_ascii_uppercase) {
        return Err("bad level".into());
    }
    r.level = (ls, le);
    let gs = le + 1;
    let ge = memchr::memchr(b':', &line[gs..]).ok_or("expected :logger: after the level")? + gs;
    if ge == gs || line[gs..ge].contains(&b' ') {
        return Err("bad logger name".into());
    }
    r.logger = (gs, ge);
    let ts = ge + 1;
    match memchr::memmem::find(&line[ts..], b": ") {
        Some(k) if k > 0 && !line[ts..ts + k].contains(&b' ') => {
            r.thread = Some((ts, ts + k));
            r.message = (ts + k + 2, end);
        }
        _ => r.message = (ts, end),
    }
    Ok(())
}

pub fn matches(line: &[u8]) -> bool {
    parse(line, &mut Record::default()).is_ok()
}

pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let n = memchr::memchr_iter(b'\n', &chunk.data).count() + 1;
    let mut ts = PrimCol::<TimestampMicrosecondType>::with_capacity(n);
    let mut n_lines = PrimCol::<UInt32Type>::with_capacity(n);
    let mut strs: Vec<StrCol> = (0..5).map(|_| StrCol::with_capacity(n)).collect();
    let mut clock = Clock::new(ctx);
    let mut parsed = drive_records(chunk, Some(record_start), |rec, block, base, _, lines| {
        let mut r = Record::default();
        parse(rec, &mut r)?;
        let at = |s: Option<Span>| s.map(|s| (&rec[s.0..s.1], block, base + s.0));
        ts.push(clock.local(r.local));
        n_lines.push(u32::try_from(lines).unwrap_or(u32::MAX));
        for (i, v) in [Some(r.level), Some(r.logger), r.thread, Some(r.message), r.trace].into_iter().enumerate() {
            strs[i].push_opt(at(v));
        }
        Ok(())
    });
    let blocks = &parsed.blocks;
    let mut it = strs.into_iter().map(|c| c.finish(blocks));
    let mut cols: Vec<ArrayRef> = vec![Arc::new(ts.finish().with_timezone("UTC"))];
    cols.extend(it.by_ref().take(5));
    cols.push(Arc::new(n_lines.finish()));
    parsed.columns = cols;
    clock.report(&mut parsed);
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::Array;

    fn p(rec: &str) -> Record {
        let mut r = Record::default();
        parse(rec.as_bytes(), &mut r).unwrap_or_else(|e| panic!("{rec}: {e}"));
        r
    }

    fn t(l: &str, s: Option<Span>) -> Option<&str> {
        s.map(|(a, b)| &l[a..b])
    }

    #[test]
    fn jetty_lines() {
        let l = "2013-01-15 15:57:32.537:WARN:oejs.DoSFilter:DOS ALERT:ip=127.0.1.1,session=null,user=null";
        let r = p(l);
        assert_eq!(r.local, (days_from_civil(2013, 1, 15) * 86_400 + 15 * 3600 + 57 * 60 + 32) * 1_000_000 + 537_000);
        assert_eq!(t(l, Some(r.level)), Some("WARN"));
        assert_eq!(t(l, Some(r.logger)), Some("oejs.DoSFilter"));
        assert_eq!(r.thread, None);
        assert_eq!(t(l, Some(r.message)), Some("DOS ALERT:ip=127.0.1.1,session=null,user=null"));
        let l = "2017-10-31 16:31:15.523:INFO:oejs.Server:main: jetty-9.3.7.v20160115";
        let r = p(l);
        assert_eq!(t(l, r.thread), Some("main"));
        assert_eq!(t(l, Some(r.message)), Some("jetty-9.3.7.v20160115"));
        let l = "2013-02-25 01:53:12.318:INFO:oejs.NCSARequestLog:main: Opened /usr/local/jetty-distribution-9.0.0.RC1/logs/2013_02_24.request.log";
        assert_eq!(t(l, p(l).thread), Some("main"));
        let l = "2022-08-10 07:33:18.411:WARN:oejs.HttpChannel:qtp1234-56:https://mail.example.org/service/soap/: /service/soap/";
        assert_eq!(t(l, p(l).thread), Some("qtp1234-56:https://mail.example.org/service/soap/"));
        for bad in [
            "2013-01-15 15:57:32,537 WARN  [x] [] y - z",
            "2013-01-15 15:57:32.537:warn:x:y",
            "2013-02-30 15:57:32.537:WARN:x:y",
            "java.lang.Exception",
        ] {
            assert!(parse(bad.as_bytes(), &mut Record::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn stack_trace_folds_and_leading_trace_rejects() {
        let text = "\tat com.example.Early(Early.java:1)\n\
2022-08-10 07:33:18.411:WARN:oejs.ServletHandler:qtp1-2: /service/extension/backup/mboximport\n\
java.io.IOException: unable to read metadata for account\n\
\tat com.zimbra.cs.backup.MailboxImportServlet.doPost(MailboxImportServlet.java:100)\n\
Caused by: java.util.zip.ZipException: bad entry\n\
\t... 10 more\n\
2022-08-10 07:33:19.000:INFO:oejs.Server:main: next\n";
        let chunk = Chunk { index: 0, offset: 0, data: text.as_bytes().to_vec(), long_line: None };
        let p = parse_chunk(chunk, &ParseCtx { tz: crate::time::parse_zone("Europe/Paris"), year: None, header: None });
        assert_eq!(p.n_lines, 7);
        assert_eq!(p.rows(), 2);
        assert_eq!(p.rejects.len(), 1);
        assert_eq!(p.folded, 4);
        assert_eq!(p.rejects[0].reason, "continuation line with no record above it");
        let trace = p.columns[5].as_string_view();
        assert!(trace.value(0).starts_with("java.io.IOException: unable"));
        assert!(trace.value(0).ends_with("\t... 10 more"));
        assert!(trace.is_null(1));
        let n = p.columns[6].as_primitive::<UInt32Type>();
        assert_eq!((n.value(0), n.value(1)), (5, 1));
        // CEST: 07:33:18.411 local = 05:33:18.411 UTC
        let ts = p.columns[0].as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(0), (days_from_civil(2022, 8, 10) * 86_400 + 5 * 3600 + 33 * 60 + 18) * 1_000_000 + 411_000);
    }
}
