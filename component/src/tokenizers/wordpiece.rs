//! WordPiece (BERT): greedy longest-match-first over a word, with `##` continuations.

use super::unicode;
use super::vocab::Vocab;
use crate::error::{Error, Result};
use crate::json::Value;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

pub struct WordPiece {
    pub vocab: Vocab,
    unk_id: u32,
    prefix: String,
    max_chars_per_word: usize,
}

impl WordPiece {
    pub fn new(vocab: Vocab, unk_token: &str, prefix: &str, max_chars_per_word: usize) -> Result<WordPiece> {
        let unk_id = vocab.id(unk_token).ok_or_else(|| {
            Error::InvalidTokenizer(format!("WordPiece unk token '{unk_token}' is not in the vocabulary"))
        })?;
        Ok(WordPiece { vocab, unk_id, prefix: prefix.to_owned(), max_chars_per_word })
    }

    pub fn from_json(json: &Value) -> Result<WordPiece> {
        let vocab = json
            .field("vocab")
            .and_then(Value::as_id_pairs)
            .ok_or_else(|| Error::InvalidTokenizer("WordPiece vocab is not an object of token → id".into()))?;
        let unk = json.field("unk_token").and_then(Value::as_str).unwrap_or("[UNK]");
        let prefix = json.field("continuing_subword_prefix").and_then(Value::as_str).unwrap_or("##");
        let max_chars = json.field("max_input_chars_per_word").and_then(Value::as_usize).unwrap_or(100);
        WordPiece::new(Vocab::new(vocab)?, unk, prefix, max_chars)
    }

    pub fn encode_word(&self, word: &str, ids: &mut Vec<u32>) {
        if word.chars().count() > self.max_chars_per_word {
            ids.push(self.unk_id);
            return;
        }
        let first = ids.len();
        let mut start = 0;
        let mut candidate = String::with_capacity(word.len() + self.prefix.len());
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                candidate.clear();
                if start > 0 {
                    candidate.push_str(&self.prefix);
                }
                candidate.push_str(crate::text::slice(word, start, end));
                if let Some(id) = self.vocab.id(&candidate) {
                    found = Some(id);
                    break;
                }
                end -= crate::text::head(word, end).chars().next_back().map_or(1, char::len_utf8);
            }
            match found {
                Some(id) => ids.push(id),
                None => {
                    // One unknown piece makes the whole word unknown.
                    ids.truncate(first);
                    ids.push(self.unk_id);
                    return;
                }
            }
            start = end;
        }
    }
}

/// `BertPreTokenizer`: split on whitespace (dropped), then isolate each punctuation character.
pub fn bert_pre_tokenize<'t>(text: &'t str, words: &mut Vec<&'t str>) {
    for chunk in text.split(char::is_whitespace) {
        let mut start = 0;
        for (i, c) in chunk.char_indices() {
            if unicode::is_bert_punctuation(c) {
                if start < i {
                    words.push(crate::text::slice(chunk, start, i));
                }
                words.push(crate::text::slice(chunk, i, i + c.len_utf8()));
                start = i + c.len_utf8();
            }
        }
        if start < chunk.len() {
            words.push(crate::text::tail(chunk, start));
        }
    }
}

/// The `WordPiece` decoder: tokens joined by spaces, `##` continuations glued to the previous
/// token (except on the first token, which `tokenizers` leaves as is), then optional cleanup.
pub fn decode(tokens: &[&str], cleanup: bool) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        let mut piece = String::new();
        if i == 0 {
            piece.push_str(token);
        } else if let Some(rest) = token.strip_prefix("##") {
            piece.push_str(rest);
        } else {
            piece.push(' ');
            piece.push_str(token);
        }
        if cleanup {
            piece = cleanup_spaces(&piece);
        }
        out.push_str(&piece);
    }
    out
}

fn cleanup_spaces(text: &str) -> String {
    const CLEANUPS: [(&str, &str); 11] = [
        (" .", "."),
        (" ?", "?"),
        (" !", "!"),
        (" ,", ","),
        (" ' ", "'"),
        (" n't", "n't"),
        (" 'm", "'m"),
        (" do not", " don't"),
        (" 's", "'s"),
        (" 've", "'ve"),
        (" 're", "'re"),
    ];
    let mut text = text.to_owned();
    for (from, to) in CLEANUPS {
        text = crate::text::replace(&text, from, to);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(tokens: &[&str], max_chars: usize) -> WordPiece {
        let vocab = Vocab::new(tokens.iter().enumerate().map(|(i, t)| (t.to_string(), i as u32)).collect()).unwrap();
        WordPiece::new(vocab, "[UNK]", "##", max_chars).unwrap()
    }

    #[test]
    fn greedy_longest_match_with_continuations() {
        let wp = model(&["[UNK]", "un", "##aff", "##able", "una", "##ff"], 100);
        let mut ids = Vec::new();
        wp.encode_word("unaffable", &mut ids);
        assert_eq!(ids, [4, 5, 3]);
    }

    #[test]
    fn a_word_with_an_unknown_piece_is_one_unknown() {
        let wp = model(&["[UNK]", "un", "##aff"], 100);
        let mut ids = vec![9];
        wp.encode_word("unaffz", &mut ids);
        assert_eq!(ids, [9, 0]);
    }

    #[test]
    fn words_longer_than_the_limit_are_unknown() {
        let wp = model(&["[UNK]", "a", "##a"], 3);
        let mut ids = Vec::new();
        wp.encode_word("aaaa", &mut ids);
        assert_eq!(ids, [0]);
    }

    #[test]
    fn pre_tokenizer_isolates_punctuation_and_drops_spaces() {
        let mut words = Vec::new();
        bert_pre_tokenize("Hello, world!!  $5", &mut words);
        assert_eq!(words, ["Hello", ",", "world", "!", "!", "$", "5"]);
    }

    #[test]
    fn decode_glues_continuations_and_cleans_spaces() {
        assert_eq!(decode(&["hello", "wo", "##rld", "!"], true), "hello world!");
        assert_eq!(decode(&["##a"], true), "##a");
    }
}
