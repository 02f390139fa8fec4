//! Zimbra's log4j files — `mailbox.log`, `audit.log`, `sync.log` and the other appenders with
//! the layout `%d %-5p [%t] [%z] %c{1} - %m`:
//!
//! ```text
//! 2022-08-10 07:33:18,411 WARN  [qtp1234-4711:https://mail.example.org/service/extension/backup/mboximport?account-name=admin] [name=a@b;ip=10.0.0.5;ua=x;;y;] mboxmove - Auth failed
//! com.zimbra.common.service.ServiceException: ...
//!     at com.zimbra...
//! ```
//!
//! JVM local time without an offset (read through `tz`), the level padded by `%-5p`, the
//! thread (Jetty's `qtp…` threads carry the request URL), the Zimbra context block of
//! `key=value;` pairs where a `;` inside a value is written `;;`, the logger's last name, and
//! the message. Lines that do not start a record (stack traces, wrapped messages) are folded
//! into the record above. Two formats share this parser: `zimbra_mailbox` and `zimbra_audit`
//! (the `security` logger's `cmd=Auth; account=…; protocol=…;` records).

use std::sync::Arc;

use arrow_array::types::{TimestampMicrosecondType, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::chunk::Chunk;
use crate::columns::{Block, Blocks, PrimCol, StrCol};
use crate::ip::{self, CanonIp};
use crate::time::{self, IsoDateCache};

use super::ncsa::{parse_u64, Span};
use super::syslog_header::Clock;
use super::{drive_records, ParseCtx, ParsedChunk, Reason};

/// Whether a line starts a log4j record: `yyyy-mm-dd HH:MM:SS,mmm `.
pub fn record_start(l: &[u8]) -> bool {
    const SHAPE: &[u8; 24] = b"0000-00-00 00:00:00,000 ";
    l.len() >= 24 && SHAPE.iter().zip(l).all(|(&s, &c)| if s == b'0' { c.is_ascii_digit() } else { s == c })
}

/// The context keys given their own typed columns (others stay in `context`).
const KEYS: [&[u8]; 16] = [
    b"name", b"aname", b"mid", b"ip", b"oip", b"via", b"ua", b"soapId", b"port", b"id", b"aid", b"cid", b"msgid", b"ds", b"oport",
    b"oproto",
];
#[cfg(test)]
const K_NAME: usize = 0;
const K_MID: usize = 2;
const K_IP: usize = 3;
const K_OIP: usize = 4;
const K_PORT: usize = 8;
const K_CID: usize = 11;
const K_OPORT: usize = 14;

/// The audit message keys: `cmd=Auth; account=…; protocol=…; error=…;`.
const AUDIT_KEYS: [&[u8]; 4] = [b"cmd", b"account", b"protocol", b"error"];

/// A value span and whether it holds `;;` escapes to undo.
type Val = Option<(Span, bool)>;

#[derive(Default)]
struct Record {
    local_secs: i64,
    millis: u32,
    level: Span,
    thread: Span,
    thread_url: Option<Span>,
    context: Span,
    keys: [Val; KEYS.len()],
    category: Span,
    message: Span,
    exception: Option<Span>,
    audit: [Val; AUDIT_KEYS.len()],
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    i
}

/// Parse one record (its lines joined by `\n`) into `r`.
fn parse(rec: &[u8], dates: &mut IsoDateCache, r: &mut Record) -> Result<(), Reason> {
    if !record_start(rec) {
        return Err("not a log4j record (no 'yyyy-mm-dd HH:MM:SS,mmm' at the start)".into());
    }
    let days = dates.days(&rec[..10]).ok_or("bad date")?;
    r.local_secs = days * 86_400 + time::hms(&rec[11..19]).ok_or("bad time")?;
    r.millis = time::small_number(&rec[20..23]).ok_or("bad milliseconds")?;
    let first_end = memchr::memchr(b'\n', rec).unwrap_or(rec.len());
    let first = &rec[..first_end];

    let mut pos = skip_spaces(first, 24);
    let lv_end = memchr::memchr(b' ', &first[pos..]).map_or(first.len(), |k| pos + k);
    r.level = (pos, lv_end);
    pos = skip_spaces(first, lv_end);
    if first.get(pos) != Some(&b'[') {
        return Err("expected '[thread]' after the level".into());
    }
    // The thread ends at the first ']' followed (after optional spaces) by the context's '['.
    // It may be wrapped over lines, so the search runs over the whole record.
    let t_start = pos + 1;
    let mut i = t_start;
    let ctx_open = loop {
        let j = memchr::memchr(b']', &rec[i..]).ok_or("no '[context]' block after the thread")? + i;
        let k = skip_spaces(rec, j + 1);
        if rec.get(k) == Some(&b'[') {
            r.thread = (t_start, j);
            break k;
        }
        i = j + 1;
    };
    r.thread_url = thread_url(rec, r.thread);
    let (ctx_end, after) = parse_context(rec, ctx_open + 1, &mut r.keys)?;
    r.context = (ctx_open + 1, ctx_end);
    // ` category - message`
    let c_start = skip_spaces(rec, after);
    let line_end = memchr::memchr(b'\n', &rec[c_start..]).map_or(rec.len(), |k| c_start + k);
    let dash = memchr::memmem::find(&rec[c_start..line_end], b" - ").ok_or("expected 'category - message' after the context")? + c_start;
    if dash == c_start || rec[c_start..dash].contains(&b' ') {
        return Err("bad category before ' - '".into());
    }
    r.category = (c_start, dash);
    r.message = (dash + 3, rec.len());
    r.exception = exception(rec, line_end);
    Ok(())
}

/// The request URL inside a Jetty thread name: `qtp123-45:https://host/path` (also the doubled
/// scheme `https:https://…` and the cut `qtp123-45://host/path`).
fn thread_url(rec: &[u8], (s, e): Span) -> Option<Span> {
    let t = &rec[s..e];
    let k = memchr::memmem::find(t, b"://")?;
    let mut start = k;
    while start > 0 && t[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    Some((s + start, e))
}

/// Parse the context block from just after its `[`; returns the end of its content (the `]`)
/// and the position after the `]`. Pairs are `key=value;`; `;;` is a `;` inside a value.
fn parse_context(rec: &[u8], start: usize, keys: &mut [Val; KEYS.len()]) -> Result<(usize, usize), Reason> {
    let mut pos = start;
    loop {
        match rec.get(pos) {
            Some(b']') => return Ok((pos, pos + 1)),
            None | Some(b'\n') => return Err("unterminated context block".into()),
            _ => {}
        }
        let eq = memchr::memchr3(b'=', b']', b'\n', &rec[pos..]).map(|k| pos + k);
        let Some(eq) = eq.filter(|&e| rec[e] == b'=') else {
            return Err("malformed context block (expected key=value;)".into());
        };
        let key = &rec[pos..eq];
        // the value runs to the first single ';'
        let mut v = eq + 1;
        let mut escaped = false;
        let v_end = loop {
            let k = memchr::memchr2(b';', b'\n', &rec[v..]).ok_or("unterminated context value")? + v;
            if rec[k] == b'\n' {
                return Err("unterminated context value".into());
            }
            if rec.get(k + 1) == Some(&b';') {
                escaped = true;
                v = k + 2;
                continue;
            }
            break k;
        };
        if let Some(i) = KEYS.iter().position(|k| *k == key) {
            keys[i] = Some(((eq + 1, v_end), escaped));
        }
        pos = v_end + 1;
    }
}

/// The first continuation line that names an exception: `com.x.FooException: …` or
/// `java.lang.OutOfMemoryError` (leading spaces and `Caused by: ` allowed); its class name.
fn exception(rec: &[u8], first_end: usize) -> Option<Span> {
    let mut s = first_end + 1;
    while s < rec.len() {
        let e = memchr::memchr(b'\n', &rec[s..]).map_or(rec.len(), |k| s + k);
        let mut a = s;
        while a < e && (rec[a] == b' ' || rec[a] == b'\t') {
            a += 1;
        }
        if rec[a..e].starts_with(b"Caused by: ") {
            a += 11;
        }
        let name_end = rec[a..e].iter().position(|c| !(c.is_ascii_alphanumeric() || b"._$".contains(c))).map_or(e, |k| a + k);
        let name = &rec[a..name_end];
        if (name.ends_with(b"Exception") || name.ends_with(b"Error")) && name.contains(&b'.') && (name_end == e || rec[name_end] == b':') {
            return Some((a, name_end));
        }
        s = e + 1;
    }
    None
}

/// `cmd=Auth; account=x; protocol=soap; error=…;` in an audit message's first line.
fn parse_audit(rec: &[u8], (ms, me): Span, audit: &mut [Val; AUDIT_KEYS.len()]) -> bool {
    let end = memchr::memchr(b'\n', &rec[ms..me]).map_or(me, |k| ms + k);
    let mut pos = ms;
    let mut any = false;
    while pos < end {
        pos = skip_spaces(rec, pos);
        let Some(eq) = memchr::memchr(b'=', &rec[pos..end]).map(|k| pos + k) else { break };
        let key = &rec[pos..eq];
        if key.is_empty() || key.contains(&b' ') {
            break;
        }
        let v_end = memchr::memchr(b';', &rec[eq + 1..end]).map_or(end, |k| eq + 1 + k);
        if let Some(i) = AUDIT_KEYS.iter().position(|k| *k == key) {
            audit[i] = Some(((eq + 1, v_end), false));
            any = true;
        }
        pos = v_end + 1;
    }
    any
}

/// Which columns a format built on this parser has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mailbox,
    Audit,
}

fn str_fields(kind: Kind) -> Vec<&'static str> {
    let mut f = vec!["level", "thread", "thread_url", "context"];
    f.extend([
        "name", "aname", "mid_", "ip", "oip", "via", "ua", "soap_id", "port_", "id", "aid", "cid_", "msgid", "ds", "oport_", "oproto",
    ]);
    f.extend(["client_ip", "category"]);
    if kind == Kind::Audit {
        f.extend(["cmd", "account", "protocol", "error", "action"]);
    }
    f.extend(["message", "exception"]);
    f
}

/// The format's columns after provenance.
pub fn fields(kind: Kind) -> Vec<Field> {
    let mut out = vec![Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false)];
    for name in str_fields(kind) {
        out.push(match name {
            "mid_" => Field::new("mid", DataType::UInt64, true),
            "cid_" => Field::new("cid", DataType::UInt64, true),
            "port_" => Field::new("port", DataType::UInt16, true),
            "oport_" => Field::new("oport", DataType::UInt16, true),
            "level" | "thread" | "context" | "category" | "message" => Field::new(name, DataType::Utf8View, false),
            _ => Field::new(name, DataType::Utf8View, true),
        });
    }
    out.push(Field::new("n_lines", DataType::UInt32, false));
    out
}

/// Where each string column's value comes from (decided once per chunk, not per row).
#[derive(Clone, Copy)]
enum Src {
    Level,
    Thread,
    ThreadUrl,
    Context,
    Key(usize),
    Audit(usize),
    Typed,
    ClientIp,
    Category,
    Message,
    Exception,
    Action,
}

fn source(name: &str) -> Src {
    match name {
        "level" => Src::Level,
        "thread" => Src::Thread,
        "thread_url" => Src::ThreadUrl,
        "context" => Src::Context,
        "mid_" | "cid_" | "port_" | "oport_" => Src::Typed,
        "client_ip" => Src::ClientIp,
        "category" => Src::Category,
        "message" => Src::Message,
        "exception" => Src::Exception,
        "action" => Src::Action,
        _ => match KEYS.iter().position(|k| key_column(k) == name) {
            Some(k) => Src::Key(k),
            None => Src::Audit(AUDIT_KEYS.iter().position(|k| *k == name.as_bytes()).unwrap_or(0)),
        },
    }
}

struct Builder {
    kind: Kind,
    srcs: Vec<Src>,
    ts: PrimCol<TimestampMicrosecondType>,
    strs: Vec<StrCol>,
    mid: PrimCol<UInt64Type>,
    cid: PrimCol<UInt64Type>,
    port: PrimCol<UInt16Type>,
    oport: PrimCol<UInt16Type>,
    n_lines: PrimCol<UInt32Type>,
    names: Vec<&'static str>,
}

impl Builder {
    fn new(kind: Kind, n: usize) -> Self {
        let names = str_fields(kind);
        Builder {
            kind,
            srcs: names.iter().map(|n| source(n)).collect(),
            ts: PrimCol::with_capacity(n),
            strs: names.iter().map(|_| StrCol::with_capacity(n)).collect(),
            mid: PrimCol::with_capacity(n),
            cid: PrimCol::with_capacity(n),
            port: PrimCol::with_capacity(n),
            oport: PrimCol::with_capacity(n),
            n_lines: PrimCol::with_capacity(n),
            names,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, r: &Record, ts: i64, rec: &[u8], block: Block, base: usize, side: &mut Vec<u8>, n_lines: u64) {
        let at = |s: Span| (&rec[s.0..s.1], block, base + s.0);
        self.ts.push(ts);
        let num = |v: &Val| v.and_then(|((s, e), _)| parse_u64(&rec[s..e]));
        self.mid.push_opt(num(&r.keys[K_MID]));
        self.cid.push_opt(num(&r.keys[K_CID]));
        self.port.push_opt(num(&r.keys[K_PORT]).and_then(|p| u16::try_from(p).ok()));
        self.oport.push_opt(num(&r.keys[K_OPORT]).and_then(|p| u16::try_from(p).ok()));
        self.n_lines.push(u32::try_from(n_lines).unwrap_or(u32::MAX));
        let client = client_ip(rec, &r.keys);
        let action: Option<&'static [u8]> = (self.kind == Kind::Audit).then(|| audit_action(rec, &r.audit)).flatten();
        for (col, src) in self.strs.iter_mut().zip(&self.srcs) {
            match *src {
                Src::Level => col.push_opt(Some(at(r.level))),
                Src::Thread => col.push_opt(Some(at(r.thread))),
                Src::ThreadUrl => col.push_opt(r.thread_url.map(at)),
                Src::Context => col.push_opt(Some(at(r.context))),
                Src::Typed => col.push_null(), // built as typed columns above
                Src::ClientIp => match &client {
                    Some((s, None)) => col.push_opt(Some(at(*s))),
                    Some((_, Some(canon))) => {
                        let off = side.len();
                        side.extend_from_slice(canon.as_bytes());
                        col.push(canon.as_bytes(), Block::Side, off);
                    }
                    None => col.push_null(),
                },
                Src::Category => col.push_opt(Some(at(r.category))),
                Src::Message => col.push_opt(Some(at(r.message))),
                Src::Exception => col.push_opt(r.exception.map(at)),
                Src::Action => match action {
                    Some(a) => {
                        let off = side.len();
                        side.extend_from_slice(a);
                        col.push(a, Block::Side, off);
                    }
                    None => col.push_null(),
                },
                Src::Key(k) => push_val(col, r.keys[k], rec, block, base, side),
                Src::Audit(k) => push_val(col, r.audit[k], rec, block, base, side),
            }
        }
    }

    fn finish(self, blocks: &Blocks) -> Vec<ArrayRef> {
        let mut out: Vec<ArrayRef> = vec![Arc::new(self.ts.finish().with_timezone("UTC"))];
        let mut mid = Some(self.mid);
        let mut cid = Some(self.cid);
        let mut port = Some(self.port);
        let mut oport = Some(self.oport);
        for (name, col) in self.names.iter().zip(self.strs) {
            out.push(match *name {
                "mid_" => Arc::new(mid.take().expect("once").finish()),
                "cid_" => Arc::new(cid.take().expect("once").finish()),
                "port_" => Arc::new(port.take().expect("once").finish()),
                "oport_" => Arc::new(oport.take().expect("once").finish()),
                _ => col.finish(blocks),
            });
        }
        out.push(Arc::new(self.n_lines.finish()));
        out
    }
}

/// The column name of a context key (`soapId` → `soap_id`).
fn key_column(k: &[u8]) -> &'static str {
    match k {
        b"name" => "name",
        b"aname" => "aname",
        b"mid" => "mid_",
        b"ip" => "ip",
        b"oip" => "oip",
        b"via" => "via",
        b"ua" => "ua",
        b"soapId" => "soap_id",
        b"port" => "port_",
        b"id" => "id",
        b"aid" => "aid",
        b"cid" => "cid_",
        b"msgid" => "msgid",
        b"ds" => "ds",
        b"oport" => "oport_",
        _ => "oproto",
    }
}

/// A context value: a view of the text, or its `;;`-unescaped copy in the side buffer.
fn push_val(col: &mut StrCol, v: Val, rec: &[u8], block: Block, base: usize, side: &mut Vec<u8>) {
    match v {
        None => col.push_null(),
        Some(((s, e), false)) => col.push(&rec[s..e], block, base + s),
        Some(((s, e), true)) => {
            let off = side.len();
            let mut i = s;
            while i < e {
                side.push(rec[i]);
                i += if rec[i] == b';' && rec.get(i + 1) == Some(&b';') { 2 } else { 1 };
            }
            col.push(&side[off..], Block::Side, off);
        }
    }
}

/// The client: the first address of `oip` (originating IP, a list when proxied), else `ip`.
fn client_ip(rec: &[u8], keys: &[Val; KEYS.len()]) -> Option<(Span, Option<String>)> {
    for k in [K_OIP, K_IP] {
        if let Some(((s, e), _)) = keys[k] {
            let end = memchr::memchr2(b',', b' ', &rec[s..e]).map_or(e, |j| s + j);
            match ip::canonical(&rec[s..end]) {
                Some(CanonIp::AsIs) => return Some(((s, end), None)),
                Some(CanonIp::Rewritten(t)) => return Some(((s, end), Some(t))),
                None => {}
            }
        }
    }
    None
}

/// `login_ok` / `login_fail` for authentication commands.
fn audit_action(rec: &[u8], audit: &[Val; AUDIT_KEYS.len()]) -> Option<&'static [u8]> {
    let ((s, e), _) = audit[0]?;
    let cmd = &rec[s..e];
    if !cmd.ends_with(b"Auth") {
        return None;
    }
    Some(if audit[3].is_some() { b"login_fail" } else { b"login_ok" })
}

/// Parse a chunk of a log4j format.
pub fn parse_chunk(kind: Kind, chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut dates = IsoDateCache::default();
    let mut clock = Clock::new(ctx);
    let mut b = Builder::new(kind, chunk.data.len() / 300 + 16);
    let mut r = Record::default();
    let mut parsed = drive_records(chunk, Some(record_start), |rec, block, base, side, n| {
        r = Record::default();
        parse(rec, &mut dates, &mut r)?;
        if kind == Kind::Audit && (&rec[r.category.0..r.category.1] != b"security" || !parse_audit(rec, r.message, &mut r.audit)) {
            // audit.log holds the security logger's records; others are read all the same
            r.audit = Default::default();
        }
        let ts = clock.local(r.local_secs * 1_000_000 + i64::from(r.millis) * 1000);
        b.push(&r, ts, rec, block, base, side, n);
        Ok(())
    });
    parsed.columns = b.finish(&parsed.blocks);
    clock.report(&mut parsed);
    parsed
}

/// Whether a record reads completely as this kind (for detection): audit records must be the
/// security logger's `cmd=…` lines.
pub fn matches(kind: Kind, line: &[u8]) -> bool {
    let mut r = Record::default();
    if parse(line, &mut IsoDateCache::default(), &mut r).is_err() {
        return false;
    }
    match kind {
        Kind::Mailbox => true,
        // audit.log holds the `security` category only (mailbox.log holds every category)
        Kind::Audit => &line[r.category.0..r.category.1] == b"security",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &str) -> Record {
        let mut r = Record::default();
        parse(s.as_bytes(), &mut IsoDateCache::default(), &mut r).unwrap();
        r
    }

    fn text(s: &str, sp: Span) -> &str {
        &s[sp.0..sp.1]
    }

    #[test]
    fn mboximport_warning_with_url_in_thread() {
        let l = "2022-08-10 07:33:18,411 WARN  [qtp1234567890-4711:https://mail.example.org/service/extension/backup/mboximport?account-name=admin&ow=2&no-switch=1&append=1] [] mboxmove - Auth failed";
        let r = rec(l);
        assert_eq!(text(l, r.level), "WARN");
        assert_eq!(r.millis, 411);
        assert_eq!(
            text(l, r.thread_url.unwrap()),
            "https://mail.example.org/service/extension/backup/mboximport?account-name=admin&ow=2&no-switch=1&append=1"
        );
        assert_eq!(text(l, r.context), "");
        assert_eq!(text(l, r.category), "mboxmove");
        assert_eq!(text(l, r.message), "Auth failed");
    }

    #[test]
    fn context_with_escaped_semicolons_and_oip_list() {
        let l = "2025-09-19 19:40:17,304 INFO  [qtp1279309678-18:https://zimbra.example.net/service/soap/] [name=login@example.net;oip=1.2.3.4, 5.6.7.8;port=47834;ua=Mozilla/5.0 (X11;; Linux);soapId=56847ec2;] security - cmd=Auth; account=login@example.net; protocol=zsync;";
        let r = rec(l);
        let v = |k: usize| r.keys[k].map(|(s, _)| text(l, s));
        assert_eq!(v(K_NAME), Some("login@example.net"));
        assert_eq!(v(K_OIP), Some("1.2.3.4, 5.6.7.8"));
        assert_eq!(v(6), Some("Mozilla/5.0 (X11;; Linux)"));
        assert!(r.keys[6].unwrap().1, "ua holds ;; escapes");
        assert_eq!(v(K_PORT), Some("47834"));
        let ip = client_ip(l.as_bytes(), &r.keys).unwrap();
        assert_eq!(text(l, ip.0), "1.2.3.4");
        let mut audit = Default::default();
        assert!(parse_audit(l.as_bytes(), r.message, &mut audit));
        assert_eq!(audit[1].map(|(s, _)| text(l, s)), Some("login@example.net"));
        assert_eq!(audit[2].map(|(s, _)| text(l, s)), Some("zsync"));
        assert_eq!(audit_action(l.as_bytes(), &audit), Some(&b"login_ok"[..]));
    }

    #[test]
    fn stack_trace_record_and_doc_rendering_with_one_space() {
        let l = "2007-06-25 09:16:11,483 INFO [btpool0-251] [ip=10.4.5.6;ua=zimbraWebClient - FFX.X (Win);] SoapEngine - handler exception\ncom.zimbra.common.service.ServiceException: permission denied: not an admin account\nat com.zimbra.common.service.ServiceException.PERM_DENIED(ServiceException.java:205)";
        let r = rec(l);
        assert_eq!(text(l, r.category), "SoapEngine");
        assert!(text(l, r.message).starts_with("handler exception\ncom.zimbra"));
        assert_eq!(text(l, r.exception.unwrap()), "com.zimbra.common.service.ServiceException");
        assert_eq!(r.keys[6].map(|(s, _)| text(l, s)), Some("zimbraWebClient - FFX.X (Win)"));
    }

    #[test]
    fn failed_auth_is_login_fail() {
        let l = "2022-09-06 10:15:32,001 WARN  [qtp1-2:https://m/service/soap/AuthRequest] [name=bob@example.org;oip=203.0.113.9;ua=curl;] security - cmd=Auth; account=bob@example.org; protocol=soap; error=authentication failed for [bob@example.org], invalid password;";
        let r = rec(l);
        let mut audit = Default::default();
        assert!(parse_audit(l.as_bytes(), r.message, &mut audit));
        assert_eq!(audit_action(l.as_bytes(), &audit), Some(&b"login_fail"[..]));
        assert_eq!(audit[3].map(|(s, _)| text(l, s)), Some("authentication failed for [bob@example.org], invalid password"));
    }

    #[test]
    fn malformed_records_are_reasons() {
        for l in [
            "2022-09-06 10:15:32,001 INFO",
            "2022-09-06 10:15:32,001 INFO  [t] [ip=1.2.3.4] x - y",
            "2022-09-06 10:15:32,001 INFO  [t] [] x y",
            "2022-13-06 10:15:32,001 INFO  [t] [] x - y",
            "2022-09-06 10:15:32,001 INFO  [t] [novalue;] x - y",
        ] {
            let mut r = Record::default();
            assert!(parse(l.as_bytes(), &mut IsoDateCache::default(), &mut r).is_err(), "{l}");
        }
        assert!(!record_start(b"at com.zimbra.X(X.java:1)"));
        assert!(record_start(b"2022-09-06 10:15:32,001 INFO"));
    }
}
