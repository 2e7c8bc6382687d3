#!/usr/bin/env bash
# The main demo command: build what the page needs (model, wasm package, corpus) and serve
# www/ on http://127.0.0.1:${PORT:-8080}/ . Nothing is served on other interfaces.
#   NOOK_SKIP_BUILD=1  serve what is already built
#   NOOK_SKIP_WASM=1   reuse the package in pkg/ (see build_demo.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ "${NOOK_SKIP_BUILD:-0}" == 1 ]] || "$ROOT/scripts/build_demo.sh"
echo "serve_demo: open http://127.0.0.1:${PORT:-8080}/ (the first visit indexes the default corpus; later visits reopen it)" >&2
exec node "$ROOT/scripts/serve_static.mjs" "$ROOT/www" "${PORT:-8080}"
