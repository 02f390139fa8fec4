//! Domain suffixes on label boundaries: a hash table keyed by a hash of the name read in
//! 8-byte words from its right end, so one right-to-left pass over a host, a word at a time,
//! gives the hashes of `com`, `evil.com`, `a.evil.com`, ... (each extends the words folded so
//! far with its own leftmost, partial word) with no copy and no byte-by-byte scan.
//! Comparison is ASCII case-insensitive; a trailing dot on the host is ignored.

use super::ip::{eq_bytes, prefetch};

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
        if n == 8 {
            w
        } else {
            w & ((1u64 << (8 * n)) - 1)
        }
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

/// The 8 bytes of `s` that end at `end` as a little-endian word, ASCII lower-cased; bytes
/// before the start of `s` read as zero.
#[inline]
fn word_ending(s: &[u8], end: usize) -> u64 {
    lower8(if end >= 8 { load(s, end - 8, 8) } else { load(s, 0, end) << (8 * (8 - end)) })
}

/// Fold a whole word of a suffix into its hash.
#[inline]
fn mix(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K).rotate_left(29)
}

/// The hash of a suffix of `len` bytes: `h` (its whole words, from the right) with its
/// leftmost word `w` (the bytes before the suffix zeroed).
#[inline]
fn finish(h: u64, w: u64, len: usize) -> u64 {
    (mix(h, w) ^ (len as u64) << 1 ^ 1).wrapping_mul(K)
}

/// The hash of a name (lower-cased, no trailing dot), as [`DomainTable::for_each_candidate`]
/// computes it for a suffix of a host.
fn hash_name(name: &[u8]) -> u64 {
    let mut h = K;
    let mut end = name.len();
    while end >= 8 {
        h = mix(h, word_ending(name, end));
        end -= 8;
    }
    finish(h, if end == 0 { 0 } else { word_ending(name, end) }, name.len())
}

#[derive(Clone, Copy)]
#[repr(align(32))]
struct Bucket([u64; 4]);

struct Entry {
    hash: u64,
    name: Box<[u8]>,
    ids: Vec<u32>,
}

/// Domain-suffix matcher.
pub struct DomainTable {
    /// Open addressing by buckets of four slots (one 32-byte line); a slot is 0 (empty) or
    /// `(hash >> 32) << 32 | (entry index + 1)`: a miss is decided on the bucket alone,
    /// without touching an entry.
    buckets: Vec<Bucket>,
    mask: usize,
    entries: Vec<Entry>,
    max_labels: usize,
    /// bit `k - 1` set: some indicator has `k` labels (bit 63: 64 or more); suffixes of
    /// other lengths are not probed (e.g. the TLD alone, when no indicator is a bare TLD)
    label_counts: u64,
    /// the hashes (low bit set) of the indicators' last labels, open addressing, at most a
    /// quarter full: a host whose last label is none of them (`html` of `index.html` in a
    /// URL, a TLD no indicator has) is not probed further. A few KB: stays in cache.
    tlds: Vec<u64>,
    /// A filter of the indicators' last `tail` bytes (`tail`: the shortest indicator's length,
    /// at most 8): bit [`Self::tail_bit`] of each is set. A host that ends with an indicator
    /// ends with its last `tail` bytes, so a host whose bit is clear (most hosts: the bitmap is
    /// at most 32 KB and about 1/7 full at 40k indicators) is left before its labels are read.
    tails: Vec<u64>,
    tail: usize,
    tail_shift: u32,
}

/// The bit of [`DomainTable::label_counts`] for names of `labels` labels (≥ 1).
#[inline]
fn label_bit(labels: usize) -> u64 {
    1 << (labels.clamp(1, 64) - 1)
}

impl DomainTable {
    /// `entries`: (normalised domain, indicator id).
    pub fn new(entries: &[(&str, u32)]) -> Self {
        let buckets = (entries.len() / 2).next_power_of_two().max(4); // at most half full
        let mut tld_hashes: Vec<u64> = entries.iter().map(|(n, _)| hash_name(n.rsplit('.').next().unwrap_or(n).as_bytes())).collect();
        tld_hashes.sort_unstable();
        tld_hashes.dedup();
        let tld_slots = (tld_hashes.len() * 4).next_power_of_two().max(8);
        let mut tlds = vec![0u64; tld_slots];
        for h in tld_hashes {
            let mut s = (h >> 40) as usize & (tld_slots - 1);
            while tlds[s] != 0 {
                s = (s + 1) & (tld_slots - 1);
            }
            tlds[s] = h | 1; // never 0 (an empty slot)
        }
        let tail_bits = (entries.len() * 8).next_power_of_two().clamp(1 << 12, 1 << 18);
        let mut t = DomainTable {
            buckets: vec![Bucket([0; 4]); buckets],
            mask: buckets - 1,
            entries: Vec::new(),
            max_labels: 0,
            label_counts: 0,
            tlds,
            tails: vec![0; tail_bits / 64],
            tail: entries.iter().map(|(n, _)| n.len()).min().unwrap_or(8).clamp(1, 8),
            tail_shift: 64 - tail_bits.trailing_zeros(),
        };
        for &(name, id) in entries {
            let name = name.as_bytes();
            let labels = name.split(|&b| b == b'.').count();
            t.max_labels = t.max_labels.max(labels);
            t.label_counts |= label_bit(labels);
            if name.len() >= t.tail {
                let bit = t.tail_bit(name);
                t.tails[bit / 64] |= 1 << (bit % 64);
            }
            let hash = hash_name(name);
            let mut b = (hash as usize) & t.mask;
            'find: loop {
                for k in 0..4 {
                    match t.buckets[b].0[k] {
                        0 => {
                            t.entries.push(Entry { hash, name: name.into(), ids: vec![id] });
                            t.buckets[b].0[k] = (hash & TAG) | t.entries.len() as u64;
                            break 'find;
                        }
                        e => {
                            let en = &mut t.entries[(e & !TAG) as usize - 1];
                            if en.hash == hash && &*en.name == name {
                                en.ids.push(id);
                                break 'find;
                            }
                        }
                    }
                }
                b = (b + 1) & t.mask;
            }
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The indicators of the suffix `name` whose hash (as [`Self::for_each_candidate`] gives
    /// it) is `hash`. The four slots of a bucket are compared without a branch each: a miss
    /// (almost every probe) costs one well-predicted branch.
    #[inline(always)]
    pub fn probe(&self, hash: u64, name: &[u8]) -> Option<&[u32]> {
        let mut b = (hash as usize) & self.mask;
        loop {
            let slots = &self.buckets[b].0;
            let same = |e: u64| u8::from(e != 0 && (e ^ hash) & TAG == 0);
            let mut found = same(slots[0]) | same(slots[1]) << 1 | same(slots[2]) << 2 | same(slots[3]) << 3;
            while found != 0 {
                let e = slots[found.trailing_zeros() as usize];
                found &= found - 1;
                let en = &self.entries[(e & !TAG) as usize - 1];
                if en.hash == hash && en.name.eq_ignore_ascii_case(name) {
                    return Some(&en.ids);
                }
            }
            if slots[3] == 0 {
                return None; // slots fill in order: a bucket with room ends the chain
            }
            b = (b + 1) & self.mask;
        }
    }

    /// The bit of [`Self::tails`] for a name of at least [`Self::tail`] bytes: a hash of its
    /// last `tail` bytes, ASCII lower-cased.
    #[inline(always)]
    fn tail_bit(&self, name: &[u8]) -> usize {
        let w = lower8(load(name, name.len() - self.tail, self.tail));
        (w.wrapping_mul(K) >> self.tail_shift) as usize
    }

    /// Whether `host` (no trailing dot) may end with some indicator: it is not shorter than
    /// them all, and its last bytes are those of one (see [`Self::tails`]).
    #[inline(always)]
    fn may_end(&self, host: &[u8]) -> bool {
        host.len() >= self.tail && {
            let bit = self.tail_bit(host);
            self.tails[bit / 64] >> (bit % 64) & 1 != 0
        }
    }

    /// Whether some indicator ends with the label whose hash (as a name) is `hash`.
    #[inline(always)]
    fn is_tld(&self, hash: u64) -> bool {
        let (mask, want) = (self.tlds.len() - 1, hash | 1);
        let mut s = (hash >> 40) as usize & mask;
        loop {
            match self.tlds[s] {
                0 => return false,
                e if e == want => return true,
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// Hint the cache about the bucket [`Self::probe`] reads first for `hash`: the probes of
    /// a batch of rows then overlap their cache misses.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        prefetch(&self.buckets[(hash as usize) & self.mask]);
    }

    /// Call `f(hash, suffix)` for every suffix of `host` on a label boundary that could be an
    /// indicator (some indicator has its number of labels), from the shortest: what
    /// [`Self::probe`] is to be asked. `host` is a bare host name (no port, no scheme); a
    /// trailing dot is ignored, an empty label ends the walk. `text`: `host` is a token of free
    /// text (as often a file name such as `index.html` as a host), left at its last label when
    /// no indicator ends with that label (a lookup in a small table: not worth it for the cells
    /// of a domain column, whose last labels are mostly those of indicators anyway).
    #[inline]
    pub fn for_each_candidate<'h>(&self, host: &'h [u8], text: bool, mut f: impl FnMut(u64, &'h [u8])) {
        if self.entries.is_empty() {
            return;
        }
        let host = host.strip_suffix(b".").unwrap_or(host);
        if !self.may_end(host) {
            return;
        }
        let n = host.len();
        let mut h = K; // the whole words right of the current one
        let mut end = n; // end of the current word
        let mut label_end = n; // end of the label being read
        let mut labels = 0;
        while end > 0 {
            let w = word_ending(host, end);
            let first = end.saturating_sub(8); // the word's first byte in `host`
                                               // dots of the word, from the right: each ends a label
            let mut dots = eq_bytes(w, b'.');
            while dots != 0 {
                let top = 63 - dots.leading_zeros() as usize; // bit 7 of the dot's byte
                dots &= !(1u64 << top);
                let start = end + top / 8 + 1 - 8; // the label after the dot (bytes before the host are no dots)
                if start == label_end {
                    return; // empty label: not a host name
                }
                labels += 1;
                if (text && labels == 1) || self.label_counts & label_bit(labels) != 0 {
                    // the word's bytes from `start` on (none when the dot is its last byte)
                    let before = start + 8 - end;
                    let kept = if before == 8 { 0 } else { w & (u64::MAX << (8 * before)) };
                    let hash = finish(h, kept, n - start);
                    if text && labels == 1 && !self.is_tld(hash) {
                        return;
                    }
                    if self.label_counts & label_bit(labels) != 0 {
                        f(hash, &host[start..]);
                    }
                }
                if labels == self.max_labels {
                    return;
                }
                label_end = start - 1;
            }
            if first == 0 {
                // the host's first label, the word's remaining bytes
                if label_end == 0 {
                    return;
                }
                labels += 1;
                if self.label_counts & label_bit(labels) != 0 {
                    // a whole first word is folded as hash_name folds it
                    let (h, w) = if end == 8 { (mix(h, w), 0) } else { (h, w) };
                    let hash = finish(h, w, n);
                    if !text || labels > 1 || self.is_tld(hash) {
                        f(hash, host);
                    }
                }
                return;
            }
            h = mix(h, w);
            end = first;
        }
    }

    /// Call `f(ids, suffix)` for every indicator domain that `host` equals or is a subdomain
    /// of (label boundaries only). `host` is a bare host name (no port, no scheme); `text` as
    /// for [`Self::for_each_candidate`].
    #[inline]
    pub fn for_each_match(&self, host: &[u8], text: bool, mut f: impl FnMut(&[u32], &[u8])) {
        self.for_each_candidate(host, text, |h, suffix| {
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
        t.for_each_match(host.as_bytes(), false, |ids, _| v.extend_from_slice(ids));
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

    /// The walk over a host gives, for each suffix on a label boundary, the hash of that suffix
    /// as a name: hosts of every length around the word size, dots everywhere.
    #[test]
    fn walk_hashes_are_name_hashes() {
        let mut rng = crate::test_rng::Rng::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..20_000 {
            let x = rng.next();
            let len = 1 + (x % 40) as usize;
            let host: Vec<u8> = (0..len).map(|i| b"ab.cD-9.xyz.Q"[((x >> (i % 60)) as usize + i) % 13]).collect();
            // a table knowing the host's last label, probing every label count
            let trimmed = host.strip_suffix(b".").unwrap_or(&host);
            let tld = String::from_utf8(trimmed.rsplit(|&b| b == b'.').next().unwrap_or_default().to_ascii_lowercase()).unwrap();
            let mut all = DomainTable::new(&[(&tld, 0)]);
            (all.label_counts, all.max_labels) = (u64::MAX, 64);
            let mut got = Vec::new();
            all.for_each_candidate(&host, true, |h, suffix| got.push((h, suffix.to_vec())));
            // what the walk must give: every suffix on a label boundary, shortest first, until an empty label
            let mut want = Vec::new();
            let mut end = trimmed.len();
            loop {
                let start = trimmed[..end].iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
                if start == end {
                    break;
                }
                let suffix = &trimmed[start..];
                want.push((hash_name(&suffix.to_ascii_lowercase()), suffix.to_vec()));
                if start == 0 {
                    break;
                }
                end = start - 1;
            }
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&host));
        }
    }

    #[test]
    fn last_label_filter() {
        let t = DomainTable::new(&[("evil.com", 0), ("bad.example.ru", 1)]);
        let mut probed = Vec::new();
        for host in ["index.html", "a.b.evil.org", "evil.com", "x.example.RU", "com", "localhost"] {
            t.for_each_candidate(host.as_bytes(), true, |_, suffix| probed.push(String::from_utf8_lossy(suffix).into_owned()));
        }
        // only hosts ending with a label some indicator ends with get past their last label
        assert_eq!(probed, vec!["evil.com", "example.RU", "x.example.RU"]);
    }

    #[test]
    fn tail_filter_keeps_every_host_that_ends_with_an_indicator() {
        // the shortest indicator sets the filter's width (here 4 bytes: x.io)
        let t = DomainTable::new(&[("x.io", 0), ("evil-domain.com", 1)]);
        assert_eq!(t.tail, 4);
        for (host, want) in [("X.IO", vec![0]), ("a.x.io.", vec![0]), ("B.Evil-Domain.COM", vec![1]), ("evil-domain.com.", vec![1])] {
            assert!(t.may_end(host.trim_end_matches('.').as_bytes()), "{host}");
            assert_eq!(hits(&t, host), want, "{host}");
        }
        // shorter than every indicator: left at once
        assert!(!t.may_end(b"io"));
        assert!(hits(&t, "x.i").is_empty());
        // most other hosts are left before their labels are read (the filter is about 1/7
        // full at 8 bits per indicator): with one indicator, almost none get through
        let t = DomainTable::new(&[("evil-domain.com", 0)]);
        let through = (0..10_000).filter(|i| t.may_end(format!("host{i}.example.org").as_bytes())).count();
        assert!(through < 100, "{through}");
    }

    #[test]
    fn deep_names_stop_early() {
        let t = DomainTable::new(&[("evil.com", 0)]);
        assert!(hits(&t, "a.b.c.d.e.f.g.h.example.org").is_empty());
        assert_eq!(hits(&t, "a.b.c.d.e.f.g.h.evil.com"), vec![0]);
    }
}
