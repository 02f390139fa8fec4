//! Engine errors to Python exceptions: I/O errors by kind to Python's builtins (so
//! `except FileNotFoundError` works), strict-mode rejects to `veilleur.ParseError`.

use std::io::ErrorKind;

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyValueError};
use pyo3::prelude::*;

use veilleur_core::Error;

fn veilleur_error(py: Python<'_>, class: &str, msg: String) -> PyErr {
    let made = py.import("veilleur._errors").and_then(|m| m.getattr(class)).and_then(|cls| cls.call1((msg.clone(),)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

pub fn to_pyerr(py: Python<'_>, e: Error) -> PyErr {
    match e {
        Error::NotFound { path } => PyFileNotFoundError::new_err((2, "No such file or directory", path)),
        Error::Io { path, source } => {
            let msg = format!("{path}: {source}");
            match source.kind() {
                ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
                ErrorKind::PermissionDenied => PyPermissionError::new_err(msg),
                _ => PyOSError::new_err(msg),
            }
        }
        Error::Parse { .. } => veilleur_error(py, "ParseError", e.to_string()),
        Error::InvalidArgument(msg) => PyValueError::new_err(msg),
    }
}
