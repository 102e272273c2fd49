//! Shared helpers of the integration tests: where fixtures live, one compiled engine, and
//! the comparisons every parity test makes.

use std::path::PathBuf;
use std::sync::OnceLock;
use wasmicro::Engine;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

pub fn fixture(relative: &str) -> PathBuf {
    repo_root().join("fixtures").join(relative)
}

pub fn read_json(relative: &str) -> serde_json::Value {
    let path = fixture(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The component, compiled once per test binary.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new().expect("the embedded component compiles"))
}

/// all-MiniLM-L6-v2 as `fixtures/fetch_minilm.sh` unpacks it (or `$WASMICRO_MODEL`).
pub fn minilm_dir() -> PathBuf {
    let dir = match std::env::var_os("WASMICRO_MODEL") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let cache = std::env::var_os("WASMICRO_CACHE").map(PathBuf::from).unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache").join("wasmicro")
            });
            cache.join("models").join("all-MiniLM-L6-v2")
        }
    };
    assert!(
        dir.join("model.safetensors").exists(),
        "{} has no model: run fixtures/fetch_minilm.sh first",
        dir.display()
    );
    dir
}

pub fn floats(value: &serde_json::Value) -> Vec<f32> {
    value.as_array().expect("an array of numbers").iter().map(|v| v.as_f64().expect("a number") as f32).collect()
}

pub fn ids(value: &serde_json::Value) -> Vec<u32> {
    value.as_array().expect("an array of ids").iter().map(|v| v.as_u64().expect("an id") as u32).collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "vector lengths differ");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum();
    let norm = |v: &[f32]| v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b)).max(1e-30)
}

/// GPT-2's vocab.json and merges.txt as `fixtures/fetch_gpt2_vocab.sh` unpacks them.
pub fn gpt2_vocab_dir() -> PathBuf {
    let cache = std::env::var_os("WASMICRO_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache").join("wasmicro")
    });
    let dir = cache.join("models").join("gpt2-tokenizer");
    assert!(
        dir.join("merges.txt").exists(),
        "{} has no merges.txt: run fixtures/fetch_gpt2_vocab.sh first",
        dir.display()
    );
    dir
}

/// config.json and model.safetensors of a one-layer GPT-2 of width 4 with zero weights:
/// enough to load a tokenizer of `vocab` tokens through the component.
pub fn zero_gpt2_checkpoint(vocab: usize) -> Vec<(String, Vec<u8>)> {
    let e = 4;
    let shapes: Vec<(String, Vec<usize>)> = vec![
        ("wte.weight".into(), vec![vocab, e]),
        ("wpe.weight".into(), vec![64, e]),
        ("h.0.ln_1.weight".into(), vec![e]),
        ("h.0.ln_1.bias".into(), vec![e]),
        ("h.0.attn.c_attn.weight".into(), vec![e, 3 * e]),
        ("h.0.attn.c_attn.bias".into(), vec![3 * e]),
        ("h.0.attn.c_proj.weight".into(), vec![e, e]),
        ("h.0.attn.c_proj.bias".into(), vec![e]),
        ("h.0.ln_2.weight".into(), vec![e]),
        ("h.0.ln_2.bias".into(), vec![e]),
        ("h.0.mlp.c_fc.weight".into(), vec![e, 4 * e]),
        ("h.0.mlp.c_fc.bias".into(), vec![4 * e]),
        ("h.0.mlp.c_proj.weight".into(), vec![4 * e, e]),
        ("h.0.mlp.c_proj.bias".into(), vec![e]),
        ("ln_f.weight".into(), vec![e]),
        ("ln_f.bias".into(), vec![e]),
    ];
    let mut header = serde_json::Map::new();
    let mut offset = 0;
    for (name, shape) in &shapes {
        let bytes = shape.iter().product::<usize>() * 4;
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    let mut header = serde_json::Value::Object(header).to_string();
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let mut weights = (header.len() as u64).to_le_bytes().to_vec();
    weights.extend_from_slice(header.as_bytes());
    weights.resize(weights.len() + offset, 0);
    let config = serde_json::json!({"model_type": "gpt2", "vocab_size": vocab, "n_positions": 64, "n_embd": e, "n_layer": 1, "n_head": 1});
    vec![("config.json".into(), config.to_string().into_bytes()), ("model.safetensors".into(), weights)]
}
