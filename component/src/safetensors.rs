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
use crate::kernels::matmul;
use crate::kernels::quant::{Int8Matrix, Int8Parts};
use alloc::{format, string::String, vec::Vec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    F16,
    BF16,
    /// The values of an int8 matrix (`{name}.int8`, see [`Checkpoint::quantized`]).
    I8,
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
            "I8" => DType::I8,
            "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" => DType::Other(1),
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F16 | DType::BF16 => 2,
            DType::I8 => 1,
            DType::Other(size) => size,
        }
    }

    /// What `{:?}` prints (which would bring `Debug` formatting's ~2 KB into the component).
    fn debug_name(self) -> String {
        match self {
            DType::F32 => "F32".into(),
            DType::F16 => "F16".into(),
            DType::BF16 => "BF16".into(),
            DType::I8 => "I8".into(),
            DType::Other(size) => format!("Other({size})"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::I8 => "int8",
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
    /// Byte range of an int8 tensor.
    Int8 {
        start: usize,
        end: usize,
    },
    /// Not a float tensor; present so that its name resolves to a clear error.
    Unreadable(DType),
}

struct Entry {
    shape: Vec<usize>,
    storage: Storage,
    /// Reordered in place by [`Checkpoint::pack_linear_weights`].
    packed: bool,
}

pub struct Checkpoint {
    bytes: Vec<u8>,
    /// Sorted by name.
    tensors: Vec<(String, Entry)>,
    /// int8 forms of matrices, by the name of the matrix they stand for; sorted.
    quantized: Vec<(String, QuantizedEntry)>,
    dtype: DType,
    copied_bytes: usize,
}

struct QuantizedEntry {
    values: QuantizedValues,
    /// `[rows][groups]`.
    scales: Vec<f32>,
    /// `[cols]`, or empty (int8 checkpoints written before column scales).
    column_scales: Vec<f32>,
    rows: usize,
    cols: usize,
    /// Reordered by [`Checkpoint::pack_int8_weights`].
    packed: bool,
}

enum QuantizedValues {
    /// `{name}.int8` of an int8 checkpoint, read in place.
    InPlace { start: usize, end: usize },
    /// Quantized at load.
    Owned(Vec<i8>),
}

/// Suffixes of the tensors an int8 checkpoint stores for a matrix `{name}`: its values, its
/// scales (`[rows][groups]`, or `[rows]` as written before groups) and its column scales
/// (absent in checkpoints written before them).
pub const INT8_SUFFIX: &str = ".int8";
pub const INT8_SCALE_SUFFIX: &str = ".int8_scale";
pub const INT8_COLUMN_SCALE_SUFFIX: &str = ".int8_column_scale";

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
                DType::I8 => Storage::Int8 { start: data_start + begin, end: data_start + end },
                DType::Other(_) => Storage::Unreadable(dtype),
            };
            tensors.push((name, Entry { shape, storage, packed: false }));
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
        let mut checkpoint = Checkpoint { bytes, tensors, quantized: Vec::new(), dtype, copied_bytes };
        checkpoint.bind_int8_tensors()?;
        Ok(checkpoint)
    }

    /// Pairs each `{name}.int8` (I8 `[rows][cols]`) with its `{name}.int8_scale` (f32
    /// `[rows][groups]`, or `[rows]` as written before groups) and its
    /// `{name}.int8_column_scale` (f32 `[cols]`), if any.
    fn bind_int8_tensors(&mut self) -> Result<()> {
        let mut bound = Vec::new();
        for (name, entry) in &self.tensors {
            let (Storage::Int8 { start, end }, Some(matrix)) = (&entry.storage, name.strip_suffix(INT8_SUFFIX)) else {
                continue;
            };
            let &[rows, cols] = entry.shape.as_slice() else {
                return Err(invalid(format!("int8 tensor '{name}' is not a matrix")));
            };
            let scale_name = format!("{matrix}{INT8_SCALE_SUFFIX}");
            let groups = crate::kernels::quant::groups(cols);
            let mut scales = match self.shape(&scale_name) {
                Some(&[r, g]) if r == rows && g == groups => self.tensor(&scale_name, &[rows, groups])?.to_vec(),
                // Written before groups: one scale per row, which stands for each of its groups.
                Some(&[r, 1]) if r == rows => self.tensor(&scale_name, &[rows, 1])?.to_vec(),
                _ => self.tensor(&scale_name, &[rows])?.to_vec(),
            };
            if scales.len() == rows && groups > 1 {
                scales = scales.iter().flat_map(|&s| core::iter::repeat_n(s, groups)).collect();
            }
            let column_name = format!("{matrix}{INT8_COLUMN_SCALE_SUFFIX}");
            let column_scales = if self.entry(&column_name).is_some() {
                self.tensor(&column_name, &[cols])?.to_vec()
            } else {
                Vec::new()
            };
            if scales.iter().chain(&column_scales).any(|s| !s.is_finite()) {
                return Err(invalid(format!("int8 tensor '{name}' has a scale that is not finite")));
            }
            let values = QuantizedValues::InPlace { start: *start, end: *end };
            bound.push((matrix.into(), QuantizedEntry { values, scales, column_scales, rows, cols, packed: false }));
        }
        // `tensors` is sorted and the suffix is shared, so `bound` is sorted by matrix name.
        self.quantized = bound;
        if !self.quantized.is_empty() {
            self.dtype = DType::I8;
        }
        Ok(())
    }

    /// Quantizes every matrix a forward pass multiplies by (per [`is_product_weight`]) to int8
    /// at load, beside the f32 tensors. `conv1d`: the checkpoint's matrices are GPT-2's
    /// `[in][out]` Conv1D weights, transposed here to the `[out][in]` the int8 kernel reads
    /// (see [`is_conv1d_weight`]).
    pub fn quantize_int8(&mut self, conv1d: bool) {
        // Grow the heap once for all the int8 matrices: in V8 every memory.grow the allocator
        // makes on its own (one per matrix or so) cost about a millisecond, 40 ms of a load.
        let int8_bytes: usize = self
            .tensors
            .iter()
            .filter(|(name, entry)| entry.shape.len() == 2 && is_product_weight(name) && self.quantized(name).is_none())
            .map(|(_, entry)| entry.shape[0] * entry.shape[1] + 8 * (entry.shape[0] + entry.shape[1]) + 64)
            .sum();
        drop(Vec::<u8>::with_capacity(int8_bytes));
        let mut quantized = Vec::new();
        // One buffer for every transpose, zeroed once, as long as the largest: zeroing one per
        // matrix was ~7% of a GPT-2-small int8 load in Node 20.
        let mut transposed = Vec::new();
        for (name, entry) in &self.tensors {
            let &[rows, cols] = entry.shape.as_slice() else { continue };
            if !is_product_weight(name) || self.quantized(name).is_some() {
                continue;
            }
            let Ok(values) = self.tensor(name, &[rows, cols]) else { continue };
            let transpose = conv1d && is_conv1d_weight(name);
            let (rows, cols, parts) = if transpose {
                if transposed.len() < values.len() {
                    transposed.resize(values.len(), 0.0f32);
                }
                let t = &mut transposed[..values.len()];
                transpose_into(values, rows, cols, t);
                (cols, rows, crate::kernels::quant::quantize_matrix(t, rows))
            } else {
                (rows, cols, crate::kernels::quant::quantize_matrix(values, cols))
            };
            let Int8Parts { values, scales, column_scales, packed } = parts;
            let values = QuantizedValues::Owned(values);
            quantized.push((name.clone(), QuantizedEntry { values, scales, column_scales, rows, cols, packed }));
        }
        self.copied_bytes += quantized
            .iter()
            .map(|(_, q)| q.rows * q.cols + 4 * (q.scales.len() + q.column_scales.len()))
            .sum::<usize>();
        self.quantized.append(&mut quantized);
        crate::order::sort_by(&mut self.quantized, &|a, b| a.0.cmp(&b.0));
        if !self.quantized.is_empty() {
            self.dtype = DType::I8;
        }
    }

    /// Reorders, in place, every f32 matrix that forward passes multiply by (per
    /// [`is_product_weight`]; tied embedding tables excepted, as they are also looked up) into
    /// the layout of `matmul::linear_packed`, which runs MiniLM 6–27% faster than reading the
    /// rows where they lie (Node 20, side by side; README, *Speed*). The weights stay where the
    /// file put them. `nn.Linear` matrices move within each group of 4 rows, with no memory
    /// beyond one group's; `conv1d`: GPT-2's `[in][out]` Conv1D matrices are laid out as the
    /// packed `[out][in]` from a copy of one matrix (the largest: transient memory), because
    /// `matmul_kn`, which reads them as they lie, ran GPT-2's prompt shapes at 42–71% of the
    /// peak where `linear_packed` runs MiniLM's at 77–85% (V8, README *GEMM efficiency*).
    /// Not for int8 checkpoints.
    pub fn pack_linear_weights(&mut self, conv1d: bool) {
        if !self.quantized.is_empty() {
            // An int8 checkpoint: its f32 tensors are tables, and `to_int8_safetensors` writes
            // them out again as stored.
            return;
        }
        let Checkpoint { bytes, tensors, .. } = self;
        let mut stored = Vec::new();
        for (name, entry) in tensors.iter_mut() {
            let &[rows, cols] = entry.shape.as_slice() else { continue };
            let transpose = conv1d && is_conv1d_weight(name);
            let (outputs, inputs) = if transpose { (cols, rows) } else { (rows, cols) };
            if !is_product_weight(name) || is_embedding_table(name) || outputs < matmul::PACK_ROWS {
                continue;
            }
            let values: &mut [f32] = match &mut entry.storage {
                Storage::InPlace { start, end } => match bytemuck::try_cast_slice_mut(&mut bytes[*start..*end]) {
                    Ok(values) => values,
                    Err(_) => continue,
                },
                Storage::Owned(values) => values,
                Storage::Int8 { .. } | Storage::Unreadable(_) => continue,
            };
            if transpose {
                matmul::pack_columns(values, inputs, &mut stored);
            } else {
                matmul::pack_rows(values, inputs);
            }
            entry.packed = true;
        }
    }

    /// Reorders, in place, the values of every int8 matrix `which` names into the layout of
    /// `quant::pack_rows`, which decoding (one activation row at a time) streams ~1.7× faster
    /// and blocks of rows read as fast (see there): for the matrices decoders multiply.
    pub fn pack_int8_weights(&mut self, which: impl Fn(&str) -> bool) {
        let Checkpoint { bytes, quantized, .. } = self;
        for (name, q) in quantized.iter_mut() {
            if q.packed || !which(name) {
                continue;
            }
            let values: &mut [i8] = match &mut q.values {
                QuantizedValues::InPlace { start, end } => bytemuck::cast_slice_mut(&mut bytes[*start..*end]),
                QuantizedValues::Owned(values) => values,
            };
            crate::kernels::quant::pack_rows(values, q.cols);
            q.packed = true;
        }
    }

    /// Whether `pack_linear_weights` reordered the matrix `name`.
    pub fn is_packed(&self, name: &str) -> bool {
        self.entry(name).is_some_and(|e| e.packed)
    }

    /// The int8 form of the matrix `name`, in HF's `nn.Linear` layout (`[rows][k]`), if the
    /// checkpoint has or made one.
    pub fn quantized(&self, name: &str) -> Option<Int8Matrix<'_>> {
        let i = self.quantized.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok()?;
        let q = &self.quantized[i].1;
        let values: &[i8] = match &q.values {
            QuantizedValues::InPlace { start, end } => bytemuck::cast_slice(&self.bytes[*start..*end]),
            QuantizedValues::Owned(values) => values,
        };
        Some(Int8Matrix { values, scales: &q.scales, column_scales: &q.column_scales, k: q.cols, packed: q.packed })
    }

    /// The checkpoint as an int8 safetensors file: every int8 matrix as `{name}.int8`,
    /// `{name}.int8_scale` and `{name}.int8_column_scale`, and every f32 tensor that is not
    /// such a matrix (embedding tables that are also heads stay in f32 for the lookups, and
    /// appear in both forms).
    pub fn to_int8_safetensors(&self) -> Vec<u8> {
        let mut parts: Vec<(String, &str, Vec<usize>, &[u8])> = Vec::new();
        for (name, entry) in &self.tensors {
            let keep = match entry.storage {
                // Scales are written again below, beside their values.
                Storage::InPlace { .. } | Storage::Owned(_)
                    if name.ends_with(INT8_SCALE_SUFFIX) || name.ends_with(INT8_COLUMN_SCALE_SUFFIX) =>
                {
                    false
                }
                Storage::InPlace { .. } | Storage::Owned(_) => {
                    self.quantized(name).is_none() || is_embedding_table(name)
                }
                Storage::Int8 { .. } | Storage::Unreadable(_) => false,
            };
            if let (true, Ok(values)) = (keep, self.tensor(name, &entry.shape)) {
                parts.push((name.clone(), "F32", entry.shape.clone(), bytemuck::cast_slice(values)));
            }
        }
        // The values as files store them, `[rows][cols]`: decoders' are packed in memory and
        // written from an unpacked copy; the others as they lie.
        let mut matrices = Vec::new();
        for (name, _) in &self.quantized {
            if let Some(m) = self.quantized(name) {
                let values = if m.packed {
                    let mut stored = m.values.to_vec();
                    crate::kernels::quant::unpack_rows(&mut stored, m.k);
                    alloc::borrow::Cow::Owned(stored)
                } else {
                    alloc::borrow::Cow::Borrowed(m.values)
                };
                matrices.push((name, m, values));
            }
        }
        for (name, m, values) in &matrices {
            let (rows, cols) = (m.rows(), m.k);
            parts.push((
                format!("{name}{INT8_SUFFIX}"),
                "I8",
                alloc::vec![rows, cols],
                bytemuck::cast_slice(&values[..]),
            ));
            // A matrix may have no rows (the file said so): no division by them, and the
            // shape the reader expects for its (empty) scales.
            let per_row = m.scales.len().checked_div(rows).unwrap_or(crate::kernels::quant::groups(cols));
            let scale_shape = alloc::vec![rows, per_row];
            parts.push((format!("{name}{INT8_SCALE_SUFFIX}"), "F32", scale_shape, bytemuck::cast_slice(m.scales)));
            if !m.column_scales.is_empty() {
                let column = bytemuck::cast_slice(m.column_scales);
                parts.push((format!("{name}{INT8_COLUMN_SCALE_SUFFIX}"), "F32", alloc::vec![cols], column));
            }
        }
        write_safetensors(&parts)
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.tensors.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok().map(|i| &self.tensors[i].1)
    }

    /// Whether the tensor `name` exists, as f32 or in int8 form.
    pub fn contains(&self, name: &str) -> bool {
        self.entry(name).is_some() || self.quantized(name).is_some()
    }

    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.entry(name).map(|e| e.shape.as_slice())
    }

    /// The tensor `name` as f32, checked to have exactly `shape`.
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        self.float_tensor(name, shape, false)
    }

    /// A matrix `pack_linear_weights` reordered, with its stored `shape`.
    pub fn packed_tensor(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        self.float_tensor(name, shape, true)
    }

    /// A float tensor, in the layout `packed` names: the other one is an error (a reader that
    /// expects the stored layout must never get the packed one).
    fn float_tensor(&self, name: &str, shape: &[usize], packed: bool) -> Result<&[f32]> {
        let entry = self.entry(name).ok_or_else(|| invalid(format!("tensor '{name}' is missing")))?;
        if entry.packed != packed {
            return Err(invalid(format!("tensor '{name}' is read in the wrong layout (packed: {})", entry.packed)));
        }
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
            Storage::Int8 { .. } => Err(invalid(format!("tensor '{name}' is int8, not a float type"))),
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

/// Whether `name` is a matrix that forward passes multiply activations by (and so worth
/// quantizing): 2-D `.weight`s other than lookup tables. Embedding tables that are also the
/// language-model head (`wte`, `shared`) count; tables only looked up do not.
pub fn is_product_weight(name: &str) -> bool {
    name.ends_with(".weight")
        && !["embeddings.", "wpe.", "embed_tokens.", "embed_in.", "relative_attention_bias.", "embed_positions."]
            .iter()
            .any(|table| crate::text::find(name, table).is_some())
}

/// Embedding tables that decoders also use as their head (tied weights).
fn is_embedding_table(name: &str) -> bool {
    name.ends_with("wte.weight") || name.ends_with("shared.weight")
}

/// In a GPT-2 checkpoint, the product weights stored as Conv1D (`[in][out]`): all but the
/// embedding table and an untied `lm_head.weight`, which is an `nn.Linear` (`[vocab][width]`).
fn is_conv1d_weight(name: &str) -> bool {
    !is_embedding_table(name) && !name.ends_with("lm_head.weight")
}

/// `to[j][i] = from[i][j]` for `from: [rows][cols]`, by bands of 64 rows: each row of `to` gets
/// 64 contiguous values at a time, one TLB entry per 256 bytes written where 16 × 16 tiles
/// needed one per 64, while the band's 64 lines read (16 columns each) stay in L1 for the next
/// 15 columns. GPT-2's Conv1D matrices go through it before int8 quantization; with 16 × 16
/// tiles it was two thirds of a GPT-2-small int8 load in Node 20 (~590 of ~900 ms).
fn transpose_into(from: &[f32], rows: usize, cols: usize, to: &mut [f32]) {
    for i0 in (0..rows).step_by(64) {
        let i1 = (i0 + 64).min(rows);
        for j in 0..cols {
            for (i, t) in (i0..i1).zip(&mut to[j * rows + i0..j * rows + i1]) {
                *t = from[i * cols + j];
            }
        }
    }
}

/// A safetensors file of `(name, dtype, shape, little-endian bytes)`, header padded to 8 bytes
/// as Hugging Face's writer pads it.
pub fn write_safetensors(tensors: &[(String, &str, Vec<usize>, &[u8])]) -> Vec<u8> {
    let mut header = String::from(r#"{"__metadata__":{"format":"pt","quantization":"wasmicro-int8"}"#);
    let mut offset = 0;
    for (name, dtype, shape, data) in tensors {
        header.push_str(&format!(
            r#",{}:{{"dtype":"{dtype}","shape":{},"data_offsets":[{offset},{}]}}"#,
            crate::json::quote(name),
            shape_text(shape),
            offset + data.len()
        ));
        offset += data.len();
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for (_, _, _, data) in tensors {
        out.extend_from_slice(data);
    }
    out
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

    /// `(name, dtype, shape, bytes)` of one tensor to write.
    pub(crate) type TensorBytes<'a> = (&'a str, &'a str, &'a [usize], &'a [u8]);

    /// Serialises tensors as Hugging Face's writer does (header padded to 8 bytes).
    pub(crate) fn write(tensors: &[TensorBytes]) -> Vec<u8> {
        let owned: Vec<(String, &str, Vec<usize>, &[u8])> =
            tensors.iter().map(|&(name, dtype, shape, data)| (name.into(), dtype, shape.to_vec(), data)).collect();
        write_safetensors(&owned)
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

    #[test]
    fn int8_tensors_pair_with_their_scales_and_stand_for_the_matrix() {
        let values: Vec<u8> = [1i8, -2, 3, 127, -127, 0].iter().map(|&v| v as u8).collect();
        let bytes =
            write(&[("m.int8", "I8", &[2, 3], &values), ("m.int8_scale", "F32", &[2], &f32_bytes(&[0.5, 0.25]))]);
        let ck = Checkpoint::parse(bytes).unwrap();
        let m = ck.quantized("m").expect("bound");
        assert_eq!((m.rows(), m.k, m.values, m.scales), (2, 3, &[1i8, -2, 3, 127, -127, 0][..], &[0.5f32, 0.25][..]));
        // Written before column scales: none.
        assert!(m.column_scales.is_empty() && m.is_consistent());
        assert!(ck.contains("m") && ck.dtype() == DType::I8);
        assert!(matches!(ck.tensor("m.int8", &[2, 3]), Err(Error::InvalidModel(m)) if m.contains("int8")));
    }

    #[test]
    fn int8_tensors_read_scales_per_group_and_column_scales() {
        // 2 rows of 300 columns: groups of 128, 128 and 44.
        let values = [1u8; 600];
        let scales: Vec<f32> = (1..=6).map(|i| i as f32).collect();
        let columns = alloc::vec![0.5f32; 300];
        let bytes = write(&[
            ("m.int8", "I8", &[2, 300], &values),
            ("m.int8_column_scale", "F32", &[300], &f32_bytes(&columns)),
            ("m.int8_scale", "F32", &[2, 3], &f32_bytes(&scales)),
        ]);
        let ck = Checkpoint::parse(bytes).unwrap();
        let m = ck.quantized("m").expect("bound");
        assert_eq!((m.scales, m.column_scales, m.k), (&scales[..], &columns[..], 300));
        // One scale per row, as written before groups ([rows] or [rows][1]): each row's scale
        // stands for each of its groups.
        for shape in [&[2][..], &[2, 1]] {
            let scale = f32_bytes(&[1.0, 2.0]);
            let one = write(&[("m.int8", "I8", &[2, 300], &values), ("m.int8_scale", "F32", shape, &scale)]);
            let ck = Checkpoint::parse(one).unwrap();
            let m = ck.quantized("m").unwrap();
            assert_eq!((m.scales, m.is_consistent()), (&[1.0, 1.0, 1.0, 2.0, 2.0, 2.0][..], true), "{shape:?}");
        }
    }

    #[test]
    fn packed_int8_values_are_written_back_as_stored() {
        // 9 rows of 11: one packed group of 8 rows (with 3-value tails) and a row as stored.
        let (rows, cols) = (9, 11);
        let stored: Vec<i8> = (0..rows * cols).map(|i| (i * 37 % 255) as u8 as i8).collect();
        let raw: Vec<u8> = stored.iter().map(|&v| v as u8).collect();
        let scales = f32_bytes(&[1.0; 9]);
        let mut ck =
            Checkpoint::parse(write(&[("m.int8", "I8", &[9, 11], &raw), ("m.int8_scale", "F32", &[9], &scales)]))
                .unwrap();
        assert_eq!(ck.quantized("m").map(|m| (m.values, m.packed)), Some((&stored[..], false)));
        ck.pack_int8_weights(|name| name == "m");
        let mut packed = stored.clone();
        crate::kernels::quant::pack_rows(&mut packed, cols);
        assert_ne!(packed, stored);
        assert_eq!(ck.quantized("m").map(|m| (m.values, m.packed)), Some((&packed[..], true)));
        let written = ck.to_int8_safetensors();
        assert!(written.windows(raw.len()).any(|w| w == raw), "the file keeps [rows][cols]");
        let mut back = Checkpoint::parse(written).unwrap();
        back.pack_int8_weights(|_| true);
        assert_eq!(back.quantized("m"), ck.quantized("m"));
    }

    #[test]
    fn an_int8_matrix_without_rows_is_written_back_without_a_trap() {
        let bytes = write(&[("m.int8", "I8", &[0, 3], &[]), ("m.int8_scale", "F32", &[0], &[])]);
        let ck = Checkpoint::parse(bytes).unwrap();
        let back = Checkpoint::parse(ck.to_int8_safetensors()).unwrap();
        assert_eq!(back.quantized("m").map(|m| (m.rows(), m.values.len(), m.scales.len())), Some((0, 0, 0)));
    }

    #[test]
    fn malformed_int8_tensors_are_invalid_model_errors() {
        let values = [0u8; 6];
        let cases: [&[TensorBytes]; 7] = [
            &[("m.int8", "I8", &[2, 3], &values)],
            &[("m.int8", "I8", &[2, 3], &values), ("m.int8_scale", "F32", &[3], &[0; 12])],
            &[("m.int8", "I8", &[6], &values), ("m.int8_scale", "F32", &[6], &[0; 24])],
            &[("m.int8", "I8", &[2, 3], &values), ("m.int8_scale", "F32", &[2], &f32_bytes(&[1.0, f32::NAN]))],
            // Two groups for 3 columns: groups are 128 wide.
            &[("m.int8", "I8", &[2, 3], &values), ("m.int8_scale", "F32", &[2, 2], &[0; 16])],
            &[
                ("m.int8", "I8", &[2, 3], &values),
                ("m.int8_column_scale", "F32", &[2], &[0; 8]),
                ("m.int8_scale", "F32", &[2], &[0; 8]),
            ],
            &[
                ("m.int8", "I8", &[2, 3], &values),
                ("m.int8_column_scale", "F32", &[3], &f32_bytes(&[1.0, f32::INFINITY, 1.0])),
                ("m.int8_scale", "F32", &[2], &[0; 8]),
            ],
        ];
        for tensors in cases {
            assert!(matches!(Checkpoint::parse(write(tensors)), Err(Error::InvalidModel(_))), "{tensors:?}");
        }
    }

    #[test]
    fn packing_reorders_product_matrices_only_and_only_packed_reads_see_them() {
        let w: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let bytes = write(&[
            ("encoder.layer.0.intermediate.dense.weight", "F32", &[5, 8], &f32_bytes(&w)),
            ("encoder.layer.0.intermediate.dense.bias", "F32", &[5], &f32_bytes(&w[..5])),
            ("embeddings.word_embeddings.weight", "F32", &[5, 8], &f32_bytes(&w)),
            ("shared.weight", "F32", &[5, 8], &f32_bytes(&w)),
            ("classifier.out_proj.weight", "F32", &[3, 8], &f32_bytes(&w[..24])),
        ]);
        let mut ck = Checkpoint::parse(bytes).unwrap();
        ck.pack_linear_weights(false);
        let name = "encoder.layer.0.intermediate.dense.weight";
        let mut expected = w.clone();
        crate::kernels::matmul::pack_rows(&mut expected, 8);
        assert!(ck.is_packed(name));
        assert_eq!(ck.packed_tensor(name, &[5, 8]).unwrap(), &expected[..]);
        // A reader of the stored layout gets an error, never the packed values.
        assert!(matches!(ck.tensor(name, &[5, 8]), Err(Error::InvalidModel(m)) if m.contains("layout")));
        // Biases, lookup tables (tied heads included) and matrices of fewer than 4 rows stay.
        for (other, shape) in [
            ("encoder.layer.0.intermediate.dense.bias", &[5][..]),
            ("embeddings.word_embeddings.weight", &[5, 8]),
            ("shared.weight", &[5, 8]),
            ("classifier.out_proj.weight", &[3, 8]),
        ] {
            assert!(!ck.is_packed(other), "{other}");
            assert_eq!(ck.tensor(other, shape).unwrap(), &w[..ck.tensor(other, shape).unwrap().len()], "{other}");
        }
        // Already-int8 checkpoints are left alone (their f32 tensors are written back as stored).
        let mut int8 = Checkpoint::parse(write(&[
            ("fc.weight.int8", "I8", &[4, 2], &[1; 8]),
            ("fc.weight.int8_scale", "F32", &[4], &f32_bytes(&[1.0; 4])),
            ("out.weight", "F32", &[5, 8], &f32_bytes(&w)),
        ]))
        .unwrap();
        int8.pack_linear_weights(false);
        assert!(!int8.is_packed("out.weight"));
    }

    #[test]
    fn transpose_into_moves_every_value_across_partial_bands() {
        // Shapes within one band of 64 rows, filling one, and across bands.
        for (rows, cols) in [(1, 1), (3, 5), (64, 16), (70, 35), (130, 17)] {
            let from: Vec<f32> = (0..rows * cols).map(|v| v as f32).collect();
            let mut to = alloc::vec![-1.0; rows * cols];
            transpose_into(&from, rows, cols, &mut to);
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(to[j * rows + i], from[i * cols + j], "({rows},{cols}) [{i},{j}]");
                }
            }
        }
    }

    #[test]
    fn gpt2_conv1d_matrices_are_packed_transposed_and_an_untied_head_as_linear() {
        let w: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let bytes = write(&[
            ("h.0.mlp.c_fc.weight", "F32", &[8, 5], &f32_bytes(&w)),
            ("lm_head.weight", "F32", &[5, 8], &f32_bytes(&w)),
            ("wte.weight", "F32", &[5, 8], &f32_bytes(&w)),
        ]);
        let mut ck = Checkpoint::parse(bytes.clone()).unwrap();
        ck.pack_linear_weights(true);
        // c_fc is [in = 8][out = 5]: packed as the [5][8] nn.Linear matrix it stands for.
        let stored = &w;
        let mut expected: Vec<f32> = (0..5).flat_map(|o| (0..8).map(move |i| stored[i * 5 + o])).collect();
        crate::kernels::matmul::pack_rows(&mut expected, 8);
        assert_eq!(ck.packed_tensor("h.0.mlp.c_fc.weight", &[8, 5]).unwrap(), &expected[..]);
        // An untied head is an nn.Linear already: packed, not transposed.
        let mut head = w.clone();
        crate::kernels::matmul::pack_rows(&mut head, 8);
        assert_eq!(ck.packed_tensor("lm_head.weight", &[5, 8]).unwrap(), &head[..]);
        assert_eq!(ck.tensor("wte.weight", &[5, 8]).unwrap(), &w[..]);
        // The int8 form reads the same orientations: the head stays [vocab][width]. (It was
        // transposed as a Conv1D before, and the model then refused it as misshapen.)
        let mut int8 = Checkpoint::parse(bytes).unwrap();
        int8.quantize_int8(true);
        let (fc, head) = (int8.quantized("h.0.mlp.c_fc.weight").unwrap(), int8.quantized("lm_head.weight").unwrap());
        assert_eq!((fc.rows(), fc.k, head.rows(), head.k), (5, 8, 5, 8));
    }

    #[test]
    fn int8_checkpoints_written_and_read_back_hold_the_same_matrices() {
        let w: Vec<f32> = (0..32).map(|i| (i as f32 - 13.0) / 7.0).collect();
        let table: Vec<f32> = (0..40).map(|i| (i as f32).sin()).collect();
        let bytes = write(&[
            ("h.0.attn.c_attn.weight", "F32", &[8, 4], &f32_bytes(&w)),
            ("ln.weight", "F32", &[8], &f32_bytes(&w[..8])),
            ("wpe.weight", "F32", &[4, 8], &f32_bytes(&w)),
            ("wte.weight", "F32", &[5, 8], &f32_bytes(&table)),
        ]);
        let mut ck = Checkpoint::parse(bytes).unwrap();
        ck.quantize_int8(true);
        // Conv1D `[in][out]` is transposed to `[out][in]`; the tied table is already `[vocab][width]`.
        let q = ck.quantized("h.0.attn.c_attn.weight").expect("quantized");
        let transposed: Vec<f32> = (0..32).map(|i| w[(i % 8) * 4 + i / 8]).collect();
        assert_eq!((q.rows(), q.k), (4, 8));
        assert_eq!(q.values, crate::kernels::quant::quantize_matrix(&transposed, 8).values);
        assert_eq!(ck.quantized("wte.weight").map(|q| (q.rows(), q.k)), Some((5, 8)));
        assert!(ck.quantized("wpe.weight").is_none() && ck.quantized("ln.weight").is_none());

        let back = Checkpoint::parse(ck.to_int8_safetensors()).unwrap();
        for name in ["h.0.attn.c_attn.weight", "wte.weight"] {
            assert_eq!(ck.quantized(name), back.quantized(name), "{name}");
        }
        // Matrices are stored once, as int8; the tied table stays in f32 for the lookups.
        assert!(back.tensor("h.0.attn.c_attn.weight", &[8, 4]).is_err());
        assert_eq!(back.tensor("wte.weight", &[5, 8]).unwrap(), &table[..]);
        assert_eq!(back.tensor("wpe.weight", &[4, 8]).unwrap(), &w[..]);
        assert_eq!(back.to_int8_safetensors(), ck.to_int8_safetensors());
    }
}
