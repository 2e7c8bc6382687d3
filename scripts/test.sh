#!/usr/bin/env bash
# Run every test nook has: native unit + integration tests, the wasm32 build check, and
# (when present) the embedder's native and headless-Chromium tests. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

echo "== native tests (core) =="
cargo test --release --lib --bins --tests
echo "== benchmarks compile =="
cargo build --release --benches

echo "== core builds for wasm32-unknown-unknown =="
cargo check --lib --target wasm32-unknown-unknown

if [ -x scripts/test_embed.sh ]; then
  echo "== embedder tests (native + headless Chromium) =="
  scripts/test_embed.sh
fi
echo "all tests passed"
