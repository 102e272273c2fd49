//! Classification heads, cross-encoder reranking and zero-shot classification through the
//! real component equal `transformers` (logits, pipeline scores, truncation of long pairs)
//! on tiny random checkpoints (fixtures/make_references_classification.py).

use wasmicro::{ClassifyOptions, Model, ZeroShotOptions};
use wasmicro_tests::{engine, fixture, floats, max_abs_diff, read_json};

fn check(name: &str) {
    let mut model =
        Model::from_dir(engine(), fixture(&format!("tiny/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reference = read_json(&format!("tiny/{name}/reference.json"));
    let labels = model.info().expect("info").labels;
    let mut worst = 0.0f32;
    for case in reference["cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let pair = case["text_pair"].as_str();
        let max_tokens = case["max_length"].as_u64().map(|m| m as u32);
        let raw = ClassifyOptions { raw_scores: true, max_tokens, ..Default::default() };
        let scored = model.classify(text, pair, &raw).expect("classifies");
        let mut logits = vec![f32::NAN; labels.len()];
        for s in &scored {
            logits[s.index as usize] = s.score;
            assert_eq!(s.label, labels[s.index as usize]);
        }
        let delta = max_abs_diff(&logits, &floats(&case["logits"]));
        assert!(delta <= 1e-5, "{name}: logits of {text:?} / {pair:?} differ by {delta:e}");
        worst = worst.max(delta);
        if let Some(expected) = case["pipeline"].as_array() {
            let got =
                model.classify(text, pair, &ClassifyOptions { max_tokens, ..Default::default() }).expect("classifies");
            assert_eq!(got.len(), expected.len());
            for (g, e) in got.iter().zip(expected) {
                assert_eq!(g.label, e["label"].as_str().expect("label"), "{name}: order of labels for {text:?}");
                assert!(
                    (g.score as f64 - e["score"].as_f64().expect("score")).abs() <= 1e-5,
                    "{name}: score of {}",
                    g.label
                );
            }
        }
    }
    println!("{name}: worst logit |Δ| {worst:e}");
}

#[test]
fn bert_sequence_classifier_matches_transformers() {
    check("bert_cls");
}

#[test]
fn electra_multi_label_classifier_matches_transformers() {
    check("electra_multilabel");
}

#[test]
fn distilbert_classifier_matches_transformers() {
    check("distilbert_cls");
}

#[test]
fn roberta_cross_encoder_matches_transformers() {
    check("roberta_cross_encoder");
}

#[test]
fn bert_nli_classifier_matches_transformers() {
    check("bert_nli");
}

#[test]
fn zero_shot_equals_the_transformers_pipeline() {
    let mut model = Model::from_dir(engine(), fixture("tiny/bert_nli")).expect("loads");
    let reference = read_json("tiny/bert_nli/reference.json");
    for case in reference["zero_shot"].as_array().expect("zero-shot cases") {
        let labels: Vec<String> =
            case["labels"].as_array().expect("labels").iter().map(|l| l.as_str().expect("label").to_owned()).collect();
        let options = ZeroShotOptions {
            hypothesis_template: case["hypothesis_template"].as_str().map(str::to_owned),
            multi_label: case["multi_label"].as_bool().expect("multi_label"),
        };
        let got = model.zero_shot(case["text"].as_str().expect("text"), &labels, &options).expect("zero-shot");
        let expected_labels: Vec<&str> =
            case["result"]["labels"].as_array().expect("labels").iter().map(|l| l.as_str().expect("label")).collect();
        let expected_scores = floats(&case["result"]["scores"]);
        assert_eq!(got.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), expected_labels, "{case}");
        let scores: Vec<f32> = got.iter().map(|s| s.score).collect();
        assert!(max_abs_diff(&scores, &expected_scores) <= 1e-5, "{case}");
    }
}

#[test]
fn rerank_orders_documents_by_cross_encoder_score() {
    let mut model = Model::from_dir(engine(), fixture("tiny/roberta_cross_encoder")).expect("loads");
    let query = "how do plants grow";
    let documents = ["Plants grow with light and water.", "The stock market fell.", "Seeds need warm soil.", ""];
    let ranked = model.rerank(query, &documents).expect("reranks");
    assert_eq!(ranked.len(), documents.len());
    for r in &ranked {
        let single =
            model.classify(query, Some(documents[r.index as usize]), &ClassifyOptions::default()).expect("scores");
        assert!((single[0].score - r.score).abs() <= 1e-6, "rerank score equals classify's");
    }
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score), "best first");
}

#[test]
fn bad_classification_calls_are_typed_errors() {
    let mut nli = Model::from_dir(engine(), fixture("tiny/bert_nli")).expect("loads");
    let no_labels: [&str; 0] = [];
    let error = |r: Result<Vec<wasmicro::LabelScore>, wasmicro::Error>| match r {
        Err(wasmicro::Error::Model { kind, .. }) => kind,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(error(nli.zero_shot("text", &no_labels, &ZeroShotOptions::default())), "invalid-input");
    let no_slot = ZeroShotOptions { hypothesis_template: Some("No slot here.".into()), multi_label: false };
    assert_eq!(error(nli.zero_shot("text", &["a"], &no_slot)), "invalid-input");
    assert!(nli.zero_shot("text", &["a", "b"], &ZeroShotOptions::default()).is_ok(), "still works");
    let mut embedder = Model::from_dir(engine(), fixture("tiny/bert")).expect("loads");
    assert_eq!(error(embedder.classify("text", None, &ClassifyOptions::default())), "unsupported");
    assert!(matches!(embedder.rerank("q", &["d"]), Err(wasmicro::Error::Model { kind: "unsupported", .. })));
    assert!(
        matches!(nli.rerank("q", &["d"]), Err(wasmicro::Error::Model { kind: "unsupported", .. })),
        "three labels cannot rerank"
    );
    assert_eq!(embedder.embed("still works", &Default::default()).expect("embeds").len(), 32);
    let top = nli
        .classify("text", Some("pair"), &ClassifyOptions { top_k: Some(1), ..Default::default() })
        .expect("classifies");
    assert_eq!(top.len(), 1);
}
