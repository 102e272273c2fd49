// The relaxed-SIMD build (dist/wasmicro.relaxed.core.wasm): what `load` picks where the engine
// validates relaxed SIMD. It fuses the f32 multiply-adds, so it is held to Hugging Face's
// references and to the SIMD128 build within f32 round-off, not bit for bit.
//
// Node 20 has relaxed SIMD only behind V8's flag: there this file reruns itself in a child Node
// with `--experimental-wasm-relaxed-simd` (Node ≥ 22 validates it by default).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load, loadFromDir, readModelDir, relaxedSimdSupported } from '../src/index.js';
import {
  NEAR_TIE,
  buildInfo,
  fixture,
  maxAbsDiff,
  minilmDir,
  parityTexts,
  readJson,
  tinyDecoderReferences,
} from './support.js';

if (!relaxedSimdSupported()) {
  test('the relaxed-SIMD build, in a child Node with --experimental-wasm-relaxed-simd', () => {
    assert.ok(buildInfo().relaxedComponent, 'dist/ has no relaxed-SIMD build (target/component/wasmicro-relaxed.wasm)');
    // Run as a plain script (node:test runs its tests and sets the exit code), outside this
    // runner's context, which would otherwise make the child skip them.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env,
    });
  });
} else {
  describe('the relaxed-SIMD build', () => {
    test("is what load picks by default here, and simd: 'simd128' still picks the other", async () => {
      const files = await readModelDir(fixture('tiny/bert'));
      assert.equal((await load(files)).simd, 'relaxed');
      assert.equal((await load(files, { simd: 'relaxed' })).simd, 'relaxed');
      assert.equal((await load(files, { simd: 'simd128' })).simd, 'simd128');
      await assert.rejects(load(files, { simd: 'avx' }), /options\.simd/);
    });

    test('MiniLM: within 1e-5 of sentence-transformers and 1e-6 of the SIMD128 build, and not bit-identical to it', async (t) => {
      const path = fixture('reference/minilm_embeddings.json');
      if (!existsSync(path)) return t.skip('fixtures/reference/minilm_embeddings.json is not there');
      const files = await readModelDir(minilmDir());
      const relaxed = await load(files, { simd: 'relaxed' });
      const simd128 = await load(files, { simd: 'simd128' });
      let worstReference = 0;
      for (const { text, embedding } of readJson(path).cases) {
        const delta = maxAbsDiff(relaxed.embed(text), embedding);
        assert.ok(delta <= 1e-5, `${JSON.stringify(text)}: max |Δ| ${delta}`);
        worstReference = Math.max(worstReference, delta);
      }
      const texts = parityTexts();
      const batch = relaxed.embedBatch(texts);
      let worstBuild = 0;
      for (let i = 0; i < texts.length; i++) {
        const other = simd128.embed(texts[i]);
        const delta = Math.max(maxAbsDiff(relaxed.embed(texts[i]), other), maxAbsDiff(batch[i], other));
        assert.ok(delta <= 1e-6, `${JSON.stringify(texts[i])}: max |Δ| ${delta} between the builds`);
        worstBuild = Math.max(worstBuild, delta);
      }
      // Equal bits everywhere would mean the relaxed build is not the one running.
      assert.ok(worstBuild > 0, 'the relaxed build gave the SIMD128 build’s bits exactly');
      console.log(`# relaxed build: worst max |Δ| ${worstReference} vs sentence-transformers, ${worstBuild} vs SIMD128`);
    });

    test("the tiny decoders' greedy text equals transformers' (fixtures/tiny/*/reference.json)", async (t) => {
      const decoders = tinyDecoderReferences();
      if (decoders.length === 0) return t.skip('fixtures/tiny is not there');
      const report = [];
      for (const { name, dir, cases } of decoders) {
        let decoder;
        try {
          decoder = await loadFromDir(dir, { simd: 'relaxed' });
        } catch (e) {
          report.push(`${name}: ${e.kind}`);
          continue;
        }
        let exact = 0;
        for (const c of cases) {
          if (c.top2_gaps.every((g) => g >= NEAR_TIE)) {
            assert.equal(decoder.generate(c.prompt ?? c.text, { maxNewTokens: 32 }), c.greedy_text, `${name}`);
            exact++;
          }
        }
        report.push(`${name}: ${exact}/${cases.length}`);
      }
      console.log(`# relaxed build, greedy continuations equal to transformers': ${report.join('; ')}`);
    });
  });
}
