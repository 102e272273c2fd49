// Loading by hub id in Node, from the test mirror of the Hugging Face hub (tests/hub_mirror.py on
// 127.0.0.1) into temporary huggingface_hub caches: the same outputs as from the fixture
// directory, only the needed files fetched, revisions, a gated repository, a repository with only
// .bin weights, offline loads, and dropped / truncated / corrupt downloads.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import {
  HUB_MODEL_FILES,
  HubError,
  MissingFileError,
  fetchHubFiles,
  listModelDir,
  loadFromDir,
  loadFromHub,
} from '../src/index.js';
import { startMirror } from './hub-mirror.js';
import { fixture, maxAbsDiff } from './support.js';

const TEXTS = ['Hello, world', 'The quick brown fox jumps over the lazy dog.', 'Café crème brûlée', ''];
const BERT = 'wasmicro-test/tiny-bert';
const NEEDED = new Set([...HUB_MODEL_FILES, 'model.safetensors', 'model.safetensors.index.json']);

let mirror;
const temps = [];
function tempCache() {
  const dir = mkdtempSync(join(tmpdir(), 'wasmicro-hub-'));
  temps.push(dir);
  return dir;
}
const fast = { retryDelayMs: 10 };

before(async () => {
  mirror = await startMirror();
});

// A test that failed half-way must not leave its faults to the next one.
beforeEach(() => mirror.reset());

after(async () => {
  await mirror?.stop();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The file name a mirror request path asks for, when it is a file request. */
function requestedFile(path) {
  const resolve = /^\/[^/]+\/[^/]+\/resolve\/[^/]+\/(.+)$/.exec(path);
  return resolve ? decodeURIComponent(resolve[1]) : undefined;
}

/** The mirror paths that served `file`'s bytes (the resolve URL, and the CDN URL it redirects to). */
async function pathsOf(file, requests) {
  return Object.keys(requests ?? (await mirror.requests())).filter(
    (p) => requestedFile(p) === file || (p.startsWith('/cdn/') && p.endsWith(`/${file}`)),
  );
}

function assertOnlyNeededFiles(requests) {
  for (const path of Object.keys(requests)) {
    const file = requestedFile(path);
    if (file !== undefined) assert.ok(NEEDED.has(file), `fetched ${file}, which no model needs (${path})`);
    assert.doesNotMatch(path, /\.(bin|onnx|msgpack|h5|ot|gguf)$|\/onnx\/|flax|tf_model/, `fetched a decoy: ${path}`);
  }
}

function assertSameEmbeddings(a, b) {
  for (const text of TEXTS) assert.equal(maxAbsDiff(a.embed(text), b.embed(text)), 0, JSON.stringify(text));
}

/** Every blob in a cache is complete and named by its content's hash; no `.incomplete` is left. */
function assertCacheSound(cacheDir) {
  for (const repo of readdirSync(cacheDir).filter((d) => d.startsWith('models--'))) {
    const blobs = join(cacheDir, repo, 'blobs');
    if (!existsSync(blobs)) continue;
    for (const name of readdirSync(blobs)) {
      assert.doesNotMatch(name, /\.incomplete$/, `${repo}: a partial download was left: ${name}`);
      const bytes = readFileSync(join(blobs, name));
      const id =
        name.length === 64
          ? createHash('sha256').update(bytes).digest('hex')
          : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
      assert.equal(id, name, `${repo}/blobs/${name} does not hold what its name says`);
    }
  }
}

// The tests below read the mirror's log right after a load returns; a log written after the reply
// raced them (CI once saw no CDN request for weights that came from the CDN).
test('the mirror has logged a request, and its status, by the time its client has the response', async () => {
  await mirror.reset();
  for (let round = 1; round <= 40; round++) {
    const res = await fetch(`${mirror.url}/${BERT}/resolve/main/model.safetensors`);
    await res.arrayBuffer();
    const log = await mirror.log();
    assert.equal(log.length, 2 * round, `round ${round}: ${JSON.stringify(log.slice(-2))}`);
    assert.deepEqual(log.slice(-2).map((r) => [r.listener, r.status]), [['hub', 302], ['cdn', 200]]);
  }
});

test('by id: the same embeddings as the fixture directory, in the huggingface_hub cache layout', async () => {
  const cacheDir = tempCache();
  await mirror.reset();
  const progress = new Map();
  const model = await loadFromHub(BERT, {
    endpoint: mirror.url,
    cacheDir,
    onProgress: ({ file, loaded, total }) => progress.set(file, { loaded, total }),
  });
  assertSameEmbeddings(model, await loadFromDir(fixture('tiny/bert')));
  const requests = await mirror.requests();
  assertOnlyNeededFiles(requests);

  const fixtureFiles = (await listModelDir(fixture('tiny/bert'))).filter((f) => f !== 'reference.json');
  assert.deepEqual([...progress.keys()].sort(), fixtureFiles);
  for (const [file, { loaded, total }] of progress) assert.equal(loaded, total, file);

  // huggingface_hub's layout: refs/main holds the commit, snapshots/<commit>/<file> links to blobs/<etag>.
  const storage = join(cacheDir, 'models--wasmicro-test--tiny-bert');
  const info = await (await fetch(`${mirror.url}/api/models/${BERT}/revision/main`)).json();
  assert.equal(readFileSync(join(storage, 'refs', 'main'), 'utf8'), info.sha);
  for (const file of fixtureFiles) {
    const pointer = join(storage, 'snapshots', info.sha, file);
    assert.ok(lstatSync(pointer).isSymbolicLink(), `${file} is not a symlink`);
    assert.match(readlinkSync(pointer), /^\.\.\/\.\.\/blobs\/[0-9a-f]{40,64}$/);
    assert.deepEqual(readFileSync(pointer), readFileSync(fixture(`tiny/bert/${file}`)), file);
  }
  assertCacheSound(cacheDir);

  // A second load is served by the cache: only the revision is asked again.
  await mirror.reset();
  assertSameEmbeddings(await loadFromHub(BERT, { endpoint: mirror.url, cacheDir }), model);
  const again = Object.keys(await mirror.requests()).filter((p) => !p.startsWith('/_control'));
  assert.deepEqual(again, [`/api/models/${BERT}/revision/main`]);
});

test('HF_ENDPOINT and HF_HUB_CACHE are honoured', async () => {
  const cacheDir = tempCache();
  const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
  process.env.HF_ENDPOINT = mirror.url;
  process.env.HF_HUB_CACHE = cacheDir;
  try {
    const { snapshotDir } = await fetchHubFiles(BERT);
    assert.ok(snapshotDir.startsWith(join(cacheDir, 'models--wasmicro-test--tiny-bert', 'snapshots')));
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
});

test('decoders by id generate what the fixture directory generates', async () => {
  const cacheDir = tempCache();
  await mirror.reset();
  for (const [id, dir, prompt] of [
    ['wasmicro-test/tiny-gpt2', 'tiny/gpt2', 'Hello there'],
    ['wasmicro-test/tiny-t5', 'tiny/t5', 'translate English to German: hello'],
  ]) {
    const fromHub = await loadFromHub(id, { endpoint: mirror.url, cacheDir });
    const fromDir = await loadFromDir(fixture(dir));
    assert.equal(fromHub.generate(prompt, { maxNewTokens: 8 }), fromDir.generate(prompt, { maxNewTokens: 8 }), id);
    assert.deepEqual(fromHub.info, fromDir.info);
  }
  assertOnlyNeededFiles(await mirror.requests());
});

test('revisions: a branch, a commit id, the revision option, an unknown revision', async () => {
  const cacheDir = tempCache();
  const info = await (await fetch(`${mirror.url}/api/models/${BERT}/revision/main`)).json();
  const byCommit = await fetchHubFiles(`${BERT}@${info.sha}`, { endpoint: mirror.url, cacheDir });
  assert.equal(byCommit.commit, info.sha);
  assert.equal(byCommit.revision, info.sha);
  const byOption = await fetchHubFiles(BERT, { endpoint: mirror.url, cacheDir, revision: 'main' });
  assert.equal(byOption.commit, info.sha);
  // Branch v1 of the mirror's tiny-bert is another checkpoint (fixtures/tiny/bert_cased).
  const v1 = await loadFromHub(`${BERT}@v1`, { endpoint: mirror.url, cacheDir });
  const cased = await loadFromDir(fixture('tiny/bert_cased'));
  assertSameEmbeddings(v1, cased);
  const v1Commit = readFileSync(join(cacheDir, 'models--wasmicro-test--tiny-bert', 'refs', 'v1'), 'utf8');
  assert.notEqual(v1Commit, info.sha);
  assertSameEmbeddings(await loadFromHub(`${BERT}@v1`, { endpoint: mirror.url, cacheDir, offline: true }), cased);
  assert.notEqual(maxAbsDiff(v1.embed('Hello, World'), (await loadFromHub(BERT, { endpoint: mirror.url, cacheDir })).embed('Hello, World')), 0);
  await assert.rejects(fetchHubFiles(`${BERT}@no-such-revision`, { endpoint: mirror.url, cacheDir, ...fast }), (e) => {
    assert.ok(e instanceof HubError, e.stack);
    assert.equal(e.kind, 'hub');
    assert.equal(e.status, 404);
    assert.match(e.message, /no-such-revision/);
    return true;
  });
});

test('a gated repository: 401 without a token, loads with { token } or HF_TOKEN', async () => {
  const cacheDir = tempCache();
  const gated = 'wasmicro-test/gated-bert';
  await assert.rejects(loadFromHub(gated, { endpoint: mirror.url, cacheDir, token: false }), (e) => {
    assert.ok(e instanceof HubError, e.stack);
    assert.equal(e.status, 401);
    assert.match(e.message, /token/);
    return true;
  });
  await assert.rejects(loadFromHub(gated, { endpoint: mirror.url, cacheDir, token: 'hf_wrong' }), HubError);
  const reference = await loadFromDir(fixture('tiny/bert'));
  assertSameEmbeddings(await loadFromHub(gated, { endpoint: mirror.url, cacheDir, token: 'hf_test_token' }), reference);

  const saved = process.env.HF_TOKEN;
  process.env.HF_TOKEN = 'hf_test_token';
  try {
    const files = await fetchHubFiles(gated, { endpoint: mirror.url, cacheDir: tempCache() });
    assert.ok(files.files.has('model.safetensors'));
  } finally {
    if (saved === undefined) delete process.env.HF_TOKEN;
    else process.env.HF_TOKEN = saved;
  }
});

test('the token goes to the endpoint only, never to the CDN the hub redirects to', async () => {
  for (const cache of [undefined, false]) {
    await mirror.reset();
    const options = { endpoint: mirror.url, token: 'hf_test_token', cacheDir: tempCache(), cache };
    await fetchHubFiles('wasmicro-test/gated-bert', options);
    const log = await mirror.log();
    const cdn = log.filter((r) => r.listener === 'cdn');
    assert.ok(cdn.length > 0, 'the weights came from the CDN listener (another origin)');
    for (const r of log) assert.equal(r.authorization, r.listener === 'hub', `${r.method} ${r.path}`);
  }
});

test('a repository with only .bin weights is a clear error, and nothing is fetched', async () => {
  const cacheDir = tempCache();
  await mirror.reset();
  await assert.rejects(loadFromHub('wasmicro-test/bin-only', { endpoint: mirror.url, cacheDir }), (e) => {
    assert.ok(e instanceof MissingFileError, e.stack);
    assert.match(e.message, /pytorch_model\.bin/);
    assert.match(e.message, /safetensors/);
    return true;
  });
  assertOnlyNeededFiles(await mirror.requests());
  assert.deepEqual(
    Object.keys(await mirror.requests()).filter((p) => requestedFile(p)?.endsWith('.bin')),
    [],
  );
});

test('faults: a dropped connection and a truncated body are resumed, a corrupt body fetched again', async () => {
  const reference = await loadFromDir(fixture('tiny/bert'));
  const warm = tempCache();
  await mirror.reset();
  await fetchHubFiles(BERT, { endpoint: mirror.url, cacheDir: warm });
  const weightsPaths = await pathsOf('model.safetensors');
  const bodyPath = weightsPaths.find((p) => p.startsWith('/cdn/')) ?? weightsPaths[0];
  const configPath = (await pathsOf('config.json'))[0];

  for (const [path, kind, times] of [
    [bodyPath, 'drop', 2],
    [bodyPath, 'truncate', 2],
    [bodyPath, 'bad-etag', 1],
    [configPath, 'bad-etag', 1],
    [configPath, 'drop', 1],
  ]) {
    for (const cache of [undefined, false]) {
      const cacheDir = tempCache();
      await mirror.reset();
      await mirror.fault(path, kind, times);
      const model = await loadFromHub(BERT, { endpoint: mirror.url, cacheDir, cache, ...fast });
      assertSameEmbeddings(model, reference);
      const served = (await mirror.requests())[path];
      assert.ok(served > times, `${kind} ${path}: served ${served} times, so it was not retried`);
      if (kind !== 'bad-etag') {
        const resumed = (await mirror.log()).some((r) => r.path === path && /^bytes=[1-9]\d*-$/.test(r.range ?? ''));
        assert.ok(resumed, `${kind} ${path}: not resumed with a Range request`);
      }
      assertCacheSound(cacheDir);
    }
  }
});

test('faults that persist: a clear error, and no corrupt file in the cache', async () => {
  await mirror.reset();
  await fetchHubFiles(BERT, { endpoint: mirror.url, cacheDir: tempCache() });
  const weightsPaths = await pathsOf('model.safetensors');
  const bodyPath = weightsPaths.find((p) => p.startsWith('/cdn/')) ?? weightsPaths[0];
  for (const kind of ['bad-etag', 'truncate', 'drop']) {
    const cacheDir = tempCache();
    await mirror.reset();
    await mirror.fault(bodyPath, kind, 100);
    await assert.rejects(loadFromHub(BERT, { endpoint: mirror.url, cacheDir, retries: 2, ...fast }), (e) => {
      assert.ok(e instanceof HubError, e.stack);
      assert.match(e.message, /model\.safetensors: download failed after 3 attempts/);
      return true;
    });
    const storage = join(cacheDir, 'models--wasmicro-test--tiny-bert');
    const snapshots = join(storage, 'snapshots');
    for (const commit of existsSync(snapshots) ? readdirSync(snapshots) : []) {
      assert.ok(!existsSync(join(snapshots, commit, 'model.safetensors')), `${kind}: a snapshot points at the weights`);
    }
    if (kind === 'bad-etag') assertCacheSound(cacheDir);
    else {
      // What did arrive is kept as a `.incomplete` prefix, for a later run to resume.
      const whole = readFileSync(fixture('tiny/bert/model.safetensors'));
      const name = `${createHash('sha256').update(whole).digest('hex')}.incomplete`;
      const part = readFileSync(join(storage, 'blobs', name));
      assert.ok(part.length < whole.length && whole.subarray(0, part.length).equals(part), `${kind}: ${name}`);
    }
    // Once the mirror behaves, the next load completes (resuming what arrived).
    await mirror.reset();
    assertSameEmbeddings(await loadFromHub(BERT, { endpoint: mirror.url, cacheDir }), await loadFromDir(fixture('tiny/bert')));
    assertCacheSound(cacheDir);
  }
});

/** `{ path: size }` of everything under `dir` (symlinks as themselves). */
function listing(dir) {
  const entries = readdirSync(dir, { recursive: true }).map(String).sort();
  return Object.fromEntries(entries.map((p) => [p, lstatSync(join(dir, p)).size]));
}

test('a failed load returns only after its other downloads ended: the cache does not change afterwards', async () => {
  const cacheDir = tempCache();
  await mirror.reset();
  await mirror.fault('model.safetensors', 'drop', 100);
  await mirror.fault('tokenizer.json', 'slow', 1);
  await assert.rejects(loadFromHub(BERT, { endpoint: mirror.url, cacheDir, retries: 0, ...fast }), /model\.safetensors/);
  const atError = listing(cacheDir);
  assert.ok(
    Object.keys(atError).some((p) => /\/snapshots\/[^/]+\/tokenizer\.json$/.test(p)),
    `the slow tokenizer.json was awaited: ${JSON.stringify(atError)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 2000)); // longer than the mirror's "slow"
  assert.deepEqual(listing(cacheDir), atError);
  await mirror.reset();
});

test('offline: HF_HUB_OFFLINE=1 or { offline: true } load from the cache without a request', async () => {
  const cacheDir = tempCache();
  const online = await loadFromHub(BERT, { endpoint: mirror.url, cacheDir });
  await mirror.reset();
  assertSameEmbeddings(await loadFromHub(BERT, { endpoint: mirror.url, cacheDir, offline: true }), online);
  const saved = process.env.HF_HUB_OFFLINE;
  process.env.HF_HUB_OFFLINE = '1';
  try {
    assertSameEmbeddings(await loadFromHub(BERT, { endpoint: mirror.url, cacheDir }), online);
    await assert.rejects(loadFromHub('wasmicro-test/tiny-gpt2', { endpoint: mirror.url, cacheDir }), (e) => {
      assert.ok(e instanceof HubError, e.stack);
      assert.match(e.message, /not in the hub cache/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_OFFLINE;
    else process.env.HF_HUB_OFFLINE = saved;
  }
  const requests = Object.keys(await mirror.requests()).filter((p) => !p.startsWith('/_control'));
  assert.deepEqual(requests, []);
});

test('Workers sources: an R2-like bucket binding and a plain URL base', async () => {
  const reference = await loadFromDir(fixture('tiny/bert'));
  const names = await listModelDir(fixture('tiny/bert'));
  const objects = new Map(names.map((n) => [`models/tiny-bert/${n}`, readFileSync(fixture(`tiny/bert/${n}`))]));
  objects.set('models/tiny-bert/pytorch_model.bin', Buffer.from('decoy'));
  const asked = [];
  const bucket = {
    async get(key) {
      asked.push(key);
      const bytes = objects.get(key);
      return bytes ? { arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) } : null;
    },
  };
  assertSameEmbeddings(await loadFromHub(BERT, { bucket, prefix: 'models/tiny-bert/' }), reference);
  assert.ok(!asked.some((k) => k.endsWith('.bin')));
  objects.delete('models/tiny-bert/model.safetensors');
  await assert.rejects(loadFromHub(BERT, { bucket, prefix: 'models/tiny-bert/' }), MissingFileError);

  // A URL base: the mirror's CDN paths serve a commit's files as plain URLs.
  const info = await (await fetch(`${mirror.url}/api/models/${BERT}/revision/main`)).json();
  await mirror.reset();
  const baseUrl = `${mirror.url}/${BERT}/resolve/${info.sha}`;
  assertSameEmbeddings(await loadFromHub(BERT, { baseUrl }), reference);
  assertOnlyNeededFiles(await mirror.requests());
});

test('offline after the mirror stopped; an unreachable hub falls back to the cache', async () => {
  const cacheDir = tempCache();
  const online = await loadFromHub(`${BERT}@main`, { endpoint: mirror.url, cacheDir });
  const endpoint = mirror.url;
  await mirror.stop();
  assertSameEmbeddings(await loadFromHub(BERT, { endpoint, cacheDir, offline: true }), online);
  assertSameEmbeddings(await loadFromHub(BERT, { endpoint, cacheDir, retries: 0 }), online);
  await assert.rejects(loadFromHub(BERT, { endpoint, cacheDir: tempCache(), retries: 1, ...fast }), (e) => {
    assert.ok(e instanceof HubError, e.stack);
    assert.match(e.message, /did not answer/);
    return true;
  });
});
