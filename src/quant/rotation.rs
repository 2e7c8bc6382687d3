//! A rotation applied to vectors before product quantization (OPQ, Ge et al.): PQ cuts a
//! vector into contiguous parts and quantizes each alone, so what one part shares with
//! another is lost; an orthogonal rotation learned to minimise that loss leaves every
//! inner product as it was and gives the same 32-byte codes a better order.
//!
//! A rotation is learned once per model, offline, on corpora no benchmark asks
//! (`bench/rotation/run.sh`), and shipped in the crate: 384 x 384 half floats,
//! 288 KB of the wasm, no byte in any index. A codebook names the rotation it was trained
//! under by a one-byte id ([`Rotation::id`]); one trained without names none, and reads as
//! it always did. Which model a rotation was learned for is its [`model
//! mark`](Matrix::mark): a collection takes the rotation whose mark its model matches, and
//! quantizes without one otherwise (a rotation learned on another model's vectors is just an
//! arbitrary one there).
//!
//! The embedded file:
//!
//! ```text
//! b"NKRT" u8(version=1) u16 LE dims | i8 x dims (the model's mark) |
//! f16 LE x dims x dims (row j: the direction rotated component j reads) | u32 LE crc32
//! ```

use std::sync::OnceLock;

use crate::distance::dot;
use crate::error::{Error, Result};
use crate::format::half::f16_to_f32;
use crate::records::{self, Frame};

/// The rotation learned for all-MiniLM-L6-v2 (int8 weights, nook's model file).
static MINILM_L6: &[u8] = include_bytes!("minilm-l6.rotation");

/// A rotation file's framing (magic, version, crc32), checked as records' are.
const FRAME: Frame = Frame { magic: b"NKRT", version: 1, name: "rotation", written: "this rotation file was" };

/// Which rotation a codebook was trained under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rotation {
    /// Vectors are quantized as they are (every codebook written before rotations).
    #[default]
    None,
    /// The rotation learned for all-MiniLM-L6-v2.
    MiniLmL6,
}

/// A parsed rotation file.
#[derive(Debug)]
pub struct Matrix {
    dims: usize,
    mark: Vec<i8>,
    /// Row-major, `dims x dims`: rotated component j is `<x, rows[j]>`.
    rows: Vec<f32>,
}

impl Rotation {
    /// Every rotation this nook ships (besides [`Rotation::None`]).
    pub const SHIPPED: [Rotation; 1] = [Rotation::MiniLmL6];

    /// The id a codebook stores (0: none).
    pub fn id(self) -> u8 {
        match self {
            Rotation::None => 0,
            Rotation::MiniLmL6 => 1,
        }
    }

    pub fn from_id(id: u8) -> Result<Rotation> {
        match id {
            0 => Ok(Rotation::None),
            1 => Ok(Rotation::MiniLmL6),
            _ => Err(Error::Corrupt(format!("codebook names rotation {id}, which this nook does not know (a newer nook wrote it)"))),
        }
    }

    /// The rotation's matrix; `None` for [`Rotation::None`].
    pub fn matrix(self) -> Option<&'static Matrix> {
        match self {
            Rotation::None => None,
            Rotation::MiniLmL6 => {
                static M: OnceLock<Matrix> = OnceLock::new();
                // The file is part of the crate (a unit test parses it), not input.
                Some(M.get_or_init(|| Matrix::parse(MINILM_L6).expect("the shipped rotation file is well formed")))
            }
        }
    }

    /// The dimensions it applies to (`None` for [`Rotation::None`], which applies to all).
    pub fn dims(self) -> Option<usize> {
        self.matrix().map(|m| m.dims)
    }
}

impl Matrix {
    fn parse(bytes: &[u8]) -> records::Result<Matrix> {
        let body = FRAME.open(bytes, 2)?;
        let dims = usize::from(u16::from_le_bytes([body[0], body[1]]));
        let rest = &body[2..];
        let size = dims.checked_mul(dims).and_then(|n| n.checked_mul(2)).and_then(|n| n.checked_add(dims));
        if dims == 0 || size != Some(rest.len()) {
            return Err(FRAME.bad("its size does not match its dimensions"));
        }
        let (mark, matrix) = rest.split_at(dims);
        let mark = mark.iter().map(|&b| b as i8).collect();
        let rows: Vec<f32> = matrix.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect();
        if rows.iter().any(|x| !x.is_finite()) {
            return Err(FRAME.bad("non-finite entries"));
        }
        Ok(Matrix { dims, mark, rows })
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The mark (`ModelMark` bytes) of the model the rotation was learned for.
    pub fn mark(&self) -> &[i8] {
        &self.mark
    }

    /// `out` = the rotated `v` (`dims` values; `out` is cleared first).
    pub fn apply(&self, v: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.extend(self.rows.chunks_exact(self.dims).map(|row| dot(v, row)));
    }

    /// `out` = `r` rotated back (the transpose: the rows are orthonormal to f16 precision).
    pub fn invert(&self, r: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.dims, 0.0);
        for (&x, row) in r.iter().zip(self.rows.chunks_exact(self.dims)) {
            out.iter_mut().zip(row).for_each(|(o, &w)| *o += x * w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn the_shipped_rotation_is_orthonormal_and_round_trips() {
        let m = Rotation::MiniLmL6.matrix().unwrap();
        assert_eq!((m.dims(), m.mark().len()), (384, 384));
        assert!(m.mark().iter().any(|&x| x.unsigned_abs() == 127), "a mark is scaled to its largest component");
        for (i, a) in m.rows.chunks_exact(384).enumerate().step_by(37) {
            for (j, b) in m.rows.chunks_exact(384).enumerate() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot(a, b) - want).abs() < 3e-3, "rows {i}, {j}: {}", dot(a, b));
            }
        }
        let mut rng = Rng::new(5);
        let x: Vec<f32> = (0..384).map(|_| rng.next_f64() as f32 - 0.5).collect();
        let y: Vec<f32> = (0..384).map(|_| rng.next_f64() as f32 - 0.5).collect();
        let (mut rx, mut ry, mut back) = (Vec::new(), Vec::new(), Vec::new());
        m.apply(&x, &mut rx);
        m.apply(&y, &mut ry);
        assert!((dot(&rx, &ry) - dot(&x, &y)).abs() < 1e-2 * (dot(&x, &x) * dot(&y, &y)).sqrt(), "inner products kept");
        m.invert(&rx, &mut back);
        assert!(back.iter().zip(&x).all(|(a, b)| (a - b).abs() < 5e-3));
        assert_eq!(Rotation::None.matrix().map(Matrix::dims), None);
    }

    /// Codebooks in users' databases name the rotation by id: the matrix under an id must
    /// never change (a new rotation takes a new id, and the old one stays shipped).
    #[test]
    fn the_rotation_under_id_1_is_frozen() {
        assert_eq!(crc32fast::hash(MINILM_L6), 0x2144_df1c, "src/quant/minilm-l6.rotation changed: ship a new rotation under a new id instead");
    }

    #[test]
    fn ids_round_trip_and_unknown_ones_are_refused() {
        for r in [Rotation::None].into_iter().chain(Rotation::SHIPPED) {
            assert_eq!(Rotation::from_id(r.id()).unwrap(), r);
        }
        assert!(matches!(Rotation::from_id(9), Err(Error::Corrupt(_))));
    }

    #[test]
    fn damaged_rotation_files_are_refused() {
        let good = MINILM_L6.to_vec();
        assert!(Matrix::parse(&good).is_ok());
        let mut flipped = good.clone();
        flipped[100] ^= 1;
        assert!(Matrix::parse(&flipped).is_err());
        assert!(Matrix::parse(&good[..good.len() - 10]).is_err());
        assert!(Matrix::parse(&[]).is_err());
        assert!(Matrix::parse(b"NKRT").is_err());
    }
}
