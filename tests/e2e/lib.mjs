// Shared helpers of the end-to-end tests: Debian Chromium through playwright-core, a request
// recorder that fails on any origin but our own, artifacts (screenshots) in ./artifacts.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const ARTIFACTS = process.env.NOOK_E2E_ARTIFACTS ?? join(HERE, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-domain-reliability', '--no-pings',
  '--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication',
];

export function launch(opts = {}) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, ...opts });
}

export function launchPersistent(userDataDir, extraArgs = [], opts = {}) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: [...ARGS, ...extraArgs], ...opts,
  });
}

/**
 * Record every request of a context (pages, their workers, service workers). `allowed(url)`
 * says which are ours; `foreign()` lists the others. Playwright's context-level event sees
 * requests of dedicated workers and service workers too.
 */
export function recordRequests(context, allowed) {
  const all = [];
  const bad = [];
  context.on('request', (req) => {
    const url = req.url();
    all.push(url);
    if (!allowed(url)) bad.push(url);
  });
  return { all, foreign: () => bad.slice() };
}

export async function screenshot(page, name) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Poll `fn` until it returns a truthy value or `ms` elapse; returns that value. */
export async function until(fn, ms, what = 'condition') {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < ms) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
}
