//! Typed reads from `config.json`: a missing or mistyped field is an `invalid-config` error
//! that names the field.
//!
//! Reads do not return `Result`: the first failure is kept (later reads give a harmless
//! placeholder) and `check`/`finish` report it, so a family's `from_json` is a list of reads
//! with one `?` instead of a `?` per field (~2 KB of component across the families). Code that
//! validates read values (a division, a consistency check) calls `check()?` first, so the
//! error is the one the first failing read gives, as with a `?` at each read.

use crate::error::{Error, Result};
use crate::json::Value;
use crate::kernels::act::Activation;
use alloc::format;
use core::cell::Cell;

pub struct Config<'a> {
    json: &'a Value,
    error: Cell<Option<Error>>,
}

fn invalid(key: &str, expected: &str) -> Error {
    Error::InvalidConfig(format!("config.json: '{key}' is missing or not {expected}"))
}

impl<'a> Config<'a> {
    pub fn new(json: &'a Value) -> Result<Config<'a>> {
        match json {
            Value::Object(_) => Ok(Config { json, error: Cell::new(None) }),
            _ => Err(Error::InvalidConfig("config.json is not a JSON object".into())),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.json.field(key)
    }

    /// Keeps `error` unless an earlier one is kept.
    pub fn fail(&self, error: Error) {
        let kept = self.error.take();
        self.error.set(Some(kept.unwrap_or(error)));
    }

    /// The first failure so far, if any.
    pub fn check(&self) -> Result<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The value of `result`, or (keeping its error) the default.
    pub fn keep<T: Default>(&self, result: Result<T>) -> T {
        result.unwrap_or_else(|e| {
            self.fail(e);
            T::default()
        })
    }

    /// `value`, unless a read failed.
    pub fn finish<T>(&self, value: T) -> Result<T> {
        self.check().map(|()| value)
    }

    /// A required positive size (1 after a failure, so that arithmetic on it stays defined).
    pub fn size(&self, key: &str) -> usize {
        match self.get(key).and_then(Value::as_usize).filter(|&n| n > 0) {
            Some(n) => n,
            None => {
                self.fail(invalid(key, "a positive integer"));
                1
            }
        }
    }

    /// The first of `keys` present (configs of different families name the same thing differently).
    pub fn size_of(&self, keys: &[&str]) -> usize {
        match keys.iter().find(|k| self.get(k).is_some()) {
            Some(key) => self.size(key),
            None => {
                self.fail(invalid(keys.first().copied().unwrap_or("?"), "a positive integer"));
                1
            }
        }
    }

    pub fn size_or(&self, key: &str, default: usize) -> usize {
        match self.get(key) {
            None => default,
            Some(v) => v.as_usize().unwrap_or_else(|| {
                self.fail(invalid(key, "a non-negative integer"));
                default
            }),
        }
    }

    pub fn optional_id(&self, key: &str) -> Option<u32> {
        let v = self.get(key)?;
        let id = v.as_usize().and_then(|n| u32::try_from(n).ok());
        if id.is_none() {
            self.fail(invalid(key, "a token id"));
        }
        id
    }

    pub fn f32_or(&self, key: &str, default: f32) -> f32 {
        match self.get(key) {
            None => default,
            Some(v) => v.as_f64().filter(|x| x.is_finite()).map(|x| x as f32).unwrap_or_else(|| {
                self.fail(invalid(key, "a finite number"));
                default
            }),
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> bool {
        match self.get(key) {
            None => default,
            Some(v) => v.as_bool().unwrap_or_else(|| {
                self.fail(invalid(key, "a boolean"));
                default
            }),
        }
    }

    /// The activation named by `key` (else `default`); an unknown name fails as unsupported.
    pub fn activation(&self, key: &str, default: &'a str) -> Activation {
        let name = self.str_or(key, default);
        self.known_activation(name)
    }

    /// The activation `name`; an unknown one fails as unsupported.
    pub fn known_activation(&self, name: &str) -> Activation {
        Activation::from_name(name).unwrap_or_else(|| {
            self.fail(Error::UnsupportedArchitecture(format!("activation '{name}' is not implemented")));
            Activation::Gelu
        })
    }

    pub fn str_or(&self, key: &str, default: &'a str) -> &'a str {
        match self.get(key) {
            None => default,
            Some(v) => v.as_str().unwrap_or_else(|| {
                self.fail(invalid(key, "a string"));
                default
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failed_read_is_the_error() {
        let json = crate::json::parse(br#"{"a": 2, "b": "x", "c": -1, "d": true}"#).unwrap();
        let c = Config::new(&json).unwrap();
        assert_eq!((c.size("a"), c.size_or("z", 7), c.str_or("b", "?"), c.bool_or("d", false)), (2, 7, "x", true));
        assert_eq!(c.check(), Ok(()));
        assert_eq!(c.size("c"), 1);
        c.bool_or("b", false);
        c.size("missing");
        assert_eq!(c.finish(()), Err(invalid("c", "a positive integer")));
        assert_eq!(c.check(), Ok(()));
        assert_eq!(c.optional_id("b"), None);
        assert_eq!(c.check(), Err(invalid("b", "a token id")));
    }
}
