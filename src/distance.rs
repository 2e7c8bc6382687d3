//! Distance kernels: cosine, dot and squared L2 over f32 slices.
//!
//! All distances are "smaller is closer". Cosine vectors are normalised on the way in,
//! so cosine distance is `1 - dot`. The kernels are written with independent lanes so
//! the compiler vectorises them (SSE2 by default, AVX2+FMA when the CPU has it, chosen
//! once at run time; wasm `simd128` when built with that target feature).

use crate::error::{Error, Result};

/// How two vectors are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `1 - cos(a, b)`; vectors are L2-normalised when they enter the index.
    Cosine,
    /// `-dot(a, b)` (maximum inner product).
    Dot,
    /// Squared Euclidean distance.
    L2,
}

impl Metric {
    pub fn code(self) -> u8 {
        match self {
            Metric::Cosine => 1,
            Metric::Dot => 2,
            Metric::L2 => 3,
        }
    }

    pub fn from_code(code: u8) -> Result<Self> {
        match code {
            1 => Ok(Metric::Cosine),
            2 => Ok(Metric::Dot),
            3 => Ok(Metric::L2),
            other => Err(Error::Corrupt(format!("unknown metric code {other}"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::Dot => "dot",
            Metric::L2 => "l2",
        }
    }

    /// Parse "cosine" / "dot" / "l2".
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "cosine" | "angular" => Ok(Metric::Cosine),
            "dot" | "ip" => Ok(Metric::Dot),
            "l2" | "euclidean" => Ok(Metric::L2),
            other => Err(Error::InvalidParameter(format!("unknown metric {other:?}; use cosine, dot or l2"))),
        }
    }

    /// Distance between two vectors already prepared for this metric.
    #[inline]
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Metric::Cosine => 1.0 - dot(a, b),
            Metric::Dot => -dot(a, b),
            Metric::L2 => l2_squared(a, b),
        }
    }

    /// Prepare a vector for this metric in place (normalise for cosine).
    pub fn prepare(self, v: &mut [f32]) {
        if self == Metric::Cosine {
            normalize(v);
        }
    }
}

/// Check a caller's vector: right length, all values finite.
pub fn validate(v: &[f32], dims: usize) -> Result<()> {
    if v.len() != dims {
        return Err(Error::DimensionMismatch { expected: dims, got: v.len() });
    }
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(Error::NonFiniteValue(i)),
        None => Ok(()),
    }
}

/// Scale to unit length; a zero vector stays zero.
pub fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        let inv = 1.0 / norm;
        v.iter_mut().for_each(|x| *x *= inv);
    }
}

const LANES: usize = 16;

#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn l2_lanes(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        let d = x - y;
        tail += d * d;
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
        super::dot_lanes(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn l2_avx2(a: &[f32], b: &[f32]) -> f32 {
        super::l2_lanes(a, b)
    }

    pub fn has_avx2() -> bool {
        use std::sync::OnceLock;
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
    }
}

/// Inner product.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if x86::has_avx2() {
        // SAFETY: the CPU supports avx2 and fma (checked above).
        return unsafe { x86::dot_avx2(a, b) };
    }
    dot_lanes(a, b)
}

/// Squared Euclidean distance.
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if x86::has_avx2() {
        // SAFETY: the CPU supports avx2 and fma (checked above).
        return unsafe { x86::l2_avx2(a, b) };
    }
    l2_lanes(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn kernels_match_naive_for_odd_lengths() {
        for n in [1usize, 3, 15, 16, 17, 50, 384, 785] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            assert!((dot(&a, &b) - naive_dot(&a, &b)).abs() < 1e-3 * n as f32);
            let l2: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
            assert!((l2_squared(&a, &b) - l2).abs() < 1e-3 * n as f32);
        }
    }

    #[test]
    fn cosine_of_normalised_vectors() {
        let mut a = vec![3.0, 4.0];
        let mut b = vec![4.0, 3.0];
        Metric::Cosine.prepare(&mut a);
        Metric::Cosine.prepare(&mut b);
        assert!((Metric::Cosine.distance(&a, &b) - (1.0 - 24.0 / 25.0)).abs() < 1e-6);
        assert!(Metric::Cosine.distance(&a, &a).abs() < 1e-6);
    }

    #[test]
    fn validate_rejects_bad_vectors() {
        assert_eq!(validate(&[1.0, 2.0], 3), Err(Error::DimensionMismatch { expected: 3, got: 2 }));
        assert_eq!(validate(&[1.0, f32::NAN], 2), Err(Error::NonFiniteValue(1)));
        assert!(validate(&[1.0, 2.0], 2).is_ok());
    }
}
