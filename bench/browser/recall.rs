//! Recall of a pruned collection vs brute force, natively, with the real embedder's
//! vectors: how the PQ training point (the first `prune_at` documents) and the search
//! knobs (`rerank`, `ef`) move recall@10, to explain the browser benchmark. Uses the
//! benchmark's documents and queries (bench/browser/make_data.mjs).
//! Run: `cargo bench --features embed --bench recall` (writes bench/results/recall-pruned.md)

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use nook::collection::{Collection, Doc, Embed, Settings};
use nook::embed::Embedder;
use nook::store::Result;

/// Serves precomputed embeddings: a text's "token" is its row.
struct Table {
    rows: HashMap<String, u32>,
    vectors: Vec<f32>,
}

impl Embed for Table {
    fn dims(&self) -> usize {
        384
    }
    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        Ok(vec![self.rows[text]])
    }
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        for s in seqs {
            let r = s[0] as usize;
            out.extend_from_slice(&self.vectors[r * 384..(r + 1) * 384]);
        }
        Ok(())
    }
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).unwrap();
    let tok = std::fs::read(format!("{root}/models/tokenizer.json")).unwrap();
    let mut embedder = Embedder::from_bytes(&model, &tok).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-docs.json")).expect("run bench/browser/make_data.mjs")).unwrap();
    let limit: usize = std::env::var("NOOK_RECALL_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let docs: Vec<Doc> = raw.as_array().unwrap().iter().take(limit).map(|d| Doc {
        id: d["id"].as_str().unwrap().into(), title: d["title"].as_str().unwrap().into(), url: d["url"].as_str().unwrap().into(), text: d["text"].as_str().unwrap().into(), ..Doc::default()
    }).collect();
    let queries: Vec<String> = serde_json::from_str::<Vec<String>>(&std::fs::read_to_string(format!("{root}/data/bench-queries.json")).unwrap()).unwrap();
    let mut texts: Vec<String> = docs.iter().map(Doc::embed_text).collect();
    texts.extend(queries.iter().cloned());
    let t = Instant::now();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut vectors = Vec::new();
    for chunk in refs.chunks(64) {
        embedder.embed_into(chunk, &mut vectors).unwrap();
    }
    eprintln!("recall: embedded {} texts in {:.0} s", texts.len(), t.elapsed().as_secs_f64());
    let rows: HashMap<String, u32> = texts.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let n = docs.len();
    let gt: Vec<HashSet<usize>> = (0..queries.len()).map(|qi| {
        let q = &vectors[(n + qi) * 384..(n + qi + 1) * 384];
        let mut s: Vec<(f32, usize)> = (0..n).map(|i| (nook::distance::dot(q, &vectors[i * 384..(i + 1) * 384]), i)).collect();
        s.sort_by(|a, b| b.0.total_cmp(&a.0));
        s.iter().take(10).map(|x| x.1).collect()
    }).collect();
    let id_row: HashMap<String, usize> = docs.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    let mut md = format!("# Pruned-index recall@10 vs brute force ({n} documents, {} queries, real MiniLM vectors)\n\n| documents added | PQ trained on | ef | rerank | recall@10 |\n|---|---|---|---|---|\n", queries.len());
    let mut shuffled = docs.clone();
    let mut rng = 12345u64;
    for i in (1..shuffled.len()).rev() {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        shuffled.swap(i, (rng >> 33) as usize % (i + 1));
    }
    for (order, set) in [("in file order (titles, then glosses)", &docs), ("shuffled", &shuffled)] {
        for prune_at in [1000usize, 5000] {
            if prune_at >= n { continue; }
            let mut table = Table { rows: rows.clone(), vectors: vectors.clone() };
            let mut c = Collection::new(Settings { prune_at, ..Settings::default() }, 384).unwrap();
            for chunk in set.chunks(64) {
                c.add(&mut table, chunk.to_vec()).unwrap();
            }
            for (ef, rerank) in [(64, 16), (128, 16), (128, 32), (200, 64)] {
                c.tune(|s| { s.two_level.ef = ef; s.two_level.rerank = rerank; });
                let mut total = 0.0;
                for (qi, q) in queries.iter().enumerate() {
                    let hits = c.search(&mut table, q, 10, false, None).unwrap();
                    total += hits.iter().filter(|h| gt[qi].contains(&id_row[&c.doc(h.key).unwrap().id])).count() as f64 / 10.0;
                }
                let r = total / queries.len() as f64;
                eprintln!("recall: {order}, PQ at {prune_at}, ef {ef}, rerank {rerank}: {r:.3}");
                md.push_str(&format!("| {order} | first {prune_at} | {ef} | {rerank} | {r:.3} |\n"));
            }
        }
    }
    std::fs::write(format!("{root}/bench/results/recall-pruned.md"), md).unwrap();
}
