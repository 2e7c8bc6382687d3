// The reopen benchmark (issue: exact search in tens of milliseconds — reopen to first
// result): bookmark collections of several sizes (bench/extension/bookmarks.mjs, as the
// extension files them: www/extension/sync.js toDoc) are built natively once with
// `nook site build` (the real model; the same bits the browser computes) and imported into
// IndexedDB in a kept profile; then, after each of several browser restarts, the page
// opens the collection and runs FanOutQA questions as the popup sends them (preview, then
// exact; k 8, hybrid). Reported: open time by step (stats().open), open to first result,
// the first searches (an empty embedding cache), and the browser's memory.
// Writes bench/results/reopen.{json,md}. Run: scripts/bench_browser.sh reopen
// Env: NOOK_REOPEN_SIZES (default 10000,80000), NOOK_REOPEN_RUNS (restarts, default 3),
// NOOK_REOPEN_PAUSE_MS (default 170; 0 skips the restarts that pause before the exact search),
// NOOK_REOPEN_TYPE_MS (default 90,120,200; 0 skips the restarts that type the queries),
// NOOK_REOPEN_DIR (built collections and profiles, default /tmp/nook-reopen), NOOK_BIN
// (the native nook binary, default $CARGO_TARGET_DIR/release/nook).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import os from 'node:os';
import { ROOT, HERE, site, launch, log, openPage } from './site.mjs';
import { processMemory } from '../memory.mjs';
import { makeBookmarks } from '../extension/bookmarks.mjs';
import { toDoc } from '../../www/extension/sync.js';

const SIZES = (process.env.NOOK_REOPEN_SIZES || '10000,80000').split(',').map(Number);
const PAUSE_MS = Number(process.env.NOOK_REOPEN_PAUSE_MS ?? 170);
const RUNS = Number(process.env.NOOK_REOPEN_RUNS || 3);
// NOOK_REOPEN_TYPE_MS (default 90,120,200 ms a character; 0 skips): one more restart per
// size and speed in which each query is typed a character at a time, as the popup handles
// typing (see reopen.js `typed`). 90 ms is a fast typist (~130 words a minute), 200 ms an
// ordinary one.
const TYPE_MS = (process.env.NOOK_REOPEN_TYPE_MS ?? '90,120,200').split(',').map(Number).filter((x) => x > 0);
const DIR = process.env.NOOK_REOPEN_DIR || '/tmp/nook-reopen';
// NOOK_REOPEN_OUT=name writes bench/results/<name>.{json,md} (e.g. an older package's run, NOOK_BENCH_PKG).
const OUT = process.env.NOOK_REOPEN_OUT || 'reopen';
const BIN = process.env.NOOK_BIN || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release/nook');
const queries = JSON.parse(readFileSync(join(ROOT, 'data/bench-queries.json'), 'utf8')).slice(0, 12);
const loadavg = [os.loadavg()];
mkdirSync(DIR, { recursive: true });

const r2 = (x) => Math.round(x * 100) / 100;
const quantile = (a, q) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor((s.length - 1) * q)] : null; };
const median = (a) => quantile(a, 0.5);
const r1 = (x) => (x == null ? null : Math.round(x * 10) / 10);

/** The collection of `n` bookmarks built natively (cached by the hash of its inputs: the
 * bookmarks, the model and the rotations shipped in the crate, which decide the codes a build
 * makes; a build of another nook with the same inputs is reused): {file, buildS}. */
function built(n) {
  const { bookmarks } = makeBookmarks(ROOT, n);
  const lines = bookmarks.map((b, i) => JSON.stringify(toDoc({ ...b, id: `b${i}` }))).join('\n') + '\n';
  const h = createHash('sha256').update(lines).update(readFileSync(join(ROOT, 'models/minilm-l6-int8.onnx')));
  for (const f of readdirSync(join(ROOT, 'src/quant')).filter((x) => x.endsWith('.rotation')).sort()) h.update(readFileSync(join(ROOT, 'src/quant', f)));
  const hash = h.digest('hex').slice(0, 16);
  const out = join(DIR, `site-${n}-${hash}`);
  const stamp = join(out, 'build.json');
  // A profile that already holds this collection needs no export: its import stamp
  // carries the build's figures (null for profiles imported before it did).
  const imported = join(DIR, `profile-${n}-${hash}`, 'nook-imported');
  if (!existsSync(stamp) && existsSync(imported)) {
    const p = JSON.parse(readFileSync(imported, 'utf8'));
    return { dir: null, file: null, bytes: p.exportBytes ?? null, buildS: p.buildS ?? null, hash };
  }
  if (!existsSync(stamp)) {
    const input = join(DIR, `bookmarks-${n}.jsonl`);
    writeFileSync(input, lines);
    rmSync(out, { recursive: true, force: true });
    log(`building ${n} bookmarks natively (${BIN} site build)`);
    const t = Date.now();
    execFileSync(BIN, ['site', 'build', out, input, '--threads', String(os.cpus().length)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NOOK_MODEL_DIR: join(ROOT, 'models') } });
    writeFileSync(stamp, JSON.stringify({ buildS: (Date.now() - t) / 1000, hash }));
  }
  const file = readdirSync(out).find((f) => /^index\..*\.nook$/.test(f));
  return { dir: out, file, bytes: statSync(join(out, file)).size, ...JSON.parse(readFileSync(stamp, 'utf8')) };
}

const { server, origin } = await site(['reopen.html', 'reopen.js'], Number(process.env.NOOK_REOPEN_PORT || 8766));
const foreign = [];
const results = [];
try {
  for (const n of SIZES) {
    const b = built(n);
    rmSync(join(HERE, '.site', 'collection'), { force: true, recursive: true });
    if (b.dir) execFileSync('ln', ['-s', b.dir, join(HERE, '.site', 'collection')]);
    const profile = join(DIR, `profile-${n}-${b.hash}`);
    const name = `bookmarks-${n}`;
    const stamp = join(profile, 'nook-imported');
    let imported = existsSync(stamp) ? JSON.parse(readFileSync(stamp, 'utf8')) : null;
    if (!imported) {
      rmSync(profile, { recursive: true, force: true });
      mkdirSync(profile, { recursive: true });
      log(`${n}: importing ${b.bytes} bytes into IndexedDB (profile ${profile})`);
      const br = await launch(origin, foreign, profile);
      try {
        const page = await openPage(br.context, origin, 'reopen.html', 'reopenReady');
        imported = await page.evaluate(([nm, url]) => window.reopenBench.importOnce(nm, url), [name, `collection/${b.file}`]);
      } finally { await br.close(); }
      imported = { ...imported, buildS: b.buildS, exportBytes: b.bytes };
      writeFileSync(stamp, JSON.stringify(imported));
    }
    const runs = [];
    const pausedRuns = [];
    // Each restart runs the queries back to back; with PAUSE_MS, a second restart after each
    // runs them with the popup's pause between preview and exact search (the same queries
    // from the same empty cache: an A/B of what the pause is used for).
    for (let r = 0; r < RUNS * (PAUSE_MS ? 2 : 1); r++) {
      const pause = r % 2 === 1 ? PAUSE_MS : 0;
      const br = await launch(origin, foreign, profile);
      try {
        const page = await openPage(br.context, origin, 'reopen.html', 'reopenReady');
        const run = await page.evaluate(([nm, q, p]) => window.reopenBench.reopen(nm, q, p), [name, queries, pause]);
        run.memory = processMemory(profile);
        (pause ? pausedRuns : runs).push(run);
        log(`${n} run ${r + 1}${pause ? ` (pause ${pause} ms)` : ''}: open ${r1(run.openMs)} ms ${JSON.stringify(run.open)}, first result ${r1(run.firstResultMs)} ms, exact p50 ${r1(median(run.searches.map((s) => s.exactMs)))} ms, largest process ${run.memory?.largestMB} MB`);
      } finally { await br.close(); }
    }
    const typedRuns = [];
    for (const speed of TYPE_MS) {
      const br = await launch(origin, foreign, profile);
      try {
        const page = await openPage(br.context, origin, 'reopen.html', 'reopenReady');
        const run = await page.evaluate(([nm, q, t]) => window.reopenBench.typed(nm, q, t), [name, queries, speed]);
        typedRuns.push({ speed, ...run });
        log(`${n} typed (${speed} ms a character): final preview top 1 = exact top 1 in ${run.searches.filter((x) => x.sameTop1).length} of ${run.searches.length}, exact p50 ${r1(median(run.searches.map((x) => x.exactMs)))} ms`);
      } finally { await br.close(); }
    }
    loadavg.push(os.loadavg());
    const all = runs.flatMap((x) => x.searches);
    const paused = pausedRuns.flatMap((x) => x.searches);
    const step = (k) => r1(median(runs.map((x) => x.open[k])));
    results.push({
      bookmarks: n, documents: runs[0].documents, build_s: b.buildS, export_bytes: b.bytes, import_ms: r1(imported.importMs),
      open_ms_p50: r1(median(runs.map((x) => x.openMs))),
      open_steps_ms_p50: { wasm: step('wasmMs'), files: step('filesMs'), store: step('storeMs'), model: step('modelMs'), read: step('readMs'), load: step('loadMs') },
      first_result_ms_p50: r1(median(runs.map((x) => x.firstResultMs))),
      first_exact_ms_p50: r1(median(runs.map((x) => x.searches[0].exactMs))),
      exact_ms_p50: r1(median(all.map((s) => s.exactMs))),
      exact_ms_p95: r1(quantile(all.map((s) => s.exactMs), 0.95)),
      preview_ms_p50: r1(median(all.map((s) => s.previewMs))),
      preview_traversal_ms_p50: r1(median(all.map((s) => s.previewTraversalMs).filter((x) => typeof x === 'number'))),
      recomputed_p50: median(all.map((s) => s.recomputed)),
      preview_top1_agreement: r1(all.filter((s) => s.sameTop1).length / all.length),
      preview_top1_same_title: r1(all.filter((s) => s.sameTop1Title).length / all.length),
      ...(paused.length && { paused: { pause_ms: PAUSE_MS, exact_ms_p50: r1(median(paused.map((s) => s.exactMs))), exact_ms_p95: r1(quantile(paused.map((s) => s.exactMs), 0.95)), recomputed_p50: median(paused.map((s) => s.recomputed)) } }),
      ...(typedRuns.length && { typed: typedRuns.map(({ speed, searches: t }) => ({ type_ms: speed, queries: t.length, previews_per_query_p50: median(t.map((x) => x.previews)),
        preview_top1_same: t.filter((x) => x.sameTop1).length, preview_top1_same_title_count: t.filter((x) => x.sameTop1Title).length,
        preview_top1_agreement: r2(t.filter((x) => x.sameTop1).length / t.length), preview_top1_same_title: r2(t.filter((x) => x.sameTop1Title).length / t.length),
        exact_ms_p50: r1(median(t.map((x) => x.exactMs))), exact_ms_p95: r1(quantile(t.map((x) => x.exactMs), 0.95)), recomputed_p50: median(t.map((x) => x.recomputed)) })) }),
      largest_process_mb_p50: r1(median(runs.map((x) => x.memory?.largestMB ?? 0))),
      all_processes_mb_p50: r1(median(runs.map((x) => x.memory?.totalMB ?? 0))),
      wasm_mb_after_open_p50: r1(median(runs.map((x) => x.wasmMB[0]))),
      wasm_mb_after_searches_p50: r1(median(runs.map((x) => x.wasmMB[1]))),
      runs: runs.map((x) => ({ openMs: r1(x.openMs), open: x.open, firstResultMs: r1(x.firstResultMs), memory: x.memory })),
    });
  }
} finally {
  server.close();
}
if (foreign.length) throw new Error(`requests to other origins: ${foreign.join(', ')}`);

const cpu = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`;
const out = { date: new Date().toISOString(), package: process.env.NOOK_BENCH_PKG || 'pkg', cpu, loadavg, runs: RUNS, queries: queries.length, sizes: results };
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, `bench/results/${OUT}.json`), JSON.stringify(out, null, 2) + '\n');
const la = loadavg.map((l) => l.map((x) => x.toFixed(1)).join(' ')).join(' | ');
let md = `# Reopen after a browser restart\n\nWritten by bench/browser/reopen.mjs (${out.date}; package \`${out.package}\`; ${cpu}; load average at start and after each size: ${la}). `;
md += `Bookmarks as the extension files them (bench/extension/bookmarks.mjs, www/extension/sync.js), built natively with \`nook site build\` and imported once into IndexedDB; then ${RUNS} browser restarts on the same profile${PAUSE_MS ? ` (and ${RUNS} more, alternating, whose exact searches are sent ${PAUSE_MS} ms after the preview's answer)` : ''}, each opening the collection in a fresh page and sending ${queries.length} FanOutQA questions as the popup does (preview, then exact; k 8, hybrid). `;
md += 'Open = from the call to `Nook.open` to its promise resolving (worker, wasm, model, records, collection). First result = open + the first preview. Medians over the restarts (open) and over every query of every restart (search).\n\n';
const cols = results.map((x) => x.bookmarks.toLocaleString('en-US'));
md += `| | ${cols.join(' | ')} |\n|---|${cols.map(() => '---:').join('|')}|\n`;
const row = (label, f) => { md += `| ${label} | ${results.map(f).join(' | ')} |\n`; };
row('native build s / export MB', (x) => (x.build_s == null ? 'built in an earlier run' : `${r1(x.build_s)} / ${r1(x.export_bytes / 1e6)}`));
row('open ms', (x) => x.open_ms_p50);
row('&nbsp; wasm / model files (their arrival after the wasm, as the worker saw it; the connection and manifest, which issue the records\' reads, overlap it) / connection + manifest / model / idle wait for records or files / collection ms', (x) => Object.values(x.open_steps_ms_p50).join(' / '));
row('open to first result ms', (x) => x.first_result_ms_p50);
row('first exact search ms', (x) => x.first_exact_ms_p50);
row('preview / exact p50 ms', (x) => `${x.preview_ms_p50} / ${x.exact_ms_p50}`);
row("preview's time in nook outside the embedder (the codes' scan, keywords, fusion) p50 ms", (x) => x.preview_traversal_ms_p50 ?? '');
row('recomputed per exact query (p50)', (x) => x.recomputed_p50);
row('preview top 1 = exact top 1 (same title)', (x) => `${Math.round(x.preview_top1_agreement * 100)}% (${Math.round(x.preview_top1_same_title * 100)}%)`);
if (results.some((x) => x.paused)) {
  row(`exact p50 / p95 ms, sent ${PAUSE_MS} ms after the preview (the popup's pause; other restarts, same queries)`, (x) => x.paused ? `${x.paused.exact_ms_p50} / ${x.paused.exact_ms_p95} (back to back: ${x.exact_ms_p50} / ${x.exact_ms_p95})` : '');
  row('recomputed per exact query after the pause (p50)', (x) => x.paused ? `${x.paused.recomputed_p50}` : '');
}
for (const [i, speed] of TYPE_MS.entries()) {
  const typed = (x) => x.typed?.[i];
  row(`typed, one character every ${speed} ms (a preview 80 ms after each keystroke, the exact search 250 ms after the last; a restart of its own): final preview top 1 = exact top 1 (same title)`, (x) => typed(x) ? `${typed(x).preview_top1_same} of ${typed(x).queries} (same title: ${typed(x).preview_top1_same_title_count})` : '');
  row(`typed every ${speed} ms: exact p50 / p95 ms, recomputed per exact query (p50)`, (x) => typed(x) ? `${typed(x).exact_ms_p50} / ${typed(x).exact_ms_p95}, ${typed(x).recomputed_p50}` : '');
}
row('largest process / all processes MB', (x) => `${x.largest_process_mb_p50} / ${x.all_processes_mb_p50}`);
row("nook worker's wasm memory after open / after the searches MB", (x) => `${x.wasm_mb_after_open_p50} / ${x.wasm_mb_after_searches_p50}`);
writeFileSync(join(ROOT, `bench/results/${OUT}.md`), md);
log('wrote bench/results/reopen.{json,md}');
