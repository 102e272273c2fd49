//! Scaled dot-product attention of one sequence, all heads.
//!
//! Rows are token vectors with the heads side by side (`[tokens][heads · head_dim]`), as the
//! projections produce them. Each head is gathered into contiguous buffers so that both
//! products run on the `matmul_kn` kernel (`[k][n]` weights, broadcast inputs, no horizontal
//! sums): scores = Q·Kᵀ with Kᵀ gathered as `[head_dim][keys]`, then out = P·V with V as it
//! is, `[keys][head_dim]`. The `linear` kernel's dot products did the same work with a
//! horizontal sum per score, a third of the work when the sum is over head_dim = 32: a fifth of
//! a 256-token MiniLM pass in int8. A causal prompt's queries go by blocks of [`CAUSAL_BLOCK`],
//! each block's products over only the keys its last query sees (`matmul_kn_strided` reads
//! those columns of Kᵀ): the masked half of the scores is mostly skipped, not computed and
//! zeroed.
//!
//! A decoding step (one query) gathers nothing: it reads each head's keys and values where they
//! lie in the KV cache's rows, `linear_strided` for the scores and `matmul_kn_strided` for P·V.
//! The gathers cost `keys · head_dim` stores per head per step, which outgrew the step's own
//! arithmetic as the cache grew (GPT-2-small int8 after a 768-token prompt: 18 → 31 tokens/s).

use crate::matmul::{linear_strided, matmul_kn, matmul_kn_strided};
use crate::softmax::exponentials;
use alloc::vec::Vec;

#[derive(Clone, Copy)]
pub struct Attention<'a> {
    pub heads: usize,
    pub head_dim: usize,
    /// Multiplies the raw scores (1/√d for BERT and GPT-2, 1 for T5 and GPT-Neo).
    pub scale: f32,
    /// Added to the scaled scores, `[heads][queries][keys]` (T5's position bias).
    pub bias: Option<&'a [f32]>,
    /// Query `i` sees keys `0..=i + (keys − queries)`: the queries are the last ones.
    pub causal: bool,
    /// With `causal`, also hide keys more than `window − 1` positions back (GPT-Neo local layers).
    pub window: Option<usize>,
}

/// Reusable buffers, so a forward pass allocates them once per call, not once per head.
#[derive(Default)]
pub struct Scratch {
    q: Vec<f32>,
    k_t: Vec<f32>,
    v: Vec<f32>,
    scores: Vec<f32>,
    /// Per query of a block: 1 / the sum of its exponentials.
    inverse_sums: Vec<f32>,
    out: Vec<f32>,
}

impl Attention<'_> {
    /// `q: [queries][width]`, `k`, `v: [keys][width]`, `out: [queries][width]`,
    /// with `width = heads · head_dim`.
    pub fn run(&self, q: &[f32], k: &[f32], v: &[f32], out: &mut [f32], scratch: &mut Scratch) {
        let (d, width) = (self.head_dim, self.heads * self.head_dim);
        let queries = q.len() / width;
        let keys = k.len() / width;
        assert!(
            d > 0
                && q.len() == queries * width
                && k.len() == keys * width
                && v.len() == k.len()
                && out.len() == q.len(),
            "attention: inconsistent shapes"
        );
        if queries == 0 || keys == 0 {
            return;
        }
        if queries <= DIRECT_QUERIES {
            return self.each_query_in_place(q, k, v, out, &mut scratch.scores);
        }
        let Scratch { q: qh, k_t, v: vh, scores, inverse_sums, out: oh } = scratch;
        // The keys padded with zeros to a multiple of 4 (each row of Kᵀ, and V's rows): the
        // score products then have no last columns to take one lane at a time (3 of a
        // 19-token sentence's 19), and the padding's scores, zeroed, add exact zeros to P·V.
        let padded = keys.next_multiple_of(4);
        for h in 0..self.heads {
            gather(q, width, h * d, d, self.scale, qh);
            gather(v, width, h * d, d, 1.0, vh);
            vh.resize(padded * d, 0.0);
            k_t.clear();
            k_t.resize(d * padded, 0.0);
            for (j, row) in k.chunks_exact(width).enumerate() {
                for (t, &value) in row[h * d..(h + 1) * d].iter().enumerate() {
                    k_t[t * padded + j] = value;
                }
            }
            oh.clear();
            oh.resize(queries * d, 0.0);
            // Causal queries go by blocks, each against only the keys its last query sees:
            // the products skip most of the masked half of the scores.
            let block = if self.causal { CAUSAL_BLOCK } else { queries };
            for i0 in (0..queries).step_by(block) {
                let i1 = (i0 + block).min(queries);
                let seen = self.visible(i1 - 1, queries, keys).1;
                let columns = seen.next_multiple_of(4);
                scores.clear();
                scores.resize((i1 - i0) * columns, 0.0);
                inverse_sums.clear();
                matmul_kn_strided(&qh[i0 * d..i1 * d], d, k_t, padded, scores);
                for (i, row) in (i0..).zip(scores.chunks_exact_mut(columns)) {
                    if let Some(bias) = self.bias {
                        let bias_row = &bias[(h * queries + i) * keys..][..seen];
                        row.iter_mut().zip(bias_row).for_each(|(s, b)| *s += b);
                    }
                    let (first, last) = self.visible(i, queries, keys);
                    row[..first].fill(0.0);
                    row[last..].fill(0.0);
                    let sum = exponentials(&mut row[first..last]);
                    inverse_sums.push(if first < last { 1.0 / sum } else { 0.0 });
                }
                // Softmax's division, on the `d` outputs of each query rather than its
                // `columns` probabilities (`ops_bench --tokens 256`, attention: 45.6–46.0 →
                // 43.6–43.7 ms in Node 20, 53.3 → 50.2 under wasmtime; 19 tokens alike).
                let out_block = &mut oh[i0 * d..i1 * d];
                matmul_kn(scores, &vh[..columns * d], None, columns, out_block);
                for (row, &inverse) in out_block.chunks_exact_mut(d).zip(inverse_sums.iter()) {
                    row.iter_mut().for_each(|v| *v *= inverse);
                }
            }
            for (dst, src) in out.chunks_exact_mut(width).zip(oh.chunks_exact(d)) {
                dst[h * d..(h + 1) * d].copy_from_slice(src);
            }
        }
    }

    /// Query by query, reading each head's keys and values where they lie in the rows: no
    /// per-head gathers, whose `keys · head_dim` scattered stores of Kᵀ cost decoding more
    /// than the products themselves once the cache is long. The scores are scaled, as
    /// transformers scales them, rather than the query.
    fn each_query_in_place(&self, q: &[f32], k: &[f32], v: &[f32], out: &mut [f32], scores: &mut Vec<f32>) {
        let (d, width) = (self.head_dim, self.heads * self.head_dim);
        let (queries, keys) = (q.len() / width, k.len() / width);
        for i in 0..queries {
            let (first, last) = self.visible(i, queries, keys);
            for h in 0..self.heads {
                let at = i * width + h * d;
                if first == last {
                    out[at..at + d].fill(0.0);
                    continue;
                }
                // This head's columns of keys first..last: rows `width` apart.
                let (start, len) = (first * width + h * d, (last - first - 1) * width + d);
                scores.clear();
                scores.resize(last - first, 0.0);
                linear_strided(&q[at..at + d], &k[start..][..len], width, scores);
                let bias = self.bias.map(|b| &b[(h * queries + i) * keys + first..][..last - first]);
                for (j, s) in scores.iter_mut().enumerate() {
                    *s = *s * self.scale + bias.map_or(0.0, |b| b[j]);
                }
                let inverse = 1.0 / exponentials(scores);
                let out = &mut out[at..at + d];
                matmul_kn_strided(scores, last - first, &v[start..][..len], width, out);
                out.iter_mut().for_each(|v| *v *= inverse);
            }
        }
    }

    /// The keys query `i` attends to, as a range.
    fn visible(&self, i: usize, queries: usize, keys: usize) -> (usize, usize) {
        if !self.causal {
            return (0, keys);
        }
        let last = i + (keys - queries) + 1;
        let first = self.window.map_or(0, |w| last.saturating_sub(w));
        (first, last)
    }
}

/// Queries up to which attention reads K and V in place: decoding's one per step.
const DIRECT_QUERIES: usize = 1;

/// Queries per block of a causal prompt. Its products then cover `keys · (queries + block) / 2`
/// scores instead of `keys · queries`.
const CAUSAL_BLOCK: usize = 64;

/// Columns `offset..offset + d` of each row, times `scale` (exact when it is 1). Scaling the
/// queries costs `queries · d` products instead of `queries · keys` on the scores (`ops_bench
/// --tokens 256`: attention 23.0–23.7 → 22.8–23.1 ms in Node 20, 30.7–31.7 → 29.7–30.4 under
/// wasmtime). The order changes only rounding, within the models' parity tolerances (the
/// model tests pin it against transformers).
#[inline(never)]
fn gather(rows: &[f32], width: usize, offset: usize, d: usize, scale: f32, into: &mut Vec<f32>) {
    into.clear();
    for row in rows.chunks_exact(width) {
        into.extend(row[offset..offset + d].iter().map(|v| v * scale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;

    /// Attention written out naively in f64.
    fn reference(attn: &Attention, q: &[f32], k: &[f32], v: &[f32]) -> Vec<f64> {
        let (d, width) = (attn.head_dim, attn.heads * attn.head_dim);
        let (nq, nk) = (q.len() / width, k.len() / width);
        let mut out = vec![0.0; q.len()];
        for h in 0..attn.heads {
            for i in 0..nq {
                let (first, last) = attn.visible(i, nq, nk);
                let mut s: Vec<f64> = (first..last)
                    .map(|j| {
                        let dot: f64 =
                            (0..d).map(|t| q[i * width + h * d + t] as f64 * k[j * width + h * d + t] as f64).sum();
                        dot * attn.scale as f64 + attn.bias.map_or(0.0, |b| b[(h * nq + i) * nk + j] as f64)
                    })
                    .collect();
                let max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                s.iter_mut().for_each(|x| *x = (*x - max).exp());
                let total: f64 = s.iter().sum();
                for t in 0..d {
                    out[i * width + h * d + t] =
                        (first..last).zip(&s).map(|(j, p)| p / total * v[j * width + h * d + t] as f64).sum();
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_attention_with_bias_causality_and_windows() {
        let (heads, d) = (3, 5);
        let bias = values(heads * 150 * 153, 4, 1.0);
        let cases = [
            Attention { heads, head_dim: d, scale: 0.4, bias: None, causal: false, window: None },
            Attention { heads, head_dim: d, scale: 1.0, bias: Some(&bias), causal: false, window: None },
            Attention { heads, head_dim: d, scale: 0.4, bias: None, causal: true, window: None },
            Attention { heads, head_dim: d, scale: 0.4, bias: None, causal: true, window: Some(3) },
        ];
        // 4 queries run on gathered heads, 1 (a decoding step) reads K and V in place, 150
        // causal ones go by blocks of `CAUSAL_BLOCK`, the last one partial.
        for (queries, keys) in [(4, 7), (1, 7), (150, 153)] {
            for attn in &cases {
                let bias = attn.bias.map(|b| &b[..heads * queries * keys]);
                let attn = Attention { bias, ..*attn };
                let q = values(queries * heads * d, 1, 1.0);
                let k = values(keys * heads * d, 2, 1.0);
                let v = values(keys * heads * d, 3, 1.0);
                let mut out = vec![0.0; q.len()];
                attn.run(&q, &k, &v, &mut out, &mut Scratch::default());
                for (a, b) in out.iter().zip(reference(&attn, &q, &k, &v)) {
                    assert!((*a as f64 - b).abs() < 1e-6, "{queries} queries: {a} vs {b}");
                }
            }
        }
    }
}
