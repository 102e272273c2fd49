//! Tiny random-weight checkpoints of every BERT-family architecture match the last hidden
//! state `transformers` computed for them (fixtures/make_references.py).

use wasmicro::{EmbedOptions, Model};
use wasmicro_tests::{engine, fixture, floats, ids, max_abs_diff, read_json};

fn check(name: &str) {
    let mut model =
        Model::from_dir(engine(), fixture(&format!("tiny/{name}"))).unwrap_or_else(|e| panic!("{name} loads: {e}"));
    let reference = read_json(&format!("tiny/{name}/reference.json"));
    let cases = reference["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut worst = 0.0f32;
    for case in cases {
        let text = case["text"].as_str().expect("text");
        assert_eq!(model.tokenize(text, true).expect("tokenizes"), ids(&case["input_ids"]), "{name}: ids of {text:?}");
        let hidden = model.embed_tokens(text, &EmbedOptions::default()).expect("runs");
        let expected = case["last_hidden_state"].as_array().expect("rows");
        assert_eq!(hidden.len(), expected.len(), "{name}: token count of {text:?}");
        for (got, want) in hidden.iter().zip(expected) {
            let delta = max_abs_diff(got, &floats(want));
            assert!(delta <= 1e-5, "{name}: {text:?} differs by {delta:e}");
            worst = worst.max(delta);
        }
    }
    println!("{name}: {} texts, worst max |Δ| {worst:e}", cases.len());
}

#[test]
fn bert_matches_transformers() {
    check("bert");
}

#[test]
fn cased_bert_matches_transformers() {
    check("bert_cased");
}

#[test]
fn bert_in_float16_matches_transformers_widened() {
    check("bert_f16");
}

#[test]
fn bert_in_bfloat16_matches_transformers_widened() {
    check("bert_bf16");
}

#[test]
fn roberta_with_prefixed_tensor_names_matches_transformers() {
    check("roberta");
}

#[test]
fn distilbert_matches_transformers() {
    check("distilbert");
}

#[test]
fn electra_with_projected_embeddings_matches_transformers() {
    check("electra");
}
