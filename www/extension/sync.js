// Keeping the index equal to the bookmarks: pure functions (no chrome.*, no I/O), so they
// are unit-tested in node. The offscreen document applies what `diff` returns.

/**
 * Flatten a chrome.bookmarks tree into [{id, title, url, folder}] (folders give the path).
 * `base`: folder titles above `roots` (when flattening a subtree).
 */
export function flatten(roots, base = []) {
  const out = [];
  eachBookmark(roots, base, (b) => out.push(b));
  return out;
}

/** `fn({id, title, url, folder})` for each bookmark under `roots`, as `flatten` lists them,
 * without keeping them. */
function eachBookmark(roots, base, fn) {
  const walk = (node, folder) => {
    if (node.url) {
      fn({ id: node.id, title: node.title || node.url, url: node.url, folder });
      return;
    }
    const next = node.title ? (folder ? `${folder} / ${node.title}` : node.title) : folder;
    for (const c of node.children ?? []) walk(c, next);
  };
  const top = base.join(' / ');
  for (const r of roots) walk(r, top);
}

/** What the index stores for a bookmark; changes whenever any of it changes. */
export function signature(b, pageText = '') {
  return signed(b, pageDigest(pageText));
}

const signed = (b, digest) => `${TEXT_FORM}\n${b.title}\n${b.url}\n${b.folder}\n${digest}`;

/**
 * The form of the text `toDoc` gives nook, part of every signature: changing it makes every
 * bookmark another version, so the next startup diff re-indexes all of them in the
 * background (searches go on meanwhile) and an update's new text reaches bookmarks indexed
 * before it. Bump it whenever `toDoc`'s output changes. Form 1 (no mark in the signature):
 * the folder path and the URL's words in the text; 2: the innermost folder below the root.
 */
export const TEXT_FORM = 't2';

/** The part of a signature that stands for the page text: its length and hash. */
export function pageDigest(pageText = '') {
  return `${pageText.length}:${quickHash(pageText)}`;
}

const NO_PAGE = pageDigest('');

/**
 * The sync record's entry for an indexed bookmark: a 53-bit hash of its signature (a
 * number: 80,000 of them take ~5 MB where the signatures themselves took ~28 MB), or, for a
 * bookmark indexed with page text, `{s: hash, d: pageDigest(text)}` (the text itself is
 * kept apart and read only to re-index it). `s` 0 matches nothing: page text that arrived
 * before its bookmark was (re)indexed.
 */
export function entry(b, pageText = '') {
  const s = hash53(signature(b, pageText));
  return pageText ? { s, d: pageDigest(pageText) } : s;
}

/** Does the sync record's entry `e` stand for bookmark `b` as it is now? */
export function matches(b, e) {
  if (e == null) return false;
  const [s, digest] = typeof e === 'number' ? [e, NO_PAGE] : [e.s, e.d ?? NO_PAGE];
  return s === hash53(signed(b, digest));
}

/** Does the entry hold page text (to be read before the bookmark is re-indexed)? */
export const hasPage = (e) => typeof e === 'object' && e !== null && Boolean(e.d) && e.d !== NO_PAGE;

/** The entry for a record of the first format ({sig: signature string, pageText}). */
export function fromFirstFormat(v) {
  const s = v?.sig ? hash53(v.sig) : 0;
  return v?.pageText ? { s, d: pageDigest(v.pageText) } : s;
}

/** Two 32-bit multiplicative hashes of `str`. */
function hashes(str) {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, b >>> 0];
}

/** A 53-bit hash of `str` (`hashes`' two, 32 and 21 bits of them), never 0. */
export function hash53(str) {
  const [a, b] = hashes(str);
  return a * 0x200000 + (b & 0x1fffff) || 1;
}

/** Is `url` a page to index? javascript:, chrome:, data: … are not searchable pages. */
const searchable = (url) => /^(https?|ftp|file):/i.test(url ?? '');

/**
 * Compare the bookmarks now with what was indexed (`known`: Map id -> entry, see `entry`).
 * Returns {add: [bookmark], remove: [id]}; unchanged bookmarks are in neither.
 */
export function diff(bookmarks, known) {
  const add = [];
  const seen = new Set();
  for (const b of bookmarks) {
    if (!searchable(b.url)) continue;
    seen.add(b.id);
    if (!matches(b, known.get(b.id))) add.push(b);
  }
  const remove = [...known.keys()].filter((id) => !seen.has(id));
  return { add, remove };
}

/**
 * The startup diff's first message: `[id, hash]` of each searchable bookmark, the hash a
 * sync record entry without page text holds (see `entry`). At 80,000 bookmarks this is a
 * few MB where the bookmarks themselves, flattened, sent and parsed whole, took ~100 MB.
 */
export function summary(bookmarks) {
  return bookmarks.filter((b) => searchable(b.url)).map((b) => [b.id, rowHash(b)]);
}

/** A bookmark's hash in a `summary` row. */
const rowHash = (b) => hash53(signed(b, NO_PAGE));

/**
 * A digest of a `summary` (its rows in any order): their count and two 32-bit sums of a
 * hash of each row. Equal digests: the same bookmarks in the same versions, but for a
 * hash collision (two sums of 32 bits and the count, all three to agree by chance).
 */
export function digestOf(rows) {
  const d = new Digest();
  for (const [id, h] of rows) d.add(id, h);
  return d.value();
}

/**
 * `digestOf(summary(flatten(roots)))`, computed as the tree is walked, without the 80,000
 * flattened bookmarks and rows (~50 MB in the service worker at 80,000 bookmarks): what
 * the startup diff compares first (the offscreen document keeps the digest of the tree its
 * last full diff made the index equal to, see syncstore.js), so a browser start after
 * which nothing changed reads neither the sync record nor a summary.
 */
export function treeDigest(roots) {
  const d = new Digest();
  eachBookmark(roots, [], (b) => { if (searchable(b.url)) d.add(b.id, rowHash(b)); });
  return d.value();
}

class Digest {
  n = 0;
  a = 0;
  b = 0;

  add(id, h) {
    const [x, y] = hashes(`${id}\n${h}`);
    this.n += 1;
    this.a = (this.a + x) >>> 0;
    this.b = (this.b + y) >>> 0;
  }

  value() {
    return `${this.n}:${this.a.toString(16)}:${this.b.toString(16)}`;
  }
}

/**
 * Compare a `summary` with the sync record (`known`): {need: ids whose bookmark is to be
 * sent whole, remove: ids no longer bookmarked}. `need` holds the new and changed ones, and
 * those indexed with page text (their entry's hash covers the text, which the summary
 * cannot vouch for); `changed` then tells which of those the index lacks. Together the
 * same outcome as `diff` over the whole bookmarks.
 */
export function diffSummary(rows, known) {
  const need = [];
  const seen = new Set();
  for (const [id, h] of rows) {
    seen.add(id);
    if (known.get(id) !== h) need.push(id);
  }
  const remove = [...known.keys()].filter((id) => !seen.has(id));
  return { need, remove };
}

/**
 * The part of `bookmarks` (some of them: an event's delta) that the index lacks or holds
 * in another version. Like `diff` without removals.
 */
export function changed(bookmarks, known) {
  return bookmarks.filter((b) => searchable(b.url) && !matches(b, known.get(b.id)));
}

/**
 * The nook document of a bookmark. nook embeds "title\ntext", and every token embedded
 * costs again each time a search recomputes the bookmark's embedding, and dilutes what the
 * title says. So `text` holds the folder the bookmark is in (the innermost: the most
 * specific; none for the browser's own root folders, "Bookmarks bar" and the like, which
 * every bookmark shares) and the page text if any. The URL's words are found by the
 * keyword side, which reads the `url` field; the folder filter sees the whole path in
 * `meta.folder`. ARCHITECTURE.md, "A bookmark's embedded text". Changing what this
 * returns: bump `TEXT_FORM`.
 */
export function toDoc(b, pageText = '') {
  const folders = b.folder.split(' / ');
  const folder = folders.length > 1 ? folders.at(-1) : '';
  return {
    id: b.id,
    title: b.title,
    url: b.url,
    text: [folder, pageText.slice(0, 4000)].filter(Boolean).join(' — '),
    meta: { folder: b.folder },
  };
}

function quickHash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return (h >>> 0).toString(16);
}
