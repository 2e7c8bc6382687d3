// The app every packaging test builds: what a web developer writes after
// `npm install nook-search nook-search-minilm`. First pkg/README.md's example, as written
// (example.js, copied out of the README by scripts/test_packaging.sh); then a larger add
// embedded with a helper worker. It reports to the test through window.packResult.
import { Nook } from 'nook-search';
import { modelUrl, tokenizerUrl } from 'nook-search-minilm';

const out = (window.packResult = { state: 'running' });
const TOPICS = ['chess openings', 'sourdough bread', 'rust lifetimes', 'mountain hiking', 'jazz piano', 'tide pools'];
(async () => {
  try {
    const logged = [];
    const log = console.log;
    console.log = (...args) => { logged.push(args.join(' ')); log(...args); };
    try { await import('./example.js'); } finally { console.log = log; }
    out.example = logged;
    await Nook.deleteDatabase('pack');
    const db = await Nook.open('pack', { modelUrl, tokenizerUrl, indexWorkers: 2 });
    const docs = Array.from({ length: 240 }, (_, i) => ({ id: `n${i}`, text: `note ${i} about ${TOPICS[i % TOPICS.length]}, page ${Math.floor(i / 6)}` }));
    docs.push({ id: 'bees', title: 'Urban beekeeping', text: 'Keeping honey bees on a city rooftop' });
    const added = await db.add(docs, { chunk: 8 });
    const hits = await db.search('raising insects that make honey', { k: 3 });
    const stats = await db.stats();
    Object.assign(out, { state: 'done', ids: hits.map((h) => h.id), build: stats.build, documents: stats.documents, helped: added.helped });
  } catch (e) {
    Object.assign(out, { state: 'error', error: `${e.name}: ${e.message}` });
  }
})();
