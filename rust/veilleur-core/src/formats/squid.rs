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
//! null; anything else → `allow`. `host`, `src_port`, `bytes_out`, `user_agent` and `message`
//! are null: the native layout does not log them.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMicrosecondType, UInt16Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::columns::{Block, Blocks, PrimCol, StrCol};
use crate::events::Mapping;
use crate::ip;
use crate::simd::Bytes16;

use super::ncsa::{parse_u64, Span};
use super::normal;
use super::typed::{col, fields as typed_fields, Col, Kind};
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

// Tokens are short (a few to a few dozen bytes): plain loops beat memchr's setup here.

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
    let mut e = i;
    while e < line.len() && line[e] != b' ' {
        e += 1;
    }
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
    let mut s = end;
    while s > lo && line[s - 1] != b' ' {
        s -= 1;
    }
    Some((s, end))
}

/// The value of eight ASCII digits (`w`: their bytes, little-endian), or `None` if one is not a
/// digit: three multiplications instead of a loop (the usual SWAR reduction, pairs then
/// quadruples then the two halves).
#[inline(always)]
fn eight_digits(w: u64) -> Option<u64> {
    const HI: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // each byte in 0x30..=0x39: its high nibble is 3, and still 3 once 6 is added
    if w & HI != ZEROS || (w.wrapping_add(0x0606_0606_0606_0606) & HI) != ZEROS {
        return None;
    }
    let v = (w & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    Some((v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32)
}

/// `seconds[.fraction]` → UTC microseconds (fraction of up to 6 digits).
#[inline]
pub fn parse_epoch(b: &[u8]) -> Option<i64> {
    // the usual shape, ten digits and milliseconds (2001 to 2286): no loop
    if b.len() == 14 && b[10] == b'.' {
        let d = |i: usize| b[i].wrapping_sub(b'0');
        let (s8, s9, m0, m1, m2) = (d(8), d(9), d(11), d(12), d(13));
        if let Some(high) = eight_digits(u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))) {
            if s8 <= 9 && s9 <= 9 && m0 <= 9 && m1 <= 9 && m2 <= 9 {
                let secs = high * 100 + u64::from(s8) * 10 + u64::from(s9);
                let ms = u64::from(m0) * 100 + u64::from(m1) * 10 + u64::from(m2);
                return Some((secs * 1_000_000 + ms * 1000) as i64);
            }
        }
    }
    let mut i = 0;
    let mut secs = 0i64;
    while i < b.len() && b[i] != b'.' {
        let d = b[i].wrapping_sub(b'0');
        if d > 9 || i == 12 {
            return None;
        }
        secs = secs * 10 + i64::from(d);
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let mut micros = 0i64;
    if i < b.len() {
        let frac = &b[i + 1..];
        if frac.is_empty() || frac.len() > 6 {
            return None;
        }
        for &c in frac {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            micros = micros * 10 + i64::from(d);
        }
        micros *= [1, 100_000, 10_000, 1_000, 100, 10, 1][frac.len()];
    }
    Some(secs * 1_000_000 + micros)
}

/// A decimal number (up to 20 digits); a loop without overflow checks up to 19 digits.
#[inline(always)]
fn number(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return parse_u64(b);
    }
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
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
    // the usual token, `HIER_CODE/peer` with the slash in its first 16 bytes, from byte masks
    // (any other shape goes through the byte loops, which give the same answer: tested)
    let v = Bytes16::load_prefix(tok);
    let slash = v.eq(b'/');
    if slash != 0 {
        let k = slash.trailing_zeros() as usize;
        let code = (1u32 << k) - 1;
        let word = v.in_range(b'A', b'Z') | v.eq(b'_');
        if k > 5 && k + 1 < tok.len() && word & code == code && tok.starts_with(b"HIER_") {
            return Some(k);
        }
    }
    hier_slash_by_bytes(tok)
}

/// [`hier_slash`] with byte loops.
fn hier_slash_by_bytes(tok: &[u8]) -> Option<usize> {
    // codes are at most ~35 bytes: look for the slash in the first 48 only
    let k = tok[..tok.len().min(48)].iter().position(|&c| c == b'/')?;
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
    let m0 = fast::window(line, 0);
    let Some((head, lo)) = fast::head(line, m0) else { return parse_line_scalar(line) };
    let mut r = read_head(line, &head)?;
    let Some((url_end, user, hier, ty)) = fast::tail(line, lo, m0) else { return parse_line_scalar(line) };
    set_tail(line, &mut r, lo, url_end, user, hier, ty);
    Ok(r)
}

/// The fields of the six head tokens (time, elapsed, client, code/status, bytes, method).
#[inline(always)]
fn read_head(line: &[u8], t: &[Span; 6]) -> Result<SquidLine, Reason> {
    let mut r = SquidLine {
        ts: parse_epoch(&line[t[0].0..t[0].1]).ok_or("squid: no epoch time (seconds.millis) at the start")?,
        ..SquidLine::default()
    };
    r.elapsed = number(&line[t[1].0..t[1].1]).ok_or("squid: elapsed time is not a number")?;
    if t[2].0 == t[2].1 {
        return Err("squid: no client field".into());
    }
    r.client = t[2];
    let (s, e) = t[3];
    let slash = line[s..e].iter().rposition(|&c| c == b'/').ok_or("squid: no code/status field")?;
    if slash == 0 {
        return Err("squid: empty result code".into());
    }
    r.result = (s, s + slash);
    let status = number(&line[s + slash + 1..e]).filter(|&v| v <= 999).ok_or("squid: status is not a number")?;
    r.status = (status != 0).then_some(status as u16);
    r.bytes = number(&line[t[4].0..t[4].1]).ok_or("squid: byte count is not a number")?;
    if t[5].0 == t[5].1 {
        return Err("squid: no method".into());
    }
    r.method = t[5];
    Ok(r)
}

/// The hierarchy/peer token: its start, its `/`, its end.
type Hier = (usize, usize, usize);

/// URL, user, hierarchy, peer, type and tail from the tokens found after the method.
#[inline(always)]
fn set_tail(line: &[u8], r: &mut SquidLine, lo: usize, url_end: usize, user: Span, hier: Hier, ty: Span) {
    r.url = (lo, url_end);
    r.user = user;
    r.hier = (hier.0, hier.1);
    r.peer = (hier.1 + 1, hier.2);
    r.ctype = ty;
    let mut end = line.len();
    while end > ty.1 && line[end - 1] == b' ' {
        end -= 1;
    }
    let ts = skip_spaces(line, ty.1);
    r.tail = (ts < end).then_some((ts, end));
}

/// Parse one native line with byte loops (every line the fast path leaves: long heads, URLs with
/// spaces, additions after the type, malformed lines).
fn parse_line_scalar(line: &[u8]) -> Result<SquidLine, Reason> {
    let mut head = [(0, 0); 6];
    let mut p = 0;
    for t in &mut head {
        *t = token(line, skip_spaces(line, p));
        p = t.1;
    }
    let mut r = read_head(line, &head)?;
    let lo = skip_spaces(line, p);
    let end = line.len();
    let cut = before_trailing_quoted(line, lo, end);
    let found = if cut < end { find_tail(line, lo, cut).or_else(|| find_tail(line, lo, end)) } else { find_tail(line, lo, end) };
    let (user, hier, ty) = found.ok_or("squid: no 'user hierarchy/peer type' after the URL")?;
    let url_end = token_before(line, lo, user.0).map_or(lo, |u| u.1);
    let k = hier_slash(&line[hier.0..hier.1]).unwrap_or(0);
    set_tail(line, &mut r, lo, url_end, user, (hier.0, hier.0 + k, hier.1), ty);
    Ok(r)
}

/// The common line's tokens from bitmasks of the spaces in its first and last 128 bytes: no
/// byte loop, no data-dependent branch per byte. Each function gives up (`None`) on anything
/// unusual, and the caller falls back to the byte loops, which give the same answer on the
/// lines the fast path reads (checked by a test).
mod fast {
    use super::{hier_slash, Hier, Span};
    use crate::simd::Bytes16;

    const W: usize = 128;

    /// Bit `i` set when `b[i]` is a space.
    #[inline(always)]
    fn block(b: &[u8; 16]) -> u32 {
        Bytes16::load(b).eq(b' ')
    }

    /// The space mask of the 16 bytes of `w` at `at`.
    #[inline(always)]
    fn block_at(w: &[u8], at: usize) -> u128 {
        u128::from(block(w[at..at + 16].try_into().expect("16 bytes")))
    }

    /// The space mask of `line[at..at + W]`; bytes past the end of the line count as spaces.
    /// A window that runs past the end is read in whole blocks, its last bytes by one block
    /// ending at the line's end (overlapping the previous one: the same bits again), so no copy.
    #[inline(always)]
    pub fn window(line: &[u8], at: usize) -> u128 {
        let w = &line[at..];
        let n = w.len();
        if n >= W {
            return (0..W / 16).fold(0, |m, k| m | (block_at(w, 16 * k) << (16 * k)));
        }
        let mut m = !0u128 << n;
        for k in 0..n / 16 {
            m |= block_at(w, 16 * k) << (16 * k);
        }
        if !n.is_multiple_of(16) {
            if n >= 16 {
                m |= block_at(w, n - 16) << (n - 16);
            } else {
                let mut buf = [b' '; 16];
                buf[..n].copy_from_slice(w);
                m = u128::from(block(&buf)) | (!0u128 << 16);
            }
        }
        m
    }

    #[inline(always)]
    fn tz(x: u128) -> usize {
        x.trailing_zeros() as usize
    }

    /// Bits below `r` (`r <= W`).
    #[inline(always)]
    fn below(r: usize) -> u128 {
        if r >= W {
            !0
        } else {
            (1u128 << r) - 1
        }
    }

    /// The six head tokens and the start of what follows them, when they all lie in the first
    /// `W` bytes. Token starts (a non-space after a space or at 0) and ends (a space after a
    /// non-space) are bits of two masks, taken lowest first.
    /// `m` is `window(line, 0)`.
    #[inline(always)]
    pub fn head(line: &[u8], m: u128) -> Option<([Span; 6], usize)> {
        let n = line.len();
        let mut starts = !m & ((m << 1) | 1);
        let mut ends = m & !((m << 1) | 1);
        let mut toks = [(0, 0); 6];
        for t in &mut toks {
            if starts == 0 || ends == 0 {
                return None; // a missing field, or one running past the window
            }
            *t = (tz(starts), tz(ends));
            starts &= starts - 1;
            ends &= ends - 1;
        }
        // what follows the method (bits past the end of a short line are spaces: no start)
        let lo = if starts != 0 {
            tz(starts)
        } else if n < W {
            n
        } else {
            return None;
        };
        Some((toks, lo))
    }

    /// The token ending before `end` (spaces before `end` skipped), inside the window `mt` of
    /// `line[t0..]`, starting at or after `lo`.
    #[inline(always)]
    fn before(mt: u128, t0: usize, lo: usize, end: usize) -> Option<Span> {
        let ns = !mt & below(end.checked_sub(t0)?);
        if ns == 0 {
            return None;
        }
        let e = W - ns.leading_zeros() as usize;
        let sp = mt & below(e);
        if sp == 0 {
            return None;
        }
        let s = t0 + W - sp.leading_zeros() as usize;
        (s >= lo).then_some((s, t0 + e))
    }

    /// `user hierarchy/peer type` as the last three tokens (the type not ending with a quote),
    /// and the end of the URL before them.
    /// `m0` is `window(line, 0)`: the last window too when the line fits in one.
    #[inline(always)]
    pub fn tail(line: &[u8], lo: usize, m0: u128) -> Option<(usize, Span, Hier, Span)> {
        let n = line.len();
        let t0 = n.saturating_sub(W);
        let mt = if t0 == 0 { m0 } else { window(line, t0) };
        let ty = before(mt, t0, lo, n)?;
        if line[ty.1 - 1] == b'"' {
            return None;
        }
        let hier = before(mt, t0, lo, ty.0)?;
        let k = hier_slash(&line[hier.0..hier.1])?;
        let hier = (hier.0, hier.0 + k, hier.1);
        let user = before(mt, t0, lo, hier.0)?;
        if user.0 <= lo {
            return None;
        }
        // the URL ends at the last non-space before the user
        let ns = !mt & below(user.0.checked_sub(t0)?);
        if ns == 0 {
            return None;
        }
        let url_end = t0 + W - ns.leading_zeros() as usize;
        (url_end > lo).then_some((url_end, user, hier, ty))
    }
}

/// Whether `line` is a complete native line (detection).
pub fn matches(line: &[u8]) -> bool {
    parse_line(line).is_ok()
}

/// The default port of a URL scheme.
fn default_port(scheme: &[u8]) -> Option<u16> {
    let is = |name: &[u8]| scheme.eq_ignore_ascii_case(name);
    Some(if is(b"http") || is(b"ws") {
        80
    } else if is(b"https") || is(b"wss") {
        443
    } else if is(b"ftp") {
        21
    } else {
        return None;
    })
}

/// Bit `i` set when `b[i]` is a byte that ends or splits an authority: `/ ? # @ :` or a space.
#[inline(always)]
fn stops16(b: &[u8; 16]) -> u32 {
    Bytes16::load(b).eq_any(b"/?#@: ")
}

/// The stop bytes (see [`stops16`]) of `b[i..]`, at most 16 of them: bit `j` for `b[i + j]`.
/// Near the end, the last 16 bytes of `b` are read (no copy); a shorter `b` byte by byte.
#[inline(always)]
fn stops(b: &[u8], i: usize) -> u32 {
    let n = b.len();
    if i + 16 <= n {
        stops16(b[i..i + 16].try_into().expect("16 bytes"))
    } else if n >= 16 {
        stops16(b[n - 16..].try_into().expect("16 bytes")) >> (i + 16 - n)
    } else {
        b[i..].iter().enumerate().fold(0u32, |m, (j, &c)| m | (u32::from(matches!(c, b'/' | b'?' | b'#' | b'@' | b':' | b' ')) << j))
    }
}

/// The host and port of a URL: `scheme://[userinfo@]host[:port][/...]` (the port being the
/// explicit one or the scheme's default) or an authority `host:port` (a CONNECT target).
/// IPv6 literals lose their brackets. Ranges are relative to `url`. The bytes are read sixteen
/// at a time as masks of the bytes that matter (`/ ? # @ :` and spaces).
pub fn url_authority(url: &[u8]) -> Option<(Span, Option<u16>)> {
    let (absolute, start, scheme_port) = if url.starts_with(b"http://") {
        (true, 7, Some(80))
    } else if url.starts_with(b"https://") {
        (true, 8, Some(443))
    } else {
        // a scheme: letters, digits, `+ - .` up to `://` (`:` is the first stop byte)
        let mut k = 0;
        while k < url.len() {
            let m = stops(url, k);
            if m != 0 {
                k += m.trailing_zeros() as usize;
                break;
            }
            k += 16;
        }
        let k = k.min(url.len());
        let is_scheme = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.');
        if k > 0 && url[k..].starts_with(b"://") && url[..k].iter().all(is_scheme) {
            (true, k + 3, default_port(&url[..k]))
        } else {
            (false, 0, None)
        }
    };
    // one pass over the authority: where it ends, its last `@` and the last `:` after that
    let (mut hs, mut colon, mut end) = (start, None, url.len());
    let mut i = start;
    'scan: while i < url.len() {
        let mut m = stops(url, i);
        while m != 0 {
            let p = i + m.trailing_zeros() as usize;
            m &= m - 1;
            match url[p] {
                b'/' | b'?' | b'#' | b' ' | b'@' if !absolute => return None, // authority form: host:port only
                b'/' | b'?' | b'#' => {
                    end = p;
                    break 'scan;
                }
                b'@' => {
                    hs = p + 1;
                    colon = None;
                }
                b':' => colon = Some(p),
                _ => {} // a space in an absolute URL's authority
            }
        }
        i += 16;
    }
    authority_at(url, hs, end, colon, scheme_port, absolute)
}

/// The host and port of the authority `url[hs..end]` whose last `:` outside brackets is at
/// `colon`: what [`url_authority`] returns once it has found those bounds.
fn authority_at(
    url: &[u8],
    hs: usize,
    end: usize,
    colon: Option<usize>,
    scheme_port: Option<u16>,
    absolute: bool,
) -> Option<(Span, Option<u16>)> {
    let (host, port_text): (Span, Option<Span>) = if url.get(hs) == Some(&b'[') {
        let close = hs + url[hs..end].iter().position(|&c| c == b']')?;
        let port = match url.get(close + 1) {
            Some(b':') if close + 1 < end => Some((close + 2, end)),
            _ if close + 1 == end => None,
            _ => return None,
        };
        ((hs + 1, close), port)
    } else {
        match colon {
            Some(c) => ((hs, c), Some((c + 1, end))),
            None => ((hs, end), None),
        }
    };
    if host.1 <= host.0 {
        return None;
    }
    let port = match port_text {
        Some((a, b)) if b > a => Some(number(&url[a..b]).and_then(|v| u16::try_from(v).ok())?),
        _ => scheme_port,
    };
    if !absolute && port.is_none() {
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

/// The columns under construction. Every column is positional and set exactly once per line, so
/// the format builds them directly (no per-row bookkeeping): a line is fully read before anything
/// is pushed.
struct Builder {
    ts: PrimCol<TimestampMicrosecondType>,
    elapsed: PrimCol<UInt64Type>,
    status: PrimCol<UInt16Type>,
    bytes: PrimCol<UInt64Type>,
    url_port: PrimCol<UInt16Type>,
    /// client_ip, client_name, result_code, method, url, user, hierarchy, peer, content_type,
    /// url_host, tail
    strs: [StrCol; 11],
}

impl Builder {
    fn new(n: usize) -> Self {
        Builder {
            ts: PrimCol::with_capacity(n),
            elapsed: PrimCol::with_capacity(n),
            status: PrimCol::with_capacity(n),
            bytes: PrimCol::with_capacity(n),
            url_port: PrimCol::with_capacity(n),
            strs: std::array::from_fn(|_| StrCol::with_capacity(n)),
        }
    }

    #[inline(always)]
    fn push(&mut self, r: &SquidLine, line: &[u8], block: Block, base: usize, side: &mut Vec<u8>) {
        let view = |s: Span| (&line[s.0..s.1], block, base + s.0);
        let dash = |s: Span| (s.1 != s.0 + 1 || line[s.0] != b'-').then(|| view(s));
        let [client_ip, client_name, result, method, url, user, hier, peer, ctype, url_host, tail] = &mut self.strs;
        self.ts.push(r.ts);
        self.elapsed.push(r.elapsed);
        let client = &line[r.client.0..r.client.1];
        match ip::canonical(client) {
            Some(ip::CanonIp::AsIs) => {
                client_ip.push(client, block, base + r.client.0);
                client_name.push_null();
            }
            Some(ip::CanonIp::Rewritten(t)) => {
                client_ip.push(t.as_bytes(), Block::Side, side.len());
                side.extend_from_slice(t.as_bytes());
                client_name.push_null();
            }
            None => {
                client_ip.push_null();
                client_name.push(client, block, base + r.client.0);
            }
        }
        result.push_opt(Some(view(r.result)));
        self.status.push_opt(r.status);
        self.bytes.push(r.bytes);
        method.push_opt(dash(r.method));
        url.push_opt(Some(view(r.url)));
        user.push_opt(dash(r.user));
        hier.push_opt(Some(view(r.hier)));
        peer.push_opt(dash(r.peer));
        ctype.push_opt(dash(r.ctype));
        match url_authority(&line[r.url.0..r.url.1]) {
            Some((h, port)) => {
                url_host.push_opt(Some(view((r.url.0 + h.0, r.url.0 + h.1))));
                self.url_port.push_opt(port);
            }
            None => {
                url_host.push_null();
                self.url_port.push_opt(None);
            }
        }
        tail.push_opt(r.tail.map(view));
    }

    /// The columns in [`COLS`] order.
    fn finish(self, blocks: &Blocks) -> Vec<ArrayRef> {
        let [client_ip, client_name, result, method, url, user, hier, peer, ctype, url_host, tail] = self.strs;
        vec![
            Arc::new(self.ts.finish().with_timezone("UTC")),
            Arc::new(self.elapsed.finish()),
            client_ip.finish(blocks),
            client_name.finish(blocks),
            result.finish(blocks),
            Arc::new(self.status.finish()),
            Arc::new(self.bytes.finish()),
            method.finish(blocks),
            url.finish(blocks),
            user.finish(blocks),
            hier.finish(blocks),
            peer.finish(blocks),
            ctype.finish(blocks),
            url_host.finish(blocks),
            Arc::new(self.url_port.finish()),
            tail.finish(blocks),
        ]
    }
}

/// Parse a chunk.
pub fn parse_chunk(chunk: Chunk, _ctx: &ParseCtx) -> ParsedChunk {
    // exact capacity: regrowing a dozen view columns would copy them again
    let mut b = Builder::new(memchr::memchr_iter(b'\n', &chunk.data).count() + 1);
    let mut parsed = drive_records(chunk, None, |line, block, base, side, _| {
        let r = parse_line(line)?;
        b.push(&r, line, block, base, side);
        Ok(())
    });
    parsed.columns = b.finish(&parsed.blocks);
    parsed
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

    const TS: usize = 0;
    const CLIENT_IP: usize = 2;
    const STATUS: usize = 5;
    const BYTES: usize = 6;
    const PEER: usize = 11;
    const URL_PORT: usize = 14;

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

    /// The fast path and the byte loops agree on every line, whatever its length (the windows'
    /// edges fall inside every field) and whatever is mutated in it.
    #[test]
    fn fast_path_matches_scalar() {
        let seeds = [
            "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/index.html asmith HIER_DIRECT/198.51.100.140 text/html",
            "1714979741.903  60012 2001:db8::41 TCP_TUNNEL/200 48213 CONNECT www.example.net:443 - HIER_DIRECT/2001:db8::9 -",
            "1714979745.001      0 10.20.30.41 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -",
            r#"1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://x/a b - HIER_DIRECT/198.51.100.10 text/html "r" "Mozilla/5.0 (X11)""#,
            "1714979730.412 1 10.0.0.1 TCP_MISS/200 1 GET http://x.example/ - HIER_DIRECT/1.2.3.4 text/html - NONE/- a",
        ];
        let mut rng = crate::test_rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut rnd = |n: usize| (rng.next() % n.max(1) as u64) as usize;
        let (mut checked, mut fast_hits) = (0, 0);
        for round in 0..20_000 {
            let mut l = seeds[round % seeds.len()].as_bytes().to_vec();
            // move the window edges: pad a field, lengthen the URL or the user
            let pad = rnd(140);
            match rnd(4) {
                0 => l.splice(15..15, std::iter::repeat_n(b' ', pad)),
                1 => {
                    let at = l.windows(5).position(|w| w == b"/ - H" || w == b"x/ - ").map_or(l.len() / 2, |k| k + 1);
                    l.splice(at..at, std::iter::repeat_n(b'a', pad))
                }
                2 => l.splice(l.len()..l.len(), std::iter::repeat_n(b' ', pad % 3)),
                _ => l.splice(0..0, std::iter::repeat_n(b' ', pad % 4)),
            };
            for _ in 0..rnd(3) {
                const BYTES: &[u8] = b" \"/-aA0";
                let i = rnd(l.len());
                match rnd(3) {
                    0 => l[i] = BYTES[rnd(BYTES.len())],
                    1 => l.insert(i, BYTES[rnd(BYTES.len())]),
                    _ => {
                        l.remove(i);
                    }
                }
            }
            let fast = parse_line(&l);
            let slow = parse_line_scalar(&l);
            assert_eq!(fast, slow, "{}", String::from_utf8_lossy(&l));
            checked += usize::from(fast.is_ok());
            let m0 = fast::window(&l, 0);
            fast_hits += usize::from(fast::head(&l, m0).is_some_and(|(_, lo)| fast::tail(&l, lo, m0).is_some()));
        }
        assert!(checked > 5_000 && fast_hits > 3_000, "{checked} {fast_hits}");
    }

    #[test]
    fn hier_tokens() {
        let seeds = [
            "HIER_DIRECT/198.51.100.140",
            "HIER_NONE/-",
            "TIMEOUT_HIER_DIRECT/1.2.3.4",
            "DIRECT/x",
            "HIER_/x",
            "HIER_PARENT_HIT/parent1.example.net",
        ];
        let mut rng = crate::test_rng::Rng::new(0x2545_F491_4F6C_DD1D);
        for round in 0..50_000 {
            let x = rng.next();
            let mut t = seeds[round % seeds.len()].as_bytes().to_vec();
            if x.is_multiple_of(2) && !t.is_empty() {
                let i = (x >> 8) as usize % t.len();
                t[i] = b"/_Aa-9 "[(x >> 24) as usize % 7];
            }
            if x.is_multiple_of(5) {
                t.truncate((x >> 32) as usize % (t.len() + 1));
            }
            assert_eq!(hier_slash(&t), hier_slash_by_bytes(&t), "{}", String::from_utf8_lossy(&t));
        }
    }

    #[test]
    fn epochs() {
        // the no-loop shape against the loop (the same text with one more fraction digit)
        let mut rng = crate::test_rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..100_000 {
            let x = rng.next();
            let mut t = format!("{:010}.{:03}", x % 10_000_000_000, (x >> 40) % 1000).into_bytes();
            if x.is_multiple_of(3) {
                t[(x >> 20) as usize % 14] = b"0/:a. 9"[(x >> 30) as usize % 7];
            }
            let mut longer = t.clone();
            longer.push(b'0');
            let want = parse_epoch(&longer);
            assert_eq!(parse_epoch(&t), want, "{}", String::from_utf8_lossy(&t));
        }
        assert_eq!(parse_epoch(b"1714979730.412"), Some(1_714_979_730_412_000));
        assert_eq!(parse_epoch(b"0000000000.000"), Some(0));
        assert_eq!(parse_epoch(b"9999999999.999"), Some(9_999_999_999_999_000));
        assert_eq!(parse_epoch(b"171497973a.412"), None);
    }

    #[test]
    fn space_windows() {
        let text: Vec<u8> = (0..300u32).map(|i| if i * 7 % 5 == 0 || i % 11 == 3 { b' ' } else { b'a' }).collect();
        for n in 0..300 {
            let line = &text[..n];
            for at in [0, 1, 17, n.saturating_sub(128)] {
                if at > n {
                    continue;
                }
                let want = (0..128).fold(0u128, |m, i| m | (u128::from(line.get(at + i).is_none_or(|&c| c == b' ')) << i));
                assert_eq!(fast::window(line, at), want, "{n} {at}");
            }
        }
    }

    /// The byte loop the masks replaced: the reference.
    // The host and port of a URL: `scheme://[userinfo@]host[:port][/...]` (the port being the
    /// explicit one or the scheme's default) or an authority `host:port` (a CONNECT target).
    /// IPv6 literals lose their brackets. Ranges are relative to `url`.
    fn url_authority_by_bytes(url: &[u8]) -> Option<(Span, Option<u16>)> {
        let k = if url.starts_with(b"http://") {
            4
        } else if url.starts_with(b"https://") {
            5
        } else {
            url.iter().position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))).unwrap_or(url.len())
        };
        let absolute = k > 0 && url[k..].starts_with(b"://");
        let (start, scheme_port) = if absolute { (k + 3, default_port(&url[..k])) } else { (0, None) };
        // one pass over the authority: where it ends, its last `@` and the last `:` after that
        let (mut hs, mut colon, mut end) = (start, None, url.len());
        for (i, &c) in url[start..].iter().enumerate() {
            match c {
                b'/' | b'?' | b'#' | b' ' | b'@' if !absolute => return None, // authority form: host:port only
                b'/' | b'?' | b'#' => {
                    end = start + i;
                    break;
                }
                b'@' => {
                    hs = start + i + 1;
                    colon = None;
                }
                b':' => colon = Some(start + i),
                _ => {}
            }
        }
        authority_at(url, hs, end, colon, scheme_port, absolute)
    }

    #[test]
    fn authorities_match_byte_loop() {
        let mut rng = crate::test_rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut rnd = |n: usize| {
            let x = rng.next();
            (x % n as u64) as usize
        };
        let seeds = [
            "http://www.example.com/a?b",
            "https://u:p@[2001:db8::1]:8443/x",
            "www.example.net:443",
            "FTP://h.example",
            "error:x",
            "a+b.c-d://h:1#f",
            "[::1]:22",
        ];
        const BYTES: &[u8] = b"/?#@: []:9a.hH";
        for round in 0..100_000 {
            let mut u = seeds[round % seeds.len()].as_bytes().to_vec();
            for _ in 0..rnd(4) {
                let c = BYTES[rnd(BYTES.len())];
                match rnd(3) {
                    0 if !u.is_empty() => {
                        let i = rnd(u.len());
                        u[i] = c;
                    }
                    1 => u.insert(rnd(u.len() + 1), c),
                    _ => {
                        let at = rnd(u.len() + 1);
                        u.splice(at..at, std::iter::repeat_n(b'a', rnd(30)));
                    }
                }
            }
            let u = &u[..u.len().min(60)];
            assert_eq!(url_authority(u), url_authority_by_bytes(u), "{}", String::from_utf8_lossy(u));
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
        let text =
            "1714979730.412    153 10.20.30.41 TCP_MISS/200 5120 GET http://www.example.com/ - HIER_DIRECT/198.51.100.10 text/html\n\
                    1714979731.5      2 2001:DB8::1 NONE/400 0 NONE error:invalid-request - HIER_NONE/- -\n\
                    junk\n";
        let p = parse_chunk(crate::formats::testing::chunk(text), &ParseCtx::default());
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
