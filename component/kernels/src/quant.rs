//! int8 weights × int16 activations, for the `int8` load option and int8 checkpoints.
//!
//! A weight matrix `w` (HF's `[out][in]` layout) is stored as `w[n][i] ≈ q[n][i] · s[n][i / G]
//! · c[i]`: int8 values `q`, one scale per output row and group of `G` = [`GROUP`] inputs, and
//! one column scale per input, `c[i] = √max_n |w[n][i]|`. The column scales are data-free
//! smoothing: a few input columns of a BERT layer hold weights many times larger than the rest,
//! and a row scale taken over them leaves the other weights few steps; dividing each column by
//! the square root of its largest weight evens them out, and the product multiplies the input by
//! `c` instead, which costs nothing in i16. Measured on all-MiniLM-L6-v2 (200 held-out corpus
//! lines, cosine to the f32 embedding): per-row scales alone, worst 0.9963 and 160 of 200 lines
//! ≥ 0.999; groups of 128 alone 0.9989 (198); columns alone 0.9988 (196); both 0.9993 (200).
//!
//! Each input row (times `c`) is quantized when a product runs, with one scale per row, to the
//! full i16 range (integer sums never run past a group, so they fit an i32: see
//! [`ACTIVATION_LIMIT`]). A group's dot product is an exact integer sum (`i32x4.dot_i16x8_s`,
//! then the lanes added), converted to f32 once and times the group's scale; the groups' terms
//! are added in order. Exact sums make the order of the integer additions free, so the SIMD
//! and scalar bodies agree bit for bit.

use crate::math::{ROUNDING_SHIFT, ROUNDING_SHIFT_BITS, sqrt_f32};
use alloc::vec::Vec;

/// Quantization steps of a weight: `[-127, 127]` (symmetric; -128 is never used).
pub const WEIGHT_LIMIT: f32 = 127.0;

/// Inputs per weight scale: a multiple of 8 (the kernels' step). Smaller groups measured no
/// better on MiniLM (64: worst cosine 0.99931 with column scales, 128: 0.99930) and cost a
/// scaling step more often.
pub const GROUP: usize = 128;

/// The activation range `[-L, L]`: all of i16. A group's exact sum has at most [`GROUP`]
/// products of at most `127 · L`: below 2³¹, in any order of additions. (With one scale per
/// row, sums over all of `k` held GPT-2's 3,072-wide inputs to ±22,017.)
pub const ACTIVATION_LIMIT: i32 = i16::MAX as i32;

/// Scales per row of `k` inputs: one per [`GROUP`], the last group shorter if `k` is not a
/// multiple of it.
pub fn groups(k: usize) -> usize {
    k.div_ceil(GROUP)
}

/// An int8 matrix `[rows][k]` (see the module's notes for what the parts mean).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Int8Matrix<'a> {
    pub values: &'a [i8],
    /// `[rows][groups(k)]` (see [`groups`]).
    pub scales: &'a [f32],
    /// `[k]`, or empty where every column scale is 1.
    pub column_scales: &'a [f32],
    pub k: usize,
    /// Whether `values` are in the layout of [`pack_rows`] rather than `[rows][k]`.
    pub packed: bool,
}

impl Int8Matrix<'_> {
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.k).unwrap_or(0)
    }

    /// Whether the parts have consistent sizes (the group count included).
    pub fn is_consistent(&self) -> bool {
        let rows = self.rows();
        self.k > 0
            && self.values.len() == rows * self.k
            && rows > 0
            && self.scales.len() == rows * groups(self.k)
            && (self.column_scales.is_empty() || self.column_scales.len() == self.k)
    }
}

/// The owned parts of an [`Int8Matrix`], as [`quantize_matrix`] makes them.
pub struct Int8Parts {
    pub values: Vec<i8>,
    pub scales: Vec<f32>,
    pub column_scales: Vec<f32>,
    pub packed: bool,
}

impl Int8Parts {
    pub fn matrix(&self, k: usize) -> Int8Matrix<'_> {
        let (values, scales, column_scales) = (&self.values[..], &self.scales[..], &self.column_scales[..]);
        Int8Matrix { values, scales, column_scales, k, packed: self.packed }
    }
}

/// `x` clamped to `[-limit, limit]` (NaN to 0) and rounded to the nearest integer, ties to even
/// (as `torch.round`): one rule for weights and activations, with no libm and no float-to-int
/// conversion (see [`ROUNDING_SHIFT`]; `limit` < 2²²).
#[inline(always)]
fn round_to_int(x: f32, limit: f32) -> i32 {
    let x = if x.is_nan() { 0.0 } else { x.clamp(-limit, limit) };
    (x + ROUNDING_SHIFT).to_bits() as i32 - ROUNDING_SHIFT_BITS
}

/// Quantizes the `rows × k` matrix `w` (`[out][in]`): column scales, then each group of
/// [`GROUP`] inputs of each row with its largest magnitude at 127.
pub fn quantize_matrix(w: &[f32], k: usize) -> Int8Parts {
    let rows = w.len().checked_div(k).unwrap_or(0);
    let mut column_max = alloc::vec![0.0f32; k];
    for row in w.chunks_exact(k) {
        max_abs_into(&mut column_max, row);
    }
    let column_scales: Vec<f32> =
        column_max.iter().map(|&m| if m > 0.0 && m.is_finite() { sqrt_f32(m) } else { 1.0 }).collect();
    let inverse_columns: Vec<f32> = column_scales.iter().map(|&c| 1.0 / c).collect();
    let mut values = Vec::with_capacity(rows * k);
    let mut scales = Vec::with_capacity(rows * groups(k));
    let mut even = alloc::vec![0.0f32; k];
    for row in w.chunks_exact(k) {
        multiply_into(&mut even, row, &inverse_columns);
        for group in even.chunks(GROUP) {
            let max = max_abs(group);
            let scale = if max > 0.0 { max / WEIGHT_LIMIT } else { 1.0 };
            let inverse = WEIGHT_LIMIT / if max > 0.0 { max } else { 1.0 };
            push_rounded(group, inverse, &mut values);
            scales.push(scale);
        }
    }
    Int8Parts { values, scales, column_scales, packed: false }
}

/// Weight rows per group of the packed layout ([`pack_rows`]).
pub const PACK_ROWS: usize = 8;

/// Reorders int8 values `[n_out][k]` in place into the packed layout the products also read:
/// [`crate::pack_groups`] by groups of [`PACK_ROWS`] rows, 8 values at a time (`[k / 8][8
/// rows][8]`, then the rows' `k % 8` tails; the last `n_out % 8` rows stay as they were). A
/// lone activation row (decoding) then streams each group of weights from memory as one
/// sequence instead of 8: GPT-2-small's int8 decode matmuls (`gemm_bench`, Zen 1 EPYC,
/// 2026-12-03) 24 → 15.5 ms under wasmtime and 22–23 → 14.5 ms in Node 20, against 9.8 GB/s of
/// streaming bandwidth; `wasmicro bench-generate --int8`, GPT-2-small 34–36 → 46 tokens/s,
/// t5-small 87 → 137. Blocks of many rows run as fast on it as on rows as stored (GPT-2's
/// prompt shapes within 1% in `gemm_bench`, Node 20), but packing is a pass over the weights
/// at load that encoders, which never decode, would pay for nothing: the models pack only
/// the matrices decoders multiply (`Checkpoint::pack_int8_weights`).
pub fn pack_rows(values: &mut [i8], k: usize) {
    crate::pack_groups::<_, 8>(values, k, PACK_ROWS);
}

/// Undoes [`pack_rows`]: the `[n_out][k]` layout int8 checkpoints store.
pub fn unpack_rows(values: &mut [i8], k: usize) {
    crate::unpack_groups::<_, 8>(values, k, PACK_ROWS);
}

/// Rows per group of `values`' layout: [`PACK_ROWS`] if packed, else 1 (each row its own
/// group, which the same formulas then read as stored).
#[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
fn group_rows(packed: bool) -> usize {
    if packed { PACK_ROWS } else { 1 }
}

/// Where the values `0..8` of weight row `n` start, in a layout of groups of `group` rows
/// (within the groups: the last `n_out % group` rows are as stored, `n · k`).
#[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
fn row_start(n: usize, k: usize, group: usize) -> usize {
    (n - n % group) * k + 8 * (n % group)
}

/// Where the `k % 8` last values of weight row `n` lie in that layout.
#[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
fn tail_start(n: usize, k: usize, n_out: usize, group: usize) -> usize {
    let (k8, grouped) = (k & !7, n_out - n_out % group);
    if n < grouped { (n - n % group) * k + group * k8 + n % group * (k - k8) } else { n * k + k8 }
}

/// Quantizes each row of `x` (`[rows][k]`), each value first multiplied by its column's scale
/// (none if `column_scales` is empty), to i16 for a product over `k`: fills `out` and returns
/// one scale per row.
pub fn quantize_activations(x: &[f32], k: usize, column_scales: &[f32], out: &mut Vec<i16>) -> Vec<f32> {
    out.clear();
    out.reserve(x.len());
    let mut scales = Vec::with_capacity(x.len() / k);
    let mut scaled = alloc::vec![0.0f32; if column_scales.is_empty() { 0 } else { k }];
    for row in x.chunks_exact(k) {
        let row = if column_scales.is_empty() {
            row
        } else {
            multiply_into(&mut scaled, row, column_scales);
            &scaled[..]
        };
        let (inverse, scale) = activation_scales(max_abs(row));
        push_rounded(row, inverse, out);
        scales.push(scale);
    }
    scales
}

/// `(multiplier to the i16 range, scale back)` of an activation row whose largest magnitude is
/// `max` (both 0 for a row of zeros): one rule for both layouts of quantized rows, which must
/// agree value for value.
fn activation_scales(max: f32) -> (f32, f32) {
    let limit = ACTIVATION_LIMIT as f32;
    if max > 0.0 { (limit / max, max / limit) } else { (0.0, 0.0) }
}

/// `dst[i] = a[i] · b[i]`. Written with SIMD128 (the same products) because the component's
/// size-optimised link step vectorizes no loops: with the column-scale loops left to the
/// compiler, an int8 load of MiniLM took ~8 ms longer (Node 20: +15 ms over one scale per row
/// instead of +7).
fn multiply_into(dst: &mut [f32], a: &[f32], b: &[f32]) {
    let n = dst.len().min(a.len()).min(b.len());
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        use core::arch::wasm32::*;
        let n4 = n & !3;
        for i in (0..n4).step_by(4) {
            // SAFETY: i + 4 ≤ n4 ≤ every length; v128 loads and stores need no alignment.
            unsafe {
                let v =
                    f32x4_mul(v128_load(a.as_ptr().add(i) as *const v128), v128_load(b.as_ptr().add(i) as *const v128));
                v128_store(dst.as_mut_ptr().add(i) as *mut v128, v);
            }
        }
        n4
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for i in done..n {
        dst[i] = a[i] * b[i];
    }
}

/// `m[i] = max(m[i], |row[i]|)`, a NaN never replacing the maximum (as in `max_abs`); SIMD128
/// for the reason `multiply_into` gives.
fn max_abs_into(m: &mut [f32], row: &[f32]) {
    let n = m.len().min(row.len());
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        use core::arch::wasm32::*;
        let n4 = n & !3;
        for i in (0..n4).step_by(4) {
            // SAFETY: i + 4 ≤ n4 ≤ both lengths; v128 loads and stores need no alignment.
            unsafe {
                let p = m.as_mut_ptr().add(i) as *mut v128;
                // pmax(a, b) is `a < b ? b : a`: a NaN lane of `row` never replaces `m`.
                v128_store(p, f32x4_pmax(v128_load(p), f32x4_abs(v128_load(row.as_ptr().add(i) as *const v128))));
            }
        }
        n4
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for i in done..n {
        if m[i] < row[i].abs() {
            m[i] = row[i].abs();
        }
    }
}

/// The largest |v| of `row` (NaN ignored): with SIMD128, `math::simd::max_of` (two chains of
/// `pmax`es; the maximum of magnitudes does not depend on the order it is taken in). One
/// chain took 2.3 ms instead of 1.8 for the activations of a 256-token pass in Node 20, and
/// 0.62–0.67 instead of 0.53–0.58 ms for a 1,536 × 384 weight matrix (`quant_bench`).
fn max_abs(row: &[f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return crate::math::simd::max_of(row, |v| core::arch::wasm32::f32x4_abs(v), f32::abs);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    crate::math::max(row.iter().map(|v| v.abs()))
}

/// An integer type quantized values are stored in, with the range `round_to_int` clamps to.
trait Quantized: Copy + Default {
    const LIMIT: f32;
    /// `value` as `Self`, for values in `[-LIMIT, LIMIT]`.
    fn from_rounded(value: i32) -> Self;
    /// Values per SIMD store.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    const LANES: usize;
    /// Stores `LANES` rounded values (in `[-LIMIT, LIMIT]`) given as i32x4 vectors.
    ///
    /// # Safety
    /// `dst` has room for `LANES` values.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    unsafe fn store(rounded: [core::arch::wasm32::v128; 4], dst: *mut Self);
}

impl Quantized for i8 {
    const LIMIT: f32 = WEIGHT_LIMIT;
    fn from_rounded(value: i32) -> i8 {
        value as i8
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    const LANES: usize = 16;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    unsafe fn store(r: [core::arch::wasm32::v128; 4], dst: *mut i8) {
        use core::arch::wasm32::*;
        // The values are in range, so the saturating narrows only pack them.
        let bytes = i8x16_narrow_i16x8(i16x8_narrow_i32x4(r[0], r[1]), i16x8_narrow_i32x4(r[2], r[3]));
        // SAFETY: the caller gives room for 16 bytes.
        unsafe { v128_store(dst as *mut v128, bytes) };
    }
}

impl Quantized for i16 {
    const LIMIT: f32 = ACTIVATION_LIMIT as f32;
    fn from_rounded(value: i32) -> i16 {
        value as i16
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

/// Appends `round_to_int(v · inverse, T::LIMIT)` of each value to `out`. The SIMD body rounds
/// four lanes with the same operations (NaN lanes masked to 0, `pmax`/`pmin` as the clamp, the
/// shift added and its bits taken off), so both bodies give the same integers.
fn push_rounded<T: Quantized>(row: &[f32], inverse: f32, out: &mut Vec<T>) {
    let start = out.len();
    out.resize(start + row.len(), T::default());
    let dst = &mut out[start..];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        use core::arch::wasm32::*;
        let scale = f32x4_splat(inverse);
        // SAFETY: `four` holds 4 floats; v128 loads need no alignment.
        let round = |four: &[f32]| simd::round(unsafe { v128_load(four.as_ptr() as *const v128) }, scale, T::LIMIT);
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
        *d = T::from_rounded(round_to_int(v * inverse, T::LIMIT));
    }
}

/// `out[r][n] = Σᵢ x[r][i] · w[n][i] + bias[n]` for `x: [rows][k]` (f32, quantized here) and
/// the int8 matrix `w` (`[n_out][k]`).
pub fn linear_q8(x: &[f32], w: Int8Matrix<'_>, bias: Option<&[f32]>, out: &mut [f32]) {
    let k = w.k;
    assert!(
        w.is_consistent() && crate::matmul::shapes_agree(x, w.values, bias, k, out),
        "linear_q8: inconsistent shapes"
    );
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let xq = simd::Activations::quantize(x, k, w.column_scales);
        simd::products(&xq, w.values, w.scales, k, w.packed, out);
        finish(out, &xq.scales, w.values.len() / k, bias);
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let mut xq = Vec::new();
        let x_scales = quantize_activations(x, k, w.column_scales, &mut xq);
        scalar::products(&xq, w.values, w.scales, k, w.packed, out);
        finish(out, &x_scales, w.values.len() / k, bias);
    }
}

/// Scales the weight-scaled sums `products` left in `out` by their row's activation scale,
/// and adds the bias.
fn finish(out: &mut [f32], x_scales: &[f32], n_out: usize, bias: Option<&[f32]>) {
    for (row, &xs) in out.chunks_exact_mut(n_out).zip(x_scales) {
        for (n, o) in row.iter_mut().enumerate() {
            let value = *o * xs;
            *o = match bias {
                Some(b) => value + b[n],
                None => value,
            };
        }
    }
}

/// `Σ x[i] · q[i]`, exact: callers keep it to one group (at most 128 products of
/// `|x| ≤ 32,767`, `|q| ≤ 127`: below 2³¹).
fn exact_sum(x: &[i16], q: &[i8]) -> i32 {
    x.iter().zip(q).map(|(&a, &b)| a as i32 * b as i32).sum()
}

/// `total + f32(Σ x[i] · q[i]) · scale`, the sum exact (one group at most, see [`exact_sum`]):
/// a group's term, as every body adds it (the SIMD bodies for the `k % 8` last inputs).
#[inline(never)]
fn add_product(total: f32, x: &[i16], q: &[i8], scale: f32) -> f32 {
    total + exact_sum(x, q) as f32 * scale
}

pub mod scalar {
    /// `out[r][n] = Σ_g f32(S_g) · s[n][g]`, added in group order from 0.0, where `S_g` is the
    /// exact integer sum of `x[r][i] · q[n][i]` over the group's inputs below `k & !7` (see
    /// `super::groups`); then, if `k % 8 ≠ 0`, the last `k % 8` products' exact sum, times the
    /// last group's scale. `packed`: `q` is in the layout of `super::pack_rows`.
    pub fn products(x: &[i16], q: &[i8], scales: &[f32], k: usize, packed: bool, out: &mut [f32]) {
        let n_out = q.len() / k;
        let per_row = super::groups(k);
        // The rows as stored (simple rather than fast: this body runs in tests and builds
        // without SIMD128).
        let mut rows = q.to_vec();
        if packed {
            super::unpack_rows(&mut rows, k);
        }
        for (row, out_row) in x.chunks_exact(k).zip(out.chunks_exact_mut(n_out)) {
            for ((weights, s), o) in rows.chunks_exact(k).zip(scales.chunks_exact(per_row)).zip(out_row.iter_mut()) {
                *o = output(row, weights, s);
            }
        }
    }

    /// One output of `products`: activation row `x` and weight row `weights` (both `k`
    /// values, as stored) with the weight row's group scales `s`.
    pub(super) fn output(x: &[i16], weights: &[i8], s: &[f32]) -> f32 {
        let k8 = x.len() & !7;
        let mut total = 0.0f32;
        for (g, &scale) in s.iter().enumerate() {
            let inputs = (g * super::GROUP).min(k8)..((g + 1) * super::GROUP).min(k8);
            total = super::add_product(total, &x[inputs.clone()], &weights[inputs], scale);
        }
        if k8 < x.len() {
            total = super::add_product(total, &x[k8..], &weights[k8..], s[s.len() - 1]);
        }
        total
    }
}

// Register blocks index rows and columns by number: that is the shape of the computation.
#[allow(clippy::needless_range_loop)]
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use super::GROUP;
    use alloc::vec::Vec;
    use core::arch::wasm32::*;

    /// `[Σa, Σb, Σc, Σd]` of four i32x4 vectors' lanes: two rounds of pairwise adds.
    #[inline(always)]
    fn lane_sums(a: v128, b: v128, c: v128, d: v128) -> v128 {
        let pairs = |u: v128, v: v128| i32x4_add(i32x4_shuffle::<0, 2, 4, 6>(u, v), i32x4_shuffle::<1, 3, 5, 7>(u, v));
        pairs(pairs(a, b), pairs(c, d))
    }

    /// `R` activation rows × `C` weight rows (`R · C` a multiple of 4), in the arithmetic of
    /// `scalar::products` but for the `k % 8` tail, which `tile` adds: each group's inputs in
    /// steps of 8 (`i16x8.load8x8_s` widens 8 weights, `i32x4.dot_i16x8_s` multiplies and adds
    /// pairs) into integer accumulators, whose lanes are then added, four outputs to a vector,
    /// converted, scaled and added to `R · C / 4` float totals. (Scaling each accumulator's four
    /// lanes instead kept `2 · R · C` vectors live, more than V8's 15 registers: the int8 batch
    /// ran ~15% slower.) The rows' first `k & !7` values come interleaved in `xi` (8 of row 0,
    /// 8 of row 1, …; see [`crate::interleave_rows`]): one stream whose rows sit at constant
    /// offsets, which `wasm-opt --low-memory-unused` folds into the loads' offset immediates.
    /// Each distinct stream costs an address add per load (V8 cannot fold a wasm `i32.add`
    /// into a 64-bit address), and those adds, not the multiplies, set the pace. Weight row
    /// `c`'s values `i..i + 8` are at `ws[c] + group · i` (`super::row_start`): `group` is 1 for
    /// rows as stored, 8 for packed ones.
    ///
    /// # Safety
    /// `xi` holds `R · (k & !7)` values, every `ws[c] + group · (k & !7)` ≤ `q.len()` and
    /// `ss[c] + groups(k)` ≤ `scales.len()`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    unsafe fn block<const R: usize, const C: usize, const V: usize>(
        xi: &[i16],
        q: &[i8],
        ws: [usize; C],
        group: usize,
        scales: &[f32],
        ss: [usize; C],
        k: usize,
    ) -> [[f32; C]; R] {
        const { assert!(R * C == 4 * V) };
        let k8 = k & !7;
        let groups = super::groups(k);
        // Output j of the block is row j / C, column j % C; vector v holds outputs 4v..4v + 4.
        let mut total = [f32x4_splat(0.0); V];
        let sp = scales.as_ptr();
        let mut xip = xi.as_ptr();
        // One pointer per weight row, stepped by `8 · group` bytes: an offset `group · i` would
        // cost a shift per step (~4% of the int8 products in V8).
        let mut wp: [*const i8; C] = core::array::from_fn(|c| q[ws[c]..].as_ptr());
        for g in 0..groups {
            // The group's inputs end where `xip` reaches this (it counts the steps, so that the
            // loop keeps no index of its own).
            let end = xi[..R * ((g + 1) * GROUP).min(k8)].as_ptr_range().end;
            let mut acc = [[i32x4_splat(0); C]; R];
            while xip < end {
                // SAFETY: `xip` steps through `xi`'s R · k8 values, 8 · R at a time, and the
                // caller bounds every `ws[c] + group · k8`, which `wp[c]` reaches as `xip` does
                // the end of `xi`.
                let wv: [v128; C] = core::array::from_fn(|c| unsafe { i16x8_load_extend_i8x8(wp[c]) });
                for r in 0..R {
                    let xv = unsafe { v128_load(xip.add(8 * r) as *const v128) };
                    for c in 0..C {
                        acc[r][c] = i32x4_add(acc[r][c], i32x4_dot_i16x8(xv, wv[c]));
                    }
                }
                xip = unsafe { xip.add(8 * R) };
                wp = wp.map(|p| unsafe { p.add(8 * group) });
            }
            for v in 0..V {
                let a = |j: usize| acc[(4 * v + j) / C][(4 * v + j) % C];
                let sums = lane_sums(a(0), a(1), a(2), a(3));
                // SAFETY: g < groups(k); the caller bounds ss[c] + groups(k).
                let s = |j: usize| unsafe { *sp.add(ss[(4 * v + j) % C] + g) };
                let scale = f32x4(s(0), s(1), s(2), s(3));
                total[v] = f32x4_add(total[v], f32x4_mul(f32x4_convert_i32x4(sums), scale));
            }
        }
        let lanes: [[f32; 4]; V] = core::array::from_fn(|v| {
            [
                f32x4_extract_lane::<0>(total[v]),
                f32x4_extract_lane::<1>(total[v]),
                f32x4_extract_lane::<2>(total[v]),
                f32x4_extract_lane::<3>(total[v]),
            ]
        });
        core::array::from_fn(|r| core::array::from_fn(|c| lanes[(r * C + c) / 4][(r * C + c) % 4]))
    }

    /// The walk of `matmul::simd::tile`, over int8 blocks. Kept as its own copy on purpose:
    /// one walker shared through a generic closure made the component 1.7 KB larger, and shared
    /// through a function pointer it made V8 run the int8 products ~30% slower (Node 20,
    /// `jco-bindings/bench`), while wasmtime did not mind.
    ///
    /// `x` may hold a row of zeros beyond `out`'s rows (see `products`): its outputs are dropped.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn tile(
        xq: &Activations,
        rows: core::ops::Range<usize>,
        q: &[i8],
        scales: &[f32],
        k: usize,
        group: usize,
        out: &mut [f32],
    ) {
        const R: usize = BLOCK_ROWS;
        const C: usize = BLOCK_COLS;
        let n_out = q.len() / k;
        let (per_row, out_rows, k8) = (super::groups(k), out.len() / n_out, k & !7);
        // Pairs of weight rows (within a packed group, whose size is even), then the few left
        // (one in GPT-2's 50,257-row head, or the rows of a partial group) one output at a
        // time: fewer bytes of component than their own register blocks.
        let in_blocks = n_out - n_out % group.max(C);
        for n in (0..in_blocks).step_by(C) {
            let ws: [usize; C] = core::array::from_fn(|c| super::row_start(n + c, k, group));
            let ss: [usize; C] = core::array::from_fn(|c| (n + c) * per_row);
            let mut r = rows.start;
            while r + R <= rows.end {
                let xi = &xq.blocks[r * k8..(r + R) * k8];
                // SAFETY: rows r..r+R and outputs n..n+C exist (the caller checked shapes), and
                // `ws` follows the layout of `q`.
                let sums = unsafe { block::<R, C, { R * C / 4 }>(xi, q, ws, group, scales, ss, k) };
                let kept = R.min(out_rows - r);
                for i in 0..kept {
                    for c in 0..C {
                        out[(r + i) * n_out + n + c] = sums[i][c];
                    }
                }
                if k8 < k {
                    for i in 0..kept {
                        for c in 0..C {
                            let q_tail = &q[super::tail_start(n + c, k, n_out, group)..][..k - k8];
                            let x_tail = &xq.tails[(r + i) * (k - k8)..(r + i + 1) * (k - k8)];
                            let o = &mut out[(r + i) * n_out + n + c];
                            *o = super::add_product(*o, x_tail, q_tail, scales[ss[c] + per_row - 1]);
                        }
                    }
                }
                r += R;
            }
        }
        if in_blocks < n_out {
            let mut x = Vec::with_capacity(k);
            for r in rows.start..rows.end.min(out_rows) {
                xq.row(r, k, &mut x);
                for n in in_blocks..n_out {
                    let (weights, s) = (&q[n * k..(n + 1) * k], &scales[n * per_row..(n + 1) * per_row]);
                    out[r * n_out + n] = super::scalar::output(&x, weights, s);
                }
            }
        }
    }

    /// The register block: 4 activation rows (one interleaved stream) × 2 weight rows. 8
    /// accumulators, 4 + 2 operands and a product fit V8's 15 vector registers (the reason
    /// `matmul::simd`'s `LINEAR_COLS` gives), and a step needs 3 address adds instead of 6:
    /// ~5% faster than 2 × 4 over plain rows in Node 20. (The same change to the f32 kernel
    /// made it ~15% slower; f32 reads its weights as one stream instead, `linear_packed`.)
    const BLOCK_ROWS: usize = 4;
    const BLOCK_COLS: usize = 2;
    /// Rows per tile, as in `matmul::simd::linear_packed` (whose notes say why 32): with 16, a
    /// sentence of 17–32 tokens streamed each matrix twice; `gemm_bench`'s MiniLM pass of 19
    /// rows with weights from memory took 14.2–14.6 ms instead of 13.9–14.1, and GPT-2's
    /// 64-token c_fc 9.55–9.59 ms instead of 9.26–9.32 (Node 20, Zen 1 EPYC, alternating).
    const TILE_ROWS: usize = 32;
    /// Weight rows per block of a lone activation row: a packed group, or 8 rows as stored.
    /// With rows as stored and weights from memory (gemm_bench's GPT-2-small int8 decode pass,
    /// 2026-12-02, Xeon), one weight row at a time took 22–25 ms under wasmtime and 24 ms in
    /// Node 20, 4 rows 21–22 and 20, 8 rows 18–18.6 and 15.8, 16 rows 19.9 and 17.0: more
    /// weight streams in flight keep more of the memory bandwidth busy, until the block spills.
    const LONE_ROW_COLS: usize = super::PACK_ROWS;

    /// `NaN → 0`, clamped to `[-limit, limit]` and rounded, four lanes of `x · scale`: the
    /// operations of `super::round_to_int` (the clamp by `pmax`/`pmin`, the shift added and
    /// its bits taken off), so SIMD and scalar bodies give the same integers.
    #[inline(always)]
    pub(super) fn round(x: v128, scale: v128, limit: f32) -> v128 {
        let x = f32x4_mul(x, scale);
        let x = v128_and(x, f32x4_eq(x, x));
        let x = f32x4_pmin(f32x4_pmax(x, f32x4_splat(-limit)), f32x4_splat(limit));
        i32x4_sub(f32x4_add(x, f32x4_splat(super::ROUNDING_SHIFT)), i32x4_splat(super::ROUNDING_SHIFT_BITS))
    }

    /// Activation rows quantized as `super::quantize_activations` quantizes them, value for
    /// value, but written straight into the layout the blocks read: two passes over each row
    /// (its largest `|x · c|`, then the rounded values to their places) where the plain rows
    /// took up to five (the column scales, the maximum, the rounding, the blocks' copy and a
    /// padding row's copy). Node 20, Zen 1 EPYC, alternating: `gemm_bench`'s 19-token int8
    /// pass 14.13–14.25 → 13.77–14.10 ms; `packages-ab.mjs` int8 in both orders, single
    /// sentences 0.99 of the time before, a batch 0.99, 256 tokens 0.99–1.00; the same
    /// embeddings.
    pub struct Activations {
        /// Rows `0..full` by blocks of [`BLOCK_ROWS`], their first `k & !7` values 8 at a
        /// time, row after row (the layout of [`crate::interleave_rows`]); a padding row
        /// (`full` = rows + 1) is zeros.
        blocks: Vec<i16>,
        /// The last `k % 8` values of rows `0..full`, row after row.
        tails: Vec<i16>,
        /// Rows `full..`, `k` values each.
        pub(super) lone: Vec<i16>,
        pub(super) full: usize,
        /// One per row: a row's values are `x · c / scale`, rounded.
        pub scales: Vec<f32>,
    }

    impl Activations {
        pub fn quantize(x: &[f32], k: usize, column_scales: &[f32]) -> Activations {
            assert!(k > 0 && (column_scales.is_empty() || column_scales.len() == k), "quantize: inconsistent shapes");
            const R: usize = BLOCK_ROWS;
            let (rows, k8) = (x.len() / k, k & !7);
            // Three rows past the last whole block take longer one at a time (`lone_row`, ~1.5
            // block rows' time each in V8: 21 rows ran 0.392 ms, 24 rows 0.437) than as one
            // more block with a row of zeros (23 rows 0.436). One or two leftover rows do not
            // gain.
            let full = if rows % R == R - 1 { rows + 1 } else { rows - rows % R };
            let ones;
            let c = if column_scales.is_empty() {
                ones = alloc::vec![1.0f32; k];
                &ones[..]
            } else {
                column_scales
            };
            let mut xq = Activations {
                blocks: alloc::vec![0; full * k8],
                tails: alloc::vec![0; full * (k - k8)],
                lone: alloc::vec![0; rows.saturating_sub(full) * k],
                full,
                scales: Vec::with_capacity(rows),
            };
            let limit = super::ACTIVATION_LIMIT as f32;
            for (r, row) in x.chunks_exact(k).enumerate() {
                // As `super::max_abs` of the products (NaN ignored).
                let max =
                    crate::math::simd::max_of_pairs(row, c, |v, c| f32x4_abs(f32x4_mul(v, c)), |v, c| (v * c).abs());
                let (inverse, scale) = super::activation_scales(max);
                xq.scales.push(scale);
                let (body, step, tail) = if r < full {
                    let block = &mut xq.blocks[(r - r % R) * k8..(r - r % R + R) * k8];
                    (&mut block[8 * (r % R)..], 8 * R, &mut xq.tails[r * (k - k8)..(r + 1) * (k - k8)])
                } else {
                    let (body, tail) = xq.lone[(r - full) * k..(r - full + 1) * k].split_at_mut(k8);
                    (body, 8, tail)
                };
                let scale = f32x4_splat(inverse);
                for (i, at) in (0..k8).step_by(8).zip((0..).step_by(step)) {
                    // SAFETY: `row` and `c` hold k ≥ i + 8 floats; v128 loads need no alignment.
                    let four = |j: usize| unsafe {
                        let x = f32x4_mul(
                            v128_load(row.as_ptr().add(j) as *const v128),
                            v128_load(c.as_ptr().add(j) as *const v128),
                        );
                        round(x, scale, limit)
                    };
                    let eight = i16x8_narrow_i32x4(four(i), four(i + 4));
                    // The row's last piece begins 8 values or more before the end of `body`.
                    // SAFETY: the slice holds 8 values, 16 bytes; v128 stores need no alignment.
                    unsafe { v128_store(body[at..at + 8].as_mut_ptr() as *mut v128, eight) };
                }
                for ((t, &v), &cv) in tail.iter_mut().zip(&row[k8..]).zip(&c[k8..]) {
                    *t = super::round_to_int(v * cv * inverse, limit) as i16;
                }
            }
            xq
        }

        /// Row `r` (below `full`) as stored, into `x`.
        pub(super) fn row(&self, r: usize, k: usize, x: &mut Vec<i16>) {
            const R: usize = BLOCK_ROWS;
            let k8 = k & !7;
            x.clear();
            let block = &self.blocks[(r - r % R) * k8..(r - r % R + R) * k8];
            for step in block.chunks_exact(8 * R) {
                x.extend_from_slice(&step[8 * (r % R)..8 * (r % R) + 8]);
            }
            x.extend_from_slice(&self.tails[r * (k - k8)..(r + 1) * (k - k8)]);
        }
    }

    /// The products of `scalar::products`, of activations `xq`. `packed`: `q` is in the layout
    /// of `super::pack_rows`.
    pub fn products(xq: &Activations, q: &[i8], scales: &[f32], k: usize, packed: bool, out: &mut [f32]) {
        let rows = xq.scales.len();
        let group = super::group_rows(packed);
        let mut start = 0;
        while start < xq.full {
            let end = (start + TILE_ROWS).min(xq.full);
            tile(xq, start..end, q, scales, k, group, out);
            start = end;
        }
        let n_out = q.len() / k;
        for (r, x) in (xq.full..rows).zip(xq.lone.chunks_exact(k)) {
            lone_row(x, q, scales, k, group, &mut out[r * n_out..(r + 1) * n_out]);
        }
    }

    /// One activation row (decoding, or a row left over by the blocks) against
    /// [`LONE_ROW_COLS`] weight rows at a time (`block::<1, 8, 2>`; one row needs no
    /// interleaving), then the few rows left one output at a time, as `tile` does.
    fn lone_row(x: &[i16], q: &[i8], scales: &[f32], k: usize, group: usize, out: &mut [f32]) {
        const C: usize = LONE_ROW_COLS;
        let (n_out, per_row, k8) = (q.len() / k, super::groups(k), k & !7);
        let in_blocks = n_out - n_out % C;
        for n in (0..in_blocks).step_by(C) {
            let ws: [usize; C] = core::array::from_fn(|c| super::row_start(n + c, k, group));
            let ss: [usize; C] = core::array::from_fn(|c| (n + c) * per_row);
            // SAFETY: rows n..n + C exist, at `ws` in the layout of `q`; `x` holds k ≥ k8 values.
            let sums = unsafe { block::<1, C, { C / 4 }>(x, q, ws, group, scales, ss, k) };
            for c in 0..C {
                out[n + c] = if k8 < k {
                    let q_tail = &q[super::tail_start(n + c, k, n_out, group)..][..k - k8];
                    super::add_product(sums[0][c], &x[k8..], q_tail, scales[(n + c + 1) * per_row - 1])
                } else {
                    sums[0][c]
                };
            }
        }
        for n in in_blocks..n_out {
            let s = &scales[n * per_row..(n + 1) * per_row];
            out[n] = super::scalar::output(x, &q[n * k..(n + 1) * k], s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    #[test]
    fn a_group_of_extreme_products_sums_below_two_to_the_31() {
        assert!(GROUP as i64 * 127 * ACTIVATION_LIMIT as i64 <= i32::MAX as i64);
        // Every activation and weight at its extreme, k with a partial last group and a tail.
        let k = 2 * GROUP + 13;
        let (x, q) = (vec![ACTIVATION_LIMIT as i16; 2 * k], vec![-127i8; 3 * k]);
        let (mut s, expected) = (vec![0.0; 6], (k as f32) * (ACTIVATION_LIMIT as f32) * -127.0);
        scalar::products(&x, &q, &vec![1.0; 3 * groups(k)], k, false, &mut s);
        assert!(s.iter().all(|&v| ((v - expected) / expected).abs() < 1e-6), "{s:?} vs {expected}");
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            // 1.0 in every column quantizes to the limit.
            let xq = simd::Activations::quantize(&vec![1.0; 2 * k], k, &[]);
            let mut v = vec![0.0; 6];
            simd::products(&xq, &q, &vec![1.0; 3 * groups(k)], k, false, &mut v);
            assert_eq!(s, v);
        }
    }

    /// The float product of `x: [rows][k]` and `w: [n][k]`, in f64.
    fn exact(x: &[f32], w: &[f32], b: &[f32], k: usize, r: usize, j: usize) -> f64 {
        (0..k).map(|i| x[r * k + i] as f64 * w[j * k + i] as f64).sum::<f64>() + b[j] as f64
    }

    #[test]
    fn quantized_product_is_close_to_the_float_product() {
        for (rows, k, n) in [(1, 8, 1), (3, 37, 5), (5, 384, 9), (2, 300, 4), (2, 3072, 3)] {
            let x = values(rows * k, 11, 1.0);
            let w = values(n * k, 12, 0.1);
            let b = values(n, 13, 1.0);
            let mut parts = quantize_matrix(&w, k);
            let mut out = vec![0.0; rows * n];
            linear_q8(&x, parts.matrix(k), Some(&b), &mut out);
            let mut packed_out = vec![0.0; rows * n];
            pack_rows(&mut parts.values, k);
            parts.packed = true;
            linear_q8(&x, parts.matrix(k), Some(&b), &mut packed_out);
            assert_eq!(packed_out, out, "packed ({rows},{k},{n})");
            for r in 0..rows {
                for j in 0..n {
                    // A weight moves by at most half a step, c · s / 2 ≤ max|w| / 254 (the
                    // column scale c is at most the square root of the column's largest weight,
                    // the step s of w / c at most its square root over 127); an activation by
                    // far less. Summed over k they stay far below this.
                    let bound = 0.1 / 127.0 * k as f64 * 0.5 + 1e-3;
                    let got = out[r * n + j] as f64;
                    assert!((got - exact(&x, &w, &b, k, r, j)).abs() < bound, "({rows},{k},{n}) [{r},{j}]");
                }
            }
        }
    }

    #[test]
    fn each_group_of_a_row_has_its_largest_weight_at_127_after_the_column_scales() {
        // Column 1 holds the outlier weights; k = 300: groups of 128, 128 and 44.
        let (n, k) = (3, 300);
        let mut w = values(n * k, 31, 0.05);
        for row in 0..n {
            w[row * k + 1] = 4.0 * (row as f32 + 1.0);
        }
        let parts = quantize_matrix(&w, k);
        assert_eq!((parts.values.len(), parts.scales.len(), parts.column_scales.len()), (n * k, 3 * n, k));
        assert_eq!(parts.column_scales[1], sqrt_f32(12.0));
        for (row, (q, s)) in parts.values.chunks_exact(k).zip(parts.scales.chunks_exact(3)).enumerate() {
            for (g, group) in q.chunks(GROUP).enumerate() {
                assert_eq!(group.iter().map(|v| v.unsigned_abs()).max(), Some(127), "row {row} group {g}");
            }
            for (i, &v) in q.iter().enumerate() {
                let back = v as f32 * s[i / GROUP] * parts.column_scales[i];
                let half_step = s[i / GROUP] * parts.column_scales[i] / 2.0;
                assert!((back - w[row * k + i]).abs() <= half_step * 1.0001, "[{row}][{i}]");
            }
        }
        // An all-zero matrix: unit scales, zero values, no NaN.
        let zero = quantize_matrix(&[0.0; 16], 8);
        assert!(zero.values.iter().all(|&v| v == 0) && zero.scales == [1.0, 1.0] && zero.column_scales == [1.0; 8]);
    }

    #[test]
    fn column_helpers_equal_plain_loops_on_odd_lengths_and_nans() {
        let a = values(37, 3, 2.0);
        let mut b = values(37, 4, 2.0);
        b[5] = f32::NAN;
        let mut product = vec![0.0; 37];
        multiply_into(&mut product, &a, &b);
        for i in 0..37 {
            assert!(product[i].to_bits() == (a[i] * b[i]).to_bits() || (i == 5 && product[i].is_nan()), "{i}");
        }
        let before: Vec<f32> = values(37, 5, 1.0).iter().map(|v| v.abs()).collect();
        let mut maxima = before.clone();
        max_abs_into(&mut maxima, &b);
        for i in 0..37 {
            assert_eq!(maxima[i], if before[i] < b[i].abs() { b[i].abs() } else { before[i] }, "{i}");
        }
    }

    #[test]
    fn pack_rows_interleaves_groups_of_eight_rows_eight_values_at_a_time() {
        // 9 rows of k = 10: row r holds 10r + column (as i8). One group of 8 rows: their
        // values 0–7 side by side, then their 2-value tails; row 8 stays as it was.
        let mut q: Vec<i8> = (0..90).map(|v| v as i8).collect();
        pack_rows(&mut q, 10);
        let mut expected: Vec<i8> = (0..8).flat_map(|r| (0..8).map(move |c| (10 * r + c) as i8)).collect();
        expected.extend((0..8).flat_map(|r| [10 * r + 8, 10 * r + 9].map(|v| v as i8)));
        expected.extend(80..90);
        assert_eq!(q, expected);
        assert_eq!([0, 7, 8].map(|n| tail_start(n, 10, 9, PACK_ROWS)), [64, 78, 88]);
        assert_eq!([0, 7, 8].map(|n| row_start(n, 10, PACK_ROWS)), [0, 56, 80]);
        assert_eq!([0, 7, 8].map(|n| (row_start(n, 10, 1), tail_start(n, 10, 9, 1))), [(0, 8), (70, 78), (80, 88)]);
    }

    #[test]
    fn a_matrix_has_one_scale_per_128_inputs_of_each_row() {
        assert_eq!((groups(1), groups(128), groups(129), groups(384), groups(1536)), (1, 1, 2, 3, 12));
        let values = [0i8; 24];
        let consistent = |scales: &[f32], column_scales: &[f32], k| {
            Int8Matrix { values: &values, scales, column_scales, k, packed: false }.is_consistent()
        };
        assert!(consistent(&[1.0; 3], &[], 8) && consistent(&[1.0; 3], &[1.0; 8], 8));
        assert!(
            !consistent(&[1.0; 6], &[], 8) && !consistent(&[1.0; 3], &[1.0; 7], 8) && !consistent(&[1.0; 3], &[], 0)
        );
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_body_equals_scalar_body_bit_for_bit() {
        // Shapes reach: a lone row (`lone_row`: blocks of 8 outputs, the last one partial), one
        // or two rows beyond the 4-row blocks (`lone_row`), three (a block padded with a row of
        // zeros), an odd last output,
        // partial last groups (300), a last group in the tail alone (260), k % 8 tails (37),
        // and scales that differ between outputs and groups in every lane (`uneven`).
        for (rows, k, n, uneven) in [
            (1, 3, 1, false),
            (7, 37, 13, false),
            (8, 64, 8, false),
            (5, 384, 6, false),
            (1, 3072, 5, false),
            (9, 16, 7, false),
            (70, 24, 7, false),
            (33, 8, 5, false),
            (2, 8, 4, false),
            (6, 300, 5, false),
            (5, 260, 3, false),
            (1, 260, 3, false),
            (9, 1536, 3, false),
            (6, 300, 5, true),
            (1, 300, 5, true),
            (4, 37, 3, true),
            (5, 260, 3, true),
            (9, 1536, 3, true),
            (3, 64, 5, false),
            (11, 300, 7, true),
            (3, 37, 3, false),
            (1, 300, 19, true),
            (2, 37, 17, false),
            (1, 260, 8, false),
            (6, 1536, 9, true),
        ] {
            let x = values(rows * k, 6, 2.0);
            let w = values(n * k, 7, 2.0);
            let mut parts = quantize_matrix(&w, k);
            if uneven {
                parts.scales = values(parts.scales.len(), 8, 0.01);
            }
            let mut xq = Vec::new();
            quantize_activations(&x, k, &parts.column_scales, &mut xq);
            let in_blocks = simd::Activations::quantize(&x, k, &parts.column_scales);
            let (mut s, mut v) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            scalar::products(&xq, &parts.values, &parts.scales, k, false, &mut s);
            simd::products(&in_blocks, &parts.values, &parts.scales, k, false, &mut v);
            assert_eq!(s, v, "({rows},{k},{n}, uneven scales: {uneven})");
            assert!(s.iter().all(|o| o.is_finite() && *o != 0.0));
            // The packed layout: the same bits from both bodies.
            pack_rows(&mut parts.values, k);
            let (mut sp, mut vp) = (vec![0.0; rows * n], vec![0.0; rows * n]);
            scalar::products(&xq, &parts.values, &parts.scales, k, true, &mut sp);
            simd::products(&in_blocks, &parts.values, &parts.scales, k, true, &mut vp);
            assert_eq!((&sp, &vp), (&s, &s), "packed ({rows},{k},{n}, uneven scales: {uneven})");
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn activations_in_blocks_hold_the_values_and_scales_of_quantize_activations() {
        // Rows 0 to 3 past whole blocks (3: a padding row of zeros), k % 8 tails, no column
        // scales; a row with a NaN, one of zeros and one too small for its inverse to be finite.
        for (rows, k, scaled) in
            [(1, 8, true), (2, 37, true), (3, 16, false), (4, 300, true), (7, 13, false), (9, 384, true)]
        {
            let mut x = values(rows * k, 9, 3.0);
            x[k / 2] = f32::NAN;
            if rows > 3 {
                x[k..2 * k].fill(0.0);
                x[2 * k..3 * k].iter_mut().for_each(|v| *v *= 1e-38);
            }
            let c = if scaled { values(k, 10, 1.0).iter().map(|v| v.abs() + 0.5).collect() } else { Vec::new() };
            let mut plain = Vec::new();
            let scales = quantize_activations(&x, k, &c, &mut plain);
            let xq = simd::Activations::quantize(&x, k, &c);
            assert_eq!(xq.scales, scales, "({rows}, {k})");
            let mut row = Vec::new();
            for (r, expected) in plain.chunks_exact(k).enumerate() {
                let got = if r < xq.full {
                    xq.row(r, k, &mut row);
                    &row[..]
                } else {
                    &xq.lone[(r - xq.full) * k..][..k]
                };
                assert_eq!(got, expected, "row {r} of ({rows}, {k})");
            }
            if xq.full > rows {
                xq.row(rows, k, &mut row);
                assert!(row.iter().all(|&v| v == 0), "the padding row of ({rows}, {k})");
            }
        }
    }

    #[test]
    fn rounding_of_both_bodies_matches_round_to_int_on_ties_signs_and_extremes() {
        let mut row = values(37, 5, 3.0);
        row.extend([0.5, -0.5, 1.5, -1.5, 2.5, -2.5, -0.0, 0.0, f32::NAN, 1e12, -1e12, 126.5, -127.49]);
        let (mut narrow, mut wide): (Vec<i8>, Vec<i16>) = (Vec::new(), Vec::new());
        push_rounded(&row, 1.0, &mut narrow);
        push_rounded(&row, 1.0, &mut wide);
        let rounded = |limit| row.iter().map(move |&v| round_to_int(v, limit));
        assert_eq!(narrow, rounded(127.0).map(|v| v as i8).collect::<Vec<_>>());
        assert_eq!(wide, rounded(32767.0).map(|v| v as i16).collect::<Vec<_>>());
        // Ties to even; NaN to 0; beyond the limit, the limit.
        assert_eq!(rounded(127.0).skip(37).collect::<Vec<_>>(), [0, 0, 2, -2, 2, -2, 0, 0, 0, 127, -127, 126, -127]);
        assert_eq!(rounded(32767.0).skip(46).take(2).collect::<Vec<_>>(), [32767, -32767]);
        let finite: Vec<f32> = row.iter().copied().filter(|v| !v.is_nan()).collect();
        assert_eq!(max_abs(&row), finite.iter().fold(0.0f32, |m, v| m.max(v.abs())));
        for n in 0..row.len() {
            let finite = row[..n].iter().filter(|v| !v.is_nan());
            assert_eq!(max_abs(&row[..n]), finite.fold(f32::NEG_INFINITY, |m, v| m.max(v.abs())), "{n} values");
        }
    }
}
