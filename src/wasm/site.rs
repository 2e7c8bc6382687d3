//! `NookSite`: a paged static site (`site::paged`) and the embedder, in the worker
//! (pkg/src/worker.js), which fetches the pages a search names and hands them back. No
//! I/O here: `search` answers or says which pages it needs; `add` takes a page's bytes.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::{doc_hit_to_js, embed_config_from_js};
use super::{init, js_error};
use crate::collection::Embed;
use crate::embed::Embedder;
use crate::site::paged::{Page, SiteIndex, SiteQuery, Step, parse_build};
use crate::store::{Failure, Result};

/// One paged site (see the module docs).
#[wasm_bindgen]
pub struct NookSite {
    site: SiteIndex,
    embed: Embedder,
    /// The last query's text and embedding: each round of one search embeds it once.
    last: Option<(String, Vec<f32>)>,
    /// Bytes of pages loaded (the head included).
    loaded_bytes: f64,
    loaded_pages: u32,
}

fn set(o: &Object, key: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(key), &v.into());
}

#[wasm_bindgen]
impl NookSite {
    /// `version`: the manifest's site format (4, 5 or 6: how its terms were counted); `build`:
    /// the manifest's build id; `head`: the head file's bytes; the model's and
    /// tokenizer's bytes and the embedder's options, as `NookCore.open` takes them.
    #[wasm_bindgen(constructor)]
    pub fn new(
        version: u32,
        build: String,
        head: Vec<u8>,
        model: js_sys::Uint8Array,
        tokenizer: Vec<u8>,
        options: JsValue,
    ) -> std::result::Result<NookSite, JsValue> {
        init();
        let id = parse_build(&build).map_err(js_error)?;
        let site = SiteIndex::open(version.into(), id, &head).map_err(js_error)?;
        let config = embed_config_from_js(&options).map_err(js_error)?;
        let embed = super::embedder::embedder_of(&model, &tokenizer, config).map_err(js_error)?;
        if embed.dims() != site.head().dims {
            return Err(js_error(Failure::input(format!("the site has {} dimensions, the model {}", site.head().dims, embed.dims()))));
        }
        Ok(NookSite { site, embed, last: None, loaded_bytes: head.len() as f64, loaded_pages: 1 })
    }

    /// Load a fetched page: `path` as the search named it, `bytes` the file.
    pub fn add(&mut self, path: String, bytes: Vec<u8>) -> std::result::Result<(), JsValue> {
        let page = Page::parse(&path).ok_or_else(|| js_error(Failure::input(format!("{path:?} is not a page of a nook site"))))?;
        if self.site.has(page) {
            return Ok(());
        }
        self.site.add(page, &bytes).map_err(js_error)?;
        self.loaded_bytes += bytes.len() as f64;
        self.loaded_pages += 1;
        Ok(())
    }

    /// Every page's path (to fetch the whole site ahead of its queries).
    #[wasm_bindgen(js_name = allPages)]
    pub fn all_pages(&self) -> Vec<String> {
        self.site.all_pages().into_iter().map(Page::path).collect()
    }

    /// `{need: [paths]}` (fetch them, `add` them, ask again) or `{hits}`, hits as a
    /// collection returns them.
    pub fn search(&mut self, query: String, k: f64, hybrid: bool) -> std::result::Result<JsValue, JsValue> {
        self.search_inner(&query, k, hybrid).map_err(js_error)
    }

    fn search_inner(&mut self, query: &str, k: f64, hybrid: bool) -> Result<JsValue> {
        if !(k.is_finite() && k.fract() == 0.0 && k >= 1.0) {
            return Err(Failure::input(format!("k must be a whole number between 1 and 1000, got {k}")));
        }
        let k = k.min(1e6) as usize;
        let q = match &self.last {
            Some((text, q)) if text == query => q.clone(),
            _ => {
                let mut q = Vec::with_capacity(self.embed.dims());
                if crate::text::words(query).next().is_some() {
                    let tokens = Embed::tokenize(&self.embed, query)?;
                    Embed::embed_query(&mut self.embed, &tokens, &mut q)?;
                } else {
                    q.resize(self.embed.dims(), 0.0);
                }
                self.last = Some((query.to_string(), q.clone()));
                q
            }
        };
        let params = self.site.head().params;
        let o = Object::new();
        match self.site.search(&self.embed, &SiteQuery { text: query, q: &q, k, hybrid }, &params)? {
            Step::Need(pages) => set(&o, "need", pages.into_iter().map(|p| JsValue::from(p.path())).collect::<Array>()),
            Step::Done(hits) => set(&o, "hits", hits.iter().map(|h| doc_hit_to_js(h.doc.view(), h.score, h.similarity, h.keyword, query)).collect::<Array>()),
        }
        Ok(o.into())
    }

    /// `{documents, dims, clusters, shards, pagesLoaded, bytesLoaded}`.
    pub fn stats(&self) -> JsValue {
        let h = self.site.head();
        let o = Object::new();
        set(&o, "documents", h.docs as f64);
        set(&o, "dims", h.dims as f64);
        set(&o, "clusters", h.clusters() as f64);
        set(&o, "shards", h.shards.len() as f64);
        set(&o, "pages", self.site.all_pages().len() as f64 + 1.0);
        set(&o, "pagesLoaded", self.loaded_pages as f64);
        set(&o, "bytesLoaded", self.loaded_bytes);
        o.into()
    }
}
