//! The normalised event schema (`bundle.events`) and the mapping of each format into it.
//! Columns shared with a format's table are the same Arrow arrays (no copy); only `source`,
//! `domain` and `message` are built here.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{make_view, StringViewBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::UInt16Type;
use arrow_array::{new_null_array, Array, ArrayRef, DictionaryArray, RecordBatch, StringArray, StringViewArray, UInt32Array};
use arrow_buffer::ScalarBuffer;
use arrow_data::ByteView;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::formats::{self, provenance_fields, FormatId};

/// The events schema: provenance, then the normalised columns.
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let s = || DataType::Utf8View;
            let dict = DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8));
            let mut f = provenance_fields();
            f.extend([
                Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
                Field::new("source", dict, false),
                Field::new("host", s(), true),
                Field::new("src_ip", s(), true),
                Field::new("src_port", DataType::UInt16, true),
                Field::new("dst_ip", s(), true),
                Field::new("dst_port", DataType::UInt16, true),
                Field::new("proto", s(), true),
                Field::new("user", s(), true),
                Field::new("action", s(), true),
                Field::new("http_method", s(), true),
                Field::new("url", s(), true),
                Field::new("domain", s(), true),
                Field::new("http_status", DataType::UInt16, true),
                Field::new("bytes_in", DataType::UInt64, true),
                Field::new("bytes_out", DataType::UInt64, true),
                Field::new("user_agent", s(), true),
                Field::new("message", s(), true),
            ]);
            Arc::new(Schema::new(f))
        })
        .clone()
}

/// A dictionary column holding one value on every row.
pub fn constant_dict(value: &str, len: usize) -> ArrayRef {
    let keys = UInt32Array::from(vec![0u32; len]);
    let values = Arc::new(StringArray::from(vec![value]));
    Arc::new(DictionaryArray::new(keys, values))
}

/// A substring of the string at row `i` of a view array, as a view into the same buffers.
fn sub_view(a: &StringViewArray, i: usize, start: usize, end: usize) -> u128 {
    let bytes = &a.value(i).as_bytes()[start..end];
    let raw = a.views()[i];
    if (raw as u32) <= 12 || bytes.len() <= 12 {
        // inline views carry their bytes; an inline result needs no buffer
        return make_view(bytes, 0, 0);
    }
    let v = ByteView::from(raw);
    make_view(bytes, v.buffer_index, v.offset + start as u32)
}

/// The byte range of the host in an absolute URL (`scheme://[user@]host[:port]/...`).
pub fn url_host(url: &str) -> Option<(usize, usize)> {
    let Some(k) = url.find("://") else { return authority_host(url) };
    if k == 0 || !url[..k].bytes().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let start = k + 3;
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let hs = auth.rfind('@').map_or(0, |a| a + 1);
    let host = &auth[hs..];
    let he = if host.starts_with('[') { host.find(']').map_or(host.len(), |b| b + 1) } else { host.rfind(':').unwrap_or(host.len()) };
    (he > 0).then_some((start + hs, start + hs + he))
}

/// The host of a CONNECT target in authority form (`www.example.org:443`, `[2001:db8::9]:443`):
/// a host, a colon and a port, nothing else.
fn authority_host(url: &str) -> Option<(usize, usize)> {
    let colon = url.rfind(':')?;
    let port = &url[colon + 1..];
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let host = &url[..colon];
    let ok = if let Some(inner) = host.strip_prefix('[') {
        inner.ends_with(']') && inner.len() > 1
    } else {
        !host.is_empty() && host.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
    };
    ok.then_some((0, colon))
}

/// `host[:port]` → host.
fn server_host(server: &str) -> Option<(usize, usize)> {
    let he = server.rfind(':').unwrap_or(server.len());
    (he > 0 && server != "-").then_some((0, he))
}

fn domain_column(url: &StringViewArray, server: Option<&StringViewArray>) -> ArrayRef {
    let n = url.len();
    let mut views = Vec::with_capacity(n);
    let mut nulls = arrow_buffer::NullBufferBuilder::new(n);
    // The result points into the url array's buffers, then the server array's.
    let url_bufs = url.data_buffers().len() as u32;
    for i in 0..n {
        let from_url = (!url.is_null(i)).then(|| url_host(url.value(i))).flatten();
        if let Some((s, e)) = from_url {
            views.push(sub_view(url, i, s, e));
            nulls.append_non_null();
            continue;
        }
        if let Some(sv) = server {
            if let Some((s, e)) = (!sv.is_null(i)).then(|| server_host(sv.value(i))).flatten() {
                let mut v = sub_view(sv, i, s, e);
                if e - s > 12 {
                    let mut bv = ByteView::from(v);
                    bv.buffer_index += url_bufs;
                    v = bv.as_u128();
                }
                views.push(v);
                nulls.append_non_null();
                continue;
            }
        }
        views.push(0);
        nulls.append_null();
    }
    let mut buffers: Vec<arrow_buffer::Buffer> = url.data_buffers().to_vec();
    if let Some(sv) = server {
        buffers.extend(sv.data_buffers().iter().cloned());
    }
    // SAFETY: each view is a sub-range of a valid UTF-8 string of `url` or `server` (hosts end
    // at ASCII delimiters), re-pointed at the same bytes in `buffers`.
    Arc::new(unsafe { StringViewArray::new_unchecked(ScalarBuffer::from(views), Arc::from(buffers), nulls.finish()) })
}

fn message_column(batch: &RecordBatch) -> Result<ArrayRef, ArrowError> {
    let request = col(batch, "request")?.as_string_view();
    let status = col(batch, "status")?.as_primitive::<UInt16Type>();
    let mut b = StringViewBuilder::with_capacity(batch.num_rows());
    let mut s = String::new();
    for i in 0..batch.num_rows() {
        s.clear();
        s.push('"');
        s.push_str(request.value(i));
        s.push_str("\" ");
        if status.is_valid(i) {
            s.push_str(&status.value(i).to_string());
        }
        b.append_value(&s);
    }
    Ok(Arc::new(b.finish()))
}

fn col<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, ArrowError> {
    batch.column_by_name(name).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))
}

/// How one format's table maps into the events schema: for each events column, the
/// format's column of the same meaning (same Arrow type), or an array computed here. Events
/// columns left out are null; provenance (`file`, `line`, `offset`) and `ts` are taken as is.
pub struct Mapping<'a> {
    batch: &'a RecordBatch,
    columns: Vec<(&'static str, ArrayRef)>,
}

impl<'a> Mapping<'a> {
    pub fn new(batch: &'a RecordBatch) -> Self {
        Mapping { batch, columns: Vec::new() }
    }

    /// Events column `event_col` is the format's column `name` (if the table has it).
    pub fn take(mut self, event_col: &'static str, name: &str) -> Self {
        if let Some(a) = self.batch.column_by_name(name) {
            self.columns.push((event_col, a.clone()));
        }
        self
    }

    /// Events column `event_col` is a computed array.
    pub fn set(mut self, event_col: &'static str, array: ArrayRef) -> Self {
        self.columns.push((event_col, array));
        self
    }

    /// The events batch, `source` filled with the format id.
    pub fn build(self, format: FormatId) -> Result<RecordBatch, ArrowError> {
        let schema = schema();
        let n = self.batch.num_rows();
        let mut out = Vec::with_capacity(schema.fields().len());
        for f in schema.fields() {
            let name = f.name().as_str();
            let a = if name == "source" {
                constant_dict(format.as_str(), n)
            } else if let Some((_, a)) = self.columns.iter().rev().find(|(c, _)| *c == name) {
                a.clone()
            } else if matches!(name, "file" | "line" | "offset" | "ts") {
                col(self.batch, name)?.clone()
            } else {
                new_null_array(f.data_type(), n)
            };
            out.push(a);
        }
        RecordBatch::try_new(schema, out)
    }
}

/// The access-log formats: the client is the source; the response size is `bytes_in`.
fn access_events(format: FormatId, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let domain = {
        let url = col(batch, "url")?.as_string_view();
        let server = batch.column_by_name("server").map(|a| a.as_string_view());
        domain_column(url, server)
    };
    let m = Mapping::new(batch)
        .take("src_ip", "client_ip")
        .take("src_port", "client_port")
        .take("user", "user")
        .take("http_method", "method")
        .take("url", "url")
        .set("domain", domain)
        .take("http_status", "status")
        .take("bytes_in", "bytes")
        .take("user_agent", "user_agent")
        .set("message", message_column(batch)?);
    // Squid's common layout: `TCP_DENIED:HIER_NONE` in extra
    let m = match (format, batch.column_by_name("extra")) {
        (FormatId::Common, Some(extra)) => {
            let code = |v: &str| formats::squid::cache_action(v.split(':').next().unwrap_or(""));
            m.set("action", formats::normal::derive(extra.as_string_view(), code))
        }
        _ => m,
    };
    m.build(format)
}

/// The first non-null of two string columns, row by row. Without a copy when both point into
/// the same buffers (columns of one format's batch do).
pub fn coalesce(a: &StringViewArray, b: &StringViewArray) -> ArrayRef {
    let same = a.data_buffers().len() == b.data_buffers().len()
        && a.data_buffers().iter().zip(b.data_buffers().iter()).all(|(x, y)| x.as_ptr() == y.as_ptr() && x.len() == y.len());
    if !same {
        let mut out = StringViewBuilder::with_capacity(a.len());
        for i in 0..a.len() {
            match (a.is_valid(i), b.is_valid(i)) {
                (true, _) => out.append_value(a.value(i)),
                (false, true) => out.append_value(b.value(i)),
                _ => out.append_null(),
            }
        }
        return Arc::new(out.finish());
    }
    let mut views = Vec::with_capacity(a.len());
    let mut nulls = arrow_buffer::NullBufferBuilder::new(a.len());
    for i in 0..a.len() {
        if a.is_valid(i) {
            views.push(a.views()[i]);
            nulls.append_non_null();
        } else if b.is_valid(i) {
            views.push(b.views()[i]);
            nulls.append_non_null();
        } else {
            views.push(0);
            nulls.append_null();
        }
    }
    // SAFETY: every view is taken whole from `a` or `b`, whose buffers are the same.
    Arc::new(unsafe { StringViewArray::new_unchecked(ScalarBuffer::from(views), Arc::from(a.data_buffers().to_vec()), nulls.finish()) })
}

/// The first line of each string (multi-line messages), as views into the same buffers.
pub fn first_line(a: &StringViewArray) -> ArrayRef {
    let mut views = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        let v = a.value(i);
        let end = v.find('\n').unwrap_or(v.len());
        let end = if v[..end].ends_with('\r') { end - 1 } else { end };
        views.push(if a.is_valid(i) { sub_view(a, i, 0, end) } else { 0 });
    }
    // SAFETY: each view is a prefix of a valid string ending before an ASCII byte.
    Arc::new(unsafe { StringViewArray::new_unchecked(ScalarBuffer::from(views), Arc::from(a.data_buffers().to_vec()), a.nulls().cloned()) })
}

/// The log4j formats: the client is `oip` (else `ip`); the user is the authenticated account.
fn log4j_events(format: FormatId, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let message = first_line(col(batch, "message")?.as_string_view());
    let m = Mapping::new(batch)
        .take("src_ip", "client_ip")
        .take("src_port", "oport")
        .take("dst_port", "port")
        .take("url", "thread_url")
        .take("user_agent", "ua")
        .set("message", message);
    let m = if format == FormatId::ZimbraAudit {
        m.take("user", "account").take("action", "action")
    } else {
        let user = coalesce(col(batch, "aname")?.as_string_view(), col(batch, "name")?.as_string_view());
        m.set("user", user)
    };
    m.build(format)
}

/// syslog: the writing host, the remote client of Postfix/amavis/sshd lines as the source,
/// the login (sasl_username, sshd or saslauthd account) and its outcome.
fn syslog_events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    Mapping::new(batch)
        .take("host", "host")
        .take("src_ip", "client_ip")
        .take("user", "user")
        .take("action", "action")
        .take("message", "message")
        .build(FormatId::Syslog)
}

/// nginx error log: the client is the source; the request's method and URL; the Host header
/// (or the server name) as the domain; the mail proxy's login as the user.
fn nginx_error_events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let host = col(batch, "host")?.as_string_view();
    let server = col(batch, "server")?.as_string_view();
    let domain = coalesce_hosts(host, server);
    Mapping::new(batch)
        .take("src_ip", "client_ip")
        .take("user", "login")
        .take("http_method", "method")
        .take("url", "url")
        .set("domain", domain)
        .take("message", "message")
        .build(FormatId::NginxError)
}

/// Per row: `host` if set, else `server` without its port (`0.0.0.0:993` and empty: null).
fn coalesce_hosts(host: &StringViewArray, server: &StringViewArray) -> ArrayRef {
    let mut b = StringViewBuilder::with_capacity(host.len());
    for i in 0..host.len() {
        if host.is_valid(i) && !host.value(i).is_empty() {
            b.append_value(host.value(i));
        } else if let Some((s, e)) = (server.is_valid(i)).then(|| server_host(server.value(i))).flatten() {
            let v = &server.value(i)[s..e];
            if v.is_empty() || v == "0.0.0.0" || v == "_" {
                b.append_null();
            } else {
                b.append_value(v);
            }
        } else {
            b.append_null();
        }
    }
    Arc::new(b.finish())
}

/// zmmailboxd.out: only the time and the message (`LEVEL logger: message`).
fn zmmailboxd_out_events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let level = col(batch, "level")?.as_string_view();
    let logger = col(batch, "logger")?.as_string_view();
    let message = col(batch, "message")?.as_string_view();
    let mut b = StringViewBuilder::with_capacity(batch.num_rows());
    let mut s = String::new();
    for i in 0..batch.num_rows() {
        s.clear();
        s.push_str(level.value(i));
        s.push(' ');
        s.push_str(logger.value(i));
        s.push_str(": ");
        s.push_str(message.value(i));
        b.append_value(&s);
    }
    Mapping::new(batch).set("message", Arc::new(b.finish())).build(FormatId::ZmmailboxdOut)
}

/// Map one batch of a format's table into the events schema.
pub fn to_events(format: FormatId, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    match format {
        FormatId::Common | FormatId::Combined | FormatId::ZimbraAccess | FormatId::ZimbraNginx => access_events(format, batch),
        FormatId::ZimbraMailbox | FormatId::ZimbraAudit => log4j_events(format, batch),
        FormatId::Syslog => syslog_events(batch),
        FormatId::NginxError => nginx_error_events(batch),
        FormatId::ZmmailboxdOut => zmmailboxd_out_events(batch),
        FormatId::Squid => formats::squid::events(batch),
        FormatId::W3c => formats::w3c::events(batch),
        FormatId::Fortigate => formats::fortigate::events(batch),
        FormatId::Stormshield => formats::stormshield::events(batch),
        FormatId::Pfsense => formats::pfsense::events(batch),
        FormatId::Netfilter => formats::netfilter::events(batch),
        FormatId::CiscoAsa => formats::cisco_asa::events(batch),
        FormatId::Panos => formats::panos::events(batch),
        FormatId::Cef => formats::cef::events(batch),
        FormatId::Leef => formats::leef::events(batch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let u = "https://Mail.example.org:443/zimbra/?x";
        let (s, e) = url_host(u).unwrap();
        assert_eq!(&u[s..e], "Mail.example.org");
        let u = "http://user@[2001:db8::1]:8080/";
        let (s, e) = url_host(u).unwrap();
        assert_eq!(&u[s..e], "[2001:db8::1]");
        assert_eq!(url_host("/service/soap"), None);
        // CONNECT targets in authority form
        for (u, h) in [("www.example.org:443", "www.example.org"), ("[2001:db8::9]:443", "[2001:db8::9]")] {
            let (s, e) = url_host(u).unwrap();
            assert_eq!(&u[s..e], h);
        }
        for u in ["/a:443", "www.example.org:", "host:44x", "a b:443", ":443", "[]:443", "x:123456"] {
            assert_eq!(url_host(u), None, "{u}");
        }
        let s = "mail.example.org:443";
        let (a, b) = server_host(s).unwrap();
        assert_eq!(&s[a..b], "mail.example.org");
    }
}
