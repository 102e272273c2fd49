// The Cloudflare Workers suite: worker/ under workerd (npm `workerd`, run directly: no wrangler,
// no account, no telemetry) on 127.0.0.1. It sends requests and checks the answers equal the
// Rust host's, and reports workerd's memory with all-MiniLM-L6-v2 loaded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeWorkerdConfig } from '../worker/workerd-config.js';
import { Wasmicro } from '../src/index.js';
import { startMirror } from './hub-mirror.js';
import { fixture, hostEmbed, hostRun, maxAbsDiff, minilmDir, packageRoot, parityTexts } from './support.js';
import { tinyGpt2, writeTinyGpt2 } from './tiny-gpt2.js';

const require = createRequire(import.meta.url);

function workerdBinary() {
  if (process.env.WORKERD) return process.env.WORKERD;
  // The platform package ships the binary itself; `workerd`'s own postinstall is not needed.
  const pkg = require.resolve(`@cloudflare/workerd-${process.platform}-${process.arch === 'x64' ? '64' : process.arch}/package.json`);
  return join(dirname(pkg), 'bin', 'workerd');
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}

/** Starts workerd serving worker/ with `modelDir` as its MODEL; resolves to `{ base, pid, stop() }`. */
async function startWorkerd(modelDir, configName, hub) {
  const port = await freePort();
  const path = join(packageRoot, 'worker', '.workerd', configName);
  const config = await writeWorkerdConfig({ port, modelDir, path, hub });
  const binary = workerdBinary();
  assert.ok(existsSync(binary), `no workerd binary at ${binary}`);
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${base}/nowhere`)).status === 404) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`workerd did not answer within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, pid: child.pid, stop };
}

let workerd;
let base;
const memoryAt = {};
const snapshot = (when) => {
  if (existsSync(`/proc/${workerd.pid}/status`)) memoryAt[when] = memory(workerd.pid);
};

before(async () => {
  workerd = await startWorkerd(minilmDir(), 'minilm.capnp');
  base = workerd.base;
  snapshot('idle');
});

after(async () => {
  await workerd?.stop();
  for (const [when, m] of Object.entries(memoryAt)) {
    console.log(`# workerd RSS ${when}: ${m.rssMB.toFixed(0)} MB (peak so far ${m.peakMB.toFixed(0)} MB)`);
  }
});

const post = (path, body) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('POST /embed: one text, then many, equal the Rust host', async () => {
  const t0 = performance.now();
  const single = await post('/embed', { inputs: 'Hello, world' });
  const coldMs = performance.now() - t0;
  assert.equal(single.status, 200, await single.clone().text());
  assert.match(single.headers.get('content-type'), /application\/json/);
  const [vector] = await single.json();
  const [expected] = hostEmbed(['Hello, world']);
  // workerd validates relaxed SIMD, so the Worker runs the relaxed build: equal to the host's
  // SIMD128 build within f32 round-off (fused multiply-adds), not bit for bit.
  assert.ok(maxAbsDiff(vector, expected) <= 1e-6);
  snapshot('after loading MiniLM');
  console.log(`# workerd: first request (fetch + load the model + embed): ${coldMs.toFixed(0)} ms`);

  const texts = parityTexts();
  const t1 = performance.now();
  const many = await post('/embed', { inputs: texts });
  const warmMs = performance.now() - t1;
  assert.equal(many.status, 200, await many.clone().text());
  const vectors = await many.json();
  const hostVectors = hostEmbed(texts);
  assert.equal(vectors.length, texts.length);
  let worst = 0;
  texts.forEach((text, i) => {
    const delta = maxAbsDiff(vectors[i], hostVectors[i]);
    assert.ok(delta <= 1e-6, `${JSON.stringify(text)}: max |Δ| ${delta}`);
    worst = Math.max(worst, delta);
  });
  console.log(`# workerd: ${texts.length} texts in one request, ${warmMs.toFixed(0)} ms; worst max |Δ| vs the Rust host ${worst}`);
  snapshot(`after embedding ${texts.length} texts`);
});

test('POST /embed with options', async () => {
  const raw = await (await post('/embed', { inputs: ['Options change what comes out.'], options: { normalize: false } })).json();
  const norm = Math.hypot(...raw[0]);
  assert.ok(Math.abs(norm - 1) > 1e-3);
  const [unit] = await (await post('/embed', { inputs: 'Options change what comes out.' })).json();
  assert.ok(maxAbsDiff(unit, raw[0].map((x) => x / norm)) < 1e-6);
});

test('POST /generate answers the typed unsupported error as JSON', async () => {
  const res = await post('/generate', { inputs: 'Once upon a time', parameters: { maxNewTokens: 8 } });
  assert.equal(res.status, 501);
  const { error } = await res.json();
  assert.equal(error.kind, 'unsupported');
  assert.match(error.message, /encoder/);
});

test('bad requests are typed errors, and the worker keeps serving', async () => {
  const expectError = async (res, status, kind) => {
    assert.equal(res.status, status);
    assert.equal((await res.json()).error.kind, kind);
  };
  await expectError(await post('/embed', '{not json'), 400, 'invalid-request');
  await expectError(await post('/embed', { inputs: 42 }), 400, 'invalid-request');
  await expectError(await post('/embed', { inputs: 'x'.repeat(10), options: { maxTokens: 2, truncate: false } }), 400, 'invalid-input');
  await expectError(await post('/embed', { inputs: 'x', options: { pooling: 'median' } }), 400, 'invalid-request');
  await expectError(await fetch(`${base}/embed`), 405, 'invalid-request');
  await expectError(await fetch(`${base}/nowhere`), 404, 'not-found');
  const res = await post('/embed', { inputs: ['Hello, world'] });
  assert.equal(res.status, 200);
  assert.ok(maxAbsDiff((await res.json())[0], hostEmbed(['Hello, world'])[0]) <= 1e-6);
});

test('GET / describes the model, run by the relaxed-SIMD build', async () => {
  const { model, simd } = await (await fetch(`${base}/`)).json();
  assert.equal(simd, 'relaxed');
  assert.equal(model.modelType, 'bert');
  assert.equal(model.embeddingSize, 384);
});

test('POST /generate streams what the Rust host generates, with a decoder (a tiny GPT-2)', async (t) => {
  const dir = writeTinyGpt2(mkdtempSync(join(tmpdir(), 'wasmicro-gpt2-')));
  const gpt2 = await startWorkerd(dir, 'tiny-gpt2.capnp');
  t.after(async () => {
    await gpt2.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const local = await Wasmicro.load(tinyGpt2());
  for (const [parameters, flags] of [
    [{ maxNewTokens: 12 }, ['--max-new-tokens', '12']],
    [
      { maxNewTokens: 16, temperature: 0.9, topK: 20, seed: 7 },
      ['--max-new-tokens', '16', '--temperature', '0.9', '--top-k', '20', '--seed', '7'],
    ],
  ]) {
    const res = await fetch(`${gpt2.base}/generate`, {
      method: 'POST',
      body: JSON.stringify({ inputs: 'Hello there', parameters }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const chunks = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    assert.ok(chunks.length >= 1);
    const host = hostRun(['generate', '--model', dir, ...flags, '--', 'Hello there']).replace(/\n$/, '');
    assert.equal(chunks.join(''), host, `vs the Rust host: ${JSON.stringify(parameters)}`);
    assert.equal(chunks.join(''), local.generate('Hello there', parameters), `vs Node: ${JSON.stringify(parameters)}`);
  }
  const tooLong = await fetch(`${gpt2.base}/generate`, { method: 'POST', body: JSON.stringify({ inputs: 'x'.repeat(200) }) });
  assert.equal(tooLong.status, 400);
  assert.equal((await tooLong.json()).error.kind, 'invalid-input');
  const embed = await fetch(`${gpt2.base}/embed`, { method: 'POST', body: JSON.stringify({ inputs: 'x' }) });
  assert.equal(embed.status, 501);
});

test('HF_MODEL: the Worker loads a model by hub id from the hub mirror', async (t) => {
  const mirror = await startMirror();
  t.after(() => mirror.stop());
  const worker = await startWorkerd(fixture('tiny/bert'), 'hub.capnp', {
    model: 'wasmicro-test/tiny-bert',
    endpoint: mirror.url,
  });
  t.after(() => worker.stop());
  const texts = ['Hello, world', 'The quick brown fox jumps over the lazy dog.'];
  const res = await fetch(`${worker.base}/embed`, { method: 'POST', body: JSON.stringify({ inputs: texts }) });
  assert.equal(res.status, 200, await res.clone().text());
  const vectors = await res.json();
  const local = await Wasmicro.loadFromDir(fixture('tiny/bert'));
  texts.forEach((text, i) => assert.ok(maxAbsDiff(vectors[i], local.embed(text)) <= 1e-6, text));
  const requested = Object.keys(await mirror.requests());
  assert.ok(requested.some((p) => p.startsWith('/cdn/') && p.endsWith('/model.safetensors')), requested.join(' '));
  for (const path of requested) assert.doesNotMatch(path, /\.(bin|onnx|msgpack|h5|ot)$/, `a decoy was fetched: ${path}`);
  // Loaded once per isolate: a second request fetches nothing.
  await mirror.reset();
  assert.equal((await fetch(`${worker.base}/embed`, { method: 'POST', body: JSON.stringify({ inputs: 'x' }) })).status, 200);
  assert.deepEqual(await mirror.requests(), {});
});
