//! The one `key=value` scanner every key-value format shares (FortiGate, Stormshield,
//! netfilter, CEF and LEEF extensions, W3C-less proxies...). A [`Dialect`] says how a format
//! separates pairs, whether values may be quoted, whether an unquoted value runs to the next
//! `key=` (CEF), which backslash escapes exist and whether bare words are flags (netfilter's
//! `DF`, `SYN`). The scanner only finds spans; [`unescape`] rewrites a value that needs it.
//!
//! What it accepts, and how:
//! - `key=value` and `key="value with spaces, = and \"escaped\" quotes"` (quotes dropped from
//!   the span; `quoted` set; `escaped` set when the value holds a backslash escape);
//! - `key=` with nothing after it: an empty value (formats turn it into a null);
//! - a quote that never closes (a truncated line): the value runs to the end and is flagged
//!   `unterminated`;
//! - text glued after a closing quote (`k="a"b`): the whole token, quotes included, is the value
//!   (unquoted), so nothing is dropped;
//! - duplicate keys: every pair is returned, in order (formats type the first and keep the
//!   others in their map column);
//! - a word without `=` (trailing garbage, a flag): a [`Token::Word`].
//!
//! Linear: every byte is looked at a bounded number of times (the run-to-next-key mode looks
//! ahead over one key's characters at each separator, and a key ends at the next separator).

use super::ncsa::Span;

/// How a format writes its pairs.
#[derive(Clone, Copy, Debug)]
pub struct Dialect {
    /// The byte between pairs (space, TAB, `,`, `^`...). With a space, TABs and CRs also
    /// separate.
    pub sep: u8,
    /// Values may be double-quoted (`key="a b"`), with `\"` and `\\` inside.
    pub quotes: bool,
    /// An unquoted value runs until the next separator that is followed by a key and `=`
    /// (CEF: `msg=two words act=deny`); trailing spaces are trimmed from it.
    pub runs_to_next_key: bool,
    /// Backslash escapes in unquoted values (`\=`, `\\`, `\n`, `\r`): an escaped `=` does not end
    /// a key nor start a pair.
    pub escapes: bool,
}

impl Dialect {
    /// FortiGate, Stormshield (WELF), netfilter: space-separated, quoted values.
    pub const SPACED: Dialect = Dialect { sep: b' ', quotes: true, runs_to_next_key: false, escapes: false };
    /// CEF extension: space-separated, values with spaces run to the next key, `\=` escapes.
    pub const CEF: Dialect = Dialect { sep: b' ', quotes: false, runs_to_next_key: true, escapes: true };

    /// A dialect with a single-byte separator and no quoting (LEEF attributes).
    pub const fn delimited(sep: u8) -> Dialect {
        Dialect { sep, quotes: false, runs_to_next_key: false, escapes: false }
    }

    #[inline(always)]
    fn is_sep(&self, b: u8) -> bool {
        if self.sep == b' ' {
            // a space, TAB or CR: one test of a bit set instead of three comparisons
            b <= b' ' && (SPACES >> b) & 1 == 1
        } else {
            b == self.sep
        }
    }

    /// Whether `b` ends a key: `=` or a separator.
    #[inline(always)]
    fn ends_key(&self, b: u8) -> bool {
        if self.sep == b' ' {
            b <= b'=' && ((SPACES | (1 << b'=')) >> b) & 1 == 1
        } else {
            b == b'=' || b == self.sep
        }
    }
}

/// The separators of a space-separated dialect, as bits of a `u64`: space, TAB and CR.
const SPACES: u64 = (1 << b' ') | (1 << b'\t') | (1 << b'\r');

/// One `key=value` pair, as spans of the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub key: Span,
    /// The value, without its quotes.
    pub value: Span,
    pub quoted: bool,
    /// The value holds a backslash escape: read it through [`unescape`].
    pub escaped: bool,
    /// A quoted value whose closing quote is missing.
    pub unterminated: bool,
}

/// What the scanner finds between separators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Pair(Pair),
    /// A word without `=` (a flag, or garbage).
    Word(Span),
}

/// The tokens of `line[start..end]`, in order.
pub struct Scanner<'a> {
    line: &'a [u8],
    pos: usize,
    end: usize,
    d: Dialect,
    /// Run-to-next-key mode: the `(start, '=' position)` of the key the last value's lookahead
    /// found, so that `next` does not read it again.
    hint: (usize, usize),
}

/// Scan `line[start..end]`.
pub fn scan(line: &[u8], start: usize, end: usize, d: Dialect) -> Scanner<'_> {
    let end = end.min(line.len());
    Scanner { line, pos: start.min(end), end, d, hint: (usize::MAX, 0) }
}

/// The bytes a key is made of (a table: the lookahead of every separator in CEF values reads
/// them).
static KEY_CHARS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'[' | b']' | b'(' | b')' | b'/' | b':');
        b += 1;
    }
    t
};

#[inline(always)]
fn is_key_char(b: u8) -> bool {
    KEY_CHARS[b as usize]
}

impl<'a> Scanner<'a> {
    /// The end of the key starting at `p` if `key=` starts there (run-to-next-key mode).
    fn key_at(&self, p: usize) -> Option<usize> {
        let mut q = p;
        while q < self.end && is_key_char(self.line[q]) {
            q += 1;
        }
        (q > p && q < self.end && self.line[q] == b'=').then_some(q)
    }

    /// The end of an unquoted value starting at `p`, and whether it holds an escape.
    #[inline(always)]
    fn unquoted_end(&mut self, p: usize) -> (usize, bool) {
        let (line, end, d) = (self.line, self.end, self.d);
        let mut q = p;
        let mut escaped = false;
        while q < end {
            q = next_special(line, q, end, d);
            if q >= end {
                break;
            }
            let b = line[q];
            if d.escapes && b == b'\\' && q + 1 < end {
                escaped = true;
                q += 2;
                continue;
            }
            if d.is_sep(b) {
                if !d.runs_to_next_key {
                    break;
                }
                // a run of separators followed by `key=` ends the value
                let mut r = q;
                while r < end && d.is_sep(line[r]) {
                    r += 1;
                }
                if r == end {
                    break;
                }
                if let Some(k) = self.key_at(r) {
                    self.hint = (r, k);
                    break;
                }
                q = r;
                continue;
            }
            q += 1;
        }
        (q, escaped)
    }

    /// A quoted value whose opening quote is at `p`: (value span, position after, escaped,
    /// unterminated).
    #[inline(always)]
    fn quoted(&self, p: usize) -> (Span, usize, bool, bool) {
        let (line, end) = (self.line, self.end);
        let s = p + 1;
        let mut q = s;
        let mut escaped = false;
        while q < end {
            q = next_quote_or_backslash(line, q, end);
            if q >= end {
                break;
            }
            match line[q] {
                b'\\' if q + 1 < end => {
                    escaped = true;
                    q += 2;
                }
                b'"' => return ((s, q), q + 1, escaped, false),
                _ => q += 1,
            }
        }
        ((s, end), end, escaped, true)
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The lanes of `w` equal to `b` have their high bit set; lanes above the first match may be set
/// too (borrows), so only the lowest set lane is exact.
#[inline(always)]
fn lanes_eq(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    x.wrapping_sub(LO) & !x & HI
}

#[inline(always)]
fn word_at(line: &[u8], p: usize) -> u64 {
    u64::from_le_bytes(line[p..p + 8].try_into().expect("8 bytes"))
}

/// The first `"` or backslash in `line[p..end]` (or `end`), eight bytes at a time: quoted values
/// (uuids, messages, user agents) are the longest runs the scanner walks.
#[inline(always)]
fn next_quote_or_backslash(line: &[u8], mut p: usize, end: usize) -> usize {
    while p + 8 <= end {
        let w = word_at(line, p);
        let m = lanes_eq(w, b'"') | lanes_eq(w, b'\\');
        if m != 0 {
            return p + (m.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    while p < end && line[p] != b'"' && line[p] != b'\\' {
        p += 1;
    }
    p
}

/// The first separator or backslash in `line[p..end]` (or `end`), eight bytes at a time: the
/// end of an unquoted value (IP and MAC addresses, user agents, messages) without a test per
/// byte. (Keys are too short for it to pay: their loop stays byte by byte.)
#[inline(always)]
fn next_special(line: &[u8], mut p: usize, end: usize, d: Dialect) -> usize {
    let space = d.sep == b' ';
    while p + 8 <= end {
        let w = word_at(line, p);
        let mut m = lanes_eq(w, d.sep) | lanes_eq(w, b'\\');
        if space {
            m |= lanes_eq(w, b'\t') | lanes_eq(w, b'\r');
        }
        if m != 0 {
            return p + (m.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    while p < end && !d.is_sep(line[p]) && line[p] != b'\\' {
        p += 1;
    }
    p
}

impl Iterator for Scanner<'_> {
    type Item = Token;

    // inlined into the formats' loops: a token returned through memory costs a store-forwarding
    // stall per pair (measured on FortiGate lines)
    #[inline(always)]
    fn next(&mut self) -> Option<Token> {
        let (line, end, d) = (self.line, self.end, self.d);
        while self.pos < end && d.is_sep(line[self.pos]) {
            self.pos += 1;
        }
        if self.pos >= end {
            return None;
        }
        let ks = self.pos;
        // the key: up to `=` (unescaped) or a separator
        let mut q = ks;
        if self.hint.0 == ks {
            q = self.hint.1;
        } else {
            while q < end && !d.ends_key(line[q]) {
                q += if d.escapes && line[q] == b'\\' && q + 1 < end { 2 } else { 1 };
            }
        }
        let q = q.min(end);
        if q == end || line[q] != b'=' || q == ks {
            // a word without `=` (or `=value` with no key): up to the separator
            let mut w = q;
            while w < end && !d.is_sep(line[w]) {
                w += 1;
            }
            self.pos = w;
            return Some(Token::Word((ks, w)));
        }
        let key = (ks, q);
        let vs = q + 1;
        if d.quotes && line.get(vs) == Some(&b'"') && vs < end {
            let (value, after, escaped, unterminated) = self.quoted(vs);
            if after >= end || d.is_sep(line[after]) {
                self.pos = after;
                return Some(Token::Pair(Pair { key, value, quoted: true, escaped, unterminated }));
            }
            // text glued after the closing quote: the whole token is the value
            let mut w = after;
            while w < end && !d.is_sep(line[w]) {
                w += 1;
            }
            self.pos = w;
            return Some(Token::Pair(Pair { key, value: (vs, w), quoted: false, escaped: false, unterminated: false }));
        }
        let (mut ve, escaped) = self.unquoted_end(vs);
        self.pos = ve;
        if d.runs_to_next_key {
            while ve > vs && d.is_sep(line[ve - 1]) {
                ve -= 1;
            }
        }
        Some(Token::Pair(Pair { key, value: (vs, ve), quoted: false, escaped, unterminated: false }))
    }
}

/// Append the unescaped text of `value` to `out`: `\"` → `"`, `\\` → `\`, `\=` → `=`,
/// `\n` → LF, `\r` → CR, `\|` → `|`; any other backslash is kept as written.
pub fn unescape(value: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'\\' && i + 1 < value.len() {
            let c = value[i + 1];
            match c {
                b'"' | b'\\' | b'=' | b'|' => out.push(c),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                _ => {
                    out.push(b'\\');
                    out.push(c);
                }
            }
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str, d: Dialect) -> Vec<(String, String)> {
        let b = line.as_bytes();
        scan(b, 0, b.len(), d)
            .map(|t| match t {
                Token::Pair(p) => {
                    let mut v = Vec::new();
                    if p.escaped {
                        unescape(&b[p.value.0..p.value.1], &mut v);
                    } else {
                        v.extend_from_slice(&b[p.value.0..p.value.1]);
                    }
                    (line[p.key.0..p.key.1].to_string(), String::from_utf8(v).unwrap())
                }
                Token::Word((s, e)) => (String::new(), line[s..e].to_string()),
            })
            .collect()
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn fortigate_values() {
        let got = pairs(r#"date=2024-05-06 devname="FGT EX" msg="a=b \"c\"" empty= n=5 dup=1 dup=2"#, Dialect::SPACED);
        assert_eq!(
            got,
            vec![
                kv("date", "2024-05-06"),
                kv("devname", "FGT EX"),
                kv("msg", r#"a=b "c""#),
                kv("empty", ""),
                kv("n", "5"),
                kv("dup", "1"),
                kv("dup", "2")
            ]
        );
    }

    #[test]
    fn truncated_and_glued() {
        let got = pairs(r#"a="open b=2"#, Dialect::SPACED);
        assert_eq!(got, vec![kv("a", "open b=2")]);
        let b = br#"a="open b=2"#;
        let Some(Token::Pair(p)) = scan(b, 0, b.len(), Dialect::SPACED).next() else { panic!() };
        assert!(p.unterminated);
        assert_eq!(pairs(r#"k="a"b c=1"#, Dialect::SPACED), vec![kv("k", r#""a"b"#), kv("c", "1")]);
    }

    #[test]
    fn words_and_flags() {
        let got = pairs("IN=eth0 OUT= LEN=60 DF PROTO=TCP SYN URGP=0 =x", Dialect::SPACED);
        assert_eq!(
            got,
            vec![
                kv("IN", "eth0"),
                kv("OUT", ""),
                kv("LEN", "60"),
                kv("", "DF"),
                kv("PROTO", "TCP"),
                kv("", "SYN"),
                kv("URGP", "0"),
                kv("", "=x")
            ]
        );
    }

    #[test]
    fn cef_extension() {
        let got = pairs(r"rt=May 06 2024 09:24:07 CEST src=203.0.113.77 msg=rule\=web-malware matched  cs1=a b\\c   ", Dialect::CEF);
        assert_eq!(
            got,
            vec![
                kv("rt", "May 06 2024 09:24:07 CEST"),
                kv("src", "203.0.113.77"),
                kv("msg", "rule=web-malware matched"),
                kv("cs1", r"a b\c")
            ]
        );
    }

    #[test]
    fn separator_search_word_at_a_time() {
        for text in ["abcdefghijklmnop q", "a\\=b", "0123456789abcdef\tx", "é€日é€日é€日\ry", "short", "", "0123456789abcdefghij"]
        {
            let b = text.as_bytes();
            for d in [Dialect::CEF, Dialect::delimited(b'^')] {
                for start in 0..=b.len() {
                    let want = (start..b.len()).find(|&i| d.is_sep(b[i]) || b[i] == b'\\').unwrap_or(b.len());
                    assert_eq!(next_special(b, start, b.len(), d), want, "{text} {start}");
                }
            }
        }
        // a key found by a value's lookahead reads the same as one found by `next`
        let got = pairs("a=x y z   bb=1 c=two  words dd=\\=", Dialect::CEF);
        assert_eq!(got, vec![kv("a", "x y z"), kv("bb", "1"), kv("c", "two  words"), kv("dd", "=")]);
    }

    #[test]
    fn leef_tabs() {
        let got = pairs("src=1.2.3.4\tdevTime=May 06 2024 09:25:11\tusrName=a b", Dialect::delimited(b'\t'));
        assert_eq!(got, vec![kv("src", "1.2.3.4"), kv("devTime", "May 06 2024 09:25:11"), kv("usrName", "a b")]);
    }

    #[test]
    fn stormshield_statistics_keys() {
        let got = pairs("Byte(i/o)=10/20 Ethernet0=out,1,2 CPU=1,2,3 Rule1:2=5", Dialect::SPACED);
        assert_eq!(got, vec![kv("Byte(i/o)", "10/20"), kv("Ethernet0", "out,1,2"), kv("CPU", "1,2,3"), kv("Rule1:2", "5")]);
    }

    #[test]
    fn quote_search_word_at_a_time() {
        for text in [r#"abcdefghijklmnop"q"#, r#"a\"b"#, "0123456789abcdef\\", "short", r#"""#, "", "é€日é€日é€日\"x"] {
            let b = text.as_bytes();
            for start in 0..=b.len() {
                let want = (start..b.len()).find(|&i| b[i] == b'"' || b[i] == b'\\').unwrap_or(b.len());
                assert_eq!(next_quote_or_backslash(b, start, b.len()), want, "{text} {start}");
            }
        }
        assert_eq!(
            pairs(r#"u="0123456789abcdef0123456789 \"x\" ok" n=1"#, Dialect::SPACED),
            vec![kv("u", r#"0123456789abcdef0123456789 "x" ok"#), kv("n", "1")]
        );
    }

    #[test]
    fn linear_on_hostile_input() {
        // many separators without keys, and many `a ` words in run-to-next-key mode
        let line = format!("k={}", "a ".repeat(200_000));
        let n = scan(line.as_bytes(), 0, line.len(), Dialect::CEF).count();
        assert_eq!(n, 1);
        let line = "\"".repeat(100_000);
        assert_eq!(scan(line.as_bytes(), 0, line.len(), Dialect::SPACED).count(), 1);
        let line = "x=\"\\".repeat(50_000);
        assert!(scan(line.as_bytes(), 0, line.len(), Dialect::SPACED).count() >= 1);
    }
}
