#!/usr/bin/env bash
# Embedder benchmarks: native (cargo bench --bench embed) and headless Chromium (nook wasm
# vs transformers.js, same page, same texts, same ONNX file). Results: bench/results/embed-*.
#   bench/embed/run.sh              both
#   bench/embed/run.sh --browser    the browser side only (texts.json must exist)
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
MODE="${1:-}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
export NOOK_MODEL_DIR="${NOOK_MODEL_DIR:-$ROOT/models}"
scripts/fetch_model.sh
if [[ -z "$MODE" ]]; then
    cargo bench --features embed --bench embed      # also writes bench/embed/texts.json
fi
scripts/setup_wasm.sh
PKG="$CARGO_TARGET_DIR/embed-bench-pkg"
# Two builds, one after the other: simd128, and nook's relaxed-simd feature
# (NOOK_RELAXED_SIMD=0 skips the second). Flags come from .cargo/config.toml.
unset RUSTFLAGS
(cd "$HERE/wasm" && cargo build --release --target wasm32-unknown-unknown)
wasm-bindgen --target web --out-dir "$PKG" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook_embed_bench.wasm"
rm -rf "$PKG-relaxed"
if [[ "${NOOK_RELAXED_SIMD:-1}" != 0 ]]; then
    (cd "$HERE/wasm" && cargo build --release --target wasm32-unknown-unknown --features relaxed-simd)
    wasm-bindgen --target web --out-dir "$PKG-relaxed" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook_embed_bench.wasm"
fi
[[ -d "$HERE/node_modules/playwright-core" ]] || (cd "$HERE" && npm install --no-audit --no-fund --ignore-scripts)
node "$HERE/run.mjs" "$PKG" "$NOOK_MODEL_DIR" ${MODE:+"$MODE"}
