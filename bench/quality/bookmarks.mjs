// The extension benchmark's bookmarks as a ranking corpus, in several forms of the text a
// bookmark's embedding reads, so the forms are compared by the ranking benchmark:
//
//   node bench/quality/bookmarks.mjs [N]     (N bookmarks, default 20,000)
//   NOOK_QUALITY_CORPORA=bookmarks-extension,bookmarks-as-before,bookmarks-folders,bookmarks-title \
//     cargo bench --features embed --bench quality      -> bench/results/quality-bookmarks.{md,json}
//
// Bookmarks: bench/extension/bookmarks.mjs (real titles in 14 shapes on 24 hosts, filed at
// random in ~300 folders up to 3 deep under "Bookmarks bar"; seeded). Queries: FanOutQA's
// natural sub-questions (data/quality/fanoutqa, bench/quality/fetch_corpora.py --only
// fanoutqa) whose page is among the bookmarks' titles; every bookmark of that title is
// relevant (its shapes and hosts). Forms, each written to data/quality/bookmarks-<form>/:
//   extension   what the extension files (www/extension/sync.js `toDoc`)
//   as-before   its text until 2026-12-07: the folder path and the URL's words
//   folders     the folders below the root folder
//   title       no text: the title alone
// The folders are random, so their words are noise to the model here; real folders are not.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBookmarks, realTitles } from '../extension/bookmarks.mjs';
import { toDoc } from '../../www/extension/sync.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.argv[2] ?? 20_000);

/** The extension's URL words until 2026-12-07: "https://www.a.com/b-c?d" -> "a.com b c d". */
function urlWords(url) {
  try {
    const u = new URL(url);
    let rest = u.pathname + u.search;
    try { rest = decodeURIComponent(rest); } catch { /* kept as it is */ }
    return (u.hostname.replace(/^www\./, '') + ' ' + rest.replace(/[/_\-?=&.+#%]+/g, ' ').trim()).trim();
  } catch {
    return url;
  }
}

const { bookmarks } = makeBookmarks(ROOT, N);
const titles = realTitles(ROOT);
// As the extension's `flatten` gives them: the folder path from the root folder, " / ".
const flat = bookmarks.map((b, i) => ({ id: String(i), title: b.title, url: b.url, folder: ['Bookmarks bar', ...b.folder.split('/')].join(' / ') }));
const forms = {
  extension: (b) => toDoc(b).text,
  'as-before': (b) => [b.folder, urlWords(b.url)].join(' — '),
  folders: (b) => b.folder.split(' / ').slice(1).join(' / '),
  title: () => '',
};

const pages = JSON.parse(readFileSync(join(ROOT, 'data/quality/fanoutqa/docs.json'), 'utf8'));
// realTitles keeps a title up to its first comma.
const pageByTitle = new Map(pages.map((p) => [p.title.split(',')[0].trim(), p.id]));
const bookmarksOf = new Map();
flat.forEach((b, i) => {
  const page = pageByTitle.get(titles[i % titles.length].title);
  if (page) bookmarksOf.set(page, [...(bookmarksOf.get(page) ?? []), b.id]);
});
const queries = JSON.parse(readFileSync(join(ROOT, 'data/quality/fanoutqa/queries.json'), 'utf8'))
  .filter((q) => q.type === 'natural')
  .map((q) => ({ query: q.query, type: 'natural', relevant: q.relevant.flatMap((p) => bookmarksOf.get(p) ?? []) }))
  .filter((q) => q.relevant.length);
for (const [form, text] of Object.entries(forms)) {
  const dir = join(ROOT, 'data/quality', `bookmarks-${form}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'docs.json'), JSON.stringify(flat.map((b) => ({ id: b.id, title: b.title, url: b.url, text: text(b) }))));
  writeFileSync(join(dir, 'queries.json'), JSON.stringify(queries));
}
console.error(`bookmarks: ${flat.length} bookmarks, ${queries.length} queries, forms ${Object.keys(forms).join(', ')} -> data/quality/bookmarks-*/`);
