// wasmicro (this npm package) against onnxruntime-web on all-MiniLM-L6-v2, in one Node process:
// same inputs, runs interleaved, embeddings checked for agreement before anything is timed.
// A benchmark, not a test: CI never runs it. See "Performance vs onnxruntime-web" in README.md.
//
//   ~/.cache/wasmicro/venv-ref/bin/python fixtures/export_onnx.py    # once: writes the .onnx file
//   cd jco-bindings && npm ci && npm run build                        # the package's dist/
//   cd bench && npm ci && node ort-vs-wasmicro.mjs [options]
//
// Options:
//   --repeat N            timed runs of each case per runtime (default 7; median and best reported)
//   --cold N              fresh Node processes per runtime for the cold-start row (default 5)
//   --model DIR           MiniLM directory (default $WASMICRO_MODEL, else ~/.cache/wasmicro/models/all-MiniLM-L6-v2)
//   --onnx FILE           ONNX export (default $WASMICRO_ONNX, else
//                         ~/.cache/wasmicro/models/all-MiniLM-L6-v2-onnx/model.onnx)
//   --sentences FILE      one sentence a line (default fixtures/bench_sentences.txt, as `wasmicro bench`)
//   --wasmicro 'LABEL=JSON'  adds a wasmicro row loaded with those `load` options (repeatable)
//
// What is compared (the inputs are built as `wasmicro bench` in host/src/main.rs builds them):
// - ort-web gets the ids of wasmicro's own `tokenize` (equal to Hugging Face's; the test suite
//   pins that), truncated to the model's limit as `tokenizers` truncates, an all-ones attention
//   mask and zero token types; its last hidden state is mean-pooled over the mask and
//   L2-normalised in JS, as sentence-transformers does. Tokenizing is therefore NOT in ort-web's
//   times (ort-web has no tokenizer) while it is in wasmicro's: the comparison favours ort-web.
// - cases: cold start (a fresh Node process per sample, alternating runtimes: import the runtime,
//   compile its wasm, load the model from bytes read beforehand), model load from bytes already in
//   memory (in this process, wasm compiled), 32 sentences one at a time, one batch of 32 (ort-web:
//   one batch padded to the longest, the standard way; wasmicro: embedBatch), and the 32 sentences
//   joined with " " truncated to 256 tokens.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// The wasmicro rows. Each is compared with the same ort-web session, interleaved with it.
// A new build of the package (relaxed SIMD, int8, ...) is one more line here, with the `load`
// options that select it; `minCosine` is the agreement with ort-web's f32 embeddings it must
// reach before it is timed (int8's target is 0.999 against f32, see issue 8). Beware: today's
// `load` ignores options it does not know, so a row for a variant the package lacks silently
// runs the default build (the "load options" line then shows no extra `info` field).
const WASMICRO_ROWS = [
  { label: 'wasmicro', loadOptions: {} },
  // int8 weights: near-empty inputs ("", "...") fall to cosine ≈ 0.9964 (tests/int8.rs).
  { label: 'wasmicro int8', loadOptions: { weights: 'int8' }, minCosine: 0.995 },
];
const DEFAULT_MIN_COSINE = 0.9999;
// ModelInfo's fields today (src/index.d.ts); see where the rows are loaded.
const KNOWN_INFO = new Set([
  'family', 'modelType', 'architecture', 'hiddenSize', 'numLayers', 'numHeads', 'vocabSize',
  'maxPositionEmbeddings', 'dtype', 'embeddingSize', 'pooling', 'normalize', 'maxInputTokens', 'labels',
]);

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '..');
const repoRoot = resolve(packageRoot, '..');
const cache = process.env.WASMICRO_CACHE ?? join(homedir(), '.cache', 'wasmicro');

function fail(message) {
  console.error(`\nort-vs-wasmicro: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = {
    repeat: 7,
    cold: 5,
    model: process.env.WASMICRO_MODEL || join(cache, 'models', 'all-MiniLM-L6-v2'),
    onnx: process.env.WASMICRO_ONNX || join(cache, 'models', 'all-MiniLM-L6-v2-onnx', 'model.onnx'),
    sentences: join(repoRoot, 'fixtures', 'bench_sentences.txt'),
    rows: [...WASMICRO_ROWS],
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    i++;
    if (flag === '--repeat') {
      args.repeat = Number(value);
      if (!Number.isInteger(args.repeat) || args.repeat < 1) fail('--repeat: expected a positive integer');
    } else if (flag === '--cold') {
      args.cold = Number(value);
      if (!Number.isInteger(args.cold) || args.cold < 1) fail('--cold: expected a positive integer');
    } else if (flag === '--model') args.model = value;
    else if (flag === '--onnx') args.onnx = value;
    else if (flag === '--sentences') args.sentences = value;
    else if (flag === '--wasmicro') {
      const eq = value.indexOf('=');
      if (eq < 1) fail(`--wasmicro: expected LABEL=JSON, got ${value}`);
      let loadOptions;
      try {
        loadOptions = JSON.parse(value.slice(eq + 1));
      } catch (e) {
        fail(`--wasmicro ${value}: ${e.message}`);
      }
      const { minCosine, ...rest } = loadOptions;
      args.rows.push({ label: value.slice(0, eq), loadOptions: rest, minCosine });
    } else fail(`unknown option ${flag} (see the comment at the top of ${fileURLToPath(import.meta.url)})`);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Machine facts

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? 'unknown';
}

// () -> v128 bodies: SIMD128 is `v128.const 0`; relaxed SIMD is three of them and f32x4.relaxed_madd.
function validates(body) {
  const code = [0x01, body.length + 2, 0x00, ...body, 0x0b]; // one body: size, no locals, code, end
  // prettier-ignore
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
    0x03, 0x02, 0x01, 0x00,                         // one function of type 0
    0x0a, code.length, ...code,                     // its body
  ];
  return WebAssembly.validate(new Uint8Array(bytes));
}
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const simd128 = validates(V128_ZERO);
const relaxedSimd = validates([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02]);

// ---------------------------------------------------------------------------------------------
// Cold start: what a fresh process (a serverless instance, a page) pays before its first
// embedding. Each sample is a new Node process running this file with `--cold-child`, so
// neither runtime's compilation (ort-web compiles 14 MB of wasm, in background threads too)
// runs beside the other's, as it would in one process.

const ORT_SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

function configureOrt(ort) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true; // ignored by versions that ship only SIMD builds; kept for older pins
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
}

/**
 * In the child: reads the model's bytes (`path` is the ONNX file, or the model directory and
 * `names` the files in it that `readModelDir` picked), then times importing the runtime and
 * loading the model.
 */
async function coldChild(runtime, path, loadOptions, names) {
  let importMs;
  let loadMs;
  if (runtime === 'ort') {
    const bytes = readFileSync(path);
    let ort;
    importMs = await timed(async () => {
      ort = await import('onnxruntime-web');
    });
    configureOrt(ort);
    loadMs = await timed(() => ort.InferenceSession.create(bytes, ORT_SESSION_OPTIONS));
  } else {
    const files = new Map(names.map((name) => [name, readFileSync(join(path, name))]));
    let wasmicro;
    importMs = await timed(async () => {
      wasmicro = await import('../src/index.js');
    });
    loadMs = await timed(() => wasmicro.load(files, loadOptions));
  }
  process.stdout.write(JSON.stringify({ importMs, loadMs }));
}

/** In the parent: one cold start in a fresh process; returns `{ importMs, loadMs }`. */
function coldStart(runtime, path, loadOptions = {}, names = []) {
  const json = (v) => JSON.stringify(v);
  const argv = [...process.execArgv, fileURLToPath(import.meta.url), '--cold-child', runtime, path, json(loadOptions), json(names)];
  return JSON.parse(execFileSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

// ---------------------------------------------------------------------------------------------
// Inputs, as `wasmicro bench` builds them

function readSentences(path) {
  if (!existsSync(path)) fail(`no sentences file ${path}`);
  // Rust's str::lines + "not blank", as host/src/main.rs does; lines are not trimmed.
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== '');
}

/** `tokenizers`' truncation of a single sequence `[CLS] … [SEP]`: keep the head, keep the last special token. */
function truncateIds(ids, maxTokens) {
  if (ids.length <= maxTokens) return Array.from(ids);
  return [...Array.from(ids.subarray(0, maxTokens - 1)), ids[ids.length - 1]];
}

// ---------------------------------------------------------------------------------------------
// ort-web: feeds, and sentence-transformers' pooling (mean over the mask, then L2 normalisation)

function feeds(ort, batch) {
  const width = Math.max(...batch.map((ids) => ids.length));
  const n = batch.length;
  const inputIds = new BigInt64Array(n * width); // padded with 0, MiniLM's [PAD]
  const attentionMask = new BigInt64Array(n * width);
  batch.forEach((ids, row) => {
    for (let j = 0; j < ids.length; j++) {
      inputIds[row * width + j] = BigInt(ids[j]);
      attentionMask[row * width + j] = 1n;
    }
  });
  const dims = [n, width];
  return {
    input_ids: new ort.Tensor('int64', inputIds, dims),
    attention_mask: new ort.Tensor('int64', attentionMask, dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * width), dims),
  };
}

function meanPoolNormalize(hidden, batch) {
  const [n, width, size] = hidden.dims;
  const data = hidden.data;
  if (n !== batch.length) throw new Error(`ort-web returned ${n} rows for a batch of ${batch.length}`);
  return batch.map((ids, row) => {
    const v = new Float32Array(size);
    const sum = new Float64Array(size);
    for (let t = 0; t < ids.length; t++) {
      const base = (row * width + t) * size;
      for (let k = 0; k < size; k++) sum[k] += data[base + k];
    }
    let norm = 0;
    for (let k = 0; k < size; k++) {
      sum[k] /= ids.length;
      norm += sum[k] * sum[k];
    }
    // sentence-transformers: F.normalize(p=2, eps=1e-12)
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let k = 0; k < size; k++) v[k] = sum[k] * scale;
    return v;
  });
}

async function ortEmbed(ort, session, batch) {
  const out = await session.run(feeds(ort, batch));
  const hidden = out.last_hidden_state;
  const vectors = meanPoolNormalize(hidden, batch);
  hidden.dispose?.();
  return vectors;
}

// ---------------------------------------------------------------------------------------------
// Statistics and timing

function compare(a, b) {
  let maxDiff = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  return { maxDiff, cosine: dot / Math.sqrt(na * nb) };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const best = (xs) => Math.min(...xs);

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs `runners` (one function per runtime) `repeat` times each, interleaved: in repetition r the
 * runtimes go in rotated order, so none is always first (warm caches, the other's garbage).
 * One untimed warm-up run each first. Returns the times per runtime.
 */
async function interleaved(runners, repeat, { warmUp = true } = {}) {
  if (warmUp) for (const run of runners) await run();
  const times = runners.map(() => []);
  await rotated(runners.length, repeat, async (k) => times[k].push(await timed(runners[k])));
  return times;
}

/** Calls `visit(k)` for each of `n` runtimes, `repeat` rounds, the order rotated each round. */
async function rotated(n, repeat, visit) {
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < n; i++) await visit((i + r) % n);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.onnx)) {
    fail(
      `no ONNX model at ${args.onnx}.\nMake it (torch, benchmark-only) from the repository root with:\n` +
        `  ~/.cache/wasmicro/venv-ref/bin/pip install onnx==1.23.2\n` +
        `  ~/.cache/wasmicro/venv-ref/bin/python fixtures/export_onnx.py`,
    );
  }
  if (!existsSync(join(args.model, 'config.json'))) {
    fail(`no model at ${args.model} (run \`bash fixtures/fetch_minilm.sh\` at the repository root)`);
  }
  if (!existsSync(join(packageRoot, 'dist', 'wasmicro.js'))) {
    fail(`the package is not built: run \`npm ci && npm run build\` in ${packageRoot}`);
  }
  let ort;
  try {
    ort = await import('onnxruntime-web');
  } catch (e) {
    fail(`cannot import onnxruntime-web (${e.message}): run \`npm ci\` in ${here}`);
  }
  const wasmicro = await import('../src/index.js');

  const ortPackage = join(here, 'node_modules', 'onnxruntime-web', 'package.json');
  const ortVersion = JSON.parse(readFileSync(ortPackage, 'utf8')).version;
  configureOrt(ort);
  const sessionOptions = ORT_SESSION_OPTIONS;

  const sentences = readSentences(args.sentences);
  const longText = sentences.join(' ');
  const onnxBytes = readFileSync(args.onnx);
  const modelFiles = await wasmicro.readModelDir(args.model);
  const modelBytes = [...modelFiles.values()].reduce((s, b) => s + b.length, 0);
  const buildInfo = JSON.parse(readFileSync(join(packageRoot, 'dist', 'build-info.json'), 'utf8'));
  const loadStart = loadavg();

  const session = await ort.InferenceSession.create(onnxBytes, sessionOptions);
  const rows = [];
  for (const row of args.rows) {
    let model;
    try {
      model = await wasmicro.load(modelFiles, row.loadOptions);
    } catch (e) {
      // e.g. a relaxed-SIMD build on a runtime that does not validate it: the other rows still run.
      console.log(`${row.label}: skipped, load ${JSON.stringify(row.loadOptions)} failed: ${e.name}: ${e.message}`);
      continue;
    }
    // Anything `info` says beyond what this script knows (a build or variant name, say) is
    // printed, so a row whose load options were silently ignored can be told apart.
    const extra = Object.keys(model.info).filter((k) => !KNOWN_INFO.has(k));
    const says = extra.map((k) => `${k}: ${JSON.stringify(model.info[k])}`).join(', ');
    // The component build `load` picked ('relaxed' where the engine validates relaxed SIMD).
    const label = model.simd ? `${row.label} (${model.simd})` : row.label;
    rows.push({ ...row, label, model, minCosine: row.minCosine ?? DEFAULT_MIN_COSINE, says });
  }
  if (rows.length === 0) fail('no wasmicro row could be loaded');

  // Token ids from wasmicro's tokenizer, truncated to the model's limit as `tokenizers` does.
  const reference = rows[0].model;
  const maxTokens = reference.info.maxInputTokens;
  const longMaxTokens = 256;
  const ids = sentences.map((s) => truncateIds(reference.tokenize(s), maxTokens));
  const longIds = truncateIds(reference.tokenize(longText), longMaxTokens);
  const meanTokens = ids.reduce((s, x) => s + x.length, 0) / ids.length;

  // ---- agreement first
  const ortSingle = [];
  for (const x of ids) ortSingle.push((await ortEmbed(ort, session, [x]))[0]);
  const ortBatch = await ortEmbed(ort, session, ids);
  const [ortLong] = await ortEmbed(ort, session, [longIds]);
  // The padded batch must not change ort-web's embeddings (it is the same model, masked).
  const padding = ortBatch.map((v, i) => compare(v, ortSingle[i]));
  console.log(
    `ort-web padded batch vs one at a time: max |Δ| ${Math.max(...padding.map((c) => c.maxDiff)).toExponential(2)}, ` +
      `min cosine ${Math.min(...padding.map((c) => c.cosine)).toFixed(9)}`,
  );
  for (const row of rows) {
    const single = sentences.map((s) => row.model.embed(s));
    const batch = row.model.embedBatch(sentences);
    const long = row.model.embed(longText, { maxTokens: longMaxTokens });
    const pairs = [
      ...single.map((v, i) => compare(v, ortSingle[i])),
      ...batch.map((v, i) => compare(v, ortBatch[i])),
      compare(long, ortLong),
    ];
    row.maxDiff = Math.max(...pairs.map((p) => p.maxDiff));
    row.minCos = Math.min(...pairs.map((p) => p.cosine));
    console.log(
      `${row.label} vs ort-web, ${sentences.length} sentences (single and batch) + the ${longIds.length}-token text: ` +
        `max |Δ| ${row.maxDiff.toExponential(2)}, min cosine ${row.minCos.toFixed(9)}`,
    );
    if (!(row.minCos >= row.minCosine)) {
      fail(
        `${row.label} and ort-web DISAGREE: min cosine ${row.minCos} < ${row.minCosine}. ` +
          `Nothing was timed: the two are not computing the same embeddings ` +
          `(wrong ONNX export, token ids, pooling or a kernel bug).`,
      );
    }
  }

  // ---- timing, interleaved
  const cases = [];
  let coldParts;
  const runCase = async (name, unit, divisor, ortRun, wasmicroRun, options) => {
    const runners = [ortRun, ...rows.map((row) => () => wasmicroRun(row))];
    const times = await interleaved(runners, args.repeat, options);
    const [ortTimes, ...rowTimes] = times.map((ts) => ts.map((t) => t / divisor));
    cases.push({ name, unit, ort: ortTimes, rows: rowTimes });
  };
  // CPU time the process got over wall time while timing: well below 100% means other processes
  // took the core (the machine is shared) and the times are inflated, ratios less so.
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  process.stderr.write('timing: cold start');
  {
    // Fresh processes, in `interleaved`'s rotation, without a warm-up (nothing to warm), each
    // reporting its parts.
    const names = [...modelFiles.keys()];
    const runners = [
      () => coldStart('ort', args.onnx),
      ...rows.map((row) => () => coldStart('wasmicro', args.model, row.loadOptions, names)),
    ];
    const samples = runners.map(() => []);
    await rotated(runners.length, args.cold, (k) => samples[k].push(runners[k]()));
    const total = (s) => s.map((x) => x.importMs + x.loadMs);
    cases.push({
      name: 'cold start: a fresh process imports the runtime, compiles its wasm, loads the model (bytes read before)',
      unit: 'ms',
      ort: total(samples[0]),
      rows: samples.slice(1).map(total),
    });
    coldParts = samples.map((s) => ({ importMs: median(s.map((x) => x.importMs)), loadMs: median(s.map((x) => x.loadMs)) }));
  }
  process.stderr.write(', load');
  await runCase(
    'model load (from bytes in memory)',
    'ms',
    1,
    async () => {
      const s = await ort.InferenceSession.create(onnxBytes, sessionOptions);
      await s.release();
    },
    async (row) => {
      const m = await wasmicro.load(modelFiles, row.loadOptions);
      m.dispose();
    },
  );
  process.stderr.write(', single');
  await runCase(
    `${sentences.length} sentences one at a time (mean ${meanTokens.toFixed(1)} tokens)`,
    'ms/sentence',
    sentences.length,
    async () => {
      for (const x of ids) await ortEmbed(ort, session, [x]);
    },
    (row) => {
      for (const s of sentences) row.model.embed(s);
    },
  );
  process.stderr.write(', batch');
  await runCase(
    `one batch of ${sentences.length}`,
    'ms/sentence',
    sentences.length,
    () => ortEmbed(ort, session, ids),
    (row) => row.model.embedBatch(sentences),
  );
  process.stderr.write(', long\n');
  await runCase(
    `one ${longIds.length}-token text`,
    'ms',
    1,
    () => ortEmbed(ort, session, [longIds]),
    (row) => row.model.embed(longText, { maxTokens: longMaxTokens }),
  );
  const loadEnd = loadavg();
  const cpu = process.cpuUsage(cpuStart);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wallStart);

  // ---- report
  const nodeFlags = process.execArgv.length ? ` ${process.execArgv.join(' ')}` : '';
  let gitRev = 'unknown';
  try {
    gitRev = execFileSync('git', ['-C', repoRoot, 'describe', '--always', '--dirty', '--abbrev=7'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout
  }
  const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const cell = (ts, unit) => `${f(median(ts))} (${f(best(ts))}) ${unit}`;
  const ratio = (a, b) => `${(median(a) / median(b)).toFixed(2)}× (${(best(a) / best(b)).toFixed(2)}×)`;
  console.log('');
  const node = `Node ${process.version}${nodeFlags} (V8 ${process.versions.v8})`;
  console.log(`${node}, ${cpuModel()}, ${cpus().length} logical CPUs`);
  console.log(
    `onnxruntime-web ${ortVersion} (wasm EP, 1 thread, graph optimisation "all"); this runtime validates ` +
      `wasm SIMD128: ${simd128 ? 'yes' : 'no'}, relaxed SIMD: ${relaxedSimd ? 'yes' : 'no'}`,
  );
  console.log(
    `wasmicro dist/ from component sha256 ${buildInfo.sha256.slice(0, 12)} (repository at git ${gitRev}); ` +
      rows.map((r) => `${r.label}: load options ${JSON.stringify(r.loadOptions)}${r.says ? ` (${r.says})` : ''}`).join('; '),
  );
  console.log(
    `model ${args.model} (${(modelBytes / 1e6).toFixed(1)} MB of files), ` +
      `ONNX ${args.onnx} (${(onnxBytes.length / 1e6).toFixed(1)} MB)`,
  );
  console.log(
    `inputs: ${sentences.length} sentences from ${args.sentences} (mean ${meanTokens.toFixed(1)} tokens), ` +
      `long text ${longIds.length} tokens; ${args.repeat} interleaved runs per case; load average ` +
      `${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadEnd.map((x) => x.toFixed(2)).join(' ')} at end; ` +
      `CPU time / wall time while timing ${(cpuShare * 100).toFixed(0)}% (V8's helper threads included)`,
  );
  console.log('');
  const header = ['case', `ort-web ${ortVersion}`, ...rows.flatMap((r) => [r.label, `${r.label} / ort-web`])];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const c of cases) {
    console.log(
      `| ${c.name} | ${cell(c.ort, c.unit)} | ` +
        c.rows.map((ts) => `${cell(ts, c.unit)} | ${ratio(ts, c.ort)}`).join(' | ') +
        ' |',
    );
  }
  console.log(
    `| agreement with ort-web (max \\|Δ\\|, min cosine) | — | ` +
      rows.map((r) => `${r.maxDiff.toExponential(1)}, ${r.minCos.toFixed(6)} | —`).join(' | ') +
      ' |',
  );
  console.log('\nTimes: median (best) of the runs; ratios of the medians (of the bests): below 1× wasmicro is faster.');
  console.log(
    `Cold start, medians of its parts (${args.cold} fresh processes per runtime): ` +
      [`ort-web`, ...rows.map((r) => r.label)]
        .map((label, i) => `${label} import ${f(coldParts[i].importMs)} ms + load ${f(coldParts[i].loadMs)} ms`)
        .join('; '),
  );

  await session.release();
  for (const row of rows) row.model.dispose();
}

if (process.argv[2] === '--cold-child') {
  await coldChild(process.argv[3], process.argv[4], JSON.parse(process.argv[5]), JSON.parse(process.argv[6]));
} else {
  await main();
}
