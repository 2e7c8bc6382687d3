#!/usr/bin/env bash
# How the paged site's search parameters were chosen, reproducibly: recall@10 (vector ranking
# against brute force over the f32 embeddings) and cold bytes of `nook site search` on the
# benchmark site that bench/site/run.sh built, for two TUNING sets that are not the judged
# queries the benchmark reports on:
#   - fanoutqa: the first 300 FanOutQA questions (data/fanoutqa-queries.json,
#     scripts/fetch_text_data.sh) — out of domain, their neighbours spread thin;
#   - titles: the titles of 300 passages drawn at random (seed 7) — in domain.
# Search-time knobs only (nprobe, first, expand, rounds, margin); build-time ones (graph probe, cluster size)
# need a rebuild each and are recorded in ARCHITECTURE.md.
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
      "--nprobe 12 --first 128 --expand 32 --rounds 5 --margin 0.03" "--nprobe 12 --first 64 --expand 32 --rounds 5 --margin 0.035"
      "--nprobe 12 --first 32 --expand 32 --rounds 5 --margin 0.035" "--nprobe 12 --first 96 --expand 32 --rounds 4 --margin 0.035"
      "--nprobe 12 --first 32 --expand 32 --rounds 3 --margin 2" "--nprobe 24 --first 32 --expand 32 --rounds 1")
OUT="$DIR/tuning.jsonl"
: > "$OUT"
for g in "${GRID[@]}"; do
    for set in titles fanoutqa; do
        # shellcheck disable=SC2086
        NOOK_MODEL_DIR=models "$NOOK" site search "$DIR/site" --queries "$DIR/tune-$set.json" --truth "$DIR/site.f32" --k 10 --json $g \
            | tail -1 | python3 -c 'import json, sys; d = json.load(sys.stdin); d["set"] = sys.argv[1]; d["args"] = sys.argv[2]; print(json.dumps(d))' "$set" "$g" >> "$OUT"
    done
done
python3 - "$OUT" "$ROOT/bench/results/site-tuning.md" <<'PY'
import json, os, sys, datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["args"], {})[r["set"]] = r
md = ["# Paged site: choosing the search parameters", "",
      f"Written by `bench/site/tune.sh` ({datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}); load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}.", "",
      "Tuning sets (not the judged queries `bench/results/site.md` reports on): the titles of 300 random passages (in domain) and 300 FanOutQA questions (out of domain). "
      "recall@10 of the vector ranking against brute force over the f32 embeddings; cold bytes include the head (manifest excluded).", "",
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
