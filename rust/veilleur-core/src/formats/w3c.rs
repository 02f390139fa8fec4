//! `w3c`: the W3C Extended Log File Format and its ELFF variant — IIS, Forefront TMG (W3C
//! output), Blue Coat / Symantec ProxySG — read by the field names of their `#Fields:` header.
//!
//! A file mixes directives (`#Version:`, `#Software:`, `#Date:`, `#Start-Date:`, `#End-Date:`,
//! `#Remark:`, `#Fields:`) and data lines. A `#Fields:` line governs every following data line
//! until the next one, also across chunks (the pipeline hands each chunk the last `#Fields:` line
//! before it, [`ParseCtx::header`]), so a file may change layout part-way through (IIS writes a
//! new header block on every restart or configuration change).
//!
//! **Directives are rows.** Every directive line is a row of the table with `directive` set to
//! the line as written (`#Software: SGOS 5.4.3.7`) and every other column null: nothing is lost,
//! the counts add up without rejects (strict mode reads W3C files), and `directive IS NULL`
//! selects the requests. The events mapping leaves directive rows out (they are not events).
//!
//! **Data lines.** Values are separated by one or more spaces; a value starting with `"` runs
//! to the next `"` followed by a space or the end of the line (ELFF quotes values with spaces,
//! the quotes are removed; a doubled `""` inside is kept as written); `-` is null. A line must
//! hold exactly as many values as its header declares fields, otherwise it is rejected (a
//! misaligned line would put values under the wrong names). Data lines before any `#Fields:`
//! header are rejected, as are lines with an unterminated quote.
//!
//! **Behind syslog.** ProxySG can stream its access log over syslog, directives included
//! (`<13>Sep 16 15:36:24 proxy1 #Fields: date time ...`). A line behind a syslog header (BSD,
//! RFC 3339 or RFC 5424, with or without a tag, optionally octet-counted) whose text is a
//! directive or starts with a date is read as that text: the relay's header is left out (the
//! W3C fields carry the time), a wrapped `#Fields:` governs the following lines as a bare one
//! does, across chunks too. Detection reads a line (bare or behind such a header) as W3C when it
//! is one of the directives above, or starts with `YYYY-MM-DD HH:MM:SS[.fff]` followed by at
//! least three values.
//!
//! **Columns.** `ts`, `directive`, then one typed column per common field, named in snake case
//! (`cs(User-Agent)` → `cs_user_agent`, `time-taken` → `time_taken`; names matched without
//! regard to case): `time_taken` u64 (milliseconds in IIS, TMG and ProxySG), `c_ip` ip,
//! `c_port` u16, `cs_username`, `cs_auth_group`, `s_ip` ip, `s_port` u16, `s_sitename`,
//! `s_computername`, `cs_method`, `cs_uri_scheme`, `cs_host`, `cs_uri_port` u16, `cs_uri_path`,
//! `cs_uri_stem`, `cs_uri_query`, `cs_uri_extension`, `cs_uri`, `cs_version`, `cs_user_agent`,
//! `cs_referer`, `sc_status` u16, `sc_substatus` u32, `sc_win32_status` u32, `sc_bytes` u64,
//! `cs_bytes` u64, `s_action`, `sc_filter_result`, `sc_filter_category`, `cs_categories`,
//! `x_exception_id`, `rs_content_type`, `s_hierarchy`, `s_supplier_name`, `s_supplier_ip` ip,
//! `r_ip` ip, `r_port` u16, `x_virus_id`; then `extra` (map): every other field under its
//! header name (`cs(Cookie)`, `x-icap-error-code`, ...), and any typed field whose value does
//! not read as its type (a port of `abc`), as written. `-` values are not added to `extra`.
//! `cs_user_agent`: an unquoted value has its `+` turned into spaces (IIS writes spaces as `+`);
//! a quoted one (ProxySG) is kept as written.
//!
//! **Time.** `ts` = `date` (`YYYY-MM-DD`) + `time` (`HH:MM:SS[.fff]`), read as UTC: IIS and TMG
//! W3C files are always UTC, ProxySG `date`/`time` are GMT. Without `date`/`time`,
//! `x-timestamp-unix` (epoch seconds) gives `ts` when logged. A `date` or `time` that does not
//! read leaves `ts` null and is kept in `extra`; a layout without a date (only `time`, the day
//! being in the `#Date:` directive) leaves `ts` null and `time` in `extra`.
//!
//! **Events** (directive rows left out): `host` = `s-computername`, else `s-sitename`;
//! `src_ip`/`src_port` = `c-ip`/`c-port`; `user` = `cs-username`; `http_method`; `url` =
//! `cs-uri` when logged, else rebuilt: `scheme://host[:port]path[query]` for proxies (the port
//! left out when it is the scheme's default; a query not starting with `?` gets one), and
//! `stem[?query]` for web servers (IIS logs no scheme or host); `domain` = `cs-host`, else the
//! host of `cs-uri`; `http_status` = `sc-status`; `bytes_in` = `sc-bytes`; `bytes_out` =
//! `cs-bytes`; `user_agent` = `cs(User-Agent)` (decoded). A row is a proxy's when it has any of
//! `s-action`, `sc-filter-result`, `cs-uri-scheme`, `s-hierarchy`, `s-supplier-*`, `r-ip`:
//! then `s-ip` is the proxy itself, so `dst_ip` = `r-ip`, else `s-supplier-ip`, else
//! `s-supplier-name` when it is an IP address (null otherwise) and `dst_port` = `cs-uri-port`, else `r-port`; for web servers `dst_ip` =
//! `s-ip` and `dst_port` = `s-port`. `action`: `sc-filter-result` `DENIED` → `deny`,
//! `OBSERVED`/`PROXIED` → `allow` (other words through the generic vocabulary); without it, the
//! cache result `s-action` as for Squid (`*DENIED*` → `deny`, else `allow`); null for web
//! servers.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt16Type;
use arrow_array::{Array, ArrayRef, RecordBatch, UInt16Array};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::{self, Mapping};
use crate::time::{hms, IsoDateCache};

use super::ncsa::{next_field, parse_u64, Field as Value};
use super::normal::{self, get, str_col};
use super::squid::{cache_action, canonical_ip, url_authority};
use super::typed::{col, fields as typed_fields, Col, KeyIndex, Kind, Row, Table};
use super::{drive_records, wrapped, FormatId, ParseCtx, ParsedChunk, Reason};

/// The header line that declares a layout.
pub const HEADER_PREFIX: &[u8] = b"#Fields:";

const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("directive", Kind::Str),
    col("time_taken", Kind::U64),
    col("c_ip", Kind::Ip),
    col("c_port", Kind::U16),
    col("cs_username", Kind::Str),
    col("cs_auth_group", Kind::Str),
    col("s_ip", Kind::Ip),
    col("s_port", Kind::U16),
    col("s_sitename", Kind::Str),
    col("s_computername", Kind::Str),
    col("cs_method", Kind::Str),
    col("cs_uri_scheme", Kind::Str),
    col("cs_host", Kind::Str),
    col("cs_uri_port", Kind::U16),
    col("cs_uri_path", Kind::Str),
    col("cs_uri_stem", Kind::Str),
    col("cs_uri_query", Kind::Str),
    col("cs_uri_extension", Kind::Str),
    col("cs_uri", Kind::Str),
    col("cs_version", Kind::Str),
    col("cs_user_agent", Kind::Str),
    col("cs_referer", Kind::Str),
    col("sc_status", Kind::U16),
    col("sc_substatus", Kind::U32),
    col("sc_win32_status", Kind::U32),
    col("sc_bytes", Kind::U64),
    col("cs_bytes", Kind::U64),
    col("s_action", Kind::Str),
    col("sc_filter_result", Kind::Str),
    col("sc_filter_category", Kind::Str),
    col("cs_categories", Kind::Str),
    col("x_exception_id", Kind::Str),
    col("rs_content_type", Kind::Str),
    col("s_hierarchy", Kind::Str),
    col("s_supplier_name", Kind::Str),
    col("s_supplier_ip", Kind::Ip),
    col("r_ip", Kind::Ip),
    col("r_port", Kind::U16),
    col("x_virus_id", Kind::Str),
];

const TS: usize = 0;
const DIRECTIVE: usize = 1;

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed_fields(COLS, true)
}

/// The directives of the format (detection).
const DIRECTIVES: &[&[u8]] = &[b"#Fields:", b"#Software:", b"#Version:", b"#Date:", b"#Remark:", b"#Start-Date:", b"#End-Date:"];

/// `YYYY-MM-DD HH:MM:SS[.fff]` at the start of `line`: days, seconds of the day, microseconds
/// and the position after it.
fn date_time(line: &[u8], dates: &mut IsoDateCache) -> Option<(i64, usize)> {
    if line.len() < 19 || line[4] != b'-' || line[10] != b' ' {
        return None;
    }
    let days = dates.days(&line[..10])?;
    let (micros, end) = time_of_day(line, 11)?;
    Some((days * 86_400_000_000 + micros, end))
}

/// `HH:MM:SS[.f{1,6}]` at `p`, ending at a space or the end of the line: microseconds of the
/// day and the position after it.
fn time_of_day(line: &[u8], p: usize) -> Option<(i64, usize)> {
    let secs = hms(line.get(p..p + 8)?)?;
    let mut q = p + 8;
    let mut micros = 0i64;
    if line.get(q) == Some(&b'.') {
        let s = q + 1;
        q = s;
        while q < line.len() && line[q].is_ascii_digit() && q - s < 6 {
            micros = micros * 10 + i64::from(line[q] - b'0');
            q += 1;
        }
        if q == s {
            return None;
        }
        for _ in q - s..6 {
            micros *= 10;
        }
    }
    if q < line.len() && line[q] != b' ' {
        return None;
    }
    Some((secs * 1_000_000 + micros, q))
}

/// Whether `line` is a directive or a data line of this format (detection): a directive, or
/// `YYYY-MM-DD HH:MM:SS` followed by at least three more values.
pub fn matches(line: &[u8]) -> bool {
    let line = &line[payload_start(line)..];
    if line.first() == Some(&b'#') {
        return DIRECTIVES.iter().any(|d| line.starts_with(d));
    }
    let Some((_, mut p)) = date_time(line, &mut IsoDateCache::default()) else { return false };
    for _ in 0..3 {
        match next_field(line, p) {
            Ok(Some((_, q))) => p = q,
            _ => return false,
        }
    }
    true
}

/// Whether `p` starts as a W3C line of the file itself does: a directive, or a date
/// (`YYYY-MM-DD `, the first field of most layouts).
fn is_own_line(p: &[u8]) -> bool {
    p.first() == Some(&b'#') || (p.len() > 10 && p[..4].iter().all(u8::is_ascii_digit) && p[4] == b'-' && p[7] == b'-' && p[10] == b' ')
}

/// Where the W3C text of `line` starts: 0, or after the syslog header of a line streamed over
/// syslog (ProxySG sends its access log so, directives included:
/// `<13>Sep 16 15:36:24 proxy1 #Fields: date time ...`). A line that is neither stays whole.
pub fn payload_start(line: &[u8]) -> usize {
    if is_own_line(line) {
        return 0;
    }
    wrapped::split(line, is_own_line, "W3C line").map_or(0, |f| f.payload)
}

/// Where a header field's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Col(usize),
    Date,
    Time,
    Unix,
    UserAgent(usize),
    Extra,
}

/// One field of a layout: its target and its name (as written in the header), which is also in
/// the chunk's side buffer at `at` (the key of `extra` entries).
struct Slot {
    target: Target,
    name: Vec<u8>,
    at: usize,
}

/// The field names of a `#Fields:` line → column name (snake case, lower case).
fn snake(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for &c in name {
        match c {
            b'-' | b'(' => out.push(b'_'),
            b')' => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// The layout of a `#Fields:` line; field names are written to `side`.
fn layout(header: &[u8], keys: &KeyIndex, side: &mut Vec<u8>) -> Vec<Slot> {
    let body = header.strip_prefix(HEADER_PREFIX).unwrap_or(header);
    let mut slots = Vec::new();
    for name in body.split(|&c| c == b' ' || c == b'\t').filter(|n| !n.is_empty()) {
        let lower = snake(name);
        let target = match lower.as_slice() {
            b"date" => Target::Date,
            b"time" => Target::Time,
            b"x_timestamp_unix" => Target::Unix,
            b"cs_user_agent" => keys.get(&lower).map_or(Target::Extra, Target::UserAgent),
            b"ts" | b"directive" => Target::Extra,
            _ => keys.get(&lower).map_or(Target::Extra, Target::Col),
        };
        // field names are ASCII in practice; anything else is kept lossily decoded
        let name = String::from_utf8_lossy(name).into_owned().into_bytes();
        let at = side.len();
        side.extend_from_slice(&name);
        slots.push(Slot { target, name, at });
    }
    slots
}

/// The chunk's parse state: the layout in force.
struct State<'a> {
    keys: KeyIndex,
    /// The header handed from the previous chunks, not yet turned into a layout.
    pending: Option<&'a [u8]>,
    slots: Option<Vec<Slot>>,
    dates: IsoDateCache,
    values: Vec<(Value, usize)>,
    buf: Vec<u8>,
}

impl State<'_> {
    fn data_line(&mut self, line: &[u8], row: &mut Row<'_>) -> Result<(), Reason> {
        let slots = self.slots.as_ref().ok_or("w3c: data line before any #Fields: header")?;
        self.values.clear();
        let mut p = 0;
        while let Some((v, q)) = next_field(line, p).map_err(|_| Reason::from("w3c: unterminated quoted value"))? {
            self.values.push((v, q));
            p = q;
            if self.values.len() > slots.len() {
                break;
            }
        }
        if self.values.len() != slots.len() {
            let more = if self.values.len() > slots.len() { "more" } else { "fewer" };
            return Err(format!("w3c: {more} values than the {} fields of the #Fields: header", slots.len()).into());
        }
        let (mut date, mut time, mut unix) = (None, None, None);
        for (slot, (v, _)) in slots.iter().zip(&self.values) {
            let Some(span) = v.value(line) else { continue };
            match slot.target {
                Target::Col(c) => {
                    if !row.text(c, span) {
                        row.extra_side_key(&slot.name, slot.at, Some(span));
                    }
                }
                Target::UserAgent(c) => {
                    let text = &line[span.0..span.1];
                    if matches!(v, Value::Bare(_)) && memchr::memchr(b'+', text).is_some() {
                        self.buf.clear();
                        self.buf.extend(text.iter().map(|&b| if b == b'+' { b' ' } else { b }));
                        row.owned(c, &self.buf);
                    } else {
                        row.str(c, span);
                    }
                }
                Target::Date => date = Some((slot, span)),
                Target::Time => time = Some((slot, span)),
                Target::Unix => {
                    unix = parse_u64(&line[span.0..span.1]).and_then(|s| i64::try_from(s).ok()?.checked_mul(1_000_000));
                    row.extra_side_key(&slot.name, slot.at, Some(span));
                }
                Target::Extra => row.extra_side_key(&slot.name, slot.at, Some(span)),
            }
        }
        let ts = match (date, time) {
            (Some((_, d)), Some((_, t))) => {
                let days = self.dates.days(&line[d.0..d.1]);
                let tod = time_of_day(&line[..t.1], t.0).filter(|&(_, e)| e == t.1).map(|(m, _)| m);
                days.zip(tod).map(|(d, t)| d * 86_400_000_000 + t)
            }
            _ => None,
        };
        match ts {
            Some(ts) => row.set_ts(TS, ts),
            None => {
                for (slot, span) in [date, time].into_iter().flatten() {
                    row.extra_side_key(&slot.name, slot.at, Some(span));
                }
                if let Some(u) = unix {
                    row.set_ts(TS, u);
                }
            }
        }
        Ok(())
    }
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let mut table = Table::for_chunk(COLS, true, &chunk.data);
    let mut st = State {
        keys: KeyIndex::by_name(COLS),
        pending: ctx.header.as_deref(),
        slots: None,
        dates: IsoDateCache::default(),
        values: Vec::new(),
        buf: Vec::new(),
    };
    let mut parsed = drive_records(chunk, None, |whole, block, base, side, _| {
        // behind a syslog header, the W3C text alone is read (the header is the relay's)
        let k = payload_start(whole);
        let (line, base) = (&whole[k..], base + k);
        if line.first() == Some(&b'#') {
            if line.starts_with(HEADER_PREFIX) {
                st.pending = None;
                st.slots = Some(layout(line, &st.keys, side));
            }
            let mut row = table.row(line, block, base, side);
            row.str(DIRECTIVE, (0, line.len()));
            row.commit();
            return Ok(());
        }
        if let Some(h) = st.pending.take() {
            st.slots = Some(layout(h, &st.keys, side));
        }
        let mut row = table.row(line, block, base, side);
        st.data_line(line, &mut row)?;
        row.commit();
        Ok(())
    });
    parsed.columns = table.finish(&parsed.blocks);
    parsed
}

fn u16s<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a UInt16Array, ArrowError> {
    batch.column_by_name(name).map(|a| a.as_primitive::<UInt16Type>()).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))
}

/// The URL of row `i`, rebuilt from its parts when `cs-uri` is not logged.
fn url(scheme: Option<&str>, host: Option<&str>, port: Option<u16>, path: Option<&str>, query: Option<&str>) -> Option<String> {
    let mut u = String::new();
    if let (Some(s), Some(h)) = (scheme, host) {
        u.push_str(s);
        u.push_str("://");
        u.push_str(h);
        let default = match s.to_ascii_lowercase().as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            "ftp" => Some(21),
            _ => None,
        };
        if let Some(p) = port.filter(|&p| Some(p) != default) {
            u.push(':');
            u.push_str(&p.to_string());
        }
    } else if path.is_none() {
        return None;
    }
    if let Some(p) = path {
        u.push_str(p);
    }
    if let Some(q) = query {
        if !q.starts_with('?') {
            u.push('?');
        }
        u.push_str(q);
    }
    Some(u)
}

/// The table's rows as normalised events (directive rows left out).
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let directive = str_col(batch, "directive")?;
    let batch = if directive.null_count() < batch.num_rows() {
        let keep = arrow_array::BooleanArray::from_iter((0..batch.num_rows()).map(|i| Some(directive.is_null(i))));
        arrow_select::filter::filter_record_batch(batch, &keep)?
    } else {
        batch.clone()
    };
    let batch = &batch;
    let n = batch.num_rows();
    let s = |name| str_col(batch, name);
    let (scheme, host, path, stem, query, cs_uri) =
        (s("cs_uri_scheme")?, s("cs_host")?, s("cs_uri_path")?, s("cs_uri_stem")?, s("cs_uri_query")?, s("cs_uri")?);
    let (s_action, filter) = (s("s_action")?, s("sc_filter_result")?);
    let (s_ip, r_ip, supplier_ip) = (s("s_ip")?, s("r_ip")?, s("s_supplier_ip")?);
    let proxy_cols = [s_action, filter, scheme, s("s_hierarchy")?, s("s_supplier_name")?, supplier_ip, r_ip];
    let (uri_port, r_port, s_port) = (u16s(batch, "cs_uri_port")?, u16s(batch, "r_port")?, u16s(batch, "s_port")?);
    let is_proxy: Vec<bool> = (0..n).map(|i| proxy_cols.iter().any(|c| c.is_valid(i))).collect();
    let port = |a: &UInt16Array, i: usize| a.is_valid(i).then(|| a.value(i));

    let url_col = normal::strings(n, |i| {
        if let Some(u) = get(cs_uri, i) {
            return Some(u.to_string());
        }
        let p = get(path, i).or_else(|| get(stem, i));
        url(get(scheme, i), get(host, i), port(uri_port, i), p, get(query, i))
    });
    let domain = normal::strings(n, |i| {
        get(host, i).or_else(|| {
            let u = get(cs_uri, i)?;
            let ((a, b), _) = url_authority(u.as_bytes())?;
            Some(&u[a..b])
        })
    });
    let supplier = s("s_supplier_name")?;
    let dst_ip = normal::strings(n, |i| {
        if !is_proxy[i] {
            return get(s_ip, i).map(str::to_string);
        }
        get(r_ip, i).or_else(|| get(supplier_ip, i)).map(str::to_string).or_else(|| canonical_ip(get(supplier, i)?))
    });
    let dst_port: ArrayRef = Arc::new(UInt16Array::from_iter((0..n).map(|i| {
        if is_proxy[i] {
            port(uri_port, i).or_else(|| port(r_port, i))
        } else {
            port(s_port, i)
        }
    })));
    let action = normal::strings(n, |i| {
        if let Some(f) = get(filter, i) {
            return match f.to_ascii_uppercase().as_str() {
                "DENIED" => Some("deny"),
                "OBSERVED" | "PROXIED" => Some("allow"),
                _ => normal::action(f),
            };
        }
        get(s_action, i).and_then(cache_action)
    });
    let host_col = events::coalesce(s("s_computername")?, s("s_sitename")?);
    Mapping::new(batch)
        .set("host", host_col)
        .take("src_ip", "c_ip")
        .take("src_port", "c_port")
        .set("dst_ip", dst_ip)
        .set("dst_port", dst_port)
        .take("user", "cs_username")
        .set("action", action)
        .take("http_method", "cs_method")
        .set("url", url_col)
        .set("domain", domain)
        .take("http_status", "sc_status")
        .take("bytes_in", "sc_bytes")
        .take("bytes_out", "cs_bytes")
        .take("user_agent", "cs_user_agent")
        .build(FormatId::W3c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{self, chunk};
    use arrow_array::types::{TimestampMicrosecondType, UInt64Type};

    fn col<'a>(p: &'a ParsedChunk, name: &str) -> &'a ArrayRef {
        testing::column(COLS, p, name)
    }
    fn extra(p: &ParsedChunk, row: usize) -> Vec<(String, Option<String>)> {
        testing::extra(COLS, p, row)
    }

    const IIS: &str = "#Software: Microsoft Internet Information Services 8.5\n\
#Date: 2024-05-06 07:00:00\n\
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken\n\
2024-05-06 07:15:30 10.0.0.5 GET /login.aspx ReturnUrl=%2Fadmin 443 - 203.0.113.50 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://www.example.com/ www.example.com 200 0 0 5120 612 46\n";

    #[test]
    fn iis() {
        let p = parse_chunk(chunk(IIS), &ParseCtx::default());
        assert_eq!((p.rows(), p.rejects.len()), (4, 0), "{:?}", p.rejects);
        assert_eq!(col(&p, "directive").as_string_view().value(0), "#Software: Microsoft Internet Information Services 8.5");
        assert!(col(&p, "directive").is_null(3));
        let ts = col(&p, "ts").as_primitive::<TimestampMicrosecondType>();
        assert!(ts.is_null(0));
        assert_eq!(ts.value(3), 1_714_979_730_000_000);
        assert_eq!(col(&p, "cs_user_agent").as_string_view().value(3), "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
        assert_eq!(col(&p, "cs_uri_query").as_string_view().value(3), "ReturnUrl=%2Fadmin");
        assert!(col(&p, "cs_username").is_null(3));
        assert_eq!(col(&p, "sc_bytes").as_primitive::<UInt64Type>().value(3), 5120);
        assert_eq!(extra(&p, 3), vec![]);
    }

    #[test]
    fn header_change_and_extra() {
        let text = "2024-05-06 07:15:30 x y z\n\
#Fields: date time c-ip cs(Cookie) s-port\n\
2024-05-06 07:15:30.25 2001:DB8::1 a=b 99999\n\
#Fields: time c-ip\n\
07:15:31 192.0.2.1\n\
07:15:31 192.0.2.1 surplus\n\
07:15:32\n\
08:00:00 \"unterminated\n";
        let p = parse_chunk(chunk(text), &ParseCtx::default());
        let rej: Vec<u64> = p.rejects.iter().map(|r| r.line).collect();
        assert_eq!(rej, vec![0, 5, 6, 7]);
        assert_eq!(p.rows(), 4);
        let ts = col(&p, "ts").as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(1), 1_714_979_730_250_000);
        assert_eq!(col(&p, "c_ip").as_string_view().value(1), "2001:db8::1");
        assert_eq!(extra(&p, 1), vec![("cs(Cookie)".into(), Some("a=b".into())), ("s-port".into(), Some("99999".into()))]);
        assert!(ts.is_null(3));
        assert_eq!(extra(&p, 3), vec![("time".into(), Some("07:15:31".into()))]);
    }

    #[test]
    fn header_from_context() {
        let ctx = ParseCtx { header: Some(Arc::from(&b"#Fields: date time c-ip cs(User-Agent)"[..])), ..ParseCtx::default() };
        let p = parse_chunk(chunk("2024-05-06 07:15:30 192.0.2.1 \"a+b c\"\n"), &ctx);
        assert_eq!(p.rows(), 1);
        assert_eq!(col(&p, "cs_user_agent").as_string_view().value(0), "a+b c");
    }

    #[test]
    fn detection() {
        assert!(matches(b"#Fields: date time"));
        assert!(matches(b"#Software: SGOS 5.4.3.7"));
        assert!(!matches(b"# a comment"));
        assert!(matches(b"2024-05-06 07:15:30 10.0.0.5 GET /login.aspx"));
        assert!(!matches(b"2024-05-06 07:15:30 10.0.0.5"));
        assert!(!matches(b"2022-08-10 07:33:18,411 WARN  [qtp1234567890-4711:https://x] [] mboxmove - Auth failed"));
        assert!(!matches(b"2013-01-15 15:57:32.537:WARN:oejs.DoSFilter:DOS ALERT:ip=127.0.1.1,session=null,user=null"));
        assert!(!matches(b"2022/09/06 10:15:32 [error] 1234#0: *5 open() failed"));
    }

    #[test]
    fn urls() {
        assert_eq!(
            url(Some("http"), Some("kh.google.com"), Some(80), Some("/flatfile"), Some("?f1")).as_deref(),
            Some("http://kh.google.com/flatfile?f1")
        );
        assert_eq!(url(Some("https"), Some("h"), Some(8443), Some("/"), None).as_deref(), Some("https://h:8443/"));
        assert_eq!(url(None, Some("h"), None, Some("/login.aspx"), Some("a=b")).as_deref(), Some("/login.aspx?a=b"));
        assert_eq!(url(None, None, None, None, Some("a=b")), None);
    }
}
