// nook's dedicated worker: loads the wasm module and the model, owns the NookCore, and
// serialises writes. Protocol: {id, op, args} in; {id, ok, result | error} or
// {id, progress} out. Reads (search, stats, export) run as soon as open has finished;
// writes (add, delete) run one at a time, under a Web Lock shared by all tabs, after
// catching up with other tabs' commits; a BroadcastChannel tells other tabs to refresh.

import init, { NookCore } from '../dist/nook.js';

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

async function open({ name, modelUrl, tokenizerUrl, wasmUrl, options, bytes }, op) {
  await init({ module_or_path: wasmUrl });
  const [model, tokenizer] = await Promise.all([assetBytes(modelUrl), assetBytes(tokenizerUrl)]);
  core = op === 'import'
    ? await NookCore.import(name, bytes, model, tokenizer, options || {})
    : await NookCore.open(name, model, tokenizer, options || {});
  lockName = `nook:${name}`;
  if (typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(lockName);
    channel.onmessage = () => { stale = true; };
  }
  return { generation: core.generation() };
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

async function handle({ id, op, args }) {
  if (op === 'open' || op === 'import') {
    opened = open(args, op);
    return opened;
  }
  if (!opened) throw err('NookStateError', 'the database is not open');
  await opened;
  switch (op) {
    case 'search': await catchUp(); return core.search(args.query, Number(args.k), args.hybrid !== false, args.filter);
    case 'stats': await catchUp(); return core.stats();
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
