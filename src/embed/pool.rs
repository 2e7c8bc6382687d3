//! Sentence vectors from hidden states: mean over the real tokens (attention mask 1),
//! then L2 normalisation, as sentence-transformers does for all-MiniLM-L6-v2.
//!
//! Pure arithmetic on slices; no model, no tokenizer.

use crate::error::{Error, Result};

/// Append to `out` one unit vector per row of `hidden` (`batch x len x dims`, row-major),
/// averaging only the first `lens[row]` positions (the rest are padding).
pub fn mean_pool_normalised(hidden: &[f32], lens: &[usize], len: usize, dims: usize, out: &mut Vec<f32>) -> Result<()> {
    for (row, &n) in lens.iter().enumerate() {
        let start = out.len();
        out.resize(start + dims, 0.0);
        let acc = &mut out[start..];
        let tokens = &hidden[row * len * dims..(row * len + n) * dims];
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
    fn ignores_padding_and_normalises() {
        // batch 2, len 3, dims 2; row 0 has 2 real tokens, row 1 has 1.
        let hidden = [1.0, 0.0, 3.0, 0.0, 99.0, 99.0, 0.0, 2.0, 99.0, 99.0, 99.0, 99.0];
        let mut out = Vec::new();
        mean_pool_normalised(&hidden, &[2, 1], 3, 2, &mut out).unwrap();
        assert_eq!(out, vec![1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn zero_vector_is_an_error() {
        let mut out = Vec::new();
        assert!(mean_pool_normalised(&[0.0, 0.0], &[1], 1, 2, &mut out).is_err());
    }
}
