//! Domain suffixes on label boundaries: a hash table keyed by a hash computed label by label
//! from the right (the "reversed-label" order), so one right-to-left pass over a host probes
//! `com`, `evil.com`, `a.evil.com`, ... with an incrementally extended hash and no copy.
//! Comparison is ASCII case-insensitive; a trailing dot on the host is ignored.

use super::ip::prefetch;

const K: u64 = 0x9E37_79B9_7F4A_7C15;
const TAG: u64 = 0xffff_ffff_0000_0000;

/// ASCII lower-case of the 8 bytes of `w` (bytes ≥ 0x80 untouched).
#[inline]
fn lower8(w: u64) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HI: u64 = 0x8080_8080_8080_8080;
    let h7 = w & LO7;
    let ge_a = h7 + 0x3f3f_3f3f_3f3f_3f3f; // high bit set where byte >= 'A'
    let gt_z = h7 + 0x2525_2525_2525_2525; // high bit set where byte > 'Z'
    let upper = ge_a & !gt_z & !w & HI;
    w | (upper >> 2)
}

/// The bytes `s[start..start + n]` (n ≤ 8) as a little-endian u64, zero-padded, reading
/// within `s` only.
#[inline]
fn load(s: &[u8], start: usize, n: usize) -> u64 {
    debug_assert!(n <= 8 && start + n <= s.len());
    if start + 8 <= s.len() {
        let w = u64::from_le_bytes(s[start..start + 8].try_into().expect("8 bytes"));
        if n == 8 { w } else { w & ((1u64 << (8 * n)) - 1) }
    } else if start + n >= 8 {
        let end = start + n;
        let w = u64::from_le_bytes(s[end - 8..end].try_into().expect("8 bytes"));
        w >> (8 * (8 - n))
    } else {
        let mut w = 0u64;
        for (i, &b) in s[start..start + n].iter().enumerate() {
            w |= u64::from(b) << (8 * i);
        }
        w
    }
}

/// Extend the hash of a suffix by the label `s[start..end]` to its left (8 bytes a step,
/// ASCII case folded).
#[inline]
fn mix_label(mut h: u64, s: &[u8], start: usize, end: usize) -> u64 {
    let mut i = start;
    while i < end {
        let n = (end - i).min(8);
        h = (h ^ lower8(load(s, i, n))).wrapping_mul(K).rotate_left(29);
        i += n;
    }
    (h ^ ((end - start) as u64) << 1 ^ 1).wrapping_mul(K)
}

struct Entry {
    hash: u64,
    name: Box<[u8]>,
    ids: Vec<u32>,
}

/// Domain-suffix matcher.
pub struct DomainTable {
    /// 0 = empty, else `(hash >> 32) << 32 | (entry index + 1)`: a miss is decided on the
    /// slot alone, without touching the entry.
    slots: Vec<u64>,
    mask: usize,
    entries: Vec<Entry>,
    max_labels: usize,
    /// bit `k - 1` set: some indicator has `k` labels (bit 63: 64 or more); suffixes of
    /// other lengths are not probed (e.g. the TLD alone, when no indicator is a bare TLD)
    label_counts: u64,
}

/// The bit of [`DomainTable::label_counts`] for names of `labels` labels (≥ 1).
#[inline]
fn label_bit(labels: usize) -> u64 {
    1 << (labels.clamp(1, 64) - 1)
}

fn hash_name(name: &[u8]) -> u64 {
    let mut h = K;
    let mut end = name.len();
    loop {
        let start = name[..end].iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
        h = mix_label(h, name, start, end);
        if start == 0 {
            return h;
        }
        end = start - 1;
    }
}

impl DomainTable {
    /// `entries`: (normalised domain, indicator id).
    pub fn new(entries: &[(&str, u32)]) -> Self {
        let cap = (entries.len() * 2).next_power_of_two().max(16);
        let mut t = DomainTable { slots: vec![0; cap], mask: cap - 1, entries: Vec::new(), max_labels: 0, label_counts: 0 };
        for &(name, id) in entries {
            let name = name.as_bytes();
            let labels = name.split(|&b| b == b'.').count();
            t.max_labels = t.max_labels.max(labels);
            t.label_counts |= label_bit(labels);
            let hash = hash_name(name);
            let mut s = (hash as usize) & t.mask;
            loop {
                match t.slots[s] {
                    0 => {
                        t.entries.push(Entry { hash, name: name.into(), ids: vec![id] });
                        t.slots[s] = (hash & TAG) | t.entries.len() as u64;
                        break;
                    }
                    e => {
                        let en = &mut t.entries[(e & !TAG) as usize - 1];
                        if en.hash == hash && &*en.name == name {
                            en.ids.push(id);
                            break;
                        }
                    }
                }
                s = (s + 1) & t.mask;
            }
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The indicators of the suffix `name` whose hash (as [`Self::for_each_candidate`] gives
    /// it) is `hash`.
    #[inline]
    pub fn probe(&self, hash: u64, name: &[u8]) -> Option<&[u32]> {
        let mut s = (hash as usize) & self.mask;
        loop {
            match self.slots[s] {
                0 => return None,
                e => {
                    if (e ^ hash) & TAG != 0 {
                        s = (s + 1) & self.mask;
                        continue;
                    }
                    let en = &self.entries[(e & !TAG) as usize - 1];
                    if en.hash == hash && en.name.eq_ignore_ascii_case(name) {
                        return Some(&en.ids);
                    }
                }
            }
            s = (s + 1) & self.mask;
        }
    }

    /// Hint the cache about the slot [`Self::probe`] reads first for `hash`: the probes of a
    /// batch of rows then overlap their cache misses.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        prefetch(&self.slots[(hash as usize) & self.mask]);
    }

    /// Call `f(hash, suffix)` for every suffix of `host` on a label boundary that could be an
    /// indicator (some indicator has its number of labels), from the shortest: what
    /// [`Self::probe`] is to be asked. `host` is a bare host name (no port, no scheme); a
    /// trailing dot is ignored, an empty label ends the walk.
    #[inline]
    pub fn for_each_candidate<'h>(&self, host: &'h [u8], mut f: impl FnMut(u64, &'h [u8])) {
        if self.entries.is_empty() {
            return;
        }
        let host = host.strip_suffix(b".").unwrap_or(host);
        let mut h = K;
        let mut end = host.len();
        let mut labels = 0;
        while labels < self.max_labels {
            let mut start = end;
            while start > 0 && host[start - 1] != b'.' {
                start -= 1;
            }
            if start == end {
                return; // empty label: not a host name
            }
            h = mix_label(h, host, start, end);
            labels += 1;
            if self.label_counts & label_bit(labels) != 0 {
                f(h, &host[start..]);
            }
            if start == 0 {
                return;
            }
            end = start - 1;
        }
    }

    /// Call `f(ids, suffix)` for every indicator domain that `host` equals or is a subdomain
    /// of (label boundaries only). `host` is a bare host name (no port, no scheme).
    #[inline]
    pub fn for_each_match(&self, host: &[u8], mut f: impl FnMut(&[u32], &[u8])) {
        self.for_each_candidate(host, |h, suffix| {
            if let Some(ids) = self.probe(h, suffix) {
                f(ids, suffix);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(t: &DomainTable, host: &str) -> Vec<u32> {
        let mut v = Vec::new();
        t.for_each_match(host.as_bytes(), |ids, _| v.extend_from_slice(ids));
        v.sort_unstable();
        v
    }

    #[test]
    fn suffix_on_labels() {
        let t = DomainTable::new(&[("evil.com", 0), ("b.evil.com", 1), ("xn--e1afmkfd.xn--p1ai", 2)]);
        assert_eq!(hits(&t, "evil.com"), vec![0]);
        assert_eq!(hits(&t, "a.b.evil.com"), vec![0, 1]);
        assert_eq!(hits(&t, "A.B.EVIL.COM."), vec![0, 1]);
        assert_eq!(hits(&t, "www.xn--e1afmkfd.xn--p1ai"), vec![2]);
        for miss in ["myevil.com", "evil.com.cdn.net", "evil.co", "com", "evil.comm", "", ".", "x..evil.org", "vil.com"] {
            assert!(hits(&t, miss).is_empty(), "{miss}");
        }
    }

    #[test]
    fn word_loads_and_case() {
        assert_eq!(lower8(u64::from_le_bytes(*b"AbZ@[z\xc3\x80")), u64::from_le_bytes(*b"abz@[z\xc3\x80"));
        let s = b"0123456789";
        assert_eq!(load(s, 0, 3), u64::from_le_bytes(*b"012\0\0\0\0\0"));
        assert_eq!(load(s, 7, 3), u64::from_le_bytes(*b"789\0\0\0\0\0"));
        assert_eq!(load(&s[..5], 1, 4), u64::from_le_bytes(*b"1234\0\0\0\0"));
        let long = "a-very-long-label-of-more-than-eight-bytes.Example-Domain.COM";
        let t = DomainTable::new(&[("example-domain.com", 0), (&long.to_ascii_lowercase(), 1)]);
        assert_eq!(hits(&t, long), vec![0, 1]);
        assert_eq!(hits(&t, "x.EXAMPLE-DOMAIN.com"), vec![0]);
        assert!(hits(&t, "example-domain.co").is_empty());
    }

    #[test]
    fn deep_names_stop_early() {
        let t = DomainTable::new(&[("evil.com", 0)]);
        assert!(hits(&t, "a.b.c.d.e.f.g.h.example.org").is_empty());
        assert_eq!(hits(&t, "a.b.c.d.e.f.g.h.evil.com"), vec![0]);
    }
}
