#!/usr/bin/env bash
# Preview agreement (bench/preview.rs) on three sets: FanOutQA questions 25-224 over the
# reopen benchmark's 80,000 and 10,000 bookmarks (built by `scripts/bench_browser.sh reopen`
# in NOOK_REOPEN_DIR), and the site benchmark's WordNet/MDN queries over a 20,000-document
# sample of its corpus holding their answers (built here with `nook site build`).
# The first 24 FanOutQA questions are left out: the extension and reopen benchmarks report on them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REOPEN="${NOOK_REOPEN_DIR:-/tmp/nook-reopen}"
WORK="${NOOK_PREVIEW_DIR:-/tmp/nook-preview}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export_of() { ls "$1"/index.*.nook 2>/dev/null | head -1; }
B80=$(export_of "$(ls -d "$REOPEN"/site-80000-* 2>/dev/null | head -1)")
B10=$(export_of "$(ls -d "$REOPEN"/site-10000-* 2>/dev/null | head -1)")
[[ -n "$B80" && -n "$B10" ]] || { echo "no bookmark exports in $REOPEN: run scripts/bench_browser.sh reopen first" >&2; exit 1; }
mkdir -p "$WORK"
if [[ -z "$(export_of "$WORK/site")" ]]; then
  node -e '
    const fs = require("fs");
    const q = JSON.parse(fs.readFileSync(process.argv[1] + "/data/site-bench/queries.json", "utf8"));
    const rel = new Set(q.flatMap((x) => x.relevant));
    const lines = fs.readFileSync(process.argv[1] + "/data/site-bench/corpus.jsonl", "utf8").split("\n").filter(Boolean);
    const keep = lines.filter((l) => rel.has(JSON.parse(l).id));
    const rest = lines.filter((l) => !rel.has(JSON.parse(l).id));
    for (let i = 0; keep.length < 20000 && i < rest.length; i += Math.max(1, Math.floor(rest.length / 20000))) keep.push(rest[i]);
    fs.writeFileSync(process.argv[2] + "/docs.jsonl", keep.slice(0, 20000).join("\n") + "\n");
    fs.writeFileSync(process.argv[2] + "/queries.json", JSON.stringify(q.map((x) => x.query)));
  ' "$ROOT" "$WORK"
  cargo build --release --features embed --bin nook
  NOOK_MODEL_DIR="$ROOT/models" "$CARGO_TARGET_DIR/release/nook" site build "$WORK/site" "$WORK/docs.jsonl" --threads "$(nproc)" >&2
fi
cargo bench --features embed --bench preview -- \
  "bookmarks-80000=$B80=$ROOT/data/bench-queries.json=24..224" \
  "bookmarks-10000=$B10=$ROOT/data/bench-queries.json=24..224" \
  "wordnet-mdn-20000=$(export_of "$WORK/site")=$WORK/queries.json=0..1000"
