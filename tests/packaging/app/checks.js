// What every packaging app checks after its start: a 241-document add with a helper
// worker (its script must be part of the build), a search, the stats. `options` adds to
// Nook.open's (the esbuild app names its worker). Reports into `out`.
import { Nook } from 'nook-search';
import { modelUrl, tokenizerUrl } from 'nook-search-minilm';

const TOPICS = ['chess openings', 'sourdough bread', 'rust lifetimes', 'mountain hiking', 'jazz piano', 'tide pools'];

export async function checks(out, options = {}) {
  await Nook.deleteDatabase('pack');
  const db = await Nook.open('pack', { modelUrl, tokenizerUrl, indexWorkers: 2, ...options });
  const docs = Array.from({ length: 240 }, (_, i) => ({ id: `n${i}`, text: `note ${i} about ${TOPICS[i % TOPICS.length]}, page ${Math.floor(i / 6)}` }));
  docs.push({ id: 'bees', title: 'Urban beekeeping', text: 'Keeping honey bees on a city rooftop' });
  const added = await db.add(docs, { chunk: 8 });
  const hits = await db.search('raising insects that make honey', { k: 3 });
  const stats = await db.stats();
  Object.assign(out, { state: 'done', ids: hits.map((h) => h.id), build: stats.build, documents: stats.documents, helped: added.helped });
}
