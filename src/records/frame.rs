//! The framing every record and export shares: a magic, a version byte, the body, and a
//! crc32 of everything before it. One writer and one checker, so every record refuses
//! bytes from a newer nook with the same `Version` error (naming both versions) and
//! damage with a `Corrupt` error that names the record.
//!
//! ```text
//! magic  u8(version)  body...  u32 LE crc32(magic .. end of body)
//! ```

use super::{Failure, Kind, Result};

/// Whether opening a record checks its own crc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// Check it: the record was read as it is.
    Check,
    /// Skip it: the record was read inside another (a page of documents) whose crc, just
    /// checked, covers these bytes; everything else is checked as before.
    Covered,
}

/// A record kind's framing: its magic, the version this nook writes (and the newest it
/// reads), what messages call it, and who wrote it ("this database" for stored records,
/// "these bytes" for an export).
pub struct Frame {
    pub magic: &'static [u8],
    pub version: u8,
    pub name: &'static str,
    pub written: &'static str,
}

impl Frame {
    /// The magic and version, for the caller to append the body to; then [`Frame::seal`].
    pub fn start(&self, capacity: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.magic.len() + 1 + capacity + 4);
        out.extend_from_slice(self.magic);
        out.push(self.version);
        out
    }

    /// Append the crc32 of everything written so far.
    pub fn seal(out: &mut Vec<u8>) {
        let crc = crc32fast::hash(out);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// A `Corrupt` error about this record.
    pub fn bad(&self, what: impl std::fmt::Display) -> Failure {
        Failure::corrupt(format!("{}: {what}", self.name))
    }

    /// The body of framed `bytes` (after magic and version, before the crc), once the
    /// magic, the version (newer ones are refused naming both) and the crc are checked.
    /// The body is at least `min_body` bytes.
    pub fn open<'a>(&self, bytes: &'a [u8], min_body: usize) -> Result<&'a [u8]> {
        self.open_as(bytes, min_body, Checksum::Check)
    }

    /// [`Frame::open`], the crc checked or not as `checksum` says.
    pub fn open_as<'a>(&self, bytes: &'a [u8], min_body: usize, checksum: Checksum) -> Result<&'a [u8]> {
        let head = self.magic.len() + 1;
        if bytes.len() < head + min_body + 4 || &bytes[..self.magic.len()] != self.magic {
            return Err(self.bad(format!("these bytes are not a nook {}", self.name)));
        }
        let version = bytes[head - 1];
        if version > self.version {
            return Err(Failure::new(
                Kind::Version,
                format!("{} written by a newer nook ({} version {version}, this nook reads {}): upgrade nook", self.written, self.name, self.version),
            ));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if checksum == Checksum::Check && crc32fast::hash(body).to_le_bytes() != crc {
            return Err(self.bad("checksum mismatch (damaged or truncated)"));
        }
        Ok(&body[head..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Frame = Frame { magic: b"NKTS", version: 2, name: "test record", written: "this database was" };

    #[test]
    fn frames_round_trip_and_refuse_damage_and_newer_versions() {
        let mut out = F.start(3);
        out.extend_from_slice(b"abc");
        Frame::seal(&mut out);
        assert_eq!(F.open(&out, 3).unwrap(), b"abc");
        assert_eq!(F.open(&out, 4).unwrap_err().kind, Kind::Corrupt, "a body shorter than the minimum");
        for cut in 0..out.len() {
            assert_eq!(F.open(&out[..cut], 0).unwrap_err().kind, Kind::Corrupt, "cut at {cut}");
        }
        let mut flipped = out.clone();
        flipped[6] ^= 1;
        let e = F.open(&flipped, 0).unwrap_err();
        assert!(e.kind == Kind::Corrupt && e.message.starts_with("test record: checksum"), "{}", e.message);
        let mut newer = out.clone();
        newer[4] = 3;
        let e = F.open(&newer, 0).unwrap_err();
        assert_eq!(e.kind, Kind::Version);
        assert!(e.message.contains("test record version 3, this nook reads 2"), "{}", e.message);
    }
}
