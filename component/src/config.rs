//! Typed reads from `config.json`: a missing or mistyped field is an `invalid-config` error
//! that names the field.

use crate::error::{Error, Result};
use crate::json::Value;

pub struct Config<'a> {
    json: &'a Value,
}

fn invalid(key: &str, expected: &str) -> Error {
    Error::InvalidConfig(format!("config.json: '{key}' is missing or not {expected}"))
}

impl<'a> Config<'a> {
    pub fn new(json: &'a Value) -> Result<Config<'a>> {
        match json {
            Value::Object(_) => Ok(Config { json }),
            _ => Err(Error::InvalidConfig("config.json is not a JSON object".into())),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.json.field(key)
    }

    /// A required positive size.
    pub fn size(&self, key: &str) -> Result<usize> {
        self.get(key).and_then(Value::as_usize).filter(|&n| n > 0).ok_or_else(|| invalid(key, "a positive integer"))
    }

    /// The first of `keys` present (configs of different families name the same thing differently).
    pub fn size_of(&self, keys: &[&str]) -> Result<usize> {
        match keys.iter().find(|k| self.get(k).is_some()) {
            Some(key) => self.size(key),
            None => Err(invalid(keys.first().copied().unwrap_or("?"), "a positive integer")),
        }
    }

    pub fn size_or(&self, key: &str, default: usize) -> Result<usize> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_usize().ok_or_else(|| invalid(key, "a non-negative integer")),
        }
    }

    pub fn optional_id(&self, key: &str) -> Result<Option<u32>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_usize().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or_else(|| invalid(key, "a token id"))
            }
        }
    }

    pub fn f32_or(&self, key: &str, default: f32) -> Result<f32> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => {
                v.as_f64().filter(|x| x.is_finite()).map(|x| x as f32).ok_or_else(|| invalid(key, "a finite number"))
            }
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| invalid(key, "a boolean")),
        }
    }

    pub fn str_or(&self, key: &str, default: &'a str) -> Result<&'a str> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_str().ok_or_else(|| invalid(key, "a string")),
        }
    }
}
