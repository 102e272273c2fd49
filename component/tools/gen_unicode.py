#!/usr/bin/env python3
"""Regenerate the tables in component/src/tokenizers/unicode.rs and grapheme.rs.

Token ids only match Hugging Face `tokenizers` if every character class agrees with
the one `tokenizers` uses, and `tokenizers` takes its Unicode from four crates, each
frozen at its own Unicode version. So the tables are built from those crates' own
data, never from a UnicodeData.txt of some other version:

  crate (as locked by tokenizers 0.23.2)      file parsed                            Unicode
  unicode_categories 0.1.1                    src/tables.rs, src/lib.rs              8.0.0
      BertNormalizer is_control (Cc|Cf|Co), BertPreTokenizer punctuation (P*),
      strip_accents' is_mark_nonspacing (Mn)
  unicode-normalization-alignments 0.1.12     src/tables.rs                          9.0.0
      NFD: full canonical decompositions and canonical combining classes
  onig_sys 69.9.3 (Oniguruma 6.9.10)          oniguruma/src/unicode_property_data.c  16.0.0
      \\p{L}, \\p{N} and \\s of the GPT-2 ByteLevel regex
  unicode-segmentation 1.13.3                 src/tables.rs                          17.0.0
      extended grapheme clusters, which the SentencePiece Precompiled normalizer walks
      (tables in grapheme.rs; spm_precompiled 0.1.4 and tokenizers both use this crate)

The crate sources come from cargo's registry cache; to get them:

    cargo new /tmp/x && cd /tmp/x
    cargo add unicode_categories@0.1.1 unicode-normalization-alignments@0.1.12 onig_sys@69.9.3 \\
        unicode-segmentation@1.13.3
    cargo fetch

Usage: python3 component/tools/gen_unicode.py [--registry DIR] [--check]
It rewrites only the blocks between the `@generated` markers of unicode.rs and grapheme.rs,
prints the byte size of every table, and with --check fails instead of writing if a file
differs.

Before writing, every table is decoded back and compared with the source set, so an
encoding bug fails here. The Rust lookups themselves were compared with the real crates
for every code point by a throwaway program kept out of the repo; to redo it, make a
cargo project in /tmp depending on unicode_categories 0.1.1,
unicode-normalization-alignments 0.1.12 and onig 6.5 (onig_sys 69.9.3), include this file
with `#[path = ".../unicode.rs"] mod unicode;`, and for every char 0..=0x10FFFF compare
is_bert_control with `!matches!(c, '\\t'|'\\n'|'\\r') && c.is_other()`, is_bert_punctuation
with `c.is_ascii_punctuation() || c.is_punctuation()`, is_mark_nonspacing,
canonical_combining_class, nfd_into of the char with `.nfd()`, and is_letter /
is_number / is_regex_whitespace with onig matches of `^\\p{L}$`, `^\\p{N}$`, `^\\s$`;
then nfd_into against `.nfd()` on random strings of marks, starters and Hangul.
grapheme.rs was checked the same way: with the crate's src/tables.rs included by `#[path]`,
its category of every char against `grapheme::grapheme_category`, `is_incb_linker` and
`InCB_Extend`; then `clusters` against `graphemes(true)` on every pair of chars drawn from
each class and on millions of random strings of them.
"""

import argparse
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "..", "src", "tokenizers", "unicode.rs")
BEGIN = "// @generated begin: component/tools/gen_unicode.py, do not edit by hand."
END = "// @generated end"

CATEGORIES = "unicode_categories-0.1.1"
NORMALIZATION = "unicode-normalization-alignments-0.1.12"
ONIG = "onig_sys-69.9.3"
SEGMENTATION = "unicode-segmentation-1.13.3"
GRAPHEME_TARGET = os.path.join(HERE, "..", "src", "tokenizers", "grapheme.rs")

# A run table stores boundaries as u8 steps; a chunk head (u32) restarts the count after
# any step above 255 and at least every CHUNK steps, which bounds the linear scan.
CHUNK = 32
POS_SHIFT = 11  # head = position << 11 | boundary index
MAX_CP = 0x110000


def find_crate(registry, name):
    pats = [os.path.join(registry, name)] if registry else []
    pats.append(os.path.expanduser(os.path.join("~", ".cargo", "registry", "src", "*", name)))
    for pat in pats:
        hits = sorted(glob.glob(pat))
        if hits:
            return hits[-1]
    sys.exit(f"crate source {name} not found; see this script's docstring for how to fetch it")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- sources


def categories_sets(root):
    tables = read(os.path.join(root, "src", "tables.rs"))
    lib = read(os.path.join(root, "src", "lib.rs"))

    def table(name):
        m = re.search(r"pub static %s : &'static \[char\] = &\[(.*?)\];" % name, tables, re.S)
        if not m:
            sys.exit(f"{root}: table {name} not found")
        return {int(x, 16) for x in re.findall(r"'\\u\{([0-9A-Fa-f]+)\}'", m.group(1))}

    # lib.rs says `is_other` is "Cc, Cf, Cn, or Co" but its body is Cc || Cf || Co:
    # unassigned code points are not controls. Check the body so a change is noticed.
    body = re.search(r"fn is_other\(self\) -> bool \{(.*?)\}", lib, re.S).group(1)
    calls = re.findall(r"self\.(\w+)\(\)", body)
    assert calls == ["is_other_control", "is_other_format", "is_other_private_use"], calls
    # Private use is a `match` on the three ranges, falling back to a table of their ends.
    body = re.search(r"fn is_other_private_use\(self\) -> bool \{(.*?)\n    \}", lib, re.S).group(1)
    private = set(table("OTHER_PRIVATE_USE"))
    for lo, hi in re.findall(r"'\\u\{([0-9A-F]+)\}'\.\.\.'\\u\{([0-9A-F]+)\}'", body):
        private |= set(range(int(lo, 16), int(hi, 16) + 1))
    assert len(private) == 6400 + 65534 * 2, len(private)
    other = table("OTHER_CONTROL") | table("OTHER_FORMAT") | private

    body = re.search(r"fn is_punctuation\(self\) -> bool \{(.*?)\}", lib, re.S).group(1)
    punctuation = set()
    for call in set(re.findall(r"self\.(\w+)\(\)", body)):
        pat = r"fn %s\(self\) -> bool \{\s*table_binary_search\(self, tables::(\w+)\)" % call
        name = re.search(pat, lib)
        punctuation |= table(name.group(1))
    assert len(punctuation) == 717, len(punctuation)  # Unicode 8.0.0 has 717 P* characters
    mn = table("MARK_NONSPACING")
    return other, punctuation, mn


def normalization_data(root):
    text = read(os.path.join(root, "src", "tables.rs"))
    pat = r"UNICODE_VERSION: \(u64, u64, u64\) = \((\d+), (\d+), (\d+)\)"
    version = re.search(pat, text).groups()
    assert version == ("9", "0", "0"), version
    m = re.search(r"CANONICAL_COMBINING_CLASS_KV: &\[u32\] = &\[(.*?)\];", text, re.S)
    ccc = {}
    for x in re.findall(r"0x([0-9A-Fa-f]+)", m.group(1)):
        v = int(x, 16)
        if v & 0xFF:
            ccc[v >> 8] = v & 0xFF
    pat = r"CANONICAL_DECOMPOSED_KV: &\[\(u32, &'static \[char\]\)\] = &\[(.*?)\n\];"
    m = re.search(pat, text, re.S)
    full = {}
    for k, v in re.findall(r"\(0x([0-9a-fA-F]+), &\[(.*?)\]\)", m.group(1)):
        full[int(k, 16)] = [int(x, 16) for x in re.findall(r"\\u\{([0-9A-Fa-f]+)\}", v)]
    assert len(full) == 2060 and len(ccc) == 814, (len(full), len(ccc))
    return ccc, full


def onig_sets(root):
    text = read(os.path.join(root, "oniguruma", "src", "unicode_property_data.c"))
    assert "#define UNICODE_PROPERTY_VERSION  160000" in text

    def ranges(name):
        pat = r"\nCR_%s\[\] = \{ (\d+),(.*?)\}; /\* END of CR_%s \*/" % (name, name)
        m = re.search(pat, text, re.S)
        nums = [int(x, 16) for x in re.findall(r"0x([0-9a-f]+)", m.group(2))]
        assert len(nums) == 2 * int(m.group(1))
        out = set()
        for lo, hi in zip(nums[::2], nums[1::2]):
            out |= set(range(lo, hi + 1))
        return out

    space = ranges("Space")
    # unicode.rs spells \s out as a `match`; make sure Oniguruma still agrees with it.
    expected = {0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}
    expected |= set(range(0x9, 0xE)) | set(range(0x2000, 0x200B))
    assert space == expected, sorted(space ^ expected)
    return ranges("L"), ranges("N")


def segmentation_data(root):
    text = read(os.path.join(root, "src", "tables.rs"))
    pat = r"pub const UNICODE_VERSION: \(u64, u64, u64\) = \((\d+), (\d+), (\d+)\);"
    version = re.search(pat, text).groups()
    assert version == ("17", "0", "0"), version
    char = r"'\\u\{([0-9a-fA-F]+)\}'"

    def span(lo, hi):
        return range(int(lo, 16), int(hi, 16) + 1)

    pat = r"const grapheme_cat_table: &\[\(char, char, GraphemeCat\)\] = &\[(.*?)\];"
    body = re.search(pat, text, re.S).group(1)
    rows = re.findall(r"\(%s,\s*%s,\s*GC_(\w+)\)" % (char, char), body)
    assert len(rows) == body.count("GC_") == 1618, len(rows)
    cats = {}
    for lo, hi, cat in rows:
        cats.update((c, cat) for c in span(lo, hi))
    body = re.search(r"const InCB_Extend_table: &\[\(char, char\)\] = &\[(.*?)\];", text, re.S).group(1)
    rows = re.findall(r"\(%s,\s*%s\)" % (char, char), body)
    assert len(rows) == body.count("(") == 377, len(rows)
    incb_extend = {c for lo, hi in rows for c in span(lo, hi)}
    body = re.search(r"pub fn is_incb_linker\(c: char\) -> bool \{(.*?)\n\}", text, re.S).group(1)
    linkers = {int(x, 16) for x in re.findall(char, body)}
    assert len(linkers) == 20, len(linkers)
    return cats, incb_extend, linkers


# ---------------------------------------------------------------- encodings


def set_boundaries(members):
    """Boundaries where membership flips; the run from 0 is a non-member run, maybe empty."""
    bounds = [0]
    for cp in sorted(members):
        if len(bounds) > 1 and bounds[-1] == cp:
            bounds[-1] = cp + 1
        else:
            bounds += [cp, cp + 1]
    return bounds


def map_boundaries(values):
    """Boundaries where the value changes, with the value of every run."""
    bounds, vals = [0], [values.get(0, 0)]
    for cp in sorted(set(values) | {c + 1 for c in values}):
        v = values.get(cp, 0)
        if v != vals[-1] and cp < MAX_CP:
            bounds.append(cp)
            vals.append(v)
    return bounds, vals


def chunk(bounds):
    """Split boundaries into chunks: (heads with a sentinel, steps, chunk starts)."""
    assert bounds[0] == 0 and all(a <= b for a, b in zip(bounds, bounds[1:]))
    assert len(bounds) < 1 << POS_SHIFT
    starts = [0]
    for j in range(1, len(bounds)):
        if bounds[j] - bounds[j - 1] > 255 or j - starts[-1] > CHUNK:
            starts.append(j)
    heads = [bounds[s] << POS_SHIFT | s for s in starts] + [MAX_CP << POS_SHIFT | len(bounds)]
    heads_at = set(starts)
    steps = [bounds[j] - bounds[j - 1] for j in range(1, len(bounds)) if j not in heads_at]
    return heads, steps, starts


def unchunk(heads, steps):
    bounds = []
    for k in range(len(heads) - 1):
        pos, s = heads[k] >> POS_SHIFT, heads[k] & ((1 << POS_SHIFT) - 1)
        end = heads[k + 1] & ((1 << POS_SHIFT) - 1)
        assert s == len(bounds)
        bounds.append(pos)
        for d in steps[s - k : end - k - 1]:
            pos += d
            bounds.append(pos)
    return bounds


def members_of(bounds):
    out = set()
    for j in range(1, len(bounds), 2):
        hi = bounds[j + 1] if j + 1 < len(bounds) else MAX_CP
        out |= set(range(bounds[j], hi))
    return out


def chunk_ranks(bounds, starts):
    """Members before each chunk's start, for rank lookups."""
    ranks = []
    for s in starts:
        ranks.append(sum(bounds[j + 1] - bounds[j] for j in range(1, s, 2)))
    assert max(ranks) < 1 << 16
    return ranks


def step_decompositions(full):
    """Turn full decompositions into single steps: c -> t, or c -> (first, mark).

    A pair's first char is either undecomposable or another pair key, so the runtime
    peels marks off until it reaches a base. Any key with the right full decomposition
    will do as `first`, since only the expansion is observable.
    """
    by_full = {}
    for k, v in sorted(full.items()):
        by_full.setdefault(tuple(v), k)
    singles, pairs = {}, {}
    for k, v in full.items():
        if len(v) == 1:
            singles[k] = v[0]
        elif len(v) == 2:
            pairs[k] = (v[0], v[1])
        else:
            pairs[k] = (by_full[tuple(v[:-1])], v[-1])
            assert len(full[pairs[k][0]]) == len(v) - 1

    def expand(c, depth=0):
        assert depth <= 3  # unicode.rs keeps at most 3 peeled marks
        if c in pairs:
            return expand(pairs[c][0], depth + 1) + [pairs[c][1]]
        return [singles.get(c, c)]

    for k, v in full.items():
        assert expand(k) == v, (hex(k), v)
        assert k >= 0xC0  # unicode.rs skips the lookup below U+00C0
    return singles, pairs


def split_supplementary(chars):
    """Sort BMP chars before plane-1 chars so a u16 array plus one index holds them."""
    bmp = sorted(c for c in chars if c < 0x10000)
    supp = sorted(c for c in chars if c >= 0x10000)
    assert all(0x10000 <= c < 0x20000 for c in supp)
    return bmp + supp, len(bmp)


# ---------------------------------------------------------------- output


class Out:
    def __init__(self):
        self.lines = []
        self.sizes = []

    def array(self, name, ty, values, fmt, doc):
        size = {"u8": 1, "u16": 2, "u32": 4}[ty] * len(values)
        self.sizes.append((name, size))
        self.lines.append(f"/// {doc}")
        self.lines.append("#[rustfmt::skip]")
        self.lines.append(f"static {name}: [{ty}; {len(values)}] = [")
        line = "   "
        for v in values:
            item = f" {fmt(v)},"
            if len(line) + len(item) > 100:
                self.lines.append(line)
                line = "   "
            line += item
        if values:
            self.lines.append(line)
        self.lines.append("];")
        self.lines.append("")

    def runs(self, name, bounds, doc):
        heads, steps, starts = chunk(bounds)
        assert unchunk(heads, steps) == bounds
        self.array(f"{name}_HEADS", "u32", heads, lambda v: f"0x{v:08x}", doc + " Chunk heads.")
        self.array(f"{name}_STEPS", "u8", steps, str, doc + " Steps between boundaries.")
        # Laid out as rustfmt (max_width 120) would, so formatting the crate leaves it be.
        line = f"static {name}: Runs = Runs {{ heads: &{name}_HEADS, steps: &{name}_STEPS }};"
        if len(line) <= 120:
            self.lines.append(line)
        else:
            self.lines.append(f"static {name}: Runs = Runs {{")
            self.lines.append(f"    heads: &{name}_HEADS,")
            self.lines.append(f"    steps: &{name}_STEPS,")
            self.lines.append("};")
        self.lines.append("")
        return starts

    def const(self, name, value, doc):
        self.lines.append(f"/// {doc}")
        self.lines.append(f"const {name}: usize = {value};")
        self.lines.append("")


def generate(registry):
    other, punctuation, mn = categories_sets(find_crate(registry, CATEGORIES))
    ccc, full = normalization_data(find_crate(registry, NORMALIZATION))
    letter, number = onig_sets(find_crate(registry, ONIG))
    out = Out()

    # ASCII is answered by `is_ascii_punctuation`, a superset of ASCII P*, so drop it.
    punctuation = {c for c in punctuation if c >= 0x80}
    for name, members, doc in [
        ("OTHER", other, "Cc, Cf and Co of Unicode 8.0.0 (unicode_categories 0.1.1 `is_other`)."),
        ("PUNCTUATION", punctuation, "Non-ASCII P* of Unicode 8.0.0 (unicode_categories 0.1.1)."),
        ("NONSPACING_MARK", mn, "Mn of Unicode 8.0.0 (unicode_categories 0.1.1)."),
        ("LETTER", letter, "Oniguruma 6.9.10 `\\p{L}`, Unicode 16.0.0."),
        ("NUMBER", number, "Oniguruma 6.9.10 `\\p{N}`, Unicode 16.0.0."),
    ]:
        bounds = set_boundaries(members)
        out.runs(name, bounds, doc)
        assert members_of(bounds) == members, name

    bounds, vals = map_boundaries(ccc)
    out.runs("CCC", bounds, "Canonical combining class runs, Unicode 9.0.0.")
    out.array("CCC_VALUES", "u8", vals, str, "The class of each run of `CCC`.")
    decoded = {}
    for j, v in enumerate(vals):
        if v:
            hi = bounds[j + 1] if j + 1 < len(bounds) else MAX_CP
            decoded.update((c, v) for c in range(bounds[j], hi))
    assert decoded == ccc

    singles, pairs = step_decompositions(full)

    bounds = set_boundaries(singles)
    starts = out.runs("SINGLE_KEYS", bounds, "Chars whose canonical decomposition is one char.")
    out.array("SINGLE_RANKS", "u16", chunk_ranks(bounds, starts), str, "Keys before each chunk.")
    keys = sorted(singles)
    targets = [singles[k] for k in keys]
    assert all(t < 0x10000 or 0x20000 <= t < 0x30000 for t in targets)
    out.array("SINGLE_TARGETS", "u16", [t & 0xFFFF for t in targets], lambda v: f"0x{v:04x}",
              "Low 16 bits of each singleton's target, in key order.")
    plane2 = [0] * ((len(keys) + 7) // 8)
    for i, t in enumerate(targets):
        if t >= 0x10000:
            plane2[i // 8] |= 1 << (i % 8)
    out.array("SINGLE_PLANE2", "u8", plane2, str, "Bit i: target i lies in plane 2.")

    bounds = set_boundaries(pairs)
    starts = out.runs("PAIR_KEYS", bounds, "Chars whose canonical decomposition is (first, mark).")
    out.array("PAIR_RANKS", "u16", chunk_ranks(bounds, starts), str, "Keys before each chunk.")
    keys = sorted(pairs)
    seconds, seconds_bmp = split_supplementary({pairs[k][1] for k in keys})
    assert len(seconds) <= 128
    # first: < 0x100 as is, key - 1..=128 as a back reference, else via FIRSTS.
    far = {a for k, (a, _) in pairs.items() if a >= 0x100 and not 1 <= k - a <= 128}
    firsts, firsts_bmp = split_supplementary(far)
    assert len(firsts) <= 128
    codes = []
    for k in keys:
        a, b = pairs[k]
        if a < 0x100:
            code = a
        elif 1 <= k - a <= 128:
            code = 0xFF + (k - a)
        else:
            code = 0x180 + firsts.index(a)
        codes.append(code | seconds.index(b) << 9)
    out.array("PAIRS", "u16", codes, lambda v: f"0x{v:04x}",
              "Per pair, in key order: first-char code (bits 0-8), SECONDS index (bits 9-15).")
    out.array("FIRSTS", "u16", [c & 0xFFFF for c in firsts], lambda v: f"0x{v:04x}",
              "First chars that are neither Latin-1 nor close below their key.")
    out.const("FIRSTS_BMP", firsts_bmp, "`FIRSTS` from here on are in plane 1.")
    out.array("SECONDS", "u16", [c & 0xFFFF for c in seconds], lambda v: f"0x{v:04x}",
              "Marks that end a pair.")
    out.const("SECONDS_BMP", seconds_bmp, "`SECONDS` from here on are in plane 1.")

    total = sum(s for _, s in out.sizes)
    summary = [f"// Static data: {total} bytes."]
    for i in range(0, len(out.sizes), 4):
        summary.append("// " + "  ".join(f"{n} {s}" for n, s in out.sizes[i : i + 4]))
    return "\n".join([BEGIN, *summary, "", *out.lines, END]), out.sizes, total


# Grapheme categories as grapheme.rs numbers them in its table. unicode-segmentation keeps
# InCB=Linker and InCB=Extend in separate tables beside GCB=Extend; every linker and every
# InCB=Extend char is GCB=Extend (or the ZWJ), so Extend is split three ways instead.
# grapheme.rs gives CR, LF, LV and LVT numbers of its own: they are never looked up.
GRAPHEME_CATEGORIES = [
    ("ANY", "Any", "GCB=Other, and Hangul syllables, which are computed."),
    ("CONTROL", "Control", "GCB=Control; ASCII is computed."),
    ("EXTEND", "Extend", "GCB=Extend that is neither InCB=Extend nor InCB=Linker."),
    ("EXTEND_INCB", "Extend", "GCB=Extend and InCB=Extend."),
    ("LINKER", "Extend", "GCB=Extend and InCB=Linker."),
    ("ZWJ", "ZWJ", "GCB=ZWJ, which is also InCB=Extend."),
    ("PICTOGRAPHIC", "Extended_Pictographic", "Extended_Pictographic."),
    ("CONSONANT", "InCB_Consonant", "InCB=Consonant."),
    ("L", "L", "Hangul leading jamo."),
    ("V", "V", "Hangul vowel jamo."),
    ("T", "T", "Hangul trailing jamo."),
    ("PREPEND", "Prepend", "GCB=Prepend."),
    ("REGIONAL", "Regional_Indicator", "GCB=Regional_Indicator."),
    ("SPACING_MARK", "SpacingMark", "GCB=SpacingMark."),
]
HANGUL = range(0xAC00, 0xD7A4)


def grapheme_values(cats, incb_extend, linkers):
    """The table value of every char from U+007F on (others are 0); checks what grapheme.rs
    computes instead of looking up: ASCII and Hangul syllables."""
    # The crate answers U+0000..=U+007E without its table, as grapheme.rs does.
    for c in range(0x7F):
        expected = {10: "LF", 13: "CR"}.get(c, "Control" if c < 0x20 else "Any")
        assert cats.get(c, "Any") == expected, hex(c)
    assert {c for c, v in cats.items() if v in ("CR", "LF")} == {10, 13}
    assert {c for c, v in cats.items() if v in ("LV", "LVT")} == set(HANGUL)
    assert all((cats[c] == "LV") == ((c - HANGUL[0]) % 28 == 0) for c in HANGUL)
    assert {c for c, v in cats.items() if v == "ZWJ"} == {0x200D}
    assert all(cats.get(c) == "Extend" for c in linkers) and not linkers & incb_extend
    assert all(cats.get(c) in ("Extend", "ZWJ") for c in incb_extend) and 0x200D in incb_extend
    code = {name: i for i, (_, name, _) in enumerate(GRAPHEME_CATEGORIES) if name != "Extend"}
    values = {}
    for c, cat in cats.items():
        if c < 0x7F or c in HANGUL:
            continue
        if cat == "Extend":
            values[c] = 4 if c in linkers else 3 if c in incb_extend else 2
        else:
            values[c] = code[cat]
    # Control from U+0000, so the first run reaches over ASCII to U+009F.
    values.update((c, 1) for c in range(0x7F))
    return {c: v for c, v in values.items() if v}


def generate_grapheme(registry):
    cats, incb_extend, linkers = segmentation_data(find_crate(registry, SEGMENTATION))
    values = grapheme_values(cats, incb_extend, linkers)
    out = Out()
    for i, (name, _, doc) in enumerate(GRAPHEME_CATEGORIES):
        out.lines.append(f"/// {doc}")
        out.lines.append(f"pub(crate) const {name}: u8 = {i};")
    out.lines.append("")
    assert len(GRAPHEME_CATEGORIES) <= 16
    bounds, vals = map_boundaries(values)
    doc = "Grapheme category runs of unicode-segmentation 1.13.3, Unicode 17.0.0."
    out.runs("GRAPHEME", bounds, doc)
    packed = [0] * ((len(vals) + 1) // 2)
    for j, v in enumerate(vals):
        packed[j // 2] |= v << (j % 2 * 4)
    doc = "The category of run j of `GRAPHEME`: nibble j % 2 of byte j / 2."
    out.array("GRAPHEME_VALUES", "u8", packed, str, doc)
    decoded = {}
    for j in range(len(vals)):
        v = packed[j // 2] >> (j % 2 * 4) & 15
        if v:
            hi = bounds[j + 1] if j + 1 < len(bounds) else MAX_CP
            decoded.update((c, v) for c in range(bounds[j], hi))
    assert decoded == values

    total = sum(s for _, s in out.sizes)
    summary = [f"// Static data: {total} bytes."]
    for i in range(0, len(out.sizes), 4):
        summary.append("// " + "  ".join(f"{n} {s}" for n, s in out.sizes[i : i + 4]))
    return "\n".join([BEGIN, *summary, "", *out.lines, END]), out.sizes, total


def update(target, block, check):
    text = read(target)
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + block + text[end:]
    name = os.path.basename(target)
    if check:
        if new != text:
            sys.exit(f"{name} is out of date: run component/tools/gen_unicode.py")
        return
    if new != text:
        with open(target, "w", encoding="utf-8") as f:
            f.write(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="directory holding the unpacked crate sources")
    ap.add_argument("--check", action="store_true", help="fail if a generated file is out of date")
    args = ap.parse_args()
    block, sizes, total = generate(args.registry)
    grapheme_block, grapheme_sizes, grapheme_total = generate_grapheme(args.registry)
    for name, size in sizes:
        print(f"{name:24} {size:6} bytes")
    print(f"{'total':24} {total:6} bytes")
    for name, size in grapheme_sizes:
        print(f"{name:24} {size:6} bytes")
    print(f"{'total grapheme.rs':24} {grapheme_total:6} bytes")
    update(TARGET, block, args.check)
    update(GRAPHEME_TARGET, grapheme_block, args.check)


if __name__ == "__main__":
    main()
