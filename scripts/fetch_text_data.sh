#!/usr/bin/env bash
# Fetch the FanOutQA dev split (PyPI fanoutqa==1.1.1, CC BY-SA 4.0; see DATA.md "Text data")
# and derive the browser test / benchmark inputs in data/ (git-ignored):
#   data/fanoutqa-docs.json     [{id, title, url, text: ""}]   one per Wikipedia page (1,594)
#   data/fanoutqa-queries.json  [{query, id}]                  sub-question -> its page (2,142)
# The wheel is taken from $NOOK_WHEEL_DIR or /work/data/pypi when present, else pip-downloaded.
# Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/data"
WHEEL=fanoutqa-1.1.1-py3-none-any.whl
mkdir -p "$OUT/downloads"
[[ -f "$OUT/fanoutqa-docs.json" && -f "$OUT/fanoutqa-queries.json" ]] && { echo "fetch_text_data: already in $OUT" >&2; exit 0; }
src=""
for d in ${NOOK_WHEEL_DIR:-} /work/data/pypi "$OUT/downloads"; do
    [[ -f "$d/$WHEEL" ]] && { src="$d/$WHEEL"; break; }
done
if [[ -z "$src" ]]; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$OUT/downloads" fanoutqa==1.1.1
    src="$OUT/downloads/$WHEEL"
fi
python3 - "$src" "$OUT" <<'PY'
import json, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z:
    dev = json.loads(z.read("fanoutqa/data/fanout-final-dev.json"))
docs, queries = {}, []
def walk(items):
    for sub in items:
        ev = sub.get("evidence")
        if ev and ev.get("title"):
            key = str(ev["pageid"])
            docs.setdefault(key, {"id": key, "title": ev["title"], "url": ev.get("url", ""), "text": ""})
            queries.append({"query": sub["question"], "id": key})
        walk(sub.get("decomposition", []))
for q in dev:
    walk(q["decomposition"])
docs = sorted(docs.values(), key=lambda d: int(d["id"]))
json.dump(docs, open(f"{out}/fanoutqa-docs.json", "w"))
json.dump(queries, open(f"{out}/fanoutqa-queries.json", "w"))
print(f"fetch_text_data: {len(docs)} documents, {len(queries)} queries -> {out}", file=sys.stderr)
PY
