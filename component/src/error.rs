//! The one error type of the engine. Each case maps one-to-one onto the WIT `error` variant,
//! so every failure that input can cause reaches the host typed, with a message naming it.

use alloc::string::String;
use core::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    MissingFile(String),
    InvalidModel(String),
    InvalidConfig(String),
    InvalidTokenizer(String),
    UnsupportedArchitecture(String),
    Unsupported(String),
    InvalidInput(String),
}

pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    pub fn message(&self) -> &str {
        match self {
            Error::MissingFile(m)
            | Error::InvalidModel(m)
            | Error::InvalidConfig(m)
            | Error::InvalidTokenizer(m)
            | Error::UnsupportedArchitecture(m)
            | Error::Unsupported(m)
            | Error::InvalidInput(m) => m,
        }
    }

    /// The WIT case name, as hosts print it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::MissingFile(_) => "missing-file",
            Error::InvalidModel(_) => "invalid-model",
            Error::InvalidConfig(_) => "invalid-config",
            Error::InvalidTokenizer(_) => "invalid-tokenizer",
            Error::UnsupportedArchitecture(_) => "unsupported-architecture",
            Error::Unsupported(_) => "unsupported",
            Error::InvalidInput(_) => "invalid-input",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.message())
    }
}

impl core::error::Error for Error {}
