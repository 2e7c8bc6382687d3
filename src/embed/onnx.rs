//! Reading an ONNX file: just enough of its protobuf to find an encoder's weights.
//!
//! Owns the wire format (varints, length-delimited fields) and the few messages nook reads:
//! `ModelProto.graph`, `GraphProto` (nodes, initializers, inputs), `NodeProto` (op, inputs,
//! outputs, attributes) and `TensorProto` (dims, type, raw or packed data). Everything else
//! is skipped. Tensors borrow their bytes from the file (no copy of the 20-90 MB of
//! weights), or, parsed from a [`super::skeleton`], read them from where the file lies
//! when asked for; every length is checked against the bytes present before anything is
//! allocated or sliced, so a damaged or crafted file is an [`Error::Embed`], never a panic.
//! `Constant` nodes' value tensors are tensors of the graph like initializers.
//!
//! What the tensors mean is `weights`' business; this module knows only the format.

use super::skeleton::{REMOTE_FLOATS, REMOTE_RAW, Source};
use crate::error::{Error, Result};
use crate::format::half::f16_to_f32;
use std::borrow::Cow;

/// A protobuf varint from `byte` (the next byte, or the error of running out).
pub(super) fn varint(mut byte: impl FnMut() -> Result<u8>) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = byte()?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(bad("a number is longer than 10 bytes"))
}

pub(super) fn bad(what: impl std::fmt::Display) -> Error {
    Error::Embed(format!("the model file is not a readable ONNX file: {what}"))
}

/// One field's payload.
enum Wire<'a> {
    Varint(u64),
    Fixed32([u8; 4]),
    Bytes(&'a [u8]),
}

/// A cursor over one protobuf message.
struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Fields { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64> {
        varint(|| {
            let b = *self.buf.get(self.pos).ok_or_else(|| bad("a number runs past the end"))?;
            self.pos += 1;
            Ok(b)
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| bad("a field runs past the end"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The next `(field number, payload)`, or `None` at the end. Fixed64 fields are skipped.
    fn next(&mut self) -> Result<Option<(u64, Wire<'a>)>> {
        while self.pos < self.buf.len() {
            let key = self.varint()?;
            let field = key >> 3;
            match key & 7 {
                0 => return Ok(Some((field, Wire::Varint(self.varint()?)))),
                1 => {
                    self.take(8)?;
                }
                2 => {
                    let n = usize::try_from(self.varint()?).map_err(|_| bad("a length does not fit"))?;
                    return Ok(Some((field, Wire::Bytes(self.take(n)?))));
                }
                5 => {
                    let b = self.take(4)?;
                    return Ok(Some((field, Wire::Fixed32([b[0], b[1], b[2], b[3]]))));
                }
                w => return Err(bad(format_args!("wire type {w} (groups are not used by ONNX)"))),
            }
        }
        Ok(None)
    }
}

fn text(b: &[u8]) -> Result<&str> {
    std::str::from_utf8(b).map_err(|_| bad("a name is not UTF-8"))
}

/// Element types nook reads (ONNX `TensorProto.DataType` numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    F32,
    U8,
    I8,
    I32,
    I64,
    F16,
    /// Any other type: the tensor can be named but not read.
    Other(i32),
}

impl DType {
    fn from_code(c: u64) -> DType {
        match c {
            1 => DType::F32,
            2 => DType::U8,
            3 => DType::I8,
            6 => DType::I32,
            7 => DType::I64,
            10 => DType::F16,
            c => DType::Other(i32::try_from(c).unwrap_or(-1)),
        }
    }

    fn size(self) -> Option<usize> {
        match self {
            DType::F32 | DType::I32 => Some(4),
            DType::U8 | DType::I8 => Some(1),
            DType::I64 => Some(8),
            DType::F16 => Some(2),
            DType::Other(_) => None,
        }
    }
}

/// Where a tensor's bytes are.
#[derive(Clone, Copy)]
enum Raw<'a> {
    /// In the bytes parsed.
    Here(&'a [u8]),
    /// Left in the source a skeleton was cut from (`skeleton`): `len` bytes at `at`.
    There { src: &'a dyn Source, at: u64, len: usize },
}

impl<'a> Raw<'a> {
    fn len(&self) -> usize {
        match self {
            Raw::Here(b) => <[u8]>::len(b),
            Raw::There { len, .. } => *len,
        }
    }

    fn bytes(&self) -> Cow<'a, [u8]> {
        match *self {
            Raw::Here(b) => Cow::Borrowed(b),
            Raw::There { src, at, len } => Cow::Owned(src.read_vec(at, len)),
        }
    }

    /// A skeleton's reference (`varint(at) varint(len)`), checked against the source.
    fn there(p: &[u8], src: &'a dyn Source) -> Result<Raw<'a>> {
        let mut f = Fields::new(p);
        let (at, len) = (f.varint()?, f.varint()?);
        let len = usize::try_from(len).ok().filter(|&n| at.checked_add(n as u64).is_some_and(|e| e <= src.len()));
        let len = len.ok_or_else(|| bad("a tensor's data lies past the end"))?;
        Ok(Raw::There { src, at, len })
    }
}

impl std::fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Raw::Here(b) => write!(f, "{} bytes", b.len()),
            Raw::There { at, len, .. } => write!(f, "{len} bytes at {at} of the source"),
        }
    }
}

/// A constant tensor of the graph, its data borrowed from the file (or, parsed from a
/// skeleton, read from its source when asked for).
#[derive(Clone, Debug)]
pub struct Tensor<'a> {
    pub dims: Vec<usize>,
    pub dtype: DType,
    /// Little-endian elements (`raw_data`, or the packed `float_data`/`int64_data`/`int32_data`
    /// field when the element is stored at that width).
    raw: Raw<'a>,
}

impl<'a> Tensor<'a> {
    /// `src`: the source of the skeleton being parsed (its references are read only then).
    fn parse(b: &'a [u8], src: Option<&'a dyn Source>) -> Result<(String, Tensor<'a>)> {
        let (mut dims, mut dtype, mut name, mut raw, mut packed) = (Vec::new(), DType::Other(0), String::new(), None, None);
        let mut f = Fields::new(b);
        while let Some((field, w)) = f.next()? {
            match (field, w) {
                (1, Wire::Varint(d)) => dims.push(d),
                (1, Wire::Bytes(p)) => {
                    let mut inner = Fields::new(p);
                    while inner.pos < p.len() {
                        dims.push(inner.varint()?);
                    }
                }
                (2, Wire::Varint(t)) => dtype = DType::from_code(t),
                (4 | 5 | 7, Wire::Bytes(p)) => packed = Some((field, Raw::Here(p))),
                (8, Wire::Bytes(n)) => name = text(n)?.to_string(),
                (9, Wire::Bytes(p)) => raw = Some(Raw::Here(p)),
                // A skeleton's references (in a file, unknown fields: ignored).
                (REMOTE_RAW | REMOTE_FLOATS, Wire::Bytes(p)) => {
                    if let Some(src) = src {
                        let there = Raw::there(p, src)?;
                        if field == REMOTE_RAW {
                            raw = Some(there);
                        } else {
                            packed = Some((4, there));
                        }
                    }
                }
                (13, _) => return Err(Error::Embed(format!("tensor `{name}` keeps its data in an external file; export the model as one .onnx file"))),
                _ => {}
            }
        }
        let dims = dims
            .into_iter()
            .map(|d| usize::try_from(d).map_err(|_| bad(format_args!("tensor `{name}` has a dimension of {d}"))))
            .collect::<Result<Vec<_>>>()?;
        // Packed repeated fields hold 4-byte floats (4) and varints (5, 7): only packed floats
        // are the elements' own bytes. A tensor stored as varints (shape constants in some
        // exports) is kept unreadable: nook reads weights only, and one it needs says so.
        let (raw, dtype) = match (raw, packed) {
            (Some(r), _) => (r, dtype),
            (None, Some((4, p))) if dtype == DType::F32 => (p, dtype),
            // No data in a form read here (e.g. unpacked float_data): unreadable, as above.
            (None, None) if dims.iter().all(|&d| d != 0) => (Raw::Here(&[]), DType::Other(-1)),
            (None, None) => (Raw::Here(&[]), dtype),
            (None, Some(_)) => (Raw::Here(&[]), DType::Other(-1)),
        };
        let t = Tensor { dims, dtype, raw };
        if let Some(size) = dtype.size() {
            let n = t.elements().ok_or_else(|| bad(format_args!("tensor `{name}` has too many elements")))?;
            if n.checked_mul(size) != Some(raw.len()) {
                return Err(bad(format_args!("tensor `{name}` is {:?} of {dtype:?} but holds {} bytes", t.dims, raw.len())));
            }
        }
        Ok((name, t))
    }

    /// Number of elements (`None` if the product overflows).
    pub fn elements(&self) -> Option<usize> {
        self.dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
    }

    /// The values as f32 (f32 or f16 tensors).
    pub fn floats(&self) -> Result<Vec<f32>> {
        match self.dtype {
            DType::F32 => Ok(self.raw.bytes().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
            DType::F16 => Ok(self.raw.bytes().chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect()),
            t => Err(Error::Embed(format!("expected a float tensor, found {t:?}"))),
        }
    }

    /// The values as i32 (8-bit integer tensors, `zero_point` subtracted by the caller).
    pub fn ints(&self) -> Result<Vec<i32>> {
        match self.dtype {
            DType::I8 => Ok(self.raw.bytes().iter().map(|&b| i32::from(b as i8)).collect()),
            DType::U8 => Ok(self.raw.bytes().iter().map(|&b| i32::from(b)).collect()),
            DType::I32 => Ok(self.raw.bytes().chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
            t => Err(Error::Embed(format!("expected an 8-bit integer tensor, found {t:?}"))),
        }
    }

    /// The raw int8 bytes (an `I8` tensor), reinterpreted.
    pub fn int8(&self) -> Option<Vec<i8>> {
        // An owned copy is converted where it lies (the same size: collected in place).
        (self.dtype == DType::I8).then(|| match self.raw.bytes() {
            Cow::Owned(v) => v.into_iter().map(|b| b as i8).collect(),
            Cow::Borrowed(b) => b.iter().map(|&b| b as i8).collect(),
        })
    }
}

/// One attribute value nook may need.
#[derive(Clone, Debug, Default)]
pub struct Attr<'a> {
    pub float: Option<f32>,
    pub int: Option<i64>,
    pub ints: Vec<i64>,
    pub tensor: Option<Tensor<'a>>,
}

/// One operation of the graph.
#[derive(Clone, Debug, Default)]
pub struct Node<'a> {
    pub op: &'a str,
    pub inputs: Vec<&'a str>,
    pub outputs: Vec<&'a str>,
    pub attrs: crate::FastMap<&'a str, Attr<'a>>,
}

/// The graph: its operations in file order and every constant tensor by name.
#[derive(Debug, Default)]
pub struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    pub tensors: crate::FastMap<String, Tensor<'a>>,
    /// Names of the graph's inputs that are not initializers (what a caller feeds).
    pub inputs: Vec<&'a str>,
}

impl<'a> Graph<'a> {
    /// Parse a serialised `ModelProto`.
    pub fn parse(bytes: &'a [u8]) -> Result<Graph<'a>> {
        Self::parse_from(bytes, None)
    }

    /// Parse the [`super::skeleton::skeleton`] of the file in `src`; tensors' data is read
    /// from `src` when asked for.
    pub fn parse_skeleton(skeleton: &'a [u8], src: &'a dyn Source) -> Result<Graph<'a>> {
        Self::parse_from(skeleton, Some(src))
    }

    fn parse_from(bytes: &'a [u8], src: Option<&'a dyn Source>) -> Result<Graph<'a>> {
        let mut f = Fields::new(bytes);
        let mut graph = None;
        while let Some((field, w)) = f.next()? {
            if let (7, Wire::Bytes(g)) = (field, w) {
                graph = Some(g);
            }
        }
        let g = graph.ok_or_else(|| bad("it has no graph"))?;
        let mut out = Graph::default();
        let mut declared = Vec::new();
        let mut f = Fields::new(g);
        while let Some((field, w)) = f.next()? {
            match (field, w) {
                (1, Wire::Bytes(n)) => out.nodes.push(parse_node(n, src)?),
                (5, Wire::Bytes(t)) => {
                    let (name, t) = Tensor::parse(t, src)?;
                    out.tensors.insert(name, t);
                }
                (11, Wire::Bytes(v)) => declared.push(value_info_name(v)?),
                _ => {}
            }
        }
        for node in &out.nodes {
            if node.op == "Constant"
                && let (Some(name), Some(t)) = (node.outputs.first(), node.attrs.get("value").and_then(|a| a.tensor.clone()))
            {
                out.tensors.insert((*name).to_string(), t);
            }
        }
        out.inputs = declared.into_iter().filter(|n| !out.tensors.contains_key(*n)).collect();
        if out.nodes.is_empty() {
            return Err(bad("its graph has no operations"));
        }
        Ok(out)
    }

    /// The nodes that read `value`.
    pub fn consumers<'g>(&'g self, value: &'g str) -> impl Iterator<Item = &'g Node<'a>> + 'g {
        self.nodes.iter().filter(move |n| n.inputs.contains(&value))
    }

    /// The node that writes `value`, if a node does.
    pub fn producer(&self, value: &str) -> Option<&Node<'a>> {
        self.nodes.iter().find(|n| n.outputs.contains(&value))
    }
}

fn value_info_name(b: &[u8]) -> Result<&str> {
    let mut f = Fields::new(b);
    while let Some((field, w)) = f.next()? {
        if let (1, Wire::Bytes(n)) = (field, w) {
            return text(n);
        }
    }
    Err(bad("a graph input has no name"))
}

fn parse_node<'a>(b: &'a [u8], src: Option<&'a dyn Source>) -> Result<Node<'a>> {
    let mut node = Node::default();
    let mut f = Fields::new(b);
    while let Some((field, w)) = f.next()? {
        match (field, w) {
            (1, Wire::Bytes(s)) => node.inputs.push(text(s)?),
            (2, Wire::Bytes(s)) => node.outputs.push(text(s)?),
            (4, Wire::Bytes(s)) => node.op = text(s)?,
            (5, Wire::Bytes(a)) => {
                let (name, attr) = parse_attr(a, src)?;
                node.attrs.insert(name, attr);
            }
            _ => {}
        }
    }
    Ok(node)
}

fn parse_attr<'a>(b: &'a [u8], src: Option<&'a dyn Source>) -> Result<(&'a str, Attr<'a>)> {
    let (mut name, mut attr) = ("", Attr::default());
    let mut f = Fields::new(b);
    while let Some((field, w)) = f.next()? {
        match (field, w) {
            (1, Wire::Bytes(s)) => name = text(s)?,
            (2, Wire::Fixed32(v)) => attr.float = Some(f32::from_le_bytes(v)),
            (3, Wire::Varint(v)) => attr.int = Some(v as i64),
            (5, Wire::Bytes(t)) => attr.tensor = Some(Tensor::parse(t, src)?.1),
            (8, Wire::Varint(v)) => attr.ints.push(v as i64),
            (8, Wire::Bytes(p)) => {
                let mut inner = Fields::new(p);
                while inner.pos < p.len() {
                    attr.ints.push(inner.varint()? as i64);
                }
            }
            _ => {}
        }
    }
    Ok((name, attr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn bytes_field(field: u64, payload: &[u8], out: &mut Vec<u8>) {
        varint(field << 3 | 2, out);
        varint(payload.len() as u64, out);
        out.extend_from_slice(payload);
    }

    fn tensor(name: &str, dims: &[u64], dtype: u64, raw: &[u8]) -> Vec<u8> {
        let mut t = Vec::new();
        for &d in dims {
            varint(1 << 3, &mut t);
            varint(d, &mut t);
        }
        varint(2 << 3, &mut t);
        varint(dtype, &mut t);
        bytes_field(8, name.as_bytes(), &mut t);
        bytes_field(9, raw, &mut t);
        t
    }

    fn model(nodes: &[Vec<u8>], tensors: &[Vec<u8>]) -> Vec<u8> {
        let mut g = Vec::new();
        for n in nodes {
            bytes_field(1, n, &mut g);
        }
        for t in tensors {
            bytes_field(5, t, &mut g);
        }
        let mut m = Vec::new();
        bytes_field(7, &g, &mut m);
        m
    }

    fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        let mut n = Vec::new();
        for i in inputs {
            bytes_field(1, i.as_bytes(), &mut n);
        }
        for o in outputs {
            bytes_field(2, o.as_bytes(), &mut n);
        }
        bytes_field(4, op.as_bytes(), &mut n);
        n
    }

    #[test]
    fn reads_nodes_and_tensors() {
        let raw: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let m = model(&[node("MatMul", &["x", "w"], &["y"])], &[tensor("w", &[1, 2], 1, &raw)]);
        let g = Graph::parse(&m).unwrap();
        assert_eq!(g.nodes[0].op, "MatMul");
        assert_eq!(g.nodes[0].inputs, ["x", "w"]);
        assert_eq!(g.tensors["w"].dims, [1, 2]);
        assert_eq!(g.tensors["w"].floats().unwrap(), [1.5, -2.0]);
        assert_eq!(g.producer("y").map(|n| n.op), Some("MatMul"));
        assert_eq!(g.consumers("w").count(), 1);
    }

    #[test]
    fn refuses_counts_the_bytes_do_not_hold() {
        // A tensor that claims 2^40 elements with 8 bytes of data: an error, no allocation.
        let m = model(&[node("Add", &["a"], &["b"])], &[tensor("w", &[1 << 20, 1 << 20], 1, &[0; 8])]);
        assert!(matches!(Graph::parse(&m), Err(Error::Embed(_))));
        let m = model(&[node("Add", &["a"], &["b"])], &[tensor("w", &[u64::MAX / 2, 4], 1, &[0; 8])]);
        assert!(matches!(Graph::parse(&m), Err(Error::Embed(_))));
    }

    #[test]
    fn truncated_or_garbage_bytes_are_errors() {
        let raw: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let m = model(&[node("MatMul", &["x", "w"], &["y"])], &[tensor("w", &[1, 2], 1, &raw)]);
        for cut in 0..m.len() {
            assert!(Graph::parse(&m[..cut]).is_err(), "cut at {cut}");
        }
        for seed in 0..200u32 {
            let junk: Vec<u8> = (0..64u32).map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed * 97) >> 13) as u8).collect();
            let _ = Graph::parse(&junk);
        }
    }

    #[test]
    fn a_constant_stored_as_varints_does_not_fail_the_file() {
        // An int64 shape constant in int64_data (packed varints), as some exporters write them.
        let mut t = Vec::new();
        varint(1 << 3, &mut t);
        varint(2, &mut t);
        varint(2 << 3, &mut t);
        varint(7, &mut t);
        bytes_field(7, &[1, 4], &mut t);
        bytes_field(8, b"shape", &mut t);
        let m = model(&[node("Reshape", &["x", "shape"], &["y"])], &[t]);
        let g = Graph::parse(&m).unwrap();
        assert!(g.tensors["shape"].floats().is_err(), "kept, but not readable as weights");
    }

    /// A model with every kind of payload the skeleton leaves in the source: a large raw
    /// tensor, a large packed `float_data`, a large `Constant` value; and small ones it copies.
    fn model_with_payloads() -> Vec<u8> {
        let big: Vec<u8> = (0..600).flat_map(|i| (i as f32 * 0.5).to_le_bytes()).collect();
        let mut packed = Vec::new();
        varint(1 << 3, &mut packed);
        varint(600, &mut packed);
        varint(2 << 3, &mut packed);
        varint(1, &mut packed);
        bytes_field(4, &big, &mut packed);
        bytes_field(8, b"p", &mut packed);
        let mut attr = Vec::new();
        bytes_field(1, b"value", &mut attr);
        bytes_field(5, &tensor("c", &[600], 1, &big), &mut attr);
        let mut constant = node("Constant", &[], &["c"]);
        bytes_field(5, &attr, &mut constant);
        let small: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut m = model(
            &[node("MatMul", &["x", "w"], &["y"]), constant],
            &[tensor("w", &[600], 1, &big), tensor("s", &[2], 1, &small), packed, tensor("i", &[3], 3, &[1, 255, 7])],
        );
        // A field before the graph that the skeleton leaves out (as ONNX's opset imports).
        let mut lead = Vec::new();
        bytes_field(8, b"opset", &mut lead);
        lead.extend_from_slice(&m);
        m = lead;
        m
    }

    /// The graph both ways, as comparable text (or the error).
    fn both_ways(m: &[u8]) -> (std::result::Result<String, String>, std::result::Result<String, String>) {
        let show = |g: Result<Graph>| -> std::result::Result<String, String> {
            let g = g.map_err(|e| e.to_string())?;
            let mut names: Vec<&String> = g.tensors.keys().collect();
            names.sort();
            let tensors: Vec<String> = names
                .iter()
                .map(|n| format!("{n}: {:?} {:?} {:?} {:?}", g.tensors[*n].dims, g.tensors[*n].dtype, g.tensors[*n].floats().ok(), g.tensors[*n].ints().ok()))
                .collect();
            Ok(format!("{:?} {:?} {tensors:?}", g.nodes.iter().map(|n| (n.op, &n.inputs, &n.outputs)).collect::<Vec<_>>(), g.inputs))
        };
        let direct = show(Graph::parse(m));
        let cut = super::super::skeleton::skeleton(&m).map_err(|e| e.to_string());
        let through = match &cut {
            Ok(s) => show(Graph::parse_skeleton(s, &m)),
            Err(e) => Err(e.clone()),
        };
        (direct, through)
    }

    #[test]
    fn a_skeleton_parses_to_the_same_graph() {
        let m = model_with_payloads();
        let (direct, through) = both_ways(&m);
        assert!(direct.is_ok(), "{direct:?}");
        assert_eq!(direct, through);
        let skeleton = super::super::skeleton::skeleton(&m).unwrap();
        assert!(skeleton.len() < m.len() / 4, "{} of {} bytes", skeleton.len(), m.len());
        // The payloads are read from the source, not copied.
        let g = Graph::parse_skeleton(&skeleton, &m).unwrap();
        assert!(matches!(g.tensors["w"].raw, Raw::There { len: 2400, .. }));
        assert!(matches!(g.tensors["c"].raw, Raw::There { .. }) && matches!(g.tensors["p"].raw, Raw::There { .. }));
        assert!(matches!(g.tensors["s"].raw, Raw::Here(_)));
    }

    #[test]
    fn a_damaged_file_fails_the_same_way_read_where_it_lies() {
        let m = model_with_payloads();
        for cut in 0..m.len() {
            let (direct, through) = both_ways(&m[..cut]);
            assert_eq!(direct.is_err(), through.is_err(), "cut at {cut}: {direct:?} / {through:?}");
        }
        for seed in 0..300u32 {
            let mut d = m.clone();
            for j in 0..3u32 {
                let at = (seed.wrapping_mul(2654435761).wrapping_add(j * 40503) >> 7) as usize % d.len();
                d[at] ^= 1 << ((seed + j) % 8);
            }
            let (direct, through) = both_ways(&d);
            assert_eq!(direct, through, "flipped bits, seed {seed}");
        }
    }

    #[test]
    fn a_file_cannot_pose_as_a_skeleton() {
        // A tensor of a file carrying the skeleton's reference field: ignored when the file
        // is parsed, dropped from its skeleton.
        let mut t = tensor("w", &[2], 1, &[0; 8]);
        let mut fake = Vec::new();
        varint(0, &mut fake);
        varint(4, &mut fake);
        bytes_field(REMOTE_RAW, &fake, &mut t);
        let m = model(&[node("MatMul", &["x", "w"], &["y"])], &[t]);
        let (direct, through) = both_ways(&m);
        assert_eq!(direct, through);
        assert!(direct.unwrap().contains("Some([0.0, 0.0])"));
    }

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(0x7e00).is_nan());
    }
}
