// nook's dedicated worker: loads the wasm module and the model, owns the NookCore, and
// serialises writes. Protocol: {id, op, args} in; {id, ok, result | error} or
// {id, progress} out. Reads (search, stats, export) run as soon as open has finished;
// writes (add, delete) run one at a time, under a Web Lock shared by all tabs, after
// catching up with other tabs' commits; a BroadcastChannel tells other tabs to refresh.

import init, { NookCore } from '../dist/nook.js';
import { hasRelaxedSimd } from './features.js';

const MODEL_CACHE = 'nook-model-v1';
let core = null;
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

/** Bytes of `url`, from the Cache API when present (second visits work offline). */
async function assetBytes(url) {
  let cache = null;
  try { cache = await caches.open(MODEL_CACHE); } catch (_) { /* no Cache API: plain fetch */ }
  let res = cache ? await cache.match(url) : undefined;
  if (!res) {
    try { res = await fetch(url); } catch (e) { throw err('NookNetworkError', `fetching ${url} failed: ${e.message}`); }
    if (!res.ok) throw err('NookNetworkError', `fetching ${url}: HTTP ${res.status}`);
    if (cache) { try { await cache.put(url, res.clone()); } catch (_) { /* quota: still usable */ } }
  }
  return new Uint8Array(await res.arrayBuffer());
}

let build = 'simd128';      // which wasm file runs: 'simd128' or 'relaxed-simd'

/** Instantiate the relaxed-SIMD build where it can run, else (or if it fails to load) the simd128 one. */
async function initWasm(wasmUrl, wasmRelaxedUrl) {
  if (wasmRelaxedUrl && hasRelaxedSimd()) {
    try {
      await init({ module_or_path: wasmRelaxedUrl });
      build = 'relaxed-simd';
      return;
    } catch (_) { /* missing or unloadable file: the simd128 build below */ }
  }
  await init({ module_or_path: wasmUrl });
  build = 'simd128';
}

async function open({ name, modelUrl, tokenizerUrl, wasmUrl, wasmRelaxedUrl, options, bytes }, op) {
  // The model's bytes are read (Cache API or network) while the wasm module compiles.
  const assets = Promise.all([assetBytes(modelUrl), assetBytes(tokenizerUrl)]);
  assets.catch(() => {});   // a failure is reported by the await below, not as unhandled
  await initWasm(wasmUrl, wasmRelaxedUrl);
  const [model, tokenizer] = await assets;
  core = op === 'import'
    ? await NookCore.import(name, bytes, model, tokenizer, options || {})
    : await NookCore.open(name, model, tokenizer, options || {});
  lockName = `nook:${name}`;
  if (typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(lockName);
    channel.onmessage = () => { stale = true; };
  }
  return { generation: core.generation(), build };
}

function withLock(fn) {
  if (self.navigator && navigator.locks) return navigator.locks.request(lockName, fn);
  return fn();
}

async function catchUp() {
  if (stale) { stale = false; await core.refresh(); }
}

async function add(id, { docs, chunk }) {
  core.validate(docs);              // the whole call is checked before anything is written
  const size = Math.max(1, Math.min(256, chunk || 16));
  const total = docs.length;
  const sum = { added: 0, updated: 0, unchanged: 0 };
  await withLock(async () => {
    await core.refresh();
    for (let i = 0; i < total; i += size) {
      if (aborted.has(id)) throw err('AbortError', `add aborted after ${i} of ${total} documents (those are committed)`, { committed: i });
      const r = await core.add(docs.slice(i, i + size));
      sum.added += r.added; sum.updated += r.updated; sum.unchanged += r.unchanged;
      if (channel) channel.postMessage({ generation: core.generation() });
      postMessage({ id, progress: { done: Math.min(total, i + size), total, phase: 'indexing' } });
    }
  });
  return sum;
}

async function del({ ids }) {
  return withLock(async () => {
    await core.refresh();
    const n = await core.delete(ids);
    if (channel) channel.postMessage({ generation: core.generation() });
    return n;
  });
}

/** mode 'exact' | 'preview' | 'both' (a preview posted as progress, then the exact result). */
async function search(id, { query, k, hybrid, filter, mode }) {
  const run = (preview) => core.search(query, Number(k), hybrid !== false, filter, preview);
  if (mode === 'preview') return run(true);
  if (mode === 'both') {
    postMessage({ id, progress: { preview: run(true) } });
    await new Promise((resolve) => setTimeout(resolve, 0)); // lets an abort of this search arrive
    if (aborted.has(id)) throw err('AbortError', 'search aborted after its preview');
  }
  return run(false);
}

async function handle({ id, op, args }) {
  if (op === 'open' || op === 'import') {
    opened = open(args, op);
    return opened;
  }
  if (!opened) throw err('NookStateError', 'the database is not open');
  await opened;
  switch (op) {
    case 'search': await catchUp(); return search(id, args);
    case 'stats': await catchUp(); return Object.assign(core.stats(), { build });
    case 'embed': return core.embed(args.texts);
    case 'export': await catchUp(); return core.export();
    case 'add': return (writes = writes.catch(() => {}).then(() => add(id, args)));
    case 'delete': return (writes = writes.catch(() => {}).then(() => del(args)));
    case 'close': await writes.catch(() => {}); core.close(); if (channel) channel.close(); return true;
    default: throw err('NookStateError', `unknown operation ${op}`);
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.op === 'abort') { aborted.add(msg.args.target); return; }
  try {
    const result = await handle(msg);
    reply(msg.id, true, result);
  } catch (e) {
    reply(msg.id, false, toError(e));
  } finally {
    aborted.delete(msg.id);
  }
};
