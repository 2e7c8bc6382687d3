#!/usr/bin/env bash
# The bookmarks extension at scale (see run.mjs): builds the extension from the package in
# pkg/ (NOOK_SKIP_WASM=1 reuses it), then runs the staged benchmark in headless Chromium.
#   bench/extension/run.sh [--minutes 20] [--stages 1000,2500,...]
# Results: bench/results/extension-80k.json (the report is bench/results/extension-80k.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ -d "$ROOT/tests/e2e/node_modules/playwright-core" ]] || (cd "$ROOT/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
[[ -f "$ROOT/data/bench-queries.json" ]] || "$ROOT/scripts/fetch_text_data.sh"
NOOK_SKIP_WASM="${NOOK_SKIP_WASM:-0}" "$ROOT/scripts/build_extension.sh"
exec node "$ROOT/bench/extension/run.mjs" "$@"
