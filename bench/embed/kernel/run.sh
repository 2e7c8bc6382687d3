#!/usr/bin/env bash
# The GEMM tile microbenchmark (lib.rs, run.mjs) -> bench/results/gemm-kernel.{md,json}.
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
unset RUSTFLAGS
(cd "$HERE" && cargo build --release --target wasm32-unknown-unknown)
[[ -d "$HERE/../node_modules/playwright-core" ]] || (cd "$HERE/.." && npm install --no-audit --no-fund --ignore-scripts)
node "$HERE/run.mjs" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook_kernel_bench.wasm" "$ROOT"
