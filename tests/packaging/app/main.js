// The app every packaging test builds: what a web developer writes after
// `npm install nook-search` (the model served from the app's own origin). It reports to
// the test through window.packResult.
import { Nook } from 'nook-search';

const out = (window.packResult = { state: 'running' });
(async () => {
  try {
    await Nook.deleteDatabase('pack');
    const db = await Nook.open('pack', {
      modelUrl: new URL('./models/minilm-l6-int8.onnx', location.href).href,
      tokenizerUrl: new URL('./models/tokenizer.json', location.href).href,
    });
    await db.ready;
    await db.add([
      { id: 'bees', title: 'Urban beekeeping', text: 'Keeping honey bees on a city rooftop' },
      { id: 'bread', title: 'Sourdough', text: 'Feed the starter, then bake the loaf' },
      { id: 'rust', title: 'Ownership in Rust', text: 'Borrowing rules and lifetimes' },
    ]);
    const hits = await db.search('raising insects that make honey', { k: 3 });
    const stats = await db.stats();
    Object.assign(out, { state: 'done', ids: hits.map((h) => h.id), build: stats.build, documents: stats.documents });
  } catch (e) {
    Object.assign(out, { state: 'error', error: `${e.name}: ${e.message}` });
  }
})();
