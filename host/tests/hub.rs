//! Loading models by hub id against `tests/hub_mirror.py` (a loopback stand-in for the Hugging Face
//! hub): CLI and library give the same outputs as the fixture directories, only the needed files are
//! fetched, gated/bin-only/offline fail clearly, the cache interoperates with Python's
//! `huggingface_hub` both ways, and broken transfers never leave a corrupt blob or a broken link.

use sha1::Digest;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use wasmicro::hub::{HubConfig, HubError};
use wasmicro::{Engine, Error, GenerateOptions, Model};

const DECOYS: &[&str] = &[
    "pytorch_model.bin",
    "tf_model.h5",
    "flax_model.msgpack",
    "rust_model.ot",
    "onnx/model.onnx",
    "openvino/openvino_model.bin",
    "reference.json",
];
const TOKEN: &str = "hf_test_token";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/tiny").join(name)
}

/// The mirror, killed when dropped (also when a test fails).
struct Mirror {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Mirror {
    fn start() -> Mirror {
        Mirror::start_serving(None)
    }

    /// With `minilm`, the mirror also serves that directory as sentence-transformers/all-MiniLM-L6-v2.
    fn start_serving(minilm: Option<&Path>) -> Mirror {
        let mut command = Command::new("python3");
        command.arg(root().join("tests/hub_mirror.py")).args(["--port", "0"]).env_remove("WASMICRO_MODEL");
        if let Some(dir) = minilm {
            command.env("WASMICRO_MODEL", dir);
        }
        let mut child = command
            .env("MIRROR_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs tests/hub_mirror.py");
        let stdout = child.stdout.take().expect("mirror stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("the mirror did not start within 30 s");
            }
        };
        let url = match line.trim().strip_prefix("MIRROR ") {
            Some(url) => url.to_owned(),
            None => {
                let _ = child.kill();
                panic!("unexpected first line from the mirror: {line:?}");
            }
        };
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
        Mirror { child, url, agent }
    }

    fn json(&self, path: &str) -> serde_json::Value {
        let text = self.agent.get(&format!("{}{path}", self.url)).call().expect("control GET").into_string().unwrap();
        serde_json::from_str(&text).expect("control JSON")
    }

    fn requests(&self) -> serde_json::Map<String, serde_json::Value> {
        self.json("/_control/requests").as_object().cloned().expect("an object")
    }

    fn log(&self) -> Vec<serde_json::Value> {
        self.json("/_control/log").as_array().cloned().expect("a list")
    }

    fn post(&self, path: &str, body: serde_json::Value) {
        self.agent.post(&format!("{}{path}", self.url)).send_string(&body.to_string()).expect("control POST");
    }

    fn fault(&self, path: &str, kind: &str, times: u32) {
        self.post("/_control/fault", serde_json::json!({"path": path, "kind": kind, "times": times}));
    }

    fn commit(&self, repo: &str, revision: &str) -> String {
        self.json(&format!("/api/models/{repo}/revision/{revision}"))["sha"].as_str().expect("sha").to_owned()
    }

    /// No decoy (other weight format, unneeded file) was ever requested.
    fn assert_no_decoys(&self) {
        for path in self.requests().keys() {
            for decoy in DECOYS {
                assert!(!path.ends_with(decoy), "{path} was requested");
            }
        }
    }

    fn config(&self, home: &TempDir) -> HubConfig {
        HubConfig {
            endpoint: self.url.clone(),
            cache_dir: home.path.join("hub"),
            token: None,
            offline: false,
            timeout: Duration::from_secs(20),
            progress: None,
        }
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory, removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("wasmicro-hub-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The CLI with a hub environment of its own (nothing inherited from the machine's HF_* variables).
fn cli(args: &[&str], endpoint: &str, home: &Path, extra_env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmicro"));
    command.args(args).stdin(Stdio::null());
    for var in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_CACHE", "HF_TOKEN_PATH"] {
        command.env_remove(var);
    }
    command.env("HF_ENDPOINT", endpoint).env("HF_HOME", home);
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let out = command.output().expect("the CLI runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn embed_json(stdout: &str) -> Vec<Vec<f32>> {
    serde_json::from_str(stdout).expect("embed --json output")
}

fn dir_embeddings(engine: &Engine, name: &str, texts: &[&str]) -> Vec<Vec<f32>> {
    Model::from_dir(engine, fixture(name)).unwrap().embed_batch(texts, &Default::default()).unwrap()
}

fn generate(model: &mut Model, prompt: &str) -> String {
    let options = GenerateOptions { max_new_tokens: Some(6), ..Default::default() };
    model.generate(prompt, &options).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every blob under its final name hashes to that name (sha256, or the git blob sha1 for small
/// files) and every snapshot link resolves. `.incomplete` files are resumable partial downloads.
fn assert_cache_sound(cache: &Path) {
    let Ok(repos) = std::fs::read_dir(cache) else { return };
    for repo in repos.flatten().filter(|r| r.file_name().to_string_lossy().starts_with("models--")) {
        for blob in std::fs::read_dir(repo.path().join("blobs")).into_iter().flatten().flatten() {
            let name = blob.file_name().to_string_lossy().into_owned();
            if name.ends_with(".incomplete") {
                continue;
            }
            let bytes = std::fs::read(blob.path()).unwrap();
            let actual = if name.len() == 64 {
                hex(&sha2::Sha256::digest(&bytes))
            } else {
                let mut hasher = sha1::Sha1::new();
                hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
                hasher.update(&bytes);
                hex(&hasher.finalize())
            };
            assert_eq!(actual, name, "corrupt blob {}", blob.path().display());
        }
        let mut pending = vec![repo.path().join("snapshots")];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if entry.file_type().unwrap().is_dir() {
                    pending.push(path);
                } else {
                    assert!(std::fs::metadata(&path).is_ok(), "broken snapshot link {}", path.display());
                }
            }
        }
    }
}

#[test]
fn cli_and_library_load_by_id_like_the_directory_and_fetch_only_needed_files() {
    let mirror = Mirror::start();
    let home = TempDir::new("load");
    let engine = Engine::new().unwrap();
    let texts = ["The first sentence.", "Another, longer piece of text."];

    let (ok, stdout, stderr) = cli(
        &["embed", "--json", "--model", "wasmicro-test/tiny-bert", texts[0], texts[1]],
        &mirror.url,
        &home.path,
        &[],
    );
    assert!(ok, "{stderr}");
    assert_eq!(embed_json(&stdout), dir_embeddings(&engine, "bert", &texts));

    let config = mirror.config(&home);
    for (repo, dir) in [("wasmicro-test/tiny-gpt2", "gpt2"), ("wasmicro-test/tiny-t5", "t5")] {
        let mut from_hub = Model::from_pretrained_with(&engine, repo, &config).unwrap();
        let mut from_dir = Model::from_dir(&engine, fixture(dir)).unwrap();
        assert_eq!(generate(&mut from_hub, "Once upon a time"), generate(&mut from_dir, "Once upon a time"));
    }
    mirror.assert_no_decoys();
    // The CDN never sees a token; these repositories are public, so nothing carried one at all.
    assert!(mirror.log().iter().all(|entry| entry["authorization"] == false));

    // A second load is served by the cache: only the revision lookup reaches the hub.
    mirror.post("/_control/reset", serde_json::json!({}));
    let (ok, again, _) = cli(
        &["embed", "--json", "--model", "wasmicro-test/tiny-bert", texts[0], texts[1]],
        &mirror.url,
        &home.path,
        &[],
    );
    assert!(ok);
    assert_eq!(again, stdout);
    let requested: Vec<String> = mirror.requests().keys().cloned().collect();
    assert_eq!(requested, vec!["/api/models/wasmicro-test/tiny-bert/revision/main".to_owned()]);
    assert_cache_sound(&home.path.join("hub"));
}

#[test]
fn sentence_transformers_model_by_id() {
    let Some(dir) = std::env::var_os("WASMICRO_MODEL").map(PathBuf::from) else {
        eprintln!(
            "\n*** SKIPPED: set WASMICRO_MODEL (bash fixtures/fetch_minilm.sh) to load all-MiniLM-L6-v2 by id ***\n"
        );
        return;
    };
    let mirror = Mirror::start_serving(Some(&dir));
    let home = TempDir::new("minilm");
    let texts = ["A sentence-transformers model, pooling and normalization included."];
    let (ok, stdout, stderr) = cli(
        &["embed", "--json", "--model", "sentence-transformers/all-MiniLM-L6-v2", texts[0]],
        &mirror.url,
        &home.path,
        &[],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("downloading model.safetensors"), "a progress line for the weights: {stderr}");
    let engine = Engine::new().unwrap();
    let expected = Model::from_dir(&engine, &dir).unwrap().embed_batch(&texts, &Default::default()).unwrap();
    assert_eq!(embed_json(&stdout), expected);
    let requested = mirror.requests();
    assert!(requested.keys().any(|p| p.ends_with("/1_Pooling/config.json")));
    assert!(requested.keys().any(|p| p.ends_with("/modules.json")));
    assert!(!requested.keys().any(|p| p.ends_with("README.md")));
    mirror.assert_no_decoys();
}

#[test]
fn revisions_and_local_directories() {
    let mirror = Mirror::start();
    let home = TempDir::new("revisions");
    let engine = Engine::new().unwrap();
    let config = mirror.config(&home);
    let texts = ["Revision pinning."];

    let mut v1 = Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert@v1", &config).unwrap();
    assert_eq!(v1.embed_batch(&texts, &Default::default()).unwrap(), dir_embeddings(&engine, "bert_cased", &texts));
    let v1_commit = mirror.commit("wasmicro-test/tiny-bert", "v1");
    let repo_dir = config.repo_dir("wasmicro-test/tiny-bert");
    assert_eq!(std::fs::read_to_string(repo_dir.join("refs/v1")).unwrap(), v1_commit);

    let main_commit = mirror.commit("wasmicro-test/tiny-bert", "main");
    assert_ne!(main_commit, v1_commit);
    let by_commit = format!("wasmicro-test/tiny-bert@{main_commit}");
    let mut pinned = Model::from_pretrained_with(&engine, &by_commit, &config).unwrap();
    assert_eq!(pinned.embed_batch(&texts, &Default::default()).unwrap(), dir_embeddings(&engine, "bert", &texts));

    // An existing directory wins over the hub, whatever its name looks like.
    let before = mirror.requests().len();
    let dir = fixture("gpt2");
    let mut local = Model::from_pretrained_with(&engine, dir.to_str().unwrap(), &config).unwrap();
    assert_eq!(local.info().unwrap().model_type, "gpt2");
    assert_eq!(mirror.requests().len(), before);

    match Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert@no-such-branch", &config) {
        Err(Error::Hub(HubError::RevisionNotFound { .. })) => {}
        other => panic!("expected RevisionNotFound, got {:?}", other.err()),
    }
    match Model::from_pretrained_with(&engine, "not/a/hub/id", &config) {
        Err(Error::Hub(e @ HubError::InvalidId(_))) => {
            assert!(e.to_string().contains("not an existing model directory"))
        }
        other => panic!("expected InvalidId, got {:?}", other.err()),
    }
}

#[test]
fn gated_needs_the_token_and_the_token_stays_on_the_hub() {
    let mirror = Mirror::start();
    let home = TempDir::new("gated");
    let engine = Engine::new().unwrap();
    let mut config = mirror.config(&home);

    let error = Model::from_pretrained_with(&engine, "wasmicro-test/gated-bert", &config).err().expect("refused");
    assert!(matches!(error, Error::Hub(HubError::Unauthorized { sent_token: false, .. })), "{error}");
    assert!(error.to_string().contains("HF_TOKEN"), "{error}");
    let (ok, _, stderr) = cli(&["embed", "--model", "wasmicro-test/gated-bert", "x"], &mirror.url, &home.path, &[]);
    assert!(!ok);
    assert!(stderr.contains("gated or private") && stderr.contains("HF_TOKEN"), "{stderr}");

    config.token = Some("hf_wrong".into());
    let error = Model::from_pretrained_with(&engine, "wasmicro-test/gated-bert", &config).err().expect("refused");
    assert!(matches!(error, Error::Hub(HubError::Unauthorized { sent_token: true, .. })), "{error}");

    let texts = ["Gated text."];
    let (ok, stdout, stderr) = cli(
        &["embed", "--json", "--model", "wasmicro-test/gated-bert", texts[0]],
        &mirror.url,
        &home.path,
        &[("HF_TOKEN", TOKEN)],
    );
    assert!(ok, "{stderr}");
    assert_eq!(embed_json(&stdout), dir_embeddings(&engine, "bert", &texts));
    let log = mirror.log();
    let cdn: Vec<_> = log.iter().filter(|e| e["listener"] == "cdn").collect();
    assert!(!cdn.is_empty(), "the weights come through the CDN redirect");
    assert!(cdn.iter().all(|e| e["authorization"] == false), "the token leaked to the CDN: {cdn:?}");
    assert!(log.iter().any(|e| e["listener"] == "hub" && e["authorization"] == true));
}

#[test]
fn bin_only_repositories_get_a_clear_error() {
    let mirror = Mirror::start();
    let home = TempDir::new("bin-only");
    let engine = Engine::new().unwrap();
    let error = Model::from_pretrained_with(&engine, "wasmicro-test/bin-only", &mirror.config(&home)).err().unwrap();
    match &error {
        Error::Hub(HubError::NoSafetensors { found, .. }) => assert_eq!(found, &["pytorch_model.bin"]),
        other => panic!("expected NoSafetensors, got {other}"),
    }
    assert!(error.to_string().contains("no safetensors weights, only pytorch_model.bin"), "{error}");
    let (ok, _, stderr) = cli(&["info", "--model", "wasmicro-test/bin-only"], &mirror.url, &home.path, &[]);
    assert!(!ok && stderr.contains("pytorch_model.bin"), "{stderr}");
    mirror.assert_no_decoys();
}

#[test]
fn offline_mode_reads_the_cache_only() {
    let mirror = Mirror::start();
    let home = TempDir::new("offline");
    let engine = Engine::new().unwrap();
    let mut config = mirror.config(&home);
    config.offline = true;
    match Model::from_pretrained_with(&engine, "wasmicro-test/tiny-gpt2", &config) {
        Err(Error::Hub(e @ HubError::NotCached { .. })) => assert!(e.to_string().contains("HF_HUB_OFFLINE")),
        other => panic!("expected NotCached, got {:?}", other.err()),
    }
    assert!(mirror.requests().is_empty(), "offline mode made requests: {:?}", mirror.requests());

    config.offline = false;
    Model::from_pretrained_with(&engine, "wasmicro-test/tiny-gpt2", &config).unwrap();
    let endpoint = mirror.url.clone();
    drop(mirror);
    let (ok, stdout, stderr) = cli(
        &["tokenize", "--model", "wasmicro-test/tiny-gpt2", "offline text"],
        &endpoint,
        &home.path,
        &[("HF_HUB_OFFLINE", "1")],
    );
    assert!(ok, "{stderr}");
    let expected = Model::from_dir(&engine, fixture("gpt2")).unwrap().tokenize("offline text", true).unwrap();
    assert_eq!(serde_json::from_str::<Vec<u32>>(stdout.trim()).unwrap(), expected);
}

// ---- interop with Python's huggingface_hub ------------------------------------------------------

/// The test venv's python with huggingface_hub (tests/run.sh makes it). Missing: a failure under
/// CI, a loud skip elsewhere.
fn hub_python() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let python = home.join(".cache/wasmicro/venv-test/bin/python");
    let works = Command::new(&python)
        .args(["-c", "import huggingface_hub"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some(python);
    }
    let message = format!(
        "{} with huggingface_hub is missing (bash tests/run.sh creates it from tests/requirements-hub.txt)",
        python.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    eprintln!("\n*** SKIPPED: Python interop test: {message} ***\n");
    None
}

fn run_python(python: &Path, script: &str, endpoint: &str, home: &Path, offline: bool) -> String {
    let mut command = Command::new(python);
    command.args(["-c", script]).env("HF_ENDPOINT", endpoint).env("HF_HOME", home);
    for var in ["HF_TOKEN", "HF_HUB_CACHE", "HF_HUB_OFFLINE"] {
        command.env_remove(var);
    }
    command.env("HF_HUB_DISABLE_PROGRESS_BARS", "1").env("HF_HUB_DISABLE_TELEMETRY", "1");
    if offline {
        command.env("HF_HUB_OFFLINE", "1");
    }
    let out = command.output().expect("python runs");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn python_downloads_then_wasmicro_loads_offline_with_the_mirror_stopped() {
    let Some(python) = hub_python() else { return };
    let mirror = Mirror::start();
    let home = TempDir::new("py-to-wasmicro");
    let script = r#"
from huggingface_hub import snapshot_download
patterns = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.txt"]
print(snapshot_download("wasmicro-test/tiny-bert", allow_patterns=patterns))
"#;
    let snapshot = run_python(&python, script, &mirror.url, &home.path, false);
    assert!(snapshot.trim().ends_with(&mirror.commit("wasmicro-test/tiny-bert", "main")), "{snapshot}");
    mirror.assert_no_decoys();
    let endpoint = mirror.url.clone();
    drop(mirror);

    let engine = Engine::new().unwrap();
    let texts = ["Downloaded by Python."];
    let (ok, stdout, stderr) = cli(
        &["embed", "--json", "--model", "wasmicro-test/tiny-bert", texts[0]],
        &endpoint,
        &home.path,
        &[("HF_HUB_OFFLINE", "1")],
    );
    assert!(ok, "{stderr}");
    assert_eq!(embed_json(&stdout), dir_embeddings(&engine, "bert", &texts));
}

#[test]
fn wasmicro_downloads_then_python_finds_the_files_offline() {
    let Some(python) = hub_python() else { return };
    let mirror = Mirror::start();
    let home = TempDir::new("wasmicro-to-py");
    let engine = Engine::new().unwrap();
    let config = mirror.config(&home);
    Model::from_pretrained_with(&engine, "wasmicro-test/tiny-t5", &config).unwrap();
    Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert@v1", &config).unwrap();
    let endpoint = mirror.url.clone();
    drop(mirror);

    let script = r#"
import hashlib, json
from huggingface_hub import hf_hub_download
out = []
for repo, rev, fixture, files in [
    ("wasmicro-test/tiny-t5", "main", "t5",
     ["config.json", "model.safetensors", "spiece.model", "tokenizer.json", "generation_config.json"]),
    ("wasmicro-test/tiny-bert", "v1", "bert_cased", ["config.json", "model.safetensors", "vocab.txt"]),
]:
    for f in files:
        path = hf_hub_download(repo, f, revision=rev, local_files_only=True)
        out.append([fixture, f, hashlib.sha256(open(path, "rb").read()).hexdigest()])
print(json.dumps(out))
"#;
    let found: Vec<(String, String, String)> =
        serde_json::from_str(&run_python(&python, script, &endpoint, &home.path, true)).unwrap();
    assert_eq!(found.len(), 8);
    for (dir, file, digest) in found {
        let bytes = std::fs::read(fixture(&dir).join(&file)).unwrap();
        assert_eq!(digest, hex(&sha2::Sha256::digest(&bytes)), "{dir}/{file}");
    }
}

// ---- faults ------------------------------------------------------------------------------------

#[test]
fn broken_transfers_are_retried_or_resumed_and_never_cached_corrupt() {
    let engine = Engine::new().unwrap();
    let texts = ["Faulty network."];
    let expected = dir_embeddings(&engine, "bert", &texts);
    for kind in ["drop", "truncate", "bad-etag"] {
        // The weights come through the CDN redirect, vocab.txt straight from the resolve URL.
        for file in ["model.safetensors", "vocab.txt"] {
            let mirror = Mirror::start();
            let home = TempDir::new(&format!("fault-{kind}-{file}"));
            let config = mirror.config(&home);
            mirror.fault(file, kind, 1);
            let mut model = Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert", &config)
                .unwrap_or_else(|e| panic!("{kind} on {file}: {e}"));
            assert_eq!(model.embed_batch(&texts, &Default::default()).unwrap(), expected, "{kind} on {file}");
            assert_cache_sound(&config.cache_dir);
            let gets: Vec<_> = mirror
                .log()
                .into_iter()
                .filter(|e| e["method"] == "GET" && e["path"].as_str().unwrap().ends_with(file))
                .collect();
            assert_eq!(gets.len(), 2, "{kind} on {file}: one broken transfer, one good: {gets:?}");
            // An interrupted transfer resumes where it stopped; a corrupt one starts again.
            let resumed = gets[1]["range"].as_str().is_some();
            assert_eq!(resumed, kind != "bad-etag", "{kind} on {file}: {gets:?}");
        }
    }
}

#[test]
fn persistent_faults_fail_clearly_and_a_later_run_resumes() {
    let engine = Engine::new().unwrap();
    let mirror = Mirror::start();
    let home = TempDir::new("persistent");
    let config = mirror.config(&home);
    let repo_dir = config.repo_dir("wasmicro-test/tiny-bert");

    mirror.fault("model.safetensors", "bad-etag", 100);
    let error = Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert", &config).err().expect("fails");
    assert!(matches!(error, Error::Hub(HubError::Integrity { .. })), "{error}");
    assert!(error.to_string().contains("model.safetensors") && error.to_string().contains("ETag"), "{error}");
    assert_cache_sound(&config.cache_dir);
    let snapshot = repo_dir.join("snapshots").join(mirror.commit("wasmicro-test/tiny-bert", "main"));
    assert!(std::fs::symlink_metadata(snapshot.join("model.safetensors")).is_err(), "a link to nothing was made");

    mirror.post("/_control/reset", serde_json::json!({}));
    mirror.fault("model.safetensors", "drop", 100);
    let error = Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert", &config).err().expect("fails");
    assert!(matches!(error, Error::Hub(HubError::Network { .. })), "{error}");
    assert_cache_sound(&config.cache_dir);
    let partial: Vec<_> = std::fs::read_dir(repo_dir.join("blobs"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".incomplete"))
        .collect();
    assert_eq!(partial.len(), 1, "the partial download is kept to resume from");

    // The network is back: the next run resumes from the partial file and completes.
    mirror.post("/_control/reset", serde_json::json!({}));
    let texts = ["Back online."];
    let mut model = Model::from_pretrained_with(&engine, "wasmicro-test/tiny-bert", &config).unwrap();
    assert_eq!(model.embed_batch(&texts, &Default::default()).unwrap(), dir_embeddings(&engine, "bert", &texts));
    let cdn_gets: Vec<_> = mirror.log().into_iter().filter(|e| e["listener"] == "cdn").collect();
    assert_eq!(cdn_gets.len(), 1);
    assert!(cdn_gets[0]["range"].as_str().is_some_and(|r| r.starts_with("bytes=")), "{cdn_gets:?}");
    assert_cache_sound(&config.cache_dir);
    assert!(!partial[0].path().exists());
}
