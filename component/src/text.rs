//! `str::find` and `str::replace` for `&str` patterns, written out: the standard library's
//! versions run its two-way searcher, ~4 KB of component for patterns that are a few bytes
//! long here ("{}", " n't", stop strings, a `Replace` normaliser's string), where a direct
//! scan is as fast.
//!
//! Bytes are compared: a match of a UTF-8 pattern in UTF-8 text starts and ends on character
//! boundaries (its first byte is never a continuation byte), so the results are the std ones.

use alloc::string::String;

/// `&text[start..end]`, for offsets found on character boundaries. Indexing a `str` does
/// the same check, but its panic message formats the text's characters, which keeps ~4 KB of
/// Unicode-escaping code in the component for a message no host sees; a violated boundary is
/// a bug either way, and traps.
#[inline]
pub fn slice(text: &str, start: usize, end: usize) -> &str {
    text.get(start..end).expect("str offsets on character boundaries")
}

/// `&text[start..]` (see [`slice`]).
#[inline]
pub fn tail(text: &str, start: usize) -> &str {
    text.get(start..).expect("str offset on a character boundary")
}

/// `&text[..end]` (see [`slice`]).
#[inline]
pub fn head(text: &str, end: usize) -> &str {
    text.get(..end).expect("str offset on a character boundary")
}

/// Byte offset of the first occurrence of `pattern` in `text`, as `text.find(pattern)`.
pub fn find(text: &str, pattern: &str) -> Option<usize> {
    let (text, pattern) = (text.as_bytes(), pattern.as_bytes());
    let last = text.len().checked_sub(pattern.len())?;
    (0..=last).find(|&i| text[i..].starts_with(pattern))
}

/// `text` with the first `limit` non-overlapping occurrences of `from`, leftmost first,
/// replaced by `to`, as `text.replacen(from, to, limit)` (`usize::MAX`: `text.replace`).
pub fn replacen(text: &str, from: &str, to: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len());
    if from.is_empty() {
        // std matches the empty pattern at every character boundary, the end included.
        let mut count = 0;
        for c in text.chars() {
            if count < limit {
                out.push_str(to);
                count += 1;
            }
            out.push(c);
        }
        if count < limit {
            out.push_str(to);
        }
        return out;
    }
    let mut rest = text;
    let mut count = 0;
    while count < limit {
        let Some(at) = find(rest, from) else { break };
        let (before, after) = (rest.get(..at).unwrap_or_default(), rest.get(at + from.len()..).unwrap_or_default());
        out.push_str(before);
        out.push_str(to);
        rest = after;
        count += 1;
    }
    out.push_str(rest);
    out
}

/// `text.replace(from, to)`.
pub fn replace(text: &str, from: &str, to: &str) -> String {
    replacen(text, from, to, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std() {
        let texts = ["", "a", "ab", "aaa", "abab", "x{}y{}", " n't n't", "é{}ü", "日本語の{}テキスト", "aaaa"];
        let patterns = ["", "a", "aa", "ab", "{}", " n't", "ü", "語", "zz", "aaaaa"];
        for text in texts {
            for pattern in patterns {
                assert_eq!(find(text, pattern), text.find(pattern), "find({text:?}, {pattern:?})");
                assert_eq!(replace(text, pattern, "<>"), text.replace(pattern, "<>"), "{text:?} {pattern:?}");
                for limit in 0..4 {
                    assert_eq!(replacen(text, pattern, "+", limit), text.replacen(pattern, "+", limit));
                }
            }
        }
    }
}
