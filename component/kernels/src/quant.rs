//! int8 weights × int16 activations, for the `int8` load option and int8 checkpoints.
//!
//! Weights are quantized once per output channel (a row of HF's `[out][in]` layout):
//! `q = round(w / s)`, `s = max|w| / 127`. Each input row is quantized when a product runs,
//! with one scale per row, to the widest integer range whose products cannot overflow an i32
//! lane over `k` (see [`activation_limit`]). The dot products are then exact integer sums
//! (`i32x4.dot_i16x8_s`), so the SIMD body and the scalar body agree bit for bit whatever
//! their order, and one float multiply per output (`sum · s_x · s_w + bias`) ends them.

use crate::math::floor_f32;
use alloc::vec::Vec;

/// Quantization steps of a weight row: `[-127, 127]` (symmetric; -128 is never used).
pub const WEIGHT_LIMIT: f32 = 127.0;

/// The activation range `[-L, L]` for inner dimension `k`: each i32 lane accumulates `k / 4`
/// products (rounded up, plus the scalar tail), each at most `127 · L`, and must stay below
/// 2³¹. Up to `k` ≈ 2,000 that is the full i16 range; GPT-2's 3,072 gets ±22,017.
pub fn activation_limit(k: usize) -> i32 {
    let products_per_lane = k.div_ceil(4) as i64 + 8;
    (((i32::MAX as i64) / (127 * products_per_lane)).min(i16::MAX as i64)) as i32
}

/// `round(x · inverse_scale)` with ties away from zero: one rounding rule for weights and
/// activations, with no libm.
#[inline(always)]
fn round_to_int(x: f32) -> i32 {
    let rounded = floor_f32(x.abs() + 0.5);
    (if x < 0.0 { -rounded } else { rounded }) as i32
}

/// Quantizes the `rows × k` matrix `w` (`[out][in]`) row by row: `(values, scales)`.
pub fn quantize_rows(w: &[f32], k: usize) -> (Vec<i8>, Vec<f32>) {
    let rows = w.len().checked_div(k).unwrap_or(0);
    let mut values = Vec::with_capacity(rows * k);
    let mut scales = Vec::with_capacity(rows);
    for row in w.chunks_exact(k) {
        let max = max_abs(row);
        let scale = if max > 0.0 { max / WEIGHT_LIMIT } else { 1.0 };
        let inverse = WEIGHT_LIMIT / if max > 0.0 { max } else { 1.0 };
        push_rounded(row, inverse, &mut values);
        scales.push(scale);
    }
    (values, scales)
}

/// Quantizes each row of `x` (`[rows][k]`) to i16 for a product over `k`: fills `out` and
/// returns one scale per row.
pub fn quantize_activations(x: &[f32], k: usize, out: &mut Vec<i16>) -> Vec<f32> {
    let limit = activation_limit(k) as f32;
    out.clear();
    out.reserve(x.len());
    let mut scales = Vec::with_capacity(x.len() / k);
    for row in x.chunks_exact(k) {
        let max = max_abs(row);
        let inverse = if max > 0.0 { limit / max } else { 0.0 };
        push_rounded(row, inverse, out);
        scales.push(if max > 0.0 { max / limit } else { 0.0 });
    }
    scales
}

/// The largest |v| of `row` (NaN ignored), four lanes at a time where SIMD128 is compiled in:
/// the maximum of magnitudes does not depend on the order it is taken in.
fn max_abs(row: &[f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        let n4 = row.len() & !3;
        let mut lanes = f32x4_splat(f32::NEG_INFINITY);
        for chunk in row[..n4].chunks_exact(4) {
            // SAFETY: the chunk holds 4 floats; v128 loads need no alignment.
            let v = f32x4_abs(unsafe { v128_load(chunk.as_ptr() as *const v128) });
            // pmax(a, b) is `a < b ? b : a`: a NaN lane never replaces the maximum, as below.
            lanes = f32x4_pmax(lanes, v);
        }
        let folded = [
            f32x4_extract_lane::<0>(lanes),
            f32x4_extract_lane::<1>(lanes),
            f32x4_extract_lane::<2>(lanes),
            f32x4_extract_lane::<3>(lanes),
        ];
        crate::math::max(folded.into_iter().chain(row[n4..].iter().map(|v| v.abs())))
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    crate::math::max(row.iter().map(|v| v.abs()))
}

/// An integer type quantized values are stored in: `round_to_int` clamped to its range.
trait Quantized: Copy + Default {
    fn from_rounded(value: i32) -> Self;
    /// Values per SIMD store.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    const LANES: usize;
    /// Stores `LANES` rounded values given as i32x4 vectors, saturated as `from_rounded` clamps.
    ///
    /// # Safety
    /// `dst` has room for `LANES` values.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    unsafe fn store(rounded: [core::arch::wasm32::v128; 4], dst: *mut Self);
}

impl Quantized for i8 {
    /// Weights use `[-127, 127]`: -128 is never produced.
    fn from_rounded(value: i32) -> i8 {
        value.clamp(-127, 127) as i8
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    const LANES: usize = 16;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    unsafe fn store(r: [core::arch::wasm32::v128; 4], dst: *mut i8) {
        use core::arch::wasm32::*;
        // Saturating narrows clamp to [-128, 127]; the max makes that [-127, 127].
        let bytes = i8x16_narrow_i16x8(i16x8_narrow_i32x4(r[0], r[1]), i16x8_narrow_i32x4(r[2], r[3]));
        // SAFETY: the caller gives room for 16 bytes.
        unsafe { v128_store(dst as *mut v128, i8x16_max(bytes, i8x16_splat(-127))) };
    }
}

impl Quantized for i16 {
    fn from_rounded(value: i32) -> i16 {
        value.clamp(i16::MIN as i32, i16::MAX as i32) as i16
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    const LANES: usize = 8;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    unsafe fn store(r: [core::arch::wasm32::v128; 4], dst: *mut i16) {
        use core::arch::wasm32::*;
        // SAFETY: the caller gives room for 8 values.
        unsafe { v128_store(dst as *mut v128, i16x8_narrow_i32x4(r[0], r[1])) };
    }
}

/// Appends `round_to_int(v · inverse)` of each value to `out`, clamped to `T`. The SIMD body
/// rounds four lanes with the same operations (|x| + 0.5, floor, the sign put back,
/// saturating conversion and narrowing), so both bodies give the same integers.
fn push_rounded<T: Quantized>(row: &[f32], inverse: f32, out: &mut Vec<T>) {
    let start = out.len();
    out.resize(start + row.len(), T::default());
    let dst = &mut out[start..];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        use core::arch::wasm32::*;
        let scale = f32x4_splat(inverse);
        let round = |four: &[f32]| {
            // SAFETY: `four` holds 4 floats; v128 loads need no alignment.
            let x = f32x4_mul(unsafe { v128_load(four.as_ptr() as *const v128) }, scale);
            let magnitude = f32x4_floor(f32x4_add(f32x4_abs(x), f32x4_splat(0.5)));
            i32x4_trunc_sat_f32x4(v128_or(magnitude, v128_and(x, f32x4_splat(-0.0))))
        };
        let whole = row.len() - row.len() % T::LANES;
        for (chunk, d) in row[..whole].chunks_exact(T::LANES).zip(dst.chunks_exact_mut(T::LANES)) {
            let rounded =
                core::array::from_fn(
                    |i| if 4 * i < T::LANES { round(&chunk[4 * i..4 * i + 4]) } else { i32x4_splat(0) },
                );
            // SAFETY: `d` holds LANES values.
            unsafe { T::store(rounded, d.as_mut_ptr()) };
        }
        whole
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for (d, &v) in dst[done..].iter_mut().zip(&row[done..]) {
        *d = T::from_rounded(round_to_int(v * inverse));
    }
}

/// `out[r][n] = (x[r] · q[n]) · x_scale[r] · scale[n] + bias[n]` for `x: [rows][k]` (f32,
/// quantized here), `q: [n_out][k]` int8 with per-row `scales`.
pub fn linear_q8(x: &[f32], q: &[i8], scales: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
    assert!(
        crate::matmul::shapes_agree(x, q, bias, k, out) && scales.len() == q.len() / k,
        "linear_q8: inconsistent shapes"
    );
    let mut xq = Vec::new();
    let x_scales = quantize_activations(x, k, &mut xq);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::products(&xq, q, k, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::products(&xq, q, k, out);
    finish(out, &x_scales, scales, bias);
}

/// Scales the integer sums `products` left in `out` (each rounded to f32 once) into outputs.
fn finish(out: &mut [f32], x_scales: &[f32], scales: &[f32], bias: Option<&[f32]>) {
    let n_out = scales.len();
    for (row, &xs) in out.chunks_exact_mut(n_out).zip(x_scales) {
        for (n, o) in row.iter_mut().enumerate() {
            let value = *o * (xs * scales[n]);
            *o = match bias {
                Some(b) => value + b[n],
                None => value,
            };
        }
    }
}

pub mod scalar {
    /// `out[r][n] = Σₖ x[r][k] · q[n][k]` as an exact integer, then converted to f32 once.
    pub fn products(x: &[i16], q: &[i8], k: usize, out: &mut [f32]) {
        let n_out = q.len() / k;
        for (row, out_row) in x.chunks_exact(k).zip(out.chunks_exact_mut(n_out)) {
            for (weights, o) in q.chunks_exact(k).zip(out_row.iter_mut()) {
                let sum: i64 = row.iter().zip(weights).map(|(&a, &b)| a as i64 * b as i64).sum();
                *o = sum as f32;
            }
        }
    }
}

// Register blocks index rows and columns by number: that is the shape of the computation.
#[allow(clippy::needless_range_loop)]
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use core::arch::wasm32::*;

    /// `R` activation rows × `C` weight rows: `k` in steps of 8 (`i16x8.load8x8_s` widens 8
    /// weights, `i32x4.dot_i16x8_s` multiplies and adds pairs), then the `k % 8` tail.
    /// The rows' first `k & !7` values come interleaved in `xi` (8 of row 0, 8 of row 1, …;
    /// see [`crate::interleave_rows`]): one stream whose rows sit at constant offsets, which
    /// `wasm-opt --low-memory-unused` folds into the loads' offset immediates. Each distinct
    /// stream costs an address add per load (V8 cannot fold a wasm `i32.add` into a 64-bit
    /// address), and those adds, not the multiplies, set the pace.
    ///
    /// # Safety
    /// `xi` holds `R · (k & !7)` values, every `xs[r] + k` ≤ `x.len()` and `ws[c] + k` ≤ `q.len()`.
    #[inline(always)]
    unsafe fn block<const R: usize, const C: usize>(
        xi: &[i16],
        x: &[i16],
        xs: [usize; R],
        q: &[i8],
        ws: [usize; C],
        k: usize,
    ) -> [[i64; C]; R] {
        let k8 = k & !7;
        let mut acc = [[i32x4_splat(0); C]; R];
        let (xp, qp) = (x.as_ptr(), q.as_ptr());
        let mut xip = xi.as_ptr();
        let mut i = 0;
        while i < k8 {
            // SAFETY: i + 8 ≤ k8 ≤ k, and the caller bounds every row start + k; `xip` has
            // advanced R · i values into `xi`, which holds R · k8.
            let wv: [v128; C] = core::array::from_fn(|c| unsafe { i16x8_load_extend_i8x8(qp.add(ws[c] + i)) });
            for r in 0..R {
                let xv = unsafe { v128_load(xip.add(8 * r) as *const v128) };
                for c in 0..C {
                    acc[r][c] = i32x4_add(acc[r][c], i32x4_dot_i16x8(xv, wv[c]));
                }
            }
            xip = unsafe { xip.add(8 * R) };
            i += 8;
        }
        let mut out = [[0i64; C]; R];
        for r in 0..R {
            for c in 0..C {
                let v = acc[r][c];
                let mut sum = i32x4_extract_lane::<0>(v) as i64
                    + i32x4_extract_lane::<1>(v) as i64
                    + i32x4_extract_lane::<2>(v) as i64
                    + i32x4_extract_lane::<3>(v) as i64;
                for t in k8..k {
                    // SAFETY: t < k, within the bounded rows.
                    sum += unsafe { *xp.add(xs[r] + t) as i64 * *qp.add(ws[c] + t) as i64 };
                }
                out[r][c] = sum;
            }
        }
        out
    }

    /// The walk of `matmul::simd::tile`, over int8 blocks. Kept as its own copy on purpose:
    /// one walker shared through a generic closure made the component 1.7 KB larger, and shared
    /// through a function pointer it made V8 run the int8 products ~30% slower (Node 20,
    /// `jco-bindings/bench`), while wasmtime did not mind.
    #[inline(always)]
    fn tile<const R: usize, const C: usize>(
        xi: &[i16],
        x: &[i16],
        rows: core::ops::Range<usize>,
        q: &[i8],
        k: usize,
        out: &mut [f32],
    ) {
        let n_out = q.len() / k;
        let k8 = k & !7;
        let mut n = 0;
        while n < n_out {
            let group = if n + C <= n_out { C } else { 1 };
            let mut r = rows.start;
            while r + R <= rows.end {
                let xs: [usize; R] = core::array::from_fn(|i| (r + i) * k);
                let xi = &xi[r * k8..(r + R) * k8];
                if group == C {
                    let ws: [usize; C] = core::array::from_fn(|c| (n + c) * k);
                    // SAFETY: rows r..r+R and outputs n..n+C exist (the caller checked shapes).
                    let sums = unsafe { block::<R, C>(xi, x, xs, q, ws, k) };
                    for i in 0..R {
                        for c in 0..C {
                            out[(r + i) * n_out + n + c] = sums[i][c] as f32;
                        }
                    }
                } else {
                    // SAFETY: as above, for the single output n.
                    let sums = unsafe { block::<R, 1>(xi, x, xs, q, [n * k], k) };
                    for i in 0..R {
                        out[(r + i) * n_out + n] = sums[i][0] as f32;
                    }
                }
                r += R;
            }
            n += group;
        }
    }

    /// The register block: 4 activation rows (one interleaved stream) × 2 weight rows. 8
    /// accumulators, 4 + 2 operands and a product fit V8's 15 vector registers (the reason
    /// `matmul::simd`'s `LINEAR_COLS` gives), and a step needs 3 address adds instead of 6:
    /// ~5% faster than 2 × 4 over plain rows in Node 20. (The same change to the f32 kernel
    /// made it ~15% slower; f32 reads its weights as one stream instead, `linear_packed`.)
    const BLOCK_ROWS: usize = 4;
    const BLOCK_COLS: usize = 2;
    /// Rows per tile, as in `matmul::simd::linear_packed`.
    const TILE_ROWS: usize = 16;

    pub fn products(x: &[i16], q: &[i8], k: usize, out: &mut [f32]) {
        let rows = x.len() / k;
        let full = rows - rows % BLOCK_ROWS;
        let xi = crate::interleave_rows(x, full, k, BLOCK_ROWS, 8);
        let mut start = 0;
        while start < full {
            let end = (start + TILE_ROWS).min(full);
            tile::<BLOCK_ROWS, BLOCK_COLS>(&xi, x, start..end, q, k, out);
            start = end;
        }
        let n_out = q.len() / k;
        for r in full..rows {
            for (n, weights) in q.chunks_exact(k).enumerate() {
                out[r * n_out + n] = dot(&x[r * k..(r + 1) * k], weights) as f32;
            }
        }
    }

    /// One row against one weight row, two sums in flight. A lone row (decoding) reads each
    /// weight once, so the weights are walked in memory order: one sequential stream runs
    /// about twice as fast here as several interleaved ones.
    fn dot(x: &[i16], q: &[i8]) -> i64 {
        let k16 = x.len() & !15;
        let (xp, qp) = (x.as_ptr(), q.as_ptr());
        let (mut a0, mut a1) = (i32x4_splat(0), i32x4_splat(0));
        let mut i = 0;
        while i < k16 {
            // SAFETY: i + 16 ≤ k16 ≤ x.len() = q.len().
            unsafe {
                let w0 = i16x8_load_extend_i8x8(qp.add(i));
                let w1 = i16x8_load_extend_i8x8(qp.add(i + 8));
                a0 = i32x4_add(a0, i32x4_dot_i16x8(v128_load(xp.add(i) as *const v128), w0));
                a1 = i32x4_add(a1, i32x4_dot_i16x8(v128_load(xp.add(i + 8) as *const v128), w1));
            }
            i += 16;
        }
        let mut sum = 0i64;
        for a in [a0, a1] {
            sum += i32x4_extract_lane::<0>(a) as i64
                + i32x4_extract_lane::<1>(a) as i64
                + i32x4_extract_lane::<2>(a) as i64
                + i32x4_extract_lane::<3>(a) as i64;
        }
        for t in k16..x.len() {
            sum += x[t] as i64 * q[t] as i64;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    #[test]
    fn activation_limit_keeps_every_lane_below_two_to_the_31() {
        for k in [1, 7, 8, 384, 1536, 2048, 3072, 4096, 16384] {
            let limit = activation_limit(k) as i64;
            assert!(limit >= 1 && limit <= i16::MAX as i64);
            assert!(127 * limit * (k.div_ceil(4) as i64 + 8) <= i32::MAX as i64, "k = {k}");
        }
        assert_eq!(activation_limit(384), i16::MAX as i32);
        assert!(activation_limit(3072) > 20_000);
    }

    #[test]
    fn quantized_product_is_close_to_the_float_product() {
        for (rows, k, n) in [(1, 8, 1), (3, 37, 5), (5, 384, 9), (2, 3072, 3)] {
            let x = values(rows * k, 11, 1.0);
            let w = values(n * k, 12, 0.1);
            let b = values(n, 13, 1.0);
            let (q, scales) = quantize_rows(&w, k);
            let mut out = vec![0.0; rows * n];
            linear_q8(&x, &q, &scales, Some(&b), k, &mut out);
            for r in 0..rows {
                for j in 0..n {
                    let exact: f64 =
                        (0..k).map(|i| x[r * k + i] as f64 * w[j * k + i] as f64).sum::<f64>() + b[j] as f64;
                    // Error per product ≤ |x|·s_w/2 + |w|·s_x/2; summed over k it stays far below this.
                    let bound = 0.1 / 127.0 * k as f64 * 0.5 + 1e-3;
                    assert!((out[r * n + j] as f64 - exact).abs() < bound, "({rows},{k},{n}) [{r},{j}]");
                }
            }
        }
    }

    #[test]
    fn weights_round_to_nearest_with_the_row_maximum_at_127() {
        let (q, scales) = quantize_rows(&[0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0], 4);
        assert_eq!(q, [64, -127, 32, 0, 0, 0, 0, 0]);
        assert_eq!(scales, [1.0 / 127.0, 1.0]);
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_body_equals_scalar_body_bit_for_bit() {
        for (rows, k, n) in [
            (1, 3, 1),
            (7, 37, 13),
            (8, 64, 8),
            (5, 384, 6),
            (1, 3072, 5),
            (9, 16, 7),
            (70, 24, 7),
            (33, 8, 5),
            (2, 8, 4),
        ] {
            let x = values(rows * k, 6, 2.0);
            let w = values(n * k, 7, 2.0);
            let (q, _) = quantize_rows(&w, k);
            let mut xq = Vec::new();
            quantize_activations(&x, k, &mut xq);
            let (mut s, mut v) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            scalar::products(&xq, &q, k, &mut s);
            simd::products(&xq, &q, k, &mut v);
            assert_eq!(s, v, "({rows},{k},{n})");
        }
    }

    #[test]
    fn rounding_of_both_bodies_matches_round_to_int_on_ties_signs_and_extremes() {
        let mut row = values(37, 5, 3.0);
        row.extend([0.5, -0.5, 1.5, -1.5, 2.5, -2.5, -0.0, 0.0, f32::NAN, 1e12, -1e12, 126.5, -127.49]);
        let (mut narrow, mut wide): (Vec<i8>, Vec<i16>) = (Vec::new(), Vec::new());
        push_rounded(&row, 1.0, &mut narrow);
        push_rounded(&row, 1.0, &mut wide);
        let expected: Vec<i32> = row.iter().map(|&v| round_to_int(v)).collect();
        assert_eq!(narrow, expected.iter().map(|&v| v.clamp(-127, 127) as i8).collect::<Vec<_>>());
        assert_eq!(wide, expected.iter().map(|&v| v.clamp(-32768, 32767) as i16).collect::<Vec<_>>());
        assert_eq!(&expected[37..45], [1, -1, 2, -2, 3, -3, 0, 0]);
        let finite: Vec<f32> = row.iter().copied().filter(|v| !v.is_nan()).collect();
        assert_eq!(max_abs(&row), finite.iter().fold(0.0f32, |m, v| m.max(v.abs())));
    }
}
