// Times the GEMM tile three ways (lib.rs) in headless Chromium, as V8 compiles them on this
// CPU and again with AVX-VNNI turned off (V8's fallback for the int8 dot product), and
// writes bench/results/gemm-kernel.{json,md}. Run: bench/embed/kernel/run.sh
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from '../node_modules/playwright-core/index.mjs';

const [wasmPath, root] = process.argv.slice(2);
const wasm = readFileSync(wasmPath).toString('base64');
const KERNELS = [['i16', 'run_i16', 1, 'i16 activations, i32x4.dot_i16x8_s (shipped)'], ['split', 'run_split', 1, '14-bit activations as two 7-bit halves, relaxed int8 dot'], ['i7', 'run_i7', 0, '7-bit activations, relaxed int8 dot']];
const SETTINGS = [['as is', []], ['AVX-VNNI off', ['--js-flags=--no-enable-avx-vnni']]];
const loadavg = [os.loadavg()];
const runs = [];
let version = '';
for (const [label, args] of SETTINGS) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', ...args] });
  version = browser.version();
  const page = await browser.newPage();
  const r = await page.evaluate(async ([b64, kernels]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const { instance } = await WebAssembly.instantiate(bytes);
    const e = instance.exports;
    const macs = e.macs_per_pass();
    const out = {};
    for (const [name, fn, wide] of kernels) {
      const want = e.reference(wide);
      const ok = e[fn](1) === want;
      const passes = 10;
      const ms = [];
      for (let i = 0; i < 9; i++) {
        const t = performance.now();
        e[fn](passes);
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      out[name] = { ok, gmacs: (passes * macs) / ms[4] / 1e6 };
    }
    return out;
  }, [wasm, KERNELS]);
  await browser.close();
  runs.push({ setting: label, args, kernels: r });
  loadavg.push(os.loadavg());
  for (const [name] of KERNELS) if (!r[name].ok) throw new Error(`${name} (${label}) disagrees with the scalar reference`);
}
const out = { date: new Date().toISOString(), cpu: `${os.cpus().length} x ${os.cpus()[0]?.model}`, chromium: version, loadavg, shape: 'K 384 x N 1536, 32 rows', runs };
writeFileSync(join(root, 'bench/results/gemm-kernel.json'), JSON.stringify(out, null, 2) + '\n');
let md = `# The GEMM's inner tile, three ways\n\nWritten by bench/embed/kernel/run.sh (${out.date}; ${out.cpu}; Chromium ${version}; load average at start and after each setting: ${loadavg.map((l) => l.map((x) => x.toFixed(1)).join(' ')).join(' | ')}). `;
md += `One weight matrix (K 384 x N 1,536, the feed-forward layer's shape) times 32 rows, every 8-column tile; median of 9 timings of 10 passes, each kernel's sums checked against a scalar reference (bench/embed/kernel/lib.rs).\n\n`;
md += `| kernel | ${SETTINGS.map(([l]) => `GMAC/s, ${l}`).join(' | ')} |\n|---|${SETTINGS.map(() => '---|').join('')}\n`;
for (const [name, , , about] of KERNELS) md += `| ${name}: ${about} | ${runs.map((r) => r.kernels[name].gmacs.toFixed(1)).join(' | ')} |\n`;
writeFileSync(join(root, 'bench/results/gemm-kernel.md'), md);
console.log(md);
