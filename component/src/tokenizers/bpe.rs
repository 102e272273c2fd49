//! Byte-level BPE (GPT-2, RoBERTa): GPT-2's pre-tokenisation split, bytes mapped to printable
//! characters, then merges applied by rank.

use super::unicode;
use super::vocab::Vocab;
use crate::error::{Error, Result};
use crate::json::Value;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

pub struct Bpe {
    pub vocab: Vocab,
    /// (left id << 32 | right id, rank, merged id), sorted by pair.
    merges: Vec<(u64, u32, u32)>,
    unk_id: Option<u32>,
}

impl Bpe {
    pub fn new(vocab: Vocab, merges: &[(String, String)], unk_token: Option<&str>) -> Result<Bpe> {
        let mut table = Vec::with_capacity(merges.len());
        for (rank, (a, b)) in merges.iter().enumerate() {
            let missing =
                |t: &str| Error::InvalidTokenizer(format!("BPE merge '{a} {b}': '{t}' is not in the vocabulary"));
            let left = vocab.id(a).ok_or_else(|| missing(a))?;
            let right = vocab.id(b).ok_or_else(|| missing(b))?;
            let joined = format!("{a}{b}");
            let merged = vocab.id(&joined).ok_or_else(|| missing(&joined))?;
            table.push(((left as u64) << 32 | right as u64, rank as u32, merged));
        }
        // By pair, then rank: a pair listed twice keeps its first (best) rank.
        crate::order::sort_by(&mut table, &|a, b| a.cmp(b));
        table.dedup_by_key(|m| m.0);
        let unk_id = unk_token.and_then(|t| vocab.id(t));
        Ok(Bpe { vocab, merges: table, unk_id })
    }

    fn merge(&self, left: u32, right: u32) -> Option<(u32, u32)> {
        let key = (left as u64) << 32 | right as u64;
        self.merges.binary_search_by_key(&key, |m| m.0).ok().map(|i| (self.merges[i].1, self.merges[i].2))
    }

    pub fn from_json(json: &Value) -> Result<Bpe> {
        let vocab = json
            .field("vocab")
            .and_then(Value::as_id_pairs)
            .ok_or_else(|| Error::InvalidTokenizer("BPE vocab is not an object of token → id".into()))?;
        let items = json
            .field("merges")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::InvalidTokenizer("BPE merges are missing".into()))?;
        // A loop, not `collect::<Option<Vec<_>>>()`: each of those costs ~1 KB of component.
        let mut merges = Vec::with_capacity(items.len());
        for m in items {
            let pair = match m {
                // Older files: "a b"; newer ones: ["a", "b"].
                Value::String(s) => crate::text::split_once(s, " ").map(|(a, b)| (a.to_owned(), b.to_owned())),
                Value::Array(pair) => match pair.as_slice() {
                    [Value::String(a), Value::String(b)] => Some((a.clone(), b.clone())),
                    _ => None,
                },
                _ => None,
            };
            merges
                .push(pair.ok_or_else(|| Error::InvalidTokenizer("a BPE merge is neither \"a b\" nor [a, b]".into()))?);
        }
        for unsupported in ["continuing_subword_prefix", "end_of_word_suffix", "dropout"] {
            if json.field(unsupported).is_some_and(|v| v.as_str() != Some("")) {
                return Err(Error::UnsupportedArchitecture(format!("BPE option '{unsupported}' is not implemented")));
            }
        }
        if json.field("byte_fallback").and_then(Value::as_bool) == Some(true) {
            return Err(Error::UnsupportedArchitecture("BPE byte_fallback is not implemented".into()));
        }
        Bpe::new(Vocab::new(vocab)?, &merges, json.field("unk_token").and_then(Value::as_str))
    }

    /// `ByteLevel` pre-tokenisation then BPE on each piece.
    pub fn encode_byte_level(&self, text: &str, add_prefix_space: bool, use_regex: bool, ids: &mut Vec<u32>) {
        let prefixed;
        let text = if add_prefix_space && !text.starts_with(' ') {
            prefixed = format!(" {text}");
            &prefixed
        } else {
            text
        };
        let mut mapped = String::new();
        let mut emit = |piece: &str| {
            mapped.clear();
            mapped.extend(piece.bytes().map(byte_to_char));
            self.encode_word(&mapped, ids);
        };
        if use_regex {
            let mut start = 0;
            while start < text.len() {
                let end = gpt2_split_end(text, start);
                emit(crate::text::slice(text, start, end));
                start = end;
            }
        } else if !text.is_empty() {
            emit(text);
        }
    }

    /// Merges one pre-tokenised word (already in the model's alphabet) by rank.
    pub fn encode_word(&self, word: &str, ids: &mut Vec<u32>) {
        let mut symbols: Vec<u32> = Vec::with_capacity(word.len());
        let mut buf = [0u8; 4];
        for c in word.chars() {
            match self.vocab.id(c.encode_utf8(&mut buf)) {
                Some(id) => symbols.push(id),
                None => {
                    // `tokenizers` drops characters it cannot represent when there is no unk token.
                    if let Some(unk) = self.unk_id {
                        symbols.push(unk);
                    }
                }
            }
        }
        loop {
            let best = symbols
                .windows(2)
                .enumerate()
                .filter_map(|(i, pair)| self.merge(pair[0], pair[1]).map(|(rank, merged)| (rank, i, merged)))
                .min();
            let Some((_, i, merged)) = best else { break };
            symbols[i] = merged;
            symbols.remove(i + 1);
        }
        ids.extend_from_slice(&symbols);
    }
}

/// GPT-2's byte → printable character table: printable Latin-1 bytes map to themselves,
/// the others to U+0100 onwards, in byte order.
const BYTE_CHARS: [u16; 256] = {
    let mut table = [0u16; 256];
    let (mut b, mut next) = (0usize, 256u16);
    while b < 256 {
        let printable = matches!(b as u8, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        table[b] = if printable { b as u16 } else { next };
        if !printable {
            next += 1;
        }
        b += 1;
    }
    table
};

fn byte_to_char(b: u8) -> char {
    // Every entry is below U+0144, a valid scalar value.
    char::from_u32(BYTE_CHARS[b as usize] as u32).unwrap_or('\u{FFFD}')
}

fn char_to_byte(c: char) -> Option<u8> {
    BYTE_CHARS.iter().position(|&code| code as u32 == c as u32).map(|b| b as u8)
}

/// The `ByteLevel` decoder: characters back to bytes (then lossy UTF-8, as `tokenizers` does).
/// A token with a character outside the byte alphabet (an added token) contributes its own
/// UTF-8 bytes.
pub fn decode_bytes<'a>(tokens: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for token in tokens {
        let start = bytes.len();
        for c in token.chars() {
            match char_to_byte(c) {
                Some(b) => bytes.push(b),
                None => {
                    bytes.truncate(start);
                    bytes.extend_from_slice(token.as_bytes());
                    break;
                }
            }
        }
    }
    bytes
}

/// End of the GPT-2 pre-tokeniser match starting at `start`, for the pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// tried in that order as the regex engine does.
pub fn gpt2_split_end(text: &str, start: usize) -> usize {
    let rest = crate::text::tail(text, start);
    for contraction in ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"] {
        if rest.starts_with(contraction) {
            return start + contraction.len();
        }
    }
    let run_end = |from: usize, class: fn(char) -> bool| -> usize {
        crate::text::tail(text, from).char_indices().find(|&(_, c)| !class(c)).map_or(text.len(), |(i, _)| from + i)
    };
    let after_space = if rest.starts_with(' ') { start + 1 } else { start };
    if let Some(c) = crate::text::tail(text, after_space).chars().next() {
        let class: Option<fn(char) -> bool> = if unicode::is_letter(c) {
            Some(unicode::is_letter)
        } else if unicode::is_number(c) {
            Some(unicode::is_number)
        } else if !unicode::is_regex_whitespace(c) {
            Some(|c| !unicode::is_regex_whitespace(c) && !unicode::is_letter(c) && !unicode::is_number(c))
        } else {
            None
        };
        if let Some(class) = class {
            return run_end(after_space, class);
        }
    }
    // Whitespace: the whole run if it ends the text, else all but its last character
    // (which then leads the next word), or the single character if that is all there is.
    let end = run_end(start, unicode::is_regex_whitespace);
    if end == text.len() {
        return end;
    }
    let last = crate::text::slice(text, start, end).chars().next_back().map_or(0, char::len_utf8);
    if end - start > last { end - last } else { end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let end = gpt2_split_end(text, start);
            out.push(&text[start..end]);
            start = end;
        }
        out
    }

    #[test]
    fn splits_like_gpt2s_regex() {
        assert_eq!(
            split("Hello world's  end!!\n\n x2 ١٢"),
            ["Hello", " world", "'s", " ", " end", "!!", "\n\n", " x", "2", " ١٢"]
        );
        assert_eq!(split("  a"), [" ", " a"]);
        assert_eq!(split("a \tb"), ["a", " ", "\t", "b"]);
        assert_eq!(split("end   "), ["end", "   "]);
        assert_eq!(split("I'M"), ["I", "'", "M"]);
    }

    #[test]
    fn byte_alphabet_round_trips() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
    }

    #[test]
    fn merges_apply_by_rank() {
        let vocab =
            ["a", "b", "c", "ab", "bc", "abc"].iter().enumerate().map(|(i, t)| (t.to_string(), i as u32)).collect();
        let vocab = Vocab::new(vocab).unwrap();
        let merges = [("b", "c"), ("a", "b"), ("a", "bc")].map(|(a, b)| (a.to_string(), b.to_string()));
        let bpe = Bpe::new(vocab, &merges, None).unwrap();
        let mut ids = Vec::new();
        bpe.encode_word("abc", &mut ids);
        assert_eq!(ids, [5]);
        bpe.encode_word("abc", &mut ids);
        assert_eq!(ids, [5, 5]);
    }
}
