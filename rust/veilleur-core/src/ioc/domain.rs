//! Domain suffixes on label boundaries: a hash table keyed by a hash computed label by label
//! from the right (the "reversed-label" order), so one right-to-left pass over a host probes
//! `com`, `evil.com`, `a.evil.com`, ... with an incrementally extended hash and no copy.
//! Comparison is ASCII case-insensitive; a trailing dot on the host is ignored.

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn lower(b: u8) -> u8 {
    b | (u8::from(b.is_ascii_uppercase()) << 5)
}

/// Extend the hash of a suffix by the label to its left.
#[inline]
fn mix_label(mut h: u64, label: &[u8]) -> u64 {
    for &b in label {
        h = (h.rotate_left(5) ^ u64::from(lower(b))).wrapping_mul(K);
    }
    (h.rotate_left(5) ^ 0x2e).wrapping_mul(K)
}

struct Entry {
    hash: u64,
    name: Box<[u8]>,
    ids: Vec<u32>,
}

/// Domain-suffix matcher.
pub struct DomainTable {
    slots: Vec<u32>, // 0 = empty, else entry index + 1
    mask: usize,
    entries: Vec<Entry>,
    max_labels: usize,
}

fn hash_name(name: &[u8]) -> u64 {
    let mut h = K;
    for label in name.rsplit(|&b| b == b'.') {
        h = mix_label(h, label);
    }
    h
}

impl DomainTable {
    /// `entries`: (normalised domain, indicator id).
    pub fn new(entries: &[(&str, u32)]) -> Self {
        let cap = (entries.len() * 2).next_power_of_two().max(16);
        let mut t = DomainTable { slots: vec![0; cap], mask: cap - 1, entries: Vec::new(), max_labels: 0 };
        for &(name, id) in entries {
            let name = name.as_bytes();
            t.max_labels = t.max_labels.max(name.split(|&b| b == b'.').count());
            let hash = hash_name(name);
            let mut s = (hash as usize) & t.mask;
            loop {
                match t.slots[s] {
                    0 => {
                        t.entries.push(Entry { hash, name: name.into(), ids: vec![id] });
                        t.slots[s] = t.entries.len() as u32;
                        break;
                    }
                    e => {
                        let en = &mut t.entries[e as usize - 1];
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

    #[inline]
    fn probe(&self, hash: u64, name: &[u8]) -> Option<&[u32]> {
        let mut s = (hash as usize) & self.mask;
        loop {
            match self.slots[s] {
                0 => return None,
                e => {
                    let en = &self.entries[e as usize - 1];
                    if en.hash == hash && en.name.eq_ignore_ascii_case(name) {
                        return Some(&en.ids);
                    }
                }
            }
            s = (s + 1) & self.mask;
        }
    }

    /// Call `f(ids, suffix)` for every indicator domain that `host` equals or is a subdomain
    /// of (label boundaries only). `host` is a bare host name (no port, no scheme).
    #[inline]
    pub fn for_each_match(&self, host: &[u8], mut f: impl FnMut(&[u32], &[u8])) {
        if self.entries.is_empty() {
            return;
        }
        let host = host.strip_suffix(b".").unwrap_or(host);
        let mut h = K;
        let mut end = host.len();
        let mut labels = 0;
        while labels < self.max_labels {
            let start = memchr::memrchr(b'.', &host[..end]).map_or(0, |i| i + 1);
            let label = &host[start..end];
            if label.is_empty() {
                return; // empty label: not a host name
            }
            h = mix_label(h, label);
            labels += 1;
            let suffix = &host[start..];
            if let Some(ids) = self.probe(h, suffix) {
                f(ids, suffix);
            }
            if start == 0 {
                return;
            }
            end = start - 1;
        }
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
    fn deep_names_stop_early() {
        let t = DomainTable::new(&[("evil.com", 0)]);
        assert!(hits(&t, "a.b.c.d.e.f.g.h.example.org").is_empty());
        assert_eq!(hits(&t, "a.b.c.d.e.f.g.h.evil.com"), vec![0]);
    }
}
