//! Extended grapheme clusters, exactly as `unicode-segmentation` 1.13.3 (Unicode 17.0.0)
//! splits them with `graphemes(true)`: the crate that `tokenizers` 0.23 and `spm_precompiled`
//! 0.1.4 resolve to, and that the SentencePiece `Precompiled` normalizer walks.
//!
//! Rules GB1-GB13 and GB999 of UAX #29 as the crate orders them in `check_pair`: CR LF; breaks
//! around controls; Hangul L/V/T/LV/LVT; no break before Extend, ZWJ or SpacingMark, nor after
//! Prepend; GB9c (Indic conjuncts: InCB=Consonant [InCB=Extend|Linker]* with at least one
//! Linker, then InCB=Consonant); GB11 (Extended_Pictographic Extend* ZWJ x
//! Extended_Pictographic); GB12/13 (regional indicators in pairs). The crate looks back for
//! GB9c, GB11 and GB12/13; we carry the same facts forward in [`State`].
//!
//! The categories are a run table generated from the crate's own `src/tables.rs` by
//! `component/tools/gen_unicode.py` (the encoding of `unicode.rs`: sorted boundaries as u8
//! steps, a u32 chunk head after any step over 255 and every 32 steps; values a nibble per
//! run). ASCII and Hangul syllables (LV every 28th from U+AC00, else LVT) are computed.
//! Categories and clusters were compared with the crate for every char, every pair of class
//! representatives and millions of random strings, by a throwaway cargo project in /tmp (see
//! the generator's docstring).

/// Categories that are never looked up in the table (the table ones are generated below).
const CR: u8 = 16;
const LF: u8 = 17;
const LV: u8 = 18;
const LVT: u8 = 19;

const HANGUL_FIRST: u32 = 0xAC00;
const HANGUL_LAST: u32 = 0xD7A3;

/// The run table format is `unicode.rs`'s, and so is its lookup.
use super::unicode::Runs;

/// The grapheme category of `c`, as unicode-segmentation's `grapheme_category` gives it.
pub(crate) fn category(c: char) -> u8 {
    let cp = c as u32;
    // The crate answers up to U+007E without its table, and so do we.
    if cp < 0x7F {
        return match c {
            '\n' => LF,
            '\r' => CR,
            ' '..='~' => ANY,
            _ => CONTROL,
        };
    }
    if (HANGUL_FIRST..=HANGUL_LAST).contains(&cp) {
        return if (cp - HANGUL_FIRST).is_multiple_of(28) { LV } else { LVT };
    }
    let run = GRAPHEME.find(cp).run;
    GRAPHEME_VALUES[run / 2] >> (run % 2 * 4) & 0xF
}

/// What the crate would find looking back from the current position.
#[derive(Clone, Copy)]
struct State {
    /// Category of the previous char.
    prev: u8,
    /// GB12/13: an odd number of regional indicators ends here.
    odd_regional: bool,
    /// GB9c: 0, or 1 after InCB=Consonant [InCB=Extend]*, or 2 once a Linker followed it.
    conjunct: u8,
    /// GB11: Extended_Pictographic Extend* ends here.
    pictographic: bool,
    /// GB11: the previous char is a ZWJ that followed Extended_Pictographic Extend*.
    zwj_after_pictographic: bool,
}

impl State {
    const START: State =
        State { prev: CONTROL, odd_regional: false, conjunct: 0, pictographic: false, zwj_after_pictographic: false };

    /// Whether there is a boundary between the previous char and one of category `cat`.
    fn breaks_before(&self, cat: u8) -> bool {
        match (self.prev, cat) {
            (CR, LF) => false,                                                // GB3
            (CONTROL | CR | LF, _) | (_, CONTROL | CR | LF) => true,          // GB4, GB5
            (L, L | V | LV | LVT) | (LV | V, V | T) | (LVT | T, T) => false,  // GB6-GB8
            (_, EXTEND | EXTEND_INCB | LINKER | ZWJ | SPACING_MARK) => false, // GB9, GB9a
            (PREPEND, _) => false,                                            // GB9b
            (_, CONSONANT) => self.conjunct != 2,                             // GB9c
            (ZWJ, PICTOGRAPHIC) => !self.zwj_after_pictographic,              // GB11
            (REGIONAL, REGIONAL) => !self.odd_regional,                       // GB12, GB13
            _ => true,                                                        // GB999
        }
    }

    /// Moves past a char of category `cat`.
    fn advance(&mut self, cat: u8) {
        let extend = matches!(cat, EXTEND | EXTEND_INCB | LINKER);
        self.odd_regional = cat == REGIONAL && !self.odd_regional;
        self.conjunct = match cat {
            CONSONANT => 1,
            LINKER if self.conjunct != 0 => 2,
            EXTEND_INCB | ZWJ => self.conjunct,
            _ => 0,
        };
        self.zwj_after_pictographic = cat == ZWJ && self.pictographic;
        self.pictographic = cat == PICTOGRAPHIC || extend && self.pictographic;
        self.prev = cat;
    }
}

/// Iterator over the extended grapheme clusters of a string.
pub(crate) struct Clusters<'a> {
    rest: &'a str,
    state: State,
}

impl<'a> Iterator for Clusters<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let mut chars = self.rest.char_indices();
        // There is a boundary before the first char: at the start, or found by the last call.
        let (_, first) = chars.next()?;
        self.state.advance(category(first));
        let mut end = self.rest.len();
        for (i, c) in chars {
            let cat = category(c);
            if self.state.breaks_before(cat) {
                end = i;
                break;
            }
            self.state.advance(cat);
        }
        let (cluster, rest) = self.rest.split_at_checked(end)?;
        self.rest = rest;
        Some(cluster)
    }
}

/// The extended grapheme clusters of `text`, as `text.graphemes(true)` gives them.
pub(crate) fn clusters(text: &str) -> Clusters<'_> {
    Clusters { rest: text, state: State::START }
}

// @generated begin: component/tools/gen_unicode.py, do not edit by hand.
// Static data: 2268 bytes.
// GRAPHEME_HEADS 296  GRAPHEME_STEPS 1290  GRAPHEME_VALUES 682

/// GCB=Other, and Hangul syllables, which are computed.
pub(crate) const ANY: u8 = 0;
/// GCB=Control; ASCII is computed.
pub(crate) const CONTROL: u8 = 1;
/// GCB=Extend that is neither InCB=Extend nor InCB=Linker.
pub(crate) const EXTEND: u8 = 2;
/// GCB=Extend and InCB=Extend.
pub(crate) const EXTEND_INCB: u8 = 3;
/// GCB=Extend and InCB=Linker.
pub(crate) const LINKER: u8 = 4;
/// GCB=ZWJ, which is also InCB=Extend.
pub(crate) const ZWJ: u8 = 5;
/// Extended_Pictographic.
pub(crate) const PICTOGRAPHIC: u8 = 6;
/// InCB=Consonant.
pub(crate) const CONSONANT: u8 = 7;
/// Hangul leading jamo.
pub(crate) const L: u8 = 8;
/// Hangul vowel jamo.
pub(crate) const V: u8 = 9;
/// Hangul trailing jamo.
pub(crate) const T: u8 = 10;
/// GCB=Prepend.
pub(crate) const PREPEND: u8 = 11;
/// GCB=Regional_Indicator.
pub(crate) const REGIONAL: u8 = 12;
/// GCB=SpacingMark.
pub(crate) const SPACING_MARK: u8 = 13;

/// Grapheme category runs of unicode-segmentation 1.13.3, Unicode 17.0.0. Chunk heads.
#[rustfmt::skip]
static GRAPHEME_HEADS: [u32; 74] = [
    0x00000000, 0x00180007, 0x00241809, 0x002c880b, 0x0039802c, 0x004a084d, 0x004e706e, 0x0054208f,
    0x0059a0b0, 0x005e50d1, 0x0065e8f2, 0x006ab913, 0x00767934, 0x0081f955, 0x009ae971, 0x00b89173,
    0x00c96194, 0x00d859b5, 0x00e161d6, 0x010059e9, 0x0118d200, 0x01310a21, 0x0134da42, 0x01383263,
    0x013caa84, 0x0149a28c, 0x01582a8e, 0x01677a96, 0x0181529c, 0x0194baa3, 0x05337aa7, 0x054012af,
    0x054c62d0, 0x0553daf1, 0x055f7312, 0x06bd8313, 0x07d8f317, 0x07f00319, 0x080feb23, 0x08500329,
    0x0869233b, 0x08755b3f, 0x08881b60, 0x0891f381, 0x089c5ba2, 0x08a2fbc3, 0x08b56be4, 0x08c163f0,
    0x08cf0c11, 0x08e1bc32, 0x08f79c53, 0x09a18465, 0x0b08f46a, 0x0b57846e, 0x0b6b1c72, 0x0b7a7c76,
    0x0de4ec80, 0x0e780484, 0x0e8b2c88, 0x0ed00494, 0x0f0004a0, 0x0f1574ae, 0x0f2764b2, 0x0f4684be,
    0x0f8024c2, 0x0f91e4e3, 0x0fac7504, 0x0fb65d25, 0x0fd00546, 0x0fe0054b, 0x0ffff54c, 0x7000054d,
    0x70800552, 0x88000553,
];

/// Grapheme category runs of unicode-segmentation 1.13.3, Unicode 17.0.0. Steps between boundaries.
#[rustfmt::skip]
static GRAPHEME_STEPS: [u8; 1290] = [
    160, 9, 1, 3, 1, 1, 112, 7, 45, 1, 1, 1, 2, 1, 2, 1, 1, 56, 6, 10, 11, 1, 1, 46, 21, 16, 1, 101,
    7, 1, 1, 6, 2, 2, 1, 4, 33, 1, 1, 1, 27, 91, 11, 58, 9, 9, 1, 24, 4, 1, 9, 1, 3, 1, 5, 43, 3,
    52, 2, 5, 9, 42, 24, 1, 32, 1, 17, 37, 1, 1, 1, 1, 8, 4, 1, 2, 1, 7, 8, 2, 2, 20, 8, 1, 1, 2,
    17, 20, 1, 7, 1, 1, 3, 4, 2, 1, 1, 1, 2, 4, 2, 2, 2, 2, 9, 1, 4, 2, 1, 1, 2, 2, 12, 2, 12, 1, 2,
    2, 1, 56, 1, 1, 3, 2, 4, 2, 2, 3, 3, 1, 30, 2, 3, 1, 11, 2, 17, 20, 1, 7, 1, 2, 1, 5, 2, 1, 1,
    3, 5, 1, 2, 1, 1, 2, 1, 20, 2, 21, 1, 6, 1, 1, 2, 17, 20, 1, 7, 1, 1, 5, 2, 1, 1, 2, 1, 4, 2, 2,
    2, 2, 1, 7, 3, 4, 2, 1, 1, 2, 2, 13, 1, 16, 1, 59, 1, 1, 1, 2, 3, 3, 3, 1, 9, 1, 40, 1, 3, 1,
    16, 20, 1, 16, 2, 1, 1, 3, 4, 1, 3, 1, 3, 1, 7, 2, 1, 3, 7, 2, 29, 1, 2, 56, 1, 1, 2, 1, 1, 2,
    1, 3, 1, 4, 7, 2, 11, 2, 15, 1, 12, 2, 2, 17, 38, 2, 1, 1, 2, 4, 1, 3, 1, 3, 1, 1, 1, 10, 2, 29,
    1, 2, 70, 1, 4, 1, 2, 3, 1, 1, 1, 7, 1, 18, 2, 61, 1, 1, 1, 7, 12, 8, 98, 1, 1, 1, 9, 11, 73, 2,
    27, 1, 1, 1, 1, 1, 4, 2, 49, 14, 1, 5, 1, 2, 5, 11, 1, 36, 9, 1, 57, 43, 2, 4, 1, 6, 1, 1, 1, 2,
    1, 16, 6, 2, 2, 4, 3, 1, 3, 2, 7, 3, 4, 13, 1, 1, 1, 2, 6, 1, 1, 14, 1, 98, 96, 72, 88, 3, 4,
    28, 3, 29, 2, 30, 2, 12, 52, 2, 1, 7, 8, 1, 2, 9, 1, 1, 9, 1, 45, 3, 1, 1, 117, 2, 34, 1, 118,
    3, 4, 2, 4, 2, 1, 6, 3, 219, 2, 2, 1, 4, 53, 1, 1, 1, 7, 1, 1, 1, 1, 2, 8, 6, 10, 2, 1, 48, 46,
    2, 12, 20, 4, 1, 2, 6, 33, 10, 4, 2, 1, 8, 30, 9, 12, 2, 1, 30, 1, 4, 2, 3, 1, 2, 2, 11, 3, 40,
    1, 1, 2, 3, 1, 1, 5, 48, 8, 2, 2, 152, 3, 1, 13, 1, 7, 4, 1, 6, 1, 2, 1, 2, 198, 64, 1, 1, 1, 2,
    24, 7, 13, 1, 12, 1, 22, 16, 96, 33, 49, 1, 22, 1, 90, 6, 15, 2, 2, 12, 1, 166, 1, 25, 11, 4, 3,
    199, 1, 231, 2, 10, 1, 9, 1, 58, 4, 1, 5, 9, 1, 2, 1, 2, 2, 2, 1, 4, 1, 2, 1, 2, 2, 1, 3, 1, 3,
    2, 8, 3, 5, 1, 1, 1, 5, 12, 11, 2, 2, 1, 1, 2, 1, 1, 18, 1, 2, 2, 18, 6, 1, 1, 2, 3, 2, 5, 1, 2,
    2, 4, 2, 11, 2, 5, 2, 2, 1, 5, 2, 1, 1, 1, 2, 20, 2, 5, 6, 1, 4, 2, 1, 4, 1, 2, 2, 6, 1, 1, 2,
    1, 1, 1, 1, 1, 6, 1, 3, 1, 6, 1, 10, 2, 15, 1, 2, 1, 4, 1, 1, 1, 4, 3, 1, 1, 11, 2, 3, 9, 1, 14,
    1, 14, 1, 2, 3, 19, 2, 51, 1, 4, 1, 3, 141, 1, 96, 32, 6, 1, 12, 1, 91, 2, 1, 1, 1, 4, 1, 10,
    32, 2, 80, 2, 1, 3, 1, 4, 1, 23, 2, 2, 1, 4, 1, 83, 2, 50, 16, 2, 26, 18, 13, 1, 38, 8, 25, 11,
    1, 1, 12, 29, 3, 3, 1, 5, 3, 36, 1, 2, 4, 2, 2, 2, 1, 31, 5, 1, 1, 9, 10, 5, 42, 6, 2, 2, 2, 2,
    12, 1, 8, 1, 1, 18, 16, 1, 3, 6, 1, 1, 1, 2, 48, 1, 1, 3, 2, 2, 5, 2, 1, 1, 30, 11, 1, 2, 2, 5,
    1, 1, 201, 27, 8, 2, 1, 2, 1, 2, 1, 1, 23, 4, 49, 1, 16, 16, 16, 207, 1, 158, 2, 80, 12, 1, 226,
    1, 149, 5, 1, 3, 1, 2, 5, 4, 4, 1, 3, 1, 29, 2, 3, 4, 1, 165, 2, 4, 65, 5, 2, 77, 6, 70, 11, 49,
    4, 122, 1, 1, 1, 53, 15, 41, 1, 2, 2, 10, 3, 1, 45, 3, 4, 2, 2, 2, 1, 4, 1, 10, 1, 50, 36, 5, 1,
    6, 1, 1, 15, 1, 2, 1, 43, 1, 12, 2, 1, 48, 3, 9, 1, 1, 1, 2, 5, 4, 1, 1, 1, 92, 3, 3, 2, 4, 1,
    2, 1, 157, 1, 3, 8, 21, 2, 2, 55, 2, 1, 1, 1, 1, 4, 2, 2, 2, 2, 1, 9, 1, 10, 2, 2, 7, 3, 5, 11,
    10, 1, 2, 1, 1, 38, 2, 1, 2, 6, 1, 1, 2, 1, 1, 3, 1, 1, 2, 2, 1, 1, 1, 14, 2, 82, 3, 8, 2, 3, 1,
    1, 23, 81, 1, 2, 6, 1, 1, 2, 1, 1, 2, 1, 2, 235, 1, 2, 4, 2, 4, 2, 1, 2, 27, 2, 82, 3, 8, 2, 1,
    1, 2, 106, 1, 1, 2, 8, 101, 1, 1, 1, 2, 4, 1, 5, 3, 9, 1, 2, 197, 7, 2, 1, 2, 8, 1, 2, 1, 24, 1,
    5, 1, 2, 2, 3, 1, 1, 1, 1, 1, 1, 141, 3, 4, 2, 2, 4, 3, 1, 27, 1, 10, 40, 6, 1, 1, 4, 8, 1, 8,
    1, 6, 2, 3, 40, 6, 13, 1, 1, 1, 198, 1, 1, 3, 1, 1, 1, 199, 1, 1, 6, 1, 1, 82, 22, 1, 1, 7, 1,
    2, 1, 2, 122, 6, 3, 1, 1, 2, 1, 7, 1, 1, 66, 5, 1, 2, 1, 2, 1, 1, 1, 2, 2, 9, 2, 1, 1, 13, 1,
    34, 2, 5, 3, 2, 2, 1, 23, 1, 16, 1, 6, 15, 12, 3, 3, 5, 59, 7, 1, 3, 4, 1, 1, 55, 7, 4, 81, 1,
    11, 2, 2, 1, 4, 46, 2, 23, 5, 3, 6, 8, 8, 2, 7, 30, 4, 148, 3, 55, 4, 50, 8, 1, 14, 1, 22, 5, 1,
    15, 7, 1, 17, 2, 7, 1, 2, 1, 5, 100, 1, 160, 7, 1, 61, 4, 4, 254, 2, 243, 1, 2, 1, 7, 2, 5, 1,
    7, 109, 7, 1, 39, 4, 100, 12, 15, 2, 15, 1, 14, 2, 37, 10, 112, 2, 12, 2, 14, 1, 2, 10, 19, 56,
    26, 1, 15, 10, 1, 20, 1, 2, 9, 4, 9, 23, 6, 188, 2, 112, 2, 2, 1, 3, 2, 83, 2, 3, 1, 4, 5, 254,
    1, 63, 11, 6, 1, 24, 7, 2, 2, 8, 12, 1, 2, 2, 1, 4, 2, 13, 2, 2, 1, 8, 2, 9, 1, 5, 3, 12, 3, 8,
    3, 2, 1, 1, 1, 4, 1, 6, 1, 3, 1, 6, 86, 48, 70, 8, 2, 17, 3, 1, 1, 6, 2, 13, 218, 38, 12, 4, 56,
    8, 10, 6, 40, 8, 30, 2, 12, 4, 2, 14, 9, 39, 12, 47, 1, 10, 1, 88, 8, 14, 146, 32, 96, 128, 240,
];

static GRAPHEME: Runs = Runs { heads: &GRAPHEME_HEADS, steps: &GRAPHEME_STEPS };

/// The category of run j of `GRAPHEME`: nibble j % 2 of byte j / 2.
#[rustfmt::skip]
static GRAPHEME_VALUES: [u8; 682] = [
    1, 6, 97, 48, 48, 48, 48, 48, 48, 48, 176, 48, 16, 48, 48, 48, 11, 3, 3, 3, 11, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 11, 3, 179, 211, 112, 211, 3, 61, 77, 13, 115, 48, 112, 48, 13, 7, 7, 7, 7, 3,
    211, 3, 13, 77, 48, 112, 112, 48, 112, 48, 48, 13, 3, 61, 48, 48, 48, 48, 48, 48, 13, 7, 7, 7,
    7, 3, 61, 48, 13, 77, 48, 112, 3, 211, 112, 112, 112, 112, 48, 48, 61, 208, 208, 4, 3, 7, 7, 3,
    7, 3, 211, 211, 208, 208, 3, 3, 211, 3, 7, 7, 3, 211, 48, 48, 4, 3, 7, 3, 211, 48, 208, 211,
    211, 48, 48, 48, 48, 208, 48, 13, 55, 48, 61, 208, 208, 180, 48, 48, 48, 13, 3, 211, 3, 3, 61,
    208, 48, 208, 3, 3, 3, 61, 48, 48, 48, 48, 48, 208, 48, 61, 48, 48, 48, 48, 112, 48, 61, 64,
    211, 115, 112, 61, 55, 7, 7, 55, 55, 208, 3, 115, 48, 128, 169, 48, 48, 48, 48, 48, 112, 211,
    211, 211, 67, 3, 3, 19, 3, 3, 3, 211, 211, 208, 211, 3, 211, 3, 215, 211, 3, 4, 3, 211, 3, 3, 3,
    3, 211, 112, 112, 211, 67, 7, 3, 211, 215, 211, 67, 115, 112, 48, 61, 61, 61, 208, 211, 3, 3,
    211, 3, 3, 3, 61, 48, 16, 82, 1, 1, 6, 6, 1, 3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 3,
    3, 3, 99, 96, 48, 96, 96, 48, 48, 48, 48, 48, 48, 48, 208, 211, 48, 208, 208, 3, 3, 3, 3, 211,
    3, 8, 211, 112, 112, 211, 211, 211, 4, 55, 112, 112, 48, 61, 61, 48, 48, 13, 7, 7, 7, 3, 7, 3,
    3, 3, 3, 3, 215, 211, 208, 4, 7, 61, 61, 13, 61, 144, 160, 48, 48, 48, 16, 48, 16, 48, 48, 48,
    112, 3, 3, 115, 112, 112, 48, 64, 48, 48, 48, 48, 48, 48, 48, 208, 211, 48, 48, 48, 48, 13, 61,
    61, 176, 48, 176, 48, 55, 61, 52, 112, 125, 48, 48, 13, 61, 61, 176, 48, 208, 3, 61, 61, 48, 48,
    48, 61, 48, 13, 3, 211, 211, 208, 208, 3, 3, 13, 3, 3, 7, 7, 7, 7, 211, 3, 3, 3, 211, 208, 67,
    59, 48, 208, 211, 211, 3, 3, 211, 211, 211, 211, 211, 3, 211, 3, 61, 61, 48, 208, 211, 211, 3,
    211, 211, 3, 211, 3, 211, 3, 61, 61, 112, 112, 112, 112, 112, 211, 208, 48, 180, 189, 61, 208,
    3, 211, 3, 13, 55, 55, 13, 3, 4, 55, 61, 183, 211, 67, 48, 61, 61, 13, 61, 48, 61, 48, 208, 211,
    211, 3, 3, 3, 3, 179, 3, 13, 3, 61, 61, 48, 13, 179, 125, 112, 61, 208, 67, 48, 16, 3, 3, 211,
    3, 3, 3, 9, 9, 3, 13, 3, 3, 3, 3, 1, 3, 3, 3, 19, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 198, 96, 96, 96, 96, 96,
    96, 96, 96, 96, 96, 96, 96, 96, 99, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96,
    96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96,
    96, 96, 96, 96, 16, 19, 19, 0,
];

// @generated end

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        clusters(s).collect()
    }

    #[test]
    fn categories() {
        let cases = [
            ('a', ANY),
            ('\u{7F}', CONTROL),
            ('\u{AD}', CONTROL),
            ('\u{301}', EXTEND_INCB),
            ('\u{94D}', LINKER),
            ('\u{200D}', ZWJ),
            ('\u{A9}', PICTOGRAPHIC),
            ('\u{1F600}', PICTOGRAPHIC),
            ('\u{915}', CONSONANT),
            ('\u{1100}', L),
            ('\u{1161}', V),
            ('\u{11A8}', T),
            ('\u{AC00}', LV),
            ('\u{AC01}', LVT),
            ('\u{D7A3}', LVT),
            ('\u{600}', PREPEND),
            ('\u{1F1E6}', REGIONAL),
            ('\u{903}', SPACING_MARK),
            ('\u{10FFFF}', ANY),
        ];
        for (c, cat) in cases {
            assert_eq!(category(c), cat, "{c:?}");
        }
    }

    #[test]
    fn known_splits() {
        assert_eq!(split(""), Vec::<&str>::new());
        assert_eq!(split("ae\u{301}b"), ["a", "e\u{301}", "b"]);
        assert_eq!(split("a\r\n\n\r"), ["a", "\r\n", "\n", "\r"]);
        // Controls break even before marks (GB4/GB5 before GB9).
        assert_eq!(split("\n\u{301}"), ["\n", "\u{301}"]);
        // Flags pair up: US, FR, then a lone indicator.
        let flags = "\u{1F1FA}\u{1F1F8}\u{1F1EB}\u{1F1F7}\u{1F1FA}";
        assert_eq!(split(flags), ["\u{1F1FA}\u{1F1F8}", "\u{1F1EB}\u{1F1F7}", "\u{1F1FA}"]);
        // Family: man ZWJ woman ZWJ girl, skin tone modifiers included; then a lone ZWJ.
        let family = "\u{1F468}\u{1F3FB}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(split(&format!("{family}x\u{200D}\u{1F467}")), [family, "x\u{200D}", "\u{1F467}"]);
        // Hangul: L L V T is one syllable block; LV + T; LVT + T; LVT then V breaks.
        assert_eq!(split("\u{1100}\u{1100}\u{1161}\u{11A8}a"), ["\u{1100}\u{1100}\u{1161}\u{11A8}", "a"]);
        assert_eq!(
            split("\u{AC00}\u{11A8}\u{AC01}\u{11A8}\u{AC01}\u{1161}"),
            ["\u{AC00}\u{11A8}", "\u{AC01}\u{11A8}", "\u{AC01}", "\u{1161}"]
        );
        // Devanagari: KA VIRAMA SSA is one conjunct (GB9c); KA + SSA without virama is two.
        assert_eq!(split("\u{915}\u{94D}\u{937}\u{93F}"), ["\u{915}\u{94D}\u{937}\u{93F}"]);
        assert_eq!(split("\u{915}\u{937}"), ["\u{915}", "\u{937}"]);
        // A virama without a consonant before it does not join.
        assert_eq!(split("a\u{94D}\u{937}"), ["a\u{94D}", "\u{937}"]);
        // Prepend joins what follows; SpacingMark joins what precedes.
        assert_eq!(split("\u{600}1a\u{903}"), ["\u{600}1", "a\u{903}"]);
    }

    #[test]
    fn run_table_is_well_formed() {
        assert_eq!(GRAPHEME.heads[0] >> 11, 0);
        assert!(GRAPHEME.heads.windows(2).all(|w| w[0] >> 11 < w[1] >> 11));
        assert_eq!(*GRAPHEME.heads.last().unwrap() >> 11, 0x110000);
        let boundaries = (GRAPHEME.heads.last().unwrap() & 0x7ff) as usize;
        assert_eq!(GRAPHEME.steps.len(), boundaries - (GRAPHEME.heads.len() - 1));
        assert_eq!(GRAPHEME_VALUES.len(), boundaries.div_ceil(2));
    }
}
