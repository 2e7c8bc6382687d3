//! Which quantizer ranks real MiniLM vectors best for its bytes: brute-force ADC ranking
//! of 10,000 benchmark documents for 300 queries, as "10@r" (the share of the true top 10
//! found among the quantizer's top r; two-level search re-ranks r candidates exactly, so
//! this is the ceiling of its recall). Trains the way a collection does: on the first
//! `train` documents in file order (the collection switches to pruned mode at 1,000).
//! Needs `data/bench-vectors.f32` (written by `cargo bench --features embed --bench recall`).
//! Run: `cargo bench --bench pqlab` (prints a table; writes bench/results/pqlab.md)

use nook::distance::{Metric, dot};
use nook::quant::{PqParams, ProductQuantizer};

const D: usize = 384;

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bytes = std::fs::read(format!("{root}/data/bench-vectors.f32")).expect("run the recall bench first");
    let all: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let queries: Vec<String> = serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-queries.json")).unwrap()).unwrap();
    let nq = queries.len();
    // The vectors file holds the documents, then the FanOutQA queries, then the recall
    // bench's other query sets.
    let docs: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-docs.json")).unwrap()).unwrap();
    let n = docs.as_array().unwrap().len();
    let (base, rest) = all.split_at(n * D);
    let qs = &rest[..nq * D];
    // NOOK_PQLAB_QUERIES: another query set's vectors (raw little-endian f32 rows).
    let other: Vec<f32> = std::env::var("NOOK_PQLAB_QUERIES")
        .ok()
        .map(|p| std::fs::read(p).unwrap().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
        .unwrap_or_default();
    let qs = if other.is_empty() { qs } else { &other[..] };
    let nq = qs.len() / D;
    let gt: Vec<Vec<usize>> = qs.chunks_exact(D).map(|q| top(base, q, 10)).collect();
    let rotate = std::env::var("NOOK_PQLAB_ROTATE").is_ok();
    let (rb, rq);
    let (base, qs) = if rotate {
        let r = random_rotation(D, 7);
        rb = apply(&r, base);
        rq = apply(&r, qs);
        (&rb[..], &rq[..])
    } else {
        (base, qs)
    };
    let mut md = format!(
        "# PQ ranking on MiniLM vectors ({n} documents, {nq} queries)\n\n10@r = share of the true top 10 among the quantizer's top r (brute-force ADC).\n\n| quantizer | trained on | bytes/doc | codebook KB | 10@10 | 10@16 | 10@32 | 10@64 |\n|---|---|---:|---:|---:|---:|---:|---:|\n"
    );
    let variants: Vec<(usize, u8)> = std::env::var("NOOK_PQLAB")
        .ok()
        .map(|s| {
            s.split(',')
                .map(|v| {
                    let (m, b) = v.split_once('x').unwrap();
                    (m.parse().unwrap(), b.parse().unwrap())
                })
                .collect()
        })
        .unwrap_or(vec![(16, 8), (24, 8), (32, 8), (32, 4), (48, 4), (64, 4), (96, 4)]);
    let trains: Vec<usize> = std::env::var("NOOK_PQLAB_TRAIN").ok().map(|s| s.split(',').map(|v| v.parse().unwrap()).collect()).unwrap_or(vec![1000, n]);
    for &(m, bits) in &variants {
        for &train in &trains {
            // NOOK_PQLAB_OPQ: under the rotation nook ships for the model (src/quant/rotation.rs).
            let rotation = if std::env::var("NOOK_PQLAB_OPQ").is_ok() { nook::quant::Rotation::MiniLmL6 } else { nook::quant::Rotation::None };
            let params = PqParams { subspaces: m, bits, iterations: 16, sample: train, rotation, ..PqParams::default() };
            let pq = ProductQuantizer::train(&base[..train * D], D, Metric::Cosine, &params, 2).unwrap();
            let len = pq.code_len();
            let mut codes = vec![0u8; n * len];
            for (row, code) in base.chunks_exact(D).zip(codes.chunks_exact_mut(len)) {
                pq.encode(row, code);
            }
            let mut book = Vec::new();
            pq.to_bytes(&mut book);
            let mut found = [0usize; 4];
            for (qi, q) in qs.chunks_exact(D).enumerate() {
                let t = pq.table(q);
                let mut s: Vec<(f32, usize)> = codes.chunks_exact(len).enumerate().map(|(i, c)| (t.distance(c), i)).collect();
                s.sort_by(|a, b| a.0.total_cmp(&b.0));
                for (f, r) in found.iter_mut().zip([10, 16, 32, 64]) {
                    *f += s[..r].iter().filter(|x| gt[qi].contains(&x.1)).count();
                }
            }
            if std::env::var("NOOK_PQLAB_ADAPT").is_ok() {
                adaptive(&pq, &codes, base, qs, &gt);
            }
            let at: Vec<String> = found.iter().map(|f| format!("{:.3}", *f as f64 / (nq * 10) as f64)).collect();
            let line = format!("| PQ{m}x{bits} | {train} | {len} | {:.1} | {} |\n", book.len() as f64 / 1024.0, at.join(" | "));
            eprint!("{line}");
            md.push_str(&line);
        }
    }
    if std::env::var("NOOK_PQLAB_LINK").is_ok() {
        link_cost(base);
    }
    std::fs::write(format!("{root}/bench/results/pqlab.md"), md).unwrap();
}

/// What building the graph over the codes (the flat -> graph switch) costs, 1 thread.
fn link_cost(base: &[f32]) {
    use nook::index::{IndexParams, PruneParams, PrunedIndex, VectorIndex};
    let n = base.len() / D;
    let mut stored = VectorIndex::new(IndexParams { m: 16, ef_construction: 100, ..IndexParams::new(Metric::Cosine, D) }).unwrap();
    stored.add_batch(&(0..n as u64).collect::<Vec<_>>(), base, 2).unwrap();
    let mut flat = PrunedIndex::build_flat(&stored, &PruneParams::default(), &PqParams { subspaces: 64, bits: 4, ..PqParams::default() }, 2).unwrap();
    let t = std::time::Instant::now();
    flat.link_all(1);
    eprintln!("link_all: {n} nodes in {:.2} s (1 thread)", t.elapsed().as_secs_f64());
}

fn top(base: &[f32], q: &[f32], k: usize) -> Vec<usize> {
    let mut s: Vec<(f32, usize)> = base.chunks_exact(D).enumerate().map(|(i, v)| (dot(q, v), i)).collect();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    s[..k].iter().map(|x| x.1).collect()
}

/// A random orthogonal matrix (Gram-Schmidt on Gaussian rows), row-major.
fn random_rotation(d: usize, seed: u64) -> Vec<f32> {
    let mut rng = nook::rng::Rng::new(seed);
    let mut m: Vec<f64> = (0..d * d)
        .map(|_| {
            let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect();
    for i in 0..d {
        for j in 0..i {
            let p: f64 = (0..d).map(|t| m[i * d + t] * m[j * d + t]).sum();
            for t in 0..d {
                m[i * d + t] -= p * m[j * d + t];
            }
        }
        let n: f64 = (0..d).map(|t| m[i * d + t] * m[i * d + t]).sum::<f64>().sqrt();
        for t in 0..d {
            m[i * d + t] /= n;
        }
    }
    m.iter().map(|&x| x as f32).collect()
}

fn apply(r: &[f32], rows: &[f32]) -> Vec<f32> {
    rows.chunks_exact(D).flat_map(|v| r.chunks_exact(D).map(|row| dot(row, v)).collect::<Vec<_>>()).collect()
}

/// Re-rank in PQ order, batches of 8, stopping when the next candidate's PQ distance minus
/// `slack` times the largest under-estimate seen so far cannot beat the current 10th exact.
fn adaptive(pq: &ProductQuantizer, codes: &[u8], base: &[f32], qs: &[f32], gt: &[Vec<usize>]) {
    let len = pq.code_len();
    for &(min, slack) in &[(16usize, 1.0f32), (16, 0.5), (16, 0.3), (24, 0.3), (24, 0.5), (12, 0.5)] {
        let (mut hit, mut cost) = (0usize, 0usize);
        for (qi, q) in qs.chunks_exact(D).enumerate() {
            let t = pq.table(q);
            let mut s: Vec<(f32, usize)> = codes.chunks_exact(len).enumerate().map(|(i, c)| (t.distance(c), i)).collect();
            s.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut exact: Vec<(f32, usize)> = Vec::new();
            let mut worst_under = 0.0f32;
            let mut i = 0;
            while i < s.len() {
                let end = (i + 8).min(s.len());
                for &(a, id) in &s[i..end] {
                    let e = 1.0 - dot(q, &base[id * D..(id + 1) * D]);
                    worst_under = worst_under.max(a - e);
                    exact.push((e, id));
                }
                i = end;
                if i < min {
                    continue;
                }
                exact.sort_by(|a, b| a.0.total_cmp(&b.0));
                let tenth = exact[9.min(exact.len() - 1)].0;
                if i >= s.len() || s[i].0 - slack * worst_under > tenth || i >= 64 {
                    break;
                }
            }
            cost += i;
            exact.sort_by(|a, b| a.0.total_cmp(&b.0));
            hit += exact.iter().take(10).filter(|x| gt[qi].contains(&x.1)).count();
        }
        let nq = qs.len() / D;
        eprintln!("  adaptive min {min} slack {slack}: recall {:.3}, reranked {:.1}/query", hit as f64 / (nq * 10) as f64, cost as f64 / nq as f64);
    }
}
