//! Sentence vectors from hidden states: the mean over a text's tokens (as
//! sentence-transformers pools all-MiniLM-L6-v2) or its first token (`[CLS]`, as some
//! encoders are trained), then L2 normalisation.
//!
//! Pure arithmetic on slices; no model, no tokenizer.

use crate::error::{Error, Result};

/// How a text's token states become one vector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pooling {
    /// The mean of every token's state (all-MiniLM, most sentence-transformers).
    #[default]
    Mean,
    /// The first token's (`[CLS]`) state (e.g. the BGE models).
    Cls,
}

/// Append to `out` one unit vector per text; `hidden` holds the texts' token states one
/// after another (`sum(lens) x dims`, row-major).
pub fn pool_normalised(hidden: &[f32], lens: &[usize], dims: usize, pooling: Pooling, out: &mut Vec<f32>) -> Result<()> {
    let mut row = 0;
    for &n in lens {
        let start = out.len();
        out.resize(start + dims, 0.0);
        let acc = &mut out[start..];
        let tokens = match pooling {
            Pooling::Mean => &hidden[row * dims..(row + n) * dims],
            Pooling::Cls => &hidden[row * dims..(row + n.min(1)) * dims],
        };
        row += n;
        for token in tokens.chunks_exact(dims) {
            for (a, &h) in acc.iter_mut().zip(token) {
                *a += h;
            }
        }
        // The mean's 1/n cancels in the normalisation; divide by the norm only.
        let norm = acc.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return Err(Error::Embed(format!("the model produced a degenerate embedding (norm {norm})")));
        }
        let inv = (1.0 / norm) as f32;
        acc.iter_mut().for_each(|x| *x *= inv);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_each_text_and_normalises() {
        // dims 2; text 0 has 2 tokens, text 1 has 1.
        let hidden = [1.0, 0.0, 3.0, 0.0, 0.0, 2.0];
        let mut out = Vec::new();
        pool_normalised(&hidden, &[2, 1], 2, Pooling::Mean, &mut out).unwrap();
        assert_eq!(out, vec![1.0, 0.0, 0.0, 1.0]);
        let hidden = [0.0, 1.0, 3.0, 0.0, 0.0, 2.0];
        let mut out = Vec::new();
        pool_normalised(&hidden, &[2, 1], 2, Pooling::Cls, &mut out).unwrap();
        assert_eq!(out, vec![0.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn zero_vector_is_an_error() {
        let mut out = Vec::new();
        assert!(pool_normalised(&[0.0, 0.0], &[1], 2, Pooling::Mean, &mut out).is_err());
    }
}
