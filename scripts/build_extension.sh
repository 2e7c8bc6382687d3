#!/usr/bin/env bash
# Build the bookmarks extension (MV3) from www/extension/ and the npm package:
#   www/build/extension/            load it unpacked (chrome://extensions, Developer mode)
#   www/build/nook-bookmarks.zip    the same folder zipped (for the Chrome Web Store)
# The model and tokenizer ship inside: the extension makes no network request at all.
#
# Env: NOOK_SKIP_WASM=1 reuses the package already built in pkg/; NOOK_EXT_OUT=DIR moves
# the output; NOOK_MODEL_DIR as for fetch_model.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${NOOK_EXT_OUT:-$ROOT/www/build}"
EXT="$OUT/extension"
MODELS="${NOOK_MODEL_DIR:-$ROOT/models}"
say() { echo "build_extension: $*" >&2; }
die() { say "error: $*"; exit 1; }

"$ROOT/scripts/fetch_model.sh"
if [[ "${NOOK_SKIP_WASM:-0}" != 1 ]]; then
    [[ -x "$ROOT/scripts/build_wasm.sh" ]] || die "scripts/build_wasm.sh is missing (the npm package, issue 4)"
    "$ROOT/scripts/build_wasm.sh"
fi

rm -rf "$EXT" && mkdir -p "$EXT/js" "$EXT/models"
SRC="$ROOT/www/extension"
cp "$SRC"/manifest.json "$SRC"/*.js "$SRC"/*.html "$SRC"/*.css "$EXT/"
# Shared with the demo page: the package adapter and the highlighter.
cp "$ROOT/www/js/nook-adapter.js" "$ROOT/www/js/highlight.js" "$ROOT/www/js/settle.js" "$EXT/js/"
"$ROOT/scripts/vendor_pkg.sh" "$EXT/vendor/nook"
# The package's TypeScript declarations and README are not needed at run time.
find "$EXT/vendor" \( -name '*.d.ts' -o -name '*.md' -o -name 'package.json' \) -delete
# Chrome 114+ always has relaxed SIMD and the manifest asks for 116+, so the worker always
# loads nook_bg.relaxed.wasm here: the simd128 build would be 16 MB never read.
if [[ -f "$EXT/vendor/nook/dist/nook_bg.relaxed.wasm" ]]; then
    grep -q '"minimum_chrome_version": "11[4-9]"\|"minimum_chrome_version": "1[2-9][0-9]"' "$EXT/manifest.json" \
        || die "dropping the simd128 build needs minimum_chrome_version >= 114 in the manifest"
    rm "$EXT/vendor/nook/dist/nook_bg.wasm"
fi
for f in minilm-l6-int8.onnx tokenizer.json; do
    [[ -f "$MODELS/$f" ]] || die "$MODELS/$f is missing after fetch_model.sh"
    cp "$MODELS/$f" "$EXT/models/$f"
done
python3 "$ROOT/scripts/make_icons.py" "$EXT/icons"

# offscreen.html preloads offscreen.js's whole module graph (each module left out is one more
# wait at every browser start), and only files the extension holds.
bad=$(python3 "$ROOT/scripts/check_preload.py" "$EXT" offscreen.html offscreen.js)
[[ -z "$bad" ]] || die "offscreen.html's modulepreload list is not offscreen.js's module graph: $bad"
# No file of the extension may reference another origin's script or style.
if grep -rEl "(src|href)=\"https?://" "$EXT" --include='*.html' | grep -q .; then
    die "an extension page references a remote resource"
fi

ZIP="$OUT/nook-bookmarks.zip"
rm -f "$ZIP"
(cd "$EXT" && zip -q -r -X "$ZIP" .)
say "built $EXT ($(du -sh "$EXT" | cut -f1)) and $ZIP ($(du -h "$ZIP" | cut -f1))"
