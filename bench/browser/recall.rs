//! Recall of a pruned collection vs brute force, natively, with the real embedder's
//! vectors: how the PQ training point (the first `prune_at` documents) and the search
//! knobs (`rerank`, `ef`) move recall@10, to explain the browser benchmark. Uses the
//! benchmark's documents and queries (bench/browser/make_data.mjs).
//! Run: `cargo bench --features embed --bench recall` (writes bench/results/recall-pruned.md);
//! once the vectors are cached in data/, `cargo bench --bench recall` skips the embedder.

use nook::collection::{Collection, Doc, Embed, Settings};
use nook::store::Result;
use std::collections::{HashMap, HashSet};

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

/// The texts' embeddings, from `data/bench-vectors.f32` when it was written for the same
/// texts (checked by count and a hash of the texts), else computed (feature `embed`) and
/// written there.
fn cached_vectors(root: &str, texts: &[String]) -> Vec<f32> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    texts.hash(&mut h);
    let tag = format!("{:016x}", h.finish());
    let path = format!("{root}/data/bench-vectors.f32");
    if let (Ok(bytes), Ok(saved)) = (std::fs::read(&path), std::fs::read_to_string(format!("{path}.tag")))
        && saved.trim() == tag
        && bytes.len() == texts.len() * 384 * 4
    {
        return bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    }
    let vectors = embed_all(root, texts);
    let bytes: Vec<u8> = vectors.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(&path, bytes).unwrap();
    std::fs::write(format!("{path}.tag"), tag).unwrap();
    vectors
}

#[cfg(feature = "embed")]
fn embed_all(root: &str, texts: &[String]) -> Vec<f32> {
    let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).unwrap();
    let tok = std::fs::read(format!("{root}/models/tokenizer.json")).unwrap();
    let mut embedder = nook::embed::Embedder::from_bytes(&model, &tok).unwrap();
    let t = std::time::Instant::now();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut vectors = Vec::new();
    for chunk in refs.chunks(64) {
        embedder.embed_into(chunk, &mut vectors).unwrap();
    }
    eprintln!("recall: embedded {} texts in {:.0} s", texts.len(), t.elapsed().as_secs_f64());
    vectors
}

#[cfg(not(feature = "embed"))]
fn embed_all(_: &str, _: &[String]) -> Vec<f32> {
    panic!("data/bench-vectors.f32 is missing or stale: run `cargo bench --features embed --bench recall` once")
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-docs.json")).expect("run bench/browser/make_data.mjs")).unwrap();
    let limit: usize = std::env::var("NOOK_RECALL_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let docs: Vec<Doc> = raw
        .as_array()
        .unwrap()
        .iter()
        .take(limit)
        .map(|d| Doc {
            id: d["id"].as_str().unwrap().into(),
            title: d["title"].as_str().unwrap().into(),
            url: d["url"].as_str().unwrap().into(),
            text: d["text"].as_str().unwrap().into(),
            ..Doc::default()
        })
        .collect();
    let queries: Vec<String> = serde_json::from_str::<Vec<String>>(&std::fs::read_to_string(format!("{root}/data/bench-queries.json")).unwrap()).unwrap();
    let mut texts: Vec<String> = docs.iter().map(Doc::embed_text).collect();
    texts.extend(queries.iter().cloned());
    let vectors = cached_vectors(root, &texts);
    let rows: HashMap<String, u32> = texts.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let n = docs.len();
    let gt: Vec<HashSet<usize>> = (0..queries.len())
        .map(|qi| {
            let q = &vectors[(n + qi) * 384..(n + qi + 1) * 384];
            let mut s: Vec<(f32, usize)> = (0..n).map(|i| (nook::distance::dot(q, &vectors[i * 384..(i + 1) * 384]), i)).collect();
            s.sort_by(|a, b| b.0.total_cmp(&a.0));
            s.iter().take(10).map(|x| x.1).collect()
        })
        .collect();
    let id_row: HashMap<String, usize> = docs.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    let mut md = format!(
        "# Pruned-index recall@10 vs brute force ({n} documents, {} queries, real MiniLM vectors)\n\nDocuments added in file order (titles, then glosses), 64 per call; PQ trained at 1,000 documents. Bytes: index blocks + codebook + manifest as stored; ratio = what f32 vectors + an M=16 HNSW graph take (hnswlib layer-0 layout) / that.\n\n| index | bytes/doc | ratio | ef | rerank | recall@10 |\n|---|---:|---:|---|---|---|\n",
        queries.len()
    );
    use nook::index::PqParams;
    let configs = [
        ("flat, PQ 64x4 (default)", Settings::default()),
        ("graph, PQ 64x4", Settings { graph_at: 1000, ..Settings::default() }),
        (
            "graph, PQ 16x8 (previous default)",
            Settings { graph_at: 1000, pq: PqParams { subspaces: 16, bits: 8, ..PqParams::default() }, ..Settings::default() },
        ),
    ];
    let only: Option<usize> = std::env::var("NOOK_RECALL_CONFIG").ok().and_then(|v| v.parse().ok());
    for (ci, (name, settings)) in configs.into_iter().enumerate() {
        if only.is_some_and(|o| o != ci) {
            continue;
        }
        let mut table = Table { rows: rows.clone(), vectors: vectors.clone() };
        let mut c = Collection::new(settings, 384).unwrap();
        for chunk in docs.chunks(64) {
            c.add(&mut table, chunk.to_vec()).unwrap();
        }
        let st = c.stats();
        let bytes = st.index_bytes + st.codebook_bytes + st.manifest_bytes;
        let per_doc = bytes as f64 / n as f64;
        let ratio = st.hnsw_f32_bytes as f64 / bytes as f64;
        eprintln!("recall: {name}: phase {}, {per_doc:.1} B/doc, {ratio:.1}x", c.phase());
        for (ef, rerank) in [(64, 16), (64, 24), (64, 32), (128, 48), (200, 64)] {
            c.tune(|s| {
                s.two_level.ef = ef;
                s.two_level.rerank = rerank;
            });
            let mut total = 0.0;
            for (qi, q) in queries.iter().enumerate() {
                let hits = c.search(&mut table, q, 10, false, None).unwrap();
                total += hits.iter().filter(|h| gt[qi].contains(&id_row[&c.doc(h.key).unwrap().id])).count() as f64 / 10.0;
            }
            let r = total / queries.len() as f64;
            eprintln!("recall: {name}, ef {ef}, rerank {rerank}: {r:.3}");
            md.push_str(&format!("| {name} | {per_doc:.1} | {ratio:.1}x | {ef} | {rerank} | {r:.3} |\n"));
        }
    }
    std::fs::write(format!("{root}/bench/results/recall-pruned.md"), md).unwrap();
}
