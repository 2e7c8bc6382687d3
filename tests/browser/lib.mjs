// Helpers: a static server on 127.0.0.1 over a site folder, and Chromium with every
// request recorded (pages and workers by Playwright; everything that reaches the network,
// nested workers included, by network.mjs's proxy). Any request to another origin is a failure.
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve_static.mjs';
import { networkGuard } from './network.mjs';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function start(site, { args = [] } = {}) {
  const server = await serve(site, 0);
  const origin = new URL(server.url).origin;
  // Every request that leaves the browser, whatever context made it (network.mjs).
  const foreign = [];
  const network = await networkGuard((url) => url.origin === origin, foreign);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...args], headless: true, proxy: network.proxy });
  const context = await browser.newContext();
  const requests = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (new URL(url).origin !== origin) { foreign.push(url); return route.abort(); }
    return route.continue();
  });
  context.on('request', (r) => { const u = r.url(); if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u); });
  return {
    server, origin, browser, context, requests, network: network.seen,
    /** Requests to another origin, seen by Playwright or by the network guard. */
    foreign,
    async close() { await browser.close(); await network.close(); await server.close(); },
  };
}

export async function openPage(env) {
  const page = await env.context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('[page]', m.text()); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') console.error('[worker]', m.text()); }));
  await page.goto(`${env.origin}/page.html`);
  await page.waitForFunction(() => window.nookReady === true);
  return page;
}
