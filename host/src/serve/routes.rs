//! Request validation and answers, route by route. Shapes follow text-embeddings-inference's
//! OpenAPI document, OpenAI's embeddings API and text-generation-inference's generate API.

use super::http::{ResponseBody, json_response, sse_response};
use super::pool::{EmbedJob, EmbedOutput, Job, Task};
use super::{ApiError, AppState};
use base64::Engine as _;
use bytes::Bytes;
use hyper::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use wasmicro::{ClassifyOptions, EmbedOptions, Family, GenerateOptions, Instance, ModelHandle};

type Answer = Result<Response<ResponseBody>, ApiError>;

/// Most tokens one generation request may ask for.
const MAX_NEW_TOKENS_LIMIT: u64 = 4096;

pub fn health(state: &AppState) -> Answer {
    if state.pool.healthy_instances() == 0 {
        return Err(ApiError::new(503, "unhealthy", "no inference instance is ready"));
    }
    Ok(json_response(200, &json!({"status": "ok"})))
}

pub fn info(state: &AppState) -> Value {
    let info = &state.pool.info;
    let model_type = if info.family != Family::Bert {
        json!({"generator": {"family": family_name(info.family)}})
    } else if info.labels.is_empty() {
        json!({"embedding": {"pooling": pooling_name(info.pooling)}})
    } else {
        let id2label: serde_json::Map<String, Value> =
            info.labels.iter().enumerate().map(|(i, l)| (i.to_string(), json!(l))).collect();
        let label2id: serde_json::Map<String, Value> =
            info.labels.iter().enumerate().map(|(i, l)| (l.clone(), json!(i))).collect();
        let kind = if info.labels.len() == 1 { "reranker" } else { "classifier" };
        json!({ kind: {"id2label": id2label, "label2id": label2id} })
    };
    json!({
        "model_id": state.model_id,
        "model_sha": null,
        "model_dtype": match info.dtype.as_str() { "f16" => "float16", "bf16" => "bfloat16", "int8" => "int8", _ => "float32" },
        "model_type": model_type,
        "max_concurrent_requests": state.args.max_concurrent_requests,
        "max_input_length": info.max_input_tokens,
        "max_batch_tokens": state.args.max_batch_tokens,
        "max_batch_requests": null,
        "max_client_batch_size": state.args.max_client_batch_size,
        "auto_truncate": state.args.auto_truncate,
        "tokenization_workers": state.pool.instances(),
        "version": env!("CARGO_PKG_VERSION"),
        "sha": null,
        "docker_label": null,
        "wasmicro": {
            "family": family_name(info.family),
            "model_type": info.model_type,
            "architecture": info.architecture,
            "hidden_size": info.hidden_size,
            "num_layers": info.num_layers,
            "embedding_size": info.embedding_size,
            "normalize": info.normalize,
            "labels": info.labels,
            "instances": state.pool.instances(),
            "timeout_ms": state.args.timeout_ms,
            "max_input_bytes": state.args.max_input_bytes,
        },
    })
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::Bert => "bert",
        Family::Gpt2 => "gpt2",
        Family::T5 => "t5",
    }
}

fn pooling_name(pooling: wasmicro::Pooling) -> &'static str {
    match pooling {
        wasmicro::Pooling::Cls => "cls",
        wasmicro::Pooling::Mean => "mean",
        wasmicro::Pooling::Max => "max",
        wasmicro::Pooling::Last => "last_token",
    }
}

// ---------------------------------------------------------------- request fields

fn opt_bool(json: &Value, field: &str) -> Result<Option<bool>, ApiError> {
    match json.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_request(format!("`{field}` must be a boolean"))),
    }
}

fn opt_u64(json: &Value, field: &str) -> Result<Option<u64>, ApiError> {
    match json.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            v.as_u64().map(Some).ok_or_else(|| ApiError::bad_request(format!("`{field}` must be an integer ≥ 0")))
        }
    }
}

fn opt_f32(json: &Value, field: &str) -> Result<Option<f32>, ApiError> {
    match json.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(|x| Some(x as f32))
            .ok_or_else(|| ApiError::bad_request(format!("`{field}` must be a number"))),
    }
}

fn required_string<'a>(json: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    match json.get(field) {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!("`{field}` is required"))),
        Some(Value::String(s)) if s.is_empty() => Err(ApiError::empty(format!("`{field}` cannot be empty"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::bad_request(format!("`{field}` must be a string"))),
    }
}

/// `field` as TEI's `Input`: one string or a list of them (1 ≤ n ≤ max_client_batch_size).
fn text_inputs(state: &AppState, json: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    let texts = match json.get(field) {
        None | Some(Value::Null) => return Err(ApiError::bad_request(format!("`{field}` is required"))),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => {
            if items.is_empty() {
                return Err(ApiError::empty(format!("`{field}` cannot be empty")));
            }
            items.iter().map(|item| one_text(item, field)).collect::<Result<_, _>>()?
        }
        Some(_) => return Err(ApiError::bad_request(format!("`{field}` must be a string or a list of strings"))),
    };
    check_texts(state, &texts, field)?;
    Ok(texts)
}

fn one_text(item: &Value, field: &str) -> Result<String, ApiError> {
    match item {
        Value::String(s) => Ok(s.clone()),
        Value::Array(ids) if ids.iter().all(Value::is_u64) => {
            Err(ApiError::unprocessable(format!("`{field}`: token-id inputs are not supported; send text")))
        }
        _ => Err(ApiError::bad_request(format!("`{field}` must be a string or a list of strings"))),
    }
}

fn check_texts(state: &AppState, texts: &[String], field: &str) -> Result<(), ApiError> {
    let max = state.args.max_client_batch_size;
    if texts.len() > max {
        return Err(ApiError::too_many(format!(
            "batch size error: `{field}` has {} items, more than --max-client-batch-size ({max})",
            texts.len()
        )));
    }
    if texts.iter().any(String::is_empty) {
        return Err(ApiError::empty(format!("`{field}` cannot contain an empty string")));
    }
    Ok(())
}

/// TEI's options every route shares: `truncate`, `truncation_direction`, `prompt_name`.
fn truncate_option(state: &AppState, json: &Value) -> Result<bool, ApiError> {
    match json.get("truncation_direction") {
        None | Some(Value::Null) => {}
        Some(Value::String(d)) if d.eq_ignore_ascii_case("right") => {}
        Some(Value::String(d)) if d.eq_ignore_ascii_case("left") => {
            return Err(ApiError::unprocessable("truncation_direction `left` is not supported"));
        }
        Some(_) => return Err(ApiError::bad_request("`truncation_direction` must be \"right\" or \"left\"")),
    }
    if !matches!(json.get("prompt_name"), None | Some(Value::Null)) {
        return Err(ApiError::unprocessable("`prompt_name` is not supported"));
    }
    Ok(opt_bool(json, "truncate")?.unwrap_or(state.args.auto_truncate))
}

fn require_embedder(state: &AppState) -> Result<(), ApiError> {
    if state.pool.info.embedding_size == 0 {
        return Err(ApiError::not_supported("this model does not embed (it is a generator without pooling)"));
    }
    Ok(())
}

fn require_classifier(state: &AppState, route: &str) -> Result<(), ApiError> {
    let info = &state.pool.info;
    if info.family != Family::Bert || info.labels.is_empty() {
        return Err(ApiError::not_supported(format!(
            "{route} needs a sequence-classification checkpoint; this model ({}) has no classification head",
            info.model_type
        )));
    }
    Ok(())
}

fn require_generator(state: &AppState) -> Result<(), ApiError> {
    if state.pool.info.family == Family::Bert {
        return Err(ApiError::not_supported("this model is an encoder: /generate needs a GPT-2 or T5 family model"));
    }
    Ok(())
}

// ---------------------------------------------------------------- running on the pool

/// Set when the handler's future is dropped (the client went away): queued work is skipped.
struct ClientGone(Arc<AtomicBool>);

impl Drop for ClientGone {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `f` on an instance and waits for its result; 429 at once when the queue is full.
async fn run_task<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Instance, &ModelHandle) -> Result<T, wasmicro::Error> + Send + 'static,
) -> Result<T, ApiError> {
    let (reply, result) = oneshot::channel();
    let gone = Arc::new(AtomicBool::new(false));
    let _guard = ClientGone(gone.clone());
    let task = Task {
        run: Box::new(move |instance, model| {
            let started = Instant::now();
            let _ = reply.send(f(instance, model).map_err(|e| ApiError::from_call(&e, started.elapsed())));
        }),
        abandoned: Box::new(move || gone.load(Ordering::Relaxed)),
    };
    state.pool.submit(Job::Task(task)).map_err(|_| ApiError::overloaded())?;
    result.await.map_err(|_| ApiError::new(500, "backend", "the worker dropped the request"))?
}

async fn run_embed(
    state: &AppState,
    texts: Vec<String>,
    options: EmbedOptions,
    count_tokens: bool,
) -> Result<EmbedOutput, ApiError> {
    let (reply, result) = oneshot::channel();
    let job = EmbedJob { texts, options, count_tokens, reply };
    state.pool.submit(Job::Embed(job)).map_err(|_| ApiError::overloaded())?;
    result.await.map_err(|_| ApiError::new(500, "backend", "the worker dropped the request"))?
}

// ---------------------------------------------------------------- embeddings

pub async fn embed(state: &AppState, json: &Value) -> Answer {
    require_embedder(state)?;
    let texts = text_inputs(state, json, "inputs")?;
    let truncate = truncate_option(state, json)?;
    // TEI normalises unless told not to.
    let normalize = opt_bool(json, "normalize")?.unwrap_or(true);
    let options = EmbedOptions { normalize: Some(normalize), truncate: Some(truncate), ..Default::default() };
    let output = run_embed(state, texts, options, false).await?;
    // serde_json writes f32 as the shortest text that reads back to the same f32.
    let body = serde_json::to_string(&output.vectors).map_err(|e| ApiError::new(500, "backend", e.to_string()))?;
    Ok(raw_json(body))
}

fn raw_json(body: String) -> Response<ResponseBody> {
    Response::builder()
        .status(200)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(super::http::full(body))
        .unwrap_or_else(|_| Response::new(super::http::full("")))
}

pub async fn openai_embeddings(state: &AppState, json: &Value) -> Answer {
    require_embedder(state)?;
    let texts = text_inputs(state, json, "input")?;
    let base64 = match json.get("encoding_format") {
        None | Some(Value::Null) => false,
        Some(Value::String(f)) if f == "float" => false,
        Some(Value::String(f)) if f == "base64" => true,
        Some(_) => return Err(ApiError::bad_request("`encoding_format` must be \"float\" or \"base64\"")),
    };
    if let Some(dimensions) = opt_u64(json, "dimensions")?
        && dimensions != u64::from(state.pool.info.embedding_size)
    {
        return Err(ApiError::unprocessable(format!(
            "`dimensions` must be {} for this model (no Matryoshka truncation)",
            state.pool.info.embedding_size
        )));
    }
    if !matches!(json.get("model"), None | Some(Value::Null) | Some(Value::String(_))) {
        return Err(ApiError::bad_request("`model` must be a string"));
    }
    let truncate = truncate_option(state, json)?;
    let options = EmbedOptions { normalize: Some(true), truncate: Some(truncate), ..Default::default() };
    let output = run_embed(state, texts, options, true).await?;
    let mut data = Vec::with_capacity(output.vectors.len());
    for (index, vector) in output.vectors.iter().enumerate() {
        let embedding = if base64 {
            let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
            json!(base64::engine::general_purpose::STANDARD.encode(bytes)).to_string()
        } else {
            serde_json::to_string(vector).map_err(|e| ApiError::new(500, "backend", e.to_string()))?
        };
        data.push(format!(r#"{{"object":"embedding","embedding":{embedding},"index":{index}}}"#));
    }
    let body = format!(
        r#"{{"object":"list","data":[{}],"model":{},"usage":{{"prompt_tokens":{},"total_tokens":{}}}}}"#,
        data.join(","),
        json!(state.model_id),
        output.tokens,
        output.tokens
    );
    Ok(raw_json(body))
}

// ---------------------------------------------------------------- classification

pub async fn rerank(state: &AppState, json: &Value) -> Answer {
    require_classifier(state, "/rerank")?;
    let query = required_string(json, "query")?.to_owned();
    let texts = match json.get("texts") {
        Some(Value::Array(items)) if items.is_empty() => return Err(ApiError::empty("`texts` cannot be empty")),
        Some(Value::Array(items)) => items.iter().map(|item| one_text(item, "texts")).collect::<Result<Vec<_>, _>>()?,
        None | Some(Value::Null) => return Err(ApiError::bad_request("`texts` is required")),
        Some(_) => return Err(ApiError::bad_request("`texts` must be a list of strings")),
    };
    check_texts(state, &texts, "texts")?;
    let raw_scores = opt_bool(json, "raw_scores")?.unwrap_or(false);
    let return_text = opt_bool(json, "return_text")?.unwrap_or(false);
    truncate_option(state, json)?;
    let documents = texts.clone();
    let mut ranked: Vec<(u32, f32)> = run_task(state, move |instance, model| {
        if raw_scores {
            // The logit of the single relevance label, pair by pair.
            let options = ClassifyOptions { raw_scores: true, ..Default::default() };
            let mut scores = Vec::with_capacity(documents.len());
            for (i, doc) in documents.iter().enumerate() {
                let labels = instance.classify(model, &query, Some(doc), &options)?;
                let score = labels.iter().find(|l| l.index == 0).map_or(f32::NAN, |l| l.score);
                scores.push((i as u32, score));
            }
            Ok(scores)
        } else {
            Ok(instance.rerank(model, &query, &documents)?.into_iter().map(|r| (r.index, r.score)).collect())
        }
    })
    .await?;
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let rows: Vec<Value> = ranked
        .iter()
        .map(|&(index, score)| {
            let mut row = json!({"index": index, "score": score});
            if return_text {
                row["text"] = json!(texts.get(index as usize));
            }
            row
        })
        .collect();
    Ok(json_response(200, &Value::Array(rows)))
}

pub async fn predict(state: &AppState, json: &Value) -> Answer {
    require_classifier(state, "/predict")?;
    let bad = || ApiError::bad_request("`inputs` must be a string, a pair [a, b], or a list of [a] / [a, b]");
    let as_string = |v: &Value| v.as_str().map(str::to_owned).ok_or_else(bad);
    let (items, batched): (Vec<(String, Option<String>)>, bool) = match json.get("inputs") {
        None | Some(Value::Null) => return Err(ApiError::bad_request("`inputs` is required")),
        Some(Value::String(s)) => (vec![(s.clone(), None)], false),
        Some(Value::Array(list)) if list.is_empty() => return Err(ApiError::empty("`inputs` cannot be empty")),
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
            if list.len() != 2 {
                return Err(bad());
            }
            (vec![(as_string(&list[0])?, Some(as_string(&list[1])?))], false)
        }
        Some(Value::Array(list)) => {
            let mut items = Vec::with_capacity(list.len());
            for item in list {
                match item.as_array().map(Vec::as_slice) {
                    Some([a]) => items.push((as_string(a)?, None)),
                    Some([a, b]) => items.push((as_string(a)?, Some(as_string(b)?))),
                    _ => return Err(bad()),
                }
            }
            (items, true)
        }
        Some(_) => return Err(bad()),
    };
    let max = state.args.max_client_batch_size;
    if items.len() > max {
        return Err(ApiError::too_many(format!(
            "batch size error: `inputs` has {} items, more than --max-client-batch-size ({max})",
            items.len()
        )));
    }
    if items.iter().any(|(a, b)| a.is_empty() || b.as_ref().is_some_and(String::is_empty)) {
        return Err(ApiError::empty("`inputs` cannot contain an empty string"));
    }
    let raw_scores = opt_bool(json, "raw_scores")?.unwrap_or(false);
    truncate_option(state, json)?;
    let results = run_task(state, move |instance, model| {
        let options = ClassifyOptions { raw_scores, ..Default::default() };
        items.iter().map(|(a, b)| instance.classify(model, a, b.as_deref(), &options)).collect::<Result<Vec<_>, _>>()
    })
    .await?;
    let mut rows: Vec<Value> = results
        .into_iter()
        .map(|mut scores| {
            scores.sort_by(|a, b| b.score.total_cmp(&a.score));
            Value::Array(scores.iter().map(|s| json!({"score": s.score, "label": s.label})).collect())
        })
        .collect();
    if batched { Ok(json_response(200, &Value::Array(rows))) } else { Ok(json_response(200, &rows.swap_remove(0))) }
}

// ---------------------------------------------------------------- tokenizer

pub async fn tokenize(state: &AppState, json: &Value) -> Answer {
    let texts = text_inputs(state, json, "inputs")?;
    let add_special_tokens = opt_bool(json, "add_special_tokens")?.unwrap_or(true);
    if !matches!(json.get("prompt_name"), None | Some(Value::Null)) {
        return Err(ApiError::unprocessable("`prompt_name` is not supported"));
    }
    let rows = run_task(state, move |instance, model| {
        let mut rows = Vec::with_capacity(texts.len());
        for text in &texts {
            let ids = instance.tokenize(model, text, add_special_tokens)?;
            // The ids the template added are those around the plain tokens of the text.
            let plain = if add_special_tokens { instance.tokenize(model, text, false)? } else { ids.clone() };
            let start =
                (0..=ids.len().saturating_sub(plain.len())).find(|&s| ids[s..].starts_with(&plain)).unwrap_or(0);
            let mut tokens = Vec::with_capacity(ids.len());
            for (i, &id) in ids.iter().enumerate() {
                let special = i < start || i >= start + plain.len();
                let text = instance.decode(model, &[id], false)?;
                tokens.push(json!({"id": id, "text": text, "special": special, "start": null, "stop": null}));
            }
            rows.push(Value::Array(tokens));
        }
        Ok(rows)
    })
    .await?;
    Ok(json_response(200, &Value::Array(rows)))
}

pub async fn decode(state: &AppState, json: &Value) -> Answer {
    let bad = || ApiError::bad_request("`ids` must be a list of token ids or a list of such lists");
    let id_list = |v: &Value| -> Result<Vec<u32>, ApiError> {
        v.as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|x| x.as_u64().and_then(|x| u32::try_from(x).ok()).ok_or_else(bad))
            .collect()
    };
    let lists = match json.get("ids") {
        Some(Value::Array(items)) if items.iter().all(Value::is_array) && !items.is_empty() => {
            items.iter().map(id_list).collect::<Result<Vec<_>, _>>()?
        }
        Some(v @ Value::Array(_)) => vec![id_list(v)?],
        _ => return Err(bad()),
    };
    if lists.len() > state.args.max_client_batch_size {
        return Err(ApiError::too_many("batch size error: too many id lists"));
    }
    let skip = opt_bool(json, "skip_special_tokens")?.unwrap_or(true);
    let texts = run_task(state, move |instance, model| {
        lists.iter().map(|ids| instance.decode(model, ids, skip)).collect::<Result<Vec<_>, _>>()
    })
    .await?;
    Ok(json_response(200, &json!(texts)))
}

// ---------------------------------------------------------------- generation

struct GenerateRequest {
    prompt: String,
    options: GenerateOptions,
    details: bool,
    return_full_text: bool,
}

fn generate_request(state: &AppState, json: &Value) -> Result<GenerateRequest, ApiError> {
    require_generator(state)?;
    let prompt = required_string(json, "inputs")?.to_owned();
    let empty = Value::Object(Default::default());
    let parameters = match json.get("parameters") {
        None | Some(Value::Null) => &empty,
        Some(p @ Value::Object(_)) => p,
        Some(_) => return Err(ApiError::bad_request("`parameters` must be an object")),
    };
    let max_new_tokens = opt_u64(parameters, "max_new_tokens")?;
    if max_new_tokens.is_some_and(|n| n == 0 || n > MAX_NEW_TOKENS_LIMIT) {
        return Err(ApiError::unprocessable(format!("`max_new_tokens` must be between 1 and {MAX_NEW_TOKENS_LIMIT}")));
    }
    let do_sample = opt_bool(parameters, "do_sample")?;
    let mut temperature = opt_f32(parameters, "temperature")?;
    if temperature.is_some_and(|t| t.is_nan() || t <= 0.0) {
        return Err(ApiError::unprocessable("`temperature` must be strictly positive"));
    }
    match do_sample {
        Some(false) => temperature = None,
        Some(true) if temperature.is_none() => temperature = Some(1.0),
        _ => {}
    }
    let stop = match parameters.get("stop") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_str().map(str::to_owned).ok_or_else(|| ApiError::bad_request("`stop` must be a list of strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::bad_request("`stop` must be a list of strings")),
    };
    let options = GenerateOptions {
        max_new_tokens: max_new_tokens.map(|n| n as u32),
        temperature,
        top_k: opt_u64(parameters, "top_k")?.map(|k| k.min(u64::from(u32::MAX)) as u32),
        top_p: opt_f32(parameters, "top_p")?,
        repetition_penalty: opt_f32(parameters, "repetition_penalty")?,
        seed: opt_u64(parameters, "seed")?,
        stop,
    };
    Ok(GenerateRequest {
        prompt,
        options,
        details: opt_bool(parameters, "details")?.unwrap_or(false),
        return_full_text: opt_bool(parameters, "return_full_text")?.unwrap_or(false),
    })
}

fn details_json(tokens: usize, options: &GenerateOptions) -> Value {
    let max = options.max_new_tokens.unwrap_or(32) as usize;
    let finish_reason = if tokens >= max { "length" } else { "eos_token_or_stop_sequence" };
    json!({"finish_reason": finish_reason, "generated_tokens": tokens, "seed": options.seed})
}

pub async fn generate(state: &AppState, json: &Value) -> Answer {
    let request = generate_request(state, json)?;
    let (prompt, options) = (request.prompt.clone(), request.options.clone());
    let (text, tokens) = run_task(state, move |instance, model| {
        let generation = instance.generate_stream(model, &prompt, &options)?;
        let mut text = String::new();
        while let Some(chunk) = instance.next_chunk(&generation)? {
            text.push_str(&chunk);
        }
        let tokens = instance.generation_tokens(&generation)?;
        instance.finish_generation(generation)?;
        Ok((text, tokens.len()))
    })
    .await?;
    let generated_text = if request.return_full_text { format!("{}{text}", request.prompt) } else { text };
    let mut body = json!({"generated_text": generated_text});
    if request.details {
        body["details"] = details_json(tokens, &request.options);
    }
    Ok(json_response(200, &body))
}

fn sse_event(value: &Value) -> Bytes {
    Bytes::from(format!("data: {value}\n\n"))
}

/// TGI's stream: one `data:` event per text chunk, the last one also carrying the whole text.
/// The generation stops as soon as the client is gone (the event channel closes), which frees
/// the instance.
pub async fn generate_stream(state: &AppState, json: &Value) -> Answer {
    let request = generate_request(state, json)?;
    let (events, receiver) = mpsc::unbounded_channel::<Bytes>();
    let (started, has_started) = oneshot::channel::<Result<(), ApiError>>();
    let gone = Arc::new(AtomicBool::new(false));
    let guard = ClientGone(gone.clone());
    let metrics = state.metrics.clone();
    let task = Task {
        run: Box::new(move |instance, model| stream_generation(instance, model, request, started, events, &metrics)),
        abandoned: Box::new(move || gone.load(Ordering::Relaxed)),
    };
    state.pool.submit(Job::Task(task)).map_err(|_| ApiError::overloaded())?;
    // Errors before the first chunk are an HTTP status; later ones are an event.
    has_started.await.map_err(|_| ApiError::new(500, "backend", "the worker dropped the request"))??;
    drop(guard);
    Ok(sse_response(receiver))
}

fn stream_generation(
    instance: &mut Instance,
    model: &ModelHandle,
    request: GenerateRequest,
    started: oneshot::Sender<Result<(), ApiError>>,
    events: mpsc::UnboundedSender<Bytes>,
    metrics: &super::Metrics,
) {
    let begin = Instant::now();
    let generation = match instance.generate_stream(model, &request.prompt, &request.options) {
        Ok(generation) => generation,
        Err(e) => {
            let _ = started.send(Err(ApiError::from_call(&e, begin.elapsed())));
            return;
        }
    };
    if started.send(Ok(())).is_err() {
        let _ = instance.finish_generation(generation);
        return;
    }
    let mut text = String::new();
    let mut index = 0u32;
    // One chunk is held back so that the last event can carry `generated_text`, as TGI's does.
    let mut held: Option<(String, Option<u32>)> = None;
    let token_event = |index: u32, chunk: &str, id: Option<u32>, generated: Option<&str>, details: Option<Value>| {
        sse_event(&json!({
            "index": index,
            "token": {"id": id, "text": chunk, "logprob": null, "special": false},
            "generated_text": generated,
            "details": details,
        }))
    };
    loop {
        if events.is_closed() {
            metrics.count_stream_cancelled();
            break;
        }
        match instance.next_chunk(&generation) {
            Ok(Some(chunk)) => {
                let id = instance.generation_tokens(&generation).ok().and_then(|t| t.last().copied());
                text.push_str(&chunk);
                if let Some((previous, previous_id)) = held.replace((chunk, id)) {
                    index += 1;
                    let _ = events.send(token_event(index, &previous, previous_id, None, None));
                }
            }
            Ok(None) => {
                let tokens = instance.generation_tokens(&generation).map(|t| t.len()).unwrap_or(0);
                let (last, last_id) = held.take().unwrap_or_default();
                let full = if request.return_full_text { format!("{}{text}", request.prompt) } else { text };
                let details = request.details.then(|| details_json(tokens, &request.options));
                let _ = events.send(token_event(index + 1, &last, last_id, Some(&full), details));
                break;
            }
            Err(e) => {
                let _ = events.send(sse_event(&ApiError::from_call(&e, begin.elapsed()).body()));
                break;
            }
        }
    }
    if !instance.is_poisoned() {
        let _ = instance.finish_generation(generation);
    }
}
