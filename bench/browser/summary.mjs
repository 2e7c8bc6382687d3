// How the browser benchmarks' Node side sums up what a page measured: percentiles, means,
// rounding, and a pass of queries (cold or warm) as fast-search.json and the corpora's
// results (corpora.mjs) record it.

export const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
export const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
export const median = (a) => pct(a, 0.5);
export const r1 = (x) => Math.round(x * 10) / 10;
export const r3 = (x) => Math.round(x * 1000) / 1000;

/** A pass of `fastQueries` (bench/browser/fast.js): latency p50 / p95, recomputations per
 * query, recall@10 and @3 against brute force, the share of queries whose first result is
 * brute force's first; where a search's time goes in the nook worker (medians of the query's
 * embedding, the scan and fusion, the recomputations, the whole search) and what one
 * recomputation costs (all recomputing time over all recomputed). */
export const pass = (p) => ({
  p50_ms: r1(pct(p.lat, 0.5)), p95_ms: r1(pct(p.lat, 0.95)), recomputed_mean: r1(mean(p.recomputed)), recall10: r3(p.recall10),
  ...(p.top1 != null && { recall3: r3(p.recall3), top1: r3(p.top1) }),
  ...(p.parts && {
    parts_p50_ms: Object.fromEntries(Object.entries(p.parts).map(([k, v]) => [k, r1(median(v))])),
    ms_per_recomputed: p.recomputed.some((x) => x > 0) ? r1(p.parts.recompute.reduce((a, b) => a + b, 0) / p.recomputed.reduce((a, b) => a + b, 0)) : null,
  }),
});

/** A `fastQueries` session with the package's warm-up (fast.js `warm`, `waitMs`): its first
 * pass, the first query's latency and how many embeddings were warmed before it. */
export const warmingPass = (r) => ({ cold: pass(r.passes.cold), first_query_ms: r1(r.passes.cold.lat[0]), warmed_before_first_query: r.warmedAtStart, warmed_by_helpers_before_first_query: r.helpersWarmedAtStart ?? null });
