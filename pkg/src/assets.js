// The model's and tokenizer's bytes, for the nook worker and its embedding helpers: from
// the Cache API when present (second visits work offline), else fetched and cached.

const MODEL_CACHE = 'nook-model-v1';

const assetError = (name, message) => ({ name, message });

/** Bytes of `url`, from the Cache API when present. */
async function assetBytes(url) {
  let cache = null;
  try { cache = await caches.open(MODEL_CACHE); } catch (_) { /* no Cache API: plain fetch */ }
  let res = cache ? await cache.match(url) : undefined;
  if (!res) {
    try { res = await fetch(url); } catch (e) { throw assetError('NookNetworkError', `fetching ${url} failed: ${e.message}`); }
    if (!res.ok) throw assetError('NookNetworkError', `fetching ${url}: HTTP ${res.status}`);
    if (cache) { try { await cache.put(url, res.clone()); } catch (_) { /* quota: still usable */ } }
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** The model's and the tokenizer's bytes, both requested now: await the promise when
 * they are needed (a failure is reported there, not as an unhandled rejection). */
export function modelFiles(modelUrl, tokenizerUrl) {
  const files = Promise.all([assetBytes(modelUrl), assetBytes(tokenizerUrl)]);
  files.catch(() => {});
  return files;
}
