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

/// The first `k - k % WIDTH` values of each row of `x[..rows · k]`, in blocks of `r` rows with
/// `WIDTH` values of each row in turn: `[block][k / WIDTH][r][WIDTH]`. A register block then
/// reads its `r` rows as one stream at constant offsets (see [`pack_groups`]).
///
/// The pieces are copied as arrays of a size known when compiling. Copied as slices of a
/// length known only at run time, whether each 16-byte piece became a `memory.copy` (which
/// V8 runs as a call into the engine) depended on the build: the component's own profile ran
/// as fast either way, but `gemm_bench --release` spent ~70 µs of a 23 × 384 × 384 product
/// interleaving, as long as 85 of its 384 outputs (Node 20, Zen 1 EPYC), which understated
/// the kernels' efficiency.
pub fn interleave_rows<T: Copy + Default, const WIDTH: usize>(
    x: &[T],
    rows: usize,
    k: usize,
    r: usize,
) -> alloc::vec::Vec<T> {
    let full = k - k % WIDTH;
    let mut out = alloc::vec![T::default(); rows * full];
    let (pieces, _) = out.as_chunks_mut::<WIDTH>();
    let mut pieces = pieces.iter_mut();
    for block in x[..rows * k].chunks_exact(r * k) {
        for i in (0..full).step_by(WIDTH) {
            for (row, piece) in block.chunks_exact(k).zip(&mut pieces) {
                if let Some(values) = row[i..].first_chunk::<WIDTH>() {
                    *piece = *values;
                }
            }
        }
    }
    out
}

/// Reorders `w: [n][k]` in place so that each full group of `rows` rows becomes
/// `[k / width][rows][width]` (the rows' values `width` at a time, side by side) followed by
/// the rows' `k % width` tails, one row after another; the last `n % rows` rows stay as they
/// were. A register block then reads a group's rows as one stream at constant offsets, which
/// `wasm-opt --low-memory-unused` folds into the loads, instead of one stream (and one address
/// add per load) per row. Only places change, and no memory is needed beyond one group's.
/// `matmul::pack_rows` (f32, 4 × 4) and `quant::pack_rows` (int8, 8 × 8) are this.
pub fn pack_groups<T: Copy, const WIDTH: usize>(w: &mut [T], k: usize, rows: usize) {
    regroup::<T, WIDTH>(w, k, rows, true);
}

/// Undoes [`pack_groups`] with the same `k`, `rows` and `WIDTH`.
pub fn unpack_groups<T: Copy, const WIDTH: usize>(w: &mut [T], k: usize, rows: usize) {
    regroup::<T, WIDTH>(w, k, rows, false);
}

/// Both directions in one body: `pack` moves each row's piece to its packed place, otherwise
/// back (one function per element type instead of two: the component is size-bound). `WIDTH`
/// is a constant so that each piece is copied as one load and store, not a `memcpy` call.
#[inline(never)]
fn regroup<T: Copy, const WIDTH: usize>(w: &mut [T], k: usize, rows: usize, pack: bool) {
    if k == 0 || rows == 0 {
        return; // no values to move (and no chunks of zero length)
    }
    let full = k - k % WIDTH;
    let mut copy = alloc::vec::Vec::with_capacity(rows * k);
    for group in w.chunks_exact_mut(rows * k) {
        copy.clear();
        copy.extend_from_slice(group);
        let mut packed_at = 0;
        for i in (0..full).step_by(WIDTH) {
            for r in 0..rows {
                let stored_at = r * k + i;
                let (to, from) = if pack { (packed_at, stored_at) } else { (stored_at, packed_at) };
                group[to..to + WIDTH].copy_from_slice(&copy[from..from + WIDTH]);
                packed_at += WIDTH;
            }
        }
        for r in 0..rows {
            let stored_at = r * k + full;
            let (to, from) = if pack { (packed_at, stored_at) } else { (stored_at, packed_at) };
            group[to..to + k - full].copy_from_slice(&copy[from..from + k - full]);
            packed_at += k - full;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleave_rows_puts_width_values_of_each_row_of_a_block_in_turn() {
        // 5 rows of k = 10, blocks of 2 rows, 4 values at a time: the fifth row (no whole
        // block) and each row's last 2 values (no whole piece) are left out.
        let x: Vec<u32> = (0..50).collect();
        let out = interleave_rows::<_, 4>(&x, 4, 10, 2);
        let piece = |row: u32, i: u32| (0..4).map(move |j| 10 * row + i + j);
        let expected: Vec<u32> = [(0, 1), (2, 3)]
            .into_iter()
            .flat_map(|(a, b)| [0, 4].into_iter().flat_map(move |i| piece(a, i).chain(piece(b, i))))
            .collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn unpack_groups_undoes_pack_groups_for_every_shape_and_group() {
        fn round_trip<const WIDTH: usize>(n: usize, k: usize, rows: usize) {
            let stored: Vec<u32> = (0..(n * k) as u32).collect();
            let mut w = stored.clone();
            pack_groups::<_, WIDTH>(&mut w, k, rows);
            if n >= rows && k > WIDTH {
                assert_ne!(w, stored, "({n},{k}) should move");
            }
            unpack_groups::<_, WIDTH>(&mut w, k, rows);
            assert_eq!(w, stored, "({n},{k},{rows},{WIDTH})");
        }
        for (n, k) in [(5, 5), (13, 37), (4, 4), (3, 0)] {
            round_trip::<4>(n, k, 4);
        }
        for (n, k) in [(9, 11), (16, 8), (7, 3), (3, 0), (17, 300)] {
            round_trip::<8>(n, k, 8);
        }
    }
}
