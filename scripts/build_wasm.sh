#!/usr/bin/env bash
# Build the npm package in pkg/: release wasm (simd128, LTO), wasm-bindgen bindings,
# wasm-opt (npm binaryen, not Debian's: wasm-opt 108 breaks wasm-bindgen 0.2.13x output),
# then print the sizes (raw / gzip / brotli) and record them in pkg/dist/sizes.json.
#
# Two builds of the same code: nook_bg.wasm (simd128, every browser with wasm SIMD) and
# nook_bg.relaxed.wasm (`--cfg nook_relaxed_simd` for nook alone: the embedder's GEMM
# kernel is compiled for relaxed SIMD's fused multiply-add, 10-15% faster embedding,
# Chrome 114+). Both use the rustflags of .cargo/config.toml, so the second build
# recompiles only nook.
# The worker feature-detects relaxed SIMD and loads the matching file; both share one
# wasm-bindgen glue (checked identical here).
#
# Output: pkg/dist/nook.js, nook_bg.wasm, nook_bg.relaxed.wasm, nook.d.ts (git-ignored);
# pkg/src/ holds the client and worker that load them.
#
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target), NOOK_LTO (fat|thin|off, default fat;
#      off builds with the plain release profile, so it reuses the dependencies the wasm
#      tests built: scripts/test.sh uses it),
#      NOOK_WASM_OPT=0 skips wasm-opt (faster local iteration), NOOK_WASM_OPT_LEVEL
#      (default Oz: the download is the cold start; O3 was 2.6x larger and took 25 min here;
#      Oz, O2 and no wasm-opt searched alike on 2026-12-06: `scripts/bench_browser.sh fast`,
#      three alternations, WordNet cold p50 139.7-142.2 / 138.1-140.9 / 143.5-155.2 ms, the
#      kernels being SIMD that LLVM already optimised),
#      NOOK_RELAXED_SIMD=0 skips the relaxed-SIMD build (the worker then uses nook_bg.wasm).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { echo "build_wasm: $*" >&2; }
die() { say "error: $*"; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
OUT="$ROOT/pkg/dist"
TOOLS="$CARGO_TARGET_DIR/nook-tools"

command -v node >/dev/null || die "node and npm are needed (apt-get install nodejs npm)"
"$ROOT/scripts/install_wasm_tools.sh"

# wasm-opt from npm binaryen.
BINARYEN_VERSION=132.0.0
WASM_OPT="$TOOLS/node_modules/.bin/wasm-opt"
if [[ "${NOOK_WASM_OPT:-1}" != 0 && ! -x "$WASM_OPT" ]]; then
    say "installing binaryen@$BINARYEN_VERSION from npm into $TOOLS"
    mkdir -p "$TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" "binaryen@$BINARYEN_VERSION" >&2
fi

[[ -z "${RUSTFLAGS:-}" ]] || die "RUSTFLAGS is set: it would replace .cargo/config.toml's wasm flags and rebuild every dependency; unset it"
lto="${NOOK_LTO:-fat}"

# compile [CFG]: cargo (release, cdylib, features web+embed) -> $CARGO_TARGET_DIR/.../nook.wasm.
# CFG goes to nook alone (`cargo rustc -- --cfg`): unlike a feature it leaves nook's symbol
# hashes alone, so both builds export the same names and share one glue.
compile() {
    local cfg=(); [[ -z "${1:-}" ]] || cfg=(-- --cfg "$1")
    if [[ "$lto" == off ]]; then
        say "cargo rustc (release profile${1:+, --cfg $1})"
        cargo rustc --release --lib --crate-type cdylib --target wasm32-unknown-unknown --features web,embed "${cfg[@]}"
    else
        say "cargo rustc (release, lto=$lto, one codegen unit${1:+, --cfg $1})"
        CARGO_PROFILE_RELEASE_LTO="$lto" CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
            cargo rustc --release --lib --crate-type cdylib --target wasm32-unknown-unknown --features web,embed "${cfg[@]}"
    fi
    [[ -f "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook.wasm" ]] || die "cargo did not produce $CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook.wasm"
}

# finish NAME [--enable-relaxed-simd]: wasm-bindgen -> wasm-opt, into $STAGE/NAME.
STAGE="$CARGO_TARGET_DIR/nook-pkg-stage"
finish() {
    local name="$1"; shift 1
    rm -rf "$STAGE/$name" && mkdir -p "$STAGE/$name"
    wasm-bindgen --target web --out-dir "$STAGE/$name" --out-name nook "$STAGE/$name.raw.wasm"
    if [[ "${NOOK_WASM_OPT:-1}" != 0 ]]; then
        "$WASM_OPT" "-${NOOK_WASM_OPT_LEVEL:-Oz}" --enable-simd "$@" --enable-bulk-memory \
            --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
            --enable-reference-types --enable-multivalue \
            "$STAGE/$name/nook_bg.wasm" -o "$STAGE/$name/nook_bg.opt.wasm"
        mv "$STAGE/$name/nook_bg.opt.wasm" "$STAGE/$name/nook_bg.wasm"
    fi
}

mkdir -p "$STAGE"
compile
cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook.wasm" "$STAGE/simd128.raw.wasm"
if [[ "${NOOK_RELAXED_SIMD:-1}" != 0 ]]; then
    # The simd128 build's wasm-bindgen + wasm-opt (one thread) run while cargo builds the
    # relaxed one (only nook recompiles; the link is one thread too).
    finish simd128 & simd_pid=$!
    compile nook_relaxed_simd
    cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/nook.wasm" "$STAGE/relaxed.raw.wasm"
    finish relaxed --enable-relaxed-simd
    wait "$simd_pid" || die "wasm-bindgen / wasm-opt of the simd128 build failed"
    # One glue for both: the worker imports nook.js once and hands it either wasm file.
    # (Comments name wasm-bindgen's internal shim indices, which may differ.)
    cmp -s <(grep -v '^ *//' "$STAGE/simd128/nook.js") <(grep -v '^ *//' "$STAGE/relaxed/nook.js") \
        || die "the relaxed-SIMD build's wasm-bindgen glue differs from the simd128 one's (diff $STAGE/{simd128,relaxed}/nook.js)"
else
    finish simd128
fi
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$STAGE/simd128/"* "$OUT/"
[[ "${NOOK_RELAXED_SIMD:-1}" == 0 ]] || cp "$STAGE/relaxed/nook_bg.wasm" "$OUT/nook_bg.relaxed.wasm"

node --input-type=module - "$OUT" "$ROOT/scripts/wasm_sizes.mjs" <<'JS'
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
const dir = process.argv[2];
const { breakdown } = await import(process.argv[3]);
const sizes = {};
for (const f of ['nook_bg.wasm', 'nook_bg.relaxed.wasm', 'nook.js']) {
  if (!fs.existsSync(path.join(dir, f))) continue;
  const b = fs.readFileSync(path.join(dir, f));
  sizes[f] = {
    raw: b.length,
    gzip: zlib.gzipSync(b, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
// What the simd128 build's code is, by crate (the relaxed one is the same but one kernel).
const { sections, crates } = breakdown(fs.readFileSync(path.join(dir, 'nook_bg.wasm')));
sizes['nook_bg.wasm'].sections = sections;
// (wasm-opt drops the name section: the published build cannot be split by crate.)
const named = crates[0] && crates[0][0] !== '(no name section)';
if (named) sizes['nook_bg.wasm'].code_by_crate = Object.fromEntries(crates.slice(0, 15));
fs.writeFileSync(path.join(dir, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
const mb = (n) => (n / 1048576).toFixed(2) + ' MB';
for (const [f, s] of Object.entries(sizes))
  console.error(`build_wasm: ${f.padEnd(21)} raw ${mb(s.raw)}  gzip ${mb(s.gzip)}  brotli ${mb(s.brotli)}`);
if (named) console.error(`build_wasm: nook_bg.wasm code by crate: ${crates.slice(0, 8).map(([c, n]) => `${c} ${(n / 1024).toFixed(0)} KB`).join(', ')}`);
JS
say "pkg/ is ready (npm pack in pkg/ makes the tarball)"
