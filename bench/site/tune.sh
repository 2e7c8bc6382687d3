#!/usr/bin/env bash
# How the paged site's search parameters were chosen, reproducibly: recall@10 (vector ranking
# against brute force over the f32 embeddings) and cold bytes of `nook site search` on the
# benchmark site that bench/site/run.sh built, for two TUNING sets that are not the judged
# queries the benchmark reports on:
#   - fanoutqa: the first 300 FanOutQA questions (data/fanoutqa-queries.json,
#     scripts/fetch_text_data.sh) — out of domain, their neighbours spread thin;
#   - titles: the titles of 300 passages drawn at random (seed 7) — in domain.
# Search-time knobs (nprobe, first, expand, rounds, margin) on the site run.sh built; then
# build-time ones (graph degree, cluster size, spill, documents per page), each laid out
# again from the embeddings run.sh kept (~1.5 min each) and searched with the defaults.
#
#   bench/site/tune.sh      writes bench/results/site-tuning.md
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
DIR="${NOOK_SITE_BENCH_DIR:-$ROOT/data/site-bench}"
NOOK="$CARGO_TARGET_DIR/release/nook"
[[ -f "$DIR/site/nook-site.json" && -f "$DIR/site.f32" ]] || { echo "bench/site/tune.sh: run bench/site/run.sh first (it builds $DIR/site)" >&2; exit 1; }
[[ -f data/fanoutqa-queries.json ]] || scripts/fetch_text_data.sh
cargo build --release --features embed --bin nook
python3 - "$DIR" <<'PY'
import json, random, sys
d = sys.argv[1]
docs = [json.loads(l) for l in open(f"{d}/corpus.jsonl")]
random.seed(7)
titles = [x["title"] for x in random.sample(docs, 300)]
json.dump([{"query": t} for t in titles], open(f"{d}/tune-titles.json", "w"))
f = json.load(open("data/fanoutqa-queries.json"))[:300]
json.dump([{"query": q["query"]} for q in f], open(f"{d}/tune-fanoutqa.json", "w"))
PY
# The default first; `--margin 2` expands `expand` in every round (format 3's fixed rounds).
GRID=("--nprobe 12 --first 96 --expand 32 --rounds 5 --margin 0.03" "--nprobe 12 --first 96 --expand 32 --rounds 5 --margin 0.035"
      "--nprobe 12 --first 128 --expand 32 --rounds 5 --margin 0.03" "--nprobe 12 --first 64 --expand 32 --rounds 5 --margin 0.03"
      "--nprobe 12 --first 80 --expand 24 --rounds 5 --margin 0.03" "--nprobe 12 --first 32 --expand 32 --rounds 5 --margin 0.035"
      "--nprobe 12 --first 32 --expand 32 --rounds 3 --margin 2" "--nprobe 24 --first 32 --expand 32 --rounds 1")
OUT="$DIR/tuning.jsonl"
: > "$OUT"
# search SITE TRUTH LABEL SEARCH_ARGS: one row per tuning set.
search() {
    for set in titles fanoutqa; do
        # shellcheck disable=SC2086
        NOOK_MODEL_DIR=models "$NOOK" site search "$1" --queries "$DIR/tune-$set.json" --truth "$2" --k 10 --json $4 \
            | tail -1 | python3 -c 'import json, sys; d = json.load(sys.stdin); d["set"] = sys.argv[1]; d["args"] = sys.argv[2]; print(json.dumps(d))' "$set" "$3" >> "$OUT"
    done
}
for g in "${GRID[@]}"; do
    search "$DIR/site" "$DIR/site.f32" "$g" "$g"
done
# Build-time variants against the default layout (--degree 24 --docs-per-page 4 --cluster-size
# 64 --spill 1.5), searched with the default search.
BUILDS=("--degree 16 --docs-per-page 8" "--degree 16" "--degree 24 --cluster-size 128 --nprobe 6" "--degree 24 --spill 0")
for b in "${BUILDS[@]}"; do
    V="$DIR/variant"
    rm -rf "$V"
    # shellcheck disable=SC2086
    NOOK_MODEL_DIR=models "$NOOK" site build "$V" "$DIR/corpus.jsonl" --layout paged --embeddings-cache "$DIR/embeddings.f32" --vectors-out "$DIR/variant.f32" $b >/dev/null 2>&1
    search "$V" "$DIR/variant.f32" "build: $b" ""
done
rm -rf "$DIR/variant" "$DIR/variant.f32"
python3 - "$OUT" "$ROOT/bench/results/site-tuning.md" <<'PY'
import json, os, sys, datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["args"], {})[r["set"]] = r
md = ["# Paged site: choosing the search parameters", "",
      f"Written by `bench/site/tune.sh` ({datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}); load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}.", "",
      "Tuning sets (not the judged queries `bench/results/site.md` reports on): the titles of 300 random passages (in domain) and 300 FanOutQA questions (out of domain). "
      "recall@10 of the vector ranking against brute force over the f32 embeddings; cold bytes include the head (manifest excluded). "
      "Rows named `build: ...` lay the same embeddings out again with those build flags (the default layout: `--degree 24 --docs-per-page 4 --cluster-size 64 --spill 1.5`) and search with the defaults.", "",
      "| search | recall titles | recall FanOutQA | cold KB p50 titles / FanOutQA | p95 | requests p50 | round trips p50 titles / FanOutQA, max (head on, manifest not) |",
      "|---|---:|---:|---:|---:|---:|---:|"]
for args, s in by.items():
    t, f = s["titles"], s["fanoutqa"]
    md.append(f"| `{args}` | {t['recall10']:.3f} | {f['recall10']:.3f} | {t['cold']['bytes_p50']/1024:.0f} / {f['cold']['bytes_p50']/1024:.0f} | "
              f"{max(t['cold']['bytes_p95'], f['cold']['bytes_p95'])/1024:.0f} | {t['cold']['requests_p50']:.0f} | "
              f"{t['cold']['rounds_p50']:.0f} / {f['cold']['rounds_p50']:.0f}, {max(t['cold']['rounds_max'], f['cold']['rounds_max']):.0f} |")
open(sys.argv[2], "w").write("\n".join(md) + "\n")
print(f"bench/site/tune.sh: wrote {sys.argv[2]}", file=sys.stderr)
PY
