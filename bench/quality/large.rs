//! Codes for a large collection: the exact search over one collection pooling four of the
//! corpora the quality benchmark fetches and the PyPI summaries (bench/browser/fetch_pypi.py;
//! shuffled together), under the
//! default codes (4-bit, 64 subspaces, trained on the first 1,000 documents) and under
//! 8-bit codes of 32 subspaces (the same 32 bytes a document) trained on a larger sample,
//! whose 256-centroid codebook (196 KB) only fits the index's budget of 37 bytes a
//! document from ~55,000 documents. Natively, with the real embedder and the shipped stop
//! (its second estimate included): recall@10 and @3 against brute force over the same
//! embeddings, and the exact vectors a query asks for (what a cold search recomputes);
//! with the stop's `z_fit` lowered too, to compare the codes at equal recall.
//!
//!   python3 bench/quality/fetch_corpora.py && python3 bench/browser/fetch_pypi.py &&
//!       cargo bench --features embed --bench large
//!       -> bench/results/large-codes.{md,json}
//!
//! Embeddings come from data/quality/embeddings.bin (shared with the quality benchmark).

#[path = "eval.rs"]
mod eval;

use std::fmt::Write as _;

use eval::{CachedEmbed, Corpus};
use nook::collection::{Doc, Settings};
use nook::quant::PqParams;

/// The corpora pooled into one collection, and whose queries are asked of it.
const CORPORA: [&str; 5] = ["pypi", "mdn", "wordnet", "manpages", "fanoutqa"];
const KINDS: [&str; 2] = ["natural", "keyword"];

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cache = format!("{root}/data/quality/embeddings.bin");
    let mut embed = CachedEmbed::default_model(root, &cache);
    let mut docs: Vec<Doc> = Vec::new();
    // Each corpus's queries, as a corpus of no documents (what index_queries takes).
    let mut sets: Vec<Corpus> = Vec::new();
    for name in CORPORA {
        for mut d in eval::docs_from_json(&eval::read_json(&eval::docs_path(root, name))) {
            d.id = format!("{name}/{}", d.id);
            docs.push(d);
        }
        let Some(qs) = eval::queries_of(root, name, &KINDS) else { continue };
        if !qs.is_empty() {
            sets.push(Corpus { name: name.into(), docs: Vec::new(), queries: qs });
        }
    }
    // Shuffled together (seed 7): the first documents, which train the codes, are a sample of all.
    let mut rng = nook::rng::Rng::new(7);
    for i in (1..docs.len()).rev() {
        let j = (rng.next_f64() * (i + 1) as f64) as usize % (i + 1);
        docs.swap(i, j);
    }
    let n = docs.len();
    let base = Settings { min_score: 0.0, min_score_unknown: 0.0, ..Settings::default() };
    let pq8 = |sample: usize| Settings { prune_at: sample, pq: PqParams { subspaces: 32, bits: 8, sample, ..base.pq }, ..base.clone() };
    let configs: Vec<(String, Settings)> = vec![
        ("4-bit x 64, trained on the first 1,000 (default)".into(), base.clone()),
        ("4-bit x 64 (default), z_fit 1.75".into(), eval::with_z_fit(base.clone(), 1.75)),
        ("8-bit x 32, trained on the first 4,096".into(), pq8(4096)),
        ("8-bit x 32, trained on the first 12,288".into(), pq8(12_288)),
        // The same codes stopping sooner (the stop's z_fit, 2 shipped): the better order
        // spent as fewer exact vectors instead of more recall.
        ("8-bit x 32 (12,288), z_fit 1.75".into(), eval::with_z_fit(pq8(12_288), 1.75)),
        ("8-bit x 32 (12,288), z_fit 1.5".into(), eval::with_z_fit(pq8(12_288), 1.5)),
    ];
    let corpus = Corpus { name: "pooled".into(), docs, queries: Vec::new() };
    let mut md = format!(
        "# Codes for a large collection\n\nWritten by `cargo bench --features embed --bench large` (bench/quality/large.rs), natively with the real embedder. One collection of {n} documents: the corpora {} pooled and shuffled (seed 7), so the documents a codebook is trained on are a sample of all. Vector-only exact search, default settings without a relevance floor, the shipped stop (codes and token bags fitted per query); each cell: recall@10 / recall@3 against brute force over the same embeddings / exact vectors per query (what a cold search recomputes). Every code is 32 bytes; the 8-bit codebook is 256 x 384 values (196 KB in f16, against 12 KB for 4 bits): 2.5 bytes a document at 80,000.\n\n| codes | index bytes / doc |{}\n|---|---:|{}\n",
        CORPORA.join(", "),
        sets.iter().map(|set| format!(" {} ({}) |", set.name, set.queries.len())).collect::<String>(),
        sets.iter().map(|_| "---|").collect::<String>(),
    );
    let mut rows = Vec::new();
    for (label, settings) in configs {
        let t = std::time::Instant::now();
        let mut ix = eval::index(&corpus, &mut embed, settings);
        embed.save(&cache);
        let st = ix.collection.stats();
        let per_doc = (st.index_bytes + st.codebook_bytes + st.manifest_bytes) as f64 / n as f64;
        let mut cells = Vec::new();
        let mut js = serde_json::Map::new();
        for set in &sets {
            let qvs = eval::index_queries(set, &mut embed, &ix.collection);
            let tally = eval::recall(&mut ix.collection, &ix.vectors, &ix.ids, &set.queries, &qvs, &mut embed);
            cells.push(tally.cell());
            js.insert(set.name.clone(), tally.json());
        }
        eprintln!("large: {label} ({:.0} s): {per_doc:.1} B/doc | {}", t.elapsed().as_secs_f64(), cells.join(" | "));
        let _ = writeln!(md, "| {label} | {per_doc:.1} | {} |", cells.join(" | "));
        rows.push(serde_json::json!({"codes": label, "index_bytes_per_doc": eval::r3(per_doc), "sets": js}));
    }
    std::fs::write(format!("{root}/bench/results/large-codes.md"), md).expect("write md");
    let json = serde_json::json!({"bench": "large", "documents": n, "configs": rows});
    std::fs::write(format!("{root}/bench/results/large-codes.json"), serde_json::to_string_pretty(&json).expect("json") + "\n").expect("write json");
    eprintln!("large: wrote bench/results/large-codes.{{md,json}}");
}
