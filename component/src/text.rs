//! The `str` operations the engine needs, written out because the standard library's cost
//! the component more than they are worth here (each function says what it replaces; the
//! tests pin every one to the std result):
//!
//! - `find`, `replace`, `split_once` for `&str` patterns: std runs its two-way searcher, ~4 KB,
//!   for patterns that are a few bytes long ("{}", " n't", stop strings, a `Replace`
//!   normaliser's string), where a direct scan is as fast; `lines` avoids std's char searcher;
//! - `slice`/`head`/`tail`: indexing with its Unicode-escaping panic message;
//! - `parse_usize`: `str::parse::<usize>`.
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

/// `text.split_once(separator)`.
pub fn split_once<'t>(text: &'t str, separator: &str) -> Option<(&'t str, &'t str)> {
    let at = find(text, separator)?;
    Some((head(text, at), tail(text, at + separator.len())))
}

/// `text.lines()`: the pieces between `\n`s, each without one `\r` before its `\n`, and no
/// empty piece after a final `\n` (the standard library's char searcher is ~1 KB more).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text).filter(|t| !t.is_empty());
    core::iter::from_fn(move || {
        let current = rest?;
        Some(match current.bytes().position(|b| b == b'\n') {
            Some(end) => {
                let after = tail(current, end + 1);
                rest = Some(after).filter(|t| !t.is_empty());
                let line = head(current, end);
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => {
                rest = None;
                current
            }
        })
    })
}

/// `text.parse::<usize>().ok()`: an optional `+`, then decimal digits, without overflow.
pub fn parse_usize(text: &str) -> Option<usize> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut n = 0usize;
    for b in digits.bytes() {
        let d = (b as char).to_digit(10)?;
        n = n.checked_mul(10)?.checked_add(d as usize)?;
    }
    Some(n)
}

/// `text.replace(from, to)`.
pub fn replace(text: &str, from: &str, to: &str) -> String {
    replacen(text, from, to, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_usize_agrees_with_std() {
        for text in [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "007",
            "12a",
            " 1",
            "1 ",
            "+-1",
            "٣",
            "18446744073709551615",
            "4294967295",
            "4294967296",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_usize(text), text.parse::<usize>().ok(), "{text:?}");
        }
    }

    #[test]
    fn lines_agree_with_std() {
        for text in
            ["", "\n", "a", "a\n", "a\r\n", "a\r", "\r\n\r\n", "a\nb", "a\r\nb\r", "a\n\nb\n\n", "\r\r\n", "x\ry\n"]
        {
            assert_eq!(lines(text).collect::<Vec<_>>(), text.lines().collect::<Vec<_>>(), "{text:?}");
        }
    }

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
                if !pattern.is_empty() {
                    assert_eq!(split_once(text, pattern), text.split_once(pattern));
                }
            }
        }
    }
}
