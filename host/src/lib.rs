//! Runs the wasmicro component under wasmtime.
//!
//! ```no_run
//! let engine = wasmicro::Engine::new()?;
//! let mut model = wasmicro::Model::from_dir(&engine, "path/to/all-MiniLM-L6-v2")?;
//! let vector = model.embed("Hello, world", &Default::default())?;
//! # Ok::<(), wasmicro::Error>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{ResourceLimiter, Store};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

pub mod hub;

mod bindings {
    wasmtime::component::bindgen!({
        world: "wasmicro",
        path: "../wit",
    });
}

pub use bindings::exports::wasmicro::inference::engine::{
    ClassifyOptions, EmbedOptions, Family, GenerateOptions, LabelScore, LoadOptions, ModelInfo, Pooling, Ranked,
    Weights, ZeroShotOptions,
};
use bindings::exports::wasmicro::inference::engine::{Error as WitError, File};

/// The component this host was built with (see build.rs).
pub const COMPONENT: &[u8] = include_bytes!(env!("WASMICRO_COMPONENT_PATH"));

/// Errors of the host library.
#[derive(Debug)]
pub enum Error {
    /// A typed error from the component: `kind` is the WIT case (`invalid-model`, ...).
    Model { kind: &'static str, message: String },
    /// Reading model files.
    Io { path: PathBuf, source: std::io::Error },
    /// Loading a model by hub id (download, cache, offline lookup).
    Hub(hub::HubError),
    /// The component trapped or could not be instantiated. The instance is discarded;
    /// the `Model` must be loaded again.
    Runtime(wasmtime::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Model { kind, message } => write!(f, "{kind}: {message}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Runtime(e) => write!(f, "runtime error: {e:#}"),
            Error::Hub(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<WitError> for Error {
    fn from(e: WitError) -> Error {
        let (kind, message) = match e {
            WitError::MissingFile(m) => ("missing-file", m),
            WitError::InvalidModel(m) => ("invalid-model", m),
            WitError::InvalidConfig(m) => ("invalid-config", m),
            WitError::InvalidTokenizer(m) => ("invalid-tokenizer", m),
            WitError::UnsupportedArchitecture(m) => ("unsupported-architecture", m),
            WitError::Unsupported(m) => ("unsupported", m),
            WitError::InvalidInput(m) => ("invalid-input", m),
        };
        Error::Model { kind, message }
    }
}

impl From<hub::HubError> for Error {
    fn from(e: hub::HubError) -> Error {
        Error::Hub(e)
    }
}

impl From<wasmtime::Error> for Error {
    fn from(e: wasmtime::Error) -> Error {
        Error::Runtime(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryLimiter,
}

/// Caps linear memory and remembers the most the instance ever held.
struct MemoryLimiter {
    max: usize,
    peak: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max {
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A compiled component, reusable for any number of models.
#[derive(Clone)]
pub struct Engine {
    engine: wasmtime::Engine,
    pre: bindings::WasmicroPre<State>,
    epoch_interruption: bool,
}

/// How an [`Engine`] compiles the component.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Compile with epoch checks so that a call can be interrupted: see
    /// [`Engine::increment_epoch`] and [`Instance::set_deadline`]. Costs a little speed.
    pub epoch_interruption: bool,
}

impl Engine {
    /// Compiles the embedded component (or loads its compiled form from the cache directory,
    /// `$WASMICRO_CACHE` or `~/.cache/wasmicro`, keyed by the component and wasmtime build).
    pub fn new() -> Result<Engine> {
        Engine::from_component_bytes(COMPONENT)
    }

    pub fn from_component_bytes(bytes: &[u8]) -> Result<Engine> {
        Engine::build(bytes, true)
    }

    /// Compiles without reading or writing the compile cache (to time compilation).
    pub fn from_component_bytes_uncached(bytes: &[u8]) -> Result<Engine> {
        Engine::build(bytes, false)
    }

    /// Compiles the embedded component with the given options (compile cache as [`Engine::new`]).
    pub fn with_options(options: &EngineOptions) -> Result<Engine> {
        Engine::build_with(COMPONENT, true, options)
    }

    /// Advances the epoch: every call running past its [`Instance::set_deadline`] traps.
    pub fn increment_epoch(&self) {
        self.engine.increment_epoch();
    }

    fn build(bytes: &[u8], use_cache: bool) -> Result<Engine> {
        Engine::build_with(bytes, use_cache, &EngineOptions::default())
    }

    fn build_with(bytes: &[u8], use_cache: bool, options: &EngineOptions) -> Result<Engine> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(options.epoch_interruption);
        // Built with `--features profiling`, `WASMICRO_PROFILE=perfmap` lets `perf` name the
        // component's functions (and skips the compile cache, whose code has no map entries).
        #[cfg(feature = "profiling")]
        let use_cache = if std::env::var("WASMICRO_PROFILE").as_deref() == Ok("perfmap") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
            false
        } else {
            use_cache
        };
        let engine = wasmtime::Engine::new(&config)?;
        let component = if use_cache { compile_cached(&engine, bytes)? } else { Component::new(&engine, bytes)? };
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = bindings::WasmicroPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Engine { engine, pre, epoch_interruption: options.epoch_interruption })
    }
}

fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WASMICRO_CACHE") {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("wasmicro"))
}

fn compile_cached(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Component> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = cache_dir().map(|d| d.join("compiled").join(format!("{:016x}.cwasm", hasher.finish())));
    if let Some(path) = path.as_ref().filter(|p| p.exists()) {
        // SAFETY: the file was written by `Component::serialize` of this very wasmtime
        // build (its hash is in the name) into our own cache directory.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, path) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes)?;
    if let Some(path) = &path {
        // Best effort: a read-only cache only costs the next start its compile time.
        if let (Some(dir), Ok(serialized)) = (path.parent(), component.serialize()) {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::create_dir_all(dir).is_ok() && std::fs::write(&tmp, serialized).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
    Ok(component)
}

/// One component instance. It can hold any number of models; a failed call (a typed error)
/// leaves it and its models usable. If it ever traps it is poisoned and refuses further calls.
pub struct Instance {
    store: Store<State>,
    bindings: bindings::Wasmicro,
    poisoned: bool,
}

/// A model loaded into an [`Instance`]; only valid with the instance that loaded it.
#[derive(Debug)]
pub struct ModelHandle(ResourceAny);

/// A generation in progress inside an [`Instance`].
#[derive(Debug)]
pub struct GenerationHandle(ResourceAny);

/// Limits applied to every instance.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Linear memory the component may grow to, in bytes.
    pub max_memory: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_memory: 4 << 30 }
    }
}

macro_rules! model_call {
    ($self:ident, $handle:expr, $method:ident $(, $arg:expr)*) => {
        $self.call(|b, s| b.wasmicro_inference_engine().model().$method(s, $handle.0 $(, $arg)*))
    };
}

impl Instance {
    pub fn new(engine: &Engine, limits: &Limits) -> Result<Instance> {
        let state = State {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            memory: MemoryLimiter { max: limits.max_memory, peak: 0 },
        };
        let mut store = Store::new(&engine.engine, state);
        store.limiter(|s| &mut s.memory);
        if engine.epoch_interruption {
            // No deadline until one is set: the default (0) would trap at once.
            store.set_epoch_deadline(u64::MAX / 2);
        }
        let bindings = engine.pre.instantiate(&mut store)?;
        Ok(Instance { store, bindings, poisoned: false })
    }

    /// Calls from now on trap once the engine's epoch has advanced `ticks` times
    /// ([`Engine::increment_epoch`]); `None` removes the deadline. Only has an effect on an
    /// engine built with [`EngineOptions::epoch_interruption`].
    pub fn set_deadline(&mut self, ticks: Option<u64>) {
        self.store.set_epoch_deadline(ticks.unwrap_or(u64::MAX / 2));
    }

    /// Whether a call trapped: the instance then refuses every call and must be replaced.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Runs one call, poisoning the instance if it traps.
    fn call<T>(
        &mut self,
        f: impl FnOnce(&bindings::Wasmicro, &mut Store<State>) -> wasmtime::Result<std::result::Result<T, WitError>>,
    ) -> Result<T> {
        if self.poisoned {
            return Err(Error::Runtime(wasmtime::Error::msg("this instance trapped earlier; create a new one")));
        }
        match f(&self.bindings, &mut self.store) {
            Ok(result) => Ok(result?),
            Err(trap) => {
                self.poisoned = true;
                Err(Error::Runtime(trap))
            }
        }
    }

    /// Loads a model from the files of a model directory (relative names, `/`-separated).
    pub fn load(&mut self, files: Vec<(String, Vec<u8>)>) -> Result<ModelHandle> {
        self.load_with_options(files, &LoadOptions::default())
    }

    /// `load`, e.g. with the weights quantized to int8 (`Weights::Int8`).
    pub fn load_with_options(&mut self, files: Vec<(String, Vec<u8>)>, options: &LoadOptions) -> Result<ModelHandle> {
        let files: Vec<File> = files.into_iter().map(|(name, bytes)| File { name, bytes }).collect();
        self.call(|b, s| b.wasmicro_inference_engine().call_load_with_options(s, &files, *options)).map(ModelHandle)
    }

    /// The model's weights as an int8 `model.safetensors` (it must have int8 weights).
    pub fn int8_checkpoint(&mut self, model: &ModelHandle) -> Result<Vec<u8>> {
        model_call!(self, model, call_int8_checkpoint)
    }

    /// Frees a model's memory inside the instance (wasm memory is reused, never returned).
    pub fn unload(&mut self, model: ModelHandle) -> Result<()> {
        self.call(|_, s| model.0.resource_drop(s).map(Ok))
    }

    pub fn info(&mut self, model: &ModelHandle) -> Result<ModelInfo> {
        self.call(|b, s| b.wasmicro_inference_engine().model().call_info(s, model.0).map(Ok))
    }

    pub fn tokenize(&mut self, model: &ModelHandle, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        model_call!(self, model, call_tokenize, text, add_special_tokens)
    }

    pub fn decode(&mut self, model: &ModelHandle, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        model_call!(self, model, call_decode, ids, skip_special_tokens)
    }

    pub fn embed(&mut self, model: &ModelHandle, text: &str, options: &EmbedOptions) -> Result<Vec<f32>> {
        model_call!(self, model, call_embed, text, *options)
    }

    pub fn embed_batch<S: AsRef<str>>(
        &mut self,
        model: &ModelHandle,
        texts: &[S],
        options: &EmbedOptions,
    ) -> Result<Vec<Vec<f32>>> {
        let texts: Vec<String> = texts.iter().map(|t| t.as_ref().to_owned()).collect();
        model_call!(self, model, call_embed_batch, &texts, *options)
    }

    pub fn embed_tokens(&mut self, model: &ModelHandle, text: &str, options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        model_call!(self, model, call_embed_tokens, text, *options)
    }

    pub fn generate(&mut self, model: &ModelHandle, prompt: &str, options: &GenerateOptions) -> Result<String> {
        model_call!(self, model, call_generate, prompt, options)
    }

    pub fn generate_stream(
        &mut self,
        model: &ModelHandle,
        prompt: &str,
        options: &GenerateOptions,
    ) -> Result<GenerationHandle> {
        model_call!(self, model, call_generate_stream, prompt, options).map(GenerationHandle)
    }

    /// The next chunk of text, or `None` when the generation has ended.
    pub fn next_chunk(&mut self, generation: &GenerationHandle) -> Result<Option<String>> {
        self.call(|b, s| b.wasmicro_inference_engine().generation().call_next(s, generation.0))
    }

    /// The ids generated so far.
    pub fn generation_tokens(&mut self, generation: &GenerationHandle) -> Result<Vec<u32>> {
        self.call(|b, s| b.wasmicro_inference_engine().generation().call_tokens(s, generation.0).map(Ok))
    }

    pub fn finish_generation(&mut self, generation: GenerationHandle) -> Result<()> {
        self.call(|_, s| generation.0.resource_drop(s).map(Ok))
    }

    pub fn next_token_logits(&mut self, model: &ModelHandle, prompt: &str) -> Result<Vec<f32>> {
        model_call!(self, model, call_next_token_logits, prompt)
    }

    pub fn classify(
        &mut self,
        model: &ModelHandle,
        text: &str,
        pair: Option<&str>,
        options: &ClassifyOptions,
    ) -> Result<Vec<LabelScore>> {
        model_call!(self, model, call_classify, text, pair, *options)
    }

    pub fn rerank<S: AsRef<str>>(&mut self, model: &ModelHandle, query: &str, documents: &[S]) -> Result<Vec<Ranked>> {
        let documents: Vec<String> = documents.iter().map(|d| d.as_ref().to_owned()).collect();
        model_call!(self, model, call_rerank, query, &documents)
    }

    pub fn zero_shot<S: AsRef<str>>(
        &mut self,
        model: &ModelHandle,
        text: &str,
        labels: &[S],
        options: &ZeroShotOptions,
    ) -> Result<Vec<LabelScore>> {
        let labels: Vec<String> = labels.iter().map(|l| l.as_ref().to_owned()).collect();
        model_call!(self, model, call_zero_shot, text, &labels, options)
    }

    /// The most linear memory the instance has held, in bytes (wasm memory never shrinks,
    /// so this is also what it holds now).
    pub fn peak_memory_bytes(&self) -> usize {
        self.store.data().memory.peak
    }
}

/// A model with an instance of its own: the simple way to use one model.
pub struct Model {
    instance: Instance,
    handle: ModelHandle,
}

impl Model {
    /// Loads every file of a model directory (recursively, e.g. `1_Pooling/config.json`),
    /// skipping weights formats the component does not read.
    pub fn from_dir(engine: &Engine, dir: impl AsRef<Path>) -> Result<Model> {
        Model::from_files(engine, read_model_dir(dir.as_ref())?, &Limits::default())
    }

    /// Loads a model by Hugging Face hub id, `org/name` or `org/name@revision`, through the hub
    /// cache shared with `huggingface_hub` (see [`hub`] for the environment it reads). A local
    /// directory of that name wins when it exists.
    pub fn from_pretrained(engine: &Engine, id: &str) -> Result<Model> {
        Model::from_pretrained_with(engine, id, &hub::HubConfig::from_env())
    }

    /// [`Model::from_pretrained`] with an explicit hub configuration (endpoint, cache, token, progress).
    pub fn from_pretrained_with(engine: &Engine, id: &str, config: &hub::HubConfig) -> Result<Model> {
        Model::from_files(engine, read_model_source(id, config)?, &Limits::default())
    }

    pub fn from_files(engine: &Engine, files: Vec<(String, Vec<u8>)>, limits: &Limits) -> Result<Model> {
        Model::from_files_with_options(engine, files, limits, &LoadOptions::default())
    }

    pub fn from_files_with_options(
        engine: &Engine,
        files: Vec<(String, Vec<u8>)>,
        limits: &Limits,
        options: &LoadOptions,
    ) -> Result<Model> {
        let mut instance = Instance::new(engine, limits)?;
        let handle = instance.load_with_options(files, options)?;
        Ok(Model { instance, handle })
    }

    /// The weights as an int8 `model.safetensors` (see `Instance::int8_checkpoint`).
    pub fn int8_checkpoint(&mut self) -> Result<Vec<u8>> {
        self.instance.int8_checkpoint(&self.handle)
    }

    pub fn info(&mut self) -> Result<ModelInfo> {
        self.instance.info(&self.handle)
    }

    pub fn tokenize(&mut self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        self.instance.tokenize(&self.handle, text, add_special_tokens)
    }

    pub fn decode(&mut self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        self.instance.decode(&self.handle, ids, skip_special_tokens)
    }

    pub fn embed(&mut self, text: &str, options: &EmbedOptions) -> Result<Vec<f32>> {
        self.instance.embed(&self.handle, text, options)
    }

    pub fn embed_batch<S: AsRef<str>>(&mut self, texts: &[S], options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        self.instance.embed_batch(&self.handle, texts, options)
    }

    pub fn embed_tokens(&mut self, text: &str, options: &EmbedOptions) -> Result<Vec<Vec<f32>>> {
        self.instance.embed_tokens(&self.handle, text, options)
    }

    pub fn generate(&mut self, prompt: &str, options: &GenerateOptions) -> Result<String> {
        self.instance.generate(&self.handle, prompt, options)
    }

    /// Streams a generation: `on_chunk` sees each piece of text as it is produced.
    /// Returns the generated ids.
    pub fn generate_streaming(
        &mut self,
        prompt: &str,
        options: &GenerateOptions,
        mut on_chunk: impl FnMut(&str),
    ) -> Result<Vec<u32>> {
        let generation = self.instance.generate_stream(&self.handle, prompt, options)?;
        while let Some(chunk) = self.instance.next_chunk(&generation)? {
            on_chunk(&chunk);
        }
        let tokens = self.instance.generation_tokens(&generation)?;
        self.instance.finish_generation(generation)?;
        Ok(tokens)
    }

    pub fn next_token_logits(&mut self, prompt: &str) -> Result<Vec<f32>> {
        self.instance.next_token_logits(&self.handle, prompt)
    }

    pub fn classify(&mut self, text: &str, pair: Option<&str>, options: &ClassifyOptions) -> Result<Vec<LabelScore>> {
        self.instance.classify(&self.handle, text, pair, options)
    }

    pub fn rerank<S: AsRef<str>>(&mut self, query: &str, documents: &[S]) -> Result<Vec<Ranked>> {
        self.instance.rerank(&self.handle, query, documents)
    }

    pub fn zero_shot<S: AsRef<str>>(
        &mut self,
        text: &str,
        labels: &[S],
        options: &ZeroShotOptions,
    ) -> Result<Vec<LabelScore>> {
        self.instance.zero_shot(&self.handle, text, labels, options)
    }

    pub fn instance(&mut self) -> (&mut Instance, &ModelHandle) {
        (&mut self.instance, &self.handle)
    }

    pub fn peak_memory_bytes(&self) -> usize {
        self.instance.peak_memory_bytes()
    }
}

// The bindgen-generated types cannot take a derive of their own.
impl LoadOptions {
    /// int8 weights when `int8`, else the weights as stored (what `--int8` flags choose).
    pub fn int8_if(int8: bool) -> LoadOptions {
        LoadOptions { weights: if int8 { Weights::Int8 } else { Weights::AsStored } }
    }
}

#[allow(clippy::derivable_impls)]
impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions { weights: Weights::AsStored }
    }
}

#[allow(clippy::derivable_impls)]
impl Default for EmbedOptions {
    fn default() -> EmbedOptions {
        EmbedOptions { pooling: None, normalize: None, max_tokens: None, truncate: None }
    }
}

#[allow(clippy::derivable_impls)]
impl Default for ClassifyOptions {
    fn default() -> ClassifyOptions {
        ClassifyOptions { top_k: None, raw_scores: false, max_tokens: None }
    }
}

#[allow(clippy::derivable_impls)]
impl Default for ZeroShotOptions {
    fn default() -> ZeroShotOptions {
        ZeroShotOptions { hypothesis_template: None, multi_label: false }
    }
}

#[allow(clippy::derivable_impls)]
impl Default for GenerateOptions {
    fn default() -> GenerateOptions {
        GenerateOptions {
            max_new_tokens: None,
            temperature: None,
            top_k: None,
            top_p: None,
            repetition_penalty: None,
            seed: None,
            stop: Vec::new(),
        }
    }
}

/// The files of a model given as a local directory or a hub id (`org/name[@revision]`): the
/// directory wins when it exists; otherwise the hub cache is used (and filled unless offline).
pub fn read_model_source(source: &str, config: &hub::HubConfig) -> Result<Vec<(String, Vec<u8>)>> {
    let path = Path::new(source);
    if path.is_dir() {
        return read_model_dir(path);
    }
    let id = hub::HubId::parse(source).ok_or_else(|| hub::HubError::InvalidId(source.to_owned()))?;
    Ok(hub::download(config, &id)?.read_files()?)
}

/// Files a model directory holds that the component may need: everything except other weight
/// formats (PyTorch, ONNX, ...), which can be large and are never read.
pub fn read_model_dir(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let full = dir.join(&relative);
        let entries = std::fs::read_dir(&full).map_err(|source| Error::Io { path: full.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io { path: full.clone(), source })?;
            let name = relative.join(entry.file_name());
            let path = entry.path();
            let file_type = entry.file_type().map_err(|source| Error::Io { path: path.clone(), source })?;
            let is_dir = file_type.is_dir() || (file_type.is_symlink() && path.is_dir());
            if is_dir {
                if relative.as_os_str().is_empty() && !entry.file_name().to_string_lossy().starts_with('.') {
                    pending.push(name);
                }
                continue;
            }
            let name_str = name.to_string_lossy().replace('\\', "/");
            if is_needed(&name_str) {
                let bytes = std::fs::read(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
                files.push((name_str, bytes));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

fn is_needed(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    let top_level = !name.contains('/');
    (file.ends_with(".json") || file.ends_with(".txt") || file == "spiece.model" || file == "tokenizer.model")
        || (top_level && file == "model.safetensors")
}
