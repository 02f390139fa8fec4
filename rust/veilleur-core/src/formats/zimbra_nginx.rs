//! `zimbra_nginx`: the Zimbra proxy's `nginx.access.log` —
//! `ip:port - user [time_local]  "request" status bytes "referer" "user-agent" "upstream" "server:port"`,
//! local time with its offset. The port follows the *last* colon of field 1 (IPv6 clients
//! carry colons of their own; `[v6]:port` is read too).

use crate::time::DateCache;

use super::access_table::{Col, HEAD};
use super::ncsa::{self, AccessLine, Span};
use super::Reason;

pub const COLUMNS: &[Col] = &[
    HEAD[0],
    HEAD[1],
    HEAD[2],
    Col::ClientPort,
    HEAD[3],
    HEAD[4],
    HEAD[5],
    HEAD[6],
    HEAD[7],
    HEAD[8],
    HEAD[9],
    HEAD[10],
    HEAD[11],
    HEAD[12],
    Col::Referrer,
    Col::UserAgent,
    Col::Upstream,
    Col::Server,
    Col::Extra,
];

/// Split `ip:port` (or `[ip]:port`); falls back to a bare IP with no port.
fn client_ip_port(line: &[u8], client: Span) -> (Option<(Span, Option<String>)>, Option<u16>) {
    let (s, e) = client;
    let field = &line[s..e];
    if let Some(c) = memchr::memrchr(b':', field) {
        let port = ncsa::parse_u64(&field[c + 1..]).filter(|p| *p <= 65_535);
        let (ip_s, ip_e) = if field.first() == Some(&b'[') && c > 0 && field[c - 1] == b']' { (s + 1, s + c - 1) } else { (s, s + c) };
        if let (Some(port), Some(ip)) = (port, ncsa::ip_span(line, (ip_s, ip_e))) {
            return (Some(ip), Some(port as u16));
        }
    }
    (ncsa::ip_span(line, client), None)
}

/// Parse `line` into `r` (which the caller has reset).
pub fn parse(line: &[u8], dates: &mut DateCache, r: &mut AccessLine) -> Result<(), Reason> {
    let pos = ncsa::parse_head(line, dates, r)?;
    let (ip, port) = client_ip_port(line, r.client);
    r.client_ip = ip;
    r.client_port = port;
    let (mut pos, full) = ncsa::parse_referrer_agent(line, pos, r)?;
    if let Some((f, p)) = ncsa::next_field(line, pos)? {
        r.upstream = f.value(line);
        pos = p;
        if let Some((f, p)) = ncsa::next_field(line, pos)? {
            r.server = f.value(line);
            pos = p;
        }
    }
    r.extra = ncsa::rest(line, pos);
    r.complete = full && port.is_some();
    Ok(())
}
