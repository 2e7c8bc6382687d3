//! `NookCore`'s searches: exact or preview, and `searchWarm`, through which the worker
//! shares a cold search's recomputations with helper workers (the search stops where it
//! would recompute, and is run again with what they made). Times every search by step
//! (`wasm/timing.rs`).

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::NookCore;
use crate::collection::{Collection, DocRef, Embed, FirstRecomputed, Precision, Precomputed, split_sequences};
use crate::embed::Embedder;
use crate::store::{Failure, Result};
use crate::wasm::convert::{Embedded, embedded_from_js, filter_from_js, hit_to_js, sequences_to_js};
use crate::wasm::js_error;
use crate::wasm::timing::{QueryTiming, Timed, now};

/// What a search does when a document's embedding is not cached.
enum Recompute<'a> {
    /// Recompute it here.
    Here,
    /// Take it from embeddings made elsewhere when they have it, else recompute it here.
    Given(&'a Embedded),
    /// Take it from embeddings made elsewhere when they have it, else stop and say which
    /// documents the search wanted next.
    Stop(Option<&'a Embedded>),
}

#[wasm_bindgen]
impl NookCore {
    /// `{hits: [{id, score, similarity, keyword, title, url, meta, snippet}], stats}`.
    /// `preview`: rank by cached embeddings and PQ codes, and recompute only the best few
    /// (`Settings::preview_exact`; a first paint in milliseconds; an exact search of the
    /// same query then reuses its embedding and those).
    /// `embedded` (optional): `{tokens, lengths, vectors}`, embeddings helper workers made
    /// of what [`NookCore::search_warm`] said this search recomputes first: used instead
    /// of recomputing those here (the same bits, so the same result).
    pub fn search(&self, query: String, k: f64, hybrid: bool, filter: JsValue, preview: bool, embedded: JsValue) -> Result<JsValue, JsValue> {
        let precision = if preview { Precision::Preview } else { Precision::Exact };
        let embedded = embedded_from_js(&embedded).map_err(js_error)?;
        let how = embedded.as_ref().map_or(Recompute::Here, Recompute::Given);
        self.search_inner(&query, k, hybrid, &filter, precision, how).map_err(js_error)
    }

    /// The search (exact, or a preview if `preview`) if it needs no recomputation (every
    /// embedding it asks for is cached or in `embedded`, as for [`NookCore::search`]):
    /// `{hits, stats}`. Else it stops at the next documents it would recompute and gives
    /// their token sequences, `{first: {tokens, lengths}, embedMs}`: the worker has helper
    /// workers embed part of them while it embeds the rest, and calls again with every
    /// embedding made so far, until the search completes (a preview recomputes in one
    /// call: its best few). The query's embedding is kept between the calls.
    #[wasm_bindgen(js_name = searchWarm)]
    pub fn search_warm(&self, query: String, k: f64, hybrid: bool, filter: JsValue, embedded: JsValue, preview: bool) -> Result<JsValue, JsValue> {
        let precision = if preview { Precision::Preview } else { Precision::Exact };
        let embedded = embedded_from_js(&embedded).map_err(js_error)?;
        self.search_inner(&query, k, hybrid, &filter, precision, Recompute::Stop(embedded.as_ref())).map_err(js_error)
    }

    /// The query's embedding, from the one-entry cache (`false`: not embedded now) or
    /// computed (and cached).
    fn query_vector(&self, c: &Collection, e: &mut Embedder, query: &str) -> Result<(Vec<f32>, bool)> {
        if let Some((text, q)) = self.shared.last_query.borrow().as_ref()
            && text == query
        {
            return Ok((q.clone(), false));
        }
        // An unfinished last word may be embedded completed (`Collection::query_text`).
        let tokens = Embed::tokenize(&*e, &c.query_text(&*e, query))?;
        let mut q = Vec::with_capacity(self.shared.dims);
        Embed::embed_query(e, &tokens, &mut q)?;
        *self.shared.last_query.borrow_mut() = Some((query.to_string(), q.clone()));
        Ok((q, true))
    }

    fn search_inner(&self, query: &str, k: f64, hybrid: bool, filter: &JsValue, precision: Precision, how: Recompute) -> Result<JsValue> {
        let s = &self.shared;
        s.check_open()?;
        let k = search_k(k)?;
        let filter = filter_from_js(filter)?;
        let pred = filter.as_ref().map(|f| move |d: DocRef| f.matches(d));
        let pred = pred.as_ref().map(|p| p as &dyn Fn(DocRef) -> bool);
        let t0 = now();
        let mut c = s.coll.borrow_mut();
        let mut e = s.embed.borrow_mut();
        // The query's embedding is computed here, so that every embedder call inside the
        // search is a recomputation of documents (timed through `Timed`).
        let (found, counts, embed_ms, recompute_ms) = if c.is_empty() {
            let (found, counts) = c.search_counted(&mut *e, query, &[], k, hybrid, pred, precision)?;
            (found, counts, 0.0, 0.0)
        } else {
            let te = now();
            let (q, embedded) = self.query_vector(&c, &mut e, query)?;
            // A query embedded by the search before (a preview's) costs nothing here.
            let embed_ms = if embedded { now() - te } else { 0.0 };
            let max_tokens = e.config().max_tokens;
            let mut timed = Timed::new(&mut *e);
            let (found, counts) = match how {
                Recompute::Here => c.search_counted(&mut timed, query, &q, k, hybrid, pred, precision)?,
                Recompute::Given(m) => {
                    let seqs = split_sequences(&m.tokens, &m.lengths, max_tokens)?;
                    let mut pre = Precomputed::new(&mut timed, &seqs, &m.vectors)?;
                    c.search_counted(&mut pre, query, &q, k, hybrid, pred, precision)?
                }
                Recompute::Stop(given) => {
                    let mut first = FirstRecomputed::new(&mut timed);
                    let outcome = match given {
                        None => c.search_counted(&mut first, query, &q, k, hybrid, pred, precision),
                        Some(m) => {
                            let seqs = split_sequences(&m.tokens, &m.lengths, max_tokens)?;
                            let mut pre = Precomputed::new(&mut first, &seqs, &m.vectors)?;
                            c.search_counted(&mut pre, query, &q, k, hybrid, pred, precision)
                        }
                    };
                    if let Some(seqs) = first.seqs {
                        let o = Object::new();
                        let _ = Reflect::set(&o, &"first".into(), &sequences_to_js(&seqs));
                        let _ = Reflect::set(&o, &"embedMs".into(), &embed_ms.into());
                        return Ok(o.into());
                    }
                    outcome?
                }
            };
            (found, counts, embed_ms, timed.ms)
        };
        let t = QueryTiming::split(now() - t0, embed_ms, recompute_ms);
        let hits: Array = found.iter().map(|f| hit_to_js(&c, f, query)).collect();
        let stats = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&stats, &k.into(), &v);
        };
        set("searchMs", t.total.into());
        set("embedMs", t.embed.into());
        set("traversalMs", t.traversal.into());
        set("recomputeMs", t.recompute.into());
        set("visited", (counts.visited as f64).into());
        set("exact", (counts.exact as f64).into());
        set("recomputed", (counts.recomputed as f64).into());
        set("cacheHits", (counts.cache_hits as f64).into());
        set("approximated", (counts.approximated as f64).into());
        set("preview", (precision == Precision::Preview).into());
        set("keywordMatches", (counts.keyword as f64).into());
        set("mode", (if c.is_pruned() { "pruned" } else { "stored" }).into());
        let o = Object::new();
        let _ = Reflect::set(&o, &"hits".into(), &hits);
        let _ = Reflect::set(&o, &"stats".into(), &stats);
        Ok(o.into())
    }
}

/// A search's `k`: a whole number from 1 (the collection caps it).
fn search_k(k: f64) -> Result<usize> {
    if !(k.is_finite() && k.fract() == 0.0 && k >= 1.0) {
        return Err(Failure::input(format!("k must be a whole number between 1 and 1000, got {k}")));
    }
    Ok(k.min(1e6) as usize)
}
