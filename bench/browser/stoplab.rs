//! How many candidates must be re-ranked exactly: the shipped stop (errors learned per query,
//! one spread for every candidate) against one that also knows how well each document's
//! code fits it (the cosine between the vector and its reconstruction, stored as one byte):
//! a corrected estimate and a per-candidate error scale (RaBitQ's idea, on PQ codes).
//! Brute-force ADC over 10,000 benchmark documents (flat phase), two query sets.
//! Needs `data/bench-vectors.f32` (written by `cargo bench --features embed --bench recall`).
//! Run: `cargo bench --bench stoplab` (prints a table; writes bench/results/stoplab.md)

use nook::distance::{Metric, dot};
use nook::quant::{PqParams, ProductQuantizer};

const D: usize = 384;
const K: usize = 10;
const RERANK: usize = 64;

struct Query<'a> {
    q: &'a [f32],
    truth: Vec<usize>,
}

/// One document as the search sees it.
struct Coded {
    /// Normalised ADC distance (what nook ranks by today).
    adc: f32,
    /// Cosine between the vector and its code's reconstruction.
    fit: f32,
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bytes = std::fs::read(format!("{root}/data/bench-vectors.f32")).expect("run the recall bench first");
    let all: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let n = 10_000;
    let nf = 300;
    let (base, rest) = all.split_at(n * D);
    let sets: [(&str, &[f32]); 2] = [("fanoutqa", &rest[..nf * D]), ("wordnet", &rest[nf * D..])];
    let mut md = String::from(
        "# Re-ranking stop rules on MiniLM vectors (10,000 documents)\n\nWritten by `cargo bench --bench stoplab`. recall@10 against brute force / candidates re-ranked exactly per query (mean). `oracle` = the fewest re-ranked in the rule's order that would hold every true top-10 candidate among its 64.\n\n",
    );
    for order in ["file", "shuffled"] {
        let mut rows: Vec<usize> = (0..n).collect();
        if order == "shuffled" {
            let mut rng = nook::rng::Rng::new(7);
            for i in (1..n).rev() {
                let j = (rng.next_f64() * (i + 1) as f64) as usize % (i + 1);
                rows.swap(i, j);
            }
        }
        let train: Vec<f32> = rows[..1000].iter().flat_map(|&r| base[r * D..(r + 1) * D].to_vec()).collect();
        let params = PqParams { subspaces: 64, bits: 4, ..PqParams::default() };
        let pq = ProductQuantizer::train(&train, D, Metric::Cosine, &params, 2).unwrap();
        let len = pq.code_len();
        let mut codes = vec![0u8; n * len];
        let mut fits = vec![0f32; n];
        let mut rec = Vec::new();
        for (i, (row, code)) in base.chunks_exact(D).zip(codes.chunks_exact_mut(len)).enumerate() {
            pq.encode(row, code);
            rec.clear();
            pq.decode(code, &mut rec);
            fits[i] = dot(row, &rec) / dot(&rec, &rec).sqrt();
        }
        let mut sorted = fits.clone();
        sorted.sort_by(f32::total_cmp);
        md.push_str(&format!(
            "## PQ 64x4 trained on the first 1,000 in {order} order\n\nfit (cosine of vector and reconstruction) p5 / p50 / p95: {:.3} / {:.3} / {:.3}\n\n| rule | {} |\n|---|{}\n",
            sorted[n / 20],
            sorted[n / 2],
            sorted[n * 19 / 20],
            sets.iter().map(|(s, qs)| format!("{s} ({} queries)", qs.len() / D)).collect::<Vec<_>>().join(" | "),
            sets.iter().map(|_| "---|").collect::<String>()
        ));
        let queries: Vec<Vec<Query>> = sets.iter().map(|(_, qs)| qs.chunks_exact(D).map(|q| Query { q, truth: top(base, q, K) }).collect()).collect();
        let mut rules: Vec<(String, Rule)> = Vec::new();
        for z in [1.0f32, 1.25, 1.5, 2.0] {
            rules.push((format!("shipped: first 16, z {z}"), Rule::Shipped { first: 16, z }));
        }
        for quant in [false, true] {
            for z in [1.0f32, 1.5, 2.0] {
                rules.push((format!("fit{}: first 10, z {z}", if quant { " (1 byte)" } else { "" }), Rule::Fit { first: 10, z, quant }));
            }
        }
        for (name, rule) in &rules {
            let mut cells = Vec::new();
            for qs in &queries {
                let (mut hit, mut cost, mut oracle) = (0usize, 0usize, 0usize);
                for query in qs {
                    let t = pq.table(query.q);
                    let coded: Vec<Coded> = codes.chunks_exact(len).zip(&fits).map(|(c, &fit)| Coded { adc: t.distance(c), fit }).collect();
                    let exact = |i: usize| 1.0 - dot(query.q, &base[i * D..(i + 1) * D]);
                    let (found, used, least) = rule.run(&coded, &exact, &query.truth);
                    hit += found;
                    cost += used;
                    oracle += least;
                }
                let nq = qs.len() as f64;
                cells.push(format!("{:.3} / {:.1} (oracle {:.1})", hit as f64 / (nq * K as f64), cost as f64 / nq, oracle as f64 / nq));
            }
            let line = format!("| {name} | {} |\n", cells.join(" | "));
            eprint!("{order} {line}");
            md.push_str(&line);
        }
        md.push('\n');
    }
    std::fs::write(format!("{root}/bench/results/stoplab.md"), md).unwrap();
}

enum Rule {
    Shipped { first: usize, z: f32 },
    Fit { first: usize, z: f32, quant: bool },
}

/// One byte: (1 - fit) in steps of 1/512 (fit below 0.5 saturates).
fn quantize(fit: f32) -> f32 {
    let b = ((1.0 - fit) * 512.0).round().clamp(0.0, 255.0);
    1.0 - b / 512.0
}

impl Rule {
    /// (true top-10 found, candidates re-ranked, oracle count).
    fn run(&self, coded: &[Coded], exact: &dyn Fn(usize) -> f32, truth: &[usize]) -> (usize, usize, usize) {
        match *self {
            Rule::Shipped { first, z } => {
                let cands = best(coded.iter().map(|c| c.adc));
                let oracle = oracle(&cands, truth);
                let mut measured: Vec<(f32, usize)> = Vec::new();
                let (mut sum, mut sq) = (0f64, 0f64);
                let mut done = 0;
                while done < cands.len() {
                    let want = if done == 0 {
                        first.max(K)
                    } else {
                        let bar = kth(&measured);
                        let nn = measured.len() as f64;
                        let mean = sum / nn;
                        let sd = ((sq - sum * sum / nn) / (nn - 1.0)).max(0.0).sqrt().max(1e-3);
                        let reach = bar - mean as f32 + z * sd as f32;
                        cands[done..].iter().take_while(|c| c.0 <= reach).count().min(8)
                    };
                    if want == 0 {
                        break;
                    }
                    let end = (done + want).min(cands.len());
                    for &(d, i) in &cands[done..end] {
                        let e = exact(i);
                        sum += f64::from(e - d);
                        sq += f64::from(e - d).powi(2);
                        measured.push((e, i));
                    }
                    done = end;
                }
                (found(&mut measured, truth), done, oracle)
            }
            Rule::Fit { first, z, quant } => {
                // Estimate: similarity to the reconstruction's direction times the fit; the
                // part of the vector off that direction has length sqrt(1 - fit^2).
                let f = |c: &Coded| if quant { quantize(c.fit) } else { c.fit };
                let est: Vec<f32> = coded.iter().map(|c| 1.0 - f(c) * (1.0 - c.adc)).collect();
                let scale: Vec<f32> = coded.iter().map(|c| (1.0 - f(c) * f(c)).max(1e-4).sqrt()).collect();
                let cands = best(est.iter().copied());
                let oracle = oracle(&cands, truth);
                let mut measured: Vec<(f32, usize)> = Vec::new();
                let mut open: Vec<(f32, usize)> = cands.clone();
                let (mut sum, mut sq) = (0f64, 0f64);
                let mut used = 0;
                let mut round = 0;
                while !open.is_empty() {
                    let take: Vec<(f32, usize)> = if round == 0 {
                        open.drain(..first.max(K).min(open.len())).collect()
                    } else {
                        let bar = kth(&measured);
                        let nn = measured.len() as f64;
                        let mean = (sum / nn) as f32;
                        let sd = (((sq - sum * sum / nn) / (nn - 1.0)).max(0.0).sqrt().max(1e-3)) as f32;
                        // Lower bound of each open candidate's exact distance.
                        let mut lows: Vec<(f32, usize)> = open.iter().map(|&(d, i)| (d + (mean - z * sd) * scale[i], i)).filter(|l| l.0 <= bar).collect();
                        lows.sort_by(|a, b| a.0.total_cmp(&b.0));
                        let pick: Vec<usize> = lows.iter().take(8).map(|l| l.1).collect();
                        let taken: Vec<(f32, usize)> = open.iter().copied().filter(|c| pick.contains(&c.1)).collect();
                        open.retain(|c| !pick.contains(&c.1));
                        taken
                    };
                    if take.is_empty() {
                        break;
                    }
                    for (d, i) in take {
                        let e = exact(i);
                        let u = (e - d) / scale[i];
                        sum += f64::from(u);
                        sq += f64::from(u).powi(2);
                        measured.push((e, i));
                        used += 1;
                    }
                    round += 1;
                }
                (found(&mut measured, truth), used, oracle)
            }
        }
    }
}

/// The `RERANK` best by the given distance, best first.
fn best(dist: impl Iterator<Item = f32>) -> Vec<(f32, usize)> {
    let mut s: Vec<(f32, usize)> = dist.enumerate().map(|(i, d)| (d, i)).collect();
    s.select_nth_unstable_by(RERANK, |a, b| a.0.total_cmp(&b.0));
    s.truncate(RERANK);
    s.sort_by(|a, b| a.0.total_cmp(&b.0));
    s
}

fn oracle(cands: &[(f32, usize)], truth: &[usize]) -> usize {
    cands.iter().rposition(|c| truth.contains(&c.1)).map_or(0, |p| p + 1).max(K)
}

fn kth(measured: &[(f32, usize)]) -> f32 {
    let mut d: Vec<f32> = measured.iter().map(|m| m.0).collect();
    d.sort_by(f32::total_cmp);
    d.get(K - 1).copied().unwrap_or(f32::INFINITY)
}

fn found(measured: &mut [(f32, usize)], truth: &[usize]) -> usize {
    measured.sort_by(|a, b| a.0.total_cmp(&b.0));
    measured.iter().take(K).filter(|m| truth.contains(&m.1)).count()
}

fn top(base: &[f32], q: &[f32], k: usize) -> Vec<usize> {
    let mut s: Vec<(f32, usize)> = base.chunks_exact(D).enumerate().map(|(i, v)| (dot(q, v), i)).collect();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    s[..k].iter().map(|x| x.1).collect()
}
