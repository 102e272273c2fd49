//! SentencePiece's precompiled charsmap normalizer (T5, mT5 and the like), giving the text
//! Hugging Face `tokenizers` 0.23 gives: its `Precompiled` normalizer, which is
//! `spm_precompiled` 0.1.4's `transform` applied cluster by cluster (the text it produces is
//! `Precompiled::normalize_string`'s; only the offsets are tracked differently).
//!
//! The charsmap is SentencePiece's: a u32 LE byte size of the trie, the trie as Darts-clone
//! double-array units (u32 LE), then NUL-terminated UTF-8 replacement strings that the trie's
//! values point into. `tokenizer.json` holds it in base64 as `precompiled_charsmap`.
//!
//! The walk, with `spm_precompiled`'s quirks, which change the text:
//! - the input is split into extended grapheme clusters (`unicode-segmentation` 1.13.3);
//! - a cluster under 6 bytes is looked up whole; failing that, and for longer clusters, each
//!   char is looked up on its own and kept if it has no entry;
//! - a lookup takes the FIRST (shortest) entry that is a prefix of the key, not the longest
//!   as SentencePiece does, and the whole key is replaced by it: if only "x" has an entry,
//!   the cluster "x" + U+0301 becomes the replacement of "x", its mark dropped;
//! - the key is cut at a NUL byte, so a cluster starting with NUL never matches.
//!
//! The file is not trusted: indices are checked, and a trie or value that points out of
//! range, or into the middle of a char, is treated as "no entry" where `spm_precompiled`
//! would panic. A charsmap that fails to parse is an error, as in `spm_precompiled`, except
//! an empty one, which is the identity here (`spm_precompiled` rejects it).

use super::grapheme::clusters;
use alloc::{borrow::ToOwned, string::String, vec::Vec};

/// A parsed `precompiled_charsmap`.
pub struct Precompiled {
    /// Darts-clone double-array units; empty for the identity.
    units: Vec<u32>,
    /// The replacement strings, each ended by a NUL.
    normalized: String,
}

/// Darts-clone unit fields, as `spm_precompiled` reads them.
fn has_leaf(unit: u32) -> bool {
    unit >> 8 & 1 == 1
}

fn label(unit: u32) -> u32 {
    unit & (1 << 31 | 0xFF)
}

fn offset(unit: u32) -> usize {
    ((unit >> 10) << ((unit & 1 << 9) >> 6)) as usize
}

impl Precompiled {
    /// From the base64 `precompiled_charsmap` of `tokenizer.json` (standard alphabet, padding
    /// optional, as the `base64` 0.13 that `spm_precompiled` uses accepts it). An empty string
    /// is the identity.
    pub fn from_base64(b64: &str) -> Result<Precompiled, String> {
        Self::from_bytes(&decode_base64(b64)?)
    }

    /// From the raw charsmap (a SentencePiece model's `normalizer_spec.precompiled_charsmap`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Precompiled, String> {
        if bytes.is_empty() {
            return Ok(Precompiled { units: Vec::new(), normalized: String::new() });
        }
        let size = bytes.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        // A size that is not a multiple of 4 leaves its last bytes to the strings, as in
        // spm_precompiled.
        let trie = size.and_then(|size| bytes.get(4..(size as usize & !3).checked_add(4)?));
        let trie = trie.ok_or_else(|| "precompiled_charsmap: trie cut short".to_owned())?;
        let mut units = Vec::with_capacity(trie.len() / 4);
        for u in trie.chunks_exact(4) {
            units.push(u32::from_le_bytes([u[0], u[1], u[2], u[3]]));
        }
        let strings = bytes.get(4 + trie.len()..).unwrap_or_default();
        let normalized = String::from_utf8(strings.to_vec());
        let normalized = normalized.map_err(|_| "precompiled_charsmap: strings are not UTF-8".to_owned())?;
        Ok(Precompiled { units, normalized })
    }

    /// The replacement of the shortest entry that is a prefix of `key`, if any.
    fn transform(&self, key: &str) -> Option<&str> {
        let mut pos = offset(*self.units.first()?);
        for &byte in key.as_bytes() {
            if byte == 0 {
                return None;
            }
            pos ^= usize::from(byte);
            let unit = *self.units.get(pos)?;
            if label(unit) != u32::from(byte) {
                return None;
            }
            pos ^= offset(unit);
            if has_leaf(unit) {
                let start = (self.units.get(pos)? & 0x7FFF_FFFF) as usize;
                let tail = self.normalized.as_bytes().get(start..)?;
                let len = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
                return self.normalized.get(start..start + len);
            }
        }
        None
    }

    /// Normalizes `text` as `tokenizers`' `Precompiled` normalizer does.
    pub fn normalize(&self, text: &str) -> String {
        if self.units.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        for cluster in clusters(text) {
            if cluster.len() < 6 {
                if let Some(replacement) = self.transform(cluster) {
                    out.push_str(replacement);
                    continue;
                }
                // A one-char cluster was just looked up.
                if cluster.chars().nth(1).is_none() {
                    out.push_str(cluster);
                    continue;
                }
            }
            for c in cluster.chars() {
                match self.transform(c.encode_utf8(&mut [0; 4])) {
                    Some(replacement) => out.push_str(replacement),
                    None => out.push(c),
                }
            }
        }
        out
    }
}

/// Standard base64 as `base64` 0.13's `decode` takes it: `=` padding optional but, if
/// present, only at the end and only where it belongs; no whitespace; unused bits zero.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let err = || "precompiled_charsmap: invalid base64".to_owned();
    let bytes = text.as_bytes();
    let data = bytes.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let pads = bytes.len() - data;
    if bytes.len() % 4 == 1 || pads > 2 || pads > 0 && data % 4 < 2 || pads == 2 && data % 4 != 2 {
        return Err(err());
    }
    let mut out = Vec::with_capacity(data / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0);
    for &b in bytes.iter().take(data) {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(err()),
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits of a final partial quad must be zero.
    if acc != 0 {
        return Err(err());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A charsmap of `entries` (key, replacement): a trie with one 256-unit block per node
    /// that has children or a value, the node's leaf at the block start, child `c` at +c.
    fn charsmap(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut units = vec![0u32; 256];
        let mut strings = Vec::new();
        for &(key, replacement) in entries {
            let value = strings.len() as u32;
            strings.extend_from_slice(replacement.as_bytes());
            strings.push(0);
            // Walk from the root block, at 0 (the root's offset points at block 0).
            let (mut node, mut block) = (0usize, 0usize);
            for &byte in key.as_bytes() {
                let child = block ^ usize::from(byte);
                if units[child] == 0 {
                    units[child] = u32::from(byte);
                }
                node = child;
                let off = offset(units[node]);
                block = if off == 0 {
                    let fresh = units.len();
                    units.resize(fresh + 256, 0);
                    units[node] |= ((node ^ fresh) as u32) << 10;
                    fresh
                } else {
                    node ^ off
                };
            }
            units[node] |= 1 << 8;
            units[block] = 1 << 31 | value;
        }
        let mut out = ((units.len() * 4) as u32).to_le_bytes().to_vec();
        out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        out.extend(strings);
        out
    }

    fn sample() -> Precompiled {
        let map = charsmap(&[
            ("\u{FF21}", "A"),
            ("\u{2122}", "TM"),
            ("\u{1E}", ""),
            ("e\u{301}", "\u{E9}"),
            ("x", "y"),
            ("xz", "never: the shorter x matches first"),
            ("\u{3000}", " "),
        ]);
        Precompiled::from_bytes(&map).unwrap()
    }

    #[test]
    fn transforms_clusters_then_chars() {
        let p = sample();
        assert_eq!(p.normalize("\u{FF21}b\u{2122}\u{1E}g"), "AbTMg");
        // The quirk: the shortest entry that is a prefix replaces the whole cluster, so the
        // marks after it are dropped...
        assert_eq!(p.normalize("e\u{301}|e\u{301}\u{301}|x\u{301}."), "\u{E9}|\u{E9}|y.");
        assert_eq!(p.normalize("xz"), "yz");
        // ...unless the cluster is 6 bytes or more: then it goes char by char.
        assert_eq!(p.normalize("e\u{301}\u{301}\u{301}"), "e\u{301}\u{301}\u{301}");
        assert_eq!(p.normalize("x\u{301}\u{301}\u{301}"), "y\u{301}\u{301}\u{301}");
        assert_eq!(p.normalize("a\u{3000}b"), "a b");
        assert_eq!(p.normalize(""), "");
        assert_eq!(p.normalize("\0x"), "\0y");
    }

    #[test]
    fn base64_and_identity() {
        let map = charsmap(&[("\u{FF21}", "A")]);
        let b64 = encode(&map);
        assert_eq!(Precompiled::from_base64(&b64).unwrap().normalize("\u{FF21}"), "A");
        assert_eq!(Precompiled::from_base64("").unwrap().normalize("\u{FF21}"), "\u{FF21}");
        assert_eq!(decode_base64("TWFu").unwrap(), b"Man");
        assert_eq!(decode_base64("TWE=").unwrap(), b"Ma");
        assert_eq!(decode_base64("TWE").unwrap(), b"Ma");
        assert_eq!(decode_base64("TQ==").unwrap(), b"M");
        assert_eq!(decode_base64("TQ").unwrap(), b"M");
        assert_eq!(decode_base64("TQ=").unwrap(), b"M");
        for bad in ["T", "TWFuT", "TQ===", "TR==", "TWF=", "T=Fu", "TW Fu", "TWFu\n", "=", "===="] {
            assert!(decode_base64(bad).is_err(), "{bad:?}");
        }
    }

    fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                let symbol = if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] } else { b'=' };
                out.push(char::from(symbol));
            }
        }
        out
    }

    #[test]
    fn hostile_charsmaps_do_not_panic() {
        assert!(Precompiled::from_bytes(&[1, 0]).is_err());
        assert!(Precompiled::from_bytes(&[8, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Precompiled::from_bytes(&[0, 0, 0, 0, 0xFF]).is_err());
        // An empty trie, and a size that is not a multiple of 4 (its tail joins the strings).
        assert_eq!(Precompiled::from_bytes(&[0, 0, 0, 0]).unwrap().normalize("ab"), "ab");
        assert!(Precompiled::from_bytes(&[2, 0, 0, 0, b'a', b'b']).is_ok());
        // Units pointing anywhere: out of the trie, past the strings, into a char.
        let map = charsmap(&[("a", "\u{E9}"), ("b", "x"), ("\u{E9}", "e")]);
        let size = u32::from_le_bytes(map[..4].try_into().unwrap()) as usize;
        let mut units: Vec<u32> =
            map[4..4 + size].chunks_exact(4).map(|u| u32::from_le_bytes(u.try_into().unwrap())).collect();
        let strings = &map[4 + size..];
        for seed in 0..2000u32 {
            let mut x = seed.wrapping_mul(2654435761) | 1;
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % units.len();
                units[i] = match x % 4 {
                    0 => x,
                    1 => u32::from(b'a') | 1 << 8 | (x >> 20) << 10,
                    2 => 1 << 31 | (x % 8),
                    _ => units[i] ^ 1 << (x % 32),
                };
            }
            let mut bytes = ((units.len() * 4) as u32).to_le_bytes().to_vec();
            bytes.extend(units.iter().flat_map(|u| u.to_le_bytes()));
            bytes.extend(strings);
            let p = Precompiled::from_bytes(&bytes).unwrap();
            p.normalize("ab\u{E9}a\u{301}\u{1F600}");
        }
    }
}
