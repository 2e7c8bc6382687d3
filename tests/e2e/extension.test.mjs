// The bookmarks extension, loaded unpacked in headless Chromium (built by
// scripts/build_extension.sh with the real package and model). Bookmarks are created through
// chrome.bookmarks; the popup page searches; a browser restart must not re-index.
// The extension must make no network request at all.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, launchPersistent, screenshot, until } from './lib.mjs';
import { networkGuard } from '../browser/network.mjs';

const EXT = process.env.NOOK_EXT_DIR ?? join(ROOT, 'www', 'build', 'extension');
const INDEX_MS = Number(process.env.NOOK_E2E_BUILD_MS ?? 10 * 60_000);

// A realistic little bookmark collection; the first ones are what the tests look for.
const BOOKMARKS = [
  ['Garden', 'Urban apiculture guide', 'https://example.org/guides/urban-apiculture'],
  ['Dev', 'WebAssembly SIMD proposal', 'https://github.com/WebAssembly/simd/blob/main/proposals/simd/SIMD.md'],
  ['Dev', 'Content Security Policy (CSP) reference', 'https://content-security-policy.com/'],
  ['Kitchen', 'No-knead sourdough bread', 'https://example.com/recipes/no-knead-sourdough-bread'],
  ['Garden', 'Hot composting in 18 days', 'https://example.org/compost/hot-composting-in-18-days'],
  ['Travel', 'Cheap overnight trains across Europe', 'https://example.net/night-trains-europe'],
  ['Dev', 'IndexedDB API', 'https://developer.mozilla.org/en-US/docs/Web/API/IndexedDB_API'],
  ['Health', 'Why we cannot fall asleep: insomnia explained', 'https://example.com/sleep/insomnia'],
  ['Reading', 'The history of lighthouses', 'https://example.org/history/lighthouses'],
  ['Dev', 'LEANN: A Low-Storage Vector Index', 'https://arxiv.org/abs/2506.08276'],
  ['Money', 'How index funds work', 'https://example.com/investing/index-funds'],
  ['Kitchen', 'Fermenting vegetables at home', 'https://example.com/ferment/vegetables'],
];

let userDataDir, context, extId, worker, requests = [];
// Every request that reaches the network from any of the extension's contexts (service
// worker, offscreen document, nook's worker and its embedding helpers, popup) passes this
// proxy; only the 127.0.0.1 pages of the page-text tests are let through.
let network = null;
// Pages the test itself opened in tabs (a bookmark opened from the omnibox): user
// navigations, not requests of the extension.
const navigations = new Set();
// The pages served on 127.0.0.1 (startSite) and every request they received.
let site = null;
const served = [];

async function start() {
  network ??= await networkGuard((url) => url.hostname === '127.0.0.1');
  context = await launchPersistent(userDataDir, [`--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`], { viewport: { width: 480, height: 600 }, proxy: network.proxy });
  context.on('request', (r) => requests.push({ url: r.url(), nav: r.isNavigationRequest() }));
  let [sw] = context.serviceWorkers();
  if (!sw) sw = await context.waitForEvent('serviceworker', { timeout: 30_000 });
  extId = new URL(sw.url()).host;
  worker = sw;
  return sw;
}

/** The extension's service worker (it may have been stopped and restarted since). */
async function serviceWorker() {
  const live = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extId}/`));
  return live ?? worker;
}

async function popup() {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extId}/popup.html`);
  return page;
}

const status = (page) => page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }));

async function search(page, query) {
  await page.fill('#q', '');
  await page.fill('#q', query);
  return until(async () => {
    // The exact result (the popup paints nook's preview first, then refines it).
    // An empty list is an answer too (the relevance floor: nothing matches well enough).
    const hits = await page.evaluate((q) => window.nookPopup.lastQuery === q && window.nookPopup.refined && window.nookPopup.lastHits, query);
    const shown = await page.$$eval('#results .result .title', (t) => t.map((x) => x.textContent));
    return hits && shown.length === hits.length && hits;
  }, 60_000, `results for "${query}"`);
}

before(async () => {
  assert.ok(existsSync(join(EXT, 'manifest.json')), `${EXT} is missing: run scripts/build_extension.sh first`);
  userDataDir = mkdtempSync(join(tmpdir(), 'nook-ext-'));
});

after(async () => {
  site?.server.closeAllConnections();
  site?.server.close();
  await context?.close();
  await network?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('indexes bookmarks created through chrome.bookmarks, with progress', async () => {
  await start();
  const page = await popup();
  // Extension pages have the extension's APIs: create the bookmarks from the popup page.
  await page.evaluate(async (list) => {
    const folders = {};
    for (const [folder, title, url] of list) {
      folders[folder] ??= (await chrome.bookmarks.create({ parentId: '1', title: folder })).id;
      await chrome.bookmarks.create({ parentId: folders[folder], title, url });
    }
  }, BOOKMARKS);
  const s = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.documents === BOOKMARKS.length && s; }, INDEX_MS, 'the bookmarks to be indexed');
  assert.equal(s.error, null);
  assert.ok(s.addedSinceStart >= BOOKMARKS.length);
  // The extension ships only the relaxed-SIMD build (Chrome 116+ always has it).
  assert.equal((await page.evaluate(() => chrome.runtime.sendMessage({ type: 'stats' }))).build, 'relaxed-simd');
  await page.close();
});

test('popup finds bookmarks by paraphrase, by URL fragment and by acronym', async () => {
  const page = await popup();
  let hits = await search(page, 'that article about keeping bees in a city');
  assert.ok(hits.slice(0, 3).some((h) => h.title === 'Urban apiculture guide'), hits.map((h) => h.title).join(' | '));
  // It painted the preview first (its best 4 recomputed at most), then the exact result.
  const pre = await page.evaluate(() => window.nookPopup.lastPreview);
  assert.equal(pre.query, 'that article about keeping bees in a city');
  assert.ok(pre.timing.preview === true && pre.timing.recomputed <= 4 && pre.hits.length > 0, JSON.stringify(pre.timing));
  assert.equal(await page.evaluate(() => window.nookPopup.lastTiming.preview), false);
  await screenshot(page, 'extension-1-paraphrase');
  hits = await search(page, 'simd/blob/main/proposals');
  assert.equal(hits[0].title, 'WebAssembly SIMD proposal');
  hits = await search(page, 'CSP');
  assert.equal(hits[0].title, 'Content Security Policy (CSP) reference');
  hits = await search(page, 'trouble sleeping at night');
  assert.ok(hits.slice(0, 3).some((h) => h.title.includes('insomnia')));
  // Typing: every pause of 80 ms paints a preview; the exact search waits until the
  // query has been still for 250 ms, so half-typed queries do not hold the worker.
  await page.evaluate(() => { window.nookPopup.runs = { preview: [], exact: [] }; });
  await page.fill('#q', '');
  await page.type('#q', 'bees in a city', { delay: 130 });
  await until(() => page.evaluate(() => window.nookPopup.lastQuery === 'bees in a city' && window.nookPopup.refined), 60_000, 'the typed query to be refined');
  const runs = await page.evaluate(() => window.nookPopup.runs);
  assert.equal(runs.exact.at(-1), 'bees in a city');
  assert.ok(runs.preview.length >= 4 && runs.exact.length * 2 <= runs.preview.length, `previews ${runs.preview.length}, exact ${JSON.stringify(runs.exact)}`);
  // Keyboard: the first result is selected, ArrowDown moves on (a query with several
  // answers: the folder's name matches both of its bookmarks).
  hits = await search(page, 'garden');
  assert.ok(hits.length >= 2, hits.map((h) => h.title).join(' | '));
  assert.equal(await page.$eval('#results .result', (li) => li.getAttribute('aria-selected')), 'true');
  await page.focus('#q');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.$eval('#results .result:nth-child(2)', (li) => li.getAttribute('aria-selected')), 'true');
  // The search box names the selected result (combobox + listbox), so a screen reader
  // follows the arrow keys.
  const second = await page.$eval('#results .result:nth-child(2)', (li) => li.id);
  assert.ok(second);
  assert.equal(await page.$eval('#q', (q) => q.getAttribute('aria-activedescendant')), second);
  const tree = await page.locator('body').ariaSnapshot();
  assert.match(tree, /combobox "Search bookmarks"/, tree);
  assert.match(tree, /listbox "Bookmarks found"/, tree);
  assert.match(tree, /option ".*" \[selected\]/, tree);
  // Gibberish finds nothing, and says so.
  await page.fill('#q', '');
  await page.fill('#q', 'qwxzvbnmk');
  await until(() => page.evaluate(() => window.nookPopup.lastQuery === 'qwxzvbnmk' && window.nookPopup.refined), 60_000, 'the gibberish query to settle');
  assert.deepEqual(await page.evaluate(() => window.nookPopup.lastHits), []);
  assert.equal(await page.$eval('#results .empty', (li) => li.textContent), 'No bookmark found.');
  await page.close();
});

test('omnibox: "nk <words>" suggests bookmarks by meaning, Enter opens one', async () => {
  const sw = await serviceWorker();
  assert.equal(await sw.evaluate(() => chrome.runtime.getManifest().omnibox?.keyword), 'nk');
  assert.ok(await sw.evaluate(() => chrome.omnibox.onInputChanged.hasListeners() && chrome.omnibox.onInputEntered.hasListeners()));
  // What Chrome does when the user types "nk that article about…": fire onInputChanged
  // with a suggest callback, through the extension's own event object.
  const suggest = (text) => sw.evaluate((t) => new Promise((resolve, reject) => {
    chrome.omnibox.onInputChanged.dispatch(t, resolve);
    setTimeout(() => reject(new Error(`no suggestions for "${t}" within 60 s`)), 60_000);
  }), text);
  let list = await suggest('that article about keeping bees in a city');
  assert.ok(list.length > 0 && list.length <= 6, JSON.stringify(list));
  assert.ok(list.slice(0, 3).some((s) => s.content === 'https://example.org/guides/urban-apiculture'), JSON.stringify(list));
  const bees = list.find((s) => s.content === 'https://example.org/guides/urban-apiculture');
  assert.equal(bees.description, 'Urban apiculture guide <dim>Bookmarks bar / Garden</dim> <url>https://example.org/guides/urban-apiculture</url>');
  list = await suggest('CSP');
  assert.equal(list[0].content, 'https://content-security-policy.com/');
  // Descriptions are XML: text is escaped.
  assert.ok(list.every((s) => !/&(?!amp;|lt;|gt;|quot;|apos;)/.test(s.description)));

  // Enter: a picked suggestion (its content is the URL) or plain words open the bookmark
  // in a new tab. The bookmark for this is a page served on 127.0.0.1, so opening it
  // sends nothing off the machine.
  site ??= await startSite();
  const local = site.url('/tidepools.html');
  const p = await popup();
  const n = (await status(p)).documents;
  const bid = await p.evaluate(async (u) => (await chrome.bookmarks.create({ parentId: '1', title: 'Tide pool creatures: a field guide', url: u })).id, local);
  await until(async () => (await status(p)).documents === n + 1, INDEX_MS, 'the local bookmark to be indexed');
  list = await suggest('animals living in rock pools at the seashore');
  assert.ok(list.slice(0, 3).some((s) => s.content === local), JSON.stringify(list));
  const enter = async (text) => {
    navigations.add(local);
    served.length = 0;
    const [tab] = await Promise.all([
      context.waitForEvent('page', { timeout: 30_000 }),
      sw.evaluate((t) => chrome.omnibox.onInputEntered.dispatch(t, 'newForegroundTab'), text),
    ]);
    await until(async () => tab.url() === local && (await tab.title().catch(() => '')) === PAGES['/tidepools.html'][0], 60_000, `a tab showing ${local} (at ${tab.url()})`);
    assert.deepEqual(served.map((r) => [r.path, r.dest]), [['/tidepools.html', 'document']]);
    await tab.close();
  };
  await enter('animals living in rock pools at the seashore');   // words: the best match
  await enter(local);                                              // a picked suggestion
  assert.equal(await sw.evaluate(() => self.nookOmnibox.target('cheap night trains across europe')), 'https://example.net/night-trains-europe');
  await p.evaluate(async (id) => chrome.bookmarks.remove(id), bid);
  await until(async () => (await status(p)).documents === n, INDEX_MS, 'the local bookmark to be removed');
  await p.close();
});

test('a removed bookmark is gone from the results', async () => {
  const page = await popup();
  await page.evaluate(async () => {
    const [b] = await chrome.bookmarks.search({ title: 'Urban apiculture guide' });
    await chrome.bookmarks.remove(b.id);
  });
  await until(async () => (await status(page)).documents === BOOKMARKS.length - 1, INDEX_MS, 'the removal to be synced');
  const hits = await search(page, 'that article about keeping bees in a city');
  assert.ok(!hits.some((h) => h.title === 'Urban apiculture guide'), 'still found after removal');
  // A renamed bookmark is found by its new title.
  await page.evaluate(async () => {
    const [b] = await chrome.bookmarks.search({ title: 'How index funds work' });
    await chrome.bookmarks.update(b.id, { title: 'Passive investing with low-cost index funds' });
  });
  await until(async () => (await status(page)).lastSync?.added === 1, INDEX_MS, 'the rename to be synced');
  const renamed = await search(page, 'low-cost passive investing');
  assert.equal(renamed[0].title, 'Passive investing with low-cost index funds');
  // A renamed folder re-indexes the bookmarks under it with their new folder path.
  const t0 = Date.now();
  await page.evaluate(async () => {
    const [f] = (await chrome.bookmarks.search({ title: 'Travel' })).filter((n) => !n.url);
    await chrome.bookmarks.update(f.id, { title: 'Trips by rail' });
  });
  await until(async () => { const s = await status(page); return s.lastSync?.at >= t0 && s.lastSync.added === 1; }, INDEX_MS, 'the folder rename to be synced');
  const trains = await search(page, 'cheap night trains across europe');
  assert.equal(trains[0].meta?.folder, 'Bookmarks bar / Trips by rail');
  await page.close();
});

test('a browser restart reopens the index without re-indexing', async () => {
  await context.close();
  await start();
  const page = await popup();
  const s = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.lastSync && s; }, INDEX_MS, 'the index to reopen');
  assert.equal(s.documents, BOOKMARKS.length - 1);
  assert.deepEqual({ added: s.lastSync.added, removed: s.lastSync.removed }, { added: 0, removed: 0 });
  assert.equal(s.addedSinceStart, 0, 'no bookmark was embedded again');
  const hits = await search(page, 'baking bread without kneading');
  assert.equal(hits[0].title, 'No-knead sourdough bread');
  await screenshot(page, 'extension-2-after-restart');
  await page.close();
});

test('bookmarks the sync record holds in an earlier text form (an update) are re-indexed at the next start, the others not', async () => {
  let page = await popup();
  const before = await until(async () => { const s = await status(page); return s.phase === 'ready' && s; }, INDEX_MS, 'the index');
  // Three entries rewritten as an extension of text form 1 recorded them (no TEXT_FORM in
  // the signature), through the sync record's own database.
  const rewritten = await page.evaluate(async () => {
    const { flatten, hash53, pageDigest } = await import('./sync.js');
    const flat = flatten(await chrome.bookmarks.getTree()).filter((b) => b.url.startsWith('http')).slice(0, 3);
    const db = await new Promise((ok, no) => { const r = indexedDB.open('nook-bookmarks-sync'); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
    await new Promise((ok, no) => {
      // An extension of that form kept no tree digest either (sync record version 2).
      const t = db.transaction(['known', 'meta'], 'readwrite');
      t.objectStore('meta').delete('treeDigest');
      for (const b of flat) t.objectStore('known').put(hash53(`${b.title}\n${b.url}\n${b.folder}\n${pageDigest('')}`), b.id);
      t.oncomplete = ok;
      t.onerror = () => no(t.error);
    });
    db.close();
    return flat.map((b) => b.title);
  });
  assert.equal(rewritten.length, 3);
  await page.close();
  await context.close();
  await start();
  page = await popup();
  const s = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.lastSync && s; }, INDEX_MS, 'the startup diff');
  assert.deepEqual({ added: s.addedSinceStart, removed: s.lastSync.removed, documents: s.documents }, { added: 3, removed: 0, documents: before.documents }, 'the three re-indexed in place, nothing else');
  assert.equal((await search(page, rewritten[0]))[0].title, rewritten[0]);
  // Recorded in this form now: the next start finds nothing to do.
  await page.close();
  await context.close();
  await start();
  page = await popup();
  const again = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.lastSync && s; }, INDEX_MS, 'the startup diff');
  assert.equal(again.addedSinceStart, 0);
  await page.close();
});

test('a start after which no bookmark changed reads neither the sync record nor a summary; after a change it diffs', async () => {
  const restart = async () => {
    await context.close();
    await start();
    const page = await popup();
    return [page, await until(async () => { const s = await status(page); return s.phase === 'ready' && s.lastSync && s; }, INDEX_MS, 'the startup diff')];
  };
  // The start before this one ended in a full diff or found its digest: either way one stands.
  let [page, s] = await restart();
  assert.deepEqual({ unchanged: s.lastSync.unchanged, loaded: s.syncRecordLoaded, added: s.addedSinceStart }, { unchanged: true, loaded: false, added: 0 });
  assert.equal((await search(page, 'baking bread without kneading'))[0].title, 'No-knead sourdough bread');
  // A bookmark edited while the browser runs: its delta reads the record and deletes the digest.
  const id = await page.evaluate(async () => (await chrome.bookmarks.search({ title: 'No-knead sourdough bread' }))[0].id);
  await page.evaluate((bid) => chrome.bookmarks.update(bid, { title: 'No-knead sourdough loaf' }), id);
  await until(async () => (await status(page)).lastSync?.added === 1, INDEX_MS, 'the edit to be synced');
  await page.close();
  // So the next start diffs in full (and records the digest again)...
  [page, s] = await restart();
  assert.equal(s.syncRecordLoaded, true, 'the record was read for a full diff');
  assert.equal(s.addedSinceStart, 0, 'the edit was indexed before the restart');
  assert.equal((await search(page, 'baking bread without kneading'))[0].title, 'No-knead sourdough loaf');
  await page.evaluate((bid) => chrome.bookmarks.update(bid, { title: 'No-knead sourdough bread' }), id);
  await until(async () => (await status(page)).lastSync?.added === 1, INDEX_MS, 'the edit back to be synced');
  await page.close();
  [page, s] = await restart();
  assert.equal(s.syncRecordLoaded, true, 'the edit back deleted the digest again');
  await page.close();
  // ...and the one after it has nothing to do.
  [page, s] = await restart();
  assert.deepEqual({ unchanged: s.lastSync.unchanged, loaded: s.syncRecordLoaded, added: s.addedSinceStart }, { unchanged: true, loaded: false, added: 0 });
  assert.equal((await search(page, 'baking bread without kneading'))[0].title, 'No-knead sourdough bread');
  await page.close();
});

test('page text recorded but not yet indexed when the service worker stopped is indexed at the next start (the write deleted the digest)', async () => {
  let page = await popup();
  await until(async () => (await status(page)).phase === 'ready', INDEX_MS, 'the index');
  // What the offscreen document records when a page's text arrives (`setPageText`), with
  // the delta that would re-index the bookmark lost (Chrome stopped the service worker).
  await page.evaluate(async () => {
    const { SyncStore } = await import('./syncstore.js');
    const { pageDigest } = await import('./sync.js');
    const [b] = await chrome.bookmarks.search({ title: 'No-knead sourdough bread' });
    const text = 'Proofing baskets lined with rice flour keep a wet dough from sticking overnight';
    const store = new SyncStore();
    await store.open();
    await store.put([[b.id, { s: 0, d: pageDigest(text) }]], new Map([[b.id, text]]));
    store.db.close();
  });
  await page.close();
  await context.close();
  await start();
  page = await popup();
  const s = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.addedSinceStart === 1 && s; }, INDEX_MS, 'the bookmark to be re-indexed with its page text');
  assert.equal(s.syncRecordLoaded, true);
  assert.equal((await search(page, 'rice flour in proofing baskets'))[0].title, 'No-knead sourdough bread');
  await page.close();
});

test('remember my searches: on by default; the switch reaches nook at once and holds across a restart', async () => {
  // (What nook does with it, forgetting and deleting its record, needs a collection past
  // its pruning size: the package's Playwright test. Here: the popup's wiring.)
  let page = await popup();
  await until(async () => (await status(page)).phase === 'ready', INDEX_MS, 'the index');
  assert.equal(await page.$eval('#remember', (c) => c.checked), true, 'on by default');
  assert.equal((await status(page)).rememberSearches, true);
  await page.click('#remember');
  await until(async () => !(await page.$eval('#remember', (c) => c.disabled)) && (await status(page)).rememberSearches === false, 10_000, 'the switch off');
  assert.equal((await search(page, 'baking bread without kneading'))[0].title, 'No-knead sourdough bread', 'searches as before');
  await page.close();
  await context.close();
  await start();
  page = await popup();
  await until(async () => (await status(page)).phase === 'ready', INDEX_MS, 'the index to reopen');
  assert.equal((await status(page)).rememberSearches, false, 'nook opened with it off');
  await until(async () => (await page.$eval('#remember', (c) => c.checked)) === false, 10_000, 'the switch still off after the restart');
  await page.click('#remember');
  await until(async () => (await status(page)).rememberSearches === true, 10_000, 'the switch on');
  await page.close();
});

test('a bookmark added while the browser was closed is indexed after the restart (the startup diff waits for the open index and for searches to pause)', async () => {
  const before = (await status(await popup())).documents;
  await context.close();
  // Chrome reads its bookmarks from this file at start; a copy made with Chrome closed (a
  // sync or another tool) reaches the extension only through the startup diff.
  const file = join(userDataDir, 'Default', 'Bookmarks');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  let max = 0;
  const walk = (n) => { max = Math.max(max, Number(n.id) || 0); (n.children ?? []).forEach(walk); };
  Object.values(data.roots).forEach((r) => typeof r === 'object' && walk(r));
  data.roots.bookmark_bar.children.push({ id: String(max + 1), guid: '3d1ad8a2-5c44-4c55-9a4e-0b8c2b7e11aa', name: 'Restoring a wooden sailing dinghy', type: 'url', url: 'https://example.org/boats/restoring-a-dinghy', date_added: '13380000000000000' });
  delete data.checksum;
  writeFileSync(file, JSON.stringify(data));
  await start();
  const page = await popup();
  await until(async () => (await status(page)).phase === 'ready', INDEX_MS, 'the index to open');
  // Searches a few hundred milliseconds apart keep the sync record's read and the diff
  // waiting (they start once no search ran for a second): the first searches after a
  // browser start have the cores to themselves.
  const searching = Date.now();
  while (Date.now() - searching < 2500) {
    const r = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'search', query: 'wooden boats', k: 8, preview: true }));
    assert.ok(Array.isArray(r.hits) && !r.error && r.timing.searchMs >= 0, JSON.stringify(r));
    const during = await status(page);
    assert.ok(during.lastSync === null && during.openSteps.syncMs === null, `the diff waited while searches ran: ${JSON.stringify(during.lastSync)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const s = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.lastSync && s.documents === before + 1 && s; }, INDEX_MS, 'the added bookmark to be indexed');
  // Counted since the start, not by lastSync: a second sync after the restart (a reconcile a
  // fresh offscreen document schedules) finds nothing to do and overwrites lastSync.
  assert.deepEqual({ added: s.addedSinceStart, documents: s.documents - before }, { added: 1, documents: 1 });
  // The sync record was read after the index opened, and after the searches paused.
  assert.ok(s.openSteps.indexMs > 0 && s.openSteps.syncMs >= s.openSteps.indexMs + 2500, JSON.stringify(s.openSteps));
  const hits = await search(page, 'fixing up an old wooden boat');
  assert.equal(hits[0].title, 'Restoring a wooden sailing dinghy');
  await page.evaluate(async () => {
    const [b] = await chrome.bookmarks.search({ url: 'https://example.org/boats/restoring-a-dinghy' });
    await chrome.bookmarks.remove(b.id);
  });
  await until(async () => { const s = await status(page); return s.documents === before && s; }, INDEX_MS, 'the bookmark to be removed');
  await page.close();
});

test('the sync record of the first format (whole signatures and page texts) converts once, in IndexedDB', async () => {
  const page = await popup();
  const out = await page.evaluate(async () => {
    const { SyncStore } = await import('./syncstore.js');
    const { entry, signature } = await import('./sync.js');
    const name = 'nook-sync-conversion-test';
    await new Promise((ok) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = ok; });
    const a = { id: 'a', title: 'Hot composting', url: 'https://example.org/compost', folder: 'Garden' };
    const b = { id: 'b', title: 'Night trains', url: 'https://example.net/trains', folder: 'Travel' };
    // Version 1, as the extension wrote it before.
    await new Promise((ok, no) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('known');
      r.onsuccess = () => {
        const t = r.result.transaction('known', 'readwrite');
        t.objectStore('known').put({ sig: signature(a), pageText: '' }, 'a');
        t.objectStore('known').put({ sig: signature(b, 'sleeper cars'), pageText: 'sleeper cars' }, 'b');
        t.objectStore('known').put({ sig: '', pageText: 'early' }, 'c');
        t.oncomplete = () => { r.result.close(); ok(); };
        t.onerror = () => no(t.error);
      };
    });
    const store = new SyncStore(name);
    await store.open();
    const digestAtOpen = store.digest;
    await store.load();
    const pages = await store.pages(['a', 'b', 'c']);
    const result = {
      a: store.map.get('a') === entry(a), b: JSON.stringify(store.map.get('b')) === JSON.stringify(entry(b, 'sleeper cars')),
      c: store.map.get('c')?.s, pages: [...pages].sort(),
    };
    await store.remove(['b']);
    result.afterRemove = [...(await store.pages(['b', 'c'])).keys()];
    // The tree digest: none after the conversion; recorded, it holds across an open; any
    // write of the record (an entry, page text, a removal) deletes it, stored and in memory.
    const reopened = async () => { store.db.close(); const s = new SyncStore(name); await s.open(); return s; };
    const digests = [digestAtOpen];
    await store.setDigest('3:abc:def');
    let again = await reopened();
    digests.push(again.digest, again.map.size); // the entries are not read by an open
    await again.put([['d', 1]]);
    digests.push(again.digest, (await reopened()).digest);
    again.db.close();
    again = await reopened();
    await again.setDigest('3:abc:def');
    await again.remove(['d']);
    digests.push(again.digest, (await reopened()).digest);
    again.db.close();
    again = await reopened();
    await again.setDigest('3:abc:def');
    await again.put([['c', { s: 0, d: '5:1' }]], new Map([['c', 'later']]));
    digests.push((await reopened()).digest);
    result.digests = digests;
    again.db.close();
    await new Promise((ok) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = ok; });
    return result;
  });
  assert.deepEqual(out, { a: true, b: true, c: 0, pages: [['b', 'sleeper cars'], ['c', 'early']], afterRemove: ['c'], digests: [null, '3:abc:def', 0, null, null, null, null, null] });
  await page.close();
});

test('a burst of 600 bookmarks created at once is indexed (one tree diff, not 600 lookups)', async () => {
  const page = await popup();
  const before = (await status(page)).documents;
  await page.evaluate(async () => {
    const folder = (await chrome.bookmarks.create({ parentId: '1', title: 'Burst' })).id;
    await Promise.all(Array.from({ length: 600 }, (_, i) => chrome.bookmarks.create({ parentId: folder, title: `Burst note ${i} about tide pools`, url: `http://127.0.0.1:9/burst/${i}` })));
  });
  const s = await until(async () => { const s = await status(page); return s.phase === 'ready' && s.documents === before + 600 && s; }, INDEX_MS, 'the burst to be indexed');
  assert.equal(s.error, null);
  await page.evaluate(async () => {
    const [f] = (await chrome.bookmarks.search({ title: 'Burst' })).filter((n) => !n.url);
    await chrome.bookmarks.removeTree(f.id);
  });
  await until(async () => { const s = await status(page); return s.documents === before && s; }, INDEX_MS, 'the burst to be removed');
  await page.close();
});

test('the extension made no network request', () => {
  const ours = (u) => u.startsWith(`chrome-extension://${extId}/`) || u.startsWith('blob:') || u.startsWith('data:');
  const foreign = requests.filter((r) => !ours(r.url) && !(r.nav && navigations.has(r.url))).map((r) => r.url);
  assert.deepEqual(foreign, []);
  assert.deepEqual(network.foreign.filter((u) => !navigations.has(u)), [], 'requests that reached the network');
  assert.ok(requests.some((r) => r.url.endsWith('/models/minilm-l6-int8.onnx')) || requests.length > 0);
});

// ---------------------------------------------------------------------------------------
// Optional page-text indexing, against pages served on 127.0.0.1. The server logs every
// request with its Sec-Fetch-Dest: a tab loading a page is "document"; the extension
// fetching a page is "empty". Off (the default), the extension must read nothing and
// request nothing.

const PAGES = {
  '/tidepools.html': ['Tide pool creatures: a field guide', 'Anemones, hermit crabs and sea stars live in the rock pools left by the falling tide.'],
  '/off.html': ['Reading list item', 'Notes on the zygomorphic flowers of orchids and snapdragons, whose bilateral symmetry guides bumblebees to the nectar.'],
  '/tab.html': ['Weekend notes', 'Mycorrhizal fungi link the roots of trees in a forest into a network through which sugars and nitrogen move between neighbours.'],
  '/fetched.html': ['Saved page', 'The tidal bore of the Severn estuary is a wave that runs upriver at high spring tides, and surfers ride it for miles.'],
  '/later.html': ['Another saved page', 'Cuttlefish change the colour and texture of their skin in a fraction of a second using chromatophores.'],
};
const page = (title, body) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head>
<body><nav>Home · Archive · About · Subscribe</nav><main><article><h1>${title}</h1><p>${body}</p><p>${'Filler sentence about nothing in particular. '.repeat(8)}</p></article></main><footer>© the author</footer></body></html>`;


function startSite() {
  return new Promise((ok) => {
    const server = createServer((req, res) => {
      served.push({ path: req.url, dest: req.headers['sec-fetch-dest'] ?? '', at: Date.now() });
      const p = PAGES[req.url];
      if (!p) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(...p));
    });
    server.listen(0, '127.0.0.1', () => ok({ server, url: (path) => `http://127.0.0.1:${server.address().port}${path}` }));
  });
}

/** Bookmark `url` (from an extension page), optionally with the page open in a tab first. */
async function bookmark(path, { openTab }) {
  const url = site.url(path);
  let tab = null;
  if (openTab) { tab = await context.newPage(); await tab.goto(url); }
  const p = await popup();
  const before = (await status(p)).documents;
  await p.evaluate(async ([title, u]) => chrome.bookmarks.create({ parentId: '2', title, url: u }), [PAGES[path][0], url]);
  await until(async () => (await status(p)).documents === before + 1, INDEX_MS, `${path} to be indexed`);
  return { url, tab, page: p };
}

/** Hits of the popup search whose snippet contains `word` (the page text is indexed). */
async function foundByContent(p, query, word) {
  const hits = await search(p, query);
  return hits.filter((h) => (h.snippet ?? '').toLowerCase().includes(word));
}

test('page text, off by default: nothing is read or fetched, the toggle asks for permission', async () => {
  site ??= await startSite();
  served.length = 0;
  const p0 = await popup();
  assert.equal(await p0.$eval('#pages', (c) => c.checked), false, 'off by default');
  assert.equal(await p0.evaluate(() => chrome.permissions.contains({ origins: ['<all_urls>'] })), false);
  await p0.close();
  const { tab, page: p } = await bookmark('/off.html', { openTab: true });
  await new Promise((r) => setTimeout(r, 2000)); // give a (wrong) page-text read time to happen
  assert.deepEqual(await foundByContent(p, 'zygomorphic flowers bilateral symmetry', 'zygomorphic'), []);
  assert.deepEqual(served.filter((r) => r.dest !== 'document'), [], 'the extension requested a page');
  assert.deepEqual(served.map((r) => r.path), ['/off.html'], 'only the tab loaded the page');
  // Ticking the option asks Chrome for the optional permissions (Chrome shows its dialog;
  // headless Chromium cannot answer it, so the toggle waits, still off).
  await p.click('#pages');
  await until(() => p.$eval('#pages', (c) => c.indeterminate), 10_000, 'the permission request');
  assert.equal(await p.$eval('#pages', (c) => c.checked), false);
  await tab.close();
  await p.close();
});

test('page text, on: the text of a bookmarked page is searchable (from the tab, or fetched)', async () => {
  // The user accepts Chrome's dialog: what Chrome then records in the profile (granted and
  // active permissions) is written while the browser is closed.
  await context.close();
  const prefsPath = join(userDataDir, 'Default', 'Preferences');
  const prefs = JSON.parse(readFileSync(prefsPath, 'utf8'));
  const ext = prefs.extensions.settings[extId];
  for (const k of ['granted_permissions', 'active_permissions']) {
    ext[k] ??= {};
    ext[k].api = [...new Set([...(ext[k].api ?? []), 'scripting'])];
    ext[k].explicit_host = [...new Set([...(ext[k].explicit_host ?? []), '<all_urls>'])];
    ext[k].scriptable_host = [...new Set([...(ext[k].scriptable_host ?? []), '<all_urls>'])];
  }
  writeFileSync(prefsPath, JSON.stringify(prefs));
  await start();
  const p0 = await popup();
  await until(() => p0.$eval('#pages', (c) => c.checked), 10_000, 'the toggle to show the granted permission');
  await until(async () => (await status(p0)).phase === 'ready', INDEX_MS, 'the index to reopen');
  await p0.close();

  // Bookmarked with the page open: the text is read from the tab (no extra request).
  served.length = 0;
  const a = await bookmark('/tab.html', { openTab: true });
  const viaTab = await until(async () => (await foundByContent(a.page, 'fungi networks connecting tree roots', 'mycorrhizal')).length && true, INDEX_MS, 'the tab page text to be indexed');
  assert.ok(viaTab);
  const hit = (await foundByContent(a.page, 'fungi networks connecting tree roots', 'mycorrhizal'))[0];
  assert.equal(hit.title, 'Weekend notes');
  assert.ok(!/Home · Archive|© the author/.test(hit.snippet), `navigation or footer text indexed: ${hit.snippet}`);
  assert.deepEqual(served.filter((r) => r.dest !== 'document'), [], 'read from the tab, not fetched');
  await screenshot(a.page, 'extension-3-page-text');
  await a.tab.close();
  await a.page.close();

  // Bookmarked without a tab (e.g. from the bookmark manager): the page is fetched.
  const b = await bookmark('/fetched.html', { openTab: false });
  await until(async () => (await foundByContent(b.page, 'surfing a wave that travels up a river', 'severn')).length, INDEX_MS, 'the fetched page text to be indexed');
  assert.ok(served.some((r) => r.path === '/fetched.html' && r.dest === 'empty'), JSON.stringify(served));
  await b.page.close();
});

test('page text, turned off again: the permission is given back and nothing more is fetched', async () => {
  const p = await popup();
  await p.click('#pages');
  await until(async () => !(await p.$eval('#pages', (c) => c.checked)) && !(await p.evaluate(() => chrome.permissions.contains({ origins: ['<all_urls>'] }))), 10_000, 'the permission to be removed');
  await p.close();
  served.length = 0;
  const c = await bookmark('/later.html', { openTab: false });
  await new Promise((r) => setTimeout(r, 2000));
  assert.deepEqual(served, [], 'a page was requested with the option off');
  assert.deepEqual(await foundByContent(c.page, 'animals that change skin colour', 'chromatophores'), []);
  await c.page.close();
  site.server.closeAllConnections();
  await new Promise((r) => site.server.close(r));
  site = null;
});
