// Two builds of this package side by side in one Node process: the same model loaded by each,
// first checked to give the same embedding of the long text, then the cases of
// `ort-vs-wasmicro.mjs` (32 sentences one at a time, one batch of 32, one 256-token text, a load
// from bytes in memory) timed with the builds alternating, the order flipped every round, and
// the medians printed with the ratio B / A. For a change whose effect is a few percent: this
// machine's speed drifts by more than that between minutes, so runs in separate processes
// cannot show it. A benchmark, not a test: CI never runs it.
//
// A package of another component (e.g. the one of the commit before a change):
//   mkdir /tmp/pkg-a && cp -r src scripts package.json /tmp/pkg-a/ \
//     && ln -s "$PWD/node_modules" /tmp/pkg-a/node_modules
//   (cd /tmp/pkg-a && WASMICRO_COMPONENT=/path/to/wasmicro.wasm \
//     WASMICRO_RELAXED_COMPONENT=/path/to/wasmicro-relaxed.wasm node scripts/build.js)
// (run in jco-bindings/; the components are what `cargo build -p wasmicro-host` writes to
// target/component/ at that commit), then, from jco-bindings/bench:
//   node packages-ab.mjs /tmp/pkg-a .. [--load '{"weights":"int8"}'] [--rounds 10] [--model DIR]
// `--load-only` times the load alone (no embedding check): for generation models, whose load
// (packing, int8 quantization) is what a change to it moves.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fail = (message) => {
  console.error(`packages-ab: ${message}`);
  process.exit(2);
};

const positional = [];
const args = {
  load: {},
  rounds: 10,
  model: join(homedir(), '.cache', 'wasmicro', 'models', 'all-MiniLM-L6-v2'),
  sentences: resolve(here, '../../fixtures/bench_sentences.txt'),
  loadOnly: false,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const flag = argv[i];
  if (!flag.startsWith('--')) {
    positional.push(flag);
    continue;
  }
  if (flag === '--load-only') {
    args.loadOnly = true;
    continue;
  }
  const value = argv[++i];
  if (value === undefined) fail(`${flag}: missing value`);
  if (flag === '--load') args.load = JSON.parse(value);
  else if (flag === '--rounds') args.rounds = Number(value);
  else if (flag === '--model') args.model = value;
  else fail(`unknown option ${flag}`);
}
if (positional.length !== 2) fail('usage: node packages-ab.mjs PACKAGE_A PACKAGE_B [--load JSON] [--rounds N] [--model DIR] [--load-only]');
if (!Number.isInteger(args.rounds) || args.rounds < 1) fail('--rounds: expected a positive integer');

const builds = await Promise.all(
  positional.map(async (dir, i) => ({
    label: 'AB'[i],
    dir,
    wasmicro: await import(pathToFileURL(join(resolve(dir), 'src', 'index.js')).href),
  })),
);
const sentences = readFileSync(args.sentences, 'utf8').split('\n').filter(Boolean);
const long = sentences.join(' ');
const files = await builds[0].wasmicro.readModelDir(args.model);
console.log(`${args.model}, load options ${JSON.stringify(args.load)}, ${args.rounds} rounds`);
console.log(`A: ${builds[0].dir}\nB: ${builds[1].dir}`);
if (!args.loadOnly) {
  for (const build of builds) build.model = await build.wasmicro.load(files, args.load);
  const [a, b] = builds.map((build) => build.model.embed(long));
  const maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  console.log(`256-token text, max |A - B| over the embedding: ${maxDiff}`);
}

const loadCase = {
  'load from bytes in memory (ms)': async (build) => (await build.wasmicro.load(files, args.load)).dispose(),
};
const cases = args.loadOnly
  ? loadCase
  : {
      'sentences one at a time (ms)': async (build) => {
        for (const s of sentences) build.model.embed(s);
      },
      'batch of 32 (ms)': async (build) => build.model.embedBatch(sentences),
      '256-token text (ms)': async (build) => build.model.embed(long),
      ...loadCase,
    };
const times = new Map();
for (const [name, run] of Object.entries(cases)) {
  for (const build of builds) {
    await run(build); // untimed warm-up
    times.set(`${name} ${build.label}`, []);
  }
}
for (let round = 0; round < args.rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    for (const build of round % 2 ? [...builds].reverse() : builds) {
      const start = performance.now();
      await run(build);
      times.get(`${name} ${build.label}`).push(performance.now() - start);
    }
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log('\n| case | A | B | B / A |\n|---|---:|---:|---:|');
for (const name of Object.keys(cases)) {
  const [ta, tb] = builds.map((build) => median(times.get(`${name} ${build.label}`)));
  console.log(`| ${name} | ${ta.toFixed(1)} | ${tb.toFixed(1)} | ${(tb / ta).toFixed(3)} |`);
}
