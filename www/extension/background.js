// Service worker of the nook bookmarks extension. It owns the chrome.* events; the index
// itself lives in the offscreen document (offscreen.js), which this worker creates on
// demand and feeds: a MV3 service worker cannot start the dedicated Worker nook runs in.

import { flatten } from './sync.js';

const OFFSCREEN = 'offscreen.html';
let creating = null;

/** Make sure the offscreen document exists; a fresh one is brought up to date first. */
async function ensureOffscreen() {
  const url = chrome.runtime.getURL(OFFSCREEN);
  const existing = await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] });
  if (existing.length) return false;
  if (!creating) {
    creating = chrome.offscreen.createDocument({
      url: OFFSCREEN,
      reasons: ['WORKERS'],
      justification: 'Runs the nook search index (WebAssembly in a Web Worker) over your bookmarks, locally.',
    }).finally(() => { creating = null; });
    await creating;
    return true;
  }
  await creating;
  return false;
}

async function toOffscreen(msg) {
  const fresh = await ensureOffscreen();
  if (fresh && msg.type !== 'reconcile') await reconcile();
  const res = await chrome.runtime.sendMessage({ target: 'offscreen', ...msg });
  if (res?.error) throw Object.assign(new Error(res.error.message), { name: res.error.name });
  return res;
}

/** Send the whole bookmark tree; the offscreen document adds/removes only what changed. */
async function reconcile() {
  const bookmarks = flatten(await chrome.bookmarks.getTree());
  return toOffscreen({ type: 'reconcile', bookmarks });
}

// Bookmark events arrive in bursts (an import creates thousands): coalesce them.
let timer = 0;
let pending = null;
function scheduleReconcile() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    pending = (pending ?? Promise.resolve()).then(reconcile).catch((e) => console.error('nook: sync failed', e));
  }, 250);
}

chrome.runtime.onInstalled.addListener(() => scheduleReconcile());
chrome.runtime.onStartup.addListener(() => scheduleReconcile());
chrome.bookmarks.onCreated.addListener((id, node) => { scheduleReconcile(); if (node.url) maybeIndexPage(id, node.url); });
chrome.bookmarks.onChanged.addListener(scheduleReconcile);
chrome.bookmarks.onRemoved.addListener(scheduleReconcile);
chrome.bookmarks.onMoved.addListener(scheduleReconcile);
chrome.bookmarks.onChildrenReordered?.addListener(scheduleReconcile);
chrome.bookmarks.onImportEnded?.addListener(scheduleReconcile);

// Popup and omnibox talk to this worker; it forwards to the offscreen document.
chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (!msg || msg.target === 'offscreen' || msg.type === 'nook-status') return false;
  const run = msg.type === 'sync' ? reconcile() : toOffscreen(msg);
  run.then(reply, (e) => reply({ error: { name: e.name, message: e.message } }));
  return true;
});

// Omnibox: "nk <words>" in the address bar.
chrome.omnibox.setDefaultSuggestion({ description: 'Search your bookmarks with nook: <match>%s</match>' });
let omniSeq = 0;
chrome.omnibox.onInputChanged.addListener(async (text, suggest) => {
  const seq = ++omniSeq;
  if (!text.trim()) return;
  try {
    const { hits } = await toOffscreen({ type: 'search', query: text, k: 6 });
    if (seq !== omniSeq) return;
    suggest(hits.filter((h) => h.url).map((h) => ({
      content: h.url,
      description: `${xml(h.title || h.url)} <dim>${xml(h.meta?.folder ?? '')}</dim> <url>${xml(h.url)}</url>`,
    })));
  } catch (e) {
    console.error('nook: omnibox search failed', e);
  }
});
chrome.omnibox.onInputEntered.addListener(async (text, disposition) => {
  let url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : null;
  if (!url) {
    const { hits } = await toOffscreen({ type: 'search', query: text, k: 1 });
    url = hits[0]?.url;
  }
  if (!url) return;
  if (disposition === 'currentTab') chrome.tabs.update({ url });
  else chrome.tabs.create({ url, active: disposition === 'newForegroundTab' });
});

function xml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c]));
}

// Optional (off by default): when the user granted "read pages you bookmark", read the text
// of the tab that is being bookmarked so the page's content is searchable too.
async function maybeIndexPage(id, url) {
  const granted = await chrome.permissions.contains({ permissions: ['scripting'], origins: ['<all_urls>'] });
  if (!granted) return;
  try {
    const [tab] = await chrome.tabs.query({ url: url.split('#')[0] });
    if (!tab?.id) return;
    const [res] = await chrome.scripting.executeScript({
      target: { tabId: tab.id },
      func: () => (document.body?.innerText ?? '').slice(0, 20000),
    });
    if (res?.result) {
      await toOffscreen({ type: 'pageText', id, text: res.result });
      scheduleReconcile();
    }
  } catch (e) {
    console.warn('nook: could not read the bookmarked page', e);
  }
}
