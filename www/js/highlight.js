// Highlighting the query's words in titles and snippets (as text nodes + <mark>, never innerHTML).

const STOP = new Set(('a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which who why with about into my me your').split(' '));

/** Query words worth highlighting: lower-case, 2+ letters, not stop words. */
export function queryTerms(query) {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [])].filter((w) => !STOP.has(w));
}

/**
 * Fill `node` with `text`, marking words that start with a query term's stem
 * ("bees" marks "bee" and "beekeeping"; "keeping" marks "keep", "keeps").
 */
export function highlightInto(node, text, terms) {
  node.replaceChildren();
  if (!text) return;
  const stems = terms.map((t) => (t.length > 4 ? t.replace(/(ing|ers|er|es|ed|s)$/u, '') : t)).filter((s) => s.length >= 2);
  if (!stems.length) { node.textContent = text; return; }
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(${stems.map(escape).join('|')})[\\p{L}\\p{N}]*`, 'giu');
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) node.append(text.slice(last, m.index));
    const mark = document.createElement('mark');
    mark.textContent = m[0];
    node.append(mark);
    last = m.index + m[0].length;
  }
  if (last < text.length) node.append(text.slice(last));
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A window of `text` around the first matching term, about `len` characters. */
export function snippetAround(text, terms, len = 220) {
  if (!text || text.length <= len) return text ?? '';
  const lower = text.toLowerCase();
  let at = -1;
  for (const t of terms) {
    const i = lower.indexOf(t.slice(0, Math.max(3, t.length - 2)));
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  const start = Math.max(0, at < 0 ? 0 : at - Math.floor(len / 3));
  const s = text.slice(start, start + len);
  return (start > 0 ? '…' : '') + s + (start + len < text.length ? '…' : '');
}
