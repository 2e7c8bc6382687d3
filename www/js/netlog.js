// The list of requests the page made, from two witnesses:
//  - the page's own Resource Timing entries (everything the window fetched, from the start);
//  - the service worker's log (everything the window *and its dedicated worker* fetched
//    once the service worker controls the page: the model, the tokenizer, the wasm).
// Any request whose origin is not the page's is flagged.

const entries = new Map(); // key: url + who -> {url, who, via, bytes, count}
let onChange = () => {};

export function startNetlog(render) {
  onChange = render;
  const po = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) add({ url: e.name, who: 'page', bytes: e.transferSize || e.encodedBodySize, via: e.transferSize === 0 && e.decodedBodySize > 0 ? 'cache' : 'network' });
  });
  po.observe({ type: 'resource', buffered: true });
  add({ url: location.href.split('#')[0], who: 'page', via: 'navigation' });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (ev) => {
      if (ev.data?.type === 'netlog') ev.data.entries.forEach(fromSw);
      if (ev.data?.type === 'netlog-entry') fromSw(ev.data.entry);
    });
    navigator.serviceWorker.ready.then((reg) => reg.active?.postMessage({ type: 'netlog' }));
  }
}

function fromSw(e) {
  add({ url: e.url, who: e.client === 'worker' ? 'worker' : 'page', via: e.via });
}

function add({ url, who, via, bytes }) {
  if (!url || url.startsWith('data:') || url.startsWith('blob:')) return;
  const key = url + ' ' + who;
  const prev = entries.get(key);
  if (prev) {
    prev.count++;
    if (bytes) prev.bytes = bytes;
  } else {
    entries.set(key, { url, who, via, bytes, count: 1 });
  }
  onChange();
}

export function netEntries() {
  return [...entries.values()];
}

export function foreign() {
  return netEntries().filter((e) => new URL(e.url, location.href).origin !== location.origin);
}
