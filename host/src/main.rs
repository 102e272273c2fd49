//! `wasmicro`: the command line over the component.

use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use wasmicro::{EmbedOptions, Engine, Model};

mod serve;
mod synthetic;

#[derive(Parser)]
#[command(name = "wasmicro", version, about = "Tiny transformer inference in a WebAssembly component")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ModelArg {
    /// Model directory (Hugging Face layout) or hub id `org/name[@revision]` (downloaded into the
    /// huggingface_hub cache; HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_OFFLINE apply). An existing
    /// directory wins. Default: $WASMICRO_MODEL, else the all-MiniLM-L6-v2 directory that
    /// `fixtures/fetch_minilm.sh` fills.
    #[arg(long, short)]
    model: Option<String>,
    /// Quantize the weights to int8 at load (about twice as fast; close to, not equal to, f32).
    #[arg(long)]
    int8: bool,
}

impl ModelArg {
    fn load_options(&self) -> wasmicro::LoadOptions {
        wasmicro::LoadOptions::int8_if(self.int8)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Embed texts (stdin lines when none are given); prints one vector per line.
    Embed {
        #[command(flatten)]
        model: ModelArg,
        /// Print one JSON array of vectors.
        #[arg(long)]
        json: bool,
        /// Truncate inputs to this many tokens instead of the model's default.
        #[arg(long)]
        max_tokens: Option<u32>,
        texts: Vec<String>,
    },
    /// Print token ids as a JSON array, as `tokenizer(text)["input_ids"]` does.
    Tokenize {
        #[command(flatten)]
        model: ModelArg,
        /// Leave out the special tokens.
        #[arg(long)]
        no_special_tokens: bool,
        text: String,
    },
    /// Generate text after a prompt (GPT-2 and T5 families); prints the generated text only.
    Generate {
        #[command(flatten)]
        model: ModelArg,
        #[arg(long)]
        max_new_tokens: Option<u32>,
        /// Sample with this temperature (greedy when absent or 0).
        #[arg(long)]
        temperature: Option<f32>,
        #[arg(long)]
        top_k: Option<u32>,
        #[arg(long)]
        top_p: Option<f32>,
        #[arg(long)]
        repetition_penalty: Option<f32>,
        #[arg(long)]
        seed: Option<u64>,
        /// End before this string (repeatable).
        #[arg(long)]
        stop: Vec<String>,
        /// Print text as it is generated.
        #[arg(long)]
        stream: bool,
        prompt: String,
    },
    /// Classify a text (or a pair) with a sequence-classification checkpoint.
    Classify {
        #[command(flatten)]
        model: ModelArg,
        /// Print a JSON array of {"label", "score"}, best first.
        #[arg(long)]
        json: bool,
        /// Second text of a pair (NLI, cross-encoders).
        #[arg(long)]
        pair: Option<String>,
        #[arg(long)]
        top_k: Option<u32>,
        /// Raw logits instead of probabilities.
        #[arg(long)]
        raw_scores: bool,
        text: String,
    },
    /// Rank documents by relevance to a query with a cross-encoder.
    Rerank {
        #[command(flatten)]
        model: ModelArg,
        #[arg(long)]
        json: bool,
        #[arg(long, short)]
        query: String,
        documents: Vec<String>,
    },
    /// Zero-shot classification with an NLI checkpoint.
    ZeroShot {
        #[command(flatten)]
        model: ModelArg,
        #[arg(long)]
        json: bool,
        /// Comma-separated candidate labels.
        #[arg(long, value_delimiter = ',', required = true)]
        labels: Vec<String>,
        /// Hypothesis with {} for the label (default "This example is {}.").
        #[arg(long)]
        template: Option<String>,
        #[arg(long)]
        multi_label: bool,
        text: String,
    },
    /// Print what the model is, as JSON.
    Info {
        #[command(flatten)]
        model: ModelArg,
    },
    /// Rank texts by cosine similarity to a query.
    Search {
        #[command(flatten)]
        model: ModelArg,
        #[arg(long, short)]
        query: String,
        documents: Vec<String>,
    },
    /// Time prompt processing and decoding on a random checkpoint with real shapes.
    BenchGenerate {
        /// gpt2-small (124M parameters) or t5-small (60M).
        #[arg(long, default_value = "gpt2-small")]
        shape: String,
        /// Prompt length in tokens.
        #[arg(long, default_value_t = 64)]
        prompt_tokens: usize,
        /// Tokens to decode.
        #[arg(long, default_value_t = 64)]
        new_tokens: u32,
        /// Quantize the weights to int8 at load.
        #[arg(long)]
        int8: bool,
        /// Instead of timing, write the random checkpoint's files to this directory (for other
        /// benchmarks, e.g. jco-bindings/bench/packages-ab.mjs --model DIR --load-only).
        #[arg(long)]
        save_model: Option<PathBuf>,
    },
    /// Write an int8 copy of a model directory (weights quantized per group of 128 inputs).
    Quantize {
        #[command(flatten)]
        model: ModelArg,
        /// Directory to write (created if needed).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Serve the model over HTTP (text-embeddings-inference, OpenAI and TGI-shaped routes).
    Serve(serve::ServeArgs),
    /// Throughput and latency of `/embed` at 1, 8 and 32 clients, against a server started here.
    BenchServe(serve::BenchServeArgs),
    /// Time compile, load and embedding on a committed set of sentences, with f32 and int8 weights.
    Bench {
        #[command(flatten)]
        model: ModelArg,
        /// Sentences, one per line (default: the built-in set).
        #[arg(long)]
        sentences: Option<PathBuf>,
        /// Timed repetitions of each measurement (the best is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("wasmicro: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The model directory or hub id to load.
fn model_source(arg: &ModelArg) -> Result<String, String> {
    if let Some(source) = &arg.model {
        return Ok(source.clone());
    }
    if let Some(source) = std::env::var_os("WASMICRO_MODEL") {
        return Ok(source.to_string_lossy().into_owned());
    }
    let cache = std::env::var_os("WASMICRO_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("wasmicro")))
        .ok_or("no --model given and no HOME to find the default model in")?;
    let dir = cache.join("models").join("all-MiniLM-L6-v2");
    if !dir.join("config.json").exists() {
        return Err(format!(
            "no --model given and the default model is not at {} (run fixtures/fetch_minilm.sh)",
            dir.display()
        ));
    }
    Ok(dir.to_string_lossy().into_owned())
}

/// The model's directory: the one given, or the hub snapshot of the id given (downloaded
/// into the cache when missing), for commands that serve a directory.
fn model_path(arg: &ModelArg) -> Result<PathBuf, String> {
    let source = model_source(arg)?;
    if std::path::Path::new(&source).is_dir() {
        return Ok(PathBuf::from(source));
    }
    let id =
        wasmicro::hub::HubId::parse(&source).ok_or_else(|| format!("{source}: neither a directory nor a hub id"))?;
    let config = wasmicro::hub::HubConfig::from_env().with_progress(progress::report);
    let snapshot = wasmicro::hub::download(&config, &id).map_err(|e| e.to_string());
    progress::finish();
    Ok(snapshot?.dir)
}

/// The model's files, from a directory or from the hub (with a progress line on stderr).
fn model_files(arg: &ModelArg) -> Result<Vec<(String, Vec<u8>)>, String> {
    let source = model_source(arg)?;
    let config = wasmicro::hub::HubConfig::from_env().with_progress(progress::report);
    let files = wasmicro::read_model_source(&source, &config).map_err(|e| match e {
        // Hub errors name the repository themselves.
        wasmicro::Error::Hub(e) => e.to_string(),
        e => format!("{source}: {e}"),
    });
    progress::finish();
    files
}

fn load(arg: &ModelArg) -> Result<Model, String> {
    let files = model_files(arg)?;
    let engine = Engine::new().map_err(|e| e.to_string())?;
    Model::from_files_with_options(&engine, files, &Default::default(), &arg.load_options()).map_err(|e| e.to_string())
}

/// Writes the model quantized to int8 as a model directory: `model.safetensors` from the
/// component's `int8-checkpoint`, every other file copied.
fn quantize(arg: &ModelArg, out: &std::path::Path) -> Result<(), String> {
    let files = model_files(arg)?;
    let engine = Engine::new().map_err(|e| e.to_string())?;
    let options = wasmicro::LoadOptions::int8_if(true);
    let mut model = Model::from_files_with_options(&engine, files.clone(), &Default::default(), &options)
        .map_err(|e| e.to_string())?;
    let weights = model.int8_checkpoint().map_err(|e| e.to_string())?;
    for (name, bytes) in files.iter().filter(|(name, _)| name != "model.safetensors") {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let path = out.join("model.safetensors");
    std::fs::write(&path, &weights).map_err(|e| format!("{}: {e}", path.display()))?;
    let original = files.iter().find(|(n, _)| n == "model.safetensors").map_or(0, |(_, b)| b.len());
    println!(
        "{}: {:.1} MB of weights (from {:.1} MB)",
        path.display(),
        weights.len() as f64 / 1e6,
        original as f64 / 1e6
    );
    Ok(())
}

/// Download progress on stderr: a line redrawn in place on a terminal, one line per file otherwise.
mod progress {
    use std::io::{IsTerminal, Write};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    use wasmicro::hub::Progress;

    static LAST_DRAW: Mutex<Option<Instant>> = Mutex::new(None);

    fn megabytes(bytes: u64) -> f64 {
        bytes as f64 / 1e6
    }

    pub fn report(event: &Progress<'_>) {
        let terminal = std::io::stderr().is_terminal();
        let mut stderr = std::io::stderr().lock();
        let _ = match event {
            Progress::Start { file, total, resumed_from } if *resumed_from > 0 => writeln!(
                stderr,
                "downloading {file} ({:.1} MB, resuming at {:.1} MB)",
                megabytes(*total),
                megabytes(*resumed_from)
            ),
            // Small files come and go too fast for a line of their own.
            Progress::Start { file, total, .. } if *total >= 1_000_000 => {
                writeln!(stderr, "downloading {file} ({:.1} MB)", megabytes(*total))
            }
            Progress::Start { .. } => Ok(()),
            Progress::Advance { file, done, total } if terminal => {
                let mut last = LAST_DRAW.lock().unwrap_or_else(|p| p.into_inner());
                if last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) && done < total {
                    return;
                }
                *last = Some(Instant::now());
                let percent = if *total == 0 { 100.0 } else { *done as f64 * 100.0 / *total as f64 };
                let width = 30;
                let filled = (percent / 100.0 * width as f64) as usize;
                write!(
                    stderr,
                    "\r{file} [{}{}] {:.1}/{:.1} MB {percent:.0}%\x1b[K",
                    "#".repeat(filled.min(width)),
                    " ".repeat(width - filled.min(width)),
                    megabytes(*done),
                    megabytes(*total)
                )
            }
            Progress::Advance { .. } => Ok(()),
            Progress::Done { .. } if terminal => write!(stderr, "\r\x1b[K"),
            Progress::Done { .. } => Ok(()),
            Progress::Retry { file, reason } => {
                writeln!(stderr, "{}{file}: {reason}; retrying", if terminal { "\r\x1b[K" } else { "" })
            }
        };
    }

    pub fn finish() {
        let _ = std::io::stderr().flush();
    }
}

fn texts_or_stdin(texts: Vec<String>) -> Result<Vec<String>, String> {
    if !texts.is_empty() {
        return Ok(texts);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err("give texts as arguments or on stdin, one per line".into());
    }
    stdin.lock().lines().collect::<Result<_, _>>().map_err(|e| format!("reading stdin: {e}"))
}

fn json_floats(v: &[f32]) -> serde_json::Value {
    serde_json::Value::Array(v.iter().map(|&x| serde_json::json!(x)).collect())
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Embed { model, json, max_tokens, texts } => {
            let texts = texts_or_stdin(texts)?;
            let mut model = load(&model)?;
            let options = EmbedOptions { max_tokens, ..Default::default() };
            let vectors = model.embed_batch(&texts, &options).map_err(|e| e.to_string())?;
            if json {
                println!("{}", serde_json::Value::Array(vectors.iter().map(|v| json_floats(v)).collect()));
            } else {
                for v in vectors {
                    println!("{}", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" "));
                }
            }
        }
        Command::Tokenize { model, no_special_tokens, text } => {
            let ids = load(&model)?.tokenize(&text, !no_special_tokens).map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!(ids));
        }
        Command::Generate {
            model,
            max_new_tokens,
            temperature,
            top_k,
            top_p,
            repetition_penalty,
            seed,
            stop,
            stream,
            prompt,
        } => {
            let options =
                wasmicro::GenerateOptions { max_new_tokens, temperature, top_k, top_p, repetition_penalty, seed, stop };
            let mut model = load(&model)?;
            if stream {
                use std::io::Write;
                let mut out = std::io::stdout();
                model
                    .generate_streaming(&prompt, &options, |chunk| {
                        let _ = out.write_all(chunk.as_bytes());
                        let _ = out.flush();
                    })
                    .map_err(|e| e.to_string())?;
                println!();
            } else {
                println!("{}", model.generate(&prompt, &options).map_err(|e| e.to_string())?);
            }
        }
        Command::Classify { model, json, pair, top_k, raw_scores, text } => {
            let options = wasmicro::ClassifyOptions { top_k, raw_scores, max_tokens: None };
            let scores = load(&model)?.classify(&text, pair.as_deref(), &options).map_err(|e| e.to_string())?;
            print_labels(scores.iter().map(|s| (s.label.as_str(), s.score)), json);
        }
        Command::ZeroShot { model, json, labels, template, multi_label, text } => {
            let options = wasmicro::ZeroShotOptions { hypothesis_template: template, multi_label };
            let scores = load(&model)?.zero_shot(&text, &labels, &options).map_err(|e| e.to_string())?;
            print_labels(scores.iter().map(|s| (s.label.as_str(), s.score)), json);
        }
        Command::Rerank { model, json, query, documents } => {
            let documents = texts_or_stdin(documents)?;
            let ranked = load(&model)?.rerank(&query, &documents).map_err(|e| e.to_string())?;
            if json {
                let rows: Vec<_> =
                    ranked.iter().map(|r| serde_json::json!({"index": r.index, "score": r.score})).collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for r in ranked {
                    println!("{:9.6}  {}", r.score, documents.get(r.index as usize).map_or("", String::as_str));
                }
            }
        }
        Command::Info { model } => {
            let info = load(&model)?.info().map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&info_json(&info)).unwrap_or_default());
        }
        Command::Search { model, query, documents } => {
            let documents = texts_or_stdin(documents)?;
            let mut model = load(&model)?;
            let mut texts = vec![query.clone()];
            texts.extend(documents.iter().cloned());
            let vectors = model.embed_batch(&texts, &EmbedOptions::default()).map_err(|e| e.to_string())?;
            let mut ranked: Vec<(f32, &str)> =
                vectors[1..].iter().zip(&documents).map(|(v, d)| (cosine(&vectors[0], v), d.as_str())).collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            println!("query: {query}");
            for (score, doc) in ranked {
                println!("{score:7.4}  {doc}");
            }
        }
        Command::Quantize { model, out } => quantize(&model, &out)?,
        Command::Serve(args) => run_serve(args)?,
        Command::BenchServe(args) => {
            let dir = model_path(&ModelArg { model: args.model.clone(), int8: false })?;
            serve::bench_serve(args, dir)?
        }
        Command::Bench { model, sentences, repeat } => bench(&model, sentences, repeat.max(1))?,
        Command::BenchGenerate { shape, prompt_tokens, new_tokens, int8, save_model } => {
            bench_generate(&shape, prompt_tokens, new_tokens, int8, save_model)?
        }
    }
    Ok(())
}

fn run_serve(args: serve::ServeArgs) -> Result<(), String> {
    let dir = model_path(&ModelArg { model: args.model.clone(), int8: args.int8 })?;
    serve::serve(args, dir, |addr| {
        // Tests and scripts read this line to learn the port (which may have been 0).
        println!("wasmicro serve: listening on http://{addr}");
    })
}

fn print_labels<'a>(scores: impl Iterator<Item = (&'a str, f32)>, json: bool) {
    let scores: Vec<_> = scores.collect();
    if json {
        let rows: Vec<_> =
            scores.iter().map(|(label, score)| serde_json::json!({"label": label, "score": score})).collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for (label, score) in scores {
            println!("{score:9.6}  {label}");
        }
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b)).max(1e-12)
}

fn info_json(info: &wasmicro::ModelInfo) -> serde_json::Value {
    serde_json::json!({
        "family": match info.family {
            wasmicro::Family::Bert => "bert",
            wasmicro::Family::Gpt2 => "gpt2",
            wasmicro::Family::T5 => "t5",
        },
        "model_type": info.model_type,
        "architecture": info.architecture,
        "hidden_size": info.hidden_size,
        "num_layers": info.num_layers,
        "num_heads": info.num_heads,
        "vocab_size": info.vocab_size,
        "max_position_embeddings": info.max_position_embeddings,
        "dtype": info.dtype,
        "embedding_size": info.embedding_size,
        "pooling": match info.pooling {
            wasmicro::Pooling::Cls => "cls",
            wasmicro::Pooling::Mean => "mean",
            wasmicro::Pooling::Max => "max",
            wasmicro::Pooling::Last => "last",
        },
        "normalize": info.normalize,
        "max_input_tokens": info.max_input_tokens,
        "labels": info.labels,
    })
}

/// The sentences `bench` times by default (committed, so every run measures the same work).
const BENCH_SENTENCES: &str = include_str!("../../fixtures/bench_sentences.txt");

fn best_of<T>(repeat: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(f64, T), String> {
    best_of_prepared(repeat, || (), |()| f())
}

/// `best_of` where each run first gets its input from `prepare`, untimed.
fn best_of_prepared<I, T>(
    repeat: usize,
    mut prepare: impl FnMut() -> I,
    mut f: impl FnMut(I) -> Result<T, String>,
) -> Result<(f64, T), String> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat {
        let input = prepare();
        let start = Instant::now();
        let value = f(input)?;
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(value);
    }
    last.map(|v| (best, v)).ok_or_else(|| "nothing was measured".to_owned())
}

fn bench_generate(
    shape: &str,
    prompt_tokens: usize,
    new_tokens: u32,
    int8: bool,
    save_model: Option<PathBuf>,
) -> Result<(), String> {
    let (files, prompt) = match shape {
        // One token per byte / per letter with these synthetic tokenizers.
        "gpt2-small" => (synthetic::gpt2_small(), "a".repeat(prompt_tokens)),
        "t5-small" => (synthetic::t5_small(), "a".repeat(prompt_tokens.saturating_sub(2))),
        other => return Err(format!("unknown shape '{other}' (gpt2-small or t5-small)")),
    };
    if let Some(dir) = save_model {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, bytes) in &files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        println!("wrote the {shape} checkpoint's {} files to {}", files.len(), dir.display());
        return Ok(());
    }
    let file_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let engine = Engine::new().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let options = wasmicro::LoadOptions::int8_if(int8);
    let mut model =
        Model::from_files_with_options(&engine, files, &Default::default(), &options).map_err(|e| e.to_string())?;
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let tokens = model.tokenize(&prompt, true).map_err(|e| e.to_string())?.len();
    let (prefill_ms, _) = best_of(3, || model.next_token_logits(&prompt).map_err(|e| e.to_string()))?;
    let options = wasmicro::GenerateOptions { max_new_tokens: Some(new_tokens), ..Default::default() };
    // Decoding is timed on its own, from the prompt's logits to the last token: subtracting a
    // separately timed prompt (as this did before) left the machine's noise on a long prompt
    // in the difference (a 768-token prompt: 12 to 123 tokens/s from one build).
    let (instance, handle) = model.instance();
    let (mut decode_ms, mut generated) = (f64::INFINITY, Vec::new());
    for _ in 0..2 {
        let generation = instance.generate_stream(handle, &prompt, &options).map_err(|e| e.to_string())?;
        let start = Instant::now();
        while instance.next_chunk(&generation).map_err(|e| e.to_string())?.is_some() {}
        decode_ms = decode_ms.min(start.elapsed().as_secs_f64() * 1000.0);
        generated = instance.generation_tokens(&generation).map_err(|e| e.to_string())?;
        instance.finish_generation(generation).map_err(|e| e.to_string())?;
    }
    // The first token comes from the prompt's logits: the loop ran one step per later token.
    let steps = generated.len().saturating_sub(1);
    let decode_s = decode_ms.max(1e-9) / 1000.0;
    println!(
        "{shape}: random weights, {:.0} MB of files, {} weights; best runs",
        file_bytes as f64 / 1e6,
        if int8 { "int8" } else { "f32" }
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!("| model load | {load_ms:.0} ms |");
    println!(
        "| prompt of {tokens} tokens (encoder/prefill + first logits) | {prefill_ms:.1} ms ({:.0} tokens/s) |",
        tokens as f64 / prefill_ms * 1000.0
    );
    println!("| decode {} tokens (greedy, KV cache) | {:.1} tokens/s |", generated.len(), steps as f64 / decode_s);
    println!("| peak linear memory | {:.1} MB |", model.peak_memory_bytes() as f64 / 1e6);
    Ok(())
}

fn bench(arg: &ModelArg, sentences: Option<PathBuf>, repeat: usize) -> Result<(), String> {
    let files = model_files(arg)?;
    let text = match &sentences {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => BENCH_SENTENCES.to_owned(),
    };
    let sentences: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = Instant::now();
    let engine = Engine::from_component_bytes_uncached(wasmicro::COMPONENT).map_err(|e| e.to_string())?;
    let compile_ms = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let engine_cached = Engine::new().map_err(|e| e.to_string())?;
    let cached_ms = start.elapsed().as_secs_f64() * 1000.0;
    drop(engine);
    let file_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let long_text = sentences.join(" ");
    let n = sentences.len() as f64;

    /// One column of the table: the same measures with one kind of weights.
    struct Column {
        load_ms: f64,
        single_ms: f64,
        batch_ms: f64,
        long_ms: f64,
        peak_mb: f64,
        vectors: Vec<Vec<f32>>,
    }
    let measure = |weights: wasmicro::Weights| -> Result<(Column, Model), String> {
        let options = wasmicro::LoadOptions { weights };
        // `load` takes the files by value; their copy for each run is made before the clock
        // starts, as the Node benchmark times `load` on bytes already in memory (the 92 MB
        // clone into fresh host pages took ~45 ms of the 133 ms this row showed before).
        let (load_ms, mut model) = best_of_prepared(
            repeat,
            || files.clone(),
            |files| {
                Model::from_files_with_options(&engine_cached, files, &Default::default(), &options)
                    .map_err(|e| e.to_string())
            },
        )?;
        let embed = EmbedOptions::default();
        let (single_ms, _) = best_of(repeat, || {
            for s in &sentences {
                model.embed(s, &embed).map_err(|e| e.to_string())?;
            }
            Ok(())
        })?;
        let (batch_ms, vectors) = best_of(repeat, || model.embed_batch(&sentences, &embed).map_err(|e| e.to_string()))?;
        let long = EmbedOptions { max_tokens: Some(256), ..Default::default() };
        let (long_ms, _) = best_of(repeat, || model.embed(&long_text, &long).map_err(|e| e.to_string()))?;
        let peak_mb = model.peak_memory_bytes() as f64 / 1e6;
        Ok((Column { load_ms, single_ms, batch_ms, long_ms, peak_mb, vectors }, model))
    };
    let (f32s, mut model) = measure(wasmicro::Weights::AsStored)?;
    let (int8s, _) = measure(wasmicro::Weights::Int8)?;
    let tokens: usize = sentences.iter().map(|s| model.tokenize(s, true).map(|t| t.len()).unwrap_or(0)).sum();
    let long_tokens = model.tokenize(&long_text, true).map(|t| t.len().min(256)).map_err(|e| e.to_string())?;
    let info = model.info().map_err(|e| e.to_string())?;
    let worst_cosine = f32s.vectors.iter().zip(&int8s.vectors).map(|(a, b)| cosine(a, b)).fold(1.0f32, f32::min);
    println!(
        "model: {} ({}, {} layers, hidden {}, {})",
        model_source(arg)?,
        info.model_type,
        info.num_layers,
        info.hidden_size,
        info.dtype
    );
    println!("sentences: {} (mean {:.1} tokens); best of {repeat} runs", sentences.len(), tokens as f64 / n);
    println!(
        "component: {:.1} KB, compile (cranelift) {compile_ms:.0} ms, from the compile cache {cached_ms:.1} ms",
        wasmicro::COMPONENT.len() as f64 / 1024.0
    );
    println!("| measure | f32 | int8 |");
    println!("|---|---:|---:|");
    let row = |name: &str, f: &dyn Fn(&Column) -> String| println!("| {name} | {} | {} |", f(&f32s), f(&int8s));
    row(&format!("model load ({:.1} MB of files), ms", file_bytes as f64 / 1e6), &|c| format!("{:.1}", c.load_ms));
    row("embed, one sentence at a time, ms/sentence", &|c| format!("{:.2}", c.single_ms / n));
    row(&format!("embed-batch of {}, ms/sentence", sentences.len()), &|c| format!("{:.2}", c.batch_ms / n));
    row(&format!("one {long_tokens}-token text, ms"), &|c| format!("{:.1}", c.long_ms));
    row("peak linear memory, MB", &|c| format!("{:.1}", c.peak_mb));
    println!("int8 vs f32 embeddings: worst cosine {worst_cosine:.6} over {} sentences", sentences.len());
    Ok(())
}
