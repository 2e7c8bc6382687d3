#!/usr/bin/env bash
# Learn the rotation nook applies before product quantization and write it into the crate
# (src/quant/minilm-l6b.rotation): gather the training texts, embed them with the
# default model, learn the rotation (numpy). ~15 minutes on 2 cores. See train.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 bench/rotation/texts.py
cargo bench --features embed --bench rotation_vectors
python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
python3 bench/rotation/train.py "$@"
