#!/usr/bin/env bash
# Run every test nook has, installing what it needs on a fresh machine:
#   0. cargo fmt --check (rustfmt.toml); cargo clippy -D warnings, natively and for wasm32;
#      ESLint over every JavaScript file (tests/lint/); tsc runs in step 3 (packaging)
#   1. natively, one build (release, features embed): the core (recall vs brute force,
#      filters, deletes, persistence, bad bytes, CLI), the store and collection, the
#      embedder on the real model; the benchmarks compile
#   2. wasm32 in headless Chromium, one build (release, features web + embed, simd128 from
#      .cargo/config.toml): the core, the embedder and the IndexedDB store, each in a
#      window and in a dedicated worker
#   3. the npm package (scripts/test_browser.sh): built from the same wasm dependencies,
#      `npm pack`ed, installed into a fresh site, Playwright; then installed into apps built
#      with Vite, webpack 5, no bundler and esbuild (scripts/test_packaging.sh)
#   4. the demo page and the bookmarks extension (scripts/test_e2e.sh)
# Every stage uses one profile and one set of flags per target, so each dependency is
# compiled once natively and once for wasm32.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
export NOOK_MODEL_DIR="$PWD/models"
unset RUSTFLAGS
start=$SECONDS
stage() { echo "== $* ($(( (SECONDS - start) / 60 )) min in) =="; }

stage "installing what is missing: wasm32 target, wasm-bindgen-cli, chromium, model, data"
scripts/setup_wasm.sh
NOOK_SECOND_MODEL=1 scripts/fetch_model.sh   # and the second model the tests load
scripts/fetch_text_data.sh

stage "format and lints: cargo fmt --check, cargo clippy -D warnings (native and wasm32), eslint"
command -v rustfmt >/dev/null || rustup component add rustfmt
command -v cargo-clippy >/dev/null || rustup component add clippy
cargo fmt --check || { echo "test.sh: the Rust sources are not formatted: run cargo fmt" >&2; exit 1; }
WASM_TESTS=(--test core_browser --test core_worker --test embed_browser --test embed_worker --test wasm_window --test wasm_worker)
cargo clippy --release --features embed --lib --bins --tests --benches -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown --features web,embed --lib "${WASM_TESTS[@]}" -- -D warnings
# JavaScript: ESLint's recommended rules over the package, demo, extension, tests and benches.
(cd tests/lint && { [[ -d node_modules/eslint ]] || npm ci --silent --no-audit --no-fund; })
tests/lint/node_modules/.bin/eslint -c tests/lint/eslint.config.mjs .

stage "native tests (core, store, embedder)"
cargo test --release --features embed --lib --bins --tests
stage "benchmarks compile"
cargo build --release --features embed --benches

stage "wasm32 in headless Chromium: core, embedder, IndexedDB; window and dedicated worker"
# Loading, optimising and running the model in wasm takes longer than the default 20 s.
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}" \
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown --features web,embed "${WASM_TESTS[@]}"

stage "npm package (Playwright)"
# The package from the release dependencies above, without LTO and wasm-opt (~6 min less;
# the demo command builds the optimised one).
NOOK_LTO="${NOOK_LTO:-off}" NOOK_WASM_OPT="${NOOK_WASM_OPT:-0}" NOOK_SKIP_CARGO_TESTS=1 scripts/test_browser.sh
stage "packaging: the packed packages in apps built with Vite, webpack 5, no bundler and esbuild"
scripts/test_packaging.sh
stage "demo page and bookmarks extension (reusing the package just built)"
NOOK_SKIP_WASM=1 scripts/test_e2e.sh
stage "all tests passed"
