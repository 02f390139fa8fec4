//! One error type for the whole engine. The bindings map each variant to a Python exception.

use std::fmt;

/// Everything that can stop a read. Bad *lines* are never errors: they become rejects
/// (or [`Error::Parse`] in strict mode).
#[derive(Debug)]
pub enum Error {
    /// An input named by the caller (path or glob) does not exist or matches nothing.
    NotFound { path: String },
    /// An I/O error on a named file.
    Io { path: String, source: std::io::Error },
    /// A rejected line in strict mode, or an unreadable file in strict mode.
    Parse { file: String, line: u64, reason: String },
    /// A bad argument (unknown format id, bad glob, mixed formats for one schema, ...).
    InvalidArgument(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound { path } => write!(f, "no such file or directory: {path}"),
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Parse { file, line, reason } => write!(f, "{file}:{line}: {reason}"),
            Error::InvalidArgument(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
