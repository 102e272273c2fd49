//! Softmax over one row, as `torch.softmax`: subtract the maximum, exponentiate, divide by the sum.

use crate::math;

/// For classification heads' few labels; attention takes [`exponentials`] and divides its
/// outputs instead.
pub fn softmax(row: &mut [f32]) {
    let sum = exponentials(row);
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// A softmax short of its division: the exponentials of `row` less its maximum, in place, and
/// their sum. Attention divides its `head_dim` outputs by the sum instead of the `keys`
/// probabilities.
pub fn exponentials(row: &mut [f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        // Two passes, not three: the sum is taken as the exponentials are written (in
        // `lane_sum`'s order, so the scalar body's bits), and the maximum four lanes at a time
        // (one comparison per value in a dependent chain took as long as the exponentials).
        let max = math::simd::max(row);
        let m = f32x4_splat(max);
        let k = math::simd::Exp::load();
        math::simd::map_sum_in_place(row, |v| math::simd::exp(f32x4_sub(v, m), &k), |v| math::exp(v - max))
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar_exponentials(row, math::max(row.iter().copied()))
}

#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
fn scalar_exponentials(row: &mut [f32], max: f32) -> f32 {
    for v in row.iter_mut() {
        *v = math::exp(*v - max);
    }
    math::lane_sum(row, |v| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    #[test]
    fn softmax_matches_a_float64_reference_and_sums_to_one() {
        for n in [1, 3, 4, 17, 128] {
            let x = values(n, n as u32, 20.0);
            let mut y = x.clone();
            softmax(&mut y);
            let max = x.iter().copied().fold(f64::NEG_INFINITY, |m, v| m.max(v as f64));
            let total: f64 = x.iter().map(|&v| (v as f64 - max).exp()).sum();
            for (a, b) in x.iter().zip(&y) {
                assert!(((*a as f64 - max).exp() / total - *b as f64).abs() < 1e-6);
            }
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_body_equals_scalar_body_bit_for_bit() {
        for n in [1, 5, 8, 23, 256] {
            let x = values(n, 9, 30.0);
            let (mut a, mut b) = (x.clone(), x.clone());
            let sums = (
                exponentials(&mut a),
                scalar_exponentials(&mut b, x.iter().copied().fold(f32::NEG_INFINITY, f32::max)),
            );
            assert_eq!((a, sums.0), (b, sums.1));
        }
    }
}
