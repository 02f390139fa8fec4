//! `common`: the NCSA Common Log Format, `host ident authuser [date] "request" status bytes`.

use crate::time::DateCache;

use super::access_table::{Col, HEAD};
use super::ncsa::{self, AccessLine};
use super::Reason;

pub const COLUMNS: &[Col] = HEAD;

/// Parse `line` into `r` (which the caller has reset).
pub fn parse(line: &[u8], dates: &mut DateCache, r: &mut AccessLine) -> Result<(), Reason> {
    let pos = ncsa::parse_head(line, dates, r)?;
    if ncsa::rest(line, pos).is_some() {
        return Err("text after the bytes field (not the common format)".into());
    }
    r.client_ip = ncsa::first_client_ip(line, r.client);
    r.complete = true;
    Ok(())
}
