//! `cef`: ArcSight Common Event Format, bare or behind a syslog header (BSD, RFC 3339 or
//! RFC 5424, with or without host and tag, or a bare `<PRI>`). FortiGate's CEF output
//! (`CEF:0|Fortinet|Fortigate|...` with `FTNTFGT*` keys) is read here too.
//!
//! Layout: `[syslog header ]CEF:<version>|<vendor>|<product>|<version>|<signature id>|<name>|
//! <severity>|<extension>`.
//! - Header fields: `\|` is a pipe and `\\` a backslash (an escaped pipe does not end the field);
//!   fields are views into the line unless they hold an escape, then unescaped text. A header
//!   with fewer than seven `|` is rejected (with the number of fields found). The version is a
//!   number (`0`, `1`; anything else goes to `extra` as `cef_version`); severity is kept as
//!   written (`0`-`10`, `Low`, `Medium`, `High`, `Very-High`, any case), empty is null.
//! - Extension: [`kv::scan`] with [`Dialect::CEF`]: space-separated `key=value`, a value runs to
//!   the next ` key=` (so values hold spaces), `\=`, `\\`, `\n`, `\r` escapes (unescaped into the
//!   column), trailing padding trimmed. An empty extension is a row with the header only.
//! - Typed keys (columns, snake_case of the CEF key): `rt`, `start`, `end` (timestamps), `act`,
//!   `app`, `cat`, `src`, `spt`, `dst`, `dpt`, `proto`, `suser`, `duser`, `shost`, `dhost`,
//!   `dvc`, `dvchost`, `dtz`, `request`, `requestMethod`, `requestClientApplication`,
//!   `requestContext`, `msg`, `outcome`, `reason`, `in`, `out`, `cnt`, `fname`, `fsize`,
//!   `fileHash`, the four `*Translated*` NAT keys, `deviceDirection`, `externalId`,
//!   `deviceExternalId`, and CEF 1.x `c6a1`..`c6a4` (IPv6). Addresses are canonical; ports u16;
//!   `in`, `out`, `cnt`, `fsize` u64.
//! - `extra`: every other key as logged (`csN`/`csNLabel`, `cnN`, `FTNTFGT*`, `ad.*`...), the
//!   repeats of a typed key, and a typed value that does not read as its type (a port of
//!   `abc`, a time in no known form). Bare words in the extension (no `=`) are kept under the
//!   key `_word`.
//!
//! Time: `ts` is `rt`, else `start`, else the syslog header stamp. `rt`/`start`/`end` are epoch
//! milliseconds (ten digits or fewer: seconds) or `MMM dd [yyyy] HH:mm:ss[.SSS] [zzz]`. The zone
//! word is exact when it is `UTC`, `GMT`, `Z` or a numeric offset (`+0200`, `GMT+02:00`) and
//! used when it is an IANA name (`Europe/Paris`); an abbreviation (`CEST`, `PST`: ambiguous
//! across the world) or no zone reads the time in the record's `dtz` when that is an IANA zone
//! name, else in `ParseCtx::tz` (UTC when none, and the summary says so). A year-less text
//! time takes the year like a BSD syslog stamp. The header stamp is read as in `syslog`.

use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::{coalesce, Mapping};

use super::kv::{self, Dialect, Pair, Token};
use super::ncsa::Span;
use super::typed::{self, col, Col, KeyIndex, Kind};
use super::wrapped::{self, Times};
use super::{normal, FormatId, ParseCtx, ParsedChunk, Reason};

/// Columns; the typed extension keys follow the header fields.
const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("cef_version", Kind::U8),
    col("device_vendor", Kind::Str),
    col("device_product", Kind::Str),
    col("device_version", Kind::Str),
    col("signature_id", Kind::Str),
    col("name", Kind::Str),
    col("severity", Kind::Str),
    col("rt", Kind::Ts),
    col("start", Kind::Ts),
    col("end", Kind::Ts),
    col("act", Kind::Str),
    col("app", Kind::Str),
    col("cat", Kind::Str),
    col("src", Kind::Ip),
    col("spt", Kind::U16),
    col("dst", Kind::Ip),
    col("dpt", Kind::U16),
    col("proto", Kind::Str),
    col("suser", Kind::Str),
    col("duser", Kind::Str),
    col("shost", Kind::Str),
    col("dhost", Kind::Str),
    col("dvc", Kind::Ip),
    col("dvchost", Kind::Str),
    col("dtz", Kind::Str),
    col("request", Kind::Str),
    col("request_method", Kind::Str),
    col("request_client_application", Kind::Str),
    col("request_context", Kind::Str),
    col("msg", Kind::Str),
    col("outcome", Kind::Str),
    col("reason", Kind::Str),
    col("in", Kind::U64),
    col("out", Kind::U64),
    col("cnt", Kind::U64),
    col("fname", Kind::Str),
    col("fsize", Kind::U64),
    col("file_hash", Kind::Str),
    col("source_translated_address", Kind::Ip),
    col("source_translated_port", Kind::U16),
    col("destination_translated_address", Kind::Ip),
    col("destination_translated_port", Kind::U16),
    col("device_direction", Kind::Str),
    col("external_id", Kind::Str),
    col("device_external_id", Kind::Str),
    col("c6a1", Kind::Ip),
    col("c6a2", Kind::Ip),
    col("c6a3", Kind::Ip),
    col("c6a4", Kind::Ip),
];

/// Column indices of the header fields and the time keys.
const TS: usize = 0;
const HOST: usize = 1;
const VERSION: usize = 2;
const VENDOR: usize = 3;
const RT: usize = 9;
const START: usize = 10;
const END: usize = 11;
const DTZ: usize = 26;

/// CEF keys whose column name is not the key itself.
const RENAMED: &[(&str, &str)] = &[
    ("requestMethod", "request_method"),
    ("requestClientApplication", "request_client_application"),
    ("requestContext", "request_context"),
    ("fileHash", "file_hash"),
    ("sourceTranslatedAddress", "source_translated_address"),
    ("sourceTranslatedPort", "source_translated_port"),
    ("destinationTranslatedAddress", "destination_translated_address"),
    ("destinationTranslatedPort", "destination_translated_port"),
    ("deviceDirection", "device_direction"),
    ("externalId", "external_id"),
    ("deviceExternalId", "device_external_id"),
];

fn keys() -> &'static KeyIndex {
    static KEYS: OnceLock<KeyIndex> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut k: Vec<(&'static str, usize)> = (RT..COLS.len()).map(|i| (COLS[i].name, i)).filter(|(n, _)| !n.contains('_')).collect();
        k.extend(RENAMED.iter().map(|&(key, name)| (key, typed::index(COLS, name))));
        KeyIndex::new(&k)
    })
}

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

/// Whether the text starts a CEF record (`CEF:` then a version digit, spaces allowed).
fn is_cef(b: &[u8]) -> bool {
    b.starts_with(b"CEF:") && b[4..].iter().find(|&&c| c != b' ').is_some_and(u8::is_ascii_digit)
}

/// Whether `line` is a complete CEF line (detection): the payload and its seven header fields.
pub fn matches(line: &[u8]) -> bool {
    wrapped::split(line, is_cef, "CEF:").is_ok_and(|f| wrapped::pipe_fields::<7>(line, f.payload).is_ok())
}

/// The time keys of one record, read after the scan (`dtz` may come after them).
#[derive(Default)]
struct TimeKeys {
    rt: Option<Pair>,
    start: Option<Pair>,
    end: Option<Pair>,
    dtz: Option<Pair>,
}

/// Parse one CEF line into `row` (not committed).
fn parse_line(row: &mut typed::Row, times: &mut Times) -> Result<(), Reason> {
    let line = row.line();
    let f = wrapped::split(line, is_cef, "CEF:")?;
    let (hdr, ext) = wrapped::pipe_fields::<7>(line, f.payload).map_err(|n| {
        Reason::from(format!(
            "CEF header has {n} of its 7 `|`-separated fields (version, vendor, product, version, signature id, name, severity)"
        ))
    })?;
    if let Some(h) = f.host {
        row.str(HOST, h);
    }
    // `CEF:0`: the version after the prefix, spaces trimmed
    let (vs, ve) = hdr[0].0;
    let v = trim((vs + 4, ve), line);
    if !row.text(VERSION, v) {
        row.extra_named("cef_version", v);
    }
    for (k, &field) in hdr[1..].iter().enumerate() {
        wrapped::header_field(row, VENDOR + k, field);
    }
    let keys = keys();
    let mut tk = TimeKeys::default();
    for tok in kv::scan(line, ext, line.len(), Dialect::CEF) {
        // by reference: copying the pair whole reads its flags as one word right after the
        // scanner stored them byte by byte (a store-forwarding stall per pair)
        match &tok {
            Token::Pair(p) => {
                let c = keys.get(&line[p.key.0..p.key.1]);
                let slot = match c {
                    Some(RT) => &mut tk.rt,
                    Some(START) => &mut tk.start,
                    Some(END) => &mut tk.end,
                    Some(DTZ) => {
                        tk.dtz = tk.dtz.or(Some(*p));
                        row.pair(c, p);
                        continue;
                    }
                    _ => {
                        row.pair(c, p);
                        continue;
                    }
                };
                if slot.is_none() {
                    *slot = Some(*p);
                } else {
                    row.extra_pair(p);
                }
            }
            Token::Word(w) => row.extra_named("_word", *w),
        }
    }
    let dtz = tk.dtz.filter(|p| !p.escaped).map(|p| &line[p.value.0..p.value.1]);
    let mut ts = None;
    for (c, p) in [(RT, tk.rt), (START, tk.start), (END, tk.end)] {
        let Some(p) = p else { continue };
        let t = if p.escaped { None } else { wrapped::device_time(&line[p.value.0..p.value.1]) };
        match t.map(|t| times.utc(&t, dtz)).transpose()?.flatten() {
            Some(us) => {
                row.set_ts(c, us);
                if c != END && ts.is_none() {
                    ts = Some(us);
                }
            }
            None if p.value.0 == p.value.1 => {}
            None => row.extra_pair(&p),
        }
    }
    times.set_ts_or_header(row, TS, ts, f.stamp)
}

fn trim((mut s, mut e): Span, line: &[u8]) -> Span {
    while s < e && line[s] == b' ' {
        s += 1;
    }
    while e > s && line[e - 1] == b' ' {
        e -= 1;
    }
    (s, e)
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut times = Times::new(ctx);
    let mut parsed = typed::parse_rows(chunk, COLS, true, |row, _| parse_line(row, &mut times));
    times.report(&mut parsed);
    parsed
}

/// The action of a record: `act` through the generic vocabulary, else `outcome` when it is an
/// action word (`blocked`, `denied`); CEF's usual `success`/`failure` outcomes say whether the
/// operation succeeded, not what a firewall did, and give no action.
fn action_column(batch: &RecordBatch) -> arrow_array::ArrayRef {
    let act = wrapped::map_strings(batch, "act", normal::action);
    let outcome = wrapped::map_strings(batch, "outcome", normal::action);
    coalesce(act.as_string_view(), outcome.as_string_view())
}

/// The table's rows as normalised events: host = `dvchost`, else `dvc`, else the syslog
/// host; src/dst and ports; proto normalised; user = `suser`; action (see [`action_column`]);
/// url = `request`; domain = `dhost`, else the URL host; user agent and method from the
/// request keys; message = `name`, else `msg`. `in`/`out` are not mapped to bytes: their
/// direction relative to src/dst differs between vendors.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let s = |n: &str| normal::str_col(batch, n);
    let host = coalesce(s("dvchost")?, s("dvc")?);
    let host = coalesce(host.as_string_view(), s("syslog_host")?);
    let domain = wrapped::domain_column(Some(s("dhost")?), s("request")?);
    let message = coalesce(s("name")?, s("msg")?);
    Mapping::new(batch)
        .set("host", host)
        .take("src_ip", "src")
        .take("src_port", "spt")
        .take("dst_ip", "dst")
        .take("dst_port", "dpt")
        .set("proto", wrapped::proto_column(batch, "proto"))
        .take("user", "suser")
        .set("action", action_column(batch))
        .take("http_method", "request_method")
        .take("url", "request")
        .set("domain", domain)
        .take("user_agent", "request_client_application")
        .set("message", message)
        .build(FormatId::Cef)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{self, utc};
    use arrow_array::types::{UInt16Type, UInt8Type};

    testing::format_test_helpers!(parse_chunk, COLS);

    #[test]
    fn reference_lines() {
        let text = "May  6 09:24:05 proxy01 CEF:0|ExampleVendor|ExampleProxy|2.1|web-block|URL blocked by policy|7|rt=1714980245000 dvchost=proxy01 src=10.20.30.41 spt=51610 dst=198.51.100.166 dpt=443 proto=TCP suser=asmith act=blocked request=https://blocked.example.net/download.exe requestMethod=GET requestClientApplication=Mozilla/5.0 (Windows NT 10.0; Win64; x64) msg=rule\\=web-malware matched\n\
CEF:0|ExampleVendor|Example\\|Gateway|1.0|fw-deny|Connection denied|5|rt=May 06 2024 09:24:07 CEST src=203.0.113.77 spt=48211 dst=192.0.2.10 dpt=22 proto=TCP act=deny cs1Label=RuleName cs1=block ssh from internet\n";
        let p = parse(text, Some("Europe/Paris"));
        assert_eq!(p.rows(), 2, "{:?}", p.rejects);
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("proxy01"));
        assert_eq!(p.columns[VERSION].as_primitive::<UInt8Type>().value(0), 0);
        assert_eq!(s(&p, "device_product", 1).as_deref(), Some("Example|Gateway"));
        assert_eq!(s(&p, "request_client_application", 0).as_deref(), Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"));
        assert_eq!(s(&p, "msg", 0).as_deref(), Some("rule=web-malware matched"));
        assert_eq!(ts(&p, "ts", 0), Some(1_714_980_245_000_000));
        assert_eq!(ts(&p, "rt", 0), Some(1_714_980_245_000_000));
        assert_eq!(p.columns[typed::index(COLS, "dpt")].as_primitive::<UInt16Type>().value(0), 443);
        // CEST read in Europe/Paris: 07:24:07Z
        assert_eq!(ts(&p, "ts", 1), Some(utc(2024, 5, 6, 7, 24, 7)));
        assert_eq!(
            extra(&p, 1),
            vec![("cs1Label".into(), Some("RuleName".into())), ("cs1".into(), Some("block ssh from internet".into()))]
        );
        assert_eq!(s(&p, "syslog_host", 1), None);
    }

    #[test]
    fn traps() {
        let text = [
            // fewer than 7 pipes
            "CEF:0|a|b|c|d|e",
            // empty severity, extension-less
            "CEF:0|a|b|c|d|e||",
            // trailing padding, an escaped backslash ending a header field, dtz
            "CEF:1|a\\\\|b|c|d|e|Very-High|rt=May 06 2024 09:24:07 dtz=America/New_York act=drop   ",
            // bad port, repeated key, bare word, unreadable rt: to extra; start gives ts
            "<134>CEF:0|a|b|c|d|e|3|spt=abc spt=1 rt=yesterday start=1714980245000",
            // not CEF
            "May  6 09:24:05 host CEF-ish text",
        ]
        .join("\n");
        let p = parse(&text, None);
        assert_eq!(p.rows(), 3);
        let rej: Vec<u64> = p.rejects.iter().map(|r| r.line).collect();
        assert_eq!(rej, vec![0, 4]);
        assert!(p.rejects[0].reason.contains("5 of its 7"), "{}", p.rejects[0].reason);
        assert_eq!(s(&p, "severity", 0), None);
        assert_eq!(s(&p, "name", 0).as_deref(), Some("e"));
        assert!(extra(&p, 0).is_empty());
        assert_eq!(s(&p, "device_vendor", 1).as_deref(), Some("a\\"));
        assert_eq!(s(&p, "act", 1).as_deref(), Some("drop"));
        assert_eq!(p.columns[VERSION].as_primitive::<UInt8Type>().value(1), 1);
        // 09:24:07 New York (EDT, UTC-4) = 13:24:07Z
        assert_eq!(ts(&p, "ts", 1), Some(utc(2024, 5, 6, 13, 24, 7)));
        assert_eq!(extra(&p, 2), vec![("spt".into(), Some("abc".into())), ("rt".into(), Some("yesterday".into()))]);
        assert_eq!(p.columns[typed::index(COLS, "spt")].as_primitive::<UInt16Type>().value(2), 1);
        assert_eq!(ts(&p, "ts", 2), Some(1_714_980_245_000_000));
        assert_eq!(ts(&p, "rt", 2), None);
    }

    #[test]
    fn header_stamp_and_fortigate() {
        let text = "<189>Feb 12 10:48:12 syslog-800c CEF:0|Fortinet|Fortigate|v5.6.0|32001|event:system login success|2|FTNTFGTlogid=0100032001 cat=event:system FTNTFGTsubtype=system FTNTFGTlevel=information FTNTFGTvd=root dvchost=FGT-A suser=admin src=2001:DB8::5 outcome=success";
        let p = parse(text, None);
        assert_eq!(p.rows(), 1, "{:?}", p.rejects);
        assert_eq!(ts(&p, "ts", 0), Some(utc(2024, 2, 12, 10, 48, 12)));
        assert_eq!(s(&p, "src", 0).as_deref(), Some("2001:db8::5"));
        assert_eq!(s(&p, "cat", 0).as_deref(), Some("event:system"));
        let keys: Vec<String> = extra(&p, 0).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["FTNTFGTlogid", "FTNTFGTsubtype", "FTNTFGTlevel", "FTNTFGTvd"]);
        assert!(matches(text.as_bytes()));
        assert!(!matches(b"May  6 09:24:05 host sshd[1]: CEF:0|a|b"));
        assert!(!matches(b"Sep  6 10:15:32 mail postfix/smtpd[99]: connect from a[192.0.2.1]"));
    }

    #[test]
    fn events_mapping() {
        let text = "May  6 09:24:05 proxy01 CEF:0|V|P|1|id|URL blocked|7|src=10.20.30.41 act=blocked request=https://blocked.example.net/x proto=6 outcome=failure\nCEF:0|V|P|1|id||1|dvc=192.0.2.1 msg=hello outcome=denied dhost=d.example";
        let p = parse(text, None);
        let schema = FormatId::Cef.schema();
        let mut cols = vec![
            crate::events::constant_dict("f", 2),
            std::sync::Arc::new(arrow_array::UInt64Array::from(vec![1u64, 2])) as arrow_array::ArrayRef,
            std::sync::Arc::new(arrow_array::UInt64Array::from(vec![0u64, 1])),
        ];
        cols.extend(p.columns.iter().cloned());
        let batch = RecordBatch::try_new(schema, cols).unwrap();
        let ev = events(&batch).unwrap();
        let col = |n: &str| ev.column_by_name(n).unwrap().as_string_view().clone();
        assert_eq!(col("host").value(0), "proxy01");
        assert_eq!(col("host").value(1), "192.0.2.1");
        assert_eq!(col("proto").value(0), "tcp");
        assert_eq!(col("action").value(0), "deny");
        assert_eq!(col("action").value(1), "deny");
        assert_eq!(col("domain").value(0), "blocked.example.net");
        assert_eq!(col("domain").value(1), "d.example");
        assert_eq!(col("message").value(0), "URL blocked");
        assert_eq!(col("message").value(1), "hello");
    }
}
