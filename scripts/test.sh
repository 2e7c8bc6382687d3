#!/usr/bin/env bash
# Run every test nook has, installing what it needs on a fresh machine:
#   1. the core, natively (recall vs brute force, filters, deletes, persistence, bad bytes, CLI)
#   2. the core in wasm32 in headless Chromium (window and dedicated worker)
#   3. the embedder (real model; native and in Chromium)         scripts/test_embed.sh
#   4. the browser side (IndexedDB store, npm package, Playwright) scripts/test_browser.sh
#   5. the demo page and the bookmarks extension (Playwright)     scripts/test_e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"

echo "== native tests (core) =="
cargo test --release --lib --bins --tests
echo "== benchmarks compile =="
cargo build --release --benches

echo "== core in wasm32: headless Chromium, window and dedicated worker =="
scripts/setup_wasm.sh
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown --test core_browser --test core_worker

echo "== embedder (native + headless Chromium) =="
scripts/test_embed.sh
echo "== browser side: store, wasm API, npm package =="
scripts/test_browser.sh
echo "== demo page and bookmarks extension (reusing the package test_browser.sh built) =="
NOOK_SKIP_WASM=1 scripts/test_e2e.sh
echo "all tests passed"
