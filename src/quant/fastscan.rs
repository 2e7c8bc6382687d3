//! A scan of 4-bit PQ codes sixteen at a time ("fast scan", André et al.): a query's
//! distance table rounded to bytes, each code byte of sixteen documents looked up in one
//! byte shuffle (wasm `i8x16.swizzle`, x86 `pshufb`), the bytes summed in 16-bit lanes.
//! Integer sums, so every build gets the same ones; the rounding is bounded, so a caller
//! can keep exactly the documents whose true distance may still rank (see
//! [`ByteTable::bound`]) and measure only those with the table itself.
//!
//! The codes are read in blocks of 16 documents ([`Blocks`]): byte `j` of the sixteen
//! documents' codes side by side, for each `j`.

use super::pq::AdcTable;

/// Documents a block holds.
pub const LANES: usize = 16;

/// 4-bit codes regrouped for the scan: block `b`, code byte `j` = 16 bytes, byte `j` of
/// documents `16 b .. 16 b + 16` (zeros past the last document).
pub struct Blocks {
    bytes: Vec<u8>,
    code_len: usize,
    count: usize,
}

impl Blocks {
    /// From `codes` (`code_len` bytes per document, in node order).
    pub fn of(codes: &[u8], code_len: usize) -> Blocks {
        let count = codes.len().checked_div(code_len).unwrap_or(0);
        let blocks = count.div_ceil(LANES);
        let mut bytes = vec![0u8; blocks * LANES * code_len];
        for (node, code) in codes.chunks_exact(code_len.max(1)).enumerate().take(count) {
            let (b, lane) = (node / LANES, node % LANES);
            let base = b * LANES * code_len;
            for (j, &c) in code.iter().enumerate() {
                bytes[base + j * LANES + lane] = c;
            }
        }
        Blocks { bytes, code_len, count }
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// A query's 4-bit distance table rounded to bytes: entry `c` of subspace `s` stands for
/// `offset_s + delta * q` with `q` in 0..=255; a code's table sum is then
/// `offset + delta * (sum of its bytes)`, within [`ByteTable::bound`].
pub struct ByteTable {
    /// 16 bytes per subspace, subspaces padded to an even count with zeros.
    lut: Vec<u8>,
    offset: f32,
    delta: f32,
    subspaces: usize,
}

impl ByteTable {
    /// The byte form of `table`'s distance part; `None` unless its codes are 4-bit with at
    /// most 256 subspaces (so a sum fits 16 bits).
    pub fn of(table: &AdcTable) -> Option<ByteTable> {
        let (entries, subspaces) = table.entries4()?;
        if subspaces == 0 || subspaces > 256 {
            return None;
        }
        let rows: Vec<&[f32]> = entries.chunks_exact(16).collect();
        let low: Vec<f32> = rows.iter().map(|r| r.iter().copied().fold(f32::INFINITY, f32::min)).collect();
        let span = rows.iter().zip(&low).map(|(r, &m)| r.iter().map(|&x| x - m).fold(0.0f32, f32::max)).fold(0.0f32, f32::max);
        if !span.is_finite() || low.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let delta = if span > 0.0 { span / 255.0 } else { 1.0 };
        let padded = subspaces.div_ceil(2) * 2;
        let mut lut = vec![0u8; padded * 16];
        for (s, (r, &m)) in rows.iter().zip(&low).enumerate() {
            for (c, &x) in r.iter().enumerate() {
                lut[s * 16 + c] = ((x - m) / delta).round().clamp(0.0, 255.0) as u8;
            }
        }
        Some(ByteTable { lut, offset: low.iter().sum(), delta, subspaces })
    }

    /// The table sum a byte sum stands for.
    #[inline]
    pub fn sum_of(&self, bytes: u16) -> f32 {
        self.offset + self.delta * f32::from(bytes)
    }

    /// How far [`ByteTable::sum_of`] can be from the table's own sum: half a step per
    /// subspace, and a margin for the rounding of the float sums on either side.
    pub fn bound(&self) -> f32 {
        let half_steps = 0.5 * self.delta * self.subspaces as f32;
        half_steps * 1.001 + 1e-5 * (self.offset.abs() + self.delta * 255.0 * self.subspaces as f32) + 1e-6
    }

    /// The byte sum of every document in `blocks`, in node order, into `out`.
    pub fn sums(&self, blocks: &Blocks, out: &mut Vec<u16>) {
        out.clear();
        if blocks.code_len * 2 != self.lut.len() / 16 {
            // Codes of another width than the table's: nothing to sum (never from one index).
            return;
        }
        out.resize(blocks.count.div_ceil(LANES) * LANES, 0);
        for (b, chunk) in out.chunks_exact_mut(LANES).enumerate() {
            let block = &blocks.bytes[b * LANES * blocks.code_len..(b + 1) * LANES * blocks.code_len];
            self.block_sums(block, chunk);
        }
        out.truncate(blocks.count);
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn block_sums(&self, block: &[u8], out: &mut [u16]) {
        use core::arch::wasm32::*;
        let mask = u8x16_splat(15);
        let (mut lo, mut hi) = (u16x8_splat(0), u16x8_splat(0));
        for (j, column) in block.chunks_exact(LANES).enumerate() {
            let lut = &self.lut[j * 32..j * 32 + 32];
            // SAFETY: each slice is 16 bytes long (chunks of LANES, and 32-byte table rows);
            // v128_load reads 16 bytes and allows any alignment.
            let (v, t0, t1) =
                unsafe { (v128_load(column.as_ptr() as *const v128), v128_load(lut.as_ptr() as *const v128), v128_load(lut[16..].as_ptr() as *const v128)) };
            let a = u8x16_swizzle(t0, v128_and(v, mask));
            let b = u8x16_swizzle(t1, u8x16_shr(v, 4));
            lo = u16x8_add(lo, u16x8_add(u16x8_extend_low_u8x16(a), u16x8_extend_low_u8x16(b)));
            hi = u16x8_add(hi, u16x8_add(u16x8_extend_high_u8x16(a), u16x8_extend_high_u8x16(b)));
        }
        let mut lanes = [0u16; 16];
        // SAFETY: `lanes` is 32 bytes; v128_store allows any alignment.
        unsafe {
            v128_store(lanes.as_mut_ptr() as *mut v128, lo);
            v128_store(lanes[8..].as_mut_ptr() as *mut v128, hi);
        }
        out.copy_from_slice(&lanes);
    }

    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    fn block_sums(&self, block: &[u8], out: &mut [u16]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3 (checked just above).
            return unsafe { self.block_sums_ssse3(block, out) };
        }
        self.block_sums_scalar(block, out);
    }

    /// The sums without SIMD: what every other path must give.
    #[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
    fn block_sums_scalar(&self, block: &[u8], out: &mut [u16]) {
        out.fill(0);
        for (j, column) in block.chunks_exact(LANES).enumerate() {
            let lut = &self.lut[j * 32..j * 32 + 32];
            for (o, &c) in out.iter_mut().zip(column) {
                *o += u16::from(lut[usize::from(c & 15)]) + u16::from(lut[16 + usize::from(c >> 4)]);
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    fn block_sums_ssse3(&self, block: &[u8], out: &mut [u16]) {
        use std::arch::x86_64::*;
        let mask = _mm_set1_epi8(15);
        let zero = _mm_setzero_si128();
        let (mut lo, mut hi) = (_mm_setzero_si128(), _mm_setzero_si128());
        for (j, column) in block.chunks_exact(LANES).enumerate() {
            let lut = &self.lut[j * 32..j * 32 + 32];
            // SAFETY: 16-byte slices (see the wasm path); unaligned loads.
            let (v, t0, t1) = unsafe {
                (
                    _mm_loadu_si128(column.as_ptr() as *const __m128i),
                    _mm_loadu_si128(lut.as_ptr() as *const __m128i),
                    _mm_loadu_si128(lut[16..].as_ptr() as *const __m128i),
                )
            };
            let a = _mm_shuffle_epi8(t0, _mm_and_si128(v, mask));
            let b = _mm_shuffle_epi8(t1, _mm_and_si128(_mm_srli_epi16(v, 4), mask));
            lo = _mm_add_epi16(lo, _mm_add_epi16(_mm_unpacklo_epi8(a, zero), _mm_unpacklo_epi8(b, zero)));
            hi = _mm_add_epi16(hi, _mm_add_epi16(_mm_unpackhi_epi8(a, zero), _mm_unpackhi_epi8(b, zero)));
        }
        let mut lanes = [0u16; 16];
        // SAFETY: `lanes` is 32 bytes; unaligned stores.
        unsafe {
            _mm_storeu_si128(lanes.as_mut_ptr() as *mut __m128i, lo);
            _mm_storeu_si128(lanes[8..].as_mut_ptr() as *mut __m128i, hi);
        }
        out.copy_from_slice(&lanes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::Metric;
    use crate::quant::{PqParams, ProductQuantizer, Rotation};
    use crate::rng::Rng;

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        let mut v: Vec<f32> = (0..n * dims).map(|_| rng.next_f64() as f32 - 0.5).collect();
        for row in v.chunks_exact_mut(dims) {
            Metric::Cosine.prepare(row);
        }
        v
    }

    /// The byte sums stand for the table's sums within the bound, whatever path computed
    /// them (the scalar one is the reference), for even and odd subspace counts and a
    /// partial last block.
    #[test]
    fn byte_sums_stay_within_the_bound_of_the_table() {
        let dims = 24;
        let base = data(601, dims, 4);
        for subspaces in [8usize, 7, 12] {
            let params = PqParams { subspaces, bits: 4, iterations: 4, sample: 601, seed: 1, rotation: Rotation::None };
            let pq = ProductQuantizer::train(&base, dims, Metric::Cosine, &params, 1).unwrap();
            let m = pq.code_len();
            let mut codes = vec![0u8; 601 * m];
            for (x, c) in base.chunks_exact(dims).zip(codes.chunks_exact_mut(m)) {
                pq.encode(x, c);
            }
            let blocks = Blocks::of(&codes, m);
            assert_eq!(blocks.len(), 601);
            for q in base.chunks_exact(dims).step_by(97) {
                let table = pq.table(q);
                let bytes = ByteTable::of(&table).unwrap();
                let mut sums = Vec::new();
                bytes.sums(&blocks, &mut sums);
                assert_eq!(sums.len(), 601);
                let mut reference = vec![0u16; LANES];
                for (node, code) in codes.chunks_exact(m).enumerate() {
                    let d = table.denominator(code).unwrap();
                    let exact = (table.distance_over(code, d) - 1.0) * d;
                    let got = bytes.sum_of(sums[node]);
                    assert!((got - exact).abs() <= bytes.bound(), "{subspaces} subspaces, node {node}: {got} vs {exact} (bound {})", bytes.bound());
                    if node % LANES == 0 {
                        let b = node / LANES;
                        bytes.block_sums_scalar(&blocks.bytes[b * LANES * m..(b + 1) * LANES * m], &mut reference);
                    }
                    assert_eq!(sums[node], reference[node % LANES], "node {node}: the SIMD sums are the scalar ones");
                }
            }
        }
    }

    #[test]
    fn other_tables_have_no_byte_form() {
        let dims = 16;
        let base = data(300, dims, 2);
        let params = PqParams { subspaces: 4, bits: 8, iterations: 3, sample: 300, seed: 1, rotation: Rotation::None };
        let pq = ProductQuantizer::train(&base, dims, Metric::Cosine, &params, 1).unwrap();
        assert!(ByteTable::of(&pq.table(&base[..dims])).is_none(), "8-bit codes");
        assert!(Blocks::of(&[], 8).is_empty());
    }
}
