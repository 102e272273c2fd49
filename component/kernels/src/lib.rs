//! Numeric kernels: free functions over slices, shared by every model family of wasmicro.
//!
//! Each kernel has one signature and two bodies: a scalar one, and a SIMD128 one compiled
//! when the target has `simd128`. The two bodies perform the same IEEE operations in the same
//! order (the scalar loops keep four "lanes" of partial sums), so they agree bit for bit and
//! the tests pin them to each other with `==`. The same property makes a row's result
//! independent of which other rows are computed with it, so a batch equals its parts exactly.
//!
//! Built into the component (wasm32 with SIMD128, not under test) the crate is `no_std`, as the
//! component is (see `component/src/runtime.rs`); the float methods that live in std go
//! through [`math`].
#![cfg_attr(all(target_arch = "wasm32", target_feature = "simd128", not(test)), no_std)]

extern crate alloc;

pub mod act;
pub mod attention;
pub mod math;
pub mod matmul;
pub mod norm;
pub mod quant;
pub mod softmax;

/// `x[i] += residual[i]`.
pub fn add_in_place(x: &mut [f32], residual: &[f32]) {
    for (a, b) in x.iter_mut().zip(residual) {
        *a += b;
    }
}

/// The first `k - k % width` values of each row of `x[..rows · k]`, in blocks of `r` rows with
/// `width` values of each row in turn: `[block][k / width][r][width]`. A register block then
/// reads its `r` rows as one stream at constant offsets (see `matmul::pack_rows`).
pub fn interleave_rows<T: Copy>(x: &[T], rows: usize, k: usize, r: usize, width: usize) -> alloc::vec::Vec<T> {
    let full = k - k % width;
    let mut out = alloc::vec::Vec::with_capacity(rows * full);
    for block in x[..rows * k].chunks_exact(r * k) {
        for i in (0..full).step_by(width) {
            for row in block.chunks_exact(k) {
                out.extend_from_slice(&row[i..i + width]);
            }
        }
    }
    out
}

/// Whether the SIMD128 bodies are compiled in.
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

#[cfg(test)]
pub(crate) mod testing {
    /// Deterministic values in [-scale, scale) for kernel tests.
    pub fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                ((state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0) * scale
            })
            .collect()
    }

    /// erf in f64 by its Taylor series (|x| < 3) or continued fraction, as an independent reference.
    pub fn erf64(x: f64) -> f64 {
        let a = x.abs();
        let value = if a < 3.0 {
            let (mut term, mut sum, mut n) = (a, a, 0.0);
            while term.abs() > 1e-17 {
                n += 1.0;
                term *= -a * a / n;
                sum += term / (2.0 * n + 1.0);
            }
            sum * 2.0 / core::f64::consts::PI.sqrt()
        } else {
            let mut f = 0.0;
            for k in (1..60).rev() {
                f = (k as f64 / 2.0) / (a + f);
            }
            1.0 - (-a * a).exp() / (core::f64::consts::PI.sqrt() * (a + f))
        };
        value.copysign(x)
    }
}
