//! The files of a model directory, as handed to `load`.

use crate::error::{Error, Result};
use crate::json::{self, Value};
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

pub struct Files {
    files: Vec<(String, Vec<u8>)>,
}

impl Files {
    /// Names are paths relative to the model directory; `./` prefixes and `\` separators are
    /// accepted so hosts on any platform can pass what they read.
    pub fn new(files: Vec<(String, Vec<u8>)>) -> Files {
        let mut named = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let name = crate::text::replace(&name, "\\", "/");
            let mut relative = name.as_str();
            while let Some(rest) = relative.strip_prefix("./") {
                relative = rest;
            }
            named.push((relative.to_owned(), bytes));
        }
        Files { files: named }
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice())
    }

    /// Moves a file's bytes out (the weights: owned by the checkpoint, never copied).
    pub fn take(&mut self, name: &str) -> Option<Vec<u8>> {
        let index = self.files.iter().position(|(n, _)| n == name)?;
        Some(self.files.swap_remove(index).1)
    }

    /// Parses a JSON file if present; `error` builds the error kind that fits the file.
    pub fn json(&self, name: &str, error: fn(String) -> Error) -> Result<Option<Value>> {
        match self.get(name) {
            None => Ok(None),
            Some(bytes) => json::parse(bytes).map(Some).map_err(|e| error(format!("{name}: {e}"))),
        }
    }
}
