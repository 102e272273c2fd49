// The browser suite: the demo page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core), served by demo/serve.js on 127.0.0.1. It types a query, checks the ranking,
// checks that the page's embeddings equal the Rust host's, and saves a screenshot.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../demo/serve.js';
import { launchChromium } from './chromium.js';
import { fixture, hostEmbed, maxAbsDiff, minilmDir, packageRoot, parityTexts } from './support.js';

export const SCREENSHOT = join(packageRoot, 'test-output', 'demo.png');

let server;
let browser;
let page;
const problems = [];

before(async () => {
  server = await startServer({ port: 0, modelDir: minilmDir() });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // Nothing leaves the machine: every request goes to the demo server.
  await page.route('**/*', (route) =>
    route.request().url().startsWith(server.url) ? route.continue() : route.abort('blockedbyclient'),
  );
  await page.goto(`${server.url}demo/`);
  await page.waitForSelector('body[data-ready]', { timeout: 120_000 });
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', await page.textContent('#status'));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the demo ranks passages for a typed query', async () => {
  await page.fill('#query', 'How do plants turn sunlight into food?');
  await page.press('#query', 'Enter');
  await page.waitForSelector('#results li');
  const top = await page.textContent('#results li:first-child .passage');
  assert.match(top, /^Photosynthesis/);
  const count = await page.locator('#results li').count();
  assert.equal(count, 12);

  // The shown score is the cosine of the host's vectors for the same texts.
  const shown = Number(await page.textContent('#results li:first-child .score'));
  const [q, p] = hostEmbed(['How do plants turn sunlight into food?', top]);
  const dot = q.reduce((s, x, i) => s + x * p[i], 0);
  assert.ok(Math.abs(shown - dot) < 6e-5, `shown ${shown}, host cosine ${dot}`);

  await page.fill('#query', 'a language that is memory safe without garbage collection');
  await page.click('#search');
  await page.waitForFunction(() => document.querySelector('#results li .passage')?.textContent.startsWith('The Rust'));

  await page.fill('#query', 'How do plants turn sunlight into food?');
  await page.press('#query', 'Enter');
  await page.waitForFunction(() => document.querySelector('#results li .passage')?.textContent.startsWith('Photosynthesis'));
  mkdirSync(join(packageRoot, 'test-output'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`# screenshot: ${SCREENSHOT}`);
  assert.deepEqual(problems, []);
});

test("the page runs the relaxed-SIMD build, its embeddings equal the Rust host's, max |Δ| <= 1e-6", async () => {
  assert.equal(await page.evaluate(() => window.wasmicroDemo.simd()), 'relaxed');
  const texts = parityTexts();
  const expected = hostEmbed(texts);
  const batch = await page.evaluate((t) => window.wasmicroDemo.embedBatch(t), texts);
  let worst = 0;
  for (let i = 0; i < texts.length; i++) {
    const single = await page.evaluate((t) => window.wasmicroDemo.embed(t), texts[i]);
    const delta = Math.max(maxAbsDiff(single, expected[i]), maxAbsDiff(batch[i], expected[i]));
    assert.ok(delta <= 1e-6, `${JSON.stringify(texts[i])}: max |Δ| ${delta}`);
    worst = Math.max(worst, delta);
  }
  console.log(`# Chromium, ${texts.length} texts vs the Rust host: worst max |Δ| ${worst}`);
});

test("demo/minimal.html (the README's browser snippet) embeds as the Rust host does", async () => {
  const minimal = await browser.newPage();
  await minimal.route('**/*', (route) =>
    route.request().url().startsWith(server.url) ? route.continue() : route.abort('blockedbyclient'),
  );
  const errors = [];
  minimal.on('pageerror', (e) => errors.push(e.message));
  await minimal.goto(`${server.url}demo/minimal.html`);
  await minimal.waitForFunction(() => document.getElementById('out').textContent.startsWith('['), null, {
    timeout: 120_000,
  });
  const vector = JSON.parse(await minimal.textContent('#out'));
  // Chromium validates relaxed SIMD: the relaxed build, within f32 round-off of the host's.
  assert.ok(maxAbsDiff(vector, hostEmbed(['Hello, world'])[0]) <= 1e-6);
  assert.deepEqual(errors, []);
  await minimal.close();
});

test('timings (reported, not asserted)', async () => {
  const sentences = readFileSync(fixture('bench_sentences.txt'), 'utf8').split('\n').filter((l) => l.trim());
  const msPerSentence = await page.evaluate((s) => window.wasmicroDemo.bench(s), sentences);
  const timings = await page.evaluate(() => window.wasmicroDemo.timings);
  const version = browser.version();
  for (const [what, ms] of Object.entries(timings)) console.log(`# Chromium ${version}: ${what}: ${ms.toFixed(1)} ms`);
  console.log(`# Chromium ${version}: embed, one sentence at a time: ${msPerSentence.toFixed(2)} ms/sentence (${sentences.length} sentences)`);
  assert.ok(msPerSentence > 0);
});
