//! `nginx_error`: the nginx error log (Zimbra's proxy writes it to `/opt/zimbra/log/nginx.log`):
//!
//! `2022/09/06 10:15:32 [error] 1234#0: *5 message, client: 1.2.3.4, server: mail.example.org,
//! request: "GET /x HTTP/1.1", upstream: "http://10.0.0.5:8080/x", host: "mail.example.org"`
//!
//! Local time without offset (read in `ParseCtx::tz`). The `, key: value` context nginx
//! appends begins at the first `, client: ` followed by a plausible client (one token, then
//! `, ` or the end of the line); from there the pairs are read left to right. A quoted value
//! ends at the first `"` followed by the end of the line or by `, key: ` with a key nginx
//! writes — so values holding `, ` or quotes are read whole (a request line that itself holds
//! `", host: "` is cut there: nginx does not escape it). Every step moves right: linear.

use std::sync::Arc;

use arrow_array::types::{TimestampMicrosecondType, UInt32Type, UInt64Type};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::chunk::Chunk;
use crate::columns::{PrimCol, StrCol};
use crate::ip::{self, CanonIp};
use crate::time::days_from_civil;

use super::ncsa::{parse_u64, Span};
use super::syslog::push_ip;
use super::syslog_header::Clock;
use super::{drive_records, ParseCtx, ParsedChunk, Reason};

pub fn fields() -> Vec<Field> {
    let s = |n: &str| Field::new(n, DataType::Utf8View, true);
    vec![
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
        Field::new("level", DataType::Utf8View, false),
        Field::new("pid", DataType::UInt32, false),
        Field::new("tid", DataType::UInt32, false),
        Field::new("connection", DataType::UInt64, true),
        Field::new("message", DataType::Utf8View, false),
        s("client"),
        s("client_ip"),
        s("server"),
        s("request"),
        s("method"),
        s("url"),
        s("protocol"),
        s("upstream"),
        s("host"),
        s("referrer"),
        s("login"),
        s("extra"),
    ]
}

/// The fields of one error-log line.
#[derive(Default, Debug)]
pub struct ErrorLine {
    /// Local wall-clock microseconds (as if UTC).
    pub local: i64,
    pub level: Span,
    pub pid: u32,
    pub tid: u32,
    pub connection: Option<u64>,
    pub message: Span,
    pub client: Option<Span>,
    pub client_ip: Option<(Span, Option<String>)>,
    pub server: Option<Span>,
    pub request: Option<Span>,
    pub method: Option<Span>,
    pub url: Option<Span>,
    pub protocol: Option<Span>,
    pub upstream: Option<Span>,
    pub host: Option<Span>,
    pub referrer: Option<Span>,
    pub login: Option<Span>,
    /// Context pairs with keys not listed above, raw (from the first such key to the end).
    pub extra: Option<Span>,
}

#[inline]
fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// `yyyy/mm/dd HH:MM:SS` → local microseconds.
fn stamp(b: &[u8]) -> Option<i64> {
    if b.len() < 19 || b[4] != b'/' || b[7] != b'/' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (h, mi, s) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
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
    Some((days_from_civil(i64::from(y), m, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s)) * 1_000_000)
}

/// Keys nginx appends to error messages, in the order it writes them.
const KEYS: &[&[u8]] = &[b"client", b"server", b"login", b"upstream", b"request", b"subrequest", b"host", b"referrer"];

/// Whether `, key: ` with a known key starts at `p`.
#[inline]
fn known_pair_at(line: &[u8], p: usize) -> bool {
    let Some(rest) = line.get(p..) else { return false };
    if !rest.starts_with(b", ") {
        return false;
    }
    let r = &rest[2..];
    KEYS.iter().any(|k| r.len() > k.len() + 1 && r.starts_with(k) && r[k.len()] == b':' && r[k.len() + 1] == b' ')
}

/// Where the context tail starts: the first `, client: ` followed by one token and then
/// `, ` or the end of the line. Tokens checked never overlap, so the search is linear.
fn tail_start(line: &[u8], from: usize) -> Option<usize> {
    let mut p = from;
    while let Some(k) = memchr::memmem::find(&line[p..], b", client: ") {
        let at = p + k;
        let vs = at + 10;
        let ve = memchr::memchr3(b',', b' ', b'"', &line[vs..]).map_or(line.len(), |j| vs + j);
        if ve > vs && (ve == line.len() || line[ve..].starts_with(b", ")) {
            return Some(at);
        }
        p = vs;
    }
    None
}

/// Parse one line into `r` (which the caller has reset).
pub fn parse(line: &[u8], r: &mut ErrorLine) -> Result<(), Reason> {
    r.local = stamp(line).ok_or("no yyyy/mm/dd HH:MM:SS timestamp at the start")?;
    if line.get(19) != Some(&b' ') || line.get(20) != Some(&b'[') {
        return Err("expected ' [level]' after the timestamp".into());
    }
    let ls = 21;
    let le = memchr::memchr(b']', &line[ls..line.len().min(ls + 12)]).ok_or("unterminated [level]")? + ls;
    if le == ls || !line[ls..le].iter().all(u8::is_ascii_lowercase) {
        return Err("bad [level]".into());
    }
    r.level = (ls, le);
    // ` pid#tid: `
    let ps = le + 2;
    if line.get(le + 1) != Some(&b' ') {
        return Err("expected ' pid#tid:' after the level".into());
    }
    let hash = memchr::memchr(b'#', &line[ps..line.len().min(ps + 11)]).ok_or("expected pid#tid after the level")? + ps;
    let colon = memchr::memchr(b':', &line[hash..line.len().min(hash + 12)]).ok_or("expected pid#tid: after the level")? + hash;
    r.pid = num(&line[ps..hash]).ok_or("pid is not a number")?;
    r.tid = num(&line[hash + 1..colon]).ok_or("tid is not a number")?;
    let mut ms = colon + 1;
    if line.get(ms) == Some(&b' ') {
        ms += 1;
    }
    // `*conn ` connection number
    if line.get(ms) == Some(&b'*') {
        let cs = ms + 1;
        let ce = memchr::memchr(b' ', &line[cs..]).map_or(line.len(), |k| cs + k);
        if let Some(c) = parse_u64(&line[cs..ce]) {
            r.connection = Some(c);
            ms = (ce + 1).min(line.len());
        }
    }
    let Some(ts) = tail_start(line, ms) else {
        r.message = (ms, line.len());
        return Ok(());
    };
    r.message = (ms, ts);
    let mut p = ts;
    while p < line.len() {
        // at `, key: `
        let ks = p + 2;
        let Some(colon) = memchr::memchr(b':', &line[ks..]).map(|k| ks + k) else { break };
        let key = &line[ks..colon];
        if line.get(colon + 1) != Some(&b' ') || !KEYS.contains(&key) {
            r.extra = Some((ks, line.len()));
            break;
        }
        let vs = colon + 2;
        let (val, next) = if line.get(vs) == Some(&b'"') {
            let mut q = vs + 1;
            let mut end = None;
            while let Some(k) = memchr::memchr(b'"', &line[q..]) {
                let at = q + k;
                if at + 1 == line.len() || known_pair_at(line, at + 1) {
                    end = Some(at);
                    break;
                }
                q = at + 1;
            }
            match end {
                Some(e) => ((vs + 1, e), e + 1),
                None => ((vs + 1, line.len()), line.len()), // unterminated: the rest
            }
        } else {
            // bare value (client, server): up to the next `, ` (they hold none of their own)
            let end = memchr::memmem::find(&line[vs..], b", ").map_or(line.len(), |k| vs + k);
            ((vs, end), end)
        };
        let v = Some(val);
        match key {
            b"client" => {
                r.client = v;
                r.client_ip = match ip::canonical(&line[val.0..val.1]) {
                    Some(CanonIp::AsIs) => Some((val, None)),
                    Some(CanonIp::Rewritten(t)) => Some((val, Some(t))),
                    None => None,
                };
            }
            b"server" => r.server = v,
            b"login" => r.login = v,
            b"upstream" => r.upstream = v,
            b"request" => {
                r.request = v;
                split_request(line, val, r);
            }
            b"host" => r.host = v,
            b"referrer" => r.referrer = v,
            _ => {} // subrequest
        }
        p = next;
        if p < line.len() && !line[p..].starts_with(b", ") {
            r.extra = Some((p, line.len()));
            break;
        }
    }
    Ok(())
}

/// `METHOD target PROTOCOL` (the target may hold spaces).
fn split_request(line: &[u8], span: Span, r: &mut ErrorLine) {
    let Some(parts) = super::ncsa::request_parts(line, span) else { return };
    r.method = Some(parts.method);
    r.protocol = parts.protocol;
    if parts.target.0 < parts.target.1 {
        r.url = Some(parts.target);
    }
}

pub fn matches(line: &[u8]) -> bool {
    parse(line, &mut ErrorLine::default()).is_ok()
}

struct Builder {
    ts: PrimCol<TimestampMicrosecondType>,
    level: StrCol,
    pid: PrimCol<UInt32Type>,
    tid: PrimCol<UInt32Type>,
    connection: PrimCol<UInt64Type>,
    strs: Vec<StrCol>,
}

pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let n = memchr::memchr_iter(b'\n', &chunk.data).count() + 1;
    let mut b = Builder {
        ts: PrimCol::with_capacity(n),
        level: StrCol::with_capacity(n),
        pid: PrimCol::with_capacity(n),
        tid: PrimCol::with_capacity(n),
        connection: PrimCol::with_capacity(n),
        strs: (0..13).map(|_| StrCol::with_capacity(n)).collect(),
    };
    let mut clock = Clock::new(ctx);
    let mut r = ErrorLine::default();
    let mut parsed = drive_records(chunk, None, |line, block, base, side, _| {
        r = ErrorLine::default();
        parse(line, &mut r)?;
        let at = |s: Option<Span>| s.map(|s| (&line[s.0..s.1], block, base + s.0));
        b.ts.push(clock.local(r.local));
        b.level.push(&line[r.level.0..r.level.1], block, base + r.level.0);
        b.pid.push(r.pid);
        b.tid.push(r.tid);
        b.connection.push_opt(r.connection);
        let s = &mut b.strs;
        s[0].push_opt(at(Some(r.message)));
        s[1].push_opt(at(r.client));
        push_ip(&mut s[2], &r.client_ip, line, block, base, side);
        for (i, v) in
            [r.server, r.request, r.method, r.url, r.protocol, r.upstream, r.host, r.referrer, r.login, r.extra].into_iter().enumerate()
        {
            s[3 + i].push_opt(at(v));
        }
        Ok(())
    });
    let blocks = &parsed.blocks;
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(b.ts.finish().with_timezone("UTC")),
        b.level.finish(blocks),
        Arc::new(b.pid.finish()),
        Arc::new(b.tid.finish()),
        Arc::new(b.connection.finish()),
    ];
    cols.extend(b.strs.into_iter().map(|c| c.finish(blocks)));
    parsed.columns = cols;
    clock.report(&mut parsed);
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> ErrorLine {
        let mut r = ErrorLine::default();
        parse(line.as_bytes(), &mut r).unwrap_or_else(|e| panic!("{line}: {e}"));
        r
    }

    fn t(line: &str, s: Option<Span>) -> Option<&str> {
        s.map(|(a, b)| &line[a..b])
    }

    #[test]
    fn full_line() {
        let l = r#"2022/09/06 10:15:32 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: mail.example.org, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.5:8080/x", host: "mail.example.org""#;
        let r = p(l);
        assert_eq!(r.local, (days_from_civil(2022, 9, 6) * 86_400 + 10 * 3600 + 15 * 60 + 32) * 1_000_000);
        assert_eq!(t(l, Some(r.level)), Some("error"));
        assert_eq!((r.pid, r.tid, r.connection), (1234, 0, Some(5)));
        assert_eq!(t(l, Some(r.message)), Some("connect() failed (111: Connection refused) while connecting to upstream"));
        assert_eq!(t(l, r.client), Some("1.2.3.4"));
        assert_eq!(t(l, r.server), Some("mail.example.org"));
        assert_eq!(t(l, r.request), Some("GET /x HTTP/1.1"));
        assert_eq!(t(l, r.method), Some("GET"));
        assert_eq!(t(l, r.url), Some("/x"));
        assert_eq!(t(l, r.protocol), Some("HTTP/1.1"));
        assert_eq!(t(l, r.upstream), Some("http://10.0.0.5:8080/x"));
        assert_eq!(t(l, r.host), Some("mail.example.org"));
        assert_eq!(r.extra, None);
    }

    #[test]
    fn quoted_values_with_commas_and_quotes() {
        let l = r#"2022/09/06 10:15:32 [error] 77#77: *123456 open() "/opt/zimbra/data/nginx/html/a, client: 9.9.9.9" failed (2: No such file or directory), client: 2001:DB8::5, server: , request: "GET /a, b"c" HTTP/1.1", host: "mail.example.org", referrer: "https://evil.example/?q=1, 2""#;
        let r = p(l);
        // the fake `, client: ` inside the file name is followed by a token ending in `"`, not
        // by `, ` — the real one comes later
        assert_eq!(
            t(l, Some(r.message)),
            Some(r#"open() "/opt/zimbra/data/nginx/html/a, client: 9.9.9.9" failed (2: No such file or directory)"#)
        );
        assert_eq!(r.client_ip.as_ref().and_then(|x| x.1.clone()).as_deref(), Some("2001:db8::5"));
        assert_eq!(t(l, r.server), Some(""));
        assert_eq!(t(l, r.request), Some(r#"GET /a, b"c" HTTP/1.1"#));
        assert_eq!(t(l, r.url), Some(r#"/a, b"c""#));
        assert_eq!(t(l, r.host), Some("mail.example.org"));
        assert_eq!(t(l, r.referrer), Some("https://evil.example/?q=1, 2"));
    }

    #[test]
    fn no_connection_no_tail_mail_proxy() {
        let l = "2022/09/06 10:15:32 [notice] 1234#0: signal process started";
        let r = p(l);
        assert_eq!(r.connection, None);
        assert_eq!(t(l, Some(r.message)), Some("signal process started"));
        assert_eq!(r.client, None);
        let l = r#"2022/09/06 10:15:32 [info] 4321#0: *77 client login failed: "Authentication failed" while in http auth state, client: 198.51.100.23, server: 0.0.0.0:993, login: "bob@example.org""#;
        let r = p(l);
        assert_eq!(t(l, r.client), Some("198.51.100.23"));
        assert_eq!(t(l, r.server), Some("0.0.0.0:993"));
        assert_eq!(t(l, r.login), Some("bob@example.org"));
        let l = r#"2022/09/06 10:15:32 [warn] 1#0: *1 x, client: 1.2.3.4, server: s, foo: "bar""#;
        let r = p(l);
        assert_eq!(t(l, r.server), Some("s"));
        assert_eq!(t(l, r.extra), Some(r#"foo: "bar""#));
    }

    #[test]
    fn bad_lines() {
        for l in [
            "",
            "2022/09/06 10:15:32",
            "2022/09/06 10:15:32 [error]",
            "2022/09/06 10:15:32 [ERROR] 1#0: x",
            "2022/13/06 10:15:32 [error] 1#0: x",
            "2022/09/06 10:15:32 [error] x#0: m",
            "2022-09-06 10:15:32 [error] 1#0: m",
        ] {
            assert!(parse(l.as_bytes(), &mut ErrorLine::default()).is_err(), "{l}");
        }
    }
}
