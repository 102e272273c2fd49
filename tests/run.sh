#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs
#   1. the component's unit tests natively (scalar kernels) and under wasmtime (SIMD128 kernels),
#   2. the integration tests through the real component (parity with Hugging Face, bad inputs),
#   3. the host library and CLI tests,
#   4. the same component transpiled by jco: Node, Chromium (demo page) and workerd (Worker) suites.
# Usage: bash tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
rustup target add wasm32-wasip2 >/dev/null 2>&1 || rustup target add wasm32-wasip2
rustup component add clippy rustfmt >/dev/null 2>&1 || true
# The npm packages (jco, playwright-core, workerd, and binaryen, whose wasm-opt host/build.rs
# uses to shrink both component builds by ~15%), from jco-bindings/package-lock.json.
(cd jco-bindings && npm ci --no-audit --no-fund)

step "model fixtures"
model_dir=$(bash fixtures/fetch_minilm.sh | tail -n 1)
export WASMICRO_MODEL="$model_dir"
echo "all-MiniLM-L6-v2 at $WASMICRO_MODEL"
echo "GPT-2 vocabulary at $(bash fixtures/fetch_gpt2_vocab.sh | tail -n 1)"

step "Python test clients (venv ~/.cache/wasmicro/venv-test)"
# huggingface_hub: the hub interop tests (host/tests/hub.rs) check wasmicro's cache against it.
# openai: calls `wasmicro serve` in host/tests/serve.rs.
test_venv="$HOME/.cache/wasmicro/venv-test"
[ -x "$test_venv/bin/python" ] || python3 -m venv "$test_venv"
"$test_venv/bin/pip" install -q -r tests/requirements-hub.txt -r tests/requirements-serve.txt

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p wasmicro-kernels -p wasmicro-component --target wasm32-wasip2 --all-targets -- -D warnings

step "build: component (wasm32-wasip2) + host + wasi test runner"
cargo build -p wasmicro-tests --bin wasi-runner
echo "component: $(stat -c %s target/component/wasmicro.wasm) bytes (target/component/wasmicro.wasm)"

step "component unit tests under wasmtime (SIMD128 bodies pinned to scalar ones)"
CARGO_TARGET_WASM32_WASIP2_RUNNER="$PWD/target/debug/wasi-runner" cargo test -p wasmicro-kernels -p wasmicro-component --target wasm32-wasip2

step "native unit tests, integration tests through the component, CLI tests"
# --nocapture so the parity figures (worst |Δ| per model) appear in the log.
cargo test --workspace -- --nocapture

step "JavaScript: the component through jco in Node, Chromium and workerd"
# Debian's Chromium for the browser suite (playwright-core drives /usr/bin/chromium; nothing is downloaded).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  else
    echo "chromium is missing: apt-get install chromium" >&2; exit 1
  fi
fi
cargo build -p wasmicro-host   # the CLI the JS suites compare with, embedding target/component/wasmicro.wasm
(cd jco-bindings && npm run build && npm run typecheck && npm test)

echo
echo "all tests passed"
