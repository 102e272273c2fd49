//! A small JSON reader for config, tokenizer and safetensors headers.
//!
//! Hand-written rather than serde_json because the component's byte budget is tight and the
//! engine only ever reads JSON into a tree once at load time. Nesting depth is bounded so a
//! hostile file cannot overflow the stack (a stack overflow would trap the instance).

use crate::kernels::math;
use alloc::{format, string::String, vec::Vec};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    /// Keys in file order; configs are small, and big maps (vocabularies) are walked, not searched.
    Object(Vec<(String, Value)>),
}

const MAX_DEPTH: usize = 128;

/// 10ⁿ correctly rounded, as the compiler reads the literal `1eN` (serde_json's table), for
/// n ≤ 308; computed rather than tabled, which saves 2.5 KB of component. Up to 10²² every
/// product is exact. Above, 5ⁿ is built exactly in a big integer, its top 64 bits (with a
/// sticky bit for the rest) are rounded by the u64 → f64 conversion, and the power of two is
/// applied exactly.
fn pow10(n: u32) -> Option<f64> {
    if n > 308 {
        return None;
    }
    if n <= 22 {
        let mut p = 1.0f64;
        for _ in 0..n {
            p *= 10.0;
        }
        return Some(p);
    }
    // 5³⁰⁸ < 2⁷¹⁶: 23 limbs of 32 bits, least significant first.
    let mut limbs = [0u32; 23];
    limbs[0] = 1;
    let mut len = 1;
    for _ in 0..n {
        let mut carry = 0u64;
        for limb in &mut limbs[..len] {
            let v = u64::from(*limb) * 5 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            limbs[len] = carry as u32;
            len += 1;
        }
    }
    let bits = len as u32 * 32 - limbs[len - 1].leading_zeros();
    // The top 64 bits, and whether any bit below them is set.
    let shift = bits.saturating_sub(64);
    let (mut top, mut sticky) = (0u64, false);
    for (i, &limb) in limbs[..len].iter().enumerate() {
        for b in 0..32 {
            let bit = i as u32 * 32 + b;
            if (limb >> b) & 1 == 1 {
                if bit >= shift {
                    top |= 1 << (bit - shift);
                } else {
                    sticky = true;
                }
            }
        }
    }
    let exponent = u64::from(shift + n);
    Some((top | u64::from(sticky)) as f64 * f64::from_bits((exponent + 1023) << 52))
}

/// Parses a whole document. The error names the byte offset of the problem.
pub fn parse(text: &[u8]) -> Result<Value, String> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_whitespace();
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(value)
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Like `get`, but a JSON `null` counts as absent, as Hugging Face's loaders treat it.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.get(key).filter(|v| !matches!(v, Value::Null))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A non-negative integer that fits `usize` exactly.
    pub fn as_usize(&self) -> Option<usize> {
        let n = self.as_f64()?;
        (n >= 0.0 && n - math::trunc_f64(n) == 0.0 && n <= 9.007_199_254_740_992e15).then_some(n as usize)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// An object of string → id, as vocabularies are stored.
    pub fn as_id_pairs(&self) -> Option<Vec<(String, u32)>> {
        let entries = self.as_object()?;
        let mut pairs = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            pairs.push((key.clone(), u32::try_from(value.as_usize()?).ok()?));
        }
        Some(pairs)
    }
}

/// `significand * 10 + digit` unless that overflows a u64. Compared rather than
/// `checked_mul`, which wasm32 lowers to a 128-bit multiply call per digit.
fn append_digit(significand: u64, digit: u64) -> Option<u64> {
    const LIMIT: u64 = u64::MAX / 10;
    (significand < LIMIT || (significand == LIMIT && digit <= u64::MAX % 10)).then(|| significand * 10 + digit)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    // Inlined by hand: the component is built for size, and these two were calls per byte
    // (half the time of reading a 466 KB tokenizer.json).
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    #[inline(always)]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &[u8], value: Value) -> Result<Value, String> {
        if self.text[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.expect_literal(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_literal(b"false", Value::Bool(false)),
            Some(b'n') => self.expect_literal(b"null", Value::Null),
            // Python's json module writes these for non-finite floats; configs do contain them.
            Some(b'N') => self.expect_literal(b"NaN", Value::Number(f64::NAN)),
            Some(b'I') => self.expect_literal(b"Infinity", Value::Number(f64::INFINITY)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1;
        let mut entries = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(entries));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(entries));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    /// A number, converted exactly as `serde_json` does without its `float_roundtrip`
    /// feature (what `tokenizers` uses to read `tokenizer.json`): at most a u64 of significant
    /// digits, then one multiplication or division by a power of ten. Hand-written because the
    /// standard library's parser costs the component ~19 KB, and because matching the
    /// reference's rounding is what makes scores read from files identical.
    fn number(&mut self) -> Result<Value, String> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
            if self.text[self.pos..].starts_with(b"Infinity") {
                self.pos += 8;
                return Ok(Value::Number(f64::NEG_INFINITY));
            }
        }
        let digit = |p: &Self| p.peek().filter(u8::is_ascii_digit).map(|d| (d - b'0') as u64);
        let (mut significand, mut exponent, mut integer_digits) = (0u64, 0i32, 0);
        let mut overflowed = false;
        while let Some(d) = digit(self) {
            self.pos += 1;
            integer_digits += 1;
            match append_digit(significand, d).filter(|_| !overflowed) {
                Some(s) => significand = s,
                None => {
                    // Further integer digits only scale the value.
                    overflowed = true;
                    exponent += 1;
                }
            }
        }
        if integer_digits == 0 {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let mut fraction_digits = 0;
            let mut ignoring = false;
            while let Some(d) = digit(self) {
                self.pos += 1;
                fraction_digits += 1;
                if ignoring {
                    continue;
                }
                match append_digit(significand, d) {
                    Some(s) => {
                        significand = s;
                        exponent -= 1;
                    }
                    None => ignoring = true,
                }
            }
            if fraction_digits == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            let positive_exponent = match self.peek() {
                Some(b'-') => {
                    self.pos += 1;
                    false
                }
                Some(b'+') => {
                    self.pos += 1;
                    true
                }
                _ => true,
            };
            let mut value = 0i32;
            let mut any = false;
            let mut too_large = false;
            while let Some(d) = digit(self) {
                self.pos += 1;
                any = true;
                match value.checked_mul(10).and_then(|v| v.checked_add(d as i32)) {
                    Some(v) => value = v,
                    None => too_large = true,
                }
            }
            if !any {
                return Err(self.error("invalid number"));
            }
            if too_large {
                if significand != 0 && positive_exponent {
                    return Err(self.error("number out of range"));
                }
                return Ok(Value::Number(if negative { -0.0 } else { 0.0 }));
            }
            exponent = if positive_exponent { exponent.saturating_add(value) } else { exponent.saturating_sub(value) };
        }
        let mut f = significand as f64;
        loop {
            match pow10(exponent.unsigned_abs()) {
                Some(pow) => {
                    if exponent >= 0 {
                        f *= pow;
                        if f.is_infinite() {
                            return Err(self.error("number out of range"));
                        }
                    } else {
                        f /= pow;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return Err(self.error("number out of range"));
                    }
                    f /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(Value::Number(if negative { -f } else { f }))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or_else(|| self.error("short \\u escape"))?;
        let mut code = 0u32;
        for &d in digits {
            let v = (d as char).to_digit(16).ok_or_else(|| self.error("invalid \\u escape"))?;
            code = code * 16 + v;
        }
        self.pos += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.text[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out).map_err(|_| self.error("string is not valid UTF-8"));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self.peek().ok_or_else(|| self.error("unterminated escape"))?;
                    self.pos += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    /// A `\uXXXX` escape, joining surrogate pairs. A lone surrogate becomes U+FFFD, as Python's
    /// json module would fail and serde_json would reject; tokenizer files never carry one.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.text[self.pos..].starts_with(b"\\u") {
            let saved = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.pos = saved;
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }
}

/// `text` as a JSON string literal (for the few documents the component writes).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&alloc::format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_documents_with_escapes() {
        let v = parse(br#"{"a": [1, -2.5e3, true, null], "b": "x\u00e9\ud83d\ude00\n", "c": {}}"#).unwrap();
        assert_eq!(v.get("a").unwrap().as_array().unwrap()[1].as_f64(), Some(-2500.0));
        assert_eq!(v.get("b").unwrap().as_str(), Some("xé😀\n"));
        assert!(v.get("c").unwrap().as_object().unwrap().is_empty());
        assert!(v.field("missing").is_none());
    }

    #[test]
    fn null_fields_count_as_absent() {
        let v = parse(br#"{"strip_accents": null}"#).unwrap();
        assert!(v.get("strip_accents").is_some());
        assert!(v.field("strip_accents").is_none());
    }

    #[test]
    fn rejects_malformed_input_with_an_offset() {
        for bad in [&b"{"[..], b"[1,]", b"{\"a\" 1}", b"\"abc", b"tru", b"1 2", b"\"\xff\"", b""] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("at byte"), "{err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("too deep"));
    }

    #[test]
    fn numbers_round_as_serde_json_does() {
        let n = |t: &str| parse(t.as_bytes()).unwrap().as_f64().unwrap();
        assert_eq!(n("1e-12"), 1e-12);
        for e in 0..=308 {
            let expected: f64 = alloc::format!("1e{e}").parse().unwrap();
            assert_eq!(pow10(e).map(f64::to_bits), Some(expected.to_bits()), "10^{e}");
        }
        assert_eq!(pow10(309), None);
        assert_eq!(n("-2.5E+3"), -2500.0);
        assert_eq!(n("0.1"), 0.1);
        // 17 significant digits: the significand is rounded to f64, then divided by 10^15.
        assert_eq!(n("-10.123456954956055"), -(10_123_456_954_956_055u64 as f64) / 1e15);
        // More digits than a u64 holds: the rest only scale (integer part) or are ignored.
        assert_eq!(n("123456789012345678901234"), 12_345_678_901_234_567_890u64 as f64 * 1e4);
        assert_eq!(n("1.23456789012345678901234"), 12_345_678_901_234_567_890u64 as f64 / 1e19);
        assert_eq!(n("1e-400"), 0.0);
        assert!(parse(b"1e400").is_err());
        assert!(parse(b"1.").is_err() && parse(b"-").is_err() && parse(b"1e").is_err());
    }

    #[test]
    fn integers_must_be_exact_to_be_sizes() {
        assert_eq!(Value::Number(3.0).as_usize(), Some(3));
        assert_eq!(Value::Number(3.5).as_usize(), None);
        assert_eq!(Value::Number(-1.0).as_usize(), None);
    }

    #[test]
    fn append_digit_overflows_exactly_where_checked_arithmetic_does() {
        let limit = u64::MAX / 10;
        for significand in [0, 7, limit - 1, limit, limit + 1, u64::MAX] {
            for digit in 0..10 {
                let checked = significand.checked_mul(10).and_then(|s| s.checked_add(digit));
                assert_eq!(append_digit(significand, digit), checked, "{significand} {digit}");
            }
        }
    }
}
