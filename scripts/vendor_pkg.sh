#!/usr/bin/env bash
# Copy the built npm package (pkg/: JS client, worker, wasm-bindgen output, wasm) into DEST,
# and make DEST/index.js the package's ESM entry, so pages import '<DEST>/index.js' whatever
# the package names its entry. Used by build_demo.sh and build_extension.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$1"
PKG="$ROOT/pkg"
die() { echo "vendor_pkg: error: $*" >&2; exit 1; }
[[ -f "$PKG/package.json" ]] || die "pkg/package.json is missing: build the package (scripts/build_wasm.sh)"
find "$PKG" -name '*.wasm' -not -path '*/node_modules/*' | grep -q . || die "no .wasm under pkg/: run scripts/build_wasm.sh"
rm -rf "$DEST" && mkdir -p "$DEST"
# Everything but dependencies, tests and tarballs.
(cd "$PKG" && find . -type f \
    -not -path './node_modules/*' -not -path './test*' -not -path './tests/*' -not -name '*.tgz' \
    -not -name '*.map' -print0) | (cd "$PKG" && xargs -0 cp --parents -t "$DEST")
entry="$(node -e '
const p = require(process.argv[1]);
const e = p.exports;
const pick = (x) => typeof x === "string" ? x : x && (x.browser && pick(x.browser) || x.import && pick(x.import) || x.default && pick(x.default));
console.log(pick(e && (e["."] ?? e)) || p.module || p.browser || p.main || "index.js");
' "$PKG/package.json")"
entry="${entry#./}"
[[ -f "$DEST/$entry" ]] || die "the package entry $entry is not in pkg/"
if [[ "$entry" != index.js ]]; then
    printf "export * from './%s';\n" "$entry" > "$DEST/index.js"
fi
echo "vendor_pkg: pkg/ -> $DEST (entry $entry, $(du -sh "$DEST" | cut -f1))" >&2
