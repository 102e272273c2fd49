// wasmicro for JavaScript: the wasmicro component (transpiled by jco into dist/) behind an
// idiomatic API. Runs unchanged in Node >= 20, browsers (no bundler) and Cloudflare Workers
// (through ./workerd.js, which supplies the core modules as static imports).
import { instantiate } from '../dist/wasmicro.js';
import { hasRelaxedSimdBuild } from '../dist/variants.js';
import { defaultPrint, wasiImports } from './wasi.js';
import { fetchHubFiles, loadFromHub } from './hub.js';

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');

// ---------------------------------------------------------------------------------------------
// Errors

/** Every error the component reports, and traps. `kind` is the WIT case (`invalid-input`, ...). */
export class WasmicroError extends Error {
  constructor(kind, message, options) {
    super(message, options);
    this.kind = kind;
  }
  get name() {
    return this.constructor.name;
  }
}

/** A file the model needs is absent (its name is the message). */
export class MissingFileError extends WasmicroError {
  constructor(message, options) {
    super('missing-file', message, options);
  }
}
/** Weights that cannot be read: bad safetensors header, missing tensor, wrong shape. */
export class InvalidModelError extends WasmicroError {
  constructor(message, options) {
    super('invalid-model', message, options);
  }
}
/** `config.json` (or another config file) is malformed or lacks a required field. */
export class InvalidConfigError extends WasmicroError {
  constructor(message, options) {
    super('invalid-config', message, options);
  }
}
/** The tokenizer files are malformed. */
export class InvalidTokenizerError extends WasmicroError {
  constructor(message, options) {
    super('invalid-tokenizer', message, options);
  }
}
/** The checkpoint's `model_type` or a feature it needs is not implemented. */
export class UnsupportedArchitectureError extends WasmicroError {
  constructor(message, options) {
    super('unsupported-architecture', message, options);
  }
}
/** The operation does not apply to this model (e.g. `generate` on an encoder). */
export class UnsupportedError extends WasmicroError {
  constructor(message, options) {
    super('unsupported', message, options);
  }
}
/** The text, ids or options passed to a call are invalid. */
export class InvalidInputError extends WasmicroError {
  constructor(message, options) {
    super('invalid-input', message, options);
  }
}
/**
 * The component trapped (a bug, or memory exhausted). Its instance is discarded: the model
 * refuses further calls and must be loaded again. Not a WIT case.
 */
export class TrapError extends WasmicroError {
  constructor(message, options) {
    super('trap', message, options);
  }
}

/**
 * Loading by hub id failed: the hub refused (`status`: 401 gated or private, 404 not found),
 * was unreachable, a download stayed corrupt after its retries, or (offline) the model is not
 * in the cache. Not a WIT case.
 */
export class HubError extends WasmicroError {
  constructor(message, options = {}) {
    super('hub', message, options);
    this.status = options.status;
    if (options.unreachable) this.unreachable = true;
  }
}

const ERRORS = {
  'missing-file': MissingFileError,
  'invalid-model': InvalidModelError,
  'invalid-config': InvalidConfigError,
  'invalid-tokenizer': InvalidTokenizerError,
  'unsupported-architecture': UnsupportedArchitectureError,
  unsupported: UnsupportedError,
  'invalid-input': InvalidInputError,
};

/** jco throws a `ComponentError` whose `payload` is the WIT `error` variant `{ tag, val }`. */
function typedError(e) {
  const payload = e !== null && typeof e === 'object' && Object.hasOwn(e, 'payload') ? e.payload : undefined;
  if (payload && typeof payload.tag === 'string' && Object.hasOwn(ERRORS, payload.tag)) {
    return new ERRORS[payload.tag](String(payload.val));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Core modules: compiled once per process (or page, or isolate) and shared by all instances.

const compiled = new Map();
let coreModuleSource = null;

/**
 * Supplies the component's core modules instead of fetching `dist/*.wasm` next to this file:
 * `{ "wasmicro.core.wasm": WebAssembly.Module, ... }` (what `dist/core-modules.js` exports).
 * Cloudflare Workers need this (they cannot compile bytes at run time); `wasmicro/workerd`
 * calls it for you.
 */
export function setCoreModules(modules) {
  coreModuleSource = modules;
  compiled.clear();
  idleInstances.clear(); // instances of the modules replaced
}

async function compileFromUrl(url) {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  if (WebAssembly.compileStreaming && response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

function coreModule(name) {
  let module = compiled.get(name);
  if (!module) {
    if (coreModuleSource) {
      if (!coreModuleSource[name]) throw new Error(`no core module ${name} was supplied`);
      module = Promise.resolve(coreModuleSource[name]);
    } else {
      module = compileFromUrl(new URL(`../dist/${name}`, import.meta.url));
      module.catch(() => compiled.delete(name));
    }
    compiled.set(name, module);
  }
  return module;
}

// ---------------------------------------------------------------------------------------------
// SIMD builds: the component is built twice from one source. The relaxed-SIMD build fuses the
// f32 multiply-adds (`f32x4.relaxed_madd`): ~18% faster f32 inference in V8 (Node 24), with
// results within f32 round-off of the SIMD128 build's, not bit-identical to them. It is used
// where the engine validates relaxed SIMD and the package has it; `simd: 'simd128'` asks for
// the build whose results equal the Rust host's (wasmtime) bit for bit.

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x3d, 0x01, 0x3b, 0x00,
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array(16).fill(0)]),
  0xfd, 0x85, 0x02, 0x0b,
]);

let relaxedSimdValidates;

/** Whether this engine validates relaxed SIMD (Node ≥ 22, Chromium ≥ 114, workerd). */
export function relaxedSimdSupported() {
  // The engine does not change while the page or process lives: validated once.
  if (relaxedSimdValidates === undefined) {
    try {
      relaxedSimdValidates = WebAssembly.validate(RELAXED_SIMD_PROBE);
    } catch {
      relaxedSimdValidates = false;
    }
  }
  return relaxedSimdValidates;
}

const RELAXED_CORE = 'wasmicro.relaxed.core.wasm';

function relaxedAvailable() {
  // Supplied modules (Workers) say for themselves; dist/ has the file when the build made it.
  return coreModuleSource ? Boolean(coreModuleSource[RELAXED_CORE]) : hasRelaxedSimdBuild;
}

/** 'relaxed' or 'simd128': the build `load` uses for `simd` ('auto' by default). */
function simdBuild(simd = 'auto') {
  if (simd !== 'auto' && simd !== 'relaxed' && simd !== 'simd128') {
    throw new InvalidInputError(`options.simd must be 'auto', 'relaxed' or 'simd128', not ${JSON.stringify(simd)}`);
  }
  if (simd === 'simd128') return 'simd128';
  const supported = relaxedSimdSupported();
  const usable = supported && relaxedAvailable();
  if (simd === 'relaxed' && !usable) {
    throw new UnsupportedError(
      supported ? 'this package was built without the relaxed-SIMD component' : 'this engine does not validate relaxed SIMD',
    );
  }
  return usable ? 'relaxed' : 'simd128';
}

/** The core module loader for a build: the relaxed build swaps only the main core module. */
function coreModules(build) {
  return build === 'relaxed' ? (name) => coreModule(name === 'wasmicro.core.wasm' ? RELAXED_CORE : name) : coreModule;
}

/** Compiles the component's main core module now (load does it on first use otherwise). */
export async function preload({ simd } = {}) {
  await coreModules(simdBuild(simd))('wasmicro.core.wasm');
}

// ---------------------------------------------------------------------------------------------
// Model files

async function responseBytes(name, response, url) {
  if (!response.ok) {
    throw new MissingFileError(`${name}: HTTP ${response.status} ${response.statusText} from ${url ?? response.url}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** One file's bytes, without copying what is already bytes. */
async function fileBytes(name, value) {
  value = await value; // e.g. the promise of a fetch()
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof Response !== 'undefined' && value instanceof Response) return responseBytes(name, value);
  if (typeof Blob !== 'undefined' && value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  if (typeof value === 'string' || value instanceof URL) {
    const url = new URL(value, globalThis.location?.href);
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return readFile(url);
    }
    return responseBytes(name, await fetch(url), url);
  }
  throw new TypeError(
    `model file ${name}: expected Uint8Array, ArrayBuffer, Response, Blob or URL, got ${Object.prototype.toString.call(value)}`,
  );
}

function entriesOf(files) {
  if (files instanceof Map) return [...files];
  if (Array.isArray(files)) return files;
  if (files !== null && typeof files === 'object') return Object.entries(files);
  throw new TypeError('files: expected an object (or Map) of file name -> bytes');
}

/**
 * Names of the files of a model directory that the component may read, as `read_model_dir`
 * in the Rust host picks them: every `.json` / `.txt` / `spiece.model` / `tokenizer.model` at
 * the top level or one directory down (`1_Pooling/config.json`; hidden directories skipped),
 * and the top-level `model.safetensors`. Sorted, `/`-separated. Node only.
 * @returns {Promise<string[]>}
 */
export async function listModelDir(dir) {
  const { readdir, stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const needed = (name) => {
    const file = name.slice(name.lastIndexOf('/') + 1);
    return (
      file.endsWith('.json') ||
      file.endsWith('.txt') ||
      file === 'spiece.model' ||
      file === 'tokenizer.model' ||
      (!name.includes('/') && file === 'model.safetensors')
    );
  };
  const names = [];
  const pending = [''];
  while (pending.length > 0) {
    const relative = pending.pop();
    for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const full = join(dir, name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full).catch(() => null))?.isDirectory());
      if (isDir) {
        if (relative === '' && !entry.name.startsWith('.')) pending.push(name);
      } else if (needed(name)) {
        names.push(name);
      }
    }
  }
  return names.sort();
}

/**
 * The files `listModelDir` names, read (Node only).
 * @returns {Promise<Map<string, Uint8Array>>} sorted by name
 */
export async function readModelDir(dir) {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const files = new Map();
  for (const name of await listModelDir(dir)) files.set(name, await readFile(join(dir, name)));
  return files;
}

// ---------------------------------------------------------------------------------------------
// Models

const CONSTRUCT = Symbol('construct');

function requireString(what, value) {
  if (typeof value !== 'string') throw new TypeError(`${what}: expected a string, got ${typeof value}`);
}

function requireStrings(what, value) {
  if (!Array.isArray(value)) throw new TypeError(`${what}: expected an array of strings`);
  value.forEach((v, i) => requireString(`${what}[${i}]`, v));
}

function optionalNumber(what, value) {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new TypeError(`${what}: expected a number`);
  }
  return value;
}

function optionalCount(what, value) {
  optionalNumber(what, value);
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 0xffffffff)) {
    throw new TypeError(`${what}: expected a non-negative integer`);
  }
  return value;
}

function optionalBool(what, value) {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${what}: expected a boolean`);
  return value;
}

const POOLINGS = ['cls', 'mean', 'max', 'last'];

function embedOptions(options = {}) {
  if (options.pooling !== undefined && !POOLINGS.includes(options.pooling)) {
    throw new TypeError(`pooling: expected one of ${POOLINGS.join(', ')}`);
  }
  return {
    pooling: options.pooling,
    normalize: optionalBool('normalize', options.normalize),
    maxTokens: optionalCount('maxTokens', options.maxTokens),
    truncate: optionalBool('truncate', options.truncate),
  };
}

function generateOptions(options = {}) {
  const stop = options.stop === undefined ? [] : typeof options.stop === 'string' ? [options.stop] : options.stop;
  requireStrings('stop', stop);
  let seed = options.seed;
  if (seed !== undefined) {
    if (typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0) seed = BigInt(seed);
    if (typeof seed !== 'bigint' || seed < 0n || seed >= 1n << 64n) throw new TypeError('seed: expected a u64');
  }
  return {
    maxNewTokens: optionalCount('maxNewTokens', options.maxNewTokens),
    temperature: optionalNumber('temperature', options.temperature),
    topK: optionalCount('topK', options.topK),
    topP: optionalNumber('topP', options.topP),
    repetitionPenalty: optionalNumber('repetitionPenalty', options.repetitionPenalty),
    seed,
    stop,
  };
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// ---------------------------------------------------------------------------------------------
// Instances. Each model gets a component instance of its own (a trap cannot reach another
// model). When a model is disposed, its instance is kept, one per build, for the next `load`:
// its memory is already mapped, so copying the next model in skips the page faults a fresh
// instance takes on every page it touches (~60 of ~100 ms for MiniLM's 92 MB on this
// repository's machine; onnxruntime-web reuses its one heap across sessions likewise).
// `releaseMemory()` drops the kept instances.

const idleInstances = new Map(); // build -> { engine, output }

async function takeInstance(build, print = defaultPrint) {
  const kept = idleInstances.get(build);
  if (kept) {
    idleInstances.delete(build);
    kept.output.print = print;
    return kept;
  }
  const output = { print };
  const imports = wasiImports((line) => output.print(line));
  return { engine: (await instantiate(coreModules(build), imports)).engine, output };
}

function keepInstance(build, instance) {
  instance.output.print = defaultPrint;
  idleInstances.set(build, instance);
}

/**
 * Drops the component instances that `dispose()` kept for reuse, so that the garbage collector
 * can free their memory (the next `load` then starts from a fresh instance).
 */
export function releaseMemory() {
  idleInstances.clear();
}

/** A loaded model, with a component instance of its own. */
export class Model {
  #raw;
  #info;
  #trapped = null;
  #disposed = false;

  #simd;
  #instance;

  constructor(token, raw, simd, instance) {
    if (token !== CONSTRUCT) throw new TypeError('use Wasmicro.load(files) to load a model');
    this.#raw = raw;
    this.#simd = simd;
    this.#instance = instance;
    const info = raw.info();
    this.#info = Object.freeze({ ...info, labels: Object.freeze([...info.labels]) });
  }

  /** Runs one component call, turning its errors into WasmicroError subclasses. */
  #call(f) {
    if (this.#disposed) throw new TypeError('this model was disposed');
    if (this.#trapped) {
      throw new TrapError('this model trapped earlier; load it again', { cause: this.#trapped });
    }
    try {
      return f(this.#raw);
    } catch (e) {
      const typed = typedError(e);
      if (typed) throw typed;
      if (e instanceof WebAssembly.RuntimeError) {
        this.#trapped = e;
        throw new TrapError(`the component trapped: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  /** What the model is (from `config.json` and the sentence-transformers files). */
  get info() {
    return this.#info;
  }

  /** The component build running this model: 'relaxed' (relaxed SIMD) or 'simd128'. */
  get simd() {
    return this.#simd;
  }

  /** Token ids as Hugging Face's `tokenizer(text)["input_ids"]`, never truncated. */
  tokenize(text, { addSpecialTokens = true } = {}) {
    requireString('text', text);
    return this.#call((m) => m.tokenize(text, addSpecialTokens === true));
  }

  /** Text of token ids (`tokenizer.decode(ids, skip_special_tokens=...)`). */
  decode(ids, { skipSpecialTokens = false } = {}) {
    if (!(ids instanceof Uint32Array) && !Array.isArray(ids)) {
      throw new TypeError('ids: expected an array of token ids or a Uint32Array');
    }
    return this.#call((m) => m.decode(ids, skipSpecialTokens === true));
  }

  /** One pooled (and, per the checkpoint, normalised) vector. */
  embed(text, options) {
    requireString('text', text);
    const o = embedOptions(options);
    return this.#call((m) => m.embed(text, o));
  }

  /** One vector per text; equal, text by text, to `embed`. */
  embedBatch(texts, options) {
    requireStrings('texts', texts);
    const o = embedOptions(options);
    return this.#call((m) => m.embedBatch(texts, o));
  }

  /** The last hidden state: one vector per token, special tokens included. */
  embedTokens(text, options) {
    requireString('text', text);
    const o = embedOptions(options);
    return this.#call((m) => m.embedTokens(text, o));
  }

  /** Generated text only (the prompt is not repeated). */
  generate(prompt, options) {
    requireString('prompt', prompt);
    const o = generateOptions(options);
    return this.#call((m) => m.generate(prompt, o));
  }

  /**
   * The same generation, chunk by chunk (whole UTF-8 text each). Between chunks it yields to
   * the event loop, so a page can paint. Errors (e.g. `UnsupportedError` on an encoder)
   * reject the first `next()`.
   */
  async *stream(prompt, options) {
    requireString('prompt', prompt);
    const o = generateOptions(options);
    const generation = this.#call((m) => m.generateStream(prompt, o));
    try {
      for (;;) {
        const chunk = this.#call(() => generation.next());
        if (chunk === undefined) return;
        yield chunk;
        await nextTask();
      }
    } finally {
      generation[DISPOSE]?.();
    }
  }

  /**
   * Logits of the token after `prompt` (for T5: of the first decoded token), one per
   * vocabulary entry.
   */
  nextTokenLogits(prompt) {
    requireString('prompt', prompt);
    return this.#call((m) => m.nextTokenLogits(prompt));
  }

  /**
   * The weights as an int8 `model.safetensors` (a model loaded with `weights: 'int8'`, or
   * from such a file); `load` reads it back to the same model.
   */
  int8Checkpoint() {
    return this.#call((m) => m.int8Checkpoint());
  }

  /** Scores of the classification head's labels, best first. */
  classify(text, { pair, topK, rawScores = false, maxTokens } = {}) {
    requireString('text', text);
    if (pair !== undefined) requireString('pair', pair);
    const o = {
      topK: optionalCount('topK', topK),
      rawScores: rawScores === true,
      maxTokens: optionalCount('maxTokens', maxTokens),
    };
    return this.#call((m) => m.classify(text, pair, o));
  }

  /** Documents ordered by relevance to the query (a cross-encoder's scores). */
  rerank(query, documents) {
    requireString('query', query);
    requireStrings('documents', documents);
    return this.#call((m) => m.rerank(query, documents));
  }

  /** Zero-shot classification with an NLI head: one score per candidate label. */
  zeroShot(text, labels, { hypothesisTemplate, multiLabel = false } = {}) {
    requireString('text', text);
    requireStrings('labels', labels);
    if (hypothesisTemplate !== undefined) requireString('hypothesisTemplate', hypothesisTemplate);
    const o = { hypothesisTemplate, multiLabel: multiLabel === true };
    return this.#call((m) => m.zeroShot(text, labels, o));
  }

  /**
   * Frees the model inside its instance now (otherwise the garbage collector does) and keeps
   * the instance for the next `load` of the same build, unless it trapped (see `releaseMemory`).
   */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#raw[DISPOSE]?.();
    this.#raw = null;
    if (!this.#trapped) keepInstance(this.#simd, this.#instance);
    this.#instance = null;
  }

  [DISPOSE]() {
    this.dispose();
  }
}

/**
 * Loads a model from the files of a model directory, named by their relative paths
 * (`config.json`, `model.safetensors`, `tokenizer.json`, `1_Pooling/config.json`, ...).
 * Values: Uint8Array, ArrayBuffer, Response, Blob, or a URL (string or URL; fetched), or a
 * promise of one of these.
 * Each file's bytes are copied once, into the component's memory.
 * @param options.print receives what the component writes to stdout/stderr, line by line.
 * @param options.weights `'as-stored'` (default) or `'int8'`: quantize the matrices to int8 at
 *   load (about twice as fast, close to but not equal to f32).
 */
export async function load(files, options = {}) {
  const weights = options.weights ?? 'as-stored';
  if (weights !== 'as-stored' && weights !== 'int8') {
    throw new InvalidInputError(`options.weights must be 'as-stored' or 'int8', not ${JSON.stringify(weights)}`);
  }
  const entries = entriesOf(files);
  const list = await Promise.all(
    entries.map(async ([name, value]) => {
      requireString('file name', name);
      return { name, bytes: await fileBytes(name, value) };
    }),
  );
  const build = simdBuild(options.simd);
  const instance = await takeInstance(build, options.print);
  let raw;
  try {
    raw = instance.engine.loadWithOptions(list, { weights });
  } catch (e) {
    const typed = typedError(e);
    if (typed) {
      // A refused load leaves the instance as it was.
      keepInstance(build, instance);
      throw typed;
    }
    if (e instanceof WebAssembly.RuntimeError) throw new TrapError(`the component trapped: ${e.message}`, { cause: e });
    throw e;
  } finally {
    // jco 1.35 defines the model's dispose function inside the generated `load`, whose scope
    // holds the argument: the array would keep every file's bytes alive as long as the model.
    // Emptying it lets them be collected as soon as the component has its copy.
    list.length = 0;
  }
  return new Model(CONSTRUCT, raw, build, instance);
}

/** Loads a model directory from disk (Node): the files `readModelDir` picks. */
export async function loadFromDir(dir, options) {
  return load(await readModelDir(dir), options);
}

export { loadFromHub, fetchHubFiles, parseHubId, selectHubFiles, hubCacheDir, HUB_MODEL_FILES, BROWSER_CACHE_NAME } from './hub.js';

/**
 * The package's entry points in one object: `Wasmicro.load(files)`, `Wasmicro.loadFromDir(dir)`,
 * `Wasmicro.loadFromHub(id)`.
 */
export const Wasmicro = Object.freeze({
  load,
  loadFromDir,
  loadFromHub,
  fetchHubFiles,
  readModelDir,
  listModelDir,
  preload,
  relaxedSimdSupported,
  releaseMemory,
  setCoreModules,
});

export default Wasmicro;
