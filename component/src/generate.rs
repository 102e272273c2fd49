//! Text generation shared by every generating family: logits processing and sampling as
//! `transformers` does it, the end-of-sequence rule, stop strings, and streaming.
//!
//! A family provides a [`Decoder`]: fed tokens, it returns the logits of the next one, keeping
//! its own KV cache. A [`Generation`] drives it one token at a time and hands out text in
//! chunks that are always whole UTF-8 and never part of a stop string; `generate` is the
//! same generation run to the end, so a stream's chunks concatenate to exactly its result.

use crate::error::{Error, Result};
use crate::safetensors::Checkpoint;
use crate::tokenizers::Tokenizer;
use alloc::{borrow::ToOwned, boxed::Box, format, string::String, vec, vec::Vec};

/// The WIT `generate-options`, with defaults resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateOptions {
    pub max_new_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub top_k: Option<u32>,
    pub top_p: Option<f32>,
    pub repetition_penalty: Option<f32>,
    pub seed: Option<u64>,
    pub stop: Vec<String>,
}

/// New tokens when the caller does not say.
pub const DEFAULT_MAX_NEW_TOKENS: u32 = 32;

/// One family's incremental forward pass.
pub trait Decoder {
    /// Appends `tokens` to the sequence (the prompt first, then one token per step) and
    /// returns the logits of the token that follows them.
    fn feed(&mut self, weights: &Checkpoint, tokens: &[u32]) -> Result<Vec<f32>>;

    /// Tokens the decoder can still take before its positions run out.
    fn remaining_positions(&self) -> usize;
}

/// `transformers`' logits processors and warpers, in its order: repetition penalty, then
/// temperature, top-k, top-p; greedy (argmax) when there is no temperature.
#[derive(Debug, Clone)]
struct Sampler {
    temperature: Option<f32>,
    top_k: Option<usize>,
    top_p: Option<f32>,
    repetition_penalty: Option<f32>,
    rng: SplitMix64,
}

impl Sampler {
    fn new(options: &GenerateOptions) -> Result<Sampler> {
        let positive = |name: &str, v: Option<f32>| match v {
            // No float formatting in messages: it costs the component ~20 KB.
            Some(x) if !(x.is_finite() && x >= 0.0) => {
                Err(Error::InvalidInput(format!("{name} must be a finite number ≥ 0")))
            }
            _ => Ok(()),
        };
        positive("temperature", options.temperature)?;
        positive("repetition-penalty", options.repetition_penalty)?;
        if options.top_p.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            return Err(Error::InvalidInput("top-p must be in (0, 1]".into()));
        }
        if options.repetition_penalty == Some(0.0) {
            return Err(Error::InvalidInput("repetition-penalty must be > 0".into()));
        }
        Ok(Sampler {
            temperature: options.temperature.filter(|&t| t > 0.0),
            top_k: options.top_k.filter(|&k| k > 0).map(|k| k as usize),
            top_p: options.top_p.filter(|&p| p < 1.0),
            repetition_penalty: options.repetition_penalty.filter(|&p| p != 1.0),
            rng: SplitMix64(options.seed.unwrap_or(0)),
        })
    }

    fn pick(&mut self, logits: &mut [f32], history: &[u32]) -> u32 {
        if let Some(penalty) = self.repetition_penalty {
            let mut seen = vec![false; logits.len()];
            for &id in history {
                if let Some(l) = logits.get_mut(id as usize).filter(|_| !seen[id as usize]) {
                    seen[id as usize] = true;
                    *l = if *l < 0.0 { *l * penalty } else { *l / penalty };
                }
            }
        }
        let Some(temperature) = self.temperature else {
            return argmax(logits);
        };
        logits.iter_mut().for_each(|l| *l /= temperature);
        // Candidates, best first. Logits more than 40 below the best have a probability under
        // e⁻⁴⁰ ≈ 4e-18 relative to it and are never drawn; leaving them out of the sort keeps
        // a step cheap with a 50k vocabulary.
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut candidates: Vec<u32> = Vec::new();
        for (i, &l) in logits.iter().enumerate() {
            if l > max - 40.0 {
                candidates.push(i as u32);
            }
        }
        crate::order::sort_by(&mut candidates, &|&a, &b| {
            logits[b as usize].total_cmp(&logits[a as usize]).then(a.cmp(&b))
        });
        if let Some(k) = self.top_k {
            // Ties with the k-th value stay, as with transformers' `scores < kth_value`.
            if let Some(&kth) = candidates.get(k.saturating_sub(1)) {
                let threshold = logits[kth as usize];
                candidates.retain(|&i| logits[i as usize] >= threshold);
            }
        }
        let mut probs: Vec<f64> = Vec::with_capacity(candidates.len());
        for &i in &candidates {
            probs.push(crate::kernels::math::exp(logits[i as usize] - max) as f64);
        }
        if let Some(p) = self.top_p {
            // transformers removes, from the least likely up, tokens whose cumulative
            // probability is ≤ 1 − top_p, and always keeps the most likely one.
            let total: f64 = probs.iter().sum();
            let mut cumulative = 0.0;
            let mut keep = probs.len();
            for (i, prob) in probs.iter().enumerate().rev() {
                cumulative += prob / total;
                if cumulative <= 1.0 - p as f64 && i > 0 {
                    keep = i;
                } else {
                    break;
                }
            }
            candidates.truncate(keep);
            probs.truncate(keep);
        }
        let total: f64 = probs.iter().sum();
        let mut r = self.rng.next_f64() * total;
        for (&id, &prob) in candidates.iter().zip(&probs) {
            r -= prob;
            if r < 0.0 {
                return id;
            }
        }
        candidates.last().copied().unwrap_or(0)
    }
}

/// The first index of the largest value, as `torch.argmax`.
pub fn argmax(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u32
}

/// The component's own PRNG (no host randomness): SplitMix64.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A generation in progress.
pub struct Generation {
    decoder: Box<dyn Decoder>,
    sampler: Sampler,
    /// Prompt and generated ids: the repetition penalty's history.
    history: Vec<u32>,
    prompt_len: usize,
    max_new_tokens: usize,
    eos: Vec<u32>,
    stop: Vec<String>,
    /// Logits of the next token, when it has not been drawn yet.
    logits: Option<Vec<f32>>,
    /// Bytes of the generated text already handed out.
    emitted: usize,
    finished: bool,
}

impl Generation {
    /// `prompt` is the already-encoded prompt (with whatever start token the family needs).
    pub fn start(
        mut decoder: Box<dyn Decoder>,
        weights: &Checkpoint,
        prompt: Vec<u32>,
        eos: Vec<u32>,
        options: &GenerateOptions,
    ) -> Result<Generation> {
        if prompt.is_empty() {
            return Err(Error::InvalidInput("the prompt encodes to no tokens and the model has no start token".into()));
        }
        if prompt.len() > decoder.remaining_positions() {
            return Err(Error::InvalidInput(format!(
                "the prompt has {} tokens, more than the model's {} positions",
                prompt.len(),
                decoder.remaining_positions()
            )));
        }
        if options.stop.iter().any(String::is_empty) {
            return Err(Error::InvalidInput("a stop string is empty".into()));
        }
        let sampler = Sampler::new(options)?;
        let logits = decoder.feed(weights, &prompt)?;
        Ok(Generation {
            decoder,
            sampler,
            prompt_len: prompt.len(),
            history: prompt,
            max_new_tokens: options.max_new_tokens.unwrap_or(DEFAULT_MAX_NEW_TOKENS) as usize,
            eos,
            stop: options.stop.clone(),
            logits: Some(logits),
            emitted: 0,
            finished: false,
        })
    }

    /// Logits of the next token, before it is drawn.
    pub fn pending_logits(&self) -> Option<&[f32]> {
        self.logits.as_deref()
    }

    pub fn generated_ids(&self) -> &[u32] {
        &self.history[self.prompt_len..]
    }

    /// The next chunk of text, or `None` once everything has been handed out.
    pub fn next_chunk(&mut self, weights: &Checkpoint, tokenizer: &Tokenizer) -> Result<Option<String>> {
        loop {
            if !self.finished {
                self.step(weights)?;
            }
            let bytes = tokenizer.decode_bytes(self.generated_ids(), true)?;
            let mut text = if self.finished {
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                // Hold back a character still missing bytes: the next token completes it.
                String::from_utf8_lossy(&bytes[..complete_utf8_len(&bytes)]).into_owned()
            };
            let mut end = text.len();
            if let Some(at) = self.stop.iter().filter_map(|s| crate::text::find(&text, s)).min() {
                end = at;
                self.finished = true;
            } else if !self.finished {
                // Hold back text that may be the start of a stop string.
                end -= self.stop.iter().map(|s| held_back(&text, s)).max().unwrap_or(0);
            }
            text.truncate(end);
            if end > self.emitted {
                let chunk = crate::text::tail(&text, self.emitted).to_owned();
                self.emitted = end;
                return Ok(Some(chunk));
            }
            if self.finished {
                return Ok(None);
            }
        }
    }

    /// Draws one token and feeds it back, or marks the generation finished.
    fn step(&mut self, weights: &Checkpoint) -> Result<()> {
        let Some(mut logits) = self.logits.take() else {
            self.finished = true;
            return Ok(());
        };
        let token = self.sampler.pick(&mut logits, &self.history);
        if self.eos.contains(&token) {
            self.finished = true;
            return Ok(());
        }
        self.history.push(token);
        let generated = self.history.len() - self.prompt_len;
        if generated >= self.max_new_tokens || self.decoder.remaining_positions() == 0 {
            self.finished = true;
        } else {
            self.logits = Some(self.decoder.feed(weights, &[token])?);
        }
        Ok(())
    }
}

/// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence.
fn complete_utf8_len(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back for its lead
        }
        let needed = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if needed > back { bytes.len() - back } else { bytes.len() };
    }
    bytes.len()
}

/// Bytes at the end of `text` that are a proper prefix of `stop`.
fn held_back(text: &str, stop: &str) -> usize {
    (1..stop.len()).rev().find(|&n| stop.is_char_boundary(n) && text.ends_with(crate::text::head(stop, n))).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_utf8_is_held_back() {
        let smile = "🙂".as_bytes();
        assert_eq!(complete_utf8_len(b"ab"), 2);
        assert_eq!(complete_utf8_len(&[b'a', smile[0], smile[1]]), 1);
        assert_eq!(complete_utf8_len(&[b'a', smile[0], smile[1], smile[2], smile[3]]), 5);
        assert_eq!(complete_utf8_len(&[b'a', 0xff]), 2, "invalid bytes are not waited for");
    }

    #[test]
    fn stop_prefixes_are_held_back() {
        assert_eq!(held_back("hello wor", "world"), 3);
        assert_eq!(held_back("hello", "world"), 0);
        assert_eq!(held_back("ab\n", "\n\n"), 1);
    }

    #[test]
    fn sampling_with_top_k_one_is_greedy_and_seeds_repeat() {
        let logits: Vec<f32> = (0..100).map(|i| ((i * 37) % 100) as f32 / 10.0).collect();
        let greedy = argmax(&logits);
        let options = GenerateOptions { temperature: Some(1.0), top_k: Some(1), seed: Some(7), ..Default::default() };
        let mut sampler = Sampler::new(&options).unwrap();
        assert_eq!(sampler.pick(&mut logits.clone(), &[]), greedy);
        let draw = |seed| {
            let options = GenerateOptions { temperature: Some(5.0), seed: Some(seed), ..Default::default() };
            let mut sampler = Sampler::new(&options).unwrap();
            (0..20).map(|_| sampler.pick(&mut logits.clone(), &[])).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }

    #[test]
    fn repetition_penalty_divides_positive_and_multiplies_negative_logits() {
        let options = GenerateOptions { repetition_penalty: Some(2.0), ..Default::default() };
        let mut sampler = Sampler::new(&options).unwrap();
        let mut logits = vec![4.0, -1.0, 3.0];
        assert_eq!(sampler.pick(&mut logits, &[0, 1, 0]), 2);
        assert_eq!(logits, [2.0, -2.0, 3.0]);
    }

    #[test]
    fn top_p_keeps_the_smallest_set_over_p() {
        // Probabilities ≈ 0.643, 0.236, 0.087, 0.032: top-p 0.7 keeps the first two.
        let logits = [3.0f32, 2.0, 1.0, 0.0];
        let options = GenerateOptions { temperature: Some(1.0), top_p: Some(0.7), seed: Some(3), ..Default::default() };
        let mut sampler = Sampler::new(&options).unwrap();
        let drawn: std::collections::BTreeSet<u32> =
            (0..200).map(|_| sampler.pick(&mut logits.to_vec(), &[])).collect();
        assert_eq!(drawn.into_iter().collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn invalid_options_are_typed_errors() {
        for bad in [
            GenerateOptions { temperature: Some(-1.0), ..Default::default() },
            GenerateOptions { top_p: Some(1.5), ..Default::default() },
            GenerateOptions { repetition_penalty: Some(0.0), ..Default::default() },
        ] {
            assert!(matches!(Sampler::new(&bad), Err(Error::InvalidInput(_))), "{bad:?}");
        }
    }
}
