// TEMPORARY stand-in until unicode.rs lands.
pub fn is_bert_control(c: char) -> bool { !matches!(c, '\t' | '\n' | '\r') && (c.is_control() || c == '\u{200b}') }
pub fn is_bert_whitespace(c: char) -> bool { matches!(c, '\t' | '\n' | '\r') || c.is_whitespace() }
pub fn is_chinese_char(c: char) -> bool { matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F) }
pub fn is_bert_punctuation(c: char) -> bool { c.is_ascii_punctuation() }
pub fn is_mark_nonspacing(c: char) -> bool { matches!(c as u32, 0x300..=0x36F) }
pub fn is_letter(c: char) -> bool { c.is_alphabetic() }
pub fn is_number(c: char) -> bool { c.is_numeric() }
pub fn is_regex_whitespace(c: char) -> bool { c.is_whitespace() }
pub fn nfd_into(s: &str, out: &mut String) { out.push_str(s) }
