// nook: the promise-based client. All work happens in a dedicated Web Worker (worker.js)
// that runs the wasm module; this file only posts messages and rebuilds results/errors.
// The page never blocks on embedding or indexing.

import { openSite } from './site.js';
import { unsupported } from './features.js';
import { NookLayers } from './layers.js';


/** Error names nook rejects with (besides the standard AbortError). */
export const ERROR_NAMES = [
  'NookInputError', 'NookNotFoundError', 'NookCorruptError', 'NookVersionError', 'NookQuotaError',
  'NookStorageError', 'NookEmbedError', 'NookStateError', 'NookNetworkError', 'NookUnsupportedError',
];

/** True for an error nook rejected with (of kind `name`, if given). */
export function isNookError(e, name) {
  return e instanceof Error && ERROR_NAMES.includes(e.name) && (name === undefined || e.name === name);
}

function rebuild(e) {
  const err = new Error(e && e.message ? e.message : String(e));
  err.name = (e && e.name) || 'Error';
  if (e && e.committed != null) err.committed = e.committed;
  return err;
}

function abortError(signal) {
  const err = new Error(signal && signal.reason && signal.reason.message ? signal.reason.message : 'the operation was aborted');
  err.name = 'AbortError';
  return err;
}

function absolute(url) {
  if (url == null) return undefined;
  const base = typeof document !== 'undefined' ? document.baseURI : (globalThis.location && globalThis.location.href);
  return new URL(String(url), base).href;
}

export class Nook {
  /**
   * Open (or create) the database `name`. Resolves once the model is loaded and the
   * index is read from IndexedDB. Options: modelUrl or model (its bytes), tokenizerUrl or
   * tokenizer (its bytes) (one of each is required), wasmUrl and
   * wasmRelaxedUrl (the relaxed-SIMD build, used where the browser has relaxed SIMD; null
   * to always use wasmUrl; when only wasmUrl is given, only it is used), workerUrl, persist (default true: ask navigator.storage.persist()),
   * indexWorkers (threads that embed a large add: default min(hardwareConcurrency, 4); each
   * beyond the first is a helper worker with its own model, ~65 MB while indexing),
   * searchWorkers (threads that recompute a cold search's candidates: default
   * min(hardwareConcurrency, 2); helpers started by a cold search, stopped a minute after
   * the last one), and index knobs
   * pruneAt, graphAt, cacheSize, maxTextBytes, keywordWeight, minScore, rerank, ef, pqSubspaces, pqBits.
   */
  static async open(name, options = {}) {
    const db = Nook.connect(name, options);
    await db.ready;
    return db;
  }

  /** Like open() but returns at once; calls made before `ready` resolves wait for it. */
  static connect(name, options = {}) {
    if (typeof name !== 'string' || !name) throw Object.assign(new Error('Nook.open(name, options): name must be a non-empty string'), { name: 'NookInputError' });
    return new Nook(name, options, 'open');
  }

  /** Create database `name` from bytes made by export(); fails if it exists. */
  static async import(name, bytes, options = {}) {
    if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
    if (!(bytes instanceof Uint8Array)) throw Object.assign(new Error('Nook.import(name, bytes): bytes must be a Uint8Array or an ArrayBuffer'), { name: 'NookInputError' });
    const db = new Nook(name, options, 'import', bytes);
    await db.ready;
    return db;
  }

  /**
   * Open a static site's prebuilt index (`nook site build` output) at `url` (its folder or
   * its nook-site.json): downloaded once (length and SHA-256 checked), kept in IndexedDB,
   * refreshed when the site is rebuilt, opened offline from the stored copy. Read-only.
   * Same options as open().
   */
  static openSite(url, options = {}) {
    return openSite(Nook, url, options);
  }

  /**
   * A site's prebuilt index and the visitor's own database `ownName` searched as one:
   * hits merged by score, each with `layer` ('site' | 'own'); add, delete and export go to
   * the visitor's database (created on the first add). Options as openSite.
   */
  static layers(siteUrl, ownName, options = {}) {
    return NookLayers.open(Nook, siteUrl, ownName, options);
  }

  /** Delete a database and all its data (close open instances first). */
  static async deleteDatabase(name) {
    const refused = unsupported({ engine: false });
    if (refused) throw rebuild(refused);
    await new Promise((resolve, reject) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(rebuild({ name: 'NookStorageError', message: `deleting ${name}: ${req.error}` }));
      req.onblocked = () => {}; // resolves when the other connections close
    });
  }

  constructor(name, options, op, payload) {
    this.name = name;
    this._next = 1;
    this._pending = new Map();
    this._closed = false;
    this._worker = null;
    // The environment and the options are checked before a worker starts: refused options
    // leave nothing running.
    const refused = unsupported({ database: op !== 'site' }) || optionsError(options);
    if (refused) {
      this.ready = Promise.reject(rebuild(refused));
      this.ready.catch(() => {});
      return;
    }
    this._worker = options.workerUrl
      ? new Worker(absolute(options.workerUrl), { type: 'module', name: `nook:${name}` })
      // This literal form (static URL and options) is what bundlers (Vite, webpack 5,
      // Parcel) recognise: they bundle the worker with its imports (the wasm-bindgen glue,
      // features.js) instead of copying worker.js alone, whose relative imports would then
      // point nowhere.
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this._worker.onmessage = (ev) => this._onMessage(ev.data);
    this._worker.onerror = (ev) => this._failAll({
      name: 'NookStateError',
      message: `the nook worker ${ev.filename || options.workerUrl || 'worker.js'} failed: ${ev.message || 'script error (if the worker file answered 404, pass options.workerUrl)'}`,
    });
    const { workerUrl, persist, indexWorkers, searchWorkers, ...rest } = options;
    // The wasm files: the package's own, which the worker names next to itself (so a
    // bundler emits them with the worker, and a worker copied with workerUrl finds them),
    // unless given. undefined: the package's own; null: none (no relaxed build).
    const wasm = options.wasmUrl == null
      ? { wasmUrl: undefined, wasmRelaxedUrl: 'wasmRelaxedUrl' in options ? absolute(options.wasmRelaxedUrl) ?? null : undefined }
      : { wasmUrl: absolute(options.wasmUrl), wasmRelaxedUrl: absolute(options.wasmRelaxedUrl) ?? null };
    const args = {
      name, model: source(options.modelUrl, options.model), tokenizer: source(options.tokenizerUrl, options.tokenizer),
      ...wasm, indexWorkers, searchWorkers, options: pick(rest), sentAt: performance.timeOrigin + performance.now(),
      ...(op === 'site' ? { site: payload } : { bytes: payload }),
    };
    this.ready = this._call(op, args, { ready: true });
    this.ready.catch(() => {});
    // What searches needed (the worker saves it after 2 s without a search) is saved at
    // once when the page is hidden: a tab closed, discarded or killed in the background
    // right after a search would otherwise lose it. (Hidden is the last event a page is
    // sure to get; the worker saves without answering.)
    if (op !== 'site' && typeof document !== 'undefined' && typeof document.addEventListener === 'function') {
      this._onHidden = () => {
        if (document.visibilityState === 'hidden' && !this._closed) this._worker.postMessage({ id: 0, op: 'hidden', args: {} });
      };
      document.addEventListener('visibilitychange', this._onHidden);
    }
    if (persist !== false && typeof navigator !== 'undefined' && navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(() => {});
    }
  }

  _onMessage(m) {
    const p = this._pending.get(m.id);
    if (!p) return;
    if (m.progress) { if (p.onProgress) try { p.onProgress(m.progress); } catch (_) { /* caller's bug */ } return; }
    this._pending.delete(m.id);
    if (p.cleanup) p.cleanup();
    if (m.ok) p.resolve(m.result); else p.reject(rebuild(m.error));
  }

  _failAll(error) {
    for (const [, p] of this._pending) { if (p.cleanup) p.cleanup(); p.reject(rebuild(error)); }
    this._pending.clear();
  }

  async _call(op, args, { signal, onProgress, ready = false, transfer = [] } = {}) {
    if (this._closed) throw rebuild({ name: 'NookStateError', message: 'this nook database is closed' });
    if (!ready) await this.ready;
    if (signal && signal.aborted) throw abortError(signal);
    const id = this._next++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, onProgress };
      if (signal) {
        const onAbort = () => {
          this._worker.postMessage({ id: this._next++, op: 'abort', args: { target: id } });
          if (op !== 'add') { this._pending.delete(id); reject(abortError(signal)); }
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this._pending.set(id, entry);
      this._worker.postMessage({ id, op, args }, transfer);
    });
  }

  /**
   * Add or update documents `{id, text, title?, url?, meta?}` (upsert by id). Commits in
   * chunks (one IndexedDB transaction each): aborting or closing the tab keeps the
   * committed prefix. Resolves to {added, updated, unchanged, helped} (helped: documents
   * embedded by helper workers, see the indexWorkers option).
   */
  add(docs, { onProgress, signal, chunk } = {}) {
    if (this._readOnly) return Promise.reject(rebuild({ name: 'NookStateError', message: this._readOnly }));
    return this._call('add', { docs, chunk }, { onProgress, signal });
  }

  /**
   * Search by meaning (and keywords unless hybrid: false). Resolves to an array of
   * {id, score, similarity, keyword, title, url, meta, snippet}; its `stats` property
   * says where the time went: searchMs = embedMs (the query's embedding) + traversalMs
   * (graph walk, PQ distances, keyword ranking, fusion) + recomputeMs (documents'
   * embeddings recomputed for exact re-ranking), all measured in the worker, plus
   * totalMs (round trip seen by this page) and counts (visited, exact, recomputed,
   * cacheHits, approximated). filter: {metaField: value | [values]}.
   *
   * A preview ranks by the embeddings nook has cached and the PQ codes of the rest,
   * recomputing only its own best 4 if they are not cached: tens of milliseconds where an
   * exact search of a large, cold index takes hundreds (which then finds those 4 cached). preview: true resolves to the preview alone; onPreview(hits) gets
   * it first and the promise then resolves to the exact result (one query embedding),
   * whose stats then cover both runs (previewMs: the preview's share of searchMs).
   */
  async search(query, { k = 10, filter, hybrid = true, signal, preview = false, onPreview } = {}) {
    if (typeof query !== 'string') throw rebuild({ name: 'NookInputError', message: 'search(query): query must be a string' });
    if (onPreview != null && typeof onPreview !== 'function') throw rebuild({ name: 'NookInputError', message: 'search(query, {onPreview}): onPreview must be a function' });
    const t0 = performance.now();
    const withStats = (r) => Object.assign(r.hits, { stats: { ...r.stats, totalMs: performance.now() - t0 } });
    const mode = preview ? 'preview' : onPreview ? 'both' : 'exact';
    let first = null;
    const onProgress = mode === 'both' ? (p) => { if (p.preview) { first = p.preview.stats; onPreview(withStats(p.preview)); } } : undefined;
    const r = await this._call('search', { query, k, filter, hybrid, mode }, { signal, onProgress });
    if (first) {
      // The stats of a preview-then-exact call cover both runs: the query's embedding
      // (done once, in the preview), both traversals, the exact run's recomputation.
      const s = r.stats;
      r.stats = { ...s, embedMs: first.embedMs + s.embedMs, traversalMs: first.traversalMs + s.traversalMs, searchMs: first.searchMs + s.searchMs, previewMs: first.searchMs };
    }
    const hits = withStats(r);
    this._lastQuery = { query, k, hybrid, results: hits.length, ...hits.stats };
    return hits;
  }

  /** The last completed search of this client: {query, k, hybrid, results, ...stats}, or null. */
  lastQuery() {
    return this._lastQuery ? { ...this._lastQuery } : null;
  }

  /**
   * Turn the option rememberSearches on or off while open: off forgets which documents
   * this session's searches needed and deletes the stored record before resolving; on
   * notes them again from the next search.
   */
  rememberSearches(on) {
    if (typeof on !== 'boolean') return Promise.reject(rebuild({ name: 'NookInputError', message: `rememberSearches(on): on must be true or false, got ${on}` }));
    if (this._readOnly) return Promise.reject(rebuild({ name: 'NookStateError', message: this._readOnly }));
    return this._call('rememberSearches', { on });
  }

  /** Embeddings of `texts` as one Float32Array (texts.length x dims), as nook indexes them. */
  embed(texts) {
    return this._call('embed', { texts: Array.from(texts, String) });
  }

  /** Delete documents by id; unknown ids reject with NookNotFoundError and delete nothing. */
  delete(ids) {
    if (this._readOnly) return Promise.reject(rebuild({ name: 'NookStateError', message: this._readOnly }));
    return this._call('delete', { ids: Array.isArray(ids) ? ids : [ids] });
  }

  /** A paged site (Nook.openSite): fetch every page now, so every later search works
   * offline (site.bytes in all). Resolves to stats(). */
  prefetch() {
    if (!this.site || !this.site.paged) return Promise.reject(rebuild({ name: 'NookStateError', message: 'prefetch() is for a paged site opened with Nook.openSite' }));
    return this._call('prefetch', {});
  }

  /** {documents, mode, bytes: {documents, tokens, index, codebook, manifest}, storedBytes, indexBytes, hnswBytes, ...} */
  stats() {
    return this._call('stats', {});
  }

  /** All data as one Uint8Array (for Nook.import). */
  export() {
    return this._call('export', {});
  }

  /** Stop the worker and close the database. */
  async close() {
    if (this._closed) return;
    if (this._onHidden) document.removeEventListener('visibilitychange', this._onHidden);
    if (this._worker) {
      try { await this._call('close', {}, { ready: true }); } catch (_) { /* closing anyway */ }
      this._worker.terminate();
    }
    this._closed = true;
    this._failAll({ name: 'NookStateError', message: 'this nook database was closed' });
  }
}

/** The collection's and the embedder's settings among the options: what the worker passes
 * to the core (and the embedder's to its helpers). The embedder's (maxTokens, pooling, heads)
 * are for a model other than the default; the core checks them all (NookInputError). */
const SETTINGS = ['pruneAt', 'graphAt', 'cacheSize', 'maxTextBytes', 'keywordWeight', 'minScore', 'rerank', 'ef', 'pqSubspaces', 'pqBits',
  'keepEmbeddingsFrom', 'warmUp', 'rememberSearches', 'maxTokens', 'pooling', 'heads'];
// These lists are the core's (src/options.rs); tests/option_names.rs checks they agree.
/** Every option `open` accepts (index.d.ts NookOptions); any other name is refused, so a
 * misspelt one ("minscore") is an error instead of a silent default. */
const OPTIONS = ['modelUrl', 'model', 'tokenizerUrl', 'tokenizer', 'wasmUrl', 'wasmRelaxedUrl', 'workerUrl', 'persist', 'indexWorkers', 'searchWorkers', ...SETTINGS];

/** What is wrong with `open`'s options (a NookInputError's fields), or null. */
function optionsError(options) {
  const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k));
  if (unknown.length) return { name: 'NookInputError', message: `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; nook's options are ${OPTIONS.join(', ')}` };
  for (const [url, bytes] of [['modelUrl', 'model'], ['tokenizerUrl', 'tokenizer']]) {
    const has = [url, bytes].filter((k) => options[k] != null);
    if (has.length !== 1) return { name: 'NookInputError', message: `give options.${url} (a URL) or options.${bytes} (its bytes), exactly one of them${has.length ? `; got both` : ''}` };
    const b = options[bytes];
    if (b != null && !(b instanceof Uint8Array || b instanceof ArrayBuffer)) return { name: 'NookInputError', message: `options.${bytes} must be a Uint8Array or an ArrayBuffer (the file's bytes), got ${Object.prototype.toString.call(b)}` };
  }
  for (const key of ['indexWorkers', 'searchWorkers']) {
    const w = options[key];
    if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= 16)) return { name: 'NookInputError', message: `options.${key} must be a whole number from 1 to 16, got ${w}` };
  }
  return null;
}

/** A model file as the worker takes it: {url} (absolute) or {bytes} (copied to the worker,
 * so the caller's buffer stays usable). */
function source(url, bytes) {
  if (bytes != null) return { bytes: bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes };
  return { url: absolute(url) };
}

function pick(o) {
  const out = {};
  for (const k of SETTINGS) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  return out;
}

export { NookLayers };
export default Nook;
