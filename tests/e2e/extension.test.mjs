// The bookmarks extension, loaded unpacked in headless Chromium (built by
// scripts/build_extension.sh with the real package and model). Bookmarks are created through
// chrome.bookmarks; the popup page searches; a browser restart must not re-index.
// The extension must make no network request at all.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, launchPersistent, screenshot, until } from './lib.mjs';

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

let userDataDir, context, extId, requests = [];

async function start() {
  context = await launchPersistent(userDataDir, [`--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`], { viewport: { width: 480, height: 600 } });
  context.on('request', (r) => requests.push(r.url()));
  let [sw] = context.serviceWorkers();
  if (!sw) sw = await context.waitForEvent('serviceworker', { timeout: 30_000 });
  extId = new URL(sw.url()).host;
  return sw;
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
    const hits = await page.evaluate((q) => window.nookPopup.lastQuery === q && window.nookPopup.lastHits, query);
    const shown = await page.$$eval('#results .result .title', (t) => t.map((x) => x.textContent));
    return hits && shown.length === hits.length && hits.length > 0 && hits;
  }, 60_000, `results for "${query}"`);
}

before(async () => {
  assert.ok(existsSync(join(EXT, 'manifest.json')), `${EXT} is missing: run scripts/build_extension.sh first`);
  userDataDir = mkdtempSync(join(tmpdir(), 'nook-ext-'));
});

after(async () => {
  await context?.close();
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
  await page.close();
});

test('popup finds bookmarks by paraphrase, by URL fragment and by acronym', async () => {
  const page = await popup();
  let hits = await search(page, 'that article about keeping bees in a city');
  assert.ok(hits.slice(0, 3).some((h) => h.title === 'Urban apiculture guide'), hits.map((h) => h.title).join(' | '));
  await screenshot(page, 'extension-1-paraphrase');
  hits = await search(page, 'simd/blob/main/proposals');
  assert.equal(hits[0].title, 'WebAssembly SIMD proposal');
  hits = await search(page, 'CSP');
  assert.equal(hits[0].title, 'Content Security Policy (CSP) reference');
  hits = await search(page, 'trouble sleeping at night');
  assert.ok(hits.slice(0, 3).some((h) => h.title.includes('insomnia')));
  // Keyboard: the first result is selected, ArrowDown moves on.
  assert.equal(await page.$eval('#results .result', (li) => li.getAttribute('aria-selected')), 'true');
  await page.focus('#q');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.$eval('#results .result:nth-child(2)', (li) => li.getAttribute('aria-selected')), 'true');
  await page.close();
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

test('the extension made no network request', () => {
  const foreign = requests.filter((u) => !u.startsWith(`chrome-extension://${extId}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, []);
  assert.ok(requests.some((u) => u.endsWith('/models/minilm-l6-int8.onnx')) || requests.length > 0);
});
