//! Model families. Each file holds one family: its config, weights named as the checkpoint
//! names them, and its forward pass. This file holds the pieces they share.

pub mod bert;

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
        Ok(Linear {
            weight: ck.tensor(&format!("{name}.weight"), &[outputs, inputs])?,
            bias: Some(ck.tensor(&format!("{name}.bias"), &[outputs])?),
            inputs,
            outputs,
        })
    }

    /// `x: [rows][inputs]` → `[rows][outputs]`.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len() / self.inputs * self.outputs];
        matmul::linear(x, self.weight, self.bias, self.inputs, &mut out);
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
