#!/usr/bin/env bash
# The browser benchmarks (bench/browser/), headless Chromium, offline, real model:
#   scripts/bench_browser.sh         nook vs hnswlib-wasm vs transformers.js brute force,
#                                    10,000 documents -> bench/results/browser.*
#   scripts/bench_browser.sh fast    exact search cold (after a browser restart) and warm,
#                                    two query sets, hnswlib-wasm side by side
#                                    -> bench/results/fast-search.* (bench/browser/fast.mjs)
#   scripts/bench_browser.sh corpora [long] [manpages] [manpages-long] [mdn]
#                                    the same over corpora of other shapes (long documents,
#                                    one-line and medium man page descriptions, MDN features;
#                                    default all), cold and warm; with
#                                    NOOK_BEFORE_PKG=DIR an older pkg/ copy beside it
#                                    -> bench/results/{long,manpages,manpages-long,mdn}-docs.*
#                                    (bench/browser/corpora.mjs; `long` = `corpora long`);
#                                    `corpora DIR/` measures a corpus of your own: DIR/docs.json
#                                    ([{id, title?, url?, text}]) and DIR/queries.json (strings)
#                                    -> bench/results/<DIR's name>-docs.*
#   scripts/bench_browser.sh reopen  open after a browser restart, 10,000 and 80,000 bookmarks
#                                    built natively -> bench/results/reopen.* (reopen.mjs)
#   scripts/bench_browser.sh demo    the demo page: first result on a fresh profile and after
#                                    a browser restart -> bench/results/demo.* (demo.mjs)
# Env: NOOK_SKIP_BUILD=1 reuses pkg/dist; NOOK_BENCH_PKG=DIR measures another copy of pkg/;
# NOOK_BENCH_ONLY=nook|peers; NOOK_BENCH_DOCS=N; for `fast`: NOOK_FAST_PROFILE (default
# /tmp/nook-fast-profile) keeps the indexed collection between runs, NOOK_FAST_REINDEX=1
# indexes again, NOOK_FAST_OUT names the results files.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLER="$PWD"
cd "$ROOT"
case "${1:-run}" in
  run) program=run.mjs ;;
  fast) program=fast.mjs ;;
  corpora) program=corpora.mjs ;;
  long) program=corpora.mjs; set -- corpora long ;;
  reopen) program=reopen.mjs ;;
  demo)
    # NOOK_SKIP_BUILD=1 measures www/ as it is.
    [[ "${NOOK_SKIP_BUILD:-0}" == 1 && -f www/vendor/nook/index.js ]] || scripts/build_demo.sh
    cd bench/browser
    [[ -d node_modules/playwright-core ]] || npm install --no-audit --no-fund --ignore-scripts
    exec node demo.mjs ;;
  *) echo "usage: scripts/bench_browser.sh [fast|corpora [long] [manpages] [manpages-long] [mdn] [DIR/]|long|reopen|demo]" >&2; exit 2 ;;
esac
scripts/fetch_model.sh
scripts/fetch_text_data.sh
[[ "${NOOK_SKIP_BUILD:-0}" == 1 && -f pkg/dist/nook_bg.wasm ]] || scripts/build_wasm.sh
cd bench/browser
[[ -d node_modules/hnswlib-wasm ]] || npm install --no-audit --no-fund --ignore-scripts   # onnxruntime-node's postinstall is not needed
node make_data.mjs
if [[ "$program" == corpora.mjs ]]; then
  shift
  wanted=("$@")
  (( ${#wanted[@]} )) || wanted=(long manpages manpages-long mdn)
  for i in "${!wanted[@]}"; do
    name="${wanted[$i]}"
    # A directory of your own (a name with a slash), from where this script was called.
    if [[ "$name" == */* ]]; then
      [[ "$name" == /* ]] || wanted[$i]="$CALLER/$name"
      continue
    fi
    [[ "$name" == long || -f "$ROOT/data/quality/$name/docs.json" ]] || python3 "$ROOT/bench/quality/fetch_corpora.py" --only "$([[ $name == manpages-long ]] && echo manpages || echo "$name")"
  done
  exec node corpora.mjs "${wanted[@]}"
fi
if [[ "$program" == reopen.mjs && -z "${NOOK_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release --features embed --bin nook)
fi
node "$program"
