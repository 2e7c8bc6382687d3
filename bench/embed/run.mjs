// Drive the browser embedder benchmark: serve www/, the wasm package, transformers.js,
// onnxruntime-web and the model on 127.0.0.1, open headless Debian Chromium with
// playwright-core, refuse every request that is not to that server (fully offline), and
// write bench/results/embed-browser.{json,md}.
//
// usage: node run.mjs PKG_DIR MODEL_DIR   (bench/embed/run.sh passes both)
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const [pkgDir, modelDir] = process.argv.slice(2);
if (!pkgDir || !modelDir) throw new Error('usage: node run.mjs PKG_DIR MODEL_DIR [--browser]');
// --browser: the same benchmark (run.sh skipped the native side).
const nm = join(here, 'node_modules');

// tokenizer.json as nook uses it: the file's fixed 128 padding/truncation removed.
const tok = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8'));
tok.padding = null;
tok.truncation = null;
const virtual = {
  '/tjs-models/minilm/config.json': JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: 384,
    num_attention_heads: 12, num_hidden_layers: 6, intermediate_size: 1536, vocab_size: 30522, max_position_embeddings: 512 }),
  '/tjs-models/minilm/tokenizer_config.json': JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true,
    model_max_length: 256, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }),
  '/tjs-models/minilm/tokenizer.json': JSON.stringify(tok),
};
const mounts = [
  ['/pkg/', pkgDir],
  ['/pkg-relaxed/', pkgDir + '-relaxed'], // the +relaxed-simd build, when run.sh made one
  ['/tjs/', join(nm, '@huggingface/transformers/dist')],
  ['/ort/', join(nm, 'onnxruntime-web/dist')],
  ['/tjs-models/minilm/onnx/model.onnx', join(modelDir, 'minilm-l6-int8.onnx')],
  ['/models/', modelDir],
  ['/texts.json', join(here, 'texts.json')],
  ['/', join(here, 'www')],
];
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const served = [];
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  served.push(path);
  if (virtual[path]) { res.writeHead(200, { 'content-type': 'application/json' }); return res.end(virtual[path]); }
  for (const [prefix, dir] of mounts) {
    if (path === prefix || (prefix.endsWith('/') && path.startsWith(prefix))) {
      const file = prefix.endsWith('/') ? join(dir, normalize(path.slice(prefix.length) || 'index.html')) : dir;
      if (existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' });
        return res.end(readFileSync(file));
      }
    }
  }
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu',
  '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage();
const foreign = [];
await page.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(origin + '/')) return route.continue();
  foreign.push(url);
  return route.abort();
});
page.on('console', (m) => console.log('page:', m.text()));
await page.goto(origin + '/');
await page.waitForFunction(() => window.__result || window.__error, null, { timeout: 30 * 60 * 1000, polling: 1000 });
const error = await page.evaluate(() => window.__error);
const result = await page.evaluate(() => window.__result);
const version = browser.version();
await browser.close();
server.close();
if (error) throw new Error('benchmark page failed: ' + error);
if (foreign.length) throw new Error('requests outside 127.0.0.1 were made: ' + foreign.join(', '));

const wasm = readFileSync(join(pkgDir, 'nook_embed_bench_bg.wasm'));
const ortWasm = served.filter((p) => p.endsWith('.wasm') && p.startsWith('/ort/'));
const sizes = { nook_wasm_raw: wasm.length, nook_wasm_gzip: gzipSync(wasm, { level: 9 }).length };
for (const p of ortWasm) {
  const b = readFileSync(join(nm, 'onnxruntime-web/dist', p.slice(5)));
  sizes[`ort_${p.slice(5)}_raw`] = b.length;
  sizes[`ort_${p.slice(5)}_gzip`] = gzipSync(b, { level: 9 }).length;
}
const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const out = { chromium: version, transformers_js: result.tjs.version, loadavg, sizes, foreign_requests: foreign.length, ...result };
delete out.nook.vectors; delete out.tjs.vectors;
if (out.nook_relaxed) delete out.nook_relaxed.vectors;
const relaxedWasm = result.nook_relaxed ? readFileSync(join(pkgDir + '-relaxed', 'nook_embed_bench_bg.wasm')) : null;
if (relaxedWasm) Object.assign(sizes, { nook_relaxed_wasm_raw: relaxedWasm.length, nook_relaxed_wasm_gzip: gzipSync(relaxedWasm, { level: 9 }).length });
writeFileSync(join(root, 'bench/results/embed-browser.json'), JSON.stringify(out, null, 1) + '\n');

const mb = (x) => (x / 2 ** 20).toFixed(2);
const rel = result.nook_relaxed;
let md = `# Embedder in headless Chromium (wasm, 1 thread)\n\nChromium ${version}, same page, same texts (bench/embed/texts.json, exactly N tokens each), `
  + `same ONNX file (models/minilm-l6-int8.onnx). nook: its own forward pass (src/embed/encoder.rs: unpadded, GEMM in src/embed/dense.rs, int8 weights times i16 activations quantized per row, exact integer dot products), wasm32 + simd128${rel ? ' (and a second build with +relaxed-simd)' : ''}. transformers.js ${result.tjs.version}: `
  + `onnxruntime-web wasm, numThreads 1, served locally (0 requests outside 127.0.0.1). Load average at the end: ${loadavg} (shared 2-core machine).\n\n`
  + `The engines' rounds (16 texts each) are interleaved, so load from other processes hits them alike; sentences/s are medians `
  + `over rounds, and each ratio is the median of per-round ratios against the transformers.js round next to it.\n\n`
  + (rel ? `| tokens | batch | rounds | nook simd128 | nook relaxed-simd | transformers.js | simd128/tjs | relaxed/tjs |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n`
         : `| tokens | batch | rounds | nook sentences/s | transformers.js sentences/s | ratio nook/tjs |\n|---:|---:|---:|---:|---:|---:|\n`);
for (const r of result.nook.rows) {
  const t = result.tjs.rows.find((x) => x.tokens === r.tokens && x.batch === r.batch);
  const x = rel && rel.rows.find((x) => x.tokens === r.tokens && x.batch === r.batch);
  md += x ? `| ${r.tokens} | ${r.batch} | ${r.rounds} | ${r.sentences_per_s.toFixed(1)} | ${x.sentences_per_s.toFixed(1)} | ${t.sentences_per_s.toFixed(1)} | ${r.ratio_vs_tjs.toFixed(2)}x | ${x.ratio_vs_tjs.toFixed(2)}x |\n`
          : `| ${r.tokens} | ${r.batch} | ${r.rounds} | ${r.sentences_per_s.toFixed(1)} | ${t.sentences_per_s.toFixed(1)} | ${r.ratio_vs_tjs.toFixed(2)}x |\n`;
}
md += `\nBytes to first embedding: nook ${result.nook.cold_start_ms.toFixed(0)} ms${rel ? ` (relaxed build ${rel.cold_start_ms.toFixed(0)} ms)` : ''} (wasm instantiate + model load + first run, bytes in memory); `
  + `transformers.js ${result.tjs.cold_start_ms.toFixed(0)} ms (library import + session + first run, model fetched over loopback).\n\n`
  + `nook wasm linear memory after the run: ${result.nook.wasm_memory_mb.toFixed(0)} MB${rel ? ` (relaxed build ${rel.wasm_memory_mb.toFixed(0)} MB)` : ''}. Tokenization (32-token texts): ${result.nook.tokenize_us_32.toFixed(1)} us/text.\n\n`
  + `Sizes: nook_embed_bench_bg.wasm ${mb(sizes.nook_wasm_raw)} MB raw / ${mb(sizes.nook_wasm_gzip)} MB gzip (LTO, no wasm-opt)`
  + (relaxedWasm ? `; relaxed-SIMD build ${mb(sizes.nook_relaxed_wasm_raw)} MB raw / ${mb(sizes.nook_relaxed_wasm_gzip)} MB gzip` : '');
for (const p of ortWasm) md += `; onnxruntime-web ${p.slice(5)} ${mb(sizes[`ort_${p.slice(5)}_raw`])} MB raw / ${mb(sizes[`ort_${p.slice(5)}_gzip`])} MB gzip`;
md += `.\n\nAgreement: cosine(nook, transformers.js) on "hello world" = ${result.agreement_cosine.toFixed(6)}.\n`;
if (rel) md += `\nThe npm package ships both builds (pkg/dist/nook_bg.wasm and nook_bg.relaxed.wasm); its worker loads the relaxed one where \`WebAssembly.validate\` accepts a relaxed-SIMD instruction (Chromium 114+, so the relaxed column is what Chrome users get) and the simd128 one elsewhere.\n`;
writeFileSync(join(root, 'bench/results/embed-browser.md'), md);
console.log(md);
