#!/usr/bin/env bash
# The fast-search benchmark (bench/browser/fast.mjs): 10,000 real documents, two query
# sets, cold (after a browser restart) and warm, hnswlib-wasm side by side; headless
# Chromium, offline. Results: bench/results/fast-search.{json,md}.
# Env: NOOK_SKIP_BUILD=1 reuses pkg/dist; NOOK_BENCH_PKG=DIR measures another copy of pkg/;
# NOOK_FAST_PROFILE (default /tmp/nook-fast-profile) keeps the indexed collection between
# runs; NOOK_FAST_REINDEX=1 indexes again; NOOK_FAST_OUT names the results files.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/fetch_model.sh
scripts/fetch_text_data.sh
[[ "${NOOK_SKIP_BUILD:-0}" == 1 && -f pkg/dist/nook_bg.wasm ]] || scripts/build_wasm.sh
cd bench/browser
[[ -d node_modules/hnswlib-wasm ]] || npm install --no-audit --no-fund --ignore-scripts   # onnxruntime-node's postinstall is not needed
node make_data.mjs
node fast.mjs
