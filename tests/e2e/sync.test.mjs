// Unit tests of the extension's sync logic (pure functions, no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changed, diff, diffSummary, digestOf, entry, flatten, fromFirstFormat, hash53, hasPage, matches, signature, summary, TEXT_FORM, toDoc, treeDigest } from '../../www/extension/sync.js';

const tree = [{
  id: '0', title: '', children: [
    { id: '1', title: 'Bookmarks bar', children: [
      { id: '10', title: 'Urban apiculture guide', url: 'https://example.org/urban-apiculture' },
      { id: '11', title: 'Garden', children: [
        { id: '12', title: 'Hot composting', url: 'https://example.org/compost' },
        { id: '13', title: 'bookmarklet', url: 'javascript:void(0)' },
      ] },
    ] },
    { id: '2', title: 'Other bookmarks', children: [] },
  ],
}];

test('flatten keeps bookmarks with their folder path, not folders', () => {
  const flat = flatten(tree);
  assert.deepEqual(flat.map((b) => b.id), ['10', '12', '13']);
  assert.equal(flat[1].folder, 'Bookmarks bar / Garden');
});

test('diff: first run adds every web bookmark, skips javascript: URLs', () => {
  const { add, remove } = diff(flatten(tree), new Map());
  assert.deepEqual(add.map((b) => b.id), ['10', '12']);
  assert.deepEqual(remove, []);
});

test('diff: nothing changed means nothing to do (a restart does not re-index)', () => {
  const flat = flatten(tree);
  const known = new Map(diff(flat, new Map()).add.map((b) => [b.id, entry(b)]));
  assert.deepEqual(diff(flat, known), { add: [], remove: [] });
  assert.ok([...known.values()].every((e) => typeof e === 'number'), 'a bookmark without page text is one number');
});

test('diff: rename, move and removal', () => {
  const flat = flatten(tree);
  const known = new Map(diff(flat, new Map()).add.map((b) => [b.id, entry(b)]));
  known.set('99', 12345);
  const now = flat.map((b) => (b.id === '10' ? { ...b, title: 'Bees on city roofs' } : b.id === '12' ? { ...b, folder: 'Other bookmarks' } : b));
  const { add, remove } = diff(now, known);
  assert.deepEqual(add.map((b) => b.id).sort(), ['10', '12']);
  assert.deepEqual(remove, ['99']);
});

test('diff: stored page text is part of the signature', () => {
  const [b] = flatten(tree);
  const known = new Map([[b.id, entry(b, 'page text')]]);
  assert.ok(hasPage(known.get(b.id)) && !hasPage(entry(b)));
  assert.deepEqual(diff([b], known).add, []);
  assert.ok(!matches({ ...b, title: 'Bees' }, known.get(b.id)), 'an edited bookmark with page text is another version');
  assert.notEqual(entry(b, 'page text').s, entry(b, 'other text').s, 'the page text is in the hash');
  known.set(b.id, { ...known.get(b.id), s: 0 }); // text that arrived before the bookmark was re-indexed
  assert.equal(diff([b], known).add.length, 1);
});

test('the startup diff by summary: the bookmarks it names, filtered by changed(), and its removals are diff()', () => {
  const flat = flatten(tree);
  const [b, c] = flat;
  const viaSummary = (bookmarks, known) => {
    const { need, remove } = diffSummary(summary(bookmarks), known);
    const named = bookmarks.filter((x) => need.includes(x.id));
    assert.ok(named.every((x) => x.url.startsWith('http')), 'only searchable bookmarks are named');
    return { add: changed(named, known), remove, named: named.length };
  };
  const cases = [
    new Map(), // first run
    new Map(flat.filter((x) => x.url.startsWith('http')).map((x) => [x.id, entry(x)])), // nothing changed
    new Map([[b.id, entry({ ...b, title: 'Bees' })], [c.id, entry(c)], ['99', 12345]]), // renamed, removed
    new Map([[b.id, entry(b, 'page text')], [c.id, { s: 0, d: 'x' }]]), // page texts: one kept, one pending
    new Map([[b.id, fromFirstFormat({ sig: signature(b), pageText: '' })], ['7', { s: 0, d: '5:abc' }]]),
  ];
  for (const known of cases) {
    const want = diff(flat, known);
    const got = viaSummary(flat, known);
    assert.deepEqual(got.add.map((x) => x.id), want.add.map((x) => x.id), JSON.stringify([...known]));
    assert.deepEqual(got.remove, want.remove);
  }
  // Nothing changed: nothing is sent whole. A bookmark indexed with page text is sent whole
  // (the summary cannot vouch for its text) and found unchanged by changed().
  assert.equal(viaSummary(flat, cases[1]).named, 0);
  const withPage = viaSummary(flat, cases[3]);
  assert.deepEqual([withPage.named, withPage.add.map((x) => x.id)], [2, ['12']]);
  assert.ok(summary(flat).every(([id, h]) => typeof id === 'string' && Number.isSafeInteger(h)));
});

test('sync record: entries of the first format ({sig, pageText}) convert to the same comparison', () => {
  const [b, c] = flatten(tree);
  const first = new Map([[b.id, { sig: signature(b), pageText: '' }], [c.id, { sig: signature(c, 'kept text'), pageText: 'kept text' }], ['7', { sig: '', pageText: 'early text' }]]);
  const known = new Map([...first].map(([id, v]) => [id, fromFirstFormat(v)]));
  assert.deepEqual(known.get(b.id), entry(b));
  assert.deepEqual(known.get(c.id), entry(c, 'kept text'));
  assert.deepEqual(diff([b, c], known), { add: [], remove: ['7'] }, 'nothing is re-indexed by the conversion');
  assert.equal(known.get('7').s, 0, 'a pending page text still re-adds its bookmark');
  assert.ok(hasPage(known.get('7')));
  // The hash: 53 bits, never 0, different for one changed character.
  const h = [signature(b), signature(b) + ' ', signature(c)].map(hash53);
  assert.ok(h.every((x) => Number.isSafeInteger(x) && x > 0) && new Set(h).size === 3);
});

test('a new text form re-indexes every bookmark once: entries of the form before match none', () => {
  const flat = flatten(tree);
  const web = flat.filter((b) => b.url.startsWith('http'));
  // What the extension recorded before TEXT_FORM was in the signature (form 1).
  const formOne = (b, page = '') => {
    const digest = signature({ title: '', url: '', folder: '' }, page).split('\n').at(-1);
    return hash53(`${b.title}\n${b.url}\n${b.folder}\n${digest}`);
  };
  assert.ok(signature(web[0]).startsWith(`${TEXT_FORM}\n`));
  const before = new Map([[web[0].id, formOne(web[0])], [web[1].id, { s: formOne(web[1], 'kept text'), d: entry(web[1], 'kept text').d }]]);
  assert.deepEqual(diff(flat, before).add.map((b) => b.id), web.map((b) => b.id), 'all re-indexed, page text or not');
  const { need, remove } = diffSummary(summary(flat), before);
  assert.deepEqual([need.sort(), remove], [web.map((b) => b.id).sort(), []], 'the startup diff names them all, removes none');
  assert.deepEqual(changed(web, before).map((b) => b.id), web.map((b) => b.id));
  // Once re-indexed under this form, a restart finds nothing to do.
  const after = new Map([[web[0].id, entry(web[0])], [web[1].id, entry(web[1], 'kept text')]]);
  assert.deepEqual(diff(flat, after), { add: [], remove: [] });
});

test('toDoc: the text embedded holds the innermost folder below the root and the page text, not the URL', () => {
  const b = { id: '5', title: 'SIMD', url: 'https://github.com/WebAssembly/simd/blob/main/proposals/simd/SIMD.md', folder: 'Bookmarks bar / Dev / wasm' };
  const d = toDoc(b);
  assert.equal(d.id, '5');
  assert.equal(d.title, 'SIMD');
  assert.equal(d.url, b.url, 'the keyword side finds the URL\'s words in the url field');
  assert.equal(d.text, 'wasm', 'neither the title, the URL, the root folder nor the folders above is repeated');
  assert.equal(d.meta.folder, 'Bookmarks bar / Dev / wasm', 'filters see the whole path');
  assert.equal(toDoc({ ...b, folder: 'Other bookmarks' }).text, '');
  assert.equal(toDoc({ ...b, folder: 'Bookmarks bar / Night trains / Sleeper cars' }).text, 'Sleeper cars');
  assert.equal(toDoc(b, 'x'.repeat(5000)).text, 'wasm — ' + 'x'.repeat(4000));
});

test('toDoc\'s output is pinned to TEXT_FORM: changing what a bookmark embeds needs a new form (else installed extensions keep the old text)', () => {
  const samples = [
    { id: '1', title: 'SIMD', url: 'https://github.com/WebAssembly/simd', folder: 'Bookmarks bar / Dev / wasm' },
    { id: '2', title: 'Night trains', url: 'https://example.net/trains?x=1', folder: 'Other bookmarks' },
    { id: '3', title: '', url: 'https://example.org/', folder: '' },
  ];
  // What each form made of the samples (title, url, text, meta); a new form adds its line.
  const PINNED = {
    t2: [
      ['SIMD', 'https://github.com/WebAssembly/simd', 'wasm', 'Bookmarks bar / Dev / wasm'],
      ['Night trains', 'https://example.net/trains?x=1', '', 'Other bookmarks'],
      ['', 'https://example.org/', '', ''],
      ['SIMD', 'https://github.com/WebAssembly/simd', 'wasm — page words', 'Bookmarks bar / Dev / wasm'],
    ],
  };
  const made = [...samples.map((b) => toDoc(b)), toDoc(samples[0], 'page words')].map((d) => [d.title, d.url, d.text, d.meta.folder]);
  assert.ok(PINNED[TEXT_FORM], `no pinned output for text form ${TEXT_FORM}: add it here`);
  assert.deepEqual(made, PINNED[TEXT_FORM], 'toDoc\'s output changed: give TEXT_FORM a new value (sync.js) and pin the new output under it');
});

test('flatten under a folder keeps the path above it; changed() is diff without removals', () => {
  const garden = tree[0].children[0].children[1];
  const sub = flatten([garden], ['Bookmarks bar']);
  assert.deepEqual(sub.map((b) => [b.id, b.folder]), [['12', 'Bookmarks bar / Garden'], ['13', 'Bookmarks bar / Garden']]);
  const known = new Map(flatten(tree).map((b) => [b.id, entry(b)]));
  assert.deepEqual(changed(sub, known), [], 'unchanged, and javascript: skipped');
  const moved = flatten([garden], ['Other bookmarks']);
  assert.deepEqual(changed(moved, known).map((b) => b.id), ['12'], 'a moved folder re-indexes its bookmarks');
  assert.deepEqual(changed([{ id: '77', title: 'New', url: 'https://example.org/new', folder: '' }], known).map((b) => b.id), ['77']);
});

test('the tree digest is the digest of the summary, in any order, and moves with every change the summary sees', () => {
  // A deeper tree: untitled folders, a bookmark without a title (its URL stands in), non-web URLs.
  const big = [{ id: '0', title: '', children: [
    { id: '1', title: 'Bookmarks bar', children: [
      { id: '20', title: 'Rust', children: [
        { id: '21', title: 'The book', url: 'https://doc.rust-lang.org/book/' },
        { id: '22', title: '', children: [{ id: '23', title: '', url: 'https://example.org/untitled' }] },
        { id: '24', title: 'data', url: 'data:text/plain,hi' },
      ] },
      { id: '25', title: 'Sourdough', url: 'https://example.org/bread' },
    ] },
    { id: '2', title: 'Other bookmarks', children: [{ id: '26', title: 'Ferry times', url: 'http://example.net/ferry' }] },
  ] }];
  const rows = summary(flatten(big));
  assert.equal(rows.length, 4);
  const d = treeDigest(big);
  assert.equal(d, digestOf(rows));
  assert.equal(d, digestOf([...rows].reverse()), 'the order of the rows does not matter');
  assert.equal(treeDigest(tree), digestOf(summary(flatten(tree))));
  assert.match(d, /^4:[0-9a-f]+:[0-9a-f]+$/);
  // Each change the startup diff would find gives another digest.
  const edit = (f) => { const t = structuredClone(big); f(t[0].children); return treeDigest(t); };
  const variants = [
    edit((c) => { c[0].children[0].children[0].title = 'The Rust book'; }),              // renamed
    edit((c) => { c[0].children[0].children[0].url = 'https://doc.rust-lang.org/'; }),   // URL edited
    edit((c) => { c[0].children[0].title = 'Rust lang'; }),                              // folder renamed: every bookmark below
    edit((c) => { c[1].children.push(c[0].children.pop()); }),                           // moved to another folder
    edit((c) => { c[1].children.pop(); }),                                               // removed
    edit((c) => { c[1].children.push({ id: '27', title: 'Tides', url: 'https://example.org/tides' }); }), // added
    edit((c) => { c[1].children[0].id = '28'; }),                                        // the same bookmark under a new id
  ];
  for (const v of variants) assert.notEqual(v, d);
  assert.equal(new Set(variants).size, variants.length);
  // What the diff does not see leaves it: non-web bookmarks, empty folders, order within a folder.
  assert.equal(edit((c) => { c[0].children[0].children.push({ id: '29', title: 'x', url: 'javascript:void(0)' }); }), d);
  assert.equal(edit((c) => { c[1].children.push({ id: '30', title: 'Empty', children: [] }); }), d);
  assert.equal(edit((c) => { c[0].children.reverse(); }), d);
});
