//! `combined`: NCSA combined (Apache, nginx default), common + `"referer" "user-agent"`, and
//! any trailing fields a server adds (kept raw in `extra`). A line missing the referrer and
//! user agent is still read, with those fields null.

use crate::time::DateCache;

use super::access_table::{head_and, Col};
use super::ncsa::{self, AccessLine};
use super::Reason;

pub const COLUMNS: &[Col] = &head_and::<3, 16>([Col::Referrer, Col::UserAgent, Col::Extra]);

/// Parse `line` into `r` (which the caller has reset).
pub fn parse(line: &[u8], dates: &mut DateCache, r: &mut AccessLine) -> Result<(), Reason> {
    let pos = ncsa::parse_head(line, dates, r)?;
    if let Some(t) = ncsa::rest(line, pos) {
        if ncsa::is_squid_status_hierarchy(&line[t.0..t.1]) {
            return Err("Squid's status:hierarchy right after the bytes: Squid's common layout, not combined".into());
        }
    }
    let (pos, full) = ncsa::parse_referrer_agent(line, pos, r)?;
    r.extra = ncsa::rest(line, pos);
    r.client_ip = ncsa::first_client_ip(line, r.client);
    r.complete = full;
    Ok(())
}
