//! `zimbra_access`: mailboxd's Jetty `access_log.YYYY-MM-DD` — combined plus the request
//! latency in milliseconds (`logLatency`), always in GMT (`+0000`; detection requires it, a
//! forced `format=` reads any offset). Field 1 is the
//! X-Forwarded-For value when present, possibly a list (`203.0.113.5, 10.10.2.10`).

use crate::time::DateCache;

use super::access_table::{head_and, Col};
use super::ncsa::{self, AccessLine, Field};
use super::Reason;

pub const COLUMNS: &[Col] = &head_and::<3, 16>([Col::Referrer, Col::UserAgent, Col::LatencyMs]);

/// Parse `line` into `r` (which the caller has reset).
pub fn parse(line: &[u8], dates: &mut DateCache, r: &mut AccessLine) -> Result<(), Reason> {
    let pos = ncsa::parse_head(line, dates, r)?;
    let (pos, full) = ncsa::parse_referrer_agent(line, pos, r)?;
    let mut pos = pos;
    if let Some((f, p)) = ncsa::next_field(line, pos)? {
        let Field::Bare((s, e)) = f else { return Err("latency field is quoted".into()) };
        r.latency_ms = Some(ncsa::parse_u64(&line[s..e]).ok_or("latency field is not an integer")?);
        pos = p;
    }
    if ncsa::rest(line, pos).is_some() {
        return Err("text after the latency field".into());
    }
    r.client_ip = ncsa::first_client_ip(line, r.client);
    // Jetty writes GMT whatever the server's zone: a trailing integer after a local-time stamp
    // is another server's field (Apache's %D), so detection does not take it for this format.
    r.complete = full && r.latency_ms.is_some() && r.gmt;
    Ok(())
}
