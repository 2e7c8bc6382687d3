//! Which model a collection's embeddings come from: the model's embedding of a fixed
//! probe text, int8, kept in [`Table::Meta`](crate::records::Table) under
//! [`MODEL_KEY`](crate::records::MODEL_KEY). Two models of the same width (all-MiniLM-L6
//! and paraphrase-MiniLM-L3 both make 384-d vectors) would otherwise mix silently: a
//! database opened with another model ranks by vectors from two different spaces.
//!
//! The mark compares behaviour, not file bytes: the same model fetched again, or run by
//! another wasm build (relaxed SIMD rounds fp32 models slightly differently), agrees to a
//! cosine of ~1; another model lands far off. A collection without a mark (written before
//! marks existed) takes the model it is opened with, written with its next change.
//!
//! ```text
//! b"NKMD" u8(version=1) varint(dims) i8 x dims (embedding x 127 / max |x|) | u32 LE crc32
//! ```

use super::Embed;
use crate::format::varint::{Reader, put_varint};
use crate::quant::Rotation;
use crate::records::{Failure, Frame, Result};

const FRAME: Frame = Frame { magic: b"NKMD", version: 1, name: "model mark", written: "this database was" };

/// The text every model embeds for its mark.
pub const PROBE: &str = "nook model probe: a lighthouse keeper reads old letters by the stove";

/// Lowest cosine between marks of the same model (the same model run by another build
/// agrees above 0.9999; int8 rounding costs ~1e-4).
pub const SAME_MODEL: f32 = 0.98;

/// A model's mark: its embedding of [`PROBE`], scaled to int8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelMark(Vec<i8>);

impl ModelMark {
    /// The mark of the model behind `embed`.
    pub fn of(embed: &mut dyn Embed) -> Result<ModelMark> {
        let tokens = embed.tokenize(PROBE)?;
        let mut v = Vec::with_capacity(embed.dims());
        embed.embed_query(&tokens, &mut v)?;
        Ok(ModelMark::from_vector(&v))
    }

    /// The int8 mark of an embedding.
    pub fn from_vector(v: &[f32]) -> ModelMark {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs())).max(f32::MIN_POSITIVE);
        ModelMark(v.iter().map(|x| (x * 127.0 / max).round().clamp(-127.0, 127.0) as i8).collect())
    }

    pub fn dims(&self) -> usize {
        self.0.len()
    }

    /// The rotation nook ships for this model ([`Rotation::None`] for a model it has none
    /// for): the one whose mark this mark agrees with as the same model's would.
    pub fn rotation(&self) -> Rotation {
        let learned_for = |r: &Rotation| r.matrix().is_some_and(|m| self.agreement(&ModelMark(m.mark().to_vec())) >= SAME_MODEL);
        Rotation::SHIPPED.into_iter().find(learned_for).unwrap_or_default()
    }

    /// The mark's values (the probe's embedding x 127 / its largest magnitude).
    pub fn values(&self) -> &[i8] {
        &self.0
    }

    /// Cosine between two marks (0 when their widths differ).
    pub fn agreement(&self, other: &ModelMark) -> f32 {
        if self.0.len() != other.0.len() {
            return 0.0;
        }
        let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
        for (&a, &b) in self.0.iter().zip(&other.0) {
            let (a, b) = (f64::from(a), f64::from(b));
            ab += a * b;
            aa += a * a;
            bb += b * b;
        }
        (ab / (aa.sqrt() * bb.sqrt()).max(f64::MIN_POSITIVE)) as f32
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = FRAME.start(self.0.len() + 3);
        put_varint(&mut out, self.0.len() as u64);
        out.extend(self.0.iter().map(|&x| x as u8));
        Frame::seal(&mut out);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<ModelMark> {
        let bad = |what: &str| FRAME.bad(what);
        let body = FRAME.open(bytes, 0)?;
        let mut r = Reader::new(body);
        let n = r.count(body.len(), "dimensions").map_err(|e| bad(&e.to_string()))?;
        let v = r.take(n).map_err(|e| bad(&e.to_string()))?.iter().map(|&b| b as i8).collect();
        if !r.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(ModelMark(v))
    }

    /// `Ok` when `current` is the model this mark was made by.
    pub fn check(&self, current: &ModelMark) -> Result<()> {
        let cos = self.agreement(current);
        if cos >= SAME_MODEL {
            return Ok(());
        }
        Err(Failure::input(format!(
            "this database was built with another model (the two models' embeddings of a probe text agree to a cosine of {cos:.3}; the same model gives ~1): open it with the model it was built with, or export nothing and index again"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::HashEmbed;
    use crate::records::Kind;

    #[test]
    fn marks_round_trip_and_tell_models_apart() {
        let mut a = HashEmbed { dims: 64 };
        let mark = ModelMark::of(&mut a).unwrap();
        assert_eq!(mark.dims(), 64);
        assert_eq!(ModelMark::decode(&mark.encode()).unwrap(), mark);
        assert!(mark.check(&ModelMark::of(&mut HashEmbed { dims: 64 }).unwrap()).is_ok());
        // A slightly perturbed vector (another build's rounding) is the same model.
        let mut v = Vec::new();
        a.embed_query(&a.tokenize(PROBE).unwrap(), &mut v).unwrap();
        let nudged: Vec<f32> = v.iter().enumerate().map(|(i, x)| x + if i % 2 == 0 { 1e-4 } else { -1e-4 }).collect();
        assert!(mark.check(&ModelMark::from_vector(&nudged)).is_ok());
        // Another model: a different vector of the same width.
        let other: Vec<f32> = v.iter().rev().copied().collect();
        let err = mark.check(&ModelMark::from_vector(&other)).unwrap_err();
        assert_eq!(err.kind, Kind::Input);
        assert!(err.message.contains("another model"), "{}", err.message);
        assert_eq!(mark.agreement(&ModelMark::from_vector(&[1.0; 3])), 0.0, "another width never agrees");
    }

    #[test]
    fn damaged_or_newer_marks_are_refused() {
        let bytes = ModelMark::from_vector(&[0.5, -0.25, 1.0]).encode();
        for cut in 0..bytes.len() {
            assert!(ModelMark::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[6] ^= 1;
        assert_eq!(ModelMark::decode(&flipped).unwrap_err().kind, Kind::Corrupt);
        let mut newer = bytes.clone();
        newer[4] = FRAME.version + 1;
        assert_eq!(ModelMark::decode(&newer).unwrap_err().kind, Kind::Version);
        // A count larger than the bytes present is refused before anything is allocated.
        let mut huge = FRAME.start(10);
        put_varint(&mut huge, u64::MAX >> 1);
        Frame::seal(&mut huge);
        assert_eq!(ModelMark::decode(&huge).unwrap_err().kind, Kind::Corrupt);
    }
}
