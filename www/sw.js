// Service worker of the demo page: makes the page work offline after its first load, and
// witnesses every request the page and its dedicated worker make (the page lists them).
//
// Strategy: same-origin GETs go to the network first and refresh the cache (so a rebuilt
// page is picked up), and fall back to the cache when the network is off. The model and
// tokenizer are left to nook's worker, which keeps them in its own Cache API store
// (storing 23 MB twice would be waste); they are still witnessed here. Requests to other
// origins are never made by nook; if one shows up it is recorded and passed through
// untouched, so the page can show it in red.

const CACHE = 'nook-demo-v1';
const MODEL = /\/models\/[^/]+$/;
const log = [];

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  if (event.data?.type === 'netlog') event.source.postMessage({ type: 'netlog', entries: log });
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  const entry = { url: req.url, method: req.method, dest: req.destination || 'fetch', t: Date.now(), via: 'network' };
  event.waitUntil(record(entry, event.clientId || event.resultingClientId));
  if (url.origin !== self.location.origin || req.method !== 'GET') return; // not ours: untouched
  if (url.pathname.endsWith('/sw.js') || MODEL.test(url.pathname)) return;
  event.respondWith(serve(req, entry));
});

async function serve(req, entry) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    if (res.ok && res.type === 'basic') await cache.put(req, res.clone());
    entry.status = res.status;
    return res;
  } catch (err) {
    const hit = await cache.match(req, { ignoreSearch: true });
    if (hit) { entry.via = 'cache (offline)'; return hit; }
    throw err;
  }
}

async function record(entry, clientId) {
  if (clientId) {
    const client = await self.clients.get(clientId);
    entry.client = client ? client.type : 'window';
  } else {
    entry.client = entry.dest === 'document' ? 'window' : 'worker';
  }
  log.push(entry);
  if (log.length > 500) log.shift();
  for (const c of await self.clients.matchAll({ type: 'window' })) c.postMessage({ type: 'netlog-entry', entry });
}
