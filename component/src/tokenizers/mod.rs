//! Tokenizers that give the ids Hugging Face `tokenizers` gives, read from `tokenizer.json`
//! (or, lacking it, from the legacy vocabulary files).
//!
//! The pipeline is `tokenizers`' own: split out added tokens matched on the raw text, normalise
//! each remaining piece, split out added tokens matched on normalised text, pre-tokenise, run
//! the model (WordPiece, byte-level BPE), then apply the post-processor's template.

pub mod bpe;
pub mod grapheme;
pub mod lowercase;
pub mod normalize;
pub mod precompiled;
pub mod unicode;
pub mod unigram;
pub mod vocab;
pub mod wordpiece;

use crate::error::{Error, Result};
use crate::files::Files;
use crate::json::Value;
use alloc::{borrow::ToOwned, boxed::Box, format, string::String, vec, vec::Vec};
use bpe::Bpe;
use normalize::Normalizer;
use unigram::Unigram;
use vocab::Vocab;
use wordpiece::WordPiece;

/// How a pair that is too long is cut (the strategies of `tokenizers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// Tokens come off the end of the longer text first.
    LongestFirst,
    /// Only the first text is cut (the zero-shot pipeline's choice).
    OnlyFirst,
}

/// Ids and token type ids of one encoded input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encoding {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
}

impl Encoding {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

enum Model {
    WordPiece(WordPiece),
    Bpe(Bpe),
    Unigram(Unigram),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PreTokenizer {
    /// Whitespace split, then punctuation isolated (BERT).
    Bert,
    /// Split on whitespace only.
    WhitespaceSplit,
    /// GPT-2's byte-level pre-tokenisation; handled inside the BPE model.
    ByteLevel {
        add_prefix_space: bool,
        use_regex: bool,
    },
    /// SentencePiece's: spaces become `replacement`, which is prepended per `prepend` and
    /// then starts each word.
    Metaspace {
        replacement: char,
        prepend: Prepend,
        split: bool,
    },
    None,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Prepend {
    Always,
    /// Only to the text's first piece (not after an added token).
    First,
    Never,
}

/// A token of the added vocabulary: matched whole in the input, never split by the model.
#[derive(Debug, Clone)]
struct AddedToken {
    content: String,
    /// What is matched in the input: `content`, normalised when `normalized` is set
    /// (`tokenizers` matches those on normalised text, so it normalises them too).
    pattern: String,
    id: u32,
    special: bool,
    /// Matched on normalised text rather than raw text.
    normalized: bool,
    lstrip: bool,
    rstrip: bool,
    single_word: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Special { ids: Vec<u32>, type_id: u32 },
    First { type_id: u32 },
    Second { type_id: u32 },
}

/// The post-processor, whatever its kind in the file, as the template it amounts to.
#[derive(Debug, Clone, Default)]
struct Template {
    single: Vec<Piece>,
    pair: Vec<Piece>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Decoder {
    /// Joins with spaces, glues `##` continuations, optionally cleans up spaces (BERT).
    WordPiece {
        cleanup: bool,
    },
    ByteLevel,
    /// `replacement` back to spaces; dropped entirely from the first token unless the
    /// pre-tokenizer never prepends (`tokenizers`' rule).
    Metaspace {
        replacement: char,
        prepend: bool,
    },
    Plain,
}

pub struct Tokenizer {
    normalizer: Option<Normalizer>,
    pre_tokenizer: PreTokenizer,
    model: Model,
    added: Vec<AddedToken>,
    template: Template,
    decoder: Decoder,
}

fn bad(what: impl Into<String>) -> Error {
    Error::InvalidTokenizer(what.into())
}

impl Tokenizer {
    /// Builds the tokenizer of a model directory: `tokenizer.json` when present, else
    /// `vocab.txt` (WordPiece) or `vocab.json` + `merges.txt` (byte-level BPE) with
    /// `tokenizer_config.json`'s options.
    pub fn from_files(files: &Files, model_type: &str) -> Result<Tokenizer> {
        if let Some(json) = files.json("tokenizer.json", Error::InvalidTokenizer)? {
            return Tokenizer::from_tokenizer_json(&json);
        }
        let config = files.json("tokenizer_config.json", Error::InvalidTokenizer)?.unwrap_or(Value::Object(Vec::new()));
        if let Some(vocab) = files.get("vocab.txt") {
            return Tokenizer::from_vocab_txt(vocab, &config);
        }
        if let (Some(vocab), Some(merges)) = (files.get("vocab.json"), files.get("merges.txt")) {
            return Tokenizer::from_bpe_files(vocab, merges, &config, model_type);
        }
        if let (Some(spiece), "t5" | "mt5") = (files.get("spiece.model"), model_type) {
            return Tokenizer::from_t5_spiece(spiece, &config);
        }
        Err(Error::MissingFile(
            "no tokenizer: expected tokenizer.json, vocab.txt, vocab.json with merges.txt, or spiece.model".into(),
        ))
    }

    /// What transformers' T5 converter builds from `spiece.model`: the pieces then the
    /// `<extra_id_N>` sentinels in reverse, the model's charsmap, trailing spaces stripped,
    /// runs of spaces made one `▁`, Metaspace, and `$A </s>`.
    fn from_t5_spiece(bytes: &[u8], config: &Value) -> Result<Tokenizer> {
        let spm = unigram::SentencePieceModel::parse(bytes)?;
        let extra_ids = config.field("extra_ids").and_then(Value::as_usize).unwrap_or(100);
        let mut pieces: Vec<(String, f64)> = Vec::with_capacity(spm.pieces.len() + extra_ids);
        for (p, score, _) in &spm.pieces {
            pieces.push((p.clone(), *score as f64));
        }
        for i in (0..extra_ids).rev() {
            pieces.push((format!("<extra_id_{i}>"), 0.0));
        }
        let mut normalizers = Vec::new();
        if !spm.precompiled_charsmap.is_empty() {
            let map = precompiled::Precompiled::from_bytes(&spm.precompiled_charsmap)
                .map_err(|e| bad(format!("spiece.model precompiled_charsmap: {e}")))?;
            normalizers.push(Normalizer::Precompiled(Box::new(map)));
        }
        normalizers.push(Normalizer::Strip { left: false, right: true });
        normalizers
            .push(Normalizer::Replace { pattern: normalize::Pattern::Run { c: ' ', min: 2 }, content: "▁".into() });
        let model = Unigram::new(pieces, spm.unk_id)?;
        let mut added = Vec::new();
        for name in ["<pad>", "</s>", "<unk>"]
            .into_iter()
            .map(str::to_owned)
            .chain((0..extra_ids).map(|i| format!("<extra_id_{i}>")))
        {
            if let Some(id) = model.vocab.id(&name) {
                added.push(AddedToken {
                    content: name,
                    pattern: String::new(),
                    id,
                    special: true,
                    normalized: false,
                    lstrip: false,
                    rstrip: false,
                    single_word: false,
                });
            }
        }
        let eos = model.vocab.id("</s>").ok_or_else(|| bad("spiece.model has no </s>"))?;
        let eos_piece = Piece::Special { ids: vec![eos], type_id: 0 };
        let template = Template {
            single: vec![Piece::First { type_id: 0 }, eos_piece.clone()],
            pair: vec![Piece::First { type_id: 0 }, eos_piece.clone(), Piece::Second { type_id: 0 }, eos_piece],
        };
        let metaspace = PreTokenizer::Metaspace { replacement: '▁', prepend: Prepend::Always, split: true };
        let decoder = Decoder::Metaspace { replacement: '▁', prepend: true };
        Tokenizer::assemble(
            Some(Normalizer::Sequence(normalizers)),
            metaspace,
            Model::Unigram(model),
            added,
            template,
            decoder,
        )
    }

    pub fn from_tokenizer_json(json: &Value) -> Result<Tokenizer> {
        let model_json = json.field("model").ok_or_else(|| bad("tokenizer.json has no model"))?;
        let model = match model_json.field("type").and_then(Value::as_str) {
            Some("WordPiece") => Model::WordPiece(WordPiece::from_json(model_json)?),
            Some("BPE") => Model::Bpe(Bpe::from_json(model_json)?),
            Some("Unigram") => Model::Unigram(Unigram::from_json(model_json)?),
            Some(other) => {
                return Err(Error::UnsupportedArchitecture(format!("tokenizer model '{other}' is not implemented")));
            }
            None => return Err(bad("tokenizer.json: model has no type")),
        };
        let normalizer = match json.field("normalizer") {
            Some(n) => Some(Normalizer::from_json(n)?),
            None => None,
        };
        let pre_tokenizer = match json.field("pre_tokenizer") {
            Some(p) => pre_tokenizer_from_json(p)?,
            None => PreTokenizer::None,
        };
        let mut added = Vec::new();
        for token in json.field("added_tokens").and_then(Value::as_array).unwrap_or(&[]) {
            let flag = |key: &str| token.field(key).and_then(Value::as_bool).unwrap_or(false);
            added.push(AddedToken {
                content: token
                    .field("content")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("added token without content"))?
                    .to_owned(),
                pattern: String::new(),
                id: token
                    .field("id")
                    .and_then(Value::as_usize)
                    .and_then(|i| u32::try_from(i).ok())
                    .ok_or_else(|| bad("added token without a valid id"))?,
                special: flag("special"),
                normalized: flag("normalized"),
                lstrip: flag("lstrip"),
                rstrip: flag("rstrip"),
                single_word: flag("single_word"),
            });
        }
        let template = match json.field("post_processor") {
            Some(p) => template_from_json(p)?,
            None => Template::default(),
        };
        let decoder = match json.field("decoder") {
            Some(d) => decoder_from_json(d)?,
            None => Decoder::Plain,
        };
        Tokenizer::assemble(normalizer, pre_tokenizer, model, added, template, decoder)
    }

    /// What `transformers`' `BertTokenizerFast` builds from `vocab.txt`.
    fn from_vocab_txt(vocab: &[u8], config: &Value) -> Result<Tokenizer> {
        let text = core::str::from_utf8(vocab).map_err(|_| bad("vocab.txt is not UTF-8"))?;
        let mut tokens: Vec<(String, u32)> = Vec::new();
        for line in crate::text::lines(text) {
            tokens.push((line.trim_end_matches('\r').to_owned(), tokens.len() as u32));
        }
        let option_bool = |key: &str| config.field(key).and_then(Value::as_bool);
        let special = |key: &str, default: &str| special_token_name(config, key).unwrap_or_else(|| default.to_owned());
        let (unk, cls, sep, pad, mask) = (
            special("unk_token", "[UNK]"),
            special("cls_token", "[CLS]"),
            special("sep_token", "[SEP]"),
            special("pad_token", "[PAD]"),
            special("mask_token", "[MASK]"),
        );
        let normalizer = Normalizer::bert(
            true,
            option_bool("tokenize_chinese_chars").unwrap_or(true),
            option_bool("strip_accents"),
            option_bool("do_lower_case").unwrap_or(true),
        );
        let model = WordPiece::new(Vocab::new(tokens.clone())?, &unk, "##", 100)?;
        let id_of = |token: &str| tokens.iter().position(|(t, _)| t == token).map(|i| i as u32);
        let mut added = Vec::new();
        for name in [&pad, &unk, &cls, &sep, &mask] {
            if let Some(id) = id_of(name) {
                added.push(AddedToken {
                    content: name.clone(),
                    pattern: String::new(),
                    id,
                    special: true,
                    normalized: false,
                    lstrip: false,
                    rstrip: false,
                    single_word: false,
                });
            }
        }
        let (cls_id, sep_id) = (
            id_of(&cls).ok_or_else(|| bad(format!("vocab.txt lacks {cls}")))?,
            id_of(&sep).ok_or_else(|| bad(format!("vocab.txt lacks {sep}")))?,
        );
        let template = bert_template(cls_id, sep_id);
        Tokenizer::assemble(
            Some(normalizer),
            PreTokenizer::Bert,
            Model::WordPiece(model),
            added,
            template,
            Decoder::WordPiece { cleanup: true },
        )
    }

    /// What `transformers` builds for GPT-2 / RoBERTa from `vocab.json` + `merges.txt`.
    fn from_bpe_files(vocab: &[u8], merges: &[u8], config: &Value, model_type: &str) -> Result<Tokenizer> {
        let vocab = crate::json::parse(vocab).map_err(|e| bad(format!("vocab.json: {e}")))?;
        let vocab = vocab.as_id_pairs().ok_or_else(|| bad("vocab.json is not an object of token → id"))?;
        let merges = core::str::from_utf8(merges).map_err(|_| bad("merges.txt is not UTF-8"))?;
        let mut merge_pairs: Vec<(String, String)> = Vec::new();
        for l in crate::text::lines(merges).filter(|l| !l.starts_with("#version") && !l.trim().is_empty()) {
            let (a, b) = crate::text::split_once(l, " ").ok_or_else(|| bad(format!("merges.txt: bad line '{l}'")))?;
            merge_pairs.push((a.to_owned(), b.to_owned()));
        }
        let add_prefix_space = config.field("add_prefix_space").and_then(Value::as_bool).unwrap_or(false);
        let model = Bpe::new(Vocab::new(vocab)?, &merge_pairs, None)?;
        let id = |name: &str| model.vocab.id(name);
        let roberta_like = matches!(model_type, "roberta" | "xlm-roberta" | "camembert" | "longformer" | "bart");
        let mut added = Vec::new();
        let defaults: &[(&str, &str)] = if roberta_like {
            &[
                ("bos_token", "<s>"),
                ("pad_token", "<pad>"),
                ("eos_token", "</s>"),
                ("unk_token", "<unk>"),
                ("mask_token", "<mask>"),
            ]
        } else {
            &[("bos_token", "<|endoftext|>"), ("eos_token", "<|endoftext|>"), ("unk_token", "<|endoftext|>")]
        };
        for (key, default) in defaults {
            let name = special_token_name(config, key).unwrap_or_else(|| (*default).to_owned());
            if let Some(token_id) = id(&name).filter(|&i| !added.iter().any(|t: &AddedToken| t.id == i)) {
                added.push(AddedToken {
                    content: name,
                    pattern: String::new(),
                    id: token_id,
                    special: true,
                    normalized: false,
                    lstrip: *key == "mask_token",
                    rstrip: false,
                    single_word: false,
                });
            }
        }
        let template = if roberta_like {
            let (cls, sep) = (
                id("<s>").ok_or_else(|| bad("vocab.json lacks <s>"))?,
                id("</s>").ok_or_else(|| bad("vocab.json lacks </s>"))?,
            );
            roberta_template(cls, sep)
        } else {
            Template::default()
        };
        let pre = PreTokenizer::ByteLevel { add_prefix_space, use_regex: true };
        Tokenizer::assemble(None, pre, Model::Bpe(model), added, template, Decoder::ByteLevel)
    }

    fn assemble(
        normalizer: Option<Normalizer>,
        pre_tokenizer: PreTokenizer,
        model: Model,
        mut added: Vec<AddedToken>,
        template: Template,
        decoder: Decoder,
    ) -> Result<Tokenizer> {
        if let Some(token) = added.iter().find(|t| t.id >= 1 << 24) {
            return Err(bad(format!("added token '{}' has an implausible id {}", token.content, token.id)));
        }
        for token in &mut added {
            token.pattern = match (&normalizer, token.normalized) {
                (Some(n), true) => n.normalize(&token.content),
                _ => token.content.clone(),
            };
        }
        // Longest first, so that matching at one position prefers the longest token.
        added.retain(|t| !t.pattern.is_empty());
        crate::order::sort_by(&mut added, &|a, b| b.pattern.len().cmp(&a.pattern.len()).then(a.id.cmp(&b.id)));
        Ok(Tokenizer { normalizer, pre_tokenizer, model, added, template, decoder })
    }

    fn vocab(&self) -> &Vocab {
        match &self.model {
            Model::WordPiece(wp) => &wp.vocab,
            Model::Bpe(bpe) => &bpe.vocab,
            Model::Unigram(unigram) => &unigram.vocab,
        }
    }

    /// One past the largest id, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.added.iter().map(|t| t.id as usize + 1).fold(self.vocab().len(), usize::max)
    }

    pub fn token_id(&self, token: &str) -> Option<u32> {
        if let Some(t) = self.added.iter().find(|t| t.content == token) {
            return Some(t.id);
        }
        self.vocab().id(token)
    }

    /// How many special tokens the template adds around one sequence (or a pair).
    pub fn added_special_count(&self, pair: bool) -> usize {
        let pieces = if pair { &self.template.pair } else { &self.template.single };
        pieces.iter().map(|p| if let Piece::Special { ids, .. } = p { ids.len() } else { 0 }).sum()
    }

    /// The model's tokens for `text`, without the template's special tokens.
    pub fn encode_raw(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        for segment in self.split_added(text, false) {
            match segment {
                Segment::Added(id) => ids.push(id),
                Segment::Text(raw) => {
                    let normalized = match &self.normalizer {
                        Some(n) => n.normalize(raw),
                        None => raw.to_owned(),
                    };
                    let raw_at_start = raw.as_ptr() == text.as_ptr();
                    for inner in self.split_added(&normalized, true) {
                        match inner {
                            Segment::Added(id) => ids.push(id),
                            Segment::Text(piece) => {
                                let at_start = raw_at_start && piece.as_ptr() == normalized.as_ptr();
                                self.tokenize_piece(piece, at_start, &mut ids)?
                            }
                        }
                    }
                }
            }
        }
        Ok(ids)
    }

    /// `tokenizer(text)` / `tokenizer(text, pair)` with the special tokens, never truncated.
    pub fn encode(&self, text: &str, pair: Option<&str>, add_special_tokens: bool) -> Result<Encoding> {
        let first = self.encode_raw(text)?;
        let second = pair.map(|p| self.encode_raw(p)).transpose()?;
        Ok(self.apply_template(first, second, add_special_tokens))
    }

    /// As `encode`, truncated to `max_len` tokens including the special ones: the longer of
    /// the two sequences loses tokens first (Hugging Face's `longest_first`), from the end.
    pub fn encode_truncated(&self, text: &str, pair: Option<&str>, max_len: usize) -> Result<Encoding> {
        self.encode_truncated_with(text, pair, max_len, Truncation::LongestFirst)
    }

    /// As `encode`, truncated to `max_len` tokens including the special ones, as
    /// `tokenizers`' truncation strategies do it.
    pub fn encode_truncated_with(
        &self,
        text: &str,
        pair: Option<&str>,
        max_len: usize,
        strategy: Truncation,
    ) -> Result<Encoding> {
        let mut first = self.encode_raw(text)?;
        let mut second = pair.map(|p| self.encode_raw(p)).transpose()?;
        let specials = self.added_special_count(second.is_some());
        let budget = max_len.checked_sub(specials).ok_or_else(|| {
            Error::InvalidInput(format!("max length {max_len} leaves no room for the {specials} special tokens"))
        })?;
        match (&mut second, strategy) {
            (None, _) => first.truncate(budget),
            (Some(second), Truncation::OnlyFirst) => {
                let room = budget.checked_sub(second.len()).filter(|&r| r > 0 || first.is_empty());
                first.truncate(room.ok_or_else(|| {
                    Error::InvalidInput(format!("the second text alone exceeds the {max_len}-token limit"))
                })?);
            }
            (Some(second), Truncation::LongestFirst) if first.len() + second.len() > budget => {
                // tokenizers' arithmetic: the shorter keeps its length if the longer can take
                // the rest, else they share the budget, the longer getting the odd token.
                let swap = first.len() > second.len();
                let short = first.len().min(second.len());
                let mut keep_long = if short > budget { short } else { short.max(budget - short) };
                let mut keep_short = short;
                if keep_short + keep_long > budget {
                    keep_short = budget / 2;
                    keep_long = keep_short + budget % 2;
                }
                let (keep_first, keep_second) = if swap { (keep_long, keep_short) } else { (keep_short, keep_long) };
                first.truncate(keep_first);
                second.truncate(keep_second);
            }
            _ => {}
        }
        Ok(self.apply_template(first, second, true))
    }

    fn apply_template(&self, first: Vec<u32>, second: Option<Vec<u32>>, add_special_tokens: bool) -> Encoding {
        let mut out = Encoding::default();
        let pieces = if second.is_some() { &self.template.pair } else { &self.template.single };
        if !add_special_tokens || pieces.is_empty() {
            // Without a template, tokens of the second sequence get type 1, as `tokenizers` does.
            out.type_ids = vec![0; first.len()];
            out.ids = first;
            if let Some(second) = second {
                out.type_ids.extend(core::iter::repeat_n(1, second.len()));
                out.ids.extend(second);
            }
            return out;
        }
        for piece in pieces {
            let (ids, type_id): (&[u32], u32) = match piece {
                Piece::Special { ids, type_id } => (ids, *type_id),
                Piece::First { type_id } => (&first, *type_id),
                Piece::Second { type_id } => (second.as_deref().unwrap_or(&[]), *type_id),
            };
            out.ids.extend_from_slice(ids);
            out.type_ids.extend(core::iter::repeat_n(type_id, ids.len()));
        }
        out
    }

    /// Pre-tokenises and encodes one piece of normalised text; `at_start`: the piece begins
    /// the original text.
    fn tokenize_piece(&self, text: &str, at_start: bool, ids: &mut Vec<u32>) -> Result<()> {
        match (&self.model, self.pre_tokenizer) {
            (Model::Bpe(bpe), PreTokenizer::ByteLevel { add_prefix_space, use_regex }) => {
                bpe.encode_byte_level(text, add_prefix_space, use_regex, ids);
                Ok(())
            }
            (model, pre) => {
                let mut words = Vec::new();
                let metaspaced;
                match pre {
                    PreTokenizer::Bert => wordpiece::bert_pre_tokenize(text, &mut words),
                    PreTokenizer::WhitespaceSplit => words.extend(text.split_whitespace()),
                    PreTokenizer::Metaspace { replacement, prepend, split } => {
                        let mut s = String::with_capacity(text.len() + 3);
                        let prepend = match prepend {
                            Prepend::Always => true,
                            Prepend::First => at_start,
                            Prepend::Never => false,
                        };
                        if prepend && !text.starts_with(replacement) && !text.starts_with(' ') {
                            s.push(replacement);
                        }
                        s.extend(text.chars().map(|c| if c == ' ' { replacement } else { c }));
                        metaspaced = s;
                        if split {
                            // Each word starts at a replacement character (MergedWithNext).
                            let mut start = 0;
                            for (i, _) in metaspaced.char_indices().filter(|&(_, c)| c == replacement) {
                                if i > start {
                                    words.push(crate::text::slice(&metaspaced, start, i));
                                }
                                start = i;
                            }
                            words.push(crate::text::tail(&metaspaced, start));
                        } else {
                            words.push(&metaspaced);
                        }
                    }
                    PreTokenizer::ByteLevel { .. } | PreTokenizer::None => words.push(text),
                }
                for word in words.into_iter().filter(|w| !w.is_empty()) {
                    match model {
                        Model::WordPiece(wp) => wp.encode_word(word, ids),
                        Model::Bpe(bpe) => bpe.encode_word(word, ids),
                        Model::Unigram(unigram) => unigram.encode_word(word, ids)?,
                    }
                }
                Ok(())
            }
        }
    }

    /// Splits `text` around the added tokens matched at this stage (raw or normalised).
    fn split_added<'t>(&self, text: &'t str, normalized: bool) -> Vec<Segment<'t>> {
        let mut segments = Vec::new();
        let mut start_of_text = 0;
        let mut pos = 0;
        let bytes = text.as_bytes();
        while pos < text.len() {
            // Leftmost-longest, as `tokenizers`' Aho-Corasick: the longest token at the first
            // position where any matches; `single_word` then may discard that match (and the
            // search resumes after it, never trying a shorter token in its place).
            let found = self
                .added
                .iter()
                .filter(|t| t.normalized == normalized)
                .find(|t| bytes[pos..].starts_with(t.pattern.as_bytes()));
            let Some(token) = found else {
                pos += crate::text::tail(text, pos).chars().next().map_or(1, char::len_utf8);
                continue;
            };
            if token.single_word && !is_single_word(text, pos, pos + token.pattern.len()) {
                pos += token.pattern.len();
                continue;
            }
            let mut before_end = pos;
            if token.lstrip {
                before_end = crate::text::head(text, pos).trim_end().len().max(start_of_text);
            }
            let mut after = pos + token.pattern.len();
            if token.rstrip {
                after = text.len() - crate::text::tail(text, after).trim_start().len();
            }
            if before_end > start_of_text {
                segments.push(Segment::Text(crate::text::slice(text, start_of_text, before_end)));
            }
            segments.push(Segment::Added(token.id));
            start_of_text = after;
            pos = after;
        }
        if start_of_text < text.len() {
            segments.push(Segment::Text(crate::text::tail(text, start_of_text)));
        }
        segments
    }

    /// Text of `ids`, as `tokenizer.decode(ids, skip_special_tokens=…)`.
    /// Unlike `tokenizers`, which skips them silently, an id outside the vocabulary is an error.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        if let Some(id) = ids.iter().find(|&&id| self.token(id).is_empty()) {
            return Err(Error::InvalidInput(format!("token id {id} is not in the vocabulary")));
        }
        Ok(String::from_utf8_lossy(&self.decode_bytes(ids, skip_special_tokens)?).into_owned())
    }

    fn token(&self, id: u32) -> &str {
        match self.added.iter().find(|t| t.id == id) {
            Some(t) => &t.content,
            None => self.vocab().tokens().get(id as usize).map_or("", String::as_str),
        }
    }

    /// The bytes `decode` turns into text. Byte-level vocabularies may end inside a UTF-8
    /// sequence, which streaming must hold back rather than replace. Ids outside the
    /// vocabulary (a model's padded embedding rows) are skipped, as `tokenizers` does.
    pub fn decode_bytes(&self, ids: &[u32], skip_special_tokens: bool) -> Result<Vec<u8>> {
        let mut tokens = Vec::with_capacity(ids.len());
        for &id in ids {
            let token = self.token(id);
            let special = self.added.iter().any(|t| t.id == id && t.special);
            let skipped = token.is_empty() || (skip_special_tokens && special);
            if !skipped {
                tokens.push(token);
            }
        }
        Ok(match self.decoder {
            Decoder::WordPiece { cleanup } => wordpiece::decode(&tokens, cleanup).into_bytes(),
            Decoder::ByteLevel => bpe::decode_bytes(tokens.iter().copied()),
            Decoder::Metaspace { replacement, prepend } => {
                let mut out = String::new();
                for (i, token) in tokens.iter().enumerate() {
                    for c in token.chars() {
                        if c != replacement {
                            out.push(c);
                        } else if !(i == 0 && prepend) {
                            out.push(' ');
                        }
                    }
                }
                out.into_bytes()
            }
            Decoder::Plain => {
                // `join` by hand: `[&str]::join` is ~1 KB of component.
                let mut out = Vec::new();
                for (i, token) in tokens.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(token.as_bytes());
                }
                out
            }
        })
    }
}

enum Segment<'t> {
    Text(&'t str),
    Added(u32),
}

/// `single_word` tokens only match when no word character touches them on either side.
fn is_single_word(text: &str, start: usize, end: usize) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = crate::text::head(text, start).chars().next_back().is_some_and(is_word);
    let after = crate::text::tail(text, end).chars().next().is_some_and(is_word);
    !before && !after
}

fn special_token_name(config: &Value, key: &str) -> Option<String> {
    match config.field(key)? {
        Value::String(s) => Some(s.clone()),
        // AddedToken serialisations: {"content": ..., ...}
        other => other.field("content").and_then(Value::as_str).map(str::to_owned),
    }
}

fn bert_template(cls: u32, sep: u32) -> Template {
    let special = |id, type_id| Piece::Special { ids: vec![id], type_id };
    Template {
        single: vec![special(cls, 0), Piece::First { type_id: 0 }, special(sep, 0)],
        pair: vec![
            special(cls, 0),
            Piece::First { type_id: 0 },
            special(sep, 0),
            Piece::Second { type_id: 1 },
            special(sep, 1),
        ],
    }
}

fn roberta_template(cls: u32, sep: u32) -> Template {
    let special = |id| Piece::Special { ids: vec![id], type_id: 0 };
    Template {
        single: vec![special(cls), Piece::First { type_id: 0 }, special(sep)],
        pair: vec![
            special(cls),
            Piece::First { type_id: 0 },
            special(sep),
            special(sep),
            Piece::Second { type_id: 0 },
            special(sep),
        ],
    }
}

fn pre_tokenizer_from_json(json: &Value) -> Result<PreTokenizer> {
    match json.field("type").and_then(Value::as_str) {
        Some("BertPreTokenizer") => Ok(PreTokenizer::Bert),
        Some("WhitespaceSplit") => Ok(PreTokenizer::WhitespaceSplit),
        Some("ByteLevel") => Ok(PreTokenizer::ByteLevel {
            add_prefix_space: json.field("add_prefix_space").and_then(Value::as_bool).unwrap_or(true),
            use_regex: json.field("use_regex").and_then(Value::as_bool).unwrap_or(true),
        }),
        Some("Metaspace") => {
            let replacement = json.field("replacement").and_then(Value::as_str).and_then(|r| {
                let mut chars = r.chars();
                chars.next().filter(|_| chars.next().is_none())
            });
            // Older files say add_prefix_space instead of prepend_scheme.
            let prepend = match json.field("prepend_scheme").and_then(Value::as_str) {
                Some("always") => Prepend::Always,
                Some("first") => Prepend::First,
                Some("never") => Prepend::Never,
                Some(other) => return Err(bad(format!("Metaspace prepend_scheme '{other}' is unknown"))),
                None if json.field("add_prefix_space").and_then(Value::as_bool) == Some(false) => Prepend::Never,
                None => Prepend::Always,
            };
            Ok(PreTokenizer::Metaspace {
                replacement: replacement.ok_or_else(|| bad("Metaspace replacement is not one character"))?,
                prepend,
                split: json.field("split").and_then(Value::as_bool).unwrap_or(true),
            })
        }
        Some("Sequence") => {
            // A sequence of one pre-tokenizer is common in exported files.
            match json.field("pretokenizers").and_then(Value::as_array) {
                Some([only]) => pre_tokenizer_from_json(only),
                _ => Err(Error::UnsupportedArchitecture(
                    "pre-tokenizer Sequence of several steps is not implemented".into(),
                )),
            }
        }
        Some(other) => Err(Error::UnsupportedArchitecture(format!("pre-tokenizer '{other}' is not implemented"))),
        None => Err(bad("pre_tokenizer has no type")),
    }
}

fn template_from_json(json: &Value) -> Result<Template> {
    let pair_of = |key: &str| -> Result<u32> {
        json.field(key)
            .and_then(Value::as_array)
            .and_then(|a| a.get(1))
            .and_then(Value::as_usize)
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| bad(format!("post_processor {key} is not [token, id]")))
    };
    match json.field("type").and_then(Value::as_str) {
        Some("BertProcessing") => Ok(bert_template(pair_of("cls")?, pair_of("sep")?)),
        Some("RobertaProcessing") => Ok(roberta_template(pair_of("cls")?, pair_of("sep")?)),
        Some("TemplateProcessing") => {
            // Entries whose ids are not a list of ids are left out.
            let ids_of = |v: &Value| -> Option<Vec<u32>> {
                let items = v.field("ids")?.as_array()?;
                let mut ids = Vec::with_capacity(items.len());
                for i in items {
                    ids.push(i.as_usize().and_then(|i| u32::try_from(i).ok())?);
                }
                Some(ids)
            };
            let mut specials: Vec<(&str, Vec<u32>)> = Vec::new();
            for (name, v) in json.field("special_tokens").and_then(Value::as_object).unwrap_or(&[]) {
                if let Some(ids) = ids_of(v) {
                    specials.push((name.as_str(), ids));
                }
            }
            let pieces = |key: &str| -> Result<Vec<Piece>> {
                let items = json
                    .field(key)
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad(format!("TemplateProcessing has no {key}")))?;
                let mut pieces = Vec::with_capacity(items.len());
                for item in items {
                    pieces.push(if let Some(s) = item.field("SpecialToken") {
                        let id = s.field("id").and_then(Value::as_str).unwrap_or_default();
                        let (_, ids) = specials
                            .iter()
                            .find(|(name, _)| *name == id)
                            .ok_or_else(|| bad(format!("template special token '{id}' is not defined")))?;
                        Piece::Special { ids: ids.clone(), type_id: type_id_of(s) }
                    } else if let Some(s) = item.field("Sequence") {
                        match s.field("id").and_then(Value::as_str) {
                            Some("A") => Piece::First { type_id: type_id_of(s) },
                            Some("B") => Piece::Second { type_id: type_id_of(s) },
                            _ => return Err(bad("template sequence id must be A or B")),
                        }
                    } else {
                        return Err(bad("template item is neither SpecialToken nor Sequence"));
                    });
                }
                Ok(pieces)
            };
            Ok(Template { single: pieces("single")?, pair: pieces("pair")? })
        }
        // ByteLevel post-processing only trims offsets; ids are unchanged.
        Some("ByteLevel") => Ok(Template::default()),
        Some("Sequence") => {
            let mut template = Template::default();
            for step in json.field("processors").and_then(Value::as_array).unwrap_or(&[]) {
                let t = template_from_json(step)?;
                if !t.single.is_empty() {
                    template = t;
                }
            }
            Ok(template)
        }
        Some(other) => Err(Error::UnsupportedArchitecture(format!("post-processor '{other}' is not implemented"))),
        None => Err(bad("post_processor has no type")),
    }
}

fn type_id_of(item: &Value) -> u32 {
    item.field("type_id").and_then(Value::as_usize).and_then(|i| u32::try_from(i).ok()).unwrap_or(0)
}

fn decoder_from_json(json: &Value) -> Result<Decoder> {
    match json.field("type").and_then(Value::as_str) {
        Some("WordPiece") => {
            Ok(Decoder::WordPiece { cleanup: json.field("cleanup").and_then(Value::as_bool).unwrap_or(true) })
        }
        Some("ByteLevel") => Ok(Decoder::ByteLevel),
        Some("Metaspace") => match pre_tokenizer_from_json(json)? {
            PreTokenizer::Metaspace { replacement, prepend, .. } => {
                Ok(Decoder::Metaspace { replacement, prepend: prepend != Prepend::Never })
            }
            _ => Err(bad("Metaspace decoder is malformed")),
        },
        Some(other) => Err(Error::UnsupportedArchitecture(format!("decoder '{other}' is not implemented"))),
        None => Err(bad("decoder has no type")),
    }
}
