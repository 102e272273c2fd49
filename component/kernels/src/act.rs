//! Activation functions, in place, chosen by the name a checkpoint's config gives.

use crate::math;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `gelu`: x · Φ(x) with the exact erf.
    Gelu,
    /// `gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`: the tanh approximation.
    GeluTanh,
    Relu,
    /// `silu` / `swish`.
    Silu,
}

impl Activation {
    /// The activation a config names (`hidden_act`, `activation`, `dense_act_fn`), if implemented.
    pub fn from_name(name: &str) -> Option<Activation> {
        Some(match name {
            "gelu" => Activation::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
            "relu" => Activation::Relu,
            "silu" | "swish" => Activation::Silu,
            _ => return None,
        })
    }

    pub fn apply(self, x: &mut [f32]) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            use math::simd::{Erf, Exp, Tanh, map_in_place, opaque};
            let scalar = scalar_fn(self);
            // The constants are built here, outside the loop (see `math::simd::opaque`).
            match self {
                Activation::Gelu => {
                    let (k, half, frac_1_sqrt_2) = (Erf::load(), opaque(0.5), opaque(core::f32::consts::FRAC_1_SQRT_2));
                    map_in_place(x, |v| simd::gelu(v, &k, half, frac_1_sqrt_2), scalar)
                }
                Activation::GeluTanh => {
                    let (k, half, sqrt_2_over_pi, cubic) =
                        (Tanh::load(), opaque(0.5), opaque(SQRT_2_OVER_PI), opaque(GELU_TANH_CUBIC));
                    map_in_place(x, |v| simd::gelu_tanh(v, &k, half, sqrt_2_over_pi, cubic), scalar)
                }
                Activation::Relu => map_in_place(x, simd::relu, scalar),
                Activation::Silu => {
                    let k = Exp::load();
                    map_in_place(x, |v| simd::silu(v, &k), scalar)
                }
            }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            let f = scalar_fn(self);
            for v in x.iter_mut() {
                *v = f(*v);
            }
        }
    }
}

fn scalar_fn(activation: Activation) -> fn(f32) -> f32 {
    match activation {
        Activation::Gelu => gelu,
        Activation::GeluTanh => gelu_tanh,
        Activation::Relu => relu,
        Activation::Silu => silu,
    }
}

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_TANH_CUBIC: f32 = 0.044_715;

fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + math::erf(x * core::f32::consts::FRAC_1_SQRT_2))
}

fn gelu_tanh(x: f32) -> f32 {
    0.5 * x * (1.0 + math::tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * (x * x * x))))
}

fn relu(x: f32) -> f32 {
    // max(x, 0) as torch.relu: NaN stays NaN, -0.0 becomes 0.0.
    if x > 0.0 || x.is_nan() { x } else { 0.0 }
}

fn silu(x: f32) -> f32 {
    x / (1.0 + math::exp(-x))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use crate::math::simd as m;
    use core::arch::wasm32::*;

    #[inline(always)]
    pub fn gelu(x: v128, k: &m::Erf, half: v128, frac_1_sqrt_2: v128) -> v128 {
        let half_x = f32x4_mul(half, x);
        let e = m::erf(f32x4_mul(x, frac_1_sqrt_2), k);
        f32x4_mul(half_x, f32x4_add(k.exp.one, e))
    }

    #[inline(always)]
    pub fn gelu_tanh(x: v128, k: &m::Tanh, half: v128, sqrt_2_over_pi: v128, cubic: v128) -> v128 {
        let half_x = f32x4_mul(half, x);
        let cube = f32x4_mul(f32x4_mul(x, x), x);
        let inner = f32x4_mul(sqrt_2_over_pi, f32x4_add(x, f32x4_mul(cubic, cube)));
        f32x4_mul(half_x, f32x4_add(k.exp.one, m::tanh(inner, k)))
    }

    pub fn relu(x: v128) -> v128 {
        // Keep lanes that are > 0 or NaN (x != x), zero the rest: the scalar rule exactly.
        let keep = v128_or(f32x4_gt(x, f32x4_splat(0.0)), f32x4_ne(x, x));
        v128_and(x, keep)
    }

    #[inline(always)]
    pub fn silu(x: v128, k: &m::Exp) -> v128 {
        f32x4_div(x, f32x4_add(k.one, m::exp(f32x4_neg(x), k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{erf64, values};

    #[test]
    fn activations_match_their_float64_definitions() {
        let x = values(2000, 11, 8.0);
        for (act, exact) in [
            (Activation::Gelu, (|v: f64| 0.5 * v * (1.0 + erf64(v / 2f64.sqrt()))) as fn(f64) -> f64),
            (Activation::GeluTanh, |v| {
                0.5 * v * (1.0 + ((2.0 / core::f64::consts::PI).sqrt() * (v + 0.044715 * v * v * v)).tanh())
            }),
            (Activation::Relu, |v| v.max(0.0)),
            (Activation::Silu, |v| v / (1.0 + (-v).exp())),
        ] {
            let mut y = x.clone();
            act.apply(&mut y);
            for (a, b) in x.iter().zip(&y) {
                assert!((exact(*a as f64) - *b as f64).abs() < 2e-6 * (1.0 + a.abs() as f64), "{act:?}({a})");
            }
        }
    }

    #[test]
    fn unknown_activation_names_are_not_guessed() {
        assert_eq!(Activation::from_name("mish"), None);
        assert_eq!(Activation::from_name("gelu_new"), Some(Activation::GeluTanh));
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_bodies_equal_scalar_bodies_bit_for_bit() {
        let mut x = values(1001, 12, 10.0);
        x.extend([0.0, -0.0, f32::NAN, 1e-30]);
        for act in [Activation::Gelu, Activation::GeluTanh, Activation::Relu, Activation::Silu] {
            let mut y = x.clone();
            act.apply(&mut y);
            let f = scalar_fn(act);
            for (a, b) in x.iter().zip(&y) {
                assert_eq!(f(*a).to_bits(), b.to_bits(), "{act:?}({a})");
            }
        }
    }
}
