//! `fortigate`: Fortinet FortiGate (FortiOS 4.x–7.x) traffic, UTM and event logs — one line of
//! `key=value` pairs, strings double-quoted from FortiOS 5 (`devname="FGT"`), numbers and IPs
//! bare (`srcport=443`), quoted values holding spaces, `=` and `\"`.
//!
//! Accepted framing (in front of the body, all optional):
//! - nothing: logs downloaded from the GUI/CLI (`date=2024-05-06 time=09:15:30 devname=...`);
//! - `<PRI>` directly followed by the body, or by one space (the FortiGate's own syslog:
//!   `<189>date=...`);
//! - a relay's syslog header: RFC 3164 (`May  6 09:15:31 fw01 date=...`, with or without a
//!   tag), RFC 3339 (`2024-05-06T09:15:31+02:00 192.0.2.10 date=...`) or RFC 5424
//!   (`<189>1 2024-... host app - - - date=...`): its HOSTNAME goes to `syslog_host`;
//! - FortiAnalyzer forwarding (`<185>logver=... timestamp=1650619870 tz="UTC+2:00" ...`): the
//!   same body with more keys (`logver`, `timestamp` typed);
//! - the CSV output (`date=2024-05-06,time=09:15:30,devname="FGT",...`): pairs joined by commas,
//!   recognised when the body's first value ends at a comma.
//!
//! The body is read by the shared scanner ([`kv::scan`], [`Dialect::SPACED`] or the comma
//! dialect), by key, never by position. A stray trailing `|` (seen in published samples) is
//! dropped. FortiOS 4 wrote values unquoted, spaces included (`msg=User admin logged in`): bare
//! words after an unquoted value are read as the rest of that value. FortiOS 4 key names are
//! read into the columns of their later names: `device_id`→`devid`, `log_id`→`logid`,
//! `pri`→`level`, `src`/`dst`→`srcip`/`dstip`, `src_port`/`dst_port`, `src_int`/`dst_int`,
//! `sent`/`rcvd`→`sentbyte`/`rcvdbyte`, `sent_pkt`/`rcvd_pkt`, `src_country`/`dst_country`,
//! `tran_disp`, `tran_ip`/`tran_port`→`transip`/`transport`, `SN`→`sessionid`.
//!
//! Columns (vendor key names): `ts`, `syslog_host`, then the typed keys listed in [`COLS`]:
//! ports u16, byte/packet counts, `sessionid` and `duration` u64, `proto` u8, `policyid`,
//! `appid`, `attackid`, `crscore`, `craction` u32, `eventtime` and `timestamp` i64 as written,
//! IPs canonical, `date`, `time` and `tz` kept as text. Every other key goes to `extra`, as do
//! a typed key's repeats, a value that does not read as its column's type (a port of `abc`),
//! bare words before the first pair (key `""`), and, for a line cut inside a quoted value
//! (unterminated quote: the value runs to the end of the line and stays in its column), the
//! entry `_truncated` → the cut key.
//!
//! Time (`ts`, UTC): `eventtime` when present (an exact UTC epoch; unit by digit count: 10 = s,
//! 13 = ms, 16 = µs, 19 = ns; other lengths are not used); else `date` + `time` (device local
//! time) with the `tz` offset (`+0200`, `+02:00`, FortiAnalyzer's `UTC+2:00`), exact; else
//! `date` + `time` read in `ParseCtx::tz` (UTC when none; counted as local time in the summary);
//! else FortiAnalyzer's `timestamp` (epoch seconds); else the relay header's stamp; else null.
//!
//! Rejected: a line with no `key=value` pair after its framing (not a FortiGate record).
//!
//! Events: `host` = devname, else devid, else syslog_host; src/dst ip and port (pre-NAT);
//! `proto` = the IANA name of `proto`; `user` = user, else unauthuser, else xauthuser; `action`
//! from `action` (FortiOS 4 traffic: `status`): `deny` → deny; `accept`, `close`, `timeout`,
//! `start`, `dns`, `ip-conn`, `client-rst`, `server-rst` → allow (session-end reasons); UTM
//! `blocked`/`block` → deny, `passthrough`, `monitored`, `pass`, `detected`, `exempt`... → allow,
//! `dropped` → drop, `reset` → reset; else the generic vocabulary; `url` = `url` when it has a
//! scheme, else scheme (https when `service` is HTTPS or, without service, port 443; http
//! otherwise) + `hostname` + `url`; `domain` = hostname, else qname; `bytes_out` = sentbyte,
//! `bytes_in` = rcvdbyte; `user_agent` = agent; `message` = logdesc, else msg.

use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt16Type, UInt8Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::{coalesce, Mapping};
use crate::time::{days_from_civil, days_in_month, parse_offset, IsoDateCache};

use super::kv::{self, Dialect, Pair, Token};
use super::ncsa::Span;
use super::normal::{self, get, str_col};
use super::syslog_header::{self, Clock, Stamp};
use super::typed::{self, col, parse_i64, Col, KeyIndex, Kind, Row};
use super::{FormatId, ParseCtx, ParsedChunk};

/// The typed columns, in table order (after provenance; `extra` follows).
pub const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("date", Kind::Str),
    col("time", Kind::Str),
    col("tz", Kind::Str),
    col("eventtime", Kind::I64),
    col("devname", Kind::Str),
    col("devid", Kind::Str),
    col("logid", Kind::Str),
    col("type", Kind::Str),
    col("subtype", Kind::Str),
    col("eventtype", Kind::Str),
    col("level", Kind::Str),
    col("vd", Kind::Str),
    col("logdesc", Kind::Str),
    col("srcip", Kind::Ip),
    col("srcport", Kind::U16),
    col("srcintf", Kind::Str),
    col("srcintfrole", Kind::Str),
    col("srcname", Kind::Str),
    col("srcmac", Kind::Str),
    col("srccountry", Kind::Str),
    col("dstip", Kind::Ip),
    col("dstport", Kind::U16),
    col("dstintf", Kind::Str),
    col("dstintfrole", Kind::Str),
    col("dstcountry", Kind::Str),
    col("sessionid", Kind::U64),
    col("proto", Kind::U8),
    col("action", Kind::Str),
    col("policyid", Kind::U32),
    col("policyname", Kind::Str),
    col("policytype", Kind::Str),
    col("service", Kind::Str),
    col("trandisp", Kind::Str),
    col("transip", Kind::Ip),
    col("transport", Kind::U16),
    col("tranip", Kind::Ip),
    col("tranport", Kind::U16),
    col("duration", Kind::U64),
    col("sentbyte", Kind::U64),
    col("rcvdbyte", Kind::U64),
    col("sentpkt", Kind::U64),
    col("rcvdpkt", Kind::U64),
    col("appid", Kind::U32),
    col("app", Kind::Str),
    col("appcat", Kind::Str),
    col("apprisk", Kind::Str),
    col("user", Kind::Str),
    col("group", Kind::Str),
    col("unauthuser", Kind::Str),
    col("hostname", Kind::Str),
    col("url", Kind::Str),
    col("qname", Kind::Str),
    col("agent", Kind::Str),
    col("msg", Kind::Str),
    col("attack", Kind::Str),
    col("attackid", Kind::U32),
    col("virus", Kind::Str),
    col("filename", Kind::Str),
    col("reason", Kind::Str),
    col("status", Kind::Str),
    col("ui", Kind::Str),
    col("method", Kind::Str),
    col("remip", Kind::Ip),
    col("locip", Kind::Ip),
    col("xauthuser", Kind::Str),
    col("tunnelip", Kind::Ip),
    col("crscore", Kind::U32),
    col("craction", Kind::U32),
    col("utmaction", Kind::Str),
    col("logver", Kind::Str),
    col("timestamp", Kind::I64),
];

const TS: usize = 0;
const SYSLOG_HOST: usize = 1;
const DATE: usize = 2;
const TIME: usize = 3;
const TZ: usize = 4;
const EVENTTIME: usize = 5;
const TIMESTAMP: usize = 72;

/// FortiOS 4 key names → the column of their later name.
const ALIASES: &[(&str, &str)] = &[
    ("device_id", "devid"),
    ("log_id", "logid"),
    ("pri", "level"),
    ("src", "srcip"),
    ("dst", "dstip"),
    ("src_port", "srcport"),
    ("dst_port", "dstport"),
    ("src_int", "srcintf"),
    ("dst_int", "dstintf"),
    ("sent", "sentbyte"),
    ("rcvd", "rcvdbyte"),
    ("sent_pkt", "sentpkt"),
    ("rcvd_pkt", "rcvdpkt"),
    ("src_country", "srccountry"),
    ("dst_country", "dstcountry"),
    ("tran_disp", "trandisp"),
    ("tran_ip", "transip"),
    ("tran_port", "transport"),
    ("SN", "sessionid"),
];

/// The comma-separated output (`set format csv`).
const CSV: Dialect = Dialect { sep: b',', quotes: true, runs_to_next_key: false, escapes: false };

fn keys() -> &'static KeyIndex {
    static KEYS: OnceLock<KeyIndex> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut k: Vec<(&'static str, usize)> =
            COLS.iter().enumerate().filter(|(i, _)| *i > SYSLOG_HOST).map(|(i, c)| (c.name, i)).collect();
        k.extend(ALIASES.iter().map(|&(a, to)| (a, typed::index(COLS, to))));
        KeyIndex::new(&k)
    })
}

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

// ------------------------------------------------------------------------------------------
// Shared with `stormshield`: syslog framing around a key=value body, the row filler, times.
// ------------------------------------------------------------------------------------------

/// Where a key=value body sits in a line, and what the framing around it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Framed {
    /// A relay's syslog HOSTNAME.
    pub host: Option<Span>,
    /// A syslog header's stamp (a fallback time).
    pub stamp: Option<Stamp>,
    /// Start of the body.
    pub body: usize,
    /// End of the body: trailing spaces and one stray `|` removed.
    pub end: usize,
}

/// Whether `key=` starts at `p` (a key of letters, digits, `_`, `-`, `.`, then `=`).
#[inline]
fn key_starts(line: &[u8], p: usize) -> bool {
    let mut q = p;
    while q < line.len() && q - p < 64 && (line[q].is_ascii_alphanumeric() || matches!(line[q], b'_' | b'-' | b'.')) {
        q += 1;
    }
    q > p && line.get(q) == Some(&b'=')
}

/// Find the key=value body of `line`: at the start, after `<PRI>`, or after a syslog header
/// (whose host is kept). `None` when no `key=` starts the body.
pub(super) fn frame(line: &[u8]) -> Option<Framed> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    if end > 0 && line[end - 1] == b'|' {
        end -= 1;
        while end > 0 && matches!(line[end - 1], b' ' | b'\t') {
            end -= 1;
        }
    }
    let done = |host, stamp, body| Some(Framed { host, stamp, body, end: end.max(body) });
    if key_starts(line, 0) {
        return done(None, None, 0);
    }
    // `<PRI>` glued to the body (or one space after it)
    if line.first() == Some(&b'<') {
        if let Some(close) = line.iter().take(5).position(|&c| c == b'>') {
            let body = close + 1 + usize::from(line.get(close + 1) == Some(&b' '));
            if close > 1 && line[1..close].iter().all(u8::is_ascii_digit) && key_starts(line, body) {
                return done(None, None, body);
            }
        }
    }
    let h = syslog_header::parse(line).ok()?;
    let stamp = (h.stamp != Stamp::Unknown).then_some(h.stamp);
    // `Mmm dd HH:MM:SS date=...`: what the header took for a host is the body
    if let Some((hs, _)) = h.host {
        if key_starts(line, hs) {
            return done(None, stamp, hs);
        }
    }
    key_starts(line, h.msg.0).then(|| done(h.host, stamp, h.msg.0)).flatten()
}

/// Whether the body's first value ends at a comma (the CSV output).
fn is_csv(line: &[u8], body: usize, end: usize) -> bool {
    let Some(eq) = memchr::memchr(b'=', &line[body..end]) else { return false };
    let mut p = body + eq + 1;
    if line.get(p) == Some(&b'"') {
        p = match memchr::memchr(b'"', &line[p + 1..end]) {
            Some(k) => p + 1 + k + 1,
            None => return false,
        };
        return line.get(p) == Some(&b',');
    }
    while p < end && line[p] != b' ' && line[p] != b',' {
        p += 1;
    }
    line.get(p) == Some(&b',') && p < end
}

/// The dialect of a body.
pub(super) fn dialect(line: &[u8], f: &Framed) -> Dialect {
    if is_csv(line, f.body, f.end) {
        CSV
    } else {
        Dialect::SPACED
    }
}

/// Fill `row` from the pairs of `line[body..end]`: each pair into its column (through `keys`)
/// or `extra`; `special(column, pair)` sees every pair with a column first and returns true
/// when it stored the pair itself. Bare words after a non-empty unquoted value extend it (FortiOS 4
/// `msg=User admin logged in`); words before any pair go to `extra` under the key `""`; a cut
/// quoted value adds `_truncated` → its key. Returns the number of pairs.
#[inline(always)]
pub(super) fn fill_row(
    row: &mut Row<'_>,
    line: &[u8],
    f: &Framed,
    d: Dialect,
    keys: &KeyIndex,
    mut special: impl FnMut(&mut Row<'_>, usize, &Pair) -> bool,
) -> usize {
    let mut n = 0;
    let mut toks = kv::scan(line, f.body, f.end, d);
    let mut next = toks.next();
    while let Some(tok) = next {
        next = toks.next();
        match tok {
            Token::Pair(mut p) => {
                n += 1;
                if !p.quoted && p.value.1 > p.value.0 {
                    while let Some(Token::Word(w)) = next {
                        p.value.1 = w.1;
                        next = toks.next();
                    }
                }
                if p.unterminated {
                    row.extra_named("_truncated", p.key);
                }
                let c = keys.get(&line[p.key.0..p.key.1]);
                if let Some(c) = c {
                    if special(row, c, &p) {
                        continue;
                    }
                }
                row.pair(c, &p);
            }
            Token::Word(w) => row.extra((w.0, w.0), Some(w)),
        }
    }
    n
}

/// Digits as a number (at most 9).
#[inline]
fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// `H:MM:SS` / `HH:MM:SS` → seconds of the day.
pub(super) fn seconds_of_day(b: &[u8]) -> Option<i64> {
    let mut it = b.splitn(3, |&c| c == b':');
    let (h, m, s) = (it.next()?, it.next()?, it.next()?);
    if h.len() > 2 || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let (h, m, s) = (num(h)?, num(m)?, num(s)?);
    (h < 24 && m < 60 && s <= 60).then(|| i64::from(h * 3600 + m * 60 + s))
}

/// Days since the epoch of `YYYY-MM-DD` (also `YYYY/MM/DD`, through the cache) or `M/D/YYYY`.
pub(super) fn days(cache: &mut IsoDateCache, b: &[u8]) -> Option<i64> {
    if b.len() == 10 && (b[4] == b'-' || b[4] == b'/') {
        return cache.days(b);
    }
    let mut it = b.splitn(3, |&c| c == b'/');
    let (m, d, y) = (it.next()?, it.next()?, it.next()?);
    if m.len() > 2 || d.len() > 2 || y.len() != 4 {
        return None;
    }
    let (m, d, y) = (num(m)?, num(d)?, i64::from(num(y)?));
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then(|| days_from_civil(y, m, d))
}

/// A zone offset in seconds east of UTC: `+0200`, `-05:00`, `Z`, and FortiAnalyzer's
/// `UTC+2:00` / `GMT-5` / `UTC`.
pub(super) fn offset(b: &[u8]) -> Option<i64> {
    if let Some(o) = parse_offset(b) {
        return Some(o);
    }
    let rest = b.strip_prefix(b"UTC").or_else(|| b.strip_prefix(b"GMT"))?;
    if rest.is_empty() {
        return Some(0);
    }
    let sign = match rest[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &rest[1..];
    let (h, m) = match memchr::memchr(b':', rest) {
        Some(k) => (&rest[..k], &rest[k + 1..]),
        None => (rest, &b"00"[..]),
    };
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (num(h)?, num(m)?);
    (h <= 14 && m < 60).then(|| sign * i64::from(h * 3600 + m * 60))
}

/// Local wall-clock microseconds to UTC: with an explicit offset, exact; else through the
/// clock (`ParseCtx::tz`, counted as local time).
#[inline]
pub(super) fn to_utc(local_micros: i64, off: Option<i64>, clock: &mut Clock) -> i64 {
    match off {
        Some(o) => local_micros - o * 1_000_000,
        None => clock.local(local_micros),
    }
}

/// An epoch in s, ms, µs or ns (by digit count: 10, 13, 16, 19) → UTC microseconds.
pub(super) fn epoch_micros(b: &[u8]) -> Option<i64> {
    let v = parse_i64(b)?;
    let digits = b.len() - usize::from(b.first() == Some(&b'-'));
    Some(match digits {
        10 => v.checked_mul(1_000_000)?,
        13 => v.checked_mul(1_000)?,
        16 => v,
        19 => v.div_euclid(1_000),
        _ => return None,
    })
}

// ------------------------------------------------------------------------------------------
// FortiGate
// ------------------------------------------------------------------------------------------

/// Whether `line` is a FortiGate record (detection): a key=value body with `date=` and `time=`
/// and one of `devname`, `devid`, `logid`, `type` (or their FortiOS 4 names), or a
/// FortiAnalyzer-forwarded body (`logver=` with `devid`/`devname`).
pub fn matches(line: &[u8]) -> bool {
    let Some(f) = frame(line) else { return false };
    let (mut date, mut time, mut ident, mut logver) = (false, false, false, false);
    for t in kv::scan(line, f.body, f.end, dialect(line, &f)) {
        if let Token::Pair(p) = t {
            match &line[p.key.0..p.key.1] {
                b"date" => date = true,
                b"time" => time = true,
                b"logver" => logver = true,
                b"devname" | b"devid" | b"logid" | b"type" | b"device_id" | b"log_id" => ident = true,
                _ => {}
            }
        }
    }
    ident && ((date && time) || logver)
}

/// The time keys of one line.
#[derive(Default)]
struct Times {
    date: Option<Span>,
    time: Option<Span>,
    tz: Option<Span>,
    eventtime: Option<Span>,
    timestamp: Option<Span>,
}

impl Times {
    fn utc(&self, line: &[u8], dates: &mut IsoDateCache, clock: &mut Clock, stamp: Option<Stamp>) -> Option<i64> {
        let at = |s: Option<Span>| s.map(|(a, b)| &line[a..b]);
        if let Some(t) = at(self.eventtime).and_then(epoch_micros) {
            return Some(t);
        }
        if let (Some(d), Some(t)) = (at(self.date), at(self.time)) {
            if let (Some(days), Some(secs)) = (days(dates, d), seconds_of_day(t)) {
                let local = (days * 86_400 + secs) * 1_000_000;
                return Some(to_utc(local, at(self.tz).and_then(offset), clock));
            }
        }
        if let Some(t) = at(self.timestamp).and_then(parse_i64).and_then(|v| v.checked_mul(1_000_000)) {
            return Some(t);
        }
        clock.utc(stamp?).ok().flatten()
    }
}

/// Parse a chunk of FortiGate lines.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let keys = keys();
    let mut dates = IsoDateCache::default();
    typed::parse_clocked_rows(chunk, ctx, COLS, true, |row, clock, line| {
        let f = frame(line).ok_or("no key=value body (not a FortiGate record)")?;
        if let Some(h) = f.host {
            row.str(SYSLOG_HOST, h);
        }
        let mut t = Times::default();
        let mut note = |_: &mut Row<'_>, c: usize, p: &Pair| {
            let slot = match c {
                DATE => &mut t.date,
                TIME => &mut t.time,
                TZ => &mut t.tz,
                EVENTTIME => &mut t.eventtime,
                TIMESTAMP => &mut t.timestamp,
                _ => return false,
            };
            if slot.is_none() && p.value.1 > p.value.0 {
                *slot = Some(p.value);
            }
            false
        };
        // one instance per dialect, so the scanner's separator tests are constants
        let n = if is_csv(line, f.body, f.end) {
            fill_row(row, line, &f, CSV, keys, &mut note)
        } else {
            fill_row(row, line, &f, Dialect::SPACED, keys, &mut note)
        };
        if n == 0 {
            return Err("no key=value pair (not a FortiGate record)".into());
        }
        if let Some(ts) = t.utc(line, &mut dates, clock, f.stamp) {
            row.set_ts(TS, ts);
        }
        Ok(())
    })
}

// ------------------------------------------------------------------------------------------
// Events
// ------------------------------------------------------------------------------------------

/// The FortiGate meaning of an action word (traffic `action`, UTM `action`), before the generic
/// vocabulary.
pub fn action(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    let is = |ws: &[&str]| ws.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(&["deny", "blocked", "block", "redirect"]) {
        Some("deny")
    } else if is(&[
        "accept",
        "close",
        "timeout",
        "start",
        "dns",
        "ip-conn",
        "client-rst",
        "server-rst",
        "passthrough",
        "monitored",
        "pass",
        "pass_session",
        "detected",
        "exempt",
        "allow",
        "analytics",
        "log-only",
    ]) {
        Some("allow")
    } else if is(&["dropped", "drop", "clear_session"]) {
        Some("drop")
    } else if is(&["reset", "reset_client", "reset_server", "reset_both"]) {
        Some("reset")
    } else {
        normal::action(t)
    }
}

/// Whether a URL starts with a scheme (`https://...`).
pub(super) fn has_scheme(url: &str) -> bool {
    url.find("://").is_some_and(|k| k > 0 && url[..k].bytes().all(|c| c.is_ascii_alphabetic()))
}

/// `scheme://host` + `path` (a `/` added between them when the path lacks it).
pub(super) fn join_url(scheme: &str, host: &str, path: &str) -> String {
    let sep = if path.starts_with('/') { "" } else { "/" };
    format!("{scheme}://{host}{sep}{path}")
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let n = batch.num_rows();
    let s = |name| str_col(batch, name);
    let host = {
        let a = coalesce(s("devname")?, s("devid")?);
        coalesce(a.as_string_view(), s("syslog_host")?)
    };
    let user = {
        let a = coalesce(s("user")?, s("unauthuser")?);
        coalesce(a.as_string_view(), s("xauthuser")?)
    };
    let proto_col = batch.column_by_name("proto").map(|a| a.as_primitive::<UInt8Type>().clone());
    let proto = normal::strings(n, |i| {
        let p = proto_col.as_ref()?;
        p.is_valid(i).then(|| normal::proto_name(p.value(i)).map_or_else(|| p.value(i).to_string(), str::to_string))
    });
    let (act, status, typ) = (s("action")?, s("status")?, s("type")?);
    let action_col = normal::strings(n, |i| {
        let raw = get(act, i).or_else(|| (get(typ, i) == Some("traffic")).then(|| get(status, i)).flatten())?;
        action(raw)
    });
    let (url, hostname, service) = (s("url")?, s("hostname")?, s("service")?);
    let dstport = batch.column_by_name("dstport").map(|a| a.as_primitive::<UInt16Type>().clone());
    let url_col: ArrayRef = normal::strings(n, |i| {
        let u = get(url, i)?;
        let Some(h) = get(hostname, i).filter(|_| !has_scheme(u)) else { return Some(u.to_string()) };
        let https = match get(service, i) {
            Some(sv) => sv.to_ascii_lowercase().contains("https"),
            None => dstport.as_ref().is_some_and(|p| p.is_valid(i) && p.value(i) == 443),
        };
        Some(join_url(if https { "https" } else { "http" }, h, u))
    });
    let domain = coalesce(hostname, s("qname")?);
    let message = coalesce(s("logdesc")?, s("msg")?);
    Mapping::new(batch)
        .set("host", host)
        .take("src_ip", "srcip")
        .take("src_port", "srcport")
        .take("dst_ip", "dstip")
        .take("dst_port", "dstport")
        .set("proto", proto)
        .set("user", user)
        .set("action", action_col)
        .set("url", url_col)
        .set("domain", domain)
        .take("bytes_out", "sentbyte")
        .take("bytes_in", "rcvdbyte")
        .take("user_agent", "agent")
        .set("message", message)
        .build(FormatId::Fortigate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Block;
    use crate::formats::testing;
    use arrow_array::types::{Int64Type, UInt32Type, UInt64Type};

    testing::format_test_helpers!(parse_chunk, COLS);

    /// 2024-05-06T07:15:30Z
    const T0: i64 = 1_714_979_730_000_000;

    #[test]
    fn constants_match_columns() {
        for (k, i) in [
            ("ts", TS),
            ("syslog_host", SYSLOG_HOST),
            ("date", DATE),
            ("time", TIME),
            ("tz", TZ),
            ("eventtime", EVENTTIME),
            ("timestamp", TIMESTAMP),
        ] {
            assert_eq!(typed::index(COLS, k), i, "{k}");
        }
        let _ = Block::Input;
    }

    #[test]
    fn traffic_line_with_pri() {
        let l = r#"<189>date=2024-05-06 time=09:15:30 devname="FGT-EXAMPLE" devid="FGT60FTK00000000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=1714979730123456789 tz="+0200" srcip=10.20.30.41 srcport=51544 srcintf="port1" dstip=2001:DB8::1 dstport=443 sessionid=1029384 proto=6 action="close" policyid=12 transip=203.0.113.201 transport=40211 duration=31 sentbyte=2240 rcvdbyte=18532 sentpkt=18 rcvdpkt=21 appcat="unscanned" srcuuid="x""#;
        let p = parse(l, None);
        assert_eq!(p.rows(), 1, "{:?}", p.rejects);
        assert_eq!(ts(&p, "ts", 0), Some(T0 + 123_456));
        assert_eq!(s(&p, "devname", 0).as_deref(), Some("FGT-EXAMPLE"));
        assert_eq!(s(&p, "dstip", 0).as_deref(), Some("2001:db8::1"));
        assert_eq!(c(&p, "srcport").as_primitive::<UInt16Type>().value(0), 51544);
        assert_eq!(c(&p, "proto").as_primitive::<UInt8Type>().value(0), 6);
        assert_eq!(c(&p, "policyid").as_primitive::<UInt32Type>().value(0), 12);
        assert_eq!(c(&p, "rcvdbyte").as_primitive::<UInt64Type>().value(0), 18532);
        assert_eq!(c(&p, "eventtime").as_primitive::<Int64Type>().value(0), 1714979730123456789);
        assert_eq!(s(&p, "tz", 0).as_deref(), Some("+0200"));
        assert_eq!(extra(&p, 0), vec![("srcuuid".into(), Some("x".into()))]);
        assert_eq!(p.local_times, 0);
    }

    #[test]
    fn eventtime_units_and_fallbacks() {
        let base = "date=2024-05-06 time=09:15:30 devname=F";
        let cases = [
            (format!("{base} eventtime=1714979730"), Some(T0), 0),
            (format!("{base} eventtime=1714979730123"), Some(T0 + 123_000), 0),
            (format!("{base} eventtime=1714979730123456"), Some(T0 + 123_456), 0),
            (format!("{base} eventtime=1714979730123456789"), Some(T0 + 123_456), 0),
            // odd digit count: not used; date+time+tz
            (format!("{base} eventtime=17149797301 tz=\"+0200\""), Some(T0), 0),
            (format!("{base} tz=\"-0500\""), Some(T0 + 7 * 3_600_000_000), 0),
            (format!("{base} tz=\"UTC+2:00\""), Some(T0), 0),
            // no tz: the context zone (Paris, CEST), counted as local
            (base.to_string(), Some(T0), 1),
        ];
        for (l, want, local) in cases {
            let p = parse(&l, Some("Europe/Paris"));
            assert_eq!(ts(&p, "ts", 0), want, "{l}");
            assert_eq!(p.local_times, local, "{l}");
        }
        // no tz and no context zone: read as UTC, still counted as local
        let p = parse(base, None);
        assert_eq!(ts(&p, "ts", 0), Some(T0 + 2 * 3_600_000_000));
        assert_eq!(p.local_times, 1);
    }

    #[test]
    fn escaped_quotes_equals_and_trailing_pipe() {
        let l = r#"date=2024-05-06 time=09:15:30 devname="F" msg="User \"x\" set a=b" action="login"|"#;
        let p = parse(l, None);
        assert_eq!(s(&p, "msg", 0).as_deref(), Some(r#"User "x" set a=b"#));
        assert_eq!(s(&p, "action", 0).as_deref(), Some("login"));
        assert!(extra(&p, 0).is_empty());
    }

    #[test]
    fn truncated_duplicates_empty_and_bad_port() {
        let l =
            r#"date=2024-05-06 time=09:15:30 devname="F" user="" user="bob" srcport=abc dstport=80 dstport=81 group= url="/download.ex"#;
        let p = parse(l, None);
        assert_eq!(p.rows(), 1);
        assert_eq!(s(&p, "user", 0).as_deref(), Some("bob"));
        assert_eq!(s(&p, "group", 0), None);
        assert!(c(&p, "srcport").is_null(0));
        assert_eq!(c(&p, "dstport").as_primitive::<UInt16Type>().value(0), 80);
        assert_eq!(s(&p, "url", 0).as_deref(), Some("/download.ex"));
        assert_eq!(
            extra(&p, 0),
            vec![("srcport".into(), Some("abc".into())), ("dstport".into(), Some("81".into())), ("_truncated".into(), Some("url".into()))]
        );
    }

    #[test]
    fn fortios4_unquoted() {
        let l = "date=2012-06-13 time=10:22:43 devname=FG100A device_id=FG100A3907508000 log_id=0021000002 type=traffic subtype=allowed pri=notice status=accept vd=root src=192.168.1.110 src_port=2290 dst=8.8.8.8 dst_port=53 sent=73 rcvd=89 msg=User admin logged in";
        let p = parse(l, None);
        assert_eq!(s(&p, "devid", 0).as_deref(), Some("FG100A3907508000"));
        assert_eq!(s(&p, "level", 0).as_deref(), Some("notice"));
        assert_eq!(s(&p, "srcip", 0).as_deref(), Some("192.168.1.110"));
        assert_eq!(c(&p, "dstport").as_primitive::<UInt16Type>().value(0), 53);
        assert_eq!(c(&p, "sentbyte").as_primitive::<UInt64Type>().value(0), 73);
        assert_eq!(s(&p, "msg", 0).as_deref(), Some("User admin logged in"));
        assert!(extra(&p, 0).is_empty());
    }

    #[test]
    fn framings() {
        let body = r#"date=2024-05-06 time=09:15:30 devname="F" logid="0100032001" tz="+0200""#;
        for (l, host) in [
            (format!("<189>{body}"), None),
            (format!("<189> {body}"), None),
            (format!("May  6 09:15:31 fw01.example.com {body}"), Some("fw01.example.com")),
            (format!("2024-05-06T09:15:31+02:00 192.0.2.10 {body}"), Some("192.0.2.10")),
            (format!("<189>1 2024-05-06T07:15:31Z relay.example.com fortigate - - - {body}"), Some("relay.example.com")),
            (format!("May  6 09:15:31 {body}"), None),
            (format!("May  6 09:15:31 relay fortigate: {body}"), Some("relay")),
        ] {
            assert!(matches(l.as_bytes()), "{l}");
            let p = parse(&l, None);
            assert_eq!(p.rows(), 1, "{l}");
            assert_eq!(s(&p, "syslog_host", 0).as_deref(), host, "{l}");
            assert_eq!(s(&p, "devname", 0).as_deref(), Some("F"), "{l}");
            assert_eq!(ts(&p, "ts", 0), Some(T0), "{l}");
        }
        let faz = r#"<185>logver=506061630 timestamp=1714979730 tz="UTC+2:00" devname="F" devid="FGT" vd="root" logid="0000000013""#;
        assert!(matches(faz.as_bytes()));
        let p = parse(faz, None);
        assert_eq!(ts(&p, "ts", 0), Some(T0));
        assert_eq!(c(&p, "timestamp").as_primitive::<Int64Type>().value(0), 1714979730);
    }

    #[test]
    fn csv_variant() {
        let l =
            r#"date=2024-05-06,time=09:15:30,devname="FGT, one",logid="0000000013",type="traffic",srcip=10.0.0.1,dstport=443,tz="+0200""#;
        assert!(matches(l.as_bytes()));
        let p = parse(l, None);
        assert_eq!(s(&p, "devname", 0).as_deref(), Some("FGT, one"));
        assert_eq!(s(&p, "srcip", 0).as_deref(), Some("10.0.0.1"));
        assert_eq!(c(&p, "dstport").as_primitive::<UInt16Type>().value(0), 443);
        assert_eq!(ts(&p, "ts", 0), Some(T0));
    }

    #[test]
    fn rejects_and_detection() {
        let p = parse("just some text\n<189>\nSep  6 10:15:32 mail postfix/smtpd[1]: connect from a[192.0.2.1]\n", None);
        assert_eq!(p.rows(), 0);
        assert_eq!(p.rejects.len(), 3);
        for l in [
            "Sep  6 10:15:32 mail postfix/smtpd[1]: connect from a[192.0.2.1]",
            r#"id=firewall time="2024-05-06 09:20:14" fw="SN" tz=+0200"#,
            "date=2024-05-06 time=09:15:30",
            "IN=eth0 OUT= SRC=1.2.3.4",
        ] {
            assert!(!matches(l.as_bytes()), "{l}");
        }
    }

    #[test]
    fn actions() {
        for (raw, want) in [
            ("deny", Some("deny")),
            ("close", Some("allow")),
            ("client-rst", Some("allow")),
            ("server-rst", Some("allow")),
            ("ip-conn", Some("allow")),
            ("blocked", Some("deny")),
            ("passthrough", Some("allow")),
            ("monitored", Some("allow")),
            ("dropped", Some("drop")),
            ("reset", Some("reset")),
            ("login", None),
        ] {
            assert_eq!(action(raw), want, "{raw}");
        }
        assert!(has_scheme("https://a/b"));
        assert!(!has_scheme("/a?u=http://x"));
        assert_eq!(join_url("https", "h.example", "/x"), "https://h.example/x");
    }
}
