//! `common`: the NCSA Common Log Format, `host ident authuser [date] "request" status bytes`,
//! and Squid's `common` logformat, which adds its `%Ss:%Sh` (`TCP_MISS:HIER_DIRECT`) after the
//! bytes: kept in `extra` (events: `action` `deny` for a `..._DENIED` code).

use crate::time::DateCache;

use super::access_table::{head_and, Col};
use super::ncsa::{self, AccessLine};
use super::Reason;

pub const COLUMNS: &[Col] = &head_and::<1, 14>([Col::Extra]);

/// Parse `line` into `r` (which the caller has reset).
pub fn parse(line: &[u8], dates: &mut DateCache, r: &mut AccessLine) -> Result<(), Reason> {
    let pos = ncsa::parse_head(line, dates, r)?;
    if let Some(t) = ncsa::rest(line, pos) {
        if !ncsa::is_squid_status_hierarchy(&line[t.0..t.1]) {
            return Err("text after the bytes field (not the common format)".into());
        }
        r.extra = Some(t);
    }
    r.client_ip = ncsa::first_client_ip(line, r.client);
    r.complete = true;
    Ok(())
}
