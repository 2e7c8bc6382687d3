//! How often a preview's first result is the exact search's, by how many of its best
//! candidates it measures (`Settings::preview_exact`), natively with the real model.
//!
//! Each set is an export (`nook site build`) and a JSON list of queries (a range of it);
//! each query goes as the popup sends it: a preview, then the exact search (k 8, hybrid),
//! on a fresh load of the export per setting, so the cache fills as a session's would.
//!   cargo bench --features embed --bench preview -- NAME=EXPORT=QUERIES.json=FROM..TO ...
//! (`bench/preview.sh` builds the sets). Results: bench/results/preview-agreement.{json,md}.

use nook::collection::{Collection, Embed, Precision, Settings, export};
use nook::embed::Embedder;
use std::fmt::Write as _;

const MEASURED: [usize; 7] = [0, 1, 2, 3, 4, 6, 8];

struct Set {
    name: String,
    export: String,
    queries: Vec<String>,
    range: (usize, usize),
}

/// Top-1 agreement, preview recomputations per query, exact recomputations per query.
fn run(set: &Set, measured: usize, embed: &mut Embedder) -> (f64, f64, f64) {
    let snap = export::decode(&std::fs::read(&set.export).expect("read the export")).expect("decode the export");
    let settings = Settings { preview_exact: measured, ..Settings::default() };
    let mut c = Collection::load(settings, embed.dims(), &snap).expect("load the export");
    let (mut same, mut n, mut preview, mut exact) = (0usize, 0usize, 0usize, 0usize);
    for query in &set.queries {
        let tokens = embed.tokenize(query).expect("tokenize");
        let mut q = Vec::new();
        embed.embed_query(&tokens, &mut q).expect("embed the query");
        let (p, pc) = c.search_counted(embed, query, &q, 8, true, None, Precision::Preview).expect("preview");
        let (e, ec) = c.search_counted(embed, query, &q, 8, true, None, Precision::Exact).expect("exact search");
        if e.is_empty() {
            continue;
        }
        n += 1;
        preview += pc.recomputed;
        exact += ec.recomputed;
        same += usize::from(p.first().map(|f| f.key) == e.first().map(|f| f.key));
    }
    let per = |x: usize| x as f64 / n.max(1) as f64;
    (per(same), per(preview), per(exact))
}

fn parse(arg: &str) -> Set {
    let parts: Vec<&str> = arg.split('=').collect();
    let [name, export, queries, range] = parts[..] else { panic!("expected NAME=EXPORT=QUERIES.json=FROM..TO, got {arg}") };
    let all: Vec<String> = serde_json::from_str(&std::fs::read_to_string(queries).expect("read the queries")).expect("a JSON list of strings");
    let (from, to) = range.split_once("..").expect("FROM..TO");
    let (from, to): (usize, usize) = (from.parse().expect("FROM"), to.parse::<usize>().expect("TO").min(all.len()));
    Set { name: name.into(), export: export.into(), queries: all[from..to].to_vec(), range: (from, to) }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn main() {
    let sets: Vec<Set> = std::env::args().skip(1).filter(|a| a.contains('=')).map(|a| parse(&a)).collect();
    assert!(!sets.is_empty(), "give at least one set: NAME=EXPORT=QUERIES.json=FROM..TO");
    let root = env!("CARGO_MANIFEST_DIR");
    let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).expect("models/ (scripts/fetch_model.sh)");
    let tokenizer = std::fs::read(format!("{root}/models/tokenizer.json")).expect("models/tokenizer.json");
    let mut embed = Embedder::from_bytes(&model, &tokenizer).expect("load the model");
    let mut load = vec![loadavg()];
    let mut rows = Vec::new();
    for set in &sets {
        for m in MEASURED {
            let (agree, preview, exact) = run(set, m, &mut embed);
            eprintln!("{}: {m} measured: agreement {agree:.3}, preview recomputed {preview:.1}, exact {exact:.1}", set.name);
            rows.push(serde_json::json!({ "set": set.name, "measured": m, "top1_agreement": agree, "preview_recomputed": preview, "exact_recomputed": exact }));
        }
        load.push(loadavg());
    }
    let json = serde_json::json!({
        "date": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "loadavg": load,
        "sets": sets.iter().map(|s| serde_json::json!({ "name": s.name, "queries": s.queries.len(), "range": [s.range.0, s.range.1], "export": s.export })).collect::<Vec<_>>(),
        "rows": rows,
    });
    std::fs::write(format!("{root}/bench/results/preview-agreement.json"), serde_json::to_string_pretty(&json).expect("json") + "\n").expect("write json");
    let mut md = String::from("# Preview top 1 = exact top 1, by how many of its best candidates a preview measures\n\n");
    let _ = writeln!(
        md,
        "Written by `cargo bench --features embed --bench preview` (bench/preview.rs; bench/preview.sh builds the sets). Native, the real model; per query a preview then the exact search (k 8, hybrid), on a fresh load per setting. Load average (1/5/15 min) at start and after each set: {}.\n",
        load.join(" | ")
    );
    md.push_str("| set | queries | measured | top 1 agreement | preview recomputed / query | exact recomputed / query |\n|---|---:|---:|---:|---:|---:|\n");
    for set in &sets {
        for r in rows.iter().filter(|r| r["set"] == set.name.as_str()) {
            let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "| {} | {} ({}..{}) | {} | {:.3} | {:.1} | {:.1} |",
                set.name,
                set.queries.len(),
                set.range.0,
                set.range.1,
                r["measured"],
                f("top1_agreement"),
                f("preview_recomputed"),
                f("exact_recomputed")
            );
        }
    }
    std::fs::write(format!("{root}/bench/results/preview-agreement.md"), md).expect("write md");
    eprintln!("wrote bench/results/preview-agreement.{{json,md}}");
}
