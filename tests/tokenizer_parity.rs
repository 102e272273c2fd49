//! Token ids through the real component equal Hugging Face `tokenizers`' on a diverse corpus.

use wasmicro::Model;
use wasmicro_tests::{engine, ids, minilm_dir, read_json};

fn assert_corpus_parity(model: &mut Model, reference: &serde_json::Value) {
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 1000, "the corpus has {} lines, fewer than 1,000", cases.len());
    let mut mismatches = Vec::new();
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let expected = ids(&case["ids"]);
        let got = model.tokenize(text, true).unwrap_or_else(|e| panic!("tokenize {text:?}: {e}"));
        if got != expected {
            mismatches.push(format!("{text:?}\n  expected {expected:?}\n  got      {got:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} lines differ from HF tokenizers; first ones:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn minilm_wordpiece_ids_equal_hf_tokenizers_on_the_corpus() {
    let reference = read_json("reference/minilm_tokenize.json");
    let mut model = Model::from_dir(engine(), minilm_dir()).expect("MiniLM loads");
    assert_corpus_parity(&mut model, &reference);
}

#[test]
fn vocab_txt_alone_tokenizes_like_tokenizer_json() {
    // A directory without tokenizer.json: the tokenizer is built from vocab.txt and
    // tokenizer_config.json, as transformers' BertTokenizerFast does.
    let reference = read_json("reference/minilm_tokenize.json");
    let files: Vec<_> = wasmicro::read_model_dir(&minilm_dir())
        .expect("readable")
        .into_iter()
        .filter(|(name, _)| name != "tokenizer.json")
        .collect();
    let mut model = Model::from_files(engine(), files, &Default::default()).expect("MiniLM loads from vocab.txt");
    assert_corpus_parity(&mut model, &reference);
}

#[test]
fn decode_inverts_tokenize_for_plain_text() {
    let mut model = Model::from_dir(engine(), minilm_dir()).expect("MiniLM loads");
    let ids = model.tokenize("Hello, wonderful world!", true).expect("tokenizes");
    assert_eq!(model.decode(&ids, true).expect("decodes"), "hello, wonderful world!");
    assert_eq!(model.decode(&ids, false).expect("decodes"), "[CLS] hello, wonderful world! [SEP]");
    let unknown = model.decode(&[1_000_000], true);
    assert!(matches!(unknown, Err(wasmicro::Error::Model { kind: "invalid-input", .. })), "{unknown:?}");
}

/// The tiny checkpoints' own tokenizers (cased WordPiece, byte-level BPE with RoBERTa's
/// template and `<mask>` lstrip) on the same corpus.
#[test]
fn tiny_tokenizers_equal_hf_tokenizers_on_the_corpus() {
    let reference = read_json("reference/tiny_tokenize.json");
    let corpus = read_json("corpus/tokenizer_corpus.json");
    let texts = corpus.as_array().expect("corpus lines");
    for name in ["bert", "bert_cased", "roberta"] {
        let expected = reference[name].as_array().expect("ids per line");
        assert_eq!(expected.len(), texts.len());
        let cases: Vec<serde_json::Value> =
            texts.iter().zip(expected).map(|(text, ids)| serde_json::json!({"text": text, "ids": ids})).collect();
        let mut model = Model::from_dir(engine(), wasmicro_tests::fixture(&format!("tiny/{name}"))).expect("loads");
        println!("{name}:");
        assert_corpus_parity(&mut model, &serde_json::json!({ "cases": cases }));
    }
}
