//! Sentence embeddings as sentence-transformers makes them: pooling of the last hidden state
//! and an optional Normalize module, configured by the checkpoint's own files.

use crate::error::{Error, Result};
use crate::files::Files;
use crate::json::Value;
use crate::kernels::math;
use alloc::{borrow::ToOwned, format, vec, vec::Vec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Cls,
    Mean,
    Max,
    Last,
}

/// How `embed` turns a text into one vector by default.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingConfig {
    pub pooling: Pooling,
    pub normalize: bool,
    /// Default truncation length, special tokens included.
    pub max_tokens: usize,
    /// The most the model's positions allow.
    pub model_max_tokens: usize,
    /// sentence-transformers' `do_lower_case`: the text is lowercased before tokenising.
    pub lowercase_input: bool,
}

fn invalid(file: &str, what: &str) -> Error {
    Error::InvalidConfig(format!("{file}: {what}"))
}

impl EmbeddingConfig {
    /// Reads `modules.json`, the pooling module's `config.json` and `sentence_bert_config.json`;
    /// without them: mean pooling, no normalisation, as sentence-transformers does for a plain
    /// Hugging Face checkpoint.
    pub fn from_files(files: &Files, model_max_tokens: usize) -> Result<EmbeddingConfig> {
        let mut pooling = Pooling::Mean;
        let mut normalize = false;
        if let Some(modules) = files.json("modules.json", Error::InvalidConfig)? {
            let modules = modules.as_array().ok_or_else(|| invalid("modules.json", "not a list of modules"))?;
            for module in modules {
                let kind = module.field("type").and_then(Value::as_str).unwrap_or("");
                let kind = kind.bytes().rposition(|b| b == b'.').map_or(kind, |dot| crate::text::tail(kind, dot + 1));
                let path = module.field("path").and_then(Value::as_str).unwrap_or("");
                match kind {
                    "Transformer" => {}
                    "Pooling" => {
                        let name =
                            if path.is_empty() { "config.json".to_owned() } else { format!("{path}/config.json") };
                        let config =
                            files.json(&name, Error::InvalidConfig)?.ok_or_else(|| Error::MissingFile(name.clone()))?;
                        pooling = pooling_mode(&name, &config)?;
                    }
                    "Normalize" => normalize = true,
                    other => {
                        return Err(Error::UnsupportedArchitecture(format!(
                            "sentence-transformers module '{other}' is not implemented"
                        )));
                    }
                }
            }
        }
        let st_config = files.json("sentence_bert_config.json", Error::InvalidConfig)?;
        let st_max = st_config.as_ref().and_then(|c| c.field("max_seq_length")).and_then(Value::as_usize);
        let tokenizer_max = files
            .json("tokenizer_config.json", Error::InvalidTokenizer)?
            .and_then(|c| c.field("model_max_length").and_then(Value::as_usize));
        // `model_max_length` is often a huge sentinel (1e30); only a real limit counts.
        let max_tokens = st_max
            .or(tokenizer_max.filter(|&n| n <= model_max_tokens))
            .unwrap_or(model_max_tokens)
            .min(model_max_tokens);
        let lowercase_input =
            st_config.as_ref().and_then(|c| c.field("do_lower_case")).and_then(Value::as_bool).unwrap_or(false);
        Ok(EmbeddingConfig { pooling, normalize, max_tokens, model_max_tokens, lowercase_input })
    }
}

fn pooling_mode(file: &str, config: &Value) -> Result<Pooling> {
    let flag = |key: &str| config.field(key).and_then(Value::as_bool).unwrap_or(false);
    let modes = [
        ("pooling_mode_cls_token", Some(Pooling::Cls)),
        ("pooling_mode_mean_tokens", Some(Pooling::Mean)),
        ("pooling_mode_max_tokens", Some(Pooling::Max)),
        ("pooling_mode_lasttoken", Some(Pooling::Last)),
        ("pooling_mode_mean_sqrt_len_tokens", None),
        ("pooling_mode_weightedmean_tokens", None),
    ];
    let mut chosen = Vec::new();
    for mode in &modes {
        if flag(mode.0) {
            chosen.push(mode);
        }
    }
    match chosen.as_slice() {
        [(_, Some(mode))] => Ok(*mode),
        [(key, None)] => Err(Error::UnsupportedArchitecture(format!("{file}: {key} is not implemented"))),
        [] => Err(invalid(file, "no pooling mode is enabled")),
        _ => Err(Error::UnsupportedArchitecture(format!("{file}: several pooling modes at once are not implemented"))),
    }
}

/// One vector from the token vectors `[tokens][width]` of a single sequence (never padded).
pub fn pool(tokens: &[f32], width: usize, pooling: Pooling) -> Vec<f32> {
    let count = tokens.len() / width;
    if count == 0 {
        return vec![0.0; width];
    }
    let mut rows = tokens.chunks_exact(width);
    match pooling {
        Pooling::Cls => rows.next().map(<[f32]>::to_vec).unwrap_or_default(),
        Pooling::Last => rows.next_back().map(<[f32]>::to_vec).unwrap_or_default(),
        Pooling::Mean => {
            let mut sum = vec![0.0; width];
            for row in rows {
                super::models::add_in_place(&mut sum, row);
            }
            sum.iter_mut().for_each(|v| *v /= count as f32);
            sum
        }
        Pooling::Max => {
            let mut max = vec![f32::NEG_INFINITY; width];
            for row in rows {
                max.iter_mut().zip(row).for_each(|(m, &v)| *m = m.max(v));
            }
            max
        }
    }
}

/// `torch.nn.functional.normalize`: x / max(‖x‖₂, 1e-12).
pub fn normalize(vector: &mut [f32]) {
    let norm = math::sqrt_f32(vector.iter().map(|v| v * v).sum::<f32>()).max(1e-12);
    vector.iter_mut().for_each(|v| *v /= norm);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_each_way() {
        let tokens = [1.0, -2.0, 3.0, 4.0, -5.0, 0.5];
        assert_eq!(pool(&tokens, 2, Pooling::Cls), [1.0, -2.0]);
        assert_eq!(pool(&tokens, 2, Pooling::Last), [-5.0, 0.5]);
        assert_eq!(pool(&tokens, 2, Pooling::Mean), [-1.0 / 3.0, 2.5 / 3.0]);
        assert_eq!(pool(&tokens, 2, Pooling::Max), [3.0, 4.0]);
        let mut v = vec![3.0, 4.0];
        normalize(&mut v);
        assert_eq!(v, [0.6, 0.8]);
    }

    fn files(entries: &[(&str, &str)]) -> Files {
        Files::new(entries.iter().map(|(n, c)| (n.to_string(), c.as_bytes().to_vec())).collect())
    }

    #[test]
    fn reads_sentence_transformers_modules() {
        let f = files(&[
            (
                "modules.json",
                r#"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]"#,
            ),
            (
                "1_Pooling/config.json",
                r#"{"word_embedding_dimension":384,"pooling_mode_cls_token":false,"pooling_mode_mean_tokens":true}"#,
            ),
            ("sentence_bert_config.json", r#"{"max_seq_length":256,"do_lower_case":false}"#),
            ("tokenizer_config.json", r#"{"model_max_length":128}"#),
        ]);
        let c = EmbeddingConfig::from_files(&f, 512).unwrap();
        assert_eq!((c.pooling, c.normalize, c.max_tokens), (Pooling::Mean, true, 256));
    }

    #[test]
    fn without_sentence_transformers_files_uses_the_tokenizer_limit_or_the_positions() {
        let c = EmbeddingConfig::from_files(
            &files(&[("tokenizer_config.json", r#"{"model_max_length":1000000000000000019884624838656}"#)]),
            512,
        )
        .unwrap();
        assert_eq!((c.pooling, c.normalize, c.max_tokens), (Pooling::Mean, false, 512));
    }

    #[test]
    fn unsupported_pooling_is_a_typed_error() {
        let f = files(&[
            ("modules.json", r#"[{"path":"1_Pooling","type":"sentence_transformers.models.Pooling"}]"#),
            ("1_Pooling/config.json", r#"{"pooling_mode_weightedmean_tokens":true}"#),
        ]);
        assert!(matches!(EmbeddingConfig::from_files(&f, 512), Err(Error::UnsupportedArchitecture(_))));
    }
}
