// The site benchmark's browser half (run by bench/site/run.sh; here for playwright-core): a paged nook site and
// Pagefind's index of the same passages, served side by side from one local server, each
// opened by a first-time visitor in headless Chromium, unthrottled and through a simulated
// 10 Mbit/s, 40 ms RTT link (scripts/serve_static.mjs `throttle`, applied to the site's
// index files only: nook's model and wasm, like a browser's own cache, are treated as
// already there — their cold cost is reported apart). Per query: bytes and requests of the
// index, time to the first result. Then ranking quality on the judged queries for both.
//
// node bench/browser/static-site.mjs DIR   (DIR as run.sh prepares it; writes DIR/browser.json)
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { serve } from '../../scripts/serve_static.mjs';

const DIR = resolve(process.argv[2]);
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const VISITS = Number(process.env.NOOK_SITE_VISITS || 30);
const WARM = Number(process.env.NOOK_SITE_WARM || 4);

const www = join(DIR, 'www');
rmSync(www, { recursive: true, force: true });
mkdirSync(www, { recursive: true });
for (const [name, target] of [['pkg', join(ROOT, 'pkg')], ['models', join(ROOT, 'models')], ['site', join(DIR, 'site')], ['demo', join(DIR, 'demo')], ['pf', join(DIR, 'html', 'pagefind')]]) {
  if (existsSync(target)) symlinkSync(target, join(www, name));
}
writeFileSync(join(www, 'index.html'), `<!doctype html><meta charset="utf-8"><title>site bench</title>
<script type="module">
  import { Nook } from '/pkg/src/index.js';
  window.Nook = Nook;
  window.assets = { modelUrl: '/models/minilm-l6-int8.onnx', tokenizerUrl: '/models/tokenizer.json' };
  window.ready = true;
</script>`);

const queries = JSON.parse(readFileSync(join(DIR, 'queries.json'), 'utf8'));
// Visits spread over both corpora's queries (every k-th), each followed by WARM more.
const judged = queries.filter((q) => q.relevant.length);
const step = Math.max(1, Math.floor(queries.length / VISITS));
const visits = Array.from({ length: VISITS }, (_, i) => i * step).filter((i) => i < queries.length);

let served = { site: [0, 0], demo: [0, 0], pf: [0, 0] };
const onServe = (path, bytes) => {
  const top = path.split('/')[1];
  if (served[top]) { served[top][0] += bytes; served[top][1] += 1; }
};
let throttled = false;
const throttle = { rttMs: 40, bytesPerSec: 10e6 / 8, match: (p) => throttled && /^\/(site|demo|pf)\//.test(p) };
// HTTPS with HTTP/2, as static hosts serve (a self-signed certificate the browser is told
// to accept): a query's pages go out together instead of six at a time.
const tlsDir = join(DIR, 'tls');
if (!existsSync(join(tlsDir, 'cert.pem'))) {
  mkdirSync(tlsDir, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=127.0.0.1',
    '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem')], { stdio: 'ignore' });
}
const tls = { key: readFileSync(join(tlsDir, 'key.pem')), cert: readFileSync(join(tlsDir, 'cert.pem')) };
const server = await serve(www, 0, { onServe, throttle, memory: true, tls });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--ignore-certificate-errors'] });
const context = await browser.newContext({ ignoreHTTPSErrors: true });
const page = await context.newPage();
page.on('console', (m) => { if (m.type() === 'error') console.error('[page]', m.text()); });
const home = async () => { await page.goto(server.url); await page.waitForFunction(() => window.ready === true); };
await home();
// nook's own assets (model, wasm) into the browser once, as a returning visitor has them.
await page.evaluate(async () => { const s = await Nook.openSite('/site/', assets); await s.search('warm up', { k: 1 }); await s.close(); });

const median = (v, p = 0.5) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.round((s.length - 1) * p)] : null; };
const reset = (k) => { served[k] = [0, 0]; };

async function nookVisits(folder, list) {
  const cold = [];
  const warm = [];
  for (const i of list) {
    await home();
    await page.evaluate(async (f) => { for (const k of await caches.keys()) if (k.startsWith('nook-site:') && k.includes(`/${f}/`)) await caches.delete(k); }, folder);
    reset(folder);
    const r = await page.evaluate(async ([f, q]) => {
      const t0 = performance.now();
      window.s = await Nook.openSite(`/${f}/`, assets);
      const opened = performance.now() - t0;
      const hits = await s.search(q, { k: 10 });
      return { openMs: opened, firstMs: performance.now() - t0, stats: hits.stats };
    }, [folder, queries[i].query]);
    cold.push({ ...r, bytes: served[folder][0], requests: served[folder][1] });
    for (let j = 1; j <= WARM; j++) {
      reset(folder);
      const q = queries[(i + j * 7) % queries.length].query;
      const w = await page.evaluate(async (q) => { const t0 = performance.now(); const h = await s.search(q, { k: 10 }); return { ms: performance.now() - t0, stats: h.stats }; }, q);
      warm.push({ ...w, bytes: served[folder][0], requests: served[folder][1] });
    }
    await page.evaluate(() => s.close());
  }
  return {
    cold: { bytes_p50: median(cold.map((c) => c.bytes)), bytes_p95: median(cold.map((c) => c.bytes), 0.95), requests_p50: median(cold.map((c) => c.requests)), open_ms_p50: median(cold.map((c) => c.openMs)), first_result_ms_p50: median(cold.map((c) => c.firstMs)), first_result_ms_p95: median(cold.map((c) => c.firstMs), 0.95), search_ms_p50: median(cold.map((c) => c.stats.searchMs)) },
    warm: { bytes_p50: median(warm.map((c) => c.bytes)), bytes_p95: median(warm.map((c) => c.bytes), 0.95), requests_p50: median(warm.map((c) => c.requests)), ms_p50: median(warm.map((c) => c.ms)), ms_p95: median(warm.map((c) => c.ms), 0.95) },
  };
}

async function pagefindVisits(list) {
  const cold = [];
  const warm = [];
  for (const i of list) {
    await home();
    reset('pf');
    const r = await page.evaluate(async (q) => {
      const t0 = performance.now();
      window.pf = await import('/pf/pagefind.js');
      await pf.init();
      const res = await pf.search(q);
      const first = res.results.length ? await res.results[0].data() : null;
      return { firstMs: performance.now() - t0, found: !!first };
    }, queries[i].query);
    cold.push({ ...r, bytes: served.pf[0], requests: served.pf[1] });
    for (let j = 1; j <= WARM; j++) {
      reset('pf');
      const q = queries[(i + j * 7) % queries.length].query;
      const w = await page.evaluate(async (q) => { const t0 = performance.now(); const res = await pf.search(q); if (res.results.length) await res.results[0].data(); return { ms: performance.now() - t0 }; }, q);
      warm.push({ ...w, bytes: served.pf[0], requests: served.pf[1] });
    }
  }
  return {
    cold: { bytes_p50: median(cold.map((c) => c.bytes)), bytes_p95: median(cold.map((c) => c.bytes), 0.95), requests_p50: median(cold.map((c) => c.requests)), first_result_ms_p50: median(cold.map((c) => c.firstMs)), first_result_ms_p95: median(cold.map((c) => c.firstMs), 0.95) },
    warm: { bytes_p50: median(warm.map((c) => c.bytes)), bytes_p95: median(warm.map((c) => c.bytes), 0.95), requests_p50: median(warm.map((c) => c.requests)), ms_p50: median(warm.map((c) => c.ms)), ms_p95: median(warm.map((c) => c.ms), 0.95) },
  };
}

/** hits@10 and MRR@10 by query type, for nook (hybrid, k=10) and Pagefind (top 10 results). */
async function quality() {
  await home();
  const ids = await page.evaluate(async (qs) => {
    const s = await Nook.openSite('/site/', assets);
    const pf = await import('/pf/pagefind.js');
    await pf.init();
    const out = [];
    for (const q of qs) {
      const n = (await s.search(q, { k: 10 })).map((h) => h.id);
      const res = await pf.search(q);
      const p = [];
      for (const r of res.results.slice(0, 10)) p.push((await r.data()).meta.id);
      out.push({ nook: n, pagefind: p });
    }
    await s.close();
    return out;
  }, judged.map((q) => q.query));
  const score = (engine) => {
    const by = {};
    judged.forEach((q, i) => {
      const got = ids[i][engine];
      const rank = got.findIndex((id) => q.relevant.includes(id));
      const t = (by[`${q.corpus}/${q.type}`] ||= { n: 0, hits: 0, mrr: 0 });
      t.n += 1;
      if (rank >= 0) { t.hits += 1; t.mrr += 1 / (rank + 1); }
    });
    const all = Object.values(by).reduce((a, t) => ({ n: a.n + t.n, hits: a.hits + t.hits, mrr: a.mrr + t.mrr }), { n: 0, hits: 0, mrr: 0 });
    const f = (t) => ({ queries: t.n, hits10: +(t.hits / t.n).toFixed(3), mrr10: +(t.mrr / t.n).toFixed(3) });
    return { all: f(all), by: Object.fromEntries(Object.entries(by).sort().map(([k, t]) => [k, f(t)])) };
  };
  return { nook: score('nook'), pagefind: score('pagefind') };
}

const out = { visits: visits.length, warm_per_visit: WARM, protocol: 'HTTP/2 over TLS', link: '10 Mbit/s, 40 ms RTT (index files only)' };
// Ranking quality first: it reads the pages of every judged query, so the server holds
// them in memory before anything is timed (a static host's cache, not this disk).
console.error('# site bench: ranking quality');
if (existsSync(join(DIR, 'html', 'pagefind'))) out.quality = await quality();
for (const t of [false, true]) {
  throttled = t;
  const key = t ? 'throttled' : 'unthrottled';
  console.error(`# site bench: nook, ${key}`);
  out[key] = { nook: await nookVisits('site', visits) };
  if (existsSync(join(DIR, 'demo'))) out[key].nook_demo = await nookVisits('demo', visits.slice(0, Math.ceil(visits.length / 2)));
  if (existsSync(join(DIR, 'html', 'pagefind'))) { console.error(`# site bench: pagefind, ${key}`); out[key].pagefind = await pagefindVisits(visits); }
}
await browser.close();
await server.close();
writeFileSync(join(DIR, 'browser.json'), JSON.stringify(out, null, 1));
console.error(`# site bench: wrote ${join(DIR, 'browser.json')}`);
