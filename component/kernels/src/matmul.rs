//! Matrix products against weights in the layout checkpoints store them.
//!
//! `linear` reads Hugging Face's `nn.Linear` layout, `w[n_out][k]`, directly from the
//! checkpoint bytes: each output is a dot product of an input row with a weight row.
//!
//! Every output element is computed by the same sequence of operations: four lane sums over
//! `k` in steps of 4, reduced as `(l0 + l2) + (l1 + l3)`, then the `k % 4` tail in order, then
//! the bias. The SIMD body blocks 4 rows × 4 outputs (16 accumulators) and the scalar body
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

#[inline(always)]
fn with_bias(sum: f32, bias: Option<&[f32]>, n: usize) -> f32 {
    match bias {
        Some(b) => sum + b[n],
        None => sum,
    }
}

pub mod scalar {
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

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use core::arch::wasm32::*;

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
                    acc[r][c] = f32x4_add(acc[r][c], f32x4_mul(xv, wv[c]));
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

    /// Rows `rows` (a multiple of R) × outputs `outputs`: each group of 4 weight rows is
    /// loaded once and reused across every row block, so it stays in L1.
    #[inline(always)]
    fn tile<const R: usize>(
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
            let group = if n + 4 <= n_out { 4 } else { 1 };
            let mut r = rows.start;
            while r + R <= rows.end {
                let xs: [usize; R] = core::array::from_fn(|i| (r + i) * k);
                if group == 4 {
                    // SAFETY: rows r..r+R and outputs n..n+4 exist (the caller checked shapes).
                    let sums = unsafe { block::<R, 4>(x, xs, w, [n * k, (n + 1) * k, (n + 2) * k, (n + 3) * k], k) };
                    for i in 0..R {
                        for c in 0..4 {
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

    /// Rows per tile: the tile's inputs stay in L2 while the weights stream through once.
    const TILE_ROWS: usize = 32;

    pub fn linear(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let rows = x.len() / k;
        let full = rows - rows % 4;
        let mut start = 0;
        while start < full {
            let end = (start + TILE_ROWS).min(full);
            tile::<4>(x, start..end, w, bias, k, out);
            start = end;
        }
        if full < rows {
            tile::<1>(x, full..rows, w, bias, k, out);
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
        for (rows, k, n) in [(1, 3, 1), (7, 37, 13), (8, 64, 8), (5, 384, 6)] {
            let x = values(rows * k, 6, 2.0);
            let w = values(n * k, 7, 2.0);
            let b = values(n, 8, 2.0);
            let (mut s, mut v) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            scalar::linear(&x, &w, Some(&b), k, &mut s);
            simd::linear(&x, &w, Some(&b), k, &mut v);
            assert_eq!(s, v, "({rows},{k},{n})");
        }
    }
}
