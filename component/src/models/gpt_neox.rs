//! GPT-NeoX (Pythia): fused `query_key_value` projection with Hugging Face's head-interleaved
//! layout, rotary position embeddings on the first `rotary_pct` of each head, and the
//! parallel residual (attention and MLP both read the block's input) when configured.

use super::{Bias, DecoderCache, LayerNorm, Linear, Loader, add_in_place, embed_tokens, last_logits};
use crate::config::Config as Json;
use crate::error::{Error, Result};
use crate::generate::Decoder;
use crate::json::Value;
use crate::kernels::act::Activation;
use crate::kernels::attention::Attention;
use crate::kernels::math;
use crate::safetensors::Checkpoint;
use alloc::{format, string::String, vec, vec::Vec};

#[derive(Debug, Clone)]
pub struct Config {
    pub vocab_size: usize,
    pub max_position_embeddings: usize,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub intermediate_size: usize,
    pub activation: Activation,
    pub layer_norm_eps: f32,
    /// Dimensions of each head that rotate: `int(head_size · rotary_pct)`, even.
    pub rotary_dims: usize,
    pub rotary_base: f32,
    pub use_parallel_residual: bool,
    pub prefix: String,
}

impl Config {
    pub fn from_json(json: &Json, ck: &Checkpoint) -> Result<Config> {
        // Failures are kept by `json` in this order (see config.rs); `finish` reports the first.
        let hidden_size = json.size("hidden_size");
        let num_heads = json.size("num_attention_heads");
        if !hidden_size.is_multiple_of(num_heads) {
            json.fail(Error::InvalidConfig(format!(
                "config.json: hidden_size {hidden_size} is not a multiple of {num_heads} heads"
            )));
        }
        // Newer configs nest the rotary settings in `rope_parameters`.
        let rope = json.get("rope_parameters");
        let rope_field = |key: &str| rope.and_then(|r| r.field(key)).and_then(Value::as_f64);
        let rotary_pct = match rope_field("partial_rotary_factor") {
            Some(p) => p as f32,
            None => json.f32_or("rotary_pct", json.f32_or("partial_rotary_factor", 0.25)),
        };
        let rotary_base = match rope_field("rope_theta") {
            Some(b) => b as f32,
            None => json.f32_or("rotary_emb_base", json.f32_or("rope_theta", 10_000.0)),
        };
        let head_size = hidden_size / num_heads;
        let rotary_dims = (head_size as f32 * rotary_pct) as usize;
        if !(0.0..=1.0).contains(&rotary_pct) || !rotary_dims.is_multiple_of(2) {
            json.fail(Error::InvalidConfig(format!(
                "config.json: rotary_pct gives {rotary_dims} rotary dimensions of {head_size}, not an even share"
            )));
        }
        let activation_name = json.str_or("hidden_act", "gelu");
        let config = Config {
            vocab_size: json.size("vocab_size"),
            max_position_embeddings: json.size("max_position_embeddings"),
            hidden_size,
            num_layers: json.size("num_hidden_layers"),
            num_heads,
            intermediate_size: json.size("intermediate_size"),
            activation: json.known_activation(activation_name),
            layer_norm_eps: json.f32_or("layer_norm_eps", 1e-5),
            rotary_dims,
            rotary_base,
            use_parallel_residual: json.bool_or("use_parallel_residual", true),
            prefix: json.keep(super::find_prefix(ck, &["gpt_neox."], "embed_in.weight")),
        };
        json.finish(config)
    }
}

pub struct Layer<'w> {
    pub input_layernorm: LayerNorm<'w>,
    /// `[3 · hidden][hidden]`: per head, its queries, keys and values in turn.
    pub query_key_value: Linear<'w>,
    pub dense: Linear<'w>,
    pub post_attention_layernorm: LayerNorm<'w>,
    pub dense_h_to_4h: Linear<'w>,
    pub dense_4h_to_h: Linear<'w>,
}

pub struct Weights<'w> {
    /// `[vocab_size][hidden_size]`
    pub embed_in: &'w [f32],
    pub layers: Vec<Layer<'w>>,
    pub final_layer_norm: LayerNorm<'w>,
    /// `[vocab_size][hidden_size]`: `embed_out`, or `embed_in` when tied.
    pub embed_out: Linear<'w>,
}

impl<'w> Weights<'w> {
    pub fn load(ck: &'w Checkpoint, cfg: &Config) -> Result<Weights<'w>> {
        let (e, i, eps) = (cfg.hidden_size, cfg.intermediate_size, cfg.layer_norm_eps);
        let mut w = Loader::new(ck, &cfg.prefix);
        let mut layers = Vec::with_capacity(cfg.num_layers);
        for n in 0..cfg.num_layers {
            w.enter("layers.", n, ".");
            layers.push(Layer {
                input_layernorm: w.layer_norm("input_layernorm", e, eps),
                query_key_value: w.linear("attention.query_key_value", e, 3 * e, Bias::IfPresent),
                dense: w.linear("attention.dense", e, e, Bias::IfPresent),
                post_attention_layernorm: w.layer_norm("post_attention_layernorm", e, eps),
                dense_h_to_4h: w.linear("mlp.dense_h_to_4h", e, i, Bias::Yes),
                dense_4h_to_h: w.linear("mlp.dense_4h_to_h", i, e, Bias::Yes),
            });
        }
        w.leave();
        let embed_in = w.tensor("embed_in.weight", &[cfg.vocab_size, e]);
        let weights = Weights {
            embed_in,
            layers,
            final_layer_norm: w.layer_norm("final_layer_norm", e, eps),
            embed_out: w.head("embed_out.weight", "embed_in.weight", cfg.vocab_size, e),
        };
        w.finish(weights)
    }
}

/// Rotates the first `dims` of each head of `rows` (heads side by side) by position, as
/// `rotate_half`: pairs (i, i + dims/2) with frequency base^(−2i/dims), computed in f32.
fn apply_rotary(rows: &mut [f32], first_position: usize, heads: usize, head_size: usize, dims: usize, base: f32) {
    let half = dims / 2;
    // As transformers: base ** (2i / dims) in f32 (here computed in f64 and rounded), then 1 / that.
    let ln_base = crate::kernels::math::ln(base as f64);
    let mut inv_freq: Vec<f32> = Vec::with_capacity(half);
    for i in 0..half {
        inv_freq.push(1.0 / crate::kernels::math::exp64(ln_base * ((2 * i) as f32 / dims as f32) as f64) as f32);
    }
    for (t, row) in rows.chunks_exact_mut(heads * head_size).enumerate() {
        let position = (first_position + t) as f32;
        for head in row.chunks_exact_mut(head_size) {
            for (i, &f) in inv_freq.iter().enumerate() {
                let (sin, cos) = crate::kernels::math::sin_cos((position * f) as f64);
                let (sin, cos) = (sin as f32, cos as f32);
                let (a, b) = (head[i], head[i + half]);
                head[i] = a * cos - b * sin;
                head[i + half] = b * cos + a * sin;
            }
        }
    }
}

pub struct GptNeoX {
    cfg: Config,
    cache: DecoderCache,
}

impl GptNeoX {
    pub fn new(cfg: &Config, capacity: usize) -> GptNeoX {
        let capacity = capacity.min(cfg.max_position_embeddings);
        GptNeoX { cache: DecoderCache::new(cfg.num_layers, capacity, cfg.hidden_size), cfg: cfg.clone() }
    }
}

impl Decoder for GptNeoX {
    fn remaining_positions(&self) -> usize {
        self.cache.remaining()
    }

    fn feed(&mut self, ck: &Checkpoint, tokens: &[u32]) -> Result<Vec<f32>> {
        let (cfg, e) = (&self.cfg, self.cfg.hidden_size);
        let w = Weights::load(ck, cfg)?;
        let start = self.cache.start(tokens)?;
        let (heads, d) = (cfg.num_heads, e / cfg.num_heads);
        let mut x = embed_tokens(w.embed_in, e, tokens)?;
        for (layer, cache) in w.layers.iter().zip(&mut self.cache.layers) {
            let mut a = x.clone();
            layer.input_layernorm.forward(&mut a);
            let qkv = layer.query_key_value.forward(&a);
            let (mut q, mut k, mut v) =
                (Vec::with_capacity(a.len()), Vec::with_capacity(a.len()), Vec::with_capacity(a.len()));
            for row in qkv.chunks_exact(3 * e) {
                for head in row.chunks_exact(3 * d) {
                    q.extend_from_slice(&head[..d]);
                    k.extend_from_slice(&head[d..2 * d]);
                    v.extend_from_slice(&head[2 * d..]);
                }
            }
            apply_rotary(&mut q, start, heads, d, cfg.rotary_dims, cfg.rotary_base);
            apply_rotary(&mut k, start, heads, d, cfg.rotary_dims, cfg.rotary_base);
            cache.append(&k, &v);
            let attention = Attention {
                heads,
                head_dim: d,
                scale: 1.0 / math::sqrt_f32(d as f32),
                bias: None,
                causal: true,
                window: None,
            };
            let mut context = vec![0.0; q.len()];
            attention.run(&q, &cache.keys, &cache.values, &mut context, &mut self.cache.scratch);
            let attended = layer.dense.forward(&context);
            let mlp_input = if cfg.use_parallel_residual {
                x.clone()
            } else {
                add_in_place(&mut x, &attended);
                x.clone()
            };
            let mut m = mlp_input;
            layer.post_attention_layernorm.forward(&mut m);
            let mut inner = layer.dense_h_to_4h.forward(&m);
            cfg.activation.apply(&mut inner);
            let mut mlp = layer.dense_4h_to_h.forward(&inner);
            if cfg.use_parallel_residual {
                // x + attention(ln₁(x)) + mlp(ln₂(x)), summed as transformers does.
                add_in_place(&mut mlp, &attended);
            }
            add_in_place(&mut x, &mlp);
        }
        let last = x.len() - e;
        w.final_layer_norm.forward(&mut x[last..]);
        Ok(last_logits(&x, e, &w.embed_out))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rotary_turns_pairs_by_position() {
        // One head of 4 dims, all rotary: position 0 leaves it, position 1 turns pair (0, 2)
        // by 1 radian and pair (1, 3) by base^(-1/2) radians.
        let mut rows = vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
        super::apply_rotary(&mut rows, 0, 1, 4, 4, 100.0);
        assert_eq!(&rows[..4], &[1.0, 0.0, 0.0, 1.0]);
        let (s1, c1) = 1.0f32.sin_cos();
        let (s2, c2) = 0.1f32.sin_cos();
        let expected = [c1, -s2, s1, c2];
        rows[4..].iter().zip(expected).for_each(|(a, b)| assert!((a - b).abs() < 1e-6, "{rows:?}"));
    }
}
