//! The head of a paged site: everything a query needs before it knows which pages to fetch.
//!
//! ```text
//! varint: dims, documents, documents per page, default nprobe, first, expand, rounds
//! varint(codebook bytes) codebook (`ProductQuantizer::to_bytes`, cosine)
//! varint(clusters) then per cluster: varint(size), its centroid's PQ code
//! f32 LE: k1, b, keyword weight, keyword gate, keyword specificity, min score, min score
//!   for an unknown query, margin; varint(total document length)
//! varint(shards) then per shard: varint(len) its first term
//! ```

use super::search::SiteParams;
use crate::distance::Metric;
use crate::format::varint::{Reader, put_varint};
use crate::quant::ProductQuantizer;
use crate::records::{Failure, Result};
use crate::text::Bm25Params;

/// Largest dimension count a head may declare.
const MAX_DIMS: usize = 4096;
/// Most neighbours a node page may list.
pub const MAX_DEGREE: usize = 256;
/// Most expansion rounds a search may take (each is a round trip).
pub const MAX_ROUNDS: usize = 8;
/// The widest margin (`SiteParams::margin`): cosine distances lie in 0..=2, so 2 admits every
/// candidate.
pub const MAX_MARGIN: f32 = 2.0;

/// Whether `margin` is one a site may carry and a search may use (0 to `MAX_MARGIN`; not NaN).
pub fn margin_ok(margin: f32) -> bool {
    (0.0..=MAX_MARGIN).contains(&margin)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    pub dims: usize,
    pub docs: usize,
    pub docs_per_page: usize,
    pub pq: ProductQuantizer,
    /// Documents per cluster; cluster i holds documents `starts[i]..starts[i + 1]`.
    pub starts: Vec<u32>,
    /// One PQ code per cluster centroid (`clusters * code_len`).
    pub centroid_codes: Vec<u8>,
    pub bm25: Bm25Params,
    pub total_length: u64,
    /// The first term of each term shard, ascending.
    pub shards: Vec<String>,
    /// The search parameters the site was built with.
    pub params: SiteParams,
}

impl Head {
    pub fn clusters(&self) -> usize {
        self.starts.len() - 1
    }

    /// The term shard that holds `term` if any shard does.
    pub fn shard_of(&self, term: &str) -> Option<u32> {
        let after = self.shards.partition_point(|s| s.as_str() <= term);
        after.checked_sub(1).map(|i| i as u32)
    }

    /// The term shards that hold the terms beginning with `prefix`, in order, at most
    /// `max` of them: the one `prefix` itself would lie in, then those whose first term
    /// begins with it.
    pub fn shards_beginning(&self, prefix: &str, max: usize) -> Vec<u32> {
        let first = match self.shard_of(prefix) {
            Some(s) => s as usize,
            None if self.shards.first().is_some_and(|t| t.starts_with(prefix)) => 0,
            None => return Vec::new(),
        };
        let rest = self.shards[first + 1..].iter().take_while(|t| t.starts_with(prefix)).count();
        (first..=first + rest).take(max).map(|s| s as u32).collect()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let p = &self.params;
        for v in [self.dims, self.docs, self.docs_per_page, p.nprobe, p.first, p.expand, p.rounds] {
            put_varint(&mut out, v as u64);
        }
        let mut cb = Vec::new();
        self.pq.to_bytes(&mut cb);
        put_varint(&mut out, cb.len() as u64);
        out.extend_from_slice(&cb);
        put_varint(&mut out, self.clusters() as u64);
        let len = self.pq.code_len();
        for (i, w) in self.starts.windows(2).enumerate() {
            put_varint(&mut out, (w[1] - w[0]) as u64);
            out.extend_from_slice(&self.centroid_codes[i * len..(i + 1) * len]);
        }
        for f in [self.bm25.k1, self.bm25.b, p.keyword_weight, p.keyword_gate, p.keyword_specificity, p.min_score, p.min_score_unknown, p.margin] {
            out.extend_from_slice(&f.to_le_bytes());
        }
        put_varint(&mut out, self.total_length);
        put_varint(&mut out, self.shards.len() as u64);
        for s in &self.shards {
            put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        out
    }

    pub fn decode(body: &[u8]) -> Result<Head> {
        let bad = |what: String| Failure::corrupt(format!("site head: {what}"));
        let e = |e: crate::Error| bad(e.to_string());
        let mut r = Reader::new(body);
        let dims = r.count(MAX_DIMS, "dimensions").map_err(e)?;
        let docs = r.count(u32::MAX as usize, "documents").map_err(e)?;
        let docs_per_page = r.count(1 << 16, "documents per page").map_err(e)?;
        let nprobe = r.count(1 << 20, "nprobe").map_err(e)?;
        let first = r.count(1 << 16, "first").map_err(e)?;
        let expand = r.count(1 << 16, "expand").map_err(e)?;
        let rounds = r.count(MAX_ROUNDS, "rounds").map_err(e)?;
        if dims == 0 || docs_per_page == 0 || first == 0 || expand == 0 || rounds == 0 {
            return Err(bad("a page size, the dimension count, first, expand or rounds is zero".into()));
        }
        let cb_len = r.count(r.remaining(), "codebook bytes").map_err(e)?;
        let pq = ProductQuantizer::from_bytes(r.take(cb_len).map_err(e)?, Metric::Cosine, dims).map_err(e)?;
        let code = pq.code_len();
        let clusters = r.count(r.remaining() / (code + 1), "clusters").map_err(e)?;
        let mut starts = Vec::with_capacity(clusters + 1);
        starts.push(0u32);
        let mut centroid_codes = Vec::with_capacity(clusters * code);
        let mut at = 0usize;
        for _ in 0..clusters {
            at += r.count(docs, "cluster size").map_err(e)?;
            if at > docs {
                return Err(bad(format!("clusters hold more than the {docs} documents")));
            }
            starts.push(at as u32);
            centroid_codes.extend_from_slice(r.take(code).map_err(e)?);
        }
        if at != docs || (clusters == 0 && docs > 0) {
            return Err(bad(format!("clusters hold {at} of {docs} documents")));
        }
        let mut f = [0f32; 8];
        for x in &mut f {
            *x = r.f32().map_err(e)?;
            if !x.is_finite() {
                return Err(bad("a parameter is not a finite number".into()));
            }
        }
        let total_length = r.varint().map_err(e)?;
        let n = r.count(r.remaining(), "shards").map_err(e)?;
        let mut shards: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.count(r.remaining(), "term length").map_err(e)?;
            let s = String::from_utf8(r.take(len).map_err(e)?.to_vec()).map_err(|_| bad("a shard's first term is not UTF-8".into()))?;
            if shards.last().is_some_and(|l| *l >= s) {
                return Err(bad("shards are not in term order".into()));
            }
            shards.push(s);
        }
        if !r.is_empty() {
            return Err(bad("trailing bytes".into()));
        }
        let [k1, b, keyword_weight, keyword_gate, keyword_specificity, min_score, min_score_unknown, margin] = f;
        if !margin_ok(margin) {
            return Err(bad(format!("margin {margin} is not between 0 and 2")));
        }
        Ok(Head {
            dims,
            docs,
            docs_per_page,
            pq,
            starts,
            centroid_codes,
            bm25: Bm25Params { k1, b },
            total_length,
            shards,
            params: SiteParams { nprobe, first, expand, rounds, margin, keyword_weight, keyword_gate, keyword_specificity, min_score, min_score_unknown },
        })
    }
}
