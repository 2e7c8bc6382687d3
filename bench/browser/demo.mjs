// The demo page as a newcomer meets it: headless Chromium opens www/ (built by
// scripts/build_demo.sh: the package, the model, the default corpus's prebuilt index) from
// a local server on a fresh profile, asks one question, then the browser is restarted on
// the same profile and asks another. Measured per run: page load to ready (index open) and
// to the first result on screen, both visits; the open's own split as the page reports it.
// Writes bench/results/demo.{md,json}.
//
// Env: NOOK_DEMO_RUNS (default 7).

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve_static.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WWW = join(ROOT, 'www');
const RUNS = Number(process.env.NOOK_DEMO_RUNS ?? 7);
// Paraphrase questions of the page's corpus (tests/e2e/demo.test.mjs checks their answers).
const QUERIES = [
  'keeping bees for honey', 'a mass of ice that moves slowly down a mountain', 'trouble falling asleep at night',
  'a tower with a bright light that guides ships', 'how plants turn sunlight into energy', '1998 baseball draft',
];

for (const f of ['vendor/nook/index.js', 'data/site/nook-site.json', 'models/minilm-l6-int8.onnx']) {
  if (!existsSync(join(WWW, f))) throw new Error(`www/${f} is missing: run scripts/build_demo.sh first`);
}

const server = await serve(WWW, 0);
const origin = new URL(server.url).origin;
const loads = [loadavg().map((x) => x.toFixed(2)).join(' ')];

/** One visit: page load to ready, then one question; times from the navigation's start. */
async function visit(profile, query) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'],
  });
  const foreign = [];
  context.on('request', (r) => { if (!r.url().startsWith(origin + '/') && !/^(blob|data):/.test(r.url())) foreign.push(r.url()); });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => window.nookDemo?.ready || window.nookDemo?.errors?.length, null, { timeout: 120_000, polling: 10 });
    const ready = Date.now() - t0;
    const state = await page.evaluate(() => window.nookDemo);
    if (state.errors.length) throw new Error(`the page failed: ${state.errors.join('; ')}`);
    await page.fill('#q', query);
    // The page paints nook's preview (codes only, nothing recomputed), then the exact result.
    await page.waitForFunction((q) => window.nookDemo.lastPreview?.query === q || window.nookDemo.lastQuery?.query === q, query, { timeout: 60_000, polling: 5 });
    const painted = Date.now() - t0;
    await page.waitForFunction((q) => window.nookDemo.lastQuery?.query === q && window.nookDemo.lastHits?.length, query, { timeout: 60_000, polling: 5 });
    const first = Date.now() - t0;
    const last = await page.evaluate(() => window.nookDemo.lastQuery);
    const m = state.marks ?? {};
    const split = { boot: m.boot, service_worker: m.serviceWorker - m.boot, open: m.opened - m.serviceWorker, after_open: m.ready - m.opened };
    for (const k of Object.keys(split)) split[k] = Math.round(split[k]);
    const steps = Object.fromEntries(Object.entries(state.stats?.raw?.open ?? {}).map(([k, v]) => [k.replace(/Ms$/, ''), Math.round(v)]));
    return { steps, ready_ms: ready, first_paint_ms: painted, first_result_ms: first, open_ms: state.openMs, opened_from: state.openedFrom, search_ms: last.totalMs ?? null, split, foreign };
  } finally {
    await context.close();
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) {
  const profile = mkdtempSync(join(tmpdir(), 'nook-demo-bench-'));
  try {
    const fresh = await visit(profile, QUERIES[i % QUERIES.length]);
    const restart = await visit(profile, QUERIES[(i + 3) % QUERIES.length]);
    if (fresh.opened_from !== 'prebuilt' || restart.opened_from !== 'indexeddb') {
      throw new Error(`run ${i}: opened from ${fresh.opened_from} then ${restart.opened_from}`);
    }
    if (fresh.foreign.length || restart.foreign.length) throw new Error(`requests to another origin: ${[...fresh.foreign, ...restart.foreign].join(', ')}`);
    runs.push({ fresh, restart });
    console.log(`run ${i + 1}/${RUNS}: fresh profile ready ${fresh.ready_ms} ms, preview ${fresh.first_paint_ms} ms, exact ${fresh.first_result_ms} ms; after a restart ${restart.ready_ms} / ${restart.first_paint_ms} / ${restart.first_result_ms} ms`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
loads.push(loadavg().map((x) => x.toFixed(2)).join(' '));
await server.close();

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.round((s.length - 1) * p)]; };
const sum = (key, field) => ({
  ready_ms_p50: pct(runs.map((r) => r[key].ready_ms), 0.5),
  first_paint_ms_p50: pct(runs.map((r) => r[key].first_paint_ms), 0.5),
  first_paint_ms_max: Math.max(...runs.map((r) => r[key].first_paint_ms)),
  first_result_ms_p50: pct(runs.map((r) => r[key].first_result_ms), 0.5),
  first_result_ms_max: Math.max(...runs.map((r) => r[key].first_result_ms)),
  open_ms_p50: pct(runs.map((r) => r[key].open_ms), 0.5),
  search_ms_p50: pct(runs.map((r) => r[key][field]).filter((x) => x != null), 0.5) ?? null,
  steps_ms_p50: Object.fromEntries(Object.keys(runs[0][key].steps).map((k) => [k, pct(runs.map((r) => r[key].steps[k] ?? 0), 0.5)])),
  split_ms_p50: Object.fromEntries(Object.keys(runs[0][key].split).map((k) => [k, pct(runs.map((r) => r[key].split[k]), 0.5)])),
});
const json = {
  date: new Date().toISOString(), cpus: cpus().length, load: loads, runs: RUNS,
  fresh_profile: sum('fresh', 'search_ms'), after_restart: sum('restart', 'search_ms'), each: runs,
};
const dir = join(ROOT, 'bench', 'results');
writeFileSync(join(dir, 'demo.json'), JSON.stringify(json, null, 2) + '\n');
const row = (name, s) => `| ${name} | ${s.ready_ms_p50} ms | ${s.first_paint_ms_p50} ms / ${s.first_paint_ms_max} ms | ${s.first_result_ms_p50} ms / ${s.first_result_ms_max} ms | ${Math.round(s.open_ms_p50)} ms | ${s.search_ms_p50 == null ? '–' : Math.round(s.search_ms_p50) + ' ms'} |`;
writeFileSync(join(dir, 'demo.md'), `# The demo page: first result on a fresh profile, and after a restart

Written by \`bench/browser/demo.mjs\` (\`scripts/bench_browser.sh demo\`, ${json.date}); ${json.cpus} cores, load average (1/5/15 min) at start and end: ${loads.join(' | ')}.

Headless Chromium opens the demo page (\`www/\`, as \`scripts/serve_demo.sh\` builds it: the package, the model and the default corpus's index prebuilt by \`nook site build\`) from a local server, on a fresh profile (nothing cached: the wasm, the 23 MB model and the 0.8 MB index are downloaded), and asks one question as soon as the page is ready; the browser is then closed and started again on the same profile (everything from the HTTP cache and IndexedDB) and asks another. Times are from the start of the navigation. ${RUNS} runs; medians, and the slowest first result.

| visit | ready p50 | first results painted (nook's preview), p50 / slowest | exact results, p50 / slowest | index open p50 (the page's own count) | the question's exact search p50 |
|---|---:|---:|---:|---:|---:|
${row('fresh profile', json.fresh_profile)}
${row('after a browser restart', json.after_restart)}

Where a visit's time to ready goes (p50, ms from the navigation's start: the page's own marks): page and scripts loaded ${json.fresh_profile.split_ms_p50.boot} / ${json.after_restart.split_ms_p50.boot} (fresh / after a restart); the service worker taking control ${json.fresh_profile.split_ms_p50.service_worker} / ${json.after_restart.split_ms_p50.service_worker}; nook opening the index (worker, wasm, model, index) ${json.fresh_profile.split_ms_p50.open} / ${json.after_restart.split_ms_p50.open}; the page after that (stats, credits) ${json.fresh_profile.split_ms_p50.after_open} / ${json.after_restart.split_ms_p50.after_open}. nook's open by its own count (\`stats().open\`, p50 ms, fresh / after a restart): ${Object.keys(json.fresh_profile.steps_ms_p50).map((k) => `${k} ${json.fresh_profile.steps_ms_p50[k]} / ${json.after_restart.steps_ms_p50[k] ?? '–'}`).join(', ')}; the rest of the open is starting the worker, the manifest and (first visit) the index's download.

Target (issue 14): first result within 2 s of opening the page on a fresh profile. The preview is what the page shows first (the exact result then replaces it: its candidates re-ranked by embeddings recomputed in the browser, since the whole-file index keeps none).
`);
console.log(`wrote bench/results/demo.md and demo.json`);
