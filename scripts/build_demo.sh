#!/usr/bin/env bash
# Build everything the demo page (www/) needs, from a fresh machine:
#   1. the model and tokenizer        scripts/fetch_model.sh       -> models/
#   2. the wasm + npm package          scripts/build_wasm.sh        -> pkg/ (+ its generated files)
#      with the plain release profile and no wasm-opt (NOOK_LTO=fat NOOK_WASM_OPT=1 for the
#      published size): a page served from 127.0.0.1 does not need the last 2 MB, and these
#      are the very dependencies scripts/test.sh builds, so each is compiled once for wasm
#   3. the embedded default corpus     scripts/make_corpus.py       -> www/data/corpus.json
#   4. its prebuilt index, natively    nook site build (the CLI, same model, both cores)
#                                      -> www/data/site/ (nook-site.json + index.<hash>.nook),
#                                         www/data/sources.json (the corpus's credits)
#   5. the package and model next to the page: www/vendor/nook/, www/models/ (git-ignored)
#
# Env: NOOK_SKIP_WASM=1 reuses the package already built in pkg/ (no cargo run).
#      NOOK_MODEL_DIR as for fetch_model.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "build_demo: $*" >&2; }
die() { say "error: $*"; exit 1; }
cd "$ROOT"

command -v node >/dev/null || die "node is needed (apt-get install nodejs npm)"
command -v python3 >/dev/null || die "python3 is needed"

MODELS="${NOOK_MODEL_DIR:-$ROOT/models}"
# The wasm tools compile while the model and the corpus download (a fresh machine).
tools_pid=
if [[ "${NOOK_SKIP_WASM:-0}" != 1 ]]; then
    "$ROOT/scripts/install_wasm_tools.sh" & tools_pid=$!
fi
"$ROOT/scripts/fetch_model.sh"
python3 "$ROOT/scripts/make_corpus.py"
[[ -z "$tools_pid" ]] || wait "$tools_pid" || die "installing the wasm tools failed"

if [[ "${NOOK_SKIP_WASM:-0}" != 1 ]]; then
    [[ -x "$ROOT/scripts/build_wasm.sh" ]] || die "scripts/build_wasm.sh is missing (the npm package, issue 4)"
    NOOK_LTO="${NOOK_LTO:-off}" NOOK_WASM_OPT="${NOOK_WASM_OPT:-0}" "$ROOT/scripts/build_wasm.sh"
fi

# The default corpus's index, built natively with the page's model: the first visit
# downloads it (~0.5 MB) instead of embedding 3,100 documents in the browser.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
cargo build --release --features embed --bin nook
node -e '
const fs = require("fs");
const c = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
fs.mkdirSync(process.argv[2], { recursive: true });
fs.writeFileSync(process.argv[2] + "/corpus.jsonl", c.docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
fs.writeFileSync(process.argv[3], JSON.stringify(c.sources) + "\n");
' "$ROOT/www/data/corpus.json" "$ROOT/www/data/.src" "$ROOT/www/data/sources.json"
"$CARGO_TARGET_DIR/release/nook" site build "$ROOT/www/data/site" "$ROOT/www/data/.src/corpus.jsonl" \
    --model "$MODELS/minilm-l6-int8.onnx" --tokenizer "$MODELS/tokenizer.json"

# The package: copied whole (its JS, worker, wasm, types) into www/vendor/nook/.
"$ROOT/scripts/vendor_pkg.sh" "$ROOT/www/vendor/nook"

# index.html preloads app.js's whole module graph (each module left out is one more wait
# before the page's code runs), and only files www/ holds.
bad=$(python3 "$ROOT/scripts/check_preload.py" "$ROOT/www" index.html js/app.js)
[[ -z "$bad" ]] || die "index.html's modulepreload list is not app.js's module graph: $bad"

# The model: a link when the folder is inside the served tree's reach, else a copy.
rm -rf "$ROOT/www/models" && mkdir -p "$ROOT/www/models"
for f in minilm-l6-int8.onnx tokenizer.json; do
    [[ -f "$MODELS/$f" ]] || die "$MODELS/$f is missing after fetch_model.sh"
    ln -f "$MODELS/$f" "$ROOT/www/models/$f" 2>/dev/null || cp "$MODELS/$f" "$ROOT/www/models/$f"
done
say "www/ is ready: serve it with scripts/serve_demo.sh (127.0.0.1)"
