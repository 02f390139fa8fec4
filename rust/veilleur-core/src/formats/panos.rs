//! `panos`: Palo Alto Networks PAN-OS syslog, CSV records behind an optional syslog header
//! (BSD with or without host, RFC 3339, RFC 5424, a bare `<PRI>`) or bare.
//!
//! Fields are comma-separated, `"quoted"` when they may hold commas (URL, user agent,
//! description), `""` a quote inside ([`csv_fields`]). They are read by position; the numbers
//! below are the 1-based positions of the PAN-OS 8.x-11.x syslog field lists.
//! - Every type: 1 FUTURE_USE, 2 Receive Time (`receive_time`), 3 Serial (`serial`), 4 Type
//!   (`type`), 5 Subtype (`subtype`), 6 FUTURE_USE, 7 Generated Time (`ts`).
//! - TRAFFIC and THREAT: 8 `src`, 9 `dst`, 10 `nat_src`, 11 `nat_dst`, 12 `rule`, 13
//!   `src_user`, 14 `dst_user`, 15 `app`, 16 `vsys`, 17 `from_zone`, 18 `to_zone`, 19
//!   `inbound_if`, 20 `outbound_if`, 21 `log_action`, 22 FUTURE_USE, 23 `session_id`, 24
//!   `repeat_count`, 25 `sport`, 26 `dport`, 27 `nat_sport`, 28 `nat_dport`, 29 `flags`, 30
//!   `proto`, 31 `action`;
//! - TRAFFIC then: 32 `bytes`, 33 `bytes_sent`, 34 `bytes_received`, 35 `packets`, 36
//!   `start_time`, 37 `elapsed`, 38 `category`, 39 FUTURE_USE, 40 `seqno`, 41 `action_flags`, 42
//!   `src_location`, 43 `dst_location`, 44 FUTURE_USE, 45 `packets_sent`, 46
//!   `packets_received`, 47 `session_end_reason`, 48-51 `dg_hier_level_1`..`4`, 52 `vsys_name`,
//!   53 `device_name`, 54 `action_source`;
//! - THREAT then: 32 `url` (URL or file name), 33 `threat_id` (`name(id)`), 34 `category`, 35
//!   `severity`, 36 `direction`, 37 `seqno`, 38 `action_flags`, 39 `src_location`, 40
//!   `dst_location`, 41 FUTURE_USE, 42 `content_type`, 43 `pcap_id`, 44 `file_digest`, 45
//!   `cloud`, 46 `url_idx`, 47 `user_agent`, 48 `file_type`, 49 `xff`, 50 `referer`, 51
//!   `sender`, 52 `subject`, 53 `recipient`, 54 `report_id`, 55-58 `dg_hier_level_1`..`4`, 59
//!   `vsys_name`, 60 `device_name`, 61 FUTURE_USE, 62 `src_vm_uuid`, 63 `dst_vm_uuid`, 64
//!   `http_method`;
//! - SYSTEM then: 8 `vsys`, 9 `event_id`, 10 `object`, 11-12 FUTURE_USE, 13 `module`, 14
//!   `severity`, 15 `description`, 16 `seqno`, 17 `action_flags`, 18-21 `dg_hier_level_1`..`4`,
//!   22 `vsys_name`, 23 `device_name`;
//! - any other type (CONFIG, GLOBALPROTECT, USERID, HIPMATCH, DECRYPTION...): the first seven
//!   only.
//!
//! Fields after the typed ones (newer releases append fields; other types' own fields) are kept
//! as written in `tail` (the raw CSV text from the first untyped field to the end of the line).
//! Non-empty FUTURE_USE fields go to `extra` as `future_use_N`; a typed value that does not
//! read (a port of `x`, a time in another form) goes there under its column name. Empty fields
//! are null. Addresses are canonical (`0.0.0.0` kept: PAN-OS writes it for "no NAT").
//!
//! A line is rejected when no syslog header or PAN-OS record is found (the 4th field must be
//! an upper-case log type) or when the record has fewer than its seven common fields.
//!
//! Time: `ts` is Generated Time, else Receive Time, else the syslog header stamp. Classic
//! `YYYY/MM/DD HH:MM:SS` is firewall (or Panorama) local time, read in `ParseCtx::tz` (UTC when
//! none); ISO 8601 with `Z` or an offset (Cortex Data Lake, newer forwarders) is exact. The
//! epoch placeholder `1970-01-01T00:00:00...` of unused time fields is null.

use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::{coalesce, Mapping};
use crate::time::{hms, IsoDateCache};

use super::csv_fields::{self, CsvField};
use super::ncsa::Span;
use super::syslog_header::{self, Stamp};
use super::typed::{self, col, Col, Kind};
use super::wrapped::{self, Times};
use super::{normal, FormatId, ParseCtx, ParsedChunk, Reason};

const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("receive_time", Kind::Ts),
    col("serial", Kind::Str),
    col("type", Kind::Str),
    col("subtype", Kind::Str),
    col("src", Kind::Ip),
    col("dst", Kind::Ip),
    col("nat_src", Kind::Ip),
    col("nat_dst", Kind::Ip),
    col("rule", Kind::Str),
    col("src_user", Kind::Str),
    col("dst_user", Kind::Str),
    col("app", Kind::Str),
    col("vsys", Kind::Str),
    col("from_zone", Kind::Str),
    col("to_zone", Kind::Str),
    col("inbound_if", Kind::Str),
    col("outbound_if", Kind::Str),
    col("log_action", Kind::Str),
    col("session_id", Kind::U64),
    col("repeat_count", Kind::U32),
    col("sport", Kind::U16),
    col("dport", Kind::U16),
    col("nat_sport", Kind::U16),
    col("nat_dport", Kind::U16),
    col("flags", Kind::Str),
    col("proto", Kind::Str),
    col("action", Kind::Str),
    col("bytes", Kind::U64),
    col("bytes_sent", Kind::U64),
    col("bytes_received", Kind::U64),
    col("packets", Kind::U64),
    col("start_time", Kind::Ts),
    col("elapsed", Kind::U64),
    col("category", Kind::Str),
    col("seqno", Kind::U64),
    col("action_flags", Kind::Str),
    col("src_location", Kind::Str),
    col("dst_location", Kind::Str),
    col("packets_sent", Kind::U64),
    col("packets_received", Kind::U64),
    col("session_end_reason", Kind::Str),
    col("url", Kind::Str),
    col("threat_id", Kind::Str),
    col("severity", Kind::Str),
    col("direction", Kind::Str),
    col("content_type", Kind::Str),
    col("pcap_id", Kind::Str),
    col("file_digest", Kind::Str),
    col("cloud", Kind::Str),
    col("url_idx", Kind::Str),
    col("user_agent", Kind::Str),
    col("file_type", Kind::Str),
    col("xff", Kind::Str),
    col("referer", Kind::Str),
    col("sender", Kind::Str),
    col("subject", Kind::Str),
    col("recipient", Kind::Str),
    col("report_id", Kind::Str),
    col("event_id", Kind::Str),
    col("object", Kind::Str),
    col("module", Kind::Str),
    col("description", Kind::Str),
    col("dg_hier_level_1", Kind::Str),
    col("dg_hier_level_2", Kind::Str),
    col("dg_hier_level_3", Kind::Str),
    col("dg_hier_level_4", Kind::Str),
    col("vsys_name", Kind::Str),
    col("device_name", Kind::Str),
    col("action_source", Kind::Str),
    col("src_vm_uuid", Kind::Str),
    col("dst_vm_uuid", Kind::Str),
    col("http_method", Kind::Str),
    col("tail", Kind::Str),
];

const TS: usize = 0;
const HOST: usize = 1;
const RECEIVE_TIME: usize = 2;

/// The fields every type shares (positions 1-7); `ts` stands for Generated Time.
const HEAD: &[&str] = &["future_use_1", "receive_time", "serial", "type", "subtype", "future_use_6", "ts"];

/// Positions 8-31 of TRAFFIC and THREAT.
const SESSION: &[&str] = &[
    "src",
    "dst",
    "nat_src",
    "nat_dst",
    "rule",
    "src_user",
    "dst_user",
    "app",
    "vsys",
    "from_zone",
    "to_zone",
    "inbound_if",
    "outbound_if",
    "log_action",
    "future_use_22",
    "session_id",
    "repeat_count",
    "sport",
    "dport",
    "nat_sport",
    "nat_dport",
    "flags",
    "proto",
    "action",
];

/// TRAFFIC from position 32.
const TRAFFIC: &[&str] = &[
    "bytes",
    "bytes_sent",
    "bytes_received",
    "packets",
    "start_time",
    "elapsed",
    "category",
    "future_use_39",
    "seqno",
    "action_flags",
    "src_location",
    "dst_location",
    "future_use_44",
    "packets_sent",
    "packets_received",
    "session_end_reason",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "action_source",
];

/// THREAT from position 32.
const THREAT: &[&str] = &[
    "url",
    "threat_id",
    "category",
    "severity",
    "direction",
    "seqno",
    "action_flags",
    "src_location",
    "dst_location",
    "future_use_41",
    "content_type",
    "pcap_id",
    "file_digest",
    "cloud",
    "url_idx",
    "user_agent",
    "file_type",
    "xff",
    "referer",
    "sender",
    "subject",
    "recipient",
    "report_id",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "future_use_61",
    "src_vm_uuid",
    "dst_vm_uuid",
    "http_method",
];

/// SYSTEM from position 8.
const SYSTEM: &[&str] = &[
    "vsys",
    "event_id",
    "object",
    "future_use_11",
    "future_use_12",
    "module",
    "severity",
    "description",
    "seqno",
    "action_flags",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
];

/// What to do with a field at a position.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// A column (typed by its kind; time columns read PAN-OS times).
    Col(usize),
    /// A FUTURE_USE field: kept in `extra` under this name when not empty.
    Extra(&'static str),
}

/// The slots of each typed log type, by position.
struct Layouts {
    traffic: Vec<Slot>,
    threat: Vec<Slot>,
    system: Vec<Slot>,
    other: Vec<Slot>,
}

fn slots(parts: &[&[&'static str]]) -> Vec<Slot> {
    parts
        .iter()
        .flat_map(|p| p.iter())
        .map(|&n| match COLS.iter().position(|c| c.name == n) {
            Some(i) => Slot::Col(i),
            None => Slot::Extra(n),
        })
        .collect()
}

fn layouts() -> &'static Layouts {
    static L: OnceLock<Layouts> = OnceLock::new();
    L.get_or_init(|| Layouts {
        traffic: slots(&[HEAD, SESSION, TRAFFIC]),
        threat: slots(&[HEAD, SESSION, THREAT]),
        system: slots(&[HEAD, SYSTEM]),
        other: slots(&[HEAD]),
    })
}

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

/// The log types detection accepts.
const TYPES: &[&[u8]] = &[
    b"TRAFFIC",
    b"THREAT",
    b"SYSTEM",
    b"CONFIG",
    b"GLOBALPROTECT",
    b"USERID",
    b"HIPMATCH",
    b"DECRYPTION",
    b"AUTHENTICATION",
    b"CORRELATION",
    b"TUNNEL",
    b"GTP",
    b"SCTP",
    b"IPTAG",
];

/// The first four fields of a PAN-OS record at the start of `b` (a short first field without
/// spaces, a receive time starting with a digit): the type's span.
fn record_type(b: &[u8]) -> Option<Span> {
    let mut starts = [0usize; 4];
    let mut p = 0;
    for s in starts.iter_mut().skip(1) {
        let k = memchr::memchr(b',', &b[p..b.len().min(p + 64)])?;
        p += k + 1;
        *s = p;
    }
    let e = memchr::memchr(b',', &b[p..b.len().min(p + 32)]).map(|k| p + k)?;
    let first = &b[..starts[1] - 1];
    if first.len() > 20 || first.contains(&b' ') || !b.get(starts[1]).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let t = &b[starts[3]..e];
    (!t.is_empty() && t.iter().all(|&c| c.is_ascii_uppercase() || c == b'_')).then_some((starts[3], e))
}

fn is_record(b: &[u8]) -> bool {
    record_type(b).is_some()
}

/// Whether `line` is a PAN-OS line (detection): a record of a known log type.
pub fn matches(line: &[u8]) -> bool {
    let Ok(f) = wrapped::split(line, is_record, "PAN-OS record") else { return false };
    let b = &line[f.payload..];
    record_type(b).is_some_and(|(s, e)| TYPES.contains(&&b[s..e]))
}

/// A PAN-OS time field: `YYYY/MM/DD HH:MM:SS` (local) or ISO 8601 with an offset. `Ok(None)`:
/// the epoch placeholder.
fn pan_time(b: &[u8], dates: &mut IsoDateCache) -> Option<Option<Stamp>> {
    if b.len() == 19 && b[10] == b' ' {
        let days = dates.days(&b[..10])?;
        let secs = hms(&b[11..])?;
        return Some(Some(Stamp::Local((days * 86_400 + secs) * 1_000_000)));
    }
    let (st, end) = syslog_header::rfc3339(b, 0)?;
    if end != b.len() {
        return None;
    }
    Some((!b.starts_with(b"1970-01-01T00:00:00")).then_some(st))
}

/// Per-chunk state.
struct State {
    times: Times,
    dates: IsoDateCache,
    fields: Vec<CsvField>,
    buf: Vec<u8>,
}

fn parse_line(row: &mut typed::Row, st: &mut State) -> Result<(), Reason> {
    let line = row.line();
    let f = wrapped::split(line, is_record, "PAN-OS record (4th CSV field a log type such as TRAFFIC)")?;
    st.fields.clear();
    st.fields.extend(csv_fields::fields(line, f.payload, line.len()));
    if st.fields.len() < HEAD.len() {
        return Err(format!("PAN-OS record has {} of its {} common fields", st.fields.len(), HEAD.len()).into());
    }
    if let Some(h) = f.host {
        row.str(HOST, h);
    }
    let ty = st.fields[3].span;
    let l = layouts();
    let layout = match &line[ty.0..ty.1] {
        b"TRAFFIC" => &l.traffic,
        b"THREAT" => &l.threat,
        b"SYSTEM" => &l.system,
        _ => &l.other,
    };
    let (mut generated, mut received) = (None, None);
    for (slot, field) in layout.iter().zip(st.fields.iter()) {
        let span = field.span;
        match *slot {
            Slot::Extra(name) if span.0 < span.1 => row.extra_named(name, span),
            Slot::Extra(_) => {}
            Slot::Col(c) if matches!(COLS[c].kind, Kind::Ts) => {
                if span.0 == span.1 {
                    continue;
                }
                match pan_time(&line[span.0..span.1], &mut st.dates) {
                    Some(Some(stamp)) => {
                        if let Some(us) = st.times.clock.utc(stamp)? {
                            match c {
                                TS => generated = Some(us),
                                RECEIVE_TIME => received = Some(us),
                                _ => {}
                            }
                            row.set_ts(c, us);
                        }
                    }
                    Some(None) => {}
                    None => row.extra_named(COLS[c].name, span),
                }
            }
            Slot::Col(c) if field.escaped => {
                st.buf.clear();
                csv_fields::unescape(&line[span.0..span.1], &mut st.buf);
                if matches!(COLS[c].kind, Kind::Str) {
                    row.owned(c, &st.buf);
                } else {
                    row.extra_named(COLS[c].name, span);
                }
            }
            Slot::Col(c) => {
                if !row.text(c, span) {
                    row.extra_named(COLS[c].name, span);
                }
            }
        }
    }
    if st.fields.len() > layout.len() {
        let first = st.fields[layout.len()];
        // the raw text, opening quote included
        let s = if first.quoted { first.span.0 - 1 } else { first.span.0 };
        row.str(COLS.len() - 1, (s, line.len()));
    }
    if generated.is_none() && received.is_none() {
        if let Some(stamp) = f.stamp {
            received = st.times.clock.utc(stamp)?;
        }
    }
    if let Some(us) = received {
        row.set_ts(TS, us); // no-op when Generated Time set it
    }
    Ok(())
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut st = State { times: Times::new(ctx), dates: IsoDateCache::default(), fields: Vec::with_capacity(128), buf: Vec::new() };
    let mut parsed = typed::parse_rows(chunk, COLS, true, |row, _| parse_line(row, &mut st));
    st.times.report(&mut parsed);
    parsed
}

/// PAN-OS actions: `alert` was logged, not blocked (`allow`); `block-*` (`block-url`,
/// `block-ip`, `block-continue`, `block-override`) `deny`; `drop*` and `random-drop` `drop`;
/// `reset-*` `reset`; `sinkhole` `deny`; then the generic vocabulary.
pub fn action(raw: &str) -> Option<&'static str> {
    match raw {
        "alert" => Some("allow"),
        "sinkhole" => Some("deny"),
        "random-drop" => Some("drop"),
        _ if raw.starts_with("block") => Some("deny"),
        _ if raw.starts_with("drop") => Some("drop"),
        _ if raw.starts_with("reset") => Some("reset"),
        _ => normal::action(raw),
    }
}

/// The event message: THREAT the threat name (`Eicar Test File(39040)`; URL records'
/// `(9999)` is not a name), SYSTEM the description, else `TYPE/subtype`.
fn message_column(batch: &RecordBatch) -> Result<ArrayRef, ArrowError> {
    let s = |n: &str| {
        batch.column_by_name(n).map(|a| a.as_string_view().clone()).ok_or_else(|| ArrowError::SchemaError(format!("no column {n}")))
    };
    let (ty, sub, threat, desc) = (s("type")?, s("subtype")?, s("threat_id")?, s("description")?);
    let get = |a: &arrow_array::StringViewArray, i: usize| a.is_valid(i).then(|| a.value(i).to_string());
    Ok(normal::strings(batch.num_rows(), |i| {
        if let Some(t) = get(&threat, i).filter(|t| !t.starts_with('(')) {
            return Some(t);
        }
        if let Some(d) = get(&desc, i) {
            return Some(d);
        }
        let t = get(&ty, i)?;
        Some(match get(&sub, i) {
            Some(sub) => format!("{t}/{sub}"),
            None => t,
        })
    }))
}

/// The table's rows as normalised events: host = Device Name, else the syslog host, else the
/// serial (PAN-OS's own name for the firewall first, as for the other formats); src/dst and
/// ports (pre-NAT); proto; user = Source User; action ([`action`]); url = THREAT URL/Filename
/// (no scheme, as logged), domain = its host in `url` records (other subtypes put a file
/// name there); user agent and HTTP method (THREAT);
/// bytes_out = Bytes Sent, bytes_in = Bytes Received (TRAFFIC); message ([`message_column`]).
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let s = |n: &str| normal::str_col(batch, n);
    let host = coalesce(s("device_name")?, s("syslog_host")?);
    let host = coalesce(host.as_string_view(), s("serial")?);
    // URL/Filename is a URL in `url` records only (a file name in `file`, `virus`...)
    let (url, subtype) = (s("url")?, s("subtype")?);
    let domain = normal::strings(batch.num_rows(), |i| {
        (url.is_valid(i) && subtype.is_valid(i) && subtype.value(i) == "url").then(|| wrapped::url_domain(url.value(i))).flatten()
    });
    Mapping::new(batch)
        .set("host", host)
        .take("src_ip", "src")
        .take("src_port", "sport")
        .take("dst_ip", "dst")
        .take("dst_port", "dport")
        .set("proto", wrapped::proto_column(batch, "proto"))
        .take("user", "src_user")
        .set("action", wrapped::map_strings(batch, "action", action))
        .take("http_method", "http_method")
        .take("url", "url")
        .set("domain", domain)
        .take("bytes_out", "bytes_sent")
        .take("bytes_in", "bytes_received")
        .take("user_agent", "user_agent")
        .set("message", message_column(batch)?)
        .build(FormatId::Panos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{self, utc};
    use arrow_array::types::{UInt16Type, UInt64Type};

    const TRAFFIC_END: &str = r"May  6 09:23:10 PA-440 1,2024/05/06 09:23:10,013201000001,TRAFFIC,end,2560,2024/05/06 09:23:10,10.20.30.41,198.51.100.140,203.0.113.201,198.51.100.140,allow-web,example\asmith,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,2024/05/06 09:23:10,33415,1,51544,443,40211,443,0x400053,tcp,allow,20772,2240,18532,39,2024/05/06 09:22:39,31,computer-and-internet-info,0,7290011,0x0,10.0.0.0-10.255.255.255,United States,0,18,21,tcp-fin,0,0,0,0,,PA-440,from-policy";
    const THREAT_URL: &str = r#"May  6 09:23:41 PA-440 1,2024/05/06 09:23:41,013201000001,THREAT,url,2560,2024/05/06 09:23:41,10.20.30.41,198.51.100.166,203.0.113.201,198.51.100.166,allow-web,example\asmith,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,2024/05/06 09:23:41,33420,1,51560,443,40215,443,0x403000,tcp,block-url,"blocked.example.net/download.exe",(9999),malware,informational,client-to-server,7290020,0x0,10.0.0.0-10.255.255.255,United States,0,,0,,,1,"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",,,,,,,0,0,0,0,0,,PA-440,,,,get,new1,"x,y""z""""#;

    testing::format_test_helpers!(parse_chunk, COLS);

    #[test]
    fn traffic_and_threat() {
        let p = parse(&format!("{TRAFFIC_END}\n{THREAT_URL}\n"), Some("Europe/Paris"));
        assert_eq!(p.rows(), 2, "{:?}", p.rejects);
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("PA-440"));
        assert_eq!(ts(&p, "ts", 0), Some(utc(2024, 5, 6, 7, 23, 10)));
        assert_eq!(ts(&p, "start_time", 0), Some(utc(2024, 5, 6, 7, 22, 39)));
        assert_eq!(s(&p, "src_user", 0).as_deref(), Some(r"example\asmith"));
        assert_eq!(s(&p, "dst_user", 0), None);
        assert_eq!(p.columns[typed::index(COLS, "sport")].as_primitive::<UInt16Type>().value(0), 51544);
        assert_eq!(p.columns[typed::index(COLS, "bytes_received")].as_primitive::<UInt64Type>().value(0), 18532);
        assert_eq!(s(&p, "session_end_reason", 0).as_deref(), Some("tcp-fin"));
        assert_eq!(s(&p, "device_name", 0).as_deref(), Some("PA-440"));
        assert_eq!(s(&p, "action_source", 0).as_deref(), Some("from-policy"));
        assert_eq!(s(&p, "tail", 0), None);
        assert_eq!(
            extra(&p, 0),
            vec![
                ("future_use_1".into(), Some("1".into())),
                ("future_use_6".into(), Some("2560".into())),
                ("future_use_22".into(), Some("2024/05/06 09:23:10".into())),
                ("future_use_39".into(), Some("0".into())),
                ("future_use_44".into(), Some("0".into())),
            ]
        );
        assert_eq!(s(&p, "url", 1).as_deref(), Some("blocked.example.net/download.exe"));
        assert_eq!(
            s(&p, "user_agent", 1).as_deref(),
            Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)")
        );
        assert_eq!(s(&p, "http_method", 1).as_deref(), Some("get"));
        assert_eq!(s(&p, "tail", 1).as_deref(), Some(r#"new1,"x,y""z""""#));
        assert_eq!(s(&p, "threat_id", 1).as_deref(), Some("(9999)"));
        assert!(p.columns[typed::index(COLS, "bytes")].is_null(1));
        assert!(matches(TRAFFIC_END.as_bytes()) && matches(THREAT_URL.as_bytes()));
    }

    #[test]
    fn other_types_and_traps() {
        let text = [
            // SYSTEM, bare, quoted description with a doubled quote
            r#"1,2024/05/06 09:30:00,013201000001,SYSTEM,general,0,2024/05/06 09:30:00,,general,,0,0,general,informational,"User ""admin"" logged in via Web from 192.0.2.50",7290100,0x0,0,0,0,0,,PA-440"#,
            // CONFIG: head + tail
            "<14>1 2024-05-06T07:31:00Z PA-440 - - - - 1,2024/05/06 09:31:00,013201000001,CONFIG,0,0,2024-05-06T07:31:00.000000Z,192.0.2.50,vsys1,edit,admin,Web,Succeeded,rulebase",
            // not PAN-OS
            "May  6 09:23:10 PA-440 hello,world",
            // a record cut short
            "1,2024/05/06 09:30:00,0132,TRAFFIC,end",
            // bad port, placeholder time, IPv6
            "1,2024/05/06 09:30:00,0132,TRAFFIC,drop,0,1970-01-01T00:00:00.000000Z,2001:DB8::1,2001:db8::2,,,r,,,not-applicable,vsys1,a,b,e1,,default,,0,1,x,22,0,0,0x0,tcp,deny",
        ]
        .join("\n");
        let p = parse(&text, None);
        let rej: Vec<u64> = p.rejects.iter().map(|r| r.line).collect();
        assert_eq!(rej, vec![2, 3], "{:?}", p.rejects);
        assert_eq!(s(&p, "description", 0).as_deref(), Some(r#"User "admin" logged in via Web from 192.0.2.50"#));
        assert_eq!(s(&p, "module", 0).as_deref(), Some("general"));
        assert_eq!(s(&p, "device_name", 0).as_deref(), Some("PA-440"));
        assert_eq!(ts(&p, "ts", 0), Some(utc(2024, 5, 6, 9, 30, 0)));
        assert_eq!(s(&p, "type", 1).as_deref(), Some("CONFIG"));
        assert_eq!(ts(&p, "ts", 1), Some(utc(2024, 5, 6, 7, 31, 0)));
        assert_eq!(s(&p, "tail", 1).as_deref(), Some("192.0.2.50,vsys1,edit,admin,Web,Succeeded,rulebase"));
        assert_eq!(s(&p, "syslog_host", 1).as_deref(), Some("PA-440"));
        // placeholder generated time: ts from receive time
        assert_eq!(ts(&p, "ts", 2), Some(utc(2024, 5, 6, 9, 30, 0)));
        assert_eq!(s(&p, "src", 2).as_deref(), Some("2001:db8::1"));
        assert!(extra(&p, 2).contains(&("sport".into(), Some("x".into()))));
        assert!(p.rejects[1].reason.contains("5 of its 7"));
        assert!(!matches(b"1,2024/05/06 09:30:00,0132,FOO,end,0,2024/05/06 09:30:00"));
        assert!(!matches(b"<134>Sep  6 10:15:32 filterlog[4242]: 5,,,1000000103,igb0,match,block,in,4,0x0"));
    }

    #[test]
    fn header_without_host() {
        let text = "<14>May  6 09:23:10 1,2024/05/06 09:23:10,013201000001,TRAFFIC,end,2560,2024/05/06 09:23:10,192.0.2.1,198.51.100.2";
        let p = parse(text, None);
        assert_eq!(p.rows(), 1, "{:?}", p.rejects);
        assert_eq!(s(&p, "syslog_host", 0), None);
        assert_eq!(s(&p, "serial", 0).as_deref(), Some("013201000001"));
        assert_eq!(s(&p, "dst", 0).as_deref(), Some("198.51.100.2"));
        assert!(matches(text.as_bytes()));
    }

    #[test]
    fn actions() {
        for (raw, want) in [
            ("allow", "allow"),
            ("deny", "deny"),
            ("drop", "drop"),
            ("drop-icmp", "drop"),
            ("drop-all-packets", "drop"),
            ("reset-both", "reset"),
            ("reset-client", "reset"),
            ("alert", "allow"),
            ("block-url", "deny"),
        ] {
            assert_eq!(action(raw), Some(want), "{raw}");
        }
        assert_eq!(action("continue"), None);
    }
}
