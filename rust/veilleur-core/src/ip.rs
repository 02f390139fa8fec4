//! IP addresses as canonical text (RFC 5952 for IPv6, dotted quad without leading zeros).

use std::net::{IpAddr, Ipv6Addr};

use crate::simd::Bytes16;

/// The canonical form of an IP address written in `b`.
pub enum CanonIp {
    /// `b` is already canonical: keep a view of it.
    AsIs,
    /// `b` is an IP address but not in canonical form (upper case, zeros not compressed, ...).
    Rewritten(String),
}

/// Whether `b` is a dotted quad without leading zeros (and so canonical). No loop over the
/// bytes with a branch each (where the dots fall varies from address to address): the bytes
/// are read in one go (two overlapping loads into a register: a store to a buffer and a
/// 16-byte reload would stall), byte classes become bit masks (bit `i` for byte `i`) and the
/// rules are checked on the masks:
/// - only dots and digits, exactly three dots, none first or last, no two adjacent;
/// - no run of four digits (octets have 1 to 3);
/// - no `0` starting an octet followed by another digit (leading zero);
/// - no three-digit octet above `255`: its first digit above `2`, or `2` then a digit above
///   `5`, or `25` then a digit above `5`.
#[inline]
pub(crate) fn is_canonical_v4(b: &[u8]) -> bool {
    let n = b.len();
    if !(7..=15).contains(&n) {
        return false;
    }
    let m = classes(Bytes16::load_prefix(b));
    let all = (1u32 << n) - 1;
    let after1 = m.dots & m.dots.wrapping_sub(1);
    let after2 = after1 & after1.wrapping_sub(1);
    let three_dots = after2 != 0 && after2 & after2.wrapping_sub(1) == 0;
    let ends = 1 | (1 << (n - 1));
    let dots_ok = three_dots && m.dots & ends == 0 && m.dots & (m.dots >> 1) == 0;
    let d = m.digits;
    let four_digits = d & (d >> 1) & (d >> 2) & (d >> 3);
    let starts = ((m.dots << 1) | 1) & all;
    let leading_zero = m.zeros & starts & (d >> 1);
    let three = d & (d >> 1) & (d >> 2); // the starts of three-digit octets
    let over = three & (m.gt2 | (m.eq2 & ((m.gt5 >> 1) | ((m.eq5 >> 1) & (m.gt5 >> 2)))));
    m.dots | d == all && dots_ok && four_digits == 0 && leading_zero == 0 && over == 0
}

/// Byte classes of 16 bytes, as masks (bit `i` for byte `i`).
struct Classes {
    dots: u32,
    digits: u32,
    zeros: u32,
    eq2: u32,
    eq5: u32,
    /// Digits above 2 and above 5 (only read where there are digits).
    gt2: u32,
    gt5: u32,
}

#[inline(always)]
fn classes(v: Bytes16) -> Classes {
    Classes {
        dots: v.eq(b'.'),
        digits: v.in_range(b'0', b'9'),
        zeros: v.eq(b'0'),
        eq2: v.eq(b'2'),
        eq5: v.eq(b'5'),
        gt2: v.in_range(b'3', b'9'),
        gt5: v.in_range(b'6', b'9'),
    }
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

    /// The byte loop the mask version replaced: the reference.
    fn v4_by_bytes(b: &[u8]) -> bool {
        let (mut parts, mut val, mut len) = (0, 0u32, 0);
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
                    return false;
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

    #[test]
    fn ipv4_masks_match_bytes() {
        let mut rng = crate::test_rng::Rng::new(0x2545_F491_4F6C_DD1D);
        const BYTES: &[u8] = b"0123456789..25:a";
        let mut hits = 0;
        for _ in 0..300_000 {
            let n = rng.below(18);
            let mut b: Vec<u8> = (0..n).map(|_| BYTES[rng.below(BYTES.len() as u64)]).collect();
            if rng.below(2) == 0 {
                // mostly-valid addresses: octets of 1 to 3 digits
                let o: Vec<String> =
                    (0..4).map(|_| format!("{}", [rng.below(10), rng.below(100), rng.below(300), rng.below(1000)][rng.below(4)])).collect();
                b = o.join(".").into_bytes();
                if rng.below(4) == 0 {
                    let i = rng.below(b.len() as u64);
                    b[i] = BYTES[rng.below(BYTES.len() as u64)];
                }
            }
            assert_eq!(is_canonical_v4(&b), v4_by_bytes(&b), "{}", String::from_utf8_lossy(&b));
            hits += usize::from(v4_by_bytes(&b));
        }
        assert!(hits > 40_000, "{hits}");
        for t in ["0.0.0.0", "255.255.255.255", "1.2.3.4", "256.1.1.1", "1.2.3.04", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3."] {
            assert_eq!(is_canonical_v4(t.as_bytes()), v4_by_bytes(t.as_bytes()), "{t}");
        }
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
