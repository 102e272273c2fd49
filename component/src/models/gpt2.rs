//! GPT-2: pre-LayerNorm decoder blocks with fused `c_attn` Conv1D projections (weights stored
//! `[in][out]`), learned positions, and the language-model head tied to the token embeddings
//! (read from the same tensor, never copied).

use super::{Conv1D, DecoderCache, LayerNorm, Linear, Loader, add_in_place, embed_tokens, last_logits};
use crate::config::Config as Json;
use crate::error::{Error, Result};
use crate::generate::Decoder;
use crate::kernels::act::Activation;
use crate::kernels::attention::Attention;
use crate::kernels::math;
use crate::safetensors::Checkpoint;
use alloc::{format, string::String, vec, vec::Vec};

#[derive(Debug, Clone)]
pub struct Config {
    pub vocab_size: usize,
    pub n_positions: usize,
    pub n_embd: usize,
    pub n_layer: usize,
    pub n_head: usize,
    pub n_inner: usize,
    pub activation: Activation,
    pub layer_norm_epsilon: f32,
    pub scale_attn_weights: bool,
    pub scale_attn_by_inverse_layer_idx: bool,
    /// `transformer.` in `GPT2LMHeadModel` checkpoints, empty in `GPT2Model` ones.
    pub prefix: String,
}

impl Config {
    pub fn from_json(json: &Json, ck: &Checkpoint) -> Result<Config> {
        // Failures are kept by `json` in this order (see config.rs); `finish` reports the first.
        let n_embd = json.size("n_embd");
        let n_head = json.size("n_head");
        if !n_embd.is_multiple_of(n_head) {
            json.fail(Error::InvalidConfig(format!(
                "config.json: n_embd {n_embd} is not a multiple of {n_head} heads"
            )));
        }
        let activation_name = json.str_or("activation_function", "gelu_new");
        let config = Config {
            vocab_size: json.size("vocab_size"),
            n_positions: json.size("n_positions"),
            n_embd,
            n_layer: json.size("n_layer"),
            n_head,
            n_inner: match json.get("n_inner") {
                None => 4 * n_embd,
                Some(_) => json.size("n_inner"),
            },
            activation: json.known_activation(activation_name),
            layer_norm_epsilon: json.f32_or("layer_norm_epsilon", 1e-5),
            scale_attn_weights: json.bool_or("scale_attn_weights", true),
            scale_attn_by_inverse_layer_idx: json.bool_or("scale_attn_by_inverse_layer_idx", false),
            prefix: json.keep(super::find_prefix(ck, &["transformer."], "wte.weight")),
        };
        json.finish(config)
    }
}

pub struct Layer<'w> {
    pub ln_1: LayerNorm<'w>,
    /// `[n_embd][3 · n_embd]`: queries, keys and values side by side.
    pub c_attn: Conv1D<'w>,
    pub c_proj: Conv1D<'w>,
    pub ln_2: LayerNorm<'w>,
    pub c_fc: Conv1D<'w>,
    pub mlp_c_proj: Conv1D<'w>,
}

pub struct Weights<'w> {
    /// `[vocab_size][n_embd]`, also the language-model head.
    pub wte: &'w [f32],
    /// `[n_positions][n_embd]`
    pub wpe: &'w [f32],
    pub h: Vec<Layer<'w>>,
    pub ln_f: LayerNorm<'w>,
    /// `lm_head.weight` when the checkpoint has its own, else `wte`.
    pub lm_head: Linear<'w>,
}

impl<'w> Weights<'w> {
    pub fn load(ck: &'w Checkpoint, cfg: &Config) -> Result<Weights<'w>> {
        let (e, eps) = (cfg.n_embd, cfg.layer_norm_epsilon);
        let mut w = Loader::new(ck, &cfg.prefix);
        let mut h = Vec::with_capacity(cfg.n_layer);
        for i in 0..cfg.n_layer {
            w.enter("h.", i, ".");
            h.push(Layer {
                ln_1: w.layer_norm("ln_1", e, eps),
                c_attn: w.conv1d("attn.c_attn", e, 3 * e),
                c_proj: w.conv1d("attn.c_proj", e, e),
                ln_2: w.layer_norm("ln_2", e, eps),
                c_fc: w.conv1d("mlp.c_fc", e, cfg.n_inner),
                mlp_c_proj: w.conv1d("mlp.c_proj", cfg.n_inner, e),
            });
        }
        w.leave();
        let wte = w.tensor("wte.weight", &[cfg.vocab_size, e]);
        let weights = Weights {
            wte,
            wpe: w.tensor("wpe.weight", &[cfg.n_positions, e]),
            h,
            ln_f: w.layer_norm("ln_f", e, eps),
            lm_head: w.head("lm_head.weight", "wte.weight", cfg.vocab_size, e),
        };
        w.finish(weights)
    }
}

/// A generation's state: the KV cache of every layer.
pub struct Gpt2 {
    cfg: Config,
    cache: DecoderCache,
}

impl Gpt2 {
    /// Room for `capacity` positions (at most the model's).
    pub fn new(cfg: &Config, capacity: usize) -> Gpt2 {
        let capacity = capacity.min(cfg.n_positions);
        Gpt2 { cache: DecoderCache::new(cfg.n_layer, capacity, cfg.n_embd), cfg: cfg.clone() }
    }
}

impl Decoder for Gpt2 {
    fn remaining_positions(&self) -> usize {
        self.cache.remaining()
    }

    fn feed(&mut self, ck: &Checkpoint, tokens: &[u32]) -> Result<Vec<f32>> {
        let (cfg, e) = (&self.cfg, self.cfg.n_embd);
        let w = Weights::load(ck, cfg)?;
        let start = self.cache.start(tokens)?;
        let mut x = embed_tokens(w.wte, e, tokens)?;
        for (t, row) in x.chunks_exact_mut(e).enumerate() {
            add_in_place(row, &w.wpe[(start + t) * e..(start + t + 1) * e]);
        }
        let head_dim = e / cfg.n_head;
        for (index, (layer, cache)) in w.h.iter().zip(&mut self.cache.layers).enumerate() {
            let mut a = x.clone();
            layer.ln_1.forward(&mut a);
            let qkv = layer.c_attn.forward(&a);
            let (mut q, mut k, mut v) =
                (Vec::with_capacity(a.len()), Vec::with_capacity(a.len()), Vec::with_capacity(a.len()));
            for row in qkv.chunks_exact(3 * e) {
                q.extend_from_slice(&row[..e]);
                k.extend_from_slice(&row[e..2 * e]);
                v.extend_from_slice(&row[2 * e..]);
            }
            cache.append(&k, &v);
            let mut scale = if cfg.scale_attn_weights { 1.0 / math::sqrt_f32(head_dim as f32) } else { 1.0 };
            if cfg.scale_attn_by_inverse_layer_idx {
                scale /= (index + 1) as f32;
            }
            let attention = Attention { heads: cfg.n_head, head_dim, scale, bias: None, causal: true, window: None };
            let mut context = vec![0.0; q.len()];
            attention.run(&q, &cache.keys, &cache.values, &mut context, &mut self.cache.scratch);
            add_in_place(&mut x, &layer.c_proj.forward(&context));
            let mut m = x.clone();
            layer.ln_2.forward(&mut m);
            let mut inner = layer.c_fc.forward(&m);
            cfg.activation.apply(&mut inner);
            add_in_place(&mut x, &layer.mlp_c_proj.forward(&inner));
        }
        let last = x.len() - e;
        w.ln_f.forward(&mut x[last..]);
        Ok(last_logits(&x, e, &w.lm_head))
    }
}
