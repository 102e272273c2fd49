//! Models by Hugging Face hub id (`org/name[@revision]`), in the cache layout of `huggingface_hub`.
//!
//! The cache is shared with Python: `$HF_HUB_CACHE` (else `$HF_HOME/hub`, else
//! `~/.cache/huggingface/hub`) holds `models--org--name/{blobs,snapshots,refs}`; a snapshot file is a
//! relative symlink `snapshots/<commit>/<file> -> ../../blobs/<etag>` and `refs/<branch>` holds the
//! commit. Blobs are written atomically: bytes go to `blobs/<etag>.incomplete` (resumed with a
//! `Range` request after an interruption), are checked against the size and the ETag (sha256 for
//! LFS files, the git blob sha1 otherwise) and only then renamed into place, so the cache never
//! holds a partial or corrupt blob under its final name, nor a link to one.
//!
//! Only the files wasmicro reads are fetched ([`is_needed_file`]): never `pytorch_model.bin`,
//! ONNX, TensorFlow or Flax weights.
//!
//! Environment, as `huggingface_hub` reads it: `HF_ENDPOINT`, `HF_TOKEN` (else the `token` file in
//! `HF_HOME`; sent only to the endpoint's own origin, never to the CDN a large file redirects to),
//! `HF_HOME` / `HF_HUB_CACHE`, `HF_HUB_OFFLINE=1` (the cache only, no network at all).

use sha1::Digest;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// Attempts per file: a dropped connection resumes, a corrupt download starts over.
const ATTEMPTS: usize = 5;

/// A parsed hub id: `org/name` or `name`, with an optional `@revision` (branch, tag or commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubId {
    pub repo: String,
    pub revision: String,
}

impl HubId {
    /// Parses `org/name[@revision]`. Returns `None` for anything that cannot be a hub repository
    /// (absolute or relative paths, `..`, more than one `/`, characters the hub refuses).
    pub fn parse(text: &str) -> Option<HubId> {
        let (repo, revision) = match text.split_once('@') {
            Some((repo, revision)) if !revision.is_empty() => (repo, revision),
            Some(_) => return None,
            None => (text, "main"),
        };
        let parts: Vec<&str> = repo.split('/').collect();
        if parts.is_empty() || parts.len() > 2 {
            return None;
        }
        let valid_part = |p: &&str| {
            !p.is_empty()
                && p.len() <= 96
                && !p.starts_with(['.', '-'])
                && !p.ends_with('.')
                && !p.contains("..")
                && !p.contains("--")
                && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        let valid_revision = !revision.contains("..")
            && !revision.starts_with('/')
            && revision.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
        (parts.iter().all(valid_part) && valid_revision)
            .then(|| HubId { repo: repo.to_owned(), revision: revision.to_owned() })
    }
}

impl fmt::Display for HubId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.repo, self.revision)
    }
}

/// What a download reports while it runs (the CLI draws a progress line from it).
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// A file starts downloading; `resumed_from` bytes were already on disk.
    Start { file: &'a str, total: u64, resumed_from: u64 },
    /// `done` of `total` bytes are on disk.
    Advance { file: &'a str, done: u64, total: u64 },
    /// The file is verified and in the cache.
    Done { file: &'a str },
    /// A download attempt failed and is tried again.
    Retry { file: &'a str, reason: &'a str },
}

pub type ProgressFn = Arc<dyn Fn(&Progress<'_>) + Send + Sync>;

/// Where and how to reach the hub. [`HubConfig::from_env`] reads the `huggingface_hub` variables.
#[derive(Clone)]
pub struct HubConfig {
    /// Base URL, without a trailing `/` (`HF_ENDPOINT`).
    pub endpoint: String,
    /// The hub cache directory (`HF_HUB_CACHE`, else `$HF_HOME/hub`).
    pub cache_dir: PathBuf,
    /// Bearer token, sent only to `endpoint`'s origin.
    pub token: Option<String>,
    /// Use the cache only (`HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Per-request timeout for connecting and for each read.
    pub timeout: Duration,
    pub progress: Option<ProgressFn>,
}

impl fmt::Debug for HubConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubConfig")
            .field("endpoint", &self.endpoint)
            .field("cache_dir", &self.cache_dir)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("offline", &self.offline)
            .finish()
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_truthy(name: &str) -> bool {
    env_nonempty(name).is_some_and(|v| matches!(v.trim().to_ascii_uppercase().as_str(), "1" | "ON" | "YES" | "TRUE"))
}

impl HubConfig {
    pub fn from_env() -> HubConfig {
        let hf_home = env_nonempty("HF_HOME").map(PathBuf::from).unwrap_or_else(|| {
            let cache = env_nonempty("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| env_nonempty("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from(".cache"));
            cache.join("huggingface")
        });
        let cache_dir = env_nonempty("HF_HUB_CACHE").map(PathBuf::from).unwrap_or_else(|| hf_home.join("hub"));
        let token_file = env_nonempty("HF_TOKEN_PATH").map(PathBuf::from).unwrap_or_else(|| hf_home.join("token"));
        let token = env_nonempty("HF_TOKEN").or_else(|| env_nonempty("HUGGING_FACE_HUB_TOKEN")).or_else(|| {
            std::fs::read_to_string(token_file).ok().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
        });
        HubConfig {
            endpoint: env_nonempty("HF_ENDPOINT")
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            cache_dir,
            token: token.map(|t| t.trim().to_owned()),
            offline: env_truthy("HF_HUB_OFFLINE"),
            timeout: Duration::from_secs(30),
            progress: None,
        }
    }

    pub fn with_progress(mut self, progress: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> HubConfig {
        self.progress = Some(Arc::new(progress));
        self
    }

    fn report(&self, event: Progress<'_>) {
        if let Some(progress) = &self.progress {
            progress(&event);
        }
    }

    /// `models--org--name` under the cache directory.
    pub fn repo_dir(&self, repo: &str) -> PathBuf {
        self.cache_dir.join(format!("models--{}", repo.replace('/', "--")))
    }
}

/// Errors of the hub client. Each names the repository and what to do.
#[derive(Debug)]
pub enum HubError {
    /// The text is neither an existing directory nor a hub id.
    InvalidId(String),
    /// 401 on a repository that exists but needs a token (gated or private).
    Unauthorized {
        repo: String,
        sent_token: bool,
        message: String,
    },
    /// The repository does not exist (or is private and no token was sent).
    RepoNotFound {
        repo: String,
        message: String,
    },
    RevisionNotFound {
        repo: String,
        revision: String,
    },
    /// The repository only has weights wasmicro cannot read (e.g. `pytorch_model.bin`).
    NoSafetensors {
        repo: String,
        revision: String,
        found: Vec<String>,
    },
    /// A file the model needs is missing from the repository.
    MissingFile {
        repo: String,
        revision: String,
        file: String,
    },
    /// `HF_HUB_OFFLINE=1` (or no network) and the cache does not hold the model.
    NotCached {
        repo: String,
        revision: String,
        cache: PathBuf,
        why: String,
    },
    /// The server answered in a way the hub does not.
    Protocol {
        url: String,
        message: String,
    },
    /// Connection, timeout or an HTTP error status, after retries.
    Network {
        url: String,
        message: String,
    },
    /// The bytes did not match the size or ETag the hub announced, on every attempt.
    Integrity {
        file: String,
        message: String,
    },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubError::InvalidId(text) => {
                write!(f, "'{text}' is not an existing model directory nor a hub id (org/name or org/name@revision)")
            }
            HubError::Unauthorized { repo, sent_token: true, message } => {
                write!(f, "{repo}: access denied with the token given (HF_TOKEN): {message}")
            }
            HubError::Unauthorized { repo, sent_token: false, message } => {
                write!(f, "{repo} is gated or private: set HF_TOKEN to a token with access to it ({message})")
            }
            HubError::RepoNotFound { repo, message } => {
                write!(f, "{repo}: repository not found (if it is private, set HF_TOKEN) ({message})")
            }
            HubError::RevisionNotFound { repo, revision } => write!(f, "{repo}: no revision '{revision}'"),
            HubError::NoSafetensors { repo, revision, found } => write!(
                f,
                "{repo}@{revision} has no safetensors weights, only {}: wasmicro reads model.safetensors \
                 (convert the checkpoint, e.g. with safetensors' convert script, or pick a repository that has one)",
                found.join(", ")
            ),
            HubError::MissingFile { repo, revision, file } => {
                write!(f, "{repo}@{revision} has no {file}, which the model needs")
            }
            HubError::NotCached { repo, revision, cache, why } => write!(
                f,
                "{repo}@{revision} is not in the hub cache {} ({why}); unset HF_HUB_OFFLINE to download it",
                cache.display()
            ),
            HubError::Protocol { url, message } => write!(f, "{url}: unexpected answer from the hub: {message}"),
            HubError::Network { url, message } => write!(f, "{url}: {message}"),
            HubError::Integrity { file, message } => {
                write!(f, "{file}: download corrupt after {ATTEMPTS} attempts ({message}); nothing was cached")
            }
            HubError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for HubError {}

type Result<T> = std::result::Result<T, HubError>;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> HubError + '_ {
    move |source| HubError::Io { path: path.to_owned(), source }
}

/// Whether wasmicro reads this repository file: config, safetensors weights, tokenizer files,
/// sentence-transformers and generation configs. Everything else (other weight formats, READMEs,
/// ONNX exports...) is never fetched.
pub fn is_needed_file(path: &str) -> bool {
    const TOP_LEVEL: &[&str] = &[
        "config.json",
        "model.safetensors",
        "model.safetensors.index.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.txt",
        "vocab.json",
        "merges.txt",
        "spiece.model",
        "tokenizer.model",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "generation_config.json",
    ];
    if TOP_LEVEL.contains(&path) {
        return true;
    }
    // sentence-transformers pooling module: `1_Pooling/config.json` (the index varies).
    matches!(path.split_once('/'), Some((dir, "config.json"))
        if dir.ends_with("_Pooling") && dir.split('_').next().is_some_and(|n| n.parse::<u32>().is_ok()))
}

/// Weight files wasmicro cannot read, named in the error for a repository that has only those.
fn is_other_weights(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.ends_with(".bin")
        || file.ends_with(".h5")
        || file.ends_with(".msgpack")
        || file.ends_with(".onnx")
        || file.ends_with(".ot")
        || file.ends_with(".pt")
        || file.ends_with(".pth")
        || file.ends_with(".gguf")
}

/// A model snapshot in the cache: the directory and the needed files it holds.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub dir: PathBuf,
    pub commit: String,
    /// Repository paths (e.g. `1_Pooling/config.json`), sorted.
    pub files: Vec<String>,
}

impl Snapshot {
    /// The files' bytes, as `Model::from_files` takes them.
    pub fn read_files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.files
            .iter()
            .map(|file| {
                let path = self.dir.join(file);
                std::fs::read(&path).map(|bytes| (file.clone(), bytes)).map_err(io_error(&path))
            })
            .collect()
    }
}

/// Makes sure the needed files of `id` are in the cache (downloading what is missing, unless
/// offline) and returns the snapshot.
pub fn download(config: &HubConfig, id: &HubId) -> Result<Snapshot> {
    if config.offline {
        return cached_snapshot(config, id);
    }
    let client = Client::new(config);
    let (commit, siblings) = match client.repo_info(id) {
        Ok(info) => info,
        // Like huggingface_hub: no network at all falls back to what the cache holds.
        Err(HubError::Network { url, message }) if message.starts_with("connection") => {
            return cached_snapshot(config, id)
                .map_err(|_| HubError::Network { url, message: format!("{message} (and the model is not cached)") });
        }
        Err(e) => return Err(e),
    };
    let mut wanted: Vec<String> = siblings.iter().filter(|f| is_needed_file(f)).cloned().collect();
    check_selection(id, &siblings, &wanted)?;
    wanted.sort();
    let repo_dir = config.repo_dir(&id.repo);
    let snapshot_dir = repo_dir.join("snapshots").join(&commit);
    let mut fetched = Vec::new();
    for file in &wanted {
        client.fetch_file(id, &commit, &repo_dir, file)?;
        fetched.push(file.clone());
    }
    // Sharded checkpoints: the shards are named in the index.
    if !wanted.iter().any(|f| f == "model.safetensors") && wanted.iter().any(|f| f == "model.safetensors.index.json") {
        for shard in shard_names(&snapshot_dir.join("model.safetensors.index.json"))? {
            if !siblings.contains(&shard) {
                return Err(HubError::MissingFile {
                    repo: id.repo.clone(),
                    revision: id.revision.clone(),
                    file: shard,
                });
            }
            client.fetch_file(id, &commit, &repo_dir, &shard)?;
            fetched.push(shard);
        }
    }
    if id.revision != commit {
        write_ref(&repo_dir, &id.revision, &commit)?;
    }
    fetched.sort();
    fetched.dedup();
    Ok(Snapshot { dir: snapshot_dir, commit, files: fetched })
}

fn check_selection(id: &HubId, siblings: &[String], wanted: &[String]) -> Result<()> {
    let has = |name: &str| wanted.iter().any(|f| f == name);
    if !has("model.safetensors") && !has("model.safetensors.index.json") {
        let found: Vec<String> = siblings.iter().filter(|f| is_other_weights(f)).cloned().collect();
        if found.is_empty() {
            return Err(HubError::MissingFile {
                repo: id.repo.clone(),
                revision: id.revision.clone(),
                file: "model.safetensors".into(),
            });
        }
        return Err(HubError::NoSafetensors { repo: id.repo.clone(), revision: id.revision.clone(), found });
    }
    if !has("config.json") {
        return Err(HubError::MissingFile {
            repo: id.repo.clone(),
            revision: id.revision.clone(),
            file: "config.json".into(),
        });
    }
    Ok(())
}

fn shard_names(index: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(index).map_err(io_error(index))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| HubError::Protocol { url: index.display().to_string(), message: format!("not JSON: {e}") })?;
    let mut shards: Vec<String> = value
        .get("weight_map")
        .and_then(|m| m.as_object())
        .map(|m| m.values().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    shards.sort();
    shards.dedup();
    if shards.iter().any(|s| s.contains("..") || s.starts_with('/') || !s.ends_with(".safetensors")) {
        return Err(HubError::Protocol { url: index.display().to_string(), message: "bad shard name".into() });
    }
    Ok(shards)
}

/// The snapshot `id` names in the cache, without any network: `refs/<revision>` gives the commit
/// (or the revision is a commit), and the snapshot must hold a config and safetensors weights.
pub fn cached_snapshot(config: &HubConfig, id: &HubId) -> Result<Snapshot> {
    let repo_dir = config.repo_dir(&id.repo);
    let not_cached = |why: String| HubError::NotCached {
        repo: id.repo.clone(),
        revision: id.revision.clone(),
        cache: config.cache_dir.clone(),
        why,
    };
    let commit = if is_commit_hash(&id.revision) {
        id.revision.clone()
    } else {
        let ref_path = repo_dir.join("refs").join(&id.revision);
        let text =
            std::fs::read_to_string(&ref_path).map_err(|e| not_cached(format!("{}: {e}", ref_path.display())))?;
        let commit = text.trim().to_owned();
        if !is_commit_hash(&commit) {
            return Err(not_cached(format!("{} does not hold a commit hash", ref_path.display())));
        }
        commit
    };
    let dir = repo_dir.join("snapshots").join(&commit);
    let mut files = Vec::new();
    collect_files(&dir, "", &mut files).map_err(|e| not_cached(format!("{}: {e}", dir.display())))?;
    files.retain(|f| is_needed_file(f) || (f.ends_with(".safetensors") && !f.contains('/')));
    files.sort();
    if !files.iter().any(|f| f == "config.json") {
        return Err(not_cached(format!("{} has no config.json", dir.display())));
    }
    if !files.iter().any(|f| f.ends_with(".safetensors")) {
        return Err(not_cached(format!("{} has no safetensors weights", dir.display())));
    }
    if files.iter().any(|f| f == "model.safetensors") {
        files.retain(|f| !f.ends_with(".safetensors") || f == "model.safetensors");
    }
    Ok(Snapshot { dir, commit, files })
}

/// Regular files (following the snapshot's symlinks) under `dir`, two levels deep; a dangling link
/// is skipped, as if the file were missing.
fn collect_files(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let relative = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() && prefix.is_empty() => collect_files(&path, &relative, out)?,
            Ok(meta) if meta.is_file() => out.push(relative),
            _ => {}
        }
    }
    Ok(())
}

fn is_commit_hash(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn write_ref(repo_dir: &Path, revision: &str, commit: &str) -> Result<()> {
    let path = repo_dir.join("refs").join(revision);
    if std::fs::read_to_string(&path).is_ok_and(|c| c.trim() == commit) {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(repo_dir);
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temporary, commit).map_err(io_error(&temporary))?;
    std::fs::rename(&temporary, &path).map_err(io_error(&path))
}

/// Percent-encodes one URL path segment (a revision may hold `/`, e.g. `refs/pr/1`).
fn encode_segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn encode_path(path: &str) -> String {
    path.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// `scheme://host[:port]` of a URL, lowercased.
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url[after_scheme..].find('/').map(|i| after_scheme + i).unwrap_or(url.len());
    url[..end].to_ascii_lowercase()
}

/// A hub ETag as a bare hex string (no `W/`, no quotes).
fn normalize_etag(etag: &str) -> String {
    etag.trim().trim_start_matches("W/").trim_matches('"').to_owned()
}

struct FileMeta {
    etag: String,
    size: u64,
    location: String,
}

struct Client<'a> {
    config: &'a HubConfig,
    agent: ureq::Agent,
    endpoint_origin: String,
}

/// Outcome of one download attempt.
enum Attempt {
    Complete,
    /// The transfer stopped early; what is in `.incomplete` can be resumed.
    Interrupted(String),
}

impl<'a> Client<'a> {
    fn new(config: &'a HubConfig) -> Client<'a> {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout_connect(config.timeout)
            .timeout_read(config.timeout)
            .user_agent(concat!("wasmicro/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { config, agent, endpoint_origin: origin(&config.endpoint) }
    }

    fn request(&self, method: &str, url: &str) -> ureq::Request {
        let mut request = self.agent.request(method, url).set("Accept-Encoding", "identity");
        // The token goes to the hub only, never to the storage a large file redirects to.
        if let Some(token) = &self.config.token
            && origin(url) == self.endpoint_origin
        {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        request
    }

    /// Sends a request; HTTP errors become typed errors for `id`.
    fn call(&self, id: &HubId, request: ureq::Request, url: &str) -> Result<ureq::Response> {
        match request.call() {
            Ok(response) => Ok(response),
            Err(ureq::Error::Status(status, response)) => {
                let code = response.header("X-Error-Code").unwrap_or("").to_owned();
                let message =
                    response.header("X-Error-Message").map(str::to_owned).unwrap_or_else(|| format!("HTTP {status}"));
                Err(match (status, code.as_str()) {
                    (_, "RepositoryNotFound") => HubError::RepoNotFound { repo: id.repo.clone(), message },
                    (_, "RevisionNotFound") => {
                        HubError::RevisionNotFound { repo: id.repo.clone(), revision: id.revision.clone() }
                    }
                    (401 | 403, _) => HubError::Unauthorized {
                        repo: id.repo.clone(),
                        sent_token: self.config.token.is_some(),
                        message,
                    },
                    (404, "EntryNotFound") => HubError::MissingFile {
                        repo: id.repo.clone(),
                        revision: id.revision.clone(),
                        file: url.to_owned(),
                    },
                    _ => HubError::Network { url: url.to_owned(), message: format!("HTTP {status}: {message}") },
                })
            }
            Err(ureq::Error::Transport(transport)) => {
                Err(HubError::Network { url: url.to_owned(), message: format!("connection failed: {transport}") })
            }
        }
    }

    /// The commit `id` resolves to and the files of that commit.
    fn repo_info(&self, id: &HubId) -> Result<(String, Vec<String>)> {
        let url = format!(
            "{}/api/models/{}/revision/{}",
            self.config.endpoint,
            encode_path(&id.repo),
            encode_segment(&id.revision)
        );
        let response = self.call(id, self.request("GET", &url), &url)?;
        let text = response
            .into_string()
            .map_err(|e| HubError::Network { url: url.clone(), message: format!("connection failed: {e}") })?;
        let body: serde_json::Value = serde_json::from_str(&text).map_err(|e| HubError::Protocol {
            url: url.clone(),
            message: format!("the model info is not JSON: {e}"),
        })?;
        let protocol = |message: &str| HubError::Protocol { url: url.clone(), message: message.to_owned() };
        let commit = body.get("sha").and_then(|s| s.as_str()).ok_or_else(|| protocol("no `sha` in the model info"))?;
        if !is_commit_hash(commit) {
            return Err(protocol("`sha` is not a commit hash"));
        }
        let siblings = body
            .get("siblings")
            .and_then(|s| s.as_array())
            .ok_or_else(|| protocol("no `siblings` in the model info"))?
            .iter()
            .filter_map(|s| s.get("rfilename").and_then(|f| f.as_str()))
            // A file name from the server becomes a path in the cache: refuse any that could escape it.
            .filter(|f| !f.split('/').any(|p| p.is_empty() || p == "." || p == "..") && !f.contains('\\'))
            .map(str::to_owned)
            .collect();
        Ok((commit.to_owned(), siblings))
    }

    /// HEAD on the resolve URL (redirects not followed): ETag, size and where the bytes are.
    fn file_meta(&self, id: &HubId, commit: &str, file: &str) -> Result<FileMeta> {
        let url =
            format!("{}/{}/resolve/{}/{}", self.config.endpoint, encode_path(&id.repo), commit, encode_path(file));
        let response = match self.call(id, self.request("HEAD", &url), &url) {
            Err(HubError::MissingFile { repo, revision, .. }) => {
                return Err(HubError::MissingFile { repo, revision, file: file.to_owned() });
            }
            other => other?,
        };
        let protocol = |message: String| HubError::Protocol { url: url.clone(), message };
        let etag = response
            .header("X-Linked-Etag")
            .or_else(|| response.header("ETag"))
            .map(normalize_etag)
            .filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .ok_or_else(|| protocol("no usable ETag".into()))?;
        let redirected = (300..400).contains(&response.status());
        let size = response
            .header("X-Linked-Size")
            .or_else(|| if redirected { None } else { response.header("Content-Length") })
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| protocol("no file size (X-Linked-Size / Content-Length)".into()))?;
        let location = match response.header("Location") {
            Some(location) if redirected && location.starts_with('/') => format!("{}{location}", self.endpoint_origin),
            Some(location) if redirected => location.to_owned(),
            _ if redirected => return Err(protocol("redirect without Location".into())),
            _ => url.clone(),
        };
        Ok(FileMeta { etag, size, location })
    }

    /// Puts `file` of `commit` into the cache (blob + snapshot link), downloading only if needed.
    fn fetch_file(&self, id: &HubId, commit: &str, repo_dir: &Path, file: &str) -> Result<()> {
        let link = repo_dir.join("snapshots").join(commit).join(file);
        // A commit is immutable: a snapshot file that resolves is the right one.
        if std::fs::metadata(&link).is_ok_and(|m| m.is_file()) {
            return Ok(());
        }
        let meta = self.file_meta(id, commit, file)?;
        let blobs = repo_dir.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(io_error(&blobs))?;
        let blob = blobs.join(&meta.etag);
        if !std::fs::metadata(&blob).is_ok_and(|m| m.is_file() && m.len() == meta.size) {
            self.download_blob(file, &meta, &blob)?;
        }
        link_snapshot(&link, &meta.etag, file)
    }

    fn download_blob(&self, file: &str, meta: &FileMeta, blob: &Path) -> Result<()> {
        let incomplete = blob.with_file_name(format!("{}.incomplete", meta.etag));
        let mut last_problem = String::new();
        let mut corrupt = false;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.config.report(Progress::Retry { file, reason: &last_problem });
                std::thread::sleep(Duration::from_millis(100 * attempt as u64));
            }
            match self.attempt(file, meta, &incomplete) {
                Ok(Attempt::Complete) => {}
                Ok(Attempt::Interrupted(why)) => {
                    last_problem = why;
                    continue;
                }
                // HTTP errors other than a broken transfer (e.g. 404 on the CDN) are not retried.
                Err(e @ (HubError::Unauthorized { .. } | HubError::RepoNotFound { .. } | HubError::Io { .. })) => {
                    return Err(e);
                }
                Err(e) => {
                    last_problem = e.to_string();
                    continue;
                }
            }
            match verify(&incomplete, meta) {
                Ok(()) => {
                    std::fs::rename(&incomplete, blob).map_err(io_error(blob))?;
                    self.config.report(Progress::Done { file });
                    return Ok(());
                }
                Err(problem) => {
                    // Corrupt bytes cannot be resumed from: start again from nothing.
                    let _ = std::fs::remove_file(&incomplete);
                    last_problem = problem;
                    corrupt = true;
                }
            }
        }
        if corrupt {
            Err(HubError::Integrity { file: file.to_owned(), message: last_problem })
        } else {
            Err(HubError::Network {
                url: meta.location.clone(),
                message: format!("download failed after {ATTEMPTS} attempts: {last_problem}"),
            })
        }
    }

    /// One GET into `.incomplete`, resuming from its length.
    fn attempt(&self, file: &str, meta: &FileMeta, incomplete: &Path) -> Result<Attempt> {
        let mut have = std::fs::metadata(incomplete).map(|m| m.len()).unwrap_or(0);
        if have > meta.size {
            std::fs::remove_file(incomplete).map_err(io_error(incomplete))?;
            have = 0;
        }
        if have == meta.size {
            return Ok(Attempt::Complete);
        }
        let mut request = self.request("GET", &meta.location);
        if have > 0 {
            request = request.set("Range", &format!("bytes={have}-"));
        }
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(416, _)) => {
                std::fs::remove_file(incomplete).map_err(io_error(incomplete))?;
                return Ok(Attempt::Interrupted("the server refused the resume range".into()));
            }
            Err(ureq::Error::Status(status, _)) => {
                return Err(HubError::Network { url: meta.location.clone(), message: format!("HTTP {status}") });
            }
            Err(ureq::Error::Transport(t)) => return Ok(Attempt::Interrupted(format!("connection failed: {t}"))),
        };
        let resumed = have > 0 && response.status() == 206;
        if !resumed {
            have = 0;
        }
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(incomplete)
            .map_err(io_error(incomplete))?;
        self.config.report(Progress::Start { file, total: meta.size, resumed_from: have });
        let mut reader = response.into_reader().take(meta.size - have);
        let mut buffer = vec![0u8; 64 * 1024];
        let mut done = have;
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    out.write_all(&buffer[..n]).map_err(io_error(incomplete))?;
                    done += n as u64;
                    self.config.report(Progress::Advance { file, done, total: meta.size });
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    out.flush().map_err(io_error(incomplete))?;
                    return Ok(Attempt::Interrupted(format!(
                        "connection lost after {done} of {} bytes: {e}",
                        meta.size
                    )));
                }
            }
        }
        out.sync_all().map_err(io_error(incomplete))?;
        if done < meta.size {
            return Ok(Attempt::Interrupted(format!("body ended after {done} of {} bytes", meta.size)));
        }
        Ok(Attempt::Complete)
    }
}

/// Size, then the hash the ETag is: sha256 (64 hex digits, LFS files) or the git blob sha1 (40).
fn verify(path: &Path, meta: &FileMeta) -> std::result::Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 != meta.size {
        return Err(format!("{} bytes where the hub announced {}", bytes.len(), meta.size));
    }
    let actual = match meta.etag.len() {
        64 => hex(&sha2::Sha256::digest(&bytes)),
        40 => {
            let mut hasher = sha1::Sha1::new();
            hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
            hasher.update(&bytes);
            hex(&hasher.finalize())
        }
        // Some other ETag form: the size is all that can be checked.
        _ => return Ok(()),
    };
    if actual != meta.etag.to_ascii_lowercase() {
        return Err(format!("content hash {actual} is not the ETag {}", meta.etag));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `snapshots/<commit>/<file>` -> `../../blobs/<etag>` (one more `..` per directory in `file`),
/// replaced atomically so a reader never sees a missing or half-made link.
fn link_snapshot(link: &Path, etag: &str, file: &str) -> Result<()> {
    let parent = link
        .parent()
        .ok_or_else(|| HubError::Io { path: link.to_owned(), source: std::io::Error::other("no parent directory") })?;
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let depth = 2 + file.matches('/').count();
    let target: PathBuf = std::iter::repeat_n("..", depth).collect::<PathBuf>().join("blobs").join(etag);
    let temporary =
        parent.join(format!(".{}.{}.tmp", link.file_name().unwrap_or_default().to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &temporary).map_err(io_error(&temporary))?;
    #[cfg(not(unix))]
    std::fs::copy(parent.join(&target), &temporary).map_err(io_error(&temporary))?;
    std::fs::rename(&temporary, link).map_err(io_error(link))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ids_parse_and_paths_do_not() {
        assert_eq!(HubId::parse("org/name@v1"), Some(HubId { repo: "org/name".into(), revision: "v1".into() }));
        assert_eq!(HubId::parse("gpt2").map(|i| i.revision), Some("main".into()));
        for not_an_id in ["/abs/path", "./dir", "../x", "a/b/c", "org/name@", "org/..", "", "a b/c", "org/na--me"] {
            assert_eq!(HubId::parse(not_an_id), None, "{not_an_id}");
        }
    }

    #[test]
    fn only_the_files_wasmicro_reads_are_needed() {
        for needed in ["config.json", "model.safetensors", "vocab.txt", "1_Pooling/config.json", "spiece.model"] {
            assert!(is_needed_file(needed), "{needed}");
        }
        for other in ["pytorch_model.bin", "onnx/model.onnx", "tf_model.h5", "2_Dense/model.safetensors", "README.md"] {
            assert!(!is_needed_file(other), "{other}");
        }
    }

    #[test]
    fn origins_and_etags() {
        assert_eq!(origin("http://127.0.0.1:8080/a/b"), "http://127.0.0.1:8080");
        assert_ne!(origin("http://127.0.0.1:8080/a"), origin("http://127.0.0.1:8081/a"));
        assert_eq!(normalize_etag("W/\"abc\""), "abc");
        assert_eq!(encode_segment("refs/pr/1"), "refs%2Fpr%2F1");
    }
}
