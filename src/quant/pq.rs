//! Product quantization (Jégou et al.): split a vector into `subspaces` contiguous parts,
//! learn 256 centroids per part with k-means and store one byte per part (8-bit codes),
//! or 16 centroids and half a byte per part (4-bit codes: a codebook 16x smaller, for
//! small collections where the codebook would outweigh the codes). Distances to a
//! query come from a lookup table built once per query (ADC); distances between two
//! coded vectors from per-subspace centroid tables (SDC), used when linking new nodes.
//! A quantizer may be trained under a [`Rotation`] (OPQ): vectors are rotated before they
//! are cut into parts, queries before their table is built, and codes rotated back when
//! decoded, so every vector in and out of this module is in the model's own space.

use crate::distance::{Metric, dot, l2_squared};
use crate::error::{Error, Result};
use crate::format::half::{f16_to_f32, f32_to_f16};
use crate::format::varint::{Reader, put_varint};
use crate::rng::Rng;

use super::kmeans::{kmeans, nearest};
use super::rotation::Rotation;

/// Centroids per subspace with 8-bit codes.
pub const K: usize = 256;
/// Centroids per subspace with 4-bit codes.
pub const K4: usize = 16;

/// How to train a quantizer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PqParams {
    /// Number of subspaces (bytes per code with 8 bits, half that with 4).
    pub subspaces: usize,
    /// Bits per subspace code: 8 (256 centroids) or 4 (16 centroids).
    pub bits: u8,
    /// Lloyd iterations.
    pub iterations: usize,
    /// Rows sampled for training.
    pub sample: usize,
    pub seed: u64,
    /// Rotate vectors before quantizing them ([`Rotation::None`]: as they are).
    pub rotation: Rotation,
}

impl Default for PqParams {
    fn default() -> Self {
        PqParams { subspaces: 16, bits: 8, iterations: 12, sample: 256 * 48, seed: 42, rotation: Rotation::None }
    }
}

/// A trained product quantizer.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductQuantizer {
    metric: Metric,
    dims: usize,
    /// Subspace j covers dimensions `bounds[j] .. bounds[j + 1]`.
    bounds: Vec<usize>,
    /// Centroids per subspace: 256 or 16.
    k: usize,
    /// Subspace j's `k` centroids, row-major, start at `k * bounds[j]` (in the rotated
    /// space under a rotation).
    centroids: Vec<f32>,
    rotation: Rotation,
}

/// A query's distance table: `table[j * k + c]` is the part of the distance contributed by
/// centroid `c` of subspace `j`.
///
/// Cosine: the distance is `1 - <q, x̂> / |x̂|`, where x̂ is the code's reconstruction and
/// `|x̂|` comes from the code too (`norms[j * k + c]` = the centroid's squared norm).
/// k-means pulls centroids toward their cell's mean, so reconstructions are shorter than
/// the unit vectors they stand for, the more so the worse they fit; dividing by `|x̂|`
/// ranks them as cosine does (measured on MiniLM vectors with `bench/browser/pqlab.rs`
/// before and after: the share of the true top 10 among the PQ top 16 rose 0.783 -> 0.813
/// on FanOutQA queries and 0.717 -> 0.748 on WordNet ones, no byte added).
pub struct AdcTable {
    table: Vec<f32>,
    norms: Option<Vec<f32>>,
    bias: f32,
    k: usize,
    subspaces: usize,
}

impl AdcTable {
    /// Approximate distance from the query to a coded vector.
    #[inline]
    pub fn distance(&self, code: &[u8]) -> f32 {
        match (&self.norms, self.k == K4) {
            (Some(n), true) => {
                let (s, norm) = self.sums4(n, code);
                self.bias + s / norm.sqrt().max(1e-6)
            }
            (Some(n), false) => self.bias + self.sum8(&self.table, code) / self.sum8(n, code).sqrt().max(1e-6),
            (None, true) => self.bias + self.sum4(&self.table, code),
            (None, false) => self.bias + self.sum8(&self.table, code),
        }
    }

    /// The distance part of a table of 4-bit codes (16 entries a subspace) and its subspace
    /// count; `None` for 8-bit codes. A code's distance is `bias + sum / denominator`
    /// (cosine) or `bias + sum`, the sum over its subspaces' entries.
    pub fn entries4(&self) -> Option<(&[f32], usize)> {
        (self.k == K4).then_some((&self.table[..], self.subspaces))
    }

    /// The constant the distance adds to the table's sum.
    pub fn bias(&self) -> f32 {
        self.bias
    }

    /// What [`AdcTable::distance`] divides by for `code`: the length of its reconstruction
    /// (cosine; `None` for the other metrics, which divide by nothing). A property of the
    /// code and the codebook, not of the query, so a scan can keep it per code.
    #[inline]
    pub fn denominator(&self, code: &[u8]) -> Option<f32> {
        let n = self.norms.as_ref()?;
        let norm = if self.k == K4 { self.sum4(n, code) } else { self.sum8(n, code) };
        Some(norm.sqrt().max(1e-6))
    }

    /// [`AdcTable::distance`] given the code's [`AdcTable::denominator`] (the same bits,
    /// half the lookups of a 4-bit cosine code).
    #[inline]
    pub fn distance_over(&self, code: &[u8], denominator: f32) -> f32 {
        let s = if self.k == K4 { self.sum4(&self.table, code) } else { self.sum8(&self.table, code) };
        if self.norms.is_some() { self.bias + s / denominator } else { self.bias + s }
    }

    /// 4-bit codes, the distance table's and the norm table `n`'s entries in one pass.
    #[inline]
    fn sums4(&self, n: &[f32], code: &[u8]) -> (f32, f32) {
        let t = &self.table;
        let (mut s0, mut s1, mut n0, mut n1) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        let pairs = self.subspaces / 2;
        for (i, &c) in code[..pairs].iter().enumerate() {
            let (a, b) = ((2 * i) * K4 + (c & 15) as usize, (2 * i + 1) * K4 + (c >> 4) as usize);
            s0 += t[a];
            n0 += n[a];
            s1 += t[b];
            n1 += n[b];
        }
        if self.subspaces % 2 == 1 {
            let a = (self.subspaces - 1) * K4 + (code[pairs] & 15) as usize;
            s0 += t[a];
            n0 += n[a];
        }
        (s0 + s1, n0 + n1)
    }

    /// The entries of table `t` a code with 8-bit subspace codes picks, summed.
    #[inline]
    fn sum8(&self, t: &[f32], code: &[u8]) -> f32 {
        let mut acc = [0.0f32; 4];
        let mut chunks = code.chunks_exact(4);
        let mut j = 0;
        for c in &mut chunks {
            for l in 0..4 {
                acc[l] += t[(j + l) * K + c[l] as usize];
            }
            j += 4;
        }
        let mut tail = 0.0;
        for &c in chunks.remainder() {
            tail += t[j * K + c as usize];
            j += 1;
        }
        acc[0] + acc[1] + acc[2] + acc[3] + tail
    }

    /// 4-bit codes: subspace `2i` in the low nibble of byte `i`, `2i + 1` in the high one.
    #[inline]
    fn sum4(&self, t: &[f32], code: &[u8]) -> f32 {
        let (mut lo, mut hi) = (0.0f32, 0.0f32);
        let pairs = self.subspaces / 2;
        for (i, &c) in code[..pairs].iter().enumerate() {
            lo += t[(2 * i) * K4 + (c & 15) as usize];
            hi += t[(2 * i + 1) * K4 + (c >> 4) as usize];
        }
        if self.subspaces % 2 == 1 {
            lo += t[(self.subspaces - 1) * K4 + (code[pairs] & 15) as usize];
        }
        lo + hi
    }
}

/// The centroid index of subspace `j` in a code.
#[inline]
fn code_at(code: &[u8], j: usize, k: usize) -> usize {
    if k == K4 { ((code[j / 2] >> (4 * (j % 2))) & 15) as usize } else { code[j] as usize }
}

fn bounds_for(dims: usize, subspaces: usize) -> Vec<usize> {
    (0..=subspaces).map(|j| j * dims / subspaces).collect()
}

impl ProductQuantizer {
    /// Train on row-major `data` (`n * dims`). Subspaces are trained on up to `threads`
    /// threads. Cosine data must already be normalised.
    pub fn train(data: &[f32], dims: usize, metric: Metric, params: &PqParams, threads: usize) -> Result<Self> {
        if params.subspaces == 0 || params.subspaces > dims {
            return Err(Error::InvalidParameter(format!("PQ subspaces must be within 1..={dims} (the dimensions), got {}", params.subspaces)));
        }
        if params.bits != 4 && params.bits != 8 {
            return Err(Error::InvalidParameter(format!("PQ codes have 4 or 8 bits, got {}", params.bits)));
        }
        if data.is_empty() || !data.len().is_multiple_of(dims) {
            return Err(Error::InvalidParameter("PQ training needs at least one vector".into()));
        }
        if let Some(d) = params.rotation.dims()
            && d != dims
        {
            return Err(Error::InvalidParameter(format!("rotation {:?} is for {d} dimensions, the vectors have {dims}", params.rotation)));
        }
        if data.iter().any(|x| x.abs() > 60_000.0) {
            return Err(Error::InvalidParameter("a pruned index stores its codebook in half precision: scale vector values into ±60000".into()));
        }
        let n = data.len() / dims;
        let mut rng = Rng::new(params.seed);
        let mut rows: Vec<usize> = (0..n).collect();
        let take = params.sample.clamp(1, n);
        for i in 0..take {
            let j = i + rng.below(n - i);
            rows.swap(i, j);
        }
        rows.truncate(take);
        rows.sort_unstable();
        // The sampled rows, rotated when trained under a rotation.
        let sample: Vec<f32> = match params.rotation.matrix() {
            None => rows.iter().flat_map(|&r| &data[r * dims..(r + 1) * dims]).copied().collect(),
            Some(m) => {
                let (mut out, mut v) = (Vec::with_capacity(rows.len() * dims), Vec::with_capacity(dims));
                for &r in &rows {
                    m.apply(&data[r * dims..(r + 1) * dims], &mut v);
                    out.extend_from_slice(&v);
                }
                out
            }
        };
        let bounds = bounds_for(dims, params.subspaces);
        let k = if params.bits == 4 { K4 } else { K };
        let train_one = |j: usize| {
            let (lo, hi) = (bounds[j], bounds[j + 1]);
            let mut block = Vec::with_capacity(rows.len() * (hi - lo));
            for row in sample.chunks_exact(dims) {
                block.extend_from_slice(&row[lo..hi]);
            }
            let mut rng = Rng::new(params.seed ^ (j as u64).wrapping_mul(0x9E37));
            kmeans(&block, hi - lo, k, params.iterations, &mut rng)
        };
        let parts: Vec<Vec<f32>> = crate::parallel::map(params.subspaces, threads, &train_one);
        let mut centroids = parts.concat();
        for c in &mut centroids {
            *c = f16_to_f32(f32_to_f16(*c));
        }
        Ok(ProductQuantizer { metric, dims, bounds, k, centroids, rotation: params.rotation })
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn subspaces(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The rotation vectors are quantized under.
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }

    /// `v` in the space the centroids live in: rotated into `buf`, or `v` itself.
    fn rotated<'a>(&self, v: &'a [f32], buf: &'a mut Vec<f32>) -> &'a [f32] {
        match self.rotation.matrix() {
            None => v,
            Some(m) => {
                m.apply(v, buf);
                buf
            }
        }
    }

    /// Rotate `out` (in the centroids' space) back into the model's space.
    fn unrotate(&self, out: &mut Vec<f32>) {
        if let Some(m) = self.rotation.matrix() {
            let mut back = Vec::with_capacity(self.dims);
            m.invert(out, &mut back);
            *out = back;
        }
    }

    /// Bits per subspace code (4 or 8).
    pub fn bits(&self) -> u8 {
        if self.k == K4 { 4 } else { 8 }
    }

    /// Bytes per code.
    pub fn code_len(&self) -> usize {
        if self.k == K4 { self.subspaces().div_ceil(2) } else { self.subspaces() }
    }

    fn centroids_of(&self, j: usize) -> (&[f32], usize) {
        let (lo, hi) = (self.bounds[j], self.bounds[j + 1]);
        (&self.centroids[self.k * lo..self.k * hi], hi - lo)
    }

    /// Write the code of `v` (prepared for the metric) into `out` (`code_len` bytes).
    pub fn encode(&self, v: &[f32], out: &mut [u8]) {
        let mut buf = Vec::new();
        let v = self.rotated(v, &mut buf);
        out.iter_mut().for_each(|o| *o = 0);
        for j in 0..self.subspaces() {
            let (cents, d) = self.centroids_of(j);
            let c = nearest(cents, d, &v[self.bounds[j]..self.bounds[j + 1]]) as u8;
            if self.k == K4 {
                out[j / 2] |= c << (4 * (j % 2));
            } else {
                out[j] = c;
            }
        }
    }

    /// Reconstruct the vector a code stands for.
    pub fn decode(&self, code: &[u8], out: &mut Vec<f32>) {
        out.clear();
        for j in 0..self.subspaces() {
            let (cents, d) = self.centroids_of(j);
            let c = code_at(code, j, self.k);
            out.extend_from_slice(&cents[c * d..(c + 1) * d]);
        }
        self.unrotate(out);
    }

    /// The mean of the vectors `codes` stand for, from how often each centroid is used
    /// (no code is decoded); zeros for no codes.
    pub fn mean<'a>(&self, codes: impl Iterator<Item = &'a [u8]>) -> Vec<f32> {
        let m = self.subspaces();
        let mut counts = vec![0u64; m * self.k];
        let mut n = 0u64;
        for code in codes {
            n += 1;
            for j in 0..m {
                counts[j * self.k + code_at(code, j, self.k)] += 1;
            }
        }
        let mut out = vec![0f32; self.dims];
        if n == 0 {
            return out;
        }
        for j in 0..m {
            let (cents, d) = self.centroids_of(j);
            let part = &mut out[self.bounds[j]..self.bounds[j + 1]];
            for (c, cent) in cents.chunks_exact(d).enumerate() {
                let w = (counts[j * self.k + c] as f64 / n as f64) as f32;
                part.iter_mut().zip(cent).for_each(|(o, &x)| *o += w * x);
            }
        }
        self.unrotate(&mut out);
        out
    }

    /// The ADC table for a query (prepared for the metric).
    pub fn table(&self, q: &[f32]) -> AdcTable {
        let mut buf = Vec::new();
        let q = self.rotated(q, &mut buf);
        let (m, k) = (self.subspaces(), self.k);
        let mut table = vec![0.0f32; m * k];
        for j in 0..m {
            let (cents, d) = self.centroids_of(j);
            let qj = &q[self.bounds[j]..self.bounds[j + 1]];
            for (c, cent) in cents.chunks_exact(d).enumerate() {
                table[j * k + c] = match self.metric {
                    Metric::L2 => l2_squared(qj, cent),
                    Metric::Cosine | Metric::Dot => -dot(qj, cent),
                };
            }
        }
        let cosine = self.metric == Metric::Cosine;
        let norms = cosine.then(|| {
            let mut n = vec![0.0f32; m * k];
            for j in 0..m {
                let (cents, d) = self.centroids_of(j);
                for (c, cent) in cents.chunks_exact(d).enumerate() {
                    n[j * k + c] = dot(cent, cent);
                }
            }
            n
        });
        AdcTable { table, norms, bias: if cosine { 1.0 } else { 0.0 }, k, subspaces: m }
    }

    /// Centroid-to-centroid tables for distances between two codes (SDC): `m * k * k`.
    pub fn sdc_tables(&self) -> Vec<f32> {
        let (m, k) = (self.subspaces(), self.k);
        let mut t = vec![0.0f32; m * k * k];
        for j in 0..m {
            let (cents, d) = self.centroids_of(j);
            for a in 0..k {
                for b in 0..k {
                    let (x, y) = (&cents[a * d..(a + 1) * d], &cents[b * d..(b + 1) * d]);
                    t[(j * k + a) * k + b] = match self.metric {
                        Metric::L2 => l2_squared(x, y),
                        Metric::Cosine | Metric::Dot => -dot(x, y),
                    };
                }
            }
        }
        t
    }

    /// Distance between two codes from [`ProductQuantizer::sdc_tables`].
    #[inline]
    pub fn sdc_distance(&self, tables: &[f32], a: &[u8], b: &[u8]) -> f32 {
        let bias = if self.metric == Metric::Cosine { 1.0 } else { 0.0 };
        let mut s = bias;
        let k = self.k;
        if k == K {
            for (j, (&x, &y)) in a.iter().zip(b).enumerate() {
                s += tables[(j * K + x as usize) * K + y as usize];
            }
        } else {
            for j in 0..self.subspaces() {
                s += tables[(j * k + code_at(a, j, k)) * k + code_at(b, j, k)];
            }
        }
        s
    }

    /// Serialise: `[varint(0) u8(rotation id)] varint(dims) varint(subspaces)` then the
    /// centroids as f16 LE (bounds are derived; the centroid count, 256 or 16, follows from
    /// the length). The rotation's two bytes are written only under a rotation (dims are
    /// never 0), so a codebook without one has the layout of every earlier nook's.
    /// Centroids are rounded to half precision when trained, so what is saved is exactly
    /// what searches used.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        if self.rotation != Rotation::None {
            put_varint(out, 0);
            out.push(self.rotation.id());
        }
        put_varint(out, self.dims as u64);
        put_varint(out, self.subspaces() as u64);
        out.reserve(self.centroids.len() * 2);
        for &c in &self.centroids {
            out.extend_from_slice(&f32_to_f16(c).to_le_bytes());
        }
    }

    pub fn from_bytes(bytes: &[u8], metric: Metric, dims: usize) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let mut d = r.count(1 << 16, "PQ dimensions")?;
        let mut rotation = Rotation::None;
        if d == 0 {
            rotation = Rotation::from_id(r.u8()?)?;
            if rotation == Rotation::None {
                return Err(Error::Corrupt("codebook names no rotation where it announced one".into()));
            }
            d = r.count(1 << 16, "PQ dimensions")?;
        }
        let m = r.count(d, "PQ subspaces")?;
        if d != dims || m == 0 {
            return Err(Error::Corrupt(format!("codebook is for {d} dimensions / {m} subspaces; index has {dims}")));
        }
        if let Some(rd) = rotation.dims()
            && rd != dims
        {
            return Err(Error::Corrupt(format!("codebook's rotation ({rotation:?}) is for {rd} dimensions; index has {dims}")));
        }
        let rest = r.take(r.remaining())?;
        let k = match rest.len() {
            l if l == K * dims * 2 => K,
            l if l == K4 * dims * 2 => K4,
            l => {
                return Err(Error::Corrupt(format!("codebook holds {l} bytes, expected {} (8-bit) or {} (4-bit)", K * dims * 2, K4 * dims * 2)));
            }
        };
        let centroids: Vec<f32> = rest.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect();
        if centroids.iter().any(|x| !x.is_finite()) {
            return Err(Error::Corrupt("codebook contains non-finite values".into()));
        }
        Ok(ProductQuantizer { metric, dims, bounds: bounds_for(dims, m), k, centroids, rotation })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        (0..n * dims).map(|_| rng.next_f64() as f32).collect()
    }

    /// A distance from a kept denominator is the distance, bit for bit (4- and 8-bit codes,
    /// cosine, and the metrics that divide by nothing).
    #[test]
    fn a_kept_denominator_gives_the_same_distance() {
        let dims = 24;
        let base = data(600, dims, 9);
        for (bits, metric) in [(4u8, Metric::Cosine), (8, Metric::Cosine), (4, Metric::L2), (8, Metric::Dot)] {
            let params = PqParams { subspaces: 7, bits, iterations: 4, sample: 600, seed: 1, rotation: Rotation::None };
            let pq = ProductQuantizer::train(&base, dims, metric, &params, 1).unwrap();
            let mut code = vec![0u8; pq.code_len()];
            for (i, q) in base.chunks_exact(dims).take(20).enumerate() {
                let t = pq.table(q);
                for x in base.chunks_exact(dims).skip(100 + i).step_by(37) {
                    pq.encode(x, &mut code);
                    let kept = t.denominator(&code);
                    assert_eq!(kept.is_some(), metric == Metric::Cosine);
                    assert_eq!(t.distance_over(&code, kept.unwrap_or(1.0)).to_bits(), t.distance(&code).to_bits(), "{bits} bits, {metric:?}");
                }
            }
        }
    }

    #[test]
    fn the_mean_of_codes_is_the_mean_of_their_reconstructions() {
        let dims = 24;
        let base = data(500, dims, 5);
        for bits in [4u8, 8] {
            let params = PqParams { subspaces: 6, bits, iterations: 5, sample: 500, seed: 3, rotation: Rotation::None };
            let pq = ProductQuantizer::train(&base, dims, Metric::L2, &params, 1).unwrap();
            let codes: Vec<Vec<u8>> = base
                .chunks_exact(dims)
                .map(|row| {
                    let mut c = vec![0u8; pq.code_len()];
                    pq.encode(row, &mut c);
                    c
                })
                .collect();
            let mut want = vec![0f64; dims];
            let mut v = Vec::new();
            for c in &codes {
                pq.decode(c, &mut v);
                want.iter_mut().zip(&v).for_each(|(w, &x)| *w += f64::from(x) / codes.len() as f64);
            }
            let got = pq.mean(codes.iter().map(Vec::as_slice));
            assert!(got.iter().zip(&want).all(|(g, w)| (f64::from(*g) - w).abs() < 1e-5), "{bits} bits: {got:?} vs {want:?}");
            assert_eq!(pq.mean(std::iter::empty()), vec![0.0; dims]);
        }
    }

    #[test]
    fn adc_tracks_true_distance_and_round_trips() {
        let dims = 24;
        let base = data(2000, dims, 1);
        let params = PqParams { subspaces: 8, bits: 8, iterations: 10, sample: 2000, seed: 3, rotation: Rotation::None };
        let pq = ProductQuantizer::train(&base, dims, Metric::L2, &params, 2).unwrap();
        let q = &base[..dims];
        let table = pq.table(q);
        let mut code = vec![0u8; 8];
        let mut err = 0.0;
        let mut total = 0.0;
        for row in base.chunks_exact(dims).skip(1).take(200) {
            pq.encode(row, &mut code);
            let approx = table.distance(&code);
            let exact = l2_squared(q, row);
            err += (approx - exact).abs();
            total += exact;
        }
        assert!(err / total < 0.25, "relative ADC error {}", err / total);
        let mut bytes = Vec::new();
        pq.to_bytes(&mut bytes);
        assert_eq!(ProductQuantizer::from_bytes(&bytes, Metric::L2, dims).unwrap(), pq);
        assert!(ProductQuantizer::from_bytes(&bytes[..bytes.len() - 1], Metric::L2, dims).is_err());
        assert!(ProductQuantizer::from_bytes(&bytes, Metric::L2, dims + 1).is_err());
    }

    #[test]
    fn sdc_matches_decoded_distance() {
        let dims = 16;
        let base = data(600, dims, 9);
        let params = PqParams { subspaces: 4, bits: 8, iterations: 5, sample: 600, seed: 1, rotation: Rotation::None };
        let pq = ProductQuantizer::train(&base, dims, Metric::L2, &params, 1).unwrap();
        let t = pq.sdc_tables();
        let (mut a, mut b) = (vec![0u8; 4], vec![0u8; 4]);
        pq.encode(&base[..dims], &mut a);
        pq.encode(&base[dims..2 * dims], &mut b);
        let (mut da, mut db) = (Vec::new(), Vec::new());
        pq.decode(&a, &mut da);
        pq.decode(&b, &mut db);
        assert!((pq.sdc_distance(&t, &a, &b) - l2_squared(&da, &db)).abs() < 1e-4);
    }

    #[test]
    fn four_bit_codes_are_half_size_and_consistent() {
        let dims = 18;
        let base = data(1500, dims, 4);
        let params = PqParams { subspaces: 9, bits: 4, iterations: 8, sample: 1500, seed: 2, rotation: Rotation::None };
        let pq = ProductQuantizer::train(&base, dims, Metric::L2, &params, 2).unwrap();
        assert_eq!((pq.bits(), pq.code_len()), (4, 5));
        let t = pq.sdc_tables();
        let (mut a, mut b) = (vec![0u8; 5], vec![0u8; 5]);
        pq.encode(&base[..dims], &mut a);
        pq.encode(&base[dims..2 * dims], &mut b);
        let (mut da, mut db) = (Vec::new(), Vec::new());
        pq.decode(&a, &mut da);
        pq.decode(&b, &mut db);
        assert!((pq.sdc_distance(&t, &a, &b) - l2_squared(&da, &db)).abs() < 1e-4);
        let table = pq.table(&base[..dims]);
        assert!((table.distance(&b) - l2_squared(&base[..dims], &db)).abs() < 1e-3);
        let mut bytes = Vec::new();
        pq.to_bytes(&mut bytes);
        assert!(bytes.len() < 16 * dims * 2 + 8, "4-bit codebook is 16 centroids per subspace");
        assert_eq!(ProductQuantizer::from_bytes(&bytes, Metric::L2, dims).unwrap(), pq);
        assert!(ProductQuantizer::train(&base, dims, Metric::L2, &PqParams { bits: 5, ..params }, 1).is_err());
    }

    #[test]
    fn a_rotated_codebook_keeps_the_model_space_and_names_its_rotation() {
        let dims = 384;
        let mut base = data(600, dims, 8);
        for row in base.chunks_exact_mut(dims) {
            crate::distance::normalize(row);
        }
        let params = PqParams { subspaces: 64, bits: 4, iterations: 6, sample: 600, seed: 2, rotation: Rotation::MiniLmL6 };
        let pq = ProductQuantizer::train(&base, dims, Metric::Cosine, &params, 2).unwrap();
        assert_eq!(pq.rotation(), Rotation::MiniLmL6);
        let plain = ProductQuantizer::train(&base, dims, Metric::Cosine, &PqParams { rotation: Rotation::None, ..params }, 2).unwrap();
        // Decoded vectors and the mean are in the model's space: a code's vector is near
        // its own vector (not near its rotation), and the ADC distance is the decoded one's.
        let q = &base[dims..2 * dims];
        let table = pq.table(q);
        let mut code = vec![0u8; pq.code_len()];
        let mut v = Vec::new();
        for row in base.chunks_exact(dims).take(50) {
            pq.encode(row, &mut code);
            pq.decode(&code, &mut v);
            let norm = dot(&v, &v).sqrt();
            assert!(dot(row, &v) / norm > 0.3, "the decoded vector is in the row's space");
            assert!((table.distance(&code) - (1.0 - dot(q, &v) / norm)).abs() < 1e-2, "ADC is the decoded vector's cosine distance");
        }
        let mean = pq.mean(std::iter::once(&code[..]));
        assert!(mean.iter().zip(&v).all(|(a, b)| (a - b).abs() < 1e-4), "the mean of one code is its vector");
        // Bytes: rotation announced by a zero and its id; a codebook without one keeps the
        // layout of earlier nooks (dims first).
        let (mut bytes, mut old) = (Vec::new(), Vec::new());
        pq.to_bytes(&mut bytes);
        plain.to_bytes(&mut old);
        assert_eq!(&bytes[..2], &[0, Rotation::MiniLmL6.id()]);
        assert_eq!(&old[..2], &[0x80, 3], "varint 384 first");
        assert_eq!(ProductQuantizer::from_bytes(&bytes, Metric::Cosine, dims).unwrap(), pq);
        assert_eq!(ProductQuantizer::from_bytes(&old, Metric::Cosine, dims).unwrap(), plain);
        // A codebook of the retired rotation (id 1, earlier nooks') reads back under it.
        let retired = ProductQuantizer::train(&base, dims, Metric::Cosine, &PqParams { rotation: Rotation::MiniLmL6Retired, ..params }, 2).unwrap();
        let mut one = Vec::new();
        retired.to_bytes(&mut one);
        assert_eq!(&one[..2], &[0, 1]);
        let back = ProductQuantizer::from_bytes(&one, Metric::Cosine, dims).unwrap();
        assert_eq!((back.rotation(), &back), (Rotation::MiniLmL6Retired, &retired));
        let mut unknown = bytes.clone();
        unknown[1] = 200;
        assert!(matches!(ProductQuantizer::from_bytes(&unknown, Metric::Cosine, dims), Err(Error::Corrupt(_))));
        let mut none = bytes.clone();
        none[1] = 0;
        assert!(matches!(ProductQuantizer::from_bytes(&none, Metric::Cosine, dims), Err(Error::Corrupt(_))));
        // A rotation is for its width only.
        let narrow = data(100, 24, 1);
        let e = ProductQuantizer::train(&narrow, 24, Metric::Cosine, &PqParams { subspaces: 4, ..params }, 1).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter(_)), "{e:?}");
    }
}
