//! Unicode character classes and NFD, bit-for-bit as Hugging Face `tokenizers` 0.23 sees them.
//!
//! Token ids only match `tokenizers` if every class agrees with the one it uses, and it takes
//! its Unicode from three crates frozen at three different versions. Our tables come from
//! those crates' own data (see `component/tools/gen_unicode.py`), so they are frozen the same:
//!
//! - `unicode_categories` 0.1.1, Unicode 8.0.0: BertNormalizer's `is_control` (Cc, Cf, Co;
//!   despite its doc comment, not Cn: unassigned code points are kept), BertPreTokenizer's
//!   punctuation (P*) and strip_accents' nonspacing marks (Mn).
//! - `unicode-normalization-alignments` 0.1.12, Unicode 9.0.0: NFD. Characters given a
//!   decomposition or a combining class after 9.0 are left alone, as `tokenizers` does.
//! - `onig_sys` 69.9.3 (Oniguruma 6.9.10), Unicode 16.0.0: `\p{L}`, `\p{N}` and `\s` of the
//!   GPT-2 ByteLevel regex.
//! - The Rust standard library for `char::is_whitespace`, which `tokenizers` calls directly.
//!
//! The lookups were compared with those crates for every code point 0..=0x10FFFF, and NFD
//! also on random mark sequences, by a throwaway cargo project in /tmp that depends on
//! `unicode_categories`, `unicode-normalization-alignments` and `onig` and includes this file
//! with `#[path]`; the generator's docstring says what it compares, so it can be redone.
//!
//! Sets and maps are run tables: sorted boundaries stored as u8 steps, restarted by a u32
//! chunk head after any step over 255 and every 32 steps. That is about one byte per
//! boundary, a binary search over the heads and a short linear scan.

use alloc::string::String;

/// Boundaries of alternating runs, starting with a run at 0 (for sets: a non-member run,
/// possibly empty). `heads[k] = position << 11 | index of its boundary`; a sentinel head
/// at 0x110000 closes the last chunk.
pub(super) struct Runs {
    pub(super) heads: &'static [u32],
    pub(super) steps: &'static [u8],
}

/// Where a code point falls in a [`Runs`].
pub(super) struct Found {
    /// Index of the run holding the code point.
    pub(super) run: usize,
    /// First code point of that run.
    start: u32,
    /// Chunk the run was found in.
    chunk: usize,
    /// Members (code points of odd runs) between the chunk head and `start`.
    skipped: u32,
}

impl Runs {
    #[inline]
    pub(super) fn find(&self, cp: u32) -> Found {
        // The first head is at 0 and the sentinel above every char, so this is in range.
        let chunk = self.heads.partition_point(|&h| h >> 11 <= cp) - 1;
        let mut run = (self.heads[chunk] & 0x7ff) as usize;
        let mut start = self.heads[chunk] >> 11;
        let end = (self.heads[chunk + 1] & 0x7ff) as usize;
        let mut skipped = 0;
        for &step in &self.steps[run - chunk..end - chunk - 1] {
            let next = start + u32::from(step);
            if next > cp {
                break;
            }
            if run & 1 == 1 {
                skipped += u32::from(step);
            }
            start = next;
            run += 1;
        }
        Found { run, start, chunk, skipped }
    }

    #[inline]
    fn contains(&self, c: char) -> bool {
        self.find(c as u32).run & 1 == 1
    }

    /// Position of `cp` among the members, given the members before each chunk.
    #[inline]
    fn rank(&self, ranks: &[u16], cp: u32) -> Option<usize> {
        let found = self.find(cp);
        (found.run & 1 == 1).then(|| (u32::from(ranks[found.chunk]) + found.skipped + (cp - found.start)) as usize)
    }
}

/// BertNormalizer's `is_control`: Cc, Cf or Co of Unicode 8.0, except tab, LF and CR, which
/// it treats as whitespace.
pub(crate) fn is_bert_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && OTHER.contains(c)
}

/// BertNormalizer's `is_whitespace`. It lists tab, LF and CR before calling
/// `char::is_whitespace`, which already includes them.
pub(crate) fn is_bert_whitespace(c: char) -> bool {
    c.is_whitespace()
}

/// BertNormalizer's `is_chinese_char`: these blocks, including their unassigned code points.
/// The gap U+2B820..=U+2B91F is in `tokenizers` too.
pub(crate) fn is_chinese_char(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

/// BertPreTokenizer's `is_bert_punc`: ASCII punctuation (which adds the symbols
/// `$+<=>^`|~`) or P* of Unicode 8.0.
pub(crate) fn is_bert_punctuation(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_punctuation() } else { PUNCTUATION.contains(c) }
}

/// Mn of Unicode 8.0, which BertNormalizer's strip_accents removes after NFD.
pub(crate) fn is_mark_nonspacing(c: char) -> bool {
    c >= '\u{300}' && NONSPACING_MARK.contains(c)
}

/// Oniguruma's `\p{L}`.
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { LETTER.contains(c) }
}

/// Oniguruma's `\p{N}`.
pub(crate) fn is_number(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_digit() } else { NUMBER.contains(c) }
}

/// Oniguruma's `\s` in UTF-8 mode: White_Space. Unlike `char::is_whitespace` it is pinned to
/// Oniguruma's Unicode version; the generator checks that this list still matches it.
pub(crate) fn is_regex_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Canonical combining class, Unicode 9.0.
pub(crate) fn canonical_combining_class(c: char) -> u8 {
    if c < '\u{300}' {
        return 0;
    }
    CCC_VALUES[CCC.find(c as u32).run]
}

const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = 21 * T_COUNT;
const S_COUNT: u32 = 19 * N_COUNT;

/// Tables hold valid chars only; the fallback is never taken.
fn to_char(cp: u32) -> char {
    char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The one-char canonical decomposition of `cp`, if that is what it has.
fn single(cp: u32) -> Option<u32> {
    let i = SINGLE_KEYS.rank(&SINGLE_RANKS, cp)?;
    let plane2 = SINGLE_PLANE2[i / 8] >> (i % 8) & 1 == 1;
    Some(u32::from(SINGLE_TARGETS[i]) | if plane2 { 0x20000 } else { 0 })
}

/// The (first, mark) canonical decomposition step of `cp`; `first` may decompose further.
fn pair(cp: u32) -> Option<(u32, u32)> {
    let i = PAIR_KEYS.rank(&PAIR_RANKS, cp)?;
    let code = u32::from(PAIRS[i] & 0x1ff);
    let first = match code {
        0..=0xff => code,
        0x100..=0x17f => cp - (code - 0xff),
        _ => {
            let j = code as usize - 0x180;
            u32::from(FIRSTS[j]) + if j >= FIRSTS_BMP { 0x10000 } else { 0 }
        }
    };
    let j = usize::from(PAIRS[i] >> 9);
    let second = u32::from(SECONDS[j]) + if j >= SECONDS_BMP { 0x10000 } else { 0 };
    Some((first, second))
}

/// Emits the full canonical decomposition of `c`, before reordering.
fn decompose(c: char, mut emit: impl FnMut(char)) {
    let cp = c as u32;
    if cp < 0xC0 {
        emit(c);
        return;
    }
    if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
        let s = cp - S_BASE;
        emit(to_char(L_BASE + s / N_COUNT));
        emit(to_char(V_BASE + s % N_COUNT / T_COUNT));
        if !s.is_multiple_of(T_COUNT) {
            emit(to_char(T_BASE + s % T_COUNT));
        }
        return;
    }
    // Decompositions are at most four chars deep in Unicode 9.0 (the generator checks), so
    // at most three marks are peeled off before reaching the base.
    let mut marks = [0u32; 3];
    let mut peeled = 0;
    let mut base = cp;
    while let Some((first, second)) = pair(base) {
        marks[peeled] = second;
        peeled += 1;
        base = first;
    }
    emit(to_char(single(base).unwrap_or(base)));
    for &mark in marks[..peeled].iter().rev() {
        emit(to_char(mark));
    }
}

/// Appends the NFD of `s` to `out` as `unicode-normalization-alignments` computes it: full
/// canonical decomposition, Hangul included, then a stable sort by combining class of each
/// run of non-starters. Text already in `out` is never reordered.
pub(crate) fn nfd_into(s: &str, out: &mut String) {
    let floor = out.len();
    let mut last_class = 0;
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
            last_class = 0;
            continue;
        }
        decompose(c, |d| {
            let class = canonical_combining_class(d);
            if class == 0 || class >= last_class {
                out.push(d);
                last_class = class;
                return;
            }
            // An insertion sort: go back past the marks of a higher class only, which keeps
            // equal classes in text order, as the crate's stable sort does.
            // `get` rather than indexing: a str slice's panic path costs kilobytes of wasm.
            let mut at = out.len();
            while let Some(prev) = out.get(floor..at).and_then(|tail| tail.chars().next_back()) {
                if canonical_combining_class(prev) <= class {
                    break;
                }
                at -= prev.len_utf8();
            }
            out.insert(at, d);
        });
    }
}

// @generated begin: component/tools/gen_unicode.py, do not edit by hand.
// Static data: 9522 bytes.
// OTHER_HEADS 60  OTHER_STEPS 31  PUNCTUATION_HEADS 132  PUNCTUATION_STEPS 273
// NONSPACING_MARK_HEADS 144  NONSPACING_MARK_STEPS 498  LETTER_HEADS 332  LETTER_STEPS 1273
// NUMBER_HEADS 176  NUMBER_STEPS 246  CCC_HEADS 128  CCC_STEPS 465
// CCC_VALUES 496  SINGLE_KEYS_HEADS 40  SINGLE_KEYS_STEPS 36  SINGLE_RANKS 18
// SINGLE_TARGETS 2034  SINGLE_PLANE2 128  PAIR_KEYS_HEADS 96  PAIR_KEYS_STEPS 406
// PAIR_RANKS 46  PAIRS 2086  FIRSTS 210  SECONDS 168

/// Cc, Cf and Co of Unicode 8.0.0 (unicode_categories 0.1.1 `is_other`). Chunk heads.
#[rustfmt::skip]
static OTHER_HEADS: [u32; 15] = [
    0x00000000, 0x00300007, 0x00c0700f, 0x01005811, 0x07000019, 0x07c8001a, 0x07f7f81b, 0x0885e81f,
    0x0de50021, 0x0e8b9823, 0x70000825, 0x78000029, 0x7ffff02a, 0x87fff02c, 0x8800002d,
];

/// Cc, Cf and Co of Unicode 8.0.0 (unicode_categories 0.1.1 `is_other`). Steps between boundaries.
#[rustfmt::skip]
static OTHER_STEPS: [u8; 31] = [
    0, 32, 95, 33, 13, 1, 6, 22, 1, 192, 1, 49, 1, 1, 5, 26, 5, 49, 5, 1, 10, 1, 249, 3, 1, 4, 8, 1,
    30, 96, 2,
];

static OTHER: Runs = Runs { heads: &OTHER_HEADS, steps: &OTHER_STEPS };

/// Non-ASCII P* of Unicode 8.0.0 (unicode_categories 0.1.1). Chunk heads.
#[rustfmt::skip]
static PUNCTUATION_HEADS: [u32; 33] = [
    0x00000000, 0x001bf00d, 0x002ad011, 0x0042f832, 0x004b2033, 0x00578037, 0x006fa039, 0x009b004f,
    0x00b36853, 0x00ca2061, 0x01008075, 0x01184081, 0x013b4085, 0x014c188b, 0x0167c891, 0x0180089b,
    0x0527f0a9, 0x053068ab, 0x0543a0b3, 0x07e9f0cb, 0x07fb30ec, 0x080800ed, 0x081cf8ef, 0x082b78f3,
    0x0842b8f5, 0x085280fb, 0x08823905, 0x08a6311b, 0x09238123, 0x0b537125, 0x0de4f92d, 0x0ed4392f,
    0x88000131,
];

/// Non-ASCII P* of Unicode 8.0.0 (unicode_categories 0.1.1). Steps between boundaries.
#[rustfmt::skip]
static PUNCTUATION_STEPS: [u8; 273] = [
    161, 1, 5, 1, 3, 1, 10, 2, 3, 1, 3, 1, 1, 8, 1, 6, 41, 2, 51, 1, 1, 1, 2, 1, 2, 1, 44, 2, 20, 2,
    1, 2, 13, 1, 2, 2, 74, 4, 102, 1, 43, 14, 233, 3, 54, 15, 31, 2, 10, 1, 1, 1, 90, 1, 10, 2, 168,
    15, 1, 1, 37, 4, 71, 1, 74, 5, 4, 2, 111, 6, 171, 1, 9, 151, 1, 2, 44, 2, 78, 3, 71, 2, 157, 3,
    1, 3, 37, 11, 2, 216, 2, 128, 7, 1, 6, 172, 7, 155, 4, 59, 5, 62, 2, 64, 8, 11, 1, 24, 8, 20, 1,
    13, 1, 12, 30, 2, 14, 2, 4, 29, 2, 14, 79, 2, 31, 10, 22, 63, 4, 32, 2, 4, 1, 2, 112, 1, 143,
    47, 1, 19, 3, 4, 10, 2, 12, 16, 1, 12, 1, 98, 1, 90, 1, 2, 3, 99, 1, 10, 1, 115, 6, 4, 86, 2,
    40, 3, 1, 1, 49, 2, 47, 1, 97, 13, 16, 2, 124, 4, 126, 2, 16, 2, 249, 1, 2, 208, 10, 22, 35, 1,
    14, 1, 1, 4, 1, 1, 2, 149, 3, 1, 6, 1, 4, 10, 2, 3, 2, 26, 3, 1, 1, 27, 1, 1, 1, 1, 3, 1, 48, 1,
    1, 1, 199, 1, 31, 1, 9, 38, 1, 112, 7, 66, 7, 89, 4, 7, 109, 2, 1, 4, 126, 4, 48, 2, 79, 5, 3,
    1, 13, 1, 1, 3, 88, 6, 107, 1, 1, 250, 23, 105, 3, 248, 3, 5, 2, 133, 1, 65, 5, 8, 1, 1, 5,
];

static PUNCTUATION: Runs = Runs { heads: &PUNCTUATION_HEADS, steps: &PUNCTUATION_STEPS };

/// Mn of Unicode 8.0.0 (unicode_categories 0.1.1). Chunk heads.
#[rustfmt::skip]
static NONSPACING_MARK_HEADS: [u32; 36] = [
    0x00000000, 0x00180001, 0x00241803, 0x002c8805, 0x0040d026, 0x00500847, 0x005a0068, 0x00663089,
    0x007670aa, 0x008388cb, 0x009ae8d5, 0x00b890d7, 0x00d0e0f8, 0x00dd4119, 0x01068139, 0x0167793f,
    0x01815145, 0x05337949, 0x05401151, 0x05522172, 0x07d8f18b, 0x07f0018d, 0x080fe991, 0x08500997,
    0x088009a3, 0x089759c4, 0x08a599cf, 0x08b931f0, 0x0b5781f3, 0x0b7c79f7, 0x0de4e9f9, 0x0e8b39fb,
    0x0ed00205, 0x0f468211, 0x70080213, 0x88000215,
];

/// Mn of Unicode 8.0.0 (unicode_categories 0.1.1). Steps between boundaries.
#[rustfmt::skip]
static NONSPACING_MARK_STEPS: [u8; 498] = [
    112, 5, 45, 1, 1, 1, 2, 1, 2, 1, 1, 72, 11, 48, 21, 16, 1, 101, 7, 2, 6, 2, 2, 1, 4, 35, 1, 30,
    27, 91, 11, 58, 9, 34, 1, 9, 1, 3, 1, 5, 43, 3, 135, 32, 55, 1, 1, 1, 4, 8, 4, 1, 3, 7, 10, 2,
    29, 1, 58, 1, 4, 4, 8, 1, 20, 2, 2, 57, 1, 4, 2, 4, 2, 2, 3, 3, 1, 30, 2, 3, 1, 11, 2, 57, 1, 4,
    5, 1, 2, 4, 1, 20, 2, 29, 1, 58, 1, 2, 1, 4, 8, 1, 8, 1, 11, 2, 30, 1, 61, 1, 12, 1, 50, 1, 61,
    3, 5, 3, 1, 4, 7, 2, 11, 2, 29, 1, 58, 1, 2, 1, 1, 5, 2, 20, 2, 29, 1, 63, 4, 8, 1, 20, 2, 102,
    1, 7, 3, 1, 1, 90, 1, 2, 7, 12, 8, 98, 1, 2, 6, 1, 2, 11, 74, 2, 27, 1, 1, 1, 1, 1, 55, 14, 1,
    5, 1, 2, 5, 11, 1, 36, 9, 1, 102, 4, 1, 6, 1, 2, 2, 2, 25, 2, 4, 3, 4, 13, 1, 2, 2, 6, 1, 15, 1,
    3, 3, 29, 3, 29, 2, 30, 2, 64, 2, 1, 7, 8, 1, 2, 11, 9, 1, 45, 3, 155, 1, 118, 3, 4, 2, 9, 1, 6,
    3, 219, 2, 2, 58, 1, 1, 7, 1, 1, 1, 1, 2, 8, 6, 10, 2, 1, 48, 14, 66, 4, 48, 1, 1, 5, 1, 1, 5,
    1, 40, 9, 12, 2, 32, 4, 2, 1, 3, 56, 1, 1, 2, 3, 1, 1, 3, 58, 8, 2, 2, 152, 3, 1, 13, 1, 7, 4,
    1, 6, 1, 3, 2, 198, 54, 6, 4, 13, 4, 1, 3, 12, 3, 141, 1, 96, 32, 4, 107, 2, 1, 4, 10, 32, 2,
    80, 2, 1, 3, 1, 4, 1, 25, 2, 157, 1, 27, 18, 52, 8, 25, 11, 46, 3, 48, 1, 2, 4, 2, 1, 40, 1, 67,
    6, 2, 2, 2, 2, 12, 8, 1, 47, 1, 51, 1, 1, 3, 2, 2, 5, 2, 1, 1, 42, 2, 8, 1, 238, 1, 2, 1, 4, 1,
    1, 16, 16, 16, 1, 226, 1, 149, 5, 3, 1, 2, 5, 4, 40, 3, 4, 1, 165, 2, 1, 54, 15, 56, 3, 49, 4,
    2, 2, 69, 3, 36, 5, 1, 8, 62, 1, 12, 2, 52, 9, 11, 3, 98, 3, 2, 1, 1, 2, 167, 1, 3, 21, 2, 58,
    1, 3, 1, 37, 7, 3, 5, 6, 1, 1, 4, 2, 1, 2, 238, 4, 6, 2, 1, 2, 27, 2, 85, 8, 2, 1, 1, 2, 106, 1,
    1, 1, 2, 6, 1, 1, 101, 3, 2, 1, 5, 5, 59, 7, 4, 2, 3, 17, 8, 2, 7, 30, 4, 148, 3, 55, 4, 50, 8,
    1, 14, 1, 22, 5, 1, 15, 7, 240,
];

static NONSPACING_MARK: Runs = Runs { heads: &NONSPACING_MARK_HEADS, steps: &NONSPACING_MARK_STEPS };

/// Oniguruma 6.9.10 `\p{L}`, Unicode 16.0.0. Chunk heads.
#[rustfmt::skip]
static LETTER_HEADS: [u32; 83] = [
    0x00000000, 0x00161010, 0x002ac831, 0x003f5852, 0x004c2873, 0x0051a094, 0x005878b5, 0x005d28d6,
    0x0065a8f7, 0x006df118, 0x007a0139, 0x0092495a, 0x009d017b, 0x00b36980, 0x00c581a1, 0x00e3f1c2,
    0x00f8b1d4, 0x00ff91f5, 0x010a5216, 0x0160021b, 0x016efa3c, 0x01802a3f, 0x01a00255, 0x026e0256,
    0x05246a58, 0x05306a5c, 0x0544127d, 0x0553da9e, 0x055b82bf, 0x06bd22c2, 0x07c802c7, 0x07d372c8,
    0x07e9f2e0, 0x0801fb01, 0x08140307, 0x082c9b28, 0x0839bb36, 0x08490357, 0x08659b78, 0x08841b99,
    0x089473ba, 0x089dbbdb, 0x08ba3bfc, 0x08d2841d, 0x08eccc3e, 0x08f7043f, 0x091cd44a, 0x097c844d,
    0x09a18450, 0x0a1fdc54, 0x0a323c56, 0x0b080457, 0x0b400459, 0x0b51cc5a, 0x0b6a0469, 0x0c3fc478,
    0x0c66b47a, 0x0d7f847d, 0x0d891c84, 0x0d97e48e, 0x0de0048f, 0x0ea00497, 0x0eaa3cb8, 0x0eb534bc,
    0x0ef804d3, 0x0f0184d7, 0x0f1484df, 0x0f2684e3, 0x0f3f04e9, 0x0f7004f7, 0x0f72c518, 0x10000539,
    0x1537053a, 0x15b9d53c, 0x16751540, 0x175f0d42, 0x1772f544, 0x17c00545, 0x17d0f546, 0x18000547,
    0x189a5d48, 0x191d854a, 0x8800054b,
];

/// Oniguruma 6.9.10 `\p{L}`, Unicode 16.0.0. Steps between boundaries.
#[rustfmt::skip]
static LETTER_STEPS: [u8; 1273] = [
    65, 26, 6, 26, 47, 1, 10, 1, 4, 1, 5, 23, 1, 31, 1, 4, 12, 14, 5, 7, 1, 1, 1, 129, 5, 1, 2, 2,
    4, 1, 1, 6, 1, 1, 3, 1, 1, 1, 20, 1, 83, 1, 139, 8, 166, 1, 38, 1, 6, 41, 71, 27, 4, 4, 45, 43,
    35, 2, 1, 99, 1, 1, 15, 2, 7, 2, 10, 3, 2, 1, 16, 1, 1, 30, 29, 89, 11, 1, 24, 9, 2, 4, 1, 5,
    22, 4, 1, 9, 1, 3, 1, 23, 25, 7, 11, 5, 24, 1, 6, 17, 42, 58, 54, 3, 1, 18, 1, 7, 10, 15, 16, 8,
    2, 2, 2, 22, 1, 7, 1, 1, 3, 4, 3, 1, 16, 1, 13, 2, 1, 3, 14, 2, 10, 1, 8, 6, 4, 2, 2, 22, 1, 7,
    1, 1, 2, 1, 2, 31, 4, 1, 1, 19, 3, 16, 9, 1, 3, 1, 22, 1, 7, 1, 2, 1, 5, 3, 1, 18, 1, 15, 2, 23,
    1, 11, 8, 2, 2, 22, 1, 7, 1, 2, 1, 5, 3, 1, 30, 2, 1, 3, 15, 1, 17, 1, 1, 6, 3, 3, 1, 4, 3, 2,
    1, 1, 1, 2, 3, 3, 3, 3, 12, 22, 1, 52, 8, 1, 3, 1, 23, 1, 16, 3, 1, 26, 3, 2, 1, 2, 2, 30, 1, 4,
    8, 1, 3, 1, 23, 1, 10, 5, 3, 1, 31, 2, 1, 2, 15, 2, 17, 9, 1, 3, 1, 41, 2, 1, 16, 1, 5, 3, 8, 3,
    24, 6, 5, 18, 3, 24, 1, 9, 1, 2, 7, 58, 48, 1, 2, 12, 7, 58, 2, 1, 1, 1, 5, 1, 24, 1, 1, 1, 10,
    1, 2, 9, 1, 2, 5, 1, 1, 21, 4, 32, 1, 8, 1, 36, 27, 5, 115, 43, 20, 1, 16, 6, 4, 4, 3, 1, 3, 2,
    7, 3, 4, 13, 12, 1, 17, 38, 1, 1, 5, 1, 2, 43, 1, 1, 4, 2, 7, 1, 1, 1, 4, 2, 41, 1, 4, 2, 33, 1,
    4, 2, 7, 1, 1, 1, 4, 2, 15, 1, 57, 1, 4, 2, 67, 37, 16, 86, 2, 6, 3, 2, 17, 1, 26, 5, 75, 6, 8,
    7, 18, 13, 19, 14, 18, 14, 13, 1, 3, 15, 52, 35, 1, 4, 1, 67, 89, 7, 5, 2, 34, 1, 1, 70, 10, 31,
    49, 30, 2, 5, 11, 44, 4, 26, 54, 23, 9, 53, 82, 1, 93, 47, 17, 8, 54, 30, 13, 2, 10, 44, 26, 36,
    41, 3, 10, 2, 11, 5, 43, 2, 3, 41, 4, 1, 6, 1, 2, 3, 1, 5, 192, 64, 2, 6, 2, 38, 2, 6, 2, 8, 1,
    1, 1, 1, 1, 1, 1, 31, 2, 53, 1, 7, 1, 1, 3, 3, 1, 7, 3, 4, 2, 6, 4, 13, 3, 1, 7, 116, 1, 13, 1,
    16, 13, 101, 1, 4, 1, 2, 10, 1, 1, 3, 5, 6, 1, 1, 1, 1, 1, 1, 4, 1, 11, 2, 4, 5, 4, 1, 52, 2,
    229, 6, 4, 3, 2, 12, 38, 1, 1, 5, 1, 2, 56, 7, 1, 16, 23, 9, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1, 7, 1,
    7, 1, 80, 1, 2, 42, 5, 5, 2, 4, 86, 6, 3, 1, 90, 1, 4, 5, 43, 1, 94, 17, 32, 48, 16, 64, 67, 46,
    2, 3, 16, 10, 2, 20, 47, 16, 31, 2, 70, 49, 9, 2, 103, 2, 67, 2, 2, 1, 1, 1, 8, 21, 16, 1, 3, 1,
    4, 1, 23, 29, 52, 50, 62, 6, 3, 1, 1, 2, 11, 28, 10, 23, 25, 29, 7, 47, 28, 1, 16, 5, 1, 10, 10,
    5, 1, 41, 23, 3, 1, 8, 20, 23, 3, 3, 50, 1, 1, 3, 2, 2, 5, 2, 1, 1, 1, 24, 3, 2, 11, 7, 3, 12,
    6, 2, 6, 2, 6, 9, 7, 1, 7, 1, 43, 1, 14, 115, 29, 12, 23, 4, 49, 2, 106, 38, 7, 12, 5, 5, 1, 1,
    10, 1, 13, 1, 5, 1, 1, 1, 2, 1, 2, 1, 108, 33, 18, 64, 2, 54, 40, 12, 116, 5, 1, 135, 36, 26, 6,
    26, 11, 89, 3, 6, 2, 6, 2, 6, 2, 3, 35, 12, 1, 26, 1, 19, 1, 2, 15, 2, 14, 34, 123, 29, 3, 49,
    47, 32, 13, 20, 1, 8, 6, 38, 10, 30, 2, 36, 4, 8, 48, 158, 18, 36, 4, 36, 4, 40, 8, 52, 12, 11,
    1, 15, 1, 1, 2, 1, 11, 1, 15, 1, 7, 1, 2, 3, 52, 12, 9, 22, 10, 8, 24, 6, 1, 42, 1, 9, 69, 6, 2,
    1, 1, 44, 1, 2, 3, 1, 2, 23, 10, 23, 9, 31, 65, 19, 1, 2, 10, 22, 26, 70, 56, 6, 2, 64, 1, 15,
    4, 1, 3, 1, 29, 42, 29, 3, 29, 35, 8, 1, 28, 27, 54, 10, 22, 10, 19, 13, 18, 110, 73, 55, 13,
    51, 13, 36, 38, 28, 9, 23, 250, 42, 6, 2, 16, 3, 59, 29, 10, 1, 8, 22, 42, 18, 46, 21, 27, 23,
    12, 53, 57, 2, 2, 1, 45, 32, 25, 26, 36, 29, 1, 2, 1, 8, 35, 3, 1, 12, 48, 14, 4, 21, 1, 1, 1,
    35, 18, 1, 25, 19, 2, 63, 7, 1, 1, 1, 1, 15, 1, 10, 7, 47, 38, 8, 2, 2, 2, 22, 1, 7, 1, 2, 1, 5,
    3, 1, 18, 1, 12, 5, 30, 10, 1, 1, 2, 1, 1, 38, 1, 25, 1, 1, 1, 44, 53, 18, 4, 20, 3, 30, 48, 20,
    2, 1, 1, 184, 47, 41, 4, 36, 48, 20, 1, 59, 43, 13, 1, 71, 27, 37, 185, 44, 116, 64, 31, 8, 2,
    1, 2, 8, 1, 2, 1, 24, 15, 1, 1, 1, 94, 8, 2, 39, 16, 1, 1, 1, 28, 1, 10, 40, 7, 1, 1, 11, 46,
    19, 1, 18, 73, 199, 33, 31, 9, 1, 37, 17, 1, 49, 30, 112, 7, 1, 2, 1, 38, 21, 1, 25, 6, 1, 2, 1,
    32, 14, 19, 15, 1, 1, 13, 1, 34, 124, 1, 79, 230, 196, 97, 15, 17, 6, 25, 5, 30, 7, 31, 17, 79,
    17, 30, 18, 48, 16, 4, 31, 21, 5, 19, 45, 211, 64, 128, 75, 5, 1, 66, 13, 64, 2, 1, 1, 28, 8,
    41, 10, 4, 1, 7, 1, 2, 1, 15, 1, 29, 3, 2, 1, 14, 4, 8, 107, 5, 13, 3, 9, 7, 10, 85, 1, 71, 1,
    2, 2, 1, 2, 2, 2, 4, 1, 12, 1, 1, 1, 7, 1, 65, 1, 4, 2, 8, 1, 7, 1, 28, 1, 4, 1, 5, 1, 3, 7, 1,
    2, 25, 1, 25, 1, 31, 1, 25, 1, 31, 1, 25, 1, 31, 1, 25, 1, 31, 1, 25, 1, 8, 31, 6, 6, 62, 146,
    45, 10, 7, 16, 1, 30, 18, 44, 28, 228, 30, 2, 1, 7, 1, 4, 1, 2, 1, 15, 1, 197, 59, 68, 7, 1, 4,
    1, 27, 1, 2, 1, 1, 2, 1, 1, 10, 1, 4, 1, 1, 1, 1, 6, 1, 4, 1, 1, 1, 1, 1, 1, 3, 1, 2, 1, 1, 2,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 4, 1, 7, 1, 4, 1, 4, 1, 1, 1, 10, 1, 17, 5, 3, 1, 5, 1,
    17, 32, 6, 222, 2, 14, 15, 5,
];

static LETTER: Runs = Runs { heads: &LETTER_HEADS, steps: &LETTER_STEPS };

/// Oniguruma 6.9.10 `\p{N}`, Unicode 16.0.0. Chunk heads.
#[rustfmt::skip]
static NUMBER_HEADS: [u32; 44] = [
    0x00000000, 0x00330009, 0x004b300f, 0x0079a030, 0x00820031, 0x009b4835, 0x00b77037, 0x00ca303f,
    0x0103804f, 0x01230059, 0x013bb05d, 0x0167e85f, 0x01803861, 0x018c9067, 0x05310073, 0x05418077,
    0x055f8083, 0x07f88085, 0x08083887, 0x0817088d, 0x0842c099, 0x0867d0b7, 0x087300bd, 0x08a280d1,
    0x08b280d5, 0x08c700dd, 0x08df80e1, 0x08fa80e9, 0x092000ed, 0x0b0980ef, 0x0b5300f1, 0x0b6b80f9,
    0x0b7400fb, 0x0e6780fd, 0x0e9600ff, 0x0ebe7105, 0x0f0a0107, 0x0f178109, 0x0f27810b, 0x0f46390f,
    0x0f638913, 0x0f88011d, 0x0fdf811f, 0x88000121,
];

/// Oniguruma 6.9.10 `\p{N}`, Unicode 16.0.0. Steps between boundaries.
#[rustfmt::skip]
static NUMBER_STEPS: [u8; 246] = [
    48, 10, 120, 2, 5, 1, 2, 3, 10, 134, 10, 198, 10, 10, 118, 10, 4, 6, 108, 10, 118, 10, 118, 10,
    2, 6, 110, 13, 115, 10, 8, 7, 103, 10, 104, 7, 7, 19, 109, 10, 96, 10, 118, 10, 70, 10, 70, 10,
    20, 3, 239, 10, 6, 10, 22, 10, 10, 128, 11, 165, 10, 6, 10, 182, 10, 86, 10, 134, 10, 6, 10, 1,
    3, 6, 6, 10, 198, 51, 2, 5, 60, 78, 22, 30, 1, 1, 25, 9, 14, 3, 4, 138, 10, 30, 8, 1, 15, 32,
    10, 39, 15, 10, 188, 10, 6, 154, 10, 38, 10, 198, 10, 22, 10, 86, 10, 10, 10, 45, 12, 57, 17, 2,
    27, 36, 4, 29, 1, 8, 1, 134, 5, 202, 10, 8, 25, 7, 39, 9, 75, 5, 22, 6, 160, 2, 2, 16, 2, 46,
    64, 9, 52, 2, 30, 3, 75, 5, 104, 8, 24, 8, 41, 7, 6, 48, 10, 6, 10, 31, 158, 10, 42, 4, 112, 7,
    134, 30, 128, 10, 60, 10, 144, 10, 7, 20, 251, 10, 10, 118, 10, 10, 102, 10, 6, 20, 76, 12, 19,
    93, 10, 10, 86, 29, 227, 10, 70, 10, 10, 102, 21, 111, 10, 10, 86, 10, 134, 10, 1, 7, 10, 23,
    10, 20, 12, 20, 108, 25, 50, 10, 10, 10, 247, 10, 9, 128, 10, 59, 1, 3, 1, 4, 76, 45, 1, 15, 13,
    10,
];

static NUMBER: Runs = Runs { heads: &NUMBER_HEADS, steps: &NUMBER_STEPS };

/// Canonical combining class runs, Unicode 9.0.0. Chunk heads.
#[rustfmt::skip]
static CCC_HEADS: [u32; 32] = [
    0x00000000, 0x00180001, 0x00241821, 0x002c8823, 0x002e2044, 0x00373865, 0x0040d086, 0x004a98a7,
    0x0071c0c8, 0x0081b8e9, 0x009ae8ef, 0x00b8a0f1, 0x00db6112, 0x00ee7133, 0x0106813e, 0x0167794e,
    0x01815154, 0x0533795c, 0x05403164, 0x07d8f181, 0x07f10183, 0x080fe987, 0x0850698d, 0x0882319a,
    0x08a231bb, 0x08e1f9ca, 0x0b5781cc, 0x0de4f1d0, 0x0e8b29d2, 0x0f0001e1, 0x0f4681eb, 0x880001f0,
];

/// Canonical combining class runs, Unicode 9.0.0. Steps between boundaries.
#[rustfmt::skip]
static CCC_STEPS: [u8; 465] = [
    21, 1, 4, 1, 1, 5, 2, 4, 2, 11, 5, 4, 8, 1, 1, 3, 3, 2, 1, 3, 4, 1, 1, 2, 1, 1, 2, 1, 2, 1, 13,
    5, 1, 4, 1, 3, 1, 1, 6, 6, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 72, 8, 1, 1, 1, 48, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 5, 1, 2, 1, 16, 1, 101, 7, 2,
    4, 1, 1, 2, 1, 1, 2, 1, 35, 1, 30, 1, 1, 2, 1, 2, 3, 1, 2, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 2, 160,
    7, 1, 1, 34, 1, 9, 1, 3, 1, 5, 43, 3, 120, 14, 1, 1, 2, 1, 2, 1, 3, 3, 1, 1, 1, 3, 1, 2, 2, 5,
    60, 1, 16, 1, 3, 1, 2, 103, 1, 16, 1, 110, 1, 16, 1, 110, 1, 16, 1, 110, 1, 16, 1, 127, 1, 127,
    1, 7, 1, 1, 101, 1, 16, 1, 127, 1, 124, 1, 2, 1, 13, 4, 108, 2, 14, 4, 76, 2, 27, 1, 1, 1, 1, 1,
    55, 1, 1, 1, 1, 5, 4, 2, 1, 1, 2, 1, 1, 2, 62, 1, 1, 1, 2, 82, 1, 3, 1, 31, 1, 157, 1, 10, 1,
    203, 1, 143, 1, 1, 1, 219, 1, 1, 71, 1, 20, 8, 2, 1, 48, 5, 6, 2, 1, 118, 1, 15, 1, 38, 1, 7,
    54, 2, 58, 1, 11, 2, 67, 1, 152, 3, 1, 1, 5, 2, 4, 1, 1, 7, 4, 1, 6, 1, 3, 2, 198, 2, 1, 7, 1,
    2, 1, 1, 1, 37, 5, 1, 1, 1, 1, 1, 2, 2, 4, 3, 2, 4, 1, 3, 2, 1, 1, 1, 2, 4, 1, 3, 141, 1, 96,
    32, 1, 1, 1, 1, 2, 105, 2, 1, 4, 10, 32, 2, 80, 2, 1, 189, 1, 27, 18, 57, 3, 37, 1, 95, 1, 12,
    1, 239, 1, 1, 2, 1, 2, 2, 5, 2, 1, 1, 52, 1, 246, 1, 1, 7, 7, 2, 1, 226, 1, 149, 5, 1, 1, 1, 40,
    1, 1, 1, 4, 1, 165, 1, 1, 1, 56, 1, 57, 1, 1, 69, 3, 48, 2, 62, 1, 76, 1, 9, 1, 106, 1, 1, 178,
    1, 1, 81, 1, 16, 1, 24, 7, 3, 5, 205, 1, 1, 123, 1, 1, 251, 1, 1, 126, 1, 118, 1, 1, 115, 1, 1,
    5, 59, 7, 1, 2, 3, 3, 1, 5, 8, 8, 2, 5, 2, 30, 4, 148, 3, 7, 1, 17, 2, 7, 1, 2, 1, 5, 7, 109, 6,
    1,
];

static CCC: Runs = Runs { heads: &CCC_HEADS, steps: &CCC_STEPS };

/// The class of each run of `CCC`.
#[rustfmt::skip]
static CCC_VALUES: [u8; 496] = [
    0, 230, 232, 220, 232, 216, 220, 202, 220, 202, 220, 1, 220, 230, 240, 230, 220, 230, 220, 0,
    230, 220, 230, 232, 220, 230, 233, 234, 233, 234, 233, 230, 0, 230, 0, 220, 230, 220, 230, 222,
    220, 230, 220, 230, 220, 230, 222, 228, 230, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
    0, 23, 0, 24, 25, 0, 230, 220, 0, 18, 0, 230, 30, 31, 32, 0, 27, 28, 29, 30, 31, 32, 33, 34,
    230, 220, 230, 220, 230, 220, 0, 35, 0, 230, 0, 230, 220, 230, 0, 230, 0, 220, 230, 220, 0, 36,
    0, 230, 220, 230, 220, 230, 220, 230, 220, 230, 220, 230, 220, 230, 220, 230, 220, 230, 220,
    230, 0, 230, 220, 230, 0, 230, 0, 230, 0, 230, 0, 230, 0, 220, 0, 230, 0, 220, 230, 220, 230,
    220, 230, 220, 27, 28, 29, 230, 220, 230, 220, 230, 0, 7, 0, 9, 0, 230, 220, 230, 0, 7, 0, 9, 0,
    7, 0, 9, 0, 7, 0, 9, 0, 7, 0, 9, 0, 9, 0, 9, 0, 84, 91, 0, 7, 0, 9, 0, 9, 0, 9, 0, 103, 9, 0,
    107, 0, 118, 0, 122, 0, 220, 0, 220, 0, 220, 0, 216, 0, 129, 130, 0, 132, 0, 130, 0, 130, 0,
    230, 9, 0, 230, 0, 220, 0, 7, 0, 9, 0, 220, 0, 230, 0, 9, 0, 9, 0, 9, 0, 230, 0, 228, 0, 222,
    230, 220, 0, 230, 220, 0, 9, 0, 230, 0, 220, 0, 230, 220, 230, 220, 0, 7, 0, 9, 0, 230, 220,
    230, 0, 9, 0, 7, 0, 9, 0, 7, 0, 230, 0, 1, 220, 230, 220, 230, 0, 1, 0, 220, 0, 230, 0, 230, 0,
    230, 220, 230, 220, 230, 234, 214, 220, 202, 230, 0, 230, 233, 220, 230, 220, 0, 230, 1, 230, 1,
    230, 0, 230, 0, 1, 230, 220, 230, 1, 220, 230, 0, 230, 0, 9, 0, 230, 0, 218, 228, 232, 222, 224,
    0, 8, 0, 230, 0, 230, 0, 230, 0, 230, 0, 9, 0, 9, 0, 230, 0, 220, 0, 9, 0, 7, 0, 9, 0, 230, 0,
    230, 220, 0, 230, 0, 230, 0, 230, 0, 9, 0, 9, 0, 26, 0, 230, 220, 230, 0, 220, 0, 220, 0, 230,
    0, 220, 0, 230, 0, 230, 1, 220, 0, 9, 0, 230, 220, 0, 9, 0, 9, 0, 9, 7, 0, 230, 0, 9, 0, 7, 0,
    9, 0, 7, 0, 9, 7, 0, 7, 9, 0, 7, 0, 9, 0, 230, 0, 230, 0, 9, 0, 7, 0, 9, 7, 0, 9, 7, 0, 9, 0, 9,
    7, 0, 9, 0, 9, 0, 1, 0, 230, 0, 1, 0, 216, 1, 0, 226, 216, 0, 220, 0, 230, 220, 0, 230, 0, 230,
    0, 230, 0, 230, 0, 230, 0, 230, 0, 230, 0, 220, 0, 230, 7, 0,
];

/// Chars whose canonical decomposition is one char. Chunk heads.
#[rustfmt::skip]
static SINGLE_KEYS_HEADS: [u32; 10] = [
    0x00000000, 0x001a0001, 0x00fdf00b, 0x01093013, 0x01194817, 0x07c80019, 0x07d0701a, 0x17c0002b,
    0x17d0f02c, 0x8800002d,
];

/// Chars whose canonical decomposition is one char. Steps between boundaries.
#[rustfmt::skip]
static SINGLE_KEYS_STEPS: [u8; 36] = [
    2, 1, 1, 48, 1, 9, 1, 8, 1, 1, 48, 1, 13, 1, 2, 2, 1, 3, 1, 2, 2, 1, 1, 1, 2, 10, 1, 1, 1, 1, 2,
    2, 3, 68, 2, 106,
];

static SINGLE_KEYS: Runs = Runs { heads: &SINGLE_KEYS_HEADS, steps: &SINGLE_KEYS_STEPS };

/// Keys before each chunk.
#[rustfmt::skip]
static SINGLE_RANKS: [u16; 9] = [
    0, 0, 6, 11, 13, 15, 285, 475, 1017,
];

/// Low 16 bits of each singleton's target, in key order.
#[rustfmt::skip]
static SINGLE_TARGETS: [u16; 1017] = [
    0x0300, 0x0301, 0x0313, 0x02b9, 0x003b, 0x00b7, 0x03b9, 0x0060, 0x00b4, 0x2002, 0x2003, 0x03a9,
    0x004b, 0x3008, 0x3009, 0x8c48, 0x66f4, 0x8eca, 0x8cc8, 0x6ed1, 0x4e32, 0x53e5, 0x9f9c, 0x9f9c,
    0x5951, 0x91d1, 0x5587, 0x5948, 0x61f6, 0x7669, 0x7f85, 0x863f, 0x87ba, 0x88f8, 0x908f, 0x6a02,
    0x6d1b, 0x70d9, 0x73de, 0x843d, 0x916a, 0x99f1, 0x4e82, 0x5375, 0x6b04, 0x721b, 0x862d, 0x9e1e,
    0x5d50, 0x6feb, 0x85cd, 0x8964, 0x62c9, 0x81d8, 0x881f, 0x5eca, 0x6717, 0x6d6a, 0x72fc, 0x90ce,
    0x4f86, 0x51b7, 0x52de, 0x64c4, 0x6ad3, 0x7210, 0x76e7, 0x8001, 0x8606, 0x865c, 0x8def, 0x9732,
    0x9b6f, 0x9dfa, 0x788c, 0x797f, 0x7da0, 0x83c9, 0x9304, 0x9e7f, 0x8ad6, 0x58df, 0x5f04, 0x7c60,
    0x807e, 0x7262, 0x78ca, 0x8cc2, 0x96f7, 0x58d8, 0x5c62, 0x6a13, 0x6dda, 0x6f0f, 0x7d2f, 0x7e37,
    0x964b, 0x52d2, 0x808b, 0x51dc, 0x51cc, 0x7a1c, 0x7dbe, 0x83f1, 0x9675, 0x8b80, 0x62cf, 0x6a02,
    0x8afe, 0x4e39, 0x5be7, 0x6012, 0x7387, 0x7570, 0x5317, 0x78fb, 0x4fbf, 0x5fa9, 0x4e0d, 0x6ccc,
    0x6578, 0x7d22, 0x53c3, 0x585e, 0x7701, 0x8449, 0x8aaa, 0x6bba, 0x8fb0, 0x6c88, 0x62fe, 0x82e5,
    0x63a0, 0x7565, 0x4eae, 0x5169, 0x51c9, 0x6881, 0x7ce7, 0x826f, 0x8ad2, 0x91cf, 0x52f5, 0x5442,
    0x5973, 0x5eec, 0x65c5, 0x6ffe, 0x792a, 0x95ad, 0x9a6a, 0x9e97, 0x9ece, 0x529b, 0x66c6, 0x6b77,
    0x8f62, 0x5e74, 0x6190, 0x6200, 0x649a, 0x6f23, 0x7149, 0x7489, 0x79ca, 0x7df4, 0x806f, 0x8f26,
    0x84ee, 0x9023, 0x934a, 0x5217, 0x52a3, 0x54bd, 0x70c8, 0x88c2, 0x8aaa, 0x5ec9, 0x5ff5, 0x637b,
    0x6bae, 0x7c3e, 0x7375, 0x4ee4, 0x56f9, 0x5be7, 0x5dba, 0x601c, 0x73b2, 0x7469, 0x7f9a, 0x8046,
    0x9234, 0x96f6, 0x9748, 0x9818, 0x4f8b, 0x79ae, 0x91b4, 0x96b8, 0x60e1, 0x4e86, 0x50da, 0x5bee,
    0x5c3f, 0x6599, 0x6a02, 0x71ce, 0x7642, 0x84fc, 0x907c, 0x9f8d, 0x6688, 0x962e, 0x5289, 0x677b,
    0x67f3, 0x6d41, 0x6e9c, 0x7409, 0x7559, 0x786b, 0x7d10, 0x985e, 0x516d, 0x622e, 0x9678, 0x502b,
    0x5d19, 0x6dea, 0x8f2a, 0x5f8b, 0x6144, 0x6817, 0x7387, 0x9686, 0x5229, 0x540f, 0x5c65, 0x6613,
    0x674e, 0x68a8, 0x6ce5, 0x7406, 0x75e2, 0x7f79, 0x88cf, 0x88e1, 0x91cc, 0x96e2, 0x533f, 0x6eba,
    0x541d, 0x71d0, 0x7498, 0x85fa, 0x96a3, 0x9c57, 0x9e9f, 0x6797, 0x6dcb, 0x81e8, 0x7acb, 0x7b20,
    0x7c92, 0x72c0, 0x7099, 0x8b58, 0x4ec0, 0x8336, 0x523a, 0x5207, 0x5ea6, 0x62d3, 0x7cd6, 0x5b85,
    0x6d1e, 0x66b4, 0x8f3b, 0x884c, 0x964d, 0x898b, 0x5ed3, 0x5140, 0x55c0, 0x585a, 0x6674, 0x51de,
    0x732a, 0x76ca, 0x793c, 0x795e, 0x7965, 0x798f, 0x9756, 0x7cbe, 0x7fbd, 0x8612, 0x8af8, 0x9038,
    0x90fd, 0x98ef, 0x98fc, 0x9928, 0x9db4, 0x90de, 0x96b7, 0x4fae, 0x50e7, 0x514d, 0x52c9, 0x52e4,
    0x5351, 0x559d, 0x5606, 0x5668, 0x5840, 0x58a8, 0x5c64, 0x5c6e, 0x6094, 0x6168, 0x618e, 0x61f2,
    0x654f, 0x65e2, 0x6691, 0x6885, 0x6d77, 0x6e1a, 0x6f22, 0x716e, 0x722b, 0x7422, 0x7891, 0x793e,
    0x7949, 0x7948, 0x7950, 0x7956, 0x795d, 0x798d, 0x798e, 0x7a40, 0x7a81, 0x7bc0, 0x7df4, 0x7e09,
    0x7e41, 0x7f72, 0x8005, 0x81ed, 0x8279, 0x8279, 0x8457, 0x8910, 0x8996, 0x8b01, 0x8b39, 0x8cd3,
    0x8d08, 0x8fb6, 0x9038, 0x96e3, 0x97ff, 0x983b, 0x6075, 0x42ee, 0x8218, 0x4e26, 0x51b5, 0x5168,
    0x4f80, 0x5145, 0x5180, 0x52c7, 0x52fa, 0x559d, 0x5555, 0x5599, 0x55e2, 0x585a, 0x58b3, 0x5944,
    0x5954, 0x5a62, 0x5b28, 0x5ed2, 0x5ed9, 0x5f69, 0x5fad, 0x60d8, 0x614e, 0x6108, 0x618e, 0x6160,
    0x61f2, 0x6234, 0x63c4, 0x641c, 0x6452, 0x6556, 0x6674, 0x6717, 0x671b, 0x6756, 0x6b79, 0x6bba,
    0x6d41, 0x6edb, 0x6ecb, 0x6f22, 0x701e, 0x716e, 0x77a7, 0x7235, 0x72af, 0x732a, 0x7471, 0x7506,
    0x753b, 0x761d, 0x761f, 0x76ca, 0x76db, 0x76f4, 0x774a, 0x7740, 0x78cc, 0x7ab1, 0x7bc0, 0x7c7b,
    0x7d5b, 0x7df4, 0x7f3e, 0x8005, 0x8352, 0x83ef, 0x8779, 0x8941, 0x8986, 0x8996, 0x8abf, 0x8af8,
    0x8acb, 0x8b01, 0x8afe, 0x8aed, 0x8b39, 0x8b8a, 0x8d08, 0x8f38, 0x9072, 0x9199, 0x9276, 0x967c,
    0x96e3, 0x9756, 0x97db, 0x97ff, 0x980b, 0x983b, 0x9b12, 0x9f9c, 0x284a, 0x2844, 0x33d5, 0x3b9d,
    0x4018, 0x4039, 0x5249, 0x5cd0, 0x7ed3, 0x9f43, 0x9f8e, 0x4e3d, 0x4e38, 0x4e41, 0x0122, 0x4f60,
    0x4fae, 0x4fbb, 0x5002, 0x507a, 0x5099, 0x50e7, 0x50cf, 0x349e, 0x063a, 0x514d, 0x5154, 0x5164,
    0x5177, 0x051c, 0x34b9, 0x5167, 0x518d, 0x054b, 0x5197, 0x51a4, 0x4ecc, 0x51ac, 0x51b5, 0x91df,
    0x51f5, 0x5203, 0x34df, 0x523b, 0x5246, 0x5272, 0x5277, 0x3515, 0x52c7, 0x52c9, 0x52e4, 0x52fa,
    0x5305, 0x5306, 0x5317, 0x5349, 0x5351, 0x535a, 0x5373, 0x537d, 0x537f, 0x537f, 0x537f, 0x0a2c,
    0x7070, 0x53ca, 0x53df, 0x0b63, 0x53eb, 0x53f1, 0x5406, 0x549e, 0x5438, 0x5448, 0x5468, 0x54a2,
    0x54f6, 0x5510, 0x5553, 0x5563, 0x5584, 0x5584, 0x5599, 0x55ab, 0x55b3, 0x55c2, 0x5716, 0x5606,
    0x5717, 0x5651, 0x5674, 0x5207, 0x58ee, 0x57ce, 0x57f4, 0x580d, 0x578b, 0x5832, 0x5831, 0x58ac,
    0x14e4, 0x58f2, 0x58f7, 0x5906, 0x591a, 0x5922, 0x5962, 0x16a8, 0x16ea, 0x59ec, 0x5a1b, 0x5a27,
    0x59d8, 0x5a66, 0x36ee, 0x36fc, 0x5b08, 0x5b3e, 0x5b3e, 0x19c8, 0x5bc3, 0x5bd8, 0x5be7, 0x5bf3,
    0x1b18, 0x5bff, 0x5c06, 0x5f53, 0x5c22, 0x3781, 0x5c60, 0x5c6e, 0x5cc0, 0x5c8d, 0x1de4, 0x5d43,
    0x1de6, 0x5d6e, 0x5d6b, 0x5d7c, 0x5de1, 0x5de2, 0x382f, 0x5dfd, 0x5e28, 0x5e3d, 0x5e69, 0x3862,
    0x2183, 0x387c, 0x5eb0, 0x5eb3, 0x5eb6, 0x5eca, 0xa392, 0x5efe, 0x2331, 0x2331, 0x8201, 0x5f22,
    0x5f22, 0x38c7, 0x32b8, 0x61da, 0x5f62, 0x5f6b, 0x38e3, 0x5f9a, 0x5fcd, 0x5fd7, 0x5ff9, 0x6081,
    0x393a, 0x391c, 0x6094, 0x26d4, 0x60c7, 0x6148, 0x614c, 0x614e, 0x614c, 0x617a, 0x618e, 0x61b2,
    0x61a4, 0x61af, 0x61de, 0x61f2, 0x61f6, 0x6210, 0x621b, 0x625d, 0x62b1, 0x62d4, 0x6350, 0x2b0c,
    0x633d, 0x62fc, 0x6368, 0x6383, 0x63e4, 0x2bf1, 0x6422, 0x63c5, 0x63a9, 0x3a2e, 0x6469, 0x647e,
    0x649d, 0x6477, 0x3a6c, 0x654f, 0x656c, 0x300a, 0x65e3, 0x66f8, 0x6649, 0x3b19, 0x6691, 0x3b08,
    0x3ae4, 0x5192, 0x5195, 0x6700, 0x669c, 0x80ad, 0x43d9, 0x6717, 0x671b, 0x6721, 0x675e, 0x6753,
    0x33c3, 0x3b49, 0x67fa, 0x6785, 0x6852, 0x6885, 0x346d, 0x688e, 0x681f, 0x6914, 0x3b9d, 0x6942,
    0x69a3, 0x69ea, 0x6aa8, 0x36a3, 0x6adb, 0x3c18, 0x6b21, 0x38a7, 0x6b54, 0x3c4e, 0x6b72, 0x6b9f,
    0x6bba, 0x6bbb, 0x3a8d, 0x1d0b, 0x3afa, 0x6c4e, 0x3cbc, 0x6cbf, 0x6ccd, 0x6c67, 0x6d16, 0x6d3e,
    0x6d77, 0x6d41, 0x6d69, 0x6d78, 0x6d85, 0x3d1e, 0x6d34, 0x6e2f, 0x6e6e, 0x3d33, 0x6ecb, 0x6ec7,
    0x3ed1, 0x6df9, 0x6f6e, 0x3f5e, 0x3f8e, 0x6fc6, 0x7039, 0x701e, 0x701b, 0x3d96, 0x704a, 0x707d,
    0x7077, 0x70ad, 0x0525, 0x7145, 0x4263, 0x719c, 0x43ab, 0x7228, 0x7235, 0x7250, 0x4608, 0x7280,
    0x7295, 0x4735, 0x4814, 0x737a, 0x738b, 0x3eac, 0x73a5, 0x3eb8, 0x3eb8, 0x7447, 0x745c, 0x7471,
    0x7485, 0x74ca, 0x3f1b, 0x7524, 0x4c36, 0x753e, 0x4c92, 0x7570, 0x219f, 0x7610, 0x4fa1, 0x4fb8,
    0x5044, 0x3ffc, 0x4008, 0x76f4, 0x50f3, 0x50f2, 0x5119, 0x5133, 0x771e, 0x771f, 0x771f, 0x774a,
    0x4039, 0x778b, 0x4046, 0x4096, 0x541d, 0x784e, 0x788c, 0x78cc, 0x40e3, 0x5626, 0x7956, 0x569a,
    0x56c5, 0x798f, 0x79eb, 0x412f, 0x7a40, 0x7a4a, 0x7a4f, 0x597c, 0x5aa7, 0x5aa7, 0x7aee, 0x4202,
    0x5bab, 0x7bc6, 0x7bc9, 0x4227, 0x5c80, 0x7cd2, 0x42a0, 0x7ce8, 0x7ce3, 0x7d00, 0x5f86, 0x7d63,
    0x4301, 0x7dc7, 0x7e02, 0x7e45, 0x4334, 0x6228, 0x6247, 0x4359, 0x62d9, 0x7f7a, 0x633e, 0x7f95,
    0x7ffa, 0x8005, 0x64da, 0x6523, 0x8060, 0x65a8, 0x8070, 0x335f, 0x43d5, 0x80b2, 0x8103, 0x440b,
    0x813e, 0x5ab5, 0x67a7, 0x67b5, 0x3393, 0x339c, 0x8201, 0x8204, 0x8f9e, 0x446b, 0x8291, 0x828b,
    0x829d, 0x52b3, 0x82b1, 0x82b3, 0x82bd, 0x82e6, 0x6b3c, 0x82e5, 0x831d, 0x8363, 0x83ad, 0x8323,
    0x83bd, 0x83e7, 0x8457, 0x8353, 0x83ca, 0x83cc, 0x83dc, 0x6c36, 0x6d6b, 0x6cd5, 0x452b, 0x84f1,
    0x84f3, 0x8516, 0x73ca, 0x8564, 0x6f2c, 0x455d, 0x4561, 0x6fb1, 0x70d2, 0x456b, 0x8650, 0x865c,
    0x8667, 0x8669, 0x86a9, 0x8688, 0x870e, 0x86e2, 0x8779, 0x8728, 0x876b, 0x8786, 0x45d7, 0x87e1,
    0x8801, 0x45f9, 0x8860, 0x8863, 0x7667, 0x88d7, 0x88de, 0x4635, 0x88fa, 0x34bb, 0x78ae, 0x7966,
    0x46be, 0x46c7, 0x8aa0, 0x8aed, 0x8b8a, 0x8c55, 0x7ca8, 0x8cab, 0x8cc1, 0x8d1b, 0x8d77, 0x7f2f,
    0x0804, 0x8dcb, 0x8dbc, 0x8df0, 0x08de, 0x8ed4, 0x8f38, 0x85d2, 0x85ed, 0x9094, 0x90f1, 0x9111,
    0x872e, 0x911b, 0x9238, 0x92d7, 0x92d8, 0x927c, 0x93f9, 0x9415, 0x8bfa, 0x958b, 0x4995, 0x95b7,
    0x8d77, 0x49e6, 0x96c3, 0x5db2, 0x9723, 0x9145, 0x921a, 0x4a6e, 0x4a76, 0x97e0, 0x940a, 0x4ab2,
    0x9496, 0x980b, 0x980b, 0x9829, 0x95b6, 0x98e2, 0x4b33, 0x9929, 0x99a7, 0x99c2, 0x99fe, 0x4bce,
    0x9b30, 0x9b12, 0x9c40, 0x9cfd, 0x4cce, 0x4ced, 0x9d67, 0xa0ce, 0x4cf8, 0xa105, 0xa20e, 0xa291,
    0x9ebb, 0x4d56, 0x9ef9, 0x9efe, 0x9f05, 0x9f0f, 0x9f16, 0x9f3b, 0xa600,
];

/// Bit i: target i lies in plane 2.
#[rustfmt::skip]
static SINGLE_PLANE2: [u8; 128] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 199, 65, 0, 33,
    130, 0, 0, 128, 8, 0, 0, 0, 16, 24, 128, 16, 64, 1, 16, 52, 12, 128, 0, 0, 8, 2, 32, 0, 0, 65,
    128, 8, 92, 0, 2, 25, 64, 69, 6, 0, 213, 241, 0, 161, 129, 19, 65, 96, 197, 10, 60, 0, 4, 128,
    67, 25, 0, 0, 193, 64, 24, 25, 1, 17, 70, 17, 16, 232, 0, 1,
];

/// Chars whose canonical decomposition is (first, mark). Chunk heads.
#[rustfmt::skip]
static PAIR_KEYS_HEADS: [u32; 24] = [
    0x00000000, 0x000b4021, 0x001a2035, 0x0022c056, 0x00311069, 0x00494871, 0x00624892, 0x007a189f,
    0x008138c0, 0x00d830c1, 0x00f000d5, 0x00fee0f6, 0x010958fd, 0x0113b11e, 0x0156e12d, 0x0182612f,
    0x0183a950, 0x01861171, 0x07d8e989, 0x0884d199, 0x089a59a1, 0x08a5d9a3, 0x0e8af1a9, 0x880001ad,
];

/// Chars whose canonical decomposition is (first, mark). Steps between boundaries.
#[rustfmt::skip]
static PAIR_KEYS_STEPS: [u8; 406] = [
    192, 6, 1, 9, 1, 6, 2, 5, 2, 6, 1, 9, 1, 6, 2, 5, 1, 17, 2, 20, 2, 9, 3, 4, 1, 6, 4, 6, 3, 6, 2,
    18, 23, 33, 2, 13, 2, 28, 16, 1, 6, 2, 11, 3, 2, 2, 36, 2, 2, 6, 14, 1, 64, 2, 1, 3, 1, 1, 1, 3,
    25, 7, 25, 5, 4, 2, 43, 2, 1, 1, 3, 1, 4, 3, 10, 1, 31, 1, 22, 2, 1, 1, 3, 4, 3, 23, 2, 73, 2,
    13, 4, 2, 2, 2, 6, 2, 6, 2, 12, 2, 2, 5, 153, 1, 1, 1, 16, 1, 1, 7, 1, 2, 1, 35, 8, 107, 2, 15,
    2, 1, 1, 83, 1, 2, 1, 34, 3, 2, 1, 233, 1, 2, 2, 15, 2, 54, 1, 53, 3, 123, 119, 1, 6, 2, 1, 2,
    126, 3, 141, 1, 1, 3, 1, 9, 1, 4, 1, 4, 1, 4, 1, 12, 1, 9, 1, 1, 2, 1, 1, 8, 1, 17, 1, 9, 1, 4,
    1, 4, 1, 4, 1, 12, 1, 108, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 40, 1, 1, 1, 2, 2, 1, 1, 154, 1, 1,
    4, 90, 6, 22, 2, 6, 2, 38, 2, 6, 2, 8, 1, 1, 1, 1, 1, 1, 1, 31, 2, 53, 1, 7, 4, 4, 1, 14, 2, 1,
    18, 3, 3, 1, 7, 1, 110, 2, 18, 1, 30, 3, 52, 1, 4, 1, 2, 1, 23, 1, 1, 1, 26, 1, 2, 1, 2, 1, 1,
    1, 22, 1, 1, 1, 10, 5, 2, 2, 2, 6, 2, 2, 2, 2, 2, 34, 4, 48, 4, 6, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 6, 2, 1, 1, 2, 1, 2, 1, 2, 22, 1,
    9, 1, 13, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 6,
    2, 1, 2, 1, 2, 1, 2, 1, 2, 22, 1, 2, 4, 3, 1, 1, 1, 1, 10, 13, 1, 5, 1, 1, 1, 2, 1, 2, 1, 9, 1,
    1, 1, 14, 1, 130, 2, 2, 2, 1, 1, 251, 2, 7, 86, 6,
];

static PAIR_KEYS: Runs = Runs { heads: &PAIR_KEYS_HEADS, steps: &PAIR_KEYS_STEPS };

/// Keys before each chunk.
#[rustfmt::skip]
static PAIR_RANKS: [u16; 23] = [
    0, 138, 252, 289, 328, 336, 368, 380, 398, 398, 409, 852, 880, 905, 925, 926, 945, 964, 984,
    1018, 1023, 1025, 1030,
];

/// Per pair, in key order: first-char code (bits 0-8), SECONDS index (bits 9-15).
#[rustfmt::skip]
static PAIRS: [u16; 1043] = [
    0x0041, 0x0241, 0x0441, 0x0641, 0x0e41, 0x1241, 0x2a43, 0x0045, 0x0245, 0x0445, 0x0e45, 0x0049,
    0x0249, 0x0449, 0x0e49, 0x064e, 0x004f, 0x024f, 0x044f, 0x064f, 0x0e4f, 0x0055, 0x0255, 0x0455,
    0x0e55, 0x0259, 0x0061, 0x0261, 0x0461, 0x0661, 0x0e61, 0x1261, 0x2a63, 0x0065, 0x0265, 0x0465,
    0x0e65, 0x0069, 0x0269, 0x0469, 0x0e69, 0x066e, 0x006f, 0x026f, 0x046f, 0x066f, 0x0e6f, 0x0075,
    0x0275, 0x0475, 0x0e75, 0x0279, 0x0e79, 0x0841, 0x0861, 0x0a41, 0x0a61, 0x2c41, 0x2c61, 0x0243,
    0x0263, 0x0443, 0x0463, 0x0c43, 0x0c63, 0x1643, 0x1663, 0x1644, 0x1664, 0x0845, 0x0865, 0x0a45,
    0x0a65, 0x0c45, 0x0c65, 0x2c45, 0x2c65, 0x1645, 0x1665, 0x0447, 0x0467, 0x0a47, 0x0a67, 0x0c47,
    0x0c67, 0x2a47, 0x2a67, 0x0448, 0x0468, 0x0649, 0x0669, 0x0849, 0x0869, 0x0a49, 0x0a69, 0x2c49,
    0x2c69, 0x0c49, 0x044a, 0x046a, 0x2a4b, 0x2a6b, 0x024c, 0x026c, 0x2a4c, 0x2a6c, 0x164c, 0x166c,
    0x024e, 0x026e, 0x2a4e, 0x2a6e, 0x164e, 0x166e, 0x084f, 0x086f, 0x0a4f, 0x0a6f, 0x144f, 0x146f,
    0x0252, 0x0272, 0x2a52, 0x2a72, 0x1652, 0x1672, 0x0253, 0x0273, 0x0453, 0x0473, 0x2a53, 0x2a73,
    0x1653, 0x1673, 0x2a54, 0x2a74, 0x1654, 0x1674, 0x0655, 0x0675, 0x0855, 0x0875, 0x0a55, 0x0a75,
    0x1255, 0x1275, 0x1455, 0x1475, 0x2c55, 0x2c75, 0x0457, 0x0477, 0x0459, 0x0479, 0x0e59, 0x025a,
    0x027a, 0x0c5a, 0x0c7a, 0x165a, 0x167a, 0x204f, 0x206f, 0x2055, 0x2075, 0x1641, 0x1661, 0x1649,
    0x1669, 0x164f, 0x166f, 0x1655, 0x1675, 0x08dc, 0x08fc, 0x02dc, 0x02fc, 0x16dc, 0x16fc, 0x00dc,
    0x00fc, 0x08c4, 0x08e4, 0x0993, 0x0994, 0x08c6, 0x08e6, 0x1647, 0x1667, 0x164b, 0x166b, 0x2c4f,
    0x2c6f, 0x0901, 0x0901, 0x1736, 0x1797, 0x166a, 0x0247, 0x0267, 0x004e, 0x006e, 0x02c5, 0x02e5,
    0x02c6, 0x02e6, 0x02d8, 0x02f8, 0x1841, 0x1861, 0x1a41, 0x1a61, 0x1845, 0x1865, 0x1a45, 0x1a65,
    0x1849, 0x1869, 0x1a49, 0x1a69, 0x184f, 0x186f, 0x1a4f, 0x1a6f, 0x1852, 0x1872, 0x1a52, 0x1a72,
    0x1855, 0x1875, 0x1a55, 0x1a75, 0x2853, 0x2873, 0x2854, 0x2874, 0x1648, 0x1668, 0x0c41, 0x0c61,
    0x2a45, 0x2a65, 0x08d6, 0x08f6, 0x08d5, 0x08f5, 0x0c4f, 0x0c6f, 0x0901, 0x0901, 0x0859, 0x0879,
    0x033b, 0x02a8, 0x0398, 0x0399, 0x039a, 0x039b, 0x039c, 0x039e, 0x039f, 0x03aa, 0x0f10, 0x0f05,
    0x03a2, 0x03a3, 0x03a4, 0x03a5, 0x03ab, 0x0f10, 0x0f05, 0x030c, 0x0307, 0x0304, 0x0300, 0x0f01,
    0x01af, 0x0faf, 0x03ae, 0x0f00, 0x03b3, 0x01b2, 0x0bb5, 0x0b00, 0x0b00, 0x011a, 0x0f1b, 0x031f,
    0x0f00, 0x0321, 0x0124, 0x0b1a, 0x1901, 0x1901, 0x0bb0, 0x0bbb, 0x0bad, 0x0bb9, 0x0fad, 0x0fb9,
    0x0baf, 0x0bba, 0x0f01, 0x0f01, 0x0fb0, 0x0fbb, 0x0fb1, 0x0fbc, 0x09b2, 0x09bd, 0x0fb2, 0x0fbd,
    0x0fb4, 0x0fbe, 0x0f01, 0x0f01, 0x0fb8, 0x0fc2, 0x09b5, 0x09bf, 0x0fb5, 0x0fbf, 0x15b5, 0x15bf,
    0x0fb6, 0x0fc0, 0x0fb7, 0x0fc1, 0x4dda, 0x4fda, 0x4fdb, 0x51da, 0x4fdc, 0x4fdd, 0x4f00, 0x4f00,
    0x5300, 0x5300, 0x5300, 0x5342, 0x5342, 0x5342, 0x533e, 0x533a, 0x533a, 0x5332, 0x532f, 0x5703,
    0x5904, 0x553a, 0x553a, 0x552f, 0x5b00, 0x5bde, 0x5b42, 0x5b42, 0x5b3e, 0x5b32, 0x6100, 0x5f03,
    0x6304, 0x5d3a, 0x5d3a, 0x6701, 0x6503, 0x6503, 0x6705, 0x6901, 0x6d00, 0x6d00, 0x6f01, 0x6b03,
    0x6d00, 0x7103, 0x7103, 0x7305, 0x7500, 0x7702, 0x7500, 0x7904, 0x8300, 0x8300, 0x8300, 0x8300,
    0x8300, 0x8128, 0x7b01, 0x7d03, 0x7fdf, 0x7fe0, 0x7f0f, 0x8300, 0x8300, 0x8300, 0x8300, 0x8300,
    0x8128, 0x8500, 0x8700, 0x8700, 0x8700, 0x8700, 0x8700, 0x8700, 0x8700, 0x8700, 0x8701, 0x8701,
    0x8700, 0x2641, 0x2661, 0x0c42, 0x0c62, 0x2242, 0x2262, 0x3442, 0x3462, 0x02c7, 0x02e7, 0x0c44,
    0x0c64, 0x2244, 0x2264, 0x3444, 0x3464, 0x2a44, 0x2a64, 0x2e44, 0x2e64, 0x0182, 0x0183, 0x0382,
    0x0383, 0x2e45, 0x2e65, 0x3245, 0x3265, 0x0b95, 0x0b96, 0x0c46, 0x0c66, 0x0847, 0x0867, 0x0c48,
    0x0c68, 0x2248, 0x2268, 0x0e48, 0x0e68, 0x2a48, 0x2a68, 0x3048, 0x3068, 0x3249, 0x3269, 0x02cf,
    0x02ef, 0x024b, 0x026b, 0x224b, 0x226b, 0x344b, 0x346b, 0x224c, 0x226c, 0x0901, 0x0901, 0x344c,
    0x346c, 0x2e4c, 0x2e6c, 0x024d, 0x026d, 0x0c4d, 0x0c6d, 0x224d, 0x226d, 0x0c4e, 0x0c6e, 0x224e,
    0x226e, 0x344e, 0x346e, 0x2e4e, 0x2e6e, 0x02d5, 0x02f5, 0x0ed5, 0x0ef5, 0x0184, 0x0185, 0x0384,
    0x0385, 0x0250, 0x0270, 0x0c50, 0x0c70, 0x0c52, 0x0c72, 0x2252, 0x2272, 0x0901, 0x0901, 0x3452,
    0x3472, 0x0c53, 0x0c73, 0x2253, 0x2273, 0x0d86, 0x0d87, 0x0d88, 0x0d89, 0x0d05, 0x0d05, 0x0c54,
    0x0c74, 0x2254, 0x2274, 0x3454, 0x3474, 0x2e54, 0x2e74, 0x2455, 0x2475, 0x3255, 0x3275, 0x2e55,
    0x2e75, 0x038a, 0x038b, 0x0f8c, 0x0f8d, 0x0656, 0x0676, 0x2256, 0x2276, 0x0057, 0x0077, 0x0257,
    0x0277, 0x0e57, 0x0e77, 0x0c57, 0x0c77, 0x2257, 0x2277, 0x0c58, 0x0c78, 0x0e58, 0x0e78, 0x0c59,
    0x0c79, 0x045a, 0x047a, 0x225a, 0x227a, 0x345a, 0x347a, 0x3468, 0x0e74, 0x1277, 0x1279, 0x0d8e,
    0x2241, 0x2261, 0x1041, 0x1061, 0x02c2, 0x02e2, 0x00c2, 0x00e2, 0x10c2, 0x10e2, 0x06c2, 0x06e2,
    0x050b, 0x050b, 0x0380, 0x0381, 0x0180, 0x0181, 0x1180, 0x1181, 0x0780, 0x0781, 0x0b15, 0x0b15,
    0x2245, 0x2265, 0x1045, 0x1065, 0x0645, 0x0665, 0x02ca, 0x02ea, 0x00ca, 0x00ea, 0x10ca, 0x10ea,
    0x06ca, 0x06ea, 0x050d, 0x050d, 0x1049, 0x1069, 0x2249, 0x2269, 0x224f, 0x226f, 0x104f, 0x106f,
    0x02d4, 0x02f4, 0x00d4, 0x00f4, 0x10d4, 0x10f4, 0x06d4, 0x06f4, 0x050b, 0x050b, 0x038f, 0x0390,
    0x018f, 0x0190, 0x118f, 0x1190, 0x078f, 0x0790, 0x238f, 0x2390, 0x2255, 0x2275, 0x1055, 0x1075,
    0x0391, 0x0392, 0x0191, 0x0192, 0x1191, 0x1192, 0x0791, 0x0792, 0x2391, 0x2392, 0x0059, 0x0079,
    0x2259, 0x2279, 0x1059, 0x1079, 0x0659, 0x0679, 0x1da2, 0x1fa2, 0x0101, 0x0101, 0x0303, 0x0303,
    0x3905, 0x3905, 0x1d98, 0x1f98, 0x0101, 0x0101, 0x0303, 0x0303, 0x3905, 0x3905, 0x1da3, 0x1fa3,
    0x0101, 0x0101, 0x0303, 0x0303, 0x1d99, 0x1f99, 0x0101, 0x0101, 0x0303, 0x0303, 0x1da4, 0x1fa4,
    0x0101, 0x0101, 0x0303, 0x0303, 0x3905, 0x3905, 0x1d9a, 0x1f9a, 0x0101, 0x0101, 0x0303, 0x0303,
    0x3905, 0x3905, 0x1da5, 0x1fa5, 0x0101, 0x0101, 0x0303, 0x0303, 0x3905, 0x3905, 0x1d9b, 0x1f9b,
    0x0101, 0x0101, 0x0303, 0x0303, 0x3905, 0x3905, 0x1da6, 0x1fa6, 0x0101, 0x0101, 0x0303, 0x0303,
    0x1d9c, 0x1f9c, 0x0101, 0x0101, 0x0303, 0x0303, 0x1da8, 0x1fa8, 0x0101, 0x0101, 0x0303, 0x0303,
    0x3905, 0x3905, 0x1f9e, 0x0101, 0x0303, 0x3905, 0x1da9, 0x1fa9, 0x0101, 0x0101, 0x0303, 0x0303,
    0x3905, 0x3905, 0x1d9f, 0x1f9f, 0x0101, 0x0101, 0x0303, 0x0303, 0x3905, 0x3905, 0x01a2, 0x03a2,
    0x01a3, 0x03a3, 0x01a4, 0x03a4, 0x01a5, 0x03a5, 0x01a6, 0x03a6, 0x01a8, 0x03a8, 0x01a9, 0x03a9,
    0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f,
    0x3b7f, 0x3b7f, 0x3b7f, 0x3b7f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f,
    0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b6f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f,
    0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f, 0x3b3f,
    0x0ba2, 0x09a2, 0x3b41, 0x3ba2, 0x3ba0, 0x39a2, 0x3b00, 0x0b98, 0x0998, 0x0198, 0x0398, 0x3b98,
    0x38a8, 0x3b4d, 0x3ba4, 0x3ba1, 0x39a4, 0x3b00, 0x0199, 0x0399, 0x019a, 0x039a, 0x3b9a, 0x010d,
    0x030e, 0x390f, 0x0ba5, 0x09a5, 0x01aa, 0x03aa, 0x39a5, 0x39aa, 0x0b9b, 0x099b, 0x019b, 0x039b,
    0x01e1, 0x03e1, 0x39e1, 0x0ba8, 0x09a8, 0x01ab, 0x03ab, 0x1da7, 0x1fa7, 0x39a8, 0x39ab, 0x0b9e,
    0x099e, 0x019e, 0x039e, 0x1f9d, 0x00a8, 0x02a8, 0x3b75, 0x3ba9, 0x3bac, 0x39a9, 0x3b00, 0x019c,
    0x039c, 0x019f, 0x039f, 0x3b9f, 0x1241, 0x3709, 0x3708, 0x3719, 0x37e2, 0x37e4, 0x37e3, 0x3700,
    0x3700, 0x3700, 0x3700, 0x3700, 0x3704, 0x3700, 0x3701, 0x3700, 0x363d, 0x3700, 0x371f, 0x363c,
    0x363e, 0x370b, 0x370b, 0x3701, 0x3701, 0x3701, 0x3701, 0x3705, 0x3705, 0x3701, 0x3701, 0x3701,
    0x3701, 0x3709, 0x3704, 0x3704, 0x3703, 0x3763, 0x3763, 0x3750, 0x3750, 0x3737, 0x3737, 0x3737,
    0x3737, 0x37e5, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900,
    0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8b01, 0x8900, 0x8b01, 0x8900, 0x8b01, 0x8900,
    0x8b01, 0x8900, 0x8b01, 0x894d, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900,
    0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8900, 0x8b01, 0x8900, 0x8b01,
    0x8900, 0x8b01, 0x8900, 0x8b01, 0x8900, 0x8b01, 0x894d, 0x8907, 0x8907, 0x8907, 0x8907, 0x8900,
    0x3dcb, 0x3fd9, 0x49d7, 0x4bd7, 0x49e6, 0x4be6, 0x3fc3, 0x41c3, 0x45c3, 0x45c4, 0x45c5, 0x45c6,
    0x45c7, 0x45c8, 0x45c9, 0x45ca, 0x45cb, 0x45cc, 0x45cd, 0x45ce, 0x45cf, 0x45d0, 0x45d1, 0x45d2,
    0x45d3, 0x45d4, 0x45d5, 0x45d6, 0x45d7, 0x45d8, 0x43c8, 0x47c4, 0x47cd, 0x47d3, 0x8d00, 0x8d00,
    0x8d05, 0x8fe7, 0x8fe8, 0x9103, 0x9304, 0x9701, 0x9502, 0x9904, 0x9b01, 0x9b01, 0x9d06, 0x9d06,
    0x9f00, 0xa101, 0xa302, 0xa503, 0xa704, 0x9d01, 0x9d01, 0x9f01, 0x9f01, 0xa103, 0xa103,
];

/// First chars that are neither Latin-1 nor close below their key.
#[rustfmt::skip]
static FIRSTS: [u16; 105] = [
    0x0102, 0x0103, 0x0112, 0x0113, 0x014c, 0x014d, 0x015a, 0x015b, 0x0160, 0x0161, 0x0168, 0x0169,
    0x016a, 0x016b, 0x017f, 0x01a0, 0x01a1, 0x01af, 0x01b0, 0x0226, 0x0227, 0x0228, 0x0229, 0x0292,
    0x0391, 0x0395, 0x0397, 0x0399, 0x039f, 0x03a1, 0x03a5, 0x03a9, 0x03ac, 0x03ae, 0x03b1, 0x03b5,
    0x03b7, 0x03b9, 0x03bf, 0x03c1, 0x03c5, 0x03c9, 0x03ca, 0x03cb, 0x03ce, 0x0410, 0x0413, 0x0415,
    0x0416, 0x0417, 0x0418, 0x041a, 0x041e, 0x0423, 0x0427, 0x042b, 0x042d, 0x0430, 0x0435, 0x0436,
    0x0437, 0x0438, 0x043e, 0x0443, 0x0447, 0x044b, 0x044d, 0x05d0, 0x05d1, 0x05d2, 0x05d3, 0x05d4,
    0x05d5, 0x05d6, 0x05d8, 0x05d9, 0x05da, 0x05db, 0x05dc, 0x05de, 0x05e0, 0x05e1, 0x05e3, 0x05e4,
    0x05e6, 0x05e7, 0x05e8, 0x05e9, 0x05ea, 0x05f2, 0x0627, 0x0648, 0x064a, 0x06d5, 0x0a38, 0x0fb2,
    0x0fb3, 0x1ffe, 0x21d0, 0x21d2, 0x21d4, 0x2add, 0xfb49, 0x1131, 0x1132,
];

/// `FIRSTS` from here on are in plane 1.
const FIRSTS_BMP: usize = 103;

/// Marks that end a pair.
#[rustfmt::skip]
static SECONDS: [u16; 84] = [
    0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0306, 0x0307, 0x0308, 0x0309, 0x030a, 0x030b, 0x030c,
    0x030f, 0x0311, 0x0313, 0x0314, 0x031b, 0x0323, 0x0324, 0x0325, 0x0326, 0x0327, 0x0328, 0x032d,
    0x032e, 0x0330, 0x0331, 0x0338, 0x0342, 0x0345, 0x05b4, 0x05b7, 0x05b8, 0x05b9, 0x05bc, 0x05bf,
    0x05c1, 0x05c2, 0x0653, 0x0654, 0x0655, 0x093c, 0x09bc, 0x09be, 0x09d7, 0x0a3c, 0x0b3c, 0x0b3e,
    0x0b56, 0x0b57, 0x0bbe, 0x0bd7, 0x0c56, 0x0cc2, 0x0cd5, 0x0cd6, 0x0d3e, 0x0d57, 0x0dca, 0x0dcf,
    0x0ddf, 0x0f72, 0x0f74, 0x0f80, 0x0fb5, 0x0fb7, 0x102e, 0x1b35, 0x3099, 0x309a, 0x10ba, 0x1127,
    0x133e, 0x1357, 0x14b0, 0x14ba, 0x14bd, 0x15af, 0xd165, 0xd16e, 0xd16f, 0xd170, 0xd171, 0xd172,
];

/// `SECONDS` from here on are in plane 1.
const SECONDS_BMP: usize = 70;

// @generated end

#[cfg(test)]
mod tests {
    use super::*;

    fn nfd(s: &str) -> String {
        let mut out = String::new();
        nfd_into(s, &mut out);
        out
    }

    #[test]
    fn nfd_decomposes() {
        assert_eq!(nfd("é"), "e\u{301}");
        assert_eq!(nfd("élégant"), "e\u{301}le\u{301}gant");
        // Singletons, including one that lands on a decomposable char.
        assert_eq!(nfd("\u{212B}"), "A\u{30A}");
        assert_eq!(nfd("\u{2126}"), "\u{3A9}");
        assert_eq!(nfd("\u{F900}"), "\u{8C48}");
        assert_eq!(nfd("\u{2F800}"), "\u{4E3D}");
        assert_eq!(nfd("\u{2FA1D}"), "\u{2A600}");
        // Four chars deep.
        assert_eq!(nfd("\u{1F82}"), "\u{3B1}\u{313}\u{300}\u{345}");
        assert_eq!(nfd("\u{958}"), "\u{915}\u{93C}");
        assert_eq!(nfd("\u{1D160}"), "\u{1D158}\u{1D165}\u{1D16E}");
        assert_eq!(nfd("\u{1109A}"), "\u{11099}\u{110BA}");
        assert_eq!(nfd("\u{FB2C}"), "\u{5E9}\u{5BC}\u{5C1}");
        // Hangul, LV and LVT.
        assert_eq!(nfd("\u{AC00}"), "\u{1100}\u{1161}");
        assert_eq!(nfd("\u{D7A3}"), "\u{1112}\u{1175}\u{11C2}");
        // Compatibility decompositions are not canonical.
        assert_eq!(nfd("\u{FB01}\u{2460}"), "\u{FB01}\u{2460}");
        // Decomposable only after Unicode 9.0 (Dives Akuru, 13.0): left alone, as upstream.
        assert_eq!(nfd("\u{11938}"), "\u{11938}");
        assert_eq!(nfd("abc \u{10FFFF}"), "abc \u{10FFFF}");
    }

    #[test]
    fn nfd_reorders() {
        assert_eq!(nfd("a\u{301}\u{316}"), "a\u{316}\u{301}");
        // Equal classes keep their order; a starter stops the sort.
        assert_eq!(nfd("a\u{301}\u{300}\u{316}"), "a\u{316}\u{301}\u{300}");
        assert_eq!(nfd("\u{301}\u{316}b\u{301}"), "\u{316}\u{301}b\u{301}");
        // Marks produced by a decomposition are sorted with the ones that follow it.
        assert_eq!(nfd("\u{1EA0}\u{302}"), "A\u{323}\u{302}");
        assert_eq!(nfd("\u{E1}\u{316}"), "a\u{316}\u{301}");
        // Text already in the buffer is not touched.
        let mut out = String::from("x\u{301}");
        nfd_into("\u{316}", &mut out);
        assert_eq!(out, "x\u{301}\u{316}");
    }

    #[test]
    fn combining_classes() {
        assert_eq!(canonical_combining_class('a'), 0);
        assert_eq!(canonical_combining_class('\u{300}'), 230);
        assert_eq!(canonical_combining_class('\u{316}'), 220);
        assert_eq!(canonical_combining_class('\u{345}'), 240);
        assert_eq!(canonical_combining_class('\u{93C}'), 7);
        assert_eq!(canonical_combining_class('\u{1D165}'), 216);
        assert_eq!(canonical_combining_class('\u{1E94A}'), 7);
        // Given class 230 in Unicode 10.0, after the crate's 9.0.
        assert_eq!(canonical_combining_class('\u{1DF6}'), 0);
    }

    #[test]
    fn bert_control_and_whitespace() {
        for c in "\0\u{1}\u{7F}\u{9F}\u{AD}\u{200B}\u{FEFF}\u{E000}\u{E0001}\u{10FFFD}".chars() {
            assert!(is_bert_control(c), "{c:?}");
        }
        for c in "\t\n\r a\u{FFFD}\u{FFFE}\u{10FFFF}".chars() {
            assert!(!is_bert_control(c), "{c:?}");
        }
        // Unassigned: not a control, despite unicode_categories' doc comment.
        assert!(!is_bert_control('\u{378}'));
        // Cf since Unicode 9.0 and 12.0 (the crate is at 8.0): not a control.
        assert!(!is_bert_control('\u{8E2}') && !is_bert_control('\u{13430}'));
        for c in "\t\n\r \u{B}\u{85}\u{A0}\u{3000}\u{2029}".chars() {
            assert!(is_bert_whitespace(c), "{c:?}");
        }
        assert!(!is_bert_whitespace('\u{200B}') && !is_bert_whitespace('\u{180E}'));
    }

    #[test]
    fn chinese_chars() {
        for c in "\u{4E00}\u{9FFF}\u{3400}\u{F900}\u{2A6DF}\u{2CEAF}".chars() {
            assert!(is_chinese_char(c), "{c:?}");
        }
        for c in "\u{2B820}\u{2B91F}\u{3041}\u{AC00}\u{30000}a".chars() {
            assert!(!is_chinese_char(c), "{c:?}");
        }
    }

    #[test]
    fn punctuation() {
        for c in "!$+^`~。、«¿\u{2014}\u{2E42}".chars() {
            assert!(is_bert_punctuation(c), "{c:?}");
        }
        // Symbols outside ASCII are not punctuation, nor is what became P* after Unicode 8.0.
        for c in "a €©\u{2E43}\u{1E95E}".chars() {
            assert!(!is_bert_punctuation(c), "{c:?}");
        }
    }

    #[test]
    fn nonspacing_marks() {
        assert!(is_mark_nonspacing('\u{300}') && is_mark_nonspacing('\u{E0100}'));
        assert!(!is_mark_nonspacing('a') && !is_mark_nonspacing('\u{903}'));
        // Mn since Unicode 9.0: not a mark for the crate.
        assert!(!is_mark_nonspacing('\u{8D4}'));
    }

    #[test]
    fn regex_classes() {
        for c in "aZªéßΩ中ー\u{AC00}\u{1E900}\u{2EBF0}".chars() {
            assert!(is_letter(c) && !is_number(c), "{c:?}");
        }
        // Other scripts' digits, letter numbers (Nl) and other numbers (No).
        for c in "09²½٣७Ⅻ〇\u{1D7CE}\u{1E4F0}".chars() {
            assert!(is_number(c) && !is_letter(c), "{c:?}");
        }
        for c in " _-\u{300}\u{378}\u{10FFFF}😀".chars() {
            assert!(!is_letter(c) && !is_number(c), "{c:?}");
        }
        for c in "\t\u{B}\u{C} \u{85}\u{A0}\u{2000}\u{3000}".chars() {
            assert!(is_regex_whitespace(c), "{c:?}");
        }
        for c in "\u{1C}\u{180E}\u{200B}\u{FEFF}a".chars() {
            assert!(!is_regex_whitespace(c), "{c:?}");
        }
    }

    #[test]
    fn run_tables_are_well_formed() {
        let tables = [&OTHER, &PUNCTUATION, &NONSPACING_MARK, &LETTER, &NUMBER, &CCC];
        for runs in tables.into_iter().chain([&SINGLE_KEYS, &PAIR_KEYS]) {
            assert_eq!(runs.heads[0] >> 11, 0);
            assert!(runs.heads.windows(2).all(|w| w[0] >> 11 < w[1] >> 11));
            assert_eq!(*runs.heads.last().unwrap() >> 11, 0x110000);
            let boundaries = (runs.heads.last().unwrap() & 0x7ff) as usize;
            assert_eq!(runs.steps.len(), boundaries - (runs.heads.len() - 1));
        }
        let runs = (CCC.heads.last().unwrap() & 0x7ff) as usize;
        assert_eq!(CCC_VALUES.len(), runs);
    }
}
