// Nook.openSite: a static site's prebuilt index (`nook site build`). Two layouts, told
// apart by the manifest's version:
// - 1, whole (format in the crate's src/site/mod.rs): the index file the manifest names
//   (immutable, content-hashed) is downloaded, its length and SHA-256 checked, and kept in
//   IndexedDB under a name holding the hash, so a revisit opens it without a download and a
//   rebuilt site replaces it. Offline, the copy last stored is opened.
// - 6, 5 and 4, paged (src/site/paged/): the worker fetches the head, then only the pages
//   each search names (site-pages.js), kept in the Cache API; the manifest is kept there
//   too, so a site seen before opens offline and answers what its cached pages can. (4
//   counted its keyword terms by the first rules, without accent folding or CJK bigrams,
//   5 without Thai, Lao, Khmer and Myanmar pairs: read still, their queries split the
//   same way. 2 was the paged layout before its graph,
//   3 before its adaptive rounds: refused, the site must be rebuilt.)
// The result is read-only.

import { unsupported } from './features.js';

/** The newest site format this client reads. */
export const SITE_VERSION = 6;
const PREFIX = 'nook-site:';

function fail(name, message) {
  return Object.assign(new Error(message), { name });
}

/** The manifest's index entry, or a NookVersionError / NookCorruptError saying why not. */
export function readManifest(text, where) {
  const bad = (what) => fail('NookCorruptError', `${where}: ${what}`);
  let m;
  try { m = JSON.parse(text); } catch (e) { throw bad(`not JSON (${e.message})`); }
  if (!m || m.format !== 'nook-site') throw bad('not a nook site manifest (format is not "nook-site")');
  if (!Number.isInteger(m.version)) throw bad('no version');
  if (m.version > SITE_VERSION) {
    throw fail('NookVersionError', `${where}: the site index was built by a newer nook (site format ${m.version}, this nook reads ${SITE_VERSION}): upgrade nook-search`);
  }
  if (m.version === 2 || m.version === 3) {
    throw fail('NookVersionError', `${where}: the site index was built by an older nook (site format ${m.version}, a paged layout this nook no longer reads): rebuild it with \`nook site build --layout paged\``);
  }
  // 4: the paged layout with terms counted by the first rules (no accent folding, no CJK
  // bigrams), 5 without Thai, Lao, Khmer and Myanmar pairs; read still, their queries
  // split the same way (the core's site::paged::rules_of).
  if (m.version >= 4) return readPaged(m, bad);
  const ix = m.index || {};
  if (typeof ix.file !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(ix.file)) throw bad('index.file must be a plain file name');
  if (!Number.isSafeInteger(ix.bytes) || ix.bytes <= 0) throw bad('index.bytes must be a positive whole number');
  if (typeof ix.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(ix.sha256)) throw bad('index.sha256 must be 64 hex digits');
  if (!Number.isSafeInteger(m.documents) || m.documents < 0) throw bad('documents must be a whole number');
  return { version: 1, file: ix.file, bytes: ix.bytes, sha256: ix.sha256.toLowerCase(), documents: m.documents };
}

function readPaged(m, bad) {
  if (typeof m.build !== 'string' || !/^[0-9a-f]{16}$/.test(m.build)) throw bad('build must be 16 lowercase hex digits');
  const h = m.head || {};
  if (h.file !== `${m.build}/head.bin`) throw bad(`head.file must be "${m.build}/head.bin"`);
  if (!Number.isSafeInteger(h.bytes) || h.bytes <= 0) throw bad('head.bytes must be a positive whole number');
  if (typeof h.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(h.sha256)) throw bad('head.sha256 must be 64 lowercase hex digits');
  for (const k of ['documents', 'bytes', 'files']) if (!Number.isSafeInteger(m[k]) || m[k] < 0) throw bad(`${k} must be a whole number`);
  return { version: m.version, paged: true, build: m.build, head: { file: h.file, bytes: h.bytes, sha256: h.sha256 }, documents: m.documents, bytes: m.bytes, files: m.files };
}

/** A paged site's manifest kept in the Cache API (for opening offline). */
async function manifestCache(manifestUrl) {
  if (!globalThis.caches) return null;
  try { return await caches.open(`nook-site:${manifestUrl}`); } catch (_) { return null; }
}

async function openPaged(Nook, manifestUrl, entry, options, offline) {
  const { prefetch, ...rest } = options;
  const db = new Nook(`site:${manifestUrl}`, rest, 'site', { manifestUrl, manifest: entry, prefetch: !!prefetch });
  await db.ready;
  db._readOnly = `this is the prebuilt index of ${manifestUrl}: it is read-only (open a database of your own with Nook.open for your documents)`;
  db.site = { manifestUrl, offline, downloaded: false, documents: entry.documents, paged: true, bytes: entry.bytes, build: entry.build };
  return db;
}

async function stored(prefix) {
  if (typeof indexedDB === 'undefined' || !indexedDB.databases) return [];
  const all = await indexedDB.databases();
  return all.map((d) => d.name).filter((n) => n && n.startsWith(prefix)).sort();
}

async function download(url, entry) {
  let res;
  try { res = await fetch(url); } catch (e) { throw fail('NookNetworkError', `fetching ${url}: ${e.message}`); }
  if (!res.ok) throw fail('NookNetworkError', `fetching ${url}: HTTP ${res.status} (the site may have been rebuilt: reload the page)`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length !== entry.bytes) throw fail('NookCorruptError', `${url}: ${bytes.length} bytes, the manifest says ${entry.bytes} (truncated or replaced: rebuild the site or reload)`);
  // SubtleCrypto exists in secure contexts (https, localhost); elsewhere the export's own
  // checksums still catch damage.
  if (globalThis.crypto && crypto.subtle) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    if (hex !== entry.sha256) throw fail('NookCorruptError', `${url}: its SHA-256 is not the manifest's (damaged in transit or a mix of two builds: reload)`);
  }
  return bytes;
}

/** See Nook.openSite in index.d.ts. */
export async function openSite(Nook, url, options = {}) {
  if (url == null || url === '') throw fail('NookInputError', 'Nook.openSite(url): url of the site index folder (or its nook-site.json) is required');
  // A paged site needs no IndexedDB (a whole one is copied into it: checked when it opens).
  const refused = unsupported({ database: false });
  if (refused) throw fail(refused.name, refused.message);
  const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location && globalThis.location.href;
  let manifestUrl = new URL(String(url), base);
  if (!manifestUrl.pathname.endsWith('.json')) manifestUrl = new URL('nook-site.json', manifestUrl.href.endsWith('/') ? manifestUrl : manifestUrl.href + '/');
  const prefix = `${PREFIX}${manifestUrl.href}#`;
  let entry = null;
  let offline = null;
  const cache = await manifestCache(manifestUrl.href);
  try {
    const res = await fetch(manifestUrl, { cache: 'no-cache' });
    if (!res.ok) throw fail('NookNetworkError', `${manifestUrl}: HTTP ${res.status}`);
    const text = await res.text();
    entry = readManifest(text, manifestUrl.href);
    if (entry.paged) {
      if (cache) await cache.put(manifestUrl.href, new Response(text, { headers: { 'content-type': 'application/json' } })).catch(() => {});
      return openPaged(Nook, manifestUrl.href, entry, options, false);
    }
  } catch (e) {
    if (e.name === 'NookVersionError' || e.name === 'NookCorruptError' || entry) throw e;
    offline = e;
    const kept = cache && await cache.match(manifestUrl.href).catch(() => null);
    if (kept) return openPaged(Nook, manifestUrl.href, readManifest(await kept.text(), manifestUrl.href), options, true);
  }
  if (options.prefetch !== undefined) {
    const { prefetch, ...rest } = options;
    options = rest;
  }
  // A site's visitors did not ask for background work: the copy is not warmed after its
  // open unless the site's author sets warmUp.
  options = { warmUp: 0, ...options };
  const existing = await stored(prefix);
  let name;
  if (entry) name = prefix + entry.sha256.slice(0, 16);
  else if (existing.length) name = existing[existing.length - 1];
  else throw fail('NookNetworkError', `cannot read ${manifestUrl} (${offline.message}) and no copy of this site's index is stored in this browser`);

  let db = null;
  if (existing.includes(name)) {
    try {
      db = await Nook.open(name, options);
      // A copy cut short (a tab closed during the import) is fetched again.
      if (entry && (await db.stats()).documents !== entry.documents) throw fail('NookCorruptError', 'the stored copy is incomplete');
    } catch (e) {
      // A damaged stored copy is replaced when the site can be reached.
      if (!entry || !['NookCorruptError', 'NookVersionError'].includes(e.name)) throw e;
      if (db) await db.close();
      await Nook.deleteDatabase(name);
      db = null;
    }
  }
  const downloaded = !db;
  if (!db) {
    const bytes = await download(new URL(entry.file, manifestUrl), entry);
    // Its records are written while it already answers; a copy whose write did not land
    // (tab closed) is short of documents, and the check above fetches it again.
    db = new Nook(name, options, 'importCopy', bytes);
    await db.ready;
  }
  // Copies of earlier builds of this site go.
  for (const old of existing) if (old !== name) Nook.deleteDatabase(old).catch(() => {});
  db._readOnly = `this is the prebuilt index of ${manifestUrl.href}: it is read-only (open a database of your own with Nook.open for your documents)`;
  const documents = entry ? entry.documents : (await db.stats()).documents;
  db.site = { manifestUrl: manifestUrl.href, offline: !entry, downloaded, documents };
  return db;
}
