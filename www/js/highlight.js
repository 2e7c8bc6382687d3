// Highlighting the query's words in titles and snippets (as text nodes + <mark>, never innerHTML).
// Words match as nook's keyword terms do (src/text/terms.rs): accents folded in Latin, Greek
// and Cyrillic letters ("cafe" marks "Café"), Chinese, Japanese or Korean text by pairs
// of characters ("天気予報" marks "天気" in "東京の天気"), since it has no spaces, and Thai,
// Lao, Khmer or Myanmar text by pairs of units (a letter with the marks after it).

const STOP = new Set(('a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which who why with about into my me your').split(' '));
const CJK = /[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/u;
const CJK_RUNS = new RegExp(`${CJK.source}+`, 'gu');
// A letter, digit or mark of Thai, Lao, Khmer or Myanmar (terms.rs `is_abugida_unspaced`).
const UNSPACED = /(?=[\p{L}\p{N}\p{M}])[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\ua9e0-\ua9ff\uaa60-\uaa7f]/u;
const UNSPACED_RUNS = new RegExp(`${UNSPACED.source}+`, 'gu');
/** A term that stands in pairs, found wherever it is (not a word). */
const paired = (t) => CJK.test(t) || UNSPACED.test(t);
const SPELLED = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', þ: 'th' };

/** One character lower-cased, its accents dropped if it is Latin, Greek or Cyrillic. */
function foldChar(c) {
  const l = c.toLowerCase();
  if (l < '\u0080') return l;
  let out = '';
  for (const x of l) {
    if (SPELLED[x]) out += SPELLED[x];
    else if (x < '\u0530') out += x.normalize('NFD').replace(/\p{M}/gu, '');
    else out += x;
  }
  return out;
}

/** `text` folded, with each folded character's [start, end) in `text`. */
function folded(text) {
  let f = '';
  const starts = [];
  const ends = [];
  let i = 0;
  for (const c of text) {
    const x = foldChar(c);
    for (let k = 0; k < x.length; k++) { starts.push(i); ends.push(i + c.length); }
    // A combining accent folds to nothing: it belongs to the letter before it.
    if (!x.length && ends.length) ends[ends.length - 1] = i + c.length;
    f += x;
    i += c.length;
  }
  return { f, starts, ends };
}

/**
 * Query words worth highlighting: folded, 2+ letters, not stop words; a run of CJK
 * characters as its pairs (a lone character itself), a run of Thai, Lao, Khmer or
 * Myanmar as pairs of its units (a letter and the marks after it).
 */
export function queryTerms(query) {
  const terms = new Set();
  const pairs = (units) => {
    if (units.length === 1) terms.add(units[0]);
    for (let i = 0; i + 1 < units.length; i++) terms.add(units[i] + units[i + 1]);
  };
  for (const run of query.match(CJK_RUNS) ?? []) pairs([...run]);
  for (const run of query.match(UNSPACED_RUNS) ?? []) pairs(run.match(/.\p{M}*/gsu));
  const rest = query.replace(CJK_RUNS, ' ').replace(UNSPACED_RUNS, ' ');
  for (const w of rest.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []) {
    const t = folded(w).f.replace(/[^\p{L}\p{N}]/gu, '');
    if ([...t].length >= 2 && !STOP.has(t)) terms.add(t);
  }
  return [...terms];
}

/**
 * Where `terms` occur in `text`: [start, end) spans, ascending, merged. A word matches when
 * it starts with a term's stem ("bees" marks "bee" and "beekeeping"; "keeping" marks
 * "keep", "keeps"); a CJK pair wherever it stands.
 */
export function markSpans(text, terms) {
  if (!text || !terms.length) return [];
  const { f, starts, ends } = folded(text);
  const words = terms.filter((t) => !paired(t)).map((t) => (t.length > 4 ? t.replace(/(ing|ers|er|es|ed|s)$/u, '') : t)).filter((s) => s.length >= 2);
  const pairs = terms.filter(paired);
  const found = [];
  const add = (re) => { for (const m of f.matchAll(re)) if (m[0].length) found.push([starts[m.index], ends[m.index + m[0].length - 1]]); };
  // A letter or digit of a word (CJK, Thai... characters are not: they stand in pairs).
  const letter = `(?:(?!${CJK.source}|${UNSPACED.source})[\\p{L}\\p{N}])`;
  if (words.length) add(new RegExp(`(?<!${letter})(?:${words.map(escape).join('|')})${letter}*`, 'gu'));
  // Pairs overlap ("天気", "気予"): each found alone, then merged.
  for (const p of pairs) add(new RegExp(escape(p), 'gu'));
  found.sort((a, b) => a[0] - b[0]);
  const spans = [];
  for (const s of found) {
    const last = spans[spans.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else spans.push([...s]);
  }
  return spans;
}

/** Fill `node` with `text`, its `terms` (queryTerms) marked. */
export function highlightInto(node, text, terms) {
  node.replaceChildren();
  if (!text) return;
  let last = 0;
  for (const [a, b] of markSpans(text, terms)) {
    if (a > last) node.append(text.slice(last, a));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(a, b);
    node.append(mark);
    last = b;
  }
  if (last < text.length) node.append(text.slice(last));
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A window of `text` around the first matching term, about `len` characters. */
export function snippetAround(text, terms, len = 220) {
  if (!text || text.length <= len) return text ?? '';
  const at = markSpans(text, terms)[0]?.[0] ?? 0;
  const start = Math.max(0, at - Math.floor(len / 3));
  const s = text.slice(start, start + len);
  return (start > 0 ? '…' : '') + s + (start + len < text.length ? '…' : '');
}
