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
