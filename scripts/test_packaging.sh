#!/usr/bin/env bash
# Packaging tests: the `npm pack`ed nook-search and nook-search-minilm (the model package,
# pkg-model/) installed into fresh apps, built the ways web developers build them, served
# on 127.0.0.1 and driven in headless Chromium (tests/packaging/packaging.test.mjs). Each
# app runs pkg/README.md's example as written, then a larger add with a helper worker:
#   vite        `vite build` of tests/packaging/app (the worker and wasm bundled by Vite)
#   webpack     webpack 5, production mode, no nook-specific configuration
#   nobundler   the app served as is, nook-search resolved by an import map
#   tsc         the packages' .d.ts files, strict, against app/types.ts (typed use of the API)
#   esbuild     esbuild --bundle, which does not follow new URL(…, import.meta.url): the
#               README's recipe (package folder copied, workerUrl); the example is not run
# Needs pkg/dist (scripts/build_wasm.sh) and the model (scripts/fetch_model.sh); reuses
# tests/browser's playwright-core (scripts/test_browser.sh installs it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "test_packaging: $*" >&2; }
die() { say "error: $*"; exit 1; }
[[ -f "$ROOT/pkg/dist/nook_bg.wasm" ]] || die "pkg/dist is not built: run scripts/build_wasm.sh"
(cd "$ROOT/tests/browser" && { [[ -d node_modules/playwright-core ]] || npm ci --silent --no-audit --no-fund; })
(cd "$ROOT/tests/packaging" && { [[ -x node_modules/.bin/vite && -x node_modules/.bin/webpack && -x node_modules/.bin/tsc ]] || npm ci --silent --no-audit --no-fund; })

WORK="$ROOT/tests/packaging/.work"
SITES="$WORK/sites"
rm -rf "$WORK" && mkdir -p "$SITES"
tgz="$(cd "$ROOT/pkg" && npm pack --silent --pack-destination "$WORK")"
"$ROOT/scripts/build_model_pkg.sh"
model_tgz="$(cd "$ROOT/pkg-model" && npm pack --silent --pack-destination "$WORK")"
# The README's example, as written: the js block after the marker line.
node -e '
const s = require("fs").readFileSync(process.argv[1], "utf8");
const m = /<!-- tests\/packaging runs this example[^\n]*\n```js\n([\s\S]*?)```/.exec(s);
if (!m) { console.error("test_packaging: no tested example in pkg/README.md"); process.exit(1); }
require("fs").writeFileSync(process.argv[2], m[1]);
' "$ROOT/pkg/README.md" "$WORK/example.js"

# app DIR: a fresh app folder with both tarballs installed and the README example.
app() {
    local dir="$1"
    mkdir -p "$dir"
    cp "$ROOT/tests/packaging/app/"* "$WORK/example.js" "$dir/"
    (cd "$dir" && echo '{"name":"nook-app","private":true,"type":"module"}' > package.json \
        && npm install --silent --no-audit --no-fund "$WORK/$tgz" "$WORK/$model_tgz" >/dev/null)
}

say "vite build"
app "$WORK/vite"
"$ROOT/tests/packaging/node_modules/.bin/vite" build "$WORK/vite" --outDir "$SITES/vite" --emptyOutDir --logLevel warn

say "TypeScript: both packages' declarations, strict (tests/packaging/app/types.ts)"
(cd "$WORK/vite" && "$ROOT/tests/packaging/node_modules/.bin/tsc" --noEmit --strict --target es2022 \
    --module esnext --moduleResolution bundler --lib es2022,dom --skipLibCheck false types.ts) \
    || die "the packages' type declarations do not check (see above)"

say "webpack 5"
app "$WORK/webpack"
NOOK_APP="$WORK/webpack" NOOK_OUT="$SITES/webpack" \
    "$ROOT/tests/packaging/node_modules/.bin/webpack" --config "$ROOT/tests/packaging/webpack.config.mjs" --no-stats
cp "$WORK/webpack/index.html" "$SITES/webpack/"

say "no bundler (import map)"
app "$SITES/nobundler"
mv "$SITES/nobundler/nobundler.html" "$SITES/nobundler/index.html"

say "esbuild (pkg/README.md's recipe: the package folder next to the bundle, workerUrl)"
app "$WORK/esbuild"
"$ROOT/tests/packaging/node_modules/.bin/esbuild" "$WORK/esbuild/esbuild.js" --bundle --format=esm \
    --outfile="$SITES/esbuild/main.js" --log-level=warning
cp "$WORK/esbuild/index.html" "$SITES/esbuild/"
cp -r "$WORK/esbuild/node_modules/nook-search" "$SITES/esbuild/nook-search"
cp "$WORK/esbuild/node_modules/nook-search-minilm/"{minilm-l6-int8.onnx,tokenizer.json} "$SITES/esbuild/"

say "Playwright"
cd "$ROOT/tests/packaging"
NOOK_PACKAGING_SITES="$SITES" node --test --test-concurrency=1 packaging.test.mjs
