// Writes bench/results/site.md and site.json from what bench/site/run.sh measured in DIR:
// the build logs, the native runs (`nook site search --json`), Pagefind's build, and the
// browser run (bench/browser/static-site.mjs). node bench/site/report.mjs DIR
import { readFileSync, writeFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg, cpus } from 'node:os';

const DIR = resolve(process.argv[2]);
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const read = (f) => readFileSync(join(DIR, f), 'utf8');

function build(log) {
  const m = /(\d+) documents, (\d+) files, (\d+) bytes \((\d+) per document; head (\d+) bytes\)(?:, embedded in ([\d.]+) s)?, in all ([\d.]+) s/.exec(read(log));
  if (!m) throw new Error(`${log}: no summary line`);
  const reused = /embeddings reused/.test(read(log));
  const shape = /(\d+) clusters of ~(\d+) documents; a graph of up to (\d+) neighbours a document; (\d+) documents a page/.exec(read(log));
  // (embed.log, kept from the last build that embedded, may predate this line)
  return { passages: +m[1], files: +m[2], bytes: +m[3], per_doc: +m[4], head: +m[5], embed_s: reused ? null : +m[6], build_s: +m[7], embeddings_reused: reused,
    ...(shape && { clusters: +shape[1], cluster_size: +shape[2], degree: +shape[3], docs_per_page: +shape[4] }) };
}
function native(file) {
  const lines = read(file).trim().split('\n').map((l) => JSON.parse(l));
  return { rows: lines.filter((l) => !l.summary), summary: lines.find((l) => l.summary) };
}
function du(dir) {
  let total = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { const d = du(p); total += d.bytes; files += d.files; } else { total += statSync(p).size; files += 1; }
  }
  return { bytes: total, files };
}

const big = build('build.log');
// A build that reused its embeddings: the embedding time is the last one measured.
const embedded = big.embeddings_reused && existsSync(join(DIR, 'embed.log')) ? build('embed.log') : null;
const demo = build('demo-build.log');
const nat = native('native.jsonl');
const natDemo = native('native-demo.jsonl');
const manifestBytes = statSync(join(DIR, 'site', 'nook-site.json')).size;
const b = JSON.parse(read('browser.json'));
const pfBuild = existsSync(join(DIR, 'pagefind-build-seconds')) ? +read('pagefind-build-seconds') : null;
const pf = existsSync(join(DIR, 'html', 'pagefind')) ? du(join(DIR, 'html', 'pagefind')) : null;
const queries = JSON.parse(read('queries.json'));
const recallBy = (rows) => {
  const by = {};
  rows.forEach((r, i) => { const c = queries[i].corpus; (by[c] ||= []).push(r.recall); });
  return Object.fromEntries(Object.entries(by).map(([c, v]) => [c, +(v.reduce((a, x) => a + x, 0) / v.length).toFixed(3)]));
};
const round = (x) => (x == null ? null : Math.round(x));

const json = {
  passages: big.passages,
  // Embedding plus layout, whether or not this run reused the embeddings.
  build_s: +(big.build_s + (embedded ? embedded.embed_s : 0)).toFixed(1),
  embed_s: big.embed_s ?? (embedded && embedded.embed_s),
  layout_s: big.embeddings_reused ? big.build_s : null,
  bytes_total: big.bytes,
  files: big.files,
  head_bytes: big.head,
  // The native run counts the head and the stages; a visitor also fetches the manifest first.
  cold: { bytes_p50: nat.summary.cold.bytes_p50 + manifestBytes, bytes_p95: nat.summary.cold.bytes_p95 + manifestBytes, requests_p50: nat.summary.cold.requests_p50 + 1, round_trips_p50: nat.summary.cold.rounds_p50 + 1, round_trips_max: nat.summary.cold.rounds_max + 1 },
  warm: { bytes_p50: nat.summary.warm.bytes_p50, bytes_p95: nat.summary.warm.bytes_p95, requests_p50: nat.summary.warm.requests_p50 },
  throttled_first_result_ms_p50: round(b.throttled.nook.cold.first_result_ms_p50),
  unthrottled_first_result_ms_p50: round(b.unthrottled.nook.cold.first_result_ms_p50),
  recall10: +nat.summary.recall10.toFixed(3),
  recall10_by_corpus: recallBy(nat.rows),
  nprobe: nat.summary.nprobe,
  first: nat.summary.first,
  expand: nat.summary.expand,
  rounds: nat.summary.rounds,
  margin: +nat.summary.margin.toPrecision(6),
  cluster_size: big.cluster_size,
  degree: big.degree,
  docs_per_page: big.docs_per_page,
  pagefind: pf && {
    version: '1.6.0',
    build_s: pfBuild,
    bytes_total: pf.bytes,
    files: pf.files,
    bytes_first_result: b.unthrottled.pagefind.cold.bytes_p50,
    throttled_first_result_ms_p50: round(b.throttled.pagefind.cold.first_result_ms_p50),
    hits10: b.quality.pagefind.all.hits10,
  },
  nook_hits10: b.quality && b.quality.nook.all.hits10,
  demo: {
    passages: demo.passages, build_s: demo.build_s, bytes_total: demo.bytes, head_bytes: demo.head,
    cold: { bytes_p50: natDemo.summary.cold.bytes_p50, bytes_p95: natDemo.summary.cold.bytes_p95, requests_p50: natDemo.summary.cold.requests_p50 },
    throttled_first_result_ms_p50: round(b.throttled.nook_demo && b.throttled.nook_demo.cold.first_result_ms_p50),
    unthrottled_first_result_ms_p50: round(b.unthrottled.nook_demo && b.unthrottled.nook_demo.cold.first_result_ms_p50),
    recall10: +natDemo.summary.recall10.toFixed(3),
  },
  machine: { cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)) },
  date: new Date().toISOString(),
};
writeFileSync(join(ROOT, 'bench/results/site.json'), JSON.stringify(json, null, 2) + '\n');

const kb = (x) => (x == null ? '–' : `${(x / 1024).toFixed(0)} KB`);
const ms = (x) => (x == null ? '–' : `${Math.round(x)} ms`);
const row = (name, e) => `| ${name} | ${kb(e.cold.bytes_p50)} / ${kb(e.cold.bytes_p95)} | ${e.cold.requests_p50} | ${ms(e.cold.first_result_ms_p50)} / ${ms(e.cold.first_result_ms_p95)} | ${kb(e.warm.bytes_p50)} | ${ms(e.warm.ms_p50)} |`;
const q = b.quality;
const md = `# Static site: nook's paged index against Pagefind

Written by \`bench/site/run.sh\` (${json.date}); ${json.machine.cpus} cores, load average ${json.machine.loadavg.join(' / ')}.

**Corpus**: ${big.passages.toLocaleString('en')} passages (bench/site/corpus.py: every WordNet 3.1 noun and verb gloss + every MDN compat feature), and the demo page's ${demo.passages.toLocaleString('en')}-document corpus. **Queries**: the ranking benchmark's hand-written WordNet and MDN queries (${queries.length}: natural, keyword, typo, unrelated); parameters (\`nprobe\` ${json.nprobe} clusters of ~${big.cluster_size} documents, then up to ${json.rounds} rounds expanding documents best by code through a graph of up to ${big.degree} neighbours each: ${json.first} in the first round, then up to ${json.expand} whose codes are within ${json.margin} of the codes of the 10 best expanded; 4-bit PQ; documents listed in a second cluster chosen by SOAR) were chosen on 300 FanOutQA questions and the titles of 300 random passages (ARCHITECTURE.md), not on these.

## Build and size

| | passages | build | on disk | files | per passage |
|---|---:|---:|---:|---:|---:|
| nook (\`nook site build --layout paged\`, 2 threads) | ${big.passages} | ${big.embed_s != null ? `${big.build_s.toFixed(0)} s (embedding ${big.embed_s.toFixed(0)} s)` : `${(big.build_s + (embedded ? embedded.embed_s : 0)).toFixed(0)} s: embedding ${embedded ? embedded.embed_s.toFixed(0) : '?'} s (its last run, DIR/embed.log) + layout ${big.build_s.toFixed(0)} s`} | ${(big.bytes / 1e6).toFixed(1)} MB | ${big.files} | ${big.per_doc} B |
| Pagefind ${json.pagefind ? json.pagefind.version : ''} | ${big.passages} | ${pfBuild ?? '–'} s | ${pf ? (pf.bytes / 1e6).toFixed(1) : '–'} MB | ${pf ? pf.files : '–'} | ${pf ? Math.round(pf.bytes / big.passages) : '–'} B |
| nook, demo corpus | ${demo.passages} | ${demo.build_s.toFixed(0)} s | ${(demo.bytes / 1e6).toFixed(2)} MB | ${demo.files} | ${demo.per_doc} B |

nook's head (fetched once per visit, then cached): ${kb(big.head)} (codebook 12 KB, one PQ code per cluster, term shard directory). A node page holds a passage's int8 embedding and its neighbours' positions and PQ codes.

## Per query, native (every query; bytes as a browser fetches them)

\`nook site search --json\`: cold = a first visit (manifest + head + the query's pages); warm = the same visitor after the queries before it in the set.

| | cold bytes p50 / p95 | cold requests p50 | round trips p50 / max (manifest, head, clusters, up to ${json.rounds} of nodes, documents) | warm bytes p50 / p95 | recall@10 (vector ranking vs brute force) |
|---|---:|---:|---:|---:|---:|
| ${big.passages} passages | ${kb(json.cold.bytes_p50)} / ${kb(json.cold.bytes_p95)} | ${json.cold.requests_p50} | ${json.cold.round_trips_p50} / ${json.cold.round_trips_max} | ${kb(json.warm.bytes_p50)} / ${kb(json.warm.bytes_p95)} | ${json.recall10} (${Object.entries(json.recall10_by_corpus).map(([c, r]) => `${c} ${r}`).join(', ')}) |
| demo, ${demo.passages} | ${kb(natDemo.summary.cold.bytes_p50)} / ${kb(natDemo.summary.cold.bytes_p95)} | ${natDemo.summary.cold.requests_p50} | ${natDemo.summary.cold.rounds_p50 + 1} / ${natDemo.summary.cold.rounds_max + 1} | ${kb(natDemo.summary.warm.bytes_p50)} | ${json.demo.recall10} |

Cold bytes by kind (p50 each): ${Object.entries(nat.summary.cold_p50_by_kind).map(([k, v]) => `${k} ${kb(v)}`).join(', ')}, plus the head.

## In the browser: a first visit, then ${b.warm_per_visit} more queries (${b.visits} visits)

Headless Chromium, one local server; the link is applied to the index files only (nook's model and wasm are treated as cached, as for a returning visitor of any nook site: downloading the 23 MB model over this link alone would take ~18 s). First result = from \`openSite\` (or Pagefind's import) to the first result's data.

| | cold bytes p50 / p95 | cold requests | first result p50 / p95 | warm bytes p50 | warm query p50 |
|---|---:|---:|---:|---:|---:|
| **unthrottled** | | | | | |
${row('nook', b.unthrottled.nook)}
${b.unthrottled.pagefind ? row('Pagefind', b.unthrottled.pagefind) : ''}
${b.unthrottled.nook_demo ? row('nook, demo corpus', b.unthrottled.nook_demo) : ''}
| **${b.link}** | | | | | |
${row('nook', b.throttled.nook)}
${b.throttled.pagefind ? row('Pagefind', b.throttled.pagefind) : ''}
${b.throttled.nook_demo ? row('nook, demo corpus', b.throttled.nook_demo) : ''}

nook's first result includes the model's parse (which its worker starts while the site opens) and the query's embedding; its open alone takes ${ms(b.unthrottled.nook.cold.open_ms_p50)} unthrottled, ${ms(b.throttled.nook.cold.open_ms_p50)} throttled, the first search itself ${ms(b.unthrottled.nook.cold.search_ms_p50)} / ${ms(b.throttled.nook.cold.search_ms_p50)} (p50; nook's own count, from the search call, with its page fetches).

## Ranking quality on the judged queries (hits@10 / MRR@10)

${q ? `| queries | n | nook (hybrid) | Pagefind |
|---|---:|---:|---:|
| **all** | ${q.nook.all.queries} | ${q.nook.all.hits10} / ${q.nook.all.mrr10} | ${q.pagefind.all.hits10} / ${q.pagefind.all.mrr10} |
${Object.keys(q.nook.by).map((k) => `| ${k} | ${q.nook.by[k].queries} | ${q.nook.by[k].hits10} / ${q.nook.by[k].mrr10} | ${q.pagefind.by[k].hits10} / ${q.pagefind.by[k].mrr10} |`).join('\n')}` : 'Pagefind was not run.'}

## Targets (issue)

| target | measured |
|---|---|
| a cold query fetches <= 300 KB at 100,000 passages | ${kb(json.cold.bytes_p50)} p50, ${kb(json.cold.bytes_p95)} p95 |
| first result <= 1.5 s throttled | ${ms(json.throttled_first_result_ms_p50)} p50 (model cached) |
| recall@10 >= 0.95 | ${json.recall10} |
`;
writeFileSync(join(ROOT, 'bench/results/site.md'), md);
console.error('bench/site: wrote bench/results/site.md and site.json');
