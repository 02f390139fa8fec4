//! The typed table shared by the access-log formats: one builder for all their columns; each
//! format emits the subset it defines (see `Col` lists in the format modules).

use std::sync::Arc;

use arrow_array::types::{TimestampMicrosecondType, UInt16Type, UInt64Type};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::chunk::Chunk;
use crate::columns::{Block, Blocks, PrimCol, StrCol};
use crate::time::DateCache;

use super::ncsa::{AccessLine, Span};
use super::{drive_records, ParsedChunk, Reason};

/// A column an access-log format may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Ts,
    Client,
    ClientIp,
    ClientPort,
    Ident,
    User,
    Request,
    Method,
    Url,
    Path,
    Query,
    Protocol,
    Status,
    Bytes,
    Referrer,
    UserAgent,
    LatencyMs,
    Upstream,
    Server,
    Extra,
}

/// The columns every access-log format has.
pub const HEAD: &[Col] = &[
    Col::Ts,
    Col::Client,
    Col::ClientIp,
    Col::Ident,
    Col::User,
    Col::Request,
    Col::Method,
    Col::Url,
    Col::Path,
    Col::Query,
    Col::Protocol,
    Col::Status,
    Col::Bytes,
];

/// `HEAD` followed by `tail`: the columns of a format that only adds columns at the end.
/// `N` must be `HEAD.len() + T` (checked at compile time).
pub const fn head_and<const T: usize, const N: usize>(tail: [Col; T]) -> [Col; N] {
    assert!(N == HEAD.len() + T, "N must be HEAD.len() + T");
    let mut out = [Col::Ts; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < HEAD.len() { HEAD[i] } else { tail[i - HEAD.len()] };
        i += 1;
    }
    out
}

impl Col {
    pub fn field(self) -> Field {
        let (name, dt) = match self {
            Col::Ts => ("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))),
            Col::Client => ("client", DataType::Utf8View),
            Col::ClientIp => ("client_ip", DataType::Utf8View),
            Col::ClientPort => ("client_port", DataType::UInt16),
            Col::Ident => ("ident", DataType::Utf8View),
            Col::User => ("user", DataType::Utf8View),
            Col::Request => ("request", DataType::Utf8View),
            Col::Method => ("method", DataType::Utf8View),
            Col::Url => ("url", DataType::Utf8View),
            Col::Path => ("path", DataType::Utf8View),
            Col::Query => ("query", DataType::Utf8View),
            Col::Protocol => ("protocol", DataType::Utf8View),
            Col::Status => ("status", DataType::UInt16),
            Col::Bytes => ("bytes", DataType::UInt64),
            Col::Referrer => ("referrer", DataType::Utf8View),
            Col::UserAgent => ("user_agent", DataType::Utf8View),
            Col::LatencyMs => ("latency_ms", DataType::UInt64),
            Col::Upstream => ("upstream", DataType::Utf8View),
            Col::Server => ("server", DataType::Utf8View),
            Col::Extra => ("extra", DataType::Utf8View),
        };
        let nullable = !matches!(self, Col::Ts | Col::Client | Col::Request | Col::Status);
        Field::new(name, dt, nullable)
    }
}

/// Builds the columns of one access-log format (the others are skipped).
pub struct AccessBuilder {
    cols: &'static [Col],
    used: u32,
    ts: PrimCol<TimestampMicrosecondType>,
    client: StrCol,
    client_ip: StrCol,
    client_port: PrimCol<UInt16Type>,
    ident: StrCol,
    user: StrCol,
    request: StrCol,
    method: StrCol,
    url: StrCol,
    path: StrCol,
    query: StrCol,
    protocol: StrCol,
    status: PrimCol<UInt16Type>,
    bytes: PrimCol<UInt64Type>,
    referrer: StrCol,
    user_agent: StrCol,
    latency_ms: PrimCol<UInt64Type>,
    upstream: StrCol,
    server: StrCol,
    extra: StrCol,
}

impl AccessBuilder {
    pub fn new(cols: &'static [Col], n: usize) -> Self {
        let used = cols.iter().fold(0u32, |m, c| m | (1 << *c as u32));
        let cap = |c: Col| if used & (1 << c as u32) != 0 { n } else { 0 };
        AccessBuilder {
            cols,
            used,
            ts: PrimCol::with_capacity(cap(Col::Ts)),
            client: StrCol::with_capacity(cap(Col::Client)),
            client_ip: StrCol::with_capacity(cap(Col::ClientIp)),
            client_port: PrimCol::with_capacity(cap(Col::ClientPort)),
            ident: StrCol::with_capacity(cap(Col::Ident)),
            user: StrCol::with_capacity(cap(Col::User)),
            request: StrCol::with_capacity(cap(Col::Request)),
            method: StrCol::with_capacity(cap(Col::Method)),
            url: StrCol::with_capacity(cap(Col::Url)),
            path: StrCol::with_capacity(cap(Col::Path)),
            query: StrCol::with_capacity(cap(Col::Query)),
            protocol: StrCol::with_capacity(cap(Col::Protocol)),
            status: PrimCol::with_capacity(cap(Col::Status)),
            bytes: PrimCol::with_capacity(cap(Col::Bytes)),
            referrer: StrCol::with_capacity(cap(Col::Referrer)),
            user_agent: StrCol::with_capacity(cap(Col::UserAgent)),
            latency_ms: PrimCol::with_capacity(cap(Col::LatencyMs)),
            upstream: StrCol::with_capacity(cap(Col::Upstream)),
            server: StrCol::with_capacity(cap(Col::Server)),
            extra: StrCol::with_capacity(cap(Col::Extra)),
        }
    }

    #[inline]
    fn has(&self, c: Col) -> bool {
        self.used & (1 << c as u32) != 0
    }

    /// Append one parsed line. `line` lives at `base` in `block`; rewritten text (canonical
    /// IPs) is appended to `side`.
    pub fn push(&mut self, r: &AccessLine, line: &[u8], block: Block, base: usize, side: &mut Vec<u8>) {
        let at = |s: Span| (&line[s.0..s.1], block, base + s.0);
        let opt = |s: Option<Span>| s.map(at);
        self.ts.push(r.ts);
        self.client.push(&line[r.client.0..r.client.1], block, base + r.client.0);
        match &r.client_ip {
            Some((s, None)) => self.client_ip.push(&line[s.0..s.1], block, base + s.0),
            Some((_, Some(canon))) => {
                let off = side.len();
                side.extend_from_slice(canon.as_bytes());
                self.client_ip.push(canon.as_bytes(), Block::Side, off);
            }
            None => self.client_ip.push_null(),
        }
        self.ident.push_opt(opt(r.ident));
        self.user.push_opt(opt(r.user));
        self.request.push_opt(Some(at(r.request)));
        self.method.push_opt(opt(r.method));
        self.url.push_opt(opt(r.url));
        self.path.push_opt(opt(r.path));
        self.query.push_opt(opt(r.query));
        self.protocol.push_opt(opt(r.protocol));
        self.status.push(r.status);
        self.bytes.push_opt(r.bytes);
        if self.has(Col::ClientPort) {
            self.client_port.push_opt(r.client_port);
        }
        if self.has(Col::Referrer) {
            self.referrer.push_opt(opt(r.referrer));
            self.user_agent.push_opt(opt(r.user_agent));
        }
        if self.has(Col::LatencyMs) {
            self.latency_ms.push_opt(r.latency_ms);
        }
        if self.has(Col::Upstream) {
            self.upstream.push_opt(opt(r.upstream));
            self.server.push_opt(opt(r.server));
        }
        if self.has(Col::Extra) {
            self.extra.push_opt(opt(r.extra));
        }
    }

    /// The format's columns, in its order.
    pub fn finish(self, blocks: &Blocks) -> Vec<ArrayRef> {
        let mut b = self;
        let mut out = Vec::with_capacity(b.cols.len());
        for &c in b.cols {
            let a: ArrayRef = match c {
                Col::Ts => Arc::new(std::mem::replace(&mut b.ts, PrimCol::with_capacity(0)).finish().with_timezone("UTC")),
                Col::Client => std::mem::take(&mut b.client).finish(blocks),
                Col::ClientIp => std::mem::take(&mut b.client_ip).finish(blocks),
                Col::ClientPort => Arc::new(std::mem::replace(&mut b.client_port, PrimCol::with_capacity(0)).finish()),
                Col::Ident => std::mem::take(&mut b.ident).finish(blocks),
                Col::User => std::mem::take(&mut b.user).finish(blocks),
                Col::Request => std::mem::take(&mut b.request).finish(blocks),
                Col::Method => std::mem::take(&mut b.method).finish(blocks),
                Col::Url => std::mem::take(&mut b.url).finish(blocks),
                Col::Path => std::mem::take(&mut b.path).finish(blocks),
                Col::Query => std::mem::take(&mut b.query).finish(blocks),
                Col::Protocol => std::mem::take(&mut b.protocol).finish(blocks),
                Col::Status => Arc::new(std::mem::replace(&mut b.status, PrimCol::with_capacity(0)).finish()),
                Col::Bytes => Arc::new(std::mem::replace(&mut b.bytes, PrimCol::with_capacity(0)).finish()),
                Col::Referrer => std::mem::take(&mut b.referrer).finish(blocks),
                Col::UserAgent => std::mem::take(&mut b.user_agent).finish(blocks),
                Col::LatencyMs => Arc::new(std::mem::replace(&mut b.latency_ms, PrimCol::with_capacity(0)).finish()),
                Col::Upstream => std::mem::take(&mut b.upstream).finish(blocks),
                Col::Server => std::mem::take(&mut b.server).finish(blocks),
                Col::Extra => std::mem::take(&mut b.extra).finish(blocks),
            };
            out.push(a);
        }
        out
    }
}

/// Parse a chunk of an access-log format: `parse_line` fills one record from one line.
pub fn parse_chunk<F>(cols: &'static [Col], chunk: Chunk, mut parse_line: F) -> ParsedChunk
where
    F: FnMut(&[u8], &mut DateCache, &mut AccessLine) -> Result<(), Reason>,
{
    let mut dates = DateCache::default();
    let mut b = AccessBuilder::new(cols, chunk.data.len() / 200 + 16);
    let mut r = AccessLine::default();
    let mut parsed = drive_records(chunk, None, |line, block, base, side, _| {
        parse_line(line, &mut dates, &mut r)?;
        b.push(&r, line, block, base, side);
        Ok(())
    });
    parsed.columns = b.finish(&parsed.blocks);
    parsed
}
