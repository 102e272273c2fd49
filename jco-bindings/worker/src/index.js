// A Cloudflare Worker serving embeddings with wasmicro.
//
//   POST /embed     {"inputs": "text" | ["a", "b"], "options"?: {normalize, pooling, maxTokens, truncate}}
//                   -> 200 [[...384 floats], ...]  (one vector per input)
//   POST /generate  {"inputs": "prompt", "parameters"?: {maxNewTokens, temperature, topK, topP, seed, stop}}
//                   -> 200 text/plain, streamed chunk by chunk; on an encoder such as MiniLM:
//                   -> 501 {"error": {"kind": "unsupported", "message": "..."}}
//   GET  /          -> 200 {"model": info}
// Errors are JSON {"error": {"kind", "message"}}; `kind` is the WIT error case.
//
// With HF_MODEL set ("org/name[@rev]"), the model is loaded by hub id (loadFromHub): from the
// MODEL_BUCKET binding when bound (keys "<MODEL_PREFIX or org/name/><file>"), else from the hub at
// HF_ENDPOINT (default https://huggingface.co; HF_TOKEN as a secret for gated models).
// Otherwise: model files, named by the MODEL_FILES variable (comma-separated paths in the model
// directory), come from the MODEL_BUCKET binding (R2, keys prefixed by MODEL_PREFIX) when it is
// bound, else from the MODEL binding (a Fetcher: static assets, or a disk service under plain
// workerd). The model is loaded once per isolate, on the first request.
// In a project of your own: `from 'wasmicro'` (wrangler resolves its "workerd" export condition).
import { Wasmicro, WasmicroError } from '../../src/workerd.js';

let loading = null;

/** One model file, as a (promised) Response: the component reads its body once. */
async function modelFile(env, name) {
  if (env.MODEL_BUCKET) {
    const object = await env.MODEL_BUCKET.get(`${env.MODEL_PREFIX ?? ''}${name}`);
    return object ? new Response(object.body) : new Response(null, { status: 404, statusText: 'Not in the bucket' });
  }
  return env.MODEL.fetch(new Request(`https://model/${name}`));
}

function model(env) {
  if (!loading && env.HF_MODEL) {
    // By hub id: from the bucket (keys "org/name/<file>") when bound, else from the hub.
    loading = Wasmicro.loadFromHub(env.HF_MODEL, {
      endpoint: env.HF_ENDPOINT || undefined,
      token: env.HF_TOKEN || false,
      bucket: env.MODEL_BUCKET,
      prefix: env.MODEL_PREFIX,
    });
    loading.catch(() => (loading = null));
  }
  if (!loading) {
    const names = String(env.MODEL_FILES ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    // Each body is read once, into one buffer that load() copies into the component.
    loading = Wasmicro.load(Object.fromEntries(names.map((name) => [name, modelFile(env, name)])));
    loading.catch(() => (loading = null)); // a failed load is retried by the next request
  }
  return loading;
}

const STATUS = {
  'invalid-input': 400,
  unsupported: 501,
};

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function failure(e) {
  if (e instanceof WasmicroError) {
    return json({ error: { kind: e.kind, message: e.message } }, STATUS[e.kind] ?? 500);
  }
  if (e instanceof TypeError || e instanceof SyntaxError) {
    return json({ error: { kind: 'invalid-request', message: e.message } }, 400);
  }
  return json({ error: { kind: 'internal', message: String(e?.message ?? e) } }, 500);
}

async function body(request) {
  const value = await request.json();
  if (value === null || typeof value !== 'object') throw new TypeError('expected a JSON object');
  return value;
}

async function embed(request, env) {
  const { inputs, options } = await body(request);
  const texts = typeof inputs === 'string' ? [inputs] : inputs;
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
    throw new TypeError('"inputs" must be a string or an array of strings');
  }
  const m = await model(env);
  return json(m.embedBatch(texts, options ?? {}).map((v) => Array.from(v)));
}

async function generate(request, env) {
  const { inputs, parameters } = await body(request);
  if (typeof inputs !== 'string') throw new TypeError('"inputs" must be a string');
  const m = await model(env);
  const chunks = m.stream(inputs, parameters ?? {});
  // The first chunk is awaited before answering, so that an error is a JSON response.
  const first = await chunks.next();
  const encoder = new TextEncoder();
  const stream = new ReadableStream({
    start(controller) {
      if (!first.done) controller.enqueue(encoder.encode(first.value));
      if (first.done) controller.close();
    },
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    cancel() {
      chunks.return();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/embed' || pathname === '/generate') {
        if (request.method !== 'POST') return json({ error: { kind: 'invalid-request', message: 'use POST' } }, 405);
        return pathname === '/embed' ? await embed(request, env) : await generate(request, env);
      }
      if (pathname === '/' && request.method === 'GET') {
        const loaded = await model(env);
        return json({ model: loaded.info, simd: loaded.simd });
      }
      return json({ error: { kind: 'not-found', message: `no route ${pathname}` } }, 404);
    } catch (e) {
      return failure(e);
    }
  },
};
