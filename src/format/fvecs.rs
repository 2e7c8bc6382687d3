//! The `.fvecs` / `.ivecs` vector files of the ANN-benchmark world: each row is a
//! little-endian i32 dimension followed by that many f32 (or i32) values.

use crate::error::{Error, Result};

/// Parse `.fvecs` bytes into (dims, row-major values). All rows must share one dimension.
pub fn parse_fvecs(bytes: &[u8]) -> Result<(usize, Vec<f32>)> {
    let (dims, raw) = rows(bytes)?;
    Ok((dims, raw.into_iter().map(f32::from_bits).collect()))
}

/// Parse `.ivecs` bytes into (dims, row-major values).
pub fn parse_ivecs(bytes: &[u8]) -> Result<(usize, Vec<i32>)> {
    let (dims, raw) = rows(bytes)?;
    Ok((dims, raw.into_iter().map(|x| x as i32).collect()))
}

fn rows(bytes: &[u8]) -> Result<(usize, Vec<u32>)> {
    if bytes.len() < 4 {
        return Err(Error::Truncated("a vector file needs at least one row".into()));
    }
    let dims = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if dims <= 0 || dims > 1 << 16 {
        return Err(Error::Corrupt(format!("row dimension {dims} is out of range")));
    }
    let dims = dims as usize;
    let row = 4 + 4 * dims;
    if !bytes.len().is_multiple_of(row) {
        return Err(Error::Truncated(format!("file length {} is not a multiple of the row size {row}", bytes.len())));
    }
    let mut out = Vec::with_capacity(bytes.len() / row * dims);
    for r in bytes.chunks_exact(row) {
        if r[..4] != bytes[..4] {
            return Err(Error::Corrupt("rows have different dimensions".into()));
        }
        out.extend(r[4..].chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    }
    Ok((dims, out))
}

/// Encode rows as `.fvecs`.
pub fn write_fvecs(dims: usize, values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() / dims.max(1) * (4 + 4 * dims));
    for row in values.chunks_exact(dims) {
        out.extend_from_slice(&(dims as i32).to_le_bytes());
        for x in row {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let v = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = write_fvecs(3, &v);
        assert_eq!(parse_fvecs(&b).unwrap(), (3, v.to_vec()));
        assert!(parse_fvecs(&b[..b.len() - 1]).is_err());
        assert!(parse_fvecs(&[0, 0, 0, 0]).is_err());
        let mut mixed = b.clone();
        mixed[16] = 2;
        assert!(parse_fvecs(&mixed).is_err());
    }
}
