//! Random-weight checkpoints with the exact shapes of GPT-2 small and t5-small, made in
//! memory for speed benchmarks (no real checkpoint is available offline; speed does not
//! depend on the weights' values). Tokenizers are minimal: one token per byte.

use serde_json::json;

/// A deterministic stream of small floats (xorshift), so every run measures the same work.
fn random_f32(count: usize, seed: u64, scale: f32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(count * 4);
    for _ in 0..count {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let unit = (state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
        out.extend_from_slice(&(unit * scale).to_le_bytes());
    }
    out
}

/// safetensors bytes for `(name, shape)` tensors of random f32 (norm weights are 1).
fn safetensors(tensors: &[(String, Vec<usize>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    for (name, shape) in tensors {
        let bytes = shape.iter().product::<usize>() * 4;
        header.insert(name.clone(), json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}));
        offset += bytes;
    }
    let mut header = serde_json::Value::Object(header).to_string();
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for (i, (name, shape)) in tensors.iter().enumerate() {
        let count = shape.iter().product::<usize>();
        if name.contains("ln") || name.contains("layer_norm") || name.ends_with("norm.weight") {
            out.extend(std::iter::repeat_n(1.0f32.to_le_bytes(), count).flatten());
        } else {
            out.extend(random_f32(count, i as u64 + 1, 0.05));
        }
    }
    out
}

/// The 256 byte-level tokens of GPT-2's alphabet, as a BPE without merges.
fn byte_level_tokenizer() -> String {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut vocab = serde_json::Map::new();
    let mut next = 256;
    for b in 0..256u32 {
        let c = if printable(b) {
            b
        } else {
            next += 1;
            next - 1
        };
        vocab.insert(char::from_u32(c).unwrap_or('?').to_string(), json!(b));
    }
    json!({
        "version": "1.0",
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null,
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": vocab, "merges": []}
    })
    .to_string()
}

/// GPT-2 small: 12 layers, 768 wide, 12 heads, 1024 positions, 50257 tokens (124M parameters).
pub fn gpt2_small() -> Vec<(String, Vec<u8>)> {
    let (e, layers, vocab, positions) = (768, 12, 50257, 1024);
    let mut tensors = vec![
        ("transformer.wte.weight".to_owned(), vec![vocab, e]),
        ("transformer.wpe.weight".to_owned(), vec![positions, e]),
    ];
    for i in 0..layers {
        let l = format!("transformer.h.{i}");
        for (name, shape) in [
            ("ln_1.weight", vec![e]),
            ("ln_1.bias", vec![e]),
            ("attn.c_attn.weight", vec![e, 3 * e]),
            ("attn.c_attn.bias", vec![3 * e]),
            ("attn.c_proj.weight", vec![e, e]),
            ("attn.c_proj.bias", vec![e]),
            ("ln_2.weight", vec![e]),
            ("ln_2.bias", vec![e]),
            ("mlp.c_fc.weight", vec![e, 4 * e]),
            ("mlp.c_fc.bias", vec![4 * e]),
            ("mlp.c_proj.weight", vec![4 * e, e]),
            ("mlp.c_proj.bias", vec![e]),
        ] {
            tensors.push((format!("{l}.{name}"), shape));
        }
    }
    tensors.push(("transformer.ln_f.weight".into(), vec![e]));
    tensors.push(("transformer.ln_f.bias".into(), vec![e]));
    let config = json!({"model_type": "gpt2", "vocab_size": vocab, "n_positions": positions, "n_embd": e, "n_layer": layers, "n_head": 12});
    vec![
        ("config.json".into(), config.to_string().into_bytes()),
        ("tokenizer.json".into(), byte_level_tokenizer().into_bytes()),
        ("model.safetensors".into(), safetensors(&tensors)),
    ]
}

/// t5-small: 6 + 6 layers, d_model 512, 8 heads of 64, d_ff 2048, ReLU, 32128 tokens (60M parameters).
pub fn t5_small() -> Vec<(String, Vec<u8>)> {
    let (d, inner, ff, layers, vocab, buckets) = (512, 512, 2048, 6, 32128, 32);
    let mut tensors = vec![("shared.weight".to_owned(), vec![vocab, d])];
    let attention = |tensors: &mut Vec<(String, Vec<usize>)>, name: &str| {
        for p in ["q", "k", "v"] {
            tensors.push((format!("{name}.{p}.weight"), vec![inner, d]));
        }
        tensors.push((format!("{name}.o.weight"), vec![d, inner]));
    };
    for i in 0..layers {
        let b = format!("encoder.block.{i}.layer");
        attention(&mut tensors, &format!("{b}.0.SelfAttention"));
        tensors.push((format!("{b}.0.layer_norm.weight"), vec![d]));
        tensors.push((format!("{b}.1.DenseReluDense.wi.weight"), vec![ff, d]));
        tensors.push((format!("{b}.1.DenseReluDense.wo.weight"), vec![d, ff]));
        tensors.push((format!("{b}.1.layer_norm.weight"), vec![d]));
        let b = format!("decoder.block.{i}.layer");
        attention(&mut tensors, &format!("{b}.0.SelfAttention"));
        tensors.push((format!("{b}.0.layer_norm.weight"), vec![d]));
        attention(&mut tensors, &format!("{b}.1.EncDecAttention"));
        tensors.push((format!("{b}.1.layer_norm.weight"), vec![d]));
        tensors.push((format!("{b}.2.DenseReluDense.wi.weight"), vec![ff, d]));
        tensors.push((format!("{b}.2.DenseReluDense.wo.weight"), vec![d, ff]));
        tensors.push((format!("{b}.2.layer_norm.weight"), vec![d]));
    }
    for stack in ["encoder", "decoder"] {
        tensors
            .push((format!("{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), vec![buckets, 8]));
        tensors.push((format!("{stack}.final_layer_norm.weight"), vec![d]));
    }
    let config = json!({
        "model_type": "t5", "vocab_size": vocab, "d_model": d, "d_kv": 64, "num_heads": 8, "d_ff": ff,
        "num_layers": layers, "feed_forward_proj": "relu", "decoder_start_token_id": 0
    });
    // A Unigram vocabulary of single characters: one token per character of the prompt.
    let mut pieces = vec![json!(["<pad>", 0.0]), json!(["</s>", 0.0]), json!(["<unk>", 0.0]), json!(["▁", -1.0])];
    pieces.extend((b'a'..=b'z').map(|c| json!([(c as char).to_string(), -2.0])));
    let tokenizer = json!({
        "version": "1.0",
        "added_tokens": [{"id": 1, "content": "</s>", "special": true}],
        "normalizer": null,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
        "model": {"type": "Unigram", "unk_id": 2, "vocab": pieces}
    });
    vec![
        ("config.json".into(), config.to_string().into_bytes()),
        ("tokenizer.json".into(), tokenizer.to_string().into_bytes()),
        ("model.safetensors".into(), safetensors(&tensors)),
    ]
}
