// Keeping the index equal to the bookmarks: pure functions (no chrome.*, no I/O), so they
// are unit-tested in node. The offscreen document applies what `diff` returns.

/**
 * Flatten a chrome.bookmarks tree into [{id, title, url, folder}] (folders give the path).
 * `base`: folder titles above `roots` (when flattening a subtree).
 */
export function flatten(roots, base = []) {
  const out = [];
  const walk = (node, path) => {
    if (node.url) {
      out.push({ id: node.id, title: node.title || node.url, url: node.url, folder: path.join(' / ') });
      return;
    }
    const next = node.title ? [...path, node.title] : path;
    for (const c of node.children ?? []) walk(c, next);
  };
  for (const r of roots) walk(r, base);
  return out;
}

/** What the index stores for a bookmark; changes whenever any of it changes. */
export function signature(b, pageText = '') {
  return `${b.title}\n${b.url}\n${b.folder}\n${pageText.length}:${quickHash(pageText)}`;
}

/**
 * Compare the bookmarks now with what was indexed (`known`: Map id -> {sig, pageText}).
 * Returns {add: [bookmark], remove: [id]}; unchanged bookmarks are in neither.
 */
export function diff(bookmarks, known) {
  const add = [];
  const seen = new Set();
  for (const b of bookmarks) {
    if (!/^(https?|ftp|file):/i.test(b.url)) continue; // javascript:, chrome:, data: … are not searchable pages
    seen.add(b.id);
    const k = known.get(b.id);
    if (!k || k.sig !== signature(b, k.pageText ?? '')) add.push(b);
  }
  const remove = [...known.keys()].filter((id) => !seen.has(id));
  return { add, remove };
}

/**
 * The part of `bookmarks` (some of them: an event's delta) that the index lacks or holds
 * in another version. Like `diff` without removals.
 */
export function changed(bookmarks, known) {
  return bookmarks.filter((b) => {
    if (!/^(https?|ftp|file):/i.test(b.url ?? '')) return false;
    const k = known.get(b.id);
    return !k || k.sig !== signature(b, k.pageText ?? '');
  });
}

/** The nook document of a bookmark: words of the title, folder path, URL and page text. */
export function toDoc(b, pageText = '') {
  // The title is its own field (nook embeds "title\ntext" and ranks the title for keywords),
  // so `text` does not repeat it: every token costs when an embedding is recomputed.
  const parts = [b.folder, readableUrl(b.url)];
  if (pageText) parts.push(pageText.slice(0, 4000));
  return {
    id: b.id,
    title: b.title,
    url: b.url,
    text: parts.filter(Boolean).join(' — '),
    meta: { folder: b.folder },
  };
}

/** "https://www.example.com/a-b/c?d" -> "example.com a b c d": lets words in URLs match. */
export function readableUrl(url) {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^www\./, '');
    const rest = safeDecode(u.pathname + u.search).replace(/[/_\-?=&.+#%]+/g, ' ').trim();
    return (host + ' ' + rest).trim();
  } catch {
    return url;
  }
}

function safeDecode(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

function quickHash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return (h >>> 0).toString(16);
}
