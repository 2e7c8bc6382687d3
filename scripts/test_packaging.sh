#!/usr/bin/env bash
# Packaging tests: the `npm pack`ed nook-search installed into fresh apps, built the ways
# web developers build them, served on 127.0.0.1 and driven in headless Chromium
# (tests/packaging/packaging.test.mjs):
#   vite        `vite build` of tests/packaging/app (the worker and wasm bundled by Vite)
#   webpack     webpack 5, production mode, no nook-specific configuration
#   nobundler   the app served as is, nook-search resolved by an import map
# Needs pkg/dist (scripts/build_wasm.sh) and the model (scripts/fetch_model.sh); reuses
# tests/browser's playwright-core (scripts/test_browser.sh installs it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "test_packaging: $*" >&2; }
die() { say "error: $*"; exit 1; }
[[ -f "$ROOT/pkg/dist/nook_bg.wasm" ]] || die "pkg/dist is not built: run scripts/build_wasm.sh"
MODELS="${NOOK_MODEL_DIR:-$ROOT/models}"
[[ -f "$MODELS/minilm-l6-int8.onnx" ]] || "$ROOT/scripts/fetch_model.sh"
(cd "$ROOT/tests/browser" && { [[ -d node_modules/playwright-core ]] || npm ci --silent --no-audit --no-fund; })
(cd "$ROOT/tests/packaging" && { [[ -x node_modules/.bin/vite && -x node_modules/.bin/webpack ]] || npm ci --silent --no-audit --no-fund; })

WORK="$ROOT/tests/packaging/.work"
SITES="$WORK/sites"
rm -rf "$WORK" && mkdir -p "$SITES"
tgz="$(cd "$ROOT/pkg" && npm pack --silent --pack-destination "$WORK")"

# app DIR: a fresh app folder with the tarball installed and the model in public/models.
app() {
    local dir="$1"
    mkdir -p "$dir/public/models"
    cp "$ROOT/tests/packaging/app/"* "$dir/"
    (cd "$dir" && echo '{"name":"nook-app","private":true,"type":"module"}' > package.json \
        && npm install --silent --no-audit --no-fund "$WORK/$tgz" >/dev/null)
    for f in minilm-l6-int8.onnx tokenizer.json; do ln -f "$MODELS/$f" "$dir/public/models/$f" 2>/dev/null || cp "$MODELS/$f" "$dir/public/models/$f"; done
}

say "vite build"
app "$WORK/vite"
"$ROOT/tests/packaging/node_modules/.bin/vite" build "$WORK/vite" --outDir "$SITES/vite" --emptyOutDir --logLevel warn

say "webpack 5"
app "$WORK/webpack"
NOOK_APP="$WORK/webpack" NOOK_OUT="$SITES/webpack" \
    "$ROOT/tests/packaging/node_modules/.bin/webpack" --config "$ROOT/tests/packaging/webpack.config.mjs" --no-stats
cp "$WORK/webpack/index.html" "$SITES/webpack/"
cp -r "$WORK/webpack/public/models" "$SITES/webpack/models"

say "no bundler (import map)"
app "$SITES/nobundler"
mv "$SITES/nobundler/nobundler.html" "$SITES/nobundler/index.html"
mv "$SITES/nobundler/public/models" "$SITES/nobundler/models"

say "Playwright"
cd "$ROOT/tests/packaging"
NOOK_PACKAGING_SITES="$SITES" node --test --test-concurrency=1 packaging.test.mjs
