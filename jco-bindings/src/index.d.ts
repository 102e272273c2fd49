// Types of the wasmicro package (src/index.js). They mirror wit/wasmicro.wit in JavaScript
// form (camelCase fields, `option<T>` as optional, `list<f32>` as Float32Array);
// test/types.ts checks them against the types jco generates from the WIT.

/** The WIT `error` cases, plus `trap` (the component trapped; not a WIT case). */
export type ErrorKind =
  | 'missing-file'
  | 'invalid-model'
  | 'invalid-config'
  | 'invalid-tokenizer'
  | 'unsupported-architecture'
  | 'unsupported'
  | 'invalid-input'
  | 'trap'
  | 'hub';

/** Every error the component reports. `kind` is the WIT case; `message` names what was wrong. */
export class WasmicroError extends Error {
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions);
  readonly kind: ErrorKind;
}
/** A file the model needs is absent (its name is the message). */
export class MissingFileError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'missing-file';
}
/** Weights that cannot be read: bad safetensors header, missing tensor, wrong shape. */
export class InvalidModelError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'invalid-model';
}
/** `config.json` (or another config file) is malformed or lacks a required field. */
export class InvalidConfigError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'invalid-config';
}
/** The tokenizer files are malformed. */
export class InvalidTokenizerError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'invalid-tokenizer';
}
/** The checkpoint's `model_type` or a feature it needs is not implemented. */
export class UnsupportedArchitectureError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'unsupported-architecture';
}
/** The operation does not apply to this model (e.g. `generate` on an encoder). */
export class UnsupportedError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'unsupported';
}
/** The text, ids or options passed to a call are invalid. */
export class InvalidInputError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'invalid-input';
}
/** The component trapped; the model refuses further calls and must be loaded again. */
export class TrapError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions);
  readonly kind: 'trap';
}

/**
 * Loading by hub id failed: the hub refused (`status` 401: gated or private; 404: not found),
 * was unreachable, a download stayed corrupt after its retries, or (offline) the model is not in
 * the cache. Not a WIT case.
 */
export class HubError extends WasmicroError {
  constructor(message: string, options?: ErrorOptions & { status?: number; unreachable?: boolean });
  readonly kind: 'hub';
  /** The hub's HTTP status, when it answered with an error. */
  readonly status?: number;
  /** Set when the hub could not be reached at all. */
  readonly unreachable?: true;
}

export type Family = 'bert' | 'gpt2' | 't5';
export type Pooling = 'cls' | 'mean' | 'max' | 'last';

export interface ModelInfo {
  readonly family: Family;
  /** `model_type` from `config.json`. */
  readonly modelType: string;
  /** `architectures[0]` from `config.json`, or empty. */
  readonly architecture: string;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly vocabSize: number;
  readonly maxPositionEmbeddings: number;
  /** Storage type of the weights: "f32", "f16" or "bf16". */
  readonly dtype: string;
  /** Length of the vectors `embed` returns (0 when the model cannot embed). */
  readonly embeddingSize: number;
  /** The pooling `embed` uses by default. */
  readonly pooling: Pooling;
  /** Whether `embed` normalises to unit length by default. */
  readonly normalize: boolean;
  /** Inputs are truncated to this many tokens (special tokens included) by default. */
  readonly maxInputTokens: number;
  /** Class labels, in id order, when the checkpoint has a classification head. */
  readonly labels: readonly string[];
}

export interface EmbedOptions {
  /** Overrides the checkpoint's pooling. */
  pooling?: Pooling;
  /** Overrides the checkpoint's normalisation. */
  normalize?: boolean;
  /** Truncate to this many tokens instead of `info.maxInputTokens`. */
  maxTokens?: number;
  /** When false, an input longer than the limit is an InvalidInputError. Default true. */
  truncate?: boolean;
}

export interface GenerateOptions {
  /** Default 32. */
  maxNewTokens?: number;
  /** 0 or absent: greedy decoding. */
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  /** Seed of the component's own PRNG: the same seed gives the same text. */
  seed?: number | bigint;
  /** Generation ends before the first occurrence of any of these strings. */
  stop?: string | string[];
}

export interface ClassifyOptions {
  /** A second text (sentence-pair classification). */
  pair?: string;
  /** Return only the best `topK` labels. */
  topK?: number;
  /** Raw logits instead of probabilities. */
  rawScores?: boolean;
  /** Truncate (the longer text of a pair first) to this many tokens instead of the model's limit. */
  maxTokens?: number;
}

export interface ZeroShotOptions {
  /** Default "This example is {}."; must contain `{}`. */
  hypothesisTemplate?: string;
  multiLabel?: boolean;
}

export interface LabelScore {
  /** Index of the label in `info.labels`. */
  index: number;
  label: string;
  score: number;
}

export interface Ranked {
  /** Index of the document in the request. */
  index: number;
  score: number;
}

/** A loaded model, with a component instance of its own. Calls are synchronous. */
export class Model {
  private constructor();
  /** What the model is (frozen). */
  readonly info: ModelInfo;
  /** The component build running this model: `'relaxed'` (relaxed SIMD) or `'simd128'`. */
  readonly simd: 'relaxed' | 'simd128';
  /** Token ids as Hugging Face's `tokenizer(text)["input_ids"]`, never truncated. */
  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Uint32Array;
  /** `tokenizer.decode(ids, skip_special_tokens=...)`; default false, as in Hugging Face. */
  decode(ids: Uint32Array | readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** One pooled (and, per the checkpoint, normalised) vector. */
  embed(text: string, options?: EmbedOptions): Float32Array;
  /** One vector per text; equal, text by text, to `embed`. */
  embedBatch(texts: readonly string[], options?: EmbedOptions): Float32Array[];
  /** The last hidden state: one vector per token, special tokens included. */
  embedTokens(text: string, options?: EmbedOptions): Float32Array[];
  /** Generated text only (the prompt is not repeated). */
  generate(prompt: string, options?: GenerateOptions): string;
  /** The same generation chunk by chunk; errors reject the first `next()`. */
  stream(prompt: string, options?: GenerateOptions): AsyncGenerator<string, void, undefined>;
  /** Logits of the token after `prompt` (for T5: of the first decoded token), one per vocabulary entry. */
  nextTokenLogits(prompt: string): Float32Array;
  /** The weights as an int8 `model.safetensors` (needs int8 weights); `load` reads it back. */
  int8Checkpoint(): Uint8Array;
  /** Scores of the classification head's labels, best first. */
  classify(text: string, options?: ClassifyOptions): LabelScore[];
  rerank(query: string, documents: readonly string[]): Ranked[];
  zeroShot(text: string, labels: readonly string[], options?: ZeroShotOptions): LabelScore[];
  /**
   * Frees the model now (otherwise the garbage collector does) and keeps its instance for the
   * next `load` of the same build, unless it trapped; `releaseMemory()` drops it.
   */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** A model file's contents, or where to fetch them (URL strings are resolved against the page). */
export type ModelFile = Uint8Array | ArrayBuffer | ArrayBufferView | Response | Blob | URL | string;

/** A model file, or the promise of one (e.g. what `fetch` returns). */
export type ModelFileSource = ModelFile | PromiseLike<ModelFile>;

/** Model files by their path relative to the model directory (`1_Pooling/config.json`). */
export type ModelFiles =
  | Record<string, ModelFileSource>
  | Map<string, ModelFileSource>
  | ReadonlyArray<readonly [string, ModelFileSource]>;

export interface LoadOptions {
  /** Receives what the component writes to stdout/stderr, line by line (default console.error). */
  print?: (line: string) => void;
  /**
   * `'int8'`: quantize the matrices to int8 at load, one scale per output row and group of 128
   * inputs and one per input column (about twice as fast; close to, not equal to, f32).
   * Default `'as-stored'`.
   */
  weights?: 'as-stored' | 'int8';
  /**
   * Which build of the component runs the model. `'auto'` (default): the relaxed-SIMD build
   * (fused multiply-adds, ~18% faster f32 in V8) where the engine validates relaxed SIMD, else
   * SIMD128. `'relaxed'` insists (UnsupportedError where it cannot run). `'simd128'`: results
   * equal to the Rust host's bit for bit; the relaxed build's are within f32 round-off of them.
   */
  simd?: 'auto' | 'relaxed' | 'simd128';
}

/** Loads a model from the files of a model directory; each file is copied once, into the component. */
export function load(files: ModelFiles, options?: LoadOptions): Promise<Model>;
/** Node: loads the files of a model directory that `readModelDir` picks. */
export function loadFromDir(dir: string, options?: LoadOptions): Promise<Model>;
/**
 * Node: names of the files of a model directory the component may read, as the Rust host picks
 * them (`.json`, `.txt`, `spiece.model`, `tokenizer.model`, top-level `model.safetensors`; one
 * directory level down, hidden ones skipped), sorted, `/`-separated.
 */
export function listModelDir(dir: string): Promise<string[]>;
/** Node: the files `listModelDir` names, read. */
export function readModelDir(dir: string): Promise<Map<string, Uint8Array>>;
/** Compiles the component's main core module now (`load` does it on first use otherwise). */
export function preload(options?: { simd?: LoadOptions['simd'] }): Promise<void>;
/**
 * Drops the component instances that `Model.dispose()` kept for the next `load` (one per
 * build, with their memory), so that the garbage collector can free them.
 */
export function releaseMemory(): void;
/** Whether this engine validates relaxed SIMD (Node ≥ 22, Chromium ≥ 114, workerd). */
export function relaxedSimdSupported(): boolean;
/**
 * Supplies compiled core modules (`dist/core-modules.js`) instead of fetching `dist/*.wasm`;
 * `wasmicro/workerd` does this for Cloudflare Workers.
 */
export function setCoreModules(modules: Record<string, WebAssembly.Module>): void;

/** `onProgress` of a hub download: bytes of `file` so far, of `total` when known. */
export interface HubProgress {
  file: string;
  loaded: number;
  total?: number;
}

/** An R2 bucket binding, or anything with the same `get`. */
export interface HubBucket {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

export interface HubOptions extends LoadOptions {
  /** Branch, tag or commit; overrides `@revision` in the id. Default `main`. */
  revision?: string;
  /** Default: `$HF_ENDPOINT` (Node), else `https://huggingface.co`. */
  endpoint?: string;
  /** Sent (as `Authorization: Bearer`) to the endpoint's origin only. Default: `$HF_TOKEN` or huggingface_hub's token file (Node); `false`: none. */
  token?: string | false;
  /** Node: the huggingface_hub cache to use. Default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`; `false`: none. */
  cacheDir?: string | false;
  /**
   * Browsers and Workers (and Node instead of the disk cache): a Cache API cache, or its name.
   * Default in browsers `"wasmicro-hub"`; in Workers none; `false`: none.
   */
  cache?: Cache | string | false;
  /** Use the cache only, never the network. Default: `$HF_HUB_OFFLINE` (Node). */
  offline?: boolean;
  onProgress?: (progress: HubProgress) => void;
  /** Used for every request (default the global `fetch`). */
  fetch?: typeof fetch;
  /** Further attempts after a failed or corrupt download, each resuming what arrived. Default 4. */
  retries?: number;
  /** First pause between attempts (doubling each time). Default 200 ms. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Workers: read the files from an R2 bucket binding (keys `prefix` + file name) instead of the hub. */
  bucket?: HubBucket;
  /** Key prefix in `bucket` (default `"org/name/"`), or in `baseUrl` (default none). */
  prefix?: string;
  /** Read the files from `baseUrl/<file>` (static assets, a public bucket) instead of the hub API. */
  baseUrl?: string | URL;
}

export interface HubFiles {
  repo: string;
  revision: string;
  /** The commit the revision resolved to (absent for `bucket` / `baseUrl`). */
  commit?: string;
  /** The files, by name, ready for `load`. */
  files: Map<string, Uint8Array>;
  /** Node: the huggingface_hub snapshot directory holding them. */
  snapshotDir?: string;
}

/**
 * Loads a model by hub id: `"org/name"` or `"org/name@revision"`. Only the files a model needs
 * are fetched (config, safetensors weights, tokenizer and sentence-transformers files); a
 * repository with only `.bin` weights is a MissingFileError. In Node an existing local
 * directory of that name wins.
 */
export function loadFromHub(id: string, options?: HubOptions): Promise<Model>;
/** The files `loadFromHub` would load, fetched or from the cache. */
export function fetchHubFiles(id: string, options?: HubOptions): Promise<HubFiles>;
/** `"org/name@rev"` → `{ repo: "org/name", revision: "rev" }` (`revision` wins; default `main`). */
export function parseHubId(id: string, revision?: string): { repo: string; revision: string };
/** Which of a repository's files `loadFromHub` fetches (shards come from the index later). */
export function selectHubFiles(names: readonly string[], where?: string): string[];
/** Node: the huggingface_hub cache directory (`$HF_HUB_CACHE`, `$HF_HOME/hub`, `~/.cache/huggingface/hub`). */
export function hubCacheDir(): string;
/** The model files besides the weights that `loadFromHub` fetches when present. */
export const HUB_MODEL_FILES: readonly string[];
/** The Cache API cache browsers keep hub files in: `"wasmicro-hub"`. */
export const BROWSER_CACHE_NAME: string;

export const Wasmicro: {
  readonly load: typeof load;
  readonly loadFromDir: typeof loadFromDir;
  readonly loadFromHub: typeof loadFromHub;
  readonly fetchHubFiles: typeof fetchHubFiles;
  readonly readModelDir: typeof readModelDir;
  readonly listModelDir: typeof listModelDir;
  readonly preload: typeof preload;
  readonly relaxedSimdSupported: typeof relaxedSimdSupported;
  readonly releaseMemory: typeof releaseMemory;
  readonly setCoreModules: typeof setCoreModules;
};
export default Wasmicro;
