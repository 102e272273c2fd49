//! Bad bytes, bad configs and bad calls give typed errors, and the very instance that saw
//! them keeps working: its models still give the same results.

use wasmicro::{EmbedOptions, Error, Instance, ModelHandle};
use wasmicro_tests::{engine, fixture};

type Files = Vec<(String, Vec<u8>)>;

fn tiny_bert() -> Files {
    wasmicro::read_model_dir(&fixture("tiny/bert")).expect("fixture readable")
}

fn replace_file(mut files: Files, name: &str, bytes: Vec<u8>) -> Files {
    files.retain(|(n, _)| n != name);
    files.push((name.to_owned(), bytes));
    files
}

fn without(mut files: Files, name: &str) -> Files {
    files.retain(|(n, _)| n != name);
    files
}

fn file(files: &Files, name: &str) -> Vec<u8> {
    files.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()).expect("file present")
}

/// Rewrites a safetensors header through `edit`, keeping the data section as it is.
fn edit_header(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).expect("header JSON");
    edit(&mut header);
    let mut text = serde_json::to_string(&header).expect("serialises");
    while !text.len().is_multiple_of(8) {
        text.push(' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&bytes[8 + len..]);
    out
}

fn edit_config(files: &Files, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> Files {
    let mut config: serde_json::Value = serde_json::from_slice(&file(files, "config.json")).expect("config JSON");
    edit(config.as_object_mut().expect("object"));
    replace_file(files.clone(), "config.json", serde_json::to_vec(&config).expect("serialises"))
}

fn expect_kind<T: std::fmt::Debug>(result: Result<T, Error>, kind: &str, mentions: &str) {
    match result {
        Err(Error::Model { kind: k, message }) => {
            assert_eq!(k, kind, "wrong kind for {message}");
            assert!(message.contains(mentions), "'{message}' should mention '{mentions}'");
        }
        other => panic!("expected a {kind} error, got {other:?}"),
    }
}

fn still_works(instance: &mut Instance, model: &ModelHandle, expected: &[f32]) {
    let again =
        instance.embed(model, "the same text as before", &EmbedOptions::default()).expect("the instance still works");
    assert_eq!(again, expected);
}

#[test]
fn bad_model_files_are_typed_errors_and_the_instance_survives() {
    let good = tiny_bert();
    let weights = file(&good, "model.safetensors");
    let mut instance = Instance::new(engine(), &Default::default()).expect("instantiates");
    let model = instance.load(good.clone()).expect("tiny bert loads");
    let expected = instance.embed(&model, "the same text as before", &EmbedOptions::default()).expect("embeds");

    let cases: Vec<(&str, Files, &str, &str)> = vec![
        (
            "truncated weights",
            replace_file(good.clone(), "model.safetensors", weights[..weights.len() / 2].to_vec()),
            "invalid-model",
            "past the",
        ),
        (
            "8 bytes of weights",
            replace_file(good.clone(), "model.safetensors", weights[..8].to_vec()),
            "invalid-model",
            "header length",
        ),
        (
            "a header that lies about offsets",
            replace_file(
                good.clone(),
                "model.safetensors",
                edit_header(&weights, |h| {
                    let (_, tensor) =
                        h.as_object_mut().unwrap().iter_mut().find(|(k, _)| *k != "__metadata__").unwrap();
                    tensor["data_offsets"][1] = serde_json::json!(tensor["data_offsets"][1].as_u64().unwrap() + 4);
                }),
            ),
            "invalid-model",
            "offsets",
        ),
        (
            "a header with an unknown dtype",
            replace_file(
                good.clone(),
                "model.safetensors",
                edit_header(&weights, |h| h["embeddings.word_embeddings.weight"]["dtype"] = "Q4".into()),
            ),
            "invalid-model",
            "unknown dtype",
        ),
        (
            "a config missing hidden_size",
            edit_config(&good, |c| drop(c.remove("hidden_size"))),
            "invalid-config",
            "hidden_size",
        ),
        (
            "a config with a wrong hidden_size",
            edit_config(&good, |c| drop(c.insert("hidden_size".into(), 64.into()))),
            "invalid-model",
            "shape",
        ),
        (
            "a config with a string for a size",
            edit_config(&good, |c| drop(c.insert("num_hidden_layers".into(), "two".into()))),
            "invalid-config",
            "num_hidden_layers",
        ),
        (
            "an unknown model_type",
            edit_config(&good, |c| drop(c.insert("model_type".into(), "llama-9000".into()))),
            "unsupported-architecture",
            "llama-9000",
        ),
        (
            "a config that is not JSON",
            replace_file(good.clone(), "config.json", b"{\"model_type\": ".to_vec()),
            "invalid-config",
            "config.json",
        ),
        ("no config", without(good.clone(), "config.json"), "missing-file", "config.json"),
        ("no weights", without(good.clone(), "model.safetensors"), "missing-file", "model.safetensors"),
        (
            "a tokenizer.json that is not JSON",
            replace_file(good.clone(), "tokenizer.json", b"[1, 2".to_vec()),
            "invalid-tokenizer",
            "tokenizer.json",
        ),
        (
            "a vocab that is not UTF-8",
            replace_file(without(good.clone(), "tokenizer.json"), "vocab.txt", b"[PAD]\n\xff\xfe\n".to_vec()),
            "invalid-tokenizer",
            "UTF-8",
        ),
        (
            "no tokenizer at all",
            without(without(good.clone(), "tokenizer.json"), "vocab.txt"),
            "missing-file",
            "tokenizer",
        ),
        (
            "an unimplemented activation",
            edit_config(&good, |c| drop(c.insert("hidden_act".into(), "mish".into()))),
            "unsupported-architecture",
            "mish",
        ),
    ];
    for (what, files, kind, mentions) in cases {
        println!("{what}");
        expect_kind(instance.load(files), kind, mentions);
        still_works(&mut instance, &model, &expected);
    }
    // And a new model still loads into the same instance.
    let second = instance.load(tiny_bert()).expect("loads again after all those errors");
    assert_eq!(instance.embed(&second, "the same text as before", &EmbedOptions::default()).expect("embeds"), expected);
}

#[test]
fn bad_calls_are_typed_errors_and_the_model_survives() {
    let mut instance = Instance::new(engine(), &Default::default()).expect("instantiates");
    let model = instance.load(tiny_bert()).expect("tiny bert loads");
    let expected = instance.embed(&model, "the same text as before", &EmbedOptions::default()).expect("embeds");
    expect_kind(instance.generate(&model, "Once upon a time", &Default::default()), "unsupported", "encoder");
    expect_kind(instance.decode(&model, &[u32::MAX], false), "invalid-input", "vocabulary");
    expect_kind(
        instance.embed(&model, "text", &EmbedOptions { max_tokens: Some(1), ..Default::default() }),
        "invalid-input",
        "special tokens",
    );
    expect_kind(
        instance.embed(&model, "text", &EmbedOptions { max_tokens: Some(1_000_000), ..Default::default() }),
        "invalid-input",
        "positions",
    );
    expect_kind(
        instance.embed(&model, &"long ".repeat(1000), &EmbedOptions { truncate: Some(false), ..Default::default() }),
        "invalid-input",
        "tokens",
    );
    still_works(&mut instance, &model, &expected);
    // Texts that stress the tokenizer are not errors.
    for text in ["", " ", "\u{0}\u{fffd}", "🙂🙂🙂", &"x".repeat(10_000)] {
        instance.embed(&model, text, &EmbedOptions::default()).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
    still_works(&mut instance, &model, &expected);
}
