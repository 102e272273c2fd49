//! Matrix products against weights in the layout checkpoints store them.
//!
//! `linear` reads Hugging Face's `nn.Linear` layout, `w[n_out][k]`, directly from the
//! checkpoint bytes: each output is a dot product of an input row with a weight row.
//!
//! `matmul_kn` reads GPT-2's `Conv1D` layout, `w[k][n_out]` (the transpose), also in place:
//! each output accumulates `x[k] · w[k][n]` over `k` in order, so neighbouring outputs are
//! neighbouring lanes.
//!
//! For `linear`, every output element is computed by the same sequence of operations: four lane sums over
//! `k` in steps of 4, reduced as `(l0 + l2) + (l1 + l3)`, then the `k % 4` tail in order, then
//! the bias. The SIMD body blocks 2 rows × 4 outputs (8 accumulators) and the scalar body
//! keeps four named lanes, but neither changes that sequence, so results do not depend on the
//! body, the blocking, or the other rows in the batch.

/// `out[r][n] = x[r] · w[n] + bias[n]` for `x: [rows][k]`, `w: [n_out][k]`, `out: [rows][n_out]`.
pub fn linear(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
    let rows = x.len().checked_div(k).unwrap_or(0);
    let n_out = w.len().checked_div(k).unwrap_or(0);
    assert!(
        k > 0
            && x.len() == rows * k
            && w.len() == n_out * k
            && out.len() == rows * n_out
            && bias.is_none_or(|b| b.len() == n_out),
        "linear: inconsistent shapes"
    );
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::linear(x, w, bias, k, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::linear(x, w, bias, k, out);
}

/// `out[r][n] = Σₖ x[r][k] · w[k][n] + bias[n]` for `w: [k][n_out]` (GPT-2's `Conv1D`).
pub fn matmul_kn(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
    let rows = x.len().checked_div(k).unwrap_or(0);
    let n_out = w.len().checked_div(k).unwrap_or(0);
    assert!(
        k > 0
            && x.len() == rows * k
            && w.len() == n_out * k
            && out.len() == rows * n_out
            && bias.is_none_or(|b| b.len() == n_out),
        "matmul_kn: inconsistent shapes"
    );
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::matmul_kn(x, w, bias, k, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::matmul_kn(x, w, bias, k, out);
}

#[inline(always)]
fn with_bias(sum: f32, bias: Option<&[f32]>, n: usize) -> f32 {
    match bias {
        Some(b) => sum + b[n],
        None => sum,
    }
}

pub mod scalar {
    pub fn matmul_kn(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let n_out = w.len() / k;
        for (row, out_row) in x.chunks_exact(k).zip(out.chunks_exact_mut(n_out)) {
            out_row.fill(0.0);
            for (&xv, w_row) in row.iter().zip(w.chunks_exact(n_out)) {
                for (o, &wv) in out_row.iter_mut().zip(w_row) {
                    *o += xv * wv;
                }
            }
            for (n, o) in out_row.iter_mut().enumerate() {
                *o = super::with_bias(*o, bias, n);
            }
        }
    }

    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        let k4 = a.len() & !3;
        let mut lanes = [0.0f32; 4];
        for (ca, cb) in a[..k4].chunks_exact(4).zip(b[..k4].chunks_exact(4)) {
            for l in 0..4 {
                lanes[l] += ca[l] * cb[l];
            }
        }
        let mut sum = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
        for i in k4..a.len() {
            sum += a[i] * b[i];
        }
        sum
    }

    pub fn linear(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let n_out = w.len() / k;
        for (row, out_row) in x.chunks_exact(k).zip(out.chunks_exact_mut(n_out)) {
            for (n, (weights, o)) in w.chunks_exact(k).zip(out_row.iter_mut()).enumerate() {
                *o = super::with_bias(dot(row, weights), bias, n);
            }
        }
    }
}

// Register blocks index rows and columns by number: that is the shape of the computation.
#[allow(clippy::needless_range_loop)]
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use core::arch::wasm32::*;

    /// `acc + a·b`: two roundings in the SIMD128 build, one (FMA) in the relaxed-SIMD build,
    /// where `relaxed_madd` is fused on every runtime that has FMA hardware.
    #[inline(always)]
    fn mul_add(a: v128, b: v128, acc: v128) -> v128 {
        #[cfg(target_feature = "relaxed-simd")]
        return f32x4_relaxed_madd(a, b, acc);
        #[cfg(not(target_feature = "relaxed-simd"))]
        return f32x4_add(acc, f32x4_mul(a, b));
    }

    /// `R` rows × `C` outputs starting at the given row offsets of `x` and `w`.
    ///
    /// # Safety
    /// Every `xs[r] + k` ≤ `x.len()` and `ws[c] + k` ≤ `w.len()`.
    #[inline(always)]
    unsafe fn block<const R: usize, const C: usize>(
        x: &[f32],
        xs: [usize; R],
        w: &[f32],
        ws: [usize; C],
        k: usize,
    ) -> [[f32; C]; R] {
        let k4 = k & !3;
        let mut acc = [[f32x4_splat(0.0); C]; R];
        let (xp, wp) = (x.as_ptr(), w.as_ptr());
        let mut i = 0;
        while i < k4 {
            // SAFETY: i + 4 ≤ k4 ≤ k, and the caller bounds every row start + k.
            let wv: [v128; C] = core::array::from_fn(|c| unsafe { v128_load(wp.add(ws[c] + i) as *const v128) });
            for r in 0..R {
                let xv = unsafe { v128_load(xp.add(xs[r] + i) as *const v128) };
                for c in 0..C {
                    acc[r][c] = mul_add(xv, wv[c], acc[r][c]);
                }
            }
            i += 4;
        }
        let mut out = [[0.0f32; C]; R];
        for r in 0..R {
            for c in 0..C {
                let v = acc[r][c];
                let folded = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
                let mut sum = f32x4_extract_lane::<0>(folded) + f32x4_extract_lane::<1>(folded);
                for t in k4..k {
                    // SAFETY: t < k, within the bounded rows.
                    sum += unsafe { *xp.add(xs[r] + t) * *wp.add(ws[c] + t) };
                }
                out[r][c] = sum;
            }
        }
        out
    }

    /// The register block of `linear`: 2 input rows × 4 weight rows. A block must hold its
    /// accumulators, the operands of a step (LLVM loads them all first) and one product in
    /// flight within 15 vector registers, because V8 keeps xmm15 as scratch: 2 × 4 needs
    /// 8 + 6 + 1. The 4 × 3 block used before needs 20: V8 spilled 4 accumulators and a row
    /// to the stack on every step, and ran MiniLM ~20% slower (f32, Node 20; Cranelift
    /// also preferred 2 × 4). A lone input row takes 8 weight rows, 8 independent sums.
    const LINEAR_ROWS: usize = 2;
    const LINEAR_COLS: usize = 4;
    const LINEAR_COLS_ONE_ROW: usize = 8;

    /// Rows `rows` (a multiple of R) × outputs `outputs`: each group of 4 weight rows is
    /// loaded once and reused across every row block, so it stays in L1.
    #[inline(always)]
    fn tile<const R: usize, const C: usize>(
        x: &[f32],
        rows: core::ops::Range<usize>,
        w: &[f32],
        bias: Option<&[f32]>,
        k: usize,
        out: &mut [f32],
    ) {
        let n_out = w.len() / k;
        let mut n = 0;
        while n < n_out {
            let group = if n + C <= n_out { C } else { 1 };
            let mut r = rows.start;
            while r + R <= rows.end {
                let xs: [usize; R] = core::array::from_fn(|i| (r + i) * k);
                if group == C {
                    let ws: [usize; C] = core::array::from_fn(|c| (n + c) * k);
                    // SAFETY: rows r..r+R and outputs n..n+C exist (the caller checked shapes).
                    let sums = unsafe { block::<R, C>(x, xs, w, ws, k) };
                    for i in 0..R {
                        for c in 0..C {
                            out[(r + i) * n_out + n + c] = super::with_bias(sums[i][c], bias, n + c);
                        }
                    }
                } else {
                    // SAFETY: as above, for the single output n.
                    let sums = unsafe { block::<R, 1>(x, xs, w, [n * k], k) };
                    for i in 0..R {
                        out[(r + i) * n_out + n] = super::with_bias(sums[i][0], bias, n);
                    }
                }
                r += R;
            }
            n += group;
        }
    }

    /// `R` rows × `C` vectors of 4 outputs starting at output `n`, for the `[k][n_out]` layout:
    /// continues the sums `acc` over `kk` in `ks`.
    ///
    /// # Safety
    /// Rows `r0..r0+R` of `x` and columns `n..n+4C` of `w` exist, and `ks.end` ≤ `k`.
    #[inline(always)]
    unsafe fn block_kn<const R: usize, const C: usize>(
        x: &[f32],
        r0: usize,
        w: &[f32],
        n: usize,
        ks: core::ops::Range<usize>,
        k: usize,
        mut acc: [[v128; C]; R],
    ) -> [[v128; C]; R] {
        let n_out = w.len() / k;
        let (xp, wp) = (x.as_ptr(), w.as_ptr());
        for kk in ks {
            // SAFETY: kk < k and n + 4C ≤ n_out, within the caller's bounds.
            let wv: [v128; C] =
                core::array::from_fn(|c| unsafe { v128_load(wp.add(kk * n_out + n + 4 * c) as *const v128) });
            for r in 0..R {
                let xv = f32x4_splat(unsafe { *xp.add((r0 + r) * k + kk) });
                for c in 0..C {
                    acc[r][c] = mul_add(xv, wv[c], acc[r][c]);
                }
            }
        }
        acc
    }

    /// Rows handled by one register block of `matmul_kn`, and rows per tile: a 16-column strip
    /// of the weights is read once per tile, not once per block (tile and chunk sizes measured
    /// with `examples/gemm_bench.rs`: 64 × 256 beat 16 × 512, 32 × 512 and 16 × 256). 4 rows
    /// need more than V8's 15 vector registers, yet 2 rows (which fit) ran GPT-2's prompt
    /// shapes slower in V8 (each weight vector then serves 2 rows instead of 4).
    const KN_BLOCK_ROWS: usize = 4;
    const KN_TILE_ROWS: usize = 64;
    /// Weight rows per pass over the strips: a strip's share (256 × 64 bytes) stays in L1
    /// across the tile's row blocks even for GPT-2's 3,072-wide inner dimension.
    const KN_K_CHUNK: usize = 256;

    pub fn matmul_kn(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let rows = x.len() / k;
        let full = rows - rows % KN_BLOCK_ROWS;
        let mut start = 0;
        while start < full {
            let end = (start + KN_TILE_ROWS).min(full);
            strips_kn(x, start..end, w, bias, k, out);
            start = end;
        }
        for r in full..rows {
            row_kn(&x[r * k..(r + 1) * k], w, bias, &mut out[r * (w.len() / k)..][..w.len() / k]);
        }
    }

    /// Register-blocked rows (a multiple of `KN_BLOCK_ROWS`) × every column, in chunks of `k`: partial sums
    /// wait in `out` between chunks (as f32, which is what the register held), so every output
    /// still adds its products in `kk` order from zero.
    fn strips_kn(x: &[f32], rows: core::ops::Range<usize>, w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let n_out = w.len() / k;
        let n16 = n_out - n_out % 16;
        let mut k0 = 0;
        while k0 < k {
            let ks = k0..(k0 + KN_K_CHUNK).min(k);
            let last = ks.end == k;
            for n in (0..n16).step_by(16) {
                for r0 in rows.clone().step_by(KN_BLOCK_ROWS) {
                    let at = |r: usize, c: usize| (r0 + r) * n_out + n + 4 * c;
                    let init: [[v128; 4]; KN_BLOCK_ROWS] = core::array::from_fn(|r| {
                        core::array::from_fn(|c| {
                            if k0 == 0 {
                                f32x4_splat(0.0)
                            } else {
                                let o = &out[at(r, c)..at(r, c) + 4];
                                f32x4(o[0], o[1], o[2], o[3])
                            }
                        })
                    });
                    // SAFETY: rows r0..r0+4 and columns n..n+16 exist (the caller checked shapes).
                    let acc = unsafe { block_kn::<KN_BLOCK_ROWS, 4>(x, r0, w, n, ks.clone(), k, init) };
                    for (r, row) in acc.iter().enumerate() {
                        for (c, &v) in row.iter().enumerate() {
                            let lanes = [
                                f32x4_extract_lane::<0>(v),
                                f32x4_extract_lane::<1>(v),
                                f32x4_extract_lane::<2>(v),
                                f32x4_extract_lane::<3>(v),
                            ];
                            for (j, lane) in lanes.into_iter().enumerate() {
                                let col = n + 4 * c + j;
                                out[at(r, c) + j] = if last { super::with_bias(lane, bias, col) } else { lane };
                            }
                        }
                    }
                }
            }
            k0 = ks.end;
        }
        // The last n_out % 16 outputs: the same operations, one lane at a time.
        for col in n16..n_out {
            for r in rows.clone() {
                let mut sum = 0.0f32;
                for kk in 0..k {
                    sum += x[r * k + kk] * w[kk * n_out + col];
                }
                out[r * n_out + col] = super::with_bias(sum, bias, col);
            }
        }
    }

    /// One row (decoding's shape): `out += x[kk] · w[kk]` row after row, so the weights stream
    /// contiguously from memory and the partial sums stay in L1. Each output still adds its
    /// products in `kk` order from zero, as the blocked form does.
    fn row_kn(x: &[f32], w: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
        let n_out = out.len();
        let n4 = n_out & !3;
        out.fill(0.0);
        let op = out.as_mut_ptr();
        let mut kk = 0;
        while kk + 4 <= x.len() {
            let xs = [x[kk], x[kk + 1], x[kk + 2], x[kk + 3]].map(|v| f32x4_splat(v));
            let wr = [kk, kk + 1, kk + 2, kk + 3].map(|i| w[i * n_out..(i + 1) * n_out].as_ptr());
            let mut n = 0;
            while n < n4 {
                // SAFETY: n + 4 ≤ n4 ≤ n_out, the length of `out` and of each weight row.
                unsafe {
                    let mut acc = v128_load(op.add(n) as *const v128);
                    for j in 0..4 {
                        acc = mul_add(xs[j], v128_load(wr[j].add(n) as *const v128), acc);
                    }
                    v128_store(op.add(n) as *mut v128, acc);
                }
                n += 4;
            }
            for col in n4..n_out {
                for j in 0..4 {
                    out[col] += x[kk + j] * w[(kk + j) * n_out + col];
                }
            }
            kk += 4;
        }
        for kk in kk..x.len() {
            let w_row = &w[kk * n_out..(kk + 1) * n_out];
            for (o, &wv) in out.iter_mut().zip(w_row) {
                *o += x[kk] * wv;
            }
        }
        for (n, o) in out.iter_mut().enumerate() {
            *o = super::with_bias(*o, bias, n);
        }
    }

    /// Rows per tile: the tile's inputs stay in L2 while the weights stream through once
    /// (8, 16 and 32 measured alike in Node 20).
    const TILE_ROWS: usize = 16;

    pub fn linear(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let rows = x.len() / k;
        let full = rows - rows % LINEAR_ROWS;
        let mut start = 0;
        while start < full {
            let end = (start + TILE_ROWS).min(full);
            tile::<LINEAR_ROWS, LINEAR_COLS>(x, start..end, w, bias, k, out);
            start = end;
        }
        if full < rows {
            tile::<1, LINEAR_COLS_ONE_ROW>(x, full..rows, w, bias, k, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    #[test]
    fn linear_matches_a_float64_reference() {
        for (rows, k, n) in [(1, 1, 1), (3, 5, 7), (5, 16, 9), (9, 37, 13), (4, 384, 8)] {
            let x = values(rows * k, 1, 1.0);
            let w = values(n * k, 2, 1.0);
            let b = values(n, 3, 1.0);
            let mut out = vec![0.0; rows * n];
            linear(&x, &w, Some(&b), k, &mut out);
            for r in 0..rows {
                for j in 0..n {
                    let exact: f64 =
                        (0..k).map(|i| x[r * k + i] as f64 * w[j * k + i] as f64).sum::<f64>() + b[j] as f64;
                    assert!((out[r * n + j] as f64 - exact).abs() < 1e-5, "({rows},{k},{n}) [{r},{j}]");
                }
            }
        }
    }

    #[test]
    fn matmul_kn_matches_a_float64_reference() {
        for (rows, k, n) in [(1, 1, 1), (3, 5, 7), (5, 16, 20), (9, 37, 13), (6, 64, 52)] {
            let x = values(rows * k, 1, 1.0);
            let w = values(k * n, 2, 1.0);
            let b = values(n, 3, 1.0);
            let mut out = vec![0.0; rows * n];
            matmul_kn(&x, &w, Some(&b), k, &mut out);
            for r in 0..rows {
                for j in 0..n {
                    let exact: f64 =
                        (0..k).map(|i| x[r * k + i] as f64 * w[i * n + j] as f64).sum::<f64>() + b[j] as f64;
                    assert!((out[r * n + j] as f64 - exact).abs() < 1e-5, "({rows},{k},{n}) [{r},{j}]");
                }
            }
        }
    }

    #[test]
    fn a_row_gives_the_same_bits_alone_and_in_a_batch() {
        let (rows, k, n) = (11, 37, 10);
        let x = values(rows * k, 4, 1.0);
        let w = values(n * k, 5, 1.0);
        let mut batch = vec![0.0; rows * n];
        linear(&x, &w, None, k, &mut batch);
        for r in 0..rows {
            let mut single = vec![0.0; n];
            linear(&x[r * k..(r + 1) * k], &w, None, k, &mut single);
            assert_eq!(single, batch[r * n..(r + 1) * n]);
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_body_equals_scalar_body_bit_for_bit() {
        for (rows, k, n) in [
            (1, 3, 1),
            (7, 37, 13),
            (8, 64, 8),
            (5, 384, 6),
            (6, 40, 52),
            (1, 37, 13),
            (2, 6, 9),
            (37, 9, 21),
            (70, 24, 7),
            (33, 8, 5),
        ] {
            let x = values(rows * k, 6, 2.0);
            let w = values(n * k, 7, 2.0);
            let b = values(n, 8, 2.0);
            let (mut s, mut v) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            scalar::linear(&x, &w, Some(&b), k, &mut s);
            simd::linear(&x, &w, Some(&b), k, &mut v);
            assert_eq!(s, v, "({rows},{k},{n})");
            scalar::matmul_kn(&x, &w, Some(&b), k, &mut s);
            simd::matmul_kn(&x, &w, Some(&b), k, &mut v);
            assert_eq!(s, v, "kn ({rows},{k},{n})");
        }
    }
}
