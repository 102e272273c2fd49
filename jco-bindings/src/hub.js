// Loading a model by its Hugging Face hub id (`org/name`, optionally `@revision`).
//
// The files a model needs are listed with the hub's API and fetched with plain `fetch`, so the
// same code runs in Node, browsers and Cloudflare Workers; only the cache differs:
// - Node: the huggingface_hub cache on disk (`$HF_HUB_CACHE`, `models--org--name/{blobs,
//   snapshots,refs}`), shared with Python's `huggingface_hub` and the Rust host;
// - browsers: the Cache API (cache `wasmicro-hub`, keyed by the resolved URL), as transformers.js;
// - Workers: no cache by default; the files may instead come from an R2 bucket binding.
// Every download is checked against the size and the ETag the hub announces (sha256 for LFS
// files, the git blob sha1 otherwise), resumed with `Range` after a dropped connection, and
// nothing unchecked ever enters a cache.
import { HubError, MissingFileError, load, loadFromDir } from './index.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
/** The Cache API cache browsers keep hub files in. */
export const BROWSER_CACHE_NAME = 'wasmicro-hub';

const IS_WORKERD = globalThis.navigator?.userAgent === 'Cloudflare-Workers';
const IS_NODE = !IS_WORKERD && typeof process !== 'undefined' && typeof process.versions?.node === 'string';
const env = () => (IS_NODE ? process.env : {});

/**
 * The files a model may need, besides its weights. Everything else in a repository (PyTorch,
 * ONNX, Flax, TF, GGUF weights, READMEs, images) is never fetched.
 */
export const HUB_MODEL_FILES = Object.freeze([
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'spiece.model',
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  '1_Pooling/config.json',
  'generation_config.json',
]);
const WEIGHTS = 'model.safetensors';
const WEIGHTS_INDEX = 'model.safetensors.index.json';
const OTHER_WEIGHTS = /(^|\/)(pytorch_model[^/]*\.bin|[^/]*\.(pt|pth|ckpt|h5|msgpack|onnx|gguf|ot))$/;
const COMMIT = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;

// ---------------------------------------------------------------------------------------------
// Ids and file selection

/**
 * `org/name`, `name` or `org/name@revision` → `{ repo, revision }` (`options.revision` wins over
 * the `@` part; default `main`).
 */
export function parseHubId(id, revision) {
  if (typeof id !== 'string') throw new TypeError(`hub id: expected a string, got ${typeof id}`);
  const at = id.indexOf('@');
  const repo = at < 0 ? id : id.slice(0, at);
  const rev = revision ?? (at < 0 ? 'main' : id.slice(at + 1));
  const part = /^[A-Za-z0-9_.-]+$/;
  const parts = repo.split('/');
  if (
    parts.length > 2 ||
    !parts.every((p) => part.test(p) && !/^[.-]|[.-]$/.test(p)) ||
    repo.includes('--') ||
    repo.includes('..')
  ) {
    throw new TypeError(`hub id: ${JSON.stringify(id)} is not a repository id like "org/name" or "org/name@revision"`);
  }
  if (typeof rev !== 'string' || rev === '' || rev.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new TypeError(`hub id: bad revision ${JSON.stringify(rev)}`);
  }
  return { repo, revision: rev };
}

/**
 * Which of a repository's files (`names`) to fetch: the model files that are present and the
 * safetensors weights (one file, or the sharded index whose shards come after it). A repository
 * without safetensors weights is a MissingFileError naming what it has instead.
 */
export function selectHubFiles(names, where = 'the repository') {
  const present = new Set(names);
  if (!present.has('config.json')) throw new MissingFileError(`config.json: ${where} has no config.json`);
  const picked = HUB_MODEL_FILES.filter((n) => present.has(n));
  if (present.has(WEIGHTS)) picked.push(WEIGHTS);
  else if (present.has(WEIGHTS_INDEX)) picked.push(WEIGHTS_INDEX);
  else {
    const others = names.filter((n) => OTHER_WEIGHTS.test(n));
    throw new MissingFileError(
      others.length > 0
        ? `${WEIGHTS}: ${where} has only weights wasmicro cannot read (${others.join(', ')}); ` +
            'wasmicro reads safetensors only: convert them (e.g. the hub\'s "convert to safetensors" Space) or pick a revision that has model.safetensors'
        : `${WEIGHTS}: ${where} has no model weights (no ${WEIGHTS} nor ${WEIGHTS_INDEX})`,
    );
  }
  return picked;
}

/** The shard file names a `model.safetensors.index.json` names (top-level `.safetensors` files). */
function shardNames(indexBytes, where) {
  let index;
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes));
  } catch (e) {
    throw new HubError(`${WEIGHTS_INDEX} in ${where} is not JSON: ${e.message}`);
  }
  const shards = [...new Set(Object.values(index?.weight_map ?? {}))].sort();
  if (shards.length === 0 || !shards.every((s) => typeof s === 'string' && /^[\w.-]+\.safetensors$/.test(s))) {
    throw new HubError(`${WEIGHTS_INDEX} in ${where}: its weight_map does not name top-level .safetensors shards`);
  }
  return shards;
}

// ---------------------------------------------------------------------------------------------
// Options

function context(options) {
  const e = env();
  const endpoint = String(options.endpoint ?? e.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let origin;
  try {
    origin = new URL(endpoint).origin;
  } catch {
    throw new TypeError(`endpoint: ${JSON.stringify(endpoint)} is not a URL`);
  }
  const fetchImpl = options.fetch ?? ((...a) => globalThis.fetch(...a));
  const retries = options.retries ?? 4;
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError('retries: expected a non-negative integer');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new TypeError('onProgress: expected a function');
  }
  return {
    endpoint,
    origin,
    token: options.token === false ? undefined : options.token,
    fetch: fetchImpl,
    retries,
    retryDelayMs: options.retryDelayMs ?? 200,
    offline: options.offline ?? ['1', 'true', 'yes', 'on'].includes(String(e.HF_HUB_OFFLINE ?? '').toLowerCase()),
    onProgress: options.onProgress ?? (() => {}),
    signal: options.signal,
    // Browsers hide redirects from `redirect: "manual"`; they drop Authorization across origins.
    manualRedirects: typeof document === 'undefined' && typeof importScripts !== 'function',
  };
}

/** HF_TOKEN, else the token file huggingface_hub's `login` writes (Node only). */
async function nodeToken(options) {
  if (options.token !== undefined) return options.token || undefined;
  const e = env();
  if (e.HF_TOKEN) return e.HF_TOKEN;
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const path = e.HF_TOKEN_PATH || join(hfHome(), 'token');
  return (await readFile(path, 'utf8').catch(() => '')).trim() || undefined;
}

function hfHome() {
  const e = env();
  if (e.HF_HOME) return e.HF_HOME;
  const base = e.XDG_CACHE_HOME || `${e.HOME || e.USERPROFILE || '.'}/.cache`;
  return `${base}/huggingface`;
}

/** Where huggingface_hub keeps downloads: `$HF_HUB_CACHE`, else `$HF_HOME/hub`. Node only. */
export function hubCacheDir() {
  const e = env();
  return e.HF_HUB_CACHE || e.HUGGINGFACE_HUB_CACHE || `${hfHome()}/hub`;
}

// ---------------------------------------------------------------------------------------------
// HTTP

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Like `Promise.all`, but settles only after every task has: when one file fails, its siblings
 * still finish (or fail) first, so nothing writes to the cache after the caller saw the error.
 */
async function allSettled(tasks) {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => r.value);
}
const isRedirect = (res) => res.status >= 300 && res.status < 400 && res.headers.has('location');

/**
 * One request, following redirects itself where it can so that the token goes only to the
 * endpoint's origin (never to a CDN the hub redirects to). `stopAtRedirect` returns the first
 * redirect response instead (the hub puts `X-Linked-Etag` / `X-Linked-Size` on it).
 */
async function request(ctx, url, { method = 'GET', headers = {}, stopAtRedirect = false } = {}) {
  let current = new URL(url);
  for (let hop = 0; hop < 10; hop++) {
    const h = { ...headers };
    if (ctx.token && current.origin === ctx.origin) h.Authorization = `Bearer ${ctx.token}`;
    const res = await ctx.fetch(current.href, {
      method,
      headers: h,
      redirect: ctx.manualRedirects ? 'manual' : 'follow',
      signal: ctx.signal,
    });
    if (res.type === 'opaqueredirect') {
      ctx.manualRedirects = false; // a browser-like fetch: let it follow
      hop--;
      continue;
    }
    if (!ctx.manualRedirects || !isRedirect(res) || stopAtRedirect) return res;
    await res.body?.cancel();
    current = new URL(res.headers.get('location'), current);
  }
  throw new HubError(`${url}: too many redirects`);
}

function httpError(res, what) {
  const code = res.headers.get('x-error-code');
  const detail = code ? ` (${code})` : '';
  let hint = '';
  if (res.status === 401 || res.status === 403) {
    hint = code === 'GatedRepo'
      ? ': a gated repository; accept its terms on the hub, then pass a token (HF_TOKEN or { token })'
      : ': the repository is private, gated or does not exist; pass a token (HF_TOKEN or { token }) if you have access';
  } else if (res.status === 404) {
    hint = ': not found';
  }
  return new HubError(`${what}: HTTP ${res.status} ${res.statusText}${detail}${hint}`, { status: res.status });
}

const retryable = (status) => status === 408 || status === 429 || status >= 500;

function normalizeEtag(value) {
  if (!value) return undefined;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** The hub's metadata on a resolve response (a redirect carries the linked file's). */
function fileMeta(res) {
  const size = Number(res.headers.get('x-linked-size') ?? (isRedirect(res) ? NaN : res.headers.get('content-length')));
  return {
    etag: normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag')),
    size: Number.isSafeInteger(size) && size >= 0 ? size : undefined,
    commit: res.headers.get('x-repo-commit') ?? undefined,
  };
}

async function repoInfo(ctx, repo, revision) {
  const url = `${ctx.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  let lastError;
  for (let attempt = 0; attempt <= ctx.retries; attempt++) {
    if (attempt > 0) await sleep(ctx.retryDelayMs * 2 ** (attempt - 1));
    let res;
    try {
      res = await request(ctx, url);
    } catch (e) {
      lastError = e;
      continue;
    }
    if (res.ok) {
      const info = await res.json().catch(() => null);
      if (!info || typeof info.sha !== 'string' || !COMMIT.test(info.sha) || !Array.isArray(info.siblings)) {
        throw new HubError(`${url}: not a model info answer (no "sha" / "siblings")`);
      }
      return { commit: info.sha, names: info.siblings.map((s) => s?.rfilename).filter((n) => typeof n === 'string') };
    }
    await res.body?.cancel();
    if (!retryable(res.status)) throw httpError(res, `${repo}@${revision}`);
    lastError = httpError(res, `${repo}@${revision}`);
  }
  throw new HubError(`${repo}@${revision}: the hub at ${ctx.endpoint} did not answer: ${lastError?.message}`, {
    cause: lastError,
    unreachable: true,
  });
}

const resolveUrl = (ctx, repo, commit, name) =>
  `${ctx.endpoint}/${repo}/resolve/${commit}/${name.split('/').map(encodeURIComponent).join('/')}`;

// ---------------------------------------------------------------------------------------------
// Checked, resumable transfers

async function digestHex(algorithm, parts) {
  if (IS_NODE) {
    const { createHash } = await import('node:crypto');
    const hash = createHash(algorithm === 'SHA-256' ? 'sha256' : 'sha1');
    for await (const part of parts()) hash.update(part);
    return hash.digest('hex');
  }
  const chunks = [];
  for await (const part of parts()) chunks.push(part);
  const whole = chunks.length === 1 ? chunks[0] : concat(chunks);
  const digest = await crypto.subtle.digest(algorithm, whole);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Whether bytes match an ETag: a 64-hex ETag is the sha256 of an LFS file, a 40-hex one the
 * git blob id (sha1 of `blob <size>\0` + bytes). Returns a message when they do not.
 */
async function etagMismatch(etag, size, parts) {
  if (SHA256.test(etag ?? '')) {
    const got = await digestHex('SHA-256', parts);
    return got === etag ? undefined : `sha256 ${got} differs from the ETag ${etag}`;
  }
  if (COMMIT.test(etag ?? '')) {
    const header = new TextEncoder().encode(`blob ${size}\0`);
    const got = await digestHex('SHA-1', async function* () {
      yield header;
      yield* parts();
    });
    return got === etag ? undefined : `git blob id ${got} differs from the ETag ${etag}`;
  }
  return undefined; // an ETag of another form cannot be checked
}

/** Bytes in memory (browsers, Workers, or Node without a disk cache). */
function memorySink() {
  let buffer = new Uint8Array(0);
  let length = 0;
  return {
    size: async () => length,
    reset: async () => {
      length = 0;
    },
    expect(total) {
      if (buffer.length < total) {
        const grown = new Uint8Array(total);
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
    },
    write: async (chunk) => {
      if (length + chunk.length > buffer.length) {
        const grown = new Uint8Array(Math.max(length + chunk.length, buffer.length * 2));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(chunk, length);
      length += chunk.length;
    },
    parts: () =>
      (async function* () {
        yield buffer.subarray(0, length);
      })(),
    bytes: () => (buffer.length === length ? buffer : buffer.slice(0, length)),
  };
}

/** Bytes appended to a `.incomplete` file (Node's disk cache); kept across runs for resuming. */
async function fileSink(path) {
  const fs = await import('node:fs/promises');
  const { createReadStream } = await import('node:fs');
  let handle = null;
  const open = async () => (handle ??= await fs.open(path, 'a'));
  return {
    size: async () => (await fs.stat(path).catch(() => null))?.size ?? 0,
    reset: async () => {
      await handle?.close();
      handle = null;
      await fs.rm(path, { force: true });
    },
    expect() {},
    write: async (chunk) => {
      const h = await open();
      let done = 0;
      while (done < chunk.length) done += (await h.write(chunk, done, chunk.length - done)).bytesWritten;
    },
    close: async () => {
      await handle?.close();
      handle = null;
    },
    parts: () => createReadStream(path),
  };
}

/**
 * Downloads `url` into `sink`, resuming with `Range` after a dropped connection or a short
 * body, and checks size and ETag; bytes that fail the check are discarded and fetched again.
 * Up to `ctx.retries` further attempts, then a HubError.
 */
async function transfer(ctx, { url, name, sink, size, etag }) {
  let lastError;
  // The size the hub announced ahead (HEAD) is the reference; otherwise each response's own.
  let total = size;
  for (let attempt = 0; attempt <= ctx.retries; attempt++) {
    if (attempt > 0) await sleep(ctx.retryDelayMs * 2 ** (attempt - 1));
    let have = await sink.size();
    if (size === undefined && have === 0) total = undefined;
    if (total !== undefined && have > total) {
      await sink.reset();
      have = 0;
    }
    if (total === undefined || have < total) {
      let res;
      try {
        res = await request(ctx, url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
      } catch (e) {
        if (ctx.signal?.aborted) throw e;
        lastError = e;
        continue;
      }
      if (res.status === 416) {
        await res.body?.cancel();
        await sink.reset();
        lastError = new HubError(`${name}: the server refused to resume at byte ${have}`);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        const error = httpError(res, `${name} (${url})`);
        if (!retryable(res.status)) throw error;
        lastError = error;
        continue;
      }
      if (res.status === 206) {
        const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
        if (!range || Number(range[1]) !== have) {
          await res.body?.cancel();
          await sink.reset();
          lastError = new HubError(`${name}: the server resumed at the wrong offset`);
          continue;
        }
        if (total === undefined && range[2] !== '*') total = Number(range[2]);
      } else {
        if (have > 0) await sink.reset(); // the server ignored Range: start again
        have = 0;
        const length = Number(res.headers.get('content-length'));
        if (total === undefined && res.headers.has('content-length') && Number.isSafeInteger(length)) total = length;
      }
      if (total !== undefined) sink.expect(total);
      etag ??= normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
      let loaded = have;
      ctx.onProgress({ file: name, loaded, total });
      try {
        if (res.body) {
          for await (const chunk of res.body) {
            await sink.write(chunk);
            loaded += chunk.length;
            ctx.onProgress({ file: name, loaded, total });
          }
        }
      } catch (e) {
        if (ctx.signal?.aborted) throw e;
        lastError = new HubError(`${name}: the connection dropped after ${loaded} bytes: ${e.message}`, { cause: e });
        continue; // resume from what arrived
      } finally {
        await sink.close?.();
      }
    }
    const got = await sink.size();
    if (total !== undefined && got < total) {
      lastError = new HubError(`${name}: truncated (${got} of ${total} bytes)`);
      continue; // resume
    }
    if (total !== undefined && got > total) {
      await sink.reset();
      lastError = new HubError(`${name}: ${got} bytes, more than the announced ${total}`);
      continue;
    }
    const mismatch = await etagMismatch(etag, got, () => sink.parts());
    if (mismatch) {
      await sink.reset();
      lastError = new HubError(`${name}: corrupt download: ${mismatch}`);
      continue;
    }
    return { etag, size: got };
  }
  if (lastError?.message.includes('corrupt') || lastError?.message.includes('more than')) await sink.reset();
  throw new HubError(`${name}: download failed after ${ctx.retries + 1} attempts: ${lastError?.message}`, {
    cause: lastError,
  });
}

// ---------------------------------------------------------------------------------------------
// Node: the huggingface_hub cache on disk

async function nodeHubFiles(ctx, repo, revision, cacheDir) {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const storage = path.join(cacheDir, `models--${repo.split('/').join('--')}`);
  const where = `${repo}@${revision}`;

  // Which commit, and which files: from the hub, else (offline, or the hub unreachable) from
  // the cache, as huggingface_hub does.
  let info = null;
  if (!ctx.offline) {
    try {
      info = await repoInfo(ctx, repo, revision);
    } catch (e) {
      if (!(e instanceof HubError && e.unreachable)) throw e;
      info = await cachedSnapshot(storage, revision).catch(() => {
        throw e;
      });
    }
  } else {
    info = await cachedSnapshot(storage, revision);
  }
  const { commit } = info;
  const snapshot = path.join(storage, 'snapshots', commit);
  if (!info.cached && revision !== commit) {
    const ref = path.join(storage, 'refs', ...revision.split('/'));
    await fs.mkdir(path.dirname(ref), { recursive: true });
    await fs.writeFile(ref, commit);
  }

  const ensure = async (name) => {
    const pointer = path.join(snapshot, ...name.split('/'));
    const present = await fs.stat(pointer).catch(() => null);
    if (present?.isFile()) {
      ctx.onProgress({ file: name, loaded: present.size, total: present.size });
      return pointer;
    }
    if (info.cached) throw new HubError(`${name}: not in the cache for ${where} (offline)`);
    const meta = await headMeta(ctx, resolveUrl(ctx, repo, commit, name), name);
    if (!meta.etag || !/^[\w.-]+$/.test(meta.etag)) throw new HubError(`${name}: the hub sent no usable ETag`);
    const blob = path.join(storage, 'blobs', meta.etag);
    await fs.mkdir(path.dirname(blob), { recursive: true });
    if (!(await fs.stat(blob).catch(() => null))?.isFile()) {
      const incomplete = `${blob}.incomplete`;
      const sink = await fileSink(incomplete);
      await transfer(ctx, { url: meta.url, name, sink, size: meta.size, etag: meta.etag });
      await fs.rename(incomplete, blob);
    } else {
      const size = (await fs.stat(blob)).size;
      ctx.onProgress({ file: name, loaded: size, total: size });
    }
    await fs.mkdir(path.dirname(pointer), { recursive: true });
    try {
      await fs.symlink(path.relative(path.dirname(pointer), blob), pointer);
    } catch (e) {
      if (e.code === 'EEXIST') return pointer;
      await fs.copyFile(blob, pointer); // no symlinks (Windows without developer mode): copy, as huggingface_hub does
    }
    return pointer;
  };

  const names = selectHubFiles(info.names, where);
  const files = new Map();
  const read = async (name) => files.set(name, new Uint8Array(await fs.readFile(await ensure(name))));
  await allSettled(names.map(read));
  if (files.has(WEIGHTS_INDEX)) {
    const shards = shardNames(files.get(WEIGHTS_INDEX), where);
    const missing = shards.filter((s) => !info.names.includes(s));
    if (missing.length > 0) throw new MissingFileError(`${missing[0]}: named by ${WEIGHTS_INDEX} but not in ${where}`);
    for (const shard of shards) await read(shard);
  }
  return { repo, revision, commit, files: sorted(files), snapshotDir: snapshot };
}

/** HEAD of a resolve URL, not following the hub's redirect: its ETag, size and where to GET. */
async function headMeta(ctx, url, name) {
  let current = url;
  let lastError;
  for (let attempt = 0, hops = 0; attempt <= ctx.retries && hops < 10; ) {
    let res;
    try {
      res = await request(ctx, current, { method: 'HEAD', stopAtRedirect: true });
    } catch (e) {
      lastError = e;
      if (++attempt <= ctx.retries) await sleep(ctx.retryDelayMs * 2 ** (attempt - 1));
      continue;
    }
    if (isRedirect(res)) {
      const location = new URL(res.headers.get('location'), current).href;
      const meta = fileMeta(res);
      if (meta.etag) return { ...meta, url: location };
      current = location; // a renamed repository: follow
      hops++;
      continue;
    }
    if (res.ok) return { ...fileMeta(res), url: current };
    const error = httpError(res, `${name} (${current})`);
    if (!retryable(res.status)) throw error;
    lastError = error;
    if (++attempt <= ctx.retries) await sleep(ctx.retryDelayMs * 2 ** (attempt - 1));
  }
  throw new HubError(`${name}: no answer from the hub: ${lastError?.message}`, { cause: lastError });
}

/** The snapshot a revision points to in the cache, and the files it holds. */
async function cachedSnapshot(storage, revision) {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  let commit = revision;
  if (!COMMIT.test(revision)) {
    commit = (await fs.readFile(path.join(storage, 'refs', ...revision.split('/')), 'utf8').catch(() => '')).trim();
  }
  const snapshot = path.join(storage, 'snapshots', commit);
  if (!COMMIT.test(commit) || !(await fs.stat(snapshot).catch(() => null))?.isDirectory()) {
    throw new HubError(
      `${path.basename(storage).replace(/^models--/, '').replace('--', '/')}@${revision}: not in the hub cache ` +
        `(${storage}) and the hub is not to be contacted (offline)`,
    );
  }
  const names = [];
  const walk = async (relative) => {
    for (const entry of await fs.readdir(path.join(snapshot, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else names.push(name);
    }
  };
  await walk('');
  return { commit, names, cached: true };
}

function sorted(files) {
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------
// Browsers and Workers: fetch, and the Cache API

async function openCache(option) {
  if (option === false || option === null) return null;
  if (option && typeof option === 'object') return option; // a Cache
  if (typeof option === 'string') return caches.open(option);
  if (IS_WORKERD || typeof caches === 'undefined') return null; // Workers: opt in with { cache }
  return caches.open(BROWSER_CACHE_NAME).catch(() => null); // e.g. not a secure context
}

async function webHubFiles(ctx, repo, revision, cache) {
  const where = `${repo}@${revision}`;
  const infoUrl = `${ctx.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  let info = null;
  if (!ctx.offline) {
    try {
      info = await repoInfo(ctx, repo, revision);
      await cache?.put(infoUrl, new Response(JSON.stringify({ sha: info.commit, siblings: info.names.map((rfilename) => ({ rfilename })) })));
    } catch (e) {
      if (!(e instanceof HubError && e.unreachable) || !cache) throw e;
    }
  }
  if (!info) {
    const cached = await cache?.match(infoUrl);
    if (!cached) throw new HubError(`${where}: not in the cache and the hub is not to be contacted (offline)`);
    const json = await cached.json();
    info = { commit: json.sha, names: json.siblings.map((s) => s.rfilename), cached: true };
  }

  const fetchOne = async (name) => {
    const url = resolveUrl(ctx, repo, info.commit, name);
    const hit = await cache?.match(url);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      ctx.onProgress({ file: name, loaded: bytes.length, total: bytes.length });
      return bytes;
    }
    if (info.cached) throw new HubError(`${name}: not in the cache for ${where} (offline)`);
    const sink = memorySink();
    const { etag } = await transfer(ctx, { url, name, sink });
    const bytes = sink.bytes();
    // Only checked bytes are cached; a copy, because load() hands the original to the component.
    await cache?.put(
      url,
      new Response(bytes.slice(), {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), etag: `"${etag ?? ''}"` },
      }),
    );
    return bytes;
  };

  const names = selectHubFiles(info.names, where);
  const files = new Map();
  await allSettled(names.map(async (n) => files.set(n, await fetchOne(n))));
  if (files.has(WEIGHTS_INDEX)) {
    for (const shard of shardNames(files.get(WEIGHTS_INDEX), where)) files.set(shard, await fetchOne(shard));
  }
  return { repo, revision, commit: info.commit, files: sorted(files) };
}

// ---------------------------------------------------------------------------------------------
// Workers: an R2 bucket binding, or a plain URL base

/** `{ get(key) }` over files at `base/<name>` (static assets, a public bucket, any web server). */
function urlBucket(ctx, base) {
  const root = String(base).replace(/\/+$/, '');
  return {
    async get(key) {
      const res = await request(ctx, `${root}/${key.split('/').map(encodeURIComponent).join('/')}`);
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw httpError(res, key);
      }
      return res;
    },
  };
}

async function bucketFiles(ctx, bucket, prefix, where) {
  const get = async (name) => {
    const object = await bucket.get(`${prefix}${name}`);
    if (!object) return null;
    const bytes = new Uint8Array(await object.arrayBuffer());
    ctx.onProgress({ file: name, loaded: bytes.length, total: bytes.length });
    return bytes;
  };
  const candidates = [...HUB_MODEL_FILES, WEIGHTS];
  const found = await allSettled(candidates.map(get));
  const files = new Map();
  candidates.forEach((name, i) => found[i] && files.set(name, found[i]));
  if (!files.has(WEIGHTS)) {
    const index = await get(WEIGHTS_INDEX);
    if (index) {
      files.set(WEIGHTS_INDEX, index);
      for (const shard of shardNames(index, where)) {
        const bytes = await get(shard);
        if (!bytes) throw new MissingFileError(`${shard}: named by ${WEIGHTS_INDEX} but not in ${where}`);
        files.set(shard, bytes);
      }
    }
  }
  selectHubFiles([...files.keys()], where); // the same errors as from the hub
  return sorted(files);
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * Fetches (or finds in the cache) the files of a hub model: `{ repo, revision, commit, files }`
 * with `files` a Map of name → bytes ready for `load`, and in Node `snapshotDir`.
 */
export async function fetchHubFiles(id, options = {}) {
  const { repo, revision } = parseHubId(id, options.revision);
  const ctx = context(options);
  if (options.bucket || options.baseUrl) {
    const bucket = options.bucket ?? urlBucket(ctx, options.baseUrl);
    const prefix = options.prefix ?? (options.bucket ? `${repo}/` : '');
    const where = options.bucket ? `the bucket under "${prefix}"` : String(options.baseUrl);
    return { repo, revision, commit: undefined, files: await bucketFiles(ctx, bucket, prefix, where) };
  }
  const useDisk = IS_NODE && options.cache === undefined && options.cacheDir !== false;
  if (useDisk) {
    ctx.token = await nodeToken(options);
    return nodeHubFiles(ctx, repo, revision, options.cacheDir ?? hubCacheDir());
  }
  if (IS_NODE && options.token === undefined) ctx.token = await nodeToken(options);
  return webHubFiles(ctx, repo, revision, await openCache(options.cache));
}

/**
 * Loads a model by hub id (`org/name` or `org/name@revision`). In Node an existing local
 * directory of that name wins, as everywhere a model directory is accepted.
 */
export async function loadFromHub(id, options = {}) {
  if (IS_NODE && typeof id === 'string' && !options.bucket && !options.baseUrl) {
    const { stat } = await import('node:fs/promises');
    if ((await stat(id).catch(() => null))?.isDirectory()) return loadFromDir(id, options);
  }
  const { files } = await fetchHubFiles(id, options);
  return load(files, options);
}
