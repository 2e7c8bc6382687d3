// A network-level guard for the browser tests: Chromium is launched with this proxy
// (Playwright sends loopback through it too), so every request that leaves the browser —
// from a page, a dedicated worker, a worker's nested workers (which Playwright's routing
// does not see), a service worker or an offscreen document — passes here and is recorded.
// Requests `allowed(url)` accepts are forwarded; any other is answered 403 and listed in
// `foreign` (a caller's list, or a new one); HTTPS (CONNECT) is never forwarded.
//
// Chromium itself also talks to Google services in the background whatever the page does
// (component updater, network time, sign-in, optimization guide; which ones depends on the
// Chromium version), despite the launch flags that turn most of that off. Requests to
// Google's service domains are answered 403 and listed in `browser` instead of `foreign`.
// A page, worker or service worker asking for one is still caught by Playwright's
// context-level routing, which sees every context but a worker's nested workers.
import http from 'node:http';

const BROWSER_SERVICES = /(^|\.)(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)$/;

export async function networkGuard(allowed, foreign = []) {
  const seen = [];
  const browser = [];
  const refuse = (href, host) => (BROWSER_SERVICES.test(host) ? browser : foreign).push(href);
  const server = http.createServer((req, res) => {
    let url;
    try { url = new URL(req.url); } catch (_) { res.writeHead(400).end(); return; }
    seen.push(url.href);
    if (url.protocol !== 'http:' || !allowed(url)) {
      refuse(url.href, url.hostname);
      res.writeHead(403).end();
      return;
    }
    const up = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.on('error', () => res.destroy());
      r.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    // A browser closing a connection mid-request (a test's teardown) is not a failure.
    req.on('error', () => up.destroy());
    res.on('error', () => up.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, socket) => {
    refuse(`https://${req.url}`, String(req.url).replace(/:\d+$/, ''));
    socket.on('error', () => {});
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
  return {
    /** Playwright's `proxy` launch option. */
    proxy: { server: `http://127.0.0.1:${server.address().port}` },
    seen,
    foreign,
    browser,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve); }),
  };
}
