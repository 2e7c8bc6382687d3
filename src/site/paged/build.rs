//! Cutting a site into pages: documents and their embeddings in, the head and every page
//! out, sealed with a build id derived from their content (the same input gives the same
//! bytes and the same folder name).
//!
//! Documents are clustered by spherical k-means on a sample of their embeddings (about
//! `cluster_size` per cluster) and numbered cluster by cluster, so a cluster's codes are one
//! page and its members' documents sit in neighbouring pages. Each document is also listed in
//! a second cluster chosen by SOAR, and has a node page: its int8 embedding and its
//! neighbours in the site's graph (`graph`) with their codes.

use super::graph::GraphParams;
use super::head::{Head, MAX_DEGREE, MAX_MARGIN, MAX_ROUNDS, margin_ok};
use super::search::{SiteParams, encode_docs};
use super::shard::{self, Postings};
use super::{Page, seal};
use crate::collection::{Doc, Settings};
use crate::distance::{Metric, dot};
use crate::format::varint::put_varint;
use crate::quant::kmeans::kmeans_on;
use crate::quant::{PqParams, ProductQuantizer};
use crate::records::{Failure, Result};
use crate::rng::Rng;
use crate::text::{Bm25Params, KeywordIndex};

/// SOAR's weight on the part of a second cluster's residual parallel to the first's.
const SOAR_LAMBDA: f32 = 2.0;

/// `row`'s nearest centroid (squared L2, index) and its second cluster by SOAR (Sun et al.,
/// 2023: the score adds `SOAR_LAMBDA` times the squared projection of the second residual on
/// the first, so the second cluster covers the directions where the first is weakest).
fn two_clusters(centroids: &[f32], dims: usize, row: &[f32]) -> [(f32, u32); 2] {
    let dist: Vec<f32> = centroids.chunks_exact(dims).map(|cent| crate::distance::l2_squared(row, cent)).collect();
    let mut first = (f32::INFINITY, 0u32);
    for (c, &d) in dist.iter().enumerate() {
        if d < first.0 {
            first = (d, c as u32);
        }
    }
    let c1 = &centroids[first.1 as usize * dims..(first.1 as usize + 1) * dims];
    let r: Vec<f32> = row.iter().zip(c1).map(|(x, c)| x - c).collect();
    let (rr, rx) = (dot(&r, &r).max(f32::MIN_POSITIVE), dot(&r, row));
    let mut second = (f32::INFINITY, first.1);
    for (c, (cent, &d)) in centroids.chunks_exact(dims).zip(&dist).enumerate() {
        if c as u32 == first.1 {
            continue;
        }
        let along = rx - dot(&r, cent);
        let s = d + SOAR_LAMBDA * along * along / rr;
        if s < second.0 {
            second = (s, c as u32);
        }
    }
    [first, second]
}

/// How a site is cut.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    /// Documents per cluster, on average.
    pub cluster_size: usize,
    pub docs_per_page: usize,
    /// A term shard is closed once its body passes this many bytes.
    pub shard_bytes: usize,
    pub pq: PqParams,
    pub nprobe: usize,
    /// Documents expanded in the first round and at most in each later one (their
    /// embeddings compared, their neighbours scored by code), the most rounds, and how far
    /// past the codes of the best expanded a later round still expands
    /// (`SiteParams::margin`).
    pub first: usize,
    pub expand: usize,
    pub rounds: usize,
    pub margin: f32,
    pub graph: GraphParams,
    /// A document is also listed (position and code) in its second cluster (chosen by SOAR)
    /// when that cluster's score is within `1 + spill` times the nearest one's squared
    /// distance (0: never).
    pub spill: f32,
    /// k-means: rows sampled per cluster, Lloyd iterations.
    pub kmeans_sample: usize,
    pub kmeans_iterations: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            cluster_size: 64,
            // Four documents a page: a query fetches the pages of its ~10 results, mostly one
            // each, so a smaller page is fewer bytes of other documents (8: ~8 KB a query).
            docs_per_page: 4,
            shard_bytes: 6000,
            // 64 subspaces of 4 bits: 32 bytes a document and a 12 KB codebook (8-bit codes
            // need a 196 KB one, more than a cold query may fetch in all).
            pq: PqParams { subspaces: 64, bits: 4, iterations: 12, sample: 20_000, seed: 42, rotation: crate::quant::Rotation::None },
            nprobe: 12,
            first: 96,
            expand: 32,
            rounds: 5,
            margin: 0.03,
            // 24 neighbours: node pages ~25% larger than at 16, recall@10 +0.01 at the same
            // search (bench/results/site-tuning.md).
            graph: GraphParams { degree: 24, probe: 24 },
            spill: 1.5,
            kmeans_sample: 48,
            kmeans_iterations: 16,
        }
    }
}

/// A built site: its id and every file (the head first).
pub struct Built {
    pub build: u64,
    pub docs: usize,
    /// The input index of each document, in site order (document `p` of the site is input
    /// `order[p]`).
    pub order: Vec<usize>,
    pub files: Vec<(Page, Vec<u8>)>,
    /// Distinct keyword terms, and the clusters and term shards they were cut into (what a
    /// page request tells the server: see ARCHITECTURE.md, "what a site's server learns").
    pub terms: usize,
    pub clusters: usize,
    pub shards: usize,
}

impl Built {
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.1.len()).sum()
    }
}

/// Cut `docs` (with their unit-length embeddings, `docs.len() * dims`, in order) into a
/// paged site. `settings` gives the ranking parameters the head records.
pub fn build(docs: Vec<Doc>, vectors: &[f32], dims: usize, layout: &Layout, settings: &Settings, threads: usize) -> Result<Built> {
    let n = docs.len();
    if dims == 0 || vectors.len() != n * dims {
        return Err(Failure::input(format!("{} embedding values for {n} documents of {dims} dimensions", vectors.len())));
    }
    if n == 0 {
        return Err(Failure::input("a site needs at least one document"));
    }
    if n > u32::MAX as usize / 2 {
        return Err(Failure::input("too many documents for one site"));
    }
    if layout.docs_per_page == 0 || layout.cluster_size == 0 {
        return Err(Failure::input("page and cluster sizes must be at least 1"));
    }
    if layout.graph.degree > MAX_DEGREE
        || layout.first == 0
        || layout.expand == 0
        || layout.rounds == 0
        || layout.rounds > MAX_ROUNDS
        || !margin_ok(layout.margin)
    {
        return Err(Failure::input(format!(
            "a site's degree is at most {MAX_DEGREE}; first and expand must be at least 1, rounds 1 to {MAX_ROUNDS} and margin 0 to {MAX_MARGIN}"
        )));
    }
    let row = |i: usize| &vectors[i * dims..(i + 1) * dims];

    // Clusters: k-means on a sample, every document to its nearest centroid.
    let clusters = n.div_ceil(layout.cluster_size);
    let mut rng = Rng::new(layout.pq.seed);
    let take = clusters * layout.kmeans_sample;
    let sample: Vec<usize> = if n <= take {
        (0..n).collect()
    } else {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..take {
            let j = i + rng.below(n - i);
            all.swap(i, j);
        }
        all.truncate(take);
        all.sort_unstable();
        all
    };
    let data: Vec<f32> = sample.iter().flat_map(|&i| row(i).iter().copied()).collect();
    let mut centroids = kmeans_on(&data, dims, clusters, layout.kmeans_iterations, &mut rng, threads);
    for c in centroids.chunks_exact_mut(dims) {
        let norm = dot(c, c).sqrt();
        if norm > 0.0 {
            c.iter_mut().for_each(|x| *x /= norm);
        }
    }
    let near: Vec<[(f32, u32); 2]> = crate::parallel::map_runs(n, threads, &|i| two_clusters(&centroids, dims, row(i)));
    let cluster_of: Vec<u32> = near.iter().map(|n| n[0].1).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (cluster_of[i], i));
    let mut starts = vec![0u32; clusters + 1];
    for &c in &cluster_of {
        starts[c as usize + 1] += 1;
    }
    for c in 0..clusters {
        starts[c + 1] += starts[c];
    }

    // Codes: 4-bit PQ of every document and of every centroid.
    let pq = ProductQuantizer::train(vectors, dims, Metric::Cosine, &layout.pq, threads).map_err(|e| Failure::input(e.to_string()))?;
    let code = pq.code_len();
    let encode = |v: &[f32]| {
        let mut c = vec![0u8; code];
        pq.encode(v, &mut c);
        c
    };
    let mut centroid_codes = Vec::with_capacity(clusters * code);
    for c in 0..clusters {
        centroid_codes.extend(encode(&centroids[c * dims..(c + 1) * dims]));
    }
    let codes: Vec<u8> = crate::parallel::map_runs(n, threads, &|j| encode(row(order[j]))).concat();

    let mut position = vec![0u32; n];
    for (p, &i) in order.iter().enumerate() {
        position[i] = p as u32;
    }
    let mut spilled: Vec<Vec<u32>> = vec![Vec::new(); clusters];
    if layout.spill > 0.0 && clusters > 1 {
        for (i, nn) in near.iter().enumerate() {
            if nn[1].1 != nn[0].1 && nn[1].0 <= nn[0].0 * (1.0 + layout.spill) {
                spilled[nn[1].1 as usize].push(position[i]);
            }
        }
    }
    let mut bodies: Vec<(Page, Vec<u8>)> = Vec::new();
    for (c, extra) in spilled.iter_mut().enumerate() {
        let (s, e) = (starts[c] as usize, starts[c + 1] as usize);
        let mut body = codes[s * code..e * code].to_vec();
        extra.sort_unstable();
        put_varint(&mut body, extra.len() as u64);
        for &p in extra.iter() {
            put_varint(&mut body, p as u64);
            body.extend_from_slice(&codes[p as usize * code..(p as usize + 1) * code]);
        }
        bodies.push((Page::Cluster(c as u32), body));
    }
    // Nodes: each document's int8 embedding (per-vector scale: cosine does not need it back),
    // then its neighbours in the graph (ascending positions, delta-coded) and their codes.
    let site_rows: Vec<f32> = order.iter().flat_map(|&i| row(i).iter().copied()).collect();
    let graph = super::graph::neighbours(&site_rows, dims, &starts, &centroids, layout.graph, threads);
    for (p, &d) in order.iter().enumerate() {
        let v = row(d);
        let mut body = Vec::with_capacity(dims + graph[p].len() * (code + 3) + 2);
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs())).max(f32::MIN_POSITIVE);
        body.extend(v.iter().map(|x| (x / max * 127.0).round_ties_even().clamp(-127.0, 127.0) as i8 as u8));
        put_varint(&mut body, graph[p].len() as u64);
        let mut prev = 0u32;
        for &q in &graph[p] {
            put_varint(&mut body, u64::from(q - prev));
            prev = q;
        }
        for &q in &graph[p] {
            body.extend_from_slice(&codes[q as usize * code..(q as usize + 1) * code]);
        }
        bodies.push((Page::Node(p as u32), body));
    }
    // Keywords, numbered like the documents, cut into shards by term.
    let mut keywords = KeywordIndex::new(Bm25Params::default());
    for (p, &d) in order.iter().enumerate() {
        keywords.insert(p as u64, &docs[d].fields());
    }
    let mut terms: Vec<(&str, Postings)> = keywords
        .postings()
        .map(|(t, list)| {
            let mut l: Postings = list.iter().map(|&(d, tf)| (d as u32, tf, keywords.length(d))).collect();
            l.sort_unstable();
            (t, l)
        })
        .collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut shards: Vec<String> = Vec::new();
    let mut open: Vec<(&str, &Postings)> = Vec::new();
    let mut size = 0usize;
    fn close(open: &mut Vec<(&str, &Postings)>, bodies: &mut Vec<(Page, Vec<u8>)>, shards: &mut Vec<String>) {
        if let Some(first) = open.first() {
            shards.push(first.0.to_string());
            bodies.push((Page::Terms(shards.len() as u32 - 1), shard::encode(open)));
            open.clear();
        }
    }
    for (t, l) in &terms {
        open.push((t, l));
        size += t.len() + 2 + l.len() * 3;
        if size >= layout.shard_bytes {
            close(&mut open, &mut bodies, &mut shards);
            size = 0;
        }
    }
    close(&mut open, &mut bodies, &mut shards);
    let mut ordered: Vec<Option<Doc>> = docs.into_iter().map(Some).collect();
    let docs_in_order: Vec<Doc> = order.iter().map(|&d| ordered[d].take().unwrap_or_default()).collect();
    for (i, chunk) in docs_in_order.chunks(layout.docs_per_page).enumerate() {
        bodies.push((Page::Docs(i as u32), encode_docs(chunk)));
    }

    let (n_terms, n_shards) = (terms.len(), shards.len());
    let head = Head {
        dims,
        docs: n,
        docs_per_page: layout.docs_per_page,
        pq,
        starts,
        centroid_codes,
        bm25: keywords.params(),
        total_length: keywords.total_length(),
        shards,
        params: SiteParams {
            nprobe: layout.nprobe,
            first: layout.first,
            expand: layout.expand,
            rounds: layout.rounds,
            margin: layout.margin,
            keyword_weight: settings.keyword_weight,
            keyword_gate: settings.keyword_gate,
            keyword_specificity: settings.keyword_specificity,
            min_score: settings.min_score,
            min_score_unknown: settings.min_score_unknown,
        },
    };
    bodies.insert(0, (Page::Head, head.encode()));
    // The build id: two crc32s (different seeds) over every page's name and body.
    let (mut a, mut b) = (crc32fast::Hasher::new(), crc32fast::Hasher::new_with_initial(0x9e37_79b9));
    for (p, body) in &bodies {
        for h in [&mut a, &mut b] {
            h.update(p.path().as_bytes());
            h.update(&(body.len() as u64).to_le_bytes());
            h.update(body);
        }
    }
    let build = ((a.finalize() as u64) << 32) | b.finalize() as u64;
    let files = bodies.into_iter().map(|(p, body)| (p, seal(build, p, body))).collect();
    Ok(Built { build, docs: n, order, files, terms: n_terms, clusters, shards: n_shards })
}
