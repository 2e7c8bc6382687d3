// The npm package (installed from its `npm pack` tarball) in headless Chromium: 1,000 real
// documents (FanOutQA dev Wikipedia titles), search, reload, identical results, delete, the
// fault cases of issue 4, and zero requests to any other origin.
//
// Run through scripts/test_browser.sh (it builds pkg/, packs and installs it into SITE).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, start, openPage } from './lib.mjs';

const SITE = process.env.NOOK_TEST_SITE;
const DOCS = JSON.parse(readFileSync(`${SITE}/data/fanoutqa-docs.json`, 'utf8')).slice(0, 1000);
const QUERIES = ['who was the president during the civil war', 'a large country in south america',
  'baseball player', 'the capital city of japan', 'famous painting in paris', 'Nobel Prize in Physics',
  'en.wikipedia.org/wiki/Alaska', 'olympic games host city', 'a river in africa', 'programming language'];
let env;

before(async () => { env = await start(SITE); });
after(async () => {
  if (env) {
    await env.close();
    assert.deepEqual(env.foreign, [], `requests to other origins: ${env.foreign.join(', ')}`);
  }
});

async function errorName(page, fn, arg) {
  return page.evaluate(async ([src, arg]) => {
    try { await (0, eval)(src)(arg); return 'resolved'; } catch (e) { return `${e.name}: ${e.message}`; }
  }, [fn.toString(), arg]);
}

test('1,000 documents: add, search, reload, identical results, delete', async () => {
  let page = await openPage(env);
  const t0 = Date.now();
  const added = await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('main');
    // Codes from 500 documents, the graph over them from 700: built a few nodes with each
    // add that follows (eight a document), searched flat meanwhile.
    window.db = await Nook.open('main', { ...assets, pruneAt: 500, graphAt: 700 });
    const progress = [];
    const r0 = await db.add(docs.slice(0, 720), { chunk: 50 });
    const midway = await db.stats();
    const r = await db.add(docs.slice(720), { onProgress: (p) => progress.push(p.done), chunk: 50 });
    return { r0, r, progress, midway, stats: await db.stats() };
  }, DOCS);
  console.log(`added 1,000 documents in ${((Date.now() - t0) / 1000).toFixed(1)} s; stats`, JSON.stringify(added.stats));
  assert.equal(added.r0.added + added.r.added, 1000);
  assert.equal(added.progress.at(-1), 280);
  // Past 700 documents, eight nodes linked for each document added (560 in chunks of 50).
  const { midway } = added;
  assert.ok(midway.phase === 'flat' && midway.nodes === 720 && midway.graphLinked > 0 && midway.graphLinked < 720, JSON.stringify(midway));
  assert.deepEqual([added.stats.phase, added.stats.graphLinked], ['graph', null]);
  assert.equal(added.stats.documents, 1000);
  assert.equal(added.stats.mode, 'pruned');
  // The worker's wasm memory: whole 64 KiB pages, at least the model's (~33 MB resident).
  assert.ok(added.stats.wasmMemoryBytes % 65536 === 0 && added.stats.wasmMemoryBytes > 32 * 2 ** 20, `wasmMemoryBytes ${added.stats.wasmMemoryBytes}`);

  const search = (page) => page.evaluate(async (qs) => {
    const out = [];
    for (const q of qs) out.push((await db.search(q, { k: 5 })).map((h) => [h.id, Math.round(h.score * 1e4)]));
    return out;
  }, QUERIES);
  const first = await search(page);
  console.log('results:', JSON.stringify(first.slice(0, 3)));
  assert.equal(first[6][0][0], '624', 'the URL fragment finds Alaska');

  await page.reload();
  await page.waitForFunction(() => window.nookReady === true);
  // No warm-up: what follows measures the cold cache an open starts with.
  await page.evaluate(async () => { window.db = await Nook.open('main', { ...assets, warmUp: 0 }); });
  // Where the reopen's time went, step by step (the connection opened while the wasm compiled).
  const steps = await page.evaluate(async () => (await db.stats()).open);
  for (const k of ['startMs', 'wasmMs', 'filesMs', 'storeMs', 'modelMs', 'readMs', 'loadMs', 'writeMs']) assert.ok(typeof steps[k] === 'number' && steps[k] >= 0, `${k}: ${JSON.stringify(steps)}`);
  const again = await search(page);
  assert.deepEqual(again.map((r) => r.map((h) => h[0])), first.map((r) => r.map((h) => h[0])), 'same ids after reload');
  // Where the time went: embedding + traversal + recomputation = the wasm search time;
  // after a reload the LRU is empty, so the pruned index recomputed its candidates.
  const split = await page.evaluate(async () => {
    const hits = await db.search('the largest state of the United States', { k: 5 });
    return { stats: hits.stats, last: db.lastQuery() };
  });
  for (const k of ['embedMs', 'traversalMs', 'recomputeMs', 'searchMs', 'totalMs']) assert.ok(split.stats[k] >= 0, `${k}: ${JSON.stringify(split.stats)}`);
  assert.ok(Math.abs(split.stats.embedMs + split.stats.traversalMs + split.stats.recomputeMs - split.stats.searchMs) < 0.5);
  assert.ok(split.stats.searchMs <= split.stats.totalMs);
  assert.ok(split.stats.visited > 0 && split.stats.exact >= 5 && split.stats.exact === split.stats.recomputed + split.stats.cacheHits, JSON.stringify(split.stats));
  assert.equal(split.last.query, 'the largest state of the United States');
  assert.equal(split.last.searchMs, split.stats.searchMs);
  for (let i = 0; i < first.length; i++) for (let j = 0; j < first[i].length; j++)
    assert.ok(Math.abs(first[i][j][1] - again[i][j][1]) <= 2, `score ${i}/${j} after reload`);

  // Preview: cached embeddings + PQ codes, its best 4 recomputed at most; then the exact
  // result, with the query embedded once. The cache is cold for these queries after the reload.
  const pv = await page.evaluate(async () => {
    const previews = [];
    const exact = await db.search('a physicist who won the Nobel Prize', { k: 5, onPreview: (h) => previews.push({ ids: h.map((x) => x.id), stats: h.stats }) });
    const alone = await db.search('a volcano in Iceland', { k: 5, preview: true });
    return { previews, exact: { ids: exact.map((x) => x.id), stats: exact.stats }, alone: { n: alone.length, stats: alone.stats } };
  });
  console.log('preview:', JSON.stringify(pv.previews[0]?.stats), 'exact:', JSON.stringify(pv.exact.stats));
  assert.equal(pv.previews.length, 1, 'onPreview is called once, before the exact result');
  const [p0, ex] = [pv.previews[0].stats, pv.exact.stats];
  assert.ok(p0.preview === true && p0.recomputed <= 4 && p0.approximated > 0, JSON.stringify(p0));
  assert.ok(ex.preview === false && ex.recomputed > 0 && ex.approximated === 0, JSON.stringify(ex));
  // The exact result's stats cover both runs; the query was embedded once, in the preview.
  assert.ok(p0.embedMs > 1 && ex.embedMs - p0.embedMs < 1, `the query is embedded once (preview ${p0.embedMs}, both ${ex.embedMs} ms)`);
  assert.ok(Math.abs(ex.previewMs - p0.searchMs) < 1e-9 && ex.searchMs > ex.previewMs);
  assert.ok(Math.abs(ex.embedMs + ex.traversalMs + ex.recomputeMs - ex.searchMs) < 0.5);
  const shared = pv.exact.ids.filter((id) => pv.previews[0].ids.includes(id)).length;
  assert.ok(shared >= 3, `preview and exact share ${shared} of 5`);
  assert.ok(pv.alone.n === 5 && pv.alone.stats.preview === true && pv.alone.stats.recomputed <= 4, JSON.stringify(pv.alone));

  const gone = first[0].slice(0, 2).map((h) => h[0]);
  const n = await page.evaluate(async (ids) => db.delete(ids), gone);
  assert.equal(n, 2);
  await page.reload();
  await page.waitForFunction(() => window.nookReady === true);
  const after = await page.evaluate(async ([q]) => {
    window.db = await Nook.open('main', assets);
    return { hits: (await db.search(q, { k: 10 })).map((h) => h.id), stats: await db.stats() };
  }, QUERIES);
  assert.equal(after.stats.documents, 998);
  for (const id of gone) assert.ok(!after.hits.includes(id), `deleted ${id} stays deleted after reload`);
  await page.close();
});

test('a large add embedded by helper workers indexes exactly as one worker alone; a failed helper loses nothing', async () => {
  const page = await openPage(env);
  // Texts of ~50 tokens, so the add lasts longer than helpers take to load (titles alone
  // are embedded so fast that the nook worker could finish before any helper is ready).
  const LONGER = DOCS.slice(0, 240).map((d) => ({ ...d, text: `${d.title}, from ${d.url}. `.repeat(3) }));
  const build = (name, indexWorkers) => page.evaluate(async ([name, indexWorkers, docs]) => {
    await Nook.deleteDatabase(name);
    const db = await Nook.open(name, { ...assets, pruneAt: 100, indexWorkers });
    const r = await db.add(docs, { chunk: 20 });
    const bytes = await db.export();
    const hits = (await db.search('a river in africa', { k: 5 })).map((h) => [h.id, h.score]);
    await db.close();
    return { r, bytes: Array.from(bytes), hits };
  }, [name, indexWorkers, LONGER]);
  const fetched = env.network.length;
  const one = await build('threads-1', 1);
  assert.ok(!env.network.slice(fetched).some((u) => u.endsWith('/embed-worker.js')), 'one thread starts no helper');
  const three = await build('threads-3', 3);
  // The helpers' requests (nested workers: only the network guard sees them) are nook's own files.
  assert.ok(env.network.slice(fetched).some((u) => u.endsWith('/embed-worker.js')), 'the helpers were started');
  console.log('helped:', one.r.helped, 'of 240 with one thread,', three.r.helped, 'with three');
  assert.equal(one.r.helped, 0);
  assert.ok(three.r.helped >= 60, `helpers embedded ${three.r.helped} of 240`);
  assert.deepEqual({ ...three.r, helped: 0 }, { ...one.r, helped: 0 });
  assert.ok(one.bytes.length === three.bytes.length && one.bytes.every((b, i) => b === three.bytes[i]), 'identical exports');
  assert.deepEqual(three.hits, one.hits);

  // Helpers whose script cannot load (the host left it out): the nook worker embeds
  // everything itself. (Playwright's routing does not see a worker's nested workers, so
  // the file is taken off the server.)
  const script = `${SITE}/node_modules/nook-search/src/embed-worker.js`;
  renameSync(script, `${script}.away`);
  try {
    const lone = await build('threads-broken', 3);
    assert.equal(lone.r.helped, 0);
    assert.ok(lone.bytes.length === one.bytes.length && lone.bytes.every((b, i) => b === one.bytes[i]), 'identical export without helpers');
  } finally {
    renameSync(`${script}.away`, script);
  }
  const refused = await errorName(page, (a) => Nook.open('x', { ...a, indexWorkers: 0 }), await page.evaluate(() => assets));
  assert.match(refused, /^NookInputError: options.indexWorkers/);
  await page.close();
});

test('a cold search shares its recomputations with a search helper: the same results as one thread', async () => {
  const page = await openPage(env);
  const docs = DOCS.slice(0, 400).map((d) => ({ ...d, text: `${d.title}, from ${d.url}.` }));
  await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('shared');
    const db = await Nook.open('shared', { ...assets, pruneAt: 100, searchWorkers: 1 });
    await db.add(docs, { chunk: 50 });
    await db.close();
  }, docs);
  // Each run opens the database afresh (an empty embedding cache) and asks the same
  // queries in the same order; the two-thread run first waits for its helper to load.
  const run = (searchWorkers) => page.evaluate(async ([searchWorkers, queries]) => {
    const db = await Nook.open('shared', { ...assets, warmUp: 0, searchWorkers });
    const out = [];
    const ask = async (q) => {
      const hits = await db.search(q, { k: 8 });
      out.push({ q, hits: hits.map((h) => [h.id, h.score, h.similarity]), stats: hits.stats });
    };
    await ask(queries[0]); // cold, alone: starts the helper when there is one to start
    let loaded = 0;
    for (let i = 0; i < 120 && searchWorkers > 1 && !loaded; i++) {
      await new Promise((r) => setTimeout(r, 250));
      loaded = (await db.stats()).searchHelpers;
    }
    for (const q of queries.slice(1)) await ask(q);
    const stats = await db.stats();
    await db.close();
    return { out, loaded, idle: stats.searchHelpers };
  }, [searchWorkers, QUERIES]);
  const fetched = env.network.length;
  const one = await run(1);
  assert.ok(!env.network.slice(fetched).some((u) => u.endsWith('/embed-worker.js')), 'one search thread starts no helper');
  assert.equal(one.loaded, 0);
  const two = await run(2);
  assert.equal(two.loaded, 1, 'the first cold search started one helper');
  const shared = two.out.filter((r) => r.stats.shared);
  console.log('shared searches:', shared.map((r) => `${r.stats.recomputed} recomputed, ${r.stats.shared.helped} by the helper, ${r.stats.shared.rounds} rounds, ${r.stats.searchMs.toFixed(0)} ms`).join('; '));
  assert.ok(shared.length >= 3 && shared.every((r) => r.stats.shared.helped > 0 && r.stats.shared.workers === 2), `${shared.length} searches shared`);
  // The worker's wait for the helper is part of the recomputation's wall time.
  assert.ok(shared.every((r) => r.stats.shared.waitMs >= 0 && r.stats.shared.waitMs <= r.stats.recomputeMs), JSON.stringify(shared.map((r) => [r.stats.shared.waitMs, r.stats.recomputeMs])));
  for (const [i, r] of two.out.entries()) {
    assert.deepEqual(r.hits, one.out[i].hits, `the same hits and scores for ${r.q}`);
    const [s, t] = [r.stats, one.out[i].stats];
    assert.equal(s.recomputed, t.recomputed, `as many recomputed for ${r.q}`);
    assert.ok(s.exact === t.exact && s.exact === s.recomputed + s.cacheHits, JSON.stringify(s));
    assert.ok(Math.abs(s.embedMs + s.traversalMs + s.recomputeMs - s.searchMs) < 0.5, JSON.stringify(s));
  }
  // Search-as-you-type: a preview alone, whose exact search would recompute, starts the
  // helper, so the exact search after the pause is shared from the first.
  const warmed = await page.evaluate(async (q) => {
    const db = await Nook.open('shared', { ...assets, warmUp: 0, searchWorkers: 2 });
    await db.search(q, { k: 8, preview: true });
    let loaded = 0;
    for (let i = 0; i < 120 && !loaded; i++) { await new Promise((r) => setTimeout(r, 250)); loaded = (await db.stats()).searchHelpers; }
    const hits = await db.search(q, { k: 8 });
    await db.close();
    return { loaded, shared: hits.stats.shared ?? null, hits: hits.map((h) => [h.id, h.score, h.similarity]) };
  }, QUERIES[0]);
  assert.equal(warmed.loaded, 1, 'a preview whose exact search would recompute starts the helper');
  assert.ok(warmed.shared && warmed.shared.helped > 0, `the exact search after it is shared: ${JSON.stringify(warmed.shared)}`);
  assert.deepEqual(warmed.hits, one.out[0].hits);
  // With the helper loaded, a preview's pause is used: the helper embeds what the exact
  // search of that query will recompute, so it finds them cached; the results are the same.
  // The cache before the second query is the one-thread run's (the first query's exact
  // search), so that run's count is what the exact search would otherwise recompute.
  assert.ok(one.out[1].stats.recomputed >= 8, `the second query recomputes cold: ${one.out[1].stats.recomputed}`);
  const speculated = await page.evaluate(async ([q0, q1]) => {
    const db = await Nook.open('shared', { ...assets, warmUp: 0, searchWorkers: 2 });
    await db.search(q0, { k: 8, preview: true });
    let loaded = 0;
    for (let i = 0; i < 120 && !loaded; i++) { await new Promise((r) => setTimeout(r, 250)); loaded = (await db.stats()).searchHelpers; }
    await db.search(q0, { k: 8 });
    await db.search(q1, { k: 8, preview: true });
    await new Promise((r) => setTimeout(r, 2000));
    const hits = await db.search(q1, { k: 8 });
    // A preview followed at once by an exact search of another query: the speculation
    // has not started (it stops) and the exact search is still exact.
    await db.search(q0 + ' again', { k: 8, preview: true });
    const other = await db.search(q1 + ' today', { k: 8 });
    await db.close();
    return { loaded, stats: hits.stats, hits: hits.map((h) => [h.id, h.score, h.similarity]), other: other.stats };
  }, [QUERIES[0], QUERIES[1]]);
  console.log(`speculation: the exact search after a preview's pause recomputed ${speculated.stats.recomputed} of ${one.out[1].stats.recomputed} (${speculated.stats.searchMs.toFixed(0)} ms vs ${one.out[1].stats.searchMs.toFixed(0)} ms cold)`);
  assert.equal(speculated.loaded, 1);
  assert.deepEqual(speculated.hits, one.out[1].hits, 'the same hits and scores after a speculation');
  assert.ok(speculated.stats.recomputed < one.out[1].stats.recomputed / 2, `the pause's speculation left ${speculated.stats.recomputed} of ${one.out[1].stats.recomputed} to recompute`);
  assert.equal(speculated.stats.exact, one.out[1].stats.exact);
  assert.ok(speculated.other.exact > 0 && speculated.other.exact === speculated.other.recomputed + speculated.other.cacheHits, JSON.stringify(speculated.other));
  // A preview's own recomputations (its best 4) are shared with a loaded, idle helper: the
  // same hits and scores as one thread's preview on the same cache (each run: a fresh
  // open, the first query's exact search, then a cold preview of the third).
  const previews = await page.evaluate(async ([q0, q2]) => {
    const out = [];
    for (const searchWorkers of [1, 2]) {
      const db = await Nook.open('shared', { ...assets, warmUp: 0, searchWorkers });
      await db.search(q0, { k: 8 });
      for (let i = 0; i < 120 && searchWorkers > 1 && !(await db.stats()).searchHelpers; i++) await new Promise((r) => setTimeout(r, 250));
      const hits = await db.search(q2, { k: 8, preview: true });
      out.push({ stats: hits.stats, hits: hits.map((h) => [h.id, h.score, h.similarity]) });
      await db.close();
    }
    return out;
  }, [QUERIES[0], QUERIES[2]]);
  const [alone, helped] = previews;
  console.log(`preview: ${alone.stats.recomputed} recomputed alone in ${alone.stats.searchMs.toFixed(0)} ms; shared ${JSON.stringify(helped.stats.shared)} in ${helped.stats.searchMs.toFixed(0)} ms`);
  assert.ok(alone.stats.recomputed >= 2 && alone.stats.recomputed <= 4 && !alone.stats.shared, JSON.stringify(alone.stats));
  assert.deepEqual(helped.hits, alone.hits, 'a shared preview ranks as one thread');
  assert.equal(helped.stats.recomputed, alone.stats.recomputed);
  assert.ok(helped.stats.shared && helped.stats.shared.helped > 0 && helped.stats.shared.rounds === 1, JSON.stringify(helped.stats));
  assert.ok(helped.stats.preview && Math.abs(helped.stats.embedMs + helped.stats.traversalMs + helped.stats.recomputeMs - helped.stats.searchMs) < 0.5, JSON.stringify(helped.stats));
  const refused = await errorName(page, (a) => Nook.open('x', { ...a, searchWorkers: 17 }), await page.evaluate(() => assets));
  assert.match(refused, /^NookInputError: options.searchWorkers/);
  await page.close();
});

test('after an open the worker warms the cache in the background: the same results, nothing recomputed', async () => {
  const page = await openPage(env);
  const docs = DOCS.slice(0, 400).map((d) => ({ ...d, text: `${d.title}, from ${d.url}.` }));
  await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('warm');
    const db = await Nook.open('warm', { ...assets, pruneAt: 100 });
    await db.add(docs, { chunk: 50 });
    await db.close();
  }, docs);
  const ask = () => page.evaluate(async (qs) => {
    const out = [];
    for (const q of qs) {
      const hits = await db.search(q, { k: 8 });
      out.push({ hits: hits.map((h) => [h.id, h.score, h.similarity]), recomputed: hits.stats.recomputed });
    }
    return out;
  }, QUERIES);
  const cachedAfter = (options, ms) => page.evaluate(async ([options, ms]) => {
    if (window.db) await db.close();
    window.db = await Nook.open('warm', { ...assets, ...options });
    await new Promise((r) => setTimeout(r, ms));
    return (await db.stats()).cachedVectors;
  }, [options, ms]);
  // warmUp 0: nothing is recomputed but what searches ask for.
  assert.equal(await cachedAfter({ warmUp: 0 }, 2500), 0, 'no warm-up');
  const cold = await ask();
  assert.ok(cold.every((r) => r.recomputed > 0), `cold searches recompute: ${cold.map((r) => r.recomputed)}`);
  const asked = await page.evaluate(async () => (await db.stats()).cachedVectors);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.evaluate(async () => (await db.stats()).cachedVectors), asked, 'and nothing after them');
  // Idle time only: searches a few hundred milliseconds apart from the open on leave the
  // cache as the same searches leave it without a warm-up (one search thread: no helper's
  // speculation); it starts once they stop.
  const burst = (options) => page.evaluate(async ([options, qs]) => {
    await db.close();
    window.db = await Nook.open('warm', { ...assets, searchWorkers: 1, ...options });
    for (const q of [...qs, ...qs]) {
      await db.search(q, { k: 8 });
      await new Promise((r) => setTimeout(r, 200));
    }
    const during = (await db.stats()).cachedVectors;
    await new Promise((r) => setTimeout(r, 3000));
    return { during, after: (await db.stats()).cachedVectors };
  }, [options, QUERIES]);
  const [off, on] = [await burst({ warmUp: 0 }), await burst({})];
  assert.equal(on.during, off.during, `no warming during the searches (${JSON.stringify({ off, on })})`);
  assert.ok(off.after === off.during && on.after > on.during, `warming once they stop (${JSON.stringify({ off, on })})`);
  // The default: every document not keeping its embedding (400 documents, under the
  // 12,288 of the default) within a minute.
  await cachedAfter({}, 0);
  const { documents, keptVectors } = await page.evaluate(() => db.stats());
  assert.equal(documents, 400);
  const warmed = await statReaches(page, 'cachedVectors', documents - keptVectors, 60_000);
  assert.equal(warmed, documents - keptVectors, 'the whole collection warmed');
  // With the default searchWorkers (2 on these machines) a search helper warmed some too.
  const helped = await page.evaluate(async () => (await db.stats()).warmedByHelpers);
  assert.ok(helped > 0 && helped < warmed, `warmed by the helper: ${helped} of ${warmed}`);
  const after = await ask();
  assert.deepEqual(after.map((r) => r.hits), cold.map((r) => r.hits), 'the same hits and scores as the cold searches');
  assert.ok(after.every((r) => r.recomputed === 0), `warmed: nothing recomputed (${after.map((r) => r.recomputed)})`);
  // A smaller warmUp stops there.
  await cachedAfter({ warmUp: 50 }, 0);
  assert.equal(await statReaches(page, 'cachedVectors', 50, 30_000), 50);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.evaluate(async () => (await db.stats()).cachedVectors), 50, 'and no more');
  const refused = await errorName(page, (a) => Nook.open('warm', { ...a, warmUp: -1 }), await page.evaluate(() => assets));
  assert.match(refused, /^NookInputError: .*warmUp/);
  await page.evaluate(async () => { await db.close(); window.db = null; await Nook.deleteDatabase('warm'); });
  await page.close();
});

/** `window.hintsRecord(name)`: the search hints' record of database `name` as stored (meta
 * key 3), as a string of its bytes ('' if none), read beside nook's own connection. */
function installHintsRecord(page) {
  return page.evaluate(() => {
    window.hintsRecord = (name) => new Promise((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const get = req.result.transaction('meta').objectStore('meta').get(3);
        get.onsuccess = () => { req.result.close(); resolve(get.result === undefined ? '' : String(new Uint8Array(get.result))); };
        get.onerror = () => reject(get.error);
      };
    });
  });
}

test('what searches needed is warmed first at the next open; rememberSearches false keeps none', async () => {
  const page = await openPage(env);
  const docs = DOCS.slice(0, 600).map((d) => ({ ...d, text: `${d.title}, from ${d.url}.` }));
  await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('hints');
    const db = await Nook.open('hints', { ...assets, pruneAt: 100, warmUp: 0 });
    await db.add(docs, { chunk: 100 });
    await db.close();
  }, docs);
  // One session: open, (wait for `warmed` embeddings to be cached), the queries, close.
  const session = (options, warmed = 0) => page.evaluate(async ([options, qs, warmed]) => {
    const db = await Nook.open('hints', { ...assets, searchWorkers: 1, ...options });
    const before = await db.stats();
    for (const t0 = Date.now(); (await db.stats()).cachedVectors < warmed && Date.now() - t0 < 30_000;) await new Promise((r) => setTimeout(r, 100));
    const out = [];
    for (const q of qs) {
      const hits = await db.search(q, { k: 8 });
      out.push({ hits: hits.map((h) => [h.id, h.score]), recomputed: hits.stats.recomputed });
    }
    const after = await db.stats();
    const exported = await db.export();
    await db.close();
    return { before, out, after, exported };
  }, [options, QUERIES, warmed]);
  const first = await session({ warmUp: 0 });
  assert.equal(first.before.hintedDocuments, 0);
  assert.ok(first.out.every((r) => r.recomputed > 0), `cold: ${first.out.map((r) => r.recomputed)}`);
  const needed = first.after.hintedDocuments;
  assert.ok(needed >= Math.max(...first.out.map((r) => r.recomputed)), `noted: ${needed}`);
  // The next open reads the record (counted as index bytes: keys only) and warms those
  // documents first: a warm-up of just that many leaves the same searches nothing to do.
  const second = await session({ warmUp: needed }, needed);
  assert.equal(second.before.hintedDocuments, needed);
  assert.equal(second.before.generation, first.before.generation, 'saving the hints is no change of the collection: other tabs do not reload');
  assert.ok(second.before.bytes.hints > 0 && second.before.bytes.hints <= 4 * needed + 32, `${second.before.bytes.hints} bytes`);
  assert.deepEqual(second.out.map((r) => r.hits), first.out.map((r) => r.hits), 'the same hits and scores');
  assert.ok(second.out.every((r) => r.recomputed === 0), `warmed by the hints: ${second.out.map((r) => r.recomputed)}`);
  // An export carries no hints.
  const copy = await page.evaluate(async (bytes) => {
    const db = await Nook.import('hints-copy', bytes, assets);
    const s = await db.stats();
    await db.close();
    await Nook.deleteDatabase('hints-copy');
    return s;
  }, second.exported);
  assert.equal(copy.hintedDocuments, 0);
  assert.equal(copy.bytes.hints, 0);
  // Off: the record is not read, and goes at close; the same warm-up by the mean direction
  // leaves the searches something to recompute, with the same results.
  const off = await session({ warmUp: needed, rememberSearches: false }, needed);
  assert.equal(off.before.hintedDocuments, 0);
  assert.equal(off.after.hintedDocuments, 0, 'nothing noted');
  assert.deepEqual(off.out.map((r) => r.hits), first.out.map((r) => r.hits));
  assert.ok(off.out.some((r) => r.recomputed > 0), `without hints: ${off.out.map((r) => r.recomputed)}`);
  const gone = await session({ warmUp: 0 });
  assert.deepEqual([gone.before.hintedDocuments, gone.before.bytes.hints], [0, 0], 'the record was deleted');
  const refused = await errorName(page, (a) => Nook.open('hints', { ...a, rememberSearches: 'yes' }), await page.evaluate(() => assets));
  assert.match(refused, /^NookInputError: .*rememberSearches/);
  // A page hidden right after its searches saves what they needed at once, not after the
  // worker's 2 s without a search; the tab then closes without close() (the worker ends
  // with it) and the next open still has them. (Headless Chromium never hides a page, so
  // the page's visibility is set and its event sent as the browser would.)
  await installHintsRecord(page);
  const hidden = await page.evaluate(async (qs) => {
    // The record as stored (the session before saved its own at close).
    const stored = () => window.hintsRecord('hints');
    const db = await Nook.open('hints', { ...assets, searchWorkers: 1, warmUp: 0 });
    const before = await stored();
    for (const q of qs) await db.search(q, { k: 8 });
    const t0 = performance.now();
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    delete document.visibilityState;
    let saved = false;
    while (!(saved = (await stored()) !== before) && performance.now() - t0 < 800) await new Promise((r) => setTimeout(r, 25));
    return { saved, before: before !== '', ms: performance.now() - t0, noted: (await db.stats()).hintedDocuments };
  }, ['a famous bridge', 'a desert animal', 'a composer of operas']);
  assert.ok(hidden.before, 'the session before stored its record at close');
  assert.ok(hidden.saved, `the hints were not stored within ${Math.round(hidden.ms)} ms of the page being hidden`);
  assert.ok(hidden.noted > 0);
  await page.close();
  const next = await openPage(env);
  // Turned off while open (an app's settings switch): forgotten and the record deleted
  // before the call resolves; nothing noted until it is turned on again.
  await installHintsRecord(next);
  const live = await next.evaluate(async (qs) => {
    const record = async () => (await window.hintsRecord('hints')) !== '';
    const db = await Nook.open('hints', { ...assets, warmUp: 0, searchWorkers: 1 });
    const reopened = (await db.stats()).hintedDocuments;
    await db.rememberSearches(false);
    const off = { hinted: (await db.stats()).hintedDocuments, stored: await record() };
    await db.search(qs[0], { k: 8 });
    off.after = (await db.stats()).hintedDocuments;
    let refused;
    try { await db.rememberSearches('no'); } catch (e) { refused = `${e.name}: ${e.message}`; }
    await db.rememberSearches(true);
    await db.search(qs[1], { k: 8 });
    const on = (await db.stats()).hintedDocuments;
    await db.close();
    await Nook.deleteDatabase('hints');
    return { reopened, off, on, refused };
  }, QUERIES);
  assert.equal(live.reopened, hidden.noted, 'what the hidden tab\'s searches needed');
  assert.deepEqual(live.off, { hinted: 0, stored: false, after: 0 });
  assert.ok(live.on > 0, `noted again: ${live.on}`);
  assert.match(live.refused, /^NookInputError: rememberSearches/);
  await next.close();
});

test('another model (paraphrase-MiniLM-L3-v2, fp32) given as bytes, helpers included', async () => {
  const page = await openPage(env);
  const l3 = await page.evaluate(() => ({ tokenizerUrl: assets.tokenizerUrl, maxTokens: 128, minScore: 0 }));
  // The model reaches nook as bytes the app read itself (no modelUrl): the worker and its
  // helpers embed from them.
  const size = await page.evaluate(async () => { window.l3Bytes = new Uint8Array(await (await fetch('./models/paraphrase-minilm-l3.onnx')).arrayBuffer()); return window.l3Bytes.length; });
  // Texts longer than 128 tokens: a helper that truncated at the default 256 would index
  // different vectors than the nook worker.
  const LONG = DOCS.slice(0, 160).map((d, i) => ({ ...d, text: `${d.title}. ${DOCS[(i + 1) % DOCS.length].title}. `.repeat(20) }));
  const build = (name, indexWorkers) => page.evaluate(async ([name, o, docs]) => {
    await Nook.deleteDatabase(name);
    const db = await Nook.open(name, { ...o, model: window.l3Bytes });
    const r = await db.add(docs, { chunk: 20 });
    const bytes = await db.export();
    const hits = (await db.search('Abraham Lincoln', { k: 3, hybrid: false })).map((h) => h.id);
    const stats = await db.stats();
    await db.close();
    return { r, bytes: Array.from(bytes), hits, dims: stats.dims };
  }, [name, { ...l3, indexWorkers }, LONG]);
  const one = await build('l3-1', 1);
  const three = await build('l3-3', 3);
  console.log('paraphrase-MiniLM-L3-v2: helped', three.r.helped, 'of 160; top hits', one.hits);
  assert.equal(one.dims, 384);
  assert.equal(one.hits[0], '307', 'the document about Abraham Lincoln comes first');
  assert.ok(three.r.helped > 0, 'helpers embedded part of the add');
  assert.ok(one.bytes.length === three.bytes.length && one.bytes.every((b, i) => b === three.bytes[i]), 'helpers embed with the same options');
  assert.equal(await page.evaluate(() => window.l3Bytes.length), size, "nook copies the caller's bytes, it does not take them");
  // The database remembers its model: opened with all-MiniLM-L6 (also 384-d) it is refused.
  const other = await errorName(page, () => Nook.open('l3-1', { ...assets, minScore: 0 }));
  assert.match(other, /^NookInputError: this database was built with another model/, other);
  for (const [bad, want] of [[{ pooling: 'max' }, /pooling/], [{ maxTokens: 513 }, /maxTokens/], [{ heads: 7 }, /heads/],
    [{ modelUrl: './models/paraphrase-minilm-l3.onnx' }, /exactly one/], [{ tokenizer: 'not bytes', tokenizerUrl: undefined }, /Uint8Array/]]) {
    const got = await errorName(page, ([o, b]) => Nook.open('l3-bad', { ...o, model: window.l3Bytes, ...b }), [l3, bad]);
    assert.match(got, /^NookInputError: /, `${JSON.stringify(bad)}: ${got}`);
    assert.match(got, want);
  }
  await page.close();
});

test('bad input gets typed errors and loses nothing', async () => {
  const page = await openPage(env);
  await page.evaluate(async () => {
    await Nook.deleteDatabase('faults');
    // Calls during an unfinished open wait for it. (No relevance floor: below, "k above
    // the count gives every document" checks that nothing was lost.)
    window.db = Nook.connect('faults', { ...assets, minScore: 0 });
    window.early = db.search('anything', { k: 3 });
    await db.ready;
    window.earlyResult = await early;
  });
  assert.deepEqual(await page.evaluate(() => earlyResult), [], 'searching an empty index gives []');
  await page.evaluate(async (docs) => db.add(docs), DOCS.slice(0, 20));
  const cases = {
    unknownId: () => db.delete(['no-such-id']),
    duplicateIds: () => db.add([{ id: 'x', text: 'a' }, { id: 'x', text: 'b' }]),
    nonStringText: () => db.add([{ id: 'y', text: 42 }]),
    hugeDocument: () => db.add([{ id: 'z', text: 'word '.repeat(1_100_000) }]),
    kZero: () => db.search('x', { k: 0 }),
    kNegative: () => db.search('x', { k: -3 }),
    notAnArray: () => db.add({ id: 'q', text: 'x' }),
    badFilter: () => db.search('x', { filter: 'nope' }),
    misspeltOption: () => Nook.open('misspelt', { ...assets, minscore: 0.3 }),
    objectFilterValue: () => db.search('x', { filter: { tag: { nested: 1 } } }),
    emptyFilter: () => db.search('x', { filter: {} }),
    missingModel: () => Nook.open('no-model', { ...assets, modelUrl: './no-such-model.onnx' }),
  };
  const expect = { unknownId: 'NookNotFoundError', duplicateIds: 'NookInputError', nonStringText: 'NookInputError',
    hugeDocument: 'NookInputError', kZero: 'NookInputError', kNegative: 'NookInputError', notAnArray: 'NookInputError', badFilter: 'NookInputError', misspeltOption: 'NookInputError',
    objectFilterValue: 'NookInputError', emptyFilter: 'NookInputError', missingModel: 'NookNetworkError' };
  for (const [name, fn] of Object.entries(cases)) {
    const got = await errorName(page, fn);
    assert.ok(got.startsWith(expect[name] + ':'), `${name}: ${got}`);
  }
  assert.match(await errorName(page, () => Nook.open('misspelt', { ...assets, minscore: 0.3 })), /unknown option minscore; .*minScore/);
  // The core itself (used without the client) refuses a name it does not read, too.
  const core = await errorName(page, async () => {
    const m = await import('./node_modules/nook-search/dist/nook.js');
    await m.default({ module_or_path: './node_modules/nook-search/dist/nook_bg.wasm' });
    const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
    await m.NookCore.open('core-misspelt', Promise.all([bytes(assets.modelUrl), bytes(assets.tokenizerUrl)]), { rerank: 32, minscore: 0.3 });
  });
  assert.match(core, /^NookInputError: unknown option minscore; the core's options are .*minScore/, core);
  // Its model files come as a promise (awaited once its reads are issued): one that fails,
  // or gives something else than the two files' bytes, fails the open with a typed error.
  for (const [files, expected] of [['Promise.reject(new Error("offline"))', /^NookInputError: the model files could not be read/],
    ['Promise.resolve([new Uint8Array(4)])', /^NookInputError: the model files must come as \[model, tokenizer\] Uint8Arrays/],
    ['Promise.resolve("model")', /^NookInputError: the model files must come as/]]) {
    const got = await errorName(page, async (src) => {
      const m = await import('./node_modules/nook-search/dist/nook.js');
      await m.default({ module_or_path: './node_modules/nook-search/dist/nook_bg.wasm' });
      await m.NookCore.open('core-files', (0, eval)(src), {});
    }, files);
    assert.match(got, expected, got);
  }
  // An open indexes the stored documents while its model files still arrive: files that
  // come late give the collection the client's worker has, and files that fail after the
  // documents were read fail the open with their own typed error, the database untouched.
  const late = await page.evaluate(async () => {
    const m = await import('./node_modules/nook-search/dist/nook.js');
    await m.default({ module_or_path: './node_modules/nook-search/dist/nook_bg.wasm' });
    const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
    const files = Promise.all([bytes(assets.modelUrl), bytes(assets.tokenizerUrl)]);
    const after = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
    const core = await m.NookCore.open('faults', after(600, files), { minScore: 0 });
    const stats = core.stats();
    const hits = core.search('Abraham Lincoln', 3, true, undefined, false).hits.map((h) => [h.id, h.score]);
    core.close();
    const failed = await m.NookCore.open('faults', after(600, null).then(() => Promise.reject(new Error('offline'))), {}).then(() => 'resolved', (e) => `${e.name}: ${e.message}`);
    const want = (await db.search('Abraham Lincoln', { k: 3 })).map((h) => [h.id, h.score]);
    return { documents: stats.documents, readMs: stats.open.readMs, loadMs: stats.open.loadMs, hits, want, failed, after: (await db.stats()).documents };
  });
  assert.equal(late.documents, 20);
  assert.ok(late.readMs > 300 && late.loadMs > 0, JSON.stringify(late));
  assert.deepEqual(late.hits, late.want, 'the same collection whatever arrived first');
  assert.match(late.failed, /^NookInputError: the model files could not be read/);
  assert.equal(late.after, 20);
  const state = await page.evaluate(async () => ({ n: (await db.stats()).documents, big: (await db.search('Abraham Lincoln', { k: 50 })).length }));
  assert.deepEqual(state, { n: 20, big: 20 }, 'nothing lost, k > count gives all documents');

  // Filters on meta, and an export/import round trip.
  const filtered = await page.evaluate(async () => {
    await db.add([{ id: 'm1', text: 'red apple', meta: { tag: 'fruit', year: 2024, fav: true } }, { id: 'm2', text: 'red car', meta: { tag: 'car', year: 2023, fav: false } }, { id: 'm3', text: 'red wine', meta: { tag: 'drink', year: null } }]);
    const hits = await db.search('red', { k: 5, filter: { tag: 'fruit' } });
    const ids = async (filter) => (await db.search('red', { k: 5, filter })).map((h) => h.id).sort().join();
    const kinds = { anyOf: await ids({ tag: ['car', 'fruit'] }), number: await ids({ year: 2023 }), bool: await ids({ fav: true }), nul: await ids({ year: null }), both: await ids({ tag: 'fruit', year: 2023 }), coerced: await ids({ year: '2024' }) };
    const bytes = await db.export();
    await Nook.deleteDatabase('faults-copy');
    const copy = await Nook.import('faults-copy', bytes, assets);
    const same = (await copy.search('Abraham Lincoln', { k: 3 })).map((h) => h.id).join() === (await db.search('Abraham Lincoln', { k: 3 })).map((h) => h.id).join();
    const twice = await Nook.import('faults-copy', bytes, assets).then(() => 'resolved', (e) => e.name);
    const bad = bytes.slice(); bad[7] = 99;
    const newer = await Nook.import('faults-newer', bad, assets).then(() => 'resolved', (e) => e.name);
    const cut = await Nook.import('faults-cut', bytes.slice(0, 100), assets).then(() => 'resolved', (e) => e.name);
    await copy.close();
    return { ids: hits.map((h) => h.id), kinds, same, twice, newer, cut };
  });
  assert.deepEqual(filtered, { ids: ['m1'], kinds: { anyOf: 'm1,m2', number: 'm2', bool: 'm1', nul: 'm3', both: '', coerced: '' }, same: true, twice: 'NookStateError', newer: 'NookVersionError', cut: 'NookCorruptError' });
  await page.evaluate(() => db.close());
  const closed = await errorName(page, () => db.search('x'));
  assert.ok(closed.startsWith('NookStateError'), closed);
  await page.close();
});

test('deleting a database that is open: the instance lets go and refuses later calls; import takes an ArrayBuffer', async () => {
  const page = await openPage(env);
  const r = await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('doomed');
    const db = await Nook.open('doomed', assets);
    await db.add(docs);
    const before = (await db.search('Abraham Lincoln', { k: 3 })).length;
    const exported = await db.export();
    await Nook.deleteDatabase('doomed');
    const after = await db.search('Abraham Lincoln', { k: 3 }).then((h) => `resolved with ${h.length}`, (e) => e.name);
    const stats = await db.stats().then(() => 'resolved', (e) => e.name);
    await db.close();
    const listed = indexedDB.databases ? (await indexedDB.databases()).some((d) => d.name === 'doomed') : false;
    // The export, given as an ArrayBuffer, makes the same collection again.
    const copy = await Nook.import('doomed', exported.buffer.slice(exported.byteOffset, exported.byteOffset + exported.byteLength), assets);
    const again = (await copy.search('Abraham Lincoln', { k: 3 })).length;
    await copy.close();
    await Nook.deleteDatabase('doomed');
    return { before, after, stats, listed, again };
  }, DOCS.slice(0, 10));
  assert.deepEqual(r, { before: 3, after: 'NookStateError', stats: 'NookStateError', listed: false, again: 3 });
  await page.close();
});

/** Edit one IndexedDB record of database `name` in the page (while nook is closed). */
async function tamper(page, name, store, key, edit) {
  return page.evaluate(async ([name, store, key, edit]) => {
    const db = await new Promise((ok, no) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
    const tx = db.transaction(store, 'readwrite');
    const os = tx.objectStore(store);
    const keys = await new Promise((ok) => { const r = os.getAllKeys(); r.onsuccess = () => ok(r.result); });
    const k = key ?? keys[0];
    const v = await new Promise((ok) => { const r = os.get(k); r.onsuccess = () => ok(r.result); });
    (0, eval)(edit)(v);
    os.put(v, k);
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
  }, [name, store, key, edit.toString()]);
}

/** Rewrite the `docs` table of database `name` in the page (while nook is closed):
 * `edit(keys, values, store, { cursor, seal })` (self-contained: it is sent as its source)
 * runs in one readwrite transaction over every record; its result is returned. Its
 * helpers read and frame records as nook does: `cursor(bytes, at)` reads varints from
 * `at` on (`.varint()`, the position in `.at`); `seal(bytes, end)` writes at `end` the
 * crc32 of the bytes before it. */
async function editDocs(page, name, edit) {
  return page.evaluate(async ([name, edit]) => {
    const db = await new Promise((ok, no) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
    const tx = db.transaction('docs', 'readwrite');
    const os = tx.objectStore('docs');
    const req = (r) => new Promise((ok) => { r.onsuccess = () => ok(r.result); });
    const [keys, values] = [await req(os.getAllKeys()), await req(os.getAll())];
    const cursor = (b, at) => ({ at, varint() { let v = 0, scale = 1, x; do { x = b[this.at++]; v += (x & 127) * scale; scale *= 128; } while (x & 128); return v; } });
    const table = new Uint32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
    const crc32 = (b) => { let c = 0xffffffff; for (const x of b) c = table[(c ^ x) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
    const seal = (b, end) => new DataView(b.buffer, b.byteOffset).setUint32(end, crc32(b.subarray(0, end)), true);
    const out = (0, eval)(edit)(keys, values, os, { cursor, seal });
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
    return out;
  }, [name, edit.toString()]);
}

/** `db.stats()[field]` in the page once it is `want` (polled every 100 ms), or its value
 * after `ms`: what the worker's background upkeep reached. */
async function statReaches(page, field, want, ms) {
  return page.evaluate(async ([field, want, ms]) => {
    for (let i = 0; i < ms / 100; i++) {
      if ((await db.stats())[field] === want) return want;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    return (await db.stats())[field];
  }, [field, want, ms]);
}

// The documents table as nook wrote it before pages: each document its own record under
// its key (this unpacks every page record, keys from 2^52, into its documents).
async function unpackPages(page, name) {
  return editDocs(page, name, (keys, values, os, { cursor }) => {
    let alone = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] < 2 ** 52) continue;
      const b = values[i];
      const r = cursor(b, 3); // b"ND", version 2
      const [number, count] = [r.varint(), r.varint()];
      os.delete(keys[i]);
      for (let j = 0; j < count; j++) {
        const [offset, len] = [r.varint(), r.varint()];
        os.put(b.slice(r.at, r.at + len), number * 64 + offset);
        r.at += len;
        alone++;
      }
    }
    return alone;
  });
}

test('a database written before pages opens as it was; its documents then move into pages, results unchanged', async () => {
  const page = await openPage(env);
  const docs = DOCS.slice(0, 300);
  const search = () => page.evaluate(async (qs) => {
    const out = [];
    for (const q of qs) out.push((await db.search(q, { k: 5 })).map((h) => h.id));
    return out;
  }, QUERIES);
  await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('loose');
    window.db = await Nook.open('loose', { ...assets, pruneAt: 256 });
    await db.add(docs);
  }, docs);
  const want = await search();
  await page.evaluate(() => db.close());
  assert.equal(await unpackPages(page, 'loose'), 300);
  const keys = () => page.evaluate(async () => {
    const d = await new Promise((ok) => { const r = indexedDB.open('loose'); r.onsuccess = () => ok(r.result); });
    const k = await new Promise((ok) => { const r = d.transaction('docs').objectStore('docs').getAllKeys(); r.onsuccess = () => ok(r.result); });
    d.close();
    return k;
  });
  assert.equal((await keys()).filter((k) => k >= 2 ** 52).length, 0, 'every document alone');
  const opened = await page.evaluate(async () => {
    window.db = await Nook.open('loose', assets);
    const s = await db.stats();
    return { loose: s.looseDocuments, documents: s.documents };
  });
  assert.deepEqual(opened, { loose: 300, documents: 300 });
  assert.deepEqual(await search(), want, 'the same results from documents stored alone');
  const left = await statReaches(page, 'looseDocuments', 0, 30_000);
  assert.equal(left, 0, 'moved into pages within 30 s of the open');
  const packed = await keys();
  assert.ok(packed.length === 5 && packed.every((k) => k >= 2 ** 52), `5 pages of 64 keys: ${packed}`);
  assert.deepEqual(await search(), want);
  await page.evaluate(async () => { await db.close(); window.db = await Nook.open('loose', assets); });
  assert.deepEqual(await search(), want, 'and after reopening the packed table');
  await page.evaluate(() => db.close());
  await page.close();
});

// Text the English model cannot read, with neighbours of the same scripts and shape
// (as tests/quality_slice.rs): id, title, text; and a fragment of each that must find it.
const FOREIGN = [
  ['ja-rpg', 'ロールプレイングゲーム', '古代の世界を旅するロールプレイングゲーム', 'ロールプレイング'],
  ['ja-weather', '天気予報', '東京の天気予報と週間の気温', '天気予報'],
  ['ja-editor', 'テキストエディタ', '軽量で高速なテキストエディタ', 'エディタ'],
  ['zh-chess', '国际象棋', '三维棋盘上玩国际象棋的游戏', '国际象棋'],
  ['zh-mail', '电子邮件客户端', '支持多个账户的电子邮件客户端', '邮件客户'],
  ['de-krieg', 'Kriegsführung der Antike', 'Echtzeit-Strategiespiel über die Kriegsführung der Antike', 'kriegsfuhrung antike'],
  // Thai has no spaces between words either: "Bangkok" inside a bookmark of "Bangkok
  // International School", "an international school in Bangkok".
  ['th-school', 'โรงเรียนนานาชาติกรุงเทพ', 'โรงเรียนนานาชาติในกรุงเทพ', 'กรุงเทพ'],
];
function foreignDocs() {
  const docs = FOREIGN.map(([id, title, text]) => ({ id, title, text }));
  for (const [i, a] of ['天気', '地図', '音楽', '写真', '辞書', '時計', '電卓', '日記', '翻訳', '計算'].entries()) {
    for (const b of ['ツール', 'ソフト', 'アプリ', 'ビューア', 'マネージャ']) docs.push({ id: `ja-${i}-${b}`, title: `${a}${b}`, text: `シンプルな${a}の${b}です` });
  }
  for (const [i, a] of ['文件', '图片', '音乐', '视频', '网络', '系统', '字体', '日历'].entries()) {
    for (const b of ['管理器', '编辑器', '播放器', '查看器', '工具']) docs.push({ id: `zh-${i}-${b}`, title: `${a}${b}`, text: `一个简单的${a}${b}` });
  }
  // Hospitals, restaurants, libraries, airports and schools in Chiang Mai, Phuket, Khon Kaen.
  for (const [i, a] of ['โรงพยาบาล', 'ร้านอาหาร', 'ห้องสมุด', 'สนามบิน', 'โรงเรียน'].entries()) {
    for (const b of ['เชียงใหม่', 'ภูเก็ต', 'ขอนแก่น']) docs.push({ id: `th-${i}-${b}`, title: `${a}${b}`, text: `${a}ที่ดีที่สุดใน${b}` });
  }
  return docs;
}

// Pages as a nook counting by the first keyword rules wrote them: the terms version after
// the documents set to 1 (the terms that follow are then ignored), the crc32 made anew.
async function restampTerms(page, name) {
  return editDocs(page, name, (keys, values, os, { cursor, seal }) => {
    let pages = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] < 2 ** 52) continue;
      const b = new Uint8Array(values[i]).slice();
      const r = cursor(b, 3);
      r.varint();
      // (`r.at += r.varint()` would add the length to the position from before the read.)
      for (let n = r.varint(); n > 0; n--) { r.varint(); const len = r.varint(); r.at += len; }
      if (b[r.at] !== 3) throw new Error(`page ${keys[i]}: terms version ${b[r.at]}`);
      b[r.at] = 1;
      seal(b, b.length - 4);
      os.put(b, keys[i]);
      pages++;
    }
    return pages;
  });
}

test('text in other languages is found by a fragment; pages counted by the first rules are counted again after the open', async () => {
  const page = await openPage(env);
  const docs = [...DOCS.slice(0, 300), ...foreignDocs()];
  const first = () => page.evaluate(async (qs) => {
    const out = [];
    for (const q of qs) out.push((await db.search(q, { k: 5 }))[0]?.id ?? null);
    return out;
  }, FOREIGN.map((f) => f[3]));
  const want = FOREIGN.map((f) => f[0]);
  await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('i18n');
    window.db = await Nook.open('i18n', { ...assets, pruneAt: 256 });
    await db.add(docs);
  }, docs);
  assert.deepEqual(await first(), want);
  // Ids in order (a similarity recomputed after the reopen may differ in its last bits).
  const again = () => page.evaluate(async (qs) => { const out = []; for (const q of qs) out.push((await db.search(q, { k: 10 })).map((h) => h.id)); return out; }, [...FOREIGN.map((f) => f[3]), ...QUERIES]);
  const all = await again();
  await page.evaluate(() => db.close());
  assert.equal(await restampTerms(page, 'i18n'), Math.ceil(docs.length / 64));
  const opened = await page.evaluate(async () => {
    window.db = await Nook.open('i18n', assets);
    return (await db.stats()).looseDocuments;
  });
  assert.equal(opened, docs.length, 'every page to count again');
  assert.deepEqual(await again(), all, 'the same results from pages whose terms the open counted');
  assert.equal(await statReaches(page, 'looseDocuments', 0, 30_000), 0, 'rewritten within 30 s of the open');
  await page.evaluate(async () => { await db.close(); window.db = await Nook.open('i18n', assets); });
  assert.equal(await page.evaluate(async () => (await db.stats()).looseDocuments), 0);
  assert.deepEqual(await again(), all, 'and after reopening the rewritten pages');
  await page.evaluate(() => db.close());
  await page.close();
});

// Long documents' records as an earlier nook wrote them: the kept embedding (record
// version 4) taken out, version 1 again, the crc32 made anew.
async function dropKept(page, name) {
  return editDocs(page, name, (keys, values, os, { cursor, seal }) => {
    let dropped = 0;
    for (let i = 0; i < keys.length; i++) {
      const b = new Uint8Array(values[i]);
      if (keys[i] >= 2 ** 52 || b[2] !== 4) continue;
      const r = cursor(b, 3);
      for (let s = 0; s < 5; s++) { const len = r.varint(); r.at += len; }
      for (let n = r.varint(); n > 0; n--) r.varint();
      const out = new Uint8Array(r.at + 4);
      out.set(b.subarray(0, r.at));
      out[2] = 1;
      seal(out, r.at);
      os.put(out, keys[i]);
      dropped++;
    }
    return dropped;
  });
}

test('long documents keep their embedding; written without it (an earlier nook), they get it after the open', async () => {
  const page = await openPage(env);
  // 260 short documents and 40 long ones (eight documents' text each: 128+ tokens).
  const docs = DOCS.slice(0, 260).concat(Array.from({ length: 40 }, (_, i) => {
    const part = DOCS.slice(260 + i * 8, 268 + i * 8);
    return { id: `long${i}`, title: part.map((d) => d.title).join('; '), text: part.map((d) => `${d.title}: a page about ${d.title}, its history, its places and its people, and what ${d.title} is known for.`).join(' ') };
  }));
  const search = () => page.evaluate(async (qs) => {
    const out = [];
    for (const q of qs) out.push((await db.search(q, { k: 5, hybrid: false })).map((h) => h.id));
    return out;
  }, [...QUERIES, docs[260].title, `what ${docs[281].title} is known for`]);
  const added = await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('kept');
    window.db = await Nook.open('kept', { ...assets, pruneAt: 256 });
    await db.add(docs);
    const s = await db.stats();
    return { kept: s.keptVectors, keptBytes: s.bytes.kept, phase: s.phase };
  }, docs);
  assert.deepEqual(added, { kept: 40, keptBytes: 40 * (4 + 384), phase: 'flat' }); // int8 and a scale
  const want = await search();
  assert.ok(want.flat().some((id) => id.startsWith('long')), `long documents are found: ${want}`);
  await page.evaluate(() => db.close());
  assert.equal(await dropKept(page, 'kept'), 40);
  const opened = await page.evaluate(async () => {
    window.db = await Nook.open('kept', assets);
    return (await db.stats()).keptVectors;
  });
  assert.equal(opened, 0, 'read as written: no kept embedding yet');
  // Recomputed, and measured by the stop rule like any other (not all of them), the long
  // documents rank by f32 embeddings; the ones the last two queries name are still first.
  const unkept = await search();
  assert.deepEqual(unkept.slice(-2).map((r) => r[0]), want.slice(-2).map((r) => r[0]));
  const kept = await statReaches(page, 'keptVectors', 40, 60_000);
  assert.equal(kept, 40, 'every long document keeps its embedding within 60 s of the open');
  assert.deepEqual(await search(), want);
  const reopened = await page.evaluate(async () => {
    await db.close();
    window.db = await Nook.open('kept', assets);
    return (await db.stats()).keptVectors;
  });
  assert.equal(reopened, 40, 'written: kept after a reopen');
  assert.deepEqual(await search(), want, 'and the same results after it');
  // keepEmbeddingsFrom: every document (1), or none (above maxTokens).
  const chosen = await page.evaluate(async (docs) => {
    const out = [];
    for (const from of [1, 1000]) {
      await Nook.deleteDatabase('kept-option');
      const d = await Nook.open('kept-option', { ...assets, keepEmbeddingsFrom: from });
      await d.add(docs);
      out.push((await d.stats()).keptVectors);
      await d.close();
    }
    await Nook.deleteDatabase('kept-option');
    return out;
  }, docs.slice(250, 270));
  assert.deepEqual(chosen, [20, 0]);
  await page.evaluate(async () => { await db.close(); await Nook.deleteDatabase('kept'); });
  await page.close();
});

test('corrupt records and newer formats in IndexedDB: clear errors, no panic', async () => {
  const page = await openPage(env);
  await page.evaluate(async (docs) => {
    for (const n of ['corrupt', 'newer']) {
      await Nook.deleteDatabase(n);
      const db = await Nook.open(n, assets);
      await db.add(docs);
      await db.close();
    }
  }, DOCS.slice(0, 30));
  await tamper(page, 'corrupt', 'docs', null, (v) => { v[v.length >> 1] ^= 0x5a; });
  await tamper(page, 'newer', 'meta', 0, (v) => { v[4] = 200; });
  const got = await page.evaluate(async () => {
    const r = {};
    for (const n of ['corrupt', 'newer']) r[n] = await Nook.open(n, assets).then(() => 'opened', (e) => e.name);
    return r;
  });
  assert.deepEqual(got, { corrupt: 'NookCorruptError', newer: 'NookVersionError' });
  await page.close();
});

// A real full disk: Chromium's quota override (CDP Storage.overrideQuotaForOrigin) is not
// enforced by Debian's headless Chromium, so the profile lives on a 64 MB tmpfs, a filler
// database takes nearly all of it, and IndexedDB then fails with a genuine
// QuotaExceededError. Mounting needs root (CI and these machines run as root); elsewhere
// the test is skipped and says why.
function smallDisk() {
  const dir = mkdtempSync(join(tmpdir(), 'nook-quota-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, release() { try { execFileSync('umount', [dir]); } catch (_) { /* busy: leave it */ } rmSync(dir, { recursive: true, force: true }); } };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a small tmpfs for the profile (${String(e.stderr || e.message).trim()})` };
  }
}

test('quota exceeded during add writes nothing', async (t) => {
  const disk = smallDisk();
  if (disk.skip) return t.skip(disk.skip);
  const ctx = await chromium.launchPersistentContext(join(disk.dir, 'profile'), { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin !== env.origin) { env.foreign.push(url); return route.abort(); }
    return route.continue();
  });
  try {
    const page = await ctx.newPage();
    await page.goto(`${env.origin}/page.html`);
    await page.waitForFunction(() => window.nookReady === true);
    await page.evaluate(async (docs) => {
      await Nook.deleteDatabase('quota');
      window.db = await Nook.open('quota', { ...assets, minScore: 0 }); // every document answers a search
      await db.add(docs);
    }, DOCS.slice(0, 10));
    // Fill the disk with incompressible bytes in another database until IndexedDB refuses.
    const filled = await page.evaluate(async () => {
      const fdb = await new Promise((res, rej) => { const o = indexedDB.open('filler', 1); o.onupgradeneeded = () => o.result.createObjectStore('s'); o.onsuccess = () => res(o.result); o.onerror = () => rej(o.error); });
      const chunk = (kb) => { const a = new Uint8Array(kb * 1024); for (let o = 0; o < a.length; o += 65536) crypto.getRandomValues(a.subarray(o, o + 65536)); return a; };
      let mb = 0, key = 0;
      for (const kb of [1024, 256, 64]) {
        for (;;) {
          const ok = await new Promise((res) => { const t = fdb.transaction('s', 'readwrite'); t.objectStore('s').put(chunk(kb), key++); t.oncomplete = () => res(true); t.onabort = () => res(false); t.onerror = () => res(false); });
          if (!ok) break;
          mb += kb / 1024;
          if (mb > 200) return mb;
        }
      }
      fdb.close();
      return mb;
    });
    assert.ok(filled > 10 && filled < 64, `filler took ${filled} MB of the 64 MB disk`);
    const r = await page.evaluate(async () => {
      const rnd = (n) => Array.from({ length: n }, () => Math.random().toString(36).slice(2)).join(' ');
      const big = Array.from({ length: 8 }, (_, i) => ({ id: `big${i}`, title: `big ${i}`, text: rnd(60000) }));
      const e = await db.add(big, { chunk: 8 }).then(() => 'resolved', (e) => e.name);
      return { e, n: (await db.stats()).documents, hit: (await db.search('Nook quota', { k: 10 })).length };
    });
    const reopened = await page.evaluate(async () => { await db.close(); window.db = await Nook.open('quota', { ...assets, minScore: 0 }); return (await db.stats()).documents; });
    assert.deepEqual({ ...r, reopened }, { e: 'NookQuotaError', n: 10, hit: 10, reopened: 10 });
    // Free the space: the same add now succeeds.
    const after = await page.evaluate(async () => {
      await new Promise((res) => { const d = indexedDB.deleteDatabase('filler'); d.onsuccess = d.onerror = d.onblocked = res; });
      const r = await db.add([{ id: 'small', text: 'room again after the quota error' }]);
      return { added: r.added, n: (await db.stats()).documents };
    });
    assert.deepEqual(after, { added: 1, n: 11 });
  } finally {
    await ctx.close();
    disk.release();
  }
});

test('two tabs adding at once; a tab closed mid-add keeps the committed prefix', async () => {
  const [a, b] = [await openPage(env), await openPage(env)];
  await a.evaluate(async () => { await Nook.deleteDatabase('tabs'); });
  const add = (page, docs) => page.evaluate(async (docs) => { const db = await Nook.open('tabs', assets); window.db = db; return db.add(docs, { chunk: 10 }); }, docs);
  const [ra, rb] = await Promise.all([add(a, DOCS.slice(0, 60)), add(b, DOCS.slice(60, 120))]);
  assert.equal(ra.added + rb.added, 120);
  const counts = await Promise.all([a, b].map((p) => p.evaluate(async () => (await db.stats()).documents)));
  assert.deepEqual(counts, [120, 120], 'both tabs see both tabs\' documents');

  // Close tab b in the middle of a large add.
  await b.evaluate((docs) => { window.progress = 0; db.add(docs, { chunk: 10, onProgress: (p) => { window.progress = p.done; } }); }, DOCS.slice(120, 1000));
  await b.waitForFunction(() => window.progress >= 30, null, { timeout: 120000 });
  await b.close();
  const n = await a.evaluate(async () => { await db.close(); window.db = await Nook.open('tabs', assets); return (await db.stats()).documents; });
  assert.ok(n >= 150 && n < 1000 && n % 10 === 0, `committed prefix after the tab closed: ${n}`);
  const hit = await a.evaluate(async (title) => (await db.search(title, { k: 1 }))[0]?.title, DOCS[125].title);
  assert.equal(hit, DOCS[125].title, 'the committed prefix is searchable');
  await a.close();
});

test('AbortSignal: an aborted add keeps its committed prefix; an aborted search rejects', async () => {
  const page = await openPage(env);
  const r = await page.evaluate(async (docs) => {
    await Nook.deleteDatabase('abort');
    const db = await Nook.open('abort', assets);
    const ac = new AbortController();
    const e = await db.add(docs, { chunk: 10, signal: ac.signal, onProgress: (p) => { if (p.done >= 30) ac.abort(); } })
      .then(() => ({ name: 'resolved' }), (e) => ({ name: e.name, committed: e.committed }));
    const n = (await db.stats()).documents;
    const found = (await db.search(docs[5].title, { k: 1 }))[0]?.id;
    const pre = new AbortController();
    pre.abort();
    const early = await db.search('x', { signal: pre.signal }).then(() => 'resolved', (e) => e.name);
    await db.close();
    const again = await Nook.open('abort', assets);
    const reopened = (await again.stats()).documents;
    await again.close();
    return { ...e, n, found, want: String(docs[5].id), early, reopened };
  }, DOCS.slice(0, 200));
  assert.equal(r.name, 'AbortError');
  assert.ok(r.committed >= 30 && r.committed < 200 && r.committed % 10 === 0, `committed ${r.committed}`);
  assert.equal(r.n, r.committed, 'exactly the committed prefix is there');
  assert.equal(r.reopened, r.committed, 'and it is what a reopen finds');
  assert.equal(r.found, r.want, 'the prefix is searchable');
  assert.equal(r.early, 'AbortError');
  await page.close();
});

test('second visit opens with the model and tokenizer blocked (Cache API)', async () => {
  const page = await openPage(env);
  await page.evaluate(async () => { await Nook.deleteDatabase('offline'); const db = await Nook.open('offline', assets); await db.add([{ id: 'a', text: 'bees kept on a city rooftop' }]); await db.close(); });
  const blocked = [];
  const block = (route) => { blocked.push(route.request().url()); return route.abort('internetdisconnected'); };
  await env.context.route('**/models/**', block);
  try {
    await page.reload();
    await page.waitForFunction(() => window.nookReady === true);
    const hit = await page.evaluate(async () => { const db = await Nook.open('offline', assets); const h = (await db.search('urban beekeeping', { k: 1 }))[0]?.id; await db.close(); return h; });
    assert.equal(hit, 'a');
    assert.deepEqual(blocked, [], `the second open fetched ${blocked.join(', ')}`);
    // Control: with the Cache API emptied the same open must go to the (blocked) network.
    const cold = await page.evaluate(async () => {
      for (const k of await caches.keys()) await caches.delete(k);
      return Nook.open('offline', assets).then(async (db) => { await db.close(); return 'resolved'; }, (e) => e.name);
    });
    assert.notEqual(cold, 'resolved');
    assert.ok(blocked.length > 0, 'the control open tried the network');
  } finally {
    await env.context.unroute('**/models/**', block);
    await page.close();
  }
});

// Two wasm builds ship (simd128, simd128 + relaxed SIMD); the worker picks by feature test.
const WASM_FILE = /\/dist\/nook_bg(\.relaxed)?\.wasm$/;
const BUILD_TEXTS = ['urban beekeeping on rooftops', 'the capital city of japan', 'x', '🐝 honey'];

async function buildAndVectors(env, extra = {}) {
  const before = env.requests.length;
  const page = await openPage(env);
  const r = await page.evaluate(async ([texts, extra]) => {
    await Nook.deleteDatabase('builds');
    const db = await Nook.open('builds', { ...assets, ...extra });
    await db.add([{ id: 'bees', text: 'keeping bees in a city' }, { id: 'tokyo', text: 'Tokyo is the capital of Japan' }]);
    const out = { build: (await db.stats()).build, hit: (await db.search('urban apiculture', { k: 1 }))[0]?.id, vectors: Array.from(await db.embed(texts)) };
    await db.close();
    return out;
  }, [BUILD_TEXTS, extra]);
  await page.close();
  r.wasm = env.requests.slice(before).filter((u) => WASM_FILE.test(u)).map((u) => u.split('/').pop());
  return r;
}

const cosine = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);

test('wasm build: relaxed SIMD where the browser has it, else (or when its file is missing) simd128', async () => {
  const relaxed = await buildAndVectors(env);
  assert.equal(relaxed.build, 'relaxed-simd', 'Chromium has relaxed SIMD: the relaxed build runs');
  assert.deepEqual(relaxed.wasm, ['nook_bg.relaxed.wasm'], 'only the relaxed file is downloaded');
  assert.equal(relaxed.hit, 'bees');

  // The relaxed file is missing (a host that copied only nook_bg.wasm): fall back, still works.
  const relaxedFile = (url) => url.pathname.endsWith('/nook_bg.relaxed.wasm');
  let refused = 0;
  const missing = (route) => { refused++; return route.fulfill({ status: 404, body: 'not here' }); };
  await env.context.route(relaxedFile, missing);
  let fallback;
  try { fallback = await buildAndVectors(env); } finally { await env.context.unroute(relaxedFile, missing); }
  assert.equal(fallback.build, 'simd128', `fetched ${fallback.wasm}`);
  assert.ok(refused === 1 && fallback.wasm.join() === 'nook_bg.wasm', `tried the relaxed file (${refused}), then took ${fallback.wasm}`);
  assert.equal(fallback.hit, 'bees');

  // wasmRelaxedUrl: null opts out; only the simd128 file is downloaded.
  const simd = await buildAndVectors(env, { wasmRelaxedUrl: null });
  assert.equal(simd.build, 'simd128');
  assert.deepEqual(simd.wasm, ['nook_bg.wasm']);
  // Same model, same numbers up to fused rounding.
  const dims = relaxed.vectors.length / BUILD_TEXTS.length;
  assert.equal(dims, 384);
  const row = (v, i) => v.slice(i * dims, (i + 1) * dims);
  for (let i = 0; i < BUILD_TEXTS.length; i++) {
    const c = cosine(row(relaxed.vectors, i), row(simd.vectors, i));
    assert.ok(c >= 0.9999, `"${BUILD_TEXTS[i]}": cosine ${c} between the builds`);
  }
});

test('no browser, or an engine without WebAssembly SIMD: NookUnsupportedError before anything starts', async () => {
  // Outside a browser (server-side rendering): importing the package is harmless, every
  // entry point refuses with the typed error, naming what is missing.
  const pkg = await import(join(SITE, 'node_modules/nook-search/src/index.js'));
  const named = async (fn) => { try { await fn(); return 'resolved'; } catch (e) { return `${pkg.isNookError(e, 'NookUnsupportedError') ? '' : 'untyped '}${e.name}: ${e.message}`; } };
  const files = { modelUrl: 'http://127.0.0.1:9/m.onnx', tokenizerUrl: 'http://127.0.0.1:9/t.json' };
  assert.match(await named(() => pkg.Nook.open('x', files)), /^NookUnsupportedError: this environment has no Web Workers, IndexedDB:/);
  assert.match(await named(() => pkg.Nook.openSite('http://127.0.0.1:9/site/', files)), /^NookUnsupportedError: this environment has no Web Workers:/);
  assert.match(await named(() => pkg.Nook.layers('http://127.0.0.1:9/site/', 'own', files)), /^NookUnsupportedError: /);
  assert.match(await named(() => pkg.Nook.deleteDatabase('x')), /^NookUnsupportedError: this environment has no IndexedDB:/);

  // A browser whose engine has no wasm SIMD (V8 without SSE4.1 turns it off, as old
  // engines lack it): refused in the page, before the worker, the wasm or the model is requested.
  const old = await start(SITE, { args: ['--js-flags=--no-enable-sse4-1'] });
  try {
    const page = await openPage(old);
    const [seen, reached] = [old.requests.length, old.network.length];
    for (const call of [() => Nook.open('x', assets), () => Nook.openSite('./no-site/', assets), () => Nook.connect('y', assets).ready]) {
      assert.match(await errorName(page, call), /^NookUnsupportedError: this environment has no WebAssembly SIMD: nook runs in a browser \(Chrome or Edge 91\+/);
    }
    assert.equal(await page.evaluate(() => Nook.deleteDatabase('x').then(() => 'deleted')), 'deleted', 'IndexedDB alone needs no SIMD');
    const after = [...old.requests.slice(seen), ...old.network.slice(reached)];
    assert.deepEqual(after.filter((u) => /worker\.js|\.wasm|\.onnx|tokenizer/.test(u)), [], 'nothing of nook started');
    await page.close();
  } finally {
    await old.close();
    assert.deepEqual(old.foreign, []);
  }
});

test('the relaxed-SIMD probe: true where the engine has it, false where not (Node with V8 flags)', (t) => {
  // No Chromium flag turns relaxed SIMD off any more, so the probe the worker uses is
  // checked in Node's V8 with the feature switched on and off.
  const probe = join(SITE, 'node_modules/nook-search/src/features.js');
  const run = (flag) => execFileSync(process.execPath, [flag, '--input-type=module', '-e',
    `import(${JSON.stringify(probe)}).then((m) => process.stdout.write(String(m.hasRelaxedSimd())))`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let off;
  try { off = run('--no-experimental-wasm-relaxed-simd'); } catch (e) {
    t.skip(`this Node does not take --no-experimental-wasm-relaxed-simd: ${String(e.stderr).trim().split('\n')[0]}`);
    return;
  }
  assert.equal(off, 'false', 'an engine without relaxed SIMD gets the simd128 build');
  assert.equal(run('--experimental-wasm-relaxed-simd'), 'true');
});
