// Type check of the two packages' declarations (pkg/src/index.d.ts, pkg-model/index.d.ts)
// as a TypeScript user meets them: scripts/test_packaging.sh runs `tsc --noEmit --strict`
// over this file in an app with both tarballs installed. Every documented call is used
// with its documented types; the @ts-expect-error lines must stay errors.
import { Nook, isNookError, type Hits, type Stats, type AddResult, type NookOptions } from 'nook-search';
import minilm, { modelUrl, tokenizerUrl, dims } from 'nook-search-minilm';

export async function typed(): Promise<void> {
  const options: NookOptions = { modelUrl, tokenizerUrl, indexWorkers: 2, minScore: 0.2, rerank: 48, pqBits: 4 };
  const db: Nook = await Nook.open('typed', options);
  const same = Nook.connect('typed', { ...minilm, persist: false });
  await same.ready;
  const added: AddResult = await db.add(
    [{ id: 'a', text: 'Keeping honey bees', title: 'Bees', url: 'https://example.org/bees', meta: { tag: 'garden' } }],
    { chunk: 32, onProgress: ({ done, total }) => console.log(done, total), signal: new AbortController().signal },
  );
  const helped: number = added.helped;
  const hits: Hits = await db.search('insects that make honey', { k: 5, hybrid: true, filter: { tag: 'garden' } });
  const first: string | undefined = hits[0]?.id;
  const ms: number = hits.stats.recomputeMs + hits.stats.embedMs;
  await db.search('bees', { onPreview: (preview: Hits) => console.log(preview.length) });
  const stats: Stats = await db.stats();
  const phase: 'stored' | 'flat' | 'graph' = stats.phase;
  const vectors: Float32Array = await db.embed(['a text']);
  const bytes: Uint8Array = await db.export();
  await Nook.import('copy', bytes, options);
  await Nook.import('copy2', bytes.slice().buffer, options);
  // meta typed by the caller: a hit's meta is that type or null.
  const tagged: Hits<{ tag: string }> = await db.search<{ tag: string }>('bees');
  const tag: string | undefined = tagged[0]?.meta?.tag;
  // @ts-expect-error: meta may be null
  const bare: string = tagged[0].meta.tag;
  try {
    await db.search('x', { k: 0 });
  } catch (e) {
    if (isNookError(e, 'NookInputError')) console.log(e.name, e.message, tag, bare);
  }
  await db.delete(['a']);
  await db.close();
  await Nook.deleteDatabase('typed');
  console.log(helped, first, ms, phase, vectors.length === dims, db.lastQuery()?.query);

  // @ts-expect-error: a misspelt option is a type error (and refused at run time)
  await Nook.open('x', { modelUrl, tokenizerUrl, minscore: 0.1 });
  // The files may be given as bytes instead of URLs.
  const model = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  const tokenizer: ArrayBuffer = await (await fetch(tokenizerUrl)).arrayBuffer();
  await Nook.open('bytes', { model, tokenizer, rerank: 32 });
  // @ts-expect-error: a URL or the bytes, not both
  await Nook.open('x', { modelUrl, model, tokenizerUrl });
  // @ts-expect-error: modelUrl and tokenizerUrl are required
  await Nook.open('x', { indexWorkers: 2 });
  // @ts-expect-error: documents need a text
  await db.add([{ id: 'b' }]);
}
