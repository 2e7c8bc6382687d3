#!/usr/bin/env bash
# Assemble the model package (pkg-model/, npm name nook-search-minilm) from the prepared
# model: the files scripts/fetch_model.sh makes (checked there by sha256)
# are copied next to pkg-model/index.js. `npm pack` in pkg-model/ then makes the tarball.
# Env: NOOK_MODEL_DIR as for fetch_model.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS="${NOOK_MODEL_DIR:-$ROOT/models}"
"$ROOT/scripts/fetch_model.sh"
for f in minilm-l6-int8.onnx tokenizer.json; do
    [[ -f "$MODELS/$f" ]] || { echo "build_model_pkg: $MODELS/$f is missing after fetch_model.sh" >&2; exit 1; }
    ln -f "$MODELS/$f" "$ROOT/pkg-model/$f" 2>/dev/null || cp "$MODELS/$f" "$ROOT/pkg-model/$f"
done
echo "build_model_pkg: pkg-model/ is ready ($(du -sh "$ROOT/pkg-model" | cut -f1); npm pack in pkg-model/ makes the tarball)" >&2
