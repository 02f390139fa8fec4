//! `syslog`: files written by a syslog daemon — `/var/log/zimbra.log`, `messages`, `syslog`,
//! `secure`, `auth.log` — in any framing [`syslog_header`] reads. Besides the header fields,
//! the mail fields of Postfix and amavis lines (what Zimbra's MTA writes to zimbra.log) and
//! the logins of sshd, saslauthd and Postfix SMTP AUTH are typed.
//!
//! Time: BSD stamps have no year — the chunk's first record gets `ParseCtx::year` and the year
//! advances when the month drops by more than six (December → January) — and, like RFC 3339
//! stamps without offset, are local time read in `ParseCtx::tz` (UTC if none). Stamps with an
//! offset are exact. RFC 5424 `-` gives a null `ts`.

use std::sync::Arc;

use arrow_array::types::{TimestampMicrosecondType, UInt32Type, UInt64Type, UInt8Type};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::chunk::Chunk;
use crate::columns::{Block, PrimCol, StrCol};
use crate::ip::{self, CanonIp};

use super::ncsa::{parse_u64, Span};
use super::syslog_header::{self, Clock, Header};
use super::{drive_records, ParseCtx, ParsedChunk};

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    let s = |n: &str| Field::new(n, DataType::Utf8View, true);
    vec![
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        s("host"),
        s("program"),
        Field::new("pid", DataType::UInt32, true),
        Field::new("facility", DataType::UInt8, true),
        Field::new("severity", DataType::UInt8, true),
        s("msgid"),
        s("structured_data"),
        Field::new("message", DataType::Utf8View, false),
        s("queue_id"),
        s("client_host"),
        s("client_ip"),
        s("from"),
        s("to"),
        s("status"),
        s("relay"),
        s("message_id"),
        Field::new("size", DataType::UInt64, true),
        s("amavis_action"),
        s("amavis_verdict"),
        s("user"),
        s("action"),
    ]
}

/// An IP address found in a line: its span and its canonical text when that differs.
type IpSpan = (Span, Option<String>);

/// The fields read from the message of one line.
#[derive(Default, Debug)]
pub struct Fields {
    pub queue_id: Option<Span>,
    pub client_host: Option<Span>,
    pub client_ip: Option<IpSpan>,
    pub from: Option<Span>,
    pub to: Option<Span>,
    pub status: Option<Span>,
    pub relay: Option<Span>,
    pub message_id: Option<Span>,
    pub size: Option<u64>,
    pub amavis_action: Option<Span>,
    pub amavis_verdict: Option<Span>,
    pub user: Option<Span>,
    /// `login_ok` / `login_fail`.
    pub action: Option<&'static str>,
}

fn ip_at(line: &[u8], s: Span) -> Option<IpSpan> {
    let (mut a, b) = s;
    if line[a..b].starts_with(b"IPv6:") {
        a += 5;
    }
    match ip::canonical(&line[a..b])? {
        CanonIp::AsIs => Some(((a, b), None)),
        CanonIp::Rewritten(t) => Some(((a, b), Some(t))),
    }
}

/// `host[ip]` at `p` (Postfix's client notation), up to `end`: host span and IP.
fn host_ip(line: &[u8], p: usize, end: usize) -> Option<(Span, Option<IpSpan>)> {
    let open = memchr::memchr(b'[', &line[p..end])? + p;
    let close = memchr::memchr(b']', &line[open..end])? + open;
    let host = (p, open);
    Some((host, ip_at(line, (open + 1, close))))
}

#[inline]
fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&hay[from..], needle).map(|k| from + k)
}

#[inline]
fn is_queue_id(t: &[u8]) -> bool {
    if !(6..=20).contains(&t.len()) {
        return false;
    }
    let mut digit = false;
    for &c in t {
        digit |= c.is_ascii_digit();
        if !c.is_ascii_alphanumeric() {
            return false;
        }
    }
    digit
}

/// Postfix: `QUEUEID: key=value, key=<value>, ...`, `connect from host[ip]`, SASL failures.
fn postfix(line: &[u8], (ms, me): Span, f: &mut Fields) {
    let mut p = ms;
    let t_end = memchr::memchr(b' ', &line[p..me]).map_or(me, |k| p + k);
    if t_end > p + 1 && line[t_end - 1] == b':' && is_queue_id(&line[p..t_end - 1]) {
        f.queue_id = Some((p, t_end - 1));
        p = (t_end + 1).min(me);
    }
    let rest = &line[p..me];
    for prefix in [&b"connect from "[..], b"disconnect from ", b"NOQUEUE: reject: RCPT from ", b"NOQUEUE: reject: CONNECT from "] {
        if rest.starts_with(prefix) {
            let a = p + prefix.len();
            let end = memchr::memchr(b' ', &line[a..me]).map_or(me, |k| a + k);
            if let Some((h, ip)) = host_ip(line, a, end) {
                f.client_host = Some(h);
                f.client_ip = ip;
            }
        }
    }
    if rest.starts_with(b"warning: ") {
        let a = p + 9;
        let end = memchr::memchr(b' ', &line[a..me]).map_or(me, |k| a + k);
        if end > a
            && line[end - 1] == b':'
            && find(&line[..me], end, b" authentication failed").is_some()
            && find(&line[..me], end, b"SASL").is_some()
        {
            if let Some((h, ip)) = host_ip(line, a, end - 1) {
                f.client_host = Some(h);
                f.client_ip = ip;
                f.action = Some("login_fail");
            }
        }
        return;
    }
    // key=value pairs; a key starts the message or follows a space or a comma
    let mut seg = p;
    while let Some(k) = memchr::memchr(b'=', &line[seg..me]) {
        let eq = seg + k;
        let ks = memchr::memrchr2(b' ', b',', &line[seg..eq]).map_or(seg, |j| seg + j + 1);
        let key = &line[ks..eq];
        let vs = eq + 1;
        let (val, next) = if line.get(vs) == Some(&b'<') && vs < me {
            match memchr::memchr(b'>', &line[vs..me]) {
                Some(j) => ((vs + 1, vs + j), vs + j + 1),
                None => ((vs + 1, me), me),
            }
        } else {
            let e = memchr::memchr2(b',', b' ', &line[vs..me]).map_or(me, |j| vs + j);
            ((vs, e), e)
        };
        match key {
            b"client" => {
                if let Some((h, ip)) = host_ip(line, val.0, val.1) {
                    f.client_host = Some(h);
                    f.client_ip = ip;
                }
            }
            b"from" if f.from.is_none() => f.from = Some(val),
            b"to" if f.to.is_none() => f.to = Some(val),
            b"status" => f.status = Some(val),
            b"relay" => f.relay = Some(val),
            b"message-id" => f.message_id = Some(val),
            b"size" => f.size = parse_u64(&line[val.0..val.1]),
            b"sasl_username" => {
                f.user = Some(val);
                f.action = Some("login_ok");
            }
            _ => {}
        }
        seg = next.max(eq + 1);
    }
}

/// amavis: `(pid-n) Passed CLEAN {..}, ... [ip]:port <from> -> <to>,<to2>, Queue-ID: X,
/// Message-ID: <id>, ..., size: N, ...` and `Checking:` / `FWD from` lines.
fn amavis(line: &[u8], (ms, me): Span, f: &mut Fields) {
    let mut p = ms;
    if line.get(p) == Some(&b'(') {
        if let Some(k) = memchr::memchr(b')', &line[p..me.min(p + 40)]) {
            p = (p + k + 2).min(me);
        }
    }
    let w_end = memchr::memchr(b' ', &line[p..me]).map_or(me, |k| p + k);
    let word = &line[p..w_end];
    if word == b"Passed" || word == b"Blocked" {
        f.amavis_action = Some((p, w_end));
        let vs = (w_end + 1).min(me);
        let mut ve = vs;
        while ve < me && (line[ve].is_ascii_uppercase() || line[ve].is_ascii_digit() || line[ve] == b'-') {
            ve += 1;
        }
        if ve > vs {
            if line[ve..me].starts_with(b" (") {
                if let Some(k) = memchr::memchr(b')', &line[ve..me]) {
                    ve += k + 1;
                }
            }
            f.amavis_verdict = Some((vs, ve));
        }
        p = ve;
    }
    if let Some(arrow) = find(&line[..me], p, b"> -> <") {
        // the sender is the `<...>` just before the arrow, the first recipient just after it
        if let Some(open) = memchr::memrchr(b'<', &line[p..arrow]) {
            f.from = Some((p + open + 1, arrow));
            let ts = arrow + 6;
            if let Some(k) = memchr::memchr(b'>', &line[ts..me]) {
                f.to = Some((ts, ts + k));
            }
            // the client `[ip]` comes before the sender
            if let Some(close) = memchr::memrchr(b']', &line[p..p + open]) {
                let close = p + close;
                if let Some(o) = memchr::memrchr(b'[', &line[p..close]) {
                    f.client_ip = ip_at(line, (p + o + 1, close));
                }
            }
        }
    }
    if let Some(k) = find(&line[..me], p, b"Queue-ID: ") {
        let s = k + 10;
        let e = memchr::memchr2(b',', b' ', &line[s..me]).map_or(me, |j| s + j);
        f.queue_id = Some((s, e));
    }
    if let Some(k) = find(&line[..me], p, b"Message-ID: <") {
        let s = k + 13;
        if let Some(j) = memchr::memchr(b'>', &line[s..me]) {
            f.message_id = Some((s, s + j));
        }
    }
    if let Some(k) = find(&line[..me], p, b", size: ") {
        let s = k + 8;
        let e = memchr::memchr2(b',', b' ', &line[s..me]).map_or(me, |j| s + j);
        f.size = parse_u64(&line[s..e]);
    }
}

/// sshd: `Accepted <method> for <user> from <ip> port N ...`, `Failed <method> for [invalid
/// user ]<user> from <ip> ...`, `Invalid user <user> from <ip> ...`.
fn sshd(line: &[u8], (ms, me): Span, f: &mut Fields) {
    let m = &line[ms..me];
    let (action, user_start) = if m.starts_with(b"Accepted ") || m.starts_with(b"Failed ") {
        let Some(k) = find(m, 0, b" for ") else { return };
        let mut u = k + 5;
        if m[u..].starts_with(b"invalid user ") {
            u += 13;
        }
        (Some(if m[0] == b'A' { "login_ok" } else { "login_fail" }), u)
    } else if m.starts_with(b"Invalid user ") {
        (None, 13)
    } else {
        return;
    };
    let Some(from) = memchr::memmem::rfind(&m[user_start..], b" from ").map(|k| user_start + k) else { return };
    let ips = from + 6;
    let ipe = memchr::memchr(b' ', &m[ips..]).map_or(m.len(), |k| ips + k);
    f.user = Some((ms + user_start, ms + from));
    f.client_ip = ip_at(line, (ms + ips, ms + ipe));
    f.action = action;
}

/// saslauthd: `auth_zimbra: <user> auth failed: ...` / `auth OK`, and
/// `do_auth : auth failure: [user=<user>] [service=...] ...`.
fn saslauthd(line: &[u8], (ms, me): Span, f: &mut Fields) {
    let m = &line[ms..me];
    if m.starts_with(b"auth_") {
        let Some(c) = find(m, 0, b": ") else { return };
        let us = c + 2;
        let ue = memchr::memchr(b' ', &m[us..]).map_or(m.len(), |k| us + k);
        if ue == us {
            return;
        }
        let tail = &m[ue..];
        if tail.starts_with(b" auth failed") {
            f.action = Some("login_fail");
        } else if tail.starts_with(b" auth OK") {
            f.action = Some("login_ok");
        }
        f.user = Some((ms + us, ms + ue));
    } else if let Some(k) = find(m, 0, b"auth failure: [user=") {
        let us = k + 20;
        if let Some(j) = memchr::memchr(b']', &m[us..]) {
            f.user = Some((ms + us, ms + us + j));
            f.action = Some("login_fail");
        }
    }
}

/// Read the typed fields of a message, by program.
pub fn message_fields(line: &[u8], h: &Header, f: &mut Fields) {
    let Some((ps, pe)) = h.program else { return };
    let prog = &line[ps..pe];
    if prog.starts_with(b"postfix") {
        postfix(line, h.msg, f);
    } else if prog.starts_with(b"amavis") {
        amavis(line, h.msg, f);
    } else if prog.starts_with(b"sshd") {
        sshd(line, h.msg, f);
    } else if prog == b"saslauthd" {
        saslauthd(line, h.msg, f);
    }
}

/// Whether `line` is a syslog line (used by detection): a header with a tag.
pub fn matches(line: &[u8]) -> bool {
    syslog_header::parse(line).is_ok_and(|h| h.program.is_some())
}

/// The month of a BSD-stamped line.
pub fn line_month(line: &[u8]) -> Option<u32> {
    syslog_header::bsd_month(line)
}

struct Builder {
    ts: PrimCol<TimestampMicrosecondType>,
    host: StrCol,
    program: StrCol,
    pid: PrimCol<UInt32Type>,
    facility: PrimCol<UInt8Type>,
    severity: PrimCol<UInt8Type>,
    msgid: StrCol,
    sd: StrCol,
    message: StrCol,
    queue_id: StrCol,
    client_host: StrCol,
    client_ip: StrCol,
    from: StrCol,
    to: StrCol,
    status: StrCol,
    relay: StrCol,
    message_id: StrCol,
    size: PrimCol<UInt64Type>,
    amavis_action: StrCol,
    amavis_verdict: StrCol,
    user: StrCol,
    action: StrCol,
}

/// Push an optional IP (canonical text to the side buffer when rewritten).
pub fn push_ip(col: &mut StrCol, ip: &Option<IpSpan>, line: &[u8], block: Block, base: usize, side: &mut Vec<u8>) {
    match ip {
        Some((s, None)) => col.push(&line[s.0..s.1], block, base + s.0),
        Some((_, Some(canon))) => {
            let off = side.len();
            side.extend_from_slice(canon.as_bytes());
            col.push(canon.as_bytes(), Block::Side, off);
        }
        None => col.push_null(),
    }
}

/// Push a short static string (≤ 12 bytes: stored inline in the view, no buffer needed).
pub fn push_static(col: &mut StrCol, v: Option<&'static str>) {
    match v {
        Some(s) => {
            debug_assert!(s.len() <= 12);
            col.push(s.as_bytes(), Block::Input, 0);
        }
        None => col.push_null(),
    }
}

impl Builder {
    fn new(n: usize) -> Self {
        Builder {
            ts: PrimCol::with_capacity(n),
            host: StrCol::with_capacity(n),
            program: StrCol::with_capacity(n),
            pid: PrimCol::with_capacity(n),
            facility: PrimCol::with_capacity(n),
            severity: PrimCol::with_capacity(n),
            msgid: StrCol::with_capacity(n),
            sd: StrCol::with_capacity(n),
            message: StrCol::with_capacity(n),
            queue_id: StrCol::with_capacity(n),
            client_host: StrCol::with_capacity(n),
            client_ip: StrCol::with_capacity(n),
            from: StrCol::with_capacity(n),
            to: StrCol::with_capacity(n),
            status: StrCol::with_capacity(n),
            relay: StrCol::with_capacity(n),
            message_id: StrCol::with_capacity(n),
            size: PrimCol::with_capacity(n),
            amavis_action: StrCol::with_capacity(n),
            amavis_verdict: StrCol::with_capacity(n),
            user: StrCol::with_capacity(n),
            action: StrCol::with_capacity(n),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, ts: Option<i64>, h: &Header, f: &Fields, line: &[u8], block: Block, base: usize, side: &mut Vec<u8>) {
        let at = |s: Option<Span>| s.map(|s| (&line[s.0..s.1], block, base + s.0));
        self.ts.push_opt(ts);
        self.host.push_opt(at(h.host));
        self.program.push_opt(at(h.program));
        self.pid.push_opt(h.pid_u32(line));
        self.facility.push_opt(h.facility());
        self.severity.push_opt(h.severity());
        self.msgid.push_opt(at(h.msgid));
        self.sd.push_opt(at(h.sd));
        self.message.push_opt(at(Some(h.msg)));
        self.queue_id.push_opt(at(f.queue_id));
        self.client_host.push_opt(at(f.client_host));
        push_ip(&mut self.client_ip, &f.client_ip, line, block, base, side);
        self.from.push_opt(at(f.from));
        self.to.push_opt(at(f.to));
        self.status.push_opt(at(f.status));
        self.relay.push_opt(at(f.relay));
        self.message_id.push_opt(at(f.message_id));
        self.size.push_opt(f.size);
        self.amavis_action.push_opt(at(f.amavis_action));
        self.amavis_verdict.push_opt(at(f.amavis_verdict));
        self.user.push_opt(at(f.user));
        push_static(&mut self.action, f.action);
    }

    fn finish(self, blocks: &crate::columns::Blocks) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.ts.finish().with_timezone("UTC")),
            self.host.finish(blocks),
            self.program.finish(blocks),
            Arc::new(self.pid.finish()),
            Arc::new(self.facility.finish()),
            Arc::new(self.severity.finish()),
            self.msgid.finish(blocks),
            self.sd.finish(blocks),
            self.message.finish(blocks),
            self.queue_id.finish(blocks),
            self.client_host.finish(blocks),
            self.client_ip.finish(blocks),
            self.from.finish(blocks),
            self.to.finish(blocks),
            self.status.finish(blocks),
            self.relay.finish(blocks),
            self.message_id.finish(blocks),
            Arc::new(self.size.finish()),
            self.amavis_action.finish(blocks),
            self.amavis_verdict.finish(blocks),
            self.user.finish(blocks),
            self.action.finish(blocks),
        ]
    }
}

/// Parse a chunk of syslog lines.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut clock = Clock::new(ctx);
    // exact capacity: regrowing ~20 view columns would copy them and fault fresh pages again
    let mut b = Builder::new(memchr::memchr_iter(b'\n', &chunk.data).count() + 1);
    let mut parsed = drive_records(chunk, None, |line, block, base, side, _| {
        let h = syslog_header::parse(line)?;
        let ts = clock.utc(h.stamp)?;
        let mut f = Fields::default();
        message_fields(line, &h, &mut f);
        b.push(ts, &h, &f, line, block, base, side);
        Ok(())
    });
    parsed.columns = b.finish(&parsed.blocks);
    clock.report(&mut parsed);
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::Array;

    fn fields_of(line: &str) -> (Header, Fields) {
        let h = syslog_header::parse(line.as_bytes()).unwrap();
        let mut f = Fields::default();
        message_fields(line.as_bytes(), &h, &mut f);
        (h, f)
    }

    fn t(line: &str, s: Option<Span>) -> Option<&str> {
        s.map(|(a, b)| &line[a..b])
    }

    fn ip(line: &str, s: &Option<IpSpan>) -> Option<String> {
        s.as_ref().map(|(sp, c)| c.clone().unwrap_or_else(|| line[sp.0..sp.1].to_string()))
    }

    #[test]
    fn postfix_lines() {
        let l = "Jun 16 11:41:14 msdplantations postfix/amavisd/smtpd[21803]: E6806280D72: client=localhost[127.0.0.1]";
        let (_, f) = fields_of(l);
        assert_eq!(t(l, f.queue_id), Some("E6806280D72"));
        assert_eq!(t(l, f.client_host), Some("localhost"));
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("127.0.0.1"));
        let l = "Jun 16 11:41:14 msdplantations postfix/amavisd/smtpd[21803]: connect from localhost[127.0.0.1]";
        let (_, f) = fields_of(l);
        assert_eq!(f.queue_id, None);
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("127.0.0.1"));
        let l = "Jun 16 11:41:14 msdplantations postfix/cleanup[21795]: E6806280D72: message-id=<719873953.26.1402899070175.JavaMail.zimbra@domainname.com>";
        let (_, f) = fields_of(l);
        assert_eq!(t(l, f.message_id), Some("719873953.26.1402899070175.JavaMail.zimbra@domainname.com"));
        let l = "Jun 16 11:41:14 msdplantations postfix/qmgr[16822]: E6806280D72: from=<admin@domainname.com>, size=1600, nrcpt=1 (queue active)";
        let (_, f) = fields_of(l);
        assert_eq!(t(l, f.from), Some("admin@domainname.com"));
        assert_eq!(f.size, Some(1600));
        let l = "Sep  6 10:15:32 mail postfix/smtp[1234]: 4Q8Z3X1y2zz1Nc: to=<bob@example.org>, orig_to=<alias@example.org>, relay=mx.example.org[192.0.2.7]:25, delay=0.5, status=bounced (host said: 550 no such user), to=<x@y>";
        let (_, f) = fields_of(l);
        assert_eq!(t(l, f.queue_id), Some("4Q8Z3X1y2zz1Nc"));
        assert_eq!(t(l, f.to), Some("bob@example.org"));
        assert_eq!(t(l, f.relay), Some("mx.example.org[192.0.2.7]:25"));
        assert_eq!(t(l, f.status), Some("bounced"));
        let l = "Sep  6 10:15:32 mail postfix/smtpd[99]: 1A2B3C4D5E: client=unknown[2001:DB8:0:0::1], sasl_method=LOGIN, sasl_username=bob@example.org";
        let (_, f) = fields_of(l);
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("2001:db8::1"));
        assert_eq!(t(l, f.user), Some("bob@example.org"));
        assert_eq!(f.action, Some("login_ok"));
        let l = "Sep  6 10:15:32 mail postfix/smtpd[99]: warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6";
        let (_, f) = fields_of(l);
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("203.0.113.9"));
        assert_eq!(f.action, Some("login_fail"));
        let l = "Sep  6 10:15:32 mail postfix/smtpd[99]: NOQUEUE: reject: RCPT from unknown[198.51.100.4]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>";
        let (_, f) = fields_of(l);
        assert_eq!(f.queue_id, None);
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("198.51.100.4"));
        assert_eq!(t(l, f.from), Some("a@b"));
        assert_eq!(t(l, f.to), Some("x@y"));
        // postfix with the IPv6: prefix
        let l = "Sep  6 10:15:32 mail postfix/smtpd[99]: connect from unknown[IPv6:2001:db8::1]";
        let (_, f) = fields_of(l);
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn amavis_lines() {
        let l = "2015-05-25T13:24:54.305138-03:00 mta-in-01 amavis[31520]: (31520-03) Passed CLEAN {RelayedInternal,Archived}, ORIGINATING/MYNETS LOCAL [192.168.0.152]:33696 <pbruna@example.com> -> <deugenin@example.com>, quarantine: deugenin-20150309@itlinux.cl.archive, pbruna-20150307@itlinux.cl.archive, Queue-ID: 0CCC62816D5, Message-ID: <200345754.22435379.1432571094009.JavaMail.zimbra@itlinux.cl>, mail_id: bStz4_w6-5Pp, Hits: -, size: 2750, queued_as: 31D4F2816E1, 239 ms";
        let (_, f) = fields_of(l);
        assert_eq!(t(l, f.amavis_action), Some("Passed"));
        assert_eq!(t(l, f.amavis_verdict), Some("CLEAN"));
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("192.168.0.152"));
        assert_eq!(t(l, f.from), Some("pbruna@example.com"));
        assert_eq!(t(l, f.to), Some("deugenin@example.com"));
        assert_eq!(t(l, f.queue_id), Some("0CCC62816D5"));
        assert_eq!(t(l, f.message_id), Some("200345754.22435379.1432571094009.JavaMail.zimbra@itlinux.cl"));
        assert_eq!(f.size, Some(2750));
        let l = "Sep  6 10:15:32 mail amavis[1]: (00001-01) Blocked INFECTED (Eicar-Signature) {DiscardedInbound,Quarantined}, [198.51.100.4]:4711 [198.51.100.4] <a@b.example> -> <c@d.example>,<e@f.example>, Queue-ID: ABCDEF123, size: 68";
        let (_, f) = fields_of(l);
        assert_eq!(t(l, f.amavis_action), Some("Blocked"));
        assert_eq!(t(l, f.amavis_verdict), Some("INFECTED (Eicar-Signature)"));
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("198.51.100.4"));
        assert_eq!(t(l, f.to), Some("c@d.example"));
        let l = "Mar 15 09:16:40 mail amavis[10050]: (10050-10) Checking: LTo-eHGIVjxE ORIGINATING_POST/MYNETS [127.0.0.1] <admin@tubui.xyz> -> <tubui16091999@gmail.com>";
        let (_, f) = fields_of(l);
        assert_eq!(f.amavis_action, None);
        assert_eq!(t(l, f.from), Some("admin@tubui.xyz"));
        assert_eq!(ip(l, &f.client_ip).as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn logins() {
        let l = "Sep  6 10:15:32 bastion sshd[812]: Accepted password for root from 203.0.113.50 port 52144 ssh2";
        let (_, f) = fields_of(l);
        assert_eq!((t(l, f.user), ip(l, &f.client_ip).as_deref(), f.action), (Some("root"), Some("203.0.113.50"), Some("login_ok")));
        let l = "Sep  6 10:15:32 bastion sshd[812]: Failed password for invalid user admin from 2001:db8::7 port 22 ssh2";
        let (_, f) = fields_of(l);
        assert_eq!((t(l, f.user), ip(l, &f.client_ip).as_deref(), f.action), (Some("admin"), Some("2001:db8::7"), Some("login_fail")));
        let l = "Mar 26 21:38:26 mta-in-01 saslauthd[29157]: auth_zimbra: contabilidad@example.com auth failed: authentication failed for [contabilidad@maquinet.cl]";
        let (_, f) = fields_of(l);
        assert_eq!((t(l, f.user), f.action), (Some("contabilidad@example.com"), Some("login_fail")));
        let l = "Mar 26 21:38:26 h saslauthd[29157]: do_auth         : auth failure: [user=bob] [service=smtp] [realm=] [mech=pam] [reason=PAM auth error]";
        let (_, f) = fields_of(l);
        assert_eq!((t(l, f.user), f.action), (Some("bob"), Some("login_fail")));
    }

    fn chunk(text: &str) -> Chunk {
        Chunk { index: 0, offset: 0, data: text.as_bytes().to_vec(), long_line: None }
    }

    #[test]
    fn rollover_inside_chunk_and_zone() {
        let text = "Dec 31 23:59:59 h p: a\nJan  1 00:00:01 h p: b\nMar  1 00:00:00 h p: c\nnot syslog\n";
        let ctx = ParseCtx { tz: None, year: Some(2022), header: None };
        let p = parse_chunk(chunk(text), &ctx);
        assert_eq!(p.rows(), 3);
        assert_eq!(p.rejects.len(), 1);
        let ts = p.columns[0].as_primitive::<TimestampMicrosecondType>();
        let day = |y, m, d| crate::time::days_from_civil(y, m, d) * 86_400_000_000;
        assert_eq!(ts.value(0), day(2022, 12, 31) + 86_399_000_000);
        assert_eq!(ts.value(1), day(2023, 1, 1) + 1_000_000);
        assert_eq!(ts.value(2), day(2023, 3, 1));
        // Europe/Paris: CET in winter (UTC+1)
        let ctx = ParseCtx { tz: crate::time::parse_zone("Europe/Paris"), year: Some(2022), header: None };
        let p = parse_chunk(chunk("Oct 30 02:30:00 h p: dst\nJan 10 10:00:00 h p: x\n"), &ctx);
        let ts = p.columns[0].as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(0), day(2022, 10, 30) + 30 * 60_000_000); // first occurrence: 00:30Z
        assert_eq!(ts.value(1), day(2023, 1, 10) + 9 * 3_600_000_000);
        assert_eq!(p.ambiguous_times, 1);
        // Feb 29 in a non-leap year is a reject, not a wrong date
        let p = parse_chunk(chunk("Feb 29 10:00:00 h p: x\n"), &ParseCtx { tz: None, year: Some(2022), header: None });
        assert_eq!(p.rejects.len(), 1);
        let p = parse_chunk(chunk("Feb 29 10:00:00 h p: x\n"), &ParseCtx { tz: None, year: Some(2024), header: None });
        assert_eq!(p.rows(), 1);
    }

    #[test]
    fn table_columns() {
        let text =
            "<38>Sep  6 10:15:32 bastion sshd[812]: Accepted password for root from 203.0.113.50 port 52144 ssh2\n<165>1 - - - - - -\n";
        let p = parse_chunk(chunk(text), &ParseCtx { tz: None, year: Some(2022), header: None });
        assert_eq!(p.rows(), 2);
        assert_eq!(p.columns.len(), fields().len());
        let fac = p.columns[4].as_primitive::<UInt8Type>();
        let sev = p.columns[5].as_primitive::<UInt8Type>();
        assert_eq!((fac.value(0), sev.value(0)), (4, 6));
        assert!(p.columns[0].is_null(1));
        let action = p.columns[21].as_string_view();
        assert_eq!(action.value(0), "login_ok");
        assert!(action.is_null(1));
        assert_eq!(p.columns[8].as_string_view().value(1), "");
    }
}
