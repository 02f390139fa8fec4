//! `netfilter`: Linux iptables `LOG` / nftables `log` packet lines (the kernel's `nf_log` text),
//! as written to `kern.log`, `messages` or `syslog` by a syslog daemon, printed by
//! `journalctl` (`-o short`, `short-iso`, `short-precise`), or by `dmesg` / `dmesg -T`.
//!
//! Layout of a line:
//! `[syslog header] [[ uptime]] [[ CPU tag]] [prefix]IN=<if> OUT=<if> [PHYSIN= PHYSOUT=] [MAC=]
//! SRC= DST= LEN= (TOS= PREC= TTL= ID= [CE] [DF] [MF] [FRAG:n] | TC= HOPLIMIT= FLOWLBL=) [OPT (..)]
//! PROTO=<p> <protocol part> [UID= GID=] [MARK=]`.
//! - the header: any shape [`syslog_header`] reads (BSD, RFC 3339, RFC 5424; host and `kernel:`
//!   tag optional; a `facility.level` word before `kernel:` as UniFi writes it is skipped), or
//!   `dmesg -T`'s `[Thu Mar 11 20:05:08 2021]`, or none at all (raw `dmesg`: `ts` is null);
//! - `kernel_uptime`: the `[ 5123.004211]` stamp (seconds since boot, not wall time); a CPU or
//!   thread tag after it (`[    C0]`) goes to `extra` under `cpu`;
//! - `prefix`: the `--log-prefix` / `log prefix` text before `IN=`, trimmed (it is often glued
//!   to `IN=`: `[DNAT-br0]IN=`, `"filter_IN_public_REJECT: "IN=`); null when there is none;
//! - the rest is read with the shared [`kv::scan`] (`Dialect::SPACED`). Keys are typed by
//!   position relative to `PROTO=`: before it `LEN` (IP length), `ID` (IP id) and the bare words
//!   (`CE DF MF` → `ip_flags`, as logged, space-joined); after it the second `LEN` is the UDP
//!   length (`udp_len`), `ID`/`SEQ` of ICMP / ICMPv6 are the echo id and sequence (`icmp_id`,
//!   `icmp_seq`), `SEQ`/`ACK=` of TCP the sequence and ack numbers (`seq`, `ack`), and the bare
//!   words are the TCP flags (`tcp_flags`, space-joined as logged: `ACK PSH`).
//! - `OPT (hex)` before `PROTO=` is `ip_opt`, after it `tcp_opt` (the hex, without the
//!   parentheses);
//! - the bracketed copy of the offending packet in ICMP errors (`[SRC=… DST=… …]`) never
//!   overwrites the outer fields: it goes whole to `extra` under `inner`. `FRAG:n` goes to
//!   `extra` under `FRAG`; any other key, a repeat of a typed key and a
//!   value that does not read as its column's type go to `extra` as written; a bare word that
//!   is not part of a flag run goes to `extra` as a key with a null value.
//!
//! Time: `ts` is the syslog / journald header stamp (never the uptime): BSD stamps have no
//! year (`ParseCtx::year`, roll-over at December → January) and, like offset-less RFC 3339
//! and `dmesg -T` stamps, are local time read in `ParseCtx::tz` (UTC when none). Stamps with an
//! offset are exact.
//!
//! Other kernel messages (a kern.log mixes packet lines with every other kernel message: disk,
//! NIC, OOM...) are rows too: header, uptime and their text in `message`, the packet columns
//! null. Rejected: a line with neither packet fields nor a syslog / dmesg header. Detection asks
//! more (`SRC=` and `DST=` too); a file goes to `netfilter` when most of its sampled lines are
//! netfilter lines, else to `syslog`.
//!
//! Events: `host` ← `syslog_host`; `src_*`/`dst_*` ← `SRC`/`SPT`, `DST`/`DPT` (outer packet);
//! `proto` ← `PROTO` lower-cased ([`normal::proto`]); `message` ← `prefix`; `action` from the
//! prefix only, see [`prefix_action`]; `message` ← `prefix`, or the text of a kernel message that is
//! not a packet line. `LEN` is a packet length: `bytes_*` stay null.
//!
//! This module also holds the helpers the syslog-wrapped firewall formats share (pfSense, ASA).

use std::sync::OnceLock;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::{coalesce, Mapping};
use crate::time::{days_from_civil, days_in_month, month_from_abbr};

use super::kv::{self, Dialect, Token};
use super::ncsa::Span;
use super::normal::{self, str_col};
use super::syslog_header::{self, Clock, Header};
use super::typed::{self, col, parse_f64, Kind, Row};
use super::{FormatId, ParseCtx, ParsedChunk, Reason};

const COLS: &[typed::Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("kernel_uptime", Kind::F64),
    col("prefix", Kind::Str),
    col("in_if", Kind::Str),
    col("out_if", Kind::Str),
    col("physin", Kind::Str),
    col("physout", Kind::Str),
    col("mac", Kind::Str),
    col("src", Kind::Ip),
    col("dst", Kind::Ip),
    col("len", Kind::U32),
    col("tos", Kind::Str),
    col("prec", Kind::Str),
    col("ttl", Kind::U8),
    col("id", Kind::U32),
    col("tc", Kind::Str),
    col("hoplimit", Kind::U8),
    col("flowlbl", Kind::U32),
    col("ip_flags", Kind::Str),
    col("proto", Kind::Str),
    col("spt", Kind::U16),
    col("dpt", Kind::U16),
    col("udp_len", Kind::U32),
    col("seq", Kind::U32),
    col("ack", Kind::U32),
    col("window", Kind::U32),
    col("res", Kind::Str),
    col("tcp_flags", Kind::Str),
    col("urgp", Kind::U16),
    col("icmp_type", Kind::U8),
    col("icmp_code", Kind::U8),
    col("icmp_id", Kind::U16),
    col("icmp_seq", Kind::U16),
    col("ip_opt", Kind::Str),
    col("tcp_opt", Kind::Str),
    col("uid", Kind::U32),
    col("gid", Kind::U32),
    col("mark", Kind::Str),
    col("message", Kind::Str),
];

const TS: usize = 0;
const HOST: usize = 1;
const UPTIME: usize = 2;
const PREFIX: usize = 3;
const LEN: usize = 11;
const ID: usize = 15;
const IP_FLAGS: usize = 19;
const PROTO: usize = 20;
const UDP_LEN: usize = 23;
const SEQ: usize = 24;
const ACK: usize = 25;
const TCP_FLAGS: usize = 28;
const ICMP_ID: usize = 32;
const ICMP_SEQ: usize = 33;
const IP_OPT: usize = 34;
const TCP_OPT: usize = 35;
const MESSAGE: usize = 39;

/// A key of at most 8 bytes as a number (its bytes, little-endian, zero-padded: keys hold no
/// NUL, so the code is unique), for a `match` without string comparisons.
const fn code(k: &[u8]) -> u64 {
    let mut c = 0u64;
    let mut i = 0;
    while i < k.len() {
        c |= (k[i] as u64) << (8 * i);
        i += 1;
    }
    c
}

/// The code of the key at `(s, e)` of `line`; 0 when longer than 8 bytes.
#[inline]
fn key_code(line: &[u8], (s, e): Span) -> u64 {
    let n = e - s;
    if n > 8 {
        return 0;
    }
    if let Some(b) = line.get(s..s + 8) {
        let v = u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        return if n == 8 { v } else { v & ((1u64 << (8 * n)) - 1) };
    }
    code(&line[s..e])
}

/// The column of a netfilter key (before any `PROTO=` adjustment).
#[inline]
fn key_column(c: u64) -> Option<usize> {
    const IN: u64 = code(b"IN");
    const OUT: u64 = code(b"OUT");
    const PHYSIN: u64 = code(b"PHYSIN");
    const PHYSOUT: u64 = code(b"PHYSOUT");
    const MAC: u64 = code(b"MAC");
    const SRC: u64 = code(b"SRC");
    const DST: u64 = code(b"DST");
    const K_LEN: u64 = code(b"LEN");
    const TOS: u64 = code(b"TOS");
    const PREC: u64 = code(b"PREC");
    const TTL: u64 = code(b"TTL");
    const K_ID: u64 = code(b"ID");
    const TC: u64 = code(b"TC");
    const HOPLIMIT: u64 = code(b"HOPLIMIT");
    const FLOWLBL: u64 = code(b"FLOWLBL");
    const K_PROTO: u64 = code(b"PROTO");
    const SPT: u64 = code(b"SPT");
    const DPT: u64 = code(b"DPT");
    const K_SEQ: u64 = code(b"SEQ");
    const K_ACK: u64 = code(b"ACK");
    const WINDOW: u64 = code(b"WINDOW");
    const RES: u64 = code(b"RES");
    const URGP: u64 = code(b"URGP");
    const TYPE: u64 = code(b"TYPE");
    const CODE: u64 = code(b"CODE");
    const UID: u64 = code(b"UID");
    const GID: u64 = code(b"GID");
    const MARK: u64 = code(b"MARK");
    Some(match c {
        IN => 4,
        OUT => 5,
        PHYSIN => 6,
        PHYSOUT => 7,
        MAC => 8,
        SRC => 9,
        DST => 10,
        K_LEN => LEN,
        TOS => 12,
        PREC => 13,
        TTL => 14,
        K_ID => ID,
        TC => 16,
        HOPLIMIT => 17,
        FLOWLBL => 18,
        K_PROTO => PROTO,
        SPT => 21,
        DPT => 22,
        K_SEQ => SEQ,
        K_ACK => ACK,
        WINDOW => 26,
        RES => 27,
        URGP => 29,
        TYPE => 30,
        CODE => 31,
        UID => 36,
        GID => 37,
        MARK => 38,
        _ => return None,
    })
}

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

// ------------------------------------------------------------------------------------------
// Helpers shared by the syslog-wrapped firewall formats (netfilter, pfSense, ASA)
// ------------------------------------------------------------------------------------------

/// Set the `ts` and `syslog_host` columns from a syslog header.
pub(super) fn header_columns(row: &mut Row, clock: &mut Clock, h: &Header, ts: usize, host: usize) -> Result<(), Reason> {
    if let Some(t) = clock.utc(h.stamp)? {
        row.set_ts(ts, t);
    }
    if let Some(s) = h.host {
        row.str(host, s);
    }
    Ok(())
}

/// The events `proto` column: a protocol column lower-cased through [`normal::proto`].
pub(super) fn proto_column(batch: &RecordBatch, name: &str) -> Result<ArrayRef, ArrowError> {
    Ok(normal::derive(str_col(batch, name)?, normal::proto))
}

/// A span without its leading and trailing spaces and TABs.
pub(super) fn trim(line: &[u8], (mut s, mut e): Span) -> Span {
    while s < e && matches!(line[s], b' ' | b'\t') {
        s += 1;
    }
    while e > s && matches!(line[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    (s, e)
}

// ------------------------------------------------------------------------------------------
// netfilter
// ------------------------------------------------------------------------------------------

/// `dmesg -T`'s `[Www Mmm dd HH:MM:SS yyyy]` at the start of the line: local wall-clock
/// microseconds and the position after `]`.
fn dmesg_time(line: &[u8]) -> Option<(i64, usize)> {
    let b = line.get(..26)?;
    if b[0] != b'[' || b[4] != b' ' || b[8] != b' ' {
        return None;
    }
    let month = month_from_abbr(&b[5..8])?;
    let day_txt = &b[9..11];
    let day = if day_txt[0] == b' ' { u32::from(day_txt[1].wrapping_sub(b'0')) } else { small(day_txt)? };
    let t = &b[12..20];
    if b[11] != b' ' || t[2] != b':' || t[5] != b':' || b[20] != b' ' || b[25] != b']' {
        return None;
    }
    let (h, m, s) = (small(&t[0..2])?, small(&t[3..5])?, small(&t[6..8])?);
    let y = i64::from(small(&b[21..25])?);
    if day == 0 || day > days_in_month(y, month) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let micros = (days_from_civil(y, month, day) * 86_400 + i64::from(h * 3600 + m * 60 + s)) * 1_000_000;
    Some((micros, 26))
}

fn small(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// The uptime `5123.004211` as seconds: digits, a dot, digits. Short ones exactly as
/// `str::parse` would read them (both integers below 2^53, so one correctly rounded division),
/// longer ones through it.
fn seconds(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let dot = b.iter().position(|&c| c == b'.');
    let (int, frac) = match dot {
        Some(d) => (&b[..d], &b[d + 1..]),
        None => (b, &b[..0]),
    };
    if int.len() + frac.len() > 15 || int.is_empty() || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return parse_f64(b);
    }
    let m = int.iter().chain(frac).fold(0u64, |a, &c| a * 10 + u64::from(c - b'0'));
    Some(m as f64 / POW10[frac.len()])
}

/// Where the kernel text starts: after the syslog header (and a `facility.level kernel:` pair
/// the header parser left in the message), after `dmesg -T`'s stamp, or at the line's start.
fn payload_start(line: &[u8]) -> (Option<Header>, Option<i64>, usize) {
    if let Ok(h) = syslog_header::parse(line) {
        let mut p = h.msg.0;
        if h.program.is_none() {
            // `UDM-Pro user.warn kernel: …`: the header took `user.warn` for the message start
            let head = &line[p..line.len().min(p + 48)];
            if let Some(k) = memchr::memmem::find(head, b"kernel: ") {
                if k == 0 || head[k - 1] == b' ' {
                    p += k + 8;
                }
            }
        }
        return (Some(h), None, p);
    }
    if let Some((t, p)) = dmesg_time(line) {
        return (None, Some(t), p);
    }
    (None, None, 0)
}

/// A bracketed tag at `p` (after spaces): `[ 5123.004211]` or `[    C0]`. Returns the trimmed
/// inside and the position after `]`.
fn bracket(line: &[u8], p: usize) -> Option<(Span, usize)> {
    let p = trim(line, (p, line.len())).0;
    if line.get(p) != Some(&b'[') {
        return None;
    }
    let close = memchr::memchr(b']', &line[p..line.len().min(p + 32)])? + p;
    Some((trim(line, (p + 1, close)), close + 1))
}

/// The position of the `IN=` that starts the packet fields: the first one whose value is
/// followed by ` OUT=`.
fn find_in(line: &[u8], from: usize) -> Option<usize> {
    // one searcher for every line (memmem::find builds one per call)
    static IN: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = IN.get_or_init(|| memchr::memmem::Finder::new(b"IN="));
    let mut q = from;
    // candidates inside one space-free token share its end: look for that space once
    let mut ve = 0;
    while let Some(k) = finder.find(&line[q..]) {
        let at = q + k;
        let vs = at + 3;
        if vs > ve {
            ve = memchr::memchr(b' ', &line[vs..]).map_or(line.len(), |j| vs + j);
        }
        if line[ve..].starts_with(b" OUT=") {
            return Some(at);
        }
        q = at + 3;
    }
    None
}

/// The end of a bracketed section starting at `p` (`[` there): the position of its matching
/// `]`, or the end of the line.
fn bracket_end(line: &[u8], p: usize) -> usize {
    let mut depth = 0usize;
    for (i, &c) in line[p..].iter().enumerate() {
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return p + i;
                }
            }
            _ => {}
        }
    }
    line.len()
}

/// A run of bare words (flags) being gathered: its span and whether it may still grow.
#[derive(Default)]
struct Run {
    span: Option<Span>,
    closed: bool,
}

impl Run {
    /// Add a word; false when the run was closed by a pair (the word goes elsewhere).
    fn add(&mut self, w: Span) -> bool {
        match (&mut self.span, self.closed) {
            (None, _) => {
                self.span = Some(w);
                true
            }
            (Some(s), false) => {
                s.1 = w.1;
                true
            }
            (Some(_), true) => false,
        }
    }
    fn close(&mut self) {
        self.closed = self.span.is_some();
    }
}

/// Read the packet fields from `IN=` at `start` to the end of the line.
fn packet(row: &mut Row, line: &[u8], start: usize) {
    let end = line.len();
    let mut after_proto = false;
    let mut icmp = false;
    let mut ip_flags = Run::default();
    let mut tcp_flags = Run::default();
    let mut scan = kv::scan(line, start, end, Dialect::SPACED);
    while let Some(tok) = scan.next() {
        match tok {
            Token::Pair(p) => {
                let key = &line[p.key.0..p.key.1];
                if key[0] == b'[' {
                    // the copy of the offending packet in an ICMP error
                    let close = bracket_end(line, p.key.0);
                    row.extra_named("inner", trim(line, (p.key.0 + 1, close)));
                    scan = kv::scan(line, close + 1, end, Dialect::SPACED);
                    continue;
                }
                if after_proto {
                    tcp_flags.close();
                } else {
                    ip_flags.close();
                }
                let c = key_column(key_code(line, p.key)).and_then(|c| match c {
                    PROTO => {
                        after_proto = true;
                        let v = &line[p.value.0..p.value.1];
                        icmp = v.len() >= 4 && v[..4].eq_ignore_ascii_case(b"ICMP");
                        Some(c)
                    }
                    LEN if after_proto => Some(UDP_LEN),
                    ID if after_proto => icmp.then_some(ICMP_ID),
                    SEQ if icmp => Some(ICMP_SEQ),
                    SEQ | ACK if !after_proto => None,
                    _ => Some(c),
                });
                row.pair(c, &p);
            }
            Token::Word(w) => {
                let word = &line[w.0..w.1];
                if word[0] == b'[' {
                    let close = bracket_end(line, w.0);
                    row.extra_named("inner", trim(line, (w.0 + 1, close)));
                    scan = kv::scan(line, close + 1, end, Dialect::SPACED);
                    continue;
                }
                if word == b"OPT" && line.get(w.1 + 1) == Some(&b'(') {
                    let vs = w.1 + 1;
                    let ve = memchr::memchr(b' ', &line[vs..]).map_or(end, |j| vs + j);
                    let hex = if line[ve - 1] == b')' { (vs + 1, ve - 1) } else { (vs + 1, ve) };
                    if !row.text(if after_proto { TCP_OPT } else { IP_OPT }, hex) {
                        row.extra(w, Some((vs, ve)));
                    }
                    scan = kv::scan(line, ve, end, Dialect::SPACED);
                    continue;
                }
                if word.starts_with(b"FRAG:") {
                    row.extra((w.0, w.0 + 4), Some((w.0 + 5, w.1)));
                    continue;
                }
                let run = if after_proto { &mut tcp_flags } else { &mut ip_flags };
                if !run.add(w) {
                    row.extra(w, None);
                }
            }
        }
    }
    if let Some(s) = ip_flags.span {
        row.str(IP_FLAGS, s);
    }
    if let Some(s) = tcp_flags.span {
        row.str(TCP_FLAGS, s);
    }
}

/// Read one line into a row (not committed). A kernel message that is not a packet line (a
/// kern.log mixes them) is a row with its text in `message`; `Err` when the line has neither a
/// netfilter packet nor a syslog / dmesg header.
fn parse_line(row: &mut Row, clock: &mut Clock, line: &[u8]) -> Result<(), Reason> {
    let (h, dmesg, mut p) = payload_start(line);
    let packet_at = find_in(line, p);
    if packet_at.is_none() && h.is_none() && dmesg.is_none() && bracket(line, p).is_none() {
        return Err("neither netfilter IN=… OUT= fields nor a syslog / dmesg header".into());
    }
    if let Some(h) = &h {
        header_columns(row, clock, h, TS, HOST)?;
    } else if let Some(t) = dmesg {
        let t = clock.local(t);
        row.set_ts(TS, t);
    }
    let at = packet_at.unwrap_or(line.len());
    if let Some((inner, after)) = bracket(line, p).filter(|(_, a)| *a <= at) {
        if let Some(v) = seconds(&line[inner.0..inner.1]) {
            row.set_f64(UPTIME, v);
            p = after;
            if let Some((cpu, after)) = bracket(line, p).filter(|(_, a)| *a <= at) {
                let c = &line[cpu.0..cpu.1];
                if c.len() >= 2 && matches!(c[0], b'C' | b'T') && c[1..].iter().all(u8::is_ascii_digit) {
                    row.extra_named("cpu", cpu);
                    p = after;
                }
            }
        }
    }
    let text = trim(line, (p, at));
    if packet_at.is_none() {
        if text.1 > text.0 {
            row.str(MESSAGE, text);
        }
        return Ok(());
    }
    if text.1 > text.0 {
        row.str(PREFIX, text);
    }
    packet(row, line, at);
    Ok(())
}

/// Whether `line` is a netfilter packet line (detection): `IN=… OUT=`, then `SRC=` and `DST=`.
pub fn matches(line: &[u8]) -> bool {
    let (_, _, p) = payload_start(line);
    let Some(at) = find_in(line, p) else { return false };
    let rest = &line[at..];
    memchr::memmem::find(rest, b" SRC=").is_some() && memchr::memmem::find(rest, b" DST=").is_some()
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    typed::parse_clocked_rows(chunk, ctx, COLS, true, parse_line)
}

/// The normalised action a log prefix names, by its words (split at every byte that is not an
/// ASCII letter, compared case-insensitively; the first word that names an action wins):
/// `DROP`/`DROPPED` → `drop`; `REJECT`/`REJECTED`, `BLOCK`/`BLOCKED`, `DENY`/`DENIED` → `deny`;
/// `ACCEPT`/`ACCEPTED`, `ALLOW`/`ALLOWED` → `allow`. UniFi's `[<ruleset>-<rule>-<A|D|R>]`
/// ends in `-A]` (allow), `-D]` (drop), `-R]` (deny). Anything else (`[UFW AUDIT]`, `LOG`,
/// `IPT: `): null — only the prefix tells what the rule did.
pub fn prefix_action(prefix: &str) -> Option<&'static str> {
    for word in prefix.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()) {
        let is = |a: &str, b: &str| word.eq_ignore_ascii_case(a) || word.eq_ignore_ascii_case(b);
        if is("drop", "dropped") {
            return Some("drop");
        }
        if is("reject", "rejected") || is("block", "blocked") || is("deny", "denied") {
            return Some("deny");
        }
        if is("accept", "accepted") || is("allow", "allowed") {
            return Some("allow");
        }
    }
    let p = prefix.trim_end_matches([' ', ':']);
    if p.len() >= 3 && p.ends_with(']') && p.as_bytes()[p.len() - 3] == b'-' {
        return match p.as_bytes()[p.len() - 2] {
            b'A' => Some("allow"),
            b'D' => Some("drop"),
            b'R' => Some("deny"),
            _ => None,
        };
    }
    None
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let action = normal::derive(str_col(batch, "prefix")?, prefix_action);
    Mapping::new(batch)
        .take("host", "syslog_host")
        .take("src_ip", "src")
        .take("src_port", "spt")
        .take("dst_ip", "dst")
        .take("dst_port", "dpt")
        .set("proto", proto_column(batch, "proto")?)
        .set("action", action)
        .set("message", coalesce(str_col(batch, "prefix")?, str_col(batch, "message")?))
        .build(FormatId::Netfilter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, UInt16Type, UInt32Type, UInt8Type};
    use arrow_array::Array;

    fn parse(text: &str) -> ParsedChunk {
        testing::parse(parse_chunk, text, None)
    }
    fn s(p: &ParsedChunk, name: &str, row: usize) -> Option<String> {
        testing::s(COLS, p, name, row)
    }
    fn extra(p: &ParsedChunk, row: usize) -> Vec<(String, Option<String>)> {
        testing::extra(COLS, p, row)
    }

    #[test]
    fn tcp_syslog_glued_prefix() {
        let p = parse("May  6 09:22:41 gw kernel: [ 5123.004211] IPT-DROP:IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=10.20.30.41 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0\n");
        assert_eq!(p.rows(), 1);
        assert_eq!(s(&p, "prefix", 0).as_deref(), Some("IPT-DROP:"));
        assert_eq!(s(&p, "in_if", 0).as_deref(), Some("eth0"));
        assert_eq!(s(&p, "out_if", 0), None);
        assert_eq!(s(&p, "ip_flags", 0).as_deref(), Some("DF"));
        assert_eq!(s(&p, "tcp_flags", 0).as_deref(), Some("SYN"));
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("gw"));
        assert_eq!(p.columns[UPTIME].as_primitive::<Float64Type>().value(0), 5123.004211);
        assert_eq!(p.columns[typed::index(COLS, "dpt")].as_primitive::<UInt16Type>().value(0), 22);
        assert!(extra(&p, 0).is_empty());
    }

    #[test]
    fn udp_second_len_and_icmp_inner() {
        let p = parse(concat!(
            "May  6 09:22:45 gw01 kernel: [ 5123.004211] DROP_IN: IN=eth0 OUT= SRC=198.51.100.153 DST=192.0.2.10 LEN=76 TOS=0x00 PREC=0x00 TTL=57 ID=0 DF PROTO=UDP SPT=53 DPT=40022 LEN=56\n",
            "May  6 09:22:46 gw01 kernel: REJECT IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.10 LEN=88 TOS=0x00 PREC=0xC0 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=7 DF PROTO=UDP SPT=1 DPT=2 LEN=40 ] MARK=0x1\n",
            "May  6 09:22:47 gw01 kernel: ping IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.10 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=9 DF PROTO=ICMP TYPE=8 CODE=0 ID=4242 SEQ=7\n",
        ));
        assert_eq!(p.rows(), 3);
        let len = p.columns[LEN].as_primitive::<UInt32Type>();
        let ulen = p.columns[UDP_LEN].as_primitive::<UInt32Type>();
        assert_eq!((len.value(0), ulen.value(0)), (76, 56));
        assert_eq!(s(&p, "src", 1).as_deref(), Some("192.0.2.1"));
        assert_eq!(s(&p, "dst", 1).as_deref(), Some("192.0.2.10"));
        assert_eq!(len.value(1), 88);
        assert!(ulen.is_null(1));
        assert_eq!(s(&p, "mark", 1).as_deref(), Some("0x1"));
        let inner = extra(&p, 1);
        assert_eq!(inner.len(), 1);
        assert!(inner[0].1.as_deref().unwrap().starts_with("SRC=192.0.2.10 DST=192.0.2.1"));
        assert_eq!(p.columns[ID].as_primitive::<UInt32Type>().value(2), 9);
        assert_eq!(p.columns[ICMP_ID].as_primitive::<UInt16Type>().value(2), 4242);
        assert_eq!(p.columns[ICMP_SEQ].as_primitive::<UInt16Type>().value(2), 7);
        assert_eq!(p.columns[typed::index(COLS, "icmp_type")].as_primitive::<UInt8Type>().value(2), 8);
    }

    #[test]
    fn ipv6_unifi_dmesg_and_rejects() {
        let p = parse(concat!(
            "Nov 14 13:06:43 UDM-Pro user.warn kernel: [10132.478629] [DNAT-br0]IN=br0 OUT= SRC=2001:DB8:0:0::1 DST=2001:db8::2 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=1 SEQ=2\n",
            "[Thu Mar 11 20:05:08 2021] [nftables] input reject IN=enp1s0 OUT= SRC=172.16.16.11 DST=172.16.16.30 LEN=74 TOS=0x00 PREC=0x00 TTL=64 ID=54957 DF PROTO=UDP SPT=58099 DPT=53 LEN=54\n",
            "May  6 09:22:41 gw kernel: [ 5123.0] usb 1-1: new high-speed USB device\n",
            "2021-11-04T18:33:46.114797+01:00 rpi kernel: [17748.074339][    C0] \"filter_IN_public_REJECT: \"IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=1 TOS=0x00 PREC=0x00 TTL=1 ID=1 CE DF MF PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 ACK PSH URGP=0 junk\n",
            "not a kernel line at all\n",
        ));
        assert_eq!(p.rows(), 4);
        assert_eq!(p.rejects.len(), 1);
        assert_eq!(p.rejects[0].line, 4);
        // a kernel message that is not a packet line: header, uptime and text, packet columns null
        assert_eq!(s(&p, "message", 2).as_deref(), Some("usb 1-1: new high-speed USB device"));
        assert_eq!(s(&p, "syslog_host", 2).as_deref(), Some("gw"));
        assert_eq!(p.columns[UPTIME].as_primitive::<Float64Type>().value(2), 5123.0);
        assert_eq!(s(&p, "src", 2), None);
        assert_eq!(s(&p, "prefix", 2), None);
        assert_eq!(s(&p, "src", 0).as_deref(), Some("2001:db8::1"));
        assert_eq!(s(&p, "prefix", 0).as_deref(), Some("[DNAT-br0]"));
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("UDM-Pro"));
        assert_eq!(s(&p, "prefix", 1).as_deref(), Some("[nftables] input reject"));
        let ts = p.columns[TS].as_primitive::<arrow_array::types::TimestampMicrosecondType>();
        assert_eq!(ts.value(1), 1_615_493_108_000_000);
        assert_eq!(s(&p, "prefix", 3).as_deref(), Some("\"filter_IN_public_REJECT: \""));
        assert_eq!(s(&p, "ip_flags", 3).as_deref(), Some("CE DF MF"));
        assert_eq!(s(&p, "tcp_flags", 3).as_deref(), Some("ACK PSH"));
        assert_eq!(extra(&p, 3), vec![("cpu".into(), Some("C0".into())), ("junk".into(), None)]);
    }

    #[test]
    fn key_columns_match_names() {
        for (k, name) in [
            ("IN", "in_if"),
            ("OUT", "out_if"),
            ("PHYSIN", "physin"),
            ("PHYSOUT", "physout"),
            ("MAC", "mac"),
            ("SRC", "src"),
            ("DST", "dst"),
            ("LEN", "len"),
            ("TOS", "tos"),
            ("PREC", "prec"),
            ("TTL", "ttl"),
            ("ID", "id"),
            ("TC", "tc"),
            ("HOPLIMIT", "hoplimit"),
            ("FLOWLBL", "flowlbl"),
            ("PROTO", "proto"),
            ("SPT", "spt"),
            ("DPT", "dpt"),
            ("SEQ", "seq"),
            ("ACK", "ack"),
            ("WINDOW", "window"),
            ("RES", "res"),
            ("URGP", "urgp"),
            ("TYPE", "icmp_type"),
            ("CODE", "icmp_code"),
            ("UID", "uid"),
            ("GID", "gid"),
            ("MARK", "mark"),
        ] {
            let line = format!("{k}=1 padding");
            assert_eq!(key_column(key_code(line.as_bytes(), (0, k.len()))), Some(typed::index(COLS, name)), "{k}");
            assert_eq!(key_column(code(k.as_bytes())), Some(typed::index(COLS, name)), "{k}");
        }
        assert_eq!(key_column(key_code(b"INX=1", (0, 3))), None);
        assert_eq!(key_column(key_code(b"HOPLIMITS=1", (0, 9))), None);
        for (name, c) in [
            ("ip_flags", IP_FLAGS),
            ("udp_len", UDP_LEN),
            ("tcp_flags", TCP_FLAGS),
            ("icmp_id", ICMP_ID),
            ("icmp_seq", ICMP_SEQ),
            ("ip_opt", IP_OPT),
            ("tcp_opt", TCP_OPT),
            ("kernel_uptime", UPTIME),
            ("prefix", PREFIX),
        ] {
            assert_eq!(typed::index(COLS, name), c, "{name}");
        }
    }

    #[test]
    fn uptime_seconds_read_like_parse() {
        for t in [
            "5123.004211",
            "0.000001",
            "17748.074339",
            "99999999.999999",
            "12",
            "1.5",
            "123456789012.1234",
            "9999999999999999",
            "99999999.99999999",
        ] {
            assert_eq!(seconds(t.as_bytes()), Some(t.parse::<f64>().unwrap()), "{t}");
        }
        assert_eq!(seconds(b"C0"), None);
        assert_eq!(seconds(b"1.2.3"), None);
    }

    #[test]
    fn actions_from_prefix() {
        assert_eq!(prefix_action("[UFW BLOCK]"), Some("deny"));
        assert_eq!(prefix_action("[UFW ALLOW]"), Some("allow"));
        assert_eq!(prefix_action("IPT-DROP:"), Some("drop"));
        assert_eq!(prefix_action("\"filter_IN_public_REJECT: \""), Some("deny"));
        assert_eq!(prefix_action("[WAN_LOCAL-default-D]"), Some("drop"));
        assert_eq!(prefix_action("[LAN_IN-10-A]"), Some("allow"));
        assert_eq!(prefix_action("[UFW AUDIT]"), None);
        assert_eq!(prefix_action("LOGDROPPER"), None);
    }

    #[test]
    fn hostile_lines_are_linear() {
        let line = format!("May  6 09:22:41 gw kernel: {}IN=a OUT= {}\n", "IN=".repeat(50_000), "[".repeat(50_000));
        let p = parse(&line);
        assert_eq!(p.rows() + p.rejects.len(), 1);
    }
}
