// The model's and tokenizer's bytes, for the nook worker and its embedding helpers: the
// bytes the app gave, else from the Cache API when present (second visits work offline),
// else fetched and cached.

const MODEL_CACHE = 'nook-model-v1';

const assetError = (name, message) => ({ name, message });

// Files an extension ships are on disk already: a Cache API copy would only double them
// (23 MB), and opening the cache after a browser start is one more wait before the model.
const LOCAL = /^(chrome|moz|safari-web)-extension:/;

/** Bytes of `url`, from the Cache API when present (never for an extension's own files). */
async function assetBytes(url) {
  let cache = null;
  if (!LOCAL.test(url)) {
    try { cache = await caches.open(MODEL_CACHE); } catch (_) { /* no Cache API: plain fetch */ }
  }
  let res = cache ? await cache.match(url) : undefined;
  if (!res) {
    try { res = await fetch(url); } catch (e) { throw assetError('NookNetworkError', `fetching ${url} failed: ${e.message}`); }
    if (!res.ok) throw assetError('NookNetworkError', `fetching ${url}: HTTP ${res.status}`);
    if (cache) { try { await cache.put(url, res.clone()); } catch (_) { /* quota: still usable */ } }
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** Bytes of a model file given as {url} or {bytes} (the client's `source`). */
function fileBytes(file) {
  return file.bytes ? Promise.resolve(file.bytes) : assetBytes(file.url);
}

/** The model's and the tokenizer's bytes ({url} or {bytes} each), both requested now:
 * await the promise when they are needed (a failure is reported there, not as an
 * unhandled rejection). */
export function modelFiles(model, tokenizer) {
  const files = Promise.all([fileBytes(model), fileBytes(tokenizer)]);
  files.catch(() => {});
  return files;
}
