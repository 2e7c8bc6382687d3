// The browser benchmark: headless Chromium, one page on 127.0.0.1, offline (any request to
// another origin fails the run). nook vs hnswlib-wasm (f32 vectors, M=16) and
// transformers.js + brute force, on 10,000 real short documents with the real model.
// Writes bench/results/browser.{json,md}. Run: scripts/bench_browser.sh
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { ROOT, site, launch, log, openPage } from './site.mjs';

const docs = JSON.parse(readFileSync(join(ROOT, 'data/bench-docs.json'), 'utf8'));
const queries = JSON.parse(readFileSync(join(ROOT, 'data/bench-queries.json'), 'utf8'));
const { server, origin } = await site(['bench.html', 'bench.js']);
const foreign = [];
const browser = await launch(origin, foreign);
const page = await openPage(browser.context, origin, 'bench.html', 'benchReady');
const which = (process.env.NOOK_BENCH_ONLY || 'nook,peers').split(',');
const result = { documents: docs.length, queries: queries.length, date: new Date().toISOString(), machine: `${process.arch}, headless Chromium, 1 worker`, loadavgStart: os.loadavg() };
// A partial run (NOOK_BENCH_ONLY) keeps the other system's last recorded numbers.
try {
  const old = JSON.parse(readFileSync(join(ROOT, 'bench/results/browser.json'), 'utf8'));
  if (old.documents === docs.length) { if (!which.includes('nook') && old.nook) result.nook = old.nook; if (!which.includes('peers') && old.peers) result.peers = old.peers; }
} catch (_) { /* first run */ }
if (which.includes('nook')) {
  log('nook ...');
  result.nook = await page.evaluate(([d, q]) => window.bench.nookRun(d, q, window.benchLog), [docs, queries]);
  log(JSON.stringify(result.nook));
}
if (which.includes('peers')) {
  log('peers ...');
  result.peers = await page.evaluate(([d, q]) => window.bench.peersRun(d, q, window.benchLog), [docs, queries]);
  log(JSON.stringify(result.peers));
}
await browser.close();
await server.close();
result.loadavgEnd = os.loadavg();
if (foreign.length) { console.error('requests to other origins:', foreign); process.exit(1); }
result.foreignRequests = 0;

const n = result.nook, p = result.peers;
const mb = (b) => (b / 1048576).toFixed(2) + ' MB';
let md = `# Browser benchmark: ${docs.length.toLocaleString('en')} documents, ${queries.length} queries\n\n`;
md += `Headless Chromium (Debian), one dedicated worker, offline (0 requests to other origins). Documents: FanOutQA dev Wikipedia titles + WordNet noun glosses; queries: FanOutQA sub-questions. Model: all-MiniLM-L6-v2 int8 for every system. Recall@10 is against brute force over each system's own full embeddings. Latency includes embedding the query. ${result.date}. Load average (1/5/15 min) at start ${(result.loadavgStart || []).map((x) => x.toFixed(1)).join(' ')}, at end ${(result.loadavgEnd || []).map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores shared with other work: absolute times are inflated; compare within a run.\n\n`;
if (n) {
  md += `## nook\n\n| metric | value |\n|---|---|\n`;
  md += `| indexing | ${(n.indexMs / 1000).toFixed(1)} s (${n.docsPerSec.toFixed(1)} docs/s) |\n| reopen from IndexedDB | ${n.openMs.toFixed(0)} ms |\n`;
  md += `| query p50 / p95 (vector) | ${n.p50.toFixed(1)} / ${n.p95.toFixed(1)} ms |\n| query p50 / p95 (hybrid) | ${n.hybridP50.toFixed(1)} / ${n.hybridP95.toFixed(1)} ms |\n`;
  md += `| recall@10 | ${n.recall10.toFixed(3)} |\n| exact embeddings recomputed per query | ${n.recomputedPerQuery.toFixed(1)} |\n`;
  if (n.split && n.split.embedMs) md += `| query time split, p50 (mean): embedding / traversal / recomputation | ${['embedMs', 'traversalMs', 'recomputeMs'].map((k) => `${n.split[k].p50.toFixed(1)} (${n.split[k].mean.toFixed(1)})`).join(' / ')} ms |\n`;
  md += `| stored bytes, all (documents + tokens + index) | ${mb(n.stats.storedBytes)} |\n| stored bytes, index (graph + PQ codes + codebook + manifest) | ${mb(n.stats.indexBytes)} |\n`;
  md += `| f32 embeddings + M=16 HNSW graph | ${mb(n.stats.hnswBytes)} |\n| ratio (f32 + HNSW) / nook index | ${(n.stats.hnswBytes / n.stats.indexBytes).toFixed(1)}x |\n`;
  md += `| IndexedDB usage reported by the browser (delta) | ${n.idbUsageDelta != null ? mb(n.idbUsageDelta) : 'n/a'} |\n\n`;
  md += `Bytes by part: ${JSON.stringify(n.stats.bytes)}\n\n`;
}
if (p) {
  md += `## Peers (transformers.js embeddings: ${(p.embedMs / 1000).toFixed(1)} s, ${p.docsPerSec.toFixed(1)} docs/s)\n\n`;
  md += `| system | stored bytes | query p50 / p95 | recall@10 |\n|---|---|---|---|\n`;
  md += `| hnswlib-wasm (M=16, ef 64, f32) | ${p.hnswlib.fileBytes != null ? mb(p.hnswlib.fileBytes) : 'n/a'} file; IDB delta ${p.hnswlib.idbUsageDelta != null ? mb(p.hnswlib.idbUsageDelta) : 'n/a'} | ${p.hnswlib.p50.toFixed(1)} / ${p.hnswlib.p95.toFixed(1)} ms | ${p.hnswlib.recall10.toFixed(3)} |\n`;
  md += `| transformers.js + brute force (IndexedDB) | ${mb(p.bruteForce.bytes)} payload; IDB delta ${p.bruteForce.idbUsageDelta != null ? mb(p.bruteForce.idbUsageDelta) : 'n/a'} | ${p.bruteForce.p50.toFixed(1)} / ${p.bruteForce.p95.toFixed(1)} ms | 1.000 |\n\n`;
  if (n) {
    md += `## Ratios\n\n`;
    if (p.hnswlib.fileBytes) md += `- hnswlib-wasm index file / nook index: ${(p.hnswlib.fileBytes / n.stats.indexBytes).toFixed(1)}x\n`;
    md += `- brute-force vectors / nook index: ${(p.bruteForce.bytes / n.stats.indexBytes).toFixed(1)}x\n`;
    md += `- nook p50 / hnswlib-wasm p50: ${(n.p50 / p.hnswlib.p50).toFixed(2)}; nook p50 / brute force p50: ${(n.p50 / p.bruteForce.p50).toFixed(2)}\n`;
    md += `- indexing speed nook / transformers.js embedding: ${(n.docsPerSec / p.docsPerSec).toFixed(2)}\n`;
  }
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/browser.json'), JSON.stringify(result, null, 2) + '\n');
writeFileSync(join(ROOT, 'bench/results/browser.md'), md);
console.log(md);
