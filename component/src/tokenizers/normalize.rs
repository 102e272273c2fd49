//! Normalizers, as `tokenizers` applies them before pre-tokenisation.

use super::unicode;
use crate::error::{Error, Result};
use crate::json::Value;
use alloc::{borrow::ToOwned, boxed::Box, format, string::String, vec::Vec};

pub enum Normalizer {
    /// `BertNormalizer`. With `strip_accents: null`, accents are stripped when lowercasing.
    Bert {
        clean_text: bool,
        handle_chinese_chars: bool,
        strip_accents: bool,
        lowercase: bool,
    },
    Lowercase,
    Nfd,
    /// Drops non-spacing marks (meant to follow `Nfd`).
    StripAccents,
    /// Strips whitespace from the left and/or right end.
    Strip {
        left: bool,
        right: bool,
    },
    /// Replaces every occurrence of `pattern` with `content`.
    Replace {
        pattern: Pattern,
        content: String,
    },
    /// SentencePiece's precompiled character map (T5, mT5).
    Precompiled(Box<super::precompiled::Precompiled>),
    Sequence(Vec<Normalizer>),
}

/// The patterns `Replace` supports: a literal string, or the one regex shape converted
/// SentencePiece tokenizers use, a run of one character (`" {2,}"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    Literal(String),
    Run { c: char, min: usize },
}

impl Pattern {
    fn from_json(json: &Value) -> Result<Pattern> {
        if let Some(s) = json.field("String").and_then(Value::as_str) {
            if s.is_empty() {
                return Err(Error::InvalidTokenizer("Replace pattern is empty".into()));
            }
            return Ok(Pattern::Literal(s.to_owned()));
        }
        let regex = json.field("Regex").and_then(Value::as_str).unwrap_or("");
        let run = regex.strip_suffix(",}").and_then(|r| crate::text::split_once(r, "{")).and_then(|(c, min)| {
            let mut chars = c.chars();
            // (`str::contains(char)` would bring in the two-way string searcher for non-ASCII chars.)
            let c = chars.next().filter(|c| !"\\[](){}.*+?^$|".chars().any(|m| m == *c))?;
            chars.next().is_none().then_some(())?;
            Some(Pattern::Run { c, min: crate::text::parse_usize(min).filter(|&m| m > 0)? })
        });
        run.ok_or_else(|| Error::UnsupportedArchitecture(format!("Replace regex '{regex}' is not implemented")))
    }

    fn replace(&self, text: &str, content: &str) -> String {
        match self {
            Pattern::Literal(s) => crate::text::replace(text, s, content),
            Pattern::Run { c, min } => {
                let mut out = String::with_capacity(text.len());
                let mut run = 0;
                for ch in text.chars().chain(core::iter::once('\0')) {
                    if ch == *c {
                        run += 1;
                        continue;
                    }
                    if run >= *min {
                        out.push_str(content);
                    } else {
                        out.extend(core::iter::repeat_n(*c, run));
                    }
                    run = 0;
                    out.push(ch);
                }
                out.pop();
                out
            }
        }
    }
}

impl Normalizer {
    pub fn bert(
        clean_text: bool,
        handle_chinese_chars: bool,
        strip_accents: Option<bool>,
        lowercase: bool,
    ) -> Normalizer {
        Normalizer::Bert {
            clean_text,
            handle_chinese_chars,
            strip_accents: strip_accents.unwrap_or(lowercase),
            lowercase,
        }
    }

    pub fn from_json(json: &Value) -> Result<Normalizer> {
        let flag = |key: &str, default: bool| json.field(key).and_then(Value::as_bool).unwrap_or(default);
        match json.field("type").and_then(Value::as_str) {
            Some("BertNormalizer") => Ok(Normalizer::bert(
                flag("clean_text", true),
                flag("handle_chinese_chars", true),
                json.field("strip_accents").and_then(Value::as_bool),
                flag("lowercase", true),
            )),
            Some("Lowercase") => Ok(Normalizer::Lowercase),
            Some("NFD") => Ok(Normalizer::Nfd),
            Some("StripAccents") => Ok(Normalizer::StripAccents),
            Some("Precompiled") => {
                let map = json.field("precompiled_charsmap").and_then(Value::as_str).unwrap_or("");
                super::precompiled::Precompiled::from_base64(map)
                    .map(|p| Normalizer::Precompiled(Box::new(p)))
                    .map_err(|e| Error::InvalidTokenizer(format!("precompiled_charsmap: {e}")))
            }
            Some("Strip") => {
                Ok(Normalizer::Strip { left: flag("strip_left", false), right: flag("strip_right", false) })
            }
            Some("Replace") => Ok(Normalizer::Replace {
                pattern: Pattern::from_json(
                    json.field("pattern").ok_or_else(|| Error::InvalidTokenizer("Replace has no pattern".into()))?,
                )?,
                content: json.field("content").and_then(Value::as_str).unwrap_or("").to_owned(),
            }),
            Some("Sequence") => {
                let items = json
                    .field("normalizers")
                    .and_then(Value::as_array)
                    .ok_or_else(|| Error::InvalidTokenizer("normalizer Sequence has no normalizers".into()))?;
                let mut steps = Vec::with_capacity(items.len());
                for item in items {
                    steps.push(Normalizer::from_json(item)?);
                }
                Ok(Normalizer::Sequence(steps))
            }
            Some(other) => Err(Error::UnsupportedArchitecture(format!("normalizer '{other}' is not implemented"))),
            None => Err(Error::InvalidTokenizer("normalizer has no type".into())),
        }
    }

    pub fn normalize(&self, text: &str) -> String {
        match self {
            Normalizer::Bert { clean_text, handle_chinese_chars, strip_accents, lowercase } => {
                let mut s = String::with_capacity(text.len());
                for c in text.chars() {
                    if *clean_text {
                        if c == '\0' || c == '\u{fffd}' || unicode::is_bert_control(c) {
                            continue;
                        }
                        if unicode::is_bert_whitespace(c) {
                            s.push(' ');
                            continue;
                        }
                    }
                    if *handle_chinese_chars && unicode::is_chinese_char(c) {
                        s.push(' ');
                        s.push(c);
                        s.push(' ');
                    } else {
                        s.push(c);
                    }
                }
                if *strip_accents {
                    s = remove_accents(&s);
                }
                if *lowercase {
                    s = super::lowercase::lowercase(&s);
                }
                s
            }
            Normalizer::Lowercase => super::lowercase::lowercase(text),
            Normalizer::Nfd => {
                let mut out = String::with_capacity(text.len());
                unicode::nfd_into(text, &mut out);
                out
            }
            Normalizer::StripAccents => text.chars().filter(|&c| !unicode::is_mark_nonspacing(c)).collect(),
            Normalizer::Strip { left, right } => {
                let mut s = text;
                if *left {
                    s = s.trim_start();
                }
                if *right {
                    s = s.trim_end();
                }
                s.to_owned()
            }
            Normalizer::Replace { pattern, content } => pattern.replace(text, content),
            Normalizer::Precompiled(map) => map.normalize(text),
            Normalizer::Sequence(steps) => steps.iter().fold(text.to_owned(), |s, step| step.normalize(&s)),
        }
    }
}

fn remove_accents(text: &str) -> String {
    let mut decomposed = String::with_capacity(text.len());
    unicode::nfd_into(text, &mut decomposed);
    decomposed.chars().filter(|&c| !unicode::is_mark_nonspacing(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bert_uncased_cleans_splits_cjk_strips_accents_and_lowercases() {
        let n = Normalizer::bert(true, true, None, true);
        assert_eq!(n.normalize("Héllo\tWORLD\u{0}\u{200b}中文"), "hello world 中  文 ");
        assert_eq!(n.normalize("ΣΑΣ"), "σασ");
    }

    #[test]
    fn replace_collapses_runs_of_spaces_and_literals() {
        let json = crate::json::parse(br#"{"type":"Replace","pattern":{"Regex":" {2,}"},"content":"\u2581"}"#).unwrap();
        let n = Normalizer::from_json(&json).unwrap();
        assert_eq!(n.normalize("a  b c   d "), "a▁b c▁d ");
        let literal = crate::json::parse(br#"{"type":"Replace","pattern":{"String":"ab"},"content":"x"}"#).unwrap();
        assert_eq!(Normalizer::from_json(&literal).unwrap().normalize("abcab"), "xcx");
        let regex = crate::json::parse(br#"{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "}"#).unwrap();
        assert!(matches!(Normalizer::from_json(&regex), Err(Error::UnsupportedArchitecture(_))));
    }

    #[test]
    fn explicit_strip_accents_false_keeps_accents_when_lowercasing() {
        let n = Normalizer::bert(true, true, Some(false), true);
        assert_eq!(n.normalize("Héllo"), "héllo");
        let cased = Normalizer::bert(true, true, None, false);
        assert_eq!(cased.normalize("Héllo"), "Héllo");
    }
}
