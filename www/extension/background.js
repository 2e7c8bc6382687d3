// Service worker of the nook bookmarks extension. It owns the chrome.* events; the index
// itself lives in the offscreen document (offscreen.js), which this worker creates at
// browser start (or when a message finds none) and feeds: a MV3 service worker cannot
// start the dedicated Worker nook runs in.

import { flatten, summary, treeDigest } from './sync.js';
import { extractMainText, originPattern } from './pagetext.js';

const OFFSCREEN = 'offscreen.html';
const DB = 'nook-bookmarks'; // offscreen.js's index

/**
 * Make sure the offscreen document exists; true when this call created it. Concurrent
 * calls share one check-and-create (Chrome allows a single offscreen document).
 */
let ensuring = null;
function ensureOffscreen() {
  ensuring ??= (async () => {
    const url = chrome.runtime.getURL(OFFSCREEN);
    const existing = await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] });
    if (existing.length) return false;
    await chrome.offscreen.createDocument({
      url: OFFSCREEN,
      reasons: ['WORKERS'],
      justification: 'Runs the nook search index (WebAssembly in a Web Worker) over your bookmarks, locally.',
    });
    return true;
  })().finally(() => { ensuring = null; });
  return ensuring;
}

/**
 * Forward a message to the offscreen document. A fresh one (Chrome closed the last) is
 * brought up to date with the tree, but the message does not wait for that: a search is
 * answered from the stored index as soon as it is open, and the diff follows.
 */
async function toOffscreen(msg) {
  const fresh = await ensureOffscreen();
  if (fresh && !['reconcile', 'diffSummary', 'whenSynced', 'sameTree'].includes(msg.type)) scheduleReconcile();
  const res = await chrome.runtime.sendMessage({ target: 'offscreen', ...msg });
  if (res?.error) throw Object.assign(new Error(res.error.message), { name: res.error.name });
  return res;
}

/** The startup diff: the tree's digest goes to the offscreen document, which answers
 * whether it is the one its last full diff recorded with nothing written since (then there
 * is nothing to do); if not, a summary of the tree (`[id, hash]` per bookmark), of which it
 * names what it lacks or holds in another version and what to remove; only those
 * bookmarks are sent whole, with the digest to record once they are applied. The tree is
 * read once the index is open and searches have paused (the offscreen document opens its
 * sync record then): at browser start the first searches should not share the two cores
 * with reading 80,000 bookmarks. */
async function reconcile() {
  await toOffscreen({ type: 'whenSynced' });
  let tree = await chrome.bookmarks.getTree();
  // Nothing changed since the last full diff (the common browser start): done, without
  // flattening the tree or sending its summary.
  const digest = treeDigest(tree);
  if ((await toOffscreen({ type: 'sameTree', digest })).same) return null;
  let bookmarks = flatten(tree);
  tree = null;
  const { need, remove } = await toOffscreen({ type: 'diffSummary', rows: summary(bookmarks) });
  const wanted = new Set(need);
  const upsert = bookmarks.filter((b) => wanted.has(b.id));
  bookmarks = null; // the tree is not needed while the changes are embedded
  return toOffscreen({ type: 'reconcile', upsert, remove, digest });
}

/** Browser start or install: the offscreen document starts opening the index now; the tree
 * diff is scheduled with the events. */
function start() {
  warmIndexedDB();
  // Earlier versions kept a Cache API copy of the model the package now reads from the
  // extension's own files (nook's pkg/src/assets.js): 23 MB freed.
  globalThis.caches?.delete('nook-model-v1').catch(() => {});
  ensureOffscreen().catch((e) => console.error('nook: starting the index failed', e));
  scheduleReconcile();
}

/**
 * After a browser start, Chrome opens the extension's IndexedDB store on its first use,
 * which the offscreen document's worker then waited for (60-115 ms after its model files
 * were read, bench/results/extension-80k.json). This worker starts ~0.25 s before that
 * one, so it asks first: a connection to the index's database (never creating it: an
 * upgrade is aborted), held a few seconds and given up at once to an upgrade or delete.
 */
const WARM_HOLD_MS = 5000;
function warmIndexedDB() {
  let req;
  try { req = indexedDB.open(DB); } catch (_) { return; }
  req.onupgradeneeded = () => req.transaction.abort();
  req.onsuccess = () => {
    const db = req.result;
    db.onversionchange = () => db.close();
    setTimeout(() => db.close(), WARM_HOLD_MS);
  };
  req.onerror = (e) => e.preventDefault();
}

// Bookmark events: each one is turned into the bookmarks it touches (a created or edited
// bookmark; every bookmark under a renamed or moved folder; the ids under a removed node)
// and applied as a delta, so an event costs the same with 100 or 80,000 bookmarks. Events
// are handled in order and coalesced for 250 ms (bursts become one batched add). The whole
// tree is diffed only at install, browser start, after an import, when the offscreen
// document was (re)created, or if a delta fails.
let timer = 0;
let pending = Promise.resolve();
let events = Promise.resolve();
let delta = { upsert: new Map(), remove: new Set(), full: false };

function flushSoon() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    pending = pending.then(() => events).then(flush).catch((e) => console.error('nook: sync failed', e));
  }, 250);
}

async function flush() {
  const d = delta;
  delta = { upsert: new Map(), remove: new Set(), full: false };
  queued = 0;
  if (d.full) return reconcile();
  if (!d.upsert.size && !d.remove.size) return null;
  try {
    return await toOffscreen({ type: 'apply', upsert: [...d.upsert.values()], remove: [...d.remove] });
  } catch (e) {
    console.warn('nook: applying bookmark changes failed, re-reading the tree', e);
    return reconcile();
  }
}

function scheduleReconcile() {
  delta.full = true;
  flushSoon();
}

/** Events in the current coalescing window; past `BURST` one tree diff replaces them. */
let queued = 0;
/** A burst (thousands of API-created bookmarks) would cost one folder lookup chain per
 * event before anything is indexed, and a long chain risks Chrome stopping the service
 * worker before the delta is sent. Past this many events in one window, a single tree diff
 * (1.7 s at 80,000 bookmarks) takes over. */
const BURST = 200;

/** Queue an event: `compute` resolves to {upsert?: [bookmark], remove?: [id]} (in event order). */
function onEvent(compute) {
  queued += 1;
  if (queued > BURST) {
    delta.full = true;
    flushSoon();
    return;
  }
  events = events.then(compute).then(({ upsert = [], remove = [] } = {}) => {
    for (const id of remove) { delta.upsert.delete(id); delta.remove.add(id); }
    for (const b of upsert) { delta.remove.delete(b.id); delta.upsert.set(b.id, b); }
  }, (e) => { console.warn('nook: reading a bookmark event failed, re-reading the tree', e); delta.full = true; });
  flushSoon();
}

/** Folder titles from the root down to (and including) folder `id`. */
async function folderPath(id) {
  const path = [];
  while (id && id !== '0') {
    const [n] = await chrome.bookmarks.get(id);
    if (!n) break;
    if (n.title) path.unshift(n.title);
    id = n.parentId;
  }
  return path;
}

/** The bookmarks at or under node `id`, with their folder paths ([] if it is gone). */
async function bookmarksUnder(id) {
  let node;
  try { [node] = await chrome.bookmarks.getSubTree(id); } catch { return []; }
  return node ? flatten([node], await folderPath(node.parentId)) : [];
}

let importing = false;
chrome.runtime.onInstalled.addListener(start);
chrome.runtime.onStartup.addListener(start);
chrome.bookmarks.onCreated.addListener((id, node) => {
  if (importing) return;
  onEvent(async () => ({ upsert: flatten([node], await folderPath(node.parentId)) }));
  if (node.url) maybeIndexPage(id, node.url);
});
chrome.bookmarks.onChanged.addListener((id) => { if (!importing) onEvent(async () => ({ upsert: await bookmarksUnder(id) })); });
chrome.bookmarks.onMoved.addListener((id) => { if (!importing) onEvent(async () => ({ upsert: await bookmarksUnder(id) })); });
chrome.bookmarks.onRemoved.addListener((id, info) => {
  if (importing) return;
  // A removed folder's node lists its children; if it does not, fall back to the tree.
  if (info?.node && (info.node.url || info.node.children)) onEvent(async () => ({ remove: [id, ...flatten([info.node]).map((b) => b.id)] }));
  else scheduleReconcile();
});
chrome.bookmarks.onImportBegan?.addListener(() => { importing = true; });
chrome.bookmarks.onImportEnded?.addListener(() => { importing = false; scheduleReconcile(); });

// Popup and omnibox talk to this worker; it forwards to the offscreen document.
chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (!msg || msg.target === 'offscreen' || msg.type === 'nook-status') return false;
  const run = msg.type === 'sync' ? reconcile() : toOffscreen(msg);
  run.then(reply, (e) => reply({ error: { name: e.name, message: e.message } }));
  return true;
});

// Omnibox: "nk <words>" in the address bar. The handlers are plain functions (also on
// `self.nookOmnibox`) so the tests can check what they suggest and open.
chrome.omnibox.setDefaultSuggestion({ description: 'Search your bookmarks with nook: <match>%s</match>' });

/** Suggestions for `text`: [{content: url, description: XML}], best first. */
async function omniboxSuggestions(text, k = 6) {
  if (!text.trim()) return [];
  const { hits } = await toOffscreen({ type: 'search', query: text, k });
  return hits.filter((h) => h.url).map((h) => ({
    content: h.url,
    description: `${xml(h.title || h.url)}${h.meta?.folder ? ` <dim>${xml(h.meta.folder)}</dim>` : ''} <url>${xml(h.url)}</url>`,
  }));
}

/** What Enter opens: the suggestion's URL if one was picked, else the best match of the words. */
async function omniboxTarget(text) {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim())) return text.trim();
  const { hits } = await toOffscreen({ type: 'search', query: text, k: 1 });
  return hits[0]?.url ?? null;
}

async function omniboxEnter(text, disposition) {
  const url = await omniboxTarget(text);
  if (!url) return null;
  if (disposition === 'currentTab') await chrome.tabs.update({ url });
  else await chrome.tabs.create({ url, active: disposition !== 'newBackgroundTab' });
  return url;
}

let omniSeq = 0;
chrome.omnibox.onInputChanged.addListener(async (text, suggest) => {
  const seq = ++omniSeq;
  try {
    const list = await omniboxSuggestions(text);
    if (seq === omniSeq) suggest(list);
  } catch (e) {
    console.error('nook: omnibox search failed', e);
  }
});
chrome.omnibox.onInputEntered.addListener((text, disposition) => {
  omniboxEnter(text, disposition).catch((e) => console.error('nook: omnibox open failed', e));
});
self.nookOmnibox = { suggestions: omniboxSuggestions, target: omniboxTarget, enter: omniboxEnter };

function xml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c]));
}

// Optional (off by default): when the user turned on "also index the text of pages I
// bookmark" (which grants the optional permissions), read the main text of a page when it
// is bookmarked and index it with the bookmark. From the open tab if there is one
// (chrome.scripting: no network request), else by fetching the page in the offscreen
// document. Without the permission nothing is read and nothing is fetched.
async function maybeIndexPage(id, url) {
  if (importing) return null; // thousands of pages at once: titles and URLs only
  const origin = originPattern(url);
  if (!origin || !(await chrome.permissions.contains({ origins: [origin] }))) return null;
  let text = '';
  let via = null;
  try {
    if (await chrome.permissions.contains({ permissions: ['scripting'] })) {
      // The tab showing the page (tab URLs are visible with the host permission).
      const bare = (u) => String(u ?? '').split('#')[0];
      const tabs = (await chrome.tabs.query({})).filter((t) => bare(t.url) === bare(url));
      const tab = tabs.find((t) => t.active) ?? tabs[0];
      if (tab?.id != null) {
        const [res] = await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: extractMainText });
        text = typeof res?.result === 'string' ? res.result : '';
        via = 'tab';
      }
    }
  } catch (e) {
    console.warn('nook: could not read the bookmarked tab', e);
  }
  try {
    if (!text) {
      const r = await toOffscreen({ type: 'fetchPageText', id, url });
      text = r?.text ?? '';
      via = 'fetch';
    } else {
      await toOffscreen({ type: 'pageText', id, text });
    }
  } catch (e) {
    console.warn('nook: could not fetch the bookmarked page', e);
    return null;
  }
  if (text) onEvent(async () => ({ upsert: await bookmarksUnder(id) }));
  return { via, chars: text.length };
}
self.nookPageText = { index: maybeIndexPage };
