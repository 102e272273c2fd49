//! `wasmicro serve`: an HTTP inference server speaking Hugging Face text-embeddings-inference's
//! API (`/embed`, `/rerank`, `/predict`, `/tokenize`, `/health`, `/info`, `/metrics`), OpenAI's
//! `/v1/embeddings`, and text-generation-inference's `/generate` and `/generate_stream`.
//!
//! Requests are read whole (bounded in size and time) before they may use an instance; calls
//! run on a pool of component instances (see `pool.rs`) under a memory limit and an epoch
//! deadline; an instance that traps or overruns is rebuilt while the server keeps serving.

mod bench;
mod http;
mod metrics;
mod pool;
mod routes;

pub use bench::{BenchServeArgs, bench_serve};
pub use metrics::Metrics;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    /// Model directory (Hugging Face layout) or hub id. Default: $WASMICRO_MODEL, else
    /// all-MiniLM-L6-v2 in the cache.
    #[arg(long, short)]
    pub model: Option<String>,
    /// Quantize the weights to int8 at load (about twice as fast; close to, not equal to, f32).
    #[arg(long)]
    pub int8: bool,
    /// Address to listen on (loopback unless told otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0: any free port; the chosen address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Component instances, each with the model loaded (default: available cores, at most 4).
    #[arg(long)]
    pub instances: Option<usize>,
    /// Token budget of one embedding batch (requests waiting together are merged up to it).
    #[arg(long, default_value_t = 8192)]
    pub max_batch_tokens: usize,
    /// Requests that may wait for an instance; one more is answered 429 at once.
    #[arg(long, default_value_t = 512)]
    pub max_concurrent_requests: usize,
    /// Most inputs in one request (`inputs`, `texts`, `input`).
    #[arg(long, default_value_t = 32)]
    pub max_client_batch_size: usize,
    /// Largest request body, in bytes (413 above).
    #[arg(long, default_value_t = 2_000_000)]
    pub max_input_bytes: usize,
    /// Deadline of one call inside an instance; past it the call is interrupted (504) and the
    /// instance rebuilt.
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
    /// Time a client has to send its headers and body (408 after).
    #[arg(long, default_value_t = 10_000)]
    pub read_timeout_ms: u64,
    /// Linear memory each instance may grow to, in MB.
    #[arg(long, default_value_t = 2048)]
    pub max_memory_mb: usize,
    /// Require `Authorization: Bearer KEY` on every route but /health (default:
    /// $WASMICRO_API_KEY when set).
    #[arg(long)]
    pub api_key: Option<String>,
    /// Truncate inputs longer than the model's limit when a request does not say (`truncate`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_truncate: bool,
    /// Name reported as `model_id` / OpenAI `model` (default: the directory's name).
    #[arg(long)]
    pub model_id: Option<String>,
}

/// An answer other than success: TEI's `{"error", "error_type"}` with its status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub error_type: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, error_type, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "validation", message)
    }

    pub fn empty(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "empty", message)
    }

    /// A body over `--max-input-bytes`.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(413, "validation", message)
    }

    /// More inputs than `--max-client-batch-size`: 422, as the issue that specified this server
    /// asks (TEI itself answers 413 here; its error body is the same).
    pub fn too_many(message: impl Into<String>) -> ApiError {
        ApiError::new(422, "validation", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(422, "validation", message)
    }

    /// The loaded model cannot do what the route asks (TEI answers 424).
    pub fn not_supported(message: impl Into<String>) -> ApiError {
        ApiError::new(424, "backend", message)
    }

    pub fn overloaded() -> ApiError {
        ApiError::new(429, "overloaded", "Model is overloaded: too many requests are waiting")
    }

    /// A failed call inside an instance: a typed error from the component is the client's
    /// input (422, or 424 when the model cannot do it); an interrupt is the deadline (504); any
    /// other trap is the instance's failure (503; the instance is rebuilt).
    pub fn from_call(error: &wasmicro::Error, elapsed: Duration) -> ApiError {
        match error {
            wasmicro::Error::Model { kind: "unsupported", message } => ApiError::not_supported(message.clone()),
            wasmicro::Error::Model { kind, message } => ApiError::new(422, "validation", format!("{kind}: {message}")),
            wasmicro::Error::Runtime(e) if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) => {
                ApiError::new(
                    504,
                    "timeout",
                    format!("the request exceeded its deadline (stopped after {} ms)", elapsed.as_millis()),
                )
            }
            wasmicro::Error::Runtime(e) => ApiError::new(
                503,
                "backend",
                format!("the inference instance failed ({}); it is being replaced, retry", first_line(e)),
            ),
            wasmicro::Error::Io { .. } | wasmicro::Error::Hub(_) => ApiError::new(500, "backend", error.to_string()),
        }
    }

    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.message, "error_type": self.error_type })
    }
}

fn first_line(e: &wasmtime::Error) -> String {
    let text = format!("{e}");
    text.lines().next().unwrap_or("trap").to_owned()
}

/// Everything a request handler needs.
pub struct AppState {
    pub pool: Arc<pool::Pool>,
    pub metrics: Arc<Metrics>,
    pub args: ServeArgs,
    pub model_id: String,
    /// Requests being answered (their handlers are running), for a graceful stop.
    pub in_flight: std::sync::atomic::AtomicUsize,
}

/// Loads the model into the pool and serves until SIGTERM or Ctrl-C, then finishes the requests
/// under way (up to `--timeout-ms` more) and returns. `on_ready` gets the bound
/// address (the port may have been 0).
pub fn serve(args: ServeArgs, model_dir: PathBuf, on_ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    let state = start_state(args, &model_dir)?;
    runtime.block_on(async move {
        let addr = format!("{}:{}", state.args.host, state.args.port);
        let listener =
            tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        on_ready(local);
        let state = Arc::new(state);
        tokio::select! {
            _ = http::accept_loop(listener, state.clone()) => {}
            _ = shutdown_signal() => {}
        }
        // No new connections from here; requests under way get up to their deadline to finish
        // (a rolling update then loses no answer).
        let grace = Duration::from_millis(state.args.timeout_ms.saturating_add(1000));
        let stopping = std::time::Instant::now();
        while state.in_flight.load(std::sync::atomic::Ordering::Relaxed) > 0 && stopping.elapsed() < grace {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Let the last answers' bytes leave before the runtime (and its connections) goes.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(())
    })
}

/// SIGTERM (what Kubernetes sends) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn start_state(mut args: ServeArgs, model_dir: &std::path::Path) -> Result<AppState, String> {
    if args.api_key.is_none() {
        args.api_key = std::env::var("WASMICRO_API_KEY").ok().filter(|k| !k.is_empty());
    }
    let files = wasmicro::read_model_dir(model_dir).map_err(|e| e.to_string())?;
    let engine = wasmicro::Engine::with_options(&wasmicro::EngineOptions { epoch_interruption: true })
        .map_err(|e| e.to_string())?;
    let instances =
        args.instances.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)).max(1);
    let metrics = Arc::new(Metrics::default());
    let config = pool::PoolConfig {
        instances,
        queue_capacity: args.max_concurrent_requests.max(1),
        max_batch_tokens: args.max_batch_tokens.max(1),
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        limits: wasmicro::Limits { max_memory: args.max_memory_mb.saturating_mul(1 << 20) },
        load: wasmicro::LoadOptions::int8_if(args.int8),
    };
    let pool = pool::Pool::start(engine, Arc::new(files), config, metrics.clone())
        .map_err(|e| format!("{}: {e}", model_dir.display()))?;
    let model_id = args.model_id.clone().unwrap_or_else(|| {
        model_dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| model_dir.display().to_string())
    });
    Ok(AppState { pool, metrics, args, model_id, in_flight: Default::default() })
}
