//! IP addresses as canonical text (RFC 5952 for IPv6, dotted quad without leading zeros).

use std::net::{IpAddr, Ipv6Addr};

/// The canonical form of an IP address written in `b`.
pub enum CanonIp {
    /// `b` is already canonical: keep a view of it.
    AsIs,
    /// `b` is an IP address but not in canonical form (upper case, zeros not compressed, ...).
    Rewritten(String),
}

/// Parse a dotted-quad IPv4 without leading zeros; true if `b` is one (and so canonical).
#[inline]
fn is_canonical_v4(b: &[u8]) -> bool {
    let mut parts = 0;
    let mut val = 0u32;
    let mut len = 0;
    for &c in b {
        if c == b'.' {
            if len == 0 || parts == 3 {
                return false;
            }
            parts += 1;
            val = 0;
            len = 0;
        } else if c.is_ascii_digit() {
            if len > 0 && val == 0 {
                return false; // leading zero
            }
            val = val * 10 + u32::from(c - b'0');
            len += 1;
            if val > 255 {
                return false;
            }
        } else {
            return false;
        }
    }
    parts == 3 && len > 0
}

/// Check whether `b` is an IP address and how to write it canonically.
pub fn canonical(b: &[u8]) -> Option<CanonIp> {
    if b.is_empty() || b.len() > 45 {
        return None;
    }
    if is_canonical_v4(b) {
        return Some(CanonIp::AsIs);
    }
    if !b.contains(&b':') {
        return None; // IPv4 with leading zeros is ambiguous (octal?): not an address here
    }
    let s = std::str::from_utf8(b).ok()?;
    let s = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(s);
    let v6: Ipv6Addr = s.parse().ok()?;
    let text = IpAddr::V6(v6).to_string();
    if text.as_bytes() == b {
        Some(CanonIp::AsIs)
    } else {
        Some(CanonIp::Rewritten(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> Option<String> {
        canonical(s.as_bytes()).map(|c| match c {
            CanonIp::AsIs => s.to_string(),
            CanonIp::Rewritten(t) => t,
        })
    }

    #[test]
    fn ipv4() {
        assert_eq!(canon("203.0.113.5").as_deref(), Some("203.0.113.5"));
        assert_eq!(canon("0.0.0.0").as_deref(), Some("0.0.0.0"));
        assert_eq!(canon("010.0.0.1"), None);
        assert_eq!(canon("256.0.0.1"), None);
        assert_eq!(canon("1.2.3"), None);
        assert_eq!(canon("1.2.3.4."), None);
        assert_eq!(canon("mail.example.org"), None);
    }

    #[test]
    fn ipv6() {
        assert_eq!(canon("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(canon("2001:DB8:0:0:0:0:0:1").as_deref(), Some("2001:db8::1"));
        assert_eq!(canon("[2001:db8::1]").as_deref(), Some("2001:db8::1"));
        assert_eq!(canon("::ffff:192.0.2.1").as_deref(), Some("::ffff:192.0.2.1"));
        assert_eq!(canon("2001:db8::1::2"), None);
    }
}
