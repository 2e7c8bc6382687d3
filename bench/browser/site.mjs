// The benchmark site both browser benchmarks serve on 127.0.0.1: the package under test
// (NOOK_BENCH_PKG, default pkg/), the model, the data, the peers, the pages; and a
// headless Chromium that fails the run on any request to another origin.
import { mkdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve_static.mjs';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '../..');

// NOOK_CHROMIUM_ARGS: more flags, space-separated (e.g. `--js-flags=--no-liftoff` to see
// what V8's baseline tier costs a measurement).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ...(process.env.NOOK_CHROMIUM_ARGS || '').split(' ').filter(Boolean)];

/** Build the site folder and serve it on `port` (0: any free one); returns {server, origin}. */
export async function site(pages, port = 0) {
  const SITE = join(HERE, '.site');
  rmSync(SITE, { recursive: true, force: true });
  mkdirSync(join(SITE, 'peers'), { recursive: true });
  const hf = join(SITE, 'hf/Xenova/all-MiniLM-L6-v2');
  mkdirSync(join(hf, 'onnx'), { recursive: true });
  // A copy of pkg/ to measure, so a rebuild of pkg/dist during the run cannot mix builds.
  symlinkSync(process.env.NOOK_BENCH_PKG || join(ROOT, 'pkg'), join(SITE, 'pkg'));
  symlinkSync(join(ROOT, 'models'), join(SITE, 'models'));
  symlinkSync(join(ROOT, 'data'), join(SITE, 'data'));
  symlinkSync(join(HERE, 'node_modules/@huggingface/transformers/dist'), join(SITE, 'peers/transformers'));
  symlinkSync(join(HERE, 'node_modules/hnswlib-wasm/dist'), join(SITE, 'peers/hnswlib'));
  for (const f of [...pages, 'util.js']) copyFileSync(join(HERE, f), join(SITE, f));
  // The same int8 MiniLM for transformers.js (the unmodified ONNX file) and its tokenizer.
  symlinkSync(join(ROOT, 'models/minilm-l6-int8.onnx'), join(hf, 'onnx/model_quantized.onnx'));
  symlinkSync(join(ROOT, 'models/tokenizer.json'), join(hf, 'tokenizer.json'));
  writeFileSync(join(hf, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: 384, num_attention_heads: 12, num_hidden_layers: 6, vocab_size: 30522, max_position_embeddings: 512 }));
  writeFileSync(join(hf, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 256, clean_up_tokenization_spaces: true, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }));
  const server = await serve(SITE, port);
  return { server, origin: new URL(server.url).origin };
}

/** Headless Chromium on `profile` (a user-data folder kept across restarts) or a fresh
 * context; `foreign` collects any request to another origin (each is aborted). */
export async function launch(origin, foreign, profile) {
  const options = { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS };
  let browser = null, context;
  if (profile) {
    context = await chromium.launchPersistentContext(profile, options);
  } else {
    browser = await chromium.launch(options);
    context = await browser.newContext();
  }
  await context.route('**/*', (r) => (new URL(r.request().url()).origin === origin ? r.continue() : (foreign.push(r.request().url()), r.abort())));
  return { context, close: () => (browser ? browser.close() : context.close()) };
}

export const log = (m) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

/** A page of `context` at `origin/path`, logging to the console and page errors, once
 * `window[flag]` is true. */
export async function openPage(context, origin, path, flag) {
  const page = await context.newPage();
  page.setDefaultTimeout(0);
  await page.exposeFunction('benchLog', log);
  page.on('console', (m) => { if (m.type() === 'error') log(`[page error] ${m.text()}`); });
  await page.goto(`${origin}/${path}`);
  await page.waitForFunction((f) => window[f] === true, flag);
  return page;
}
