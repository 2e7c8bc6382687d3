#!/usr/bin/env bash
# The Rust side of a wasm build, installed idempotently: the wasm32 rustup target and
# wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock, without its default
# TLS features (no rustls/ring to compile: 2.4 min instead of ~4 on 2 cores; its test
# runner is always given CHROMEDRIVER, so it never downloads a driver).
# Used by build_wasm.sh and setup_wasm.sh; build_demo.sh runs it while the model downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ -z "$want" ]; then
  cargo generate-lockfile >/dev/null
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "install_wasm_tools: installing wasm-bindgen-cli $want (have: ${have:-none}; ~2.5 min)" >&2
  cargo install wasm-bindgen-cli --version "$want" --no-default-features --force
fi
