//! Reading an ONNX file that stays where it is (in wasm: a JS `Uint8Array`, outside the
//! instance's memory): its *skeleton*.
//!
//! Owns [`Source`] (bytes read on demand) and [`skeleton`], which walks the file's protobuf
//! through a small window and writes a copy of the messages [`super::onnx`] reads (the
//! model's graph: its nodes, attributes, initializers and inputs) in which every large
//! tensor payload (`raw_data`, packed `float_data`) is replaced by where it lies in the
//! source. `onnx` parses that copy as it parses a file ([`super::onnx::Graph::parse_skeleton`])
//! and reads a tensor's bytes from the source when the weights ask for them, one tensor at
//! a time.
//!
//! The point is memory. A wasm instance's memory never shrinks, so copying the 23 MB file
//! in to parse it kept those pages for the worker's life: every worker (the nook worker,
//! each embedding or search helper) held ~21 MB it no longer used (after loading MiniLM in
//! node: 59.8 MB of wasm memory that way, 38.3 MB this way). The skeleton of MiniLM
//! is 58 KB.
//!
//! Every length is checked against the source before anything is read or allocated, as in
//! `onnx`; a file that does not parse gives the errors `onnx` gives. Fields the skeleton
//! uses for its references are dropped from the file's tensors, so a crafted file cannot
//! pose as a skeleton.

use super::onnx::{bad, varint};
use crate::error::Result;
use crate::format::varint::put_varint;

/// Bytes read on demand: the model file wherever it is kept.
pub trait Source {
    /// Its length in bytes.
    fn len(&self) -> u64;
    /// Is it empty?
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copy the bytes at `at..at + out.len()`, a range within `len()` (callers check).
    fn read(&self, at: u64, out: &mut [u8]);
    /// The `len` bytes at `at` (a range within `len()`) in a vector of their own; a source
    /// that can fill one without zeroing it first says so here (a model's tables are MBs).
    fn read_vec(&self, at: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.read(at, &mut v);
        v
    }
}

/// Bytes in memory (natively, and in tests).
impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read(&self, at: u64, out: &mut [u8]) {
        let at = at as usize;
        out.copy_from_slice(&self[at..at + out.len()]);
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        Vec::len(self) as u64
    }
    fn read(&self, at: u64, out: &mut [u8]) {
        self.as_slice().read(at, out);
    }
}

/// A tensor field of the skeleton holding `varint(offset) varint(length)` of the source's
/// `raw_data` payload (never a field number of ONNX's `TensorProto`).
pub(super) const REMOTE_RAW: u64 = 1_000_009;
/// The same for a packed `float_data` payload.
pub(super) const REMOTE_FLOATS: u64 = 1_000_004;
/// Payloads this long or longer stay in the source; shorter ones are copied.
const LEAVE_FROM: u64 = 1024;
/// Bytes read from the source at a time while walking it.
const WINDOW: usize = 1 << 16;

/// The messages `onnx` reads, by where they sit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
}

/// What becomes of a length-delimited field.
enum Child {
    Message(Kind),
    /// A tensor payload: referred to when large, copied when small.
    Payload(u64),
    Copy,
    Skip,
}

fn child(kind: Kind, field: u64) -> Child {
    match (kind, field) {
        (Kind::Model, 7) => Child::Message(Kind::Graph),
        (Kind::Model, _) => Child::Skip,
        (Kind::Graph, 1) => Child::Message(Kind::Node),
        (Kind::Graph, 5) => Child::Message(Kind::Tensor),
        (Kind::Node, 5) => Child::Message(Kind::Attribute),
        (Kind::Attribute, 5) => Child::Message(Kind::Tensor),
        (Kind::Tensor, 9) => Child::Payload(REMOTE_RAW),
        (Kind::Tensor, 4) => Child::Payload(REMOTE_FLOATS),
        (Kind::Tensor, REMOTE_RAW | REMOTE_FLOATS) => Child::Skip,
        _ => Child::Copy,
    }
}

/// The skeleton of the ONNX file in `src` (see the module docs).
pub fn skeleton(src: &dyn Source) -> Result<Vec<u8>> {
    let mut r = Reader { src, pos: 0, win: Vec::new(), win_at: 0 };
    let mut out = Vec::new();
    r.message(Kind::Model, src.len(), &mut out)?;
    Ok(out)
}

/// A cursor over the source, reading it a window at a time.
struct Reader<'s> {
    src: &'s dyn Source,
    pos: u64,
    win: Vec<u8>,
    win_at: u64,
}

impl Reader<'_> {
    /// The byte at the cursor (before `end`), the cursor moved past it.
    fn byte(&mut self, end: u64) -> Result<u8> {
        if self.pos >= end {
            return Err(bad("a number runs past the end"));
        }
        let off = self.pos.wrapping_sub(self.win_at);
        if self.pos < self.win_at || off >= self.win.len() as u64 {
            // `end` is within the source, so at least one byte is left to read.
            let n = (self.src.len() - self.pos).min(WINDOW as u64) as usize;
            self.win.resize(n, 0);
            self.src.read(self.pos, &mut self.win);
            self.win_at = self.pos;
        }
        let b = self.win[(self.pos - self.win_at) as usize];
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self, end: u64) -> Result<u64> {
        varint(|| self.byte(end))
    }

    /// Where a field of `n` bytes at the cursor ends, if it ends by `end`.
    fn field_end(&self, n: u64, end: u64) -> Result<u64> {
        self.pos.checked_add(n).filter(|&e| e <= end).ok_or_else(|| bad("a field runs past the end"))
    }

    /// Copy `n` bytes at the cursor (ending by `end`) to `out`.
    fn copy(&mut self, n: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let stop = self.field_end(n, end)?;
        let start = out.len();
        out.resize(start + n as usize, 0);
        self.src.read(self.pos, &mut out[start..]);
        self.pos = stop;
        Ok(())
    }

    /// The fields of a `kind` message up to `end`, written to `out` as the skeleton keeps them.
    fn message(&mut self, kind: Kind, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let keep = kind != Kind::Model;
        while self.pos < end {
            let key = self.varint(end)?;
            match key & 7 {
                0 => {
                    let v = self.varint(end)?;
                    if keep {
                        put_varint(out, key);
                        put_varint(out, v);
                    }
                }
                w @ (1 | 5) => {
                    let n = if w == 1 { 8 } else { 4 };
                    if keep {
                        put_varint(out, key);
                        self.copy(n, end, out)?;
                    } else {
                        self.pos = self.field_end(n, end)?;
                    }
                }
                2 => {
                    let n = self.varint(end)?;
                    let stop = self.field_end(n, end)?;
                    match child(kind, key >> 3) {
                        Child::Message(k) => {
                            let mut inner = Vec::new();
                            self.message(k, stop, &mut inner)?;
                            put_varint(out, key);
                            put_varint(out, inner.len() as u64);
                            out.extend_from_slice(&inner);
                        }
                        Child::Payload(remote) if n >= LEAVE_FROM => {
                            let mut at = Vec::new();
                            put_varint(&mut at, self.pos);
                            put_varint(&mut at, n);
                            put_varint(out, remote << 3 | 2);
                            put_varint(out, at.len() as u64);
                            out.extend_from_slice(&at);
                            self.pos = stop;
                        }
                        Child::Payload(_) | Child::Copy => {
                            put_varint(out, key);
                            put_varint(out, n);
                            self.copy(n, end, out)?;
                        }
                        Child::Skip => self.pos = stop,
                    }
                }
                w => return Err(bad(format_args!("wire type {w} (groups are not used by ONNX)"))),
            }
        }
        Ok(())
    }
}
