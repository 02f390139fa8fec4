//! `cisco_asa`: Cisco ASA (and FTD) syslog messages, `%ASA-<severity>-<id>: <text>` (or
//! `%FTD-…`, or `%ASA-<class>-<severity>-<id>`), behind whatever header the device or a relay
//! wrote: the ASA's own stamp with a year (`Oct 10 2018 12:34:56`, a trailing `:` and a zone
//! word such as `EDT` accepted), a BSD syslog header (`May  6 09:24:00 fw01 …`), RFC 3339 /
//! RFC 5424, or none at all; a device id (`logging device-id`) may sit before the tag.
//!
//! Columns: `ts`, `syslog_host` (the header HOSTNAME), `device` (the device id: the last word
//! before the tag when it is not the header's program tag, `:` dropped), `facility_tag`
//! (`ASA` / `FTD`), `severity`, `message_id`, `message` (the text after `%ASA-n-id: `), then
//! the fields typed from the message for the ids below; the text is kept whole in `message`, so
//! nothing the typing leaves out is lost. A zone word after the stamp goes to `extra` under
//! `zone`, a class word in the tag under `class`, the NAT kind of 305011/305012 under
//! `translation`, the interface of the mapped side of a translation under `mapped_if`,
//! 106100's hit count under `hit_cnt`; a value that does not read as its column's type (a host
//! name where an address is expected: `for DMZ:websrv01/8080`) goes to `extra` under the
//! column's name.
//!
//! Typed messages (templates from Cisco's syslog messages guide): 302013/302015 (Built TCP/UDP
//! connection), 302014/302016 (Teardown, with `duration` → seconds, `bytes` — the two-way
//! total — and the teardown `reason`), 302020/302021 (ICMP built/teardown: faddr, gaddr,
//! laddr), 106001, 106006, 106007, 106014, 106015, 106023 (access-group denies, `acl`),
//! 106100 (access-list hits), 305011/305012 (NAT translations), 710003 (denied by an ACL to
//! the device). Every other message id is kept as a row with the header fields and its text.
//!
//! Direction: `src_*` is the initiator and `dst_*` the responder. In Built TCP/UDP messages
//! `inbound` means the `for` side initiated; `outbound` means the `to` side did (so the sides
//! are swapped). ICMP built: `inbound` → `faddr` initiated (destination `laddr`, mapped
//! `gaddr`); `outbound` → `laddr` initiated (mapped `gaddr`) towards `faddr`. Teardown
//! messages carry no direction word: their sides stay in the order logged (`for` → src, `to`
//! → dst; `faddr` → src, `laddr` → dst); join on `conn_id` with the Built row to orient them.
//! The parenthesised NAT view of each side goes to `src_mapped*` / `dst_mapped*`; for
//! 305011/305012 the `to` side is the mapped address of the `from` side (`src_mapped*`).
//! ICMP identifiers written as `/port` are not ports and are not typed. IDFW users
//! (`(LOCAL\user)`, spaces and commas inside allowed) and a trailing `(user)` → `user`.
//!
//! Time: `ts` is the header stamp: the ASA's own stamp carries a year and is ASA local time
//! (`clock timezone`), read in `ParseCtx::tz` (UTC when none; a zone word is not used); BSD
//! stamps without year take `ParseCtx::year` with roll-over; stamps with an offset are exact.
//! No header: `ts` is null.
//!
//! Rejected: a line without a `%ASA-`/`%FTD-` tag of the form `<severity>-<6 digits>` (AAA
//! messages without a tag are not ASA framing here).
//!
//! Events: `host` ← `device`, else `syslog_host`; src/dst as above; `proto` lower-cased; `user`;
//! `action`: Built / Teardown / permitted / est-allowed → `allow`, Deny / denied → `deny`
//! (teardown reasons such as `TCP Reset-I` are endpoint resets: still `allow`; the reason is
//! its own column); `bytes_in`/`bytes_out` null (the teardown total is in `bytes`); `message`
//! ← `message`.

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::{coalesce, Mapping};
use crate::ip;

use super::ncsa::{parse_u64, Span};
use super::netfilter::{header_columns, proto_column, trim};
use super::normal::{self, str_col};
use super::syslog_header::{self, Clock, Framing};
use super::typed::{self, col, Kind, Row};
use super::{FormatId, ParseCtx, ParsedChunk, Reason};

const COLS: &[typed::Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("device", Kind::Str),
    col("facility_tag", Kind::Str),
    col("severity", Kind::U8),
    col("message_id", Kind::U32),
    col("message", Kind::Str),
    col("action", Kind::Str),
    col("direction", Kind::Str),
    col("proto", Kind::Str),
    col("conn_id", Kind::U64),
    col("src_if", Kind::Str),
    col("src", Kind::Ip),
    col("src_port", Kind::U16),
    col("src_mapped", Kind::Ip),
    col("src_mapped_port", Kind::U16),
    col("dst_if", Kind::Str),
    col("dst", Kind::Ip),
    col("dst_port", Kind::U16),
    col("dst_mapped", Kind::Ip),
    col("dst_mapped_port", Kind::U16),
    col("duration", Kind::U32),
    col("bytes", Kind::U64),
    col("reason", Kind::Str),
    col("user", Kind::Str),
    col("acl", Kind::Str),
    col("icmp_type", Kind::U8),
    col("icmp_code", Kind::U8),
    col("tcp_flags", Kind::Str),
];

const TS: usize = 0;
const HOST: usize = 1;
const DEVICE: usize = 2;
const FACILITY: usize = 3;
const SEVERITY: usize = 4;
const MESSAGE_ID: usize = 5;
const MESSAGE: usize = 6;
const ACTION: usize = 7;
const DIRECTION: usize = 8;
const PROTO: usize = 9;
const CONN_ID: usize = 10;
const DURATION: usize = 21;
const BYTES: usize = 22;
const REASON: usize = 23;
const USER: usize = 24;
const ACL: usize = 25;
const ICMP_TYPE: usize = 26;
const ICMP_CODE: usize = 27;
const TCP_FLAGS: usize = 28;

/// The columns of one side: interface, address, port, mapped address, mapped port.
const SRC: [usize; 5] = [11, 12, 13, 14, 15];
const DST: [usize; 5] = [16, 17, 18, 19, 20];

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

/// The `%ASA-…` tag: its start, facility span, severity, message id span, where the text
/// starts, and the class word if any.
struct Tag {
    start: usize,
    facility: Span,
    class: Option<Span>,
    severity: u8,
    id: Span,
    text: usize,
}

/// Find and read the tag: the first `%ASA-` or `%FTD-` at the start of the line or after a
/// space or `:`, followed by `[class-]<severity>-<digits>` and an optional `:`.
fn tag(line: &[u8]) -> Option<Tag> {
    let mut q = 0;
    while let Some(k) = memchr::memchr(b'%', &line[q..]) {
        let at = q + k;
        q = at + 1;
        let fac = line.get(at + 1..at + 5)?;
        if !(fac == b"ASA-" || fac == b"FTD-") || !(at == 0 || matches!(line[at - 1], b' ' | b':')) {
            continue;
        }
        let mut p = at + 5;
        let mut class = None;
        if line.get(p).is_some_and(u8::is_ascii_alphabetic) {
            let e = p + line[p..].iter().take(32).position(|&c| c == b'-')?;
            class = Some((p, e));
            p = e + 1;
        }
        let sev = *line.get(p)?;
        if !sev.is_ascii_digit() || line.get(p + 1) != Some(&b'-') {
            continue;
        }
        let ids = p + 2;
        let ide = ids + line[ids..].iter().take(8).take_while(|c| c.is_ascii_digit()).count();
        if ide - ids < 4 {
            continue;
        }
        let mut text = ide;
        if line.get(text) == Some(&b':') {
            text += 1;
        }
        if text < line.len() && line[text] != b' ' {
            continue;
        }
        while text < line.len() && line[text] == b' ' {
            text += 1;
        }
        return Some(Tag { start: at, facility: (at + 1, at + 4), class, severity: sev - b'0', id: (ids, ide), text });
    }
    None
}

/// Zone abbreviations an ASA may write after its stamp.
const ZONES: &[&[u8]] = &[
    b"UTC", b"GMT", b"EST", b"EDT", b"CST", b"CDT", b"MST", b"MDT", b"PST", b"PDT", b"CET", b"CEST", b"BST", b"IST", b"JST", b"AEST",
    b"AEDT",
];

/// The header before the tag: `ts`, `syslog_host`, `device`, a zone word.
fn header(row: &mut Row, clock: &mut Clock, line: &[u8], tag_start: usize) -> Result<(), Reason> {
    let mut end = tag_start;
    while end > 0 && matches!(line[end - 1], b' ' | b':') {
        end -= 1;
    }
    let head = &line[..end];
    let zone = |s: Span| ZONES.contains(&&head[s.0..s.1]);
    // with its colon the last word may be a syslog tag (`CiscoASA[999]:`); without it the
    // ASA's own stamp reads (`… 12:34:56:`); the stamp may end with `:` before the device id
    // (`… 12:34:56: asa01 :`)
    let mut colon = end;
    while colon < tag_start && line[colon] == b':' {
        colon += 1;
    }
    let parsed = syslog_header::parse(&line[..colon]).or_else(|_| syslog_header::parse(head));
    let (mut h, device) = match parsed {
        Ok(h) => {
            let ws = head.iter().rposition(|&c| c == b' ').map_or(0, |k| k + 1);
            let is_program = h.program.is_some_and(|p| p.0 == ws);
            // RFC 5424 ends its header with `-` fields: no device id there
            let dev = h.host.is_some_and(|hs| ws >= hs.0) && !is_program && ws < end && h.framing != Framing::Rfc5424;
            (h, dev.then_some((ws, end)))
        }
        Err(_) => {
            let Some(c) = memchr::memmem::find(head, b": ") else { return Ok(()) };
            let Ok(h) = syslog_header::parse(&head[..c]) else { return Ok(()) };
            let dev = trim(line, (c + 1, end));
            (h, (dev.1 > dev.0).then_some(dev))
        }
    };
    // a zone word after the stamp (`… 14:02:11 EDT:`), read as a host or a tag
    let ws = head.iter().rposition(|&c| c == b' ').map_or(0, |k| k + 1);
    if ws > 0 && zone((ws, end)) {
        row.extra_named("zone", (ws, end));
        if h.host.is_some_and(|s| s.0 == ws) {
            h.host = None;
        }
    }
    header_columns(row, clock, &h, TS, HOST)?;
    if let Some(d) = device.filter(|&d| !zone(d)) {
        row.str(DEVICE, d);
    }
    Ok(())
}

/// The message's items: space-separated words, a parenthesised group kept whole (spaces inside
/// allowed: `(LOCAL\John Smith)`), runs of spaces skipped.
fn items(line: &[u8], (s, e): Span, out: &mut Vec<Span>) {
    out.clear();
    let mut p = s;
    while p < e {
        while p < e && line[p] == b' ' {
            p += 1;
        }
        if p == e {
            break;
        }
        let start = p;
        let mut depth = 0u32;
        while p < e {
            match line[p] {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b' ' if depth == 0 => break,
                _ => {}
            }
            p += 1;
        }
        out.push((start, p));
    }
}

/// One side of a connection as read from the message.
#[derive(Default, Clone, Copy)]
struct Side {
    iface: Option<Span>,
    addr: Option<Span>,
    port: Option<Span>,
    mapped: Option<Span>,
    mapped_port: Option<Span>,
    user: Option<Span>,
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// `ip/port` (or `ip`) inside a span: address and port.
fn addr_port(line: &[u8], (s, e): Span) -> (Span, Option<Span>) {
    match line[s..e].iter().rposition(|&c| c == b'/') {
        Some(k) if digits(&line[s + k + 1..e]) => ((s, s + k), Some((s + k + 1, e))),
        _ => ((s, e), None),
    }
}

impl Side {
    /// Read an endpoint item: `[if:]addr[/port]`, `if/addr(port)`, each followed by
    /// parenthesised groups (the mapped `(ip/port)`, an IDFW user).
    fn read(line: &[u8], (s, e): Span) -> Side {
        let mut side = Side::default();
        let body_end = memchr::memchr(b'(', &line[s..e]).map_or(e, |k| s + k);
        let body = (s, body_end);
        let slash = line[s..body_end].iter().rposition(|&c| c == b'/').map(|k| s + k);
        let (left, port) = match slash {
            Some(k) if digits(&line[k + 1..body_end]) => ((s, k), Some((k + 1, body_end))),
            // `outside/10.1.1.1`: interface, then address (106100)
            Some(k) if k > s && ip::canonical(&line[s..k]).is_none() => {
                side.iface = Some((s, k));
                ((k + 1, body_end), None)
            }
            _ => (body, None),
        };
        side.port = port;
        if side.iface.is_none() && ip::canonical(&line[left.0..left.1]).is_none() {
            if let Some(c) = memchr::memchr(b':', &line[left.0..left.1]) {
                side.iface = Some((left.0, left.0 + c));
                side.addr = Some((left.0 + c + 1, left.1));
            } else {
                side.addr = Some(left);
            }
        } else {
            side.addr = Some(left);
        }
        side.groups(line, (body_end, e));
        side
    }

    /// Parenthesised groups in `(s, e)`: a port, a mapped `ip[/port]`, or a user.
    fn groups(&mut self, line: &[u8], (mut s, e): Span) {
        while let Some(k) = memchr::memchr(b'(', &line[s..e]) {
            let gs = s + k + 1;
            let ge = memchr::memchr(b')', &line[gs..e]).map_or(e, |j| gs + j);
            let g = (gs, ge);
            let (a, p) = addr_port(line, g);
            if digits(&line[gs..ge]) && self.port.is_none() {
                self.port = Some(g);
            } else if self.mapped.is_none() && ip::canonical(&line[a.0..a.1]).is_some() {
                self.mapped = Some(a);
                self.mapped_port = p;
            } else if self.user.is_none() && ge > gs {
                self.user = Some(g);
            }
            s = (ge + 1).min(e);
        }
    }

    fn swap_mapped_into(&mut self, to: Side) {
        self.mapped = to.addr;
        self.mapped_port = to.port;
    }
}

/// Set column `c`, keeping a value that does not read in `extra` under the column's name.
fn set(row: &mut Row, c: usize, sp: Option<Span>) {
    if let Some(sp) = sp {
        if !row.text(c, sp) {
            row.extra_named(COLS[c].name, sp);
        }
    }
}

fn set_side(row: &mut Row, cols: [usize; 5], s: &Side, ports: bool) {
    set(row, cols[0], s.iface);
    set(row, cols[1], s.addr);
    set(row, cols[3], s.mapped);
    if ports {
        set(row, cols[2], s.port);
        set(row, cols[4], s.mapped_port);
    }
}

/// `h:mm:ss` → seconds.
fn duration(b: &[u8]) -> Option<u32> {
    let mut parts = b.split(|&c| c == b':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let n = |x: &[u8]| parse_u64(x).and_then(|v| u32::try_from(v).ok());
    n(h)?.checked_mul(3600)?.checked_add(n(m)? * 60 + n(s)?)
}

/// The message ids typed, and which item holds the action, direction and protocol.
/// (action, direction, proto) item indexes; `None`: not in that message.
fn layout(id: u32) -> Option<(usize, Option<usize>, usize)> {
    Some(match id {
        302013 | 302015 | 302020 => (0, Some(1), 2),
        302014 | 302016 | 302021 => (0, None, 1),
        305011 | 305012 => (0, None, 2),
        106023 | 106015 => (0, None, 1),
        106006 | 106007 | 106014 => (0, Some(1), 2),
        106001 => (3, Some(0), 1),
        106100 => (2, None, 3),
        710003 => (2, None, 0),
        _ => return None,
    })
}

/// Type the fields of a message we know.
fn typed_fields(row: &mut Row, line: &[u8], id: u32, it: &[Span]) {
    let Some((a, d, p)) = layout(id) else { return };
    let word = |i: usize| it.get(i).map(|s| &line[s.0..s.1]).unwrap_or(b"");
    set(row, ACTION, it.get(a).copied());
    if let Some(d) = d {
        set(row, DIRECTION, it.get(d).copied());
    }
    set(row, PROTO, it.get(p).copied());
    let icmp = word(p).eq_ignore_ascii_case(b"icmp") || word(p).eq_ignore_ascii_case(b"icmp6");
    let (mut first, mut second): (Option<Side>, Option<Side>) = (None, None);
    let mut trailing_user = None;
    let mut gaddr: Option<Side> = None;
    let mut i = 0;
    // the side being read, to attach a following `(mapped)` group to it
    let mut last: u8 = 0;
    while i < it.len() {
        let w = word(i);
        let next = it.get(i + 1).copied();
        match w {
            b"connection" if next.is_some_and(|n| digits(&line[n.0..n.1])) => {
                set(row, CONN_ID, next);
                i += 1;
            }
            // 106100: `access-list <acl> <action> <proto> <if>/<ip>(<port>) -> …`
            _ if id == 106100 && i == 4 => {
                first = Some(Side::read(line, it[i]));
                last = 1;
            }
            // ICMP: `connection for faddr …`
            b"for" if word(i + 1) == b"faddr" => {}
            b"for" | b"src" | b"from" | b"faddr" if first.is_none() && next.is_some() => {
                first = next.map(|n| Side::read(line, n));
                last = 1;
                i += 1;
            }
            b"to" | b"dst" | b"->" | b"laddr" if second.is_none() && next.is_some() && first.is_some() => {
                second = next.map(|n| Side::read(line, n));
                last = 2;
                i += 1;
            }
            b"gaddr" if next.is_some() => {
                // the global (mapped) address of the local side
                gaddr = next.map(|n| Side::read(line, n));
                last = 0;
                i += 1;
            }
            b"duration" => {
                if let Some(n) = next {
                    match duration(&line[n.0..n.1]) {
                        Some(v) => row.set_u32(DURATION, v),
                        None => row.extra_named("duration", n),
                    }
                }
                i += 1;
            }
            b"bytes" if next.is_some() => {
                set(row, BYTES, next);
                // the teardown reason: the rest, but a final `(user)` group
                let rs = i + 2;
                let mut re = it.len();
                if re > rs && line[it[re - 1].0] == b'(' {
                    trailing_user = Some(trim_punct(line, it[re - 1]));
                    re -= 1;
                }
                if re > rs {
                    row.str(REASON, (it[rs].0, it[re - 1].1));
                }
                break;
            }
            b"due" if word(i + 1) == b"to" && i + 2 < it.len() => {
                row.str(REASON, (it[i + 2].0, it[it.len() - 1].1));
                break;
            }
            b"type" | b"(type" => {
                if let Some(n) = next {
                    set(row, ICMP_TYPE, Some(trim_punct(line, n)));
                }
                i += 1;
            }
            b"code" => {
                if let Some(n) = next {
                    set(row, ICMP_CODE, Some(trim_punct(line, n)));
                }
                i += 1;
            }
            b"access-group" => {
                if let Some(n) = next {
                    let v = trim_punct(line, n);
                    set(row, ACL, Some(v));
                }
                break;
            }
            b"access-list" if i == 0 => {
                set(row, ACL, next);
                i += 1;
            }
            b"hit-cnt" => {
                if let Some(n) = next {
                    row.extra_named("hit_cnt", n);
                }
                i += 1;
            }
            b"flags" => {
                let fs = i + 1;
                let mut fe = fs;
                while fe < it.len() && word(fe) != b"on" {
                    fe += 1;
                }
                if fe > fs {
                    row.str(TCP_FLAGS, (it[fs].0, it[fe - 1].1));
                }
                i = fe;
                continue;
            }
            b"interface" => {
                if let Some(n) = next {
                    if let Some(f) = first.as_mut() {
                        f.iface = f.iface.or(Some(n));
                    }
                }
                i += 1;
            }
            b"translation" if id == 305011 || id == 305012 => {
                set_extra(row, "translation", it.get(1).copied());
            }
            // `(type 8, code 0)` (106014, 106023)
            _ if w.starts_with(b"(type ") => {
                let inner = trim_punct(line, it[i]);
                let mut sub = Vec::new();
                items(line, inner, &mut sub);
                for k in 0..sub.len().saturating_sub(1) {
                    match &line[sub[k].0..sub[k].1] {
                        b"type" => set(row, ICMP_TYPE, Some(trim_punct(line, sub[k + 1]))),
                        b"code" => set(row, ICMP_CODE, Some(trim_punct(line, sub[k + 1]))),
                        _ => {}
                    }
                }
            }
            // `(no connection)` (106015) is a remark, not a user
            _ if w.starts_with(b"(no ") => {}
            _ if w.first() == Some(&b'(') => match last {
                1 => first.as_mut().map_or((), |s| s.groups(line, it[i])),
                2 => second.as_mut().map_or((), |s| s.groups(line, it[i])),
                _ => {
                    let u = it[i];
                    if trailing_user.is_none() {
                        trailing_user = Some(trim_punct(line, u));
                    }
                }
            },
            _ => {}
        }
        i += 1;
    }
    let (mut a, mut b) = (first.unwrap_or_default(), second.unwrap_or_default());
    if let Some(g) = gaddr {
        b.swap_mapped_into(g);
        b.user = b.user.or(g.user);
    }
    if id == 305011 || id == 305012 {
        // `from` the real address `to` the mapped one
        set_extra(row, "mapped_if", b.iface);
        a.swap_mapped_into(b);
        b = Side::default();
    }
    let outbound = d.is_some_and(|d| word(d).eq_ignore_ascii_case(b"outbound"));
    if outbound && matches!(id, 302013 | 302015 | 302020) {
        std::mem::swap(&mut a, &mut b);
    }
    let user = a.user.or(b.user).or(trailing_user);
    set_side(row, SRC, &a, !icmp);
    set_side(row, DST, &b, !icmp);
    if let Some(u) = user {
        row.str(USER, u);
    }
}

fn set_extra(row: &mut Row, key: &'static str, v: Option<Span>) {
    if let Some(v) = v.filter(|v| v.1 > v.0) {
        row.extra_named(key, v);
    }
}

/// A value without surrounding quotes, parentheses and a trailing comma.
fn trim_punct(line: &[u8], (mut s, mut e): Span) -> Span {
    while s < e && matches!(line[s], b'"' | b'(') {
        s += 1;
    }
    while e > s && matches!(line[e - 1], b'"' | b',' | b')') {
        e -= 1;
    }
    (s, e)
}

/// Read one line into a row (not committed).
fn parse_line(row: &mut Row, clock: &mut Clock, line: &[u8], buf: &mut Vec<Span>) -> Result<(), Reason> {
    let Some(t) = tag(line) else {
        return Err("no %ASA-<severity>-<id> / %FTD- tag".into());
    };
    header(row, clock, line, t.start)?;
    row.str(FACILITY, t.facility);
    if let Some(c) = t.class {
        row.extra_named("class", c);
    }
    row.set_u8(SEVERITY, t.severity);
    set(row, MESSAGE_ID, Some(t.id));
    let msg = trim(line, (t.text, line.len()));
    row.str(MESSAGE, msg);
    if let Some(id) = parse_u64(&line[t.id.0..t.id.1]).and_then(|v| u32::try_from(v).ok()) {
        if layout(id).is_some() {
            items(line, msg, buf);
            typed_fields(row, line, id, buf);
        }
    }
    Ok(())
}

/// Whether `line` is an ASA / FTD message (detection): a `%ASA-`/`%FTD-` tag.
pub fn matches(line: &[u8]) -> bool {
    tag(line).is_some()
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut buf = Vec::new();
    typed::parse_clocked_rows(chunk, ctx, COLS, true, |row, clock, line| parse_line(row, clock, line, &mut buf))
}

/// The ASA's action word → the events vocabulary.
pub fn action(raw: &str) -> Option<&'static str> {
    if raw.eq_ignore_ascii_case("teardown") || raw.eq_ignore_ascii_case("est-allowed") {
        return Some("allow");
    }
    normal::action(raw)
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let host = coalesce(str_col(batch, "device")?, str_col(batch, "syslog_host")?);
    Mapping::new(batch)
        .set("host", host)
        .take("src_ip", "src")
        .take("src_port", "src_port")
        .take("dst_ip", "dst")
        .take("dst_port", "dst_port")
        .set("proto", proto_column(batch, "proto")?)
        .take("user", "user")
        .set("action", normal::derive(str_col(batch, "action")?, action))
        .take("message", "message")
        .build(FormatId::CiscoAsa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{UInt16Type, UInt32Type, UInt64Type};

    fn parse(text: &str) -> ParsedChunk {
        testing::parse(parse_chunk, text, None)
    }
    fn s(p: &ParsedChunk, name: &str, row: usize) -> Option<String> {
        testing::s(COLS, p, name, row)
    }
    fn u16c(p: &ParsedChunk, name: &str, row: usize) -> Option<u16> {
        testing::prim::<UInt16Type>(COLS, p, name, row)
    }

    #[test]
    fn built_outbound_is_swapped() {
        let p = parse("Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-302013: Built outbound TCP connection 11757 for outside:100.66.205.104/80 (100.66.205.104/80) to inside:172.31.98.44/1772 (172.31.98.44/1772)\n");
        assert_eq!(p.rows(), 1);
        assert_eq!(s(&p, "src", 0).as_deref(), Some("172.31.98.44"));
        assert_eq!(u16c(&p, "src_port", 0), Some(1772));
        assert_eq!(s(&p, "src_if", 0).as_deref(), Some("inside"));
        assert_eq!(s(&p, "dst", 0).as_deref(), Some("100.66.205.104"));
        assert_eq!(u16c(&p, "dst_port", 0), Some(80));
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("localhost"));
        assert_eq!(s(&p, "device", 0), None);
        assert_eq!(p.columns[CONN_ID].as_primitive::<UInt64Type>().value(0), 11757);
    }

    #[test]
    fn teardown_reason_user_and_unknown_id() {
        let p = parse(concat!(
            "<166>Oct 10 2018 12:34:56: asa01 : %ASA-6-302014: Teardown TCP connection 4294967301 for outside:2001:db8::5/443(LOCAL\\John Smith) to inside:10.0.0.5/50000 duration 1:02:03 bytes 38110 TCP Reset-I (jsmith)\n",
            "%FTD-1-999999: something new\n",
            "May  6 09:00:00 fw1 %ASA-4-106023: Deny tcp src outside:100.66.19.254/80 dst inside:172.31.98.44/8277 by access-group \"inbound\" [0x0, 0x0]\n",
            "AAA user authentication Rejected : reason = x : user = y\n",
        ));
        assert_eq!(p.rows(), 3);
        assert_eq!(p.rejects.len(), 1);
        assert_eq!(s(&p, "src", 0).as_deref(), Some("2001:db8::5"));
        assert_eq!(s(&p, "user", 0).as_deref(), Some("LOCAL\\John Smith"));
        assert_eq!(s(&p, "reason", 0).as_deref(), Some("TCP Reset-I"));
        assert_eq!(p.columns[DURATION].as_primitive::<UInt32Type>().value(0), 3723);
        assert_eq!(p.columns[CONN_ID].as_primitive::<UInt64Type>().value(0), 4_294_967_301);
        assert_eq!(s(&p, "device", 0).as_deref(), Some("asa01"));
        assert_eq!(s(&p, "facility_tag", 1).as_deref(), Some("FTD"));
        assert_eq!(s(&p, "message", 1).as_deref(), Some("something new"));
        assert_eq!(s(&p, "acl", 2).as_deref(), Some("inbound"));
        assert_eq!(s(&p, "action", 2).as_deref(), Some("Deny"));
        assert_eq!(s(&p, "syslog_host", 2).as_deref(), Some("fw1"));
    }

    #[test]
    fn rfc5424_header() {
        let p = parse("<166>1 2018-10-10T12:34:56Z asa01 - - - - %ASA-6-106015: Deny TCP (no connection) from 192.0.2.10/443 to 203.0.113.77/48211 flags RST  on interface inside\n");
        assert_eq!(p.rows(), 1);
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("asa01"));
        assert_eq!(s(&p, "device", 0), None);
        assert_eq!(s(&p, "tcp_flags", 0).as_deref(), Some("RST"));
        let ts = p.columns[TS].as_primitive::<arrow_array::types::TimestampMicrosecondType>();
        assert_eq!(ts.value(0), 1_539_174_896_000_000);
    }

    #[test]
    fn durations() {
        assert_eq!(duration(b"0:00:30"), Some(30));
        assert_eq!(duration(b"25:00:01"), Some(90001));
        assert_eq!(duration(b"0:0:30"), None);
    }
}
