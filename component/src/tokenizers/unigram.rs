//! SentencePiece Unigram (T5, mT5): Viterbi over the pieces' log-probabilities, as
//! `tokenizers`' `Unigram::encode_optimized` does it, with its unknown-character rule
//! (a character no piece starts with costs `min_score − 10`, and consecutive unknowns fuse
//! into one `<unk>`). Also reads `spiece.model`, the SentencePiece protobuf, by hand.

use super::vocab::Vocab;
use crate::error::{Error, Result};
use crate::json::Value;
use alloc::{format, string::String, vec::Vec};

/// `tokenizers`' K_UNK_PENALTY.
const UNKNOWN_PENALTY: f64 = 10.0;

pub struct Unigram {
    pub vocab: Vocab,
    /// Score of each id.
    scores: Vec<f64>,
    unk_id: Option<u32>,
    min_score: f64,
    /// Longest piece, in bytes: no match can be longer.
    max_piece_bytes: usize,
}

fn bad(what: impl Into<String>) -> Error {
    Error::InvalidTokenizer(what.into())
}

impl Unigram {
    /// Pieces in id order with their scores.
    pub fn new(pieces: Vec<(String, f64)>, unk_id: Option<u32>) -> Result<Unigram> {
        if unk_id.is_some_and(|u| u as usize >= pieces.len()) {
            return Err(bad("Unigram unk_id is outside the vocabulary"));
        }
        let mut scores: Vec<f64> = Vec::with_capacity(pieces.len());
        let mut ids = Vec::with_capacity(pieces.len());
        let mut max_piece_bytes = 0;
        for (p, s) in pieces {
            max_piece_bytes = max_piece_bytes.max(p.len());
            scores.push(s);
            ids.push((p, ids.len() as u32));
        }
        let min_score = scores.iter().copied().fold(f64::INFINITY, f64::min);
        let vocab = Vocab::new(ids)?;
        Ok(Unigram { vocab, scores, unk_id, min_score, max_piece_bytes })
    }

    pub fn from_json(json: &Value) -> Result<Unigram> {
        if json.field("byte_fallback").and_then(Value::as_bool) == Some(true) {
            return Err(Error::UnsupportedArchitecture("Unigram byte_fallback is not implemented".into()));
        }
        let entries =
            json.field("vocab").and_then(Value::as_array).ok_or_else(|| bad("Unigram vocab is not a list"))?;
        let mut pieces = Vec::with_capacity(entries.len());
        for entry in entries {
            let piece = match entry.as_array() {
                Some([Value::String(piece), score]) => score.as_f64().map(|score| (piece.clone(), score)),
                _ => None,
            };
            pieces.push(piece.ok_or_else(|| bad("a Unigram vocab entry is not [piece, score]"))?);
        }
        let unk_id = match json.field("unk_id") {
            None => None,
            Some(v) => Some(
                v.as_usize().and_then(|u| u32::try_from(u).ok()).ok_or_else(|| bad("Unigram unk_id is not an id"))?,
            ),
        };
        Unigram::new(pieces, unk_id)
    }

    /// Segments one pre-tokenised word.
    pub fn encode_word(&self, text: &str, ids: &mut Vec<u32>) -> Result<()> {
        struct Best {
            score: f64,
            start: Option<usize>,
            id: u32,
        }
        let n = text.len();
        let mut best: Vec<Best> = Vec::with_capacity(n + 1);
        for _ in 0..=n {
            best.push(Best { score: 0.0, start: None, id: 0 });
        }
        let unknown_score = self.min_score - UNKNOWN_PENALTY;
        let mut start = 0;
        while start < n {
            let here = best[start].score;
            let first_char = crate::text::tail(text, start).chars().next().map_or(1, char::len_utf8);
            let mut single_char_piece = false;
            let mut end = start;
            // Every piece that is a prefix of the rest, shortest first, as a trie gives them.
            for c in crate::text::tail(text, start).chars() {
                end += c.len_utf8();
                if end - start > self.max_piece_bytes {
                    break;
                }
                let Some(id) = self.vocab.id(crate::text::slice(text, start, end)) else { continue };
                let candidate = here + self.scores[id as usize];
                let node = &mut best[end];
                if node.start.is_none() || candidate > node.score {
                    *node = Best { score: candidate, start: Some(start), id };
                }
                single_char_piece |= end - start == first_char;
            }
            if !single_char_piece {
                let unk = self.unk_id.ok_or_else(|| {
                    Error::InvalidInput(
                        "the text has a character the vocabulary lacks, and it has no unknown token".into(),
                    )
                })?;
                let candidate = here + unknown_score;
                let node = &mut best[start + first_char];
                if node.start.is_none() || candidate > node.score {
                    *node = Best { score: candidate, start: Some(start), id: unk };
                }
            }
            start += first_char;
        }
        // Back from the end; runs of unknowns fuse into one piece.
        let mut pieces: Vec<(usize, usize, bool)> = Vec::new();
        let mut end = n;
        while end > 0 {
            let Some(from) = best[end].start else { break };
            let unknown = Some(best[end].id) == self.unk_id;
            match pieces.last_mut() {
                Some(last) if unknown && last.2 => last.0 = from,
                _ => pieces.push((from, end, unknown)),
            }
            end = from;
        }
        for &(from, to, _) in pieces.iter().rev() {
            // As `tokenizers`: the piece's string is looked up again (a fused run of unknowns
            // is `<unk>` unless it happens to be a piece).
            match (self.vocab.id(crate::text::slice(text, from, to)), self.unk_id) {
                (Some(id), _) | (None, Some(id)) => ids.push(id),
                (None, None) => {
                    return Err(Error::InvalidInput("the text has no representation in the vocabulary".into()));
                }
            }
        }
        Ok(())
    }
}

/// What `spiece.model` holds that a tokenizer needs.
pub struct SentencePieceModel {
    /// (piece, score, type): type 2 unknown, 3 control, 4 user-defined, 6 byte.
    pub pieces: Vec<(String, f32, u32)>,
    pub unk_id: Option<u32>,
    pub precompiled_charsmap: Vec<u8>,
    pub add_dummy_prefix: bool,
    pub remove_extra_whitespaces: bool,
}

/// A minimal protobuf reader: varints and length-delimited fields, enough for ModelProto.
struct Protobuf<'a> {
    bytes: &'a [u8],
    pos: usize,
}

enum Field<'a> {
    Varint(u64),
    Fixed32(u32),
    Fixed64,
    Bytes(&'a [u8]),
}

impl<'a> Protobuf<'a> {
    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos).ok_or_else(|| bad("spiece.model: truncated varint"))?;
            self.pos += 1;
            value |= ((byte & 0x7f) as u64) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(bad("spiece.model: varint too long"))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| bad("spiece.model: field runs past the end"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn next(&mut self) -> Result<Option<(u64, Field<'a>)>> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Field::Fixed64
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| bad("spiece.model: field too long"))?;
                Field::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                Field::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            other => return Err(bad(format!("spiece.model: unsupported wire type {other}"))),
        };
        Ok(Some((key >> 3, field)))
    }
}

impl SentencePieceModel {
    pub fn parse(bytes: &[u8]) -> Result<SentencePieceModel> {
        let mut model = SentencePieceModel {
            pieces: Vec::new(),
            unk_id: None,
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
        };
        let mut unk_id = 0u64; // SentencePiece's default
        let mut top = Protobuf { bytes, pos: 0 };
        while let Some((number, field)) = top.next()? {
            match (number, field) {
                (1, Field::Bytes(piece_bytes)) => {
                    let (mut piece, mut score, mut kind) = (String::new(), 0.0f32, 1u32);
                    let mut inner = Protobuf { bytes: piece_bytes, pos: 0 };
                    while let Some((n, f)) = inner.next()? {
                        match (n, f) {
                            (1, Field::Bytes(b)) => {
                                piece = String::from_utf8(b.to_vec())
                                    .map_err(|_| bad("spiece.model: a piece is not UTF-8"))?
                            }
                            (2, Field::Fixed32(bits)) => score = f32::from_bits(bits),
                            (3, Field::Varint(v)) => kind = v as u32,
                            _ => {}
                        }
                    }
                    model.pieces.push((piece, score, kind));
                }
                (2, Field::Bytes(trainer)) => {
                    let mut inner = Protobuf { bytes: trainer, pos: 0 };
                    while let Some((n, f)) = inner.next()? {
                        if let (40, Field::Varint(v)) = (n, f) {
                            unk_id = v;
                        }
                    }
                }
                (3, Field::Bytes(normalizer)) => {
                    let mut inner = Protobuf { bytes: normalizer, pos: 0 };
                    while let Some((n, f)) = inner.next()? {
                        match (n, f) {
                            (2, Field::Bytes(b)) => model.precompiled_charsmap = b.to_vec(),
                            (3, Field::Varint(v)) => model.add_dummy_prefix = v != 0,
                            (4, Field::Varint(v)) => model.remove_extra_whitespaces = v != 0,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if model.pieces.is_empty() {
            return Err(bad("spiece.model has no pieces"));
        }
        model.unk_id = u32::try_from(unk_id).ok().filter(|&u| (u as usize) < model.pieces.len());
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(pieces: &[(&str, f64)], unk: Option<u32>) -> Unigram {
        Unigram::new(pieces.iter().map(|(p, s)| (p.to_string(), *s)).collect(), unk).unwrap()
    }

    #[test]
    fn viterbi_prefers_the_best_total_score() {
        let m = model(&[("<unk>", 0.0), ("a", -1.0), ("b", -1.0), ("ab", -1.5), ("abc", -5.0), ("c", -1.0)], Some(0));
        let mut ids = Vec::new();
        m.encode_word("abc", &mut ids).unwrap();
        assert_eq!(ids, [3, 5], "ab + c (-2.5) beats abc (-5) and a + b + c (-3)");
    }

    #[test]
    fn consecutive_unknowns_fuse() {
        let m = model(&[("<unk>", 0.0), ("a", -1.0)], Some(0));
        let mut ids = Vec::new();
        m.encode_word("a🙂🙂a", &mut ids).unwrap();
        assert_eq!(ids, [1, 0, 1]);
        let without_unk = model(&[("a", -1.0)], None);
        assert!(matches!(without_unk.encode_word("b", &mut ids), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn reads_a_hand_made_model_proto() {
        // pieces: {"<unk>", type 2}, {"▁a", score -1.5}; trainer_spec unk_id 0;
        // normalizer_spec add_dummy_prefix false.
        let piece = |text: &str, score: f32, kind: u8| {
            let mut p = vec![0x0a, text.len() as u8];
            p.extend_from_slice(text.as_bytes());
            p.push(0x15);
            p.extend_from_slice(&score.to_le_bytes());
            p.extend_from_slice(&[0x18, kind]);
            let mut field = vec![0x0a, p.len() as u8];
            field.extend(p);
            field
        };
        let mut bytes = piece("<unk>", 0.0, 2);
        bytes.extend(piece("▁a", -1.5, 1));
        bytes.extend_from_slice(&[0x12, 0x03, 0xc0, 0x02, 0x00]); // field 2 { unk_id(40) = 0 }
        bytes.extend_from_slice(&[0x1a, 0x02, 0x18, 0x00]); // field 3 { add_dummy_prefix = false }
        let m = SentencePieceModel::parse(&bytes).unwrap();
        assert_eq!(m.pieces, [("<unk>".to_string(), 0.0, 2), ("▁a".to_string(), -1.5, 1)]);
        assert_eq!((m.unk_id, m.add_dummy_prefix), (Some(0), false));
        assert!(SentencePieceModel::parse(&bytes[..bytes.len() - 3]).is_err());
    }
}
