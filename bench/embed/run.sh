#!/usr/bin/env bash
# Embedder benchmarks: native (cargo bench --bench embed) and headless Chromium (nook wasm
# vs transformers.js, same page, same texts, same ONNX file). Results: bench/results/embed-*.
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
export NOOK_MODEL_DIR="${NOOK_MODEL_DIR:-$ROOT/models}"
scripts/fetch_model.sh
cargo bench --features embed --bench embed          # also writes bench/embed/texts.json
scripts/setup_wasm.sh
PKG="$CARGO_TARGET_DIR/embed-bench-pkg"
(cd "$HERE/wasm" && RUSTFLAGS="-C target-feature=+simd128" cargo build --release --target wasm32-unknown-unknown)
wasm-bindgen --target web --out-dir "$PKG" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook_embed_bench.wasm"
[[ -d "$HERE/node_modules/playwright-core" ]] || (cd "$HERE" && npm install --no-audit --no-fund --ignore-scripts)
node "$HERE/run.mjs" "$PKG" "$NOOK_MODEL_DIR"
