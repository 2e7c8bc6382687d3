// Runs in the benchmark page (served on 127.0.0.1 by run.mjs): nook, hnswlib-wasm over
// transformers.js embeddings, and transformers.js + brute force stored in IndexedDB
// (EntityDB / client-vector-search style). Every number comes from this page.
import { Nook } from './pkg/src/index.js';
import { embedText, topK } from './util.js';

const now = () => performance.now();
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function idbUsage() {
  const e = await navigator.storage.estimate();
  return e.usageDetails ? (e.usageDetails.indexedDB || 0) : null;
}

async function nookRun(docs, queries, log) {
  const assets = { modelUrl: './models/minilm-l6-int8.onnx', tokenizerUrl: './models/tokenizer.json' };
  await Nook.deleteDatabase('bench');
  const idb0 = await idbUsage();
  let db = await Nook.open('bench', assets);
  let t = now();
  await db.add(docs, { chunk: 64, onProgress: (p) => { if (p.done % 1000 < 64) log(`nook: ${p.done}/${p.total} indexed`); } });
  const indexMs = now() - t;
  await db.close();
  t = now();
  db = await Nook.open('bench', assets); // cold: empty embedding cache, loaded from IndexedDB
  const openMs = now() - t;
  const stats = await db.stats();
  const idb1 = await idbUsage();
  // Ground truth: brute force over the full embeddings of the same model (nook's own).
  t = now();
  const dims = stats.dims;
  const docVecs = new Float32Array(docs.length * dims);
  for (let i = 0; i < docs.length; i += 256) docVecs.set(await db.embed(docs.slice(i, i + 256).map(embedText)), i * dims);
  const qVecs = await db.embed(queries);
  const gtMs = now() - t;
  log(`nook: ground truth embedded in ${(gtMs / 1000).toFixed(1)} s`);
  const lat = [], recall = [], recomputed = [], split = { embedMs: [], traversalMs: [], recomputeMs: [] };
  for (let i = 0; i < queries.length; i++) {
    const gt = new Set(topK(docVecs, dims, qVecs.subarray(i * dims, (i + 1) * dims), 10).map((j) => docs[j].id));
    const t0 = now();
    const hits = await db.search(queries[i], { k: 10, hybrid: false });
    lat.push(now() - t0);
    recomputed.push(hits.stats.recomputed);
    for (const key of Object.keys(split)) if (typeof hits.stats[key] === 'number') split[key].push(hits.stats[key]);
    recall.push(hits.filter((h) => gt.has(h.id)).length / 10);
  }
  const hybridLat = [];
  for (const q of queries.slice(0, 100)) { const t0 = now(); await db.search(q, { k: 10 }); hybridLat.push(now() - t0); }
  await db.close();
  return {
    indexMs, openMs, docsPerSec: docs.length / (indexMs / 1000),
    p50: pct(lat, 0.5), p95: pct(lat, 0.95), hybridP50: pct(hybridLat, 0.5), hybridP95: pct(hybridLat, 0.95),
    recall10: recall.reduce((a, b) => a + b, 0) / recall.length,
    recomputedPerQuery: recomputed.reduce((a, b) => a + b, 0) / recomputed.length,
    split: Object.fromEntries(Object.entries(split).filter(([, v]) => v.length).map(([k, v]) => [k, { p50: pct(v, 0.5), mean: v.reduce((a, b) => a + b, 0) / v.length }])),
    stats, idbUsageDelta: idb1 != null ? idb1 - idb0 : null,
  };
}

async function transformersEmbedder(log) {
  const { pipeline, env } = await import('./peers/transformers/transformers.js');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = new URL('./hf/', location.href).href;
  env.useBrowserCache = false;
  env.backends.onnx.wasm.wasmPaths = new URL('./peers/transformers/', location.href).href;
  env.backends.onnx.wasm.numThreads = 1;
  const extractor = await pipeline('feature-extraction', 'Xenova/all-MiniLM-L6-v2', { dtype: 'q8', device: 'wasm' });
  log('transformers.js: model loaded');
  return async (texts) => (await extractor(texts, { pooling: 'mean', normalize: true })).data;
}

function idbPut(name, records) {
  return new Promise((ok, no) => {
    const r = indexedDB.open(name, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('vectors', { keyPath: 'id' });
    r.onsuccess = () => {
      const tx = r.result.transaction('vectors', 'readwrite');
      for (const rec of records) tx.objectStore('vectors').put(rec);
      tx.oncomplete = () => { r.result.close(); ok(); };
      tx.onerror = () => no(tx.error);
    };
    r.onerror = () => no(r.error);
  });
}

async function peersRun(docs, queries, log) {
  const embed = await transformersEmbedder(log);
  const dims = 384;
  let t = now();
  const vecs = new Float32Array(docs.length * dims);
  for (let i = 0; i < docs.length; i += 32) {
    vecs.set(await embed(docs.slice(i, i + 32).map(embedText)), i * dims);
    if (i % 1000 === 0) log(`transformers.js: ${i}/${docs.length} embedded`);
  }
  const embedMs = now() - t;
  const qVecs = [];
  for (const q of queries) qVecs.push(await embed([q]));

  // transformers.js + brute force, vectors stored in IndexedDB (EntityDB style).
  await new Promise((ok) => { const r = indexedDB.deleteDatabase('bf'); r.onsuccess = r.onerror = ok; });
  const u0 = await idbUsage();
  t = now();
  await idbPut('bf', docs.map((d, i) => ({ id: d.id, text: d.text, title: d.title, url: d.url, vector: vecs.slice(i * dims, (i + 1) * dims) })));
  const bfStoreMs = now() - t;
  const u1 = await idbUsage();
  const bfBytes = docs.reduce((a, d) => a + d.id.length + d.text.length + d.title.length + d.url.length, 0) + docs.length * dims * 4;
  const bfLat = [];
  const gts = [];
  for (const q of queries) {
    const t0 = now();
    const qv = await embed([q]);
    gts.push(new Set(topK(vecs, dims, qv, 10)));
    bfLat.push(now() - t0);
  }

  // hnswlib-wasm over the same embeddings, index file persisted to IndexedDB (IDBFS).
  const { loadHnswlib } = await import('./peers/hnswlib/hnswlib.js');
  const lib = await loadHnswlib('IDBFS'); // mounts IDBFS so writeIndex + syncFS reach IndexedDB
  t = now();
  const index = new lib.HierarchicalNSW('cosine', dims, '');
  index.initIndex(docs.length, 16, 200, 100);
  for (let i = 0; i < docs.length; i++) index.addPoint(vecs.subarray(i * dims, (i + 1) * dims), i, false);
  const hnswBuildMs = now() - t;
  index.setEfSearch(64);
  const h0 = await idbUsage();
  await index.writeIndex('bench.dat');
  await lib.EmscriptenFileSystemManager.syncFS(false, () => {});
  const h1 = await idbUsage();
  let hnswFileBytes = null;
  // The file's place in the Emscripten FS differs by version: find it.
  const find = (dir, depth) => {
    let names = [];
    try { names = lib.FS.readdir(dir); } catch (_) { return null; }
    for (const n of names) {
      if (n === '.' || n === '..' || ['proc', 'dev', 'sys'].includes(n)) continue;
      const p = `${dir === '/' ? '' : dir}/${n}`;
      try {
        const st = lib.FS.stat(p);
        if (n === 'bench.dat') return st.size;
        if (depth < 4 && lib.FS.isDir(st.mode)) { const r = find(p, depth + 1); if (r != null) return r; }
      } catch (_) { /* unreadable entry */ }
    }
    return null;
  };
  hnswFileBytes = find('/', 0);
  const hLat = [], hRecall = [];
  for (let i = 0; i < queries.length; i++) {
    const t0 = now();
    const qv = await embed([queries[i]]);
    const r = index.searchKnn(qv, 10, undefined);
    hLat.push(now() - t0);
    hRecall.push(r.neighbors.filter((n) => gts[i].has(n)).length / 10);
  }
  return {
    embedMs, docsPerSec: docs.length / (embedMs / 1000),
    bruteForce: { storeMs: bfStoreMs, bytes: bfBytes, idbUsageDelta: u1 != null ? u1 - u0 : null, p50: pct(bfLat, 0.5), p95: pct(bfLat, 0.95), recall10: 1 },
    hnswlib: { buildMs: hnswBuildMs, fileBytes: hnswFileBytes, idbUsageDelta: h1 != null ? h1 - h0 : null, p50: pct(hLat, 0.5), p95: pct(hLat, 0.95), recall10: hRecall.reduce((a, b) => a + b, 0) / hRecall.length },
  };
}

window.bench = { nookRun, peersRun };
window.benchReady = true;
