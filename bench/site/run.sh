#!/usr/bin/env bash
# The static-site benchmark (issue: prebuilt index for static sites): nook's paged site
# against Pagefind on ~108,600 real passages (bench/site/corpus.py: every WordNet noun and
# verb gloss + every MDN compat feature) and on the demo's 3,101-document corpus.
#
#   bench/site/run.sh        writes bench/results/site.md and bench/results/site.json
#
# Steps: corpus -> `nook site build --layout paged` (native, every core; timed; the
# embeddings are kept in DIR/embeddings.f32 so a re-run with NOOK_SITE_REUSE=1 reuses the
# last build and its log) -> `nook site search` over every judged query natively (bytes,
# requests and round trips as a browser would fetch them; recall@10 of the vector ranking
# against brute force over the f32 embeddings) -> Pagefind (npm) over the same passages as
# HTML pages -> bench/browser/static-site.mjs in headless Chromium (first visit, warm queries,
# unthrottled and 10 Mbit/s / 40 ms; ranking quality of both) -> bench/site/report.mjs.
# Env: NOOK_SITE_BENCH_DIR (default data/site-bench), NOOK_SITE_REUSE=1, NOOK_SITE_VISITS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
say() { echo "bench/site: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
DIR="${NOOK_SITE_BENCH_DIR:-$ROOT/data/site-bench}"
PAGEFIND_VERSION=1.6.0
mkdir -p "$DIR"

[[ -f models/minilm-l6-int8.onnx ]] || scripts/fetch_model.sh
[[ -f "$DIR/corpus.jsonl" && -f "$DIR/queries.json" ]] || python3 bench/site/corpus.py "$DIR"
cargo build --release --features embed --bin nook
NOOK="$CARGO_TARGET_DIR/release/nook"
[[ -f pkg/dist/nook_bg.wasm ]] || NOOK_WASM_OPT=0 scripts/build_wasm.sh

# NOOK_SITE_REUSE=1: keep the last site as it is; otherwise it is laid out again (from the
# kept embeddings if the corpus and model are the same: embedding is ~90% of a build).
if [[ "${NOOK_SITE_REUSE:-0}" != 1 || ! -f "$DIR/site/nook-site.json" ]]; then
    say "building the paged site of $(wc -l < "$DIR/corpus.jsonl") passages"
    rm -rf "$DIR/site"
    NOOK_MODEL_DIR=models "$NOOK" site build "$DIR/site" "$DIR/corpus.jsonl" --layout paged \
        --embeddings-cache "$DIR/embeddings.f32" --vectors-out "$DIR/site.f32" 2>&1 | tee "$DIR/build.log" >&2
    # The log of the build that embedded (not reused) is kept: the report gives its time.
    grep -q "embeddings reused" "$DIR/build.log" || cp "$DIR/build.log" "$DIR/embed.log"
fi
# The demo corpus (the page's default: scripts/make_corpus.py), paged.
[[ -f www/data/corpus.json ]] || python3 scripts/make_corpus.py
node -e 'const c = require(process.argv[1]); console.log(c.docs.map((d) => JSON.stringify(d)).join("\n"))' "$ROOT/www/data/corpus.json" > "$DIR/demo.jsonl"
rm -rf "$DIR/demo"
NOOK_MODEL_DIR=models "$NOOK" site build "$DIR/demo" "$DIR/demo.jsonl" --layout paged --vectors-out "$DIR/demo.f32" 2>&1 | tee "$DIR/demo-build.log" >&2

say "native: every judged query against both sites"
NOOK_MODEL_DIR=models "$NOOK" site search "$DIR/site" --queries "$DIR/queries.json" --truth "$DIR/site.f32" --k 10 --json > "$DIR/native.jsonl"
NOOK_MODEL_DIR=models "$NOOK" site search "$DIR/demo" --queries "$DIR/queries.json" --truth "$DIR/demo.f32" --k 10 --json > "$DIR/native-demo.jsonl"

say "Pagefind $PAGEFIND_VERSION over the same passages"
TOOLS="$DIR/tools"
[[ -x "$TOOLS/node_modules/.bin/pagefind" ]] || npm install --silent --no-audit --no-fund --prefix "$TOOLS" "pagefind@$PAGEFIND_VERSION" >&2
rm -rf "$DIR/html/pagefind"
python3 - "$TOOLS/node_modules/.bin/pagefind" "$DIR" <<'PY'
import subprocess, sys, time
t = time.time()
subprocess.run([sys.argv[1], "--site", f"{sys.argv[2]}/html", "--output-subdir", "pagefind"], check=True, stdout=sys.stderr)
open(f"{sys.argv[2]}/pagefind-build-seconds", "w").write(f"{time.time() - t:.1f}")
PY

say "headless Chromium"
(cd bench/browser && { [[ -d node_modules/playwright-core ]] || npm install --silent --no-audit --no-fund --ignore-scripts; })
node bench/browser/static-site.mjs "$DIR"
node bench/site/report.mjs "$DIR"
