// nook's dedicated worker: loads the wasm module and the model, owns the NookCore, and
// serialises writes. Protocol: {id, op, args} in; {id, ok, result | error} or
// {id, progress} out. Reads (search, stats, export) run as soon as open has finished;
// writes (add, delete) run one at a time, under a Web Lock shared by all tabs, after
// catching up with other tabs' commits; a BroadcastChannel tells other tabs to refresh.
// A large add is embedded on several cores: helper workers (helpers.js) embed chunks
// ahead while this worker indexes and commits them in order. After an open, this worker
// warms the cache of recomputed embeddings in the background (`warmStep`).

import init, { NookCore, NookSite } from '../dist/nook.js';
import { modelFiles } from './assets.js';
import { hasRelaxedSimd } from './features.js';
import { Helpers } from './helpers.js';
import { SitePages, fetchHead, forgetOtherBuilds, searchSite, siteCache } from './site-pages.js';

let core = null;
let site = null;            // a paged static site instead of a database: {core: NookSite, pages: SitePages}
let openMs = null;          // {wasmMs, filesMs} of this worker's open (stats().open)
let opened = null;          // promise of the open, for calls that arrive during it
let channel = null;
let lockName = null;
let stale = false;          // another tab committed: refresh before the next call
let writes = Promise.resolve();
const aborted = new Set();

const err = (name, message, extra) => Object.assign({ name, message }, extra || {});
const reply = (id, ok, payload) => postMessage(ok ? { id, ok, result: payload } : { id, ok, error: payload });

function toError(e) {
  if (e && typeof e === 'object' && 'name' in e) return err(e.name, e.message, e.committed != null ? { committed: e.committed } : undefined);
  return err('NookStateError', String(e));
}

// The package's wasm builds, next to this file: the literal form bundlers follow.
const OWN_WASM = new URL('../dist/nook_bg.wasm', import.meta.url);
const OWN_WASM_RELAXED = new URL('../dist/nook_bg.relaxed.wasm', import.meta.url);

let build = 'simd128';      // which wasm file runs: 'simd128' or 'relaxed-simd'
let memory = null;          // the running module's linear memory (stats().wasmMemoryBytes)
const INDEX_IDLE_MS = 15000;   // index helpers stop this long after the last add
const SEARCH_IDLE_MS = 60000;  // search helpers, after the last search that needed them
let helpers = null;         // embedding helpers for large adds (helpers.js)
let searchHelpers = null;   // and those sharing a cold search's recomputations

/** Instantiate the relaxed-SIMD build where it can run, else (or if it fails to load) the simd128 one. */
async function initWasm(wasmUrl, wasmRelaxedUrl) {
  if (wasmRelaxedUrl && hasRelaxedSimd()) {
    try {
      ({ memory } = await init({ module_or_path: wasmRelaxedUrl }));
      build = 'relaxed-simd';
      return wasmRelaxedUrl;
    } catch (_) { /* missing or unloadable file: the simd128 build below */ }
  }
  ({ memory } = await init({ module_or_path: wasmUrl }));
  build = 'simd128';
  return wasmUrl;
}

async function open({ name, model: modelFile, tokenizer: tokenizerFile, wasmUrl, wasmRelaxedUrl, indexWorkers, searchWorkers, options, bytes, sentAt }, op) {
  // The model's bytes are read (Cache API or network), and the database's connection
  // opened, while the wasm module compiles; an open's records are read while the model's
  // bytes still arrive (NookCore.open awaits them once it has issued its reads).
  const t0 = performance.now();
  const assets = modelFiles(modelFile, tokenizerFile);
  let filesAt = null;
  assets.then(() => { filesAt = performance.now(); }, () => {});
  const connection = op === 'open' ? connect(name) : null;
  const running = await initWasm(wasmUrl || OWN_WASM.href, wasmRelaxedUrl === undefined ? OWN_WASM_RELAXED.href : wasmRelaxedUrl);
  const t1 = performance.now();
  openMs = { startMs: since(sentAt, t0), wasmMs: t1 - t0 };
  if (op === 'open') {
    try {
      core = await NookCore.open(name, assets, options || {}, await connected(connection));
    } catch (e) {
      await assets; // a file that could not be read: its own error, not the open's
      throw e;
    }
  }
  const [model, tokenizer] = await assets;
  openMs.filesMs = Math.max(0, filesAt - t1); // after the wasm, as this worker saw them arrive (an open meanwhile reads and indexes the records)
  if (op === 'import') core = await NookCore.import(name, bytes, model, tokenizer, options || {});
  // A site's read-only copy answers while its records are still being written.
  if (op === 'importCopy') core = await NookCore.importCopy(name, bytes, model, tokenizer, options || {});
  // Helpers run the very build and model this worker runs: their embeddings are the ones
  // it would make.
  const cores = (self.navigator && navigator.hardwareConcurrency) || 1;
  // Given as bytes, the files go to the helpers as the bytes just read (not the URL).
  const same = (file, bytes) => (file.bytes ? { bytes } : file);
  const helperAssets = { wasmUrl: running, model: same(modelFile, model), tokenizer: same(tokenizerFile, tokenizer), embedOptions: options || {} };
  helpers = new Helpers((indexWorkers || Math.min(cores, 4)) - 1, helperAssets, INDEX_IDLE_MS);
  searchHelpers = new Helpers((searchWorkers || Math.min(cores, 2)) - 1, helperAssets, SEARCH_IDLE_MS);
  lockName = `nook:${name}`;
  if (typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(lockName);
    channel.onmessage = () => { stale = true; };
  }
  if (op !== 'importCopy') setTimeout(packLoose, PACK_AFTER_MS);
  warmLater(WARM_AFTER_MS);
  return { generation: core.generation(), build };
}

// A database written before pages (every document its own record, which an open reads
// one by one: 80,000 bookmarks took ~0.5 s more) has its small documents moved into pages,
// PACK_PAGES pages (64 documents each) per write, queued with the other writes, starting
// a moment after the open so the first searches do not wait for it.
const PACK_AFTER_MS = 1000;
const PACK_PAGES = 256;

function packLoose() {
  background(() => core.packLoose(PACK_PAGES), (left) => {
    if (left > 0) setTimeout(packLoose, 0);
    else if (left === 0) setTimeout(keepLong, KEEP_AFTER_MS);
  });
}

// Long documents an earlier nook wrote without their embedding (see the core's
// `keepLong`) get it a few at a time: each step embeds KEEP_DOCS of them (~70 ms each at
// ~120-256 tokens) on this worker, so a search waits at most one step; steps KEEP_AFTER_MS apart.
const KEEP_AFTER_MS = 250;
const KEEP_DOCS = 2;

function keepLong() {
  background(() => core.keepLong(KEEP_DOCS), (left) => { if (left > 0) setTimeout(keepLong, KEEP_AFTER_MS); });
}

// After an open the cache of recomputed embeddings is empty, so the first searches
// recompute most of their candidates. The core's `warm` fills it in the background with
// the embeddings searches are most likely to need (up to the `warmUp` option), in idle
// time only: not while an add runs, nor within WARM_IDLE_MS of a search (searches come in
// bursts: a user typing, a page asking several), so a burst never waits for it. Steps of
// about WARM_TOKENS tokens (~10 ms in Chromium: a call that arrives meanwhile waits at most
// that), each followed by a pause of a quarter of its time. A reload (another tab's write)
// empties the cache: warming starts over.
const WARM_AFTER_MS = 1000;
const WARM_IDLE_MS = 1000;
const WARM_TOKENS = 24;
let warmTimer = null;
let adding = 0;             // adds running
let busyAt = -Infinity;     // when the last search (or embed) call arrived

function warmLater(ms) {
  if (warmTimer !== null) clearTimeout(warmTimer);
  const c = core;
  warmTimer = setTimeout(() => { warmTimer = null; if (core === c) warmStep(); }, ms);
}

function warmStep() {
  if (adding) { warmLater(WARM_IDLE_MS); return; }
  const t = performance.now();
  if (t - busyAt < WARM_IDLE_MS) { warmLater(WARM_IDLE_MS - (t - busyAt)); return; }
  let left = 0;
  try { left = core.warm(WARM_TOKENS); } catch (_) { return; }   // closed or deleted meanwhile
  if (left > 0) {
    warmOnHelpers();
    warmLater(Math.max(1, (performance.now() - t) / 4));
  }
}

// What exact searches needed (the core's hints: document keys, no query) is saved once
// searches pause for HINTS_IDLE_MS, at close, and when the page is hidden, so the warm-up
// after the next open recomputes those documents first: searching for the same things
// again is fast seconds after a restart (option rememberSearches; the record is not a
// change of the collection).
const HINTS_IDLE_MS = 2000;
let hintsTimer = null;

function saveHintsLater() {
  dropHintsTimer();
  const c = core;
  hintsTimer = setTimeout(() => {
    hintsTimer = null;
    if (core !== c) return;
    const idle = performance.now() - busyAt;
    if (idle < HINTS_IDLE_MS) { saveHintsLater(); return; }
    saveHints();
  }, HINTS_IDLE_MS);
}

/** Cancel a pending idle save; true if one was pending. */
function dropHintsTimer() {
  if (hintsTimer === null) return false;
  clearTimeout(hintsTimer);
  hintsTimer = null;
  return true;
}

/** The page was hidden (it may never come back): pending hints now, not after the idle wait. */
function saveHintsNow() {
  if (core && dropHintsTimer()) saveHints();
}

/** Queue the hints' save with the writes; a failure (a full quota, a database closed
 * meanwhile) leaves them for the next save. */
function saveHints() {
  const c = core;
  writes = writes.catch(() => {}).then(() => (core === c && c.hintsChanged() ? c.saveHints() : false)).catch(() => false);
  return writes;
}

// The search helpers (where `searchWorkers` allows them) warm too: started by the warm-up,
// each idle one is given a larger batch (HELPER_WARM_TOKENS, ~50 ms of embedding) whose
// embeddings the core caches when they come back (`warmPut`: as a search would cache them,
// so results do not change). A search that arrives meanwhile finds a helper busy for at
// most one batch (it then recomputes alone); the helpers stop SEARCH_IDLE_MS after the
// warm-up's last batch, as after a search.
const HELPER_WARM_TOKENS = 192;
let warmedByHelpers = 0;    // embeddings the helpers made for the warm-up (stats())

function warmOnHelpers() {
  if (!searchHelpers || searchHelpers.size === 0) return;
  if (!searchHelpers.running.length) searchHelpers.start();
  searchHelpers.idle();
  const c = core;
  for (const helper of searchHelpers.ready()) {
    const job = core.warmTake(HELPER_WARM_TOKENS);
    if (!job.keys.length) return;
    const seqs = { tokens: job.tokens, lengths: job.lengths };
    helper.embed(seqs).then((vectors) => {
      if (core === c) warmedByHelpers += core.warmPut(job.keys, { ...seqs, vectors });
    }).catch(() => {}); // a helper that failed, a database closed meanwhile: those stay cold
  }
}

/** The core brought up to date with other tabs' commits; a reload starts the warm-up over. */
async function refresh() {
  if (await core.refresh()) warmLater(0);
}

/** One step of background upkeep (`work`: a write of the core that resolves to how much is
 * left), queued with the other writes under the lock, other tabs told when it changed the
 * database; then `next(left)` (`null` when another open replaced this core). A step that
 * fails (closed or deleted meanwhile, or the write failed) ends the upkeep: the next open
 * starts it again. */
function background(work, next) {
  const c = core;
  const step = () => withLock(async () => {
    if (core !== c) return null;
    await refresh();
    const before = core.generation();
    const left = await work();
    if (channel && core.generation() !== before) channel.postMessage({ generation: core.generation() });
    return left;
  });
  writes = writes.catch(() => {}).then(step).then(next, () => {});
}

/** The database connection, and the wait for it left once the wasm and the model files
 * were ready (stats().open.connectMs; after a browser start IndexedDB takes a while). */
async function connected(connection) {
  const t = performance.now();
  const db = await connection;
  openMs.connectMs = performance.now() - t;
  return db;
}

/** Milliseconds from the page's call (its clock reading `sentAt`) to this worker's `t0`:
 * starting the worker and loading its modules. */
function since(sentAt, t0) {
  return typeof sentAt === 'number' ? Math.max(0, performance.timeOrigin + t0 - sentAt) : null;
}

/** A connection to the existing database `name`, or null: one that does not exist yet
 * is left to NookCore to create (the upgrade is aborted, so nothing is created here). */
function connect(name) {
  return new Promise((resolve) => {
    let req;
    try { req = indexedDB.open(name); } catch (_) { resolve(null); return; }
    req.onupgradeneeded = () => req.transaction.abort();
    req.onsuccess = () => {
      // Never in the way of a delete or upgrade, even if the open fails before NookCore adopts it.
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = (e) => { e.preventDefault(); resolve(null); };
  });
}

/** A paged static site (Nook.openSite of a format-2 site): head fetched (or read from the
 * Cache API) and checked while the wasm module compiles and the model loads. */
async function openSite({ model: modelFile, tokenizer: tokenizerFile, wasmUrl, wasmRelaxedUrl, options, sentAt, site: { manifestUrl, manifest, prefetch } }) {
  const t0 = performance.now();
  const assets = modelFiles(modelFile, tokenizerFile);
  const cache = await siteCache(manifestUrl);
  const head = fetchHead(cache, manifestUrl, manifest);
  head.catch(() => {});
  await initWasm(wasmUrl || OWN_WASM.href, wasmRelaxedUrl === undefined ? OWN_WASM_RELAXED.href : wasmRelaxedUrl);
  const t1 = performance.now();
  const [model, tokenizer] = await assets;
  const headBytes = await head;
  openMs = { startMs: since(sentAt, t0), wasmMs: t1 - t0, filesMs: performance.now() - t1 };
  const t2 = performance.now();
  const s = new NookSite(manifest.version, manifest.build, headBytes, model, tokenizer, options || {});
  openMs.modelMs = performance.now() - t2;
  const pages = new SitePages(s, cache, manifestUrl, manifest.build);
  site = { core: s, pages, manifestUrl };
  if (prefetch) await pages.load(s.allPages());
  forgetOtherBuilds(cache, manifestUrl, manifest.build).catch(() => {});
  return { build, documents: manifest.documents };
}

function withLock(fn) {
  if (self.navigator && navigator.locks) return navigator.locks.request(lockName, fn);
  return fn();
}

async function catchUp() {
  if (stale) { stale = false; await refresh(); }
}

async function add(id, { docs, chunk }) {
  core.validate(docs);              // the whole call is checked before anything is written
  const size = Math.max(1, Math.min(256, chunk || 16));
  const total = docs.length;
  const chunks = [];
  for (let i = 0; i < total; i += size) chunks.push(docs.slice(i, i + size));
  const sum = { added: 0, updated: 0, unchanged: 0, helped: 0 };
  await withLock(async () => {
    await refresh();
    // Chunks are committed in order, one transaction each. Embedding a chunk is a job for
    // one embedder: helpers take jobs ahead (two each at most); while the chunk to commit
    // next is still with a helper, this worker embeds a later one itself instead of
    // waiting; a chunk nobody took is embedded by core.add.
    const team = chunks.length >= 3 ? helpers.start() : [];
    const jobs = new Map();         // chunk index -> {done, value: {tokens, lengths, vectors} | null, helper, promise}
    let next = 0;                   // first chunk no embedder has taken
    const reach = 2 * (team.length + 1);
    const take = (i, helper) => {
      const seqs = core.tokens(chunks[i]);
      const job = { done: true, value: null, helper: !!helper, promise: null };
      jobs.set(i, job);
      if (!seqs.lengths.length) return;      // only unchanged documents: nothing to embed
      if (!helper) { job.value = { ...seqs, vectors: core.embedTokens(seqs.tokens, seqs.lengths) }; return; }
      job.done = false;
      // A helper that fails leaves value null: core.add then embeds the chunk itself.
      job.promise = helper.embed(seqs).then((vectors) => { job.value = { ...seqs, vectors }; }, () => {}).finally(() => { job.done = true; });
    };
    const handOut = (c) => {
      for (const h of team) while (h.usable && h.inflight < 2 && next < chunks.length && next < c + reach) take(next++, h);
    };
    try {
      for (let c = 0; c < chunks.length; c++) {
        if (aborted.has(id)) throw err('AbortError', `add aborted after ${c * size} of ${total} documents (those are committed)`, { committed: c * size });
        next = Math.max(next, c);
        handOut(c);
        let job = jobs.get(c);
        while (job && !job.done) {
          if (next > c && next < chunks.length && next < c + reach) {
            take(next++, null);
            await new Promise((resolve) => setTimeout(resolve, 0));   // let helpers' answers in
            handOut(c);
          } else {
            await job.promise;
          }
        }
        jobs.delete(c);
        if (!job) next = Math.max(next, c + 1);
        const embedded = job ? job.value : null;
        const r = await core.add(chunks[c], embedded);
        if (embedded && job.helper) sum.helped += embedded.lengths.length;
        sum.added += r.added; sum.updated += r.updated; sum.unchanged += r.unchanged;
        if (channel) channel.postMessage({ generation: core.generation() });
        postMessage({ id, progress: { done: Math.min(total, (c + 1) * size), total, phase: 'indexing' } });
      }
    } finally {
      if (team.length) helpers.idle();
    }
  });
  return sum;
}

/** `write()` with the warm-up held off until it settles (an add: the cores are busy). */
async function holdingWarmUp(write) {
  adding++;
  try {
    return await write();
  } finally {
    adding--;
  }
}

async function del({ ids }) {
  return withLock(async () => {
    await refresh();
    const n = await core.delete(ids);
    if (channel) channel.postMessage({ generation: core.generation() });
    return n;
  });
}

/** mode 'exact' | 'preview' | 'both' (a preview posted as progress, then the exact result). */
async function search(id, { query, k, hybrid, filter, mode }) {
  const args = { query, k: Number(k), hybrid: hybrid !== false, filter };
  if (mode === 'preview') {
    // A preview alone is what search-as-you-type asks while the user types: an exact search
    // comes once they pause. If that one will recompute, the helper starts loading now, or,
    // loaded, starts on those recomputations in the pause (speculate).
    const out = await sharedSearch(id, args, true);
    if (out.stats.approximated > 0) {
      warmSearchHelpers();
      speculate(args);
    }
    return out;
  }
  await settleSpeculation();
  if (mode === 'both') {
    postMessage({ id, progress: { preview: await sharedSearch(id, args, true) } });
    await new Promise((resolve) => setTimeout(resolve, 0)); // lets an abort of this search arrive
    if (aborted.has(id)) throw err('AbortError', 'search aborted after its preview');
  }
  return sharedSearch(id, args, false);
}

/**
 * A search (exact, or a preview if `preview`) whose recomputations are shared with search
 * helpers when some are loaded and idle: the core stops where it would recompute
 * (searchWarm), this worker embeds its share of those documents while the helpers embed
 * theirs, and the search runs again with every embedding made so far, until it completes
 * (a preview's best few: one round). The embeddings are the bits the core would have made,
 * so the result is the same; only the wall time is shorter. A helper busy with a
 * speculation is not ready, so a preview, what a typing user waits on, does not wait for
 * it. A cold exact search that finds no helper ready (or a preview alone whose exact search
 * would recompute, see `search`) starts them for the next ones (~65 MB each, stopped after
 * SEARCH_IDLE_MS without a cold search).
 */
async function sharedSearch(id, { query, k, hybrid, filter }, preview) {
  const team = searchHelpers ? searchHelpers.ready() : [];
  if (!team.length) {
    const out = core.search(query, k, hybrid, filter, preview);
    if (!preview && out.stats.recomputed > 1) warmSearchHelpers();
    return out;
  }
  searchHelpers.idle();
  const t0 = performance.now();
  let embedded = null;
  const shared = { workers: team.length + 1, rounds: 0, helped: 0, given: 0, embedMs: 0, parallelMs: 0, waitMs: 0 };
  for (;;) {
    const out = core.searchWarm(query, k, hybrid, filter, embedded, preview);
    if (!out.first) {
      if (!shared.rounds) return out;
      // The stats then cover every round: the query's embedding (first round), the
      // recomputations shared out, and the walks of the rounds that stopped.
      const st = out.stats;
      const total = performance.now() - t0;
      st.recomputed = embedded.lengths.length + st.recomputed - shared.given;
      st.cacheHits = st.exact - st.recomputed;
      st.embedMs = shared.embedMs;
      st.recomputeMs += shared.parallelMs;
      st.searchMs = total;
      st.traversalMs = Math.max(0, total - st.embedMs - st.recomputeMs);
      st.shared = { workers: shared.workers, rounds: shared.rounds, helped: shared.helped, waitMs: shared.waitMs };
      return out;
    }
    if (!shared.rounds) shared.embedMs = out.embedMs;
    if (!preview && aborted.has(id)) throw err('AbortError', 'search aborted');
    const t = performance.now();
    const made = await embedShared(out.first, team, shared);
    shared.parallelMs += performance.now() - t;
    shared.rounds++;
    embedded = embedded ? joinEmbedded(embedded, made) : made;
    shared.given = made.lengths.length;
    if (shared.rounds > 64) return core.search(query, k, hybrid, filter, preview, embedded); // a bound, never reached: each round adds new documents
  }
}

/**
 * Speculation: while a search-as-you-type user pauses (the popup waits 250 ms of stillness
 * before its exact search), the loaded search helpers embed the documents the exact search
 * of the previewed query will recompute, round by round as searchWarm names them; each
 * round's embeddings are handed back to the core (searchWarm with them), which keeps them in
 * its cache. The helpers only: this worker stays free for the next keystroke's preview. A
 * newer preview or any exact search makes the current one stop after its round (its work
 * kept); an exact search waits for that round instead of recomputing the same documents.
 * The embeddings are the bits the search would make, so results are unchanged: only fewer
 * documents are left cold.
 */
let speculation = null; // {stop, started, done, before}
// A request that follows the preview within this long (a client sending its exact search
// right after the preview's answer) finds nothing started: a speculation would only hand
// its first round to the helper alone, which the exact search shares with this worker.
// (`onPreview` is one request, mode 'both', which never speculates.)
const SPECULATE_AFTER_MS = 25;

function speculate(args) {
  const before = speculation;
  if (before) before.stop = true;
  const s = { stop: false, started: false, done: null, before };
  s.done = (async () => {
    if (before) await before.done;
    s.before = null; // no chain of past speculations is kept
    await new Promise((resolve) => setTimeout(resolve, SPECULATE_AFTER_MS));
    const team = searchHelpers ? searchHelpers.ready() : [];
    if (!team.length || s.stop || !core) return;
    s.started = true;
    searchHelpers.idle();
    let embedded = null;
    try {
      for (let round = 0; round < 8 && !s.stop; round++) {
        const out = core.searchWarm(args.query, args.k, args.hybrid, args.filter, embedded, false);
        embedded = null;
        if (!out.first) return;
        const parts = split(out.first, team.length);
        const vectors = await Promise.all(parts.map((part, i) => team[i].embed(part)));
        embedded = { tokens: out.first.tokens, lengths: out.first.lengths, vectors: concat(Float32Array, vectors) };
      }
      // The last round's embeddings, handed to the core so that it keeps them.
      if (embedded) core.searchWarm(args.query, args.k, args.hybrid, args.filter, embedded, false);
    } catch {
      // A helper that failed, a database closed meanwhile: the exact search recomputes.
    }
  })();
  speculation = s;
}

/** Let a speculation in flight end its round (its embeddings kept) before an exact search. */
async function settleSpeculation() {
  const s = speculation;
  if (!s) return;
  s.stop = true;
  // The one whose round is in flight: this one, or the one it was waiting for.
  if (s.started) await s.done;
  else if (s.before) await s.before.done;
  if (speculation === s) speculation = null;
}

/** Start the search helpers (if any are allowed) for the searches to come. */
function warmSearchHelpers() {
  if (!searchHelpers || searchHelpers.size === 0) return;
  searchHelpers.start();
  searchHelpers.idle();
}

/** Embed `seqs` ({tokens, lengths}) here and on `team`, split by tokens; a helper that fails
 * leaves its share to this worker. Resolves to {tokens, lengths, vectors} in `seqs`' order. */
async function embedShared(seqs, team, shared) {
  const parts = split(seqs, team.length + 1);
  const theirs = parts.slice(1).map((part, i) => team[i].embed(part).then((vectors) => vectors, () => null));
  const vectors = [core.embedTokens(parts[0].tokens, parts[0].lengths)];
  const t = performance.now();
  const answers = await Promise.all(theirs);
  shared.waitMs += performance.now() - t;
  for (const [i, v] of answers.entries()) {
    const part = parts[i + 1];
    if (v) shared.helped += part.lengths.length;
    vectors.push(v || core.embedTokens(part.tokens, part.lengths));
  }
  return { tokens: seqs.tokens, lengths: seqs.lengths, vectors: concat(Float32Array, vectors) };
}

/** `n` runs of consecutive sequences with about equal token counts (the cost of embedding). */
function split({ tokens, lengths }, n) {
  const parts = [];
  let s = 0, t = 0;
  for (let p = 0; p < n && s < lengths.length; p++) {
    const goal = ((p + 1) * tokens.length) / n;
    const from = s, at = t;
    do { t += lengths[s++]; } while (s < lengths.length && t + lengths[s] / 2 <= goal);
    parts.push({ tokens: tokens.slice(at, t), lengths: lengths.slice(from, s) });
  }
  return parts;
}

function joinEmbedded(a, b) {
  return { tokens: concat(Uint32Array, [a.tokens, b.tokens]), lengths: concat(Uint32Array, [a.lengths, b.lengths]), vectors: concat(Float32Array, [a.vectors, b.vectors]) };
}

function concat(Type, arrays) {
  const out = new Type(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) { out.set(a, at); at += a.length; }
  return out;
}

async function handle({ id, op, args }) {
  if (op === 'open' || op === 'import' || op === 'importCopy') {
    opened = open(args, op);
    return opened;
  }
  if (op === 'site') {
    opened = openSite(args);
    return opened;
  }
  if (!opened) throw err('NookStateError', 'the database is not open');
  await opened;
  if (site) return handleSite(op, args);
  switch (op) {
    case 'search': busyAt = performance.now(); await catchUp(); saveHintsLater(); return search(id, args);
    case 'stats': {
      await catchUp();
      const s = core.stats();
      return Object.assign(s, { build, open: { ...openMs, ...s.open }, searchHelpers: searchHelpers ? searchHelpers.ready().length : 0, warmedByHelpers, wasmMemoryBytes: memory.buffer.byteLength });
    }
    case 'embed': busyAt = performance.now(); return core.embed(args.texts);
    // Off: what this session noted is forgotten and the stored record deleted at once.
    case 'rememberSearches': core.setRememberSearches(args.on); dropHintsTimer(); await saveHints(); return true;
    case 'export': await catchUp(); return core.export();
    case 'add': return (writes = writes.catch(() => {}).then(() => holdingWarmUp(() => add(id, args))));
    case 'delete': return (writes = writes.catch(() => {}).then(() => del(args)));
    case 'close': dropHintsTimer(); await saveHints(); await writes.catch(() => {}); if (warmTimer !== null) clearTimeout(warmTimer); if (helpers) helpers.stop(); if (searchHelpers) searchHelpers.stop(); core.close(); if (channel) channel.close(); return true;
    default: throw err('NookStateError', `unknown operation ${op}`);
  }
}

/** A site answers searches and stats; it holds no database to write or export. */
async function handleSite(op, args) {
  switch (op) {
    case 'search': {
      if (args.filter != null) throw err('NookInputError', 'a site index takes no filter (its documents are not all in this browser)');
      return searchSite(site.core, site.pages, args.query, Number(args.k), args.hybrid !== false);
    }
    case 'stats': return Object.assign(site.core.stats(), { mode: 'site', build, wasmMemoryBytes: memory.buffer.byteLength, open: { ...openMs }, fetched: { ...site.pages.fetched } });
    case 'prefetch': await site.pages.load(site.core.allPages()); return site.core.stats();
    case 'close': site.core.free(); site = null; return true;
    default: throw err('NookStateError', `a site index cannot ${op}: it is read-only (open a database of your own with Nook.open)`);
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.op === 'abort') { aborted.add(msg.args.target); return; }
  if (msg.op === 'hidden') { saveHintsNow(); return; }
  try {
    const result = await handle(msg);
    reply(msg.id, true, result);
  } catch (e) {
    reply(msg.id, false, toError(e));
  } finally {
    aborted.delete(msg.id);
  }
};
