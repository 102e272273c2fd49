//! Generating families (GPT-2, GPT-Neo, GPT-NeoX, T5, mT5) through the real component:
//! logits and greedy continuations equal `transformers`' on tiny random checkpoints
//! (fixtures/make_references_generation.py), sampling is seeded, streams equal `generate`.

use wasmicro::{EmbedOptions, GenerateOptions, Model};
use wasmicro_tests::{engine, fixture, floats, ids, max_abs_diff, read_json};

/// Below this top-1/top-2 logit gap, f32 round-off may legitimately pick the other token.
const NEAR_TIE: f64 = 2e-3;

/// Logits within 1e-4 of transformers', except T5 v1.1's first decoder step on one input,
/// measured against a float64 run of the same checkpoint (2026-11-23): our encoder output is
/// 7e-6 from f64 (transformers' f32: 5.7e-6) and our decoder, fed that output, is 1.9e-5 from
/// f64 — but this random model amplifies an encoder difference ×16 on "Hello world!", so two
/// faithful f32 runs land 1.5e-4 apart. Greedy ids stay identical. mT5 is the same v1.1
/// architecture (gated GELU, unscaled attention): when attention's products moved to the
/// `[k][n]` kernel (another f32 summation order), its worst case went from below 1e-4 to
/// 1.07e-4 on the mixed-script input, so it shares v1.1's tolerance.
fn logit_tolerance(name: &str) -> f32 {
    if matches!(name, "t5_v1_1" | "mt5") { 2e-4 } else { 1e-4 }
}

fn greedy(max_new_tokens: u32) -> GenerateOptions {
    GenerateOptions { max_new_tokens: Some(max_new_tokens), ..Default::default() }
}

fn check(name: &str) {
    let mut model =
        Model::from_dir(engine(), fixture(&format!("tiny/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reference = read_json(&format!("tiny/{name}/reference.json"));
    let (mut compared, mut near_ties, mut worst_logit) = (0, 0, 0.0f32);
    for case in reference["cases"].as_array().expect("cases") {
        let prompt = case["prompt"].as_str().or(case["text"].as_str()).expect("prompt");
        assert_eq!(
            model.tokenize(prompt, true).expect("tokenizes"),
            ids(&case["input_ids"]),
            "{name}: ids of {prompt:?}"
        );
        if let Some(expected) = case.get("encoder_last_hidden_state") {
            let hidden = model.embed_tokens(prompt, &EmbedOptions::default()).expect("encodes");
            for (got, want) in hidden.iter().zip(expected.as_array().expect("rows")) {
                let delta = max_abs_diff(got, &floats(want));
                assert!(delta <= 1e-4, "{name}: encoder output of {prompt:?} differs by {delta:e}");
            }
        }
        let logits_key = if case.get("first_step_logits").is_some() { "first_step_logits" } else { "last_logits" };
        let logits = model.next_token_logits(prompt).expect("logits");
        let delta = max_abs_diff(&logits, &floats(&case[logits_key]));
        assert!(delta <= logit_tolerance(name), "{name}: logits after {prompt:?} differ by {delta:e}");
        worst_logit = worst_logit.max(delta);

        let mut streamed = String::new();
        let got = model.generate_streaming(prompt, &greedy(32), |chunk| streamed.push_str(chunk)).expect("generates");
        let expected = ids(&case["greedy_ids"]);
        let gaps: Vec<f64> =
            case["top2_gaps"].as_array().expect("gaps").iter().map(|g| g.as_f64().expect("gap")).collect();
        // Every token up to and including the first near-tie must agree; after it, the two
        // runs may follow different, equally valid, paths.
        let trusted = gaps.iter().position(|&g| g < NEAR_TIE).map_or(expected.len(), |i| i + 1);
        if trusted < expected.len() {
            near_ties += 1;
        }
        let trusted = trusted.min(expected.len());
        assert_eq!(got[..trusted.min(got.len())], expected[..trusted], "{name}: greedy ids after {prompt:?}");
        if trusted == expected.len() {
            assert_eq!(got, expected, "{name}: greedy ids after {prompt:?}");
            assert_eq!(streamed, case["greedy_text"].as_str().expect("text"), "{name}: greedy text after {prompt:?}");
        }
        compared += trusted;
        assert_eq!(model.generate(prompt, &greedy(32)).expect("generates"), streamed, "{name}: stream ≠ generate");
    }
    println!(
        "{name}: {compared} greedy tokens identical, {near_ties} continuations cut at a near-tie, worst logit |Δ| {worst_logit:e}"
    );
}

#[test]
fn gpt2_matches_transformers() {
    check("gpt2");
}

#[test]
fn gpt_neo_with_local_attention_matches_transformers() {
    check("gpt_neo");
}

#[test]
fn gpt_neox_with_partial_rotary_and_parallel_residual_matches_transformers() {
    check("gpt_neox");
}

#[test]
fn gpt_neox_with_sequential_residual_matches_transformers() {
    check("gpt_neox_sequential");
}

#[test]
fn t5_matches_transformers() {
    check("t5");
}

#[test]
fn t5_v1_1_with_gated_gelu_and_more_decoder_layers_matches_transformers() {
    check("t5_v1_1");
}

#[test]
fn mt5_matches_transformers() {
    check("mt5");
}

#[test]
fn sampling_is_seeded_and_top_k_one_is_greedy() {
    for name in ["gpt2", "t5"] {
        let mut model = Model::from_dir(engine(), fixture(&format!("tiny/{name}"))).expect("loads");
        let prompt = "The weather today";
        let sample = |model: &mut Model, seed, top_k| {
            let options = GenerateOptions {
                max_new_tokens: Some(24),
                temperature: Some(1.5),
                top_k,
                seed: Some(seed),
                ..Default::default()
            };
            model.generate(prompt, &options).expect("samples")
        };
        assert_eq!(sample(&mut model, 1, None), sample(&mut model, 1, None), "{name}: same seed, same text");
        let texts: std::collections::BTreeSet<String> = (1..6).map(|seed| sample(&mut model, seed, None)).collect();
        assert!(texts.len() > 1, "{name}: five seeds gave one text");
        assert_eq!(
            sample(&mut model, 9, Some(1)),
            model.generate(prompt, &greedy(24)).expect("greedy"),
            "{name}: top-k 1"
        );
        let nucleus = GenerateOptions {
            max_new_tokens: Some(24),
            temperature: Some(0.8),
            top_p: Some(0.9),
            repetition_penalty: Some(1.3),
            seed: Some(4),
            ..Default::default()
        };
        assert_eq!(
            model.generate(prompt, &nucleus).expect("samples"),
            model.generate(prompt, &nucleus).expect("samples")
        );
    }
}

#[test]
fn a_stop_string_ends_the_text_before_it() {
    let mut model = Model::from_dir(engine(), fixture("tiny/gpt2")).expect("loads");
    let prompt = "Once upon a time";
    let full = model.generate(prompt, &greedy(32)).expect("generates");
    // Stop at the second half's first character sequence of length 2.
    let cut = full.char_indices().nth(full.chars().count() / 2).map(|(i, _)| i).expect("long enough");
    let stop: String = full[cut..].chars().take(2).collect();
    let first = full.find(&stop).expect("present");
    let options = GenerateOptions { max_new_tokens: Some(32), stop: vec![stop.clone()], ..Default::default() };
    let mut streamed = String::new();
    model.generate_streaming(prompt, &options, |c| streamed.push_str(c)).expect("streams");
    assert_eq!(streamed, full[..first], "stopped before {stop:?}");
    assert_eq!(model.generate(prompt, &options).expect("generates"), streamed);
}

#[test]
fn streaming_never_splits_a_character() {
    // Byte-level BPE pieces can end inside a UTF-8 sequence: every chunk must still be
    // whole text, and the chunks must add up to generate's result.
    let mut model = Model::from_dir(engine(), fixture("tiny/gpt2")).expect("loads");
    for prompt in ["🙂🙂 日本語のテキスト", "Ünïcödé ✓", "中文"] {
        for seed in 0..4 {
            let options = GenerateOptions {
                max_new_tokens: Some(32),
                temperature: Some(2.0),
                seed: Some(seed),
                ..Default::default()
            };
            let mut chunks = Vec::new();
            model.generate_streaming(prompt, &options, |c| chunks.push(c.to_owned())).expect("streams");
            assert_eq!(chunks.concat(), model.generate(prompt, &options).expect("generates"));
            assert!(chunks.iter().all(|c| !c.is_empty()), "no empty chunks");
        }
    }
}

#[test]
fn encoders_refuse_to_generate_and_generators_refuse_to_embed() {
    let mut bert = Model::from_dir(engine(), fixture("tiny/bert")).expect("loads");
    assert!(matches!(bert.generate("x", &greedy(4)), Err(wasmicro::Error::Model { kind: "unsupported", .. })));
    assert!(matches!(bert.next_token_logits("x"), Err(wasmicro::Error::Model { kind: "unsupported", .. })));
    let mut gpt = Model::from_dir(engine(), fixture("tiny/gpt2")).expect("loads");
    assert!(matches!(
        gpt.embed("x", &EmbedOptions::default()),
        Err(wasmicro::Error::Model { kind: "unsupported", .. })
    ));
    let bad = GenerateOptions { temperature: Some(-1.0), ..Default::default() };
    assert!(matches!(gpt.generate("x", &bad), Err(wasmicro::Error::Model { kind: "invalid-input", .. })));
    gpt.generate("x", &greedy(4)).expect("the model still works after an error");
}
