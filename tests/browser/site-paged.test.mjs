// A paged static site (`nook site build --layout paged`, native) opened by the installed
// package in headless Chromium: a search fetches only the pages it names, gives the native
// CLI's results (same ids, same scores), repeats and reloads from the Cache API, answers
// offline what it has seen, and meets damaged, missing, dropped, foreign or newer files
// with typed errors — never wrong results.
//
// Run through scripts/test_browser.sh: it builds $SITE/paged and $SITE/paged-v2 (the
// documents of site.test.mjs's two builds) and writes $SITE/paged-native.jsonl, the native
// CLI's answers to QUERIES.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { start, openPage } from './lib.mjs';

const SITE = process.env.NOOK_TEST_SITE;
const QUERIES = JSON.parse(readFileSync(new URL('./site-paged-queries.json', import.meta.url), 'utf8'));
const LIVE = `${SITE}/live-paged`;
let env;

function publish(folder) {
  rmSync(LIVE, { recursive: true, force: true });
  cpSync(`${SITE}/${folder}`, LIVE, { recursive: true });
}
const manifest = () => JSON.parse(readFileSync(`${LIVE}/nook-site.json`, 'utf8'));
const pageRequests = () => env.requests.filter((u) => /\/live-paged\/[0-9a-f]{16}\//.test(u));

before(async () => { env = await start(SITE); publish('paged'); });
after(async () => {
  if (env) {
    await env.close();
    assert.deepEqual(env.foreign, [], `requests to other origins: ${env.foreign.join(', ')}`);
  }
});

const clearCaches = (page) => page.evaluate(async () => { for (const k of await caches.keys()) await caches.delete(k); });
const search = (page, q, k = 5) => page.evaluate(async ([q, k]) => {
  const hits = await site.search(q, { k });
  return { hits: hits.map((h) => ({ id: h.id, score: h.score, similarity: h.similarity })), stats: hits.stats };
}, [q, k]);
const attempt = (page, f) => page.evaluate(async (src) => {
  try { await (0, eval)(src)(); return 'ok'; } catch (e) { return `${e.name}: ${e.message}`; }
}, f);

test('a cold search fetches only its pages; results equal the native CLI\'s; warm and reloaded searches fetch nothing', async () => {
  const page = await openPage(env);
  await clearCaches(page);
  const m = manifest();
  const info = await page.evaluate(async () => { window.site = await Nook.openSite('./live-paged/', assets); return { info: site.site, stats: await site.stats() }; });
  assert.equal(info.info.paged, true);
  assert.equal(info.stats.documents, m.documents);
  assert.equal(pageRequests().length, 1, 'the open fetches the head alone');
  const native = readFileSync(`${SITE}/paged-native.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => !r.summary);
  assert.equal(native.length, QUERIES.length);
  let fetched = 0;
  for (let i = 0; i < QUERIES.length; i++) {
    const before = pageRequests().length;
    const r = await search(page, QUERIES[i], 10);
    fetched += r.stats.fetchedBytes;
    assert.ok(r.stats.fetchedBytes < m.bytes / 3, `${QUERIES[i]} fetched ${r.stats.fetchedBytes} of ${m.bytes} bytes`);
    // Clusters and term shards, up to the site's 5 rounds of nodes, documents: at most the
    // stages the native CLI took on a fresh site (its count includes the head, fetched here
    // by the open; here a stage whose pages earlier queries fetched costs no round trip).
    assert.ok(r.stats.rounds <= 7, `${QUERIES[i]}: ${r.stats.rounds} rounds`);
    assert.ok(r.stats.rounds <= native[i].cold.rounds - 1, `${QUERIES[i]}: ${r.stats.rounds} stages, natively ${native[i].cold.rounds - 1}`);
    assert.equal(pageRequests().length - before, r.stats.requests, 'stats count what the network served');
    // Bit for bit: the same ids in the same order, the same scores.
    assert.deepEqual(r.hits.map((h) => h.id), native[i].hits.map((h) => h.id), QUERIES[i]);
    for (let j = 0; j < r.hits.length; j++) assert.equal(Math.fround(r.hits[j].score), Math.fround(native[i].hits[j].score), `${QUERIES[i]} #${j}`);
    // Warm: the same query fetches nothing.
    const again = await search(page, QUERIES[i], 10);
    assert.equal(again.stats.requests, 0);
    assert.deepEqual(again.hits, r.hits);
  }
  console.log(`# paged site: ${QUERIES.length} queries fetched ${fetched} bytes of ${m.bytes} (${(100 * fetched / m.bytes).toFixed(1)}%)`);
  const r = await search(page, 'en.wikipedia.org/wiki/Alaska', 3);
  assert.equal(r.hits[0].id, '624', 'keywords: the URL fragment finds Alaska');

  const refused = [
    await attempt(page, '() => site.add([{ id: "x", text: "y" }])'),
    await attempt(page, '() => site.delete("624")'),
    await attempt(page, '() => site.search("alaska", { filter: { a: 1 } })'),
    await attempt(page, '() => site.export()'),
  ];
  assert.match(refused[0], /^NookStateError: .*read-only/);
  assert.match(refused[1], /^NookStateError: .*read-only/);
  assert.match(refused[2], /^NookInputError: .*filter/);
  assert.match(refused[3], /^NookStateError: .*read-only/);
  await page.evaluate(() => site.close());

  // Reload: pages come from the Cache API (only the manifest is revalidated).
  await page.reload();
  await page.waitForFunction(() => window.nookReady === true);
  const before = pageRequests().length;
  await page.evaluate(async () => { window.site = await Nook.openSite('./live-paged/nook-site.json', assets); });
  for (const q of QUERIES.slice(0, 4)) assert.equal((await search(page, q, 10)).stats.requests, 0);
  assert.equal(pageRequests().length, before, 'nothing refetched after a reload');

  // Offline: the kept manifest opens; seen queries answer; an unseen one is a network error.
  await page.evaluate(() => site.close());
  const down = (route) => route.abort('internetdisconnected');
  await env.context.route('**/live-paged/**', down);
  await page.reload();
  await page.waitForFunction(() => window.nookReady === true);
  const offline = await page.evaluate(async () => { window.site = await Nook.openSite('./live-paged/', assets); return site.site.offline; });
  assert.equal(offline, true);
  assert.deepEqual((await search(page, QUERIES[0], 10)).hits.map((h) => h.id), native[0].hits.map((h) => h.id));
  assert.match(await attempt(page, '() => site.search("zebra crossing in a polar research station", { k: 5 })'), /^NookNetworkError: /);
  await env.context.unroute('**/live-paged/**', down);
  // Back online, the same search works.
  assert.ok((await search(page, 'zebra crossing in a polar research station', 5)).hits.length > 0);
  await page.evaluate(() => site.close());
  await page.close();
});

test('prefetch fetches every page once; every search then works offline', async () => {
  const page = await openPage(env);
  await clearCaches(page);
  const m = manifest();
  const before = pageRequests().length;
  await page.evaluate(async () => { window.site = await Nook.openSite('./live-paged/', { ...assets, prefetch: true }); });
  assert.equal(pageRequests().length - before, m.files, 'every file, once');
  const down = (route) => route.abort('internetdisconnected');
  await env.context.route('**/live-paged/**', down);
  for (const q of ['a volcano in iceland', 'jazz musician from new orleans', 'sourdough starter']) {
    assert.ok((await search(page, q, 5)).hits.length > 0, q);
  }
  await env.context.unroute('**/live-paged/**', down);
  await page.evaluate(() => site.close());
  await page.close();
});

test('damaged, missing, dropped, foreign and newer files give typed errors, never wrong results', async () => {
  const page = await openPage(env);
  publish('paged');
  const m = manifest();
  const dir = `${LIVE}/${m.build}`;
  const open = () => attempt(page, '() => Nook.openSite("./live-paged/", assets).then((s) => { window.site = s; })');
  // Damage every page of a kind, so whichever one a query needs is damaged.
  const damageAll = (sub, how) => { for (const f of readdirSync(`${dir}/${sub}`)) how(`${dir}/${sub}/${f}`); };
  const flip = (p) => { const b = readFileSync(p); b[b.length >> 1] ^= 0xff; writeFileSync(p, b); };
  const cut = (p) => { const b = readFileSync(p); writeFileSync(p, b.subarray(0, b.length - 3)); };
  const q = '() => site.search("the capital city of japan", { k: 5 })';
  const cases = [
    ['a damaged cluster page', () => damageAll('c', flip), q, /^NookCorruptError: .*c\/\d+\.bin/],
    ['a truncated node page', () => damageAll('n', cut), q, /^NookCorruptError: .*n\/\d+\.bin/],
    ['a documents page from another page', () => {
      const [zero, one] = [readFileSync(`${dir}/d/0.bin`), readFileSync(`${dir}/d/1.bin`)];
      for (const f of readdirSync(`${dir}/d`)) writeFileSync(`${dir}/d/${f}`, f === '0.bin' ? one : zero);
    }, q, /^NookCorruptError: .*d\/\d+\.bin/],
    ['a missing term shard', () => rmSync(`${dir}/t`, { recursive: true }), q, /^NookNetworkError: .*HTTP 404/],
  ];
  for (const [what, damage, run, want] of cases) {
    publish('paged');
    await clearCaches(page);
    damage();
    assert.equal(await open(), 'ok', what);
    assert.match(await attempt(page, run), want, what);
    await page.evaluate(() => site.close());
  }
  const openCases = [
    ['newer format', () => writeFileSync(`${LIVE}/nook-site.json`, JSON.stringify({ ...m, version: 7 })), /^NookVersionError: .*site format 7, this nook reads 6/],
    ['older paged format', () => writeFileSync(`${LIVE}/nook-site.json`, JSON.stringify({ ...m, version: 2 })), /^NookVersionError: .*site format 2.*rebuild/],
    ['paged format 3', () => writeFileSync(`${LIVE}/nook-site.json`, JSON.stringify({ ...m, version: 3 })), /^NookVersionError: .*site format 3.*rebuild/],
    ['a damaged head', () => flip(`${dir}/head.bin`), /^NookCorruptError: .*head/],
    ['a head of another build', () => { const other = JSON.parse(readFileSync(`${SITE}/paged-v2/nook-site.json`, 'utf8')); cpSync(`${SITE}/paged-v2/${other.build}/head.bin`, `${dir}/head.bin`); }, /^NookCorruptError: /],
    ['a bad build id', () => writeFileSync(`${LIVE}/nook-site.json`, JSON.stringify({ ...m, build: '../x' })), /^NookCorruptError: .*build/],
  ];
  for (const [what, damage, want] of openCases) {
    publish('paged');
    await clearCaches(page);
    damage();
    assert.match(await open(), want, what);
  }

  // A server that drops a request: that search fails with a network error, the next succeeds.
  publish('paged');
  await clearCaches(page);
  assert.equal(await open(), 'ok');
  let dropped = 0;
  const drop = (route) => { if (dropped++ === 0) return route.abort('connectionreset'); return route.fallback(); };
  await env.context.route('**/live-paged/*/n/**', drop);
  assert.match(await attempt(page, q), /^NookNetworkError: /);
  const hits = await search(page, 'the capital city of japan', 5);
  assert.ok(hits.hits.length > 0);
  await env.context.unroute('**/live-paged/*/n/**', drop);
  await page.evaluate(() => site.close());

  // Rebuilt while open: the old build's pages are gone (404) -> a network error asking for a
  // reload; reopening takes the new build, and its results are the new documents'.
  assert.equal(await open(), 'ok');
  publish('paged-v2');
  assert.match(await attempt(page, '() => site.search("medieval castle siege weapons", { k: 3 })'), /^NookNetworkError: .*rebuilt/);
  await page.evaluate(() => site.close());
  assert.equal(await open(), 'ok');
  assert.deepEqual((await search(page, 'a lighthouse keeper on a stormy island', 1)).hits.map((h) => h.id), ['lighthouse']);
  await page.waitForTimeout(200); // other builds' pages leave the cache in the background
  const kept = await page.evaluate(async (build) => {
    const c = await caches.open(`nook-site:${new URL('./live-paged/nook-site.json', location.href).href}`);
    return (await c.keys()).map((r) => r.url).filter((u) => /\/[0-9a-f]{16}\//.test(u) && !u.includes(`/${build}/`)).length;
  }, manifest().build);
  assert.equal(kept, 0, 'no page of the old build stays cached');
  await page.evaluate(() => site.close());
  assert.ok(statSync(`${LIVE}/nook-site.json`).size > 0);
  await page.close();
});

test('Nook.layers: the site and the visitor\'s own notes searched as one; writes go to the visitor\'s database', async () => {
  publish('paged');
  const page = await openPage(env);
  await clearCaches(page);
  const r = await page.evaluate(async () => {
    await Nook.deleteDatabase('my-notes');
    let layers = await Nook.layers('./live-paged/', 'my-notes', assets);
    const before = { own: layers.own, stats: await layers.stats() };
    await layers.add([{ id: 'note-1', title: 'Quince jelly', text: 'Simmer the quinces with their peel, strain overnight, boil the juice with sugar until it sets.' }]);
    const mine = await layers.search('how do I make jelly from quince fruit', { k: 3 });
    const theirs = await layers.search('en.wikipedia.org/wiki/Alaska', { k: 3 });
    const exported = await layers.export();
    await layers.close();
    // Reopened: the visitor's database is there at once.
    layers = await Nook.layers('./live-paged/', 'my-notes', assets);
    const again = await layers.search('quince jelly', { k: 1 });
    const stats = await layers.stats();
    let deleteSite = null;
    try { await layers.delete('624'); } catch (e) { deleteSite = e.name; }
    await layers.close();
    await Nook.deleteDatabase('my-notes');
    return {
      before: { own: before.own, documents: before.stats.documents, site: before.stats.site.documents },
      mine: mine.map((h) => [h.id, h.layer]), theirs: theirs.map((h) => [h.id, h.layer]), stats: mine.stats,
      exported: exported.length, again: again.map((h) => [h.id, h.layer]), documents: stats.documents, siteDocs: stats.site.documents, deleteSite,
    };
  });
  assert.equal(r.before.own, null, 'no database of the visitor until the first add');
  assert.equal(r.before.documents, r.before.site);
  assert.deepEqual(r.mine[0], ['note-1', 'own']);
  assert.deepEqual(r.theirs[0], ['624', 'site']);
  assert.ok(r.stats.site && r.stats.own, 'stats of both layers');
  assert.ok(r.exported > 0);
  assert.deepEqual(r.again, [['note-1', 'own']]);
  assert.equal(r.documents, r.siteDocs + 1);
  assert.equal(r.deleteSite, 'NookNotFoundError', 'a site document is not the visitor\'s to delete');
  await page.close();
});
