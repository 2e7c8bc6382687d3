//! Hybrid ranking on real text: vector-only vs keyword-only (BM25) vs hybrid fusion at
//! several keyword weights, with the real embedder (native; the ranking is the same code
//! the browser runs). Writes bench/results/hybrid-fanoutqa.{md,json}.
//!
//! Documents: FanOutQA dev Wikipedia pages (title + URL, 1,594), as bookmarks look.
//! Query sets:
//! - `fanoutqa`: the 2,142 human sub-questions -> the page that answers them.
//! - `exact`: queries that are one exact token from a title that no other title has (a
//!   rare name or word, an acronym, a year-like number), or a URL slug fragment; the
//!   relevant page is the one that contains it.
//!
//! Run: `scripts/fetch_model.sh && scripts/fetch_text_data.sh &&
//!       cargo bench --features embed --bench hybrid`

use std::collections::HashMap;
use std::time::Instant;

use nook::collection::{Collection, Doc, Embed, KeywordNorm, Settings};
use nook::embed::Embedder;

struct Query {
    text: String,
    relevant: String,
}

fn load(path: &str) -> serde_json::Value {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/fetch_text_data.sh)"));
    serde_json::from_str(&s).expect("json")
}

fn exact_queries(docs: &[Doc]) -> Vec<Query> {
    let mut df: HashMap<String, usize> = HashMap::new();
    for d in docs {
        let mut seen: Vec<String> = nook::text::terms(&d.title).collect();
        seen.sort();
        seen.dedup();
        for t in seen {
            *df.entry(t).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        // A token only this title has (prefer capitalised words / acronyms / numbers).
        let rare = d.title.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3).find(|w| df.get(&w.to_lowercase()) == Some(&1));
        if let Some(w) = rare {
            if i % 2 == 0 {
                out.push(Query { text: w.to_string(), relevant: d.id.clone() });
            }
        }
        if i % 5 == 0 {
            if let Some(slug) = d.url.rsplit('/').next().filter(|s| s.contains('_')) {
                out.push(Query { text: format!("wiki/{slug}"), relevant: d.id.clone() });
            }
        }
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Score {
    hits1: f64,
    hits10: f64,
    mrr: f64,
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).expect("run scripts/fetch_model.sh");
    let tok = std::fs::read(format!("{root}/models/tokenizer.json")).expect("tokenizer");
    let mut embed = Embedder::from_bytes(&model, &tok).expect("embedder");
    let docs: Vec<Doc> = load(&format!("{root}/data/fanoutqa-docs.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(|d| Doc { id: d["id"].as_str().unwrap().into(), title: d["title"].as_str().unwrap().into(), url: d["url"].as_str().unwrap().into(), ..Doc::default() })
        .collect();
    let fanout: Vec<Query> = load(&format!("{root}/data/fanoutqa-queries.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(|q| Query { text: q["query"].as_str().unwrap().into(), relevant: q["id"].as_str().unwrap().into() })
        .collect();
    let exact = exact_queries(&docs);

    // Stored-vector phase (exact vectors): this measures the fusion, not the ANN.
    let mut c = Collection::new(Settings { prune_at: usize::MAX, ef: 200, ..Settings::default() }, embed.dims()).unwrap();
    let t = Instant::now();
    for chunk in docs.chunks(64) {
        c.add(&mut embed, chunk.to_vec()).unwrap();
    }
    eprintln!("hybrid: indexed {} documents in {:.1} s", docs.len(), t.elapsed().as_secs_f64());

    let weights = [0.0f32, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];
    let mut report = serde_json::Map::new();
    let mut md = String::from("# Hybrid ranking on FanOutQA dev (titles + URLs, 1,594 pages)\n\n");
    md.push_str("Embedder all-MiniLM-L6-v2 int8 (tract, native); exact vectors (stored phase). `w` is the keyword weight in score = cosine + w * BM25 / norm, where norm is the best keyword hit's BM25 (`Max`) or the BM25 a document matching every known query term would reach (`Coverage`); `keyword` is BM25 alone.\n\n");
    for (name, queries) in [("fanoutqa", &fanout), ("exact", &exact)] {
        let t = Instant::now();
        let mut vecs = Vec::with_capacity(queries.len());
        for q in queries.iter() {
            let tokens = embed.tokenize(&q.text).unwrap();
            let mut v = Vec::new();
            Embed::embed_tokens(&mut embed, &[&tokens], &mut v).unwrap();
            vecs.push(v);
        }
        eprintln!("hybrid: embedded {} {name} queries in {:.1} s", queries.len(), t.elapsed().as_secs_f64());
        let mut rows = Vec::new();
        let eval = |c: &mut Collection, embed: &mut Embedder, hybrid: bool, keyword_only: bool| {
            let mut s = Score::default();
            for (q, v) in queries.iter().zip(&vecs) {
                let ids: Vec<String> = if keyword_only {
                    let kw = c.keyword_search(&q.text, 10);
                    kw.iter().map(|k| c.doc(*k).unwrap().id.clone()).collect()
                } else {
                    c.search_with(embed, &q.text, v, 10, hybrid, None).unwrap().iter().map(|f| c.doc(f.key).unwrap().id.clone()).collect()
                };
                if let Some(r) = ids.iter().position(|id| *id == q.relevant) {
                    s.hits10 += 1.0;
                    s.mrr += 1.0 / (r + 1) as f64;
                    if r == 0 {
                        s.hits1 += 1.0;
                    }
                }
            }
            let n = queries.len() as f64;
            Score { hits1: s.hits1 / n, hits10: s.hits10 / n, mrr: s.mrr / n }
        };
        rows.push(("vector".to_string(), eval(&mut c, &mut embed, false, false)));
        rows.push(("keyword".to_string(), eval(&mut c, &mut embed, false, true)));
        for norm in [KeywordNorm::Max, KeywordNorm::Coverage] {
            for &w in &weights[1..] {
                c.tune(|s| {
                    s.keyword_weight = w;
                    s.keyword_norm = norm;
                });
                rows.push((format!("hybrid {norm:?} w={w}"), eval(&mut c, &mut embed, true, false)));
            }
        }
        md.push_str(&format!("## {name} ({} queries)\n\n| ranking | hits@1 | hits@10 | MRR@10 |\n|---|---|---|---|\n", queries.len()));
        let mut j = serde_json::Map::new();
        for (label, s) in &rows {
            md.push_str(&format!("| {label} | {:.3} | {:.3} | {:.3} |\n", s.hits1, s.hits10, s.mrr));
            j.insert(label.clone(), serde_json::json!({"hits1": s.hits1, "hits10": s.hits10, "mrr10": s.mrr}));
            eprintln!("hybrid: {name:8} {label:14} hits@1 {:.3} hits@10 {:.3} MRR {:.3}", s.hits1, s.hits10, s.mrr);
        }
        md.push('\n');
        report.insert(name.into(), serde_json::Value::Object(j));
    }
    let dir = format!("{root}/bench/results");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(format!("{dir}/hybrid-fanoutqa.md"), md).unwrap();
    std::fs::write(format!("{dir}/hybrid-fanoutqa.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();
}
