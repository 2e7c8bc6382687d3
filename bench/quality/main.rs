//! Ranking quality on several corpora of different shapes (bench/quality/README.md):
//! hits@1, hits@10 and MRR@10 per query kind (natural, keyword, typo, unrelated, and
//! `typing`: each natural and keyword query cut in the middle of its last word, as a
//! search-as-you-type box sends it before the word is finished) for the
//! default (hybrid) ranking, vector-only, keyword-only (BM25) and brute-force cosine over
//! full embeddings, with the real embedder natively and the library's own search (the
//! code the browser package runs). Default collection settings: corpora over 1,000
//! documents are in the PQ phase, as a user's would be.
//!
//!   python3 bench/quality/fetch_corpora.py && cargo bench --features embed --bench quality
//!       -> bench/results/quality.{md,json}
//!   NOOK_SECOND_MODEL=1 scripts/fetch_model.sh && NOOK_QUALITY_MODEL=paraphrase-minilm-l3.onnx NOOK_QUALITY_MAX_TOKENS=128 cargo bench ...
//!       -> bench/results/quality-paraphrase-minilm-l3.{md,json}: another model (any file in
//!          models/), same corpora, queries and settings
//!   NOOK_QUALITY_URL_TEXT=words|host cargo bench --features embed --bench quality
//!       -> bench/results/quality-url-{words,host}.{md,json}: every document's embedded text
//!          also holds its URL's words (or its host alone), as bookmarks were once filed
//!   node bench/quality/bookmarks.mjs && NOOK_QUALITY_CORPORA=bookmarks-extension,bookmarks-as-before,bookmarks-folders,bookmarks-title cargo bench ...
//!       -> bench/results/quality-bookmarks.{md,json}: the text a bookmark's embedding reads,
//!          in four forms (bench/quality/bookmarks.mjs)
//!   cargo bench --features embed --bench quality -- --sweep
//!       -> bench/results/quality-sweep.md: keyword weight x specificity grid,
//!          leave-one-corpus-out choice of both, and the relevance floor's calibration

#[path = "eval.rs"]
mod eval;

use std::collections::HashMap;
use std::fmt::Write as _;

use eval::{CachedEmbed, Corpus, Indexed, Ranking, Score};
use nook::collection::Settings;
use nook::embed::Embedder;

const CORPORA: [&str; 5] = ["fanoutqa", "manpages", "manpages-long", "wordnet", "mdn"];
const KINDS: [&str; 5] = ["natural", "keyword", "typo", "typing", "unrelated"];

/// What of a document's URL its text takes on (`NOOK_QUALITY_URL_TEXT`).
#[derive(Clone, Copy, PartialEq)]
enum UrlText {
    /// The corpus as built.
    None,
    /// `readable_url`'s words: host, then the path's.
    Words,
    /// The host alone.
    Host,
}

impl UrlText {
    fn from_env() -> UrlText {
        match std::env::var("NOOK_QUALITY_URL_TEXT").as_deref() {
            Ok("words") => UrlText::Words,
            Ok("host") => UrlText::Host,
            Ok(other) => panic!("NOOK_QUALITY_URL_TEXT: words or host, not {other:?}"),
            Err(_) => UrlText::None,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            UrlText::None => "",
            UrlText::Words => "-url-words",
            UrlText::Host => "-url-host",
        }
    }

    fn apply(self, doc: &mut nook::collection::Doc) {
        if self == UrlText::None {
            return;
        }
        let words = readable_url(&doc.url);
        let add = if self == UrlText::Host { words.split(' ').next().unwrap_or("") } else { words.as_str() };
        doc.text = [doc.text.as_str(), add].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" \u{2014} ");
    }
}

/// "https://www.example.com/a-b/c%20d?e" -> "example.com a b c d e", as the extension once
/// made a bookmark's text (a URL without "://", such as `man:ls(1)`, as it is).
fn readable_url(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else { return url.to_string() };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let (p, mut bytes, mut i) = (path.as_bytes(), Vec::new(), 0);
    while i < p.len() {
        let escaped = p.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (p[i], escaped) {
            (b'%', Some(b)) => (bytes.push(b), i += 3),
            (c, _) => (bytes.push(c), i += 1),
        };
    }
    let path = String::from_utf8_lossy(&bytes).replace(|c: char| "/_-?=&.+#%".contains(c), " ");
    format!("{host} {}", path.split_whitespace().collect::<Vec<_>>().join(" ")).trim().to_string()
}

fn load(root: &str, name: &str, url_text: UrlText) -> Corpus {
    let mut docs = eval::docs_from_json(&eval::read_json(&format!("{root}/data/quality/{name}/docs.json")));
    docs.iter_mut().for_each(|d| url_text.apply(d));
    let committed = format!("{root}/bench/quality/queries/{name}.json");
    let path = if std::path::Path::new(&committed).exists() { committed } else { format!("{root}/data/quality/{name}/queries.json") };
    let mut queries = eval::queries_from_json(&eval::read_json(&path));
    let typing: Vec<eval::Query> = queries.iter().filter(|q| q.kind == "natural" || q.kind == "keyword").filter_map(eval::typing).collect();
    queries.extend(typing);
    Corpus { name: name.into(), docs, queries }
}

type Embed = CachedEmbed<Embedder>;

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sweep = std::env::args().any(|a| a == "--sweep");
    let file = std::env::var("NOOK_QUALITY_MODEL").unwrap_or_else(|_| DEFAULT_MODEL.into());
    let model = std::fs::read(format!("{root}/models/{file}")).expect("run scripts/fetch_model.sh");
    let tok = std::fs::read(format!("{root}/models/tokenizer.json")).expect("tokenizer");
    let mut config = nook::embed::EmbedConfig::default();
    if let Some(n) = std::env::var("NOOK_QUALITY_MAX_TOKENS").ok().and_then(|v| v.parse().ok()) {
        config.max_tokens = n;
    }
    let embedder = Embedder::with_config(&model, &tok, config).expect("embedder");
    // Another model's results (and embedding cache) go to files named after it.
    let stem = file.trim_end_matches(".onnx").to_string();
    let suffix = if file == DEFAULT_MODEL { String::new() } else { format!("-{stem}") };
    let about = format!(
        "{} ({}, max {} tokens)",
        if file == DEFAULT_MODEL { "all-MiniLM-L6-v2 int8".to_string() } else { stem },
        embedder.describe(),
        embedder.config().max_tokens
    );
    let mut embed = CachedEmbed::new(embedder);
    let cache = format!("{root}/data/quality/embeddings{suffix}.bin");
    embed.load(&cache);
    let url_text = UrlText::from_env();
    // Other corpora than the five (`NOOK_QUALITY_CORPORA=a-x,a-y`: results named after the
    // first one's prefix, quality-a.md).
    let chosen = std::env::var("NOOK_QUALITY_CORPORA").ok().map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>());
    assert!(!(sweep && chosen.is_some()), "the sweep chooses over the five corpora: no NOOK_QUALITY_CORPORA with --sweep");
    let names = chosen.clone().unwrap_or_else(|| CORPORA.iter().map(|s| s.to_string()).collect());
    let corpora: Vec<Corpus> = names.iter().map(|n| load(root, n, url_text)).collect();
    let mut indexed: Vec<Indexed> = Vec::new();
    for c in &corpora {
        let t = std::time::Instant::now();
        let ix = eval::index(c, &mut embed, Settings::default());
        eprintln!(
            "quality: {} {} docs, {} queries, phase {}, {:.1} s ({} embedded)",
            c.name,
            c.docs.len(),
            c.queries.len(),
            ix.collection.phase(),
            t.elapsed().as_secs_f64(),
            embed.fresh
        );
        indexed.push(ix);
        embed.save(&cache);
    }
    if sweep {
        run_sweep(root, &corpora, &mut indexed, &mut embed);
    } else {
        let about = match url_text {
            UrlText::None => about,
            UrlText::Words => format!("{about}; each document's text followed by its URL's words"),
            UrlText::Host => format!("{about}; each document's text followed by its URL's host"),
        };
        let named = chosen.map(|c| format!("-{}", c[0].split('-').next().unwrap_or("corpora"))).unwrap_or_default();
        report(root, &format!("{suffix}{named}{}", url_text.suffix()), &about, &corpora, &mut indexed, &mut embed);
    }
    embed.save(&cache);
}

fn kinds_of(c: &Corpus) -> Vec<&'static str> {
    KINDS.iter().copied().filter(|k| c.queries.iter().any(|q| q.kind == *k)).collect()
}

const DEFAULT_MODEL: &str = "minilm-l6-int8.onnx";

fn report(root: &str, suffix: &str, about: &str, corpora: &[Corpus], indexed: &mut [Indexed], embed: &mut Embed) {
    let s = Settings::default();
    let mut md = format!(
        "# Ranking quality on several corpora\n\nWritten by `cargo bench --features embed --bench quality` (bench/quality/main.rs). Model: {about}, nook's forward pass, native. Default collection settings (PQ phase above 1,000 documents: 32 B codes, rerank {}), keyword weight {}, specificity {}, gate {}, relevance floor {} ({} for queries of unknown words only). Rankings: `default` = hybrid (the package's default), `vector` = `hybrid: false`, `keyword` = BM25 alone, `exact` = brute-force cosine over full embeddings. `empty` = share of queries answered with no result (wanted for `unrelated`). `typing` queries are made by the program: each natural and keyword query whose last word has 5+ letters, cut to the first half of that word (what a search box sends mid-word).\n\n",
        s.two_level.rerank, s.keyword_weight, s.keyword_specificity, s.keyword_gate, s.min_score, s.min_score_unknown
    );
    let mut out = Vec::new();
    let mut shortfalls = Vec::new();
    for (c, ix) in corpora.iter().zip(indexed.iter_mut()) {
        let mut per: HashMap<Ranking, HashMap<String, Score>> = HashMap::new();
        for how in eval::RANKINGS {
            per.insert(how, eval::evaluate(ix, embed, &c.queries, how));
        }
        let _ = writeln!(
            md,
            "## {} ({} documents, phase {})\n\n| queries | n | ranking | hits@1 | hits@10 | MRR@10 | empty |\n|---|---|---|---|---|---|---|",
            c.name,
            c.docs.len(),
            ix.collection.phase()
        );
        let mut qj = serde_json::Map::new();
        for kind in kinds_of(c) {
            let mut kj = serde_json::Map::new();
            for how in eval::RANKINGS {
                let sc = per[&how].get(kind).copied().unwrap_or_default();
                let _ = writeln!(md, "| {kind} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |", sc.n, how.name(), sc.hits1, sc.hits10, sc.mrr10, sc.empty);
                kj.insert("n".into(), sc.n.into());
                kj.insert(how.name().into(), sc.json());
            }
            let (d, v) = (per[&Ranking::Default][kind], per[&Ranking::Vector][kind]);
            match kind {
                "natural" if d.hits10 < v.hits10 - 0.01 || d.mrr10 < v.mrr10 - 0.01 => shortfalls.push(format!(
                    "{}: natural default hits@10 {:.3} / MRR@10 {:.3} vs vector {:.3} / {:.3} (target: >= vector - 0.01)",
                    c.name, d.hits10, d.mrr10, v.hits10, v.mrr10
                )),
                "keyword" if d.hits10 < v.hits10 + 0.05 => {
                    shortfalls.push(format!("{}: keyword default hits@10 {:.3} vs vector {:.3} (target: +0.05)", c.name, d.hits10, v.hits10))
                }
                _ => {}
            }
            qj.insert(kind.into(), serde_json::Value::Object(kj));
        }
        md.push('\n');
        out.push(serde_json::json!({"name": c.name, "docs": c.docs.len(), "phase": ix.collection.phase(), "queries": qj}));
    }
    // Keyword-query gain averaged over corpora.
    let mut gain = Vec::new();
    for o in &out {
        if let Some(k) = o["queries"].get("keyword") {
            gain.push(k["default"]["hits10"].as_f64().unwrap_or(0.0) - k["vector"]["hits10"].as_f64().unwrap_or(0.0));
        }
    }
    let mean_gain = gain.iter().sum::<f64>() / gain.len().max(1) as f64;
    let _ = writeln!(md, "## Targets\n\nKeyword queries, default - vector hits@10, mean over corpora: {mean_gain:+.3} (target >= +0.05).\n");
    if mean_gain < 0.05 {
        shortfalls.push(format!("keyword queries: mean gain {mean_gain:+.3} < +0.05"));
    }
    if shortfalls.is_empty() {
        md.push_str("Every per-corpus target is met.\n");
    } else {
        md.push_str("Short of target:\n\n");
        for s in &shortfalls {
            let _ = writeln!(md, "- {s}");
        }
    }
    let json = serde_json::json!({"settings": {"keyword_weight": s.keyword_weight, "keyword_specificity": s.keyword_specificity, "keyword_gate": s.keyword_gate, "min_score": s.min_score, "min_score_unknown": s.min_score_unknown, "rerank": s.two_level.rerank}, "keyword_gain_mean": eval::r3(mean_gain), "corpora": out});
    std::fs::write(format!("{root}/bench/results/quality{suffix}.md"), md).expect("write quality.md");
    std::fs::write(format!("{root}/bench/results/quality{suffix}.json"), serde_json::to_string_pretty(&json).expect("json") + "\n")
        .expect("write quality.json");
    eprintln!("quality: wrote bench/results/quality{suffix}.{{md,json}}; shortfalls: {shortfalls:?}");
}

/// Objective distance from the best within which grid points count as equally good.
const PLATEAU: f64 = 0.01;

/// (weight, specificity, gate) grid points.
fn grid() -> Vec<(f32, f32, f32)> {
    let mut g = Vec::new();
    for w in [0.15f32, 0.2, 0.3, 0.4, 0.5] {
        for sp in [0.0f32, 1.0, 2.0] {
            for gate in [0.1f32, 0.2, 0.3] {
                g.push((w, sp, gate));
            }
        }
    }
    g
}

/// Objective of one corpus's scores: mean MRR@10 over natural, keyword and typo queries,
/// minus a heavy penalty for every point natural queries lose to vector-only beyond 0.01.
fn objective(d: &HashMap<String, Score>, v: &HashMap<String, Score>) -> f64 {
    let kinds = ["natural", "keyword", "typo"];
    let present: Vec<&str> = kinds.iter().copied().filter(|k| d.contains_key(*k)).collect();
    let mean = present.iter().map(|k| d[*k].mrr10).sum::<f64>() / present.len().max(1) as f64;
    let (dn, vn) = (d.get("natural").copied().unwrap_or_default(), v.get("natural").copied().unwrap_or_default());
    let loss = (vn.hits10 - dn.hits10 - 0.01).max(0.0) + (vn.mrr10 - dn.mrr10 - 0.01).max(0.0);
    mean - 10.0 * loss
}

fn run_sweep(root: &str, corpora: &[Corpus], indexed: &mut [Indexed], embed: &mut Embed) {
    let grid = grid();
    let mut md = String::from(
        "# Fusion parameters: sweep, cross-validation, relevance floor\n\nWritten by `cargo bench --features embed --bench quality -- --sweep`. Score = similarity + w x max(0, share - gate) / (1 - gate), share = keyword evidence weighted by term specificity^s (src/text/index.rs). Objective per corpus: mean MRR@10 over natural, keyword and typo queries, minus 10 x any loss of natural hits@10 or MRR@10 to vector-only beyond 0.01. Choice: among grid points within 0.01 of the best mean objective over the training corpora, the smallest keyword weight.\n\n",
    );
    // scores[corpus][grid point] and vector-only per corpus.
    let mut vector: Vec<HashMap<String, Score>> = Vec::new();
    let mut scores: Vec<Vec<HashMap<String, Score>>> = Vec::new();
    for (c, ix) in corpora.iter().zip(indexed.iter_mut()) {
        ix.collection.tune(|s| {
            s.min_score = 0.0;
            s.min_score_unknown = 0.0;
        });
        vector.push(eval::evaluate(ix, embed, &c.queries, Ranking::Vector));
        let mut row = Vec::new();
        for &(w, sp, gate) in &grid {
            ix.collection.tune(|s| {
                s.keyword_weight = w;
                s.keyword_specificity = sp;
                s.keyword_gate = gate;
            });
            row.push(eval::evaluate(ix, embed, &c.queries, Ranking::Default));
        }
        eprintln!("quality: swept {}", c.name);
        scores.push(row);
    }
    let _ = writeln!(
        md,
        "## Objective per corpus and grid point\n\n| w | s | gate | {} | mean |\n|---|---|---|{}---|",
        CORPORA.join(" | "),
        "---|".repeat(CORPORA.len())
    );
    for (g, &(w, sp, gate)) in grid.iter().enumerate() {
        let objs: Vec<f64> = (0..corpora.len()).map(|c| objective(&scores[c][g], &vector[c])).collect();
        let _ = writeln!(
            md,
            "| {w} | {sp} | {gate} | {} | {:.3} |",
            objs.iter().map(|o| format!("{o:.3}")).collect::<Vec<_>>().join(" | "),
            objs.iter().sum::<f64>() / objs.len() as f64
        );
    }
    // The most conservative point on the plateau: among grid points within 0.01 of the
    // best mean objective, the smallest keyword weight (then the best objective). A larger
    // weight buys a little on keyword and typo queries of these corpora and risks
    // paraphrase queries elsewhere.
    let pick = |train: &[usize]| -> usize {
        let f = |g: usize| train.iter().map(|&c| objective(&scores[c][g], &vector[c])).sum::<f64>() / train.len() as f64;
        let best = (0..grid.len()).map(f).fold(f64::MIN, f64::max);
        (0..grid.len()).filter(|&g| f(g) >= best - PLATEAU).min_by(|&a, &b| grid[a].0.total_cmp(&grid[b].0).then(f(b).total_cmp(&f(a)))).expect("grid")
    };
    let _ = writeln!(
        md,
        "\n## Leave one corpus out\n\nParameters chosen on the other corpora, scores on the held-out one (default vs vector-only).\n\n| held out | chosen w | s | gate | natural hits@10 | natural MRR@10 | keyword hits@10 | typo hits@10 |\n|---|---|---|---|---|---|---|---|"
    );
    for h in 0..corpora.len() {
        let train: Vec<usize> = (0..corpora.len()).filter(|&c| c != h).collect();
        let g = pick(&train);
        let (d, v) = (&scores[h][g], &vector[h]);
        let cell = |k: &str, f: fn(&Score) -> f64| match (d.get(k), v.get(k)) {
            (Some(a), Some(b)) => format!("{:.3} vs {:.3}", f(a), f(b)),
            _ => "-".into(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            corpora[h].name,
            grid[g].0,
            grid[g].1,
            grid[g].2,
            cell("natural", |s| s.hits10),
            cell("natural", |s| s.mrr10),
            cell("keyword", |s| s.hits10),
            cell("typo", |s| s.hits10)
        );
    }
    let all: Vec<usize> = (0..corpora.len()).collect();
    let g = pick(&all);
    let (w, sp, gate) = grid[g];
    let _ = writeln!(md, "\nChosen on all corpora: w = {w}, s = {sp}, gate = {gate}.\n");

    // Relevance floor: at the chosen parameters, the fused score of the first relevant hit
    // of natural / keyword / typo queries, and the top score of unrelated queries.
    // (corpus, score, every content word unknown to model and documents)
    let mut relevant: Vec<(usize, f32, bool)> = Vec::new();
    let mut unrelated: Vec<(usize, f32, bool)> = Vec::new();
    let mut no_content: Vec<(String, usize)> = Vec::new();
    let mut unknown_found: Vec<String> = Vec::new();
    let mut unrelated_top: std::collections::BTreeMap<String, Vec<f32>> = Default::default();
    for (ci, (c, ix)) in corpora.iter().zip(indexed.iter_mut()).enumerate() {
        ix.collection.tune(|s| {
            s.keyword_weight = w;
            s.keyword_specificity = sp;
            s.keyword_gate = gate;
            s.min_score = 0.0;
            s.min_score_unknown = 0.0;
        });
        for (i, q) in c.queries.iter().enumerate() {
            let qv = ix.query_vectors[i].clone();
            let got = eval::rank(ix, embed, q, &qv, Ranking::Default);
            let known = ix.collection.query_known(embed, &q.text);
            if known.is_none() {
                no_content.push((q.text.clone(), got.len()));
                continue;
            }
            let unknown = known == Some(false);
            if q.kind == "unrelated" {
                unrelated.push((ci, got.first().map_or(0.0, |g| g.1), unknown));
                unrelated_top.entry(q.text.clone()).or_default().push(got.first().map_or(0.0, |g| g.1));
            } else if let Some(hit) = got.iter().find(|g| q.relevant.contains(&g.0)) {
                relevant.push((ci, hit.1, unknown));
                if unknown {
                    unknown_found.push(format!("`{}` ({}, {:.2})", q.text, c.name, hit.1));
                }
            }
        }
    }
    let _ = writeln!(
        md,
        "## Relevance floor\n\nFor each floor: share of found relevant answers (natural, keyword, typo; worst corpus) the floor would cut, and share of unrelated queries it empties. Queries with no content word get no result at all (not counted here); queries whose every content word is unknown to the model's vocabulary and to the documents (`unknown`) get their own floor.\n"
    );
    for (label, unknown) in [("queries with a known word", false), ("queries of unknown words only", true)] {
        let rel: Vec<&(usize, f32, bool)> = relevant.iter().filter(|x| x.2 == unknown).collect();
        let unr: Vec<&(usize, f32, bool)> = unrelated.iter().filter(|x| x.2 == unknown).collect();
        let _ = writeln!(
            md,
            "### {label} ({} relevant answers found, {} unrelated queries)\n\n| floor | relevant cut (worst corpus) | relevant cut (all) | unrelated emptied |\n|---|---|---|---|",
            rel.len(),
            unr.len()
        );
        for f in [0.15f32, 0.2, 0.22, 0.24, 0.25, 0.26, 0.28, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6] {
            let worst = (0..corpora.len())
                .map(|c| {
                    let r: Vec<f32> = rel.iter().filter(|x| x.0 == c).map(|x| x.1).collect();
                    r.iter().filter(|&&s| s < f).count() as f64 / r.len().max(1) as f64
                })
                .fold(0.0, f64::max);
            let all = rel.iter().filter(|x| x.1 < f).count() as f64 / rel.len().max(1) as f64;
            let emptied = unr.iter().filter(|x| x.1 < f).count() as f64 / unr.len().max(1) as f64;
            let _ = writeln!(md, "| {f:.2} | {worst:.3} | {all:.3} | {emptied:.3} |");
        }
        md.push('\n');
    }
    let _ = writeln!(md, "Relevant answers found for queries of unknown words only (corpus, score): {}.\n", unknown_found.join(", "));
    no_content.sort();
    no_content.dedup();
    let _ = writeln!(
        md,
        "Queries with no word at all (answered with no result whatever the floor): {}.\n",
        no_content.iter().map(|(q, n)| format!("`{q}` ({n} results)")).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(md, "\nTop score of each unrelated query (per corpus it was asked on):\n\n| query | top scores |\n|---|---|");
    for (q, tops) in &unrelated_top {
        let _ = writeln!(md, "| {} | {} |", q.replace('|', "\\|"), tops.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>().join(", "));
    }
    std::fs::write(format!("{root}/bench/results/quality-sweep.md"), md).expect("write quality-sweep.md");
    eprintln!("quality: wrote bench/results/quality-sweep.md (chosen w = {w}, s = {sp})");
}
