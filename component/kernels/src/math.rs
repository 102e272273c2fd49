//! Elementary functions written out so that the scalar and SIMD128 kernels compute them with
//! identical operations (a libm call in one and a polynomial in the other would differ).

/// exp(x) by Cephes' range reduction and degree-6 polynomial: within 2 ulp of the true value on
/// [-87.3, 88.0]; inputs outside are clamped (exp(-inf) gives ~1e-38, not 0, which no
/// softmax or GELU output can tell apart at f32 precision after normalisation).
///
/// n = round(x·log₂e) comes from adding [`ROUNDING_SHIFT`]: the sum's low mantissa bits are n,
/// so 2ⁿ is that sum's bits shifted into the exponent field. Cephes' `floor(x·log₂e + 0.5)` and
/// a float-to-int conversion cost ~15% of softmax's time in V8, whose `i32x4.trunc_sat` is a
/// sequence of eight instructions; the two roundings differ only at ties, where either n leaves
/// |r| ≤ ln2/2.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(EXP_LOW, EXP_HIGH);
    let shifted = x * core::f32::consts::LOG2_E + ROUNDING_SHIFT;
    let n = shifted - ROUNDING_SHIFT;
    let r = x - n * LN2_HIGH - n * LN2_LOW;
    let [c0, c1, c2, c3, c4, c5] = EXP_POLYNOMIAL;
    let r2 = r * r;
    let p = (c0 * r + c1) * (r2 * r2) + ((c2 * r + c3) * r2 + (c4 * r + c5));
    let y = p * r2 + r + 1.0;
    y * f32::from_bits(power_of_two_bits(shifted.to_bits()))
}

/// `exp`'s clamp: the inputs whose exponentials are normal floats.
const EXP_LOW: f32 = -87.3;
const EXP_HIGH: f32 = 88.0;
/// ln 2 in two parts (Cody–Waite), so that n · ln 2 is exact enough for every n.
const LN2_HIGH: f32 = 0.693_359_4;
const LN2_LOW: f32 = -2.121_944_4e-4;
/// Cephes' coefficients of (eʳ − 1 − r) / r², highest degree first. `exp` evaluates them by
/// Estrin's scheme, three independent pairs joined by r² and r⁴, not by Horner's rule: five
/// dependent multiply-adds were the longest chain of a softmax or GELU step, and the shorter
/// one ran softmax's exponentials ~15% faster under wasmtime and in Node 20 on a Zen 1 EPYC
/// (2026-12-03); the bound of 2 ulp holds either way (`exp_is_within_two_ulp_of_libm`).
const EXP_POLYNOMIAL: [f32; 6] = [1.987_569_1e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5];

/// 1.5·2²³: for |v| < 2²², `v + ROUNDING_SHIFT` lies in [2²³, 2²⁴), where floats are the
/// integers, so the addition rounds v to the nearest one (ties to even) and leaves it, offset
/// by [`ROUNDING_SHIFT_BITS`], in the low mantissa bits: an integer conversion without
/// `trunc_sat` (eight instructions in V8).
pub(crate) const ROUNDING_SHIFT: f32 = 12_582_912.0;

/// The bits of [`ROUNDING_SHIFT`]: `(v + ROUNDING_SHIFT).to_bits() - ROUNDING_SHIFT_BITS` is
/// `round(v)` as an integer.
pub(crate) const ROUNDING_SHIFT_BITS: i32 = 0x4B40_0000;

/// The bits of 2ⁿ from the bits of `n + ROUNDING_SHIFT` (|n| ≤ 127): shifting by 23 moves n into
/// the exponent field and pushes the shift's own bits out of the word (0x4B40_0000 << 23
/// overflows to 0), and 127 is the exponent bias.
#[inline(always)]
const fn power_of_two_bits(shifted_bits: u32) -> u32 {
    (shifted_bits << 23).wrapping_add(127 << 23)
}

/// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), the same formula
/// PyTorch's vectorised CPU GELU uses.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + ERF_T * a);
    let [c0, c1, c2, c3, c4] = ERF_POLYNOMIAL;
    let t2 = t * t;
    let p = (c0 * t2 + (c1 * t + c2)) * t2 + (c3 * t + c4);
    let y = 1.0 - p * t * exp(-(a * a));
    y.copysign(x)
}

/// A&S 7.1.26: t = 1/(1 + p·|x|), and the polynomial's coefficients a₅ … a₁ (evaluated by
/// Estrin's scheme, as `exp`'s).
const ERF_T: f32 = 0.327_591_1;
const ERF_POLYNOMIAL: [f32; 5] = [1.061_405_4, -1.453_152_1, 1.421_413_8, -0.284_496_74, 0.254_829_6];

/// tanh(x) as 1 − 2/(e^{2|x|} + 1): absolute error ~1e-7, which is what GELU needs.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let e = exp(2.0 * x.abs());
    let y = 1.0 - 2.0 / (e + 1.0);
    y.copysign(x)
}

/// Natural logarithm in f64, by `x = m·2ᵉ` with m in [√½, √2) and the atanh series (|z| ≤
/// 0.172, 20 terms: below f64 round-off). Written out because libm's costs ~3 KB of wasm.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut m, mut e) = (x, 0i32);
    while m >= core::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    while m < core::f64::consts::FRAC_1_SQRT_2 {
        m *= 2.0;
        e -= 1;
    }
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let (mut term, mut sum) = (z, 0.0);
    for k in 0..20 {
        sum += term / (2 * k + 1) as f64;
        term *= z2;
    }
    e as f64 * core::f64::consts::LN_2 + 2.0 * sum
}

/// e^x in f64: x = k·ln2 + r with |r| ≤ ln2/2, Taylor series of e^r (22 terms), times 2ᵏ.
pub fn exp64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -745.0 {
        return 0.0;
    }
    // ln 2 in two parts (Cody–Waite), so that k·ln2 is exact enough for every k.
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let k = round_f64(x / core::f64::consts::LN_2);
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let (mut term, mut sum) = (1.0, 1.0);
    for n in 1..22 {
        term *= r / n as f64;
        sum += term;
    }
    let (mut scale, mut k) = (1.0f64, k as i32);
    while k > 0 {
        scale *= 2.0;
        k -= 1;
    }
    while k < 0 {
        scale *= 0.5;
        k += 1;
    }
    sum * scale
}

/// (sin x, cos x) in f64 for |x| up to ~1e6 (rotary angles are position × frequency):
/// reduction by π/2 in two parts, then Taylor series on [−π/4, π/4].
pub fn sin_cos(x: f64) -> (f64, f64) {
    const PI_2_HI: f64 = 1.570_796_326_734_125_6;
    const PI_2_LO: f64 = 6.077_100_506_506_192e-11;
    let quadrant = round_f64(x / core::f64::consts::FRAC_PI_2);
    let r = (x - quadrant * PI_2_HI) - quadrant * PI_2_LO;
    let r2 = r * r;
    let (mut s, mut c, mut term_s, mut term_c) = (0.0, 0.0, r, 1.0);
    for n in 0..12 {
        s += term_s;
        c += term_c;
        term_s *= -r2 / ((2 * n + 2) * (2 * n + 3)) as f64;
        term_c *= -r2 / ((2 * n + 1) * (2 * n + 2)) as f64;
    }
    match (quadrant as i64).rem_euclid(4) {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// The largest of `values`, `NEG_INFINITY` when there are none; NaNs are passed over, as
/// `f32::max` passes over them. Written as comparisons: on wasm `f32::max` is a call to
/// `fmaxf` (wasm's own `f32.max` treats NaN differently), which profiling showed per element in
/// softmax and in the int8 activation scales.
#[inline]
pub fn max(values: impl Iterator<Item = f32>) -> f32 {
    let mut max = f32::NEG_INFINITY;
    for v in values {
        if v > max {
            max = v;
        }
    }
    max
}

/// Σ f(x) in the kernels' lane order: four lane sums over steps of 4, folded as
/// `(l0 + l2) + (l1 + l3)`, then the tail in order. Both bodies agree bit for bit.
#[inline(always)]
pub fn lane_sum(x: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let n4 = x.len() & !3;
    let mut lanes = [0.0f32; 4];
    for chunk in x[..n4].chunks_exact(4) {
        for l in 0..4 {
            lanes[l] += f(chunk[l]);
        }
    }
    let mut sum = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
    for &v in &x[n4..] {
        sum += f(v);
    }
    sum
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use core::arch::wasm32::*;

    #[inline(always)]
    fn madd(a: v128, b: v128, c: v128) -> v128 {
        f32x4_add(f32x4_mul(a, b), c)
    }

    #[inline(always)]
    fn copysign(magnitude: v128, sign_of: v128) -> v128 {
        let sign = v128_and(sign_of, f32x4_splat(-0.0));
        v128_or(v128_andnot(magnitude, f32x4_splat(-0.0)), sign)
    }

    /// `(l0 + l2) + (l1 + l3)`: four lane sums to one, in the order the scalar bodies use
    /// (`super::lane_sum` and the products' dot products).
    #[inline(always)]
    pub fn fold(v: v128) -> f32 {
        let folded = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
        f32x4_extract_lane::<0>(folded) + f32x4_extract_lane::<1>(folded)
    }

    /// `lane_sum` with a vector `f`: the same lanes, the same fold, the same tail.
    #[inline(always)]
    pub fn lane_sum(x: &[f32], f: impl Fn(v128) -> v128, f_tail: impl Fn(f32) -> f32) -> f32 {
        let n4 = x.len() & !3;
        let mut acc = f32x4_splat(0.0);
        for chunk in x[..n4].chunks_exact(4) {
            // SAFETY: the chunk holds 4 floats; v128 loads need no alignment.
            acc = f32x4_add(acc, f(unsafe { v128_load(chunk.as_ptr() as *const v128) }));
        }
        let mut sum = fold(acc);
        for &v in &x[n4..] {
            sum += f_tail(v);
        }
        sum
    }

    /// `super::max` four lanes at a time: `pmax(acc, v)` keeps `acc` when `v` is NaN, as the
    /// scalar comparison does, and a maximum does not depend on the order it is taken in. Two
    /// accumulators, because one is a chain of dependent `pmax`es (~0.5 of softmax's ~8 ms at
    /// 256 tokens in V8).
    #[inline(always)]
    pub fn max(x: &[f32]) -> f32 {
        max_of(x, |v| v, |v| v)
    }

    /// `max` of `f` of the values, `f_tail` for the last `len % 4`.
    #[inline(always)]
    pub fn max_of(x: &[f32], f: impl Fn(v128) -> v128, f_tail: impl Fn(f32) -> f32) -> f32 {
        // The second operand's loads are unused, and compiled away.
        max_of_pairs(x, x, |v, _| f(v), |v, _| f_tail(v))
    }

    /// `max` of `f` of the pairs `(x[i], c[i])` (as many as the shorter slice holds), `f_tail`
    /// for the last `len % 4`.
    #[inline(always)]
    pub fn max_of_pairs(x: &[f32], c: &[f32], f: impl Fn(v128, v128) -> v128, f_tail: impl Fn(f32, f32) -> f32) -> f32 {
        let n = x.len().min(c.len());
        let (n8, n4) = (n & !7, n & !3);
        // SAFETY (both): `i + 4` ≤ n ≤ x.len(), c.len(); v128 loads need no alignment.
        let pair = |i: usize| unsafe {
            f(v128_load(x.as_ptr().add(i) as *const v128), v128_load(c.as_ptr().add(i) as *const v128))
        };
        let (mut even, mut odd) = (f32x4_splat(f32::NEG_INFINITY), f32x4_splat(f32::NEG_INFINITY));
        for i in (0..n8).step_by(8) {
            even = f32x4_pmax(even, pair(i));
            odd = f32x4_pmax(odd, pair(i + 4));
        }
        let mut acc = f32x4_pmax(even, odd);
        if n4 > n8 {
            acc = f32x4_pmax(acc, pair(n8));
        }
        let lanes = [
            f32x4_extract_lane::<0>(acc),
            f32x4_extract_lane::<1>(acc),
            f32x4_extract_lane::<2>(acc),
            f32x4_extract_lane::<3>(acc),
        ];
        super::max(lanes.into_iter().chain(x[n4..n].iter().zip(&c[n4..n]).map(|(&v, &w)| f_tail(v, w))))
    }

    /// `map_in_place` that also returns the `lane_sum` of the new values, in one pass.
    #[inline(always)]
    pub fn map_sum_in_place(x: &mut [f32], f: impl Fn(v128) -> v128, f_tail: impl Fn(f32) -> f32) -> f32 {
        let n4 = x.len() & !3;
        let (body, tail) = x.split_at_mut(n4);
        let mut acc = f32x4_splat(0.0);
        for chunk in body.chunks_exact_mut(4) {
            let p = chunk.as_mut_ptr() as *mut v128;
            // SAFETY: the chunk holds 4 floats; v128 loads and stores need no alignment.
            let y = f(unsafe { v128_load(p) });
            unsafe { v128_store(p, y) };
            acc = f32x4_add(acc, y);
        }
        let mut sum = fold(acc);
        for v in tail {
            *v = f_tail(*v);
            sum += *v;
        }
        sum
    }

    /// Applies `f` to every element in place, `f_tail` to the `len % 4` last ones.
    #[inline(always)]
    pub fn map_in_place(x: &mut [f32], f: impl Fn(v128) -> v128, f_tail: impl Fn(f32) -> f32) {
        let n4 = x.len() & !3;
        let (body, tail) = x.split_at_mut(n4);
        for chunk in body.chunks_exact_mut(4) {
            let p = chunk.as_mut_ptr() as *mut v128;
            // SAFETY: the chunk holds 4 floats; v128 loads and stores need no alignment.
            unsafe { v128_store(p, f(v128_load(p))) };
        }
        for v in tail {
            *v = f_tail(*v);
        }
    }

    /// `value` splatted, read with a volatile load so that the compiler cannot fold it into a
    /// `v128.const`. V8's optimising tier (Turboshaft: Node ≥ 22, current Chrome) rebuilds a
    /// v128 constant at every use inside a loop, three instructions each (Node 20's hoists them
    /// out of a simple loop): GELU over a 256-token MiniLM pass took 6.6 ms in Node 24 instead
    /// of 4.2 with its constants loaded this way (`ops_bench`; Node 20 and wasmtime alike
    /// either way). A value loaded before the loop stays in a register or is reloaded by one
    /// instruction. Kernels build their constant sets ([`Exp`], [`Erf`], [`Tanh`]) once per
    /// call, outside their loops, with this.
    #[inline(always)]
    pub fn opaque(value: f32) -> v128 {
        // SAFETY: a read of a valid, aligned local.
        f32x4_splat(unsafe { core::ptr::read_volatile(&value) })
    }

    /// The constants of [`exp`] (see [`opaque`]).
    #[derive(Clone, Copy)]
    pub struct Exp {
        low: v128,
        high: v128,
        log2_e: v128,
        shift: v128,
        ln2_high: v128,
        ln2_low: v128,
        polynomial: [v128; 6],
        pub one: v128,
    }

    impl Exp {
        #[inline(always)]
        pub fn load() -> Exp {
            Exp {
                low: opaque(super::EXP_LOW),
                high: opaque(super::EXP_HIGH),
                log2_e: opaque(core::f32::consts::LOG2_E),
                shift: opaque(super::ROUNDING_SHIFT),
                ln2_high: opaque(super::LN2_HIGH),
                ln2_low: opaque(super::LN2_LOW),
                polynomial: super::EXP_POLYNOMIAL.map(opaque),
                one: opaque(1.0),
            }
        }
    }

    #[inline(always)]
    pub fn exp(x: v128, k: &Exp) -> v128 {
        // f32::clamp is max-then-min; pmax/pmin agree with it for every non-NaN input.
        let x = f32x4_pmin(f32x4_pmax(x, k.low), k.high);
        let shifted = madd(x, k.log2_e, k.shift);
        let n = f32x4_sub(shifted, k.shift);
        let r = f32x4_sub(f32x4_sub(x, f32x4_mul(n, k.ln2_high)), f32x4_mul(n, k.ln2_low));
        let [c0, c1, c2, c3, c4, c5] = k.polynomial;
        let r2 = f32x4_mul(r, r);
        let high = f32x4_mul(madd(c0, r, c1), f32x4_mul(r2, r2));
        let p = f32x4_add(high, f32x4_add(f32x4_mul(madd(c2, r, c3), r2), madd(c4, r, c5)));
        let y = f32x4_add(f32x4_add(f32x4_mul(p, r2), r), k.one);
        // `power_of_two_bits`, four lanes at a time: 127 << 23 is the bit pattern of 1.0.
        let scale = i32x4_add(i32x4_shl(shifted, 23), k.one);
        f32x4_mul(y, scale)
    }

    /// The constants of [`erf`] (see [`opaque`]).
    #[derive(Clone, Copy)]
    pub struct Erf {
        pub exp: Exp,
        t: v128,
        polynomial: [v128; 5],
    }

    impl Erf {
        #[inline(always)]
        pub fn load() -> Erf {
            Erf { exp: Exp::load(), t: opaque(super::ERF_T), polynomial: super::ERF_POLYNOMIAL.map(opaque) }
        }
    }

    #[inline(always)]
    pub fn erf(x: v128, k: &Erf) -> v128 {
        let one = k.exp.one;
        let a = f32x4_abs(x);
        let t = f32x4_div(one, madd(k.t, a, one));
        let [c0, c1, c2, c3, c4] = k.polynomial;
        let t2 = f32x4_mul(t, t);
        let p = madd(f32x4_add(f32x4_mul(c0, t2), madd(c1, t, c2)), t2, madd(c3, t, c4));
        let y = f32x4_sub(one, f32x4_mul(f32x4_mul(p, t), exp(f32x4_neg(f32x4_mul(a, a)), &k.exp)));
        copysign(y, x)
    }

    /// The constants of [`tanh`] (see [`opaque`]).
    #[derive(Clone, Copy)]
    pub struct Tanh {
        pub exp: Exp,
        two: v128,
    }

    impl Tanh {
        #[inline(always)]
        pub fn load() -> Tanh {
            Tanh { exp: Exp::load(), two: opaque(2.0) }
        }
    }

    #[inline(always)]
    pub fn tanh(x: v128, k: &Tanh) -> v128 {
        let one = k.exp.one;
        let e = exp(f32x4_mul(k.two, f32x4_abs(x)), &k.exp);
        let y = f32x4_sub(one, f32x4_div(k.two, f32x4_add(e, one)));
        copysign(y, x)
    }
}

/// `f32::floor`, `f32::sqrt`, `f64::sqrt` and `f64::trunc`, which are std methods: in the
/// no_std component they are the lane-0 SIMD128 operation, which LLVM emits as the same single
/// scalar instruction (`f32.floor`, `f32.sqrt`, ...) std's methods compile to.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod float {
    use core::arch::wasm32::*;

    #[inline(always)]
    pub fn sqrt_f32(x: f32) -> f32 {
        f32x4_extract_lane::<0>(f32x4_sqrt(f32x4_splat(x)))
    }

    #[inline(always)]
    pub fn sqrt_f64(x: f64) -> f64 {
        f64x2_extract_lane::<0>(f64x2_sqrt(f64x2_splat(x)))
    }

    #[inline(always)]
    pub fn trunc_f64(x: f64) -> f64 {
        f64x2_extract_lane::<0>(f64x2_trunc(f64x2_splat(x)))
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod float {
    #[inline(always)]
    pub fn sqrt_f32(x: f32) -> f32 {
        x.sqrt()
    }

    #[inline(always)]
    pub fn sqrt_f64(x: f64) -> f64 {
        x.sqrt()
    }

    #[inline(always)]
    pub fn trunc_f64(x: f64) -> f64 {
        x.trunc()
    }
}

pub use float::{sqrt_f32, sqrt_f64, trunc_f64};

/// `f64::round` (half away from zero), which on wasm is a libm call rather than an
/// instruction. `x - trunc(x)` is exact, so comparing it with ±0.5 decides exactly; NaN and
/// infinities fall through unchanged, and the sign of zero is kept as `round` keeps it.
#[inline]
pub fn round_f64(x: f64) -> f64 {
    let t = trunc_f64(x);
    let fraction = x - t;
    if fraction >= 0.5 {
        t + 1.0
    } else if fraction <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_is_f32_max_without_the_call() {
        let values = [0.5f32, -3.0, f32::NAN, 7.25, -0.0, 7.0];
        assert_eq!(max(values.iter().copied()), values.iter().copied().fold(f32::NEG_INFINITY, f32::max));
        assert_eq!(max(core::iter::empty()), f32::NEG_INFINITY);
        assert_eq!(max([f32::NAN, -1.0].into_iter()), -1.0);
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_max_passes_over_nans_and_finds_the_maximum_in_any_lane_or_the_tail() {
        for n in [0, 1, 3, 4, 7, 8, 13, 16, 20] {
            for at in 0..n {
                let mut x: Vec<f32> = (0..n).map(|i| -(i as f32)).collect();
                x[at] = 9.5;
                x[(at + 1) % n] = f32::NAN;
                // With one value, that value is the NaN.
                let expected = if n == 1 { f32::NEG_INFINITY } else { 9.5 };
                assert_eq!(simd::max(&x), expected, "n {n}, maximum at {at}");
            }
        }
        assert_eq!(simd::max(&[f32::NAN; 5]), f32::NEG_INFINITY);
    }

    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn f64_functions_match_libm() {
        let mut x = 1e-6f64;
        while x < 1e6 {
            assert!((ln(x) - x.ln()).abs() <= 1e-15 * x.ln().abs().max(1.0), "ln({x})");
            x *= 1.37;
        }
        let mut x = -700.0f64;
        while x < 700.0 {
            assert!((exp64(x) - x.exp()).abs() <= 1e-15 * x.exp(), "exp({x})");
            x += 0.731;
        }
        let mut x = -5000.0f64;
        while x < 5000.0 {
            let (s, c) = sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-12 && (c - x.cos()).abs() < 1e-12, "sin_cos({x})");
            x += 0.917;
        }
    }

    /// The no_std stand-ins agree with std's methods bit for bit (under wasmtime these are
    /// the SIMD128 forms; natively the std methods themselves, and `round_f64` is checked).
    #[test]
    fn float_methods_equal_std() {
        let mut cases: Vec<f64> = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            -4503599627370495.5,
            4503599627370497.0,
            9007199254740993.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            cases.push(f64::from_bits(state));
            cases.push((state >> 11) as f64 / (1u64 << 40) as f64 - 4096.0);
        }
        for &x in &cases {
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same(round_f64(x), x.round()), "round({x})");
            assert!(same(trunc_f64(x), x.trunc()), "trunc({x})");
            assert!(same(sqrt_f64(x), x.sqrt()), "sqrt({x})");
            let y = x as f32;
            let same32 = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same32(sqrt_f32(y), y.sqrt()), "sqrt({y})");
        }
    }

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        let mut x = -87.0f32;
        while x < 88.0 {
            assert!(ulps(exp(x), (x as f64).exp() as f32) <= 2, "exp({x})");
            x += 0.0137;
        }
        // The clamp's ends are 2⁻¹²⁶ and 2¹²⁷ after rounding: the exponent field's extremes.
        for x in [-87.3f32, 88.0] {
            assert!(ulps(exp(x), (x as f64).exp() as f32) <= 2, "exp({x})");
        }
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f32::NEG_INFINITY) < 1e-37);
    }

    #[test]
    fn erf_and_tanh_are_within_their_stated_error() {
        let mut x = -6.0f32;
        while x < 6.0 {
            let erf_ref = crate::testing::erf64(x as f64);
            // The formula's 1.5e-7, plus f32 rounding of its few operations (worst near 0, where 1 − p·t·e^{−x²} cancels).
            assert!((erf(x) as f64 - erf_ref).abs() < 6e-7, "erf({x})");
            assert!((tanh(x) as f64 - (x as f64).tanh()).abs() < 2.5e-7, "tanh({x})");
            x += 0.001_3;
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[test]
    fn simd_bodies_equal_scalar_bodies_bit_for_bit() {
        use core::arch::wasm32::*;
        let xs = crate::testing::values(4096, 7, 12.0);
        for chunk in xs.chunks_exact(4) {
            let v = f32x4(chunk[0], chunk[1], chunk[2], chunk[3]);
            let lanes = |r: v128| {
                [
                    f32x4_extract_lane::<0>(r),
                    f32x4_extract_lane::<1>(r),
                    f32x4_extract_lane::<2>(r),
                    f32x4_extract_lane::<3>(r),
                ]
            };
            let (exp_k, erf_k, tanh_k) = (simd::Exp::load(), simd::Erf::load(), simd::Tanh::load());
            let simd_exp = |v| simd::exp(v, &exp_k);
            let simd_erf = |v| simd::erf(v, &erf_k);
            let simd_tanh = |v| simd::tanh(v, &tanh_k);
            for (f, g) in
                [(exp as fn(f32) -> f32, &simd_exp as &dyn Fn(v128) -> v128), (erf, &simd_erf), (tanh, &simd_tanh)]
            {
                let expected = [f(chunk[0]), f(chunk[1]), f(chunk[2]), f(chunk[3])];
                assert_eq!(lanes(g(v)).map(f32::to_bits), expected.map(f32::to_bits), "{chunk:?}");
            }
        }
    }
}
