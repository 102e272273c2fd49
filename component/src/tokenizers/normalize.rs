//! Normalizers, as `tokenizers` applies them before pre-tokenisation.

use super::unicode;
use crate::error::{Error, Result};
use crate::json::Value;

#[derive(Debug, Clone, PartialEq)]
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
    Sequence(Vec<Normalizer>),
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
            Some("Sequence") => json
                .field("normalizers")
                .and_then(Value::as_array)
                .ok_or_else(|| Error::InvalidTokenizer("normalizer Sequence has no normalizers".into()))?
                .iter()
                .map(Normalizer::from_json)
                .collect::<Result<Vec<_>>>()
                .map(Normalizer::Sequence),
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
    fn explicit_strip_accents_false_keeps_accents_when_lowercasing() {
        let n = Normalizer::bert(true, true, Some(false), true);
        assert_eq!(n.normalize("Héllo"), "héllo");
        let cased = Normalizer::bert(true, true, None, false);
        assert_eq!(cased.normalize("Héllo"), "Héllo");
    }
}
