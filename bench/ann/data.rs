//! Benchmark data: the .fvecs sets written by `scripts/fetch_data.sh`, .ivecs ground
//! truth files, and the exact distance every recall number is judged by.
//!
//! .fvecs / .ivecs: per vector, a little-endian i32 dimension, then that many
//! little-endian f32 / i32.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The metric of a benchmark set. Distances are "smaller is closer".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Euclidean distance (its square ranks the same).
    L2,
    /// `1 - cos(a, b)`.
    Cosine,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::L2 => "l2",
            Metric::Cosine => "cosine",
        }
    }
}

/// A benchmark set held in memory, row-major.
pub struct Dataset {
    pub name: String,
    pub metric: Metric,
    pub dims: usize,
    pub base: Vec<f32>,
    pub queries: Vec<f32>,
    /// Total base vectors in the file (before any `--base` limit).
    pub base_total: usize,
}

impl Dataset {
    pub fn n_base(&self) -> usize {
        self.base.len() / self.dims
    }
    pub fn n_queries(&self) -> usize {
        self.queries.len() / self.dims
    }
    pub fn query(&self, i: usize) -> &[f32] {
        &self.queries[i * self.dims..(i + 1) * self.dims]
    }
    pub fn base_row(&self, i: usize) -> &[f32] {
        &self.base[i * self.dims..(i + 1) * self.dims]
    }
}

/// The sets this bench knows: name -> metric.
pub fn metric_of(name: &str) -> Option<Metric> {
    match name {
        "fashion-mnist" => Some(Metric::L2),
        "glove-50" => Some(Metric::Cosine),
        _ => None,
    }
}

pub fn base_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}-base.fvecs"))
}

pub fn query_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}-query.fvecs"))
}

/// Load a set, keeping the first `base_limit` base vectors and `query_limit` queries.
pub fn load(dir: &Path, name: &str, base_limit: Option<usize>, query_limit: Option<usize>) -> Result<Dataset, String> {
    let metric = metric_of(name).ok_or_else(|| format!("unknown dataset {name:?}: use fashion-mnist or glove-50"))?;
    let bp = base_path(dir, name);
    let qp = query_path(dir, name);
    for p in [&bp, &qp] {
        if !p.exists() {
            return Err(format!("{} is missing: run scripts/fetch_data.sh {name}", p.display()));
        }
    }
    let (base, dims, base_total) = read_fvecs(&bp, base_limit)?;
    let (queries, qdims, _) = read_fvecs(&qp, query_limit)?;
    if qdims != dims {
        return Err(format!("{}: {qdims} dims, base has {dims}", qp.display()));
    }
    Ok(Dataset { name: name.to_string(), metric, dims, base, queries, base_total })
}

/// Read up to `limit` vectors: (flat values, dims, vectors in the file). Streams the
/// file row by row, so reading holds no second copy of the data (peak memory readings).
pub fn read_fvecs(path: &Path, limit: Option<usize>) -> Result<(Vec<f32>, usize, usize), String> {
    let e = |err: std::io::Error| format!("{}: {err}", path.display());
    let mut f = fs::File::open(path).map_err(e)?;
    let len = f.metadata().map_err(e)?.len() as usize;
    let mut head = [0u8; 4];
    f.read_exact(&mut head).map_err(e)?;
    let dims = i32::from_le_bytes(head);
    if dims <= 0 || dims > 1 << 20 {
        return Err(format!("{}: bad dimension {dims}", path.display()));
    }
    let dims = dims as usize;
    let row = 4 * (dims + 1);
    if !len.is_multiple_of(row) {
        return Err(format!("{}: {len} bytes is not a multiple of the row size {row}", path.display()));
    }
    let total = len / row;
    let n = limit.map_or(total, |l| l.min(total));
    let mut out = Vec::with_capacity(n * dims);
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut buf = vec![0u8; row];
    buf[..4].copy_from_slice(&head);
    for i in 0..n {
        if i == 0 {
            r.read_exact(&mut buf[4..]).map_err(e)?;
        } else {
            r.read_exact(&mut buf).map_err(e)?;
            if buf[..4] != head {
                return Err(format!("{}: row {i} has a different dimension", path.display()));
            }
        }
        out.extend(buf[4..].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    }
    Ok((out, dims, total))
}

/// Read an .ivecs file: (flat values, dims, rows).
pub fn read_ivecs(path: &Path) -> Result<(Vec<u32>, usize, usize), String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (words, dims, total) = split_vecs(&bytes, path, None)?;
    let mut out = Vec::with_capacity(total * dims);
    for row in words.chunks_exact(4 * (dims + 1)) {
        out.extend(row[4..].chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    }
    Ok((out, dims, total))
}

/// Write rows of `dims` ids as .ivecs (atomically: temp file, then rename).
pub fn write_ivecs(path: &Path, ids: &[u32], dims: usize) -> Result<(), String> {
    let mut buf = Vec::with_capacity(ids.len() / dims * (dims + 1) * 4);
    for row in ids.chunks_exact(dims) {
        buf.extend_from_slice(&(dims as i32).to_le_bytes());
        for &id in row {
            buf.extend_from_slice(&id.to_le_bytes());
        }
    }
    let tmp = path.with_extension("ivecs.tmp");
    let mut f = fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    f.write_all(&buf).map_err(|e| format!("{}: {e}", tmp.display()))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Check the layout of a *vecs file and return its first `limit` rows as bytes.
fn split_vecs<'a>(bytes: &'a [u8], path: &Path, limit: Option<usize>) -> Result<(&'a [u8], usize, usize), String> {
    if bytes.len() < 4 {
        return Err(format!("{}: empty or truncated", path.display()));
    }
    let dims = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if dims <= 0 || dims > 1 << 20 {
        return Err(format!("{}: bad dimension {dims}", path.display()));
    }
    let dims = dims as usize;
    let row = 4 * (dims + 1);
    if !bytes.len().is_multiple_of(row) {
        return Err(format!("{}: {} bytes is not a multiple of the row size {row}", path.display(), bytes.len()));
    }
    let total = bytes.len() / row;
    let n = limit.map_or(total, |l| l.min(total));
    let words = &bytes[..n * row];
    for (i, r) in words.chunks_exact(row).enumerate() {
        if r[..4] != bytes[..4] {
            return Err(format!("{}: row {i} has a different dimension", path.display()));
        }
    }
    Ok((words, dims, total))
}

/// L2-normalise row-major vectors in place (zero vectors stay zero).
pub fn normalize(v: &mut [f32], dims: usize) {
    for row in v.chunks_exact_mut(dims) {
        let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 {
            row.iter_mut().for_each(|x| *x /= n);
        }
    }
}

/// L2-normalised copy of row-major vectors.
pub fn normalized(v: &[f32], dims: usize) -> Vec<f32> {
    let mut out = v.to_vec();
    normalize(&mut out, dims);
    out
}

/// The exact distance used for ground truth and recall, in f64 so ties are exact ties.
/// For cosine both vectors must already be normalised.
pub fn exact_distance(metric: Metric, a: &[f32], b: &[f32]) -> f64 {
    match metric {
        Metric::L2 => a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).powi(2)).sum::<f64>(),
        Metric::Cosine => 1.0 - a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum::<f64>(),
    }
}
