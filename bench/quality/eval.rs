//! Shared by the quality benchmark (bench/quality/main.rs) and its regression test
//! (tests/quality_slice.rs): corpora and judged queries from JSON, an embedder with a
//! cache of embeddings keyed by token ids (re-runs and parameter sweeps do not re-embed),
//! and hits@1 / hits@10 / MRR@10 of the four rankings. The rankings are the library's
//! own `Collection::search_with` / `keyword_search`, the code the browser runs.

#![allow(dead_code)]

use std::collections::HashMap;

use nook::collection::{Collection, Doc, Embed, Settings};
use nook::store::Result;

pub struct Query {
    pub text: String,
    pub kind: String,
    pub relevant: Vec<String>,
}

pub struct Corpus {
    pub name: String,
    pub docs: Vec<Doc>,
    pub queries: Vec<Query>,
}

fn s(v: &serde_json::Value, key: &str) -> String {
    v.get(key).and_then(|x| x.as_str()).unwrap_or("").to_string()
}

pub fn docs_from_json(v: &serde_json::Value) -> Vec<Doc> {
    v.as_array()
        .expect("docs: a JSON array")
        .iter()
        .map(|d| Doc { id: s(d, "id"), title: s(d, "title"), url: s(d, "url"), text: s(d, "text"), ..Doc::default() })
        .collect()
}

/// Judged queries (`{query, type, relevant}`), or plain strings (a need written without
/// judgments, as `scripts/bench_browser.sh corpora DIR` takes them: kind "natural").
pub fn queries_from_json(v: &serde_json::Value) -> Vec<Query> {
    v.as_array()
        .expect("queries: a JSON array")
        .iter()
        .map(|q| match q.as_str() {
            Some(text) => Query { text: text.to_string(), kind: "natural".into(), relevant: Vec::new() },
            None => Query {
                text: s(q, "query"),
                kind: s(q, "type"),
                relevant: q
                    .get("relevant")
                    .and_then(|r| r.as_array())
                    .map(|r| r.iter().filter_map(|x| x.as_str().map(String::from)).collect())
                    .unwrap_or_default(),
            },
        })
        .collect()
}

/// Where a corpus's documents are: `data/quality/NAME/docs.json` (bench/quality/fetch_corpora.py),
/// or for `pypi` `data/pypi/docs.json` (bench/browser/fetch_pypi.py: PyPI summaries).
pub fn docs_path(root: &str, name: &str) -> String {
    match name {
        "pypi" => format!("{root}/data/pypi/docs.json"),
        _ => format!("{root}/data/quality/{name}/docs.json"),
    }
}

/// Where a corpus's queries are: committed (`bench/quality/queries/NAME.json`, or for `pypi`
/// `bench/browser/queries/pypi.json`), else beside its documents as fetch_corpora.py writes them.
pub fn queries_path(root: &str, name: &str) -> Option<String> {
    let committed = match name {
        "pypi" => format!("{root}/bench/browser/queries/pypi.json"),
        _ => format!("{root}/bench/quality/queries/{name}.json"),
    };
    [committed, format!("{root}/data/quality/{name}/queries.json")].into_iter().find(|p| std::path::Path::new(p).exists())
}

/// The queries of corpus `name` of these kinds (none empty), from [`queries_path`]; `None`
/// when it has no query file.
pub fn queries_of(root: &str, name: &str, kinds: &[&str]) -> Option<Vec<Query>> {
    let path = queries_path(root, name)?;
    Some(queries_from_json(&read_json(&path)).into_iter().filter(|q| kinds.contains(&q.kind.as_str()) && !q.text.trim().is_empty()).collect())
}

/// `s` with the re-ranking stop's `z_fit` set to `z` (a stop without a bound is left as is).
pub fn with_z_fit(mut s: Settings, z: f32) -> Settings {
    if let nook::index::Stop::Bound { z_fit, .. } = &mut s.two_level.stop {
        *z_fit = z;
    }
    s
}

/// `q` as typed up to the middle of its last word (half its letters, at least 3): what a
/// search-as-you-type box sends before the word is finished. None when the last word is
/// shorter than 5 letters or not all letters.
pub fn typing(q: &Query) -> Option<Query> {
    let text = q.text.trim_end();
    let start = text.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word: Vec<char> = text[start..].chars().collect();
    if word.len() < 5 || !word.iter().all(|c| c.is_alphabetic()) {
        return None;
    }
    let keep: String = word[..word.len().div_ceil(2).max(3)].iter().collect();
    Some(Query { text: format!("{}{keep}", &text[..start]), kind: "typing".into(), relevant: q.relevant.clone() })
}

pub fn read_json(path: &str) -> serde_json::Value {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e} (run python3 bench/quality/fetch_corpora.py)"));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An embedder with a cache keyed by token ids (bulk and query-time embeddings of the same
/// tokens agree to cosine ~1 - 1e-6, so one entry serves both).
pub struct CachedEmbed<E: Embed> {
    pub inner: E,
    pub map: HashMap<Vec<u32>, Vec<f32>>,
    pub fresh: usize,
}

impl<E: Embed> CachedEmbed<E> {
    pub fn new(inner: E) -> Self {
        CachedEmbed { inner, map: HashMap::new(), fresh: 0 }
    }

    fn through(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>, lone: bool) -> Result<()> {
        let missing: Vec<&[u32]> = seqs.iter().copied().filter(|s| !self.map.contains_key(*s)).collect();
        if !missing.is_empty() {
            let mut v = Vec::new();
            if lone {
                self.inner.embed_recomputed(&missing, &mut v)?
            } else {
                self.inner.embed_tokens(&missing, &mut v)?
            }
            let d = self.inner.dims();
            for (s, e) in missing.iter().zip(v.chunks_exact(d)) {
                self.map.insert(s.to_vec(), e.to_vec());
            }
            self.fresh += missing.len();
        }
        for s in seqs {
            out.extend_from_slice(&self.map[*s]);
        }
        Ok(())
    }

    /// Load entries saved by [`CachedEmbed::save`] (a missing file is an empty cache).
    pub fn load(&mut self, path: &str) {
        let Ok(b) = std::fs::read(path) else { return };
        let d = self.inner.dims();
        let mut at = 0;
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        while at + 4 <= b.len() {
            let n = u32_at(at) as usize;
            let end = at + 4 + 4 * n + 4 * d;
            if end > b.len() {
                break;
            }
            let toks = (0..n).map(|i| u32_at(at + 4 + 4 * i)).collect();
            let v = (0..d).map(|i| f32::from_bits(u32_at(at + 4 + 4 * n + 4 * i))).collect();
            self.map.insert(toks, v);
            at = end;
        }
    }

    pub fn save(&self, path: &str) {
        let mut b = Vec::new();
        for (t, v) in &self.map {
            b.extend_from_slice(&(t.len() as u32).to_le_bytes());
            t.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
            v.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
        }
        let _ = std::fs::write(path, b);
    }
}

impl<E: Embed> Embed for CachedEmbed<E> {
    fn dims(&self) -> usize {
        self.inner.dims()
    }
    fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        self.inner.tokenize(text)
    }
    fn embed_tokens(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.through(seqs, out, false)
    }
    fn embed_recomputed(&mut self, seqs: &[&[u32]], out: &mut Vec<f32>) -> Result<()> {
        self.through(seqs, out, true)
    }
    fn knows_word(&self, word: &str) -> bool {
        self.inner.knows_word(word)
    }
    fn sees(&self, text: &str) -> bool {
        self.inner.sees(text)
    }
    fn add_token_vector(&self, id: u32, weight: f32, out: &mut [f32]) -> bool {
        self.inner.add_token_vector(id, weight, out)
    }
}

/// A corpus indexed: the collection (default phase rules), every document's full
/// embedding (for the brute-force ranking) and every query's.
impl CachedEmbed<nook::embed::Embedder> {
    /// The default model (`root`/models/minilm-l6-int8.onnx, its tokenizer) behind the
    /// cache saved at the path `cache`.
    pub fn default_model(root: &str, cache: &str) -> Self {
        let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).expect("run scripts/fetch_model.sh");
        let tok = std::fs::read(format!("{root}/models/tokenizer.json")).expect("tokenizer");
        let mut embed = CachedEmbed::new(nook::embed::Embedder::from_bytes(&model, &tok).expect("embedder"));
        embed.load(cache);
        embed
    }
}

pub struct Indexed {
    pub collection: Collection,
    pub ids: Vec<String>,
    pub vectors: Vec<f32>,
    pub query_vectors: Vec<Vec<f32>>,
}

pub fn index<E: Embed>(corpus: &Corpus, embed: &mut CachedEmbed<E>, settings: Settings) -> Indexed {
    let mut c = Collection::new(settings, embed.dims()).expect("collection");
    // Bound to its model as the browser binds every collection (codes under the model's
    // rotation).
    c.bind_model(nook::collection::ModelMark::of(embed).expect("the probe embeds")).expect("a new collection takes any model");
    for chunk in corpus.docs.chunks(256) {
        c.add(embed, chunk.to_vec()).expect("add");
    }
    let mut vectors = Vec::with_capacity(corpus.docs.len() * embed.dims());
    let mut ids = Vec::with_capacity(corpus.docs.len());
    for d in &corpus.docs {
        let key = c.key_of(&d.id).expect("indexed");
        let tokens = c.doc(key).expect("doc").tokens.to_vec();
        embed.embed_tokens(&[&tokens], &mut vectors).expect("embed");
        ids.push(d.id.clone());
    }
    let query_vectors = index_queries(corpus, embed, &c);
    Indexed { collection: c, ids, vectors, query_vectors }
}

/// Every query's embedding (empty for a blank query), of the text a search of `c` embeds
/// for it (`Collection::query_text`: an unfinished last word may be completed).
pub fn index_queries<E: Embed>(corpus: &Corpus, embed: &mut CachedEmbed<E>, c: &Collection) -> Vec<Vec<f32>> {
    corpus
        .queries
        .iter()
        .map(|q| {
            let mut v = Vec::new();
            if !q.text.trim().is_empty() {
                let t = embed.tokenize(&c.query_text(&*embed, &q.text)).expect("tokenize");
                embed.embed_query(&t, &mut v).expect("embed");
            }
            v
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ranking {
    /// Brute-force cosine over full embeddings.
    Exact,
    /// The collection's vector search (`hybrid: false`).
    Vector,
    /// BM25 alone.
    Keyword,
    /// The collection's default (hybrid) search.
    Default,
}

pub const RANKINGS: [Ranking; 4] = [Ranking::Default, Ranking::Vector, Ranking::Keyword, Ranking::Exact];

impl Ranking {
    pub fn name(self) -> &'static str {
        match self {
            Ranking::Exact => "exact",
            Ranking::Vector => "vector",
            Ranking::Keyword => "keyword",
            Ranking::Default => "default",
        }
    }
}

/// One ranked result: id and score.
pub fn rank<E: Embed>(ix: &mut Indexed, embed: &mut CachedEmbed<E>, q: &Query, qv: &[f32], how: Ranking) -> Vec<(String, f32)> {
    let c = &mut ix.collection;
    match how {
        Ranking::Exact => {
            if qv.is_empty() {
                return Vec::new();
            }
            let d = qv.len();
            let mut s: Vec<(usize, f32)> = ix.vectors.chunks_exact(d).map(|v| nook::distance::dot(qv, v)).enumerate().collect();
            s.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            s.into_iter().take(10).map(|(i, x)| (ix.ids[i].clone(), x)).collect()
        }
        Ranking::Keyword => c.keyword_search(&q.text, 10).into_iter().map(|k| (c.doc(k).expect("doc").id.to_string(), 0.0)).collect(),
        Ranking::Vector | Ranking::Default => {
            if qv.is_empty() {
                return Vec::new();
            }
            let found = c.search_with(embed, &q.text, qv, 10, how == Ranking::Default, None).expect("search");
            found.iter().map(|f| (c.doc(f.key).expect("doc").id.to_string(), f.score)).collect()
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Score {
    pub n: usize,
    pub hits1: f64,
    pub hits10: f64,
    pub mrr10: f64,
    /// Queries that got no result at all.
    pub empty: f64,
}

impl Score {
    pub fn add(&mut self, q: &Query, got: &[(String, f32)]) {
        self.n += 1;
        if got.is_empty() {
            self.empty += 1.0;
        }
        if let Some(r) = got.iter().take(10).position(|(id, _)| q.relevant.contains(id)) {
            self.hits10 += 1.0;
            self.mrr10 += 1.0 / (r + 1) as f64;
            if r == 0 {
                self.hits1 += 1.0;
            }
        }
    }

    pub fn mean(self) -> Score {
        let n = self.n.max(1) as f64;
        Score { n: self.n, hits1: self.hits1 / n, hits10: self.hits10 / n, mrr10: self.mrr10 / n, empty: self.empty / n }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({"hits1": r3(self.hits1), "hits10": r3(self.hits10), "mrr10": r3(self.mrr10), "empty": r3(self.empty)})
    }
}

pub fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Scores of one ranking on one corpus, per query kind.
pub fn evaluate<E: Embed>(ix: &mut Indexed, embed: &mut CachedEmbed<E>, queries: &[Query], how: Ranking) -> HashMap<String, Score> {
    let mut out: HashMap<String, Score> = HashMap::new();
    for (i, q) in queries.iter().enumerate() {
        let qv = ix.query_vectors[i].clone();
        let got = rank(ix, embed, q, &qv, how);
        out.entry(q.kind.clone()).or_default().add(q, &got);
    }
    out.into_iter().map(|(k, s)| (k, s.mean())).collect()
}

/// Recall@10 and @3 of exact vector searches against brute force, and the exact vectors
/// they asked for, summed over queries (`second` and `large`).
#[derive(Default, Clone, Copy)]
pub struct Tally {
    pub queries: usize,
    pub recall10: f64,
    pub recall3: f64,
    pub exact: f64,
}

impl Tally {
    pub fn json(&self) -> serde_json::Value {
        let n = self.queries.max(1) as f64;
        serde_json::json!({"recall10": r3(self.recall10 / n), "recall3": r3(self.recall3 / n), "exact_per_query": r3(self.exact / n)})
    }
    /// `recall@10 / recall@3 / exact vectors a query`.
    pub fn cell(&self) -> String {
        let n = self.queries.max(1) as f64;
        format!("{:.3} / {:.3} / {:.1}", self.recall10 / n, self.recall3 / n, self.exact / n)
    }
}

/// The collection's exact vector search (k 10, vector only) for each query (`qvs`: their
/// embeddings) through `embed`, against brute force over the documents' `vectors` (rows in
/// the order of `ids`).
pub fn recall(c: &mut Collection, vectors: &[f32], ids: &[String], qs: &[Query], qvs: &[Vec<f32>], embed: &mut dyn Embed) -> Tally {
    let mut t = Tally::default();
    let d = embed.dims();
    for (q, qv) in qs.iter().zip(qvs) {
        let mut brute: Vec<(usize, f32)> = vectors.chunks_exact(d).map(|v| nook::distance::dot(qv, v)).enumerate().collect();
        brute.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let truth: Vec<&str> = brute.iter().take(10).map(|&(i, _)| ids[i].as_str()).collect();
        let (found, counts) = c.search_counted(embed, &q.text, qv, 10, false, None, nook::collection::Precision::Exact).expect("search");
        let got: Vec<String> = found.iter().map(|f| c.doc(f.key).expect("doc").id.to_string()).collect();
        let share = |n: usize| got.iter().take(n).filter(|id| truth[..n].contains(&id.as_str())).count() as f64 / n as f64;
        t.queries += 1;
        t.recall10 += share(10);
        t.recall3 += share(3);
        t.exact += counts.exact as f64;
    }
    t
}
