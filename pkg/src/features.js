// What the engine can run, tested by validating tiny modules (no instantiation, no I/O).

// A function `() -> ()` whose body is `v128.const 0; v128.const 0; i8x16.relaxed_swizzle;
// drop`: valid exactly where the engine has relaxed SIMD (Chrome 114+; not Firefox or
// Safari at the time of writing).
const RELAXED_SIMD_PROBE = (() => {
  const zero = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0x00, ...zero, ...zero, 0xfd, 0x80, 0x02, 0x1a, 0x0b];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x0a, body.length + 2, 0x01, body.length, ...body]);
})();

// A function `() -> v128` whose body is `i32.const 0; i8x16.splat`: valid where the engine
// has WebAssembly SIMD (simd128: Chrome and Edge 91+, Firefox 89+, Safari 16.4+), which
// both of nook's builds need.
const SIMD_PROBE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b]);

/** True where nook_bg.wasm can run. */
export function hasSimd() {
  try { return WebAssembly.validate(SIMD_PROBE); } catch (_) { return false; }
}

/** What this environment lacks of what nook needs (`engine`: a worker running nook's wasm;
 * `database`: IndexedDB), or null: a NookUnsupportedError's fields, so that an app can
 * tell "this browser cannot" from a failure, before any worker starts. */
export function unsupported({ engine = true, database = true } = {}) {
  const missing = [];
  if (engine && typeof Worker === 'undefined') missing.push('Web Workers');
  if (engine && (typeof WebAssembly === 'undefined' || !hasSimd())) missing.push('WebAssembly SIMD');
  if (database && typeof indexedDB === 'undefined') missing.push('IndexedDB');
  if (!missing.length) return null;
  return {
    name: 'NookUnsupportedError',
    message: `this environment has no ${missing.join(', ')}: nook runs in a browser (Chrome or Edge 91+, Firefox 89+, Safari 16.4+)${typeof window === 'undefined' && typeof self === 'undefined' ? '; under server-side rendering, open it in the browser' : ''}`,
  };
}

/** True where nook_bg.relaxed.wasm can run. */
export function hasRelaxedSimd() {
  try { return WebAssembly.validate(RELAXED_SIMD_PROBE); } catch (_) { return false; }
}
