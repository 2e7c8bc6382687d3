#!/usr/bin/env bash
# The browser side's tests, from a fresh machine (installs what it needs):
#   1. native: store conformance + collection persistence (tests/store.rs), blocks, BM25
#   2. wasm-bindgen-test in headless Chromium, window and dedicated worker
#      (IndexedDB store conformance, collection persisted across reopen)
#   3. the npm package: build (scripts/build_wasm.sh), `npm pack`, install the tarball into
#      a fresh site folder, Playwright (tests/browser/package.test.mjs): 1,000 FanOutQA
#      documents, reload, delete, fault cases, zero foreign requests; a static site's
#      prebuilt index built by the native CLI and opened by the package (site.test.mjs).
# Steps 1 and 2 use the same profile and features as scripts/test.sh (which runs them
# itself and sets NOOK_SKIP_CARGO_TESTS=1), so no dependency is built twice.
#
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target); NOOK_SKIP_BUILD=1 reuses pkg/dist;
#      NOOK_LTO as for build_wasm.sh; NOOK_TEST_PATTERN=regex runs only the package tests it names.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { echo "test_browser: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"

say "installing what is missing (wasm32 target, wasm-bindgen-cli, chromium, model, data)"
scripts/setup_wasm.sh
NOOK_SECOND_MODEL=1 scripts/fetch_model.sh   # and the second model the tests load
scripts/fetch_text_data.sh

if [[ "${NOOK_SKIP_CARGO_TESTS:-0}" != 1 ]]; then
    say "native: store, collection, blocks, keyword index"
    cargo test --release --features embed --test store
    cargo test --release --features embed --lib -- index::blocks text::

    say "wasm-bindgen-test: IndexedDB in a window and in a dedicated worker"
    CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
        cargo test --release --target wasm32-unknown-unknown --features web,embed --test wasm_window --test wasm_worker
fi

if [[ "${NOOK_SKIP_BUILD:-0}" != 1 || ! -f pkg/dist/nook_bg.wasm ]]; then
    scripts/build_wasm.sh
fi

say "packaging: npm pack, install the tarball into a fresh site"
SITE="$ROOT/tests/browser/.site"
rm -rf "$SITE" && mkdir -p "$SITE/models" "$SITE/data" "$SITE/app"
tgz="$(cd pkg && npm pack --silent --pack-destination "$SITE")"
(cd "$SITE/app" && echo '{"name":"nook-site","private":true}' > package.json \
    && npm install --silent --no-audit --no-fund --offline "$SITE/$tgz" >/dev/null 2>&1 \
    || npm install --silent --no-audit --no-fund "$SITE/$tgz" >/dev/null)
mv "$SITE/app/node_modules" "$SITE/node_modules"
cp tests/browser/page.html "$SITE/page.html"
for f in minilm-l6-int8.onnx paraphrase-minilm-l3.onnx tokenizer.json; do ln -f "models/$f" "$SITE/models/$f" 2>/dev/null || cp "models/$f" "$SITE/models/$f"; done
cp data/fanoutqa-docs.json data/fanoutqa-queries.json "$SITE/data/"

say "two builds of a static site's prebuilt index (native nook site build) for tests/browser/site.test.mjs"
# Built as the native tests build it (same features, dev-dependencies unified), so this reuses
# the test stage's dependency builds instead of compiling them once more.
cargo test --release --features embed --test site_cli --no-run
src="$SITE/site-src" && mkdir -p "$src"
node -e 'const d = require(process.argv[1]).slice(0, 1200); console.log(d.map((x) => JSON.stringify(x)).join("\n"))' \
    "$ROOT/data/fanoutqa-docs.json" > "$src/docs.jsonl"
echo '{"id": "lighthouse", "title": "The lighthouse keeper", "text": "A keeper tends the lamp of a lighthouse on a rocky island through winter storms."}' > "$src/extra.jsonl"
NOOK_MODEL_DIR="$ROOT/models" "$CARGO_TARGET_DIR/release/nook" site build "$SITE/prebuilt" "$src/docs.jsonl" tests/browser/site-pages --base-url /docs/
NOOK_MODEL_DIR="$ROOT/models" "$CARGO_TARGET_DIR/release/nook" site build "$SITE/prebuilt-v2" "$src/docs.jsonl" "$src/extra.jsonl" tests/browser/site-pages/notes --base-url /docs/
say "the same two as paged sites (small clusters, so a query fetches a part), and the native CLI's answers (site-paged.test.mjs)"
paged=(--layout paged --cluster-size 32 --nprobe 6 --embeddings-cache "$src/embeddings.f32")
NOOK_MODEL_DIR="$ROOT/models" "$CARGO_TARGET_DIR/release/nook" site build "$SITE/paged" "$src/docs.jsonl" tests/browser/site-pages --base-url /docs/ "${paged[@]}"
NOOK_MODEL_DIR="$ROOT/models" "$CARGO_TARGET_DIR/release/nook" site build "$SITE/paged-v2" "$src/docs.jsonl" "$src/extra.jsonl" tests/browser/site-pages/notes --base-url /docs/ "${paged[@]}" --embeddings-cache "$src/embeddings-v2.f32"
NOOK_MODEL_DIR="$ROOT/models" "$CARGO_TARGET_DIR/release/nook" site search "$SITE/paged" --queries tests/browser/site-paged-queries.json --k 10 --json > "$SITE/paged-native.jsonl"

say "Playwright (playwright-core + /usr/bin/chromium)"
(cd tests/browser && { [[ -d node_modules/playwright-core ]] || npm install --silent --no-audit --no-fund; })
(cd tests/browser && NOOK_TEST_SITE="$SITE" node --test --test-concurrency=1 ${NOOK_TEST_PATTERN:+--test-name-pattern="$NOOK_TEST_PATTERN"} package.test.mjs site.test.mjs site-paged.test.mjs)
say "all browser-side tests passed"
