//! `leef`: IBM QRadar Log Event Extended Format, bare or behind a syslog header (BSD, RFC 3339,
//! RFC 5424, or a bare `<PRI>`).
//!
//! Layouts:
//! - LEEF 1.0: `LEEF:1.0|<vendor>|<product>|<version>|<event id>|<attributes>`, attributes
//!   separated by TAB;
//! - LEEF 2.0: `LEEF:2.0|<vendor>|<product>|<version>|<event id>|<delimiter>|<attributes>`, the
//!   delimiter one character (`^`) or a hex code (`x09`, `0x09`, `X5E`); an empty delimiter field
//!   means TAB. A 2.0 line whose sixth field is not a delimiter but an attribute (`src=...`: the
//!   sender left the field out) is read with TAB.
//!
//! Header fields are `|`-separated with `\|` and `\\` escapes (unescaped into the column only
//! when present). Fewer than five `|` (six for 2.0, unless the lenient case above) is
//! rejected with the count; so is a delimiter of several characters that is not a hex code, or
//! not ASCII (the scanner splits on one byte).
//!
//! Attributes: [`kv::scan`] with [`Dialect::delimited`] (no quoting, no escapes: a value runs
//! to the next delimiter). Typed predefined keys (snake_case columns): `cat`, `devTime` (→
//! `dev_time`), `devTimeFormat`, `proto`, `sev`, `src`, `dst`, `srcPort`, `dstPort`, the eight
//! pre/post-NAT address and port keys, `usrName`, `srcMAC`, `dstMAC`, `identSrc`,
//! `identHostName`, `identUsrName`, `accountName`, `srcBytes`, `dstBytes`, `srcPackets`,
//! `dstPackets`, `totalPackets`, `role`, `realm`, `policy`, `resource`, `url`, `groupID`,
//! `domain`. Addresses canonical, ports u16, counts u64. Every other key (vendor keys such as
//! `action`), repeats, and values that do not read as their type go to `extra` as logged; bare
//! words (no `=`) under `_word`.
//!
//! Time: `ts` is `devTime`, else the syslog header stamp. With `devTimeFormat`, `devTime` is
//! read with that Java pattern ([`wrapped::java_time`]: `yyyy-MM-dd'T'HH:mm:ss.SSSZ`,
//! `yyyy-MM-dd HH:mm:ss`, `MMM dd yyyy HH:mm:ss.SSS zzz`, ...); without it (or when the pattern
//! does not read it), as epoch milliseconds or `MMM dd [yyyy] HH:mm:ss[.SSS] [zzz]`. A
//! `devTime` that reads in none of these stays text in `extra` and `ts` falls back to the
//! header. Zones: offsets, `UTC`/`GMT` exact; IANA names used; abbreviations (`CEST`) and no
//! zone read in `ParseCtx::tz` (UTC when none).

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

const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("leef_version", Kind::Str),
    col("vendor", Kind::Str),
    col("product", Kind::Str),
    col("product_version", Kind::Str),
    col("event_id", Kind::Str),
    col("delimiter", Kind::Str),
    col("cat", Kind::Str),
    col("dev_time", Kind::Ts),
    col("dev_time_format", Kind::Str),
    col("proto", Kind::Str),
    col("sev", Kind::Str),
    col("src", Kind::Ip),
    col("dst", Kind::Ip),
    col("src_port", Kind::U16),
    col("dst_port", Kind::U16),
    col("src_pre_nat", Kind::Ip),
    col("dst_pre_nat", Kind::Ip),
    col("src_post_nat", Kind::Ip),
    col("dst_post_nat", Kind::Ip),
    col("src_pre_nat_port", Kind::U16),
    col("dst_pre_nat_port", Kind::U16),
    col("src_post_nat_port", Kind::U16),
    col("dst_post_nat_port", Kind::U16),
    col("usr_name", Kind::Str),
    col("src_mac", Kind::Str),
    col("dst_mac", Kind::Str),
    col("ident_src", Kind::Ip),
    col("ident_host_name", Kind::Str),
    col("ident_usr_name", Kind::Str),
    col("account_name", Kind::Str),
    col("src_bytes", Kind::U64),
    col("dst_bytes", Kind::U64),
    col("src_packets", Kind::U64),
    col("dst_packets", Kind::U64),
    col("total_packets", Kind::U64),
    col("role", Kind::Str),
    col("realm", Kind::Str),
    col("policy", Kind::Str),
    col("resource", Kind::Str),
    col("url", Kind::Str),
    col("group_id", Kind::Str),
    col("domain", Kind::Str),
];

const TS: usize = 0;
const HOST: usize = 1;
const VERSION: usize = 2;
const VENDOR: usize = 3;
const DELIMITER: usize = 7;
const DEV_TIME: usize = 9;
const DEV_TIME_FORMAT: usize = 10;

/// The LEEF key of each typed column from `cat` on, in column order.
const KEYS: &[&str] = &[
    "cat",
    "devTime",
    "devTimeFormat",
    "proto",
    "sev",
    "src",
    "dst",
    "srcPort",
    "dstPort",
    "srcPreNAT",
    "dstPreNAT",
    "srcPostNAT",
    "dstPostNAT",
    "srcPreNATPort",
    "dstPreNATPort",
    "srcPostNATPort",
    "dstPostNATPort",
    "usrName",
    "srcMAC",
    "dstMAC",
    "identSrc",
    "identHostName",
    "identUsrName",
    "accountName",
    "srcBytes",
    "dstBytes",
    "srcPackets",
    "dstPackets",
    "totalPackets",
    "role",
    "realm",
    "policy",
    "resource",
    "url",
    "groupID",
    "domain",
];

const FIRST_KEY: usize = 8;

fn keys() -> &'static KeyIndex {
    static K: OnceLock<KeyIndex> = OnceLock::new();
    K.get_or_init(|| {
        debug_assert_eq!(FIRST_KEY + KEYS.len(), COLS.len());
        let k: Vec<(&'static str, usize)> = KEYS.iter().enumerate().map(|(i, &k)| (k, FIRST_KEY + i)).collect();
        KeyIndex::new(&k)
    })
}

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

/// Whether the text starts a LEEF record (`LEEF:` then a version digit).
fn is_leef(b: &[u8]) -> bool {
    b.starts_with(b"LEEF:") && b.get(5).is_some_and(u8::is_ascii_digit)
}

/// Whether `line` is a complete LEEF line (detection).
pub fn matches(line: &[u8]) -> bool {
    wrapped::split(line, is_leef, "LEEF:").is_ok_and(|f| wrapped::pipe_fields::<5>(line, f.payload).is_ok())
}

/// The attribute delimiter a LEEF 2.0 delimiter field declares.
fn delimiter(b: &[u8]) -> Option<u8> {
    match b {
        [] => Some(b'\t'),
        [c] if c.is_ascii() => Some(*c),
        _ => {
            let hex = [&b"0x"[..], b"0X", b"x", b"X"].iter().find_map(|p| b.strip_prefix(*p))?;
            if hex.is_empty() || hex.len() > 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            v.is_ascii().then_some(v)
        }
    }
}

/// The header of a LEEF record at `p`: its fields (1.0: five; 2.0: six with the delimiter),
/// the delimiter and where the attributes start.
#[allow(clippy::type_complexity)]
fn header(line: &[u8], p: usize) -> Result<([(Span, bool); 6], Option<u8>, usize), Reason> {
    let short = |n: usize, want: usize| Reason::from(format!("LEEF header has {n} of its {want} `|`-separated fields"));
    let (five, after5) = wrapped::pipe_fields::<5>(line, p).map_err(|n| short(n, 5))?;
    let version = &line[five[0].0 .0 + 5..five[0].0 .1];
    let mut f = [((0, 0), false); 6];
    f[..5].copy_from_slice(&five);
    if !version.starts_with(b"2") {
        return Ok((f, None, after5));
    }
    match wrapped::pipe_fields::<1>(line, after5) {
        Ok(([d], after6)) => {
            if let Some(sep) = delimiter(&line[d.0 .0..d.0 .1]) {
                f[5] = d;
                return Ok((f, Some(sep), after6));
            }
            if !line[d.0 .0..d.0 .1].contains(&b'=') {
                return Err(format!(
                    "LEEF 2.0 delimiter {:?} is not one ASCII character or a hex code",
                    String::from_utf8_lossy(&line[d.0 .0..d.0 .1])
                )
                .into());
            }
        }
        Err(_) if memchr::memchr(b'=', &line[after5..]).is_none() && after5 < line.len() => return Err(short(5, 6)),
        Err(_) => {}
    }
    // the sender left the delimiter field out: attributes right after the event id, TAB
    Ok((f, None, after5))
}

/// Parse one LEEF line into `row`.
fn parse_line(row: &mut typed::Row, times: &mut Times) -> Result<(), Reason> {
    let line = row.line();
    let f = wrapped::split(line, is_leef, "LEEF:")?;
    let (hdr, sep, attrs) = header(line, f.payload)?;
    if let Some(h) = f.host {
        row.str(HOST, h);
    }
    let (vs, ve) = hdr[0].0;
    row.text(VERSION, (vs + 5, ve));
    for (k, &field) in hdr[1..5].iter().enumerate() {
        wrapped::header_field(row, VENDOR + k, field);
    }
    if sep.is_some() {
        row.text(DELIMITER, hdr[5].0);
    }
    let keys = keys();
    let (mut dev_time, mut format): (Option<Pair>, Option<Span>) = (None, None);
    for tok in kv::scan(line, attrs, line.len(), Dialect::delimited(sep.unwrap_or(b'\t'))) {
        // by reference: see the same loop in `cef`
        match &tok {
            Token::Pair(p) => {
                let c = keys.get(&line[p.key.0..p.key.1]);
                match c {
                    Some(DEV_TIME) if dev_time.is_none() => dev_time = Some(*p),
                    Some(DEV_TIME_FORMAT) if format.is_none() => {
                        format = Some(p.value);
                        row.pair(c, p);
                    }
                    Some(DEV_TIME) => row.extra_pair(p),
                    _ => row.pair(c, p),
                }
            }
            Token::Word(w) => row.extra_named("_word", *w),
        }
    }
    let mut ts = None;
    if let Some(p) = dev_time {
        let v = &line[p.value.0..p.value.1];
        let t = format.and_then(|(s, e)| wrapped::java_time(&line[s..e], v)).or_else(|| wrapped::device_time(v));
        match t.map(|t| times.utc(&t, None)).transpose()?.flatten() {
            Some(us) => {
                row.set_ts(DEV_TIME, us);
                ts = Some(us);
            }
            None if v.is_empty() => {}
            None => row.extra_pair(&p),
        }
    }
    times.set_ts_or_header(row, TS, ts, f.stamp)
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut times = Times::new(ctx);
    let mut parsed = typed::parse_rows(chunk, COLS, true, |row, _| parse_line(row, &mut times));
    times.report(&mut parsed);
    parsed
}

/// The table's rows as normalised events: host = syslog host; src/dst, ports, proto
/// (normalised); user = `usrName`, else `identUsrName`, else `accountName`; url; domain = the
/// `domain` key, else the URL host; bytes_out = `srcBytes`, bytes_in = `dstBytes` (LEEF's
/// source is the initiator); action = the vendor key `action` (from `extra`) through the
/// generic vocabulary, else null (LEEF has no predefined action key); message = the event id
/// (LEEF's event name; its meaning is the vendor's).
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let s = |n: &str| normal::str_col(batch, n);
    let user = coalesce(s("usr_name")?, s("ident_usr_name")?);
    let user = coalesce(user.as_string_view(), s("account_name")?);
    let domain = wrapped::domain_column(Some(s("domain")?), s("url")?);
    let action = wrapped::extra_value(batch, "action");
    let action = normal::strings(batch.num_rows(), |i| {
        let a = action.as_string_view();
        arrow_array::Array::is_valid(a, i).then(|| normal::action(a.value(i))).flatten()
    });
    Mapping::new(batch)
        .take("host", "syslog_host")
        .take("src_ip", "src")
        .take("src_port", "src_port")
        .take("dst_ip", "dst")
        .take("dst_port", "dst_port")
        .set("proto", wrapped::proto_column(batch, "proto"))
        .set("user", user)
        .set("action", action)
        .take("url", "url")
        .set("domain", domain)
        .take("bytes_out", "src_bytes")
        .take("bytes_in", "dst_bytes")
        .take("message", "event_id")
        .build(FormatId::Leef)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{self, utc};
    use arrow_array::types::{UInt16Type, UInt64Type};

    testing::format_test_helpers!(parse_chunk, COLS);

    #[test]
    fn reference_lines() {
        let text = "May  6 09:25:11 gw01 LEEF:1.0|ExampleVendor|ExampleFW|3.2|conn_denied|devTime=May 06 2024 09:25:11.204 CEST\tsrc=203.0.113.77\tdst=192.0.2.10\tsrcPort=48211\tdstPort=22\tproto=TCP\tpolicy=block-ssh\taction=deny\n\
LEEF:2.0|ExampleVendor|ExampleProxy|1.4|web_allow|^|devTime=1714980311000^src=10.20.30.41^dst=198.51.100.140^dstPort=443^usrName=asmith^url=https://www.example.com/^srcBytes=2240^dstBytes=18532\n\
LEEF:1.0|ABC Company|SystemDefender|1.13|console_login|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ\tdevTime=2017-10-18T11:26:03.060+0200\tusrName=flastname\n\
LEEF:2.0|Lancope|StealthWatch|6.5|41|^|\n\
LEEF:2.0|V|P|1|e|x09|src=192.0.2.1\tsev=5\n\
LEEF:1.0|Microsoft|MSExchange|2013 SP1|15345|";
        let p = parse(text, Some("Europe/Paris"));
        assert_eq!(p.rows(), 6, "{:?}", p.rejects);
        assert_eq!(s(&p, "syslog_host", 0).as_deref(), Some("gw01"));
        assert_eq!(s(&p, "leef_version", 0).as_deref(), Some("1.0"));
        assert_eq!(s(&p, "event_id", 0).as_deref(), Some("conn_denied"));
        assert_eq!(ts(&p, "ts", 0), Some(utc(2024, 5, 6, 7, 25, 11) + 204_000));
        assert_eq!(p.columns[typed::index(COLS, "dst_port")].as_primitive::<UInt16Type>().value(0), 22);
        assert_eq!(extra(&p, 0), vec![("action".into(), Some("deny".into()))]);
        assert_eq!(s(&p, "delimiter", 1).as_deref(), Some("^"));
        assert_eq!(ts(&p, "ts", 1), Some(1_714_980_311_000_000));
        assert_eq!(p.columns[typed::index(COLS, "src_bytes")].as_primitive::<UInt64Type>().value(1), 2240);
        assert_eq!(s(&p, "url", 1).as_deref(), Some("https://www.example.com/"));
        assert_eq!(ts(&p, "ts", 2), Some(utc(2017, 10, 18, 9, 26, 3) + 60_000));
        assert_eq!(s(&p, "dev_time_format", 2).as_deref(), Some("yyyy-MM-dd'T'HH:mm:ss.SSSZ"));
        assert_eq!(ts(&p, "ts", 3), None);
        assert_eq!(s(&p, "src", 4).as_deref(), Some("192.0.2.1"));
        assert_eq!(s(&p, "sev", 4).as_deref(), Some("5"));
        assert_eq!(s(&p, "product_version", 5).as_deref(), Some("2013 SP1"));
        assert!(matches(text.lines().next().unwrap().as_bytes()));
    }

    #[test]
    fn traps() {
        let text = [
            // too few fields
            "LEEF:1.0|V|P|1",
            // bad delimiter
            "LEEF:2.0|V|P|1|e|ab|x=1",
            // 2.0 without its delimiter field: TAB
            "LEEF:2.0|V|P|1|e|src=192.0.2.1\tdstPort=99999",
            // an unsupported pattern: devTime kept as text, ts from the header
            "<13>May  6 09:25:11 gw LEEF:1.0|V|P|1|e|devTimeFormat=hh:mm a\tdevTime=09:25 AM\tsrcMAC=00:11:22:33:44:55",
            // escaped pipe in the header, delimiter as 0x5E
            "LEEF:2.0|V\\|W|P|1|e|0x5E|cat=a b^role=x",
        ]
        .join("\n");
        let p = parse(&text, None);
        let rej: Vec<u64> = p.rejects.iter().map(|r| r.line).collect();
        assert_eq!(rej, vec![0, 1]);
        assert!(p.rejects[0].reason.contains("3 of its 5"), "{}", p.rejects[0].reason);
        assert!(p.rejects[1].reason.contains("delimiter"), "{}", p.rejects[1].reason);
        assert_eq!(s(&p, "src", 0).as_deref(), Some("192.0.2.1"));
        assert_eq!(extra(&p, 0), vec![("dstPort".into(), Some("99999".into()))]);
        assert_eq!(ts(&p, "ts", 1), Some(utc(2024, 5, 6, 9, 25, 11)));
        assert_eq!(ts(&p, "dev_time", 1), None);
        assert_eq!(extra(&p, 1), vec![("devTime".into(), Some("09:25 AM".into()))]);
        assert_eq!(s(&p, "src_mac", 1).as_deref(), Some("00:11:22:33:44:55"));
        assert_eq!(s(&p, "vendor", 2).as_deref(), Some("V|W"));
        assert_eq!(s(&p, "cat", 2).as_deref(), Some("a b"));
        assert_eq!(s(&p, "role", 2).as_deref(), Some("x"));
        assert_eq!(s(&p, "delimiter", 2).as_deref(), Some("0x5E"));
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimiter(b""), Some(b'\t'));
        assert_eq!(delimiter(b"^"), Some(b'^'));
        assert_eq!(delimiter(b"x09"), Some(b'\t'));
        assert_eq!(delimiter(b"0x09"), Some(b'\t'));
        assert_eq!(delimiter(b"X7C"), Some(b'|'));
        assert_eq!(delimiter(b"09"), None);
        assert_eq!(delimiter(b"xFF"), None);
        assert_eq!(delimiter("¦".as_bytes()), None);
    }
}
