// The demo page: opens the default corpus's prebuilt index (built natively by `nook site
// build`, downloaded once), searches as you type, adds what the user brings to a database
// of their own, and shows what is stored and what went over the network.
// All calls into nook go through ./nook-adapter.js.

import { NookLayers } from './nook-adapter.js';
import { docsFromFile, docsFromText } from './ingest.js';
import { highlightInto, queryTerms, snippetAround } from './highlight.js';
import { fmtBytes, fmtMs, stackedBars } from './charts.js';
import { Settle } from './settle.js';
import { foreign, netEntries, startNetlog } from './netlog.js';

const SITE_URL = 'data/site/';          // the prebuilt index: nook-site.json + index.<hash>.nook
const OWN_DB = 'nook-demo-own';         // the visitor's own documents
const CHUNK = 64;                       // documents per add() call: one committed step
const EXAMPLES = [
  'keeping bees for honey',
  'a mass of ice that moves slowly down a mountain',
  'trouble falling asleep at night',
  'a tower with a bright light that guides ships',
  '1998 baseball draft',
  'cross-origin requests',
];

const $ = (id) => document.getElementById(id);
const ui = {
  q: $('q'), hybrid: $('hybrid'), status: $('status'), error: $('error'), results: $('results'),
  hint: $('results-hint'), progress: $('progress'), fill: $('progress-fill'), count: $('progress-count'),
  eta: $('progress-eta'), stop: $('progress-stop'), examples: $('examples'),
};

/** State the end-to-end tests read (window.nookDemo); nothing here is secret. */
const demo = (window.nookDemo = {
  ready: false, openedFrom: null, openMs: null, addedThisSession: 0, documents: 0,
  corpusSize: 0, lastQuery: null, lastHits: [], errors: [],
});

let store = null;
let selected = -1;
let hits = [];
let searchSeq = 0;
let searchAbort = null;
let ingestAbort = null;
const writes = { chain: Promise.resolve() }; // serialise every write from this page

boot().catch(showError);

async function boot() {
  // Milliseconds from the navigation's start (bench/browser/demo.mjs reports the split).
  demo.marks = { boot: performance.now() };
  startNetlog(renderNet);
  wireUi();
  await serviceWorker();
  demo.marks.serviceWorker = performance.now();
  setStatus('Loading the model and the prebuilt index…');
  const assets = {
    modelUrl: new URL('models/minilm-l6-int8.onnx', location.href).href,
    tokenizerUrl: new URL('models/tokenizer.json', location.href).href,
  };
  const sourcesP = fetch('data/sources.json').then((r) => {
    if (!r.ok) throw new Error(`data/sources.json: HTTP ${r.status} — run scripts/build_demo.sh`);
    return r.json();
  });
  // The default corpus was embedded and indexed natively (`nook site build`, same model):
  // the first visit downloads that index once instead of embedding 3,100 documents.
  store = await NookLayers.open(SITE_URL, OWN_DB, assets);
  demo.openMs = store.openMs;
  demo.marks.opened = performance.now();
  const site = store.siteInfo;
  demo.corpusSize = site.documents;
  demo.openedFrom = site.downloaded ? 'prebuilt' : 'indexeddb';
  const stats = await refreshStats();
  setStatus(site.downloaded
    ? `Opened the prebuilt index of ${site.documents.toLocaleString()} documents in ${fmtMs(store.openMs)}: built ahead of time by \`nook site build\`, nothing was embedded in this browser.`
    : `Reopened ${stats.documents.toLocaleString()} documents from IndexedDB in ${fmtMs(store.openMs)} — nothing was rebuilt.`);
  enableSearch();
  renderCredits(await sourcesP);
  demo.marks.ready = performance.now();
  demo.ready = true;
  document.documentElement.dataset.ready = 'true';
}

async function serviceWorker() {
  if (!('serviceWorker' in navigator)) return setOffline(false, 'no service worker');
  try {
    await navigator.serviceWorker.register('sw.js', { scope: './' });
    if (!navigator.serviceWorker.controller) {
      // First visit: wait (briefly) until the worker controls the page, so the model and
      // wasm that nook's Web Worker fetches next are cached for the next, offline visit.
      await Promise.race([
        new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true })),
        new Promise((r) => setTimeout(r, 3000)),
      ]);
    }
    setOffline(!!navigator.serviceWorker.controller);
  } catch (e) {
    setOffline(false, e.message);
  }
}

function setOffline(ok, why) {
  const b = $('badge-offline');
  b.textContent = ok ? 'works offline' : `offline: unavailable${why ? ` (${why})` : ''}`;
  b.className = `badge ${ok ? 'ok' : ''}`;
}

// ---------------------------------------------------------------- indexing

/** Add docs in CHUNK-sized committed steps with a progress bar; onCommitted(count) after each. */
function addWithProgress(docs, what, onCommitted = () => {}) {
  const run = async () => {
    ingestAbort = new AbortController();
    const { signal } = ingestAbort;
    const t0 = performance.now();
    let done = 0;
    showProgress(0, docs.length, null);
    setStatus(`Indexing the ${what} in a background worker: the page stays usable.`);
    try {
      for (let i = 0; i < docs.length; i += CHUNK) {
        const chunk = docs.slice(i, i + CHUNK);
        await store.add(chunk, {
          signal,
          onProgress: ({ done: d }) => showProgress(done + Math.min(d, chunk.length), docs.length, t0),
        });
        done += chunk.length;
        demo.addedThisSession += chunk.length;
        onCommitted(done);
        showProgress(done, docs.length, t0);
        if (i === 0) enableSearch();
        refreshStatsSoon();   // the Index card follows every commit, as the progress bar does
      }
    } catch (e) {
      if (e.name === 'AbortError' || signal.aborted) {
        setStatus(`Paused after ${done.toLocaleString()} of ${docs.length.toLocaleString()} documents — they are saved; reload to continue.`);
        return;
      }
      throw e;
    } finally {
      ui.progress.hidden = true;
      ingestAbort = null;
    }
  };
  const p = writes.chain.then(run);
  writes.chain = p.catch(() => {});
  return p;
}

function showProgress(done, total, t0) {
  ui.progress.hidden = false;
  ui.fill.style.width = `${(100 * done) / Math.max(1, total)}%`;
  ui.count.textContent = `${done.toLocaleString()} / ${total.toLocaleString()} documents`;
  if (t0 && done > 0) {
    const secs = (performance.now() - t0) / 1000;
    const rate = done / secs;
    const left = (total - done) / rate;
    ui.eta.textContent = `${rate.toFixed(rate < 10 ? 1 : 0)} docs/s · ${done >= total ? 'done' : `about ${fmtDuration(left)} left`}`;
  } else {
    ui.eta.textContent = 'starting…';
  }
}

function fmtDuration(s) {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// ---------------------------------------------------------------- search

function enableSearch() {
  if (!ui.q.disabled) return;
  ui.q.disabled = false;
  $('paste-add').disabled = false;
  if (!document.activeElement || document.activeElement === document.body) ui.q.focus();
  if (ui.q.value.trim()) search(ui.q.value);
}

// As the extension's popup (settle.js): a preview 90 ms after a keystroke, the exact
// search once the query is still.
const settle = new Settle();
let debounce = 0;
function onQueryInput(e) {
  const text = ui.q.value;
  settle.input(e, text);
  clearTimeout(debounce);
  debounce = setTimeout(() => search(text), 90);
}

async function search(query) {
  query = query.trim();
  const seq = ++searchSeq;
  searchAbort?.abort();
  if (!query) { renderResults([], ''); return; }
  if (!store || ui.q.disabled) return;
  searchAbort = new AbortController();
  try {
    // nook's preview (codes, its best 4 measured) paints first; the exact result replaces it.
    const signal = searchAbort.signal;
    const { hits: first, timing: t } = await store.search(query, { k: 10, hybrid: ui.hybrid.checked, signal, preview: true });
    if (seq !== searchSeq) return; // a newer query is on its way
    demo.lastPreview = { query, hits: first, ...t };
    renderResults(first, query);
    if (!(await settle.still(() => seq !== searchSeq))) return; // typing went on
    const exact = await store.search(query, { k: 10, hybrid: ui.hybrid.checked, signal });
    if (seq !== searchSeq) return; // a newer query is on its way
    // nook keeps the last query's embedding: when the preview made it, the split shown is the
    // query's (its embedding, counted where it was made, plus the exact search).
    const timing = exact.timing.embedMs === 0 && t.embedMs > 0
      ? { ...exact.timing, embedMs: t.embedMs, searchMs: exact.timing.searchMs + t.embedMs, totalMs: exact.timing.totalMs + t.embedMs }
      : exact.timing;
    const found = exact.hits;
    demo.lastQuery = { query, hybrid: ui.hybrid.checked, ...timing };
    demo.packageLastQuery = store.packageLastQuery();
    demo.lastHits = found;
    renderResults(found, query);
    renderTiming(timing, found.length);
  } catch (e) {
    if (e.name !== 'AbortError' && seq === searchSeq) showError(e);
  }
}

function renderResults(found, query) {
  hits = found;
  selected = found.length ? 0 : -1;
  ui.results.replaceChildren();
  ui.hint.hidden = !found.length;
  ui.q.setAttribute('aria-expanded', String(found.length > 0));
  if (!found.length) {
    ui.q.removeAttribute('aria-activedescendant');
    if (query) ui.results.append(Object.assign(document.createElement('li'), { className: 'empty', textContent: 'Nothing found.' }));
    return;
  }
  const terms = queryTerms(query);
  const maxScore = Math.max(...found.map((h) => h.score));
  const tpl = $('tpl-result');
  found.forEach((h, i) => {
    const li = tpl.content.firstElementChild.cloneNode(true);
    li.id = `r${i}`;
    li.dataset.id = h.id;
    const a = li.querySelector('.r-title');
    highlightInto(a, h.title || h.url || h.id, terms);
    if (h.url) a.href = h.url; else a.removeAttribute('href');
    li.querySelector('.r-url').textContent = h.url ? h.url.replace(/^https?:\/\//, '') : '';
    const text = h.snippet ?? h.text ?? '';
    highlightInto(li.querySelector('.r-snippet'), text === h.title ? '' : snippetAround(text, terms), terms);
    const score = Number(h.score);
    const frac = maxScore <= 1 ? Math.max(0, score) : score / maxScore;
    li.querySelector('.r-score-bar span').style.width = `${Math.round(100 * Math.min(1, frac))}%`;
    li.querySelector('.r-score-num').textContent = score.toFixed(3);
    li.querySelector('.r-source').textContent = h.meta?.source ?? '';
    li.addEventListener('click', (ev) => { if (ev.target.tagName !== 'A') { select(i); open(i); } });
    ui.results.append(li);
  });
  select(0);
}

function select(i) {
  const items = ui.results.querySelectorAll('.result');
  if (!items.length) return;
  selected = (i + items.length) % items.length;
  items.forEach((li, j) => li.setAttribute('aria-selected', String(j === selected)));
  ui.q.setAttribute('aria-activedescendant', `r${selected}`);
  items[selected].scrollIntoView({ block: 'nearest' });
}

function open(i) {
  const h = hits[i];
  if (h?.url) window.open(h.url, '_blank', 'noopener,noreferrer');
}

function renderTiming(t, n) {
  const parts = [];
  if (t.embedMs != null || t.traversalMs != null || t.recomputeMs != null) {
    parts.push({ label: 'embedding', value: t.embedMs ?? 0 });
    parts.push({ label: 'traversal', value: t.traversalMs ?? 0 });
    parts.push({ label: 'recomputation', value: t.recomputeMs ?? 0 });
    if (t.keywordMs) parts.push({ label: 'keywords', value: t.keywordMs });
  } else if (t.searchMs != null) {
    // The package reports one number for the work in wasm (query embedding, graph
    // traversal, exact recomputation of candidates) and the count of recomputed embeddings.
    parts.push({ label: 'embedding + traversal + recomputation (wasm)', value: t.searchMs });
  }
  const known = parts.reduce((a, p) => a + p.value, 0);
  parts.push({ label: 'worker messaging', value: Math.max(0, t.totalMs - known), color: 'c5' });
  const chart = $('time-chart');
  stackedBars(chart, [{ label: 'this query', parts, caption: `${fmtMs(t.totalMs)} total · ${n} results` }], { fmt: fmtMs });
  const extra = [];
  if (t.mode) extra.push(t.mode === 'pruned' ? 'PQ codes + recomputed embeddings, no stored vectors' : 'stored vectors (small index)');
  if (t.recomputed != null) extra.push(`${t.recomputed} embeddings recomputed`);
  if (t.cacheHits) extra.push(`${t.cacheHits} exact vectors from cache`);
  if (t.visited != null) extra.push(`${t.visited} nodes visited`);
  if (extra.length) chart.append(Object.assign(document.createElement('p'), { className: 'note', textContent: extra.join(' · ') }));
}

// ---------------------------------------------------------------- stats

/** refreshStats, at most one in flight: a call during one asks for one more after it. */
let statsBusy = null, statsAgain = false;
function refreshStatsSoon() {
  if (statsBusy) { statsAgain = true; return; }
  statsBusy = refreshStats().catch(() => {}).finally(() => {
    statsBusy = null;
    if (statsAgain) { statsAgain = false; refreshStatsSoon(); }
  });
}

async function refreshStats() {
  const s = await store.stats();
  demo.documents = s.documents;
  demo.stats = s;
  $('st-docs').textContent = s.documents.toLocaleString();
  $('st-bytes').textContent = fmtBytes(s.storedBytes);
  const n = s.documents;
  // A full HNSW (M=16: 32 links on layer 0, 4 B each) with f32 vectors, when nook does not say.
  const hnsw = s.hnswBytes ?? n * (s.dims * 4 + 32 * 4);
  // Both designs keep the documents' text; what differs is everything else.
  const text = Number(s.bytes.documents) || 0;
  const nookIndex = Math.max(0, s.storedBytes - text);
  const parts = Object.entries(s.bytes).filter(([, v]) => v > 0).map(([k, v]) => ({ label: k === 'documents' ? 'documents (text)' : k, value: v }));
  $('st-ratio').textContent = nookIndex > 0 ? `${(hnsw / nookIndex).toFixed(1)}× smaller` : '–';
  stackedBars($('bytes-chart'), [
    { label: 'nook', parts, caption: `${fmtBytes(s.storedBytes)} (index ${fmtBytes(nookIndex)})` },
    { label: 'HNSW + f32', parts: [...(text ? [{ label: 'documents (text)', value: text }] : []), { label: 'f32 vectors + HNSW graph', value: hnsw, color: 'c-hnsw' }], caption: `${fmtBytes(text + hnsw)} (index ${fmtBytes(hnsw)})` },
  ], { fmt: fmtBytes });
  $('bytes-note').textContent = `nook keeps no embeddings once the index is pruned: it recomputes the few a query needs (LEANN). Stored ${s.dims}-d f32 vectors alone would take ${fmtBytes(n * s.dims * 4)}.`;
  return s;
}

// ---------------------------------------------------------------- add your own

async function addUserDocs(docs, label) {
  if (!docs.length) { $('add-status').textContent = `Nothing to add from ${label}.`; return; }
  $('add-status').textContent = `Adding ${docs.length.toLocaleString()} from ${label}…`;
  await addWithProgress(docs, label);
  await refreshStats();
  $('add-status').textContent = `Added ${docs.length.toLocaleString()} from ${label}.`;
  setStatus(`${demo.documents.toLocaleString()} documents in the index.`);
  if (ui.q.value.trim()) search(ui.q.value);
}

async function addFiles(files) {
  for (const f of files) {
    try {
      const { docs, kind, truncated } = docsFromFile(f.name, await f.text());
      const label = kind === 'bookmarks' ? `${f.name} (${docs.length} bookmarks)` : f.name;
      await addUserDocs(docs, label);
      if (truncated) $('add-status').textContent += ' (only its beginning: the file is very long)';
    } catch (e) {
      showError(e);
    }
  }
}

// ---------------------------------------------------------------- ui wiring

function wireUi() {
  ui.q.addEventListener('input', onQueryInput);
  ui.hybrid.addEventListener('change', () => search(ui.q.value));
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); if (selected >= 0) open(selected); });
  ui.q.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); select(selected + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); select(selected - 1); }
    else if (e.key === 'Escape') { ui.q.value = ''; search(''); }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && document.activeElement !== ui.q && !/^(TEXTAREA|INPUT)$/.test(document.activeElement?.tagName)) {
      e.preventDefault(); ui.q.focus(); ui.q.select();
    }
  });
  for (const ex of EXAMPLES) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: ex });
    b.addEventListener('click', () => { ui.q.value = ex; search(ex); ui.q.focus(); });
    ui.examples.append(b);
  }
  ui.stop.addEventListener('click', () => ingestAbort?.abort());

  const drop = $('drop');
  const file = $('file');
  drop.addEventListener('click', () => file.click());
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); file.click(); } });
  file.addEventListener('change', () => { addFiles([...file.files]); file.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); addFiles([...e.dataTransfer.files]); });
  $('paste-add').addEventListener('click', async () => {
    const text = $('paste').value;
    try {
      await addUserDocs(docsFromText(text, { name: text.trim().split('\n')[0].slice(0, 60) || 'Pasted text' }), 'pasted text');
      $('paste').value = '';
    } catch (e) { showError(e); }
  });
  $('export').addEventListener('click', async () => {
    try {
      const bytes = await store.export();
      const a = Object.assign(document.createElement('a'), {
        href: URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' })),
        download: `${OWN_DB}-${new Date().toISOString().slice(0, 10)}.nook`,
      });
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) { showError(e); }
  });
  $('reset').addEventListener('click', async () => {
    if (!confirm('Delete everything this page stored (your documents, and the prebuilt index, which is downloaded again)?')) return;
    ingestAbort?.abort();
    await writes.chain;
    await store?.close();
    const names = (await indexedDB.databases()).map((d) => d.name).filter((n) => n === OWN_DB || n?.startsWith('nook-site:'));
    await Promise.all(names.map((n) => new Promise((r) => { const q = indexedDB.deleteDatabase(n); q.onsuccess = q.onerror = q.onblocked = r; })));
    location.reload();
  });
  // Files can be dropped anywhere on the page, not only on the drop zone.
  document.addEventListener('dragover', (e) => { if (e.dataTransfer?.types.includes('Files')) { e.preventDefault(); drop.classList.add('over'); } });
  document.addEventListener('drop', (e) => {
    if (!e.dataTransfer?.files.length || drop.contains(e.target)) return;
    e.preventDefault(); drop.classList.remove('over'); addFiles([...e.dataTransfer.files]);
  });
  window.addEventListener('online', () => setOffline(!!navigator.serviceWorker?.controller));
}

function renderNet() {
  cancelAnimationFrame(renderNet.raf);
  renderNet.raf = requestAnimationFrame(() => {
    const list = $('net-list');
    const all = netEntries();
    const bad = foreign();
    list.replaceChildren(...all.map((e) => {
      const u = new URL(e.url, location.href);
      const li = document.createElement('li');
      const own = u.origin === location.origin;
      if (!own) li.className = 'foreign';
      const name = document.createElement('span');
      name.textContent = own ? u.pathname + u.search : e.url;
      name.title = e.url;
      const who = Object.assign(document.createElement('span'), { className: 'who' });
      who.textContent = [e.who, e.via === 'cache' || e.via?.startsWith('cache') ? 'cache' : '', e.count > 1 ? `×${e.count}` : ''].filter(Boolean).join(' · ');
      li.append(name, who);
      return li;
    }));
    $('net-summary').textContent = `${all.length} distinct requests, ${bad.length ? `${bad.length} to OTHER origins` : `all to ${location.host} (this page's own server)`}.`;
    const badge = $('badge-origins');
    badge.textContent = `${bad.length} requests to other origins`;
    badge.className = `badge ${bad.length ? 'bad' : 'ok'}`;
  });
}

function renderCredits(sources) {
  const ul = $('credits');
  ul.replaceChildren(...sources.map((s) => {
    const li = document.createElement('li');
    const a = Object.assign(document.createElement('a'), { href: s.url, textContent: s.name, target: '_blank', rel: 'noopener noreferrer' });
    li.append(a, ` — ${s.count.toLocaleString()} ${s.what}. `);
    li.append(Object.assign(document.createElement('small'), { textContent: `${s.license}; from ${s.package}.` }));
    return li;
  }));
}

function setStatus(text) {
  ui.status.textContent = text;
}

function showError(e) {
  console.error(e);
  demo.errors.push(String(e?.message ?? e));
  ui.error.hidden = false;
  ui.error.textContent = `${e?.name && e.name !== 'Error' ? e.name + ': ' : ''}${e?.message ?? e}`;
}
