// Shared by the suites: where the model, the fixtures and the Rust host's CLI are, and the
// host's own output to compare with.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(packageRoot, '..');

/** all-MiniLM-L6-v2 as `fixtures/fetch_minilm.sh` unpacks it (or `$WASMICRO_MODEL`). */
export function minilmDir() {
  const cache = process.env.WASMICRO_CACHE || join(homedir(), '.cache', 'wasmicro');
  const dir = process.env.WASMICRO_MODEL || join(cache, 'models', 'all-MiniLM-L6-v2');
  if (!existsSync(join(dir, 'model.safetensors'))) {
    throw new Error(`${dir} has no model: run \`bash fixtures/fetch_minilm.sh\` at the repository root first`);
  }
  return dir;
}

export function fixture(relative) {
  return join(repoRoot, 'fixtures', relative);
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The transpiled package's record of the component it was built from (scripts/build.js). */
export function buildInfo() {
  const path = join(packageRoot, 'dist', 'build-info.json');
  if (!existsSync(path)) throw new Error('dist/ is not built: run `npm run build`');
  return readJson(path);
}

let cli;
/**
 * The `wasmicro` CLI that embeds the very component dist/ was transpiled from:
 * `$WASMICRO_CLI`, else target/release/wasmicro or target/debug/wasmicro, whichever embeds it.
 * Comparing with a CLI built from other sources would compare two different components.
 */
export function hostCli() {
  if (cli) return cli;
  const component = readFileSync(resolve(packageRoot, buildInfo().component));
  const candidates = process.env.WASMICRO_CLI
    ? [process.env.WASMICRO_CLI]
    : ['release', 'debug'].map((p) => join(repoRoot, 'target', p, 'wasmicro'));
  const present = candidates.filter((c) => existsSync(c));
  for (const candidate of present) {
    if (readFileSync(candidate).includes(component)) return (cli = candidate);
  }
  throw new Error(
    present.length === 0
      ? `no wasmicro CLI at ${candidates.join(' or ')}: run \`cargo build -p wasmicro-host\``
      : `${present.join(' and ')} embed${present.length > 1 ? '' : 's'} another component than dist/ was built from: ` +
          'run `cargo build -p wasmicro-host` then `npm run build`',
  );
}

/**
 * The Rust host's embeddings (`wasmicro embed --json`), exactly as it prints them. Texts go as
 * arguments, except those with a NUL (which no argument can hold): they go as stdin lines.
 */
export function hostEmbed(texts, model = minilmDir()) {
  const run = (args, input) =>
    JSON.parse(
      execFileSync(hostCli(), ['embed', '--json', '--model', model, '--', ...args], {
        encoding: 'utf8',
        input,
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 256 << 20,
      }),
    );
  const viaStdin = texts.map((t) => t.includes('\0'));
  if (viaStdin.some((v, i) => v && /[\r\n]/.test(texts[i]))) throw new Error('a text has both NUL and a line break');
  const byArgs = texts.filter((_, i) => !viaStdin[i]);
  const byStdin = texts.filter((_, i) => viaStdin[i]);
  const fromArgs = byArgs.length ? run(byArgs) : [];
  const fromStdin = byStdin.length ? run([], byStdin.join('\n') + '\n') : [];
  return texts.map((_, i) => (viaStdin[i] ? fromStdin : fromArgs).shift());
}

export function hostRun(args) {
  return execFileSync(hostCli(), args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Texts every runtime is checked on: HF's reference texts when present, the bench set, and a few more. */
export function parityTexts() {
  const bench = readFileSync(fixture('bench_sentences.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const extra = [
    'Hello, world',
    'Café crème brûlée — 東京 🚀',
    '',
    '\tTabs\nand newlines  ',
    bench.join(' '), // > 256 tokens: truncated
  ];
  const reference = fixture('reference/minilm_embeddings.json');
  const texts = existsSync(reference) ? readJson(reference).cases.map((c) => c.text) : [];
  return [...texts, ...bench, ...extra];
}

/** Below this top-1/top-2 logit gap, f32 round-off may legitimately pick the other token. */
export const NEAR_TIE = 2e-3;

/**
 * The tiny decoders with greedy references (fixtures/tiny/NAME/reference.json, made by
 * transformers): `[{ name, dir, cases }]`, sorted by name; empty without fixtures/tiny.
 */
export function tinyDecoderReferences() {
  const root = fixture('tiny');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((name) => ({ name, dir: join(root, name), path: join(root, name, 'reference.json') }))
    .filter(({ path }) => existsSync(path))
    .map(({ name, dir, path }) => ({ name, dir, cases: readJson(path).cases ?? [] }))
    .filter(({ cases }) => cases[0]?.greedy_text);
}
