// Exact search over corpora of other shapes than fast.mjs's 10,000 Wikipedia titles and
// WordNet glosses (issue: exact search in tens of milliseconds, on data not tuned on):
//   long      1,051 documents of eight consecutive WordNet glosses (~130-256 tokens, where a
//             bookmark has ~23), WordNet and FanOutQA queries -> bench/results/long-docs.*
//   manpages  the NAME line of every page of 157 Debian packages' man pages: one-line
//             descriptions of commands and functions ("grep - print lines that match
//             patterns"), the shape of package descriptions and many bookmark titles; its
//             paraphrase and keyword queries -> bench/results/manpages-docs.*
//   manpages-long  the same pages' DESCRIPTION (its first sentences, up to 600 characters:
//             ~50-130 tokens, the medium length of notes, abstracts and product descriptions,
//             below the length whose embedding is kept), the same queries
//             -> bench/results/manpages-long-docs.*
//   mdn       MDN browser-compat features (API and CSS names with their MDN paths), its
//             paraphrase and keyword queries -> bench/results/mdn-docs.*
//   DIR       (any name with a slash) a corpus of your own: DIR/docs.json, an array of
//             documents as `Nook.add` takes them ({id, title?, url?, text}), and
//             DIR/queries.json, an array of query strings (or of {query}); it is measured as
//             the others are -> bench/results/<DIR's last part>-docs.*
// The four before it are built by bench/quality/fetch_corpora.py (data/quality/<corpus>/docs.json).
// Debian's package descriptions are no corpus here: a held-out set of that shape checks nook
// (../shared/DATA.md); the short-description shape is measured on PyPI's summaries
// (`corpora data/pypi/`, bench/browser/fetch_pypi.py).
// Each query set runs cold (first pass after a browser restart) and warm, one search thread,
// vector-only and then (after another restart) hybrid, the package's default; recall@10
// against brute force over nook's own embeddings (for hybrid, the share of that vector top
// 10 it keeps); hnswlib-wasm (M=16, ef 64, f32) over the same embeddings in the same page.
//
// Each package is measured in its own child process on its own profile (indexed afresh):
// NOOK_BEFORE_PKG=DIR measures an older copy of pkg/ first (the "before" column), then pkg/
// (or NOOK_BENCH_PKG).
// Run: scripts/bench_browser.sh corpora [long] [manpages] [manpages-long] [mdn] [DIR]   (default: the four)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ROOT, site, launch, log, openPage } from './site.mjs';
import { pass, pct, r1, r3, warmingPass } from './summary.mjs';

const GLOSSES_PER_DOC = 8;
const json = (path) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
/** Paraphrase and keyword queries of a quality-benchmark corpus, or those of `types` (typo and
 * unrelated ones meet the relevance floor for unknown words, which recall against brute force
 * does not model). */
const quality = (corpus, types = ['natural', 'keyword']) => json(`bench/quality/queries/${corpus}.json`).filter((q) => types.includes(q.type)).map((q) => q.query);
const built = (corpus) => {
  const path = `data/quality/${corpus}/docs.json`;
  if (!existsSync(join(ROOT, path))) throw new Error(`${path} is missing: run bench/quality/fetch_corpora.py --only ${corpus}`);
  return json(path);
};

/** A corpus built by bench/quality/fetch_corpora.py, asked its own queries unless `sets` says
 * otherwise. */
const qualityCorpus = (name, title, about, sets = () => [{ name, queries: quality(name) }]) => ({
  results: `${name}-docs`, title, about: `${about} (bench/quality/fetch_corpora.py)`, docs: () => built(name), sets,
});

const CORPORA = {
  long: {
    results: 'long-docs',
    title: 'Exact search over long documents',
    about: `documents of ${GLOSSES_PER_DOC} consecutive WordNet glosses each (data/bench-docs.json)`,
    docs() {
      const glosses = json('data/bench-docs.json').filter((d) => d.id.startsWith('n'));
      const docs = [];
      for (let i = 0; i < glosses.length; i += GLOSSES_PER_DOC) {
        const part = glosses.slice(i, i + GLOSSES_PER_DOC);
        docs.push({ id: `long${docs.length}`, title: part.map((g) => g.title).join('; '), url: '', text: part.map((g) => `${g.title}: ${g.text}.`).join(' ') });
      }
      return docs;
    },
    sets: () => [{ name: 'wordnet', queries: quality('wordnet') }, { name: 'fanoutqa', queries: json('data/bench-queries.json').slice(0, 100) }],
  },
  manpages: qualityCorpus('manpages', 'Exact search over one-line descriptions (man pages)', 'NAME lines of the man pages of 157 Debian 12 packages'),
  'manpages-long': qualityCorpus('manpages-long', 'Exact search over medium-length descriptions (man pages)', "the first sentences of the DESCRIPTION of the man pages of 157 Debian 12 packages", () => [{ name: 'manpages', queries: quality('manpages') }]),
  mdn: qualityCorpus('mdn', 'Exact search over MDN browser-compat features', 'features of @mdn/browser-compat-data with an MDN page'),
};

/** A corpus of your own (see the top of this file): `dir` holds docs.json and queries.json. */
function ownCorpus(dir) {
  const read = (file) => {
    const path = resolve(dir, file);
    if (!existsSync(path)) throw new Error(`${path} is missing (a corpus of your own needs docs.json and queries.json)`);
    return JSON.parse(readFileSync(path, 'utf8'));
  };
  const name = basename(resolve(dir));
  return {
    results: `${name}-docs`, title: `Exact search over ${name}`, about: `documents of ${relative(ROOT, resolve(dir)).startsWith('..') ? resolve(dir) : relative(ROOT, resolve(dir))}/docs.json`,
    docs() {
      const docs = read('docs.json');
      if (!Array.isArray(docs) || !docs.every((d) => d && typeof d.id === 'string' && typeof d.text === 'string')) throw new Error(`${dir}/docs.json: expected an array of {id, text, title?, url?}`);
      return docs.map(({ id, title = '', url = '', text }) => ({ id, title, url, text }));
    },
    sets() {
      const queries = read('queries.json').map((q) => (typeof q === 'string' ? q : q?.query));
      if (!queries.length || !queries.every((q) => typeof q === 'string' && q.trim())) throw new Error(`${dir}/queries.json: expected a non-empty array of query strings (or of {query})`);
      return [{ name: 'queries', queries }];
    },
  };
}

const corpusNamed = (name) => (name.includes('/') ? ownCorpus(name) : CORPORA[name]);

/** One package over one corpus: index into a fresh profile, then per query set a browser
 * restart, cold then warm. Printed as JSON on stdout. */
async function measure(corpus) {
  const docs = corpus.docs();
  const sets = corpus.sets();
  const { server, origin } = await site(['fast.html', 'fast.js']);
  const foreign = [];
  const profile = mkdtempSync('/tmp/nook-corpus-');
  const session = async (fn) => {
    const b = await launch(origin, foreign, profile);
    try {
      return await fn(await openPage(b.context, origin, 'fast.html', 'fastReady'));
    } finally {
      await b.close();
    }
  };
  try {
    log(`indexing ${docs.length} documents`);
    const indexed = await session((page) => page.evaluate(([d, s]) => window.fast.fastIndex('corpus', d, s, window.benchLog, {}, { peer: true }), [docs, sets]));
    const runs = {};
    for (const set of sets) {
      for (const hybrid of [false, true]) {
        log(`${set.name}: browser restart, cold then warm, ${hybrid ? 'hybrid' : 'vector-only'}`);
        const r = await session((page) => page.evaluate(([q, t, h]) => window.fast.fastQueries('corpus', q, t, 1, window.benchLog, h), [set.queries, indexed.truth[set.name], hybrid]));
        if (hybrid) runs[set.name].hybrid = r.passes;
        else runs[set.name] = r;
      }
      // The package as it comes: hybrid, the cache warmed in the background after the open
      // (the runs above turn that off, so their cold pass is strictly cold), the queries sent
      // WARM_WAIT_MS after the open; the search hints off (the sessions above asked the very
      // same queries: their hints would warm exactly these), as for a new user.
      if (WARM_WAIT_MS >= 0) {
        log(`${set.name}: browser restart, hybrid, the default warm-up, queries ${WARM_WAIT_MS / 1000} s after the open`);
        // The package's default search threads (min(cores, 2)): the search helper shares the warm-up.
        const r = await session((page) => page.evaluate(([q, t, w]) => window.fast.fastQueries('corpus', q, t, undefined, window.benchLog, true, { rememberSearches: false }, w), [set.queries, indexed.truth[set.name], WARM_WAIT_MS]));
        runs[set.name].warming = r;
      }
    }
    return { docs: docs.length, indexed: { docsPerSec: indexed.docsPerSec, stats: indexed.stats, hnswlib: indexed.hnswlib }, runs, foreign };
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// NOOK_CORPUS_WARM_WAIT_MS: idle after the open before the warm-up session's queries
// (default 20000; 'off' skips that session).
const WARM_WAIT_MS = process.env.NOOK_CORPUS_WARM_WAIT_MS === 'off' ? -1 : Number(process.env.NOOK_CORPUS_WARM_WAIT_MS || 20000);

if (process.env.NOOK_CORPUS_CHILD) {
  process.stdout.write(JSON.stringify(await measure(corpusNamed(process.env.NOOK_CORPUS_CHILD))));
  process.exit(0);
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CORPORA);
for (const name of names) if (!corpusNamed(name)) throw new Error(`unknown corpus ${name} (${Object.keys(CORPORA).join(', ')}, or a directory of your own: a name with a slash)`);
const before = process.env.NOOK_BEFORE_PKG || process.env.NOOK_LONG_BEFORE_PKG;
const packages = [...(before ? [['before', before]] : []), ['now', process.env.NOOK_BENCH_PKG || join(ROOT, 'pkg')]];
for (const name of names) {
  const corpus = corpusNamed(name);
  const loadavg = [os.loadavg()];
  const results = {};
  for (const [label, pkg] of packages) {
    log(`${name}, ${label}: ${pkg}`);
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, NOOK_CORPUS_CHILD: name, NOOK_BENCH_PKG: pkg }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
    if (child.status !== 0) throw new Error(`measuring ${label} on ${name} failed (${child.status})`);
    const r = JSON.parse(child.stdout.toString());
    if (r.foreign.length) { console.error('requests to other origins:', r.foreign); process.exit(1); }
    const s = r.indexed.stats;
    results[label] = {
      pkg, documents: r.docs, indexing_docs_per_s: r1(r.indexed.docsPerSec),
      index_bytes_per_doc: r1(s.indexBytes / s.documents), kept_vectors: s.keptVectors ?? 0, stored_bytes_per_doc: r1(s.storedBytes / s.documents),
      sets: Object.fromEntries(Object.entries(r.runs).map(([set, x]) => [set, { queries: x.passes.cold.lat.length, cold: pass(x.passes.cold), warm: pass(x.passes.warm), open_ms: Math.round(x.openMs), hnswlib_p50_ms: r1(pct(r.indexed.hnswlib[set].lat, 0.5)), hnswlib_recall10: r3(r.indexed.hnswlib[set].recall10), hybrid: { cold: pass(x.hybrid.cold), warm: pass(x.hybrid.warm) }, ...(x.warming && { warming: { wait_ms: WARM_WAIT_MS, ...warmingPass(x.warming) } }) }])),
    };
    loadavg.push(os.loadavg());
  }
  const out = { corpus: name, date: new Date().toISOString(), cpu: `${os.cpus().length} x ${os.cpus()[0]?.model}`, loadavg, ...(name === 'long' && { glosses_per_doc: GLOSSES_PER_DOC }), results };
  writeFileSync(join(ROOT, `bench/results/${corpus.results}.json`), JSON.stringify(out, null, 2) + '\n');

  const cols = Object.keys(results);
  let md = `# ${corpus.title}\n\nWritten by bench/browser/corpora.mjs (${out.date}; ${out.cpu}; load average at start and after each package: ${loadavg.map((l) => l.map((x) => x.toFixed(1)).join(' ')).join(' | ')}). `;
  md += `${results[cols[0]].documents.toLocaleString('en')} ${corpus.about}, one search thread, headless Chromium; cold = the first pass after a browser restart, warm = the same queries again. Each package indexed its own fresh profile. Recall@10 is against brute force over that package's own embeddings; hnswlib-wasm (M=16, ef 64, f32) over the same embeddings, its latency including the query's embedding.\n\n`;
  md += `| | ${cols.join(' | ')} |\n|---|${cols.map(() => '---|').join('')}\n`;
  const row = (label, f) => { md += `| ${label} | ${cols.map((c) => f(results[c])).join(' | ')} |\n`; };
  row('package', (r) => `\`${r.pkg.replace(ROOT + '/', '')}\``);
  row('index bytes per document (kept embeddings included)', (r) => r.index_bytes_per_doc);
  row('documents keeping their embedding', (r) => r.kept_vectors);
  row('stored bytes per document, all', (r) => r.stored_bytes_per_doc);
  row('indexing, documents/s', (r) => r.indexing_docs_per_s);
  for (const set of Object.keys(results[cols[0]].sets)) {
    row(`${set} (${results[cols[0]].sets[set].queries} queries): cold p50 / p95 ms`, (r) => `${r.sets[set].cold.p50_ms} / ${r.sets[set].cold.p95_ms}`);
    row(`${set}: cold recomputed per query`, (r) => r.sets[set].cold.recomputed_mean);
    row(`${set}: cold, where the time goes (p50 ms: query embedding / scan and fusion / recomputation / search) and one recomputation`, (r) => { const c = r.sets[set].cold; return c.parts_p50_ms ? `${['embed', 'traversal', 'recompute', 'search'].map((k) => c.parts_p50_ms[k]).join(' / ')}; ${c.ms_per_recomputed} ms` : '-'; });
    row(`${set}: warm p50 / p95 ms`, (r) => `${r.sets[set].warm.p50_ms} / ${r.sets[set].warm.p95_ms}`);
    row(`${set}: recall@10 / @3; first result = brute force's first`, (r) => `${r.sets[set].cold.recall10} / ${r.sets[set].cold.recall3}; ${r.sets[set].cold.top1}`);
    row(`${set}, hybrid (the package's default; another restart): cold p50 / p95 ms, recomputed per query`, (r) => `${r.sets[set].hybrid.cold.p50_ms} / ${r.sets[set].hybrid.cold.p95_ms}, ${r.sets[set].hybrid.cold.recomputed_mean}`);
    row(`${set}, hybrid: warm p50 / p95 ms`, (r) => `${r.sets[set].hybrid.warm.p50_ms} / ${r.sets[set].hybrid.warm.p95_ms}`);
    row(`${set}, hybrid: share of the brute-force vector top 10; first result = its first`, (r) => `${r.sets[set].hybrid.cold.recall10}; ${r.sets[set].hybrid.cold.top1}`);
    row(`${set}, hybrid with the default warm-up and search threads (${Math.min(os.cpus().length, 2)} here), queries sent a while after the open: seconds / embeddings warmed by then (by the helper) / first query ms / first pass p50 / p95 ms / recomputed per query`, (r) => { const w = r.sets[set].warming; return w ? `${w.wait_ms / 1000} / ${w.warmed_before_first_query ?? 0} (${w.warmed_by_helpers_before_first_query ?? 0}) / ${w.first_query_ms} / ${w.cold.p50_ms} / ${w.cold.p95_ms} / ${w.cold.recomputed_mean}` : '-'; });
    row(`${set}: open ms`, (r) => r.sets[set].open_ms);
    row(`${set}: hnswlib-wasm p50 ms / recall@10`, (r) => `${r.sets[set].hnswlib_p50_ms} / ${r.sets[set].hnswlib_recall10}`);
  }
  writeFileSync(join(ROOT, `bench/results/${corpus.results}.md`), md);
  log(`wrote bench/results/${corpus.results}.{json,md}`);
}
