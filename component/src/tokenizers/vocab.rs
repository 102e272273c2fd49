//! A vocabulary: token ↔ id, with one copy of each token string.
//!
//! Lookups binary-search an index sorted by token, rather than hash: it costs the component
//! far fewer bytes than a hash map, and a lookup is a few hundred nanoseconds against the
//! milliseconds a forward pass takes.

use crate::error::{Error, Result};
use alloc::{format, string::String, vec, vec::Vec};

pub struct Vocab {
    /// Token of each id; empty where a file leaves an id unused.
    tokens: Vec<String>,
    /// Ids in the order of their tokens.
    sorted: Vec<u32>,
}

impl Vocab {
    /// From (token, id) pairs. A token given twice maps to its last id, as a hash map filled
    /// in file order would (what `tokenizers` and `transformers` build); ids must be unique.
    pub fn new(pairs: Vec<(String, u32)>) -> Result<Vocab> {
        let len = pairs.iter().map(|&(_, id)| id as usize + 1).max().unwrap_or(0);
        if len > 1 << 24 {
            return Err(Error::InvalidTokenizer(format!("vocabulary id {} is implausibly large", len - 1)));
        }
        let mut tokens = Vec::with_capacity(len);
        tokens.resize_with(len, String::new);
        let mut order = vec![0u32; len];
        let mut ids = Vec::with_capacity(pairs.len());
        for (position, (token, id)) in pairs.into_iter().enumerate() {
            if !tokens[id as usize].is_empty() {
                return Err(Error::InvalidTokenizer(format!("vocabulary id {id} is given twice")));
            }
            tokens[id as usize] = token;
            order[id as usize] = position as u32;
            ids.push(id);
        }
        let key = |id: u32| (tokens[id as usize].as_str(), core::cmp::Reverse(order[id as usize]));
        let mut sorted = ids;
        crate::order::sort_by(&mut sorted, &|&a, &b| key(a).cmp(&key(b)));
        // Of equal tokens the last given sorts first; keep it. Unused ids (empty tokens, which
        // sort first) are left out.
        let mut kept: Vec<u32> = Vec::with_capacity(sorted.len());
        for id in sorted {
            let token = &tokens[id as usize];
            if !token.is_empty() && kept.last().is_none_or(|&last| tokens[last as usize] != *token) {
                kept.push(id);
            }
        }
        Ok(Vocab { tokens, sorted: kept })
    }

    pub fn id(&self, token: &str) -> Option<u32> {
        self.sorted.binary_search_by(|&id| self.tokens[id as usize].as_str().cmp(token)).ok().map(|i| self.sorted[i])
    }

    /// One past the largest id.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Token strings by id (empty strings for unused ids).
    pub fn into_tokens(self) -> Vec<String> {
        self.tokens
    }

    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_both_ways() {
        let v = Vocab::new(vec![("b".into(), 0), ("a".into(), 2), ("ab".into(), 1)]).unwrap();
        assert_eq!((v.id("a"), v.id("ab"), v.id("b"), v.id("c")), (Some(2), Some(1), Some(0), None));
        assert_eq!(v.tokens(), ["b", "ab", "a"]);
    }

    #[test]
    fn a_repeated_token_takes_its_last_id_and_a_repeated_id_is_an_error() {
        let v = Vocab::new(vec![("a".into(), 0), ("b".into(), 1), ("a".into(), 2)]).unwrap();
        assert_eq!(v.id("a"), Some(2));
        assert!(Vocab::new(vec![("a".into(), 0), ("b".into(), 0)]).is_err());
    }
}
