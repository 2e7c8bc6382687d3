//! Recall of a pruned collection vs brute force, natively, with the real embedder's
//! vectors: how the PQ training point (the first `prune_at` documents) and the search
//! knobs (`rerank`, `ef`) move recall@10, to explain the browser benchmark. Uses the
//! benchmark's documents and queries (bench/browser/make_data.mjs).
//! Also how the re-ranking stop rule ([`nook::index::Stop`]) trades recall for exact vectors,
//! on two query sets and two insertion orders.
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
    // Two query sets: FanOutQA sub-questions (the set the stop rule was tuned on) and the
    // WordNet set of the ranking benchmark (natural and keyword queries, answers spread over
    // the glosses: reported, not tuned on).
    let fanout: Vec<String> = serde_json::from_str(&std::fs::read_to_string(format!("{root}/data/bench-queries.json")).unwrap()).unwrap();
    let wordnet: Vec<String> =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(format!("{root}/bench/quality/queries/wordnet.json")).unwrap())
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| matches!(q["type"].as_str(), Some("natural" | "keyword")))
            .map(|q| q["query"].as_str().unwrap().to_string())
            .collect();
    let sets = [("fanoutqa (tuned on)", fanout), ("wordnet (held out)", wordnet)];
    let mut texts: Vec<String> = docs.iter().map(Doc::embed_text).collect();
    for (_, qs) in &sets {
        texts.extend(qs.iter().cloned());
    }
    let vectors = cached_vectors(root, &texts);
    let rows: HashMap<String, u32> = texts.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let n = docs.len();
    let truth = |q: &str| -> HashSet<usize> {
        let r = rows[q] as usize;
        let q = &vectors[r * 384..(r + 1) * 384];
        let mut s: Vec<(f32, usize)> = (0..n).map(|i| (nook::distance::dot(q, &vectors[i * 384..(i + 1) * 384]), i)).collect();
        s.sort_by(|a, b| b.0.total_cmp(&a.0));
        s.iter().take(10).map(|x| x.1).collect()
    };
    let gts: Vec<Vec<HashSet<usize>>> = sets.iter().map(|(_, qs)| qs.iter().map(|q| truth(q)).collect()).collect();
    let id_row: HashMap<String, usize> = docs.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    // The vectors are the default model's: bound to its mark, a collection quantizes under
    // the rotation nook ships for it, as in the browser. NOOK_RECALL_ROTATION=none: unbound,
    // no rotation (the codes of nooks before it).
    let mark = (std::env::var("NOOK_RECALL_ROTATION").as_deref() != Ok("none")).then(|| {
        let m = nook::quant::Rotation::MiniLmL6.matrix().expect("shipped");
        nook::collection::ModelMark::from_vector(&m.mark().iter().map(|&x| f32::from(x)).collect::<Vec<f32>>())
    });
    let mut md = format!(
        "# Pruned-index recall@10 vs brute force ({n} documents, real MiniLM vectors)\n\nWritten by `cargo bench --bench recall`. Query sets: {}. Ground truth: brute force over the same embeddings. Codes {}. Documents added 64 per call, in file order (titles, then glosses: the PQ codebook, trained at 1,000 documents, sees titles only) or shuffled (seed 7). exact/query = candidates given exact distances (recomputed embeddings when cold). Stop: `all` re-ranks every one of `rerank` candidates; `bound z` stops once no remaining candidate's PQ distance, corrected by this query's measured error mean minus z spreads, beats the 10th exact one (first 16, then 8 at a time, at most `rerank`).\n\n| order | index | bytes/doc | stop | rerank | {} |\n|---|---|---:|---|---:|{}\n",
        sets.iter().map(|(name, qs)| format!("{name} ({} queries)", qs.len())).collect::<Vec<_>>().join(", "),
        if mark.is_some() { "under the rotation learned for the model (src/quant/rotation.rs)" } else { "without a rotation (NOOK_RECALL_ROTATION=none)" },
        sets.iter().map(|(name, _)| format!("{name}: recall@10 / exact per query")).collect::<Vec<_>>().join(" | "),
        sets.iter().map(|_| "---|").collect::<String>(),
    );
    use nook::index::{Stop, TwoLevelParams};
    // No relevance floor: recall@10 counts all ten results.
    let base = Settings { min_score: 0.0, ..Settings::default() };
    let configs = [("flat, PQ 64x4 (default)", base.clone()), ("graph, PQ 64x4", Settings { graph_at: 1000, ..base })];
    let only: Option<usize> = std::env::var("NOOK_RECALL_CONFIG").ok().and_then(|v| v.parse().ok());
    // The table's "tokens" are rows, with no token vectors: no second estimate, so `z_fit`
    // never applies and these are the codes-only rule's figures.
    let bound = |z: f32| Stop::Bound { first: 16, step: 8, z, z_fit: 2.0 };
    let stops: Vec<(String, usize, Stop)> = [16, 32, 48, 64]
        .into_iter()
        .map(|r| ("all".to_string(), r, Stop::All))
        .chain([1.0f32, 1.25, 1.5, 2.0].into_iter().map(|z| (format!("bound z {z}"), 64, bound(z))))
        .chain([(1.25f32, 48), (1.5, 48), (1.5, 96), (2.0, 96)].into_iter().map(|(z, r)| (format!("bound z {z}"), r, bound(z))))
        .collect();
    for order in ["file", "shuffled"] {
        let mut ordered = docs.clone();
        if order == "shuffled" {
            let mut rng = nook::rng::Rng::new(7);
            for i in (1..ordered.len()).rev() {
                let j = (rng.next_f64() * (i + 1) as f64) as usize % (i + 1);
                ordered.swap(i, j);
            }
        }
        for (ci, (name, settings)) in configs.iter().enumerate() {
            if only.is_some_and(|o| o != ci) {
                continue;
            }
            let mut table = Table { rows: rows.clone(), vectors: vectors.clone() };
            let mut c = Collection::new(settings.clone(), 384).unwrap();
            if let Some(mark) = &mark {
                c.bind_model(mark.clone()).unwrap();
            }
            for chunk in ordered.chunks(64) {
                c.add(&mut table, chunk.to_vec()).unwrap();
            }
            let st = c.stats();
            let per_doc = (st.index_bytes + st.codebook_bytes + st.manifest_bytes) as f64 / n as f64;
            for (stop_name, rerank, stop) in &stops {
                c.tune(|s| s.two_level = TwoLevelParams { ef: 64.max(*rerank), rerank: *rerank, batch: 16, stop: *stop, extra: 0 });
                let mut cells = Vec::new();
                for ((_, qs), gt) in sets.iter().zip(&gts) {
                    let (mut total, mut exact) = (0.0, 0usize);
                    for (qi, q) in qs.iter().enumerate() {
                        let r = rows[q.as_str()] as usize;
                        let qv = vectors[r * 384..(r + 1) * 384].to_vec();
                        let (hits, counts) = c.search_counted(&mut table, q, &qv, 10, false, None, nook::collection::Precision::Exact).unwrap();
                        exact += counts.exact;
                        total += hits.iter().filter(|h| gt[qi].contains(&id_row[c.doc(h.key).unwrap().id])).count() as f64 / 10.0;
                    }
                    cells.push(format!("{:.3} / {:.1}", total / qs.len() as f64, exact as f64 / qs.len() as f64));
                }
                eprintln!("recall: {order}, {name}, {stop_name}, rerank {rerank}: {}", cells.join(" | "));
                md.push_str(&format!("| {order} | {name} | {per_doc:.1} | {stop_name} | {rerank} | {} |\n", cells.join(" | ")));
            }
        }
    }
    std::fs::write(format!("{root}/bench/results/recall-pruned.md"), md).unwrap();
}
