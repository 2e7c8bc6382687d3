// The offscreen document: where the index lives. An MV3 service worker cannot start a
// dedicated Worker (nook runs its wasm in one), so the service worker creates this hidden
// page once and forwards it work; it only has chrome.runtime, so the service worker also
// reads the bookmarks and sends them here. See README.md.

import { NookStore } from './js/nook-adapter.js';
import { changed, diffSummary, entry, pageDigest, toDoc } from './sync.js';
import { SyncStore } from './syncstore.js';
import { extractMainText } from './pagetext.js';

const DB = 'nook-bookmarks';
// Bookmarks per nook add (nook commits every 16 and embeds them on its helper workers too):
// at 64 the helpers started and stopped every few seconds (5,000 bookmarks: 138/s); at 512
// indexing runs at what two threads embed (155/s). A crash re-sends at most one add, whose
// committed documents nook finds unchanged.
const CHUNK = 512;

// nook's rememberSearches: which bookmarks recent searches needed (keys only, in the index's
// own database, never sent anywhere), so that searching for them again is fast seconds
// after a browser restart. On unless the popup's switch turned it off; the switch is kept
// in this extension's localStorage, which the popup shares.
const REMEMBER_KEY = 'nook.rememberSearches';

const state = {
  phase: 'opening',          // opening | indexing | ready | error
  documents: 0,
  progress: null,            // {done, total} while indexing
  lastSync: null,            // {added, removed, ms, at}
  addedSinceStart: 0,        // documents embedded by this offscreen document: 0 after a restart with no change
  syncRecordLoaded: false,   // whether the sync record's entries were read (not at a start whose tree had not changed)
  openMs: null,              // from this document's start to the index being ready
  openSteps: null,           // {scriptMs, indexMs, syncMs}: when this script ran, the index was open, the sync record opened (ms since start); nook: its open's split
  rememberSearches: localStorage.getItem(REMEMBER_KEY) !== 'off', // see REMEMBER_KEY
  error: null,
};

// When this module began to run (ms since the document started): what the page's own
// loading took before nook's open was called.
const scriptMs = Math.round(performance.now());

/** `p`'s value and when it settled (ms since this document started). */
const timed = (p) => p.then((v) => [v, Math.round(performance.now())]);

const known = new SyncStore();
let store = null;
const ready = open();

// Background work waits until searches pause: the sync record's read and the startup diff
// against the bookmark tree (which the service worker reads and summarises: ~1.7 s of CPU
// at 80,000 bookmarks when the whole tree was sent, and ~140 MB) would otherwise share the
// two cores with the first searches after a browser start, when the user opens the popup
// at once.
const IDLE_MS = 1000;        // no search for this long (counted from the open)
const IDLE_MAX_MS = 10_000;  // and never later than this after the open
let searching = 0;
let lastSearch = Infinity;   // when the last search ended (performance.now()); the open's end at first

/** Resolves once no search has run for IDLE_MS, or IDLE_MAX_MS after the index opened. */
function idle() {
  const deadline = performance.now() + IDLE_MAX_MS;
  return new Promise((resolve) => {
    const check = () => {
      const now = performance.now();
      const quiet = now - lastSearch;
      if ((searching === 0 && quiet >= IDLE_MS) || now >= deadline) resolve();
      else setTimeout(check, searching ? 100 : IDLE_MS - quiet);
    };
    check();
  });
}

// The sync record (what the index holds, by bookmark id) is opened once the index is open
// and searches pause: searches do not need it, and reading its 80,000 records beside nook's
// own made the first result wait for both (they competed for IndexedDB and the two cores).
// Its entries are read only when a diff or a write needs them (`loaded`): a start whose
// bookmark tree has the digest the last full diff recorded needs neither (syncstore.js).
const synced = ready.then(idle).then(() => timed(known.open()));
synced.catch(() => {}); // reported by `fail` (see open), or by `ready` when the index failed
let queue = Promise.resolve(); // every write is serialised

async function open() {
  try {
    const [opened, indexMs] = await timed(NookStore.open(DB, {
      modelUrl: chrome.runtime.getURL('models/minilm-l6-int8.onnx'),
      tokenizerUrl: chrome.runtime.getURL('models/tokenizer.json'),
      rememberSearches: state.rememberSearches,
    }));
    store = opened;
    const stats = await store.stats();
    state.documents = stats.documents;
    state.openSteps = { scriptMs, indexMs, nook: stats.raw?.open ?? null, syncMs: null };
    state.phase = 'ready';
    state.openMs = Math.round(performance.now());
    lastSearch = performance.now();
    synced.then(([, syncMs]) => { state.openSteps.syncMs = syncMs; }, fail);
  } catch (e) {
    fail(e);
    throw e;
  }
}

chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (msg?.target !== 'offscreen') return false;
  handle(msg).then(reply, (e) => reply({ error: { name: e?.name ?? 'Error', message: String(e?.message ?? e) } }));
  return true; // reply is async
});

/** Messages that need no sync record, and those that need it open but not its entries. */
const WITHOUT_RECORD = ['search', 'stats', 'rememberSearches'];
const WITHOUT_ENTRIES = [...WITHOUT_RECORD, 'whenSynced', 'sameTree'];

async function handle(msg) {
  if (msg.type === 'status') return { ...state };
  await ready;
  // Everything but a search or stats compares with, or writes, the sync record (so waits
  // for searches to pause, see `idle`); all but the digest's check with its entries.
  if (!WITHOUT_RECORD.includes(msg.type)) await synced;
  if (!WITHOUT_ENTRIES.includes(msg.type)) await loaded();
  switch (msg.type) {
    case 'whenSynced': return { ...state };
    // The startup diff: first the tree's digest (sync.js `treeDigest`): the one the last full
    // diff recorded, and nothing was written since, means nothing to do. Else the service
    // worker's summary of the tree, then the bookmarks it names (new, changed, or indexed
    // with page text) with the ids to remove, and the digest to record once they are applied.
    case 'sameTree': {
      const same = known.digest !== null && known.digest === msg.digest;
      if (same) {
        state.lastSync = { added: 0, removed: 0, ms: 0, at: Date.now(), unchanged: true };
        announce();
      }
      return { same };
    }
    case 'diffSummary':
      diffWrites = known.writes;
      return diffSummary(msg.rows ?? [], known.map);
    case 'reconcile': return write(async () => {
      // The digest stands for the record this diff leaves only if nothing else wrote it
      // between the summary's comparison and now (page text, a delta: each deletes it).
      const clean = known.writes === diffWrites;
      const done = await applyDelta(msg);
      if (clean && typeof msg.digest === 'string') {
        // Not recorded (a full disk, say): the next start diffs in full, as before digests.
        await known.setDigest(msg.digest).catch((e) => console.warn('nook: the tree digest was not recorded', e));
      }
      return done;
    });
    case 'apply': return write(() => applyDelta(msg));
    case 'pageText': return write(() => setPageText(msg.id, msg.text));
    case 'fetchPageText': {
      const text = await fetchPageText(msg.url);
      if (text) await write(() => setPageText(msg.id, text));
      return { text };
    }
    case 'search': {
      searching++;
      try {
        const { hits, timing } = await store.search(msg.query, { k: msg.k ?? 8, hybrid: msg.hybrid ?? true, preview: msg.preview === true });
        return { hits: hits.map(({ id, score, title, url, meta, snippet }) => ({ id, score, title, url, meta, snippet })), timing };
      } finally {
        searching--;
        lastSearch = performance.now();
      }
    }
    case 'stats': return store.stats();
    // Off: nook forgets and deletes what it kept before this resolves.
    case 'rememberSearches': {
      const on = msg.on === true;
      localStorage.setItem(REMEMBER_KEY, on ? 'on' : 'off');
      await store.rememberSearches(on);
      state.rememberSearches = on;
      return { ...state };
    }
    default: throw new Error(`unknown message type ${msg.type}`);
  }
}

/** A delta's bookmarks the index lacks or holds in another version, and its ids still held. */
function applyDelta(msg) {
  return applyChanges(changed(msg.upsert ?? [], known.map), (msg.remove ?? []).filter((id) => known.map.has(id)));
}

/** The sync record's entries, read on first need. */
async function loaded() {
  await known.load();
  state.syncRecordLoaded = true;
}

/** `known.writes` when the last startup diff compared its summary (see 'reconcile'). */
let diffWrites = -1;

function write(fn) {
  const p = queue.then(fn);
  queue = p.catch(() => {});
  return p;
}

/** Delete `remove` (ids), add or replace `add` (bookmarks), in chunks; record lastSync. */
async function applyChanges(add, remove) {
  const t0 = performance.now();
  if (remove.length) {
    await deleteIds(remove);
    await known.remove(remove);
  }
  if (add.length) {
    state.phase = 'indexing';
    state.progress = { done: 0, total: add.length };
    announce();
    try {
      for (let i = 0; i < add.length; i += CHUNK) {
        const chunk = add.slice(i, i + CHUNK);
        const texts = await known.pages(chunk.map((b) => b.id));
        const docs = chunk.map((b) => toDoc(b, texts.get(b.id) ?? ''));
        await store.add(docs, {
          onProgress: ({ done }) => { state.progress = { done: i + Math.min(done, chunk.length), total: add.length }; announce(); },
        });
        // Committed in nook first, then remembered here: a crash in between re-adds (an
        // upsert), never skips.
        await known.put(chunk.map((b) => [b.id, entry(b, texts.get(b.id) ?? '')]), texts);
        state.addedSinceStart += chunk.length;
        state.progress = { done: i + chunk.length, total: add.length };
        announce();
      }
    } finally {
      state.progress = null;
      state.phase = 'ready';
    }
  }
  state.documents = (await store.stats()).documents;
  state.lastSync = { added: add.length, removed: remove.length, ms: Math.round(performance.now() - t0), at: Date.now() };
  announce();
  return state.lastSync;
}

/** Delete ids, tolerating ones the index no longer has (a crash between the two stores). */
async function deleteIds(ids) {
  try {
    await store.delete(ids);
  } catch {
    for (const id of ids) {
      try { await store.delete([id]); } catch { /* already gone */ }
    }
  }
}

async function setPageText(id, text) {
  text = String(text ?? '').replace(/\s+/g, ' ').trim().slice(0, 4000);
  if (!text) return { ok: false };
  // The page text may arrive before the bookmark itself was indexed: keep it, with a
  // signature hash that matches nothing, so the next diff (re-)adds the bookmark with it.
  await known.put([[id, { s: 0, d: pageDigest(text) }]], new Map([[id, text]]));
  return { ok: true };
}

/**
 * The main text of the page at `url`, fetched (the service worker only asks when the user
 * granted the host permission for it): no cookies, 10 s, HTML or plain text up to 2 MB.
 */
async function fetchPageText(url) {
  const res = await fetch(url, { credentials: 'omit', redirect: 'follow', cache: 'no-store', signal: AbortSignal.timeout(10_000) });
  if (!res.ok) return '';
  const type = res.headers.get('content-type') ?? '';
  if (!/text\/html|text\/plain|application\/xhtml/i.test(type)) return '';
  const body = await res.text();
  if (body.length > 2 * 1024 * 1024) return '';
  if (/text\/plain/i.test(type)) return body.replace(/\s+/g, ' ').trim().slice(0, 20000);
  const doc = new DOMParser().parseFromString(body, 'text/html');
  return extractMainText(doc);
}

function announce() {
  chrome.runtime.sendMessage({ type: 'nook-status', state: { ...state } }).catch(() => {});
}

function fail(e) {
  state.phase = 'error';
  state.error = { name: e?.name ?? 'Error', message: String(e?.message ?? e) };
  console.error(e);
}
