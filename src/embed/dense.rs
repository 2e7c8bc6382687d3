//! The encoder's fully connected layers: `x[m, k] · W[k, n] + bias`, W constant, with
//! nook's own SIMD kernels (wasm simd128 / relaxed SIMD, x86-64 AVX2 or SSE2, portable; the tiles in `kernels`).
//!
//! Why our own: the layers are ~85-90% of the embedder's time. A 4 x 8 tile (8
//! accumulators, 2 weight vectors, one splat: 11 registers) fits V8's 15 usable xmm
//! registers on x86-64 without spilling, and activations are taken with
//! `v128.load32_splat` (a plain broadcast load), no shuffles. Weights are packed once at
//! load into column panels of 8.
//!
//! Numerics: the model file's weights are int8 with one scale per column. They are kept as
//! integers and each activation row is quantized to i16 against its own largest value (15
//! bits for the 384-wide layers, 14 for the 1,536-wide one), so the inner loop is exact
//! integer multiply-adds (`i32x4.dot_i16x8_s`, natively SSE2's `pmaddwd` or AVX2's
//! `vpmaddwd`: two products per lane per instruction) and the result is the same bits in every build, natively and in
//! wasm. Quantizing the activations moves embeddings by a cosine of ~4e-7 (0.9999996
//! against the onnxruntime reference, `tests/embed_native.rs`). Weights that are not int8
//! (another model) take the f32 kernel: plain f32 multiply-add (fused with the
//! `relaxed-simd` feature), summed in k order.

/// Width of a weight panel (output columns per kernel tile).
const NR: usize = 8;
/// Rows (tokens) per kernel tile.
const MR: usize = 4;
/// Rows per cache block: activations of this many rows stay in L2 while every panel passes.
const MC: usize = 64;
// A tile starts at a multiple of MR (its block of `a_index`) only if a cache block does.
const _: () = assert!(MC.is_multiple_of(MR));

/// `W[k, n]` packed as `ceil(n / 8)` panels of `k x 8` (zero padded), plus a bias.
#[derive(Debug)]
pub struct Packed {
    k: usize,
    n: usize,
    panels: Panels,
    bias: Vec<f32>,
}

/// The panels' storage.
#[derive(Debug)]
enum Panels {
    /// f32 weights, `k`-major panels of 8 columns.
    F32(Vec<f32>),
    /// Integer weights times one f32 scale per output column, as the model file stores them
    /// (`Cast` + `Mul`; `weights` hands them over as [`Matrix::Int8`], multiplied out only when
    /// [`Packed::from_matrix`] cannot take them as they are). When `W` is exactly `q * scale[column]`
    /// for int8 `q` (checked element by element, bit for bit), the panels keep `q` widened to
    /// i16 and interleaved by pairs of `k` for `i32x4.dot_i16x8_s`: for each pair `p`, 16
    /// values = columns 0-3 then 4-7, each as `(q[2p][c], q[2p + 1][c])` (`k` padded to even
    /// with a zero row). The activations are quantized per row to i16 (see
    /// [`Packed::matmul`]), so the products are exact integers summed in i32.
    I16 { w: Vec<i16>, scale: Vec<f32> },
}

/// `v` rounded to an integer, ties to even, for |v| < 2^22: adding and taking away 1.5 * 2^23
/// rounds in plain IEEE arithmetic, the same in wasm and natively, where `round_ties_even`
/// is a libm call (`rintf`) without SSE4.1. NaN stays NaN.
#[inline(always)]
fn round_below_2_22(v: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (v + MAGIC) - MAGIC
}

/// `(q, scale)` with `w[kk * n + c] == q[kk * n + c] as f32 * scale[c]` exactly, if there
/// is one (symmetric int8 per column: a column's largest |w| is `127 * scale`; nearby
/// scales are tried for rounding).
fn as_int8(w: &[f32], k: usize, n: usize) -> Option<(Vec<i8>, Vec<f32>)> {
    // A weight passes when some integer `r` in -127..=127 has `r * scale == x` exactly; then
    // `x / scale` is exactly `r`, and `x * (1 / scale)` is `r` within a few ulps, so rounding
    // it finds the same `r` (and a weight no `r` fits fails the check either way). With
    // `round_below_2_22`, ~3x quicker than dividing and rounding: this loop is most of
    // loading a model.
    let q_of = |x: f32, scale: f32, inv: f32| {
        let v = x * inv;
        let r = if v.abs() < 4_194_304.0 { round_below_2_22(v) } else { v };
        ((-127.0..=127.0).contains(&r) && r * scale == x).then_some(r as i8)
    };
    // Row-major passes (the matrix is `k x n`, row-major): the columns' largest |w|, then
    // every weight against its column's first candidate scale. A column that fails it
    // (rare) tries the nearby scales on its own.
    let mut max = vec![0f32; n];
    for row in w.chunks_exact(n).take(k) {
        for (m, x) in max.iter_mut().zip(row) {
            *m = m.max(x.abs());
        }
    }
    if max.iter().any(|m| !(*m > 0.0 && m.is_finite())) {
        return None;
    }
    let candidate = |c: usize, d: i32| f32::from_bits((max[c] / 127.0).to_bits().wrapping_add_signed(d));
    let mut scales: Vec<f32> = (0..n).map(|c| candidate(c, 0)).collect();
    let inverse: Vec<f32> = scales.iter().map(|s| 1.0 / s).collect();
    let mut q = vec![0i8; k * n];
    // The same test as `q_of`, without branches so it vectorises: a |v| of 2^22 or more
    // rounds to no integer in -127..=127 either way (and NaN fails every comparison).
    let mut failed = vec![0u8; n];
    for (row, qrow) in w.chunks_exact(n).zip(q.chunks_exact_mut(n)).take(k) {
        for ((((&x, out), bad), &scale), &inv) in row.iter().zip(qrow.iter_mut()).zip(failed.iter_mut()).zip(&scales).zip(&inverse) {
            let r = round_below_2_22(x * inv);
            let ok = (-127.0..=127.0).contains(&r) && r * scale == x;
            *out = r as i8;
            *bad |= u8::from(!ok);
        }
    }
    for c in (0..n).filter(|&c| failed[c] != 0) {
        let fits = |scale: f32| (0..k).all(|kk| q_of(w[kk * n + c], scale, 1.0 / scale).is_some());
        let scale = [-1i32, 1, -2, 2].into_iter().map(|d| candidate(c, d)).find(|&scale| fits(scale))?;
        scales[c] = scale;
        for kk in 0..k {
            q[kk * n + c] = q_of(w[kk * n + c], scale, 1.0 / scale)?;
        }
    }
    Some((q, scales))
}

/// Largest |activation| after quantizing a row of `kp` values against int8 weights, such
/// that no sum of `kp` products can leave i32: `kp * 127 * limit < 2^31` (32,766 for the
/// 384-wide layers, 11,007 for the 1,536-wide one: 15 and 14 bits).
fn activation_limit(kp: usize) -> f32 {
    ((i32::MAX as usize / (kp.max(1) * 127)).saturating_sub(1)).min(i16::MAX as usize - 1) as f32
}

/// A weight matrix `k x n`, row-major, as the model file gives it.
#[derive(Debug)]
pub enum Matrix {
    F32(Vec<f32>),
    /// int8 values and one scale per column, not multiplied out: the matrix is
    /// `q[kk * n + c] as f32 * scale[c]` (one f32 product, as the file's `Mul(Cast(q), s)`).
    Int8 {
        q: Vec<i8>,
        scale: Vec<f32>,
    },
}

impl Matrix {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Matrix::F32(v) => v.len(),
            Matrix::Int8 { q, .. } => q.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as f32 (`n` columns).
    pub fn into_f32(self, n: usize) -> Vec<f32> {
        match self {
            Matrix::F32(v) => v,
            Matrix::Int8 { q, scale } => q.chunks_exact(n.max(1)).flat_map(|row| row.iter().zip(&scale).map(|(&x, &s)| f32::from(x) * s)).collect(),
        }
    }

    /// Matrices of `k` rows side by side (`widths[i]` columns each).
    pub fn side_by_side(parts: Vec<(Matrix, usize)>, k: usize) -> Matrix {
        let total: usize = parts.iter().map(|(_, n)| n).sum();
        if parts.iter().all(|(m, _)| matches!(m, Matrix::Int8 { .. })) {
            let (mut q, mut scale) = (vec![0i8; k * total], Vec::with_capacity(total));
            let mut at = 0;
            for (m, n) in parts {
                let Matrix::Int8 { q: pq, scale: ps } = m else { unreachable!("checked above") };
                for (row, src) in q.chunks_exact_mut(total).zip(pq.chunks_exact(n.max(1))) {
                    row[at..at + n].copy_from_slice(src);
                }
                scale.extend_from_slice(&ps);
                at += n;
            }
            return Matrix::Int8 { q, scale };
        }
        let mut w = vec![0f32; k * total];
        let mut at = 0;
        for (m, n) in parts {
            for (row, src) in w.chunks_exact_mut(total).zip(m.into_f32(n).chunks_exact(n.max(1))) {
                row[at..at + n].copy_from_slice(src);
            }
            at += n;
        }
        Matrix::F32(w)
    }
}

/// The scales [`as_int8`] finds for `q * scale[c]`, where they are the file's own: each
/// column's largest |q| is 127 and `127 * scale / 127` rounds back to `scale`. Then `as_int8`
/// would return `q` itself (`x * (1 / scale)` is within a few ulps of `q`, so it rounds to
/// `q`, and `q * scale == x` by definition), so the matrix need not be multiplied out and
/// divided back. `None` when some column is otherwise (the caller takes the general path).
fn own_scales(q: &[i8], scale: &[f32], k: usize, n: usize) -> Option<Vec<f32>> {
    if scale.len() != n || q.len() != k * n {
        return None;
    }
    let mut max = vec![0u8; n];
    for row in q.chunks_exact(n.max(1)) {
        for (m, &x) in max.iter_mut().zip(row) {
            *m = (*m).max(x.unsigned_abs());
        }
    }
    // |q * s| = |q| * s for s > 0, and rounding is monotone, so the column's largest |x| is
    // its largest |q| times s: what `as_int8` measures.
    let own = max.iter().zip(scale).all(|(&m, &s)| m == 127 && s > 0.0 && s.is_finite() && ((127.0 * s) / 127.0).to_bits() == s.to_bits());
    own.then(|| scale.to_vec())
}

/// `q` (`k x n`) as [`Panels::I16`] panels.
fn pack_i16(q: &[i8], mut scale: Vec<f32>, k: usize, n: usize) -> Panels {
    let blocks = n.div_ceil(NR);
    let kp = k.next_multiple_of(2);
    // Written in order, panel by panel (tens of MB: not zeroed first).
    let mut packed = Vec::with_capacity(blocks * kp * NR);
    for b in 0..blocks {
        let cols = NR.min(n - b * NR);
        let row = |r: usize| -> &[i8; NR] { q[r * n + b * NR..][..NR].try_into().expect("a panel's width") };
        let mut kk = 0;
        // Whole panels a pair of rows at once (the places `pair_index` gives them).
        let mut pair = [0i16; 2 * NR];
        while cols == NR && kk + 1 < k {
            interleave_pair(row(kk), row(kk + 1), &mut pair);
            packed.extend_from_slice(&pair);
            kk += 2;
        }
        // The rest of the panel (a last row without its pair, a panel of fewer columns).
        let start = packed.len();
        packed.resize(start + (kp - kk) * NR, 0);
        for r in kk..k {
            for c in 0..cols {
                packed[start + pair_index(r - kk, c)] = q[r * n + b * NR + c] as i16;
            }
        }
    }
    scale.resize(blocks * NR, 0.0);
    Panels::I16 { w: packed, scale }
}

impl Packed {
    /// Pack `w` (`k x n`); `bias` has `n` values (zeros when `None`). The same panels as
    /// [`Packed::new`] over `w`'s values, without multiplying int8 weights out where their
    /// scales are the ones `new` would find.
    pub fn from_matrix(w: Matrix, k: usize, n: usize, bias: Option<&[f32]>) -> Packed {
        if let Matrix::Int8 { q, scale } = &w
            && let Some(scale) = own_scales(q, scale, k, n)
        {
            return Packed::with_panels(pack_i16(q, scale, k, n), k, n, bias);
        }
        Packed::new(&w.into_f32(n), k, n, bias)
    }

    /// Pack row-major `w` (`k x n`); `bias` has `n` values (zeros when `None`).
    pub fn new(w: &[f32], k: usize, n: usize, bias: Option<&[f32]>) -> Packed {
        let blocks = n.div_ceil(NR);
        let panels = match as_int8(w, k, n) {
            Some((q, scale)) => pack_i16(&q, scale, k, n),
            None => {
                let mut panels = vec![0f32; blocks * k * NR];
                for (b, panel) in panels.chunks_exact_mut(k * NR).enumerate() {
                    for kk in 0..k {
                        for c in 0..NR.min(n - b * NR) {
                            panel[kk * NR + c] = w[kk * n + b * NR + c];
                        }
                    }
                }
                Panels::F32(panels)
            }
        };
        Packed::with_panels(panels, k, n, bias)
    }

    fn with_panels(panels: Panels, k: usize, n: usize, bias: Option<&[f32]>) -> Packed {
        let mut b = vec![0f32; n.div_ceil(NR) * NR];
        if let Some(bias) = bias {
            b[..n].copy_from_slice(&bias[..n]);
        }
        Packed { k, n, panels, bias: b }
    }

    /// Output columns.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Does this layer run on integer weights (int8 in the file)?
    pub fn is_integer(&self) -> bool {
        matches!(self.panels, Panels::I16 { .. })
    }

    /// `out[m, n] = x[m, k] · W + bias` (row-major, `x.len() == m * k`).
    ///
    /// With integer weights each row of `x` is first quantized to i16 against its own
    /// largest |value| (`q = nearest(x * limit / max)`, [`activation_limit`]), so a row's
    /// result depends on that row alone, whatever shares the call;
    /// `out = sum(q * w) as f32 * (max / limit * scale[c]) + bias[c]`. Integer sums are
    /// exact, so every build (simd128, relaxed SIMD, the portable kernel) gives the same bits.
    pub fn matmul(&self, x: &[f32], m: usize, out: &mut [f32]) {
        debug_assert_eq!(x.len(), m * self.k);
        debug_assert_eq!(out.len(), m * self.n);
        match &self.panels {
            Panels::F32(panels) => self.matmul_f32(panels, x, m, out),
            Panels::I16 { w, scale } => self.matmul_i16(w, scale, x, m, out),
        }
    }

    fn matmul_f32(&self, panels: &[f32], x: &[f32], m: usize, out: &mut [f32]) {
        let (k, n) = (self.k, self.n);
        let mut tile = [0f32; MR * NR];
        for r0 in (0..m).step_by(MC) {
            let rows = MC.min(m - r0);
            for b in 0..n.div_ceil(NR) {
                let panel = &panels[b * k * NR..(b + 1) * k * NR];
                let bias = &self.bias[b * NR..(b + 1) * NR];
                let cols = NR.min(n - b * NR);
                let mut i = r0;
                while i < r0 + rows {
                    let mr = MR.min(r0 + rows - i);
                    let a = &x[i * k..(i + mr) * k];
                    match mr {
                        4 => kernel::<4>(a, k, panel, bias, &mut tile),
                        3 => kernel::<3>(a, k, panel, bias, &mut tile),
                        2 => kernel::<2>(a, k, panel, bias, &mut tile),
                        _ => kernel::<1>(a, k, panel, bias, &mut tile),
                    }
                    for r in 0..mr {
                        let o = (i + r) * n + b * NR;
                        out[o..o + cols].copy_from_slice(&tile[r * NR..r * NR + cols]);
                    }
                    i += mr;
                }
            }
        }
    }

    fn matmul_i16(&self, w: &[i16], scale: &[f32], x: &[f32], m: usize, out: &mut [f32]) {
        let (k, n) = (self.k, self.n);
        let kp = k.next_multiple_of(2);
        let limit = activation_limit(kp);
        // Quantize every row (the padding column stays 0), into blocks of MR rows whose
        // pairs of `k` lie side by side (`a_index`), as the kernels read them.
        let mut xq = vec![0i16; m.div_ceil(MR) * MR * kp];
        let mut q = vec![0i16; kp];
        let mut row_scale = vec![0f32; m];
        for (r, row) in x.chunks_exact(k).enumerate() {
            let max = max_abs(row);
            if !max.is_finite() {
                row_scale[r] = f32::NAN; // as f32 arithmetic would: NaN out
                continue;
            }
            if max > 0.0 {
                quantize_row(row, limit / max, &mut q[..k]);
                row_scale[r] = max / limit;
                let block = &mut xq[(r / MR) * MR * kp..][..MR * kp];
                for (p, pair) in q.chunks_exact(2).enumerate() {
                    block[a_index(r % MR, 2 * p)..][..2].copy_from_slice(pair);
                }
            }
        }
        let mut tile = [0i32; MR * NR];
        for r0 in (0..m).step_by(MC) {
            let rows = MC.min(m - r0);
            for b in 0..n.div_ceil(NR) {
                let panel = &w[b * kp * NR..(b + 1) * kp * NR];
                let (bias, scale) = (&self.bias[b * NR..(b + 1) * NR], &scale[b * NR..(b + 1) * NR]);
                let cols = NR.min(n - b * NR);
                let mut i = r0;
                while i < r0 + rows {
                    let mr = MR.min(r0 + rows - i);
                    let a = &xq[(i / MR) * MR * kp..][..MR * kp];
                    match mr {
                        4 => tile_i16::<4>(a, kp, panel, &mut tile),
                        3 => tile_i16::<3>(a, kp, panel, &mut tile),
                        2 => tile_i16::<2>(a, kp, panel, &mut tile),
                        _ => tile_i16::<1>(a, kp, panel, &mut tile),
                    }
                    for r in 0..mr {
                        let o = (i + r) * n + b * NR;
                        let rs = row_scale[i + r];
                        let sums = &tile[r * NR..(r + 1) * NR];
                        if let (Ok(out), Ok(scale), Ok(bias)) =
                            (<&mut [f32; NR]>::try_from(&mut out[o..o + cols]), <&[f32; NR]>::try_from(scale), <&[f32; NR]>::try_from(bias))
                        {
                            // A whole panel: fixed lengths, so the compiler drops the bounds
                            // checks and does eight lanes in vector instructions (the same
                            // operations in the same order: the same bits).
                            for c in 0..NR {
                                out[c] = sums[c] as f32 * (rs * scale[c]) + bias[c];
                            }
                        } else {
                            for c in 0..cols {
                                out[o + c] = sums[c] as f32 * (rs * scale[c]) + bias[c];
                            }
                        }
                    }
                    i += mr;
                }
            }
        }
    }
}

/// The largest |v| of a row, NaN skipped (as `f32::max` does), by comparison: `f32::max`
/// is a call to `fmaxf` in wasm (3.5% of a short text's embedding, profiled in V8).
fn max_abs(row: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = row.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            let v = c[l].abs();
            if v > acc[l] {
                acc[l] = v;
            }
        }
    }
    rest.iter().chain(&acc).fold(0f32, |a, v| if v.abs() > a { v.abs() } else { a })
}

/// `q[i] = round_ties_even(row[i] * inv) as i16` for a row whose `|row[i] * inv|` is at most
/// the activation limit (< 2^15) or NaN (which becomes 0, as `as i16` makes it).
fn quantize_row(row: &[f32], inv: f32, q: &mut [i16]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use std::arch::wasm32::*;
        let n = row.len() / 8 * 8;
        let scale = f32x4_splat(inv);
        for (c, d) in row[..n].chunks_exact(8).zip(q[..n].chunks_exact_mut(8)) {
            // SAFETY: `c` holds 8 f32 and `d` 8 i16 (chunks_exact); wasm loads and stores
            // need no alignment.
            unsafe {
                let lo = v128_load(c.as_ptr() as *const v128);
                let hi = v128_load(c.as_ptr().add(4) as *const v128);
                // nearest is round-ties-to-even; trunc_sat of an integral value is exact (NaN
                // -> 0); the narrowing saturates, and the values are within i16 already.
                let lo = i32x4_trunc_sat_f32x4(f32x4_nearest(f32x4_mul(lo, scale)));
                let hi = i32x4_trunc_sat_f32x4(f32x4_nearest(f32x4_mul(hi, scale)));
                v128_store(d.as_mut_ptr() as *mut v128, i16x8_narrow_i32x4(lo, hi));
            }
        }
        for (d, v) in q[n..].iter_mut().zip(&row[n..]) {
            *d = (v * inv).round_ties_even() as i16;
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        // `round_ties_even` would be a libm call here: 15% of an embedding.
        for (d, v) in q.iter_mut().zip(row) {
            *d = round_below_2_22(v * inv) as i16;
        }
    }
}

/// Where quantized activation `(r, kk)` of a block of [`MR`] rows goes: each pair of `k`
/// of the block's rows side by side, so a kernel step reads its rows at fixed distances.
fn a_index(r: usize, kk: usize) -> usize {
    (kk / 2) * 2 * MR + r * 2 + (kk & 1)
}

/// Where weight `(kk, c)` of a panel goes in the i16 layout (see [`Panels::I16`]).
const _: () = assert!(NR == 8, "interleave_pair writes eight columns");

/// Rows `kk` (even) and `kk + 1` of a whole panel, widened, at their [`pair_index`] places:
/// `r0[0] r1[0] r0[1] r1[1] .. r0[3] r1[3]`, then the same for columns 4..8.
fn interleave_pair(r0: &[i8; NR], r1: &[i8; NR], out: &mut [i16; 2 * NR]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use std::arch::wasm32::*;
        // SAFETY: 8 bytes are read from each row and 32 written to `out`, all in bounds by
        // their array types; wasm loads and stores need no alignment.
        unsafe {
            let a = i16x8_extend_low_i8x16(v128_load64_zero(r0.as_ptr().cast()));
            let b = i16x8_extend_low_i8x16(v128_load64_zero(r1.as_ptr().cast()));
            v128_store(out.as_mut_ptr().cast(), i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(a, b));
            v128_store(out.as_mut_ptr().add(NR).cast(), i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(a, b));
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for c in 0..NR {
        out[pair_index(0, c)] = r0[c] as i16;
        out[pair_index(1, c)] = r1[c] as i16;
    }
}

fn pair_index(kk: usize, c: usize) -> usize {
    (kk / 2) * 2 * NR + (c / 4) * 8 + (c % 4) * 2 + (kk & 1)
}

mod kernels;

#[cfg(test)]
use kernels::kernel_i16;
#[cfg(all(test, target_arch = "x86_64"))]
use kernels::kernel_i16_avx2;
use kernels::{kernel, tile_i16};

#[cfg(test)]
mod tests {
    use super::*;

    /// The panels `new` makes from the multiplied-out values.
    fn panels_of(p: &Packed) -> (Vec<i16>, Vec<u32>, Vec<u32>) {
        let bias = p.bias.iter().map(|b| b.to_bits()).collect();
        match &p.panels {
            Panels::I16 { w, scale } => (w.clone(), scale.iter().map(|s| s.to_bits()).collect(), bias),
            Panels::F32(v) => (Vec::new(), v.iter().map(|s| s.to_bits()).collect(), bias),
        }
    }

    #[test]
    fn activations_quantize_as_round_ties_even_would() {
        let limit = activation_limit(1536);
        let mut rng = crate::rng::Rng::new(11);
        // Ties both ways, the limit itself, zeros, NaN among finite values, and random rows of
        // lengths that leave a remainder past the 8-wide chunks.
        let mut rows: Vec<Vec<f32>> = vec![
            vec![0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5, 0.0, -0.0, 4.5],
            vec![limit, -limit, limit - 0.5, 1.0, f32::NAN, -limit + 0.5, 0.25, -0.75, 7.0],
            vec![0.0; 13],
        ];
        for len in [1, 7, 8, 9, 384, 1537] {
            rows.push((0..len).map(|_| (rng.next_f64() as f32 - 0.5) * 40.0).collect());
        }
        for (i, row) in rows.iter().enumerate() {
            let want_max = row.iter().fold(0f32, |a, v| a.max(v.abs()));
            assert_eq!(max_abs(row).to_bits(), want_max.to_bits(), "{row:?}");
            // The first three rows are quantized as they are (inv 1), the others as matmul does.
            let inv = if i < 3 { 1.0 } else { limit / want_max };
            let want: Vec<i16> = row.iter().map(|v| (v * inv).round_ties_even() as i16).collect();
            let mut got = vec![7i16; row.len()];
            quantize_row(row, inv, &mut got);
            assert_eq!(got, want, "{row:?}");
        }
    }

    #[test]
    fn int8_matrices_pack_as_their_values_would() {
        let mut rng = crate::rng::Rng::new(7);
        let (k, n) = (37, 21);
        let bias: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
        // Each column reaches 127 (the file's symmetric quantization), or not, or -128.
        for case in 0..4 {
            for trial in 0..50 {
                let mut q: Vec<i8> = (0..k * n).map(|_| (rng.below(255) as i32 - 127) as i8).collect();
                for c in 0..n {
                    q[(c * 7 + trial) % k * n + c] = if rng.below(2) == 0 { 127 } else { -127 };
                }
                match case {
                    1 => q.iter_mut().for_each(|x| *x /= 2),
                    2 => q[rng.below(k * n)] = -128,
                    _ => {}
                }
                let scale: Vec<f32> = (0..n)
                    .map(|_| match case {
                        3 => f32::from_bits(rng.below(1 << 30) as u32 + (1 << 29)),
                        _ => (rng.below(1_000_000) as f32 + 1.0) * 1e-8,
                    })
                    .collect();
                let values = Matrix::Int8 { q: q.clone(), scale: scale.clone() }.into_f32(n);
                let want = Packed::new(&values, k, n, Some(&bias));
                let got = Packed::from_matrix(Matrix::Int8 { q, scale }, k, n, Some(&bias));
                assert_eq!(panels_of(&got), panels_of(&want), "case {case} trial {trial}");
                assert_eq!(got.is_integer(), want.is_integer());
            }
        }
    }

    #[test]
    fn matrices_side_by_side_keep_their_columns() {
        let a = Matrix::Int8 { q: vec![1, 2, 3, 4], scale: vec![0.5, 0.25] };
        let b = Matrix::Int8 { q: vec![5, 6], scale: vec![2.0] };
        let both = Matrix::side_by_side(vec![(a, 2), (b, 1)], 2);
        assert_eq!(both.into_f32(3), [0.5, 0.5, 10.0, 1.5, 1.0, 12.0]);
        let a = Matrix::Int8 { q: vec![1, 2, 3, 4], scale: vec![0.5, 0.25] };
        let mixed = Matrix::side_by_side(vec![(a, 2), (Matrix::F32(vec![7.0, 8.0]), 1)], 2);
        assert!(matches!(mixed, Matrix::F32(_)));
        assert_eq!(mixed.into_f32(3), [0.5, 0.5, 7.0, 1.5, 1.0, 8.0]);
    }

    /// Packing a pair of rows at once places every value where `pair_index` puts it, with
    /// odd `k` and a last panel of fewer columns.
    #[test]
    fn panels_hold_each_weight_at_its_pair_index() {
        for &(k, n) in &[(2, 8), (5, 8), (6, 13), (384, 24), (7, 3)] {
            let q: Vec<i8> = (0..k * n).map(|i| ((i * 61 + 7) % 255) as i8).collect();
            let Panels::I16 { w, .. } = pack_i16(&q, vec![1.0; n], k, n) else { panic!("int8 panels") };
            let kp = k.next_multiple_of(2);
            for b in 0..n.div_ceil(NR) {
                let panel = &w[b * kp * NR..(b + 1) * kp * NR];
                for kk in 0..kp {
                    for c in 0..NR {
                        let want = if kk < k && b * NR + c < n { q[kk * n + b * NR + c] as i16 } else { 0 };
                        assert_eq!(panel[pair_index(kk, c)], want, "k {k} n {n} panel {b} at {kk},{c}");
                    }
                }
            }
        }
    }

    #[test]
    fn packed_matmul_matches_naive() {
        for &(m, k, n) in &[(1, 3, 5), (4, 8, 8), (7, 13, 19), (67, 32, 24), (16, 384, 10)] {
            let w: Vec<f32> = (0..k * n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
            // int8 with one scale per column, as in the model file.
            // (Row 0 holds 127: symmetric quantization reaches it in every column.)
            let q = |i: usize| if i < n { 127.0 } else { (i * 37 % 255) as f32 - 127.0 };
            let wq: Vec<f32> = (0..k * n).map(|i| q(i) * (0.013 + (i % n) as f32 * 1e-4)).collect();
            let pq = Packed::new(&wq, k, n, None);
            assert!(matches!(pq.panels, Panels::I16 { .. }), "int8 weights are recognised");
            let mut out = vec![0f32; m * n];
            let x: Vec<f32> = (0..m * k).map(|i| ((i * 53 % 89) as f32 - 44.0) / 44.0).collect();
            pq.matmul(&x, m, &mut out);
            for r in 0..m {
                for c in 0..n {
                    let want: f32 = (0..k).map(|kk| x[r * k + kk] * wq[kk * n + c]).sum::<f32>();
                    assert!((out[r * n + c] - want).abs() < 1e-3, "int8 {m}x{k}x{n} at {r},{c}");
                }
            }
            let x: Vec<f32> = (0..m * k).map(|i| ((i * 53 % 89) as f32 - 44.0) / 44.0).collect();
            let bias: Vec<f32> = (0..n).map(|i| i as f32 * 0.25).collect();
            let p = Packed::new(&w, k, n, Some(&bias));
            let mut out = vec![0f32; m * n];
            p.matmul(&x, m, &mut out);
            for r in 0..m {
                for c in 0..n {
                    let want: f32 = bias[c] + (0..k).map(|kk| x[r * k + kk] * w[kk * n + c]).sum::<f32>();
                    assert!((out[r * n + c] - want).abs() < 1e-3, "{m}x{k}x{n} at {r},{c}: {} vs {want}", out[r * n + c]);
                }
            }
        }
    }

    /// Natively the AVX2 kernel runs where the CPU has it: the SSE2 one (every other x86-64
    /// CPU) must give the same sums.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sse2_and_avx2_kernels_agree() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return; // nothing to compare with: the SSE2 kernel is the one every test ran
        }
        let kp = 386;
        let a: Vec<i16> = (0..4 * kp).map(|i| (((i * 7919) % 65_000) as i32 - 32_500) as i16).collect();
        let panel: Vec<i16> = (0..kp * NR).map(|i| ((i * 104_729) % 255) as i16 - 127).collect();
        let (mut x, mut y) = ([0i32; MR * NR], [0i32; MR * NR]);
        kernel_i16::<4>(&a, kp, &panel, &mut x);
        // SAFETY: AVX2 was detected above; sizes as the kernel expects.
        unsafe { kernel_i16_avx2::<4>(&a, kp, &panel, &mut y) };
        assert_eq!(x, y);
        kernel_i16::<3>(&a, kp, &panel, &mut x);
        unsafe { kernel_i16_avx2::<3>(&a, kp, &panel, &mut y) };
        assert_eq!(x[..3 * NR], y[..3 * NR]);
    }

    #[test]
    fn integer_rows_do_not_depend_on_companions() {
        let (k, n) = (1536, 24);
        let wq: Vec<f32> = (0..k * n).map(|i| if i < n { 127.0 } else { (i * 31 % 255) as f32 - 127.0 } * 0.02).collect();
        let p = Packed::new(&wq, k, n, None);
        assert!(matches!(p.panels, Panels::I16 { .. }));
        // Rows of very different magnitudes, an all-zero row and an extreme row.
        let m = 9;
        let mut x: Vec<f32> = (0..m * k).map(|i| ((i * 53 % 89) as f32 - 44.0) * (1.0 + (i / k) as f32 * 10.0)).collect();
        x[2 * k..3 * k].fill(0.0);
        x[5 * k..6 * k].fill(f32::MAX / 4.0);
        let mut all = vec![0f32; m * n];
        p.matmul(&x, m, &mut all);
        for r in 0..m {
            let mut one = vec![0f32; n];
            p.matmul(&x[r * k..(r + 1) * k], 1, &mut one);
            assert_eq!(one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), all[r * n..(r + 1) * n].iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "row {r}");
        }
        assert!(all[2 * n..3 * n].iter().all(|&v| v == 0.0));
        // Largest activations at the largest weights stay inside i32 (no overflow panic in
        // debug builds) and come out close to the f32 product.
        let big = vec![-3.0f32; k];
        let mut out = vec![0f32; n];
        p.matmul(&big, 1, &mut out);
        for c in 0..n {
            let want: f32 = (0..k).map(|kk| -3.0 * wq[kk * n + c]).sum();
            assert!((out[c] - want).abs() <= want.abs() * 1e-4 + 1e-3, "column {c}: {} vs {want}", out[c]);
        }
        // A row holding NaN or infinity gives NaN, as f32 arithmetic would.
        let mut bad = vec![1.0f32; k];
        bad[7] = f32::INFINITY;
        p.matmul(&bad, 1, &mut out);
        assert!(out.iter().all(|v| v.is_nan()));
    }
}
