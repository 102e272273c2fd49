//! BERT-family encoders: `bert`, `roberta`, `distilbert`, `electra`.
//!
//! All four are the same post-LayerNorm transformer encoder; they differ in tensor names,
//! position ids (RoBERTa counts from `pad_token_id + 1`), token types (none in DistilBERT) and
//! ELECTRA's narrower embeddings projected up to the hidden size.
//!
//! Sequences of a batch are never padded: linear layers run over the concatenated tokens of
//! all sequences, attention runs per sequence, so a batch gives exactly what its parts give.

use super::{Bias, LayerNorm, Linear, Loader, add_in_place};
use crate::config::Config as Json;
use crate::error::{Error, Result};
use crate::kernels::act::Activation;
use crate::kernels::attention::{Attention, Scratch};
use crate::kernels::math;
use crate::safetensors::Checkpoint;
use crate::tokenizers::Encoding;
use alloc::{format, string::String, vec, vec::Vec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Bert,
    Roberta,
    DistilBert,
    Electra,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub variant: Variant,
    pub vocab_size: usize,
    pub hidden_size: usize,
    /// Width of the embedding tables (ELECTRA's may be narrower than `hidden_size`).
    pub embedding_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub intermediate_size: usize,
    pub activation: Activation,
    pub max_position_embeddings: usize,
    /// 0 when the model has no token-type embeddings.
    pub type_vocab_size: usize,
    pub layer_norm_eps: f32,
    /// RoBERTa: positions start after the padding index, and padding tokens take it.
    pub position_padding_idx: Option<usize>,
    /// Prefix of every tensor name (`bert.` in task checkpoints, empty in base models).
    pub prefix: String,
}

impl Config {
    pub fn from_json(model_type: &str, json: &Json, ck: &Checkpoint) -> Result<Config> {
        let variant = match model_type {
            "bert" => Variant::Bert,
            "roberta" | "xlm-roberta" | "camembert" => Variant::Roberta,
            "distilbert" => Variant::DistilBert,
            "electra" => Variant::Electra,
            other => {
                return Err(Error::UnsupportedArchitecture(format!("'{other}' is not a BERT-family model_type")));
            }
        };
        // Failures are kept by `json` in this order (see config.rs); `finish` reports the first.
        let position_type = json.str_or("position_embedding_type", "absolute");
        if position_type != "absolute" {
            json.fail(Error::UnsupportedArchitecture(format!(
                "position_embedding_type '{position_type}' is not implemented"
            )));
        }
        let distil = variant == Variant::DistilBert;
        let hidden_size = json.size_of(&["hidden_size", "dim"]);
        let num_heads = json.size_of(&["num_attention_heads", "n_heads"]);
        if !hidden_size.is_multiple_of(num_heads) {
            json.fail(Error::InvalidConfig(format!(
                "config.json: hidden size {hidden_size} is not a multiple of {num_heads} heads"
            )));
        }
        let activation = json.activation(if distil { "activation" } else { "hidden_act" }, "gelu");
        let prefix_name = if variant == Variant::Roberta { "roberta" } else { model_type };
        let prefix = [format!("{prefix_name}."), String::new()]
            .into_iter()
            .find(|p| ck.contains(&format!("{p}embeddings.word_embeddings.weight")))
            .unwrap_or_else(|| {
                json.fail(Error::InvalidModel(format!(
                    "model.safetensors has no embeddings.word_embeddings.weight (with or without '{prefix_name}.')"
                )));
                String::new()
            });
        let config = Config {
            variant,
            vocab_size: json.size("vocab_size"),
            hidden_size,
            embedding_size: if variant == Variant::Electra {
                json.size_or("embedding_size", hidden_size)
            } else {
                hidden_size
            },
            num_layers: json.size_of(&["num_hidden_layers", "n_layers"]),
            num_heads,
            intermediate_size: json.size_of(&["intermediate_size", "hidden_dim"]),
            activation,
            max_position_embeddings: json.size("max_position_embeddings"),
            type_vocab_size: if distil { 0 } else { json.size_or("type_vocab_size", 2) },
            layer_norm_eps: if distil { 1e-12 } else { json.f32_or("layer_norm_eps", 1e-12) },
            position_padding_idx: match variant {
                Variant::Roberta => Some(json.optional_id("pad_token_id").unwrap_or(1) as usize),
                _ => None,
            },
            prefix,
        };
        json.finish(config)
    }

    /// The longest input the position table allows.
    pub fn max_tokens(&self) -> usize {
        match self.position_padding_idx {
            Some(pad) => self.max_position_embeddings.saturating_sub(pad + 1),
            None => self.max_position_embeddings,
        }
    }
}

pub struct Layer<'w> {
    pub query: Linear<'w>,
    pub key: Linear<'w>,
    pub value: Linear<'w>,
    pub attention_output: Linear<'w>,
    pub attention_norm: LayerNorm<'w>,
    pub intermediate: Linear<'w>,
    pub output: Linear<'w>,
    pub output_norm: LayerNorm<'w>,
}

pub struct Weights<'w> {
    /// `[vocab_size][embedding_size]`
    pub word_embeddings: &'w [f32],
    /// `[max_position_embeddings][embedding_size]`
    pub position_embeddings: &'w [f32],
    /// `[type_vocab_size][embedding_size]`, absent in DistilBERT.
    pub token_type_embeddings: Option<&'w [f32]>,
    pub embeddings_norm: LayerNorm<'w>,
    /// ELECTRA: `embedding_size` → `hidden_size`.
    pub embeddings_project: Option<Linear<'w>>,
    pub layers: Vec<Layer<'w>>,
}

impl<'w> Weights<'w> {
    pub fn load(ck: &'w Checkpoint, cfg: &Config) -> Result<Weights<'w>> {
        let (e, h, i, eps) = (cfg.embedding_size, cfg.hidden_size, cfg.intermediate_size, cfg.layer_norm_eps);
        let mut w = Loader::new(ck, &cfg.prefix);
        let mut layers = Vec::with_capacity(cfg.num_layers);
        for n in 0..cfg.num_layers {
            layers.push(if cfg.variant == Variant::DistilBert {
                w.enter("transformer.layer.", n, ".");
                Layer {
                    query: w.linear("attention.q_lin", h, h, Bias::Yes),
                    key: w.linear("attention.k_lin", h, h, Bias::Yes),
                    value: w.linear("attention.v_lin", h, h, Bias::Yes),
                    attention_output: w.linear("attention.out_lin", h, h, Bias::Yes),
                    attention_norm: w.layer_norm("sa_layer_norm", h, eps),
                    intermediate: w.linear("ffn.lin1", h, i, Bias::Yes),
                    output: w.linear("ffn.lin2", i, h, Bias::Yes),
                    output_norm: w.layer_norm("output_layer_norm", h, eps),
                }
            } else {
                w.enter("encoder.layer.", n, ".");
                Layer {
                    query: w.linear("attention.self.query", h, h, Bias::Yes),
                    key: w.linear("attention.self.key", h, h, Bias::Yes),
                    value: w.linear("attention.self.value", h, h, Bias::Yes),
                    attention_output: w.linear("attention.output.dense", h, h, Bias::Yes),
                    attention_norm: w.layer_norm("attention.output.LayerNorm", h, eps),
                    intermediate: w.linear("intermediate.dense", h, i, Bias::Yes),
                    output: w.linear("output.dense", i, h, Bias::Yes),
                    output_norm: w.layer_norm("output.LayerNorm", h, eps),
                }
            });
        }
        w.leave();
        let weights = Weights {
            word_embeddings: w.tensor("embeddings.word_embeddings.weight", &[cfg.vocab_size, e]),
            position_embeddings: w.tensor("embeddings.position_embeddings.weight", &[cfg.max_position_embeddings, e]),
            token_type_embeddings: match cfg.type_vocab_size {
                0 => None,
                n => Some(w.tensor("embeddings.token_type_embeddings.weight", &[n, e])),
            },
            embeddings_norm: w.layer_norm("embeddings.LayerNorm", e, eps),
            embeddings_project: match cfg.variant {
                Variant::Electra if e != h || w.has("embeddings_project.weight") => {
                    Some(w.linear("embeddings_project", e, h, Bias::Yes))
                }
                _ => None,
            },
            layers,
        };
        w.finish(weights)
    }
}

/// The last hidden state of every sequence, concatenated: `[Σ tokens][hidden_size]`.
pub fn forward(cfg: &Config, w: &Weights, sequences: &[Encoding]) -> Result<Vec<f32>> {
    let mut x = embed(cfg, w, sequences)?;
    let h = cfg.hidden_size;
    let attention = Attention {
        heads: cfg.num_heads,
        head_dim: h / cfg.num_heads,
        scale: 1.0 / math::sqrt_f32((h / cfg.num_heads) as f32),
        bias: None,
        causal: false,
        window: None,
    };
    let mut scratch = Scratch::default();
    let mut context = vec![0.0; x.len()];
    for layer in &w.layers {
        let (q, k, v) = (layer.query.forward(&x), layer.key.forward(&x), layer.value.forward(&x));
        let mut start = 0;
        for seq in sequences {
            let span = start * h..(start + seq.len()) * h;
            attention.run(&q[span.clone()], &k[span.clone()], &v[span.clone()], &mut context[span], &mut scratch);
            start += seq.len();
        }
        let mut attended = layer.attention_output.forward(&context);
        add_in_place(&mut attended, &x);
        layer.attention_norm.forward(&mut attended);
        let mut inner = layer.intermediate.forward(&attended);
        cfg.activation.apply(&mut inner);
        x = layer.output.forward(&inner);
        add_in_place(&mut x, &attended);
        layer.output_norm.forward(&mut x);
    }
    Ok(x)
}

/// Word + token type + position embeddings, normalised (and projected, for ELECTRA).
fn embed(cfg: &Config, w: &Weights, sequences: &[Encoding]) -> Result<Vec<f32>> {
    let e = cfg.embedding_size;
    let total: usize = sequences.iter().map(Encoding::len).sum();
    let mut x = Vec::with_capacity(total * e);
    for seq in sequences {
        if seq.len() > cfg.max_tokens() {
            return Err(Error::InvalidInput(format!(
                "{} tokens exceed the model's {} positions",
                seq.len(),
                cfg.max_tokens()
            )));
        }
        let mut non_padding = 0;
        for (t, (&id, &type_id)) in seq.ids.iter().zip(&seq.type_ids).enumerate() {
            let id = id as usize;
            if id >= cfg.vocab_size {
                return Err(Error::InvalidInput(format!(
                    "token id {id} is outside the model's vocabulary of {}",
                    cfg.vocab_size
                )));
            }
            let position = match cfg.position_padding_idx {
                // HF: cumsum(ids != pad) * (ids != pad) + pad.
                Some(pad) if id == pad => pad,
                Some(pad) => {
                    non_padding += 1;
                    pad + non_padding
                }
                None => t,
            };
            let word = &w.word_embeddings[id * e..][..e];
            let pos = &w.position_embeddings[position * e..][..e];
            let start = x.len();
            x.extend_from_slice(word);
            if let Some(types) = w.token_type_embeddings {
                let type_id = type_id as usize;
                if type_id >= cfg.type_vocab_size {
                    return Err(Error::InvalidInput(format!(
                        "token type {type_id} is outside the model's {} types",
                        cfg.type_vocab_size
                    )));
                }
                add_in_place(&mut x[start..], &types[type_id * e..][..e]);
            }
            add_in_place(&mut x[start..], pos);
        }
    }
    w.embeddings_norm.forward(&mut x);
    Ok(match &w.embeddings_project {
        Some(project) => project.forward(&x),
        None => x,
    })
}
