//! Model families. Each file holds one family: its config, weights named as the checkpoint
//! names them, and its forward pass. This file holds the pieces they share.

pub mod bert;
pub mod gpt2;
pub mod gpt_neo;
pub mod gpt_neox;
pub mod heads;
pub mod t5;

use crate::error::Result;
use crate::kernels::{matmul, norm};
use crate::safetensors::Checkpoint;

/// `nn.Linear` as stored: `weight: [out][in]`, optional `bias: [out]`.
pub struct Linear<'w> {
    pub weight: &'w [f32],
    pub bias: Option<&'w [f32]>,
    pub inputs: usize,
    pub outputs: usize,
}

impl<'w> Linear<'w> {
    /// Loads `{name}.weight` and `{name}.bias`.
    pub fn load(ck: &'w Checkpoint, name: &str, inputs: usize, outputs: usize) -> Result<Linear<'w>> {
        let mut linear = Linear::load_without_bias(ck, name, inputs, outputs)?;
        linear.bias = Some(ck.tensor(&format!("{name}.bias"), &[outputs])?);
        Ok(linear)
    }

    /// Loads `{name}.weight` only (layers built with `bias=False`).
    pub fn load_without_bias(ck: &'w Checkpoint, name: &str, inputs: usize, outputs: usize) -> Result<Linear<'w>> {
        Ok(Linear { weight: ck.tensor(&format!("{name}.weight"), &[outputs, inputs])?, bias: None, inputs, outputs })
    }

    /// Loads `{name}.bias` when the checkpoint has it.
    pub fn load_maybe_bias(ck: &'w Checkpoint, name: &str, inputs: usize, outputs: usize) -> Result<Linear<'w>> {
        if ck.contains(&format!("{name}.bias")) {
            Linear::load(ck, name, inputs, outputs)
        } else {
            Linear::load_without_bias(ck, name, inputs, outputs)
        }
    }

    /// `x: [rows][inputs]` → `[rows][outputs]`.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len() / self.inputs * self.outputs];
        matmul::linear(x, self.weight, self.bias, self.inputs, &mut out);
        out
    }
}

/// GPT-2's `Conv1D` as stored: `weight: [in][out]` (the transpose of `nn.Linear`), `bias: [out]`.
pub struct Conv1D<'w> {
    pub weight: &'w [f32],
    pub bias: &'w [f32],
    pub inputs: usize,
    pub outputs: usize,
}

impl<'w> Conv1D<'w> {
    pub fn load(ck: &'w Checkpoint, name: &str, inputs: usize, outputs: usize) -> Result<Conv1D<'w>> {
        Ok(Conv1D {
            weight: ck.tensor(&format!("{name}.weight"), &[inputs, outputs])?,
            bias: ck.tensor(&format!("{name}.bias"), &[outputs])?,
            inputs,
            outputs,
        })
    }

    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len() / self.inputs * self.outputs];
        matmul::matmul_kn(x, self.weight, Some(self.bias), self.inputs, &mut out);
        out
    }
}

/// `nn.LayerNorm` as stored: `weight` and `bias` of `[width]` (`gamma`/`beta` in checkpoints
/// converted from TensorFlow).
pub struct LayerNorm<'w> {
    pub weight: &'w [f32],
    pub bias: &'w [f32],
    pub eps: f32,
}

impl<'w> LayerNorm<'w> {
    pub fn load(ck: &'w Checkpoint, name: &str, width: usize, eps: f32) -> Result<LayerNorm<'w>> {
        let (w, b) = if ck.contains(&format!("{name}.gamma")) { ("gamma", "beta") } else { ("weight", "bias") };
        Ok(LayerNorm {
            weight: ck.tensor(&format!("{name}.{w}"), &[width])?,
            bias: ck.tensor(&format!("{name}.{b}"), &[width])?,
            eps,
        })
    }

    pub fn forward(&self, x: &mut [f32]) {
        norm::layer_norm(x, self.weight, self.bias, self.eps);
    }
}

pub use crate::kernels::add_in_place;

/// The key/value cache of one decoder layer: rows of `width` floats, allocated once for
/// every position the generation may reach.
pub struct KvCache {
    pub keys: Vec<f32>,
    pub values: Vec<f32>,
    width: usize,
}

impl KvCache {
    pub fn new(capacity: usize, width: usize) -> KvCache {
        KvCache { keys: Vec::with_capacity(capacity * width), values: Vec::with_capacity(capacity * width), width }
    }

    /// Appends the new positions' keys and values; the capacity never grows.
    pub fn append(&mut self, keys: &[f32], values: &[f32]) {
        debug_assert!(self.keys.len() + keys.len() <= self.keys.capacity(), "KV cache sized at start");
        self.keys.extend_from_slice(keys);
        self.values.extend_from_slice(values);
    }

    pub fn len(&self) -> usize {
        self.keys.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A causal language-model head: logits of the last row of `hidden` against `[vocab][width]`.
pub fn last_logits(hidden: &[f32], width: usize, lm_head: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let last = &hidden[hidden.len() - width..];
    let mut logits = vec![0.0; lm_head.len() / width];
    matmul::linear(last, lm_head, bias, width, &mut logits);
    logits
}

/// Word embeddings of `tokens`, checked against the vocabulary size.
pub fn embed_tokens(table: &[f32], width: usize, tokens: &[u32]) -> Result<Vec<f32>> {
    let vocab = table.len() / width;
    let mut x = Vec::with_capacity(tokens.len() * width);
    for &id in tokens {
        let id = id as usize;
        if id >= vocab {
            return Err(crate::Error::InvalidInput(format!(
                "token id {id} is outside the model's vocabulary of {vocab}"
            )));
        }
        x.extend_from_slice(&table[id * width..(id + 1) * width]);
    }
    Ok(x)
}

/// The prefix the checkpoint's tensor names carry: the first of `candidates` (then none)
/// under which `probe` exists. Task checkpoints nest the base model (`transformer.`,
/// `bert.`, ...); base-model checkpoints do not.
pub fn find_prefix(ck: &Checkpoint, candidates: &[&str], probe: &str) -> Result<String> {
    candidates
        .iter()
        .chain(std::iter::once(&""))
        .find(|p| ck.contains(&format!("{p}{probe}")))
        .map(|p| p.to_string())
        .ok_or_else(|| {
            crate::Error::InvalidModel(format!(
                "model.safetensors has no '{probe}' (with or without '{}')",
                candidates.join("', '")
            ))
        })
}
