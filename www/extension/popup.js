// The popup: search as you type, results open the bookmark, keyboard navigation, indexing
// progress. It asks the service worker, which forwards to the offscreen document.

import { highlightInto, queryTerms } from './js/highlight.js';
import { Settle } from './js/settle.js';
import { PAGE_TEXT_PERMISSIONS } from './pagetext.js';

const $ = (id) => document.getElementById(id);
const q = $('q');
const results = $('results');
const status = $('status');
const remember = $('remember');
let hits = [];
let selected = -1;
let shownQuery = '';
let seq = 0;
let timer = 0;

/** For the tests and for curious people: the last search and its timing. */
window.nookPopup = { lastQuery: null, lastHits: [], lastTiming: null, lastPreview: null, state: null, runs: { preview: [], exact: [] } };

async function ask(msg) {
  const res = await chrome.runtime.sendMessage(msg);
  if (res?.error) throw Object.assign(new Error(res.error.message), { name: res.error.name });
  return res;
}

function showState(s) {
  window.nookPopup.state = s;
  if (typeof s.rememberSearches === 'boolean') remember.checked = s.rememberSearches;
  const bar = $('progress');
  status.classList.toggle('error', s.phase === 'error');
  if (s.phase === 'error') {
    status.textContent = `Index error: ${s.error?.message ?? 'unknown'}`;
  } else if (s.progress) {
    bar.hidden = false;
    $('fill').style.width = `${(100 * s.progress.done) / Math.max(1, s.progress.total)}%`;
    status.textContent = `Indexing bookmarks: ${s.progress.done.toLocaleString()} / ${s.progress.total.toLocaleString()} — search works meanwhile`;
    return;
  } else if (s.phase === 'opening') {
    status.textContent = 'Opening the index…';
  } else if (!shownQuery) {
    status.textContent = `${s.documents.toLocaleString()} bookmarks, searchable on this device`;
  }
  bar.hidden = true;
}

chrome.runtime.onMessage.addListener((msg) => {
  if (msg?.type === 'nook-status') showState(msg.state);
});

/**
 * Two requests: nook's preview (cached embeddings + PQ codes, its best 4 recomputed: tens of ms)
 * paints at once; the exact search (which re-embeds cold candidates, up to ~1 s in a large
 * index after a restart) then refines the list in place. While the user is still typing
 * only previews run: the exact search waits until the query is still (js/settle.js), so a
 * half-typed query never holds the worker (text pasted whole does not wait). The worker
 * embeds the query once.
 */
const settle = new Settle();

async function search() {
  const query = q.value.trim();
  const mine = ++seq;
  if (!query) { render([], ''); if (window.nookPopup.state) showState(window.nookPopup.state); return; }
  const show = (found, timing, final) => {
    if (mine !== seq) return false;
    window.nookPopup.lastQuery = query;
    window.nookPopup.lastHits = found;
    window.nookPopup.lastTiming = timing;
    window.nookPopup.refined = final;
    if (!final) window.nookPopup.lastPreview = { query, hits: found, timing };
    render(found, query);
    // What a person needs: whether the list may still change, and whether anything matched.
    status.textContent = final ? (found.length ? '' : 'Nothing matches; try other words.') : 'Refining…';
    return true;
  };
  try {
    window.nookPopup.runs.preview.push(query);
    const first = await ask({ type: 'search', query, k: 8, preview: true });
    if (!show(first.hits, first.timing, false)) return;
    if (!(await settle.still(() => mine !== seq))) return; // typing went on: a newer search owns the list
    window.nookPopup.runs.exact.push(query);
    const exact = await ask({ type: 'search', query, k: 8 });
    show(exact.hits, exact.timing, true);
  } catch (e) {
    if (mine === seq) { status.textContent = e.message; status.classList.add('error'); }
  }
}

function render(found, query) {
  // The refined list of the same query keeps the bookmark the user had selected.
  const keep = query === shownQuery ? hits[selected]?.id : undefined;
  shownQuery = query;
  hits = found;
  results.replaceChildren();
  if (!found.length) {
    if (query) results.append(Object.assign(document.createElement('li'), { className: 'empty', textContent: 'No bookmark found.' }));
    selected = -1;
    q.setAttribute('aria-expanded', 'false');
    q.removeAttribute('aria-activedescendant');
    return;
  }
  q.setAttribute('aria-expanded', 'true');
  const terms = queryTerms(query);
  const tpl = $('tpl');
  found.forEach((h, i) => {
    const li = tpl.content.firstElementChild.cloneNode(true);
    li.id = `r${i}`;
    li.dataset.id = h.id;
    highlightInto(li.querySelector('.title'), h.title || h.url, terms);
    li.querySelector('.folder').textContent = h.meta?.folder ?? '';
    highlightInto(li.querySelector('.url'), (h.url ?? '').replace(/^https?:\/\/(www\.)?/, ''), terms);
    li.addEventListener('click', () => openHit(i));
    li.addEventListener('mousemove', () => select(i));
    results.append(li);
  });
  select(Math.max(0, found.findIndex((h) => h.id === keep)));
}

function select(i) {
  const items = results.querySelectorAll('.result');
  if (!items.length) return;
  selected = (i + items.length) % items.length;
  items.forEach((li, j) => li.setAttribute('aria-selected', String(j === selected)));
  q.setAttribute('aria-activedescendant', items[selected].id);
  items[selected].scrollIntoView({ block: 'nearest' });
}

function openHit(i) {
  const h = hits[i];
  if (!h?.url) return;
  chrome.tabs.create({ url: h.url });
  window.close();
}

q.addEventListener('input', (e) => { settle.input(e, q.value); clearTimeout(timer); timer = setTimeout(search, 80); });
q.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown') { e.preventDefault(); select(selected + 1); }
  else if (e.key === 'ArrowUp') { e.preventDefault(); select(selected - 1); }
});
$('form').addEventListener('submit', (e) => { e.preventDefault(); if (selected >= 0) openHit(selected); });

// Optional page-text indexing, off by default: the permission *is* the setting (nothing
// else is stored). Ticking asks Chrome for it (the user confirms in Chrome's dialog);
// unticking gives it back.
const pages = $('pages');
const syncToggle = () => chrome.permissions.contains(PAGE_TEXT_PERMISSIONS).then((on) => { pages.checked = on; pages.indeterminate = false; });
syncToggle();
chrome.permissions.onAdded.addListener(syncToggle);
chrome.permissions.onRemoved.addListener(syncToggle);
pages.addEventListener('change', async () => {
  if (pages.checked) {
    pages.checked = false;
    pages.indeterminate = true; // waiting for the user's answer in Chrome's dialog
    try { await chrome.permissions.request(PAGE_TEXT_PERMISSIONS); } catch (e) { status.textContent = e.message; }
  } else {
    await chrome.permissions.remove(PAGE_TEXT_PERMISSIONS);
  }
  await syncToggle();
});

// What recent searches found (nook's rememberSearches), kept so that searching again is fast
// after a browser restart; unticking deletes it at once.
remember.addEventListener('change', async () => {
  remember.disabled = true;
  try { showState(await ask({ type: 'rememberSearches', on: remember.checked })); } catch (e) { status.textContent = e.message; }
  remember.disabled = false;
});

ask({ type: 'status' }).then(showState, (e) => { status.textContent = e.message; });
q.focus();
