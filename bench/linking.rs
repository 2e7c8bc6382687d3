//! What a collection crossing `graph_at` pays for its graph: built at once in the add
//! that crosses it (`PrunedIndex::link_all`, as nook did before) or spread over the adds
//! that follow (`PrunedIndex::link_some`, eight nodes a document added: what
//! `Collection::add` does now), natively on one thread.
//!
//! Data: the 10,000 benchmark documents' MiniLM vectors (`data/bench-vectors.f32`, written
//! by `cargo bench --features embed --bench recall`) tiled to `n` documents, each copy
//! moved by Gaussian noise (cosine ~0.8 to its original) so that copies are distinct
//! neighbours; codes 64 x 4 bits trained on the first 1,000, as a collection trains them at
//! `prune_at`. Adds come as the package sends them, 16 documents a call. Reports each add
//! call's time (encoding the codes and linking its share) and the longest, the build's
//! total against `link_all`'s, and recall@10 of two-level search (exact re-ranking of the
//! best 64 by code) over the FanOutQA queries with both graphs and with the flat scan.
//!
//! `cargo bench --bench linking -- [n ...]` (default 100000 250000); writes
//! bench/results/linking.md. With `NOOK_LINK_SCAN_ONLY=1`: only the scan's recall and time at
//! each n, printed (no graph built, nothing written).

use std::time::Instant;

use nook::TableVectors;
use nook::distance::{Metric, dot};
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::rng::Rng;

const D: usize = 384;
const CHUNK: usize = 16;
const LINKS_PER_ADD: usize = 8;

fn tiled(base: &[f32], n: usize) -> Vec<f32> {
    let mut rng = Rng::new(11);
    let mut out = Vec::with_capacity(n * D);
    let rows = base.len() / D;
    for i in 0..n {
        let src = &base[(i % rows) * D..(i % rows + 1) * D];
        if i < rows {
            out.extend_from_slice(src);
            continue;
        }
        let mut v: Vec<f32> = src.iter().map(|&x| x + 0.75 * gaussian(&mut rng) / (D as f32).sqrt()).collect();
        let norm = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        out.extend_from_slice(&v);
    }
    out
}

fn gaussian(rng: &mut Rng) -> f32 {
    let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

/// A flat index over the first `at` vectors (codes trained on the first 1,000).
fn flat(vectors: &[f32], at: usize) -> PrunedIndex {
    let params = IndexParams { m: 16, ef_construction: 100, ..IndexParams::new(Metric::Cosine, D) };
    let mut stored = VectorIndex::new(params).unwrap();
    stored.add_batch(&(0..1000).collect::<Vec<_>>(), &vectors[..1000 * D], 2).unwrap();
    let mut idx = PrunedIndex::build_flat(&stored, &PruneParams::default(), &PqParams { subspaces: 64, bits: 4, ..PqParams::default() }, 2).unwrap();
    idx.add_batch(&(1000..at as u64).collect::<Vec<_>>(), &vectors[1000 * D..at * D], 1).unwrap();
    idx
}

fn recall(idx: &PrunedIndex, vectors: &[f32], queries: &[f32], truth: &[Vec<u64>]) -> f64 {
    recall_ef(idx, vectors, queries, truth, 64)
}

fn recall_ef(idx: &PrunedIndex, vectors: &[f32], queries: &[f32], truth: &[Vec<u64>], ef: usize) -> f64 {
    let params = TwoLevelParams { ef, rerank: 64, batch: 64, ..TwoLevelParams::default() };
    let mut exact = TableVectors { vectors, dims: D };
    let mut scratch = idx.scratch();
    let mut found = 0;
    for (q, t) in queries.chunks_exact(D).zip(truth) {
        let hits = idx.search(q, 10, &params, None, &mut exact, &mut scratch).unwrap().0;
        found += hits.iter().filter(|h| t.contains(&h.id)).count();
    }
    found as f64 / (truth.len() * 10) as f64
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100_000, 250_000] } else { sizes };
    let bytes =
        std::fs::read(format!("{root}/data/bench-vectors.f32")).expect("run `cargo bench --features embed --bench recall` first (data/bench-vectors.f32)");
    let all: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let docs: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-docs.json")).unwrap()).unwrap();
    let queries: Vec<String> = serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-queries.json")).unwrap()).unwrap();
    let ndocs = docs.as_array().unwrap().len();
    let (base, rest) = all.split_at(ndocs * D);
    let qs = &rest[..queries.len().min(200) * D];
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut md_note = String::new();
    let mut md = format!(
        "# The graph built at once or over the adds that follow (native, one thread)\n\n\
         Written by `cargo bench --bench linking` (bench/linking.rs). Load average at start: {}.\n\
         The benchmark documents' MiniLM vectors tiled with noise to n documents (and, in the last row,\n\
         real MiniLM vectors alone: the 10,000 documents and the rotation's 43,373 training texts), 64 x 4-bit codes;\n\
         a collection reaching `graph_at` = n, then adds of {CHUNK} documents, {LINKS_PER_ADD} nodes linked a document\n\
         added until the graph is done. An add call's time here is its codes and its share of the\n\
         graph (embedding the {CHUNK} documents, ~5 ms each natively and ~10 in Chromium, comes on top).\n\
         Recall@10: {} FanOutQA queries, two-level search re-ranking the best 64 by code exactly.\n\n\
         | n | documents at the end | link_all at n: s | spread: add calls until done | add call p50 / p99 / longest ms | spread: linking total s | recall@10 scanned (a query) | graph, ef 64: link_all / spread | ef 512: link_all / spread (a query) |\n\
         |---|---|---|---|---|---|---|---|---|\n",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        qs.len() / D
    );
    // Tiled to each size, then the real vectors alone: the benchmark's documents and the
    // 43,373 texts the model's rotation was learned on (bench/rotation/texts.py), no copies.
    let mut cases: Vec<(String, usize, Vec<f32>)> = sizes
        .iter()
        .map(|&n| {
            // Room for the adds until the spread build is done (about n / 7 documents).
            let extra = n / 6 + 2 * CHUNK;
            (format!("{n} (tiled)"), n, tiled(base, n + extra))
        })
        .collect();
    match std::fs::read(format!("{root}/data/rotation/vectors.f32")) {
        Ok(bytes) => {
            let mut real = base.to_vec();
            real.extend(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            let n = (real.len() / D - 2 * CHUNK) * 6 / 7;
            cases.push((format!("{n} (real)"), n, real));
        }
        Err(e) => md_note = format!("\nThe real row is missing: data/rotation/vectors.f32 could not be read ({e}; `bench/rotation` writes it).\n"),
    }
    let scan_only = std::env::var("NOOK_LINK_SCAN_ONLY").is_ok();
    for (label, n, vectors) in cases {
        if scan_only {
            // What the scan alone costs and finds at n (no graph built).
            let held = &vectors[..n * D];
            let truth = top10(qs, held);
            let idx = flat(&vectors, n);
            let t = Instant::now();
            let r = recall(&idx, held, qs, &truth);
            eprintln!("{label}: scanned recall@10 {r:.3}, {:.2} ms a query", t.elapsed().as_secs_f64() * 1e3 / (qs.len() / D) as f64);
            continue;
        }
        // Spread: from n on, each add of CHUNK documents links CHUNK x 8 nodes.
        let mut spread = flat(&vectors, n);
        let (mut calls, mut linking) = (Vec::new(), 0.0);
        let mut next = n;
        let mut done = spread.link_some(CHUNK * LINKS_PER_ADD);
        while !done {
            let ids: Vec<u64> = (next as u64..(next + CHUNK) as u64).collect();
            let t = Instant::now();
            spread.add_batch(&ids, &vectors[next * D..(next + CHUNK) * D], 1).unwrap();
            let l = Instant::now();
            done = spread.link_some(CHUNK * LINKS_PER_ADD);
            linking += l.elapsed().as_secs_f64();
            calls.push(t.elapsed().as_secs_f64() * 1e3);
            next += CHUNK;
        }
        // At once: the add that reaches n builds the whole graph, then the same adds follow.
        let mut whole = flat(&vectors, n);
        let t = Instant::now();
        whole.link_all(1);
        let at_once = t.elapsed().as_secs_f64();
        eprintln!("n {n}: link_all {at_once:.2} s, spread over {} adds", calls.len());
        let ids: Vec<u64> = (n as u64..next as u64).collect();
        whole.add_batch(&ids, &vectors[n * D..next * D], 1).unwrap();
        let mut scanned = flat(&vectors, n);
        scanned.add_batch(&ids, &vectors[n * D..next * D], 1).unwrap();
        let held = &vectors[..next * D];
        let truth = top10(qs, held);
        let (r_flat, r_whole, r_spread) = (recall(&scanned, held, qs, &truth), recall(&whole, held, qs, &truth), recall(&spread, held, qs, &truth));
        let mut sorted = calls.clone();
        sorted.sort_by(f64::total_cmp);
        // The walk's beam: the default 64, and wider.
        let wide = |idx: &PrunedIndex| recall_ef(idx, held, qs, &truth, 512);
        let t = Instant::now();
        let r_wide = wide(&whole);
        let wide_ms = t.elapsed().as_secs_f64() * 1e3 / (qs.len() / D) as f64;
        let t = Instant::now();
        recall(&scanned, held, qs, &truth);
        let scan_ms = t.elapsed().as_secs_f64() * 1e3 / (qs.len() / D) as f64;
        let line = format!(
            "| {label} | {next} | {at_once:.2} | {} | {:.1} / {:.1} / {:.1} | {linking:.2} | {r_flat:.3} ({scan_ms:.2} ms) | {r_whole:.3} / {r_spread:.3} | {r_wide:.3} / {:.3} ({wide_ms:.2} ms) |\n",
            calls.len(),
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.99),
            sorted.last().copied().unwrap_or(0.0),
            wide(&spread),
        );
        eprint!("{line}");
        md.push_str(&line);
    }
    md.push_str(
        "\nAll three indexes hold the same documents (n and the adds until the spread build is done):\n\
         the scanned one reads every code, the others walk their graph with beam `ef`; the time a\n\
         query includes re-ranking 64 exact vectors (here read from memory, not recomputed).\n",
    );
    md.push_str(&md_note);
    if !scan_only {
        std::fs::write(format!("{root}/bench/results/linking.md"), md).unwrap();
    }
}

/// Each query's true top 10 among `held`, by brute force.
fn top10(qs: &[f32], held: &[f32]) -> Vec<Vec<u64>> {
    qs.chunks_exact(D)
        .map(|q| {
            let mut s: Vec<(f32, u64)> = held.chunks_exact(D).enumerate().map(|(i, v)| (dot(q, v), i as u64)).collect();
            s.select_nth_unstable_by(10, |a, b| b.0.total_cmp(&a.0));
            s[..10].iter().map(|x| x.1).collect()
        })
        .collect()
}
