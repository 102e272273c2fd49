//! A small JSON reader for config, tokenizer and safetensors headers.
//!
//! Hand-written rather than serde_json because the component's byte budget is tight and the
//! engine only ever reads JSON into a tree once at load time. Nesting depth is bounded so a
//! hostile file cannot overflow the stack (a stack overflow would trap the instance).

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

/// 10⁰ … 10³⁰⁸, each correctly rounded (as the compiler reads the literals).
#[rustfmt::skip]
static POW10: [f64; 309] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48, 1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55, 1e56, 1e57, 1e58, 1e59, 1e60, 1e61, 1e62, 1e63, 1e64, 1e65, 1e66, 1e67, 1e68, 1e69, 1e70, 1e71, 1e72, 1e73, 1e74, 1e75, 1e76, 1e77, 1e78, 1e79, 1e80, 1e81, 1e82, 1e83, 1e84, 1e85, 1e86, 1e87, 1e88, 1e89, 1e90, 1e91, 1e92, 1e93, 1e94, 1e95, 1e96, 1e97, 1e98, 1e99, 1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109, 1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119, 1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129, 1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139, 1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149, 1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159, 1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169, 1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179, 1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189, 1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199, 1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209, 1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219, 1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229, 1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239, 1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249, 1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259, 1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269, 1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279, 1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289, 1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308];

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
        (n >= 0.0 && n.fract() == 0.0 && n <= 9.007_199_254_740_992e15).then_some(n as usize)
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
        self.as_object()?
            .iter()
            .map(|(key, value)| Some((key.clone(), u32::try_from(value.as_usize()?).ok()?)))
            .collect()
    }
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

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
            match significand.checked_mul(10).and_then(|s| s.checked_add(d)).filter(|_| !overflowed) {
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
                match significand.checked_mul(10).and_then(|s| s.checked_add(d)) {
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
            match POW10.get(exponent.unsigned_abs() as usize) {
                Some(&pow) => {
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
}
