//! The GEMM's inner tiles, one per target: the integer tile (wasm `i32x4.dot_i16x8_s`,
//! x86-64 AVX2 or SSE2 `pmaddwd`, portable) and the f32 one (wasm simd128, fused with
//! relaxed SIMD, portable). Every integer kernel computes the same exact sums; the layout
//! of the panels and activations they read is [`super`]'s.

#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
use super::pair_index;
use super::{MR, NR, a_index};

/// One `R x 8` integer tile: `tile[r][c] = sum_k a[r][k] * w[k][c]`, `a` being the first
/// `R` rows of a block of quantized activations (`kp` even; [`a_index`]) and `panel` a [`Panels::I16`](super::Panels::I16) panel. Each step
/// takes a pair of `k` for four columns in one `i32x4.dot_i16x8_s` (x86: `pmaddwd`):
/// 16 multiply-adds per row in 5 instructions, where the f32 kernel needs 6 (fused) or 10.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub(super) fn kernel_i16<const R: usize>(a: &[i16], kp: usize, panel: &[i16], tile: &mut [i32; MR * NR]) {
    use std::arch::wasm32::*;
    assert!(kp.is_multiple_of(2) && a.len() >= MR * kp && panel.len() >= kp * NR);
    // SAFETY: every pointer below stays inside `a` (a block of MR rows of kp, `a_index`), `panel` (kp x 8) and
    // `tile` (MR x 8), as asserted above; wasm loads/stores need no alignment.
    unsafe {
        let mut lo = [i32x4_splat(0); R];
        let mut hi = [i32x4_splat(0); R];
        let ap = a.as_ptr();
        let mut wp = panel.as_ptr();
        for p in 0..kp / 2 {
            let w0 = v128_load(wp as *const v128);
            let w1 = v128_load(wp.add(8) as *const v128);
            wp = wp.add(2 * NR);
            for r in 0..R {
                let s = v128_load32_splat(ap.add(a_index(r, 2 * p)) as *const u32);
                lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(s, w0));
                hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(s, w1));
            }
        }
        for r in 0..R {
            v128_store(tile.as_mut_ptr().add(r * NR) as *mut v128, lo[r]);
            v128_store(tile.as_mut_ptr().add(r * NR + 4) as *mut v128, hi[r]);
        }
    }
}

/// The integer tile: natively on x86-64 with AVX2 where the CPU has it (checked once per
/// process by `is_x86_feature_detected!`, cached), else the target's kernel. Every kernel
/// computes the same exact integer sums.
#[inline(always)]
pub(super) fn tile_i16<const R: usize>(a: &[i16], kp: usize, panel: &[i16], tile: &mut [i32; MR * NR]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        assert!(kp.is_multiple_of(2) && a.len() >= MR * kp && panel.len() >= kp * NR);
        // SAFETY: AVX2 was detected just above; the bounds are asserted.
        unsafe { kernel_i16_avx2::<R>(a, kp, panel, tile) };
        return;
    }
    kernel_i16::<R>(a, kp, panel, tile)
}

/// The integer tile with AVX2: one `vpmaddwd` covers a pair of `k` for all 8 columns (the
/// panel's 16 values per pair are columns 0-3 then 4-7, the two 128-bit halves).
///
/// # Safety
/// The CPU must have AVX2; `a` holds a block of `MR` rows of `kp` values (`a_index`), `panel` `kp x 8`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn kernel_i16_avx2<const R: usize>(a: &[i16], kp: usize, panel: &[i16], tile: &mut [i32; MR * NR]) {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_setzero_si256(); R];
    let ap = a.as_ptr();
    let mut wp = panel.as_ptr();
    for p in 0..kp / 2 {
        // SAFETY (the loads): inside `panel` and `a` per the caller's contract.
        let w = unsafe { _mm256_loadu_si256(wp as *const __m256i) };
        wp = unsafe { wp.add(2 * NR) };
        for (r, acc) in acc.iter_mut().enumerate() {
            let s = _mm256_set1_epi32(unsafe { (ap.add(a_index(r, 2 * p)) as *const i32).read_unaligned() });
            *acc = _mm256_add_epi32(*acc, _mm256_madd_epi16(s, w));
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        // SAFETY: row r of the MR x 8 tile.
        unsafe { _mm256_storeu_si256(tile.as_mut_ptr().add(r * NR) as *mut __m256i, *acc) };
    }
}

/// The integer tile kernel with SSE2 (every x86-64): `pmaddwd` is `i32x4.dot_i16x8_s`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn kernel_i16<const R: usize>(a: &[i16], kp: usize, panel: &[i16], tile: &mut [i32; MR * NR]) {
    use std::arch::x86_64::*;
    assert!(kp.is_multiple_of(2) && a.len() >= MR * kp && panel.len() >= kp * NR);
    // SAFETY: SSE2 is part of x86-64; every pointer below stays inside `a` (a block of MR rows of kp, `a_index`),
    // `panel` (kp x 8) and `tile` (MR x 8), as asserted above; the loads are unaligned.
    unsafe {
        let mut lo = [_mm_setzero_si128(); R];
        let mut hi = [_mm_setzero_si128(); R];
        let ap = a.as_ptr();
        let mut wp = panel.as_ptr();
        for p in 0..kp / 2 {
            let w0 = _mm_loadu_si128(wp as *const __m128i);
            let w1 = _mm_loadu_si128(wp.add(8) as *const __m128i);
            wp = wp.add(2 * NR);
            for r in 0..R {
                let s = _mm_set1_epi32((ap.add(a_index(r, 2 * p)) as *const i32).read_unaligned());
                lo[r] = _mm_add_epi32(lo[r], _mm_madd_epi16(s, w0));
                hi[r] = _mm_add_epi32(hi[r], _mm_madd_epi16(s, w1));
            }
        }
        for r in 0..R {
            _mm_storeu_si128(tile.as_mut_ptr().add(r * NR) as *mut __m128i, lo[r]);
            _mm_storeu_si128(tile.as_mut_ptr().add(r * NR + 4) as *mut __m128i, hi[r]);
        }
    }
}

/// Portable version of the integer tile kernel (other targets; wasm without simd128).
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
pub(super) fn kernel_i16<const R: usize>(a: &[i16], kp: usize, panel: &[i16], tile: &mut [i32; MR * NR]) {
    for r in 0..R {
        for c in 0..NR {
            tile[r * NR + c] = (0..kp).map(|kk| a[a_index(r, kk)] as i32 * panel[pair_index(kk, c)] as i32).sum();
        }
    }
}

/// One `R x 8` tile: `tile[r][c] = bias[c] + sum_k a[r][k] * panel[k][c]`.
/// With the `relaxed-simd` feature (or `--cfg nook_relaxed_simd`, which the package build
/// passes to nook alone) this one function is compiled for relaxed SIMD (so
/// `madd` inlines into it as one fused instruction); the rest of the module stays simd128.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[cfg_attr(any(feature = "relaxed-simd", nook_relaxed_simd), target_feature(enable = "relaxed-simd"), inline)]
#[cfg_attr(not(any(feature = "relaxed-simd", nook_relaxed_simd)), inline(always))]
pub(super) fn kernel<const R: usize>(a: &[f32], k: usize, panel: &[f32], bias: &[f32], tile: &mut [f32; MR * NR]) {
    use std::arch::wasm32::*;
    assert!(a.len() >= R * k && panel.len() >= k * NR && bias.len() >= NR);
    // SAFETY: every pointer below stays inside `a` (R rows of k), `panel` (k x 8), `bias`
    // (8) and `tile` (MR x 8), as asserted above; wasm loads/stores need no alignment.
    unsafe {
        let b0 = v128_load(bias.as_ptr() as *const v128);
        let b1 = v128_load(bias.as_ptr().add(4) as *const v128);
        let mut lo = [b0; R];
        let mut hi = [b1; R];
        let ap = a.as_ptr();
        let mut wp = panel.as_ptr();
        for kk in 0..k {
            let w0 = v128_load(wp as *const v128);
            let w1 = v128_load(wp.add(4) as *const v128);
            wp = wp.add(NR);
            for r in 0..R {
                let s = v128_load32_splat(ap.add(r * k + kk) as *const u32);
                lo[r] = madd(lo[r], s, w0);
                hi[r] = madd(hi[r], s, w1);
            }
        }
        for r in 0..R {
            v128_store(tile.as_mut_ptr().add(r * NR) as *mut v128, lo[r]);
            v128_store(tile.as_mut_ptr().add(r * NR + 4) as *mut v128, hi[r]);
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128", any(feature = "relaxed-simd", nook_relaxed_simd, target_feature = "relaxed-simd")))]
#[target_feature(enable = "relaxed-simd")]
#[inline]
fn madd(acc: std::arch::wasm32::v128, a: std::arch::wasm32::v128, b: std::arch::wasm32::v128) -> std::arch::wasm32::v128 {
    std::arch::wasm32::f32x4_relaxed_madd(a, b, acc)
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128", not(any(feature = "relaxed-simd", nook_relaxed_simd, target_feature = "relaxed-simd"))))]
#[inline(always)]
fn madd(acc: std::arch::wasm32::v128, a: std::arch::wasm32::v128, b: std::arch::wasm32::v128) -> std::arch::wasm32::v128 {
    use std::arch::wasm32::*;
    f32x4_add(acc, f32x4_mul(a, b))
}

/// Portable version of the f32 tile kernel (natively; wasm without simd128).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(super) fn kernel<const R: usize>(a: &[f32], k: usize, panel: &[f32], bias: &[f32], tile: &mut [f32; MR * NR]) {
    for r in 0..R {
        let mut acc = [0f32; NR];
        acc.copy_from_slice(&bias[..NR]);
        let row = &a[r * k..(r + 1) * k];
        for (kk, &s) in row.iter().enumerate() {
            let w = &panel[kk * NR..(kk + 1) * NR];
            for c in 0..NR {
                acc[c] += s * w[c];
            }
        }
        tile[r * NR..(r + 1) * NR].copy_from_slice(&acc);
    }
}
