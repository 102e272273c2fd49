//! The `wasmicro` command line: output formats, stdin, and clean failures.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn tiny_bert() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tiny/bert")
}

fn wasmicro(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmicro"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or("").as_bytes()).expect("writes stdin");
    drop(input);
    let out = child.wait_with_output().expect("finishes");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tokenize_prints_the_ids_as_json() {
    let dir = tiny_bert();
    let (ok, stdout, _) = wasmicro(&["tokenize", "--model", dir.to_str().unwrap(), "Hello world"], None);
    assert!(ok);
    let engine = wasmicro::Engine::new().unwrap();
    let expected = wasmicro::Model::from_dir(&engine, &dir).unwrap().tokenize("Hello world", true).unwrap();
    assert_eq!(serde_json::from_str::<Vec<u32>>(stdout.trim()).unwrap(), expected);
}

#[test]
fn embed_json_equals_the_library_and_reads_stdin_lines() {
    let dir = tiny_bert();
    let (ok, from_args, _) =
        wasmicro(&["embed", "--json", "--model", dir.to_str().unwrap(), "first text", "second one"], None);
    assert!(ok);
    let (ok, from_stdin, _) =
        wasmicro(&["embed", "--json", "--model", dir.to_str().unwrap()], Some("first text\nsecond one\n"));
    assert!(ok);
    let parsed: Vec<Vec<f32>> = serde_json::from_str(&from_args).unwrap();
    assert_eq!(parsed, serde_json::from_str::<Vec<Vec<f32>>>(&from_stdin).unwrap());
    let engine = wasmicro::Engine::new().unwrap();
    let expected = wasmicro::Model::from_dir(&engine, &dir)
        .unwrap()
        .embed_batch(&["first text", "second one"], &Default::default())
        .unwrap();
    assert_eq!(parsed, expected);
}

#[test]
fn info_describes_the_model() {
    let dir = tiny_bert();
    let (ok, stdout, _) = wasmicro(&["info", "--model", dir.to_str().unwrap()], None);
    assert!(ok);
    let info: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(info["model_type"], "bert");
    assert_eq!(info["family"], "bert");
}

#[test]
fn failures_are_one_line_and_a_non_zero_exit() {
    for args in [
        &["embed", "--model", "/nonexistent/model", "x"][..],
        &["tokenize", "--model", env!("CARGO_MANIFEST_DIR"), "x"],
    ] {
        let (ok, stdout, stderr) = wasmicro(args, None);
        assert!(!ok, "{args:?} should fail");
        assert!(stdout.is_empty());
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("wasmicro: ") && !stderr.contains("panicked"), "{stderr}");
    }
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tiny").join(name).display().to_string()
}

#[test]
fn generate_prints_the_generated_text_streamed_or_not() {
    for name in ["gpt2", "t5"] {
        let dir = fixture(name);
        let (ok, whole, _) =
            wasmicro(&["generate", "--model", &dir, "--max-new-tokens", "12", "The weather today"], None);
        assert!(ok);
        let (ok, streamed, _) =
            wasmicro(&["generate", "--model", &dir, "--max-new-tokens", "12", "--stream", "The weather today"], None);
        assert!(ok);
        assert_eq!(whole, streamed, "{name}");
        let engine = wasmicro::Engine::new().unwrap();
        let options = wasmicro::GenerateOptions { max_new_tokens: Some(12), ..Default::default() };
        let expected =
            wasmicro::Model::from_dir(&engine, &dir).unwrap().generate("The weather today", &options).unwrap();
        assert_eq!(whole, format!("{expected}\n"), "{name}");
    }
}

#[test]
fn classify_rerank_and_zero_shot_print_json_best_first() {
    let (ok, out, _) = wasmicro(&["classify", "--json", "--model", &fixture("bert_cls"), "What a lovely day"], None);
    assert!(ok);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.windows(2).all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    let (ok, out, _) =
        wasmicro(&["rerank", "--json", "--model", &fixture("roberta_cross_encoder"), "--query", "q", "a", "b"], None);
    assert!(ok);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 2);
    let (ok, out, _) = wasmicro(
        &["zero-shot", "--json", "--model", &fixture("bert_nli"), "--labels", "sports,cooking", "We won the match"],
        None,
    );
    assert!(ok);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 2);
    let (ok, _, err) = wasmicro(&["classify", "--model", &fixture("bert"), "text"], None);
    assert!(!ok && err.starts_with("wasmicro: unsupported: "), "{err}");
}

#[test]
fn quantize_writes_a_directory_that_embeds_as_int8_does() {
    let dir = tiny_bert();
    let out = std::env::temp_dir().join(format!("wasmicro-cli-quantize-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let (ok, stdout, stderr) =
        wasmicro(&["quantize", "--model", dir.to_str().unwrap(), "--out", out.to_str().unwrap()], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("model.safetensors"), "{stdout}");
    // Every file but the weights is copied as it was.
    for name in ["config.json", "tokenizer.json"] {
        assert_eq!(std::fs::read(dir.join(name)).ok(), std::fs::read(out.join(name)).ok(), "{name}");
    }
    let embed = |args: &[&str]| -> Vec<Vec<f32>> {
        let (ok, stdout, stderr) = wasmicro(args, None);
        assert!(ok, "{stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    let from_file = embed(&["embed", "--json", "--model", out.to_str().unwrap(), "int8 weights"]);
    let at_load = embed(&["embed", "--json", "--int8", "--model", dir.to_str().unwrap(), "int8 weights"]);
    let f32s = embed(&["embed", "--json", "--model", dir.to_str().unwrap(), "int8 weights"]);
    assert_eq!(from_file, at_load);
    assert_ne!(from_file, f32s, "the int8 model is not the f32 one");
    let (ok, info, _) = wasmicro(&["info", "--model", out.to_str().unwrap()], None);
    assert!(ok && info.contains("\"int8\""), "{info}");
    let _ = std::fs::remove_dir_all(&out);
}
