// What Chromium itself holds with a large bookmark tree, next to what it holds with nook's
// extension: the same profile (one the extension benchmark indexed, e.g. 80,000 bookmarks),
// copied afresh for each launch, started alternately with extensions disabled and with the
// extension, and the process memory read 2, 4 and 8 s after the launch (the extension's
// index opens in ~1.5 s; its startup diff follows once searches pause).
//   node bench/extension/baseline.mjs --profile /tmp/nook-ext80k [--launches 2]
// NOOK_AT_S=1,2,2.5,3 samples at other times; NOOK_EXTRA_ARGS adds Chromium flags (space-separated).
// Results: bench/results/extension-baseline.{json,md}.
import { chromium } from '../../tests/e2e/node_modules/playwright-core/index.mjs';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processMemory } from '../memory.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const PROFILE = arg('profile', null);
const LAUNCHES = Number(arg('launches', 2));
const EXT = process.env.NOOK_EXT_DIR ?? join(ROOT, 'www', 'build', 'extension');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [...(process.env.NOOK_EXTRA_ARGS ? process.env.NOOK_EXTRA_ARGS.split(' ') : []),
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-domain-reliability', '--no-pings',
];
const AT_S = process.env.NOOK_AT_S ? process.env.NOOK_AT_S.split(',').map(Number) : [2, 4, 8];
if (!PROFILE || !existsSync(join(PROFILE, 'Default', 'Bookmarks'))) {
  console.error('usage: node bench/extension/baseline.mjs --profile DIR (a profile the extension benchmark indexed: bench/extension/run.sh --profile DIR)');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'nook-baseline-'));
const runs = [];
const load = [loadavg().map((x) => x.toFixed(1)).join(' ')];
try {
  for (let i = 0; i < LAUNCHES * 2; i++) {
    const withNook = i % 2 === 1;
    const dir = join(work, `profile-${i}`);
    cpSync(PROFILE, dir, { recursive: true });
    const args = withNook ? [...ARGS, `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`] : [...ARGS, '--disable-extensions'];
    const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args });
    const t0 = Date.now();
    const samples = [];
    for (const s of AT_S) {
      await sleep(Math.max(0, s * 1000 - (Date.now() - t0)));
      samples.push({ s, ...processMemory(dir) });
    }
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    runs.push({ withNook, samples });
    console.error(`${withNook ? 'with nook' : 'no extension'}: ${samples.map((x) => `${x.s} s browser ${x.byKind.browser} MB (private ${x.privateByKind.browser}), renderer ${x.byKind.renderer ?? '-'} MB (private ${x.privateByKind.renderer ?? '-'})`).join('; ')}`);
    load.push(loadavg().map((x) => x.toFixed(1)).join(' '));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const out = { date: new Date().toISOString(), cpu: `${cpus().length} x ${cpus()[0]?.model}`, loadavg: load, profile: PROFILE, runs };
writeFileSync(join(ROOT, 'bench', 'results', 'extension-baseline.json'), JSON.stringify(out, null, 2) + '\n');
const range = (xs) => (Math.min(...xs) === Math.max(...xs) ? `${Math.min(...xs)}` : `${Math.min(...xs)}-${Math.max(...xs)}`);
const cell = (withNook, s, kind, of = 'byKind') => range(runs.filter((r) => r.withNook === withNook).map((r) => r.samples.find((x) => x.s === s)[of][kind] ?? 0));
let md = '# Chromium with a large bookmark tree, without and with nook\n\n';
md += `Written by bench/extension/baseline.mjs (${out.date}; ${out.cpu}; load average at start and after each launch: ${load.join(' | ')}). `;
md += `The profile ${PROFILE} (indexed by bench/extension/run.sh), copied afresh for each launch; ${LAUNCHES} launches each way, alternating. `;
md += 'Process memory (RSS, MB, from /proc) of the largest process of each kind, that many seconds after the launch. Chromium keeps the bookmark tree in its browser process, so that process is what any extension starts from.\n\n';
md += '| seconds after the launch | browser process, extensions disabled | browser process, with nook | largest renderer, extensions disabled | largest renderer, with nook |\n|---|---|---|---|---|\n';
for (const s of AT_S) md += `| ${s} | ${cell(false, s, 'browser')} | ${cell(true, s, 'browser')} | ${cell(false, s, 'renderer')} | ${cell(true, s, 'renderer')} |\n`;
md += '\nThe same processes\' private memory (USS, MB: `Private_Clean + Private_Dirty` of `/proc/PID/smaps_rollup`, the pages no other process maps; RSS above also counts the pages of the Chromium binary and its libraries that every process shares).\n\n';
md += '| seconds after the launch | browser process, extensions disabled | browser process, with nook | largest renderer, extensions disabled | largest renderer, with nook |\n|---|---|---|---|---|\n';
for (const s of AT_S) md += `| ${s} | ${cell(false, s, 'browser', 'privateByKind')} | ${cell(true, s, 'browser', 'privateByKind')} | ${cell(false, s, 'renderer', 'privateByKind')} | ${cell(true, s, 'renderer', 'privateByKind')} |\n`;
writeFileSync(join(ROOT, 'bench', 'results', 'extension-baseline.md'), md);
console.error('wrote bench/results/extension-baseline.{json,md}');
