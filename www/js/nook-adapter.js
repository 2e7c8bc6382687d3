// The only module of the demo page (and the extension) that calls the nook package.
// Everything else talks to `NookStore` below, so a rename in pkg/ is a change here only.
//
// The package is copied next to the page by scripts/build_demo.sh (www/vendor/nook/) and
// into the extension by scripts/build_extension.sh (vendor/nook/): it is served from the
// page's own origin, like the model and the tokenizer.

import { Nook } from '../vendor/nook/index.js';

/** Milliseconds since an arbitrary origin (monotonic). */
const now = () => performance.now();

export class NookStore {
  /**
   * @param {string} name IndexedDB database name
   * @param {{modelUrl: string, tokenizerUrl: string, wasmUrl?: string}} assets
   */
  static async open(name, assets) {
    const t0 = now();
    const db = await Nook.open(name, assets);
    return new NookStore(db, name, now() - t0);
  }

  static deleteDatabase(name) {
    return Nook.deleteDatabase(name);
  }

  constructor(db, name, openMs) {
    this.db = db;
    this.name = name;
    this.openMs = openMs;
    this.lastQuery = null;
  }

  /** Add or replace documents `{id, text, title?, url?, meta?}`. onProgress({done, total}). */
  async add(docs, { onProgress, signal } = {}) {
    return this.db.add(docs, {
      signal,
      onProgress: onProgress && ((p) => onProgress(normaliseProgress(p, docs.length))),
    });
  }

  /**
   * Search; returns {hits: [{id, score, title, url, meta, snippet}], timing}.
   * timing: {totalMs, embedMs, traversalMs, recomputeMs, searchMs, recomputed, cacheHits,
   * exact, visited, mode, preview}: embedMs + traversalMs + recomputeMs = searchMs (time in
   * the worker's wasm search); totalMs is the round trip seen by this page.
   * preview: true gives nook's preview alone (its best 4 recomputed at most); onPreview({hits, timing})
   * gets the preview first, then this resolves to the exact result.
   */
  async search(query, { k = 10, hybrid = true, filter, signal, preview = false, onPreview } = {}) {
    const t0 = now();
    const shape = (res) => {
      const hits = Array.isArray(res) ? res : (res.hits ?? res.results ?? []);
      const raw = Array.isArray(res) ? res.stats : (res.stats ?? res.timing);
      return { hits, timing: { totalMs: now() - t0, ...normaliseTiming(raw) } };
    };
    const first = onPreview ? (h) => onPreview(shape(h)) : undefined;
    const out = shape(await this.db.search(query, { k, hybrid, filter, signal, preview, onPreview: first }));
    this.lastQuery = { query, timing: out.timing, count: out.hits.length };
    return out;
  }

  delete(ids) {
    return this.db.delete(ids);
  }

  /** nook's rememberSearches, turned on or off while open (off deletes what it kept). */
  rememberSearches(on) {
    return this.db.rememberSearches(on);
  }

  /**
   * {documents, bytes: {part: n}, storedBytes, hnswBytes} — hnswBytes is what a full HNSW
   * with f32 vectors would take for the same documents.
   */
  async stats() {
    const s = await this.db.stats();
    return normaliseStats(s);
  }

  export() {
    return this.db.export();
  }

  close() {
    return this.db.close();
  }
}

/**
 * The demo's index: the package's Nook.layers — a site's prebuilt index (Nook.openSite,
 * read-only: the default corpus, built natively by `nook site build`) under the visitor's
 * own documents (a database of their own, created by the first add) — in this page's
 * shapes (NookStore's).
 */
export class NookLayers {
  /** @param {string} siteUrl folder of nook-site.json @param {string} ownName the visitor's database */
  static async open(siteUrl, ownName, assets) {
    const t0 = now();
    const layers = await Nook.layers(siteUrl, ownName, assets);
    return new NookLayers(layers, now() - t0);
  }

  constructor(layers, openMs) {
    Object.assign(this, { layers, openMs, lastQuery: null });
  }

  /** {manifestUrl, offline, downloaded, documents} of the prebuilt index. */
  get siteInfo() {
    return this.layers.site.site;
  }

  /** The package's own record of the prebuilt index's last query (db.lastQuery()). */
  packageLastQuery() {
    return this.layers.site.lastQuery?.() ?? null;
  }

  async add(docs, { onProgress, signal } = {}) {
    return this.layers.add(docs, { signal, onProgress: onProgress && ((p) => onProgress(normaliseProgress(p, docs.length))) });
  }

  async delete(ids) {
    return this.layers.delete(ids);
  }

  /** As NookStore.search, over both layers (merged by score); the timing is the prebuilt index's search. */
  async search(query, { k = 10, hybrid = true, filter, signal, preview = false, onPreview } = {}) {
    const t0 = now();
    const shape = (hits) => ({ hits, timing: { totalMs: now() - t0, ...normaliseTiming(hits.stats.site) } });
    const first = onPreview ? (h) => onPreview(shape(h)) : undefined;
    const out = shape(await this.layers.search(query, { k, hybrid, filter, signal, preview, onPreview: first }));
    this.lastQuery = { query, timing: out.timing, count: out.hits.length };
    return out;
  }

  /** Both layers' stats, summed. */
  async stats() {
    const s = await this.layers.stats();
    const parts = [s.site, s.own].filter(Boolean).map(normaliseStats);
    const sum = (f) => parts.reduce((a, p) => a + (Number(f(p)) || 0), 0);
    const bytes = {};
    for (const p of parts) for (const [k, v] of Object.entries(p.bytes)) bytes[k] = (bytes[k] ?? 0) + (Number(v) || 0);
    return { ...parts[0], documents: sum((p) => p.documents), bytes, storedBytes: sum((p) => p.storedBytes), hnswBytes: sum((p) => p.hnswBytes), indexBytes: sum((p) => p.indexBytes) };
  }

  /** The visitor's documents as export bytes (the prebuilt index is the site's). */
  async export() {
    return this.layers.export();
  }

  close() {
    return this.layers.close();
  }
}

function normaliseProgress(p, total) {
  if (typeof p === 'number') return { done: p, total };
  return { done: p.done ?? p.added ?? p.completed ?? 0, total: p.total ?? total, phase: p.phase };
}

function pick(o, ...names) {
  for (const n of names) if (o && o[n] != null) return o[n];
  return undefined;
}

function normaliseTiming(t) {
  if (!t) return {};
  return {
    embedMs: pick(t, 'embedMs', 'embed_ms', 'embedding', 'embed'),
    traversalMs: pick(t, 'traversalMs', 'traversal_ms', 'traversal', 'graphMs'),
    recomputeMs: pick(t, 'recomputeMs', 'recompute_ms', 'recompute', 'rerankMs'),
    keywordMs: pick(t, 'keywordMs', 'bm25Ms', 'keyword'),
    searchMs: pick(t, 'searchMs', 'wasmMs', 'coreMs'),
    recomputed: pick(t, 'recomputed', 'exactComputed'),
    exact: pick(t, 'exact'),
    cacheHits: pick(t, 'cacheHits'),
    approximated: pick(t, 'approximated'),
    preview: t.preview === true,
    mode: pick(t, 'mode'),
    visited: pick(t, 'visited', 'hops', 'nodesVisited'),
    // A search whose recomputations were shared with search helpers: {workers, rounds, helped}.
    shared: t.shared ?? null,
  };
}

function normaliseStats(s) {
  const bytes = { ...(s.bytes ?? s.bytesByPart ?? {}) };
  const storedBytes = pick(s, 'storedBytes', 'totalBytes')
    ?? Object.values(bytes).reduce((a, b) => a + (Number(b) || 0), 0);
  return {
    documents: pick(s, 'documents', 'count', 'docs') ?? 0,
    bytes,
    storedBytes,
    hnswBytes: pick(s, 'hnswBytes', 'fullHnswBytes', 'hnswF32Bytes'),
    indexBytes: pick(s, 'indexBytes'),
    mode: pick(s, 'mode'),
    build: s.build,
    dims: pick(s, 'dims', 'dimensions') ?? 384,
    raw: s,
  };
}
