//! Normalisation shared by the network formats' event mappings: transport protocol names, the
//! action vocabulary of the events table, and the reading and building of string columns.
//!
//! Actions: `allow` (the traffic went through), `deny` (refused by policy, whether or not the
//! peer was told), `drop` (discarded without an answer), `reset` (the device refused or cut
//! the session with a TCP RST). Session-end reasons of allowed traffic (FortiGate `close`,
//! `timeout`, `client-rst`) are `allow`; each format keeps its raw value in its own table.

use std::sync::Arc;

use arrow_array::builder::StringViewBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, StringViewArray};
use arrow_schema::ArrowError;

/// The lower-case name of an IANA protocol number (the common ones).
pub fn proto_name(n: u8) -> Option<&'static str> {
    Some(match n {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        132 => "sctp",
        _ => return None,
    })
}

/// A protocol as logged (`TCP`, `tcp`, `6`, `icmp6`) → its lower-case name; unknown names are
/// lower-cased, unknown numbers kept as digits.
pub fn proto(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t == "-" {
        return None;
    }
    if let Ok(n) = t.parse::<u8>() {
        return Some(proto_name(n).map_or_else(|| n.to_string(), str::to_string));
    }
    let lower = t.to_ascii_lowercase();
    Some(match lower.as_str() {
        "icmp6" | "icmpv6" | "ipv6-icmp" => "ipv6-icmp".to_string(),
        _ => lower,
    })
}

/// The generic action vocabulary (case-insensitive): vendor words every format shares.
/// Formats with their own meanings (FortiGate `client-rst` is `allow`) check theirs first.
pub fn action(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    let eq = |w: &str| t.eq_ignore_ascii_case(w);
    if ["allow", "allowed", "accept", "accepted", "pass", "passed", "permit", "permitted", "built", "close", "timeout", "start"]
        .iter()
        .any(|w| eq(w))
    {
        Some("allow")
    } else if ["deny", "denied", "block", "blocked", "reject", "rejected", "refused", "forbidden"].iter().any(|w| eq(w)) {
        Some("deny")
    } else if ["drop", "dropped", "discard", "discarded"].iter().any(|w| eq(w)) {
        Some("drop")
    } else if ["reset", "reset-both", "reset-client", "reset-server", "rst"].iter().any(|w| eq(w)) {
        Some("reset")
    } else {
        None
    }
}

/// The string column `name` of a batch.
pub fn str_col<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringViewArray, ArrowError> {
    batch.column_by_name(name).map(|a| a.as_string_view()).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))
}

/// Row `i` of a string column (`None`: null).
#[inline]
pub fn get(a: &StringViewArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// A string column of `n` rows computed row by row (`None`: null).
pub fn strings<S: AsRef<str>>(n: usize, mut f: impl FnMut(usize) -> Option<S>) -> ArrayRef {
    let mut b = StringViewBuilder::with_capacity(n);
    for i in 0..n {
        match f(i) {
            Some(s) => b.append_value(s.as_ref()),
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

/// A string column computed from another one, row by row (null stays null).
pub fn derive<S: AsRef<str>>(a: &StringViewArray, f: impl Fn(&str) -> Option<S>) -> ArrayRef {
    strings(a.len(), |i| if a.is_null(i) { None } else { f(a.value(i)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols() {
        assert_eq!(proto("6").as_deref(), Some("tcp"));
        assert_eq!(proto("TCP").as_deref(), Some("tcp"));
        assert_eq!(proto("icmp6").as_deref(), Some("ipv6-icmp"));
        assert_eq!(proto("253").as_deref(), Some("253"));
        assert_eq!(proto("-"), None);
    }

    #[test]
    fn actions() {
        assert_eq!(action("ACCEPT"), Some("allow"));
        assert_eq!(action("Block"), Some("deny"));
        assert_eq!(action("drop"), Some("drop"));
        assert_eq!(action("reset-both"), Some("reset"));
        assert_eq!(action("utm-something"), None);
    }
}
