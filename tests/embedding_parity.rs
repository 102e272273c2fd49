//! all-MiniLM-L6-v2 embeddings through the real component equal sentence-transformers'.

use wasmicro::{EmbedOptions, Model, Pooling};
use wasmicro_tests::{cosine, engine, floats, max_abs_diff, minilm_dir, read_json};

#[test]
fn minilm_embeddings_match_sentence_transformers() {
    let reference = read_json("reference/minilm_embeddings.json");
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 50, "only {} reference sentences", cases.len());
    assert!(cases.iter().any(|c| c["token_count"].as_u64().unwrap_or(0) > 256), "no case is over 256 tokens");
    let mut model = Model::from_dir(engine(), minilm_dir()).expect("MiniLM loads");
    let (mut worst_delta, mut worst_cosine) = (0.0f32, 1.0f64);
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let expected = floats(&case["embedding"]);
        let got = model.embed(text, &EmbedOptions::default()).expect("embeds");
        let (delta, cos) = (max_abs_diff(&got, &expected), cosine(&got, &expected));
        assert!(delta <= 1e-5 && cos >= 0.99999, "{text:?}: max |Δ| {delta:e}, cosine {cos}");
        worst_delta = worst_delta.max(delta);
        worst_cosine = worst_cosine.min(cos);
    }
    println!("{} sentences: worst max |Δ| {worst_delta:e}, worst cosine {worst_cosine:.9}", cases.len());
}

#[test]
fn a_batch_of_mixed_lengths_equals_its_texts_one_by_one() {
    let reference = read_json("reference/minilm_embeddings.json");
    let texts: Vec<&str> =
        reference["cases"].as_array().expect("cases").iter().map(|c| c["text"].as_str().expect("text")).collect();
    let mut model = Model::from_dir(engine(), minilm_dir()).expect("MiniLM loads");
    let batch = model.embed_batch(&texts, &EmbedOptions::default()).expect("embeds the batch");
    assert_eq!(batch.len(), texts.len());
    for (text, batched) in texts.iter().zip(&batch) {
        let single = model.embed(text, &EmbedOptions::default()).expect("embeds");
        let delta = max_abs_diff(&single, batched);
        assert!(delta <= 1e-6, "{text:?}: batch differs from single by {delta:e}");
    }
}

#[test]
fn options_override_the_checkpoint_defaults() {
    let mut model = Model::from_dir(engine(), minilm_dir()).expect("MiniLM loads");
    let info = model.info().expect("info");
    assert_eq!(
        (info.pooling, info.normalize, info.max_input_tokens, info.embedding_size),
        (Pooling::Mean, true, 256, 384)
    );
    let text = "Options change what comes out.";
    let default = model.embed(text, &EmbedOptions::default()).expect("embeds");
    let raw = model.embed(text, &EmbedOptions { normalize: Some(false), ..Default::default() }).expect("embeds");
    let norm = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() > 1e-3, "unnormalised vector has norm {norm}");
    assert!(max_abs_diff(&default, &raw.iter().map(|x| x / norm).collect::<Vec<_>>()) < 1e-6);
    let cls = model.embed(text, &EmbedOptions { pooling: Some(Pooling::Cls), ..Default::default() }).expect("embeds");
    let tokens = model.embed_tokens(text, &EmbedOptions::default()).expect("token vectors");
    let first_norm = tokens[0].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!(max_abs_diff(&cls, &tokens[0].iter().map(|x| x / first_norm).collect::<Vec<_>>()) < 1e-6);
    let long = "word ".repeat(400);
    let short = model.embed(&long, &EmbedOptions { max_tokens: Some(16), ..Default::default() }).expect("embeds");
    assert_eq!(
        model.embed_tokens(&long, &EmbedOptions { max_tokens: Some(16), ..Default::default() }).expect("tokens").len(),
        16
    );
    assert_ne!(short, model.embed(&long, &EmbedOptions::default()).expect("embeds"));
    let refused = model.embed(&long, &EmbedOptions { truncate: Some(false), ..Default::default() });
    assert!(matches!(refused, Err(wasmicro::Error::Model { kind: "invalid-input", .. })), "{refused:?}");
}
