//! wasmicro: transformer inference from the bytes of a Hugging Face model directory.
//!
//! This crate is plain Rust, tested natively; `bindings.rs` is the only file that knows WIT.
//!
//! In the component (wasm32 with SIMD128, not under test) it is `no_std` with `alloc`:
//! `runtime.rs` says why and provides what std did. So code here takes `Vec`, `String`,
//! `format!` ... from `alloc` and the rest from `core`, and float methods that live in std
//! (`sqrt`, `floor`, `round`, ...) from `kernels::math`.
#![cfg_attr(all(target_arch = "wasm32", target_feature = "simd128", not(test)), no_std)]

extern crate alloc;

pub mod config;
pub mod error;
pub mod files;
pub mod generate;
pub mod json;
use alloc::{borrow::ToOwned, boxed::Box, format, string::String, vec, vec::Vec};
pub use wasmicro_kernels as kernels;
pub mod models;
pub mod order;
pub mod pooling;
pub mod safetensors;
pub mod text;
pub mod tokenizers;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod heap;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128", not(test)))]
mod runtime;

use config::Config;
pub use error::{Error, Result};
use files::Files;
pub use generate::{GenerateOptions, Generation};
use models::{bert, gpt_neo, gpt_neox, gpt2, heads, t5};
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
pub struct ClassifyOptions {
    pub top_k: Option<u32>,
    pub raw_scores: bool,
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelScore {
    pub index: u32,
    pub label: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default)]
pub struct EmbedOptions {
    pub pooling: Option<Pooling>,
    pub normalize: Option<bool>,
    pub max_tokens: Option<u32>,
    /// `Some(false)`: an input over the limit is an error instead of being cut.
    pub truncate: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Quantize the matrices to int8 at load (see `kernels::quant`).
    pub int8: bool,
}

enum Architecture {
    Bert(bert::Config),
    Gpt2(gpt2::Config),
    GptNeo(gpt_neo::Config),
    GptNeoX(gpt_neox::Config),
    T5(t5::Config),
}

/// Shape facts every family reports in `ModelInfo`.
struct Dims {
    hidden: usize,
    layers: usize,
    heads: usize,
    vocab: usize,
    positions: usize,
}

pub struct Model {
    checkpoint: Checkpoint,
    architecture: Architecture,
    tokenizer: Tokenizer,
    /// How `embed` pools, for encoders.
    embedding: Option<pooling::EmbeddingConfig>,
    /// Generation ends at any of these ids.
    eos: Vec<u32>,
    /// Prepended when a prompt encodes to nothing.
    bos: Option<u32>,
    /// The classification head, when the checkpoint has one.
    head: Option<heads::Config>,
    info: ModelInfo,
}

/// The longest T5 input or output: T5 has no position table, so this is a resource bound.
const T5_MAX_TOKENS: usize = 4096;

/// Tokens per forward pass in `embed_batch`: bounds the activations held at once.
const BATCH_TOKEN_BUDGET: usize = 16_384;

impl Model {
    /// Builds a model from the files of a model directory, by their relative names.
    pub fn load(files: Vec<(String, Vec<u8>)>) -> Result<Model> {
        Model::load_with(files, &LoadOptions::default())
    }

    pub fn load_with(files: Vec<(String, Vec<u8>)>, options: &LoadOptions) -> Result<Model> {
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
        if !matches!(
            model_type,
            "bert"
                | "roberta"
                | "xlm-roberta"
                | "camembert"
                | "distilbert"
                | "electra"
                | "gpt2"
                | "gpt_neo"
                | "gpt_neox"
                | "t5"
                | "mt5"
        ) {
            return Err(Error::UnsupportedArchitecture(format!("model_type '{model_type}' is not supported")));
        }
        let tokenizer = Tokenizer::from_files(&files, model_type)?;
        let weights = files.take("model.safetensors").ok_or_else(|| Error::MissingFile("model.safetensors".into()))?;
        let mut checkpoint = Checkpoint::parse(weights)?;
        // GPT-2 stores its matrices as Conv1D, `[in][out]`; the others as `nn.Linear`. Both
        // end up `[out][in]`, int8 or packed.
        if options.int8 {
            checkpoint.quantize_int8(model_type == "gpt2");
        } else {
            checkpoint.pack_linear_weights(model_type == "gpt2");
        }
        // int8 (loaded as such or quantized above): the matrices decoding multiplies one row at
        // a time stream faster packed. Encoders never decode: their blocks of rows run as fast
        // on rows as stored, so they skip the pass (`quant::pack_rows`).
        match model_type {
            "gpt2" | "gpt_neo" | "gpt_neox" => checkpoint.pack_int8_weights(|_| true),
            "t5" | "mt5" => checkpoint.pack_int8_weights(|name| !name.starts_with("encoder.")),
            _ => {}
        }
        // Each family binds its weights once here, so that a missing or misshapen tensor fails
        // the load rather than a later call.
        let (architecture, family, dims) = match model_type {
            "gpt2" => {
                let c = gpt2::Config::from_json(&config, &checkpoint)?;
                gpt2::Weights::load(&checkpoint, &c)?;
                let dims = Dims {
                    hidden: c.n_embd,
                    layers: c.n_layer,
                    heads: c.n_head,
                    vocab: c.vocab_size,
                    positions: c.n_positions,
                };
                (Architecture::Gpt2(c), Family::Gpt2, dims)
            }
            "gpt_neo" => {
                let c = gpt_neo::Config::from_json(&config, &checkpoint)?;
                gpt_neo::Weights::load(&checkpoint, &c)?;
                let dims = Dims {
                    hidden: c.hidden_size,
                    layers: c.local.len(),
                    heads: c.num_heads,
                    vocab: c.vocab_size,
                    positions: c.max_position_embeddings,
                };
                (Architecture::GptNeo(c), Family::Gpt2, dims)
            }
            "gpt_neox" => {
                let c = gpt_neox::Config::from_json(&config, &checkpoint)?;
                gpt_neox::Weights::load(&checkpoint, &c)?;
                let dims = Dims {
                    hidden: c.hidden_size,
                    layers: c.num_layers,
                    heads: c.num_heads,
                    vocab: c.vocab_size,
                    positions: c.max_position_embeddings,
                };
                (Architecture::GptNeoX(c), Family::Gpt2, dims)
            }
            "t5" | "mt5" => {
                let c = t5::Config::from_json(model_type, &config)?;
                t5::Weights::load(&checkpoint, &c)?;
                // Relative positions have no table limit; the tokenizer's model_max_length
                // (512 for T5) bounds inputs by default.
                let dims = Dims {
                    hidden: c.d_model,
                    layers: c.num_layers,
                    heads: c.num_heads,
                    vocab: c.vocab_size,
                    positions: T5_MAX_TOKENS,
                };
                (Architecture::T5(c), Family::T5, dims)
            }
            _ => {
                let c = bert::Config::from_json(model_type, &config, &checkpoint)?;
                bert::Weights::load(&checkpoint, &c)?;
                let dims = Dims {
                    hidden: c.hidden_size,
                    layers: c.num_layers,
                    heads: c.num_heads,
                    vocab: c.vocab_size,
                    positions: c.max_position_embeddings,
                };
                (Architecture::Bert(c), Family::Bert, dims)
            }
        };
        let head = match &architecture {
            Architecture::Bert(c) => match heads::Config::from_json(&config)? {
                Some(head) => {
                    heads::Weights::load(&checkpoint, c, &head)?;
                    Some(head)
                }
                None => None,
            },
            _ => None,
        };
        let embedding = match &architecture {
            Architecture::Bert(c) => Some(pooling::EmbeddingConfig::from_files(&files, c.max_tokens())?),
            // The mean-pooled encoder output, as sentence-t5 pools it.
            Architecture::T5(_) => Some(pooling::EmbeddingConfig::from_files(&files, T5_MAX_TOKENS)?),
            _ => None,
        };
        let generation_config = files.json("generation_config.json", Error::InvalidConfig)?;
        let token_ids = |key: &str| -> Vec<u32> {
            let value = generation_config.as_ref().and_then(|g| g.field(key)).or_else(|| config.get(key));
            match value {
                Some(json::Value::Array(items)) => {
                    let mut ids = Vec::with_capacity(items.len());
                    for id in items.iter().filter_map(json::Value::as_usize) {
                        ids.push(id as u32);
                    }
                    ids
                }
                Some(v) => v.as_usize().map(|i| vec![i as u32]).unwrap_or_default(),
                None => Vec::new(),
            }
        };
        let (eos, bos) = (token_ids("eos_token_id"), token_ids("bos_token_id").first().copied());
        let info = ModelInfo {
            family,
            model_type: model_type.to_owned(),
            architecture: architecture_name,
            hidden_size: dims.hidden as u32,
            num_layers: dims.layers as u32,
            num_heads: dims.heads as u32,
            vocab_size: dims.vocab as u32,
            max_position_embeddings: dims.positions as u32,
            dtype: checkpoint.dtype().name().to_owned(),
            embedding_size: if embedding.is_some() { dims.hidden as u32 } else { 0 },
            pooling: embedding.as_ref().map_or(Pooling::Last, |e| e.pooling),
            normalize: embedding.as_ref().is_some_and(|e| e.normalize),
            max_input_tokens: embedding.as_ref().map_or(dims.positions, |e| e.max_tokens) as u32,
            labels: head.as_ref().map(|h| h.labels.clone()).unwrap_or_default(),
        };
        Ok(Model { checkpoint, architecture, tokenizer, embedding, eos, bos, head, info })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Bytes held beside the weights file (widened or realigned tensors).
    pub fn copied_weight_bytes(&self) -> usize {
        self.checkpoint.copied_bytes()
    }

    /// The weights as an int8 safetensors file (see `Checkpoint::to_int8_safetensors`).
    pub fn int8_checkpoint(&self) -> Result<Vec<u8>> {
        if self.checkpoint.dtype() != safetensors::DType::I8 {
            return Err(Error::Unsupported(
                "the model's weights are not int8: load it with the int8 option first".into(),
            ));
        }
        Ok(self.checkpoint.to_int8_safetensors())
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
        let mut encodings = Vec::with_capacity(texts.len());
        for text in texts {
            encodings.push(self.encode_for_embedding(text.as_ref(), options)?);
        }
        self.embed_encodings(&encodings, options)
    }

    /// The pooled vectors of encoded texts (the part of `embed_batch` that does not depend
    /// on how the texts are held, compiled once).
    fn embed_encodings(&self, encodings: &[Encoding], options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        let embedding = self.embedding()?;
        let pooling = options.pooling.unwrap_or(embedding.pooling);
        let normalize = options.normalize.unwrap_or(embedding.normalize);
        let mut vectors = Vec::with_capacity(encodings.len());
        for group in token_budget_groups(encodings, BATCH_TOKEN_BUDGET) {
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
        let hidden = self.forward(core::slice::from_ref(&encoding))?;
        let mut rows = Vec::with_capacity(encoding.len());
        for row in hidden.chunks_exact(self.info.hidden_size as usize) {
            rows.push(row.to_vec());
        }
        Ok(rows)
    }

    /// Starts generating after `prompt` (encoded as `tokenizer(prompt)` does).
    pub fn start_generation(&self, prompt: &str, options: &GenerateOptions) -> Result<Generation> {
        let mut ids = self.tokenizer.encode(prompt, None, true)?.ids;
        let new_tokens = options.max_new_tokens.unwrap_or(generate::DEFAULT_MAX_NEW_TOKENS) as usize;
        if let Architecture::T5(c) = &self.architecture {
            if ids.len() > T5_MAX_TOKENS || new_tokens >= T5_MAX_TOKENS {
                return Err(Error::InvalidInput(format!(
                    "T5 inputs and outputs are limited to {T5_MAX_TOKENS} tokens"
                )));
            }
            // The encoder reads the prompt once; the decoder starts from its start token.
            let decoder = t5::T5Decoder::new(c, &self.checkpoint, &ids, new_tokens + 1)?;
            return Generation::start(
                Box::new(decoder),
                &self.checkpoint,
                vec![c.decoder_start_token_id],
                self.eos.clone(),
                options,
            );
        }
        if ids.is_empty() {
            ids.extend(self.bos);
        }
        let capacity = ids.len() + new_tokens;
        let decoder: Box<dyn generate::Decoder> = match &self.architecture {
            Architecture::Gpt2(c) => Box::new(gpt2::Gpt2::new(c, capacity)),
            Architecture::GptNeo(c) => Box::new(gpt_neo::GptNeo::new(c, capacity)),
            Architecture::GptNeoX(c) => Box::new(gpt_neox::GptNeoX::new(c, capacity)),
            Architecture::Bert(_) | Architecture::T5(_) => {
                return Err(Error::Unsupported(format!(
                    "'{}' is an encoder: it embeds and classifies, it does not generate text",
                    self.info.model_type
                )));
            }
        };
        Generation::start(decoder, &self.checkpoint, ids, self.eos.clone(), options)
    }

    /// Logits of the token after `prompt` (T5: of the first decoded token).
    pub fn next_token_logits(&self, prompt: &str) -> Result<Vec<f32>> {
        let options = GenerateOptions { max_new_tokens: Some(1), ..Default::default() };
        let generation = self.start_generation(prompt, &options)?;
        generation.pending_logits().map(<[f32]>::to_vec).ok_or_else(|| Error::InvalidInput("no logits".into()))
    }

    /// The next chunk of a generation this model started.
    pub fn next_chunk(&self, generation: &mut Generation) -> Result<Option<String>> {
        generation.next_chunk(&self.checkpoint, &self.tokenizer)
    }

    /// The generated text only (the prompt is not repeated).
    pub fn generate(&self, prompt: &str, options: &GenerateOptions) -> Result<String> {
        let mut generation = self.start_generation(prompt, options)?;
        let mut text = String::new();
        while let Some(chunk) = self.next_chunk(&mut generation)? {
            text.push_str(&chunk);
        }
        Ok(text)
    }

    /// The ids `generate` produces (for tests against reference token sequences).
    pub fn generate_ids(&self, prompt: &str, options: &GenerateOptions) -> Result<Vec<u32>> {
        let mut generation = self.start_generation(prompt, options)?;
        while self.next_chunk(&mut generation)?.is_some() {}
        Ok(generation.generated_ids().to_vec())
    }

    /// Scores of every label for `text` (and `pair`), best first.
    pub fn classify(&self, text: &str, pair: Option<&str>, options: &ClassifyOptions) -> Result<Vec<LabelScore>> {
        let (head, _) = self.head()?;
        let logits = self.head_logits(&[(text, pair)], options.max_tokens, tokenizers::Truncation::LongestFirst)?;
        let logits = logits.into_iter().next().unwrap_or_default();
        let scores = if options.raw_scores { logits } else { heads::scores(&logits, head.scoring) };
        let mut ranked = best_first(&scores);
        ranked.truncate(options.top_k.map_or(usize::MAX, |k| k as usize));
        let mut out = Vec::with_capacity(ranked.len());
        for i in ranked {
            let i = i as usize;
            out.push(LabelScore { index: i as u32, label: head.labels[i].clone(), score: scores[i] });
        }
        Ok(out)
    }

    /// Documents by relevance to `query` (a cross-encoder's single score), best first.
    pub fn rerank<S: AsRef<str>>(&self, query: &str, documents: &[S]) -> Result<Vec<(u32, f32)>> {
        let (head, _) = self.head()?;
        if head.labels.len() != 1 {
            return Err(Error::Unsupported(format!(
                "reranking needs a cross-encoder with one score; this head has {} labels",
                head.labels.len()
            )));
        }
        let mut pairs: Vec<(&str, Option<&str>)> = Vec::with_capacity(documents.len());
        for document in documents {
            pairs.push((query, Some(document.as_ref())));
        }
        let logits = self.head_logits(&pairs, None, tokenizers::Truncation::LongestFirst)?;
        let mut scores = Vec::with_capacity(logits.len());
        for l in &logits {
            scores.push(heads::scores(l, head.scoring).first().copied().unwrap_or(f32::NAN));
        }
        let mut out = Vec::with_capacity(scores.len());
        for i in best_first(&scores) {
            out.push((i, scores[i as usize]));
        }
        Ok(out)
    }

    /// Zero-shot classification with an NLI head, as transformers' pipeline does it.
    pub fn zero_shot<S: AsRef<str>>(
        &self,
        text: &str,
        labels: &[S],
        template: Option<&str>,
        multi_label: bool,
    ) -> Result<Vec<LabelScore>> {
        let (head, _) = self.head()?;
        let template = template.unwrap_or("This example is {}.");
        if crate::text::find(template, "{}").is_none() {
            return Err(Error::InvalidInput(format!("the hypothesis template '{template}' has no {{}} for the label")));
        }
        if labels.is_empty() {
            return Err(Error::InvalidInput("zero-shot classification needs at least one label".into()));
        }
        let n = head.labels.len();
        // The pipeline's choice: the first label named entail…, else the last; contradiction
        // is label 0, or the last one when entailment is 0. Python's `lower()` and our
        // per-character lowercase differ only in final sigma, which cannot start "entail";
        // `str::to_lowercase` would bring std's 15 KB of case tables into the component.
        let entailment =
            head.labels.iter().position(|l| tokenizers::lowercase::lowercase(l).starts_with("entail")).unwrap_or(n - 1);
        let contradiction = if entailment == 0 { n - 1 } else { 0 };
        let mut hypotheses: Vec<String> = Vec::with_capacity(labels.len());
        for label in labels {
            hypotheses.push(crate::text::replacen(template, "{}", label.as_ref(), 1));
        }
        let mut pairs: Vec<(&str, Option<&str>)> = Vec::with_capacity(hypotheses.len());
        for hypothesis in &hypotheses {
            pairs.push((text, Some(hypothesis.as_str())));
        }
        let logits = self.head_logits(&pairs, None, tokenizers::Truncation::OnlyFirst)?;
        let mut scores = Vec::with_capacity(logits.len());
        if multi_label || labels.len() == 1 {
            for l in &logits {
                scores.push(heads::scores(&[l[contradiction], l[entailment]], heads::Scoring::Softmax)[1]);
            }
        } else {
            for l in &logits {
                scores.push(l[entailment]);
            }
            scores = heads::scores(&scores, heads::Scoring::Softmax);
        }
        let mut out = Vec::with_capacity(scores.len());
        for i in best_first(&scores) {
            let i = i as usize;
            out.push(LabelScore { index: i as u32, label: labels[i].as_ref().to_owned(), score: scores[i] });
        }
        Ok(out)
    }

    fn head(&self) -> Result<(&heads::Config, &bert::Config)> {
        match (&self.head, &self.architecture) {
            (Some(head), Architecture::Bert(encoder)) => Ok((head, encoder)),
            _ => Err(Error::Unsupported(format!(
                "'{}' has no classification head (a *ForSequenceClassification checkpoint is needed)",
                self.info.model_type
            ))),
        }
    }

    /// The head's logits for each (text, pair), run as one batch.
    fn head_logits(
        &self,
        inputs: &[(&str, Option<&str>)],
        max_tokens: Option<u32>,
        truncation: tokenizers::Truncation,
    ) -> Result<Vec<Vec<f32>>> {
        let (head, encoder) = self.head()?;
        let limit = match max_tokens {
            Some(n) if n as usize > encoder.max_tokens() => {
                return Err(Error::InvalidInput(format!(
                    "max-tokens {n} exceeds the model's {} positions",
                    encoder.max_tokens()
                )));
            }
            Some(n) => n as usize,
            None => encoder.max_tokens(),
        };
        let mut encodings = Vec::with_capacity(inputs.len());
        for (text, pair) in inputs {
            encodings.push(self.tokenizer.encode_truncated_with(text, *pair, limit, truncation)?);
        }
        let hidden = self.forward(&encodings)?;
        let weights = heads::Weights::load(&self.checkpoint, encoder, head)?;
        let width = encoder.hidden_size;
        let mut start = 0;
        let mut out = Vec::with_capacity(encodings.len());
        for encoding in &encodings {
            out.push(weights.logits(&hidden[start * width..(start + 1) * width]));
            start += encoding.len();
        }
        Ok(out)
    }

    fn embedding(&self) -> Result<&pooling::EmbeddingConfig> {
        self.embedding.as_ref().ok_or_else(|| {
            Error::Unsupported(format!(
                "'{}' is a text generator: embedding is not implemented for it",
                self.info.model_type
            ))
        })
    }

    fn encode_for_embedding(&self, text: &str, options: &EmbedOptions) -> Result<Encoding> {
        let embedding = self.embedding()?;
        let text = if embedding.lowercase_input {
            alloc::borrow::Cow::Owned(tokenizers::lowercase::python_lower(text))
        } else {
            alloc::borrow::Cow::Borrowed(text)
        };
        let limit = match options.max_tokens {
            Some(n) if n as usize > embedding.model_max_tokens => {
                return Err(Error::InvalidInput(format!(
                    "max-tokens {n} exceeds the model's {} positions",
                    embedding.model_max_tokens
                )));
            }
            Some(n) => n as usize,
            None => embedding.max_tokens,
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
            Architecture::T5(cfg) => {
                let weights = t5::Weights::load(&self.checkpoint, cfg)?;
                let mut hidden = Vec::new();
                for sequence in sequences {
                    hidden.extend(t5::encode(cfg, &weights, &sequence.ids)?);
                }
                Ok(hidden)
            }
            _ => Err(Error::Unsupported(format!("'{}' has no encoder to embed with", self.info.model_type))),
        }
    }
}

/// Indices by descending score; equal scores keep their order.
fn best_first(scores: &[f32]) -> Vec<u32> {
    order::sorted_indices(scores.len(), &|a, b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)))
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
