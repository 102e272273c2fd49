//! HTTP/1.1 plumbing: connections, bounded body reading, auth, JSON and SSE answers.

use super::{ApiError, AppState, routes};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, combinators::BoxBody};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub type ResponseBody = BoxBody<Bytes, Infallible>;

pub async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<AppState>) {
    let header_timeout = Duration::from_millis(state.args.read_timeout_ms.max(1));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(state, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(state: Arc<AppState>, request: Request<Incoming>) -> Response<ResponseBody> {
    let started = Instant::now();
    let route = route_name(request.uri().path());
    state.in_flight.fetch_add(1, Ordering::Relaxed);
    let _in_flight = InFlight(&state.in_flight);
    let response = match answer(&state, request).await {
        Ok(response) => response,
        Err(error) => error_response(&error),
    };
    let status = response.status().as_u16();
    let error_type = response.extensions().get::<ErrorKind>().map(|k| k.0);
    state.metrics.observe_request(route, status, error_type, started.elapsed());
    response
}

/// Routes by a fixed name, so that metrics' labels stay bounded whatever paths clients send.
fn route_name(path: &str) -> &'static str {
    match path {
        "/embed" => "/embed",
        "/v1/embeddings" | "/embeddings" => "/v1/embeddings",
        "/rerank" => "/rerank",
        "/predict" => "/predict",
        "/tokenize" => "/tokenize",
        "/decode" => "/decode",
        "/generate" => "/generate",
        "/generate_stream" => "/generate_stream",
        "/health" => "/health",
        "/info" => "/info",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

/// Counts a request until its handler ends (answered, or dropped because the client left).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy)]
struct ErrorKind(&'static str);

async fn answer(state: &AppState, request: Request<Incoming>) -> Result<Response<ResponseBody>, ApiError> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if path == "/health" {
        return if method == Method::GET { routes::health(state) } else { Err(method_not_allowed("GET")) };
    }
    if let Some(key) = &state.args.api_key {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), key.as_bytes())) {
            return Err(ApiError::new(401, "unauthorized", "missing or wrong API key (Authorization: Bearer KEY)"));
        }
    }
    let get_route = matches!(path.as_str(), "/info" | "/metrics");
    let post_route = route_name(&path) != "other" && !get_route;
    if get_route && method != Method::GET {
        return Err(method_not_allowed("GET"));
    }
    if post_route && method != Method::POST {
        return Err(method_not_allowed("POST"));
    }
    match path.as_str() {
        "/info" => return Ok(json_response(200, &routes::info(state))),
        "/metrics" => {
            let in_flight = state.in_flight.load(Ordering::Relaxed);
            let text = state.metrics.render(state.pool.healthy_instances(), state.pool.instances(), in_flight);
            return Ok(Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "text/plain; version=0.0.4")
                .body(full(text))
                .unwrap_or_else(|_| Response::new(full(""))));
        }
        _ if !post_route => return Err(ApiError::new(404, "not_found", format!("no route {path}"))),
        _ => {}
    }
    let body = read_body(state, request).await?;
    let json: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if !json.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    match path.as_str() {
        "/embed" => routes::embed(state, &json).await,
        "/v1/embeddings" | "/embeddings" => routes::openai_embeddings(state, &json).await,
        "/rerank" => routes::rerank(state, &json).await,
        "/predict" => routes::predict(state, &json).await,
        "/tokenize" => routes::tokenize(state, &json).await,
        "/decode" => routes::decode(state, &json).await,
        "/generate" => routes::generate(state, &json).await,
        "/generate_stream" => routes::generate_stream(state, &json).await,
        _ => Err(ApiError::new(404, "not_found", format!("no route {path}"))),
    }
}

fn method_not_allowed(allowed: &str) -> ApiError {
    ApiError::new(405, "validation", format!("method not allowed (use {allowed})"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The whole body, before any instance is involved: at most `--max-input-bytes` (413) within
/// `--read-timeout-ms` (408), so a slow or vanishing client only costs a parked task.
async fn read_body(state: &AppState, request: Request<Incoming>) -> Result<Bytes, ApiError> {
    let limit = state.args.max_input_bytes;
    let too_large = || ApiError::too_large(format!("the body is larger than --max-input-bytes ({limit} bytes)"));
    if let Some(length) = request.body().size_hint().exact()
        && length > limit as u64
    {
        return Err(too_large());
    }
    let timeout = Duration::from_millis(state.args.read_timeout_ms.max(1));
    match tokio::time::timeout(timeout, Limited::new(request.into_body(), limit).collect()).await {
        Err(_) => Err(ApiError::new(408, "validation", "the body did not arrive in time")),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::bad_request(format!("reading the body failed: {e}"))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

pub fn full(body: impl Into<Bytes>) -> ResponseBody {
    Full::new(body.into()).boxed()
}

pub fn json_response(status: u16, value: &serde_json::Value) -> Response<ResponseBody> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(full(value.to_string()))
        .unwrap_or_else(|_| Response::new(full("")))
}

pub fn error_response(error: &ApiError) -> Response<ResponseBody> {
    let mut response = json_response(error.status, &error.body());
    if StatusCode::from_u16(error.status).is_err() {
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    }
    response.extensions_mut().insert(ErrorKind(error.error_type));
    response
}

/// A server-sent-events answer fed by a channel: the worker sends events as it makes them;
/// when the client goes, hyper drops this body, the channel closes, and the worker stops.
pub fn sse_response(events: mpsc::UnboundedReceiver<Bytes>) -> Response<ResponseBody> {
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(ChannelBody(events).boxed())
        .unwrap_or_else(|_| Response::new(full("")))
}

struct ChannelBody(mpsc::UnboundedReceiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|event| event.map(|bytes| Ok(Frame::data(bytes))))
    }
}
