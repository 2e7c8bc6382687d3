#!/usr/bin/env bash
# Run every test nook has: native unit + integration tests, the wasm32 build check, and
# (when present) the embedder's native and headless-Chromium tests. Installs what it needs.
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

if [ -x scripts/test_embed.sh ]; then
  echo "== embedder tests (native + headless Chromium) =="
  scripts/test_embed.sh
fi
echo "all tests passed"
