//! Sequence-classification heads of the BERT family, on the encoder's first token, with the
//! tensor names of Hugging Face's `*ForSequenceClassification` checkpoints:
//!
//! - `bert`: `pooler.dense` + tanh, then `classifier`;
//! - `roberta`: `classifier.dense` + tanh, then `classifier.out_proj`;
//! - `distilbert`: `pre_classifier` + ReLU, then `classifier`;
//! - `electra`: `classifier.dense` + GELU, then `classifier.out_proj`.

use super::bert::{Config as BertConfig, Variant};
use super::{Bias, Linear, Loader};
use crate::config::Config as Json;
use crate::error::{Error, Result};
use crate::json::Value;
use crate::kernels::act::Activation;
use crate::safetensors::Checkpoint;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

/// How logits become scores by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    Softmax,
    Sigmoid,
    Raw,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub labels: Vec<String>,
    pub scoring: Scoring,
}

impl Config {
    /// The head a checkpoint declares (`architectures` ending in `ForSequenceClassification`), if any.
    pub fn from_json(json: &Json) -> Result<Option<Config>> {
        let classifier = json
            .get("architectures")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|n| n.as_str().is_some_and(|n| n.ends_with("ForSequenceClassification"))));
        if !classifier {
            return Ok(None);
        }
        let mut labels: Vec<(usize, String)> = Vec::new();
        if let Some(map) = json.get("id2label").and_then(Value::as_object) {
            for (id, label) in map {
                let id = crate::text::parse_usize(id)
                    .ok_or_else(|| Error::InvalidConfig(format!("config.json: id2label key '{id}' is not an id")))?;
                let label = label
                    .as_str()
                    .ok_or_else(|| Error::InvalidConfig("config.json: an id2label value is not a string".into()))?;
                labels.push((id, label.to_owned()));
            }
        }
        let count = match json.get("num_labels") {
            Some(_) => json.size("num_labels"),
            None if !labels.is_empty() => labels.len(),
            None => 2,
        };
        let mut names: Vec<String> = Vec::with_capacity(count);
        for i in 0..count {
            names.push(format!("LABEL_{i}"));
        }
        for (id, label) in labels {
            if let Some(slot) = names.get_mut(id) {
                *slot = label;
            }
        }
        // sentence-transformers' CrossEncoder names its activation; the default for one
        // label is a sigmoid, as for multi-label problems; else a softmax.
        let activation =
            json.get("sentence_transformers").and_then(|st| st.field("activation_fn")).and_then(Value::as_str);
        let scoring = match (activation, json.str_or("problem_type", "")) {
            (Some(a), _) if a.ends_with("Identity") => Scoring::Raw,
            (Some(a), _) if a.ends_with("Sigmoid") => Scoring::Sigmoid,
            (_, "multi_label_classification") => Scoring::Sigmoid,
            _ if count == 1 => Scoring::Sigmoid,
            _ => Scoring::Softmax,
        };
        json.finish(Some(Config { labels: names, scoring }))
    }
}

pub struct Weights<'w> {
    /// `pooler.dense`, `classifier.dense` or `pre_classifier`.
    pub dense: Linear<'w>,
    /// After `dense`: ReLU or GELU, or tanh when `None` (the kernels' activations have no tanh).
    pub activation: Option<Activation>,
    /// `classifier` or `classifier.out_proj`: `[num_labels][hidden]`.
    pub out: Linear<'w>,
}

impl<'w> Weights<'w> {
    pub fn load(ck: &'w Checkpoint, encoder: &BertConfig, head: &Config) -> Result<Weights<'w>> {
        let (h, n) = (encoder.hidden_size, head.labels.len());
        // BERT's pooler is part of the base model, under its prefix; the heads are not.
        let (prefix, dense, out, activation) = match encoder.variant {
            Variant::Bert => (encoder.prefix.as_str(), "pooler.dense", "classifier", None),
            Variant::Roberta => ("", "classifier.dense", "classifier.out_proj", None),
            Variant::DistilBert => ("", "pre_classifier", "classifier", Some(Activation::Relu)),
            Variant::Electra => ("", "classifier.dense", "classifier.out_proj", Some(Activation::Gelu)),
        };
        let mut w = Loader::new(ck, prefix);
        let dense = w.linear(dense, h, h, Bias::Yes);
        let mut root = Loader::new(ck, "");
        let out = root.linear(out, h, n, Bias::Yes);
        let weights = w.finish(Weights { dense, activation, out })?;
        root.finish(weights)
    }

    /// Logits from the first token's hidden state.
    pub fn logits(&self, first_token: &[f32]) -> Vec<f32> {
        let mut x = self.dense.forward(first_token);
        match self.activation {
            Some(activation) => activation.apply(&mut x),
            None => x.iter_mut().for_each(|v| *v = crate::kernels::math::tanh(*v)),
        }
        self.out.forward(&x)
    }
}

/// Scores from logits, as the checkpoint's problem type asks.
pub fn scores(logits: &[f32], scoring: Scoring) -> Vec<f32> {
    match scoring {
        Scoring::Raw => logits.to_vec(),
        Scoring::Sigmoid => {
            let mut s = logits.to_vec();
            s.iter_mut().for_each(|l| *l = 1.0 / (1.0 + crate::kernels::math::exp(-*l)));
            s
        }
        Scoring::Softmax => {
            let mut s = logits.to_vec();
            crate::kernels::softmax::softmax(&mut s);
            s
        }
    }
}
