// The worker's side of a paged site (`nook site build --layout paged`, format in the
// crate's src/site/paged/): fetches the head and the pages a search names, keeps them in
// the Cache API (one cache per site; pages are immutable, named by build), and hands their
// bytes to the NookSite, which checks each one (crc32 bound to the build and the page) —
// a damaged or foreign page is refused, dropped from the cache and fetched once more.
// Offline, what was fetched before still answers; a page never fetched is a
// NookNetworkError.

const fail = (name, message) => Object.assign(new Error(message), { name });

async function sha256Hex(bytes) {
  if (!(globalThis.crypto && crypto.subtle)) return null;
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The cache a site's pages live in (null where the Cache API is missing: pages are then only kept in memory). */
export async function siteCache(manifestUrl) {
  if (!globalThis.caches) return null;
  try { return await caches.open(`nook-site:${manifestUrl}`); } catch (_) { return null; }
}

async function fetchBytes(url) {
  let res;
  try { res = await fetch(url); } catch (e) { throw fail('NookNetworkError', `fetching ${url}: ${e.message} (offline? this page of the site was never fetched here)`); }
  if (!res.ok) throw fail('NookNetworkError', `fetching ${url}: HTTP ${res.status} (the site may have been rebuilt: reload the page)`);
  return new Uint8Array(await res.arrayBuffer());
}

async function cached(cache, url) {
  if (!cache) return null;
  try {
    const hit = await cache.match(url);
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  } catch (_) { return null; }
}

function keep(cache, url, bytes) {
  if (cache) cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => {});
}

/** The head file's bytes, checked against the manifest's length and SHA-256. */
export async function fetchHead(cache, manifestUrl, manifest) {
  const url = new URL(manifest.head.file, manifestUrl).href;
  let bytes = await cached(cache, url);
  const fromCache = !!bytes;
  if (!bytes) bytes = await fetchBytes(url);
  const sha = await sha256Hex(bytes);
  if (bytes.length !== manifest.head.bytes || (sha && sha !== manifest.head.sha256)) {
    if (fromCache) { await cache.delete(url); return fetchHead(cache, manifestUrl, manifest); }
    throw fail('NookCorruptError', `${url}: not the head the manifest names (${bytes.length} bytes; damaged or a mix of two builds: reload)`);
  }
  if (!fromCache) keep(cache, url, bytes);
  return bytes;
}

/** Drop cached files of other builds of this site (after a rebuild). */
export async function forgetOtherBuilds(cache, manifestUrl, build) {
  if (!cache) return;
  const base = new URL(`${build}/`, manifestUrl).href;
  for (const req of await cache.keys()) {
    if (!req.url.startsWith(base) && req.url !== manifestUrl) await cache.delete(req);
  }
}

/** Pages of one site for one NookSite: `load(paths)` fetches (or reads from the cache)
 * and adds each; counts what the network served. */
export class SitePages {
  constructor(site, cache, manifestUrl, build) {
    this.site = site;
    this.cache = cache;
    this.base = new URL(`${build}/`, manifestUrl);
    this.fetched = { bytes: 0, requests: 0 };
    // The URLs the cache holds, listed once (a miss in `cache.match` costs as much as a
    // local fetch: a first visit would pay it for every page); null: ask the cache each time.
    this.known = cache ? cache.keys().then((reqs) => new Set(reqs.map((r) => r.url)), () => null) : Promise.resolve(null);
  }

  async one(path, retry = true) {
    const url = new URL(path, this.base).href;
    const known = await this.known;
    let bytes = !known || known.has(url) ? await cached(this.cache, url) : null;
    const fromCache = !!bytes;
    if (!bytes) {
      bytes = await fetchBytes(url);
      this.fetched.bytes += bytes.length;
      this.fetched.requests += 1;
    }
    try {
      this.site.add(path, bytes);
    } catch (e) {
      // A damaged copy: forget it and fetch the page once more.
      if (retry && e && e.name === 'NookCorruptError') {
        if (fromCache) await this.cache.delete(url);
        if (fromCache || retry) return this.one(path, false);
      }
      throw e;
    }
    if (!fromCache) {
      keep(this.cache, url, bytes);
      known?.add(url);
    }
  }

  /** Fetch and add pages, `parallel` at a time. */
  async load(paths, parallel = 16) {
    let next = 0;
    const run = async () => { while (next < paths.length) await this.one(paths[next++]); };
    await Promise.all(Array.from({ length: Math.min(parallel, paths.length) }, run));
  }
}

/** Most rounds of pages a search may ask for (search.rs: MAX_ROUNDS of nodes + 2). */
const MAX_ROUNDS = 10;

/** Search a NookSite, fetching the pages each round names: {hits, stats}. */
export async function searchSite(site, pages, query, k, hybrid) {
  const t0 = performance.now();
  const before = { ...pages.fetched };
  let rounds = 0;
  let fetchMs = 0;
  for (;;) {
    const r = site.search(query, k, hybrid);
    if (r.hits) {
      const searchMs = performance.now() - t0;
      return {
        hits: r.hits,
        stats: {
          mode: 'site', searchMs, fetchMs, rounds,
          fetchedBytes: pages.fetched.bytes - before.bytes, requests: pages.fetched.requests - before.requests,
        },
      };
    }
    // A bounded number of stages (src/site/paged/search.rs: clusters, at most 8 rounds of
    // nodes, documents); more would be a bug, not a slow site.
    if (++rounds > MAX_ROUNDS) throw fail('NookStateError', `a site search asked for pages more than ${MAX_ROUNDS} times`);
    const t = performance.now();
    await pages.load(r.need);
    fetchMs += performance.now() - t;
  }
}
