// Loading by hub id in headless Chromium: the demo page (?model=org/name&endpoint=…) loads
// tiny-bert from the test mirror of the hub (tests/hub_mirror.py, which answers with CORS
// headers, as the hub does), then again after a reload: the second load is served by the Cache
// API and fetches no model file. Counted at the mirror and in Playwright's request events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from '../demo/serve.js';
import { loadFromDir } from '../src/index.js';
import { launchChromium } from './chromium.js';
import { startMirror } from './hub-mirror.js';
import { fixture, maxAbsDiff } from './support.js';

const TEXTS = ['Hello, world', 'The quick brown fox jumps over the lazy dog.', 'Café crème brûlée'];

let mirror;
let server;
let browser;

before(async () => {
  mirror = await startMirror();
  server = await startServer({ port: 0, modelDir: fixture('tiny/bert') });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await mirror?.stop();
});

const isModelFile = (path) => path.includes('/resolve/') || path.startsWith('/cdn/');

test('the demo loads a model by id from the mirror; after a reload no model file is fetched again', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  const mirrorRequests = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.hostname === '127.0.0.1' && `${url.protocol}//${url.host}` !== server.url.replace(/\/$/, '')) {
      mirrorRequests.push(url.pathname);
    }
  });
  // Only loopback; routing also turns Chromium's HTTP cache off, so only the Cache API can help.
  await page.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient'),
  );
  const reference = await loadFromDir(fixture('tiny/bert'));
  const load = async () => {
    await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-ready'), 'true', await page.textContent('#status'));
    for (const text of TEXTS) {
      const vector = await page.evaluate((t) => window.wasmicroDemo.embed(t), text);
      assert.ok(maxAbsDiff(vector, reference.embed(text)) <= 1e-6, text);
    }
  };

  await mirror.reset();
  await page.goto(`${server.url}demo/?model=wasmicro-test/tiny-bert&endpoint=${encodeURIComponent(mirror.url)}`);
  await load();
  const first = await mirror.requests();
  const weights = Object.keys(first).filter((p) => p.startsWith('/cdn/') && p.endsWith('/model.safetensors'));
  assert.equal(weights.length, 1, JSON.stringify(first));
  assert.equal(first[weights[0]], 1);
  assert.ok(mirrorRequests.some((p) => p.endsWith('/model.safetensors')));
  const cached = await page.evaluate(async () => (await (await caches.open('wasmicro-hub')).keys()).map((r) => r.url));
  assert.ok(cached.some((u) => u.includes('/resolve/') && u.endsWith('/model.safetensors')), JSON.stringify(cached));

  await mirror.reset();
  mirrorRequests.length = 0;
  await page.reload();
  await load();
  const second = Object.keys(await mirror.requests());
  assert.deepEqual(second.filter(isModelFile), [], `the reload fetched model files: ${second}`);
  assert.deepEqual(mirrorRequests.filter(isModelFile), []);
  assert.deepEqual(second, ['/api/models/wasmicro-test/tiny-bert/revision/main']);
  assert.deepEqual(problems, []);
  await page.close();
});
