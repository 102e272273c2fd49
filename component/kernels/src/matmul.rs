//! Matrix products against weights in the layout checkpoints store them, or reordered in place.
//!
//! `linear` reads Hugging Face's `nn.Linear` layout, `w[n_out][k]`, directly from the
//! checkpoint bytes: each output is a dot product of an input row with a weight row. The
//! models use it for tied heads (the table is also looked up) and the smallest matrices.
//!
//! `linear_packed` reads the same matrices after `pack_rows` has reordered them within their
//! own bytes at load: 4 weight rows side by side, so that a register block reads them as one
//! stream (MiniLM 6–27% faster than with `linear` in Node 20, measured side by side).
//!
//! `matmul_kn` reads the `[k][n_out]` layout (GPT-2's `Conv1D` as stored, the transpose):
//! each output accumulates `x[k] · w[k][n]` over `k` in order, so neighbouring outputs are
//! neighbouring lanes. The models run attention's two products on it; GPT-2's matrices are
//! laid out by `pack_columns` at load and run on `linear_packed`.
//!
//! For `linear` and `linear_packed`, every output element is computed by the same sequence of
//! operations: four lane sums over `k` in steps of 4, reduced as `(l0 + l2) + (l1 + l3)`, then
//! the `k % 4` tail in order, then the bias. The SIMD bodies block 2 rows × 4 outputs (8
//! accumulators; 1 × 8 or 1 × 4 for a lone row) and the scalar bodies keep four named lanes,
//! but none changes that sequence, so results do not depend on the body, the layout, the
//! blocking, or the other rows in the batch.

/// `out[r][n] = x[r] · w[n] + bias[n]` for `x: [rows][k]`, `w: [n_out][k]`, `out: [rows][n_out]`.
pub fn linear(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
    assert!(shapes_agree(x, w, bias, k, out), "linear: inconsistent shapes");
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::linear(x, w, bias, k, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::linear(x, w, bias, k, out);
}

/// Weight rows per group of the packed layout (see [`pack_rows`]).
pub const PACK_ROWS: usize = 4;

/// Reorders `w: [n_out][k]` in place into the layout [`linear_packed`] reads:
/// [`crate::pack_groups`] by groups of [`PACK_ROWS`] rows, 4 values at a time (`[k / 4][4
/// rows][4]`, then the rows' `k % 4` tails; the last `n_out % 4` rows stay as they were).
pub fn pack_rows(w: &mut [f32], k: usize) {
    crate::pack_groups::<_, 4>(w, k, PACK_ROWS);
}

/// [`pack_rows`] of the transpose, in one pass: `w` holds `[k][n_out]` (GPT-2's `Conv1D`) and
/// becomes what `pack_rows` makes of the `[n_out][k]` matrix it stands for. `stored` is
/// scratch: it ends up holding `w`'s values as they were. One index function rather than
/// loops per part of the layout: this runs once per load, and the loops cost 2.4 KB.
pub fn pack_columns(w: &mut [f32], k: usize, stored: &mut alloc::vec::Vec<f32>) {
    let n_out = w.len() / k;
    let (k4, full) = (k & !3, n_out - n_out % PACK_ROWS);
    // Where `pack_rows` puts value `t` of row `n` of the `[n_out][k]` matrix.
    let packed_at = |n: usize, t: usize| {
        let (group, row) = (n - n % PACK_ROWS, n % PACK_ROWS);
        if n >= full {
            n * k + t
        } else if t < k4 {
            group * k + (t - t % 4) * PACK_ROWS + row * 4 + t % 4
        } else {
            group * k + PACK_ROWS * k4 + row * (k - k4) + t - k4
        }
    };
    stored.clear();
    stored.extend_from_slice(w);
    // The groups' first `k4` values, written in order: 4 inputs × 4 outputs at a time (a 4 × 4
    // block of `stored`), by bands of 64 inputs, whose rows stay cached while every group takes
    // its 4 columns of them. Value by value in `stored`'s order, each write went to its own
    // place `4 · k` floats from the last: GPT-2-small's f32 load spent ~640 of its ~710 ms
    // here in Node 20. Bands of 64 rows: 713 → 300–314 ms a load; 16: ~411; 256: ~418 (rows
    // 9–12 KB apart share a few cache sets, and 256 of them no longer fit).
    const BAND: usize = 64;
    for band in (0..k4).step_by(BAND) {
        for group in (0..full).step_by(PACK_ROWS) {
            let packed = &mut w[group * k..][..PACK_ROWS * k4];
            for t in (band..(band + BAND).min(k4)).step_by(4) {
                for row in 0..PACK_ROWS {
                    for j in 0..4 {
                        packed[t * PACK_ROWS + row * 4 + j] = stored[(t + j) * n_out + group + row];
                    }
                }
            }
        }
    }
    // The rest: the groups' `k % 4` last values and the rows outside groups.
    for n in 0..n_out {
        for t in if n < full { k4 } else { 0 }..k {
            w[packed_at(n, t)] = stored[t * n_out + n];
        }
    }
}

/// [`linear`] with weights reordered by [`pack_rows`]: the same outputs, bit for bit.
pub fn linear_packed(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
    assert!(shapes_agree(x, w, bias, k, out), "linear_packed: inconsistent shapes");
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::linear_packed(x, w, bias, k, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::linear_packed(x, w, bias, k, out);
}

/// `out[n] = x · w[n · stride..][..x.len()]`: [`linear`] for one row, without bias, over
/// weight rows `stride` floats apart. With [`matmul_kn_strided`], what attention runs for a
/// decoding step: one head's columns of a KV cache's `[keys][heads · head_dim]` rows, read
/// where they lie.
pub fn linear_strided(x: &[f32], w: &[f32], stride: usize, out: &mut [f32]) {
    assert!(strided_rows_fit(out.len(), x.len(), stride, w.len()), "linear_strided: inconsistent shapes");
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::linear_strided(x, w, stride, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::linear_strided(x, w, stride, out);
}

/// `out[r] = Σₖ x[r][k] · w[k · stride..][..n]` for `x: [rows][k]` and `out: [rows][n]`:
/// [`matmul_kn`] without bias over the first `n` columns of weight rows `stride` floats apart.
/// Attention's products: for a decoding step, P·V over one head's columns of the KV cache's
/// values (one row); for a causal prompt, a block of queries against only the keys they see
/// (`n` of Kᵀ's `stride` columns).
pub fn matmul_kn_strided(x: &[f32], k: usize, w: &[f32], stride: usize, out: &mut [f32]) {
    let rows = x.len().checked_div(k).unwrap_or(0);
    let n = out.len().checked_div(rows).unwrap_or(0);
    assert!(
        rows > 0 && x.len() == rows * k && out.len() == rows * n && strided_rows_fit(k, n, stride, w.len()),
        "matmul_kn_strided: inconsistent shapes"
    );
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    // SAFETY: the rows fit, checked above.
    unsafe {
        simd::matmul_kn(x, w, stride, None, k, out)
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::matmul_kn_strided(x, k, w, stride, out);
}

/// Whether `rows` rows of `len` floats, `stride` apart, lie within `w_len` floats.
fn strided_rows_fit(rows: usize, len: usize, stride: usize, w_len: usize) -> bool {
    rows == 0
        || (len <= stride
            && (rows - 1).checked_mul(stride).and_then(|s| s.checked_add(len)).is_some_and(|end| end <= w_len))
}

/// `out[r][n] = Σₖ x[r][k] · w[k][n] + bias[n]` for `w: [k][n_out]` (GPT-2's `Conv1D`).
pub fn matmul_kn(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
    assert!(shapes_agree(x, w, bias, k, out), "matmul_kn: inconsistent shapes");
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    // SAFETY: `w` is `[k][n_out]`, checked above.
    unsafe {
        simd::matmul_kn(x, w, w.len() / k, bias, k, out)
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::matmul_kn(x, w, bias, k, out);
}

/// Whether `x` is `[rows][k]`, `w` holds `n_out` rows (or columns) of `k`, `out` is
/// `[rows][n_out]` and `bias`, if any, `[n_out]`: the contract of every product here and of
/// `quant::linear_q8`.
pub(crate) fn shapes_agree<W>(x: &[f32], w: &[W], bias: Option<&[f32]>, k: usize, out: &[f32]) -> bool {
    let rows = x.len().checked_div(k).unwrap_or(0);
    let n_out = w.len().checked_div(k).unwrap_or(0);
    k > 0
        && x.len() == rows * k
        && w.len() == n_out * k
        && out.len() == rows * n_out
        && bias.is_none_or(|b| b.len() == n_out)
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
        matmul_kn_strided(x, k, w, n_out, out);
        for out_row in out.chunks_exact_mut(n_out) {
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
            linear_strided(row, w, k, out_row);
            for (n, o) in out_row.iter_mut().enumerate() {
                *o = super::with_bias(*o, bias, n);
            }
        }
    }

    pub fn linear_strided(x: &[f32], w: &[f32], stride: usize, out: &mut [f32]) {
        for (n, o) in out.iter_mut().enumerate() {
            *o = dot(x, &w[n * stride..][..x.len()]);
        }
    }

    pub fn matmul_kn_strided(x: &[f32], k: usize, w: &[f32], stride: usize, out: &mut [f32]) {
        // No rows (an empty batch through `matmul_kn`): nothing to compute.
        let Some(n) = out.len().checked_div(x.len() / k) else { return };
        for (row, out_row) in x.chunks_exact(k).zip(out.chunks_exact_mut(n)) {
            out_row.fill(0.0);
            for (kk, &xv) in row.iter().enumerate() {
                for (o, &wv) in out_row.iter_mut().zip(&w[kk * stride..]) {
                    *o += xv * wv;
                }
            }
        }
    }

    /// `linear` over packed weights: each weight row is gathered back from its group, then
    /// the same `dot`.
    pub fn linear_packed(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let n_out = w.len() / k;
        let (k4, packed) = (k & !3, n_out - n_out % super::PACK_ROWS);
        let mut weights = alloc::vec![0.0f32; k];
        for n in 0..n_out {
            if n < packed {
                let group = &w[(n - n % 4) * k..][..4 * k];
                let r = n % 4;
                for i in (0..k4).step_by(4) {
                    weights[i..i + 4].copy_from_slice(&group[4 * i + 4 * r..][..4]);
                }
                weights[k4..].copy_from_slice(&group[4 * k4 + r * (k - k4)..][..k - k4]);
            } else {
                weights.copy_from_slice(&w[n * k..(n + 1) * k]);
            }
            for (row, out_row) in x.chunks_exact(k).zip(out.chunks_exact_mut(n_out)) {
                out_row[n] = super::with_bias(dot(row, &weights), bias, n);
            }
        }
    }
}

// Register blocks index rows and columns by number: that is the shape of the computation.
#[allow(clippy::needless_range_loop)]
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use crate::math::simd::fold;
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
                let mut sum = fold(acc[r][c]);
                for t in k4..k {
                    // SAFETY: t < k, within the bounded rows.
                    sum += unsafe { *xp.add(xs[r] + t) * *wp.add(ws[c] + t) };
                }
                out[r][c] = sum;
            }
        }
        out
    }

    /// Four values as one vector.
    #[inline(always)]
    fn load4(four: &[f32]) -> v128 {
        assert!(four.len() == 4);
        // SAFETY: four floats are 16 readable bytes; v128_load has no alignment requirement.
        unsafe { v128_load(four.as_ptr() as *const v128) }
    }

    #[inline(always)]
    fn store4(four: &mut [f32], v: v128) {
        assert!(four.len() == 4);
        // SAFETY: as in `load4`, for writing.
        unsafe { v128_store(four.as_mut_ptr() as *mut v128, v) }
    }

    /// `R` input rows × one packed group of 4 weight rows (`[k / 4][4][4]`, then the rows'
    /// `k % 4` tails; see `pack_rows`). The rows' first `k & !3` values come interleaved in
    /// `xi` (`[k / 4][R][4]`; a lone row is its own interleaving), so each step reads two
    /// streams at constant offsets: 2 address adds where `block` needs one per row (6), which
    /// is most of the difference between them in V8 and in wasmtime (`examples/gemm_bench.rs`).
    ///
    /// # Safety
    /// `xi` holds `R · (k & !3)` values, `group` holds `4 · k`, and every `xs[r] + k` ≤ `x.len()`.
    #[inline(always)]
    unsafe fn block_packed<const R: usize>(
        xi: *const f32,
        x: &[f32],
        xs: [usize; R],
        group: *const f32,
        k: usize,
    ) -> [[f32; 4]; R] {
        let k4 = k & !3;
        let mut acc = [[f32x4_splat(0.0); 4]; R];
        let (mut xp, mut wp) = (xi, group);
        // SAFETY (all the pointer steps): `xp` walks `xi`'s R · k4 values and `wp` the group's
        // first 4 · k4, 4 · R and 16 at a time.
        let end = unsafe { xi.add(R * k4) };
        while xp < end {
            let wv: [v128; 4] = core::array::from_fn(|c| unsafe { v128_load(wp.add(4 * c) as *const v128) });
            for r in 0..R {
                let xv = unsafe { v128_load(xp.add(4 * r) as *const v128) };
                for c in 0..4 {
                    acc[r][c] = mul_add(xv, wv[c], acc[r][c]);
                }
            }
            xp = unsafe { xp.add(4 * R) };
            wp = unsafe { wp.add(16) };
        }
        let mut out = [[0.0f32; 4]; R];
        for r in 0..R {
            for c in 0..4 {
                let mut sum = fold(acc[r][c]);
                for t in k4..k {
                    // SAFETY: t < k, within row r and within the group's tails.
                    sum += unsafe { x[xs[r] + t] * *group.add(4 * k4 + c * (k - k4) + t - k4) };
                }
                out[r][c] = sum;
            }
        }
        out
    }

    /// The register block of `linear` (weights where they lie, which the models use for tied
    /// heads and the smallest matrices, one row at a time in practice): 1 row × 8 weight rows,
    /// 8 independent sums. The blocks for many rows are `linear_packed`'s. A block must hold
    /// its accumulators, the operands of a step (LLVM loads them all first) and one product in
    /// flight within 15 vector registers, because V8 keeps xmm15 as scratch (the 4 × 3 block
    /// used before needed 20: V8 spilled 4 accumulators and a row on every step, ~20% slower).
    const LINEAR_COLS: usize = 8;

    /// Rows `rows` (a multiple of R) × every output: each group of C weight rows is loaded
    /// once and reused across every row block, so it stays in L1.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn tile<const R: usize, const C: usize>(
        x: &[f32],
        rows: core::ops::Range<usize>,
        w: &[f32],
        stride: usize,
        bias: Option<&[f32]>,
        k: usize,
        n_out: usize,
        out: &mut [f32],
    ) {
        let mut n = 0;
        while n < n_out {
            let group = if n + C <= n_out { C } else { 1 };
            let mut r = rows.start;
            while r + R <= rows.end {
                let xs: [usize; R] = core::array::from_fn(|i| (r + i) * k);
                if group == C {
                    let ws: [usize; C] = core::array::from_fn(|c| (n + c) * stride);
                    // SAFETY: rows r..r+R and outputs n..n+C exist (the caller checked shapes).
                    let sums = unsafe { block::<R, C>(x, xs, w, ws, k) };
                    for i in 0..R {
                        for c in 0..C {
                            out[(r + i) * n_out + n + c] = super::with_bias(sums[i][c], bias, n + c);
                        }
                    }
                } else {
                    // SAFETY: as above, for the single output n.
                    let sums = unsafe { block::<R, 1>(x, xs, w, [n * stride], k) };
                    for i in 0..R {
                        out[(r + i) * n_out + n] = super::with_bias(sums[i][0], bias, n);
                    }
                }
                r += R;
            }
            n += group;
        }
    }

    /// `R` rows × `C` vectors of 4 outputs for the `[k][n_out]` layout: continues the sums
    /// `acc` over `steps` values of `k`. The rows come interleaved (`xi`: `[step][R]`), so a
    /// step reads two streams, the rows' values (one splat load each) at constant offsets
    /// from one pointer and the weights' `C` vectors from another: 2 address adds per step
    /// instead of one per row and one for the weights.
    ///
    /// # Safety
    /// `xi` holds `R · steps` values; `w` holds `steps` rows `stride` floats apart, of which the
    /// first `4 · C` floats are read.
    #[inline(always)]
    unsafe fn block_kn<const R: usize, const C: usize>(
        xi: *const f32,
        w: *const f32,
        stride: usize,
        steps: usize,
        mut acc: [[v128; C]; R],
    ) -> [[v128; C]; R] {
        let (mut xp, mut wp) = (xi, w);
        // SAFETY (all the pointer steps): `xp` walks `xi`'s R · steps values R at a time, `wp`
        // the `steps` weight rows.
        let end = unsafe { xi.add(R * steps) };
        while xp < end {
            let wv: [v128; C] = core::array::from_fn(|c| unsafe { v128_load(wp.add(4 * c) as *const v128) });
            for r in 0..R {
                let xv = unsafe { v128_load32_splat(xp.add(r) as *const u32) };
                for c in 0..C {
                    acc[r][c] = mul_add(xv, wv[c], acc[r][c]);
                }
            }
            xp = unsafe { xp.add(R) };
            wp = unsafe { wp.add(stride) };
        }
        acc
    }

    /// Rows and 4-column vectors handled by one register block of `matmul_kn`, and rows per
    /// tile: a strip of `4 · KN_VECS` weight columns is read once per tile, not once per block.
    /// Measured on GPT-2's prompt shapes (`examples/gemm_bench.rs`; V8 through jco), with the
    /// rows interleaved: 2 × 4 ran 15–20% faster than the 4 × 4 blocks over separate rows used
    /// before under wasmtime, as fast as 4 × 2 in V8; 3 × 3, 3 × 4, 4 × 3, 5 × 2 and 6 × 2 were
    /// no better; tiles of 16 and 32 pairs and chunks of 256 and 512 alike (2026-11-23). Like
    /// `linear_packed`'s 2 × 4, the block fits V8's 15 vector registers.
    const KN_BLOCK_ROWS: usize = 2;
    const KN_VECS: usize = 4;
    const KN_TILE_ROWS: usize = 16 * KN_BLOCK_ROWS;
    /// Weight rows per pass over the strips: a strip's share (256 × 64 bytes) stays in L1
    /// across the tile's row blocks even for GPT-2's 3,072-wide inner dimension.
    const KN_K_CHUNK: usize = 256;

    /// `out: [rows][n_out]` from the first `n_out` columns of `w`'s `k` rows, `stride` apart.
    ///
    /// # Safety
    /// Those rows lie within `w` (`strided_rows_fit`), and `x` is `[rows][k]`.
    pub unsafe fn matmul_kn(x: &[f32], w: &[f32], stride: usize, bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let rows = x.len() / k;
        let n_out = out.len().checked_div(rows).unwrap_or(0);
        let full = rows - rows % KN_BLOCK_ROWS;
        let mut xi = alloc::vec::Vec::with_capacity(KN_TILE_ROWS.min(full) * k);
        let mut start = 0;
        while start < full {
            let end = (start + KN_TILE_ROWS).min(full);
            // Interleaved here, into one buffer for every tile, rather than by
            // `crate::interleave_rows::<_, 1>`: with its one-value pieces attention took
            // 54–57 ms instead of 47–48 at 256 tokens and 0.70 instead of 0.59–0.60 at 19
            // (`ops_bench`, Node 20, 2026-12-03; copied as slices, as it did before, 8× slower).
            xi.clear();
            for pair in x[start * k..end * k].chunks_exact(KN_BLOCK_ROWS * k) {
                let (a, b) = pair.split_at(k);
                xi.extend(a.iter().zip(b).flat_map(|(&a, &b)| [a, b]));
            }
            strips_kn(&xi, start..end, w, stride, n_out, bias, k, out);
            start = end;
        }
        for r in full..rows {
            // SAFETY: as for the caller.
            unsafe { row_kn(&x[r * k..(r + 1) * k], w, stride, bias, &mut out[r * n_out..][..n_out]) };
        }
    }

    /// Register-blocked rows `rows` (a multiple of `KN_BLOCK_ROWS`, interleaved in `xi` by
    /// block) × every column, in chunks of `k`: partial sums wait in `out` between chunks (as
    /// f32, which is what the register held), so every output still adds its products in `kk`
    /// order from zero. Columns beyond the last strip of `4 · KN_VECS` go one vector at a
    /// time (attention's score rows are as long as the text), the last `n_out % 4` one lane
    /// at a time.
    #[allow(clippy::too_many_arguments)]
    fn strips_kn(
        xi: &[f32],
        rows: core::ops::Range<usize>,
        w: &[f32],
        stride: usize,
        n_out: usize,
        bias: Option<&[f32]>,
        k: usize,
        out: &mut [f32],
    ) {
        let in_strips = n_out - n_out % (4 * KN_VECS);
        let in_vectors = n_out & !3;
        let mut k0 = 0;
        while k0 < k {
            let ks = k0..(k0 + KN_K_CHUNK).min(k);
            let last = ks.end == k;
            let mut n = 0;
            while n < in_vectors {
                if n < in_strips {
                    strip_kn::<KN_VECS>(
                        xi,
                        rows.clone(),
                        w,
                        stride,
                        n_out,
                        n,
                        ks.clone(),
                        bias.filter(|_| last),
                        k,
                        out,
                    );
                    n += 4 * KN_VECS;
                } else {
                    strip_kn::<1>(xi, rows.clone(), w, stride, n_out, n, ks.clone(), bias.filter(|_| last), k, out);
                    n += 4;
                }
            }
            k0 = ks.end;
        }
        for col in in_vectors..n_out {
            for r in rows.clone() {
                let mut sum = 0.0f32;
                for kk in 0..k {
                    sum += xi_at(xi, r - rows.start, kk, k) * w[kk * stride + col];
                }
                out[r * n_out + col] = super::with_bias(sum, bias, col);
            }
        }
    }

    /// Row `r` (counted from the tile's first), value `kk` of the tile's interleaved rows.
    #[inline(always)]
    fn xi_at(xi: &[f32], r: usize, kk: usize, k: usize) -> f32 {
        xi[(r - r % KN_BLOCK_ROWS) * k + kk * KN_BLOCK_ROWS + r % KN_BLOCK_ROWS]
    }

    /// The tile's row blocks × the `C` vectors of outputs at column `n`, over `k` values `ks`,
    /// adding `bias` (the last chunk's) as whole vectors: lane by lane, as the scalar sum
    /// rounds (extracting the lanes one by one cost more than attention's 32-step score
    /// blocks themselves).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn strip_kn<const C: usize>(
        xi: &[f32],
        rows: core::ops::Range<usize>,
        w: &[f32],
        stride: usize,
        n_out: usize,
        n: usize,
        ks: core::ops::Range<usize>,
        bias: Option<&[f32]>,
        k: usize,
        out: &mut [f32],
    ) {
        for r0 in rows.clone().step_by(KN_BLOCK_ROWS) {
            let at = |r: usize, c: usize| (r0 + r) * n_out + n + 4 * c;
            let init: [[v128; C]; KN_BLOCK_ROWS] = core::array::from_fn(|r| {
                core::array::from_fn(
                    |c| if ks.start == 0 { f32x4_splat(0.0) } else { load4(&out[at(r, c)..at(r, c) + 4]) },
                )
            });
            let block_xi = &xi[(r0 - rows.start) * k + ks.start * KN_BLOCK_ROWS..][..ks.len() * KN_BLOCK_ROWS];
            let block_w = &w[ks.start * stride + n..][..(ks.len() - 1) * stride + 4 * C];
            // SAFETY: `block_xi` holds KN_BLOCK_ROWS · |ks| values and `block_w` |ks| rows
            // `stride` apart, the last cut after the block's 4 · C columns.
            let acc =
                unsafe { block_kn::<KN_BLOCK_ROWS, C>(block_xi.as_ptr(), block_w.as_ptr(), stride, ks.len(), init) };
            for (r, row) in acc.iter().enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    let col = n + 4 * c;
                    let v = match bias {
                        Some(b) => f32x4_add(v, load4(&b[col..col + 4])),
                        None => v,
                    };
                    store4(&mut out[at(r, c)..at(r, c) + 4], v);
                }
            }
        }
    }

    /// One row (decoding's shape): `out += x[kk] · w[kk]` row after row, so the weights stream
    /// contiguously from memory and the partial sums stay in L1. Each output still adds its
    /// products in `kk` order from zero, as the blocked form does. Weight row `kk` is
    /// `w[kk · stride..][..out.len()]`.
    ///
    /// # Safety
    /// Those `x.len()` rows lie within `w` (`strided_rows_fit`).
    #[inline(never)]
    pub(super) unsafe fn row_kn(x: &[f32], w: &[f32], stride: usize, bias: Option<&[f32]>, out: &mut [f32]) {
        let n_out = out.len();
        let n4 = n_out & !3;
        out.fill(0.0);
        let op = out.as_mut_ptr();
        // SAFETY (every weight read): row kk + j < x.len() and column < n_out, within `w`.
        let row = |kk: usize| unsafe { w.as_ptr().add(kk * stride) };
        let mut kk = 0;
        while kk + 4 <= x.len() {
            let xs = [x[kk], x[kk + 1], x[kk + 2], x[kk + 3]].map(|v| f32x4_splat(v));
            let wr = [kk, kk + 1, kk + 2, kk + 3].map(row);
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
                    out[col] += x[kk + j] * unsafe { *wr[j].add(col) };
                }
            }
            kk += 4;
        }
        for kk in kk..x.len() {
            for (col, o) in out.iter_mut().enumerate() {
                *o += x[kk] * unsafe { *row(kk).add(col) };
            }
        }
        for (n, o) in out.iter_mut().enumerate() {
            *o = super::with_bias(*o, bias, n);
        }
    }

    pub fn linear(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        linear_rows(x, w, k, bias, k, w.len() / k, out);
    }

    pub fn linear_strided(x: &[f32], w: &[f32], stride: usize, out: &mut [f32]) {
        linear_rows(x, w, stride, None, x.len(), out.len(), out);
    }

    /// Both of the above, one copy of the block in the component.
    #[inline(never)]
    fn linear_rows(x: &[f32], w: &[f32], stride: usize, bias: Option<&[f32]>, k: usize, n_out: usize, out: &mut [f32]) {
        tile::<1, LINEAR_COLS>(x, 0..x.len() / k, w, stride, bias, k, n_out, out);
    }

    /// Rows per tile of `linear_packed`: the tile's inputs stay in L2 while the weights
    /// stream through once per tile. 32, so that a sentence of up to 33 tokens, its odd last
    /// row included, streams each matrix once: with 16 (and the odd row in a pass of its own),
    /// a 19-token sentence read every weight three times, and gemm_bench's MiniLM pass with
    /// weights from memory took 14.3 ms instead of 12.8–13.3 under wasmtime and 13.9–14.1
    /// instead of 13.6–13.7 in Node 20 (23 tokens: 16.8–16.9 → 15.6–16.0 and 16.4–16.9 →
    /// 15.1–15.9); the batch and prompt shapes ran 1–3% faster, 256 tokens alike (2026-12-02,
    /// Xeon). On the EPYC, 8, 16 and 32 measured alike in Node 20 and 64 no faster. Passes
    /// over chunks of 384 of `k`, so that FFN down's tile would fit in L1 with its weight
    /// group, the sums waiting as vectors between passes, ran a batch of 32 no faster in Node
    /// 20 (interleaved, 2 × 12 rounds; 2026-11-23).
    const TILE_ROWS: usize = 32;

    pub fn linear_packed(x: &[f32], w: &[f32], bias: Option<&[f32]>, k: usize, out: &mut [f32]) {
        let (rows, n_out, k4) = (x.len() / k, w.len() / k, k & !3);
        let packed = n_out - n_out % super::PACK_ROWS;
        let pairs = rows - rows % 2;
        let xi = crate::interleave_rows::<_, 4>(x, pairs, k, 2);
        let mut start = 0;
        while start < rows {
            let end = (start + TILE_ROWS).min(pairs);
            // The odd last row goes with the last tile, while each weight group is in L1.
            let odd = end == pairs && pairs < rows;
            for n in (0..packed).step_by(4) {
                for r in (start..end).step_by(2) {
                    // SAFETY: rows r, r + 1 and the group of outputs n..n + 4 exist (shapes
                    // checked by the caller); `xi` holds 2 · k4 values per pair of rows.
                    let sums = unsafe {
                        block_packed::<2>(xi.as_ptr().add(r * k4), x, [r * k, (r + 1) * k], w[n * k..].as_ptr(), k)
                    };
                    for (i, row) in sums.iter().enumerate() {
                        for (c, &sum) in row.iter().enumerate() {
                            out[(r + i) * n_out + n + c] = super::with_bias(sum, bias, n + c);
                        }
                    }
                }
                if odd {
                    let r = pairs;
                    // SAFETY: as above, for the last row, which is its own interleaving.
                    let sums = unsafe { block_packed::<1>(x[r * k..].as_ptr(), x, [r * k], w[n * k..].as_ptr(), k) };
                    for (c, &sum) in sums[0].iter().enumerate() {
                        out[r * n_out + n + c] = super::with_bias(sum, bias, n + c);
                    }
                }
            }
            start = if odd { rows } else { end };
        }
        // The last `n_out % 4` weight rows, left in place by `pack_rows`.
        for n in packed..n_out {
            for r in 0..rows {
                // SAFETY: row r and weight row n exist.
                let sum = unsafe { block::<1, 1>(x, [r * k], w, [n * k], k) }[0][0];
                out[r * n_out + n] = super::with_bias(sum, bias, n);
            }
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

    #[test]
    fn strided_products_give_the_bits_of_the_same_rows_stored_together() {
        // Rows of `len` values every `stride`: one head's slice of a KV cache.
        for (rows, len, stride) in [(1, 1, 1), (7, 32, 96), (13, 64, 64), (9, 37, 40), (5, 3, 11)] {
            let cache = values((rows - 1) * stride + len, 13, 2.0);
            let together: Vec<f32> = (0..rows).flat_map(|r| cache[r * stride..][..len].to_vec()).collect();
            let x = values(len, 14, 2.0);
            let (mut strided, mut plain) = (vec![0.0; rows], vec![0.0; rows]);
            linear_strided(&x, &cache, stride, &mut strided);
            linear(&x, &together, None, len, &mut plain);
            assert_eq!(strided, plain, "linear ({rows},{len},{stride})");
            scalar::linear_strided(&x, &cache, stride, &mut strided);
            assert_eq!(strided, plain, "scalar linear ({rows},{len},{stride})");
            // One row of P (decoding), and 5 (a causal prompt's block: the blocks and the
            // lone row of `matmul_kn`).
            for p_rows in [1, 5] {
                let p = values(p_rows * rows, 15, 1.0);
                let (mut strided, mut plain) = (vec![0.0; p_rows * len], vec![0.0; p_rows * len]);
                matmul_kn_strided(&p, rows, &cache, stride, &mut strided);
                matmul_kn(&p, &together, None, rows, &mut plain);
                assert_eq!(strided, plain, "kn {p_rows} × ({rows},{len},{stride})");
                scalar::matmul_kn_strided(&p, rows, &cache, stride, &mut strided);
                assert_eq!(strided, plain, "scalar kn {p_rows} × ({rows},{len},{stride})");
            }
        }
    }

    #[test]
    fn a_product_of_no_rows_is_empty_in_both_bodies() {
        let w = values(3 * 4, 16, 1.0);
        matmul_kn(&[], &w, None, 3, &mut []);
        scalar::matmul_kn(&[], &w, None, 3, &mut []);
    }

    #[test]
    fn strided_products_refuse_rows_beyond_the_slice() {
        let w = [0.0f32; 10];
        assert!(strided_rows_fit(3, 2, 4, 10) && !strided_rows_fit(3, 3, 4, 10) && !strided_rows_fit(2, 5, 4, 10));
        assert!(strided_rows_fit(0, 99, 1, 0) && !strided_rows_fit(usize::MAX, 1, 2, w.len()));
    }

    #[test]
    fn pack_rows_interleaves_groups_of_four_rows_and_keeps_the_rest() {
        // 5 rows of k = 5: row r holds 10r + column.
        let mut w: Vec<f32> = (0..5).flat_map(|r| (0..5).map(move |c| (10 * r + c) as f32)).collect();
        pack_rows(&mut w, 5);
        #[rustfmt::skip]
        let expected = [
            0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0, 20.0, 21.0, 22.0, 23.0, 30.0, 31.0, 32.0, 33.0,
            4.0, 14.0, 24.0, 34.0,
            40.0, 41.0, 42.0, 43.0, 44.0,
        ];
        assert_eq!(w, expected);
    }

    #[test]
    fn pack_columns_lays_out_the_transpose_as_pack_rows_does() {
        for (k, n) in [(1, 1), (5, 4), (8, 5), (37, 13), (16, 8), (3, 9), (600, 9)] {
            let kn = values(k * n, 12, 1.0);
            let mut linear: Vec<f32> =
                (0..n).flat_map(|o| (0..k).map(move |i| (o, i))).map(|(o, i)| kn[i * n + o]).collect();
            pack_rows(&mut linear, k);
            let (mut packed, mut stored) = (kn.clone(), Vec::new());
            pack_columns(&mut packed, k, &mut stored);
            assert_eq!(packed, linear, "({k},{n})");
            assert_eq!(stored, kn);
        }
    }

    #[test]
    fn packed_weights_give_the_same_bits_as_plain_ones() {
        for (rows, k, n) in [
            (1, 3, 1),
            (1, 384, 8),
            (2, 5, 4),
            (3, 37, 13),
            (23, 64, 12),
            (36, 9, 7),
            (17, 8, 6),
            (19, 1537, 5),
            (33, 12, 8),
            (67, 16, 9),
        ] {
            let x = values(rows * k, 9, 2.0);
            let w = values(n * k, 10, 2.0);
            let b = values(n, 11, 2.0);
            let mut packed = w.clone();
            pack_rows(&mut packed, k);
            let (mut plain_out, mut packed_out) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            linear(&x, &w, Some(&b), k, &mut plain_out);
            linear_packed(&x, &packed, Some(&b), k, &mut packed_out);
            assert_eq!(plain_out, packed_out, "({rows},{k},{n})");
            scalar::linear_packed(&x, &packed, Some(&b), k, &mut packed_out);
            assert_eq!(plain_out, packed_out, "scalar ({rows},{k},{n})");
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
            // k beyond one chunk of `matmul_kn`'s strips: partial sums wait in `out`.
            (9, 300, 35),
            // FFN down's long rows with a tail, more rows than a tile.
            (37, 1537, 8),
            // `matmul_kn`: two tiles and an odd row, two chunks of k, a strip, a lone vector
            // and 3 lanes of outputs.
            (67, 300, 23),
        ] {
            let x = values(rows * k, 6, 2.0);
            let w = values(n * k, 7, 2.0);
            let b = values(n, 8, 2.0);
            let (mut s, mut v) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            scalar::linear(&x, &w, Some(&b), k, &mut s);
            simd::linear(&x, &w, Some(&b), k, &mut v);
            assert_eq!(s, v, "({rows},{k},{n})");
            scalar::matmul_kn(&x, &w, Some(&b), k, &mut s);
            // SAFETY: `w` is `[k][n]`.
            unsafe { simd::matmul_kn(&x, &w, n, Some(&b), k, &mut v) };
            assert_eq!(s, v, "kn ({rows},{k},{n})");
            let mut packed = w.clone();
            pack_rows(&mut packed, k);
            scalar::linear_packed(&x, &packed, Some(&b), k, &mut s);
            simd::linear_packed(&x, &packed, Some(&b), k, &mut v);
            assert_eq!(s, v, "packed ({rows},{k},{n})");
        }
    }
}
