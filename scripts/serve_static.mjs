#!/usr/bin/env node
// A small static file server for the demo page and the browser tests: serves one folder on
// 127.0.0.1 only, with the right MIME types (application/wasm for streaming compilation),
// no directory listings, and no path escapes. Symlinks inside the folder are followed.
//
//   node scripts/serve_static.mjs DIR [PORT]      (PORT 0 = any free port; prints the URL)
//
// Also importable: `const { url, close } = await serve(dir, port, options)`. Options for
// benchmarks: `throttle: {rttMs, bytesPerSec, match(path)}` delays each matching response
// by a round trip and its size over one shared link; `onServe(path, bytes)` sees every
// file served; `memory: true` keeps small files in memory after their first read (a
// static host's cache: reading each from disk costs ~6 ms here, which a page of many small
// files would otherwise measure instead of the browser); `tls: {key, cert}` serves HTTPS
// with HTTP/2 (as static hosts do: a page's many small requests share one connection
// instead of queueing on six).

import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createReadStream, promises as fs } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.onnx': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json', '.ts': 'text/plain; charset=utf-8', '.zip': 'application/zip',
};

export function serve(dir, port = 0, { log = false, throttle = null, onServe = null, memory = false, tls = null } = {}) {
  const root = resolve(dir);
  const kept = new Map();
  let linkFree = 0;   // when the simulated link has sent everything queued (throttle)
  const handler = async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403).end(); return; }
      let st = await fs.stat(file).catch(() => null);
      if (st?.isDirectory()) { file = join(file, 'index.html'); st = await fs.stat(file).catch(() => null); }
      if (!st?.isFile()) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'); if (log) console.log(404, path); return; }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') { res.end(); return; }
      if (onServe) onServe(path, st.size);
      if (throttle && throttle.match(path)) {
        const now = performance.now();
        const start = Math.max(now, linkFree);
        linkFree = start + (st.size / throttle.bytesPerSec) * 1000;
        await new Promise((r) => setTimeout(r, Math.max(now + throttle.rttMs, linkFree + throttle.rttMs / 2) - now));
      }
      if (memory && st.size < (1 << 20)) {
        let body = kept.get(file);
        if (!body) { body = await fs.readFile(file); kept.set(file, body); }
        res.end(body);
      } else {
        createReadStream(file).pipe(res);
      }
      if (log) console.log(200, path);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  };
  const server = tls ? createSecureServer({ ...tls, allowHTTP1: true }, handler) : createServer(handler);
  const sessions = new Set();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const url = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}/`;
      ok({ url, server, close: () => new Promise((r) => { server.closeAllConnections?.(); for (const s of sessions) s.destroy(); server.close(r); }) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir = '.', port = '8080'] = process.argv.slice(2);
  const { url } = await serve(dir, Number(port), { log: !!process.env.NOOK_SERVE_LOG });
  console.log(`serving ${resolve(dir)} at ${url}  (Ctrl-C to stop)`);
}
