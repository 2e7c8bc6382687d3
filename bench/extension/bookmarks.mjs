// A synthetic but realistic bookmark tree built from real titles: FanOutQA Wikipedia
// pages, WordNet glosses and MDN reference pages (www/data/corpus.json, data/bench-docs.json).
// Bookmarks look like what people keep: a real topic title in one of a few dozen familiar
// title shapes, on one of many plausible hosts with a slug URL, filed in a tree of ~300
// folders up to 3 levels deep. Deterministic (seeded), so runs are comparable.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

const slug = (s) => s.toLowerCase().normalize('NFKD').replace(/[^\w\s-]/g, '').trim().replace(/[\s_]+/g, '-').slice(0, 60) || 'page';

const HOSTS = [
  'medium.com/@notes', 'dev.to', 'github.com/awesome', 'stackoverflow.com/questions', 'news.ycombinator.com/item',
  'www.nytimes.com/2023', 'www.theguardian.com/science', 'arstechnica.com/science', 'www.bbc.com/future/article',
  'www.reddit.com/r/AskHistorians/comments', 'blog.example.net', 'www.quantamagazine.org', 'lwn.net/Articles',
  'www.nature.com/articles', 'arxiv.org/abs', 'docs.python.org/3/library', 'www.youtube.com/watch?v=',
  'en.wikipedia.org/wiki', 'developer.mozilla.org/en-US/docs/Web', 'www.economist.com/briefing', 'substack.com/p',
  'www.seriouseats.com', 'www.atlasobscura.com/places', 'www.smithsonianmag.com/history',
];
const SHAPES = [
  (t) => t, (t) => t, (t) => t, (t) => `${t} - Wikipedia`, (t) => `${t} | Hacker News`, (t) => `A short guide to ${t.toLowerCase()}`,
  (t) => `${t}: what I learned`, (t) => `Understanding ${t}`, (t) => `${t} explained`, (t) => `Notes on ${t.toLowerCase()}`,
  (t) => `${t} (PDF)`, (t) => `Why ${t.toLowerCase()} matters`, (t) => `The history of ${t.toLowerCase()}`, (t) => `${t} — a reading list`,
];
const TOP = ['Work', 'Research', 'Reading list', 'Recipes', 'Travel', 'Dev', 'Home', 'Finance', 'Health', 'Music', 'History', 'Science', 'Kids', 'Garden', 'Archive 2019', 'Archive 2021'];
const SUB = ['to read', 'papers', 'tools', 'tutorials', 'reference', 'inspiration', 'projects', 'ideas', 'talks', 'old', 'shopping', 'misc', 'best of', 'later', 'курсы', 'team', 'admin'];

/** Real short titles, de-duplicated, in a fixed order. */
export function realTitles(root) {
  const out = [];
  const seen = new Set();
  const add = (title, url, source) => {
    title = String(title ?? '').split(',')[0].trim();
    if (title.length < 3 || seen.has(title)) return;
    seen.add(title);
    out.push({ title, url, source });
  };
  const corpus = join(root, 'www', 'data', 'corpus.json');
  if (existsSync(corpus)) for (const d of JSON.parse(readFileSync(corpus, 'utf8')).docs) add(d.title, d.url, d.meta?.source);
  const bench = join(root, 'data', 'bench-docs.json');
  if (existsSync(bench)) for (const d of JSON.parse(readFileSync(bench, 'utf8'))) add(d.title, d.url, d.url ? 'wikipedia' : 'wordnet');
  if (!out.length) throw new Error('no titles: run scripts/build_demo.sh (www/data/corpus.json) or scripts/fetch_text_data.sh');
  return out;
}

/**
 * `n` bookmarks [{folder: 'Top/Sub/Sub2', title, url}] and the folder list, seeded.
 * Titles repeat only in a different shape or host (as in real collections).
 */
export function makeBookmarks(root, n, seed = 80_000) {
  const titles = realTitles(root);
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const folders = [];
  for (const t of TOP) {
    folders.push(t);
    const subs = 3 + Math.floor(r() * 12);
    for (let i = 0; i < subs; i++) {
      const s = `${t}/${pick(SUB)} ${i + 1}`;
      folders.push(s);
      if (r() < 0.3) folders.push(`${s}/${pick(SUB)}`);
    }
  }
  const out = [];
  for (let i = 0; i < n; i++) {
    const base = titles[i % titles.length];
    const round = Math.floor(i / titles.length);
    const title = round === 0 ? base.title : SHAPES[(i * 7 + round) % SHAPES.length](base.title);
    let url;
    if (round === 0 && base.url) url = base.url;
    else {
      const host = HOSTS[(i * 13 + round * 5) % HOSTS.length];
      url = host.endsWith('=') ? `https://${host}${(i * 2654435761 >>> 0).toString(36)}` : `https://${host}/${slug(base.title)}${round ? `-${round}` : ''}`;
    }
    out.push({ folder: pick(folders), title, url });
  }
  return { folders, bookmarks: out };
}
