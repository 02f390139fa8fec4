//! Finding indicators inside text: a tokenizer over bytes (no allocation), e-mail addresses
//! around each `@`, the non-ASCII label characters next to a token, and percent decoding
//! into a reused buffer.
//!
//! Tokens are maximal runs of `[A-Za-z0-9._:@-]`. So `http://evil.com:443/x?u=a.b.org`
//! yields `http:`, `evil.com:443`, `x`, `u` and `a.b.org`; `CONNECT evil.com:443` yields
//! `evil.com:443`. Each token is then classified in
//! [`crate::ioc::IocMatcher`]: IPv6 when it has two or more colons and parses; otherwise
//! split on `:` into IPv4 addresses, hashes (32/40/64 hex digits) and dotted names; in `x@y`,
//! `y` is a host. E-mail addresses are not tokens (`+` and `'` are in local parts, `mailto:`
//! is not): [`for_each_email`] reads them around each `@`.

/// Token bytes: ASCII letters and digits, `.`, `-`, `_`, `:`, `@`.
static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'_' || c == b':' || c == b'@';
        b += 1;
    }
    t
};

/// Call `f(start, end)` for each token of `text`.
#[inline]
pub fn for_each_token(text: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut i = 0;
    let n = text.len();
    while i < n {
        while i < n && !TOKEN[text[i] as usize] {
            i += 1;
        }
        let start = i;
        while i < n && TOKEN[text[i] as usize] {
            i += 1;
        }
        if i > start {
            f(start, i);
        }
    }
}

/// Whether `c` (non-ASCII) continues a host name's label when written right next to one: a
/// letter, a digit or a combining mark of any script (`ñevil.com` and `访问evil.com` are
/// names of their own, as a domain cell reads them), not punctuation (`「evil.com」`,
/// `evil.com。`) or spaces.
fn label_continues(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
        || matches!(c, '\u{200c}' | '\u{200d}')
}

/// Whether the character that ends right before `i` in `text` is a non-ASCII label character
/// (see [`label_continues`]); bytes that are not UTF-8 count as one (a byte such as Latin-1
/// `ÿ` is part of a label in a domain cell too).
#[inline(always)]
pub fn label_before(text: &[u8], i: usize) -> bool {
    i > 0 && text[i - 1] >= 0x80 && non_ascii_before(text, i)
}

#[cold]
#[inline(never)]
fn non_ascii_before(text: &[u8], i: usize) -> bool {
    let mut s = i - 1;
    while s > 0 && i - s < 4 && text[s] & 0xC0 == 0x80 {
        s -= 1;
    }
    std::str::from_utf8(&text[s..i]).map_or(true, |c| c.chars().next_back().is_some_and(label_continues))
}

/// Whether the character that starts at `i` in `text` is a non-ASCII label character (as
/// [`label_before`]).
#[inline(always)]
pub fn label_after(text: &[u8], i: usize) -> bool {
    text.get(i).is_some_and(|&b| b >= 0x80) && non_ascii_after(text, i)
}

#[cold]
#[inline(never)]
fn non_ascii_after(text: &[u8], i: usize) -> bool {
    let lead = text[i];
    let n = match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return true,
    };
    text.get(i..i + n).and_then(|c| std::str::from_utf8(c).ok()).is_none_or(|c| c.chars().next().is_some_and(label_continues))
}

/// ASCII bytes of an e-mail address's local part: RFC 5322 `atext` and `.` (non-ASCII label
/// characters, see [`label_continues`], are in local parts too: RFC 6531).
static LOCAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || is_local_punct(c) || c == b'.' || c == b'-' || c == b'_' || c == b'+';
        b += 1;
    }
    t
};

/// The `atext` punctuation that logs also use around addresses (`to=x@y`, `/u/x@y`,
/// `'x@y'`, `?m=x@y`): a local part may start right after one of them.
const fn is_local_punct(c: u8) -> bool {
    matches!(c, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'/' | b'=' | b'?' | b'^' | b'`' | b'{' | b'|' | b'}' | b'~')
}

/// Where the character before `i` starts, if it can be in a local part (bytes that are not
/// UTF-8 count as such, one at a time).
#[inline]
fn local_char_before(text: &[u8], i: usize) -> Option<usize> {
    let b = *text.get(i.checked_sub(1)?)?;
    if b < 0x80 {
        return LOCAL[b as usize].then_some(i - 1);
    }
    let mut s = i - 1;
    while s > 0 && i - s < 4 && text[s] & 0xC0 == 0x80 {
        s -= 1;
    }
    match std::str::from_utf8(&text[s..i]) {
        Ok(c) => c.chars().next_back().is_some_and(label_continues).then_some(s),
        Err(_) => Some(i - 1),
    }
}

/// Bytes of the domain of an e-mail address.
#[inline]
fn domain_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')
}

/// An `@` of a text and the address around it (see [`for_each_email`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// start of the run of local-part bytes before the `@` (at most `max_local` of them)
    pub local: usize,
    /// the run is a whole local part: it starts the text or follows a byte that cannot be in
    /// one (it was not cut at `max_local` bytes)
    pub whole: bool,
    pub at: usize,
    /// end of the domain (trailing `.`, `-`, `_` left out)
    pub end: usize,
}

impl At {
    /// Where a local part of this address may start: the run's start (when whole, past
    /// leading dots) and right after each `atext` punctuation byte of the run (so `to=x@y`
    /// and `'x@y'` give `x@y`; `bad+tag@y` and `o.k@y` stay whole), in increasing order.
    pub fn starts(&self, text: &[u8], mut f: impl FnMut(usize)) {
        if self.whole {
            let mut s = self.local;
            while s < self.at && text[s] == b'.' {
                s += 1;
            }
            if s < self.at {
                f(s);
            }
        }
        // (the byte before the run counts when the run was cut: it is a local-part byte)
        for p in self.local.max(1)..self.at {
            if is_local_punct(text[p - 1]) && (p > self.local || !self.whole) {
                f(p);
            }
        }
    }
}

/// Call `f` for each `@` of `text` with a non-empty domain after it: the local-part bytes
/// before it (`max_local` at most) and the domain (at most 255 bytes). Linear in the text: the
/// scans left and right of an `@` stop at the `@` next to it, and are bounded.
pub fn for_each_email(text: &[u8], max_local: usize, mut f: impl FnMut(At)) {
    for at in memchr::memchr_iter(b'@', text) {
        let mut end = at + 1;
        let limit = (at + 1 + 255).min(text.len());
        while end < limit && domain_byte(text[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(text[end - 1], b'.' | b'-' | b'_') {
            end -= 1;
        }
        if end == at + 1 {
            continue;
        }
        let (mut local, mut whole) = (at, true);
        while let Some(p) = local_char_before(text, local) {
            if at - p > max_local {
                whole = false;
                break;
            }
            local = p;
        }
        f(At { local, whole, at, end });
    }
}

#[inline]
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decode `%XX` escapes of `src` into `out` (cleared first); `+` is kept (it is a token
/// delimiter anyway). Returns true if anything was decoded.
pub fn percent_decode(src: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut changed = false;
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b == b'%' && i + 2 < src.len() {
            if let (Some(h), Some(l)) = (hex(src[i + 1]), hex(src[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                changed = true;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    changed
}

/// `text` with percent escapes decoded (twice at most, for double encoding), in `a` or `b`;
/// `None` when there is nothing to decode.
pub fn decoded<'a>(text: &[u8], a: &'a mut Vec<u8>, b: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    if memchr::memchr(b'%', text).is_none() || !percent_decode(text, a) {
        return None;
    }
    if memchr::memchr(b'%', a).is_some() && percent_decode(a, b) {
        return Some(b.as_slice());
    }
    Some(a.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        for_each_token(s.as_bytes(), |a, b| v.push(&s[a..b]));
        v
    }

    #[test]
    fn tokens() {
        assert_eq!(toks("http://evil.com:443/x?u=a.b.org"), vec!["http:", "evil.com:443", "x", "u", "a.b.org"]);
        assert_eq!(toks("CONNECT evil.com:443 HTTP/1.1"), vec!["CONNECT", "evil.com:443", "HTTP", "1.1"]);
        assert_eq!(toks("[2001:db8::1]:80"), vec!["2001:db8::1", ":80"]);
        assert_eq!(toks(""), Vec::<&str>::new());
    }

    /// The candidate addresses of a text, as strings.
    fn emails(s: &str, max_local: usize) -> Vec<&str> {
        let mut v = Vec::new();
        for_each_email(s.as_bytes(), max_local, |a| a.starts(s.as_bytes(), |p| v.push(&s[p..a.end])));
        v
    }

    #[test]
    fn email_candidates() {
        assert_eq!(emails("from=<Bad+Tag@Evil.org>, size=12", 64), vec!["Bad+Tag@Evil.org"]);
        assert_eq!(emails("mailto:x@evil.net.", 64), vec!["x@evil.net"]);
        assert_eq!(emails("to=x@y.z", 64), vec!["to=x@y.z", "x@y.z"]);
        assert_eq!(emails("'o'brien@y.z'", 64), vec!["'o'brien@y.z", "o'brien@y.z", "brien@y.z"]);
        assert_eq!(emails("a@b.c,d.e@f.g;(h@i.j)", 64), vec!["a@b.c", "d.e@f.g", "h@i.j"]);
        assert_eq!(emails("..x@y.z @y.z x@ x@-", 64), vec!["x@y.z"]);
        assert_eq!(emails("jürgen@y.z «m@y.z»", 64), vec!["jürgen@y.z", "m@y.z"]);
        // a run longer than the longest indicator's local part: only starts after punctuation
        assert_eq!(emails("abcdef=xy@y.z", 4), vec!["xy@y.z"]);
        assert_eq!(emails("abcd=xy@y.z", 3), vec!["xy@y.z"]);
        assert_eq!(emails("abc=xy@y.z", 3), vec!["xy@y.z"]);
        assert_eq!(emails("bc=xy@y.z", 5), vec!["bc=xy@y.z", "xy@y.z"]);
    }

    #[test]
    fn label_characters_around_a_token() {
        let t = "ñevil.com「evil.com」访问evil.comé x.com\u{301}y 1\u{ff0c}2";
        let at = |pat: &str| t.find(pat).unwrap();
        assert!(label_before(t.as_bytes(), at("evil.com「")));
        assert!(!label_before(t.as_bytes(), at("evil.com」")));
        assert!(label_before(t.as_bytes(), at("evil.comé")));
        assert!(label_after(t.as_bytes(), at("é x")));
        assert!(!label_after(t.as_bytes(), at("「")));
        assert!(label_after(t.as_bytes(), at("\u{301}")), "a combining mark");
        assert!(!label_after(t.as_bytes(), at("\u{ff0c}")), "a full-width comma");
        assert!(!label_before(b"x evil.com", 2) && !label_after(b"evil.com x", 8) && !label_after(b"a", 1) && !label_before(b"a", 0));
        // bytes that are not UTF-8 (Latin-1) are label bytes, as in a domain cell
        assert!(label_before(b"\xffevil.com", 1) && label_after(b"evil.com\xe9", 8));
    }

    #[test]
    fn decoding() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert_eq!(decoded(b"cmd=curl%20http%3A%2F%2F1.2.3.4%2Fx", &mut a, &mut b), Some(&b"cmd=curl http://1.2.3.4/x"[..]));
        assert_eq!(decoded(b"a%252Fb", &mut a, &mut b), Some(&b"a/b"[..]));
        assert_eq!(decoded(b"100%", &mut a, &mut b), None);
        assert_eq!(decoded(b"%4", &mut a, &mut b), None);
        assert_eq!(decoded(b"plain", &mut a, &mut b), None);
        assert_eq!(decoded(b"%41", &mut a, &mut b), Some(&b"A"[..]));
    }
}
