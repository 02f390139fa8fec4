//! One comma-separated-values field scanner for the CSV log formats (PAN-OS, pfSense
//! `filterlog`): fields as spans of the line, without copying.
//!
//! - a bare field runs to the next `,` (an empty field is an empty span);
//! - a field that starts with `"` runs to the next `"` followed by `,` or the end of the line;
//!   `""` inside it is a quote (the field is flagged `escaped`: read it through [`unescape`]);
//!   the span excludes the quotes;
//! - a quote that never closes (a truncated line): the field runs to the end, flagged
//!   `unterminated`;
//! - text glued after a closing quote (`"a"b,`): the whole raw token up to the next `,` is the
//!   field, quotes included, read as bare — nothing is dropped.
//!
//! Linear: every byte is looked at a bounded number of times.

use super::ncsa::Span;

/// One field of a CSV line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvField {
    /// The value, without its quotes.
    pub span: Span,
    pub quoted: bool,
    /// The value holds `""` (read it through [`unescape`]).
    pub escaped: bool,
    pub unterminated: bool,
}

/// The fields of `line[start..end]`, in order. A line of `n` commas has `n + 1` fields (an
/// empty range has one empty field).
pub struct Fields<'a> {
    line: &'a [u8],
    pos: usize,
    end: usize,
    done: bool,
}

/// Scan `line[start..end]`.
pub fn fields(line: &[u8], start: usize, end: usize) -> Fields<'_> {
    let end = end.min(line.len());
    Fields { line, pos: start.min(end), end, done: false }
}

impl Iterator for Fields<'_> {
    type Item = CsvField;

    fn next(&mut self) -> Option<CsvField> {
        if self.done {
            return None;
        }
        let (line, end, s) = (self.line, self.end, self.pos);
        if line.get(s) == Some(&b'"') && s < end {
            let mut q = s + 1;
            let mut escaped = false;
            loop {
                match memchr::memchr(b'"', &line[q..end]) {
                    None => {
                        self.done = true;
                        return Some(CsvField { span: (s + 1, end), quoted: true, escaped, unterminated: true });
                    }
                    Some(k) => {
                        let c = q + k;
                        if line.get(c + 1) == Some(&b'"') && c + 1 < end {
                            escaped = true;
                            q = c + 2;
                            continue;
                        }
                        let after = c + 1;
                        if after == end {
                            self.done = true;
                            return Some(CsvField { span: (s + 1, c), quoted: true, escaped, unterminated: false });
                        }
                        if line[after] == b',' {
                            self.pos = after + 1;
                            return Some(CsvField { span: (s + 1, c), quoted: true, escaped, unterminated: false });
                        }
                        // glued text: the raw token up to the next comma
                        return Some(self.bare_from(s, after));
                    }
                }
            }
        }
        Some(self.bare_from(s, s))
    }
}

impl Fields<'_> {
    /// A bare field starting at `s`, its comma searched from `from`.
    fn bare_from(&mut self, s: usize, from: usize) -> CsvField {
        match memchr::memchr(b',', &self.line[from..self.end]) {
            Some(k) => {
                self.pos = from + k + 1;
                CsvField { span: (s, from + k), quoted: false, escaped: false, unterminated: false }
            }
            None => {
                self.done = true;
                CsvField { span: (s, self.end), quoted: false, escaped: false, unterminated: false }
            }
        }
    }
}

/// Append the text of a quoted field with `""` read as `"`.
pub fn unescape(value: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < value.len() {
        out.push(value[i]);
        i += if value[i] == b'"' && value.get(i + 1) == Some(&b'"') { 2 } else { 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        let b = line.as_bytes();
        fields(b, 0, b.len())
            .map(|f| {
                let mut v = Vec::new();
                if f.escaped {
                    unescape(&b[f.span.0..f.span.1], &mut v);
                } else {
                    v.extend_from_slice(&b[f.span.0..f.span.1]);
                }
                String::from_utf8(v).unwrap()
            })
            .collect()
    }

    #[test]
    fn bare_quoted_and_empty() {
        assert_eq!(texts("a,,b"), ["a", "", "b"]);
        assert_eq!(texts(""), [""]);
        assert_eq!(texts(","), ["", ""]);
        assert_eq!(texts("a,"), ["a", ""]);
        assert_eq!(texts(r#"1,"x, y",z"#), ["1", "x, y", "z"]);
        assert_eq!(texts(r#""say ""hi""",2"#), [r#"say "hi""#, "2"]);
        assert_eq!(texts(r#""""#), [""]);
        assert_eq!(texts(r#""",x"#), ["", "x"]);
        assert_eq!(texts(r#"a,"b""#), ["a", "b"]);
    }

    #[test]
    fn flags() {
        let b = br#"1,"a""b","c"#;
        let f: Vec<CsvField> = fields(b, 0, b.len()).collect();
        assert_eq!(f.len(), 3);
        assert!(!f[0].quoted && f[1].quoted && f[1].escaped && !f[1].unterminated);
        assert!(f[2].quoted && f[2].unterminated);
        assert_eq!(&b[f[2].span.0..f[2].span.1], b"c");
    }

    #[test]
    fn glued_and_unterminated() {
        assert_eq!(texts(r#""a"b,c"#), [r#""a"b"#, "c"]);
        assert_eq!(texts(r#"x,"never closed, at all"#), ["x", "never closed, at all"]);
        assert_eq!(texts(r#"a"b,c"#), [r#"a"b"#, "c"]);
        // a range inside the line
        let b = b"hdr 1,2,3 trailer";
        let f: Vec<Span> = fields(b, 4, 9).map(|f| f.span).collect();
        assert_eq!(f, vec![(4, 5), (6, 7), (8, 9)]);
    }

    #[test]
    fn linear_on_hostile_input() {
        let line = "\"\"".repeat(100_000);
        assert_eq!(fields(line.as_bytes(), 0, line.len()).count(), 1);
        let line = ",\"".repeat(100_000);
        assert!(fields(line.as_bytes(), 0, line.len()).count() <= 100_001);
        let line = "\"a\"x,".repeat(50_000);
        assert_eq!(fields(line.as_bytes(), 0, line.len()).count(), 50_001);
    }
}
