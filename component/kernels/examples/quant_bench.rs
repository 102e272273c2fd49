//! What int8 quantization costs, timed under wasmtime like `gemm_bench` (and run the same way,
//! or in V8 with `jco-bindings/bench/gemm-v8.mjs <quant_bench.wasm>`): the activations of 256
//! rows, per layer one 384-wide input twice and one 1,536-wide input, six layers; and one
//! 1,536 × 384 weight matrix (MiniLM's FFN up), with what 18 such matrices' worth of weights,
//! MiniLM-L6's, would take at load.
use std::hint::black_box;
use wasmicro_kernels::quant::quantize_matrix;

#[path = "common/timing.rs"]
mod timing;

fn best_ms(runs: usize, f: impl FnMut()) -> f64 {
    timing::best_seconds(runs, f) * 1e3
}

fn main() {
    let values = |n: usize| -> Vec<f32> { (0..n).map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0).collect() };
    let positive = |n: usize| -> Vec<f32> { values(n).iter().map(|v| v.abs() + 0.1).collect() };
    let (x384, x1536) = (values(256 * 384), values(256 * 1536));
    let (c384, c1536) = (positive(384), positive(1536));
    // What `linear_q8` runs: with SIMD128, the rows quantized into the blocks' layout.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let quantize = |x: &[f32], k: usize, c: &[f32]| {
        black_box(wasmicro_kernels::quant::simd::Activations::quantize(x, k, c));
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let quantize = |x: &[f32], k: usize, c: &[f32]| {
        black_box(wasmicro_kernels::quant::quantize_activations(x, k, c, &mut Vec::new()));
    };
    let activations = best_ms(20, || {
        for _ in 0..6 {
            for _ in 0..2 {
                quantize(&x384, 384, &c384);
            }
            quantize(&x1536, 1536, &c1536);
        }
    });
    let w = values(1536 * 384);
    let weights = best_ms(10, || {
        black_box(quantize_matrix(&w, 384));
    });
    println!(
        "activations, 256 rows x (384, 384, 1536) x 6 layers: {activations:.2} ms; weights 1536 x 384: {weights:.3} ms (x 18 = {:.1} ms)",
        weights * 18.0
    );
}
