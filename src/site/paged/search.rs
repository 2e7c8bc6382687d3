//! Searching a paged site with whatever pages are at hand: [`SiteIndex::search`] either
//! answers or names the pages it needs next. The caller fetches those and asks again; the
//! stages are bounded, so a cold query costs `rounds + 3` round trips at most (head, then
//! clusters and term shards, then up to `rounds` of node pages, then the results' documents) and
//! a warm one none. What a stage needs depends only on the query and on pages an earlier
//! stage needed — never on what else happens to be cached — so a query gives the same
//! results natively (the CLI reading files) and in a browser (fetching them), cold or warm.
//!
//! Ranking is the collection's fusion (`collection/search.rs`): cosine + w x gated(share).
//! Vector candidates start as the documents of the `nprobe` clusters whose centroids' codes
//! are nearest the query. The first round expands the `first` best of them by PQ code (their
//! node pages: embedding, neighbours, the neighbours' codes), and the neighbours join the
//! candidates. A later round expands up to `expand` of the best not yet expanded, but only
//! those whose codes say they could still enter the top `k` (`margin`), so an easy query
//! stops after a round or two and a hard one takes up to `rounds`. Keyword candidates are
//! BM25's best from the term shards of the query's words (a typo is matched within its
//! word's shard; an unfinished last word is completed from at most `COMPLETION_SHARDS`
//! shards, where the terms it begins lie). Every document returned was expanded, and is ranked by its exact
//! similarity to the query (its int8 embedding).

use std::collections::{BTreeSet, HashMap};

use super::head::{Head, MAX_DEGREE, MAX_MARGIN, MAX_ROUNDS};
use super::shard::{self, Postings};
use super::{Page, unseal};
use crate::FastMap;
use crate::collection::{Doc, Embed, Reading};
use crate::format::varint::{Reader, put_varint};
use crate::records::{Failure, Result};
use crate::text::{Evidence, KeywordIndex, Rules, terms_by, unfinished};

/// Search parameters (the build's defaults are in the head).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SiteParams {
    /// Clusters whose documents' codes are scanned.
    pub nprobe: usize,
    /// Documents (best by PQ code) whose node pages the first round fetches.
    pub first: usize,
    /// Documents (best by PQ code, not yet expanded) whose node pages each later round
    /// fetches at most.
    pub expand: usize,
    /// Most rounds of expansion (a round trip each).
    pub rounds: usize,
    /// A round after the first expands only documents whose code distance is at most the
    /// largest code distance among the `k` best expanded so far (by exact similarity) plus
    /// `margin`; a round with none ends the expansion. 0 to 2 (cosine distances): 2 makes
    /// every round expand `expand` documents.
    pub margin: f32,
    pub keyword_weight: f32,
    pub keyword_gate: f32,
    pub keyword_specificity: f32,
    pub min_score: f32,
    pub min_score_unknown: f32,
}

/// Vector and keyword candidates a hybrid search fuses (at least; `k` if larger), as in a
/// collection.
const HYBRID_POOL: usize = 30;
/// Keyword candidates (those the fusion lifts most) expanded in the first round besides the
/// vector candidates.
const KEYWORD_EXTRA: usize = 8;
/// Term shards a query's unfinished last word is completed from, at most (~6 KB each).
const COMPLETION_SHARDS: usize = 2;

/// A query, embedded by the caller (unit length).
pub struct SiteQuery<'a> {
    pub text: &'a str,
    pub q: &'a [f32],
    pub k: usize,
    pub hybrid: bool,
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteHit {
    /// The document's number in the site (its place in the cluster order).
    pub position: u32,
    pub doc: Doc,
    pub score: f32,
    pub similarity: f32,
    pub keyword: f32,
}

/// What a search came to.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Fetch these pages ([`SiteIndex::add`]) and search again.
    Need(Vec<Page>),
    Done(Vec<SiteHit>),
}

/// A cluster page: its own documents' codes (in order from the cluster's start), then
/// documents of neighbouring clusters listed here too (positions, and their codes in the
/// same order).
struct Cluster {
    codes: Vec<u8>,
    spilled: Vec<u32>,
    spilled_codes: Vec<u8>,
}

/// A node page: a document's int8 embedding, its neighbours (ascending) and their codes.
struct Node {
    vector: Vec<i8>,
    neighbours: Vec<u32>,
    codes: Vec<u8>,
}

/// A paged site's head and the pages loaded so far.
pub struct SiteIndex {
    build: u64,
    head: Head,
    clusters: FastMap<u32, Cluster>,
    nodes: FastMap<u32, Node>,
    docs: FastMap<u32, Vec<Doc>>,
    terms: FastMap<u32, Vec<(String, Postings)>>,
    /// How a query is split into terms: the rules the site's terms were counted by.
    rules: Rules,
}

impl SiteIndex {
    /// A site from its manifest version, its build id and its head file.
    pub fn open(version: u64, build: u64, head: &[u8]) -> Result<SiteIndex> {
        let rules = super::rules_of(version)?;
        let head = Head::decode(unseal(build, Page::Head, head)?)?;
        Ok(SiteIndex { build, head, clusters: FastMap::default(), nodes: FastMap::default(), docs: FastMap::default(), terms: FastMap::default(), rules })
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    pub fn build(&self) -> u64 {
        self.build
    }

    fn doc_pages(&self) -> usize {
        self.head.docs.div_ceil(self.head.docs_per_page)
    }

    /// Every page of the site but the head (to fetch a whole site ahead of its queries).
    pub fn all_pages(&self) -> Vec<Page> {
        let n = |x: usize| 0..x as u32;
        let mut out: Vec<Page> = n(self.head.clusters()).map(Page::Cluster).collect();
        out.extend(n(self.head.shards.len()).map(Page::Terms));
        out.extend(n(self.head.docs).map(Page::Node));
        out.extend(n(self.doc_pages()).map(Page::Docs));
        out
    }

    pub fn has(&self, page: Page) -> bool {
        match page {
            Page::Head => true,
            Page::Cluster(i) => self.clusters.contains_key(&i),
            Page::Node(i) => self.nodes.contains_key(&i),
            Page::Docs(i) => self.docs.contains_key(&i),
            Page::Terms(i) => self.terms.contains_key(&i),
        }
    }

    /// Documents `[start, end)` of a page of `per` documents.
    fn span(&self, i: u32, per: usize, pages: usize) -> Result<(usize, usize)> {
        if i as usize >= pages {
            return Err(Failure::corrupt(format!("this site has {pages} pages of that kind, not {}", i as u64 + 1)));
        }
        let start = i as usize * per;
        Ok((start, (start + per).min(self.head.docs)))
    }

    /// Load a fetched page (its file's bytes). A page that is not what the head describes
    /// (damaged, cut short, another build's) is refused with NookCorruptError.
    pub fn add(&mut self, page: Page, file: &[u8]) -> Result<()> {
        let body = unseal(self.build, page, file)?;
        let wrong = |what: &str| Failure::corrupt(format!("site page {}: {what}", page.path()));
        let h = &self.head;
        let code_len = h.pq.code_len();
        match page {
            Page::Head => {}
            Page::Cluster(i) => {
                let c = i as usize;
                if c >= h.clusters() {
                    return Err(wrong("no such cluster"));
                }
                let code = h.pq.code_len();
                let len = (h.starts[c + 1] - h.starts[c]) as usize * code;
                if body.len() < len {
                    return Err(wrong("its size is not its cluster's"));
                }
                // A page of exactly the cluster's codes lists no other documents (the
                // layout before spilling); the builder now always writes the count.
                let mut r = Reader::new(&body[len..]);
                let m = if r.is_empty() { 0 } else { r.count(r.remaining() / (code + 1), "spilled documents").map_err(|e| wrong(&e.to_string()))? };
                let (mut spilled, mut spilled_codes) = (Vec::with_capacity(m), Vec::with_capacity(m * code));
                for _ in 0..m {
                    let p = r.varint().map_err(|e| wrong(&e.to_string()))?;
                    if p >= h.docs as u64 || spilled.last().is_some_and(|&q: &u32| u64::from(q) >= p) {
                        return Err(wrong("a listed document is out of range or out of order"));
                    }
                    spilled.push(p as u32);
                    spilled_codes.extend_from_slice(r.take(code).map_err(|e| wrong(&e.to_string()))?);
                }
                if !r.is_empty() {
                    return Err(wrong("trailing bytes"));
                }
                self.clusters.insert(i, Cluster { codes: body[..len].to_vec(), spilled, spilled_codes });
            }
            Page::Node(i) => {
                if i as usize >= h.docs {
                    return Err(wrong("no such document"));
                }
                let vector: Vec<i8> = body.get(..h.dims).ok_or_else(|| wrong("shorter than an embedding"))?.iter().map(|&b| b as i8).collect();
                let mut r = Reader::new(&body[h.dims..]);
                let m = r.count(MAX_DEGREE.min(r.remaining() / (code_len + 1)), "neighbours").map_err(|e| wrong(&e.to_string()))?;
                let mut neighbours = Vec::with_capacity(m);
                let mut at = 0u64;
                for j in 0..m {
                    let step = r.varint().map_err(|e| wrong(&e.to_string()))?;
                    at = at
                        .checked_add(step)
                        .filter(|&p| (j == 0 || step > 0) && p < h.docs as u64)
                        .ok_or_else(|| wrong("a neighbour is out of range or out of order"))?;
                    neighbours.push(at as u32);
                }
                let codes = r.take(m * code_len).map_err(|e| wrong(&e.to_string()))?.to_vec();
                if !r.is_empty() {
                    return Err(wrong("trailing bytes"));
                }
                self.nodes.insert(i, Node { vector, neighbours, codes });
            }
            Page::Docs(i) => {
                let (s, e) = self.span(i, h.docs_per_page, self.doc_pages())?;
                let docs = decode_docs(body, e - s).map_err(|e| wrong(&e.to_string()))?;
                self.docs.insert(i, docs);
            }
            Page::Terms(i) => {
                let s = i as usize;
                if s >= h.shards.len() {
                    return Err(wrong("no such term shard"));
                }
                let terms = shard::decode(body, h.docs)?;
                let (lo, hi) = (&h.shards[s], h.shards.get(s + 1));
                if terms.iter().any(|(t, _)| t < lo || hi.is_some_and(|h| t >= h)) {
                    return Err(wrong("a term lies outside its shard's range"));
                }
                self.terms.insert(i, terms);
            }
        }
        Ok(())
    }

    /// The `k` best documents for `query`, or the pages still needed to find them.
    /// `embed` only says which words the model knows (the relevance floor of a query of
    /// unknown words, as in a collection).
    pub fn search(&self, embed: &dyn Embed, query: &SiteQuery, params: &SiteParams) -> Result<Step> {
        let h = &self.head;
        if query.k == 0 || query.k > crate::collection::MAX_K {
            return Err(Failure::input(format!("k must be between 1 and {}, got {}", crate::collection::MAX_K, query.k)));
        }
        if query.q.len() != h.dims {
            return Err(Failure::input(format!("the query has {} dimensions, the site {}", query.q.len(), h.dims)));
        }
        if h.docs == 0 || crate::text::words(query.text).next().is_none() {
            return Ok(Step::Done(Vec::new()));
        }
        // Stage 1: the clusters nearest the query, the shards of its words.
        let table = h.pq.table(query.q);
        let code = h.pq.code_len();
        let mut near: Vec<(f32, u32)> = (0..h.clusters()).map(|c| (table.distance(&h.centroid_codes[c * code..(c + 1) * code]), c as u32)).collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        near.truncate(params.nprobe.max(1));
        let words: BTreeSet<String> = terms_by(self.rules, query.text).collect();
        let mut shards: BTreeSet<u32> = words.iter().filter_map(|w| h.shard_of(w)).collect();
        // An unfinished last word is completed from the shards its completions lie in (a
        // bounded fetch: a few letters may begin thousands of terms).
        if let Some((_, prefix)) = unfinished(self.rules, query.text) {
            shards.extend(h.shards_beginning(&prefix, COMPLETION_SHARDS));
        }
        let need: Vec<Page> = near.iter().map(|&(_, c)| Page::Cluster(c)).chain(shards.iter().map(|&s| Page::Terms(s))).filter(|&p| !self.has(p)).collect();
        if !need.is_empty() {
            return Ok(Step::Need(need));
        }

        // Stage 2: candidates by PQ code and by keywords.
        let k = query.k.min(h.docs);
        let pool = if query.hybrid { k.max(HYBRID_POOL).min(h.docs) } else { k };
        // Every document seen so far with its code's distance (one listed in two probed
        // clusters has the same code twice, so the same distance).
        let mut seen: FastMap<u32, f32> = FastMap::default();
        for &(_, c) in &near {
            let cl = &self.clusters[&c];
            let start = h.starts[c as usize];
            seen.extend(cl.codes.chunks_exact(code).enumerate().map(|(j, cd)| (start + j as u32, table.distance(cd))));
            seen.extend(cl.spilled.iter().zip(cl.spilled_codes.chunks_exact(code)).map(|(&p, cd)| (p, table.distance(cd))));
        }
        let keywords = self.keywords(&shards);
        let kq = keywords.query(query.text);
        let reading = Reading::of(embed, query.text, &words, |w| kq.knows(w), query.hybrid);
        let evidence: Vec<Evidence> = if query.hybrid { keywords.evidence(&kq, pool, params.keyword_specificity, &|_| true) } else { Vec::new() };
        let gate = params.keyword_gate.clamp(0.0, 0.99);
        let w = crate::collection::keyword_weight(params.keyword_weight, reading);
        let lift = |share: f32| w * ((share - gate).max(0.0) / (1.0 - gate));
        let share: HashMap<u32, f32> = evidence.iter().map(|e| (e.key as u32, e.share)).collect();
        let mut lifted: Vec<&Evidence> = evidence.iter().filter(|e| lift(e.share) > 0.0).collect();
        lifted.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.key.cmp(&b.key)));

        // Stage 3, up to `rounds` times: expand the best unexpanded documents by code (the
        // first round also the keyword candidates the fusion lifts most): their node pages
        // give their embeddings and their neighbours, whose codes join the candidates. A
        // later round takes only candidates within `margin` of the codes of the `k` best
        // expanded so far, and none ends the stage.
        let rounds = params.rounds.clamp(1, MAX_ROUNDS);
        let per = params.expand.max(pool.div_ceil(rounds));
        let margin = params.margin.clamp(0.0, MAX_MARGIN);
        // Expanded documents: (exact similarity, position).
        let mut expanded: Vec<(f32, u32)> = Vec::new();
        let mut done: BTreeSet<u32> = BTreeSet::new();
        for round in 0..rounds {
            let (bound, take) = if round == 0 { (f32::INFINITY, per.max(params.first)) } else { (reach(&mut expanded, &seen, k) + margin, per) };
            let mut pick: Vec<(f32, u32)> = seen.iter().filter(|&(p, &d)| d <= bound && !done.contains(p)).map(|(&p, &d)| (d, p)).collect();
            let by_code = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if pick.len() > take {
                pick.select_nth_unstable_by(take - 1, by_code);
                pick.truncate(take);
            }
            let mut pick: BTreeSet<u32> = pick.into_iter().map(|(_, p)| p).collect();
            if round == 0 {
                pick.extend(lifted.iter().map(|e| e.key as u32).filter(|p| !pick.contains(p)).take(KEYWORD_EXTRA).collect::<Vec<u32>>());
            }
            if pick.is_empty() {
                break;
            }
            let need: Vec<Page> = pick.iter().map(|&p| Page::Node(p)).filter(|&p| !self.has(p)).collect();
            if !need.is_empty() {
                return Ok(Step::Need(need));
            }
            for p in pick {
                let node = &self.nodes[&p];
                for (&q, cd) in node.neighbours.iter().zip(node.codes.chunks_exact(code)) {
                    seen.entry(q).or_insert_with(|| table.distance(cd));
                }
                expanded.push((cosine_i8(query.q, &node.vector), p));
                done.insert(p);
            }
        }

        // Exact similarities of every expanded document, fusion, the floor.
        let mut found: Vec<(f32, f32, f32, u32)> = expanded
            .iter()
            .map(|&(sim, p)| {
                let s = share.get(&p).copied().unwrap_or(0.0);
                (sim + lift(s), sim, s, p)
            })
            .collect();
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.3.cmp(&b.3)));
        let floor = reading.floor(params.min_score, params.min_score_unknown);
        found.retain(|f| reading.keeps(floor, f.0, f.2));
        found.truncate(k);
        let per = h.docs_per_page as u32;
        let need: BTreeSet<Page> = found.iter().map(|f| Page::Docs(f.3 / per)).filter(|&p| !self.has(p)).collect();
        if !need.is_empty() {
            return Ok(Step::Need(need.into_iter().collect()));
        }

        // Last: the results' documents.
        Ok(Step::Done(
            found
                .into_iter()
                .map(|(score, similarity, keyword, p)| SiteHit {
                    position: p,
                    doc: self.docs[&(p / per)][(p % per) as usize].clone(),
                    score,
                    similarity,
                    keyword,
                })
                .collect(),
        ))
    }

    /// The keyword index of the given shards alone (a query's own: what else is cached
    /// must not change its typo matching).
    fn keywords(&self, shards: &BTreeSet<u32>) -> KeywordIndex {
        let mut postings: FastMap<String, Vec<(u64, u32)>> = FastMap::default();
        let mut lengths: FastMap<u64, u32> = FastMap::default();
        for s in shards {
            for (term, list) in &self.terms[s] {
                postings.insert(term.clone(), list.iter().map(|&(d, tf, _)| (d as u64, tf)).collect());
                lengths.extend(list.iter().map(|&(d, _, len)| (d as u64, len)));
            }
        }
        KeywordIndex::partial(self.head.bm25, postings, lengths, self.head.docs, self.head.total_length, self.rules)
    }
}

/// The largest code distance among the `k` expanded documents most similar to the query
/// that have a code (a keyword candidate may have none); minus infinity if none has.
/// Sorts `expanded` best first.
fn reach(expanded: &mut [(f32, u32)], seen: &FastMap<u32, f32>, k: usize) -> f32 {
    expanded.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    expanded.iter().filter_map(|(_, p)| seen.get(p)).take(k).copied().fold(f32::NEG_INFINITY, f32::max)
}

/// Cosine of a unit query and an int8 embedding, summed in a fixed order (the same bits
/// natively and in wasm).
fn cosine_i8(q: &[f32], v: &[i8]) -> f32 {
    let (mut dot, mut norm) = (0.0f32, 0.0f32);
    for (&a, &b) in q.iter().zip(v) {
        let b = b as f32;
        dot += a * b;
        norm += b * b;
    }
    dot / norm.sqrt().max(f32::MIN_POSITIVE)
}

/// A documents page: per document varint-length strings id, title, url, text, meta.
pub(super) fn encode_docs(docs: &[Doc]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in docs {
        for s in [&d.id, &d.title, &d.url, &d.text, &d.meta] {
            put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

fn decode_docs(body: &[u8], count: usize) -> crate::Result<Vec<Doc>> {
    let mut r = Reader::new(body);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut s = || -> crate::Result<String> {
            let n = r.count(r.remaining(), "string length")?;
            String::from_utf8(r.take(n)?.to_vec()).map_err(|_| crate::Error::Corrupt("a string is not UTF-8".into()))
        };
        let (id, title, url, text, meta) = (s()?, s()?, s()?, s()?, s()?);
        out.push(Doc { id, title, url, text, meta, tokens: Vec::new(), kept: Vec::new() });
    }
    if !r.is_empty() {
        return Err(crate::Error::Corrupt("trailing bytes".into()));
    }
    Ok(out)
}
