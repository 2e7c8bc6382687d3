// Browser embedder benchmark page (driven by ../run.mjs in headless Chromium).
// Runs nook (wasm, simd128, 1 thread) and transformers.js (onnxruntime-web wasm, 1 thread)
// on the same texts (texts.json, exactly 16/32/128 tokens each) and the same ONNX file,
// one after the other in this page. Result: window.__result (or window.__error).
import init, { BenchEmbedder } from '/pkg/nook_embed_bench.js';

const LENGTHS = [16, 32, 128];
const BATCHES = [1, 16];
const MIN_MS = 2000;
const log = (s) => { document.getElementById('log').textContent += s + '\n'; console.log(s); };

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

// Sentences/s for every (length, batch): median of rounds over the 16 texts.
async function measure(name, texts, embed) {
  const rows = [];
  for (const n of LENGTHS) {
    const t = texts[n];
    for (const b of BATCHES) {
      await embed(t.slice(0, b)); // warm-up: plan / session shapes
      const rounds = [];
      const start = performance.now();
      while (rounds.length < 3 || performance.now() - start < MIN_MS) {
        const t0 = performance.now();
        for (let i = 0; i < t.length; i += b) await embed(t.slice(i, i + b));
        rounds.push(t.length / ((performance.now() - t0) / 1000));
      }
      rounds.sort((x, y) => x - y);
      const row = { engine: name, tokens: n, batch: b, sentences_per_s: rounds[rounds.length >> 1], best: rounds[rounds.length - 1] };
      log(`${name} ${n} tokens batch ${b}: ${row.sentences_per_s.toFixed(1)} sentences/s`);
      rows.push(row);
    }
  }
  return rows;
}

async function runNook(texts, model, tokenizer) {
  const wasmBytes = await bytes('/pkg/nook_embed_bench_bg.wasm');
  const t0 = performance.now();
  const wasm = await init({ module_or_path: wasmBytes });
  const e = new BenchEmbedder(model, tokenizer);
  const first = e.embed(['hello world']);
  const cold = performance.now() - t0;
  if (first.length !== 384) throw new Error('nook: bad embedding length');
  log(`nook: bytes to first embedding ${cold.toFixed(0)} ms`);
  const rows = await measure('nook', texts, async (t) => e.embed(t));
  // Tokenization alone, 32-token texts.
  const t1 = performance.now();
  let k = 0;
  while (performance.now() - t1 < 500) { e.tokenize_count(texts[32]); k += texts[32].length; }
  const tokenizeUs = (performance.now() - t1) * 1000 / k;
  return { cold_start_ms: cold, wasm_memory_mb: wasm.memory.buffer.byteLength / 2 ** 20, tokenize_us_32: tokenizeUs, rows, vectors: first };
}

async function runTransformers(texts) {
  const t0 = performance.now();
  const tjs = await import('/tjs/transformers.js');
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = '/tjs-models/';
  tjs.env.useBrowserCache = false;
  tjs.env.backends.onnx.wasm.numThreads = 1;
  tjs.env.backends.onnx.wasm.wasmPaths = '/ort/';
  const extractor = await tjs.pipeline('feature-extraction', 'minilm', { dtype: 'fp32', device: 'wasm' });
  const first = await extractor(['hello world'], { pooling: 'mean', normalize: true });
  const cold = performance.now() - t0;
  log(`transformers.js: bytes to first embedding ${cold.toFixed(0)} ms (includes fetching the model over loopback)`);
  const rows = await measure('transformers.js', texts, (t) => extractor(t, { pooling: 'mean', normalize: true }));
  return { cold_start_ms: cold, rows, vectors: Array.from(first.data), version: tjs.env.version };
}

(async () => {
  try {
    const texts = await (await fetch('/texts.json')).json();
    const model = await bytes('/models/minilm-l6-int8.onnx');
    const tokenizer = await bytes('/models/tokenizer.json');
    const nook = await runNook(texts, model, tokenizer);
    const tjs = await runTransformers(texts);
    let dot = 0;
    for (let i = 0; i < 384; i++) dot += nook.vectors[i] * tjs.vectors[i];
    log(`cosine nook vs transformers.js on "hello world": ${dot.toFixed(6)}`);
    window.__result = { nook, tjs, agreement_cosine: dot, userAgent: navigator.userAgent,
                        jsHeapMB: performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null };
  } catch (e) {
    window.__error = String(e && e.stack || e);
  }
})();
