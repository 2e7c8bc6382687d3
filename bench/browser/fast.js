// Page side of the fast-search benchmark (bench/browser/fast.mjs drives it, one call per
// browser session): index once and compute the ground truth, then after each browser
// restart open the collection and run a query set cold (first pass after the restart) and
// warm (the same queries again). hnswlib-wasm over nook's own embeddings in the same page.
import { Nook } from './pkg/src/index.js';
import { embedText, topK } from './util.js';

const now = () => performance.now();
const ASSETS = { modelUrl: './models/minilm-l6-int8.onnx', tokenizerUrl: './models/tokenizer.json' };

/** Every document's embedding by `db`'s embedder (rows in `docs` order), 256 a call. */
async function embedDocs(db, docs, dims) {
  const vecs = new Float32Array(docs.length * dims);
  for (let i = 0; i < docs.length; i += 256) vecs.set(await db.embed(docs.slice(i, i + 256).map(embedText)), i * dims);
  return vecs;
}

/** Index `docs` into a fresh database `name`; ground truth (top 10 ids by brute force over
 * nook's own embeddings) for every query of every set; with `peer`, hnswlib-wasm over the
 * same embeddings in this page (`hnswlib`: the corpora benchmark's peer; the fast benchmark
 * measures it in a session of its own, `hnswlibPass`). `options`: the collection's
 * settings at creation (e.g. pqSubspaces), kept by its records. */
async function fastIndex(name, docs, sets, log, options = {}, { peer = false } = {}) {
  await Nook.deleteDatabase(name);
  const db = await Nook.open(name, { ...ASSETS, ...options });
  let t = now();
  await db.add(docs, { chunk: 64, onProgress: (p) => { if (p.done % 2000 < 64) log(`indexed ${p.done}/${p.total}`); } });
  const indexMs = now() - t;
  const stats = await db.stats();
  const dims = stats.dims;
  const vecs = await embedDocs(db, docs, dims);
  log('ground truth: documents embedded');
  const truth = {};
  for (const set of sets) {
    const qv = await db.embed(set.queries);
    truth[set.name] = set.queries.map((_, i) => topK(vecs, dims, qv.subarray(i * dims, (i + 1) * dims), 10).map((j) => docs[j].id));
  }
  const hnswlib = peer ? (await hnswlibOver(db, docs, vecs, dims, sets, truth)).sets : undefined;
  await db.close();
  return { indexMs, docsPerSec: docs.length / (indexMs / 1000), stats, truth, hnswlib };
}

/** hnswlib-wasm (M=16, ef 64) over the documents' embeddings `vecs`, asked every set: per
 * set its latencies as a user sees them (the query's embedding by nook's embedder `db`,
 * then the graph search) and its recall@10 against `truth`; and its build time. */
async function hnswlibOver(db, docs, vecs, dims, sets, truth) {
  const { loadHnswlib } = await import('./peers/hnswlib/hnswlib.js');
  const lib = await loadHnswlib();
  const index = new lib.HierarchicalNSW('cosine', dims, '');
  index.initIndex(docs.length, 16, 200, 100);
  const t = now();
  for (let i = 0; i < docs.length; i++) index.addPoint(vecs.subarray(i * dims, (i + 1) * dims), i, false);
  const buildMs = now() - t;
  index.setEfSearch(64);
  const out = {};
  for (const set of sets) {
    const lat = [], rec = [];
    for (let i = 0; i < set.queries.length; i++) {
      const t0 = now();
      const q = await db.embed([set.queries[i]]);
      const r = index.searchKnn(q, 10, undefined);
      lat.push(now() - t0);
      const gt = new Set(truth[set.name][i]);
      rec.push(r.neighbors.filter((n) => gt.has(docs[n].id)).length / 10);
    }
    out[set.name] = { lat, recall10: rec.reduce((a, b) => a + b, 0) / rec.length };
  }
  return { sets: out, buildMs };
}

/** After a browser restart: open `name`, run `queries` twice (cold, then warm), vector-only
 * unless `hybrid` (the package's default: meaning and keywords fused). `warm`: the
 * package's background warm-up of the cache (`{}`: its default; `{warmUp: 0}`: none, the
 * strictly cold cache), and `waitMs` idle after the open before the first query (a user
 * who opens the page and searches later). */
async function fastQueries(name, queries, truth, searchWorkers, log, hybrid = false, warm = { warmUp: 0 }, waitMs = 0) {
  const t0 = now();
  // No relevance floor: recall@10 counts all ten results, however weak the tenth.
  const db = await Nook.open(name, { ...ASSETS, minScore: 0, searchWorkers, ...warm });
  const openMs = now() - t0;
  let warmedAtStart = null, helpersWarmedAtStart = null;
  if (waitMs > 0) {
    await new Promise((r) => setTimeout(r, waitMs));
    const s = await db.stats();
    [warmedAtStart, helpersWarmedAtStart] = [s.cachedVectors, s.warmedByHelpers];
  }
  const passes = {};
  let firstResultMs = null;
  for (const pass of ['cold', 'warm']) {
    const lat = [], recomputed = [], recall = [], recall3 = [], top1 = [], parts = { embed: [], traversal: [], recompute: [], search: [] };
    let shared = 0, waitMs = 0, recomputeMs = 0;
    for (let i = 0; i < queries.length; i++) {
      const t = now();
      const hits = await db.search(queries[i], { k: 10, hybrid });
      lat.push(now() - t);
      if (firstResultMs == null) firstResultMs = now() - t0;
      recomputed.push(hits.stats.recomputed);
      for (const part of Object.keys(parts)) parts[part].push(hits.stats[`${part}Ms`]);
      if (hits.stats.shared) {
        shared++;
        waitMs += hits.stats.shared.waitMs;
        recomputeMs += hits.stats.recomputeMs;
      }
      const gt = new Set(truth[i]), gt3 = new Set(truth[i].slice(0, 3));
      recall.push(hits.filter((h) => gt.has(h.id)).length / 10);
      recall3.push(hits.slice(0, 3).filter((h) => gt3.has(h.id)).length / 3);
      top1.push(hits.length > 0 && hits[0].id === truth[i][0] ? 1 : 0);
    }
    const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
    passes[pass] = { lat, recomputed, parts, shared, sharedWait: recomputeMs ? waitMs / recomputeMs : 0, recall10: avg(recall), recall3: avg(recall3), top1: avg(top1) };
    log(`${pass}: done`);
  }
  const stats = await db.stats();
  await db.close();
  return { openMs, firstResultMs, passes, stats, warmedAtStart, helpersWarmedAtStart };
}

/**
 * hnswlib-wasm in this run, beside nook's sessions: built over the documents' embeddings
 * and asked every set, its latency including the query's embedding by nook's embedder.
 * The embeddings are the native ones the recall benchmark wrote (`vectorsUrl`: rows in
 * `docs` order) when a sample of them equals, bit for bit, what nook embeds in this page
 * (the embedder gives the same bits in every build), else they are embedded here.
 */
async function hnswlibPass(name, docs, sets, truth, vectorsUrl, log) {
  const db = await Nook.open(name, { ...ASSETS, warmUp: 0 });
  const dims = (await db.stats()).dims;
  let vecs = null;
  const res = await fetch(vectorsUrl).catch(() => null);
  if (res && res.ok) {
    const all = new Float32Array(await res.arrayBuffer());
    const sample = await db.embed(docs.slice(0, 64).map(embedText));
    if (all.length >= docs.length * dims && sample.every((x, i) => Object.is(x, all[i]))) vecs = all.subarray(0, docs.length * dims);
  }
  const native = vecs !== null;
  log(native ? 'hnswlib-wasm: the native embeddings equal the page\'s (64 documents checked)' : 'hnswlib-wasm: embedding the documents in the page');
  if (!vecs) vecs = await embedDocs(db, docs, dims);
  const peer = await hnswlibOver(db, docs, vecs, dims, sets, truth);
  await db.close();
  return { ...peer, nativeVectors: native };
}

/** Indexing speed: `docs` into a fresh database with `indexWorkers` threads embedding. */
async function indexSpeed(name, docs, indexWorkers, log) {
  await Nook.deleteDatabase(name);
  const db = await Nook.open(name, { ...ASSETS, indexWorkers });
  const t = now();
  const r = await db.add(docs, { chunk: 64 });
  const ms = now() - t;
  log(`${indexWorkers} thread(s): ${docs.length} documents in ${(ms / 1000).toFixed(1)} s, ${r.helped} embedded by helpers`);
  await db.close();
  await Nook.deleteDatabase(name);
  return { ms, docsPerSec: docs.length / (ms / 1000), helped: r.helped };
}

window.fast = { fastIndex, fastQueries, hnswlibPass, indexSpeed };
window.fastReady = true;
