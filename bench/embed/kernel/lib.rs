//! The integer GEMM's inner tile (`src/embed/dense.rs`) against relaxed SIMD's int8 dot
//! product, on one weight matrix `K x N` (384 x 1,536, the feed-forward layer's) and `M`
//! rows of activations, each kernel computing every `R x 8` tile of `X · W`:
//!
//! - `i16`: nook's tile, i16 activations times i16-widened int8 weights by pairs of `k`
//!   (`i32x4.dot_i16x8_s` + add), 4 rows;
//! - `split`: 14-bit activations as two 7-bit halves (offset to unsigned), each through
//!   `i32x4.relaxed_dot_i8x16_i7x16_add_s` with int8 weights by quads of `k`, 2 rows;
//! - `i7`: 7-bit activations (offset to unsigned), one relaxed dot per quad, 4 rows.
//!
//! Every kernel's sums are exact integers and checked against a scalar reference
//! (`check`). Exports take the number of passes and return a checksum (so no pass is
//! optimised away).

use std::arch::wasm32::*;

const K: usize = 384;
const N: usize = 1536;
const M: usize = 32;

struct Data {
    /// Panels of 8 columns, pairs of k interleaved: `[k/2][col 0-3, col 4-7][2]` (nook's layout).
    w16: Vec<i16>,
    /// Panels of 8 columns, quads of k: `[k/4][col 0-3, col 4-7][4]`.
    w8: Vec<i8>,
    /// Column sums of the weights (for the unsigned offset).
    colsum: Vec<i32>,
    /// Row-major weights, for the reference.
    w: Vec<i8>,
    a16: Vec<i16>,
    hi: Vec<u8>,
    lo: Vec<u8>,
    a7: Vec<i8>,
    u7: Vec<u8>,
    out: Vec<i32>,
}

static mut DATA: Option<Data> = None;

#[allow(static_mut_refs)]
fn data() -> &'static mut Data {
    // SAFETY: wasm32 without threads: one caller at a time.
    unsafe { DATA.get_or_insert_with(make) }
}

fn make() -> Data {
    let mut s = 12345u32;
    let mut next = move || {
        s = s.wrapping_mul(1664525).wrapping_add(1013904223);
        s
    };
    let w: Vec<i8> = (0..K * N).map(|_| ((next() >> 24) as i8).max(-127)).collect();
    let (mut w16, mut w8) = (vec![0i16; K * N], vec![0i8; K * N]);
    for b in 0..N / 8 {
        for kk in 0..K {
            for c in 0..8 {
                let v = w[kk * N + b * 8 + c];
                w16[b * K * 8 + (kk / 2) * 16 + (c / 4) * 8 + (c % 4) * 2 + kk % 2] = v as i16;
                w8[b * K * 8 + (kk / 4) * 32 + (c / 4) * 16 + (c % 4) * 4 + kk % 4] = v;
            }
        }
    }
    let colsum = (0..N).map(|c| (0..K).map(|kk| w[kk * N + c] as i32).sum()).collect();
    let a16: Vec<i16> = (0..M * K).map(|_| (((next() >> 18) & 16383) as i32 - 8191) as i16).collect();
    let hi = a16.iter().map(|&v| ((v as i32 + 8192) >> 7) as u8).collect();
    let lo = a16.iter().map(|&v| ((v as i32 + 8192) & 127) as u8).collect();
    let a7: Vec<i8> = (0..M * K).map(|_| ((next() >> 25) as i32 - 64).max(-63) as i8).collect();
    let u7 = a7.iter().map(|&v| (v as i32 + 64) as u8).collect();
    Data { w16, w8, colsum, w, a16, hi, lo, a7, u7, out: vec![0; M * N] }
}

/// `R x 8` tile, nook's kernel: `a` R rows of K i16, `panel` K x 8 interleaved by pairs.
#[inline(always)]
unsafe fn tile_i16<const R: usize>(a: *const i16, panel: *const i16, out: *mut i32) {
    unsafe {
        let (mut lo, mut hi) = ([i32x4_splat(0); R], [i32x4_splat(0); R]);
        let mut wp = panel;
        for p in 0..K / 2 {
            let (w0, w1) = (v128_load(wp as *const v128), v128_load(wp.add(8) as *const v128));
            wp = wp.add(16);
            for r in 0..R {
                let s = v128_load32_splat(a.add(r * K + 2 * p) as *const u32);
                lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(s, w0));
                hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(s, w1));
            }
        }
        for r in 0..R {
            v128_store(out.add(r * N) as *mut v128, lo[r]);
            v128_store(out.add(r * N + 4) as *mut v128, hi[r]);
        }
    }
}

/// `R x 8` tile of unsigned 7-bit activations (R rows of K) times int8 weights by quads.
/// With `TWO`, a second set of activations (the low halves) goes to its own accumulators and
/// the result is `128 * first + second`; the caller removes the offset.
#[target_feature(enable = "relaxed-simd")]
unsafe fn tile_dot<const R: usize, const TWO: bool>(a: *const u8, b: *const u8, panel: *const i8, out: *mut i32) {
    unsafe {
        let (mut h0, mut h1, mut l0, mut l1) = ([i32x4_splat(0); R], [i32x4_splat(0); R], [i32x4_splat(0); R], [i32x4_splat(0); R]);
        let mut wp = panel;
        for p in 0..K / 4 {
            let (w0, w1) = (v128_load(wp as *const v128), v128_load(wp.add(16) as *const v128));
            wp = wp.add(32);
            for r in 0..R {
                let s = v128_load32_splat(a.add(r * K + 4 * p) as *const u32);
                h0[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w0, s, h0[r]);
                h1[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w1, s, h1[r]);
                if TWO {
                    let t = v128_load32_splat(b.add(r * K + 4 * p) as *const u32);
                    l0[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w0, t, l0[r]);
                    l1[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w1, t, l1[r]);
                }
            }
        }
        for r in 0..R {
            let (x0, x1) = if TWO { (i32x4_add(i32x4_shl(h0[r], 7), l0[r]), i32x4_add(i32x4_shl(h1[r], 7), l1[r])) } else { (h0[r], h1[r]) };
            v128_store(out.add(r * N) as *mut v128, x0);
            v128_store(out.add(r * N + 4) as *mut v128, x1);
        }
    }
}

fn checksum(d: &Data) -> i32 {
    d.out.iter().fold(0i32, |a, &v| a.wrapping_mul(31).wrapping_add(v))
}

#[unsafe(no_mangle)]
pub extern "C" fn run_i16(passes: u32) -> i32 {
    let d = data();
    for _ in 0..passes {
        for b in 0..N / 8 {
            for r0 in (0..M).step_by(4) {
                // SAFETY: rows r0..r0+4 of a16, panel b of w16 and the tile in out are in bounds.
                unsafe { tile_i16::<4>(d.a16.as_ptr().add(r0 * K), d.w16.as_ptr().add(b * K * 8), d.out.as_mut_ptr().add(r0 * N + b * 8)) };
            }
        }
    }
    checksum(d)
}

/// Every tile through `tile_dot` (with `TWO` the 14-bit activations' two halves, else the
/// 7-bit ones), then the offset removed: the offset times each column's weight sum.
fn run_dot<const R: usize, const TWO: bool>(passes: u32) -> i32 {
    let d = data();
    let (a, b, offset) = if TWO { (d.hi.as_ptr(), d.lo.as_ptr(), 8192) } else { (d.u7.as_ptr(), d.u7.as_ptr(), 64) };
    for _ in 0..passes {
        for p in 0..N / 8 {
            for r0 in (0..M).step_by(R) {
                // SAFETY: rows r0..r0+R of both arrays (M x K each), panel p of w8 and the tile
                // in out are in bounds; the module instantiates only where relaxed SIMD is
                // supported.
                unsafe { tile_dot::<R, TWO>(a.add(r0 * K), b.add(r0 * K), d.w8.as_ptr().add(p * K * 8), d.out.as_mut_ptr().add(r0 * N + p * 8)) };
            }
        }
    }
    for (i, v) in d.out.iter_mut().enumerate() {
        *v = v.wrapping_sub(offset * d.colsum[i % N]);
    }
    checksum(d)
}

#[unsafe(no_mangle)]
pub extern "C" fn run_split(passes: u32) -> i32 {
    run_dot::<2, true>(passes)
}

#[unsafe(no_mangle)]
pub extern "C" fn run_i7(passes: u32) -> i32 {
    run_dot::<4, false>(passes)
}

/// The scalar reference's checksum: `wide` = 1 for the 14-bit activations, 0 for the 7-bit.
#[unsafe(no_mangle)]
pub extern "C" fn reference(wide: u32) -> i32 {
    let d = data();
    for r in 0..M {
        for c in 0..N {
            d.out[r * N + c] = (0..K).map(|kk| d.w[kk * N + c] as i32 * if wide == 1 { d.a16[r * K + kk] as i32 } else { d.a7[r * K + kk] as i32 }).sum();
        }
    }
    checksum(d)
}

/// Multiply-adds in one pass.
#[unsafe(no_mangle)]
pub extern "C" fn macs_per_pass() -> f64 {
    (M * K * N) as f64
}
