//! The NCSA access-log framing shared by `common`, `combined`, `zimbra_access` and
//! `zimbra_nginx`: `client ident user [time] "request" status bytes` followed by
//! format-specific fields. A hand-written scanner: every loop moves forward, so a line is read
//! in time linear in its length whatever an attacker puts in it.

use crate::ip::{self, CanonIp};
use crate::time::DateCache;

use super::Reason;

/// A byte range `[0, 1)` of the line.
pub type Span = (usize, usize);

/// The fields of one access-log line, as ranges of the line.
#[derive(Default)]
pub struct AccessLine {
    pub client: Span,
    /// The client IP: its range and, when the text is not canonical, its canonical form.
    pub client_ip: Option<(Span, Option<String>)>,
    pub client_port: Option<u16>,
    pub ident: Option<Span>,
    pub user: Option<Span>,
    pub ts: i64,
    /// The timestamp's zone is `+0000` / `-0000` (GMT).
    pub gmt: bool,
    pub request: Span,
    pub method: Option<Span>,
    pub url: Option<Span>,
    pub path: Option<Span>,
    pub query: Option<Span>,
    pub protocol: Option<Span>,
    pub status: u16,
    pub bytes: Option<u64>,
    pub referrer: Option<Span>,
    pub user_agent: Option<Span>,
    pub latency_ms: Option<u64>,
    pub upstream: Option<Span>,
    pub server: Option<Span>,
    pub extra: Option<Span>,
    /// True when every field the format defines was present (used by detection).
    pub complete: bool,
}

/// `None` for the NCSA null value `-`.
#[inline]
pub fn dash_null(line: &[u8], s: Span) -> Option<Span> {
    if &line[s.0..s.1] == b"-" {
        None
    } else {
        Some(s)
    }
}

#[inline]
fn is_ts_open(line: &[u8], i: usize) -> bool {
    // `[dd/Mon/yyyy:` preceded by a space
    i > 0
        && line[i - 1] == b' '
        && line.len() > i + 27
        && line[i + 3] == b'/'
        && line[i + 7] == b'/'
        && line[i + 12] == b':'
        && line[i + 1].is_ascii_digit()
}

/// Parse the common head of the line into `r`; returns the position after `bytes`.
pub fn parse_head(line: &[u8], dates: &mut DateCache, r: &mut AccessLine) -> Result<usize, Reason> {
    // The timestamp's `[` anchors the line: field 1 may hold spaces (X-Forwarded-For lists).
    let open = memchr::memchr_iter(b'[', line).find(|&i| is_ts_open(line, i)).ok_or("no [dd/Mon/yyyy:HH:MM:SS zone] timestamp")?;
    let head = &line[..open - 1];
    let user_sp = memchr::memrchr(b' ', head).ok_or("expected 'client ident user' before the timestamp")?;
    let ident_sp = memchr::memrchr(b' ', &head[..user_sp]).ok_or("expected 'client ident user' before the timestamp")?;
    if ident_sp == 0 {
        return Err("empty client field".into());
    }
    r.client = (0, ident_sp);
    r.ident = dash_null(line, (ident_sp + 1, user_sp));
    r.user = dash_null(line, (user_sp + 1, head.len()));

    let close = memchr::memchr(b']', &line[open..]).ok_or("unterminated timestamp")? + open;
    r.ts = dates.parse_ncsa(&line[open + 1..close]).ok_or("bad timestamp")?;
    r.gmt = line[..close].ends_with(b"+0000") || line[..close].ends_with(b"-0000");

    let mut pos = close + 1;
    while pos < line.len() && line[pos] == b' ' {
        pos += 1;
    }
    if pos == close + 1 || line.get(pos) != Some(&b'"') {
        return Err("expected a quoted request after the timestamp".into());
    }
    let req_start = pos + 1;
    let req_end = find_request_end(line, req_start).ok_or("unterminated request or no status after it")?;
    r.request = (req_start, req_end);
    split_request(line, r);

    // status: three digits, checked by find_request_end
    let st = &line[req_end + 2..req_end + 5];
    r.status = st.iter().fold(0u16, |a, &c| a * 10 + u16::from(c - b'0'));
    pos = req_end + 5;
    if pos >= line.len() {
        return Err("missing bytes field".into());
    }
    pos += 1;
    let end = memchr::memchr(b' ', &line[pos..]).map_or(line.len(), |k| pos + k);
    let bytes = &line[pos..end];
    r.bytes = if bytes == b"-" { None } else { Some(parse_u64(bytes).ok_or("bytes field is not a number or '-'")?) };
    Ok(end)
}

/// The request's closing quote is the first unescaped `"` followed by ` NNN` and then a space
/// or the end of the line; quotes inside the request (unescaped by some servers) are skipped.
fn find_request_end(line: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while let Some(k) = memchr::memchr2(b'"', b'\\', &line[i..]) {
        let q = i + k;
        if line[q] == b'\\' {
            i = q + 2;
            if i > line.len() {
                return None;
            }
            continue;
        }
        let s = &line[q + 1..];
        if s.len() >= 4 && s[0] == b' ' && s[1..4].iter().all(u8::is_ascii_digit) && (s.len() == 4 || s[4] == b' ') {
            return Some(q);
        }
        i = q + 1;
    }
    None
}

/// The parts of an HTTP request line at `(s, e)` of `line`: `METHOD target PROTOCOL`, the target
/// possibly holding spaces, the protocol optional. `None` for anything else (`-`, junk bytes from
/// a TLS handshake sent to a plain port). Shared by the access logs and the nginx error log.
pub struct RequestParts {
    pub method: Span,
    /// Empty when the request has a method and nothing after it.
    pub target: Span,
    pub protocol: Option<Span>,
}

pub fn request_parts(line: &[u8], (s, e): Span) -> Option<RequestParts> {
    let req = &line[s..e];
    let sp1 = memchr::memchr(b' ', req)?;
    let method = &req[..sp1];
    if method.is_empty() || !method.iter().all(|c| c.is_ascii_alphabetic() || *c == b'-' || *c == b'_') {
        return None;
    }
    let mut tend = e;
    let mut protocol = None;
    if let Some(sp2) = memchr::memrchr(b' ', req) {
        if sp2 > sp1 && req[sp2 + 1..].starts_with(b"HTTP/") {
            protocol = Some((s + sp2 + 1, e));
            tend = s + sp2;
        }
    }
    let tstart = (s + sp1 + 1).min(tend);
    Some(RequestParts { method: (s, s + sp1), target: (tstart, tend), protocol })
}

/// Method, url, path, query and protocol of the access line's request; left null when the
/// request is not `METHOD target PROTOCOL` (`request` keeps it as written).
fn split_request(line: &[u8], r: &mut AccessLine) {
    let Some(parts) = request_parts(line, r.request) else { return };
    r.method = Some(parts.method);
    r.protocol = parts.protocol;
    let (tstart, tend) = parts.target;
    if tstart >= tend {
        return;
    }
    r.url = Some((tstart, tend));
    let target = &line[tstart..tend];
    // absolute form `scheme://host[:port]/path?query`: the path starts after the authority
    let mut pstart = 0;
    if target.first() != Some(&b'/') {
        if let Some(k) = memchr::memmem::find(target, b"://") {
            if k > 0 && target[..k].iter().all(u8::is_ascii_alphabetic) {
                pstart = memchr::memchr(b'/', &target[k + 3..]).map_or(target.len(), |j| k + 3 + j);
            }
        }
    }
    match memchr::memchr(b'?', &target[pstart..]) {
        Some(q) => {
            r.path = Some((tstart + pstart, tstart + pstart + q));
            r.query = Some((tstart + pstart + q + 1, tend));
        }
        None => r.path = Some((tstart + pstart, tend)),
    }
    if r.path.is_some_and(|(a, b)| a == b) {
        r.path = None;
    }
}

#[inline]
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// A field after `bytes`: `"quoted"` (closing quote followed by a space or the end of the line;
/// backslash escapes skipped) or bare (up to the next space).
pub enum Field {
    Quoted(Span),
    Bare(Span),
}

impl Field {
    /// The value: the inside of the quotes or the bare text; `None` for `-`.
    pub fn value(&self, line: &[u8]) -> Option<Span> {
        match *self {
            Field::Quoted(s) | Field::Bare(s) => dash_null(line, s),
        }
    }
}

/// Read the next field at or after `pos`; returns it and the position after it, or `None` at
/// the end of the line.
pub fn next_field(line: &[u8], pos: usize) -> Result<Option<(Field, usize)>, Reason> {
    let mut i = pos;
    while i < line.len() && line[i] == b' ' {
        i += 1;
    }
    if i >= line.len() {
        return Ok(None);
    }
    if line[i] != b'"' {
        let end = memchr::memchr(b' ', &line[i..]).map_or(line.len(), |k| i + k);
        return Ok(Some((Field::Bare((i, end)), end)));
    }
    let start = i + 1;
    let mut j = start;
    while let Some(k) = memchr::memchr2(b'"', b'\\', &line[j..]) {
        let q = j + k;
        if line[q] == b'\\' {
            j = q + 2;
            if j >= line.len() {
                break;
            }
            continue;
        }
        if q + 1 == line.len() || line[q + 1] == b' ' {
            return Ok(Some((Field::Quoted((start, q)), q + 1)));
        }
        j = q + 1;
    }
    Err("unterminated quoted field".into())
}

/// Whether `b` is Squid's `%Ss:%Sh` (`TCP_MISS:HIER_DIRECT`, `TCP_DENIED:HIER_NONE`, or
/// `TCP_HIT:NONE` in old versions): what Squid's own `common` and `combined` logformats write
/// after the NCSA fields.
pub fn is_squid_status_hierarchy(b: &[u8]) -> bool {
    // one pass that stops at the first other byte (a combined line's `"referer"` at once)
    let mut colon = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'A'..=b'Z' | b'0'..=b'9' | b'_' => {}
            b':' if colon.is_none() => colon = Some(i),
            _ => return false,
        }
    }
    colon.is_some_and(|k| k > 0 && k + 1 < b.len())
}

/// The rest of the line after `pos` (leading spaces skipped), or `None` if nothing is left.
pub fn rest(line: &[u8], pos: usize) -> Option<Span> {
    let mut i = pos;
    while i < line.len() && line[i] == b' ' {
        i += 1;
    }
    (i < line.len()).then_some((i, line.len()))
}

/// Referrer and user agent, as in the combined format; returns the position after them.
pub fn parse_referrer_agent(line: &[u8], pos: usize, r: &mut AccessLine) -> Result<(usize, bool), Reason> {
    let Some((f, p)) = next_field(line, pos)? else { return Ok((pos, false)) };
    r.referrer = f.value(line);
    let Some((f, p)) = next_field(line, p)? else { return Ok((p, false)) };
    r.user_agent = f.value(line);
    Ok((p, true))
}

/// The client IP inside field 1: the first element of an X-Forwarded-For list.
pub fn first_client_ip(line: &[u8], client: Span) -> Option<(Span, Option<String>)> {
    let (s, e) = client;
    let end = memchr::memchr2(b',', b' ', &line[s..e]).map_or(e, |k| s + k);
    ip_span(line, (s, end))
}

/// An IP address at `span`, with its canonical text when that differs.
pub fn ip_span(line: &[u8], span: Span) -> Option<(Span, Option<String>)> {
    match ip::canonical(&line[span.0..span.1])? {
        CanonIp::AsIs => Some((span, None)),
        CanonIp::Rewritten(t) => Some((span, Some(t))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(line: &str) -> Result<(AccessLine, usize), Reason> {
        let mut r = AccessLine::default();
        let pos = parse_head(line.as_bytes(), &mut DateCache::default(), &mut r)?;
        Ok((r, pos))
    }

    fn text(line: &str, s: Option<Span>) -> Option<&str> {
        s.map(|(a, b)| &line[a..b])
    }

    #[test]
    fn volexity_line() {
        let l = r#"104.244.79.6 - - [30/Jun/2022:05:33:18 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.0" 401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" 7"#;
        let (r, pos) = head(l).unwrap();
        assert_eq!(&l[r.client.0..r.client.1], "104.244.79.6");
        assert_eq!(r.ts, 1_656_567_198_000_000);
        assert_eq!(text(l, r.method), Some("POST"));
        assert_eq!(text(l, r.path), Some("/service/extension/backup/mboximport"));
        assert_eq!(text(l, r.query), Some("account-name=admin&ow=1&no-switch=true"));
        assert_eq!(text(l, r.protocol), Some("HTTP/1.0"));
        assert_eq!(r.status, 401);
        assert_eq!(r.bytes, Some(299));
        let mut r = r;
        let (p, full) = parse_referrer_agent(l.as_bytes(), pos, &mut r).unwrap();
        assert!(full);
        assert_eq!(r.referrer, None);
        assert!(text(l, r.user_agent).unwrap().starts_with("Mozilla/5.0 (X11"));
        assert_eq!(&l[p..], " 7");
    }

    #[test]
    fn xff_list_and_quotes_in_url() {
        let l = r#"203.0.113.5, 10.10.2.10 - bob [06/Sep/2022:10:15:32 +0000] "GET /a "b" c?x=1 HTTP/1.1" 200 - "-" "UA \"q\" x""#;
        let (mut r, pos) = head(l).unwrap();
        assert_eq!(&l[r.client.0..r.client.1], "203.0.113.5, 10.10.2.10");
        assert_eq!(text(l, r.user), Some("bob"));
        assert_eq!(text(l, r.url), Some(r#"/a "b" c?x=1"#));
        assert_eq!(r.bytes, None);
        let ip = first_client_ip(l.as_bytes(), r.client).unwrap();
        assert_eq!(&l[ip.0 .0..ip.0 .1], "203.0.113.5");
        parse_referrer_agent(l.as_bytes(), pos, &mut r).unwrap();
        assert_eq!(text(l, r.user_agent), Some(r#"UA \"q\" x"#));
    }

    #[test]
    fn absolute_url_and_junk_request() {
        let l = r#"1.2.3.4 - - [06/Sep/2022:10:15:32 +0200] "GET https://mail.example.org:443/zimbra/?x HTTP/1.1" 200 5"#;
        let (r, _) = head(l).unwrap();
        assert_eq!(text(l, r.path), Some("/zimbra/"));
        assert_eq!(text(l, r.query), Some("x"));
        let l = r#"1.2.3.4 - - [06/Sep/2022:10:15:32 +0200] "\x16\x03\x01\x00" 400 157"#;
        let (r, _) = head(l).unwrap();
        assert_eq!(r.method, None);
        assert_eq!(r.url, None);
        assert_eq!(text(l, Some(r.request)), Some(r"\x16\x03\x01\x00"));
    }

    #[test]
    fn malformed_lines_are_reasons_not_panics() {
        for l in [
            "",
            "[",
            "x [06/Sep/2022:10:15:32 +0200]",
            r#"a b c [06/Sep/2022:10:15:32 +0200] "GET / HTTP/1.1" 20"#,
            r#"a b c [06/Sep/2022:10:15:32 +0200] "GET / HTTP/1.1" 200"#,
            r#"a b c [06/Sep/2022:10:15:32 +0200] "GET / HTTP/1.1\"#,
            r#"a b c [06/Sep/2022:10:15:32 +0200] "GET / HTTP/1.1" 200 12x"#,
            r#" - - [06/Sep/2022:10:15:32 +0200] "GET / HTTP/1.1" 200 1"#,
        ] {
            assert!(head(l).is_err(), "{l}");
        }
    }
}
