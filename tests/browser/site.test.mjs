// A static site's prebuilt index (`nook site build`, native) opened by the installed
// package in headless Chromium: first visit downloads it once, a revisit and an offline
// visit download nothing, a rebuilt site replaces it, damaged or newer files give typed
// errors, and the results agree with the same documents indexed in the browser.
//
// Run through scripts/test_browser.sh: it builds $SITE/prebuilt (1,200 FanOutQA documents +
// tests/browser/site-pages) and $SITE/prebuilt-v2 (the same minus one page plus one JSONL
// document) with the native CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { start, openPage } from './lib.mjs';

const SITE = process.env.NOOK_TEST_SITE;
const DOCS = JSON.parse(readFileSync(`${SITE}/data/fanoutqa-docs.json`, 'utf8')).slice(0, 1200);
const QUERIES = ['who was the president during the civil war', 'a large country in south america', 'baseball player',
  'the capital city of japan', 'famous painting in paris', 'Nobel Prize in Physics', 'en.wikipedia.org/wiki/Alaska',
  'olympic games host city', 'a river in africa', 'programming language'];
const LIVE = `${SITE}/live`;
let env;

/** Serve `folder`'s build as /live/. */
function publish(folder) {
  rmSync(LIVE, { recursive: true, force: true });
  cpSync(`${SITE}/${folder}`, LIVE, { recursive: true });
}
const indexFile = () => readdirSync(LIVE).find((f) => f.startsWith('index.') && f.endsWith('.nook'));
const downloads = () => env.requests.filter((u) => /\/live\/index\.[0-9a-f]+\.nook$/.test(u)).length;

before(async () => { env = await start(SITE); publish('prebuilt'); });
after(async () => {
  if (env) {
    await env.close();
    assert.deepEqual(env.foreign, [], `requests to other origins: ${env.foreign.join(', ')}`);
  }
});

const searchAll = (page, queries) => page.evaluate(async (qs) => {
  const out = [];
  for (const q of qs) out.push((await site.search(q, { k: 5 })).map((h) => h.id));
  return out;
}, queries);

test('first visit downloads the index once; revisit and offline visit download nothing; read-only', async () => {
  const page = await openPage(env);
  const first = await page.evaluate(async () => {
    const t0 = performance.now();
    window.site = await Nook.openSite('./live/', assets);
    const opened = performance.now() - t0;
    const hits = await site.search('how often should the sourdough culture be fed', { k: 3 });
    return { opened, stats: await site.stats(), info: site.site, top: hits.map((h) => [h.id, h.url, h.title]), firstMs: performance.now() - t0 };
  });
  console.log(`# site: opened in ${first.opened.toFixed(0)} ms, first result after ${first.firstMs.toFixed(0)} ms; stats ${JSON.stringify(first.stats)}`);
  assert.equal(downloads(), 1);
  const manifest = JSON.parse(readFileSync(`${LIVE}/nook-site.json`, 'utf8'));
  assert.equal(first.stats.documents, manifest.documents);
  assert.ok(first.stats.documents > 1200, 'the pages add passages');
  assert.equal(first.info.offline, false);
  // A passage points back to its page and heading.
  assert.deepEqual(first.top[0], ['/docs/notes/bread.html#feeding', '/docs/notes/bread.html#feeding', 'Sourdough notes › Feeding the starter']);
  const tide = await page.evaluate(async () => (await site.search('where can I see sea stars and anemones', { k: 2 })).map((h) => h.url).sort());
  assert.deepEqual(tide, ['/docs/guide.html#anemones', '/docs/guide.html#sea-stars']);
  const results = await searchAll(page, QUERIES);
  assert.equal(results[6][0], '624', 'the URL fragment finds Alaska');
  const refused = await page.evaluate(async () => {
    const out = [];
    for (const f of [() => site.add([{ id: 'x', text: 'y' }]), () => site.delete('624')]) {
      try { await f(); out.push('resolved'); } catch (e) { out.push(e.name); }
    }
    return out;
  });
  assert.deepEqual(refused, ['NookStateError', 'NookStateError']);
  await page.evaluate(() => site.close());

  // Revisit: the stored copy, same results, nothing downloaded.
  await page.reload();
  await page.waitForFunction(() => window.nookReady === true);
  await page.evaluate(async () => { window.site = await Nook.openSite('./live/nook-site.json', assets); });
  assert.deepEqual(await searchAll(page, QUERIES), results);
  assert.equal(downloads(), 1);
  await page.evaluate(() => site.close());

  // Offline: the manifest cannot be fetched; the stored copy opens.
  await page.route('**/live/**', (route) => route.abort('internetdisconnected'));
  await page.reload();
  await page.waitForFunction(() => window.nookReady === true);
  const offline = await page.evaluate(async () => { window.site = await Nook.openSite('./live/', assets); return site.site.offline; });
  assert.equal(offline, true);
  assert.deepEqual(await searchAll(page, QUERIES.slice(0, 3)), results.slice(0, 3));
  await page.evaluate(() => site.close());
  await page.unroute('**/live/**');

  // A stored copy short of documents (as after a tab closed during the import) is fetched again.
  const before = downloads();
  const again = await page.evaluate(async () => {
    const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n.startsWith('nook-site:'));
    const db = await Nook.open(name, assets);
    await db.delete('624');
    await db.close();
    window.site = await Nook.openSite('./live/', assets);
    return (await site.stats()).documents;
  });
  assert.equal(downloads(), before + 1);
  assert.equal(again, manifest.documents);
  await page.evaluate(() => site.close());
  await page.close();
});

test('the prebuilt index agrees with the same documents indexed in the browser', async () => {
  const page = await openPage(env);
  const local = await page.evaluate(async ([docs, qs]) => {
    await Nook.deleteDatabase('site-reference');
    const db = await Nook.open('site-reference', assets);
    await db.add(docs);
    const out = [];
    for (const q of qs) out.push((await db.search(q, { k: 5 })).map((h) => h.id));
    await db.close();
    await Nook.deleteDatabase('site-reference');
    window.site = await Nook.openSite('./live/', assets);
    return out;
  }, [DOCS, QUERIES]);
  // The site also holds the pages' passages; none should rank for these queries.
  const prebuilt = await searchAll(page, QUERIES);
  let sameTop = 0;
  let shared = 0;
  for (let i = 0; i < QUERIES.length; i++) {
    if (prebuilt[i][0] === local[i][0]) sameTop++;
    shared += prebuilt[i].filter((id) => local[i].includes(id)).length;
  }
  console.log(`# prebuilt vs in-browser: same top 1 in ${sameTop}/${QUERIES.length}, ${shared}/${QUERIES.length * 5} of the top 5 shared`);
  assert.ok(sameTop >= QUERIES.length - 1, `same top 1 in only ${sameTop} of ${QUERIES.length}`);
  assert.ok(shared >= QUERIES.length * 5 * 0.9, `only ${shared} of the top 5 shared`);
  await page.evaluate(() => site.close());
  await page.close();
});

test('a rebuilt site replaces the stored copy; damaged, missing or newer files give typed errors', async () => {
  const page = await openPage(env);
  const names = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).filter((n) => n.startsWith('nook-site:')).sort());
  await page.evaluate(async () => { (await Nook.openSite('./live/', assets)).close(); });
  const before = await names();
  assert.equal(before.length, 1);

  publish('prebuilt-v2');
  const v2 = await page.evaluate(async () => {
    window.site = await Nook.openSite('./live/', assets);
    return { stats: await site.stats(), hits: (await site.search('a lighthouse keeper on a stormy island', { k: 1 })).map((h) => h.id) };
  });
  assert.deepEqual(v2.hits, ['lighthouse']);
  assert.equal(v2.stats.documents, JSON.parse(readFileSync(`${LIVE}/nook-site.json`, 'utf8')).documents);
  await page.evaluate(() => site.close());
  await page.waitForTimeout(200); // the old copy is deleted in the background
  const after = await names();
  assert.equal(after.length, 1);
  assert.notEqual(after[0], before[0]);

  const attempt = () => page.evaluate(async () => {
    try { (await Nook.openSite('./live/', assets)).close(); return 'opened'; } catch (e) { return `${e.name}: ${e.message}`; }
  });
  const fresh = async () => {
    await page.evaluate(async () => { for (const d of await indexedDB.databases()) if (d.name.startsWith('nook-site:')) await Nook.deleteDatabase(d.name); });
  };
  const manifestPath = `${LIVE}/nook-site.json`;
  const good = readFileSync(manifestPath, 'utf8');
  const bytes = readFileSync(`${LIVE}/${indexFile()}`);
  const cases = [
    ['newer format', () => writeFileSync(manifestPath, good.replace('"version": 1', '"version": 7')), /^NookVersionError: .*site format 7, this nook reads 6/],
    ['a path in the manifest', () => writeFileSync(manifestPath, good.replace(/index\.[0-9a-f]+\.nook/, '../page.html')), /^NookCorruptError: .*plain file name/],
    ['not JSON', () => writeFileSync(manifestPath, '<html>404</html>'), /^NookCorruptError: .*not JSON/],
    ['index missing', () => rmSync(`${LIVE}/${indexFile()}`), /^NookNetworkError: .*HTTP 404/],
    ['index truncated', () => writeFileSync(`${LIVE}/${indexFile()}`, bytes.subarray(0, bytes.length - 100)), /^NookCorruptError: .*bytes, the manifest says/],
    ['index damaged', () => { const b = Buffer.from(bytes); b[b.length >> 1] ^= 0xff; writeFileSync(`${LIVE}/${indexFile()}`, b); }, /^NookCorruptError: .*SHA-256/],
    ['nothing reachable, nothing stored', () => rmSync(LIVE, { recursive: true }), /^NookNetworkError: .*no copy of this site's index is stored/],
  ];
  for (const [what, damage, want] of cases) {
    publish('prebuilt-v2');
    await fresh();
    damage();
    const got = await attempt();
    assert.match(got, want, what);
  }
  publish('prebuilt-v2');
  assert.equal(await attempt(), 'opened');
  await page.close();
});
