// The Node suite: the transpiled component equals the Rust host (wasmtime) and Hugging Face,
// errors are typed, and a model stays usable after them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  InvalidConfigError,
  InvalidInputError,
  InvalidModelError,
  InvalidTokenizerError,
  MissingFileError,
  Model,
  UnsupportedArchitectureError,
  UnsupportedError,
  Wasmicro,
  WasmicroError,
  loadFromDir,
  readModelDir,
} from '../src/index.js';
import { tinyGpt2 } from './tiny-gpt2.js';
import {
  NEAR_TIE,
  fixture,
  hostCli,
  hostEmbed,
  hostRun,
  maxAbsDiff,
  minilmDir,
  parityTexts,
  readJson,
  tinyDecoderReferences,
} from './support.js';

const encode = (s) => new TextEncoder().encode(s);

let model;
before(async () => {
  model = await Wasmicro.loadFromDir(minilmDir());
});

describe('all-MiniLM-L6-v2 in Node', () => {
  test('embeddings equal the Rust host (wasmtime) on the same texts, max |Δ| <= 1e-6', () => {
    const texts = parityTexts();
    const expected = hostEmbed(texts);
    const batch = model.embedBatch(texts);
    assert.equal(batch.length, texts.length);
    let worst = 0;
    texts.forEach((text, i) => {
      const single = model.embed(text);
      assert.ok(single instanceof Float32Array);
      assert.equal(single.length, 384);
      const delta = Math.max(maxAbsDiff(single, expected[i]), maxAbsDiff(batch[i], expected[i]));
      assert.ok(delta <= 1e-6, `${JSON.stringify(text)}: max |Δ| ${delta}`);
      worst = Math.max(worst, delta);
    });
    console.log(`# ${texts.length} texts vs ${hostCli()}: worst max |Δ| ${worst}`);
  });

  test('embeddings equal sentence-transformers (fixtures/reference), max |Δ| <= 1e-5', (t) => {
    const path = fixture('reference/minilm_embeddings.json');
    if (!existsSync(path)) return t.skip('fixtures/reference/minilm_embeddings.json is not there');
    const { cases } = readJson(path);
    assert.ok(cases.length >= 50);
    let worst = 0;
    for (const { text, embedding } of cases) {
      const delta = maxAbsDiff(model.embed(text), embedding);
      assert.ok(delta <= 1e-5, `${JSON.stringify(text)}: max |Δ| ${delta}`);
      worst = Math.max(worst, delta);
    }
    console.log(`# ${cases.length} reference texts: worst max |Δ| ${worst}`);
  });

  test('info is what the host reports', () => {
    const host = JSON.parse(hostRun(['info', '--model', minilmDir()]));
    const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    assert.deepEqual(model.info, Object.fromEntries(Object.entries(host).map(([k, v]) => [camel(k), v])));
    assert.ok(Object.isFrozen(model.info));
  });

  test('tokenize and decode equal the host', () => {
    for (const text of ['Hello, world', 'Café naïve résumé — Ångström', '这是一个中文句子。 I love it! 😍']) {
      const ids = model.tokenize(text);
      assert.ok(ids instanceof Uint32Array);
      assert.deepEqual([...ids], JSON.parse(hostRun(['tokenize', '--model', minilmDir(), '--', text])));
      assert.deepEqual(
        [...model.tokenize(text, { addSpecialTokens: false })],
        JSON.parse(hostRun(['tokenize', '--model', minilmDir(), '--no-special-tokens', '--', text])),
      );
    }
    assert.equal(model.decode(model.tokenize('Hello, world'), { skipSpecialTokens: true }), 'hello, world');
    assert.equal(model.decode([101, 7592, 102]), '[CLS] hello [SEP]');
  });

  test('embed options: pooling, normalize, maxTokens, truncate', () => {
    const text = 'Options change what comes out.';
    const raw = model.embed(text, { normalize: false });
    const norm = Math.hypot(...raw);
    assert.ok(Math.abs(norm - 1) > 1e-3);
    assert.ok(maxAbsDiff(model.embed(text), raw.map((x) => x / norm)) < 1e-6);
    const tokens = model.embedTokens(text);
    assert.equal(tokens.length, model.tokenize(text).length);
    assert.ok(tokens.every((v) => v instanceof Float32Array && v.length === 384));
    const cls = model.embed(text, { pooling: 'cls', normalize: false });
    assert.deepEqual(cls, tokens[0]);
    const long = 'word '.repeat(400);
    assert.equal(model.embedTokens(long, { maxTokens: 16 }).length, 16);
    assert.throws(() => model.embed(long, { truncate: false }), InvalidInputError);
    assert.throws(() => model.embed(text, { pooling: 'median' }), TypeError);
  });

  test("weights: 'int8' equals the Rust host's --int8 exactly, and its int8Checkpoint loads back to it", async () => {
    const int8 = await loadFromDir(minilmDir(), { weights: 'int8' });
    assert.equal(int8.info.dtype, 'int8');
    const texts = ['int8 weights in JavaScript', 'Café naïve résumé — Ångström'];
    const expected = JSON.parse(hostRun(['embed', '--int8', '--json', '--model', minilmDir(), '--', ...texts]));
    texts.forEach((text, i) => assert.deepEqual([...int8.embed(text)], expected[i].map(Math.fround), text));
    const files = await readModelDir(minilmDir());
    files.set('model.safetensors', int8.int8Checkpoint());
    const reloaded = await Wasmicro.load(files);
    assert.deepEqual(reloaded.embed(texts[0]), int8.embed(texts[0]));
    assert.throws(() => model.int8Checkpoint(), UnsupportedError);
    await assert.rejects(loadFromDir(minilmDir(), { weights: 'int4' }), InvalidInputError);
    reloaded.dispose();
    int8.dispose();
  });
});

describe('errors are typed and leave the model usable', () => {
  test('every call error is a WasmicroError subclass with the WIT case as kind', async () => {
    const before = model.embed('still here');
    const unsupported = (e) => e instanceof UnsupportedError && e instanceof WasmicroError && e.kind === 'unsupported';
    assert.throws(() => model.generate('Once upon a time'), unsupported);
    assert.throws(() => model.classify('great movie'), unsupported);
    assert.throws(() => model.rerank('query', ['a', 'b']), unsupported);
    assert.throws(() => model.zeroShot('text', ['x', 'y']), unsupported);
    await assert.rejects(async () => {
      for await (const chunk of model.stream('Once upon a time', { maxNewTokens: 4 })) assert.fail(chunk);
    }, unsupported);
    assert.throws(
      () => model.embed('word '.repeat(300), { truncate: false }),
      (e) => e instanceof InvalidInputError && e.kind === 'invalid-input' && /limit/.test(e.message),
    );
    assert.throws(() => model.decode([4_000_000_000]), InvalidInputError);
    // Wrong JavaScript types are TypeErrors, raised before the component is called.
    assert.throws(() => model.embed(42), TypeError);
    assert.throws(() => model.embedBatch('not an array'), TypeError);
    assert.throws(() => model.decode([-1]), TypeError);
    assert.throws(() => model.generate('x', { seed: -1 }), TypeError);
    assert.throws(() => new Model(), TypeError);
    assert.deepEqual(model.embed('still here'), before);
  });

  describe('load errors', () => {
    const minilm = () => readModelDir(minilmDir());
    const cases = [
      ['no files', async () => ({}), MissingFileError, 'missing-file'],
      [
        'no weights',
        async () => {
          const f = await minilm();
          f.delete('model.safetensors');
          return f;
        },
        MissingFileError,
        'missing-file',
      ],
      [
        'config.json that is not JSON',
        async () => ({ 'config.json': encode('{"model_type": "bert",') }),
        InvalidConfigError,
        'invalid-config',
      ],
      [
        'an architecture not implemented',
        async () => ({ 'config.json': encode('{"model_type": "mamba", "architectures": ["MambaModel"]}') }),
        UnsupportedArchitectureError,
        'unsupported-architecture',
      ],
      [
        'weights with a broken safetensors header',
        async () => (await minilm()).set('model.safetensors', encode('\u0010\0\0\0\0\0\0\0{"a": nonsense}')),
        InvalidModelError,
        'invalid-model',
      ],
      [
        'a tokenizer.json that is not a tokenizer',
        async () => {
          const f = await minilm();
          f.set('tokenizer.json', encode('{"model": {"type": "WordPiece", "vocab": 7}}'));
          f.delete('vocab.txt');
          return f;
        },
        InvalidTokenizerError,
        'invalid-tokenizer',
      ],
    ];
    for (const [what, files, type, kind] of cases) {
      test(`${what}: ${type.name} (${kind})`, async () => {
        await assert.rejects(Wasmicro.load(await files()), (e) => {
          assert.ok(e instanceof type, `${e.name}: ${e.message}`);
          assert.ok(e instanceof WasmicroError);
          assert.equal(e.kind, kind);
          assert.equal(e.name, type.name);
          assert.ok(e.message.length > 0);
          return true;
        });
      });
    }
    test('a file that cannot be fetched is a MissingFileError naming it', async () => {
      await assert.rejects(
        Wasmicro.load({ 'config.json': new Response('gone', { status: 404 }) }),
        (e) => e instanceof MissingFileError && /config\.json: HTTP 404/.test(e.message),
      );
      await assert.rejects(Wasmicro.load({ 'config.json': 42 }), TypeError);
    });
  });
});

describe('loading', () => {
  test('readModelDir picks the files the Rust host picks', async () => {
    const files = await readModelDir(minilmDir());
    const names = [...files.keys()];
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('1_Pooling/config.json'));
    assert.ok(names.includes('model.safetensors'));
    assert.ok(!names.some((n) => n.endsWith('.md') || n.endsWith('.bin') || n.endsWith('.onnx')));
  });

  test('Uint8Array, ArrayBuffer, Response, Blob, file: URL and http URL all load the same model', async (t) => {
    const dir = minilmDir();
    const files = await readModelDir(dir);
    const server = createServer((req, res) => {
      const name = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1));
      if (!files.has(name)) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(files.get(name));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const base = `http://127.0.0.1:${server.address().port}/`;
    const mixed = {};
    const kinds = ['bytes', 'buffer', 'response', 'blob', 'file', 'http'];
    [...files.keys()].forEach((name, i) => {
      const bytes = files.get(name);
      switch (kinds[i % kinds.length]) {
        case 'bytes':
          mixed[name] = new Uint8Array(bytes);
          break;
        case 'buffer':
          mixed[name] = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
          break;
        case 'response':
          mixed[name] = new Response(bytes);
          break;
        case 'blob':
          mixed[name] = new Blob([bytes]);
          break;
        case 'file':
          mixed[name] = pathToFileURL(join(dir, name)).href;
          break;
        default:
          mixed[name] = base + name;
      }
    });
    mixed['model.safetensors'] = base + 'model.safetensors';
    const other = await Wasmicro.load(mixed);
    assert.deepEqual(other.embed('Same model, other ways in.'), model.embed('Same model, other ways in.'));
    const fromMap = await Wasmicro.load(files);
    assert.deepEqual(fromMap.embed('x'), model.embed('x'));
    other.dispose();
    assert.throws(() => other.embed('x'), TypeError);
  });

  test("a disposed model's instance, kept for the next load, gives that model the results of a fresh one", async () => {
    const text = 'Instances are reused after dispose.';
    const files = await readModelDir(minilmDir());
    const expected = model.embed(text);
    const first = await Wasmicro.load(files);
    assert.deepEqual(first.embed(text), expected);
    first.dispose();
    // The kept instance: an int8 model, a refused load, then f32 again; then a fresh instance.
    const int8 = await Wasmicro.load(files, { weights: 'int8' });
    const int8Embedding = int8.embed(text);
    int8.dispose();
    const withoutConfig = new Map(files);
    withoutConfig.delete('config.json');
    await assert.rejects(Wasmicro.load(withoutConfig), MissingFileError);
    const again = await Wasmicro.load(files);
    assert.deepEqual(again.embed(text), expected);
    again.dispose();
    assert.throws(() => again.embed(text), TypeError);
    Wasmicro.releaseMemory();
    const fresh = await Wasmicro.load(files, { weights: 'int8' });
    assert.deepEqual(fresh.embed(text), int8Embedding);
    fresh.dispose();
  });

  test('loadFromDir is also a named export', async () => {
    assert.equal(loadFromDir, Wasmicro.loadFromDir);
  });

  test('the tiny checkpoints embed as the Rust host does (or fail with the same error kind)', async (t) => {
    const root = fixture('tiny');
    if (!existsSync(root)) return t.skip('fixtures/tiny is not there');
    const texts = ['Hello world!', 'Café naïve résumé', 'How old are you? I am six years old.'];
    let checked = 0;
    // The outcome, vectors or the error kind, in JavaScript and in the Rust host.
    const inJs = async (dir) => {
      try {
        const tiny = await loadFromDir(dir);
        return { vectors: texts.map((t) => tiny.embed(t)) };
      } catch (e) {
        if (!(e instanceof WasmicroError)) throw e;
        return { kind: e.kind };
      }
    };
    const inHost = (dir) => {
      try {
        return { vectors: hostEmbed(texts, dir) };
      } catch (e) {
        // The CLI prints `wasmicro: DIR: KIND: message`.
        const kind = String(e.stderr).match(/: ([a-z-]+): /g)?.pop()?.slice(2, -2);
        assert.ok(kind, `the host failed without a typed error: ${e.stderr}`);
        return { kind };
      }
    };
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      if (!existsSync(join(dir, 'config.json'))) continue;
      const [js, host] = [await inJs(dir), inHost(dir)];
      assert.equal(js.kind, host.kind, `${name}: error kinds differ`);
      js.vectors?.forEach((v, i) => {
        const delta = maxAbsDiff(v, host.vectors[i]);
        assert.ok(delta <= 1e-6, `${name} ${JSON.stringify(texts[i])}: max |Δ| ${delta}`);
      });
      checked++;
    }
    console.log(`# ${checked} tiny checkpoints agree with the Rust host`);
  });

  test('the tiny checkpoints generate, classify, rerank and zero-shot as the Rust host does', async (t) => {
    const root = fixture('tiny');
    if (!existsSync(root)) return t.skip('fixtures/tiny is not there');
    const json = (args) => JSON.parse(hostRun(args));
    const checked = [];
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      let m;
      try {
        m = await loadFromDir(dir);
      } catch (e) {
        assert.ok(e instanceof WasmicroError, `${name}: ${e}`);
        continue; // the embed test checks that the host fails the same way
      }
      const { family, labels } = m.info;
      if (family === 'gpt2' || family === 't5') {
        for (const prompt of ['Hello', 'translate English to German: The house is wonderful.']) {
          for (const [options, flags] of [
            [{ maxNewTokens: 16 }, ['--max-new-tokens', '16']],
            [
              { maxNewTokens: 16, temperature: 0.8, topK: 50, topP: 0.9, seed: 42 },
              ['--max-new-tokens', '16', '--temperature', '0.8', '--top-k', '50', '--top-p', '0.9', '--seed', '42'],
            ],
          ]) {
            const host = hostRun(['generate', '--model', dir, ...flags, '--', prompt]).replace(/\n$/, '');
            assert.equal(m.generate(prompt, options), host, `${name}: generate(${JSON.stringify(prompt)}, ${JSON.stringify(options)})`);
          }
        }
        const logits = m.nextTokenLogits('Hello');
        assert.ok(logits instanceof Float32Array && logits.length === m.info.vocabSize);
        checked.push(`${name} (generate)`);
      }
      if (labels.length > 0) {
        const text = 'The new phone has a great camera but the battery is disappointing.';
        const pair = 'The review is about a phone.';
        const strip = (scores) => scores.map(({ label, score }) => ({ label, score }));
        assert.deepEqual(strip(m.classify(text)), json(['classify', '--model', dir, '--json', '--', text]), `${name}: classify`);
        assert.deepEqual(
          strip(m.classify(text, { pair, rawScores: true })),
          json(['classify', '--model', dir, '--json', '--raw-scores', '--pair', pair, '--', text]),
          `${name}: classify a pair, raw scores`,
        );
        checked.push(`${name} (classify)`);
        if (labels.length === 1) {
          const docs = ['Paris is the capital of France.', 'Bananas are yellow.', 'France has many cities.'];
          const strip2 = (ranked) => ranked.map(({ index, score }) => ({ index, score }));
          const query = 'What is the capital of France?';
          assert.deepEqual(strip2(m.rerank(query, docs)), json(['rerank', '--model', dir, '--json', '-q', query, '--', ...docs]));
          checked.push(`${name} (rerank)`);
        }
        if (labels.some((l) => /entail/i.test(l))) {
          const candidates = ['sports', 'politics', 'technology'];
          const args = ['zero-shot', '--model', dir, '--json', '--labels', candidates.join(',')];
          assert.deepEqual(strip(m.zeroShot(text, candidates)), json([...args, '--', text]), `${name}: zero-shot`);
          assert.deepEqual(
            strip(m.zeroShot(text, candidates, { multiLabel: true, hypothesisTemplate: 'This text is about {}.' })),
            json([...args, '--multi-label', '--template', 'This text is about {}.', '--', text]),
            `${name}: zero-shot, multi-label`,
          );
          checked.push(`${name} (zero-shot)`);
        }
      }
    }
    console.log(`# equal to the Rust host: ${checked.join(', ')}`);
  });

  test('dist/ was transpiled from the component the Rust host embeds', () => {
    const info = readJson(new URL('../dist/build-info.json', import.meta.url));
    assert.ok(readFileSync(hostCli()).includes(readFileSync(new URL(`../${info.component}`, import.meta.url))));
  });
});

test('the glue probes WebAssembly.promising without a throwing call, and loads without it', async () => {
  // jco's glue probed JSPI with a call per export that throws a TypeError where JSPI is absent;
  // V8 re-parses the whole glue to word each one (18 ms per load in Node 20). scripts/build.js
  // routes the probe through a guard; the fallback must still work.
  const glue = readFileSync(new URL('../dist/wasmicro.js', import.meta.url), 'utf8');
  assert.equal(glue.includes('WebAssembly.promising('), false);
  assert.ok(glue.includes('jspiPromising('));
  const saved = Object.getOwnPropertyDescriptor(WebAssembly, 'promising');
  try {
    delete WebAssembly.promising;
    const tiny = await loadFromDir(fixture('tiny/bert'));
    assert.ok(tiny.embed('x').length > 0);
  } finally {
    if (saved) Object.defineProperty(WebAssembly, 'promising', saved);
  }
});

test("examples/node.js (the README's Node snippet) runs and embeds as the Rust host does", () => {
  const script = new URL('../examples/node.js', import.meta.url);
  const lines = execFileSync(process.execPath, [script.pathname, minilmDir()], { encoding: 'utf8' }).trim().split('\n');
  assert.match(lines[0], /^0\.\d{4} Photosynthesis/);
  assert.match(lines[2], /^UnsupportedError \(unsupported\): /);
  assert.equal(maxAbsDiff(JSON.parse(lines[3]), hostEmbed(['Hello, world'])[0]), 0);
});

test('after load, JavaScript holds no copy of the files: only the component has them', () => {
  const script = `
    const { Wasmicro } = await import(${JSON.stringify(new URL('../src/index.js', import.meta.url).href)});
    const settle = async () => { for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 20)); gc(); } };
    const model = await Wasmicro.loadFromDir(${JSON.stringify(minilmDir())});
    await settle();
    const { arrayBuffers, external, rss } = process.memoryUsage();
    console.log(JSON.stringify({ arrayBuffers, external, rss, ok: model.embed('x').length }));
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\n').pop());
  console.log(`# Node, MiniLM loaded: RSS ${(m.rss / 1e6).toFixed(0)} MB, external (wasm memory) ${(m.external / 1e6).toFixed(0)} MB, array buffers ${(m.arrayBuffers / 1e6).toFixed(1)} MB`);
  assert.ok(m.arrayBuffers < 5e6, `${m.arrayBuffers} bytes of array buffers are still alive`);
});

test('timings in a fresh Node process (reported, not asserted)', () => {
  const script = `
    const t0 = performance.now();
    const { Wasmicro } = await import(${JSON.stringify(new URL('../src/index.js', import.meta.url).href)});
    await Wasmicro.preload();
    const t1 = performance.now();
    const model = await Wasmicro.loadFromDir(${JSON.stringify(minilmDir())});
    const t2 = performance.now();
    const { readFileSync } = await import('node:fs');
    const sentences = readFileSync(${JSON.stringify(fixture('bench_sentences.txt'))}, 'utf8').split('\\n').filter((l) => l.trim());
    const best = (f) => { let b = Infinity; for (let r = 0; r < 3; r++) { const t = performance.now(); f(); b = Math.min(b, performance.now() - t); } return b; };
    const single = best(() => sentences.forEach((s) => model.embed(s))) / sentences.length;
    const batch = best(() => model.embedBatch(sentences)) / sentences.length;
    const long = best(() => model.embed(sentences.join(' ')));
    console.log(JSON.stringify({ importCompile: t1 - t0, load: t2 - t1, single, batch, long, n: sentences.length }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\n').pop());
  console.log(`# Node ${process.version}: import + compile component ${m.importCompile.toFixed(0)} ms, load MiniLM ${m.load.toFixed(0)} ms (cold start ${(m.importCompile + m.load).toFixed(0)} ms)`);
  console.log(`# Node ${process.version}: embed one at a time ${m.single.toFixed(2)} ms/sentence, embedBatch of ${m.n} ${m.batch.toFixed(2)} ms/sentence, one 256-token text ${m.long.toFixed(1)} ms`);
});

describe('decoders: generate and stream (a tiny GPT-2 made by test/tiny-gpt2.js, fixtures/tiny)', () => {
  let gpt2;
  before(async () => {
    gpt2 = await Wasmicro.load(tinyGpt2());
  });

  test('info', () => {
    assert.equal(gpt2.info.family, 'gpt2');
    assert.equal(gpt2.info.embeddingSize, 0);
  });

  test('stream chunks join to what generate returns', async () => {
    for (const options of [
      { maxNewTokens: 12 },
      { maxNewTokens: 20, temperature: 0.9, topK: 40, topP: 0.95, seed: 7 },
      { maxNewTokens: 20, temperature: 1.3, repetitionPenalty: 1.2, seed: 123n },
    ]) {
      const whole = gpt2.generate('Hello there', options);
      const chunks = [];
      for await (const chunk of gpt2.stream('Hello there', options)) chunks.push(chunk);
      assert.ok(chunks.length >= 1 && chunks.every((c) => typeof c === 'string' && c.length > 0));
      assert.equal(chunks.join(''), whole, JSON.stringify(options, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
    }
  });

  test('the same seed gives the same text; stop strings end it', () => {
    const options = { maxNewTokens: 24, temperature: 1, seed: 7 };
    const text = gpt2.generate('Hello there', options);
    assert.equal(gpt2.generate('Hello there', options), text);
    assert.notEqual(gpt2.generate('Hello there', { ...options, seed: 8 }), text);
    const stop = [...text].slice(4, 6).join('');
    const cut = gpt2.generate('Hello there', { ...options, stop });
    assert.equal(cut, text.slice(0, text.indexOf(stop)));
    assert.equal(gpt2.generate('Hello there', { ...options, stop: [stop, 'never'] }), cut);
  });

  test("the tiny decoders' greedy text equals transformers' (fixtures/tiny/*/reference.json)", async (t) => {
    const decoders = tinyDecoderReferences();
    if (decoders.length === 0) return t.skip('fixtures/tiny is not there');
    const report = [];
    for (const { name, dir, cases } of decoders) {
      let decoder;
      try {
        decoder = await loadFromDir(dir);
      } catch (e) {
        assert.ok(e instanceof UnsupportedArchitectureError, `${name}: ${e}`);
        report.push(`${name}: ${e.kind}`);
        continue;
      }
      let exact = 0;
      for (const c of cases) {
        const prompt = c.prompt ?? c.text;
        assert.deepEqual([...decoder.tokenize(prompt)], c.input_ids, `${name}: ids of ${JSON.stringify(prompt)}`);
        const chunks = [];
        for await (const chunk of decoder.stream(prompt, { maxNewTokens: 32 })) chunks.push(chunk);
        assert.equal(chunks.join(''), decoder.generate(prompt, { maxNewTokens: 32 }), `${name}: stream ≠ generate`);
        if (c.top2_gaps.every((g) => g >= NEAR_TIE)) {
          assert.equal(chunks.join(''), c.greedy_text, `${name}: greedy text after ${JSON.stringify(prompt)}`);
          exact++;
        }
      }
      report.push(`${name}: ${exact}/${cases.length} continuations equal (the rest have a near-tie)`);
    }
    console.log(`# ${report.join('; ')}`);
  });

  test('breaking out of a stream frees it; errors leave the model usable', async () => {
    const greedy = gpt2.generate('Hello', { maxNewTokens: 6 });
    for await (const chunk of gpt2.stream('Hello', { maxNewTokens: 50 })) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.throws(() => gpt2.generate('x'.repeat(200)), InvalidInputError);
    await assert.rejects(async () => {
      for await (const chunk of gpt2.stream('x'.repeat(200))) assert.fail(chunk);
    }, InvalidInputError);
    assert.throws(() => gpt2.embed('x'), UnsupportedError);
    assert.equal(gpt2.generate('Hello', { maxNewTokens: 6 }), greedy);
  });
});

after(() => model?.dispose());
