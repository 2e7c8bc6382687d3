#!/usr/bin/env bash
# The browser benchmark (bench/browser/): nook vs hnswlib-wasm vs transformers.js brute
# force, 10,000 real documents, headless Chromium, offline. Results: bench/results/browser.*
# Env: NOOK_SKIP_BUILD=1 reuses pkg/dist; NOOK_BENCH_ONLY=nook|peers; NOOK_BENCH_DOCS=N.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/fetch_model.sh
scripts/fetch_text_data.sh
[[ "${NOOK_SKIP_BUILD:-0}" == 1 && -f pkg/dist/nook_bg.wasm ]] || scripts/build_wasm.sh
cd bench/browser
[[ -d node_modules/hnswlib-wasm ]] || npm install --no-audit --no-fund --ignore-scripts   # onnxruntime-node's postinstall is not needed
node make_data.mjs
node run.mjs
