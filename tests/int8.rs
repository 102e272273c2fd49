//! int8 weights (`load-with-options` with `weights.int8`, and int8 checkpoints written by
//! `int8-checkpoint`): close to f32 within stated tolerances, and a written checkpoint loads
//! back to exactly the model that wrote it.

use wasmicro::{EmbedOptions, Error, LoadOptions, Model, Weights};
use wasmicro_tests::{cosine, engine, fixture, floats, max_abs_diff, minilm_dir, read_json};

const INT8: LoadOptions = LoadOptions { weights: Weights::Int8 };

fn load(dir: &std::path::Path, options: &LoadOptions) -> Model {
    let files = wasmicro::read_model_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    Model::from_files_with_options(engine(), files, &Default::default(), options)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// The model's files with `model.safetensors` replaced by its int8 checkpoint.
fn written_int8_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let weights = load(dir, &INT8).int8_checkpoint().expect("an int8 model writes its checkpoint");
    let mut files = wasmicro::read_model_dir(dir).expect("reads");
    for (name, bytes) in &mut files {
        if name == "model.safetensors" {
            *bytes = weights.clone();
        }
    }
    files
}

#[test]
fn int8_minilm_embeddings_keep_cosine_0_999_to_sentence_transformers_and_to_f32() {
    let mut int8 = load(&minilm_dir(), &INT8);
    assert_eq!(int8.info().expect("info").dtype, "int8");
    let reference = read_json("reference/minilm_embeddings.json");
    let mut vs_hf = Vec::new();
    for case in reference["cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let got = int8.embed(text, &EmbedOptions::default()).expect("embeds");
        let cos = cosine(&got, &floats(&case["embedding"]));
        // int8 weights cost the most on inputs of one or two real tokens ("", "...", "😀"),
        // whose mean pools almost nothing but [CLS] and [SEP]: measured ≥ 0.99911 there
        // (0.9964 with one scale per row and no column scales).
        assert!(cos >= 0.999, "{text:?}: cosine {cos} to sentence-transformers");
        vs_hf.push(cos);
    }
    // A held-out set: the quantization is data-free (no calibration), and none of these lines
    // was looked at when choosing it. Every 9th corpus line, 200 lines across all scripts.
    let corpus = read_json("corpus/tokenizer_corpus.json");
    let held_out: Vec<&str> = corpus
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|line| line.as_str())
        .filter(|l| !l.trim().is_empty())
        .step_by(9)
        .take(200)
        .collect();
    assert_eq!(held_out.len(), 200);
    let mut f32_model = load(&minilm_dir(), &LoadOptions { weights: Weights::AsStored });
    let a = f32_model.embed_batch(&held_out, &EmbedOptions::default()).expect("f32 embeds");
    let b = int8.embed_batch(&held_out, &EmbedOptions::default()).expect("int8 embeds");
    let mut held: Vec<f64> = a.iter().zip(&b).map(|(x, y)| cosine(x, y)).collect();
    let summary = |cosines: &mut Vec<f64>| {
        cosines.sort_by(f64::total_cmp);
        let at_least = cosines.iter().filter(|&&c| c >= 0.999).count();
        (cosines[0], cosines[cosines.len() / 2], at_least, cosines.len())
    };
    let (worst, median, good, n) = summary(&mut held);
    // Every line, as issue 8 asks: measured worst 0.999297 (0.99633, 159 of 200 lines, with one
    // scale per row and no column scales).
    assert!(worst >= 0.999, "held-out int8 vs f32: worst cosine {worst}, median {median}, {good} of {n} ≥ 0.999");
    let (hf_worst, hf_median, hf_good, hf_n) = summary(&mut vs_hf);
    println!(
        "MiniLM int8 vs sentence-transformers: worst cosine {hf_worst:.6}, median {hf_median:.6}, {hf_good}/{hf_n} ≥ 0.999; \
         held-out corpus lines vs f32: worst {worst:.6}, median {median:.6}, {good}/{n} ≥ 0.999"
    );
}

#[test]
fn an_int8_checkpoint_loads_back_to_the_same_model_bit_for_bit() {
    // bert: Linear layout; gpt2: Conv1D, transposed at quantization; t5: tied head `shared`.
    for name in ["bert", "gpt2", "gpt_neox", "t5"] {
        let dir = fixture(&format!("tiny/{name}"));
        let mut quantized_at_load = load(&dir, &INT8);
        let mut from_file = Model::from_files(engine(), written_int8_files(&dir), &Default::default())
            .unwrap_or_else(|e| panic!("{name}: the written int8 checkpoint loads: {e}"));
        assert_eq!(from_file.info().expect("info").dtype, "int8", "{name}");
        let text = "The int8 checkpoint is the same model.";
        if name == "bert" {
            let options = EmbedOptions::default();
            assert_eq!(quantized_at_load.embed(text, &options).ok(), from_file.embed(text, &options).ok(), "{name}");
        } else {
            let (a, b) = (quantized_at_load.next_token_logits(text), from_file.next_token_logits(text));
            assert_eq!(a.expect("logits"), b.expect("logits"), "{name}");
        }
        // Writing it again gives the same bytes: nothing is quantized twice.
        let again = from_file.int8_checkpoint().expect("writes again");
        let first = written_int8_files(&dir).into_iter().find(|(n, _)| n == "model.safetensors").expect("weights").1;
        assert!(again == first, "{name}: rewriting an int8 checkpoint changed it");
    }
}

#[test]
fn int8_decoder_logits_stay_close_to_transformers() {
    // Not the tiny T5s: their random weights amplify any perturbation of the encoder output
    // many times over (generation_parity's note), so int8 moves their logits by up to a fifth
    // of the range on one input; they are covered by the round-trip test above.
    for name in ["gpt2", "gpt_neo", "gpt_neox"] {
        let dir = fixture(&format!("tiny/{name}"));
        let mut model = load(&dir, &INT8);
        let reference = read_json(&format!("tiny/{name}/reference.json"));
        let mut worst = 0.0f32;
        for case in reference["cases"].as_array().expect("cases") {
            let prompt = case["prompt"].as_str().or(case["text"].as_str()).expect("prompt");
            let key = if case.get("first_step_logits").is_some() { "first_step_logits" } else { "last_logits" };
            let expected = floats(&case[key]);
            let got = model.next_token_logits(prompt).expect("logits");
            // Relative to the spread of the logits: int8 moves each by a small fraction of it.
            let spread = expected.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let relative = max_abs_diff(&got, &expected) / spread;
            assert!(relative <= 0.05, "{name}: int8 logits after {prompt:?} differ by {relative} of their range");
            worst = worst.max(relative);
        }
        println!("{name} int8: worst logit |Δ| {:.4} of the logits' range", worst);
    }
}

#[test]
fn asking_an_f32_model_for_an_int8_checkpoint_is_a_typed_error_and_the_model_stays_usable() {
    let mut model = load(&fixture("tiny/bert"), &LoadOptions { weights: Weights::AsStored });
    match model.int8_checkpoint() {
        Err(Error::Model { kind, .. }) => assert_eq!(kind, "unsupported"),
        other => panic!("expected an unsupported error, got {:?}", other.map(|b| b.len())),
    }
    assert!(model.embed("still works", &EmbedOptions::default()).is_ok());
}
