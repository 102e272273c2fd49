//! Model families. Each file holds one family: its config, weights named as the checkpoint
//! names them, and its forward pass. This file holds the pieces they share.

pub mod bert;
pub mod gpt2;
pub mod gpt_neo;
pub mod gpt_neox;
pub mod heads;
pub mod t5;

use crate::error::{Error, Result};
use crate::kernels::{matmul, norm, quant};
use crate::safetensors::Checkpoint;
use alloc::{format, string::String, string::ToString, vec, vec::Vec};

/// Binds a family's tensors by name, for its `Weights::load`. Names are built in one buffer:
/// the scope (`{prefix}encoder.layer.{n}.`) then the relative name. The first missing or
/// misshapen tensor is kept and reported by `finish`, later lookups are skipped and give
/// empty slices, so a loader is a flat list of calls rather than a `format!` and a `?` per
/// tensor (which cost ~10 KB of component across the families); the error is the one the
/// first failing lookup gives, as before.
pub struct Loader<'w> {
    ck: &'w Checkpoint,
    name: String,
    /// Length of the scope at the start of `name`.
    scope: usize,
    /// Length of the family's prefix at the start of `name`.
    prefix: usize,
    error: Option<Error>,
}

/// Whether a linear layer has a bias.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Bias {
    Yes,
    No,
    /// When the checkpoint has `{name}.bias`.
    IfPresent,
}

impl<'w> Loader<'w> {
    /// Names below `prefix` (`bert.` in task checkpoints, empty in base models).
    pub fn new(ck: &'w Checkpoint, prefix: &str) -> Loader<'w> {
        Loader { ck, name: String::from(prefix), scope: prefix.len(), prefix: prefix.len(), error: None }
    }

    /// Names below `{prefix}{path}{index}{rest}` until the next `enter` or `leave`.
    #[inline(never)]
    pub fn enter(&mut self, path: &str, index: usize, rest: &str) {
        self.name.truncate(self.prefix);
        self.name.push_str(path);
        push_decimal(&mut self.name, index);
        self.name.push_str(rest);
        self.scope = self.name.len();
    }

    /// Names below the prefix again.
    pub fn leave(&mut self) {
        self.scope = self.prefix;
    }

    /// `{scope}{name}{suffix}`.
    #[inline(never)]
    fn full(&mut self, name: &str, suffix: &str) -> &str {
        self.name.truncate(self.scope);
        self.name.push_str(name);
        self.name.push_str(suffix);
        &self.name
    }

    /// Whether `{scope}{name}` exists.
    #[inline(never)]
    pub fn has(&mut self, name: &str) -> bool {
        let ck = self.ck;
        ck.contains(self.full(name, ""))
    }

    /// `{scope}{name}{suffix}` with exactly `shape`.
    #[inline(never)]
    fn tensor_with(&mut self, name: &str, suffix: &str, shape: &[usize]) -> &'w [f32] {
        if self.error.is_some() {
            return &[];
        }
        let ck = self.ck;
        let found = ck.tensor(self.full(name, suffix), shape);
        self.record(found)
    }

    fn record(&mut self, found: Result<&'w [f32]>) -> &'w [f32] {
        found.unwrap_or_else(|e| {
            self.error = Some(e);
            &[]
        })
    }

    /// `{scope}{name}` with exactly `shape`.
    pub fn tensor(&mut self, name: &str, shape: &[usize]) -> &'w [f32] {
        self.tensor_with(name, "", shape)
    }

    /// The tensor named exactly `name` (outside the prefix: a task head's own tensors).
    #[inline(never)]
    pub fn tensor_named(&mut self, name: &str, shape: &[usize]) -> &'w [f32] {
        if self.error.is_some() {
            return &[];
        }
        let found = self.ck.tensor(name, shape);
        self.record(found)
    }

    /// The matrix `{scope}{name}{suffix}`: its int8 form when the checkpoint has one (always
    /// `[outputs][inputs]`), else the f32 tensor, `[outputs][inputs]` or, for `kn`, `[inputs][outputs]`.
    #[inline(never)]
    fn matrix(&mut self, name: &str, suffix: &str, inputs: usize, outputs: usize, kn: bool) -> Matrix<'w> {
        let ck = self.ck;
        if let Some(q) = ck.quantized(self.full(name, suffix)) {
            if (q.rows(), q.k) == (outputs, inputs) {
                return Matrix::Int8(q);
            }
            let found = Err(Error::InvalidModel(format!(
                "model.safetensors: int8 matrix '{}' is {}×{}, the config implies {outputs}×{inputs}",
                self.name,
                q.rows(),
                q.k
            )));
            self.record(found);
            return Matrix::F32(&[]);
        }
        let shape = if kn { [inputs, outputs] } else { [outputs, inputs] };
        if ck.is_packed(self.full(name, suffix)) {
            let found = ck.packed_tensor(&self.name, &shape);
            return Matrix::Packed(self.record(found));
        }
        Matrix::F32(self.tensor_with(name, suffix, &shape))
    }

    /// A language-model head `[vocab][width]`: `{name}` under the prefix when `own` (the
    /// checkpoint's `lm_head.weight`, named outside the prefix), else the tied table `tied`.
    pub fn head(&mut self, own: &str, tied: &str, vocab: usize, width: usize) -> Linear<'w> {
        let ck = self.ck;
        // `contains` counts int8 forms too.
        let weight = if ck.contains(own) {
            self.scope = 0;
            let saved = core::mem::take(&mut self.name);
            let m = self.matrix(own, "", width, vocab, false);
            self.name = saved;
            self.scope = self.prefix;
            m
        } else {
            self.leave();
            self.matrix(tied, "", width, vocab, false)
        };
        Linear { weight, bias: None, inputs: width, outputs: vocab }
    }

    /// `nn.Linear` `{name}.weight` (and `{name}.bias`).
    #[inline(never)]
    pub fn linear(&mut self, name: &str, inputs: usize, outputs: usize, bias: Bias) -> Linear<'w> {
        let weight = self.matrix(name, ".weight", inputs, outputs, false);
        let bias = match bias {
            Bias::IfPresent if !self.has_with(name, ".bias") => None,
            Bias::Yes | Bias::IfPresent => Some(self.tensor_with(name, ".bias", &[outputs])),
            Bias::No => None,
        };
        Linear { weight, bias, inputs, outputs }
    }

    /// GPT-2's `Conv1D` `{name}.weight` and `{name}.bias`.
    #[inline(never)]
    pub fn conv1d(&mut self, name: &str, inputs: usize, outputs: usize) -> Conv1D<'w> {
        let weight = self.matrix(name, ".weight", inputs, outputs, true);
        Conv1D { weight, bias: self.tensor_with(name, ".bias", &[outputs]), inputs, outputs }
    }

    /// `nn.LayerNorm` `{name}.weight` and `.bias`, or `.gamma` and `.beta`.
    #[inline(never)]
    pub fn layer_norm(&mut self, name: &str, width: usize, eps: f32) -> LayerNorm<'w> {
        let (w, b) = if self.has_with(name, ".gamma") { (".gamma", ".beta") } else { (".weight", ".bias") };
        let weight = self.tensor_with(name, w, &[width]);
        LayerNorm { weight, bias: self.tensor_with(name, b, &[width]), eps }
    }

    fn has_with(&mut self, name: &str, suffix: &str) -> bool {
        let ck = self.ck;
        ck.contains(self.full(name, suffix))
    }

    /// `value`, or the first lookup's error.
    pub fn finish<T>(self, value: T) -> Result<T> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

/// Appends `n` in decimal (what `format!("{n}")` would, without its machinery at each site).
fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// A weight matrix as the checkpoint (or the int8 load option) gives it.
#[derive(Clone, Copy)]
pub enum Matrix<'w> {
    F32(&'w [f32]),
    /// `[out][in]` reordered by `matmul::pack_rows` (see `Checkpoint::pack_linear_weights`).
    Packed(&'w [f32]),
    /// Always `[out][in]`, whatever layout the f32 original had.
    Int8(quant::Int8Matrix<'w>),
}

/// `nn.Linear` as stored: `weight: [out][in]`, optional `bias: [out]`.
pub struct Linear<'w> {
    pub weight: Matrix<'w>,
    pub bias: Option<&'w [f32]>,
    pub inputs: usize,
    pub outputs: usize,
}

impl<'w> Linear<'w> {
    /// `x: [rows][inputs]` → `[rows][outputs]`.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len() / self.inputs * self.outputs];
        match self.weight {
            Matrix::F32(w) => matmul::linear(x, w, self.bias, self.inputs, &mut out),
            Matrix::Packed(w) => matmul::linear_packed(x, w, self.bias, self.inputs, &mut out),
            Matrix::Int8(q) => quant::linear_q8(x, q, self.bias, &mut out),
        }
        out
    }
}

/// GPT-2's `Conv1D`: `weight: [in][out]` as stored (the transpose of `nn.Linear`; its int8
/// and packed forms are `[out][in]`), `bias: [out]`.
pub struct Conv1D<'w> {
    pub weight: Matrix<'w>,
    pub bias: &'w [f32],
    pub inputs: usize,
    pub outputs: usize,
}

impl<'w> Conv1D<'w> {
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len() / self.inputs * self.outputs];
        match self.weight {
            Matrix::F32(w) => matmul::matmul_kn(x, w, Some(self.bias), self.inputs, &mut out),
            // Transposed to `[out][in]` and packed at load (`Checkpoint::pack_linear_weights`).
            Matrix::Packed(w) => matmul::linear_packed(x, w, Some(self.bias), self.inputs, &mut out),
            Matrix::Int8(q) => quant::linear_q8(x, q, Some(self.bias), &mut out),
        }
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

/// What a decoder keeps for a whole generation: every layer's KV cache, sized once for all
/// the positions the generation may reach, and the attention scratch buffers.
pub struct DecoderCache {
    pub layers: Vec<KvCache>,
    pub scratch: crate::kernels::attention::Scratch,
    capacity: usize,
}

impl DecoderCache {
    pub fn new(layers: usize, capacity: usize, width: usize) -> DecoderCache {
        let mut caches = Vec::with_capacity(layers);
        for _ in 0..layers {
            caches.push(KvCache::new(capacity, width));
        }
        DecoderCache { layers: caches, scratch: Default::default(), capacity }
    }

    /// Positions already cached.
    pub fn len(&self) -> usize {
        self.layers.first().map_or(0, KvCache::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn remaining(&self) -> usize {
        self.capacity - self.len()
    }

    /// The position of the first of `tokens`, once they are known to fit.
    pub fn start(&self, tokens: &[u32]) -> Result<usize> {
        if tokens.is_empty() || tokens.len() > self.remaining() {
            return Err(crate::Error::InvalidInput(format!(
                "{} tokens do not fit the remaining positions",
                tokens.len()
            )));
        }
        Ok(self.len())
    }
}

/// A causal language-model head: logits of the last row of `hidden` against `[vocab][width]`.
pub fn last_logits(hidden: &[f32], width: usize, lm_head: &Linear) -> Vec<f32> {
    lm_head.forward(&hidden[hidden.len() - width..])
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
        .chain(core::iter::once(&""))
        .find(|p| ck.contains(&format!("{p}{probe}")))
        .map(|p| p.to_string())
        .ok_or_else(|| {
            // `join` by hand: `[&str]::join` is ~1 KB of component.
            let mut listed = String::new();
            for (i, candidate) in candidates.iter().enumerate() {
                if i > 0 {
                    listed.push_str("', '");
                }
                listed.push_str(candidate);
            }
            crate::Error::InvalidModel(format!("model.safetensors has no '{probe}' (with or without '{listed}')"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safetensors::tests::write;

    #[test]
    fn loader_builds_names_and_keeps_the_first_error() {
        let (w4, w2) = ([0u8; 16], [0u8; 8]);
        let bytes = write(&[
            ("p.layer.12.fc.weight", "F32", &[2, 2], &w4),
            ("p.layer.12.fc.bias", "F32", &[2], &w2),
            ("p.layer.12.proj.weight", "F32", &[2, 2], &w4),
            ("p.norm.gamma", "F32", &[2], &w2),
            ("p.norm.beta", "F32", &[2], &w2),
            ("head.weight", "F32", &[2], &w2),
        ]);
        let ck = Checkpoint::parse(bytes).unwrap();
        let mut w = Loader::new(&ck, "p.");
        w.enter("layer.", 12, ".");
        assert!(w.linear("fc", 2, 2, Bias::Yes).bias.is_some());
        assert!(w.linear("proj", 2, 2, Bias::IfPresent).bias.is_none());
        assert!(w.has("fc.bias") && !w.has("proj.bias"));
        w.leave();
        assert_eq!(w.layer_norm("norm", 2, 1e-5).bias.len(), 2);
        assert_eq!(w.tensor_named("head.weight", &[2]).len(), 2);
        assert_eq!(w.finish(()), Ok(()));

        // The first failure is reported, as a `?` at each lookup did.
        let mut w = Loader::new(&ck, "p.");
        w.enter("layer.", 12, ".");
        w.linear("fc", 2, 2, Bias::Yes);
        w.linear("proj", 2, 2, Bias::Yes);
        w.linear("missing", 2, 2, Bias::Yes);
        let first = ck.tensor("p.layer.12.proj.bias", &[2]).unwrap_err();
        assert_eq!(w.finish(()), Err(first));
        let mut w = Loader::new(&ck, "p.");
        w.tensor("norm.gamma", &[3]);
        w.tensor("absent", &[1]);
        assert_eq!(w.finish(()), Err(ck.tensor("p.norm.gamma", &[3]).unwrap_err()));
    }
}
