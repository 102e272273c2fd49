//! A vocabulary: token ↔ id, with one copy of each token string.
//!
//! Lookups go through a small open-addressing hash table of ids (FNV-1a, linear probing),
//! written out here: it is a few hundred bytes of component where `hashbrown` would be
//! kilobytes, and it builds in one pass. A sorted index did the job before, but sorting 30k
//! strings was most of a BERT load (~40 ms of the component's ~50 in V8).

use crate::error::{Error, Result};
use alloc::{format, string::String, vec, vec::Vec};

pub struct Vocab {
    /// Token of each id; empty where a file leaves an id unused.
    tokens: Vec<String>,
    /// Ids by hash of their token; `EMPTY` where no id sits. A power of two, at most half full.
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

fn hash(token: &str) -> u32 {
    token.bytes().fold(0x811c_9dc5, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193))
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
        let mut vocab = Vocab { tokens: Vec::new(), slots: vec![EMPTY; (2 * pairs.len()).next_power_of_two()] };
        for (token, id) in pairs {
            if !tokens[id as usize].is_empty() {
                return Err(Error::InvalidTokenizer(format!("vocabulary id {id} is given twice")));
            }
            // Empty tokens mark unused ids, so one given explicitly is not looked up either.
            if !token.is_empty() {
                let slot = vocab.slot(&tokens, &token);
                vocab.slots[slot] = id;
            }
            tokens[id as usize] = token;
        }
        vocab.tokens = tokens;
        Ok(vocab)
    }

    /// The slot that holds `token`'s id, or the empty slot where it would go.
    fn slot(&self, tokens: &[String], token: &str) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = hash(token) as usize & mask;
        while self.slots[slot] != EMPTY && tokens[self.slots[slot] as usize] != token {
            slot = (slot + 1) & mask;
        }
        slot
    }

    pub fn id(&self, token: &str) -> Option<u32> {
        let id = self.slots[self.slot(&self.tokens, token)];
        (id != EMPTY).then_some(id)
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

    #[test]
    fn every_token_of_a_large_sparse_vocabulary_is_found_and_others_are_not() {
        // Enough tokens that probing wraps and collides; ids with gaps, as some files leave.
        let pairs: Vec<(String, u32)> = (0..20_000u32).map(|i| (format!("t{i}"), 3 * i + 1)).collect();
        let v = Vocab::new(pairs).unwrap();
        assert!((0..20_000u32).all(|i| v.id(&format!("t{i}")) == Some(3 * i + 1)));
        assert!((20_000..40_000u32).all(|i| v.id(&format!("t{i}")).is_none()));
        assert_eq!((v.len(), v.id("")), (59_999, None));
        assert_eq!(Vocab::new(Vec::new()).unwrap().id("a"), None);
    }
}
