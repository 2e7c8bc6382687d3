//! A rotation applied to vectors before product quantization (OPQ, Ge et al.): PQ cuts a
//! vector into contiguous parts and quantizes each alone, so what one part shares with
//! another is lost; an orthogonal rotation learned to minimise that loss leaves every
//! inner product as it was and gives the same 32-byte codes a better order.
//!
//! A rotation is learned once per model, offline, on texts no benchmark asks, of no corpus a
//! benchmark measures (`bench/rotation/run.sh`), and shipped in the crate: 384 x 384 half
//! floats, 288 KB of the wasm, no byte in any index. A codebook names the rotation it was
//! trained under by a one-byte id ([`Rotation::id`]); one trained without names none, and
//! reads as it always did. The matrix under an id never changes: a rotation learned again
//! takes a new id, and the one before stays shipped for the codebooks that name it. Which
//! model a rotation was learned for is its [`model mark`](Matrix::mark): a collection takes
//! the newest rotation whose mark its model matches, and quantizes without one otherwise (a
//! rotation learned on another model's vectors is just an arbitrary one there).
//!
//! The embedded files:
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

/// The rotation learned for all-MiniLM-L6-v2 (int8 weights, nook's model file) on Python
/// docstrings and fortune cookies (`bench/rotation/texts.py`): id 2.
static MINILM_L6: &[u8] = include_bytes!("minilm-l6b.rotation");

/// The first rotation learned for the same model, on Debian package descriptions and MDN's
/// feature names: a held-out set of Debian descriptions checks nook, and MDN is a corpus
/// its benchmarks measure, so no collection takes it any more; id 1, read for the
/// codebooks that name it.
static MINILM_L6_RETIRED: &[u8] = include_bytes!("minilm-l6.rotation");

/// A rotation file's framing (magic, version, crc32), checked as records' are.
const FRAME: Frame = Frame { magic: b"NKRT", version: 1, name: "rotation", written: "this rotation file was" };

/// Which rotation a codebook was trained under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rotation {
    /// Vectors are quantized as they are (every codebook written before rotations).
    #[default]
    None,
    /// The rotation learned for all-MiniLM-L6-v2 (id 2).
    MiniLmL6,
    /// The first rotation learned for all-MiniLM-L6-v2 (id 1): read, never taken.
    MiniLmL6Retired,
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
    /// The rotations a collection may take (besides [`Rotation::None`]), newest first: it
    /// takes the first learned for its model.
    pub const SHIPPED: [Rotation; 1] = [Rotation::MiniLmL6];

    /// Every rotation this nook reads (besides [`Rotation::None`]).
    pub const KNOWN: [Rotation; 2] = [Rotation::MiniLmL6, Rotation::MiniLmL6Retired];

    /// The id a codebook stores (0: none).
    pub fn id(self) -> u8 {
        match self {
            Rotation::None => 0,
            Rotation::MiniLmL6Retired => 1,
            Rotation::MiniLmL6 => 2,
        }
    }

    pub fn from_id(id: u8) -> Result<Rotation> {
        match id {
            0 => Ok(Rotation::None),
            1 => Ok(Rotation::MiniLmL6Retired),
            2 => Ok(Rotation::MiniLmL6),
            _ => Err(Error::Corrupt(format!("codebook names rotation {id}, which this nook does not know (a newer nook wrote it)"))),
        }
    }

    /// The rotation's matrix; `None` for [`Rotation::None`].
    pub fn matrix(self) -> Option<&'static Matrix> {
        // The files are part of the crate (a unit test parses them), not input.
        let parsed = |file: &'static [u8], cell: &'static OnceLock<Matrix>| {
            Some(cell.get_or_init(|| Matrix::parse(file).expect("a shipped rotation file is well formed")))
        };
        match self {
            Rotation::None => None,
            Rotation::MiniLmL6 => {
                static M: OnceLock<Matrix> = OnceLock::new();
                parsed(MINILM_L6, &M)
            }
            Rotation::MiniLmL6Retired => {
                static M: OnceLock<Matrix> = OnceLock::new();
                parsed(MINILM_L6_RETIRED, &M)
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
    fn the_shipped_rotations_are_orthonormal_and_round_trip() {
        for r in Rotation::KNOWN {
            orthonormal_and_round_trips(r.matrix().unwrap());
        }
        assert_eq!(Rotation::None.matrix().map(Matrix::dims), None);
    }

    fn orthonormal_and_round_trips(m: &Matrix) {
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
    }

    /// Codebooks in users' databases name the rotation by id: the matrix under an id must
    /// never change (a new rotation takes a new id, and the old one stays shipped). The crc
    /// is the one of everything before a file's own (a whole well-framed file's crc32 is
    /// CRC-32's residue, the same for any content).
    #[test]
    fn the_rotations_under_their_ids_are_frozen() {
        let body_crc = |file: &[u8]| crc32fast::hash(&file[..file.len() - 4]);
        assert_eq!(body_crc(MINILM_L6_RETIRED), 0x19a3_1c08, "src/quant/minilm-l6.rotation changed: ship a new rotation under a new id instead");
        assert_eq!(body_crc(MINILM_L6), 0x2b02_cc78, "src/quant/minilm-l6b.rotation changed: ship a new rotation under a new id instead");
        assert_eq!((Rotation::MiniLmL6Retired.id(), Rotation::MiniLmL6.id()), (1, 2));
    }

    /// Both were learned for the same model; a collection takes the newer.
    #[test]
    fn a_collection_of_the_model_takes_the_newer_rotation() {
        let (new, old) = (Rotation::MiniLmL6.matrix().unwrap(), Rotation::MiniLmL6Retired.matrix().unwrap());
        assert_eq!(new.mark(), old.mark());
        assert_eq!(Rotation::SHIPPED[0], Rotation::MiniLmL6);
        assert!(!Rotation::SHIPPED.contains(&Rotation::MiniLmL6Retired));
    }

    #[test]
    fn ids_round_trip_and_unknown_ones_are_refused() {
        for r in [Rotation::None].into_iter().chain(Rotation::KNOWN) {
            assert_eq!(Rotation::from_id(r.id()).unwrap(), r);
        }
        assert!(matches!(Rotation::from_id(9), Err(Error::Corrupt(_))));
    }

    #[test]
    fn damaged_rotation_files_are_refused() {
        assert!(Matrix::parse(MINILM_L6_RETIRED).is_ok());
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
