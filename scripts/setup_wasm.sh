#!/usr/bin/env bash
# Install what wasm builds and browser tests need, idempotently: the wasm32 rustup
# target and wasm-bindgen-cli (install_wasm_tools.sh), and Debian's chromium +
# chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_wasm_tools.sh
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
