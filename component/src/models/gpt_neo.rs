//! GPT-Neo: GPT-2's block with separate bias-free q/k/v projections, `nn.Linear` layers, no
//! attention scaling, and layers alternating between global attention and local attention
//! over the last `window_size` positions.

use super::{Bias, DecoderCache, LayerNorm, Linear, Loader, add_in_place, embed_tokens, last_logits};
use crate::config::Config as Json;
use crate::error::{Error, Result};
use crate::generate::Decoder;
use crate::json::Value;
use crate::kernels::act::Activation;
use crate::kernels::attention::Attention;
use crate::safetensors::Checkpoint;
use alloc::{format, string::String, vec, vec::Vec};

#[derive(Debug, Clone)]
pub struct Config {
    pub vocab_size: usize,
    pub max_position_embeddings: usize,
    pub hidden_size: usize,
    pub num_heads: usize,
    pub intermediate_size: usize,
    pub activation: Activation,
    pub layer_norm_epsilon: f32,
    pub window_size: usize,
    /// Per layer: whether its attention is local.
    pub local: Vec<bool>,
    pub prefix: String,
}

impl Config {
    pub fn from_json(json: &Json, ck: &Checkpoint) -> Result<Config> {
        // Failures are kept by `json` in this order (see config.rs); `finish` reports the first.
        let hidden_size = json.size("hidden_size");
        let num_heads = json.size("num_heads");
        if !hidden_size.is_multiple_of(num_heads) {
            json.fail(Error::InvalidConfig(format!(
                "config.json: hidden_size {hidden_size} is not a multiple of {num_heads} heads"
            )));
        }
        json.check()?;
        // attention_types: [[["global", "local"], 2]] → global, local, global, local.
        let bad_types =
            || Error::InvalidConfig("config.json: 'attention_types' is not [[[kinds...], repeat], ...]".into());
        let mut local = Vec::new();
        for group in json.get("attention_types").and_then(Value::as_array).ok_or_else(bad_types)? {
            let (kinds, repeat) = match group.as_array() {
                Some([kinds, repeat]) => {
                    (kinds.as_array().ok_or_else(bad_types)?, repeat.as_usize().ok_or_else(bad_types)?)
                }
                _ => return Err(bad_types()),
            };
            for _ in 0..repeat {
                for kind in kinds {
                    match kind.as_str() {
                        Some("global") => local.push(false),
                        Some("local") => local.push(true),
                        _ => return Err(bad_types()),
                    }
                }
            }
        }
        let num_layers = json.size("num_layers");
        if local.len() != num_layers {
            json.fail(Error::InvalidConfig(format!(
                "config.json: attention_types give {} layers, num_layers is {num_layers}",
                local.len()
            )));
        }
        let activation_name = json.str_or("activation_function", "gelu_new");
        let config = Config {
            vocab_size: json.size("vocab_size"),
            max_position_embeddings: json.size("max_position_embeddings"),
            hidden_size,
            num_heads,
            intermediate_size: match json.get("intermediate_size") {
                None => 4 * hidden_size,
                Some(_) => json.size("intermediate_size"),
            },
            activation: json.known_activation(activation_name),
            layer_norm_epsilon: json.f32_or("layer_norm_epsilon", 1e-5),
            window_size: json.size("window_size"),
            local,
            prefix: json.keep(super::find_prefix(ck, &["transformer."], "wte.weight")),
        };
        json.finish(config)
    }
}

pub struct Layer<'w> {
    pub ln_1: LayerNorm<'w>,
    pub q_proj: Linear<'w>,
    pub k_proj: Linear<'w>,
    pub v_proj: Linear<'w>,
    pub out_proj: Linear<'w>,
    pub ln_2: LayerNorm<'w>,
    pub c_fc: Linear<'w>,
    pub c_proj: Linear<'w>,
}

pub struct Weights<'w> {
    /// `[vocab_size][hidden_size]`, also the language-model head.
    pub wte: &'w [f32],
    /// `[max_position_embeddings][hidden_size]`
    pub wpe: &'w [f32],
    pub h: Vec<Layer<'w>>,
    pub ln_f: LayerNorm<'w>,
    pub lm_head: Linear<'w>,
}

impl<'w> Weights<'w> {
    pub fn load(ck: &'w Checkpoint, cfg: &Config) -> Result<Weights<'w>> {
        let (e, i, eps) = (cfg.hidden_size, cfg.intermediate_size, cfg.layer_norm_epsilon);
        let mut w = Loader::new(ck, &cfg.prefix);
        let mut h = Vec::with_capacity(cfg.local.len());
        for n in 0..cfg.local.len() {
            w.enter("h.", n, ".");
            h.push(Layer {
                ln_1: w.layer_norm("ln_1", e, eps),
                q_proj: w.linear("attn.attention.q_proj", e, e, Bias::No),
                k_proj: w.linear("attn.attention.k_proj", e, e, Bias::No),
                v_proj: w.linear("attn.attention.v_proj", e, e, Bias::No),
                out_proj: w.linear("attn.attention.out_proj", e, e, Bias::Yes),
                ln_2: w.layer_norm("ln_2", e, eps),
                c_fc: w.linear("mlp.c_fc", e, i, Bias::Yes),
                c_proj: w.linear("mlp.c_proj", i, e, Bias::Yes),
            });
        }
        w.leave();
        let wte = w.tensor("wte.weight", &[cfg.vocab_size, e]);
        let weights = Weights {
            wte,
            wpe: w.tensor("wpe.weight", &[cfg.max_position_embeddings, e]),
            h,
            ln_f: w.layer_norm("ln_f", e, eps),
            lm_head: w.head("lm_head.weight", "wte.weight", cfg.vocab_size, e),
        };
        w.finish(weights)
    }
}

pub struct GptNeo {
    cfg: Config,
    cache: DecoderCache,
}

impl GptNeo {
    pub fn new(cfg: &Config, capacity: usize) -> GptNeo {
        let capacity = capacity.min(cfg.max_position_embeddings);
        GptNeo { cache: DecoderCache::new(cfg.local.len(), capacity, cfg.hidden_size), cfg: cfg.clone() }
    }
}

impl Decoder for GptNeo {
    fn remaining_positions(&self) -> usize {
        self.cache.remaining()
    }

    fn feed(&mut self, ck: &Checkpoint, tokens: &[u32]) -> Result<Vec<f32>> {
        let (cfg, e) = (&self.cfg, self.cfg.hidden_size);
        let w = Weights::load(ck, cfg)?;
        let start = self.cache.start(tokens)?;
        let mut x = embed_tokens(w.wte, e, tokens)?;
        for (t, row) in x.chunks_exact_mut(e).enumerate() {
            add_in_place(row, &w.wpe[(start + t) * e..(start + t + 1) * e]);
        }
        for ((layer, cache), &local) in w.h.iter().zip(&mut self.cache.layers).zip(&cfg.local) {
            let mut a = x.clone();
            layer.ln_1.forward(&mut a);
            let (q, k, v) = (layer.q_proj.forward(&a), layer.k_proj.forward(&a), layer.v_proj.forward(&a));
            cache.append(&k, &v);
            let attention = Attention {
                heads: cfg.num_heads,
                head_dim: e / cfg.num_heads,
                scale: 1.0,
                bias: None,
                causal: true,
                window: local.then_some(cfg.window_size),
            };
            let mut context = vec![0.0; q.len()];
            attention.run(&q, &cache.keys, &cache.values, &mut context, &mut self.cache.scratch);
            add_in_place(&mut x, &layer.out_proj.forward(&context));
            let mut m = x.clone();
            layer.ln_2.forward(&mut m);
            let mut inner = layer.c_fc.forward(&m);
            cfg.activation.apply(&mut inner);
            add_in_place(&mut x, &layer.c_proj.forward(&inner));
        }
        let last = x.len() - e;
        w.ln_f.forward(&mut x[last..]);
        Ok(last_logits(&x, e, &w.lm_head))
    }
}
