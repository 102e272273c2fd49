//! T5 (v1.0, v1.1 / flan-t5, mT5): encoder and decoder stacks with RMS layer norm, no
//! attention scaling, and a bucketed relative position bias computed by each stack's first
//! layer and reused by all its layers, as Hugging Face does. Feed-forward is ReLU (`t5`) or
//! gated GELU (`gated-gelu`); v1.0 scales the decoder output by `d_model^-0.5`, and the
//! shared embedding matrix serves as the head unless the checkpoint has its own (never copied).

use super::{Bias, DecoderCache, Linear, Loader, add_in_place, embed_tokens, last_logits};
use crate::config::Config as Json;
use crate::error::{Error, Result};
use crate::generate::Decoder;
use crate::kernels::act::Activation;
use crate::kernels::attention::{Attention, Scratch};
use crate::kernels::{math, norm};
use crate::safetensors::Checkpoint;
use alloc::{vec, vec::Vec};

#[derive(Debug, Clone)]
pub struct Config {
    pub vocab_size: usize,
    pub d_model: usize,
    pub d_kv: usize,
    pub num_heads: usize,
    pub d_ff: usize,
    pub num_layers: usize,
    pub num_decoder_layers: usize,
    pub num_buckets: usize,
    pub max_distance: usize,
    pub layer_norm_epsilon: f32,
    pub activation: Activation,
    pub gated: bool,
    /// Multiply the decoder output by `d_model^-0.5` before the head (v1.0; not v1.1/mT5).
    pub scale_decoder_outputs: bool,
    pub decoder_start_token_id: u32,
}

impl Config {
    pub fn from_json(model_type: &str, json: &Json) -> Result<Config> {
        // Failures are kept by `json` in this order (see config.rs); `finish` reports the first.
        let proj = json.str_or("feed_forward_proj", "relu");
        let (gated_by_name, act_by_name) = match proj.strip_prefix("gated-") {
            Some(act) => (true, act),
            None => (false, proj),
        };
        // transformers writes `dense_act_fn` (gelu_new for "gated-gelu") and `is_gated_act`.
        let act_name = json.str_or("dense_act_fn", if act_by_name == "gelu" { "gelu_new" } else { act_by_name });
        let num_layers = json.size("num_layers");
        let config = Config {
            vocab_size: json.size("vocab_size"),
            d_model: json.size("d_model"),
            d_kv: json.size("d_kv"),
            num_heads: json.size("num_heads"),
            d_ff: json.size("d_ff"),
            num_layers,
            num_decoder_layers: match json.get("num_decoder_layers") {
                None => num_layers,
                Some(_) => json.size("num_decoder_layers"),
            },
            num_buckets: json.size_or("relative_attention_num_buckets", 32),
            max_distance: json.size_or("relative_attention_max_distance", 128),
            layer_norm_epsilon: json.f32_or("layer_norm_epsilon", 1e-6),
            activation: json.known_activation(act_name),
            gated: json.bool_or("is_gated_act", gated_by_name),
            // transformers 5 writes `scale_decoder_outputs` for t5; older configs said it with
            // `tie_word_embeddings` (false in v1.1); mT5 never scales.
            scale_decoder_outputs: model_type != "mt5"
                && json.bool_or("scale_decoder_outputs", json.bool_or("tie_word_embeddings", true)),
            decoder_start_token_id: json.optional_id("decoder_start_token_id").unwrap_or(0),
        };
        if config.num_buckets < 4 || config.max_distance <= config.num_buckets / 4 {
            json.fail(Error::InvalidConfig("config.json: relative attention buckets/distance are inconsistent".into()));
        }
        json.finish(config)
    }

    fn inner(&self) -> usize {
        self.num_heads * self.d_kv
    }
}

/// T5's RMS norm: only a weight, `[d_model]`.
pub struct RmsNorm<'w> {
    pub weight: &'w [f32],
    pub eps: f32,
}

impl<'w> RmsNorm<'w> {
    fn load(w: &mut Loader<'w>, name: &str, width: usize, eps: f32) -> RmsNorm<'w> {
        RmsNorm { weight: w.tensor(name, &[width]), eps }
    }

    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut y = x.to_vec();
        norm::rms_norm(&mut y, self.weight, self.eps);
        y
    }
}

/// Bias-free attention projections: q, k, v `[inner][d_model]`, o `[d_model][inner]`.
pub struct AttentionWeights<'w> {
    pub q: Linear<'w>,
    pub k: Linear<'w>,
    pub v: Linear<'w>,
    pub o: Linear<'w>,
}

impl<'w> AttentionWeights<'w> {
    /// `q`, `k`, `v` and `o` in the loader's scope.
    fn load(w: &mut Loader<'w>, cfg: &Config) -> AttentionWeights<'w> {
        let (d, inner) = (cfg.d_model, cfg.inner());
        AttentionWeights {
            q: w.linear("q", d, inner, Bias::No),
            k: w.linear("k", d, inner, Bias::No),
            v: w.linear("v", d, inner, Bias::No),
            o: w.linear("o", inner, d, Bias::No),
        }
    }
}

/// `DenseReluDense`: `wi` (or gated `wi_0`, `wi_1`) then `wo`.
pub struct FeedForward<'w> {
    pub wi: Linear<'w>,
    pub wi_1: Option<Linear<'w>>,
    pub wo: Linear<'w>,
}

impl<'w> FeedForward<'w> {
    /// `wi` (or `wi_0`, `wi_1`) and `wo` in the loader's scope.
    fn load(w: &mut Loader<'w>, cfg: &Config) -> FeedForward<'w> {
        let (d, f) = (cfg.d_model, cfg.d_ff);
        let (wi, wi_1) = if cfg.gated {
            let wi = w.linear("wi_0", d, f, Bias::No);
            (wi, Some(w.linear("wi_1", d, f, Bias::No)))
        } else {
            (w.linear("wi", d, f, Bias::No), None)
        };
        FeedForward { wi, wi_1, wo: w.linear("wo", f, d, Bias::No) }
    }

    fn forward(&self, x: &[f32], activation: Activation) -> Vec<f32> {
        let mut h = self.wi.forward(x);
        activation.apply(&mut h);
        if let Some(wi_1) = &self.wi_1 {
            for (a, b) in h.iter_mut().zip(wi_1.forward(x)) {
                *a *= b;
            }
        }
        self.wo.forward(&h)
    }
}

pub struct EncoderLayer<'w> {
    pub self_attention_norm: RmsNorm<'w>,
    pub self_attention: AttentionWeights<'w>,
    pub feed_forward_norm: RmsNorm<'w>,
    pub feed_forward: FeedForward<'w>,
}

pub struct DecoderLayer<'w> {
    pub self_attention_norm: RmsNorm<'w>,
    pub self_attention: AttentionWeights<'w>,
    pub cross_attention_norm: RmsNorm<'w>,
    pub cross_attention: AttentionWeights<'w>,
    pub feed_forward_norm: RmsNorm<'w>,
    pub feed_forward: FeedForward<'w>,
}

pub struct Weights<'w> {
    /// `shared.weight`: `[vocab_size][d_model]`, the embeddings of both stacks.
    pub shared: &'w [f32],
    /// `[num_buckets][num_heads]` for each stack (in its block 0).
    pub encoder_relative_attention_bias: &'w [f32],
    pub decoder_relative_attention_bias: &'w [f32],
    pub encoder: Vec<EncoderLayer<'w>>,
    pub encoder_final_layer_norm: RmsNorm<'w>,
    pub decoder: Vec<DecoderLayer<'w>>,
    pub decoder_final_layer_norm: RmsNorm<'w>,
    /// `lm_head.weight`, or `shared` when the checkpoint has no head of its own.
    pub lm_head: Linear<'w>,
}

impl<'w> Weights<'w> {
    pub fn load(ck: &'w Checkpoint, cfg: &Config) -> Result<Weights<'w>> {
        let (d, eps) = (cfg.d_model, cfg.layer_norm_epsilon);
        let shared_name = ["shared.weight", "encoder.embed_tokens.weight"]
            .into_iter()
            .find(|n| ck.contains(n))
            .unwrap_or("shared.weight");
        let shared = ck.tensor(shared_name, &[cfg.vocab_size, d])?;
        let bias_shape = [cfg.num_buckets, cfg.num_heads];
        let mut w = Loader::new(ck, "");
        let mut encoder = Vec::with_capacity(cfg.num_layers);
        for i in 0..cfg.num_layers {
            w.enter("encoder.block.", i, ".layer.0.");
            let self_attention_norm = RmsNorm::load(&mut w, "layer_norm.weight", d, eps);
            w.enter("encoder.block.", i, ".layer.0.SelfAttention.");
            let self_attention = AttentionWeights::load(&mut w, cfg);
            w.enter("encoder.block.", i, ".layer.1.");
            let feed_forward_norm = RmsNorm::load(&mut w, "layer_norm.weight", d, eps);
            w.enter("encoder.block.", i, ".layer.1.DenseReluDense.");
            let feed_forward = FeedForward::load(&mut w, cfg);
            encoder.push(EncoderLayer { self_attention_norm, self_attention, feed_forward_norm, feed_forward });
        }
        let mut decoder = Vec::with_capacity(cfg.num_decoder_layers);
        for i in 0..cfg.num_decoder_layers {
            w.enter("decoder.block.", i, ".layer.0.");
            let self_attention_norm = RmsNorm::load(&mut w, "layer_norm.weight", d, eps);
            w.enter("decoder.block.", i, ".layer.0.SelfAttention.");
            let self_attention = AttentionWeights::load(&mut w, cfg);
            w.enter("decoder.block.", i, ".layer.1.");
            let cross_attention_norm = RmsNorm::load(&mut w, "layer_norm.weight", d, eps);
            w.enter("decoder.block.", i, ".layer.1.EncDecAttention.");
            let cross_attention = AttentionWeights::load(&mut w, cfg);
            w.enter("decoder.block.", i, ".layer.2.");
            let feed_forward_norm = RmsNorm::load(&mut w, "layer_norm.weight", d, eps);
            w.enter("decoder.block.", i, ".layer.2.DenseReluDense.");
            let feed_forward = FeedForward::load(&mut w, cfg);
            decoder.push(DecoderLayer {
                self_attention_norm,
                self_attention,
                cross_attention_norm,
                cross_attention,
                feed_forward_norm,
                feed_forward,
            });
        }
        w.leave();
        let weights = Weights {
            shared,
            encoder_relative_attention_bias: w
                .tensor("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", &bias_shape),
            decoder_relative_attention_bias: w
                .tensor("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", &bias_shape),
            encoder,
            encoder_final_layer_norm: RmsNorm::load(&mut w, "encoder.final_layer_norm.weight", d, eps),
            decoder,
            decoder_final_layer_norm: RmsNorm::load(&mut w, "decoder.final_layer_norm.weight", d, eps),
            // Untied checkpoints carry their own head; transformers 5 ties it to `shared` and
            // saves only that.
            lm_head: w.head("lm_head.weight", shared_name, cfg.vocab_size, d),
        };
        w.finish(weights)
    }
}

/// `T5Attention._relative_position_bucket`, in the f32 arithmetic transformers uses.
fn relative_position_bucket(relative: i64, bidirectional: bool, num_buckets: usize, max_distance: usize) -> usize {
    let mut buckets = num_buckets as i64;
    let mut bucket = 0i64;
    let mut position = relative;
    if bidirectional {
        buckets /= 2;
        if position > 0 {
            bucket += buckets;
        }
        position = position.abs();
    } else {
        position = -position.min(0);
    }
    let max_exact = buckets / 2;
    if position < max_exact {
        return (bucket + position) as usize;
    }
    let log_ratio = math::ln((position as f32 / max_exact as f32) as f64) as f32;
    let log_range = math::ln(max_distance as f64 / max_exact as f64) as f32;
    let large = max_exact + (log_ratio / log_range * (buckets - max_exact) as f32) as i64;
    (bucket + large.min(buckets - 1)) as usize
}

/// Position bias `[heads][queries][keys]` for queries at `first_query..` over keys `0..keys`.
fn position_bias(
    table: &[f32],
    cfg: &Config,
    first_query: usize,
    queries: usize,
    keys: usize,
    bidirectional: bool,
) -> Vec<f32> {
    let heads = cfg.num_heads;
    let mut bias = vec![0.0; heads * queries * keys];
    for i in 0..queries {
        for j in 0..keys {
            let bucket = relative_position_bucket(
                j as i64 - (first_query + i) as i64,
                bidirectional,
                cfg.num_buckets,
                cfg.max_distance,
            );
            for h in 0..heads {
                bias[(h * queries + i) * keys + j] = table[bucket * heads + h];
            }
        }
    }
    bias
}

/// The encoder's last hidden state: `[tokens][d_model]`.
pub fn encode(cfg: &Config, w: &Weights, ids: &[u32]) -> Result<Vec<f32>> {
    let mut x = embed_tokens(w.shared, cfg.d_model, ids)?;
    let n = ids.len();
    let bias = position_bias(w.encoder_relative_attention_bias, cfg, 0, n, n, true);
    let attention = Attention {
        heads: cfg.num_heads,
        head_dim: cfg.d_kv,
        scale: 1.0,
        bias: Some(&bias),
        causal: false,
        window: None,
    };
    let mut scratch = Scratch::default();
    for layer in &w.encoder {
        let h = layer.self_attention_norm.forward(&x);
        let a = &layer.self_attention;
        let (q, k, v) = (a.q.forward(&h), a.k.forward(&h), a.v.forward(&h));
        let mut context = vec![0.0; q.len()];
        attention.run(&q, &k, &v, &mut context, &mut scratch);
        add_in_place(&mut x, &a.o.forward(&context));
        let h = layer.feed_forward_norm.forward(&x);
        add_in_place(&mut x, &layer.feed_forward.forward(&h, cfg.activation));
    }
    Ok(w.encoder_final_layer_norm.forward(&x))
}

/// A generation's decoder state: the encoder output's keys and values per layer (computed
/// once), and the self-attention KV cache.
pub struct T5Decoder {
    cfg: Config,
    cross: Vec<(Vec<f32>, Vec<f32>)>,
    cache: DecoderCache,
}

impl T5Decoder {
    /// Runs the encoder over `input_ids` and prepares a decoder for `capacity` positions.
    pub fn new(cfg: &Config, ck: &Checkpoint, input_ids: &[u32], capacity: usize) -> Result<T5Decoder> {
        let w = Weights::load(ck, cfg)?;
        let encoded = encode(cfg, &w, input_ids)?;
        let mut cross = Vec::with_capacity(w.decoder.len());
        for l in &w.decoder {
            cross.push((l.cross_attention.k.forward(&encoded), l.cross_attention.v.forward(&encoded)));
        }
        Ok(T5Decoder {
            cache: DecoderCache::new(cfg.num_decoder_layers, capacity, cfg.inner()),
            cfg: cfg.clone(),
            cross,
        })
    }
}

impl Decoder for T5Decoder {
    fn remaining_positions(&self) -> usize {
        self.cache.remaining()
    }

    fn feed(&mut self, ck: &Checkpoint, tokens: &[u32]) -> Result<Vec<f32>> {
        let cfg = &self.cfg;
        let w = Weights::load(ck, cfg)?;
        let start = self.cache.start(tokens)?;
        let (n, keys) = (tokens.len(), start + tokens.len());
        let mut x = embed_tokens(w.shared, cfg.d_model, tokens)?;
        let bias = position_bias(w.decoder_relative_attention_bias, cfg, start, n, keys, false);
        let own = Attention {
            heads: cfg.num_heads,
            head_dim: cfg.d_kv,
            scale: 1.0,
            bias: Some(&bias),
            causal: true,
            window: None,
        };
        let cross =
            Attention { heads: cfg.num_heads, head_dim: cfg.d_kv, scale: 1.0, bias: None, causal: false, window: None };
        for ((layer, cache), (cross_k, cross_v)) in w.decoder.iter().zip(&mut self.cache.layers).zip(&self.cross) {
            let h = layer.self_attention_norm.forward(&x);
            let a = &layer.self_attention;
            let q = a.q.forward(&h);
            cache.append(&a.k.forward(&h), &a.v.forward(&h));
            let mut context = vec![0.0; q.len()];
            own.run(&q, &cache.keys, &cache.values, &mut context, &mut self.cache.scratch);
            add_in_place(&mut x, &a.o.forward(&context));
            let h = layer.cross_attention_norm.forward(&x);
            let c = &layer.cross_attention;
            let q = c.q.forward(&h);
            let mut context = vec![0.0; q.len()];
            cross.run(&q, cross_k, cross_v, &mut context, &mut self.cache.scratch);
            add_in_place(&mut x, &c.o.forward(&context));
            let h = layer.feed_forward_norm.forward(&x);
            add_in_place(&mut x, &layer.feed_forward.forward(&h, cfg.activation));
        }
        let d = cfg.d_model;
        let mut last = w.decoder_final_layer_norm.forward(&x[x.len() - d..]);
        if cfg.scale_decoder_outputs {
            let scale = (1.0 / math::sqrt_f64(d as f64)) as f32;
            last.iter_mut().for_each(|v| *v *= scale);
        }
        Ok(last_logits(&last, d, &w.lm_head))
    }
}

#[cfg(test)]
mod tests {
    use super::relative_position_bucket as bucket;

    /// Expected values printed by transformers 5.23's `T5Attention._relative_position_bucket`
    /// for the same arguments (`python -c "from transformers.models.t5.modeling_t5 import ..."`).
    #[test]
    fn buckets_match_transformers() {
        let run = |rel: &[i64], bidirectional, buckets, distance| -> Vec<usize> {
            rel.iter().map(|&r| bucket(r, bidirectional, buckets, distance)).collect()
        };
        let rel = [-200, -128, -64, -20, -8, -1, 0, 1, 7, 8, 20, 64, 127, 500];
        assert_eq!(run(&rel, true, 32, 128), [15, 15, 14, 10, 8, 1, 0, 17, 23, 24, 26, 30, 31, 31]);
        let rel = [-300, -100, -40, -16, -15, -3, 0, 5];
        assert_eq!(run(&rel, false, 32, 128), [31, 30, 23, 16, 15, 3, 0, 0]);
        let rel: Vec<i64> = (-12..=12).collect();
        assert_eq!(run(&rel, true, 8, 16), [3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 0, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7]);
        assert_eq!(run(&rel, false, 8, 16)[..13], [7, 6, 6, 6, 6, 5, 5, 4, 4, 3, 2, 1, 0]);
    }
}
