// The fast-search benchmark (issue: exact search in tens of milliseconds): 10,000 real
// short documents (data/bench-docs.json), two query sets — FanOutQA sub-questions
// (answers among the 1,594 Wikipedia titles) and WordNet reverse-dictionary and keyword
// queries from bench/quality (answers spread over the 8,406 glosses) — each run cold (the first pass
// after a browser restart on the same profile: nothing in memory, the collection read
// from IndexedDB) and warm (the same queries again). hnswlib-wasm (M=16, ef 64, f32) over
// nook's own embeddings, in a session of each run. Headless Chromium, offline: each set with one
// search thread (the nook worker alone) and with two (a search helper shares a cold
// search's recomputations), in separate sessions, the largest process's RSS sampled; then
// indexing speed with 1 and 2 threads embedding.
// The strictly cold sessions turn the package's background warm-up off (warmUp 0); two more
// sessions a set measure it (NOOK_FAST_WARMING=0 skips them; NOOK_FAST_WARM_WAIT_MS, default
// 30000, is the idle time before the second one's queries).
// Writes bench/results/fast-search.{json,md}. Run: scripts/bench_browser.sh fast
// NOOK_BENCH_PKG measures another copy of pkg/ (e.g. an older build) on the same profile,
// which is indexed once and reused while its documents are unchanged.
// NOOK_FAST_INDEX_OPTIONS (JSON, e.g. '{"pqSubspaces":96}') creates the collection with other
// settings: use it with its own NOOK_FAST_PROFILE and NOOK_FAST_OUT.
// NOOK_FAST_DUMP=PREFIX also writes each strictly cold session's per-query figures (latency,
// recomputed, where the time went) to PREFIX-<set>-<threads>.json, to see what makes a tail.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { ROOT, site, launch, log, openPage } from './site.mjs';
import { processMemory } from '../memory.mjs';
import { median, pass, pct, r1, r3, warmingPass } from './summary.mjs';

const docs = JSON.parse(readFileSync(join(ROOT, 'data/bench-docs.json'), 'utf8'));
const fanout = JSON.parse(readFileSync(join(ROOT, 'data/bench-queries.json'), 'utf8'));
// Paraphrase and keyword queries (typo and unrelated ones meet the relevance floor for
// unknown words, which recall against brute force does not model).
const wordnet = JSON.parse(readFileSync(join(ROOT, 'bench/quality/queries/wordnet.json'), 'utf8')).filter((q) => q.type === 'natural' || q.type === 'keyword').map((q) => q.query);
const sets = [{ name: 'fanoutqa', queries: fanout }, { name: 'wordnet', queries: wordnet }];
const PROFILE = process.env.NOOK_FAST_PROFILE || '/tmp/nook-fast-profile';
const DB = 'fast';
const state = join(PROFILE, 'nook-fast.json');   // what the profile holds: docs, truth, index run

// A fixed port: IndexedDB belongs to the origin, so the collection indexed once is found
// again by later runs.
const { server, origin } = await site(['fast.html', 'fast.js'], Number(process.env.NOOK_FAST_PORT || 8765));
const foreign = [];
const loadavg = [os.loadavg()];

async function session(fn) {
  const b = await launch(origin, foreign, PROFILE);
  let peak = 0;
  const sampler = setInterval(() => { const m = processMemory(PROFILE); if (m) peak = Math.max(peak, m.largestMB); }, 250);
  const page = await openPage(b.context, origin, 'fast.html', 'fastReady');
  try {
    const r = await fn(page);
    return typeof r === 'object' && r ? { ...r, peakLargestMB: peak } : r;
  } finally {
    clearInterval(sampler);
    await b.close();
  }
}

let indexed = existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')) : null;
const INDEX_OPTIONS = JSON.parse(process.env.NOOK_FAST_INDEX_OPTIONS || '{}');
const optionsMark = Object.keys(INDEX_OPTIONS).length ? `:${JSON.stringify(INDEX_OPTIONS)}` : '';
const fingerprint = `${docs.length}:${docs[0].id}:${docs[docs.length - 1].id}:${sets.map((s) => s.queries.length).join(',')}${optionsMark}`;
if (!indexed || indexed.fingerprint !== fingerprint || process.env.NOOK_FAST_REINDEX) {
  log(`indexing ${docs.length} documents (profile ${PROFILE})`);
  mkdirSync(PROFILE, { recursive: true });
  const r = await session((page) => page.evaluate(([n, d, s, o]) => window.fast.fastIndex(n, d, s, window.benchLog, o), [DB, docs, sets, INDEX_OPTIONS]));
  indexed = { fingerprint, ...r, pkg: process.env.NOOK_BENCH_PKG || 'pkg', date: new Date().toISOString() };
  writeFileSync(state, JSON.stringify(indexed));
}
const runs = {}, runs2 = {};
const SEARCH_THREADS = (process.env.NOOK_FAST_SEARCH_THREADS || '1,2').split(',').map(Number);
for (const set of sets) {
  for (const threads of SEARCH_THREADS) {
    log(`${set.name}: browser restart, cold then warm, ${threads} search thread(s)`);
    const r = await session((page) => page.evaluate(([n, q, t, w]) => window.fast.fastQueries(n, q, t, w, window.benchLog), [DB, set.queries, indexed.truth[set.name], threads]));
    (threads === 1 ? runs : runs2)[set.name] = r;
    if (process.env.NOOK_FAST_DUMP) writeFileSync(`${process.env.NOOK_FAST_DUMP}-${set.name}-${threads}.json`, JSON.stringify(r.passes));
    loadavg.push(os.loadavg());
  }
}
// The package's default: the cache warmed in the background after the open (the runs above
// turn that off, so their cold pass is strictly cold). The package's default search threads
// (min(cores, 2): the search helper shares the warm-up too), two sessions a set: the
// queries sent from the open on, and sent after WARM_WAIT_MS idle (a user who opens the page
// and searches later). These sessions turn the search hints off (rememberSearches: the
// earlier sessions asked the very same queries), so the warm-up goes by the mean direction
// as for a new user. Three more sessions per set (run first) measure the hints: the set's
// last REFIND_QUERIES queries asked (strictly cold; the hints saved at close), then, after a
// restart, the same queries again REFIND_WAIT_MS after the open (someone searching for what
// they searched for lately), warmed by what those searches needed, and without the hints.
const WARM_WAIT_MS = Number(process.env.NOOK_FAST_WARM_WAIT_MS || 30000);
const REFIND_WAIT_MS = Number(process.env.NOOK_FAST_REFIND_WAIT_MS || 5000);
const REFIND_QUERIES = Number(process.env.NOOK_FAST_REFIND_QUERIES || 30);
const WARM_THREADS = Math.min(os.cpus().length, 2);
const warming = {};
if (process.env.NOOK_FAST_WARMING !== '0') {
  for (const set of sets) {
    warming[set.name] = {};
    const recent = [set.queries.slice(-REFIND_QUERIES), indexed.truth[set.name].slice(-REFIND_QUERIES)];
    // Queries not asked lately: the set's first REFIND_QUERIES (the earlier sessions asked
    // them first, so the record holds none of their own needs; the hints help them only as
    // far as they share documents or neighbourhoods with the recent ones).
    const fresh = [set.queries.slice(0, REFIND_QUERIES), indexed.truth[set.name].slice(0, REFIND_QUERIES)];
    log(`${set.name}: browser restart, the last ${REFIND_QUERIES} queries asked (no warm-up), the hints saved at close`);
    await session((page) => page.evaluate(([n, [q, t]]) => window.fast.fastQueries(n, q, t, undefined, window.benchLog, false, { warmUp: 0 }, 0), [DB, recent]));
    // The hinted session first: a session with the hints off deletes their record at close.
    const sessions = [['refind', REFIND_WAIT_MS, true, recent], ['fresh', REFIND_WAIT_MS, true, fresh], ['refind_unhinted', REFIND_WAIT_MS, false, recent], ['fresh_unhinted', REFIND_WAIT_MS, false, fresh],
      ['from_open', 0, false], ['after_wait', WARM_WAIT_MS, false]];
    for (const [key, wait, hinted, asked = [set.queries, indexed.truth[set.name]]] of sessions) {
      log(`${set.name}: browser restart, the default warm-up${hinted ? ' with the search hints' : ''}, ${asked[0].length} queries ${wait ? `${wait / 1000} s after` : 'from'} the open`);
      const options = hinted ? {} : { rememberSearches: false };
      warming[set.name][key] = await session((page) => page.evaluate(([n, [q, t], o, w]) => window.fast.fastQueries(n, q, t, undefined, window.benchLog, false, o, w), [DB, asked, options, wait]));
      loadavg.push(os.loadavg());
    }
  }
}
// hnswlib-wasm in this run, in a session of its own after nook's (the peer side by side at
// the same hour and load): over the documents' embeddings, asked every set.
log('hnswlib-wasm: a session of its own, every set');
const peer = await session((page) => page.evaluate(([n, d, s, t]) => window.fast.hnswlibPass(n, d, s, t, './data/bench-vectors.f32', window.benchLog), [DB, docs, sets, indexed.truth]));
loadavg.push(os.loadavg());
// Indexing speed, 1 vs 2 threads embedding (the nook worker alone, then with one helper),
// interleaved, each on a fresh profile: every 5th document (2,000, all shapes), the
// largest process's and the whole browser's RSS sampled every 250 ms.
const threads = (process.env.NOOK_FAST_THREADS || '1,2').split(',').map(Number);
const speed = Object.fromEntries(threads.map((t) => [t, []]));
const slice = docs.filter((_, i) => i % 5 === 0);
for (let round = 0; round < Number(process.env.NOOK_FAST_INDEX_ROUNDS || 2); round++) {
  for (const t of threads) {
    const profile = mkdtempSync('/tmp/nook-index-');
    const b = await launch(origin, foreign, profile);
    let peak = { largestMB: 0, totalMB: 0 };
    const sampler = setInterval(() => {
      const m = processMemory(profile);
      if (m) peak = { largestMB: Math.max(peak.largestMB, m.largestMB), totalMB: Math.max(peak.totalMB, m.totalMB) };
    }, 250);
    try {
      const page = await openPage(b.context, origin, 'fast.html', 'fastReady');
      const r = await page.evaluate(([d, t]) => window.fast.indexSpeed('speed', d, t, window.benchLog), [slice, t]);
      speed[t].push({ ...r, ...peak });
    } finally {
      clearInterval(sampler);
      await b.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
  loadavg.push(os.loadavg());
}
await server.close();
if (foreign.length) { console.error('requests to other origins:', foreign); process.exit(1); }

// With a search helper: the same figures, how many searches it shared, the session's peak RSS.
const helped = (r) => r && { cold: { ...pass(r.passes.cold), shared: r.passes.cold.shared, shared_wait: +r.passes.cold.sharedWait.toFixed(3) }, warm: pass(r.passes.warm), open_ms: Math.round(r.openMs), peak_largest_mb: r.peakLargestMB };
// The default warm-up's sessions: the first pass (cold at the open), how much was warmed
// before it when it waited, and the first query's latency.
const warmRuns = (w) => Object.fromEntries(Object.entries(w).map(([k, r]) => [k, { ...warmingPass(r), cached_after_pass: r.stats.cachedVectors, peak_largest_mb: r.peakLargestMB }]));
const stats = runs.fanoutqa.stats;
const readResult = (name) => { try { return JSON.parse(readFileSync(join(ROOT, 'bench/results', name), 'utf8')); } catch (_) { return null; } };
const before = readResult('browser.json');
// The other programs' latest results, quoted with where they come from: the extension at
// 80,000 bookmarks (bench/extension/run.sh) and the embedder against transformers.js
// (bench/embed/run.sh --browser).
const ext = readResult('extension-80k.json');
const emb = readResult('embed-browser.json');
// Corpora of other shapes (bench/browser/corpora.mjs: long documents, one-line and medium
// man page descriptions, MDN features, PyPI summaries): the same measures, quoted from their
// latest runs.
const corpusRun = (r) => r && { documents: r.documents, index_bytes_per_doc: r.index_bytes_per_doc, kept_vectors: r.kept_vectors, sets: Object.fromEntries(Object.entries(r.sets).map(([n, x]) => [n, { cold_p50_ms: x.cold.p50_ms, cold_p95_ms: x.cold.p95_ms, recomputed_mean: x.cold.recomputed_mean, warm_p50_ms: x.warm.p50_ms, recall10: x.cold.recall10, top1: x.cold.top1, hnswlib_p50_ms: x.hnswlib_p50_ms, ...(x.hybrid && { hybrid_cold_p50_ms: x.hybrid.cold.p50_ms, hybrid_recomputed_mean: x.hybrid.cold.recomputed_mean, hybrid_warm_p50_ms: x.hybrid.warm.p50_ms }) }])) };
const corpora = Object.fromEntries(['long', 'manpages', 'manpages-long', 'mdn', 'pypi'].map((c) => [c, readResult(`${c}-docs.json`)]).filter(([, r]) => r?.results?.now)
  .map(([c, r]) => [c, { now: corpusRun(r.results.now), before: corpusRun(r.results.before), from: `${c}-docs.json of ${r.date}` }]));
const ratio = (rows) => { const r = rows?.find((x) => x.tokens === 16 && x.batch === 1); return r ? Math.round(r.ratio_vs_tjs * 100) / 100 : null; };
const out = {
  docs10k: {
    documents: docs.length,
    sets: sets.map((s) => ({ name: s.name, queries: s.queries.length, cold: pass(runs[s.name].passes.cold), warm: pass(runs[s.name].passes.warm), recall10: r3(runs[s.name].passes.cold.recall10), open_ms: Math.round(runs[s.name].openMs), first_result_ms: Math.round(runs[s.name].firstResultMs), peak_largest_mb: runs[s.name].peakLargestMB, two_search_threads: helped(runs2[s.name]), ...(warming[s.name] && { warm_up: warmRuns(warming[s.name]) }) })),
    index_bytes_per_doc: r1(stats.indexBytes / stats.documents),
    hnsw_f32_ratio: r1(stats.hnswBytes / stats.indexBytes),
    // Measured in this run (the session after nook's); build_ms: its index over 10,000.
    hnswlib: { measured_at: 'this run', build_ms: Math.round(peer.buildMs), native_vectors: peer.nativeVectors, p50_ms: r1(pct(sets.flatMap((s) => peer.sets[s.name].lat), 0.5)), sets: Object.fromEntries(sets.map((s) => [s.name, { p50_ms: r1(pct(peer.sets[s.name].lat, 0.5)), p95_ms: r1(pct(peer.sets[s.name].lat, 0.95)), recall10: r3(peer.sets[s.name].recall10) }])) },
  },
  bookmarks80k: ext?.afterRestart ? {
    restart_exact_p50_ms: ext.afterRestart.search.p50, reopen_ms: ext.afterRestart.reopenMs,
    // The largest process's peak over the restart (launch to just after the startup diff),
    // where the extension's run sampled it; before it did, the figure after the searches.
    rss_mb: ext.afterRestart.memoryPeak?.largestMB ?? ext.afterRestart.memory.largestMB,
    rss_mb_after_searches: ext.afterRestart.memory.largestMB,
    ...(ext.afterRestart.memoryPeak && { rss_mb_peak_kind: ext.afterRestart.memoryPeak.largestKind, private_mb_peak: ext.afterRestart.memoryPeak.largestPrivateMB, private_mb_peak_kind: ext.afterRestart.memoryPeak.largestPrivateKind }),
    preview_top1_agreement: ext.afterRestart.search.previewTopSame, from: `extension-80k.json of ${ext.date}`,
    // As the popup is used: the exact search sent after its pause, and queries typed a
    // character at a time (the final preview against the exact result).
    ...(ext.afterRestart.paused && { restart_exact_p50_ms_after_popup_pause: ext.afterRestart.paused.search.p50 }),
    ...(ext.typedAfterRestart && { typed: { preview_top1_agreement: Math.round((ext.typedAfterRestart.previewTopSame / ext.typedAfterRestart.queries) * 100) / 100, queries: ext.typedAfterRestart.queries, exact_p50_ms: ext.typedAfterRestart.exactP50, type_ms: ext.typedAfterRestart.typeMs } }),
    // Searching again for what was searched before the restart, a few seconds after the
    // open: with the search hints and with their record deleted.
    ...(ext.refindAfterRestart?.unhinted && { refind: { wait_s: ext.refindAfterRestart.waitS, exact_p50_ms: ext.refindAfterRestart.hinted.search.p50, exact_p95_ms: ext.refindAfterRestart.hinted.search.p95, unhinted_exact_p50_ms: ext.refindAfterRestart.unhinted.search.p50, unhinted_exact_p95_ms: ext.refindAfterRestart.unhinted.search.p95 } }),
  } : null,
  // "Before": the indexing speed the browser benchmark recorded (bench/results/browser.json).
  indexing: {
    documents: slice.length,
    docs_per_s_1worker: speed[1]?.length ? r1(median(speed[1].map((x) => x.docsPerSec))) : null,
    docs_per_s_2workers: speed[2]?.length ? r1(median(speed[2].map((x) => x.docsPerSec))) : null,
    runs: Object.fromEntries(Object.entries(speed).map(([t, xs]) => [t, xs.map((x) => ({ docs_per_s: r1(x.docsPerSec), helped: x.helped, peak_largest_mb: x.largestMB, peak_total_mb: x.totalMB }))])),
    before_docs_per_s: before?.nook ? r1(before.nook.docsPerSec) : null, before_from: before?.nook ? `browser.json ${before.date}` : null,
    profile_indexed: { docs_per_s: r1(indexed.docsPerSec), by: indexed.pkg, at: indexed.date },
  },
  corpora,
  embed: emb ? { relaxed_vs_tjs_16b1: ratio(emb.nook_relaxed?.rows), simd128_vs_tjs_16b1: ratio(emb.nook?.rows), from: 'embed-browser.json' } : null,
  package: process.env.NOOK_BENCH_PKG || 'pkg',
  index_options: INDEX_OPTIONS,
  date: new Date().toISOString(),
  loadavg: loadavg.map((l) => l.map(r1)),
  foreign_requests: 0,
};
const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const name = process.env.NOOK_FAST_OUT || 'fast-search';
writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
const d = out.docs10k;
let md = `# Fast search: ${docs.length.toLocaleString("en")} documents, headless Chromium, one worker (and with a search helper)\n\n`;
md += `Written by bench/browser/fast.mjs (${out.date}, package \`${out.package}\`${optionsMark ? `, the collection created with \`${JSON.stringify(INDEX_OPTIONS)}\`` : ''}). Cold = the first pass over a query set right after a browser restart on the same profile (the embedding cache starts empty and fills as the pass goes); warm = the same queries again. Latency includes embedding the query. Recall@10 is against brute force over nook's own embeddings. hnswlib-wasm (M=16, ef 64, f32 vectors) runs over the same embeddings, its latency including the query's embedding by nook's embedder, in a session of this run after nook's (the documents' embeddings ${d.hnswlib.native_vectors ? "the native ones the recall benchmark wrote, checked equal bit for bit to the page's on 64 documents" : 'embedded in the page'}; its index built in ${(d.hnswlib.build_ms / 1000).toFixed(1)} s). Load average (1/5/15 min) at start, after each set: ${out.loadavg.map((l) => l.join(' ')).join(' | ')} on ${os.cpus().length} shared cores: compare within a run.\n\n`;
md += `| query set | queries | open ms | open to first result ms | cold p50 / p95 ms | cold recomputed/query | warm p50 / p95 ms | warm recomputed/query | recall@10 / @3; first result = brute force's first | hnswlib-wasm p50 ms / recall@10 |\n|---|---:|---:|---:|---|---:|---|---:|---|---|\n`;
for (const s of d.sets) md += `| ${s.name} | ${s.queries} | ${s.open_ms} | ${s.first_result_ms} | ${s.cold.p50_ms} / ${s.cold.p95_ms} | ${s.cold.recomputed_mean} | ${s.warm.p50_ms} / ${s.warm.p95_ms} | ${s.warm.recomputed_mean} | ${s.recall10} / ${s.cold.recall3}; ${s.cold.top1} | ${d.hnswlib.sets[s.name].p50_ms} / ${d.hnswlib.sets[s.name].recall10} |\n`;
md += `\nWhere a cold search's time goes in the nook worker, medians (query embedding / scan, keywords and fusion / recomputation / whole search) and the cost of one recomputation (all recomputing time over all recomputed): ${d.sets.map((s) => `${s.name} ${['embed', 'traversal', 'recompute', 'search'].map((k) => s.cold.parts_p50_ms?.[k]).join(' / ')} ms, ${s.cold.ms_per_recomputed} ms each`).join('; ')}.\n\n`;
if (d.sets.some((s) => s.two_search_threads)) {
  md += `\n## With a search helper (searchWorkers 2: the nook worker and one helper share a cold search's recomputations)\n\nSame queries, same profile, each set in its own session after a browser restart, next to the one-thread session above. The helper starts with the first search that recomputes (it loads its own wasm and model meanwhile, so the first searches of a pass run alone).\n\n| query set | cold p50 / p95 ms, 1 thread | cold p50 / p95 ms, 2 threads | cold p50 ratio | searches shared (cold); of their recomputation time, waiting for the helper | warm p50 ms, 1 / 2 threads | recall@10, 1 / 2 threads | peak RSS, largest process, 1 / 2 threads (MB) |\n|---|---|---|---:|---:|---|---|---|\n`;
  for (const s of d.sets) {
    const h = s.two_search_threads;
    if (!h) continue;
    md += `| ${s.name} | ${s.cold.p50_ms} / ${s.cold.p95_ms} | ${h.cold.p50_ms} / ${h.cold.p95_ms} | ${(h.cold.p50_ms / s.cold.p50_ms).toFixed(2)}x | ${h.cold.shared} of ${s.queries}; ${Math.round(100 * h.cold.shared_wait)}% | ${s.warm.p50_ms} / ${h.warm.p50_ms} | ${s.recall10} / ${h.cold.recall10} | ${s.peak_largest_mb} / ${h.peak_largest_mb} |\n`;
  }
}
if (d.sets.some((s) => s.warm_up)) {
  md += `\n## With the background warm-up (the package's default; the runs above turn it off)\n\nAfter an open the nook worker recomputes, between other calls, the embeddings searches are most likely to need (nearest the collection's mean direction first), until the cache holds \`warmUp\` (12,288) of them. The package's default search threads (${WARM_THREADS} here: the search helper shares the warm-up, started by it, and cold searches); each row its own session after a browser restart, the queries sent back to back from the open, or after ${WARM_WAIT_MS / 1000} s idle, with the search hints off (\`rememberSearches: false\`: the warm-up of a new user). Its cold pass is the first pass over the set (nothing asked before in that browser). The first four rows per set: re-finding, and new queries after it. The set's last ${REFIND_QUERIES} queries were asked in a session before (strictly cold), then, after a restart, asked again ${REFIND_WAIT_MS / 1000} s after the open, as someone searching for what they searched for lately; with the search hints (the package's default, \`rememberSearches\`) the warm-up recomputes first what those searches needed, without them it goes by the mean direction. Not new queries: the hints hold these very queries' needs. The next two rows ask the set's first ${REFIND_QUERIES} queries instead (asked least recently: the record holds none of their needs), ${REFIND_WAIT_MS / 1000} s after the open: the hints' documents are warmed first, then their neighbourhood.\n\n| query set | session | first query ms | cold pass p50 / p95 ms | recomputed/query | recall@10 | embeddings warmed before the first query (by the helper) / after the pass | peak RSS largest process MB | strictly cold p50 / p95 with ${WARM_THREADS} thread(s) (above) |\n|---|---|---:|---|---:|---:|---|---:|---|\n`;
  for (const s of d.sets) {
    const strict = WARM_THREADS === 2 && s.two_search_threads ? s.two_search_threads.cold : s.cold;
    const what = { from_open: 'queries from the open', after_wait: `queries ${WARM_WAIT_MS / 1000} s after the open`, refind_unhinted: `its last ${REFIND_QUERIES} queries again ${REFIND_WAIT_MS / 1000} s after the open, no hints`, refind: `its last ${REFIND_QUERIES} queries again ${REFIND_WAIT_MS / 1000} s after the open, warmed by the search hints`,
      fresh: `its first ${REFIND_QUERIES} queries (not asked lately) ${REFIND_WAIT_MS / 1000} s after the open, with the search hints`, fresh_unhinted: `its first ${REFIND_QUERIES} queries ${REFIND_WAIT_MS / 1000} s after the open, no hints` };
    for (const [k, w] of Object.entries(s.warm_up || {})) md += `| ${s.name} | ${what[k]} | ${w.first_query_ms} | ${w.cold.p50_ms} / ${w.cold.p95_ms} | ${w.cold.recomputed_mean} | ${w.cold.recall10} | ${w.warmed_before_first_query ?? 0} (${w.warmed_by_helpers_before_first_query ?? 0}) / ${w.cached_after_pass} | ${w.peak_largest_mb} | ${strict.p50_ms} / ${strict.p95_ms} |\n`;
  }
}
md += `\nIndex: ${d.index_bytes_per_doc} B/doc (${d.hnsw_f32_ratio}x smaller than f32 + M=16 HNSW).\n`;
const ix = out.indexing;
md += `\n## Indexing: ${ix.documents.toLocaleString('en')} documents (every 5th), fresh profile each run, chunks of 64\n\n| threads embedding | docs/s (each run) | median docs/s | embedded by helpers | peak RSS, largest process / whole browser (MB) |\n|---|---|---:|---|---|\n`;
for (const [t, xs] of Object.entries(ix.runs)) md += `| ${t} | ${xs.map((x) => x.docs_per_s).join(', ')} | ${r1(median(xs.map((x) => x.docs_per_s)))} | ${xs.map((x) => x.helped).join(', ')} | ${xs.map((x) => `${x.peak_largest_mb} / ${x.peak_total_mb}`).join(', ')} |\n`;
if (ix.docs_per_s_1worker && ix.docs_per_s_2workers) md += `\n2 threads / 1 thread: ${(ix.docs_per_s_2workers / ix.docs_per_s_1worker).toFixed(2)}x on ${os.cpus().length} cores. Before this change (one worker, bench/results/browser.json): ${ix.before_docs_per_s} docs/s.\n`;
if (out.embed) md += `\n## Quoted from the other benchmarks\n\nEmbedder vs transformers.js at 16 tokens, batch 1 (${out.embed.from}): relaxed-SIMD build ${out.embed.relaxed_vs_tjs_16b1}x, simd128 build ${out.embed.simd128_vs_tjs_16b1}x.\n`;
for (const [c, l] of Object.entries(out.corpora)) {
  const cell = (r) => Object.entries(r.sets).map(([n, x]) => `${n} queries: cold p50 / p95 ${x.cold_p50_ms} / ${x.cold_p95_ms} ms, ${x.recomputed_mean} recomputed, recall@10 ${x.recall10}, hnswlib-wasm ${x.hnswlib_p50_ms} ms`).join('; ');
  md += `\nCorpus ${c}, ${l.now.documents.toLocaleString('en')} documents (${l.from}): ${cell(l.now)}; ${l.now.index_bytes_per_doc} index B/doc (${l.now.kept_vectors} embeddings kept)${l.before ? `; before: ${cell(l.before)}` : ''}.\n`;
}
if (out.bookmarks80k) {
  const b = out.bookmarks80k;
  md += `\nExtension, 80,000 bookmarks after a browser restart (${b.from}): exact p50 ${b.restart_exact_p50_ms} ms (preview and exact round trips back to back${b.restart_exact_p50_ms_after_popup_pause ? `; ${b.restart_exact_p50_ms_after_popup_pause} ms with the exact search sent after the popup's pause` : ''}), first result ${b.reopen_ms} ms after the browser's launch, largest process ${b.rss_mb} MB${b.rss_mb_peak_kind ? ` at its peak over a restart (the ${b.rss_mb_peak_kind} process; private memory at most ${b.private_mb_peak} MB, the ${b.private_mb_peak_kind}), ${b.rss_mb_after_searches} MB right after the searches` : ''}, preview top 1 = exact top 1 in ${Math.round(b.preview_top1_agreement * 100)}% of queries sent whole`;
  md += b.typed ? ` and in ${Math.round(b.typed.preview_top1_agreement * 100)}% of ${b.typed.queries} typed a character every ${b.typed.type_ms} ms (exact p50 then ${b.typed.exact_p50_ms} ms)` : '';
  md += b.refind ? `; the same queries again ${b.refind.wait_s} s after the open of a later restart: exact p50 / p95 ${b.refind.exact_p50_ms} / ${b.refind.exact_p95_ms} ms with the search hints, ${b.refind.unhinted_exact_p50_ms} / ${b.refind.unhinted_exact_p95_ms} ms with their record deleted.\n` : '.\n';
}
writeFileSync(join(dir, `${name}.md`), md);
console.log(md);
