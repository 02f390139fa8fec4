//! `squid`: the Squid native `access.log` (`logformat squid`, the default since Squid 2.x):
//!
//! ```text
//! %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
//! 1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/ asmith HIER_DIRECT/198.51.100.140 text/html
//! ```
//!
//! Fields are separated by one or more spaces (the elapsed time is right-aligned in 6 columns,
//! the epoch in 9). Columns, in order:
//!
//! | column | field | type | notes |
//! |---|---|---|---|
//! | `ts` | `%ts.%03tu` | timestamp | epoch seconds and fraction (UTC): the **end** of the transaction; its start is `ts - elapsed_ms` |
//! | `elapsed_ms` | `%6tr` | u64 | response time in ms (a CONNECT: the tunnel's lifetime) |
//! | `client_ip` | `%>a` | ip | canonical text |
//! | `client_name` | `%>a` | str | only when the client is not an IP address (`log_fqdn on`) |
//! | `result_code` | `%Ss` | str | `TCP_MISS`, `TCP_DENIED`, `NONE_NONE`, ... as written |
//! | `status` | `%03>Hs` | u16 | status sent to the client; `000` → null |
//! | `bytes` | `%<st` | u64 | bytes sent to the client, headers included |
//! | `method` | `%rm` | str | `-` → null |
//! | `url` | `%ru` | str | as logged; a CONNECT logs `host:port`; may hold spaces (see below) |
//! | `user` | `%[un` | str | `-` → null |
//! | `hierarchy` | `%Sh` | str | `HIER_DIRECT`, `HIER_NONE` (Squid 2: `DIRECT`, `NONE`, ...) |
//! | `peer` | `%<a` | str | next hop (origin server or parent proxy) IP or name; `-` → null |
//! | `content_type` | `%mt` | str | `-` → null |
//! | `url_host` | from `url` | str | host of an absolute URL or of a CONNECT `host:port` (IPv6 brackets removed) |
//! | `url_port` | from `url` | u16 | explicit port, else the scheme's default (http 80, https 443, ftp 21, ws 80, wss 443) |
//! | `tail` | after `%mt` | str | anything logged after the type (custom `logformat` additions such as quoted Referer / User-Agent), as written |
//!
//! **URLs with spaces.** With `uri_whitespace allow` a URL may span several tokens; the end of
//! the layout is fixed (`user hierarchy/peer type`), so the line is read from the right: the
//! hierarchy token is the rightmost token shaped `CODE/peer` whose code is a Squid hierarchy
//! code (`HIER_*`, optionally `TIMEOUT_`-prefixed, or a Squid 2 name such as `DIRECT`), quoted
//! fields at the end of the line (`"..."` additions) being skipped first. The user is the token
//! before it, the URL everything between the method and the user, the type the token after it,
//! and the rest of the line is `tail`.
//!
//! Rejected: lines without the epoch time, elapsed time, `code/status`, byte count and method
//! at the start, or without a hierarchy token after the URL and user (other `logformat`s: the
//! Squid `common`/`combined` layouts are read by the `common`/`combined` formats). The native
//! layout behind a syslog header (pfSense package) is not read by this format.
//!
//! Events: `src_ip` = client, `dst_ip` = peer when it is an IP address (the next hop, which is
//! a parent proxy when one is used), `dst_port` = `url_port`, `user`, `http_method`, `url` (as
//! logged: a CONNECT gives `host:port`), `domain` = `url_host`, `http_status`, `bytes_in` =
//! `bytes` (response to the client, headers included), `action` from `result_code`: a code
//! containing `DENIED` → `deny`; `NONE`/`TAG_NONE`-prefixed codes (errors: no transaction) →
//! null; anything else → `allow`.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::events::Mapping;
use crate::ip;

use super::ncsa::{parse_u64, Span};
use super::normal;
use super::typed::{col, fields as typed_fields, Col, Kind, Table};
use super::{drive_records, FormatId, ParseCtx, ParsedChunk, Reason};

const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("elapsed_ms", Kind::U64),
    col("client_ip", Kind::Ip),
    col("client_name", Kind::Str),
    col("result_code", Kind::Str),
    col("status", Kind::U16),
    col("bytes", Kind::U64),
    col("method", Kind::Str),
    col("url", Kind::Str),
    col("user", Kind::Str),
    col("hierarchy", Kind::Str),
    col("peer", Kind::Str),
    col("content_type", Kind::Str),
    col("url_host", Kind::Str),
    col("url_port", Kind::U16),
    col("tail", Kind::Str),
];

const TS: usize = 0;
const ELAPSED: usize = 1;
const CLIENT_IP: usize = 2;
const CLIENT_NAME: usize = 3;
const RESULT: usize = 4;
const STATUS: usize = 5;
const BYTES: usize = 6;
const METHOD: usize = 7;
const URL: usize = 8;
const USER: usize = 9;
const HIER: usize = 10;
const PEER: usize = 11;
const CTYPE: usize = 12;
const URL_HOST: usize = 13;
const URL_PORT: usize = 14;
const TAIL: usize = 15;

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed_fields(COLS, false)
}

/// One native line, as ranges of the line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SquidLine {
    /// UTC microseconds.
    pub ts: i64,
    pub elapsed: u64,
    pub client: Span,
    pub result: Span,
    /// `None` for `000`.
    pub status: Option<u16>,
    pub bytes: u64,
    pub method: Span,
    pub url: Span,
    pub user: Span,
    pub hier: Span,
    pub peer: Span,
    pub ctype: Span,
    pub tail: Option<Span>,
}

#[inline(always)]
fn skip_spaces(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && line[i] == b' ' {
        i += 1;
    }
    i
}

/// The token starting at `i` (up to the next space or the end of the line).
#[inline(always)]
fn token(line: &[u8], i: usize) -> Span {
    let e = memchr::memchr(b' ', &line[i..]).map_or(line.len(), |k| i + k);
    (i, e)
}

/// The token ending before `end` (trailing spaces skipped), not starting before `lo`.
#[inline(always)]
fn token_before(line: &[u8], lo: usize, mut end: usize) -> Option<Span> {
    while end > lo && line[end - 1] == b' ' {
        end -= 1;
    }
    if end <= lo {
        return None;
    }
    let s = memchr::memrchr(b' ', &line[lo..end]).map_or(lo, |k| lo + k + 1);
    Some((s, end))
}

/// `seconds[.fraction]` → UTC microseconds (fraction of up to 6 digits).
#[inline]
pub fn parse_epoch(b: &[u8]) -> Option<i64> {
    let dot = memchr::memchr(b'.', b).unwrap_or(b.len());
    if dot == 0 || dot > 12 {
        return None;
    }
    let secs = parse_u64(&b[..dot])? as i64;
    let mut micros = 0i64;
    if dot < b.len() {
        let frac = &b[dot + 1..];
        if frac.is_empty() || frac.len() > 6 {
            return None;
        }
        for &c in frac {
            if !c.is_ascii_digit() {
                return None;
            }
            micros = micros * 10 + i64::from(c - b'0');
        }
        for _ in frac.len()..6 {
            micros *= 10;
        }
    }
    Some(secs * 1_000_000 + micros)
}

/// Squid 2 hierarchy codes (Squid 3+ writes them with a `HIER_` prefix).
const SQUID2_HIER: &[&[u8]] = &[
    b"NONE",
    b"DIRECT",
    b"SIBLING_HIT",
    b"PARENT_HIT",
    b"DEFAULT_PARENT",
    b"SINGLE_PARENT",
    b"FIRST_UP_PARENT",
    b"FIRSTUP_PARENT",
    b"NO_PARENT_DIRECT",
    b"FIRST_PARENT_MISS",
    b"CLOSEST_PARENT_MISS",
    b"CLOSEST_PARENT",
    b"CLOSEST_DIRECT",
    b"NO_DIRECT_FAIL",
    b"SOURCE_FASTEST",
    b"ROUNDROBIN_PARENT",
    b"WEIGHTED_ROUNDROBIN_PARENT",
    b"CACHE_DIGEST_HIT",
    b"CD_PARENT_HIT",
    b"CD_SIBLING_HIT",
    b"NO_CACHE_DIGEST_DIRECT",
    b"CARP",
    b"ANY_OLD_PARENT",
    b"USERHASH_PARENT",
    b"SOURCEHASH_PARENT",
    b"PINNED",
    b"ORIGINAL_DST",
];

/// Whether `code` is a Squid hierarchy code.
fn is_hier_code(code: &[u8]) -> bool {
    let code = code.strip_prefix(b"TIMEOUT_").unwrap_or(code);
    match code.strip_prefix(b"HIER_") {
        Some(rest) => !rest.is_empty() && rest.iter().all(|&c| c.is_ascii_uppercase() || c == b'_'),
        None => SQUID2_HIER.contains(&code),
    }
}

/// A `CODE/peer` token: the position of its `/`.
#[inline]
fn hier_slash(tok: &[u8]) -> Option<usize> {
    // codes are at most ~35 bytes: look for the slash in the first 48 only
    let k = memchr::memchr(b'/', &tok[..tok.len().min(48)])?;
    (k + 1 < tok.len() && is_hier_code(&tok[..k])).then_some(k)
}

/// Where the quoted fields at the end of `line[lo..end]` begin (`end` if there are none).
fn before_trailing_quoted(line: &[u8], lo: usize, end: usize) -> usize {
    let mut end = end;
    loop {
        let mut e = end;
        while e > lo && line[e - 1] == b' ' {
            e -= 1;
        }
        if e < lo + 2 || line[e - 1] != b'"' {
            return end;
        }
        // the opening quote: the nearest `"` to the left that starts a token
        let mut j = e - 1;
        let open = loop {
            match memchr::memrchr(b'"', &line[lo..j]) {
                Some(k) => {
                    let q = lo + k;
                    if q == lo || line[q - 1] == b' ' {
                        break Some(q);
                    }
                    j = q;
                }
                None => break None,
            }
        };
        match open {
            Some(q) => end = q,
            None => return end,
        }
    }
}

/// Find `user hierarchy/peer type` reading from the right of `line[lo..end]`: returns the user,
/// hierarchy and type tokens.
fn find_tail(line: &[u8], lo: usize, end: usize) -> Option<(Span, Span, Span)> {
    let ty = token_before(line, lo, end)?;
    let mut after = ty;
    let mut e = ty.0;
    while let Some(t) = token_before(line, lo, e) {
        if hier_slash(&line[t.0..t.1]).is_some() {
            let user = token_before(line, lo, t.0)?;
            return (user.0 > lo).then_some((user, t, after));
        }
        after = t;
        e = t.0;
    }
    None
}

/// Parse one native line.
pub fn parse_line(line: &[u8]) -> Result<SquidLine, Reason> {
    let mut r = SquidLine::default();
    let i = skip_spaces(line, 0);
    let t = token(line, i);
    r.ts = parse_epoch(&line[t.0..t.1]).ok_or("squid: no epoch time (seconds.millis) at the start")?;
    let t = token(line, skip_spaces(line, t.1));
    r.elapsed = parse_u64(&line[t.0..t.1]).ok_or("squid: elapsed time is not a number")?;
    let t = token(line, skip_spaces(line, t.1));
    if t.0 == t.1 {
        return Err("squid: no client field".into());
    }
    r.client = t;
    let t = token(line, skip_spaces(line, t.1));
    let slash = memchr::memrchr(b'/', &line[t.0..t.1]).ok_or("squid: no code/status field")?;
    if slash == 0 {
        return Err("squid: empty result code".into());
    }
    r.result = (t.0, t.0 + slash);
    let status = parse_u64(&line[t.0 + slash + 1..t.1]).filter(|&v| v <= 999).ok_or("squid: status is not a number")?;
    r.status = (status != 0).then_some(status as u16);
    let t = token(line, skip_spaces(line, t.1));
    r.bytes = parse_u64(&line[t.0..t.1]).ok_or("squid: byte count is not a number")?;
    let t = token(line, skip_spaces(line, t.1));
    if t.0 == t.1 {
        return Err("squid: no method".into());
    }
    r.method = t;
    let lo = skip_spaces(line, t.1);
    let mut end = line.len();
    let cut = before_trailing_quoted(line, lo, end);
    let found = if cut < end { find_tail(line, lo, cut).or_else(|| find_tail(line, lo, end)) } else { find_tail(line, lo, end) };
    let (user, hier, ty) = found.ok_or("squid: no 'user hierarchy/peer type' after the URL")?;
    let url_end = token_before(line, lo, user.0).map_or(lo, |u| u.1);
    r.url = (lo, url_end);
    r.user = user;
    let k = hier_slash(&line[hier.0..hier.1]).unwrap_or(0);
    r.hier = (hier.0, hier.0 + k);
    r.peer = (hier.0 + k + 1, hier.1);
    r.ctype = ty;
    while end > ty.1 && line[end - 1] == b' ' {
        end -= 1;
    }
    let ts = skip_spaces(line, ty.1);
    r.tail = (ts < end).then_some((ts, end));
    Ok(r)
}

/// Whether `line` is a complete native line (detection).
pub fn matches(line: &[u8]) -> bool {
    parse_line(line).is_ok()
}

/// The default port of a URL scheme.
fn default_port(scheme: &[u8]) -> Option<u16> {
    Some(match scheme.to_ascii_lowercase().as_slice() {
        b"http" | b"ws" => 80,
        b"https" | b"wss" => 443,
        b"ftp" => 21,
        _ => return None,
    })
}

/// The host and port of a URL: `scheme://[userinfo@]host[:port][/...]` (the port being the
/// explicit one or the scheme's default) or an authority `host:port` (a CONNECT target).
/// IPv6 literals lose their brackets. Ranges are relative to `url`.
pub fn url_authority(url: &[u8]) -> Option<(Span, Option<u16>)> {
    let (start, scheme_port, auth_end) = match memchr::memmem::find(url, b"://") {
        Some(k) if k > 0 && url[..k].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) => {
            let s = k + 3;
            let e = url[s..].iter().position(|c| matches!(c, b'/' | b'?' | b'#')).map_or(url.len(), |j| s + j);
            (s, default_port(&url[..k]), e)
        }
        _ => {
            // authority form: host:port, nothing else
            if url.is_empty() || url.iter().any(|c| matches!(c, b'/' | b'?' | b'#' | b' ' | b'@')) {
                return None;
            }
            (0, None, url.len())
        }
    };
    let auth = &url[start..auth_end];
    let hs = memchr::memrchr(b'@', auth).map_or(0, |a| a + 1);
    let host_port = &auth[hs..];
    let base = start + hs;
    let (host, port_text): (Span, Option<&[u8]>) = if host_port.first() == Some(&b'[') {
        let close = memchr::memchr(b']', host_port)?;
        let rest = &host_port[close + 1..];
        let port = match rest.first() {
            Some(b':') => Some(&rest[1..]),
            None => None,
            _ => return None,
        };
        ((base + 1, base + close), port)
    } else {
        match memchr::memrchr(b':', host_port) {
            Some(c) => ((base, base + c), Some(&host_port[c + 1..])),
            None => ((base, base + host_port.len()), None),
        }
    };
    if host.1 <= host.0 {
        return None;
    }
    let port = match port_text {
        Some(p) if !p.is_empty() => Some(parse_u64(p).and_then(|v| u16::try_from(v).ok())?),
        _ => scheme_port,
    };
    if start == 0 && port.is_none() {
        return None; // a bare word is not an authority
    }
    Some((host, port))
}

/// The action of a Squid / ProxySG cache result code (`TCP_MISS`, `TCP_DENIED`,
/// `NONE_NONE`...): `deny` when it contains `DENIED`, none for the no-transaction codes
/// (`NONE*`, `TAG_NONE*`: errors), `allow` otherwise.
pub fn cache_action(code: &str) -> Option<&'static str> {
    if code.contains("DENIED") {
        Some("deny")
    } else if code.is_empty() || code == "-" || code.starts_with("NONE") || code.starts_with("TAG_NONE") {
        None
    } else {
        Some("allow")
    }
}

/// The canonical text of an IP address (`None` for a name).
pub fn canonical_ip(text: &str) -> Option<String> {
    match ip::canonical(text.as_bytes())? {
        ip::CanonIp::AsIs => Some(text.to_string()),
        ip::CanonIp::Rewritten(t) => Some(t),
    }
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, _ctx: &ParseCtx) -> ParsedChunk {
    let mut table = Table::for_chunk(COLS, false, &chunk.data);
    let mut parsed = drive_records(chunk, None, |line, block, base, side, _| {
        let r = parse_line(line)?;
        let mut row = table.row(line, block, base, side);
        row.set_ts(TS, r.ts);
        row.set_u64(ELAPSED, r.elapsed);
        if !row.ip(CLIENT_IP, r.client) {
            row.str(CLIENT_NAME, r.client);
        }
        row.str(RESULT, r.result);
        if let Some(s) = r.status {
            row.set_u16(STATUS, s);
        }
        row.set_u64(BYTES, r.bytes);
        set_dash(&mut row, line, METHOD, r.method);
        row.str(URL, r.url);
        set_dash(&mut row, line, USER, r.user);
        row.str(HIER, r.hier);
        set_dash(&mut row, line, PEER, r.peer);
        set_dash(&mut row, line, CTYPE, r.ctype);
        if let Some((host, port)) = url_authority(&line[r.url.0..r.url.1]) {
            row.str(URL_HOST, (r.url.0 + host.0, r.url.0 + host.1));
            if let Some(p) = port {
                row.set_u16(URL_PORT, p);
            }
        }
        if let Some(t) = r.tail {
            row.str(TAIL, t);
        }
        row.commit();
        Ok(())
    });
    parsed.columns = table.finish(&parsed.blocks);
    parsed
}

/// Set a string column from a token, `-` being null.
#[inline(always)]
fn set_dash(row: &mut super::typed::Row<'_>, line: &[u8], c: usize, s: Span) {
    if &line[s.0..s.1] != b"-" {
        row.str(c, s);
    }
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let n = batch.num_rows();
    let named = |name: &str| batch.column_by_name(name).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")));
    let result = named("result_code")?.as_string_view().clone();
    let peer = named("peer")?.as_string_view().clone();
    let action = normal::strings(n, |i| if result.is_valid(i) { cache_action(result.value(i)) } else { None });
    let dst_ip = normal::strings(n, |i| if peer.is_valid(i) { canonical_ip(peer.value(i)) } else { None });
    Mapping::new(batch)
        .take("src_ip", "client_ip")
        .set("dst_ip", dst_ip)
        .take("dst_port", "url_port")
        .take("user", "user")
        .set("action", action)
        .take("http_method", "method")
        .take("url", "url")
        .take("domain", "url_host")
        .take("http_status", "status")
        .take("bytes_in", "bytes")
        .build(FormatId::Squid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::{TimestampMicrosecondType, UInt16Type, UInt64Type};

    fn p(l: &str) -> SquidLine {
        parse_line(l.as_bytes()).unwrap_or_else(|e| panic!("{l}: {e}"))
    }

    fn t(l: &str, s: Span) -> &str {
        &l[s.0..s.1]
    }

    #[test]
    fn native_lines() {
        let l = "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/index.html asmith HIER_DIRECT/198.51.100.140 text/html";
        let r = p(l);
        assert_eq!(r.ts, 1_714_979_730_412_000);
        assert_eq!(r.elapsed, 187);
        assert_eq!(t(l, r.client), "10.20.30.41");
        assert_eq!(t(l, r.result), "TCP_MISS");
        assert_eq!(r.status, Some(200));
        assert_eq!(r.bytes, 5321);
        assert_eq!(t(l, r.method), "GET");
        assert_eq!(t(l, r.url), "http://www.example.com/index.html");
        assert_eq!(t(l, r.user), "asmith");
        assert_eq!(t(l, r.hier), "HIER_DIRECT");
        assert_eq!(t(l, r.peer), "198.51.100.140");
        assert_eq!(t(l, r.ctype), "text/html");
        assert_eq!(r.tail, None);
        let l = "1714979741.903  60012 10.20.30.41 TCP_TUNNEL/200 48213 CONNECT www.example.net:443 asmith HIER_DIRECT/198.51.100.151 -";
        let r = p(l);
        assert_eq!(t(l, r.url), "www.example.net:443");
        let (h, port) = url_authority(t(l, r.url).as_bytes()).unwrap();
        assert_eq!((&t(l, r.url)[h.0..h.1], port), ("www.example.net", Some(443)));
    }

    #[test]
    fn error_and_denied_lines() {
        let l = "1714979745.001      0 10.20.30.41 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -";
        let r = p(l);
        assert_eq!(r.status, None);
        assert_eq!(t(l, r.method), "-");
        assert_eq!(t(l, r.url), "error:transaction-end-before-headers");
        assert_eq!(t(l, r.peer), "-");
        assert_eq!(url_authority(t(l, r.url).as_bytes()), None);
        let l = "1714979746.100      1 2001:db8::7 TCP_DENIED/403 3950 GET http://blocked.example.org/ - HIER_NONE/- text/html";
        let r = p(l);
        assert_eq!(t(l, r.client), "2001:db8::7");
        assert_eq!(t(l, r.result), "TCP_DENIED");
        assert_eq!(cache_action("TCP_DENIED"), Some("deny"));
        assert_eq!(cache_action("TCP_DENIED_REPLY"), Some("deny"));
        assert_eq!(cache_action("NONE_NONE"), None);
        assert_eq!(cache_action("NONE"), None);
        assert_eq!(cache_action("TCP_MISS_ABORTED"), Some("allow"));
        // Squid 2 hierarchy names
        let l = "1014979730.412      5 192.0.2.1 TCP_HIT/200 100 GET http://a.example/ - NONE/- image/gif";
        assert_eq!(t(l, p(l).hier), "NONE");
        let l = "1014979730.412      5 192.0.2.1 TCP_MISS/200 100 GET http://a.example/ - TIMEOUT_DIRECT/192.0.2.9 image/gif";
        assert_eq!(t(l, p(l).hier), "TIMEOUT_DIRECT");
    }

    #[test]
    fn url_with_spaces_and_tail() {
        let l = "1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://www.example.com/a b/c d?q=x y bob HIER_DIRECT/198.51.100.10 text/html";
        let r = p(l);
        assert_eq!(t(l, r.url), "http://www.example.com/a b/c d?q=x y");
        assert_eq!(t(l, r.user), "bob");
        // a fake hierarchy token inside the URL: the rightmost one wins
        let l = "1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://x.example/ - HIER_DIRECT/192.0.2.66 text/html bob HIER_PARENT_HIT/198.51.100.10 text/html";
        let r = p(l);
        assert_eq!(t(l, r.url), "http://x.example/ - HIER_DIRECT/192.0.2.66 text/html");
        assert_eq!(t(l, r.peer), "198.51.100.10");
        // quoted additions (Referer, User-Agent) after the type
        let l = r#"1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://www.example.com/ - HIER_DIRECT/198.51.100.10 text/html "http://ref.example/" "Mozilla/5.0 (X11; NONE/1 HIER_DIRECT/1.2.3.4 x)""#;
        let r = p(l);
        assert_eq!(t(l, r.ctype), "text/html");
        assert_eq!(t(l, r.tail.unwrap()), r#""http://ref.example/" "Mozilla/5.0 (X11; NONE/1 HIER_DIRECT/1.2.3.4 x)""#);
        // unquoted additions
        let l = "1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://www.example.com/ - HIER_DIRECT/198.51.100.10 text/html 51234 812  ";
        let r = p(l);
        assert_eq!(t(l, r.tail.unwrap()), "51234 812");
        // a quote-ending type without additions: the fallback reads it
        let l = r#"1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://www.example.com/"a - HIER_DIRECT/198.51.100.10 "x""#;
        let r = p(l);
        assert_eq!(t(l, r.ctype), r#""x""#);
        assert_eq!(t(l, r.url), r#"http://www.example.com/"a"#);
    }

    #[test]
    fn rejects() {
        for l in [
            "",
            "hello world",
            "1714979730.412 153 10.20.30.41 TCP_MISS/200 5120 GET http://x/ - HIER_DIRECT/1.2.3.4",
            "1714979730.412 153 10.20.30.41 TCP_MISS/200 5120 GET - HIER_DIRECT/1.2.3.4 text/html",
            "1714979730.412 abc 10.20.30.41 TCP_MISS/200 5120 GET http://x/ - HIER_DIRECT/1.2.3.4 -",
            "1714979730.412 1 10.20.30.41 TCP_MISS/2x0 5120 GET http://x/ - HIER_DIRECT/1.2.3.4 -",
            "1714979730.1234567 1 10.20.30.41 TCP_MISS/200 5120 GET http://x/ - HIER_DIRECT/1.2.3.4 -",
            r#"10.20.30.57 - - [06/May/2024:09:15:45 +0200] "GET http://www.example.org/ HTTP/1.1" 407 3964 "-" "Wget/1.21.4" TCP_DENIED:HIER_NONE"#,
        ] {
            assert!(parse_line(l.as_bytes()).is_err(), "{l}");
        }
    }

    #[test]
    fn authorities() {
        let a = |u: &str| url_authority(u.as_bytes()).map(|((s, e), p)| (u[s..e].to_string(), p));
        assert_eq!(a("https://user:pw@Example.COM:8443/x?y"), Some(("Example.COM".into(), Some(8443))));
        assert_eq!(a("http://[2001:db8::1]/"), Some(("2001:db8::1".into(), Some(80))));
        assert_eq!(a("[2001:db8::1]:443"), Some(("2001:db8::1".into(), Some(443))));
        assert_eq!(a("gopher://h.example"), Some(("h.example".into(), None)));
        assert_eq!(a("http://h.example:99999/"), None);
        assert_eq!(a("error:invalid-request"), None);
        assert_eq!(a("www.example.net"), None);
        assert_eq!(a("/relative"), None);
    }

    #[test]
    fn chunk_columns() {
        let text = "1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://www.example.com/ - HIER_DIRECT/198.51.100.10 text/html\n\
                    1714979731.5      2 2001:DB8::1 NONE/400 0 NONE error:invalid-request - HIER_NONE/- -\n\
                    junk\n";
        let c = Chunk { index: 0, offset: 0, data: text.as_bytes().to_vec(), long_line: None };
        let p = parse_chunk(c, &ParseCtx::default());
        assert_eq!((p.rows(), p.rejects.len()), (2, 1));
        assert_eq!(p.columns.len(), fields().len());
        let ts = p.columns[TS].as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(1), 1_714_979_731_500_000);
        assert_eq!(p.columns[CLIENT_IP].as_string_view().value(1), "2001:db8::1");
        assert_eq!(p.columns[STATUS].as_primitive::<UInt16Type>().value(1), 400);
        assert_eq!(p.columns[BYTES].as_primitive::<UInt64Type>().value(0), 5120);
        assert_eq!(p.columns[URL_PORT].as_primitive::<UInt16Type>().value(0), 80);
        assert!(p.columns[PEER].is_null(1));
    }
}
