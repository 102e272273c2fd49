//! Layer normalisations over rows of `width` values, in place.

use crate::math;

/// `nn.LayerNorm`: (x − mean) / sqrt(var + eps) · γ + β, biased variance.
pub fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    assert!(width > 0 && beta.len() == width && x.len().is_multiple_of(width), "layer_norm: inconsistent shapes");
    for row in x.chunks_exact_mut(width) {
        let mean = row_sum(row, None) / width as f32;
        let var = row_sum(row, Some(mean)) / width as f32;
        let inv = 1.0 / math::sqrt_f32(var + eps);
        scale_shift(row, mean, inv, gamma, Some(beta));
    }
}

/// T5's `T5LayerNorm` (RMS norm): γ · (x / sqrt(mean(x²) + eps)), no mean, no bias.
pub fn rms_norm(x: &mut [f32], gamma: &[f32], eps: f32) {
    let width = gamma.len();
    assert!(width > 0 && x.len().is_multiple_of(width), "rms_norm: inconsistent shapes");
    for row in x.chunks_exact_mut(width) {
        let var = row_sum(row, Some(0.0)) / width as f32;
        let inv = 1.0 / math::sqrt_f32(var + eps);
        scale_shift(row, 0.0, inv, gamma, None);
    }
}

/// Σx, or Σ(x − c)² when `centre` is given.
fn row_sum(row: &[f32], centre: Option<f32>) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        match centre {
            None => math::simd::lane_sum(row, |v| v, |v| v),
            Some(c) => {
                let cv = f32x4_splat(c);
                math::simd::lane_sum(
                    row,
                    |v| {
                        let d = f32x4_sub(v, cv);
                        f32x4_mul(d, d)
                    },
                    |v| (v - c) * (v - c),
                )
            }
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    match centre {
        None => math::lane_sum(row, |v| v),
        Some(c) => math::lane_sum(row, |v| (v - c) * (v - c)),
    }
}

/// row[i] = (row[i] − centre) · inv · γ[i] (+ β[i]).
fn scale_shift(row: &mut [f32], centre: f32, inv: f32, gamma: &[f32], beta: Option<&[f32]>) {
    // Scalar on purpose: LayerNorm is a small share of the time, and one body
    // cannot disagree with itself.
    for (i, v) in row.iter_mut().enumerate() {
        let y = (*v - centre) * inv * gamma[i];
        *v = match beta {
            Some(b) => y + b[i],
            None => y,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    #[test]
    fn layer_norm_matches_a_float64_reference() {
        for width in [1, 3, 8, 37, 384] {
            let x = values(width * 3, width as u32, 5.0);
            let g = values(width, 1, 1.0);
            let b = values(width, 2, 1.0);
            let mut y = x.clone();
            layer_norm(&mut y, &g, &b, 1e-12);
            for (row_x, row_y) in x.chunks(width).zip(y.chunks(width)) {
                let mean = row_x.iter().map(|&v| v as f64).sum::<f64>() / width as f64;
                let var = row_x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / width as f64;
                for i in 0..width {
                    let exact = (row_x[i] as f64 - mean) / (var + 1e-12).sqrt() * g[i] as f64 + b[i] as f64;
                    assert!((row_y[i] as f64 - exact).abs() < 2e-5 * (1.0 + exact.abs()), "width {width}");
                }
            }
        }
    }

    #[test]
    fn rms_norm_matches_a_float64_reference() {
        let x = values(64, 3, 4.0);
        let g = values(32, 4, 1.0);
        let mut y = x.clone();
        rms_norm(&mut y, &g, 1e-6);
        for (row_x, row_y) in x.chunks(32).zip(y.chunks(32)) {
            let ms = row_x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / 32.0;
            for i in 0..32 {
                let exact = row_x[i] as f64 / (ms + 1e-6).sqrt() * g[i] as f64;
                assert!((row_y[i] as f64 - exact).abs() < 1e-5);
            }
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_row_sums_equal_scalar_lane_sums_bit_for_bit() {
        for n in [1, 4, 7, 384, 1001] {
            let x = values(n, 5, 3.0);
            assert_eq!(row_sum(&x, None).to_bits(), math::lane_sum(&x, |v| v).to_bits());
            assert_eq!(row_sum(&x, Some(0.25)).to_bits(), math::lane_sum(&x, |v| (v - 0.25) * (v - 0.25)).to_bits());
        }
    }
}
