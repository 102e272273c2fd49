//! What one all-MiniLM-L6-v2 sentence (19 tokens, or `--tokens N`) costs outside the matrix
//! products: GELU, LayerNorm and attention for all six layers, timed under wasmtime like
//! `gemm_bench` (and run the same way).
use std::hint::black_box;
use wasmicro_kernels::act::Activation;
use wasmicro_kernels::attention::{Attention, Scratch};
use wasmicro_kernels::norm::layer_norm;

#[path = "common/timing.rs"]
mod timing;

fn best_ms(runs: usize, f: impl FnMut()) -> f64 {
    timing::best_seconds(runs, f) * 1e3
}

fn main() {
    // The wasi runner passes arguments, not the environment.
    let args: Vec<String> = std::env::args().collect();
    let tokens = args.iter().position(|a| a == "--tokens").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(19);
    let (hidden, inner, heads, layers) = (384, 1536, 12, 6);
    let values = |n: usize| -> Vec<f32> { (0..n).map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0).collect() };
    let mut inner_x = values(tokens * inner);
    let gelu = best_ms(50, || {
        for _ in 0..layers {
            Activation::Gelu.apply(black_box(&mut inner_x));
        }
    });
    let gamma = values(hidden);
    let mut x = values(tokens * hidden);
    let norm = best_ms(50, || {
        for _ in 0..2 * layers {
            for row in x.chunks_exact_mut(hidden) {
                layer_norm(black_box(row), &gamma, &gamma, 1e-12);
            }
        }
    });
    let (q, k, v) = (values(tokens * hidden), values(tokens * hidden), values(tokens * hidden));
    let mut out = vec![0.0; tokens * hidden];
    let mut scratch = Scratch::default();
    let attention =
        Attention { heads, head_dim: hidden / heads, scale: 0.125, bias: None, causal: false, window: None };
    let attn = best_ms(50, || {
        for _ in 0..layers {
            attention.run(&q, &k, &v, &mut out, &mut scratch);
        }
        black_box(&out);
    });
    println!(
        "one {tokens}-token MiniLM sentence, all {layers} layers: GELU {gelu:.3} ms, LayerNorm {norm:.3} ms, attention {attn:.3} ms"
    );
}
