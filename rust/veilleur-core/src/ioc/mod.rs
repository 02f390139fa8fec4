//! IOC matching: an indicator set compiled into matchers (IP/CIDR segments, a reversed-label
//! domain table, Aho-Corasick for URLs, paths and strings, hash sets for hashes, user agents
//! and e-mails), run over the string columns of Arrow record batches on all cores.
//!
//! [`normalize`] defines the canonical form of each kind; [`IocMatcher::new`] takes values
//! already in that form; [`IocMatcher::match_batches`] returns the hits.

mod column;
pub mod domain;
pub mod ip;
pub mod matcher;
pub mod normalize;
pub mod text;
#[cfg(target_arch = "x86_64")]
pub mod v4_ssse3;

pub use matcher::{columns_at_hits, hits_schema, hits_with_columns, merge_hits, IocMatcher, Role};
pub use normalize::{guess_kind, normalize, refang};

/// Kinds of indicators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Ip,
    Cidr,
    Domain,
    Url,
    Uri,
    Md5,
    Sha1,
    Sha256,
    UserAgent,
    Email,
    String,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Ip,
        Kind::Cidr,
        Kind::Domain,
        Kind::Url,
        Kind::Uri,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha256,
        Kind::UserAgent,
        Kind::Email,
        Kind::String,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ip => "ip",
            Kind::Cidr => "cidr",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Uri => "uri",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha256 => "sha256",
            Kind::UserAgent => "user_agent",
            Kind::Email => "email",
            Kind::String => "string",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}
