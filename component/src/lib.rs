//! wasmicro: transformer inference from the bytes of a Hugging Face model directory.
//!
//! This crate is plain Rust, tested natively; `bindings.rs` is the only file that knows WIT.

pub mod config;
pub mod error;
pub mod files;
pub mod json;
pub use wasmicro_kernels as kernels;
pub mod models;
pub mod order;
pub mod pooling;
pub mod safetensors;
pub mod tokenizers;

#[cfg(target_arch = "wasm32")]
mod bindings;

use config::Config;
pub use error::{Error, Result};
use files::Files;
use models::bert;
pub use pooling::Pooling;
use safetensors::Checkpoint;
use tokenizers::{Encoding, Tokenizer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Bert,
    Gpt2,
    T5,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub family: Family,
    pub model_type: String,
    pub architecture: String,
    pub hidden_size: u32,
    pub num_layers: u32,
    pub num_heads: u32,
    pub vocab_size: u32,
    pub max_position_embeddings: u32,
    pub dtype: String,
    pub embedding_size: u32,
    pub pooling: Pooling,
    pub normalize: bool,
    pub max_input_tokens: u32,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EmbedOptions {
    pub pooling: Option<Pooling>,
    pub normalize: Option<bool>,
    pub max_tokens: Option<u32>,
    /// `Some(false)`: an input over the limit is an error instead of being cut.
    pub truncate: Option<bool>,
}

enum Architecture {
    Bert(bert::Config),
}

pub struct Model {
    checkpoint: Checkpoint,
    architecture: Architecture,
    tokenizer: Tokenizer,
    embedding: pooling::EmbeddingConfig,
    info: ModelInfo,
}

/// Tokens per forward pass in `embed_batch`: bounds the activations held at once.
const BATCH_TOKEN_BUDGET: usize = 16_384;

impl Model {
    /// Builds a model from the files of a model directory, by their relative names.
    pub fn load(files: Vec<(String, Vec<u8>)>) -> Result<Model> {
        let mut files = Files::new(files);
        let config_json =
            files.json("config.json", Error::InvalidConfig)?.ok_or_else(|| Error::MissingFile("config.json".into()))?;
        let config = Config::new(&config_json)?;
        let model_type = config
            .get("model_type")
            .and_then(json::Value::as_str)
            .ok_or_else(|| Error::InvalidConfig("config.json: 'model_type' is missing".into()))?;
        let architecture_name = config
            .get("architectures")
            .and_then(json::Value::as_array)
            .and_then(|a| a.first())
            .and_then(json::Value::as_str)
            .unwrap_or("")
            .to_owned();
        match model_type {
            "bert" | "roberta" | "xlm-roberta" | "camembert" | "distilbert" | "electra" => {}
            "gpt2" | "gpt_neo" | "gpt_neox" | "t5" | "mt5" => {
                return Err(Error::UnsupportedArchitecture(format!(
                    "model_type '{model_type}' is recognised but its family is not implemented yet"
                )));
            }
            other => {
                return Err(Error::UnsupportedArchitecture(format!("model_type '{other}' is not supported")));
            }
        }
        let tokenizer = Tokenizer::from_files(&files, model_type)?;
        let weights = files.take("model.safetensors").ok_or_else(|| Error::MissingFile("model.safetensors".into()))?;
        let checkpoint = Checkpoint::parse(weights)?;
        let bert_config = bert::Config::from_json(model_type, &config, &checkpoint)?;
        // Bind once now so that a missing or misshapen tensor fails the load, not a later call.
        bert::Weights::load(&checkpoint, &bert_config)?;
        let embedding = pooling::EmbeddingConfig::from_files(&files, bert_config.max_tokens())?;
        let info = ModelInfo {
            family: Family::Bert,
            model_type: model_type.to_owned(),
            architecture: architecture_name,
            hidden_size: bert_config.hidden_size as u32,
            num_layers: bert_config.num_layers as u32,
            num_heads: bert_config.num_heads as u32,
            vocab_size: bert_config.vocab_size as u32,
            max_position_embeddings: bert_config.max_position_embeddings as u32,
            dtype: checkpoint.dtype().name().to_owned(),
            embedding_size: bert_config.hidden_size as u32,
            pooling: embedding.pooling,
            normalize: embedding.normalize,
            max_input_tokens: embedding.max_tokens as u32,
            labels: Vec::new(),
        };
        Ok(Model { checkpoint, architecture: Architecture::Bert(bert_config), tokenizer, embedding, info })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Bytes held beside the weights file (widened or realigned tensors).
    pub fn copied_weight_bytes(&self) -> usize {
        self.checkpoint.copied_bytes()
    }

    pub fn tokenize(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        Ok(self.tokenizer.encode(text, None, add_special_tokens)?.ids)
    }

    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        self.tokenizer.decode(ids, skip_special_tokens)
    }

    pub fn embed(&self, text: &str, options: &EmbedOptions) -> Result<Vec<f32>> {
        let mut vectors = self.embed_batch(&[text], options)?;
        vectors.pop().ok_or_else(|| Error::InvalidInput("no text to embed".into()))
    }

    pub fn embed_batch<S: AsRef<str>>(&self, texts: &[S], options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        let pooling = options.pooling.unwrap_or(self.embedding.pooling);
        let normalize = options.normalize.unwrap_or(self.embedding.normalize);
        let encodings =
            texts.iter().map(|t| self.encode_for_embedding(t.as_ref(), options)).collect::<Result<Vec<_>>>()?;
        let mut vectors = Vec::with_capacity(texts.len());
        for group in token_budget_groups(&encodings, BATCH_TOKEN_BUDGET) {
            let hidden = self.forward(group)?;
            let width = self.info.hidden_size as usize;
            let mut start = 0;
            for encoding in group {
                let tokens = &hidden[start * width..(start + encoding.len()) * width];
                let mut vector = pooling::pool(tokens, width, pooling);
                if normalize {
                    pooling::normalize(&mut vector);
                }
                vectors.push(vector);
                start += encoding.len();
            }
        }
        Ok(vectors)
    }

    /// The last hidden state of `text`, one vector per token.
    pub fn embed_tokens(&self, text: &str, options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        let encoding = self.encode_for_embedding(text, options)?;
        let hidden = self.forward(std::slice::from_ref(&encoding))?;
        Ok(hidden.chunks_exact(self.info.hidden_size as usize).map(<[f32]>::to_vec).collect())
    }

    pub fn generate(&self, _prompt: &str) -> Result<String> {
        Err(Error::Unsupported(format!(
            "'{}' is an encoder: it embeds and classifies, it does not generate text",
            self.info.model_type
        )))
    }

    fn encode_for_embedding(&self, text: &str, options: &EmbedOptions) -> Result<Encoding> {
        let text = if self.embedding.lowercase_input {
            std::borrow::Cow::Owned(tokenizers::lowercase::python_lower(text))
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        let limit = match options.max_tokens {
            Some(n) if n as usize > self.embedding.model_max_tokens => {
                return Err(Error::InvalidInput(format!(
                    "max-tokens {n} exceeds the model's {} positions",
                    self.embedding.model_max_tokens
                )));
            }
            Some(n) => n as usize,
            None => self.embedding.max_tokens,
        };
        if options.truncate == Some(false) {
            let encoding = self.tokenizer.encode(&text, None, true)?;
            if encoding.len() > limit {
                return Err(Error::InvalidInput(format!(
                    "input has {} tokens, more than the limit of {limit}",
                    encoding.len()
                )));
            }
            return Ok(encoding);
        }
        self.tokenizer.encode_truncated(&text, None, limit)
    }

    fn forward(&self, sequences: &[Encoding]) -> Result<Vec<f32>> {
        match &self.architecture {
            Architecture::Bert(cfg) => {
                let weights = bert::Weights::load(&self.checkpoint, cfg)?;
                bert::forward(cfg, &weights, sequences)
            }
        }
    }
}

/// Consecutive runs of encodings whose total length stays within `budget` (a longer single
/// encoding forms a run of its own).
fn token_budget_groups(encodings: &[Encoding], budget: usize) -> Vec<&[Encoding]> {
    let mut groups = Vec::new();
    let (mut start, mut tokens) = (0, 0);
    for (i, e) in encodings.iter().enumerate() {
        if i > start && tokens + e.len() > budget {
            groups.push(&encodings[start..i]);
            start = i;
            tokens = 0;
        }
        tokens += e.len();
    }
    if start < encodings.len() {
        groups.push(&encodings[start..]);
    }
    groups
}
