#!/usr/bin/env bash
# The native main job until the browser demo lands: build the CLI, fetch Fashion-MNIST,
# build a pruned LEANN index, print its parts, and search it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
cargo build --release --bin nook
scripts/fetch_data.sh fashion-mnist
nook="$CARGO_TARGET_DIR/release/nook"
"$nook" build data/fashion-mnist-base.fvecs data/fashion-mnist.nook --metric l2 --pruned --m-small 6 --pq 32
"$nook" stats data/fashion-mnist.nook
"$nook" search data/fashion-mnist.nook data/fashion-mnist-query.fvecs --vectors data/fashion-mnist-base.fvecs --ef 80 --rerank 45 | head -5
