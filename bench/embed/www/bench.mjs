// Browser embedder benchmark page (driven by ../run.mjs in headless Chromium).
// Runs nook (wasm, 1 thread; the simd128 build and, when served, the relaxed-SIMD build)
// and transformers.js (onnxruntime-web wasm, 1 thread) on the same texts (texts.json,
// exactly 16/32/128 tokens each) and the same ONNX file, in this page. Rounds of the
// engines are interleaved (nook, nook-relaxed, tjs, nook, ...) so that load from other
// processes on a shared machine hits them alike; the ratio reported is the median of
// the per-round ratios. Result: window.__result (or window.__error).

const LENGTHS = [16, 32, 128];
const BATCHES = [1, 16];
const MIN_MS = 3000;
const log = (s) => { document.getElementById('log').textContent += s + '\n'; console.log(s); };

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

const median = (xs) => { const v = [...xs].sort((x, y) => x - y); return v[v.length >> 1]; };

// Sentences/s for every (length, batch): rounds over the 16 texts, engines interleaved.
async function measure(engines, texts) {
  const rows = [];
  for (const n of LENGTHS) {
    const t = texts[n];
    for (const b of BATCHES) {
      const rounds = engines.map(() => []);
      const round = async (e) => {
        const t0 = performance.now();
        for (let i = 0; i < t.length; i += b) await e.embed(t.slice(i, i + b));
        return t.length / ((performance.now() - t0) / 1000);
      };
      for (const e of engines) { await round(e); await round(e); } // warm-up: plans, sessions, tier-up
      const start = performance.now();
      while (rounds[0].length < 7 || performance.now() - start < MIN_MS * engines.length) {
        for (let k = 0; k < engines.length; k++) rounds[k].push(await round(engines[k]));
      }
      const tjs = rounds[engines.length - 1];
      for (let k = 0; k < engines.length; k++) {
        const r = rounds[k];
        const row = { engine: engines[k].name, tokens: n, batch: b, rounds: r.length, sentences_per_s: median(r),
                      best: Math.max(...r), ratio_vs_tjs: median(r.map((x, i) => x / tjs[i])) };
        log(`${row.engine} ${n} tokens batch ${b}: ${row.sentences_per_s.toFixed(1)} sentences/s, x${row.ratio_vs_tjs.toFixed(2)} vs tjs`);
        rows.push(row);
      }
    }
  }
  return rows;
}

async function loadNook(name, modUrl, model, tokenizer) {
  const mod = await import(modUrl);
  const wasmBytes = await bytes(modUrl.replace(/\.js$/, '_bg.wasm'));
  const t0 = performance.now();
  const wasm = await mod.default({ module_or_path: wasmBytes });
  const e = new mod.BenchEmbedder(model, tokenizer);
  const first = e.embed(['hello world']);
  const cold = performance.now() - t0;
  if (first.length !== 384) throw new Error(`${name}: bad embedding length`);
  log(`${name}: bytes to first embedding ${cold.toFixed(0)} ms`);
  return { name, e, wasm, cold, first, embed: async (t) => e.embed(t) };
}

function nookResult(x, texts) {
  // Tokenization alone, 32-token texts.
  const t1 = performance.now();
  let k = 0;
  while (performance.now() - t1 < 500) { x.e.tokenize_count(texts[32]); k += texts[32].length; }
  return { cold_start_ms: x.cold, wasm_memory_mb: x.wasm.memory.buffer.byteLength / 2 ** 20,
           tokenize_us_32: (performance.now() - t1) * 1000 / k, vectors: x.first };
}

async function loadTransformers() {
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
  return { name: 'transformers.js', cold, version: tjs.env.version, first: Array.from(first.data),
           embed: (t) => extractor(t, { pooling: 'mean', normalize: true }) };
}

(async () => {
  try {
    const texts = await (await fetch('/texts.json')).json();
    const model = await bytes('/models/minilm-l6-int8.onnx');
    const tokenizer = await bytes('/models/tokenizer.json');
    const relaxed = (await fetch('/pkg-relaxed/nook_embed_bench.js', { method: 'HEAD' })).ok;
    const nook = await loadNook('nook', '/pkg/nook_embed_bench.js', model, tokenizer);
    const nookRelaxed = relaxed ? await loadNook('nook-relaxed', '/pkg-relaxed/nook_embed_bench.js', model, tokenizer) : null;
    const tjs = await loadTransformers();
    const engines = [nook, nookRelaxed, tjs].filter(Boolean);
    const rows = await measure(engines, texts);
    const cos = (a, b) => { let dot = 0; for (let i = 0; i < 384; i++) dot += a[i] * b[i]; return dot; };
    const dot = cos(nook.first, tjs.first);
    log(`cosine nook vs transformers.js on "hello world": ${dot.toFixed(6)}`);
    const result = { agreement_cosine: dot, userAgent: navigator.userAgent,
                     jsHeapMB: performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null,
                     nook: { ...nookResult(nook, texts), rows: rows.filter((r) => r.engine === 'nook') },
                     tjs: { cold_start_ms: tjs.cold, version: tjs.version, rows: rows.filter((r) => r.engine === 'transformers.js'), vectors: tjs.first } };
    if (nookRelaxed) {
      result.nook_relaxed = { ...nookResult(nookRelaxed, texts), rows: rows.filter((r) => r.engine === 'nook-relaxed') };
      result.agreement_cosine_relaxed = cos(nookRelaxed.first, tjs.first);
    }
    window.__result = result;
  } catch (e) {
    window.__error = String(e && e.stack || e);
  }
})();
