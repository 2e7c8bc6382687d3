// The packed npm package in apps built the ways web developers build them (one folder per
// way under NOOK_PACKAGING_SITES, made by scripts/test_packaging.sh): each is served on
// 127.0.0.1, opened in headless Chromium, and must open a database, embed, index and find
// by meaning, with no request to another origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { start } from '../browser/lib.mjs';

const ROOT = process.env.NOOK_PACKAGING_SITES;
assert.ok(ROOT, 'NOOK_PACKAGING_SITES is not set: run scripts/test_packaging.sh');
const SITES = readdirSync(ROOT);
assert.ok(SITES.length >= 2, `expected at least two built apps in ${ROOT}, found ${SITES.join(', ')}`);

for (const name of SITES) {
  test(`${name}: the built app opens, indexes and searches`, async () => {
    const env = await start(join(ROOT, name));
    try {
      const page = await env.context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${env.origin}/index.html`);
      await page.waitForFunction(() => window.packResult && window.packResult.state !== 'running', null, { timeout: 300_000 });
      const r = await page.evaluate(() => window.packResult);
      assert.equal(r.state, 'done', `${name}: ${r.error} ${errors.join(' ')}`);
      if (name !== 'esbuild') assert.deepEqual(r.example, ['Urban beekeeping'], `${name}: what pkg/README.md's example printed`);
      assert.equal(r.ids[0], 'bees', JSON.stringify(r));
      assert.equal(r.documents, 241);
      assert.ok(r.helped > 0, `${name}: the helper worker embedded ${r.helped} of 241 (its script must be part of the build)`);
      assert.ok(['relaxed-simd', 'simd128'].includes(r.build), r.build);
      assert.ok(env.requests.some((u) => u.endsWith('.wasm')), 'the wasm was fetched');
      assert.ok(env.requests.some((u) => u.endsWith('.onnx')), 'the model (nook-search-minilm) was fetched');
    } finally {
      await env.close();
      assert.deepEqual(env.foreign, [], `requests to other origins: ${env.foreign.join(', ')}`);
    }
  });
}
