// The GEMM efficiency table of `component/kernels/examples/gemm_bench.rs`, run in V8 instead of
// wasmtime: the same wasip2 command component, transpiled by jco and run on
// @bytecodealliance/preview2-shim. The peak probes run in V8 too, so the ratios compare V8's
// code for the kernels with V8's code for the probes. A benchmark, not a test: CI never runs it.
//
//   cargo build --release -p wasmicro-kernels --example gemm_bench --target wasm32-wasip2
//   RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" cargo build --release -p wasmicro-kernels \
//     --example gemm_bench --target wasm32-wasip2 --target-dir target/relaxed-bench   # the FMA build
//   cd jco-bindings && npm ci && cd bench && npm ci
//   node gemm-v8.mjs [path to gemm_bench.wasm] [gemm_bench's options, e.g. --shapes 0 --rows 23]
//
// The path defaults to the SIMD128 build above; the relaxed-SIMD build needs Node >= 22.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const [first, ...rest] = process.argv.slice(2);
const wasm = first?.endsWith('.wasm')
  ? resolve(first)
  : join(repo, 'target/wasm32-wasip2/release/examples/gemm_bench.wasm');
if (!existsSync(wasm)) {
  console.error(`${wasm} not found: build it first (see the top of ${fileURLToPath(import.meta.url)})`);
  process.exit(1);
}

// Inside bench/, so that the transpiled module's imports of preview2-shim resolve to
// bench/node_modules.
const out = join(here, '.gemm-v8');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
const jco = join(here, '../node_modules/@bytecodealliance/jco/dist/jco.js');
execFileSync(process.execPath, [jco, 'transpile', wasm, '-o', out, '--name', 'gemm_bench', '-q'], { stdio: 'inherit' });

// gemm_bench reads its options with std::env::args, which preview2-shim takes from
// process.argv (without node's own path) when it is first imported: rewritten in place first.
const options = first?.endsWith('.wasm') ? rest : process.argv.slice(2);
process.argv.splice(1, process.argv.length, wasm, ...options);
console.log(`${process.release.name} ${process.version} (V8 ${process.versions.v8}), ${wasm}`);
const bench = await import(pathToFileURL(join(out, 'gemm_bench.js')).href);
bench.run.run();
