//! LEB128 varints, zigzag, and a bounds-checked little-endian reader that turns every
//! short read into an `Err` (never a panic).

use crate::error::{Error, Result};

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Reads values from a byte slice; every read checks the remaining length.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::Truncated(format!("needed {n} bytes at offset {}, only {} left", self.pos, self.remaining())));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }

    /// A LEB128 varint. One byte (below 128: most lengths, term numbers and counts in a
    /// page) is read inline; longer ones by [`Reader::varint_long`].
    #[inline]
    pub fn varint(&mut self) -> Result<u64> {
        if let Some(&b) = self.bytes.get(self.pos)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(b as u64);
        }
        self.varint_long()
    }

    fn varint_long(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                if shift == 63 && b > 1 {
                    break;
                }
                return Ok(v);
            }
        }
        Err(Error::Corrupt(format!("varint longer than 64 bits before offset {}", self.pos)))
    }

    /// A varint that must fit `usize` and be at most `max` (guards allocations).
    #[inline]
    pub fn count(&mut self, max: usize, what: &str) -> Result<usize> {
        let v = self.varint()?;
        if v > max as u64 {
            return Err(Error::Corrupt(format!("{what} is {v}, more than the possible {max}")));
        }
        Ok(v as usize)
    }
}

/// Little-endian f32s from bytes (length must be a multiple of 4).
pub fn f32s_from_le(bytes: &[u8]) -> Result<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(Error::Corrupt("float section length is not a multiple of 4".into()));
    }
    Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

pub fn put_f32s(out: &mut Vec<u8>, v: &[f32]) {
    out.reserve(v.len() * 4);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trip_and_errors() {
        let mut out = Vec::new();
        let vals = [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        for &v in &vals {
            put_varint(&mut out, v);
        }
        let mut r = Reader::new(&out);
        for &v in &vals {
            assert_eq!(r.varint().unwrap(), v);
        }
        assert!(r.is_empty());
        assert!(matches!(Reader::new(&[0x80, 0x80]).varint(), Err(Error::Truncated(_))));
        assert!(matches!(Reader::new(&[0xff; 11]).varint(), Err(Error::Corrupt(_))));
        for v in [-5i64, 0, 7, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }
}
