//! JS values <-> the collection's types: documents in, hits and stats out, filters.

use js_sys::{Array, Float32Array, JSON, Object, Reflect, Uint32Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::collection::filter::{MetaFilter, Scalar};
use crate::collection::{Collection, Doc, DocRef, Found, Stats};
use crate::store::{Failure, Result};

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &Object, key: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(key), &v.into());
}

fn opt_string(o: &JsValue, key: &str, i: usize) -> Result<String> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(String::new());
    }
    v.as_string().ok_or_else(|| Failure::input(format!("document {i}: `{key}` must be a string")))
}

/// `[{id, text, title?, url?, meta?}]` -> documents. Ids may be strings or numbers.
pub fn docs_from_js(v: &JsValue) -> Result<Vec<Doc>> {
    if !Array::is_array(v) {
        return Err(Failure::input("add() takes an array of documents {id, text, title?, url?, meta?}"));
    }
    let arr: &Array = v.unchecked_ref();
    let mut out = Vec::with_capacity(arr.length() as usize);
    for (i, d) in arr.iter().enumerate() {
        if !d.is_object() {
            return Err(Failure::input(format!("document {i} is not an object")));
        }
        let id = get(&d, "id");
        let id = match (id.as_string(), id.as_f64()) {
            (Some(s), _) => s,
            (None, Some(n)) if n.is_finite() => format!("{n}"),
            _ => return Err(Failure::input(format!("document {i}: `id` must be a string or a number"))),
        };
        let text = get(&d, "text");
        let text = text.as_string().ok_or_else(|| Failure::input(format!("document {i} ({id:?}): `text` must be a string")))?;
        let meta = get(&d, "meta");
        let meta = if meta.is_undefined() || meta.is_null() {
            String::new()
        } else {
            JSON::stringify(&meta)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| Failure::input(format!("document {i} ({id:?}): `meta` must be JSON-serialisable")))?
        };
        out.push(Doc { title: opt_string(&d, "title", i)?, url: opt_string(&d, "url", i)?, id, text, meta, tokens: Vec::new(), kept: Vec::new() });
    }
    Ok(out)
}

/// Token sequences as they cross between workers: concatenated ids and each one's length.
pub fn sequences_to_js<T: AsRef<[u32]>>(seqs: &[T]) -> JsValue {
    let tokens: Vec<u32> = seqs.iter().flat_map(|s| s.as_ref().iter().copied()).collect();
    let lengths: Vec<u32> = seqs.iter().map(|s| s.as_ref().len() as u32).collect();
    let o = Object::new();
    set(&o, "tokens", Uint32Array::from(tokens.as_slice()));
    set(&o, "lengths", Uint32Array::from(lengths.as_slice()));
    o.into()
}

/// Embeddings another worker made: `{tokens, lengths}` as [`sequences_to_js`] gives them
/// and `vectors`, one embedding per sequence (checked where they are used).
pub struct Embedded {
    pub tokens: Vec<u32>,
    pub lengths: Vec<u32>,
    pub vectors: Vec<f32>,
}

/// `undefined`/`null` -> `None`; `{tokens: Uint32Array, lengths: Uint32Array, vectors: Float32Array}` -> [`Embedded`].
pub fn embedded_from_js(v: &JsValue) -> Result<Option<Embedded>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let ints =
        |key: &str| get(v, key).dyn_into::<Uint32Array>().map(|a| a.to_vec()).map_err(|_| Failure::input(format!("embedded.{key} must be a Uint32Array")));
    let vectors = get(v, "vectors").dyn_into::<Float32Array>().map(|a| a.to_vec()).map_err(|_| Failure::input("embedded.vectors must be a Float32Array"))?;
    Ok(Some(Embedded { tokens: ints("tokens")?, lengths: ints("lengths")?, vectors }))
}

/// Ids: an array of strings/numbers (or one id).
pub fn ids_from_js(v: &JsValue) -> Result<Vec<String>> {
    let one = |x: JsValue| match (x.as_string(), x.as_f64()) {
        (Some(s), _) => Ok(s),
        (None, Some(n)) if n.is_finite() => Ok(format!("{n}")),
        _ => Err(Failure::input("ids must be strings or numbers")),
    };
    if Array::is_array(v) { v.unchecked_ref::<Array>().iter().map(one).collect() } else { Ok(vec![one(v.clone())?]) }
}

/// A search's `filter` option: `{metaField: value | [values]}` with string, number,
/// boolean or null values, compiled once into a [`MetaFilter`].
pub fn filter_from_js(v: &JsValue) -> Result<Option<MetaFilter>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !v.is_object() || Array::is_array(v) {
        return Err(Failure::input("filter must be an object {metaField: value | [values]} (functions cannot cross into the worker)"));
    }
    let scalar = |field: &str, x: JsValue| -> Result<Scalar> {
        if x.is_null() {
            Ok(Scalar::Null)
        } else if let Some(b) = x.as_bool() {
            Ok(Scalar::Bool(b))
        } else if let Some(n) = x.as_f64() {
            Ok(Scalar::Num(n))
        } else if let Some(s) = x.as_string() {
            Ok(Scalar::Str(s))
        } else {
            Err(Failure::input(format!("filter field {field:?}: values must be strings, numbers, booleans or null")))
        }
    };
    let mut fields = Vec::new();
    for entry in Object::entries(v.unchecked_ref()).iter() {
        let pair: Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let val = pair.get(1);
        let vals = if Array::is_array(&val) { val.unchecked_ref::<Array>().iter().collect() } else { vec![val] };
        let vals = vals.into_iter().map(|x| scalar(&key, x)).collect::<Result<Vec<_>>>()?;
        fields.push((key, vals));
    }
    MetaFilter::new(fields).map(Some)
}

pub fn hit_to_js(c: &Collection, f: &Found, query: &str) -> JsValue {
    match c.doc(f.key) {
        Some(d) => doc_hit_to_js(d, f.score, f.similarity, f.keyword, query),
        None => Object::new().into(),
    }
}

/// A hit as both a collection and a site return it: `{id, score, similarity, keyword,
/// title, url, meta, snippet}`.
pub fn doc_hit_to_js(d: DocRef, score: f32, similarity: f32, keyword: f32, query: &str) -> JsValue {
    let o = Object::new();
    set(&o, "id", d.id);
    set(&o, "score", score as f64);
    set(&o, "similarity", similarity as f64);
    set(&o, "keyword", keyword as f64);
    set(&o, "title", d.title);
    set(&o, "url", d.url);
    set(&o, "meta", if d.meta.is_empty() { JsValue::NULL } else { JSON::parse(d.meta).unwrap_or(JsValue::NULL) });
    set(&o, "snippet", crate::text::snippet(d.text, query));
    o.into()
}

pub fn stats_to_js(s: &Stats, dims: usize, open_ms: super::core::OpenTiming) -> JsValue {
    let o = Object::new();
    set(&o, "documents", s.documents as f64);
    set(&o, "dims", dims as f64);
    set(&o, "nodes", s.nodes as f64);
    set(&o, "deleted", s.deleted as f64);
    set(&o, "mode", if s.pruned { "pruned" } else { "stored" });
    set(&o, "phase", s.phase);
    set(&o, "graphLinked", s.graph_linked.map_or(JsValue::NULL, |n| JsValue::from(n as f64)));
    set(&o, "generation", s.generation as f64);
    let bytes = Object::new();
    let kept = s.kept_bytes.min(s.doc_bytes);
    set(&bytes, "documents", s.doc_bytes.saturating_sub(s.token_bytes + kept) as f64);
    set(&bytes, "tokens", s.token_bytes.min(s.doc_bytes - kept) as f64);
    set(&bytes, "kept", kept as f64);
    set(&bytes, "index", s.index_bytes as f64);
    set(&bytes, "codebook", s.codebook_bytes as f64);
    set(&bytes, "manifest", s.manifest_bytes as f64);
    set(&bytes, "hints", s.hint_bytes as f64);
    set(&o, "bytes", bytes);
    set(&o, "storedBytes", (s.doc_bytes + s.index_bytes + s.codebook_bytes + s.manifest_bytes + s.hint_bytes) as f64);
    set(&o, "indexBytes", (s.index_bytes + s.codebook_bytes + s.manifest_bytes + s.hint_bytes + kept) as f64);
    set(&o, "keptVectors", s.kept_vectors as f64);
    set(&o, "hnswBytes", s.hnsw_f32_bytes as f64);
    set(&o, "f32VectorBytes", s.f32_vector_bytes as f64);
    set(&o, "cachedVectors", s.cached_vectors as f64);
    set(&o, "looseDocuments", s.loose as f64);
    set(&o, "hintedDocuments", s.hinted as f64);
    let open = Object::new();
    set(&open, "storeMs", open_ms.store);
    set(&open, "modelMs", open_ms.model);
    set(&open, "readMs", open_ms.read);
    set(&open, "loadMs", open_ms.load);
    set(&open, "writeMs", open_ms.write);
    set(&o, "open", open);
    o.into()
}

/// Collection settings from the options object of `open`.
/// The embedder's options among `open`'s: `maxTokens` (2..=512), `pooling` (`'mean'` or
/// `'cls'`), `heads` (read from the model when absent). For a model other than the default.
#[cfg(feature = "embed")]
pub fn embed_config_from_js(o: &JsValue) -> Result<crate::embed::EmbedConfig> {
    let mut c = crate::embed::EmbedConfig::default();
    if o.is_undefined() || o.is_null() {
        return Ok(c);
    }
    let whole = |key: &str, lo: f64, hi: f64| -> Result<Option<usize>> {
        let v = get(o, key);
        if v.is_undefined() {
            return Ok(None);
        }
        match v.as_f64() {
            Some(x) if x.fract() == 0.0 && (lo..=hi).contains(&x) => Ok(Some(x as usize)),
            _ => Err(Failure::input(format!("option {key} must be a whole number from {lo} to {hi}"))),
        }
    };
    if let Some(n) = whole("maxTokens", 2.0, crate::embed::MAX_POSITIONS as f64)? {
        c.max_tokens = n;
    }
    c.heads = whole("heads", 1.0, 1024.0)?;
    let pooling = get(o, "pooling");
    if !pooling.is_undefined() {
        c.pooling = match pooling.as_string().as_deref() {
            Some("mean") => crate::embed::Pooling::Mean,
            Some("cls") => crate::embed::Pooling::Cls,
            _ => return Err(Failure::input("option pooling must be 'mean' or 'cls'")),
        };
    }
    Ok(c)
}

pub fn settings_from_js(o: &JsValue) -> Result<crate::collection::Settings> {
    let mut s = crate::collection::Settings::default();
    if o.is_undefined() || o.is_null() {
        return Ok(s);
    }
    // One vocabulary (crate::options): a name the core does not read is refused, not ignored.
    if let Some(obj) = o.dyn_ref::<js_sys::Object>() {
        for key in js_sys::Object::keys(obj).iter().filter_map(|k| k.as_string()) {
            if !crate::options::is_core_option(&key) {
                return Err(Failure::input(format!(
                    "unknown option {key}; the core's options are {}",
                    crate::options::SETTINGS.iter().chain(&crate::options::EMBEDDER).copied().collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    let num = |key: &str| -> Result<Option<f64>> {
        let v = get(o, key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.as_f64().filter(|x| x.is_finite() && *x >= 0.0).map(Some).ok_or_else(|| Failure::input(format!("option {key} must be a non-negative number")))
    };
    if let Some(v) = num("pruneAt")? {
        s.prune_at = v as usize;
    }
    if let Some(v) = num("cacheSize")? {
        s.cache = v as usize;
    }
    if let Some(v) = num("maxTextBytes")? {
        s.max_text = v as usize;
    }
    if let Some(v) = num("keywordWeight")? {
        s.keyword_weight = v as f32;
    }
    if let Some(v) = num("minScore")? {
        s.min_score = v as f32;
        // 0 keeps every result, as documented: also for a query of words nobody knows,
        // whose own floor (`min_score_unknown`) would otherwise still cut at 0.4.
        if v == 0.0 {
            s.min_score_unknown = 0.0;
        }
    }
    if let Some(v) = num("rerank")? {
        s.two_level.rerank = (v as usize).max(1);
    }
    if let Some(v) = num("ef")? {
        s.two_level.ef = (v as usize).max(1);
        s.ef = (v as usize).max(1);
    }
    if let Some(v) = num("pqSubspaces")? {
        s.pq.subspaces = (v as usize).clamp(1, 384);
    }
    if let Some(v) = num("pqBits")? {
        if v != 4.0 && v != 8.0 {
            return Err(Failure::input(format!("option pqBits must be 4 or 8, got {v}")));
        }
        s.pq.bits = v as u8;
    }
    if let Some(v) = num("graphAt")? {
        s.graph_at = v as usize;
    }
    if let Some(v) = num("keepEmbeddingsFrom")? {
        s.keep_from_tokens = v as usize;
    }
    if let Some(v) = num("warmUp")? {
        s.warm_up = v as usize;
    }
    let remember = get(o, "rememberSearches");
    if !remember.is_undefined() {
        s.hints = remember.as_bool().ok_or_else(|| Failure::input("option rememberSearches must be true or false"))?;
    }
    Ok(s)
}
