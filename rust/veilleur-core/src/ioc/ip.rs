//! IP addresses and CIDRs as sorted, disjoint ranges. Every address space boundary of every
//! range splits the space into segments; each segment lists the indicators covering it, so
//! nested networks (a /22, one of its /24s, an address inside) all report. IPv4 lives in its
//! own `u32` table with a 64k-entry index on the top 16 bits; each index entry also has a
//! bit per /21 block of its /16 that any indicator covers, so most addresses (no indicator
//! near them) are rejected by that one entry, which the matcher prefetches;
//! IPv6 ranges inside `::ffff:0:0/96` (IPv4-mapped) are also entered in the IPv4 table,
//! and IPv4-mapped addresses in the data are looked up there. A wider IPv6 range that merely
//! contains the mapped range (`::/8`, `::/0` of bogon lists) matches IPv6 addresses only: an
//! IPv4 address (or an IPv4-mapped IPv6 one, read as its IPv4 address) is matched by IPv4
//! indicators and IPv4-mapped IPv6 ones alone.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Segments: `starts[i]..starts[i+1]` is covered by `ids[offsets[i]..offsets[i+1]]`.
struct Segments<T> {
    starts: Vec<T>,
    offsets: Vec<u32>,
    ids: Vec<u32>,
}

impl<T: Copy + Ord> Segments<T> {
    /// Sweep over range ends. `ranges` are inclusive `(lo, hi, id)`; `next(hi)` is `hi + 1`
    /// or `None` at the top of the space.
    fn build(mut ranges: Vec<(T, T, u32)>, zero: T, next: impl Fn(T) -> Option<T>) -> Self {
        // events: (position, is_start, id); ends sort before starts at the same position
        let mut ev: Vec<(T, bool, u32)> = Vec::with_capacity(ranges.len() * 2 + 1);
        ranges.sort_unstable();
        ranges.dedup();
        for &(lo, hi, id) in &ranges {
            ev.push((lo, true, id));
            if let Some(n) = next(hi) {
                ev.push((n, false, id));
            }
        }
        ev.sort_unstable();
        let mut starts = vec![zero];
        let mut offsets = vec![0u32];
        let mut ids = Vec::new();
        let mut active: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < ev.len() {
            let pos = ev[i].0;
            while i < ev.len() && ev[i].0 == pos {
                let (_, start, id) = ev[i];
                if start {
                    active.push(id);
                } else if let Some(k) = active.iter().position(|&a| a == id) {
                    active.swap_remove(k);
                }
                i += 1;
            }
            if *starts.last().expect("non-empty") == pos {
                // replace the (empty) segment starting at the same position
                ids.truncate(*offsets.last().expect("non-empty") as usize);
                offsets.pop();
                starts.pop();
            }
            offsets.push(ids.len() as u32);
            starts.push(pos);
            let mut sorted = active.clone();
            sorted.sort_unstable();
            ids.extend_from_slice(&sorted);
        }
        offsets.push(ids.len() as u32);
        Segments { starts, offsets, ids }
    }

    #[inline]
    fn ids_in(&self, seg: usize) -> &[u32] {
        &self.ids[self.offsets[seg] as usize..self.offsets[seg + 1] as usize]
    }

    fn seg_of(&self, x: T, lo: usize, hi: usize) -> usize {
        // last segment in lo..=hi whose start <= x
        lo + self.starts[lo..=hi].partition_point(|&s| s <= x) - 1
    }
}

/// One /16 of the IPv4 index.
#[derive(Clone, Copy, Default)]
struct Slash16 {
    /// the segment containing the /16's first address
    seg: u32,
    /// bit `b` set: some indicator covers an address of the /21 block `b` of this /16
    blocks: u32,
}

/// The IP/CIDR matcher.
pub struct IpTable {
    v4: Segments<u32>,
    /// `v4_index[k]` for the /16 `k`, k in 0..=65536 (the last one holds the final segment).
    v4_index: Vec<Slash16>,
    v6: Segments<u128>,
    len: usize,
}

const MAPPED_LO: u128 = 0xffff_0000_0000;
const MAPPED_HI: u128 = 0xffff_ffff_ffff;

impl IpTable {
    /// `entries`: (network address, prefix length, indicator id); an address is a /32 or /128.
    pub fn new(entries: &[(IpAddr, u8, u32)]) -> Self {
        let mut r4 = Vec::new();
        let mut r6 = Vec::new();
        for &(ip, len, id) in entries {
            match ip {
                IpAddr::V4(a) => {
                    let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) };
                    let lo = u32::from(a) & mask;
                    r4.push((lo, lo | !mask, id));
                }
                IpAddr::V6(a) => {
                    let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len.min(128))) };
                    let lo = u128::from(a) & mask;
                    let hi = lo | !mask;
                    r6.push((lo, hi, id));
                    if MAPPED_LO <= lo && hi <= MAPPED_HI {
                        r4.push(((lo & 0xffff_ffff) as u32, (hi & 0xffff_ffff) as u32, id));
                    }
                }
            }
        }
        let v4 = Segments::build(r4, 0u32, |h: u32| h.checked_add(1));
        let v6 = Segments::build(r6, 0u128, |h: u128| h.checked_add(1));
        let v4_index = Self::index(&v4);
        IpTable { v4, v4_index, v6, len: entries.len() }
    }

    /// The /16 index of the IPv4 segments, with the blocks covered by non-empty segments.
    fn index(v4: &Segments<u32>) -> Vec<Slash16> {
        let last = v4.starts.len() - 1;
        let mut index: Vec<Slash16> = (0..=65536u64)
            .map(|k| {
                let x = if k == 65536 { u32::MAX } else { (k << 16) as u32 };
                Slash16 { seg: v4.seg_of(x, 0, last) as u32, blocks: 0 }
            })
            .collect();
        for seg in 0..=last {
            if v4.ids_in(seg).is_empty() {
                continue;
            }
            let lo = v4.starts[seg];
            let hi = v4.starts.get(seg + 1).map_or(u32::MAX, |&n| n - 1);
            // every /21 block from lo's to hi's (a /8 covers 2^13 of them: a plain loop)
            for block in (lo >> 11)..=(hi >> 11) {
                index[(block >> 5) as usize].blocks |= 1 << (block & 31);
            }
        }
        index
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Indicators covering an IPv4 address (sorted ids).
    #[inline(always)]
    pub fn lookup_v4(&self, a: u32) -> &[u32] {
        let k = (a >> 16) as usize;
        let e = self.v4_index[k];
        if e.blocks & (1 << ((a >> 11) & 31)) == 0 {
            return &[];
        }
        let lo = e.seg as usize;
        let hi = self.v4_index[k + 1].seg as usize;
        let seg = if lo == hi { lo } else { self.v4.seg_of(a, lo, hi) };
        self.v4.ids_in(seg)
    }

    /// Hint the cache about the index entry `lookup_v4(a)` will read first.
    #[inline]
    pub fn prefetch_v4(&self, a: u32) {
        prefetch(&self.v4_index[(a >> 16) as usize]);
    }

    /// Indicators covering an IPv6 address (IPv4-mapped ones are looked up as IPv4).
    pub fn lookup_v6(&self, a: Ipv6Addr) -> &[u32] {
        if let Some(v4) = a.to_ipv4_mapped() {
            return self.lookup_v4(u32::from(v4));
        }
        let x = u128::from(a);
        let seg = self.v6.seg_of(x, 0, self.v6.starts.len() - 1);
        self.v6.ids_in(seg)
    }

    pub fn lookup(&self, ip: IpAddr) -> &[u32] {
        match ip {
            IpAddr::V4(a) => self.lookup_v4(u32::from(a)),
            IpAddr::V6(a) => self.lookup_v6(a),
        }
    }
}

/// 0x80 in each byte of `w` (all < 0x80 or not) equal to `c`, exactly.
#[inline]
pub(super) fn eq_bytes(w: u64, c: u8) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ (u64::from(c) * 0x0101_0101_0101_0101);
    !(((x & LO7) + LO7) | x | LO7)
}

/// Ask the CPU to bring `x`'s cache line in; lookups of a batch of rows then overlap their
/// cache misses instead of waiting for each in turn.
#[inline(always)]
pub(super) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults and reads nothing observable.
    #[allow(unused_unsafe)]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>((x as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// The bytes of `b` (7 to 15 of them) as a little-endian u128 split in two words, zero above
/// `b.len()`, read without a variable-length copy and without reading outside `b`.
#[inline(always)]
pub(super) fn load_7_to_15(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    debug_assert!((7..=15).contains(&n));
    let rd8 = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    if n >= 8 {
        (rd8(0), rd8(n - 8).checked_shr(8 * (16 - n as u32)).unwrap_or(0))
    } else {
        let rd4 = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes")));
        (rd4(0) | rd4(3) << 24, 0)
    }
}

/// A dotted-quad IPv4 without leading zeros, the whole of `b` (what `std` accepts), as a
/// number. The text is checked by [`crate::ip::is_canonical_v4`] (byte classes as masks, no
/// branch per byte); only an address gets its octets summed. The matcher reads the cells of
/// IP columns with [`super::v4_ssse3::parse_v4`] where the CPU has SSSE3.
#[inline]
pub fn parse_v4(b: &[u8]) -> Option<u32> {
    if !crate::ip::is_canonical_v4(b) {
        return None;
    }
    let (mut value, mut octet) = (0u32, 0u32);
    for &c in b {
        if c == b'.' {
            (value, octet) = (value << 8 | octet, 0);
        } else {
            octet = octet * 10 + u32::from(c - b'0');
        }
    }
    Some(value << 8 | octet)
}

/// An IP address, the whole of `b` (IPv6 optionally in brackets).
#[inline]
pub fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    if let Some(a) = parse_v4(b) {
        return Some(IpAddr::V4(Ipv4Addr::from(a)));
    }
    if b.len() < 2 || b.len() > 47 || !b.contains(&b':') {
        return None;
    }
    let s = std::str::from_utf8(b).ok()?;
    let s = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(s);
    s.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(entries: &[(&str, u8)]) -> IpTable {
        let e: Vec<_> = entries.iter().enumerate().map(|(i, (a, l))| (a.parse().unwrap(), *l, i as u32)).collect();
        IpTable::new(&e)
    }

    /// `b` parses to `want` with the portable parser and, where the CPU has it, the SSSE3 one.
    fn check(b: &[u8], want: Option<u32>) {
        assert_eq!(parse_v4(b), want, "{:?}", String::from_utf8_lossy(b));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3 (checked just above)
            assert_eq!(unsafe { super::super::v4_ssse3::parse_v4(b) }, want, "ssse3: {:?}", String::from_utf8_lossy(b));
        }
    }

    fn look(t: &IpTable, s: &str) -> Vec<u32> {
        t.lookup(parse_ip(s.as_bytes()).unwrap()).to_vec()
    }

    #[test]
    fn exact_not_prefix_text() {
        let tb = t(&[("10.0.0.13", 32)]);
        assert_eq!(look(&tb, "10.0.0.13"), vec![0]);
        assert!(look(&tb, "10.0.0.130").is_empty());
        assert!(look(&tb, "10.0.0.12").is_empty());
        assert!(look(&tb, "10.0.0.14").is_empty());
    }

    #[test]
    fn slash22_and_nesting() {
        let tb = t(&[("198.51.100.0", 22), ("198.51.101.0", 24), ("198.51.101.7", 32)]);
        for s in ["198.51.100.0", "198.51.100.255", "198.51.102.9", "198.51.103.255"] {
            assert_eq!(look(&tb, s), vec![0], "{s}");
        }
        assert_eq!(look(&tb, "198.51.101.6"), vec![0, 1]);
        assert_eq!(look(&tb, "198.51.101.7"), vec![0, 1, 2]);
        assert!(look(&tb, "198.51.99.255").is_empty());
        assert!(look(&tb, "198.51.104.0").is_empty());
    }

    #[test]
    fn extremes_and_v6() {
        let tb = t(&[("0.0.0.0", 0), ("2001:db8::", 32), ("::ffff:192.0.2.0", 120), ("255.255.255.255", 32)]);
        assert_eq!(look(&tb, "1.2.3.4"), vec![0]);
        assert_eq!(look(&tb, "255.255.255.255"), vec![0, 3]);
        assert_eq!(look(&tb, "192.0.2.9"), vec![0, 2]);
        assert_eq!(look(&tb, "::ffff:192.0.2.9"), vec![0, 2]);
        assert_eq!(look(&tb, "2001:db8:ffff::1"), vec![1]);
        assert_eq!(look(&tb, "2001:0DB8::1"), vec![1]);
        assert!(look(&tb, "2001:db9::").is_empty());
        // IPv6 networks wider than the IPv4-mapped /96 match IPv6 addresses only
        let wide = t(&[("::", 0), ("::", 8), ("::ffff:0:0", 95), ("::ffff:0:0", 96), ("::ffff:203.0.113.0", 120)]);
        assert_eq!(look(&wide, "8.8.8.8"), vec![3]);
        assert_eq!(look(&wide, "::ffff:8.8.8.8"), vec![3]);
        assert_eq!(look(&wide, "203.0.113.7"), vec![3, 4]);
        assert_eq!(look(&wide, "::FFFF:203.0.113.7"), vec![3, 4]);
        assert_eq!(look(&wide, "::1"), vec![0, 1]);
        assert_eq!(look(&wide, "::fffe:0:1"), vec![0, 1, 2]);
        assert_eq!(look(&wide, "2001:db8::1"), vec![0]);
        let empty = t(&[]);
        assert!(look(&empty, "8.8.8.8").is_empty());
        assert!(look(&empty, "::1").is_empty());
    }

    #[test]
    fn v4_parser_agrees_with_std() {
        let mut rng = crate::test_rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"0123456789.0125.";
        for _ in 0..300_000 {
            let x = rng.next();
            let len = 7 + (x % 9) as usize;
            let s: Vec<u8> = (0..len).map(|i| alphabet[((x >> (4 * i + 3)) & 15) as usize]).collect();
            let text = std::str::from_utf8(&s).unwrap();
            let std = text.parse::<Ipv4Addr>().ok().map(u32::from);
            check(&s, std);
        }
        // every layout of octet lengths, through random addresses (their bytes also random)
        let random = (0..200_000).map(|_| {
            let x = rng.next();
            (x as u32) >> (((x >> 32) & 7) * 3) // shifts make short octets as common as long ones
        });
        for a in [0u32, 1, 0x0a00_0001, 0xffff_ffff, 0x6464_6464, 0x0909_0909].into_iter().chain(random) {
            let t = Ipv4Addr::from(a).to_string();
            check(t.as_bytes(), Some(a));
        }
    }

    /// What `std` says of `b` (non-UTF-8 is not an address).
    fn std_v4(b: &[u8]) -> Option<u32> {
        std::str::from_utf8(b).ok()?.parse::<Ipv4Addr>().ok().map(u32::from)
    }

    #[test]
    fn v4_parser_tricky_inputs_agree_with_std() {
        for s in [
            "1.2.3.4",
            "01.2.3.4",
            "1.02.3.4",
            "1.2.003.4",
            "1.2.3.0",
            "0.0.0.0",
            "00.0.0.0",
            "1.2.3.4.5",
            "1.2.3.4.",
            ".1.2.3.4",
            "256.1.1.1",
            "1.256.1.1",
            "1.1.1.256",
            "999.1.1.1",
            "1..2.3",
            "1.2..3",
            "1.2.3.",
            "...1",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.4/",
            "1.2.3.4:",
            "1.2.3.4x",
            "1.2.3.1234",
            "1234.1.1.1",
            "1.2.3.-4",
            "1.2.3.+4",
            "1,2.3.4",
            "1.2.3.4\0",
            "1.2.3.4\n",
            "255.255.255.255",
            "255.255.255.2555",
            "12.34.56.789",
            "1.2.3",
            "1.2.3.4.5.6.7",
            "",
            "1",
            "1.2.3.4.",
            "1.2.3.٤",
            "1.2.3.４",
            "१.2.3.4",
            "1.2.3.4\u{0}",
        ] {
            check(s.as_bytes(), std_v4(s.as_bytes()));
        }
        // bytes next to the digits and the dot, and with the high bit set (as SWAR tricks
        // could confuse them): random strings of them, every length around 7..=15
        let alphabet = b"0123456789.:/-\x20\xb0\xae\xb9\x7f\x00\x2f\x3a12.9";
        let mut rng = crate::test_rng::Rng::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..300_000 {
            let x = rng.next();
            let len = 5 + (x % 13) as usize;
            let s: Vec<u8> = (0..len).map(|i| alphabet[((x >> (3 * i + 4)) % alphabet.len() as u64) as usize]).collect();
            check(&s, std_v4(&s));
        }
        // every octet value in every position, and neighbours of the limits
        for v in 0..=300u32 {
            for pos in 0..4 {
                let mut parts = ["7", "77", "177", "0"].map(String::from);
                parts[pos] = v.to_string();
                let t = parts.join(".");
                check(t.as_bytes(), std_v4(t.as_bytes()));
            }
        }
    }

    #[test]
    fn v4_parser() {
        check(b"1.2.3.4", Some(0x01020304));
        check(b"255.255.255.255", Some(u32::MAX));
        check(b"10.0.0.0", Some(0x0a000000));
        check(b"0.0.0.0", Some(0));
        check(b"100.200.250.199", Some(0x64c8fac7));
        for bad in [
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1..2.3",
            "1.2.3.4 ",
            "a.b.c.d",
            "1.2.3.00",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.4/",
            "1:2.3.4.5",
        ] {
            check(bad.as_bytes(), None);
        }
    }
}
