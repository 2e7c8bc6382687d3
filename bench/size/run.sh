#!/usr/bin/env bash
# The package's wasm size, published build (fat LTO + wasm-opt -Oz) and the test build (no
# LTO, no wasm-opt), with the code by crate: bench/results/wasm-size.{md,json}. The
# "before" row is the tract-onnx build as measured for issue 12 (2026-11, same build
# settings as the published one), quoted by the program, not re-measured.
# Env: CARGO_TARGET_DIR (default ~/.cache/nook-target).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nook-target}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
NOOK_LTO=off NOOK_WASM_OPT=0 scripts/build_wasm.sh
cp pkg/dist/sizes.json "$TMP/test.json"
NOOK_LTO=fat NOOK_WASM_OPT=1 scripts/build_wasm.sh
cp pkg/dist/sizes.json "$TMP/published.json"
node --input-type=module - "$TMP" <<'JS'
import fs from 'node:fs';
const dir = process.argv[2];
const builds = { published: JSON.parse(fs.readFileSync(`${dir}/published.json`)), test: JSON.parse(fs.readFileSync(`${dir}/test.json`)) };
// Measured on the tract-onnx package before nook ran the encoder itself (issue 12's report).
const before = { build: 'tract-onnx 0.23 + tokenizers, fat LTO + wasm-opt -Oz (issue 12, 2026-11)', raw: 17.0 * 2 ** 20, gzip: 4.82 * 2 ** 20, code: 15.9 * 2 ** 20 };
const mb = (n) => (n / 2 ** 20).toFixed(2);
const row = (name, s) => `| ${name} | ${mb(s.raw)} | ${mb(s.gzip)} | ${s.brotli ? mb(s.brotli) : '-'} | ${mb(s.sections ? s.sections.code : s.code)} |`;
const p = builds.published['nook_bg.wasm'], t = builds.test['nook_bg.wasm'];
let md = `# Package wasm size\n\nWritten by \`bench/size/run.sh\`: \`nook_bg.wasm\` (simd128 build, the embedder included) as \`scripts/build_wasm.sh\` builds it. MB = 2^20 bytes. Target (issue 12): <= 2.5 MB gzip.\n\n| build | raw MB | gzip MB | brotli MB | code section MB |\n|---|---:|---:|---:|---:|\n`;
md += row(`before: ${before.build}`, before) + '\n';
md += row('now: published (fat LTO, wasm-opt -Oz)', p) + '\n';
md += row('now: test / demo build (no LTO, no wasm-opt)', t) + '\n';
md += `\ngzip ${(before.gzip / p.gzip).toFixed(1)}x smaller than before.\n\n## Code by crate (test build: wasm-opt drops the name section the split needs)\n\n| crate | KB |\n|---|---:|\n`;
for (const [c, n] of Object.entries(t.code_by_crate)) md += `| ${c} | ${(n / 1024).toFixed(0)} |\n`;
md += '\nThe tokenizer stack (tokenizers, regex_automata, regex_syntax, aho_corasick, fancy_regex, daachorse, rayon_core) is most of what is left.\n';
fs.writeFileSync('bench/results/wasm-size.md', md);
fs.writeFileSync('bench/results/wasm-size.json', JSON.stringify({ before, published: builds.published, test: builds.test }, null, 2) + '\n');
console.error(md);
JS
