//! safetensors, read in place from the bytes handed to `load`.
//!
//! The file's bytes are owned here and never copied as a whole: an f32 tensor is a view into
//! them. Two documented exceptions hold an owned copy of one tensor each, counted in
//! `copied_bytes`: f16/bf16 tensors, widened to f32 once at load (the kernels are f32-only, and
//! widening per call would cost more time than the memory it saves on the small models this
//! engine targets), and f32 tensors whose offset is not 4-byte aligned (a writer that did not
//! pad its header), which `bytemuck` cannot view.

use crate::error::{Error, Result};
use crate::json;
use alloc::{format, string::String, vec::Vec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    F16,
    BF16,
    /// Any other safetensors dtype: validated for size, never read as weights
    /// (e.g. the I64 `position_ids` buffers older BERT checkpoints carry).
    Other(usize),
}

impl DType {
    fn parse(name: &str) -> Option<DType> {
        Some(match name {
            "F32" => DType::F32,
            "F16" => DType::F16,
            "BF16" => DType::BF16,
            "F64" | "I64" | "U64" => DType::Other(8),
            "I32" | "U32" => DType::Other(4),
            "I16" | "U16" => DType::Other(2),
            "I8" | "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" => DType::Other(1),
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F16 | DType::BF16 => 2,
            DType::Other(size) => size,
        }
    }

    /// What `{:?}` prints (which would bring `Debug` formatting's ~2 KB into the component).
    fn debug_name(self) -> String {
        match self {
            DType::F32 => "F32".into(),
            DType::F16 => "F16".into(),
            DType::BF16 => "BF16".into(),
            DType::Other(size) => format!("Other({size})"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::Other(_) => "other",
        }
    }
}

enum Storage {
    /// Byte range of an aligned f32 tensor inside `Checkpoint::bytes`.
    InPlace {
        start: usize,
        end: usize,
    },
    Owned(Vec<f32>),
    /// Not a float tensor; present so that its name resolves to a clear error.
    Unreadable(DType),
}

struct Entry {
    shape: Vec<usize>,
    storage: Storage,
}

pub struct Checkpoint {
    bytes: Vec<u8>,
    /// Sorted by name.
    tensors: Vec<(String, Entry)>,
    dtype: DType,
    copied_bytes: usize,
}

fn invalid(what: String) -> Error {
    Error::InvalidModel(format!("model.safetensors: {what}"))
}

impl Checkpoint {
    pub fn parse(bytes: Vec<u8>) -> Result<Checkpoint> {
        let header_len =
            bytes.get(..8).map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])).ok_or_else(
                || invalid(format!("file is {} bytes, shorter than the 8-byte header length", bytes.len())),
            )?;
        let data_start = usize::try_from(header_len)
            .ok()
            .and_then(|n| n.checked_add(8))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| {
                invalid(format!("header length {header_len} runs past the end of the {}-byte file", bytes.len()))
            })?;
        let header = json::parse(&bytes[8..data_start]).map_err(|e| invalid(format!("header is not JSON: {e}")))?;
        let entries = header.as_object().ok_or_else(|| invalid("header is not a JSON object".into()))?;

        let data_len = bytes.len() - data_start;
        let mut ranges = Vec::with_capacity(entries.len());
        let mut described = Vec::with_capacity(entries.len());
        for (name, info) in entries {
            if name == "__metadata__" {
                continue;
            }
            let (dtype, shape, begin, end) = describe(name, info)?;
            let elements = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            let expected = elements.and_then(|n| n.checked_mul(dtype.size()));
            if expected != Some(end.wrapping_sub(begin)) || end < begin {
                return Err(invalid(format!(
                    "tensor '{name}': offsets [{begin}, {end}) do not hold shape {} of {}",
                    shape_text(&shape),
                    dtype.name()
                )));
            }
            if end > data_len {
                return Err(invalid(format!(
                    "tensor '{name}': offsets [{begin}, {end}) run past the {data_len}-byte data section"
                )));
            }
            ranges.push((begin, end, name.as_str()));
            described.push((name.clone(), dtype, shape, begin, end));
        }
        // As the reference implementation requires: tensors tile the data section exactly,
        // so no tensor overlaps another and no bytes are unaccounted for.
        crate::order::sort_by(&mut ranges, &|a, b| a.cmp(b));
        let mut covered = 0usize;
        for &(begin, end, name) in &ranges {
            if begin != covered {
                let problem = if begin < covered { "overlaps the previous tensor" } else { "leaves a gap before it" };
                return Err(invalid(format!("tensor '{name}' at offset {begin} {problem}")));
            }
            covered = end;
        }
        if covered != data_len {
            return Err(invalid(format!("tensors cover {covered} bytes of a {data_len}-byte data section")));
        }

        let mut tensors = Vec::with_capacity(described.len());
        let mut copied_bytes = 0;
        let mut float_bytes: [usize; 3] = [0; 3];
        for (name, dtype, shape, begin, end) in described {
            let raw = &bytes[data_start + begin..data_start + end];
            let storage = match dtype {
                DType::F32 if (data_start + begin) % 4 == 0 && bytemuck::try_cast_slice::<u8, f32>(raw).is_ok() => {
                    float_bytes[0] += raw.len();
                    Storage::InPlace { start: data_start + begin, end: data_start + end }
                }
                DType::F32 => {
                    float_bytes[0] += raw.len();
                    copied_bytes += raw.len();
                    let mut values = Vec::with_capacity(raw.len() / 4);
                    for c in raw.chunks_exact(4) {
                        values.push(f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                    }
                    Storage::Owned(values)
                }
                DType::F16 | DType::BF16 => {
                    let widen = if dtype == DType::F16 { f16_to_f32 } else { bf16_to_f32 };
                    float_bytes[if dtype == DType::F16 { 1 } else { 2 }] += raw.len();
                    copied_bytes += raw.len() * 2;
                    let mut values = Vec::with_capacity(raw.len() / 2);
                    for c in raw.chunks_exact(2) {
                        values.push(widen(u16::from_le_bytes([c[0], c[1]])));
                    }
                    Storage::Owned(values)
                }
                DType::Other(_) => Storage::Unreadable(dtype),
            };
            tensors.push((name, Entry { shape, storage }));
        }
        let dtype = [DType::F32, DType::F16, DType::BF16]
            .into_iter()
            .zip(float_bytes)
            .max_by_key(|&(_, n)| n)
            .map_or(DType::F32, |(d, _)| d);
        crate::order::sort_by(&mut tensors, &|a, b| a.0.cmp(&b.0));
        if tensors.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(invalid("a tensor name appears twice in the header".into()));
        }
        Ok(Checkpoint { bytes, tensors, dtype, copied_bytes })
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.tensors.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok().map(|i| &self.tensors[i].1)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.entry(name).map(|e| e.shape.as_slice())
    }

    /// The tensor `name` as f32, checked to have exactly `shape`.
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        let entry = self.entry(name).ok_or_else(|| invalid(format!("tensor '{name}' is missing")))?;
        if entry.shape != shape {
            return Err(invalid(format!(
                "tensor '{name}' has shape {}, the config implies {}",
                shape_text(&entry.shape),
                shape_text(shape)
            )));
        }
        match &entry.storage {
            Storage::InPlace { start, end } => bytemuck::try_cast_slice(&self.bytes[*start..*end])
                .map_err(|_| invalid(format!("tensor '{name}' is not aligned"))),
            Storage::Owned(values) => Ok(values),
            Storage::Unreadable(dtype) => {
                Err(invalid(format!("tensor '{name}' has dtype {}, not a float type", dtype.debug_name())))
            }
        }
    }

    /// The storage type most of the weight bytes have.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Bytes held beside the file's own: widened half-precision tensors and aligned copies.
    pub fn copied_bytes(&self) -> usize {
        self.copied_bytes
    }

    pub fn file_bytes(&self) -> usize {
        self.bytes.len()
    }
}

/// A shape as `{:?}` prints it (`[2, 3]`), without `Debug` formatting's code.
fn shape_text(shape: &[usize]) -> String {
    let mut text = String::from("[");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("{d}"));
    }
    text.push(']');
    text
}

fn describe(name: &str, info: &json::Value) -> Result<(DType, Vec<usize>, usize, usize)> {
    let dtype_name =
        info.get("dtype").and_then(|d| d.as_str()).ok_or_else(|| invalid(format!("tensor '{name}' has no dtype")))?;
    let dtype =
        DType::parse(dtype_name).ok_or_else(|| invalid(format!("tensor '{name}' has unknown dtype '{dtype_name}'")))?;
    let shape = info
        .get("shape")
        .and_then(|s| s.as_array())
        .and_then(|dims| {
            let mut shape = Vec::with_capacity(dims.len());
            for d in dims {
                shape.push(d.as_usize()?);
            }
            Some(shape)
        })
        .ok_or_else(|| invalid(format!("tensor '{name}' has no valid shape")))?;
    let offsets = info
        .get("data_offsets")
        .and_then(|o| o.as_array())
        .and_then(|o| match o {
            [a, b] => Some((a.as_usize()?, b.as_usize()?)),
            _ => None,
        })
        .ok_or_else(|| invalid(format!("tensor '{name}' has no valid data_offsets")))?;
    Ok((dtype, shape, offsets.0, offsets.1))
}

pub fn bf16_to_f32(bits: u16) -> f32 {
    f32::from_bits((bits as u32) << 16)
}

pub fn f16_to_f32(bits: u16) -> f32 {
    let sign = ((bits as u32) & 0x8000) << 16;
    let exponent = ((bits >> 10) & 0x1f) as u32;
    let mantissa = (bits & 0x3ff) as u32;
    let magnitude = match (exponent, mantissa) {
        (0, 0) => 0,
        // Subnormal: m · 2⁻²⁴, exact in f32.
        (0, m) => {
            let value = m as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -value } else { value };
        }
        (0x1f, m) => 0x7f80_0000 | (m << 13),
        (e, m) => ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(sign | magnitude)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Serialises tensors the way Hugging Face's writer does (header padded to 8 bytes).
    pub(crate) fn write(tensors: &[(&str, &str, &[usize], &[u8])]) -> Vec<u8> {
        let mut header = String::from("{");
        let mut offset = 0;
        for (i, (name, dtype, shape, data)) in tensors.iter().enumerate() {
            if i > 0 {
                header.push(',');
            }
            header += &format!(
                r#""{name}":{{"dtype":"{dtype}","shape":{shape:?},"data_offsets":[{offset},{}]}}"#,
                offset + data.len()
            );
            offset += data.len();
        }
        header.push('}');
        while header.len() % 8 != 0 {
            header.push(' ');
        }
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        for (_, _, _, data) in tensors {
            out.extend_from_slice(data);
        }
        out
    }

    fn f32_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn messages_print_shapes_and_dtypes_as_debug_does() {
        for shape in [&[][..], &[7], &[2, 3], &[1, 20, 300]] {
            assert_eq!(shape_text(shape), format!("{shape:?}"));
        }
        for dtype in [DType::F32, DType::F16, DType::BF16, DType::Other(8)] {
            assert_eq!(dtype.debug_name(), format!("{dtype:?}"));
        }
    }

    #[test]
    fn reads_f32_in_place_and_widens_half_precision() {
        let f16 = [0x3c00u16, 0xc000, 0x0001, 0x7c00].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>();
        let bf16 = [0x3f80u16, 0xc040].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>();
        let bytes = write(&[
            ("a", "F32", &[2, 2], &f32_bytes(&[1.0, 2.0, 3.0, 4.0])),
            ("h", "F16", &[4], &f16),
            ("b", "BF16", &[2], &bf16),
            ("ids", "I64", &[1], &[0; 8]),
        ]);
        let ck = Checkpoint::parse(bytes).unwrap();
        assert_eq!(ck.tensor("a", &[2, 2]).unwrap(), &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(ck.tensor("h", &[4]).unwrap(), &[1.0, -2.0, 5.960_464_5e-8, f32::INFINITY]);
        assert_eq!(ck.tensor("b", &[2]).unwrap(), &[1.0, -3.0]);
        assert_eq!(ck.copied_bytes(), 8 * 2 + 4 * 2);
        assert!(matches!(ck.tensor("a", &[4]), Err(Error::InvalidModel(m)) if m.contains("shape")));
        assert!(matches!(ck.tensor("ids", &[1]), Err(Error::InvalidModel(m)) if m.contains("not a float")));
        assert!(matches!(ck.tensor("zz", &[1]), Err(Error::InvalidModel(m)) if m.contains("missing")));
    }

    #[test]
    fn misaligned_f32_tensors_are_copied_not_rejected() {
        // A header of odd length, as a writer that does not pad would produce.
        let header = br#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        assert_ne!(header.len() % 4, 0);
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&f32_bytes(&[1.5, -2.5]));
        let ck = Checkpoint::parse(bytes).unwrap();
        assert_eq!(ck.tensor("a", &[2]).unwrap(), &[1.5, -2.5]);
        assert_eq!(ck.copied_bytes(), 8);
    }

    #[test]
    fn rejects_headers_that_lie() {
        let good = write(&[("a", "F32", &[2], &f32_bytes(&[1.0, 2.0])), ("b", "F32", &[1], &f32_bytes(&[3.0]))]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (good[..5].to_vec(), "shorter than"),
            (good[..good.len() - 1].to_vec(), "run past"),
            (
                {
                    let mut b = good.clone();
                    b[0] = 0xff;
                    b[7] = 0x7f;
                    b
                },
                "header length",
            ),
            (write(&[("a", "F32", &[3], &f32_bytes(&[1.0, 2.0]))]), "do not hold shape"),
            (write(&[("a", "Q4", &[1], &[0; 4])]), "unknown dtype"),
            (write(&[("a", "F32", &[1 << 16, 1 << 16, 1 << 16, 1 << 16], &[0; 4])]), "do not hold shape"),
            (replace(&good, "[8,12]", "[4, 8]"), "overlaps"),
            (replace(&good, "[8,12]", "[8,16]"), "do not hold shape"),
            (replace(&good, "\"shape\":[1]", "\"shape\":\"1\""), "no valid shape"),
            (
                {
                    let mut b = good.clone();
                    b[9] = b'x';
                    b
                },
                "not JSON",
            ),
        ];
        for (bytes, expected) in cases {
            match Checkpoint::parse(bytes) {
                Err(Error::InvalidModel(m)) => {
                    assert!(m.contains(expected), "{m} should mention {expected}")
                }
                Err(other) => panic!("wrong error kind {other:?}"),
                Ok(_) => panic!("accepted a file that should mention {expected}"),
            }
        }
    }

    fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        assert_eq!(from.len(), to.len(), "keep the header length");
        let at = bytes.windows(from.len()).position(|w| w == from.as_bytes()).expect("pattern present");
        let mut out = bytes.to_vec();
        out[at..at + to.len()].copy_from_slice(to.as_bytes());
        out
    }
}
