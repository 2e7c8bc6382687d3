// Benchmark: the bookmarks extension at tens of thousands of bookmarks (bench/extension/run.sh).
//
// Loads the built extension (www/build/extension) unpacked in headless Chromium, creates a
// synthetic-but-realistic bookmark tree through chrome.bookmarks in stages (so the real
// sync path runs: onCreated -> coalesced reconcile -> diff -> chunked adds in the
// offscreen document's nook worker), and at each stage measures:
//   - initial indexing throughput (bookmarks/s, creation to "all indexed");
//   - incremental latency of onCreated / onChanged / onRemoved (event -> index updated);
//   - search latency from an extension page (round trip through the service worker and the
//     offscreen document) as the popup runs it: nook's preview (first paint), then the
//     exact search, with its embedding / traversal / recomputation split;
//   - memory (RSS of the browser's processes) and bytes in IndexedDB.
// It stops after the stage during which the time budget (--minutes) ran out; then it
// restarts the browser (unless --no-restart) and measures the reopen and the first, cold
// searches, with each process's RSS and private memory sampled every 250 ms from the launch
// to a few seconds after the startup diff (the peak). Report: bench/results/extension-80k.md.
//
//   node bench/extension/run.mjs [--minutes 20] [--stages 1000,2500,5000,10000,20000,40000,80000] [--tree 80000] [--no-restart] [--out FILE]
//   node bench/extension/run.mjs --report [--out FILE]   (the table of FILE again, no run)
//   --profile DIR: the browser profile lives in DIR and is kept (not deleted) after the run;
//     when DIR already holds the largest stage's bookmarks indexed (a kept profile), the
//     stages are skipped and only the restarts are measured (--restarts N, default 1;
//     each restart is timed on its own and the medians are reported; every other restart
//     sends its exact searches after the popup's pause). The extension is reloaded first,
//     so a profile indexed by an earlier build is measured as after an update.
// Besides the JSON, each run writes its table to FILE-latest.md (extension-80k-latest.md);
// extension-80k.md is the narrative of earlier runs.

import { chromium } from '../../tests/e2e/node_modules/playwright-core/index.mjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBookmarks } from './bookmarks.mjs';
import { memoryPeak, processMemory as memory } from '../memory.mjs';
import { diff, entry, flatten } from '../../www/extension/sync.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const MINUTES = Number(arg('minutes', process.env.NOOK_BENCH_MINUTES ?? 20));
const STAGES = arg('stages', '1000,2500,5000,10000,20000,40000,80000').split(',').map(Number);
const TREE = Number(arg('tree', 0));
const RESTART = !process.argv.includes('--no-restart');
const PROFILE = arg('profile', null);
const RESTARTS = Math.max(1, Number(arg('restarts', 1)));
/** The popup's pause between the preview's answer and the exact search (see measureSearch). */
const POPUP_PAUSE_MS = 150;
// How long memory is still sampled after the startup diff: what it and the warm-up that follows it allocate shows within seconds.
const PEAK_AFTER_SYNC_MS = 5000;
/** --type MS: one more restart whose queries are typed a character every MS (0: none). */
const TYPE_MS = Number(arg('type', 120));
/** --refind S: two more restarts whose queries (the ones the restarts before asked) are sent
 * S seconds after the index is ready, with the popup's pause: the first with the search
 * hints the earlier restarts left (nook's default), the second with their record deleted
 * (0: none). */
const REFIND_S = Number(arg('refind', 8));
const OUT = arg('out', join(ROOT, 'bench', 'results', 'extension-80k.json'));
const EXT = process.env.NOOK_EXT_DIR ?? join(ROOT, 'www', 'build', 'extension');
const REPORT_ONLY = process.argv.includes('--report');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-domain-reliability', '--no-pings',
];

const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : null; };
const median = (xs) => pct(xs, 0.5);
const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

/**
 * Search latency (round trips from an extension page, as the popup does them: nook's
 * preview, then the exact search) and nook's split of the exact one. `pauseMs`: the exact
 * search is sent that long after the preview's answer (the popup sends the preview 80 ms
 * after a keystroke and the exact search 250 ms after it: ~150 ms later); the exact
 * round trip counted is then the preview's plus the exact search's own.
 */
async function measureSearch(page, queries, pauseMs = 0) {
  const searches = [];
  for (const q of queries) {
    const t = await page.evaluate(async ([query, pause]) => {
      const t0 = performance.now();
      const p = await chrome.runtime.sendMessage({ type: 'search', query, k: 8, preview: true });
      const t1 = performance.now();
      if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
      const t2 = performance.now();
      const r = await chrome.runtime.sendMessage({ type: 'search', query, k: 8 });
      const top = (x) => x.hits.map((h) => h.id);
      const same = top(r).filter((id) => top(p).includes(id)).length;
      return { previewMs: t1 - t0, ms: performance.now() - t2 + (t1 - t0), timing: r.timing, n: r.hits.length, same, first: top(p)[0] === top(r)[0] };
    }, [q, pauseMs]);
    searches.push(t);
  }
  const tm = (k) => searches.map((x) => x.timing?.[k]).filter((x) => typeof x === 'number');
  return {
    queries: searches.length, p50: round(pct(searches.map((x) => x.ms), 0.5)), p95: round(pct(searches.map((x) => x.ms), 0.95)),
    previewP50: round(pct(searches.map((x) => x.previewMs), 0.5)), previewP95: round(pct(searches.map((x) => x.previewMs), 0.95)),
    previewSharedOf8: round(median(searches.map((x) => x.same))), previewTopSame: round(searches.filter((x) => x.first).length / searches.length),
    first: round(searches[0].ms), firstPreview: round(searches[0].previewMs),
    embedMsP50: round(median(tm('embedMs'))), traversalMsP50: round(median(tm('traversalMs'))), recomputeMsP50: round(median(tm('recomputeMs'))),
    searchMsP50: round(median(tm('searchMs'))), recomputedP50: median(tm('recomputed')), visitedP50: median(tm('visited')), mode: searches[0].timing?.mode,
    // Exact searches whose recomputations a search helper shared, and the documents it embedded (median).
    sharedSearches: searches.filter((x) => x.timing?.shared).length, helpedP50: median(searches.map((x) => x.timing?.shared?.helped ?? 0)),
    // Each query in order: both round trips, the exact search's recomputations (count, ms in
    // nook, by the helpers) and nook's whole search.
    perQuery: searches.map((x) => ({
      ms: round(x.ms), previewMs: round(x.previewMs), recomputed: x.timing?.recomputed, recomputeMs: round(x.timing?.recomputeMs),
      helped: x.timing?.shared?.helped ?? 0, searchMs: round(x.timing?.searchMs),
    })),
  };
}

/**
 * Search as a person types in the popup: one character every `typeMs`, a preview of the text
 * so far 80 ms after each keystroke, the exact search 250 ms after the last (popup.js). The
 * final preview is compared with the exact result; the exact search's own round trip is
 * timed.
 */
async function measureTyped(page, queries, typeMs) {
  const searches = [];
  for (const q of queries) {
    searches.push(await page.evaluate(async ([query, type]) => {
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
      const ask = (text, preview) => chrome.runtime.sendMessage({ type: 'search', query: text, k: 8, ...(preview && { preview: true }) });
      const t0 = performance.now();
      let p = null;
      for (let i = 1; i <= query.length; i++) {
        await sleep(t0 + i * type + 80 - performance.now());
        const text = query.slice(0, i).trim();
        if (text && query[i - 1] !== ' ') p = await ask(text, true);
      }
      await sleep(t0 + query.length * type + 250 - performance.now());
      const te = performance.now();
      const r = await ask(query, false);
      return { ms: performance.now() - te, recomputed: r.timing?.recomputed, first: p?.hits[0]?.id === r.hits[0]?.id };
    }, [q, typeMs]));
  }
  return {
    typeMs, queries: searches.length, exactP50: round(median(searches.map((x) => x.ms))), exactP95: round(pct(searches.map((x) => x.ms), 0.95)),
    recomputedP50: median(searches.map((x) => x.recomputed ?? 0)), previewTopSame: searches.filter((x) => x.first).length,
  };
}

async function main() {
  if (!existsSync(join(EXT, 'manifest.json'))) throw new Error(`${EXT} is missing: run scripts/build_extension.sh`);
  const max = Math.max(...STAGES);
  const { folders, bookmarks } = makeBookmarks(ROOT, max);
  const queries = JSON.parse(readFileSync(join(ROOT, 'data', 'bench-queries.json'), 'utf8')).slice(0, 24);
  const userDataDir = PROFILE ? resolve(PROFILE) : mkdtempSync(join(tmpdir(), 'nook-bench-ext-'));
  mkdirSync(userDataDir, { recursive: true });
  const launch = () => chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: [...ARGS, `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`],
  });
  let context = await launch();
  const result = {
    date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, budgetMinutes: MINUTES, stages: [],
    syncAt80k: null, loadavgStart: loadavg(), profile: PROFILE ? userDataDir : null,
  };
  try {
    let [sw] = context.serviceWorkers();
    if (!sw) sw = await context.waitForEvent('serviceworker', { timeout: 30_000 });
    const extId = new URL(sw.url()).host;
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extId}/popup.html`);
    const ask = (msg) => page.evaluate((m) => chrome.runtime.sendMessage(m), msg);
    const status = () => ask({ type: 'status' });
    const opened = await waitFor(async () => { const s = await status(); return s.phase === 'ready' && s; }, 600_000, 'the index to open');
    // A kept profile that already holds the largest stage: only the restarts are measured.
    const kept = opened.documents >= max;
    if (kept) {
      log(`profile ${userDataDir} already holds ${opened.documents} bookmarks: measuring restarts only`);
      // The stages this profile was built with, from the run that built it (OUT), if any.
      const earlier = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : null;
      if (earlier?.profile === userDataDir && earlier.stages?.length) Object.assign(result, { stages: earlier.stages, stagesFrom: earlier.stagesFrom ?? earlier.date });
      // The extension built now replaces the one that indexed the profile, as an update
      // does. Chromium keeps a command-line extension's registered service worker scripts
      // across launches (the new files reach only its pages); a reload registers them, and
      // the launches that follow run the new code throughout.
      log('reloading the extension (chrome.runtime.reload), as an update does');
      page.evaluate(() => chrome.runtime.reload()).catch(() => {});
      await sleep(5000);
    }

    // Folders first (ids kept in the page).
    if (!kept) await page.evaluate(async (paths) => {
      window.folderIds = {};
      for (const path of paths) {
        const parts = path.split('/');
        const parent = parts.length > 1 ? window.folderIds[parts.slice(0, -1).join('/')] : '1';
        window.folderIds[path] = (await chrome.bookmarks.create({ parentId: parent, title: parts.at(-1) })).id;
      }
    }, folders);

    const t00 = Date.now();
    let have = kept ? opened.documents : 0;
    for (const target of kept ? [] : STAGES) {
      const stage = { bookmarks: target };
      log(`stage ${target}: creating ${target - have} bookmarks`);
      const tc = Date.now();
      for (let i = have; i < target; i += 1000) {
        await page.evaluate(async (list) => {
          for (const b of list) await chrome.bookmarks.create({ parentId: window.folderIds[b.folder], title: b.title, url: b.url });
        }, bookmarks.slice(i, Math.min(target, i + 1000)));
      }
      stage.createMs = Date.now() - tc;
      // Indexing: until every bookmark is in the index.
      const samples = [];
      await waitFor(async () => {
        const s = await status();
        samples.push({ s: round((Date.now() - tc) / 1000), documents: s.documents });
        if (samples.length % 30 === 0) log(`  ${s.documents} / ${target} indexed`);
        return s.phase === 'ready' && s.documents === target && !s.progress;
      }, 24 * 3600_000, `${target} bookmarks to be indexed`, 2000);
      const indexMs = Date.now() - tc;
      stage.indexMs = indexMs;
      stage.indexedPerSecond = round(((target - have) / indexMs) * 1000);
      stage.samples = samples.filter((_, i) => i % 5 === 0);
      have = target;
      log(`  indexed in ${round(indexMs / 1000)} s (${stage.indexedPerSecond}/s)`);

      stage.search = await measureSearch(page, queries);
      log('  search', JSON.stringify(stage.search));

      // Incremental sync latency: event -> index updated (includes the 250 ms coalescing).
      stage.incremental = await incremental(page, status, target);
      log('  incremental', JSON.stringify(stage.incremental));
      // The service worker's side of a reconcile at this size: read + flatten the tree.
      stage.treeReadMs = round(median(await sw.evaluate(async () => {
        const ms = [];
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          const roots = await chrome.bookmarks.getTree();
          let _n = 0; const walk = (x) => { if (x.url) _n++; for (const c of x.children ?? []) walk(c); }; roots.forEach(walk);
          ms.push(performance.now() - t0);
        }
        return ms;
      }).catch(() => [null])), 1);
      const st = await ask({ type: 'stats' });
      stage.storedBytes = st.storedBytes; stage.indexBytes = st.indexBytes; stage.hnswBytes = st.hnswBytes; stage.mode = st.mode;
      stage.memory = memory(userDataDir);
      stage.elapsedMin = round((Date.now() - t00) / 60_000);
      stage.loadavg = loadavg().map((x) => round(x, 2));
      log('  memory', JSON.stringify(stage.memory), 'stored', st.storedBytes);
      result.stages.push(stage);
      writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
      if (Date.now() - t00 > MINUTES * 60_000) { log(`time budget of ${MINUTES} min used: stopping at ${target}`); break; }
    }
    // A browser restart at the largest size: time to the reopened index, then the first
    // searches with an empty embedding cache (the case the preview is for).
    if (RESTART && have > 0) {
      /** Close the browser and start it again on the profile: the popup page, when the launch began, how long it took. */
      const restart = async () => {
        await context.close();
        const t0 = Date.now();
        context = await launch();
        const launchedMs = Date.now() - t0;
        let [w] = context.serviceWorkers();
        if (!w) w = await context.waitForEvent('serviceworker', { timeout: 30_000 });
        const popup = await context.newPage();
        await popup.goto(`chrome-extension://${new URL(w.url()).host}/popup.html`);
        return { popup, t0, launchedMs };
      };
      const reopened = (popup) => waitFor(async () => { const s = await popup.evaluate(() => chrome.runtime.sendMessage({ type: 'status' })); return s.phase === 'ready' && s; }, 600_000, 'the index to reopen', 25);
      const runs = [];
      for (let r = 0; r < RESTARTS; r++) {
        log(`restart ${r + 1}/${RESTARTS}: closing the browser with ${have} bookmarks indexed`);
        const { popup: p2, t0, launchedMs } = await restart();
        // The largest processes from the launch to a few seconds after the startup diff
        // (which reads the whole bookmark tree in the service worker, in the extension's
        // renderer), sampled every 250 ms.
        const peak = memoryPeak(userDataDir);
        // The first result: a preview sent as soon as the popup is up (the offscreen
        // document answers it once its index is open). Its query is not among the measured
        // ones, whose embeddings must not be cached.
        const firstQuery = 'notes on sailing boats and the open sea';
        const first = await waitFor(() => p2.evaluate((query) => chrome.runtime.sendMessage({ type: 'search', query, k: 8, preview: true }), firstQuery).then((x) => x && !x.error && x), 600_000, 'the first result', 25);
        const firstResultMs = Date.now() - t0;
        const s2 = await reopened(p2);
        const run = {
          bookmarks: have, documents: s2.documents, launchedMs, reopenMs: firstResultMs, firstHits: first.hits.length,
          offscreenOpenMs: s2.openMs, openSteps: s2.openSteps, memoryAfterOpen: memory(userDataDir),
        };
        // Every other restart sends the exact searches after the popup's pause.
        run.pauseMs = r % 2 === 1 ? POPUP_PAUSE_MS : 0;
        run.search = await measureSearch(p2, queries, run.pauseMs);
        run.memory = memory(userDataDir);
        // The startup diff against the bookmark tree runs once searches pause (a second
        // after the last): nothing to add, unless the profile was indexed by an extension
        // whose text form was another (sync.js TEXT_FORM): then every bookmark, minutes.
        const s3 = await waitFor(async () => { const s = await p2.evaluate(() => chrome.runtime.sendMessage({ type: 'status' })); return s.lastSync && s; }, 1_800_000, 'the startup diff', 100);
        Object.assign(run, { addedSinceStart: s3.addedSinceStart, startupSync: s3.lastSync, syncRecordReadMs: s3.openSteps?.syncMs });
        if (s3.addedSinceStart) run.memoryAfterSync = memory(userDataDir);
        await new Promise((resolve) => setTimeout(resolve, PEAK_AFTER_SYNC_MS));
        run.memoryPeak = peak.stop();
        log('  after restart', JSON.stringify(run));
        runs.push(run);
      }
      // One more restart: the first 12 queries typed into the popup a character at a time.
      if (TYPE_MS) {
        const { popup: p3 } = await restart();
        await reopened(p3);
        result.typedAfterRestart = await measureTyped(p3, queries.slice(0, 12), TYPE_MS);
        log('  typed after restart', JSON.stringify(result.typedAfterRestart));
      }
      // Searching again for what was searched before the restart, REFIND_S after the index is
      // ready: with the search hints the earlier restarts' searches left, then (the record
      // deleted in IndexedDB from the popup's page, as nothing else reaches it) without.
      if (REFIND_S) {
        result.refindAfterRestart = { waitS: REFIND_S, pauseMs: POPUP_PAUSE_MS };
        for (const hinted of [true, false]) {
          const { popup: p4 } = await restart();
          await reopened(p4);
          await new Promise((resolve) => setTimeout(resolve, REFIND_S * 1000));
          const search = await measureSearch(p4, queries, POPUP_PAUSE_MS);
          result.refindAfterRestart[hinted ? 'hinted' : 'unhinted'] = { search };
          log(`  re-finding ${REFIND_S} s after the open, ${hinted ? 'with' : 'without'} the hints`, JSON.stringify(search));
          if (hinted) {
            await new Promise((resolve) => setTimeout(resolve, 3000));   // the hints saved
            await p4.evaluate(() => new Promise((resolve, reject) => {
              const req = indexedDB.open('nook-bookmarks');
              req.onerror = () => reject(req.error);
              req.onsuccess = () => {
                const tx = req.result.transaction('meta', 'readwrite');
                tx.objectStore('meta').delete(3);   // HINTS_KEY (src/records/mod.rs)
                tx.oncomplete = () => { req.result.close(); resolve(); };
                tx.onerror = () => reject(tx.error);
              };
            }));
          }
        }
      }
      // One restart: as measured. Several: the median back-to-back run by first result
      // (its searches and memory), with every run's open and first-result times kept, and
      // the median paused run's searches.
      const medianRun = (xs) => [...xs].sort((a, b) => a.reopenMs - b.reopenMs)[Math.floor((xs.length - 1) / 2)];
      const paused = runs.filter((x) => x.pauseMs);
      result.afterRestart = {
        ...medianRun(runs.filter((x) => !x.pauseMs)),
        ...(paused.length && { paused: { pauseMs: POPUP_PAUSE_MS, search: medianRun(paused).search } }),
        runs: runs.map(({ search, ...rest }) => ({ ...rest, exactP50: search.p50, previewTopSame: search.previewTopSame })),
      };
      result.afterRestart.reopenMs = median(runs.map((x) => x.reopenMs));
      writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
    }
    // --tree N: grow the bookmark tree to N entries with bookmarklets (javascript: URLs,
    // which the extension does not index) to measure what the sync path costs per event
    // in an N-bookmark tree without embedding N bookmarks.
    if (TREE > have) {
      log(`tree: adding ${TREE - have} bookmarklets (not indexed) to reach ${TREE} bookmarks`);
      const tc = Date.now();
      for (let i = have; i < TREE; i += 2000) {
        await page.evaluate(async ([from, to]) => {
          const ids = Object.values(window.folderIds);
          for (let j = from; j < to; j++) await chrome.bookmarks.create({ parentId: ids[j % ids.length], title: `bookmarklet ${j}`, url: `javascript:void(${j})` });
        }, [i, Math.min(TREE, i + 2000)]);
      }
      const tree = { bookmarks: TREE, indexed: have, createMs: Date.now() - tc };
      await sleep(3000);
      await waitFor(async () => { const s = await status(); return s.phase === 'ready' && !s.progress && s; }, 600_000, 'the sync to settle');
      tree.incremental = await incremental(page, status, `tree-${TREE}`);
      tree.treeReadMs = round(median(await sw.evaluate(async () => {
        const ms = [];
        for (let i = 0; i < 3; i++) { const t0 = performance.now(); await chrome.bookmarks.getTree(); ms.push(performance.now() - t0); }
        return ms;
      }).catch(() => [null])), 1);
      tree.memory = memory(userDataDir);
      log('  tree', JSON.stringify(tree));
      result.tree = tree;
      writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
    }
  } finally {
    await context.close();
    if (!PROFILE) rmSync(userDataDir, { recursive: true, force: true });
  }
  // The pure sync step at 80,000 (node, same functions the offscreen document runs).
  result.syncAt80k = syncCost(80_000);
  writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  log('wrote', OUT, 'and', report(result));
}

/** The run's table, written next to OUT as *-latest.md; returns its path. */
function report(r) {
  const cols = [...r.stages.map((s) => [s.bookmarks.toLocaleString('en-US'), s]), ...(r.afterRestart ? [[`${r.afterRestart.bookmarks.toLocaleString('en-US')} after a browser restart`, r.afterRestart]] : [])];
  const cell = (f) => cols.map(([, s]) => { try { const v = f(s); return v == null ? '-' : v; } catch { return '-'; } }).join(' | ');
  let md = `# The bookmarks extension at scale: latest run\n\nWritten by \`bench/extension/run.mjs\` (${r.date}; ${r.cpus} x ${r.cpu}; load average at start ${r.loadavgStart}). Queries: 24 FanOutQA questions sent as the popup sends them (preview, then exact).${r.stagesFrom ? ` The indexing columns are from the run that built this profile (${r.stagesFrom}); this run measured the restarts.` : ''} The narrative of earlier runs: extension-80k.md.\n\n`;
  md += `| bookmarks | ${cols.map(([n]) => n).join(' | ')} |\n|---|${cols.map(() => '---').join('|')}|\n`;
  md += `| initial indexing, bookmarks/s | ${cell((s) => s.indexedPerSecond ?? (s.reopenMs != null ? `first result ${(s.reopenMs / 1000).toFixed(1)} s after the browser's launch${s.launchedMs != null ? ` (launch ${(s.launchedMs / 1000).toFixed(1)} s;` : ' ('} index ready ${(s.offscreenOpenMs / 1000).toFixed(1)} s after the offscreen page started)${s.runs?.length > 1 ? `; median of ${s.runs.length} restarts: ${s.runs.map((x) => (x.reopenMs / 1000).toFixed(1)).join(', ')} s` : ''}` : null))} |\n`;
  md += `| preview round trip p50 / p95 ms | ${cell((s) => `${s.search.previewP50} / ${s.search.previewP95}`)} |\n`;
  md += `| exact round trip p50 / p95 ms (the preview's and the exact search's, sent back to back) | ${cell((s) => `${s.search.p50} / ${s.search.p95}`)} |\n`;
  if (r.afterRestart?.paused) md += `| the same, the exact search sent ${r.afterRestart.paused.pauseMs} ms after the preview's answer (the popup's pause, not counted; other restarts) | ${cell((s) => s.paused && `${s.paused.search.p50} / ${s.paused.search.p95} (recomputed p50 ${s.paused.search.recomputedP50}; preview top 1 same ${Math.round(100 * s.paused.search.previewTopSame)}%)`)} |\n`;
  md += `| exact in nook p50: scan / recomputation ms | ${cell((s) => `${s.search.traversalMsP50} / ${s.search.recomputeMsP50}`)} |\n`;
  md += `| embeddings recomputed per exact query (p50) | ${cell((s) => s.search.recomputedP50)} |\n`;
  md += `| preview's 8 in the exact 8 (median) / same top 1 | ${cell((s) => `${s.search.previewSharedOf8} / ${Math.round(100 * s.search.previewTopSame)}%`)} |\n`;
  if (r.typedAfterRestart) {
    const t = r.typedAfterRestart;
    md += `| typed into the popup after another restart, one character every ${t.typeMs} ms (12 queries): final preview's top 1 = exact top 1; exact round trip p50 / p95 ms (recomputed p50) | ${cols.map(([, s]) => (s === r.afterRestart ? `${t.previewTopSame} of ${t.queries}; ${t.exactP50} / ${t.exactP95} (${t.recomputedP50})` : '-')).join(' | ')} |\n`;
  }
  if (r.refindAfterRestart?.unhinted) {
    const f = r.refindAfterRestart;
    const c = (x) => `${x.search.p50} / ${x.search.p95} (${x.search.recomputedP50})`;
    md += `| the same queries again after two more restarts, sent ${f.waitS} s after the index is ready (the popup's pause): exact round trip p50 / p95 ms (recomputed p50), with the search hints the restarts before left / with their record deleted | ${cols.map(([, s]) => (s === r.afterRestart ? `${c(f.hinted)} / ${c(f.unhinted)}` : '-')).join(' | ')} |\n`;
  }
  const redone = r.afterRestart?.runs?.filter((x) => x.addedSinceStart);
  if (redone?.length) md += `| the startup diff re-indexed bookmarks (indexed by an extension with another text form): restart, bookmarks, s, largest process MB after it | ${cols.map(([, s]) => (s === r.afterRestart ? redone.map((x) => `${r.afterRestart.runs.indexOf(x) + 1}: ${x.addedSinceStart.toLocaleString('en-US')} in ${(x.startupSync.ms / 1000).toFixed(0)} s (${(x.addedSinceStart / (x.startupSync.ms / 1000)).toFixed(1)}/s), ${x.memoryAfterSync?.largestMB ?? '-'}`).join('; ') : '-')).join(' | ')} |\n`;
  md += `| largest process / all processes MB | ${cell((s) => `${s.memory.largestMB} / ${s.memory.totalMB}`)} |\n`;
  if (r.afterRestart?.memoryPeak) {
    const peaks = r.afterRestart.runs.map((x) => x.memoryPeak).filter(Boolean);
    const kinds = (o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
    md += `| largest process over a restart, sampled every 250 ms from the launch to ${PEAK_AFTER_SYNC_MS / 1000} s after the startup diff: RSS MB (its kind) / private MB (USS, its kind); the median run by first result, then the largest of all ${peaks.length} | ${cols.map(([, s]) => (s === r.afterRestart ? `${s.memoryPeak.largestMB} (${s.memoryPeak.largestKind}) / ${s.memoryPeak.largestPrivateMB} (${s.memoryPeak.largestPrivateKind}); of all: ${Math.max(...peaks.map((x) => x.largestMB))} / ${Math.max(...peaks.map((x) => x.largestPrivateMB ?? 0))}` : '-')).join(' | ')} |\n`;
    md += `| the same peaks by kind (median run), RSS; private MB | ${cols.map(([, s]) => (s === r.afterRestart ? `${kinds(s.memoryPeak.byKind)}; ${kinds(s.memoryPeak.privateByKind)}` : '-')).join(' | ')} |\n`;
  }
  if (r.afterRestart?.memoryAfterOpen) md += `| largest process / all processes MB right after the open (before the startup diff and the searches) | ${cell((s) => s.memoryAfterOpen && `${s.memoryAfterOpen.largestMB} / ${s.memoryAfterOpen.totalMB}`)} |\n`;
  if (r.afterRestart?.memoryAfterOpen?.byKind) md += `| the same right after the open, largest process by kind MB (the index lives in a renderer: the offscreen page and its workers) | ${cell((s) => s.memoryAfterOpen?.byKind && Object.entries(s.memoryAfterOpen.byKind).map(([k, v]) => `${k} ${v}`).join(', '))} |\n`;
  const path = OUT.replace(/\.json$/, '') + '-latest.md';
  writeFileSync(path, md);
  return path;
}

/** flatten + diff of an 80k-bookmark tree with nothing / one bookmark changed (node). */
function syncCost(n) {
  const { bookmarks } = makeBookmarks(ROOT, n);
  const tree = [{ id: '0', title: '', children: [{ id: '1', title: 'Bookmarks bar', children: bookmarks.map((b, i) => ({ id: String(10 + i), title: b.title, url: b.url })) }] }];
  const flat = flatten(tree);
  const known = new Map(flat.map((b) => [b.id, entry(b)]));
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const f = flatten(tree);
    f[i].title += ' (edited)';
    const d = diff(f, known);
    runs.push(performance.now() - t0);
    if (d.add.length !== 1) throw new Error('diff found more than the edit');
  }
  const json = JSON.stringify(flat).length;
  return { bookmarks: n, flattenDiffMsP50: round(median(runs)), messageBytes: json };
}

/** onCreated / onChanged / onRemoved -> index updated, 5 rounds (p50 and max, ms). */
async function incremental(page, status, tag) {
  const inc = { created: [], changed: [], removed: [], reconcileMs: [] };
  for (let r = 0; r < 5; r++) {
    const before = await status();
    let t0 = Date.now();
    const id = await page.evaluate(async (i) => (await chrome.bookmarks.create({ parentId: '1', title: `Bench probe ${i}: sailing across the Atlantic in a small boat`, url: `https://example.org/probe/${i}` })).id, `${tag}-${r}`);
    const a = await waitFor(async () => { const s = await status(); return s.documents === before.documents + 1 && s.lastSync?.at >= t0 && s; }, 600_000, 'the created bookmark', 25);
    inc.created.push(Date.now() - t0); inc.reconcileMs.push(a.lastSync.ms);
    t0 = Date.now();
    await page.evaluate(async (bid) => chrome.bookmarks.update(bid, { title: 'Bench probe renamed: crossing the ocean by rowing boat' }), id);
    const c = await waitFor(async () => { const s = await status(); return s.lastSync?.at >= t0 && s.lastSync.added === 1 && s; }, 600_000, 'the renamed bookmark', 25);
    inc.changed.push(Date.now() - t0); inc.reconcileMs.push(c.lastSync.ms);
    t0 = Date.now();
    await page.evaluate(async (bid) => chrome.bookmarks.remove(bid), id);
    const d = await waitFor(async () => { const s = await status(); return s.documents === before.documents && s.lastSync?.at >= t0 && s; }, 600_000, 'the removed bookmark', 25);
    inc.removed.push(Date.now() - t0); inc.reconcileMs.push(d.lastSync.ms);
  }
  return {
    createdMsP50: median(inc.created), changedMsP50: median(inc.changed), removedMsP50: median(inc.removed),
    createdMsMax: Math.max(...inc.created), changedMsMax: Math.max(...inc.changed), removedMsMax: Math.max(...inc.removed),
    reconcileMsP50: median(inc.reconcileMs),
  };
}

async function waitFor(fn, ms, what, every = 500) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

if (REPORT_ONLY) console.error('wrote', report(JSON.parse(readFileSync(OUT, 'utf8'))));
else main().catch((e) => { console.error(e); process.exit(1); });
