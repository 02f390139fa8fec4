//! `pfsense`: pfSense / OPNsense `filterlog` lines (the pf firewall log), a comma-separated
//! list behind a syslog header: BSD `<134>May  6 09:23:10 filterlog[1234]: …` (host usually
//! absent), or RFC 5424 `<134>1 2024-05-06T09:23:10.123+02:00 fw filterlog 1234 - - …`, or a
//! local `/var/log/filter.log` line (`May  6 09:23:10 fw filterlog[1234]: …`).
//!
//! The CSV has no quoting (no field holds a comma); empty fields are null. Layout (pfSense
//! "Filter Log Format"), field by field:
//! - head (all lines): `rule`, `subrule`, `anchor`, `tracker`, `interface`, `reason`, `action`
//!   (`pass`, `block`, `reject`), `direction` (`in`/`out`), `ip_version`;
//! - IPv4: `tos`, `ecn`, `ttl`, `ip_id`, `ip_offset`, `ip_flags` (`DF`, `none`), `proto_id`,
//!   `proto`, `length`, `src`, `dst`;
//! - IPv6: `class`, `flow_label`, `hop_limit`, `proto` (upper case: `UDP`), `proto_id`,
//!   `length`, `src`, `dst`;
//! - then by protocol (`proto_id`, else the protocol text):
//!   - TCP: `src_port`, `dst_port`, `data_length`, `tcp_flags` (`S`, `SA`, `FPA`), `seq`, `ack`
//!     (text as logged), `window`, `urg`, `tcp_options` (`mss;sackOK;TS;nop;wscale`);
//!   - UDP: `src_port`, `dst_port`, `data_length`;
//!   - ICMP (and ICMPv6 unless it logs `datalength=`): `icmp_type` (text), then by type:
//!     `request`/`reply`/`tstamp` → `icmp_id`, `icmp_seq`; `tstampreply` → `icmp_id`,
//!     `icmp_seq` and `icmp_otime`/`icmp_rtime`/`icmp_ttime` (to `extra`); `unreachproto` →
//!     `icmp_dst`, `icmp_proto`; `unreachport` → `icmp_dst`, `icmp_proto`, `icmp_port`;
//!     `needfrag` → `icmp_dst`, `icmp_mtu`; `unreach`/`timexceed`/`paramprob`/`redirect`/
//!     `maskreply` → `icmp_descr` (square brackets around a destination or protocol are
//!     dropped);
//!   - CARP (112): `carp_type`, `carp_ttl`, `carp_vhid`, `carp_version`, `carp_advbase`,
//!     `carp_advskew`, kept in `extra` under those names;
//!   - other protocols (IGMP, GRE, ESP, …): a `datalength=N` item → `data_length`.
//! - anything after the fields of the layout (newer builds' additions, a protocol we do not
//!   lay out, an unknown IP version) is kept whole in `extra` under `trailing`.
//!
//! OPNsense writes the same CSV; its `tracker` is a rule hash, not a number: a value that does
//! not read as its column's type (`tracker` u64, a port, an address) leaves the column null and
//! goes to `extra` under the column's name.
//!
//! A line cut short (a truncated CSV: the syslog framing and the `filterlog` tag are there) is
//! kept with what was read: the columns after the cut are null, and a field cut in the middle
//! that no longer reads as its type goes to `extra`. A line that is not a `filterlog` line is
//! rejected.
//!
//! Time: `ts` is the syslog header stamp: BSD stamps have no year (`ParseCtx::year`, roll-over
//! at December → January) and are firewall local time read in `ParseCtx::tz` (UTC when none);
//! RFC 5424 stamps carry their offset.
//!
//! Events: `host` ← `syslog_host`; `src_*`/`dst_*` ← `src`/`src_port`, `dst`/`dst_port`;
//! `proto` ← `proto` lower-cased; `action`: `pass` → `allow`, `block` → `deny`, `reject` →
//! `deny` (filterlog writes `block` for pf's silent drops and for rules that answer alike, so
//! it cannot say whether the peer was told: `deny` per the action vocabulary); `message` ←
//! `"<interface> <reason>"` (`em0 match`). Direction `in`/`out` is the interface's, not the
//! connection's: src/dst are the packet's.

use arrow_array::{Array, RecordBatch};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::Mapping;

use super::ncsa::Span;
use super::netfilter::{header_columns, proto_column};
use super::normal::{self, str_col};
use super::syslog_header::{self, Clock};
use super::typed::{self, col, Kind, Row};
use super::{FormatId, ParseCtx, ParsedChunk, Reason};

const COLS: &[typed::Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("rule", Kind::U32),
    col("subrule", Kind::Str),
    col("anchor", Kind::Str),
    col("tracker", Kind::U64),
    col("interface", Kind::Str),
    col("reason", Kind::Str),
    col("action", Kind::Str),
    col("direction", Kind::Str),
    col("ip_version", Kind::U8),
    col("tos", Kind::Str),
    col("ecn", Kind::Str),
    col("ttl", Kind::U8),
    col("ip_id", Kind::U32),
    col("ip_offset", Kind::U32),
    col("ip_flags", Kind::Str),
    col("class", Kind::Str),
    col("flow_label", Kind::Str),
    col("hop_limit", Kind::U8),
    col("proto_id", Kind::U8),
    col("proto", Kind::Str),
    col("length", Kind::U32),
    col("src", Kind::Ip),
    col("dst", Kind::Ip),
    col("src_port", Kind::U16),
    col("dst_port", Kind::U16),
    col("data_length", Kind::U32),
    col("tcp_flags", Kind::Str),
    col("seq", Kind::Str),
    col("ack", Kind::Str),
    col("window", Kind::U32),
    col("urg", Kind::Str),
    col("tcp_options", Kind::Str),
    col("icmp_type", Kind::Str),
    col("icmp_id", Kind::U16),
    col("icmp_seq", Kind::U16),
    col("icmp_dst", Kind::Ip),
    col("icmp_proto", Kind::Str),
    col("icmp_port", Kind::U16),
    col("icmp_mtu", Kind::U32),
    col("icmp_descr", Kind::Str),
];

const TS: usize = 0;
const HOST: usize = 1;
const PROTO_ID: usize = 20;
const PROTO: usize = 21;
const DATA_LENGTH: usize = 27;
const ICMP_TYPE: usize = 34;

/// The head, the IPv4 part and the IPv6 part: column index of each field in order.
const HEAD: &[usize] = &[2, 3, 4, 5, 6, 7, 8, 9, 10];
const IPV4: &[usize] = &[11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24];
const IPV6: &[usize] = &[17, 18, 19, 21, 20, 22, 23, 24];
const TCP: &[usize] = &[25, 26, 27, 28, 29, 30, 31, 32, 33];
const UDP: &[usize] = &[25, 26, 27];
const ICMP_ID_SEQ: &[usize] = &[35, 36];
const ICMP_UNREACH_PROTO: &[usize] = &[37, 38];
const ICMP_UNREACH_PORT: &[usize] = &[37, 38, 39];
const ICMP_NEEDFRAG: &[usize] = &[37, 40];
const ICMP_DESCR: &[usize] = &[41];

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

/// Fields at most read into an array (a filterlog line has at most 29); the rest is trailing.
const MAX_FIELDS: usize = 32;

/// The comma-separated fields of `line[s..e]`: their spans (up to [`MAX_FIELDS`]), how many,
/// and where the text after the last kept field starts (`e` when all were kept).
fn split(line: &[u8], (s, e): Span, out: &mut [Span; MAX_FIELDS]) -> (usize, usize) {
    let mut n = 0;
    let mut start = s;
    for k in memchr::memchr_iter(b',', &line[s..e]) {
        let c = s + k;
        if n == MAX_FIELDS {
            return (n, start);
        }
        out[n] = (start, c);
        n += 1;
        start = c + 1;
    }
    if n == MAX_FIELDS {
        return (n, start);
    }
    out[n] = (start, e);
    (n + 1, e)
}

/// Reads fields in order into columns.
struct Cursor<'f> {
    f: &'f [Span],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<Span> {
        self.f.get(self.i).copied()
    }

    /// Set `cols` from the next fields (as many as there are).
    fn take(&mut self, row: &mut Row, cols: &[usize]) {
        for &c in cols {
            let Some(sp) = self.peek() else { return };
            set(row, c, sp);
            self.i += 1;
        }
    }

    /// Keep the next fields in `extra` under `names`.
    fn named(&mut self, row: &mut Row, names: &[&'static str]) {
        for &n in names {
            let Some(sp) = self.peek() else { return };
            if sp.1 > sp.0 {
                row.extra_named(n, sp);
            }
            self.i += 1;
        }
    }
}

/// Set column `c` from a field; a value that does not read goes to `extra` under the column's
/// name. Square brackets around a value (`[ip]`) are dropped.
fn set(row: &mut Row, c: usize, sp: Span) {
    let line = row.line();
    let sp = if sp.1 - sp.0 >= 2 && line[sp.0] == b'[' && line[sp.1 - 1] == b']' { (sp.0 + 1, sp.1 - 1) } else { sp };
    if !row.text(c, sp) {
        row.extra_named(COLS[c].name, sp);
    }
}

/// The protocol of the packet: IANA number from `proto_id`, else from the text.
fn protocol(line: &[u8], id: Option<Span>, text: Option<Span>) -> Option<u8> {
    if let Some(n) = id.and_then(|s| super::ncsa::parse_u64(&line[s.0..s.1])).and_then(|n| u8::try_from(n).ok()) {
        return Some(n);
    }
    let t = text.map(|s| &line[s.0..s.1])?;
    [(b"tcp" as &[u8], 6u8), (b"udp", 17), (b"icmp", 1), (b"icmpv6", 58), (b"ipv6-icmp", 58), (b"carp", 112)]
        .iter()
        .find(|(name, _)| t.eq_ignore_ascii_case(name))
        .map(|&(_, n)| n)
}

/// The protocol part after the IP fields.
fn tail(row: &mut Row, cur: &mut Cursor, proto: Option<u8>) {
    let line = row.line();
    if let Some(sp) = cur.peek() {
        if line[sp.0..sp.1].starts_with(b"datalength=") {
            set(row, DATA_LENGTH, (sp.0 + 11, sp.1));
            cur.i += 1;
            return;
        }
    }
    match proto {
        Some(6) => cur.take(row, TCP),
        Some(17) => cur.take(row, UDP),
        Some(1) | Some(58) => {
            let Some(sp) = cur.peek() else { return };
            cur.take(row, &[ICMP_TYPE]);
            match &line[sp.0..sp.1] {
                b"request" | b"reply" | b"tstamp" => cur.take(row, ICMP_ID_SEQ),
                b"tstampreply" => {
                    cur.take(row, ICMP_ID_SEQ);
                    cur.named(row, &["icmp_otime", "icmp_rtime", "icmp_ttime"]);
                }
                b"unreachproto" => cur.take(row, ICMP_UNREACH_PROTO),
                b"unreachport" => cur.take(row, ICMP_UNREACH_PORT),
                b"needfrag" => cur.take(row, ICMP_NEEDFRAG),
                b"unreach" | b"timexceed" | b"paramprob" | b"redirect" | b"maskreply" => cur.take(row, ICMP_DESCR),
                _ => {}
            }
        }
        Some(112) => cur.named(row, &["carp_type", "carp_ttl", "carp_vhid", "carp_version", "carp_advbase", "carp_advskew"]),
        _ => {}
    }
}

/// Read the filterlog CSV at `msg` into a row.
fn record(row: &mut Row, msg: Span) {
    let line = row.line();
    let mut spans = [(0usize, 0usize); MAX_FIELDS];
    let (n, rest) = split(line, msg, &mut spans);
    let mut cur = Cursor { f: &spans[..n], i: 0 };
    cur.take(row, HEAD);
    let version = spans.get(8).filter(|_| n > 8).map(|s| &line[s.0..s.1]);
    let ip = match version {
        Some(b"4") => Some(IPV4),
        Some(b"6") => Some(IPV6),
        _ => None,
    };
    if let Some(layout) = ip {
        let at = cur.i;
        cur.take(row, layout);
        let pos = |c: usize| layout.iter().position(|&x| x == c).map(|k| at + k).filter(|&k| k < n).map(|k| spans[k]);
        let proto = protocol(line, pos(PROTO_ID), pos(PROTO));
        tail(row, &mut cur, proto);
    }
    // what the layout did not place: kept whole
    let from = if cur.i < n { spans[cur.i].0 } else { rest };
    if from < msg.1 {
        row.extra_named("trailing", (from, msg.1));
    }
}

/// Whether the syslog tag is `filterlog`.
fn is_filterlog(line: &[u8], h: &syslog_header::Header) -> bool {
    h.program.is_some_and(|p| &line[p.0..p.1] == b"filterlog")
}

/// Read one line into a row (not committed).
fn parse_line(row: &mut Row, clock: &mut Clock, line: &[u8]) -> Result<(), Reason> {
    let h = syslog_header::parse(line)?;
    if !is_filterlog(line, &h) {
        return Err("not a filterlog line (the syslog tag is not filterlog)".into());
    }
    header_columns(row, clock, &h, TS, HOST)?;
    record(row, h.msg);
    Ok(())
}

/// Whether `line` is a filterlog line (detection): a syslog header tagged `filterlog`, then a
/// CSV whose head is complete (nine fields, the IP version 4 or 6).
pub fn matches(line: &[u8]) -> bool {
    let Ok(h) = syslog_header::parse(line) else { return false };
    if !is_filterlog(line, &h) {
        return false;
    }
    let mut spans = [(0usize, 0usize); MAX_FIELDS];
    let (n, _) = split(line, h.msg, &mut spans);
    n > 9 && matches!(&line[spans[8].0..spans[8].1], b"4" | b"6")
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    typed::parse_clocked_rows(chunk, ctx, COLS, true, parse_line)
}

/// filterlog's action → the events vocabulary (see the module doc).
pub fn action(raw: &str) -> Option<&'static str> {
    match raw {
        "pass" => Some("allow"),
        "block" | "reject" => Some("deny"),
        other => normal::action(other),
    }
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let act = normal::derive(str_col(batch, "action")?, action);
    let (iface, reason) = (str_col(batch, "interface")?, str_col(batch, "reason")?);
    let message = normal::strings(batch.num_rows(), |i| {
        let parts: Vec<&str> = [iface, reason].iter().filter(|a| a.is_valid(i)).map(|a| a.value(i)).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    Mapping::new(batch)
        .take("host", "syslog_host")
        .take("src_ip", "src")
        .take("src_port", "src_port")
        .take("dst_ip", "dst")
        .take("dst_port", "dst_port")
        .set("proto", proto_column(batch, "proto")?)
        .set("action", act)
        .set("message", message)
        .build(FormatId::Pfsense)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing;
    use arrow_array::cast::AsArray;
    use arrow_array::types::UInt16Type;

    fn parse(text: &str) -> ParsedChunk {
        testing::parse(parse_chunk, text, None)
    }
    fn s(p: &ParsedChunk, name: &str, row: usize) -> Option<String> {
        testing::s(COLS, p, name, row)
    }
    /// `extra` with null values read as empty text.
    fn extra(p: &ParsedChunk, row: usize) -> Vec<(String, String)> {
        testing::extra(COLS, p, row).into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect()
    }

    #[test]
    fn layouts() {
        let p = parse(concat!(
            "<134>May  6 09:21:07 filterlog[41122]: 5,,,1712345678,em0,match,block,in,4,0x0,,52,40123,0,DF,6,tcp,60,203.0.113.77,192.0.2.10,48211,22,0,S,3735928559,,64240,,mss;sackOK;TS;nop;wscale\n",
            "<134>1 2024-05-06T09:21:09.104233+02:00 fw01.example.org filterlog 41122 - - 77,,,1712345699,igb0,match,pass,out,4,0x0,,64,5512,0,none,17,udp,72,10.20.30.41,198.51.100.153,53011,53,52\n",
            "48,16777216,,1000000201,em0,match,block,in,6,0x00,0x00000,255,VRRP,112,36,fe80::100:1000:1001:1011,ff02::12,\n",
            "May  6 09:21:10 fw filterlog[1]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,1,0,none,1,icmp,84,203.0.113.5,192.0.2.1,unreachport,[192.0.2.9],udp,5353,x,y\n",
            "May  6 09:21:11 fw filterlog[1]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,1,0,DF,6,tcp,60,203.0.113.5\n",
        ));
        assert_eq!(p.rows(), 4);
        assert_eq!(p.rejects.len(), 1);
        assert_eq!(s(&p, "tcp_flags", 0).as_deref(), Some("S"));
        assert_eq!(s(&p, "seq", 0).as_deref(), Some("3735928559"));
        assert_eq!(s(&p, "tcp_options", 0).as_deref(), Some("mss;sackOK;TS;nop;wscale"));
        assert_eq!(p.columns[26].as_primitive::<UInt16Type>().value(1), 53);
        assert_eq!(s(&p, "syslog_host", 1).as_deref(), Some("fw01.example.org"));
        assert_eq!(s(&p, "icmp_dst", 2).as_deref(), Some("192.0.2.9"));
        assert_eq!(p.columns[typed::index(COLS, "icmp_port")].as_primitive::<UInt16Type>().value(2), 5353);
        assert_eq!(extra(&p, 2), vec![("trailing".to_string(), "x,y".to_string())]);
        assert_eq!(s(&p, "src", 3).as_deref(), Some("203.0.113.5"));
        assert_eq!(s(&p, "dst", 3), None);
        assert!(extra(&p, 3).is_empty());
    }

    #[test]
    fn many_fields_kept() {
        let line = format!("May  6 09:21:11 fw filterlog[1]: 5,,,1,em0,match,block,in,4{}\n", ",1".repeat(100));
        let p = parse(&line);
        assert_eq!(p.rows(), 1);
        let e = extra(&p, 0);
        // `1` is no address: src and dst go to extra, then the fields past the layout
        assert_eq!(e.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["src", "dst", "trailing"]);
        assert_eq!(e[2].1, vec!["1"; 100 - 12].join(",")); // 11 IPv4 fields and the ICMP type were read
    }
}
