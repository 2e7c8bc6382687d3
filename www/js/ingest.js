// Turning what a person brings (pasted text, dropped files, a browser bookmarks export)
// into nook documents `{id, text, title, url, meta}`. Pure functions over strings plus
// DOMParser; no I/O and no package calls.

const PASSAGE_CHARS = 700;   // the embedder reads ~128 tokens: keep passages about that long
const MAX_PASSAGES = 200;    // per file; the rest of a very long file is dropped (and said so)

/** True when `html` is a Netscape bookmark file (what Chrome, Firefox, Safari, Edge export). */
export function isBookmarksHtml(html) {
  return /^\s*<!DOCTYPE\s+NETSCAPE-Bookmark-file-1>/i.test(html)
    || (/<DL>\s*<p>/i.test(html) && /<DT>\s*<A\s[^>]*HREF=/i.test(html));
}

/**
 * Parse a Netscape bookmark file into documents. Each bookmark becomes
 * `{id: 'bm:' + url, title, url, text: 'innermost folder — tags', meta: {folder, added}}`.
 * Folder paths come from the <H3> headings of the enclosing <DL> lists.
 */
export function parseBookmarksHtml(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const out = [];
  const seen = new Set();
  for (const a of doc.querySelectorAll('a[href]')) {
    const url = a.getAttribute('href').trim();
    if (!/^(https?|ftp|file):/i.test(url) || seen.has(url)) continue;
    seen.add(url);
    const title = a.textContent.trim() || url;
    const folder = folderPath(a);
    const added = Number(a.getAttribute('add_date')) || undefined;
    const tags = a.getAttribute('tags') || undefined;
    out.push({
      id: 'bm:' + url,
      title,
      url,
      // The title is its own field and the URL's words are the keyword side's (it reads
      // `url`): embedded again in the text they cost every recomputation and ranked no
      // better; of the folders, the innermost (the most specific), as the extension's
      // `toDoc` (ARCHITECTURE.md, "A bookmark's embedded text").
      text: [folder.at(-1), tags].filter(Boolean).join(' — '),
      meta: { source: 'bookmarks', folder: folder.join(' / '), ...(added ? { added } : {}) },
    });
  }
  return out;
}

/** Folder names from the outermost to the innermost list that contains `a`. */
function folderPath(a) {
  const names = [];
  for (let el = a.parentElement; el; el = el.parentElement) {
    if (el.tagName !== 'DL') continue;
    const h3 = headingOf(el);
    if (h3) names.unshift(h3.textContent.trim());
  }
  return names.filter(Boolean);
}

function headingOf(dl) {
  // <DT><H3>Name</H3><DL>…</DL>: the DL is inside the DT after the H3, or (depending on
  // how the parser fixed up the markup) its next sibling after optional <p>s.
  let prev = dl.previousElementSibling;
  while (prev && prev.tagName === 'P') prev = prev.previousElementSibling;
  if (prev && prev.tagName === 'H3') return prev;
  if (prev && prev.tagName === 'DT') return prev.querySelector(':scope > h3');
  const dt = dl.parentElement;
  if (dt && dt.tagName === 'DT') return dt.querySelector(':scope > h3');
  return null;
}

/** Documents from pasted text: one per paragraph group, titled by its first line. */
export function docsFromText(text, { name = 'Pasted text', idPrefix } = {}) {
  const clean = text.replace(/\r\n?/g, '\n').trim();
  if (!clean) return [];
  const prefix = idPrefix ?? `paste:${hash(clean)}`;
  return passages(clean).map((p, i, all) => ({
    id: `${prefix}#${i}`,
    title: all.length > 1 ? `${name} (${i + 1}/${all.length})` : name,
    text: p,
    meta: { source: 'yours', file: name },
  }));
}

/**
 * Documents from a dropped file's text. `.html` files are reduced to their visible text
 * (or parsed as bookmarks when they are a bookmarks export); `.md` loses its markup.
 * Returns {docs, kind: 'bookmarks' | 'file', truncated}.
 */
export function docsFromFile(name, content) {
  if (/\.html?$/i.test(name) && isBookmarksHtml(content)) {
    return { docs: parseBookmarksHtml(content), kind: 'bookmarks', truncated: false };
  }
  let text = content;
  let title = name;
  if (/\.html?$/i.test(name)) {
    const doc = new DOMParser().parseFromString(content, 'text/html');
    doc.querySelectorAll('script, style, noscript, template, svg').forEach((n) => n.remove());
    title = doc.title?.trim() || name;
    text = doc.body ? doc.body.innerText ?? doc.body.textContent : '';
  } else if (/\.(md|markdown)$/i.test(name)) {
    const h = content.match(/^#\s+(.+)$/m);
    if (h) title = h[1].trim();
    text = content
      .replace(/```[\s\S]*?```/g, (m) => m.replace(/```\w*/g, ''))
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/^[#>*\-+\s]+/gm, (m) => (m.includes('\n') ? '\n' : ''))
      .replace(/[*_`~]{1,3}/g, '');
  }
  const all = passages(text.replace(/\r\n?/g, '\n'));
  const truncated = all.length > MAX_PASSAGES;
  const kept = all.slice(0, MAX_PASSAGES);
  const prefix = `file:${name}:${hash(content)}`;
  const docs = kept.map((p, i) => ({
    id: `${prefix}#${i}`,
    title: kept.length > 1 ? `${title} (${i + 1}/${kept.length})` : title,
    text: p,
    meta: { source: 'yours', file: name },
  }));
  return { docs, kind: 'file', truncated };
}

/** Split text into passages of about PASSAGE_CHARS, on paragraph then sentence boundaries. */
export function passages(text) {
  const paras = text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const out = [];
  let cur = '';
  const flush = () => { if (cur) out.push(cur); cur = ''; };
  for (const p of paras) {
    const pieces = p.length <= PASSAGE_CHARS ? [p] : p.match(/[^.!?]+[.!?]*\s*/g) ?? [p];
    for (let piece of pieces) {
      piece = piece.trim();
      while (piece.length > PASSAGE_CHARS) {   // a single run-on "sentence"
        flush();
        out.push(piece.slice(0, PASSAGE_CHARS));
        piece = piece.slice(PASSAGE_CHARS);
      }
      if (cur.length + piece.length + 1 > PASSAGE_CHARS) flush();
      cur = cur ? cur + ' ' + piece : piece;
    }
    if (cur.length > PASSAGE_CHARS / 2) flush();
  }
  flush();
  return out;
}

/** Short stable hash (FNV-1a, 32 bits, hex) for ids of pasted/dropped content. */
export function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
