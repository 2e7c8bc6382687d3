// Exact search over long documents (issue: exact search in tens of milliseconds, for
// corpora of another shape than the 10,000 short ones of fast.mjs): 1,051 documents of eight
// consecutive WordNet glosses each (data/bench-docs.json; ~130-256 tokens, where a bookmark
// has ~23), two query sets (the WordNet paraphrase and keyword queries, the FanOutQA
// sub-questions), each cold (first pass after a browser restart) and warm, one search
// thread. Recall@10 against brute force over nook's own embeddings.
//
// Each package is measured in its own child process on its own profile (indexed afresh):
// NOOK_LONG_BEFORE_PKG=DIR measures an older copy of pkg/ first (the "before" column),
// then pkg/ (or NOOK_BENCH_PKG). Writes bench/results/long-docs.{json,md}.
// Run: scripts/bench_browser.sh long
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ROOT, site, launch, log, openPage } from './site.mjs';
import { pass, pct, r1 } from './summary.mjs';

const GLOSSES_PER_DOC = 8;

/** The long corpus: WordNet glosses (ids n...) in their order, eight to a document. */
function corpus() {
  const glosses = JSON.parse(readFileSync(join(ROOT, 'data/bench-docs.json'), 'utf8')).filter((d) => d.id.startsWith('n'));
  const docs = [];
  for (let i = 0; i < glosses.length; i += GLOSSES_PER_DOC) {
    const part = glosses.slice(i, i + GLOSSES_PER_DOC);
    docs.push({ id: `long${docs.length}`, title: part.map((g) => g.title).join('; '), url: '', text: part.map((g) => `${g.title}: ${g.text}.`).join(' ') });
  }
  return docs;
}

function querySets() {
  const fanout = JSON.parse(readFileSync(join(ROOT, 'data/bench-queries.json'), 'utf8'));
  const wordnet = JSON.parse(readFileSync(join(ROOT, 'bench/quality/queries/wordnet.json'), 'utf8')).filter((q) => q.type === 'natural' || q.type === 'keyword').map((q) => q.query);
  return [{ name: 'wordnet', queries: wordnet }, { name: 'fanoutqa', queries: fanout.slice(0, 100) }];
}

/** One package: index into a fresh profile, then per query set a browser restart, cold
 * then warm. Printed as JSON on stdout. */
async function measure() {
  const docs = corpus();
  const sets = querySets();
  const { server, origin } = await site(['fast.html', 'fast.js']);
  const foreign = [];
  const profile = mkdtempSync('/tmp/nook-long-');
  const session = async (fn) => {
    const b = await launch(origin, foreign, profile);
    try {
      return await fn(await openPage(b.context, origin, 'fast.html', 'fastReady'));
    } finally {
      await b.close();
    }
  };
  try {
    log(`indexing ${docs.length} long documents`);
    const indexed = await session((page) => page.evaluate(([d, s]) => window.fast.fastIndex('long', d, s, window.benchLog), [docs, sets]));
    const runs = {};
    for (const set of sets) {
      log(`${set.name}: browser restart, cold then warm`);
      runs[set.name] = await session((page) => page.evaluate(([q, t]) => window.fast.fastQueries('long', q, t, 1, window.benchLog), [set.queries, indexed.truth[set.name]]));
    }
    return { docs: docs.length, indexed: { docsPerSec: indexed.docsPerSec, stats: indexed.stats, hnswlib: indexed.hnswlib }, runs, foreign };
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

if (process.env.NOOK_LONG_CHILD) {
  process.stdout.write(JSON.stringify(await measure()));
  process.exit(0);
}


const packages = [...(process.env.NOOK_LONG_BEFORE_PKG ? [['before', process.env.NOOK_LONG_BEFORE_PKG]] : []), ['now', process.env.NOOK_BENCH_PKG || join(ROOT, 'pkg')]];
const loadavg = [os.loadavg()];
const results = {};
for (const [label, pkg] of packages) {
  log(`${label}: ${pkg}`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, NOOK_LONG_CHILD: '1', NOOK_BENCH_PKG: pkg }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`measuring ${label} failed (${child.status})`);
  const r = JSON.parse(child.stdout.toString());
  if (r.foreign.length) { console.error('requests to other origins:', r.foreign); process.exit(1); }
  const s = r.indexed.stats;
  results[label] = {
    pkg, documents: r.docs, indexing_docs_per_s: r1(r.indexed.docsPerSec),
    index_bytes_per_doc: r1(s.indexBytes / s.documents), kept_vectors: s.keptVectors ?? 0, stored_bytes_per_doc: r1(s.storedBytes / s.documents),
    sets: Object.fromEntries(Object.entries(r.runs).map(([name, x]) => [name, { cold: pass(x.passes.cold), warm: pass(x.passes.warm), open_ms: Math.round(x.openMs), hnswlib_p50_ms: r1(pct(r.indexed.hnswlib[name].lat, 0.5)) }])),
  };
  loadavg.push(os.loadavg());
}
const out = { date: new Date().toISOString(), cpu: `${os.cpus().length} x ${os.cpus()[0]?.model}`, loadavg, glosses_per_doc: GLOSSES_PER_DOC, results };
writeFileSync(join(ROOT, 'bench/results/long-docs.json'), JSON.stringify(out, null, 2) + '\n');

const cols = Object.keys(results);
let md = `# Exact search over long documents\n\nWritten by bench/browser/long.mjs (${out.date}; ${out.cpu}; load average at start and after each package: ${loadavg.map((l) => l.map((x) => x.toFixed(1)).join(' ')).join(' | ')}). `;
md += `${results[cols[0]].documents} documents of ${GLOSSES_PER_DOC} consecutive WordNet glosses each (data/bench-docs.json), one search thread, headless Chromium; cold = the first pass after a browser restart, warm = the same queries again. Each package indexed its own fresh profile. Recall@10 is against brute force over that package's own embeddings; hnswlib-wasm (M=16, ef 64, f32) over the same embeddings, its latency including the query's embedding.\n\n`;
md += `| | ${cols.join(' | ')} |\n|---|${cols.map(() => '---|').join('')}\n`;
const row = (name, f) => { md += `| ${name} | ${cols.map((c) => f(results[c])).join(' | ')} |\n`; };
row('package', (r) => `\`${r.pkg.replace(ROOT + '/', '')}\``);
row('index bytes per document (kept embeddings included)', (r) => r.index_bytes_per_doc);
row('documents keeping their embedding', (r) => r.kept_vectors);
row('stored bytes per document, all', (r) => r.stored_bytes_per_doc);
row('indexing, documents/s', (r) => r.indexing_docs_per_s);
for (const set of Object.keys(results[cols[0]].sets)) {
  row(`${set}: cold p50 / p95 ms`, (r) => `${r.sets[set].cold.p50_ms} / ${r.sets[set].cold.p95_ms}`);
  row(`${set}: cold recomputed per query`, (r) => r.sets[set].cold.recomputed_mean);
  row(`${set}: warm p50 / p95 ms`, (r) => `${r.sets[set].warm.p50_ms} / ${r.sets[set].warm.p95_ms}`);
  row(`${set}: recall@10`, (r) => r.sets[set].cold.recall10);
  row(`${set}: open ms`, (r) => r.sets[set].open_ms);
  row(`${set}: hnswlib-wasm p50 ms`, (r) => r.sets[set].hnswlib_p50_ms);
}
writeFileSync(join(ROOT, 'bench/results/long-docs.md'), md);
log('wrote bench/results/long-docs.{json,md}');
