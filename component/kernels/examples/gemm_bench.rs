//! GEMM efficiency table: each matmul shape wasmicro runs, as GFLOP/s and as a fraction of
//! the peak this machine reaches with the same instruction mix (measured first, by probes
//! that keep 8 to 16 independent accumulators in registers, no loads; the best count wins).
//!
//! Run under wasmtime (the repo's `wasi-runner`), release build:
//!   cargo build -p wasmicro-tests --bin wasi-runner
//!   CARGO_TARGET_WASM32_WASIP2_RUNNER=$PWD/target/debug/wasi-runner \
//!     cargo run --release -p wasmicro-kernels --example gemm_bench --target wasm32-wasip2
//! and the relaxed-SIMD (FMA) build of the same source:
//!   RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" CARGO_TARGET_WASM32_WASIP2_RUNNER=… \
//!     cargo run --release -p wasmicro-kernels --example gemm_bench --target wasm32-wasip2
use std::hint::black_box;
use wasmicro_kernels::matmul::{linear, linear_packed, matmul_kn, pack_rows};
use wasmicro_kernels::quant::{Int8Parts, linear_q8, quantize_matrix};

/// The number after `flag` on the command line (the wasi runner passes arguments, not the
/// environment).
fn arg(flag: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

#[path = "common/timing.rs"]
mod timing;
use timing::best_seconds;

#[cfg(target_arch = "wasm32")]
mod probe {
    use core::arch::wasm32::*;
    use std::hint::black_box;
    use std::time::Instant;

    /// Steps per call of a probe body, and timed calls (the best counts). Many short calls,
    /// not one long one: V8 runs a function's first calls in its baseline compiler and only
    /// later ones optimised, and it cannot switch a call already running.
    const STEPS: usize = 100_000;
    const CALLS: usize = 60;

    /// `STEPS` times `acc[j] ← step(acc[j])` for every accumulator. Each step depends on the
    /// last through the accumulator, so nothing can be hoisted out of the loop.
    #[inline(never)]
    fn steps<const N: usize>(acc: &mut [v128; N], step: impl Fn(v128) -> v128) {
        let mut a = *acc;
        for _ in 0..STEPS {
            for v in a.iter_mut() {
                *v = step(*v);
            }
        }
        *acc = a;
    }

    /// `(N, the best rate of `steps` over its calls)`, in units of 1e9 per second, for a step
    /// worth `units` per accumulator.
    fn rate<const N: usize>(
        init: impl Fn(usize) -> v128,
        step: impl Fn(v128) -> v128 + Copy,
        units: usize,
    ) -> (usize, f64) {
        let mut acc: [v128; N] = core::array::from_fn(init);
        let mut best = f64::INFINITY;
        for _ in 0..CALLS {
            let start = Instant::now();
            steps(&mut acc, step);
            best = best.min(start.elapsed().as_secs_f64());
        }
        black_box(&acc);
        (N, (STEPS * N * units) as f64 / best / 1e9)
    }

    /// The peak is the best over several accumulator counts: too few leave each chain's
    /// latency exposed, too many spill to the stack (V8 has 15 vector registers for wasm,
    /// Cranelift 16; with 16 accumulators this probe ran at 2/3 of its 12-accumulator speed
    /// under wasmtime and so understated the peak by half). Returns (rate, accumulators).
    fn best_of(init: impl Fn(usize) -> v128 + Copy, step: impl Fn(v128) -> v128 + Copy, units: usize) -> (f64, usize) {
        let rates = [
            rate::<8>(init, step, units),
            rate::<10>(init, step, units),
            rate::<12>(init, step, units),
            rate::<16>(init, step, units),
        ];
        rates.into_iter().map(|(n, r)| (r, n)).fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a })
    }

    /// f32x4 mul+add, `a ← a + a·b` (8 flops): (GFLOP/s, accumulators).
    pub fn mul_add() -> (f64, usize) {
        let b = black_box(f32x4_splat(0.999_999));
        best_of(|i| f32x4_splat(i as f32), move |a| f32x4_add(a, f32x4_mul(a, b)), 8)
    }

    /// `f32x4.relaxed_madd`, `a ← a·b + c` (8 flops): (GFLOP/s, accumulators).
    #[cfg(target_feature = "relaxed-simd")]
    pub fn relaxed_madd() -> Option<(f64, usize)> {
        let (b, c) = (black_box(f32x4_splat(0.999_999)), black_box(f32x4_splat(1e-7)));
        Some(best_of(|i| f32x4_splat(i as f32), move |a| f32x4_relaxed_madd(a, b, c), 8))
    }

    #[cfg(not(target_feature = "relaxed-simd"))]
    pub fn relaxed_madd() -> Option<(f64, usize)> {
        None
    }

    /// `i32x4.dot_i16x8_s`+add on the accumulator's own bits, `a ← a + dot(a, b)` (8 multiplies
    /// and 8 adds; wrapping is harmless): (GOP/s, accumulators). Feeding the accumulator back
    /// matters: a dot of two loop-invariant operands was hoisted out of the loop.
    pub fn dot_i16() -> (f64, usize) {
        let b = black_box(i16x8_splat(3));
        best_of(|i| i32x4_splat(i as i32), move |a| i32x4_add(a, i32x4_dot_i16x8(a, b)), 16)
    }

    /// Reads 256 MB (far beyond any cache) with 4 independent sums: GB/s, the bound for
    /// one-token decoding, whose weights are read once per token.
    pub fn stream_read() -> f64 {
        let data = vec![1.0f32; 64 << 20];
        let seconds = super::best_seconds(3, || {
            let mut acc = [f32x4_splat(0.0); 4];
            for chunk in data.chunks_exact(16) {
                for (j, a) in acc.iter_mut().enumerate() {
                    // SAFETY: the chunk holds 16 floats, 4 per lane group.
                    *a = f32x4_add(*a, unsafe { v128_load(chunk.as_ptr().add(4 * j) as *const v128) });
                }
            }
            black_box(&acc);
        });
        (data.len() * 4) as f64 / seconds / 1e9
    }
}

struct Shape {
    name: &'static str,
    rows: usize,
    k: usize,
    n: usize,
    layout: Layout,
}

/// How the models hold a matrix of that shape (`Model::load_with` decides).
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// `nn.Linear` weights reordered at load (`matmul::pack_rows`, `linear_packed`).
    Packed,
    /// `nn.Linear`'s `[n][k]` where it lies: tied language-model heads (`linear`).
    Linear,
    /// `[k][n]` (`matmul_kn`): attention's products (GPT-2's Conv1D matrices are packed at load).
    Conv1d,
}

/// `q` reordered as the models hold decoders' int8 matrices (`quant::pack_rows`).
fn pack_int8(q: &mut Int8Parts, k: usize) {
    wasmicro_kernels::quant::pack_rows(&mut q.values, k);
    q.packed = true;
}

/// A copy of `w: [n][k]` in the layout the models hold it in (`pack_rows`).
fn packed(w: &[f32], k: usize) -> Vec<f32> {
    let mut p = w.to_vec();
    pack_rows(&mut p, k);
    p
}

fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}

fn main() {
    println!("relaxed-simd build: {}", cfg!(target_feature = "relaxed-simd"));
    #[cfg(target_arch = "wasm32")]
    let peak = {
        let (mul_add, n) = probe::mul_add();
        println!("peak probe, f32x4 mul+add:        {mul_add:6.1} GFLOP/s ({n} accumulators)");
        let relaxed = probe::relaxed_madd();
        if let Some((r, n)) = relaxed {
            println!("peak probe, f32x4.relaxed_madd:   {r:6.1} GFLOP/s ({n} accumulators)");
        }
        let (dot, n) = probe::dot_i16();
        println!("peak probe, i32x4.dot_i16x8_s+add: {dot:6.1} GOP/s ({n} accumulators)");
        println!("memory probe, streaming 256 MB:   {:6.1} GB/s", probe::stream_read());
        (relaxed.map_or(mul_add, |(r, _)| r), dot)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let peak = (f64::NAN, f64::NAN);

    let shapes = [
        Shape { name: "tail 1", rows: 21, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "tail 2", rows: 22, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "tail 3", rows: 23, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "tail 0", rows: 24, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "tail 1 of 5", rows: 5, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "MiniLM q/k/v/o, 1 sentence", rows: 23, k: 384, n: 384, layout: Layout::Packed },
        Shape { name: "MiniLM FFN up, 1 sentence", rows: 23, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "MiniLM FFN down, 1 sentence", rows: 23, k: 1536, n: 384, layout: Layout::Packed },
        Shape { name: "MiniLM q/k/v/o, batch 32", rows: 600, k: 384, n: 384, layout: Layout::Packed },
        Shape { name: "MiniLM FFN up, batch 32", rows: 600, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "MiniLM FFN down, batch 32", rows: 600, k: 1536, n: 384, layout: Layout::Packed },
        Shape { name: "MiniLM FFN up, 256 tokens", rows: 256, k: 384, n: 1536, layout: Layout::Packed },
        Shape { name: "GPT-2 c_attn, 64-token prompt", rows: 64, k: 768, n: 2304, layout: Layout::Packed },
        Shape { name: "GPT-2 c_fc, 64-token prompt", rows: 64, k: 768, n: 3072, layout: Layout::Packed },
        Shape { name: "GPT-2 c_proj (mlp), 64-token prompt", rows: 64, k: 3072, n: 768, layout: Layout::Packed },
        Shape { name: "MiniLM attention P·V, 256 tokens, per head", rows: 256, k: 256, n: 32, layout: Layout::Conv1d },
        Shape { name: "GPT-2 attention Q·Kᵀ, 64 tokens, per head", rows: 64, k: 64, n: 64, layout: Layout::Conv1d },
        Shape { name: "GPT-2 c_attn, decode 1 token", rows: 1, k: 768, n: 2304, layout: Layout::Packed },
        Shape { name: "GPT-2 c_fc, decode 1 token", rows: 1, k: 768, n: 3072, layout: Layout::Packed },
        Shape { name: "GPT-2 lm_head, decode 1 token", rows: 1, k: 768, n: 50257, layout: Layout::Linear },
    ];
    println!();
    println!("| shape | rows×k×n | layout | ms | GFLOP/s | % of peak | weight GB/s |");
    println!("|---|---|---|---:|---:|---:|---:|");
    let shapes = &shapes[..arg("--shapes").unwrap_or(shapes.len()).min(shapes.len())];
    // int8 for weights only: attention's `[k][n]` products multiply activations.
    let weights_only = shapes.iter().filter(|s| s.layout != Layout::Conv1d);
    for (s, int8) in shapes.iter().map(|s| (s, false)).chain(weights_only.map(|s| (s, true))) {
        let x = values(s.rows * s.k, 1);
        let w = values(s.k * s.n, 2);
        let bias = values(s.n, 3);
        let mut out = vec![0.0f32; s.rows * s.n];
        let flops = 2.0 * (s.rows * s.k * s.n) as f64;
        let runs = ((4e9 / flops) as usize).clamp(5, 400);
        let mut quantized = quantize_matrix(&w, s.k);
        if s.name.starts_with("GPT-2") {
            // As the models hold decoders' int8 matrices (`Checkpoint::pack_int8_weights`).
            pack_int8(&mut quantized, s.k);
        }
        let packed = packed(&w, s.k);
        let seconds = best_seconds(runs, || {
            match (int8, s.layout) {
                (true, _) => linear_q8(black_box(&x), black_box(quantized.matrix(s.k)), Some(&bias), &mut out),
                (false, Layout::Conv1d) => matmul_kn(black_box(&x), black_box(&w), Some(&bias), s.k, &mut out),
                (false, Layout::Linear) => linear(black_box(&x), black_box(&w), Some(&bias), s.k, &mut out),
                (false, Layout::Packed) => linear_packed(black_box(&x), black_box(&packed), Some(&bias), s.k, &mut out),
            }
            black_box(&out);
        });
        let gflops = flops / seconds / 1e9;
        let weight_gbps = (w.len() * if int8 { 1 } else { 4 }) as f64 / seconds / 1e9;
        println!(
            "| {} | {}×{}×{} | {} | {:.3} | {:.1} | {:.0}% | {:.1} |",
            s.name,
            s.rows,
            s.k,
            s.n,
            match (int8, s.layout) {
                (true, _) if quantized.packed => "int8 packed",
                (true, _) => "int8 [n][k]",
                (false, Layout::Conv1d) => "[k][n]",
                (false, Layout::Linear) => "[n][k]",
                (false, Layout::Packed) => "[n][k] packed",
            },
            seconds * 1e3,
            gflops,
            100.0 * gflops / if int8 { peak.1 } else { peak.0 },
            weight_gbps
        );
    }
    decode_pass();
    minilm_pass();
}

/// The matmuls of one MiniLM-L6 sentence (19 tokens) with distinct weights per layer, as the
/// model runs them: 88 MB of f32 weights (22 MB int8) read once per pass, not from the caches
/// as in the table above.
fn minilm_pass() {
    let (e, layers) = (384, 6);
    let rows: usize = arg("--rows").unwrap_or(19);
    let shapes = [(e, e), (e, e), (e, e), (e, e), (e, 4 * e), (4 * e, e)];
    let weights: Vec<Vec<f32>> = (0..layers).flat_map(|_| shapes.iter().map(|&(k, n)| values(k * n, 9))).collect();
    let packed: Vec<Vec<f32>> = weights.iter().zip(shapes.iter().cycle()).map(|(w, &(k, _))| packed(w, k)).collect();
    let x = values(rows * 4 * e, 11);
    let mut out = vec![0.0f32; rows * 4 * e];
    let flops: f64 = shapes.iter().map(|&(k, n)| 2.0 * (rows * k * n) as f64).sum::<f64>() * layers as f64;
    let seconds = best_seconds(20, || {
        for (w, &(k, n)) in packed.iter().zip(shapes.iter().cycle()) {
            linear_packed(&x[..rows * k], w, None, k, &mut out[..rows * n]);
        }
        black_box(&out);
    });
    let quantized: Vec<Int8Parts> =
        weights.iter().zip(shapes.iter().cycle()).map(|(w, &(k, _))| quantize_matrix(w, k)).collect();
    let q_seconds = best_seconds(20, || {
        for (q, &(k, n)) in quantized.iter().zip(shapes.iter().cycle()) {
            linear_q8(&x[..rows * k], q.matrix(k), None, &mut out[..rows * n]);
        }
        black_box(&out);
    });
    println!(
        "MiniLM-L6 sentence of {rows} tokens, matmuls only (weights from memory): f32 {:.2} ms ({:.1} GFLOP/s), int8 {:.2} ms ({:.1} GOP/s)",
        seconds * 1e3,
        flops / seconds / 1e9,
        q_seconds * 1e3,
        flops / q_seconds / 1e9
    );
}

/// One decoding step's matmuls of a GPT-2-small-shaped model with distinct weights per layer
/// (340 MB, so they come from memory as in real decoding, not from the caches).
fn decode_pass() {
    let (e, layers) = (768, 12);
    let shapes = [(e, 3 * e), (e, e), (e, 4 * e), (4 * e, e)];
    let weights: Vec<Vec<f32>> = (0..layers).flat_map(|_| shapes.iter().map(|&(k, n)| values(k * n, 9))).collect();
    // As the model holds them: packed at load (the int8 pass below quantizes the plain ones).
    let packed: Vec<Vec<f32>> = weights.iter().zip(shapes.iter().cycle()).map(|(w, &(k, _))| packed(w, k)).collect();
    let lm_head = values(50257 * e, 10);
    let x = values(4 * e, 11);
    let mut out = vec![0.0f32; 50257];
    let mut bytes = 0usize;
    let seconds = best_seconds(5, || {
        bytes = 0;
        for (w, &(k, n)) in packed.iter().zip(shapes.iter().cycle()) {
            linear_packed(&x[..k], w, None, k, &mut out[..n]);
            bytes += w.len() * 4;
        }
        linear(&x[..e], &lm_head, None, e, &mut out);
        bytes += lm_head.len() * 4;
        black_box(&out);
    });
    // Packed, as the models hold decoders' int8 matrices.
    let quantized: Vec<Int8Parts> = weights
        .iter()
        .zip(shapes.iter().cycle())
        .map(|(w, &(k, _))| {
            let mut q = quantize_matrix(w, k);
            pack_int8(&mut q, k);
            q
        })
        .collect();
    let mut head = quantize_matrix(&lm_head, e);
    pack_int8(&mut head, e);
    let mut q_bytes = 0usize;
    let q_seconds = best_seconds(5, || {
        q_bytes = 0;
        for (q, &(k, n)) in quantized.iter().zip(shapes.iter().cycle()) {
            linear_q8(&x[..k], q.matrix(k), None, &mut out[..n]);
            q_bytes += q.values.len();
        }
        linear_q8(&x[..e], head.matrix(e), None, &mut out);
        q_bytes += head.values.len();
        black_box(&out);
    });
    println!();
    println!(
        "GPT-2-small decode step, matmuls only (weights from memory): {:.1} ms, {:.1} GB/s, {:.1} tokens/s bound",
        seconds * 1e3,
        bytes as f64 / seconds / 1e9,
        1.0 / seconds
    );
    println!(
        "GPT-2-small decode step, int8 matmuls only (weights from memory): {:.1} ms, {:.1} GB/s, {:.1} tokens/s bound",
        q_seconds * 1e3,
        q_bytes as f64 / q_seconds / 1e9,
        1.0 / q_seconds
    );
}
