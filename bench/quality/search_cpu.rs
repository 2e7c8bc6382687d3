//! A search's own time natively: everything but the transformer. The documents'
//! embeddings are served from a cache (a hash map lookup and a copy where a browser
//! recomputes), so what is timed is the query's reading (keywords, typo and completion
//! scans of the term dictionary), the code scan, the token bags, the stop's fit, fusion
//! and the hits; the query's own embedding is made before the clock starts. Cold: the
//! collection's cache of exact vectors is cleared before every query, as after a restart.
//! The 10,000 documents and both query sets of `scripts/bench_browser.sh fast`, vector-only
//! (the fast benchmark's strictly cold rows), hybrid (the package's default) and the hybrid
//! preview (what search-as-you-type asks per keystroke: codes and cached embeddings, its
//! best 4 recomputed).
//!
//!   node bench/browser/make_data.mjs     (data/bench-docs.json, data/bench-queries.json;
//!                                          run by `scripts/bench_browser.sh fast`)
//!   cargo bench --features embed --bench search_cpu -> bench/results/search-cpu.{md,json}
//!
//! `NOOK_SEARCH_CPU_OUT=PREFIX` writes PREFIX.{md,json} instead (a build of other code, for
//! comparison); `NOOK_SEARCH_CPU_BEFORE=FILE.json` adds that run's figures beside these.
//! Embeddings are cached in data/quality/bench-embeddings.bin, so a re-run embeds nothing.

#[path = "eval.rs"]
mod eval;

use std::fmt::Write as _;
use std::time::Instant;

use eval::{CachedEmbed, r3};
use nook::collection::{Collection, Embed, Precision, Settings};
use serde_json::{Value, json};

/// Passes over each query set (the figures are over every query of every pass).
const PASSES: usize = 5;

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cache = format!("{root}/data/quality/bench-embeddings.bin");
    let mut embed = CachedEmbed::default_model(root, &cache);
    let docs = eval::docs_from_json(&eval::read_json(&format!("{root}/data/bench-docs.json")));
    let fanout: Vec<String> =
        eval::read_json(&format!("{root}/data/bench-queries.json")).as_array().expect("queries").iter().filter_map(|q| q.as_str().map(String::from)).collect();
    // The fast benchmark's WordNet set: its natural and keyword queries.
    let wordnet: Vec<String> = eval::queries_from_json(&eval::read_json(&format!("{root}/bench/quality/queries/wordnet.json")))
        .into_iter()
        .filter(|q| q.kind == "natural" || q.kind == "keyword")
        .map(|q| q.text)
        .collect();
    let mut c = Collection::new(Settings::default(), embed.dims()).expect("collection");
    c.bind_model(nook::collection::ModelMark::of(&mut embed).expect("the probe embeds")).expect("a new collection takes any model");
    for chunk in docs.chunks(256) {
        c.add(&mut embed, chunk.to_vec()).expect("add");
    }
    // Every document's embedding into the cache, so no search runs the transformer.
    for d in &docs {
        let key = c.key_of(&d.id).expect("indexed");
        let tokens = c.doc(key).expect("doc").tokens.to_vec();
        embed.embed_recomputed(&[&tokens], &mut Vec::new()).expect("embed");
    }
    let _ = std::fs::create_dir_all(format!("{root}/data/quality"));
    embed.save(&cache);

    let mut rows = Vec::new();
    for (name, queries) in [("fanoutqa", &fanout), ("wordnet", &wordnet)] {
        let vectors: Vec<Vec<f32>> = queries
            .iter()
            .map(|q| {
                let mut v = Vec::new();
                let tokens = embed.tokenize(&c.query_text(&embed, q)).expect("tokenize");
                embed.embed_query(&tokens, &mut v).expect("embed query");
                v
            })
            .collect();
        for (search, hybrid, precision) in [("vector", false, Precision::Exact), ("hybrid", true, Precision::Exact), ("preview", true, Precision::Preview)] {
            let mut ms = Vec::new();
            let (mut exact, mut approximated) = (0, 0);
            for _ in 0..PASSES {
                for (q, v) in queries.iter().zip(&vectors) {
                    c.clear_cache();
                    let t = Instant::now();
                    let (_, counts) = c.search_counted(&mut embed, q, v, 10, hybrid, None, precision).expect("search");
                    ms.push(t.elapsed().as_secs_f64() * 1e3);
                    exact += counts.exact;
                    approximated += counts.approximated;
                }
            }
            ms.sort_by(f64::total_cmp);
            let mean = ms.iter().sum::<f64>() / ms.len() as f64;
            rows.push(json!({
                "set": name, "queries": queries.len(), "search": search,
                "p50_ms": r3(quantile(&ms, 0.5)), "p90_ms": r3(quantile(&ms, 0.9)), "mean_ms": r3(mean),
                "exact_per_query": r3(exact as f64 / ms.len() as f64),
                "approximated_per_query": r3(approximated as f64 / ms.len() as f64),
            }));
        }
    }

    let before: Option<Value> =
        std::env::var("NOOK_SEARCH_CPU_BEFORE").ok().map(|p| serde_json::from_str(&std::fs::read_to_string(&p).expect("before file")).expect("before json"));
    // Rows of runs before the preview row name their search by `hybrid` alone.
    let search_of = |r: &Value| r["search"].as_str().map(String::from).unwrap_or_else(|| if r["hybrid"] == true { "hybrid" } else { "vector" }.into());
    let before_row =
        |set: &str, search: &str| -> Option<Value> { before.as_ref()?["rows"].as_array()?.iter().find(|r| r["set"] == set && search_of(r) == search).cloned() };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut md = String::from("# A search's own time, natively (everything but the transformer)\n\n");
    let _ = writeln!(
        md,
        "Written by `cargo bench --features embed --bench search_cpu` (bench/quality/search_cpu.rs): the 10,000 documents and query sets of `scripts/bench_browser.sh fast`, the documents' embeddings served from a cache, the cache of exact vectors cleared before each query, the query's embedding made before the clock; {PASSES} passes. Load average at the end: {}.{}\n",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        if before.is_some() { " Before: the same program built on other code (`NOOK_SEARCH_CPU_BEFORE`), run just before." } else { "" }
    );
    let _ = writeln!(
        md,
        "| query set | queries | search | p50 ms | p90 ms | mean ms | exact vectors a query | ranked by their code a query |{}",
        if before.is_some() { " before: p50 / p90 / mean ms |" } else { "" }
    );
    let _ = writeln!(md, "|---|---:|---|---:|---:|---:|---:|---:|{}", if before.is_some() { "---|" } else { "" });
    for r in &rows {
        let (set, search) = (r["set"].as_str().unwrap_or(""), search_of(r));
        let b = before_row(set, &search).map(|b| format!(" {} / {} / {} |", b["p50_ms"], b["p90_ms"], b["mean_ms"])).unwrap_or_default();
        let _ = writeln!(
            md,
            "| {set} | {} | {} | {} | {} | {} | {} | {} |{b}",
            r["queries"], search, r["p50_ms"], r["p90_ms"], r["mean_ms"], r["exact_per_query"], r["approximated_per_query"]
        );
    }
    let out = std::env::var("NOOK_SEARCH_CPU_OUT").unwrap_or_else(|_| format!("{root}/bench/results/search-cpu"));
    let json = json!({ "rows": rows, "before": before, "loadavg": load.trim() });
    std::fs::write(format!("{out}.md"), md).expect("write md");
    std::fs::write(format!("{out}.json"), serde_json::to_string_pretty(&json).expect("json") + "\n").expect("write json");
    println!("wrote {out}.md");
}
