//! Finding indicators inside text: a tokenizer over bytes (no allocation) and percent
//! decoding into a reused buffer.
//!
//! Tokens are maximal runs of `[A-Za-z0-9._:@-]`. So `http://evil.com:443/x?u=a.b.org`
//! yields `http:`, `evil.com:443`, `x`, `u` and `a.b.org`; `CONNECT evil.com:443` yields
//! `evil.com:443`. Each token is then classified in
//! [`crate::ioc::IocMatcher`]: IPv6 when it has two or more colons and parses; otherwise
//! split on `:` into IPv4 addresses, hashes (32/40/64 hex digits) and dotted names; `x@y` is
//! an e-mail address and `y` a host.

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
