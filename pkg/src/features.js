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

/** True where nook_bg.relaxed.wasm can run. */
export function hasRelaxedSimd() {
  try { return WebAssembly.validate(RELAXED_SIMD_PROBE); } catch (_) { return false; }
}
