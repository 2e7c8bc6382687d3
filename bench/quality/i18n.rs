//! Keyword terms on text that is not English: LibreOffice's help pages in Japanese,
//! Chinese, Korean, German, French and Russian, Debian's translated man pages (the same
//! languages but Korean), Thai Wikipedia's article titles and a Lao-English dictionary's
//! headwords (`fetch_corpora.py --only i18n`), asked generated
//! known-item queries — a fragment of a text as one remembers it: Japanese its longest katakana or
//! kanji word, Chinese four characters from inside a run, Korean its longest Hangul run,
//! German and French two of its words typed without their accents and, as a control, as
//! written, Russian two of its words as written and cut by two letters, Thai and Lao a
//! dictionary word inside a title or headword.
//! Natively, with the real embedder: the package's default (hybrid) search, the vector
//! search alone and BM25 alone; hits@1, hits@10 and MRR@10 per query kind.
//!
//! No parameter is chosen here: the rules (src/text/terms.rs) are the ones search engines
//! use (accent folding; CJK bigrams, as Lucene's CJK analyser; the same pairs over Thai's
//! letters with their marks). The queries are generated
//! from the corpus, so they measure what the keyword side can match, not what people ask.
//!
//!   python3 bench/quality/fetch_corpora.py --only i18n
//!   cargo bench --features embed --bench i18n      -> bench/results/i18n-keywords.{md,json}
//!   NOOK_I18N_AS=before cargo bench ...             (the code before a change: its column
//!                                                    is kept as "before" beside "now";
//!                                                    "terms" and "folded" likewise, for
//!                                                    steps between)

#[path = "eval.rs"]
mod eval;

use std::fmt::Write as _;

use eval::{CachedEmbed, Corpus, Ranking};
use nook::collection::Settings;

const SETS: [&str; 13] =
    ["help-ja", "help-zh", "help-ko", "help-de", "help-fr", "help-ru", "man-ja", "man-zh", "man-de", "man-fr", "man-ru", "wiki-th", "dict-lo"];
const RANKINGS: [Ranking; 3] = [Ranking::Default, Ranking::Vector, Ranking::Keyword];

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cache = format!("{root}/data/quality/embeddings-i18n.bin");
    let mut embed = CachedEmbed::default_model(root, &cache);
    let column = std::env::var("NOOK_I18N_AS").unwrap_or_else(|_| "now".into());
    let json_path = format!("{root}/bench/results/i18n-keywords.json");
    let mut out: serde_json::Value =
        std::fs::read_to_string(&json_path).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_else(|| serde_json::json!({}));
    let mut sets = serde_json::Map::new();
    for set in SETS {
        let dir = format!("{root}/data/quality/{set}");
        let docs = eval::docs_from_json(&eval::read_json(&format!("{dir}/docs.json")));
        let queries = eval::queries_from_json(&eval::read_json(&format!("{dir}/queries.json")));
        let corpus = Corpus { name: set.into(), docs, queries };
        let mut ix = eval::index(&corpus, &mut embed, Settings::default());
        embed.save(&cache);
        let mut by_ranking = serde_json::Map::new();
        for how in RANKINGS {
            let scores = eval::evaluate(&mut ix, &mut embed, &corpus.queries, how);
            let mut kinds: Vec<_> = scores.into_iter().collect();
            kinds.sort_by(|a, b| a.0.cmp(&b.0));
            for (kind, s) in &kinds {
                eprintln!("i18n: {column} {set} {kind} {}: hits@1 {:.3} hits@10 {:.3} mrr@10 {:.3} (n {})", how.name(), s.hits1, s.hits10, s.mrr10, s.n);
            }
            by_ranking.insert(
                how.name().into(),
                kinds.iter().map(|(k, s)| (k.clone(), serde_json::json!({"n": s.n, "scores": s.json()}))).collect::<serde_json::Map<_, _>>().into(),
            );
        }
        sets.insert(corpus.name.clone(), serde_json::json!({"documents": corpus.docs.len(), "queries": corpus.queries.len(), "rankings": by_ranking}));
    }
    out[column.as_str()] = serde_json::json!({"terms_version": nook::text::TERMS_VERSION, "sets": sets});
    out["bench"] = "i18n".into();
    std::fs::write(&json_path, serde_json::to_string_pretty(&out).expect("json") + "\n").expect("write json");
    std::fs::write(format!("{root}/bench/results/i18n-keywords.md"), markdown(&out)).expect("write md");
    eprintln!("i18n: wrote bench/results/i18n-keywords.{{md,json}}");
}

/// The table: one row per corpus, query kind and ranking; hits@1 / hits@10 / MRR@10 for
/// each column the file holds (before, terms, folded, now: a run's `NOOK_I18N_AS`).
fn markdown(out: &serde_json::Value) -> String {
    let columns: Vec<&str> = ["before", "terms", "folded", "now"].into_iter().filter(|c| out.get(*c).is_some()).collect();
    let mut md = String::from(
        "# Keyword terms on text that is not English\n\nWritten by `cargo bench --features embed --bench i18n` (bench/quality/i18n.rs), natively with the real embedder. LibreOffice 7.4's help pages as Debian 12 ships them translated (2,559 a language: title, paragraphs cut to 300 characters), Debian 12's translated man pages (manpages-ja, -zh (zh_CN), -de, -fr, -ru: 921 / 645 / 908 / 435 / 184 pages, the NAME line's description then the DESCRIPTION, cut likewise), 6,000 of Thai Wikipedia's article titles and 6,000 Lao headwords of LaoNLP's Lao-English dictionary with their glosses (`fetch_corpora.py --only i18n`), known-item queries generated from them: a fragment of a help page's first paragraph or a man page's NAME description (Japanese: its longest katakana or kanji word; Chinese: four characters from inside its longest run; German and French: two of its words, typed without their accents, and as written; Korean: its longest Hangul run; Russian: two of its words as written, and cut by two letters) or, in Thai and Lao, the longest dictionary word inside a title or headword but not all of it, relevant the documents that hold it (at most 3). Each cell: hits@1 / hits@10 / MRR@10. `default` is the package's hybrid search, `vector` the embeddings alone, `keyword` BM25 alone.\n\n",
    );
    for c in &columns {
        let _ = writeln!(md, "- {c}: keyword terms version {}", out[*c]["terms_version"]);
    }
    let _ = write!(md, "\n| corpus | documents | query kind (n) | ranking |");
    for c in &columns {
        let _ = write!(md, " {c} |");
    }
    let _ = write!(md, "\n|---|---:|---|---|");
    for _ in &columns {
        md.push_str("---|");
    }
    md.push('\n');
    let last = columns.last().copied().unwrap_or("now");
    let Some(sets) = out[last]["sets"].as_object() else { return md };
    for (name, set) in sets {
        let Some(rankings) = set["rankings"].as_object() else { continue };
        let kinds: Vec<&String> = rankings.values().next().and_then(|r| r.as_object()).map(|k| k.keys().collect()).unwrap_or_default();
        for kind in kinds {
            for (how, _) in rankings {
                let n = &rankings[how][kind]["n"];
                let _ = write!(md, "| {name} | {} | {kind} ({n}) | {how} |", set["documents"]);
                for c in &columns {
                    let s = &out[*c]["sets"][name]["rankings"][how][kind]["scores"];
                    let cell = if s.is_null() { "-".to_string() } else { format!("{} / {} / {}", s["hits1"], s["hits10"], s["mrr10"]) };
                    let _ = write!(md, " {cell} |");
                }
                md.push('\n');
            }
        }
    }
    md
}
