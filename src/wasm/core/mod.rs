//! `NookCore`: one open collection in a worker (or a page): IndexedDB store, embedder,
//! collection. Every method that touches storage returns a Promise; state lives in an
//! `Rc<Shared>` cloned into each future, and `RefCell` borrows end before any `.await`.
//! Writes are serialised: a second write while one is pending fails with
//! `NookStateError` (the worker queues calls, so it never sees that).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{docs_from_js, embed_config_from_js, embedded_from_js, ids_from_js, sequences_to_js, settings_from_js, stats_to_js};
use super::{init, js_error};
use crate::collection::manifest::Manifest;
use crate::collection::{Collection, Doc, ModelMark, Precomputed, Settings, export, split_sequences};
use crate::embed::Embedder;
use crate::store::idb::IdbStore;
use crate::store::{Failure, Kind, MANIFEST_KEY, Result, Store, Table};

struct Shared {
    store: IdbStore,
    settings: Settings,
    dims: usize,
    /// The model's mark: every (re)load of the collection is bound to it.
    model: ModelMark,
    coll: RefCell<Collection>,
    embed: RefCell<Embedder>,
    writing: Cell<bool>,
    closed: Cell<bool>,
    /// The last query's text and embedding: a preview and the exact search after it (and
    /// search-as-you-type repeats) embed the query once.
    last_query: RefCell<Option<(String, Vec<f32>)>>,
    /// Where this open's time went (`stats().open`).
    open_ms: OpenTiming,
}

/// One open nook database (see the module docs).
#[wasm_bindgen]
pub struct NookCore {
    shared: Rc<Shared>,
}

use super::timing::now;

mod open;
mod search;
mod warm;

pub(super) use open::OpenTiming;
use open::{Commit, Files, opened};

fn promise<F>(f: F) -> Promise
where
    F: std::future::Future<Output = Result<JsValue>> + 'static,
{
    future_to_promise(async move { f.await.map_err(js_error) })
}

impl Shared {
    fn check_open(&self) -> Result<()> {
        if self.closed.get() {
            return Err(Failure::new(Kind::State, "this nook database is closed: open it again"));
        }
        if self.store.is_gone() {
            return Err(Failure::new(Kind::State, "this nook database was deleted (Nook.deleteDatabase, here or in another tab) or upgraded: open it again"));
        }
        Ok(())
    }

    /// Reload the collection from the store (after a failed commit, or another tab's write).
    async fn reload(&self) -> Result<()> {
        let snap = self.store.load().await?;
        let mut c = Collection::load(self.settings.clone(), self.dims, &snap)?;
        c.bind_model(self.model.clone())?;
        *self.coll.borrow_mut() = c;
        Ok(())
    }

    /// A mutation's outcome in memory: on failure, the collection is reloaded from the store
    /// if the mutation had already changed it, and the error returned.
    async fn settle<T>(&self, result: Result<T>) -> Result<T> {
        if result.is_err() && self.coll.borrow().is_dirty() {
            self.reload().await?;
        }
        result
    }

    /// Commit writes; on failure restore the last committed state and return the error.
    async fn commit(&self, writes: Vec<crate::store::Write>) -> Result<()> {
        if let Err(e) = self.store.commit(&writes).await {
            self.reload().await?;
            return Err(e);
        }
        Ok(())
    }

    fn begin_write(&self) -> Result<WriteGuard<'_>> {
        self.check_open()?;
        if self.writing.replace(true) {
            return Err(Failure::new(Kind::State, "another add/delete is still running on this object: await it first"));
        }
        Ok(WriteGuard(&self.writing))
    }
}

struct WriteGuard<'a>(&'a Cell<bool>);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

async fn open_shared(name: String, files: Files, options: JsValue, import: Option<(Vec<u8>, Commit)>, ready: Option<web_sys::IdbDatabase>) -> Result<NookCore> {
    init();
    if name.is_empty() {
        return Err(Failure::input("the database name must not be empty"));
    }
    let settings = settings_from_js(&options)?;
    let embed_config = embed_config_from_js(&options)?;
    let t0 = now();
    let store = IdbStore::open_with(&name, ready).await?;
    match opened(&store, &name, &settings, (files, embed_config), import, t0).await {
        Ok((coll, embed, model, open_ms)) => {
            let dims = embed.dims();
            Ok(NookCore {
                shared: Rc::new(Shared {
                    store,
                    settings,
                    dims,
                    model,
                    coll: RefCell::new(coll),
                    embed: RefCell::new(embed),
                    writing: Cell::new(false),
                    closed: Cell::new(false),
                    last_query: RefCell::new(None),
                    open_ms,
                }),
            })
        }
        Err(e) => {
            // A failed open keeps no connection: the database stays deletable at once.
            store.close();
            Err(e)
        }
    }
}

#[wasm_bindgen]
impl NookCore {
    /// Open (or create) the database `name` with the model and tokenizer: `files`, a promise
    /// of `[model, tokenizer]` bytes (`Uint8Array`s), awaited once the database's reads are
    /// issued (a rejection fails the open with a `NookInputError`: the caller keeps the reason).
    /// Options: the collection's settings (`{pruneAt, cacheSize, maxTextBytes, keywordWeight,
    /// rerank, ef, pqSubspaces, …}`) and the embedder's (`{maxTokens, pooling, heads}`).
    /// `ready`: a connection to the database the caller opened meanwhile (used when it is
    /// one to an existing nook database of this version, else closed).
    pub async fn open(name: String, files: Promise, options: JsValue, ready: Option<web_sys::IdbDatabase>) -> Result<NookCore, JsValue> {
        open_shared(name, Files::Promised(files), options, None, ready).await.map_err(js_error)
    }

    /// Create database `name` from `export()` bytes; fails if it already exists.
    #[wasm_bindgen(js_name = import)]
    pub async fn import_bytes(name: String, bytes: Vec<u8>, model: Uint8Array, tokenizer: Vec<u8>, options: JsValue) -> Result<NookCore, JsValue> {
        open_shared(name, Files::Bytes(model, tokenizer), options, Some((bytes, Commit::Awaited)), None).await.map_err(js_error)
    }

    /// [`NookCore::import_bytes`] for a read-only copy (a site's prebuilt index): resolves
    /// once the collection answers, its records' write issued but not awaited.
    #[wasm_bindgen(js_name = importCopy)]
    pub async fn import_copy(name: String, bytes: Vec<u8>, model: Uint8Array, tokenizer: Vec<u8>, options: JsValue) -> Result<NookCore, JsValue> {
        open_shared(name, Files::Bytes(model, tokenizer), options, Some((bytes, Commit::Detached)), None).await.map_err(js_error)
    }

    /// Delete a database and all of its data.
    #[wasm_bindgen(js_name = deleteDatabase)]
    pub async fn delete_database(name: String) -> Result<(), JsValue> {
        init();
        IdbStore::delete_database(&name).await.map_err(js_error)
    }

    /// Add or update documents (one transaction). Resolves to `{added, updated, unchanged}`.
    /// `embedded` (optional): `{tokens, lengths, vectors}`, the embeddings a `NookEmbedder`
    /// made of what [`NookCore::tokens`] gave for these documents; the rest are embedded here.
    pub fn add(&self, docs: JsValue, embedded: JsValue) -> Promise {
        let s = self.shared.clone();
        promise(async move {
            let _w = s.begin_write()?;
            let docs: Vec<Doc> = docs_from_js(&docs)?;
            let embedded = embedded_from_js(&embedded)?;
            let result = {
                let mut c = s.coll.borrow_mut();
                let mut e = s.embed.borrow_mut();
                match &embedded {
                    None => c.add(&mut *e, docs),
                    Some(m) => {
                        let seqs = split_sequences(&m.tokens, &m.lengths, e.config().max_tokens)?;
                        let mut pre = Precomputed::new(&mut *e, &seqs, &m.vectors)?;
                        c.add(&mut pre, docs)
                    }
                }
            };
            let (writes, report) = s.settle(result).await?;
            s.commit(writes).await?;
            let o = Object::new();
            let _ = Reflect::set(&o, &"added".into(), &(report.added as f64).into());
            let _ = Reflect::set(&o, &"updated".into(), &(report.updated as f64).into());
            let _ = Reflect::set(&o, &"unchanged".into(), &(report.unchanged as f64).into());
            Ok(o.into())
        })
    }

    /// Token ids of the documents `add(docs)` would embed (new or changed), as
    /// `{tokens: Uint32Array, lengths: Uint32Array}`: what a `NookEmbedder` in another
    /// worker embeds so that this one only indexes and commits.
    pub fn tokens(&self, docs: JsValue) -> Result<JsValue, JsValue> {
        let docs = docs_from_js(&docs).map_err(js_error)?;
        let e = self.shared.embed.borrow();
        let seqs = self.shared.coll.borrow().tokens_to_embed(&*e, &docs).map_err(js_error)?;
        Ok(sequences_to_js(&seqs))
    }

    /// Embeddings of sequences [`NookCore::tokens`] gave, made exactly as `add` would make
    /// them: the nook worker's own share of a large add whose chunks helpers also embed.
    #[wasm_bindgen(js_name = embedTokens)]
    pub fn embed_tokens(&self, tokens: Vec<u32>, lengths: Vec<u32>) -> Result<js_sys::Float32Array, JsValue> {
        self.shared.check_open().map_err(js_error)?;
        super::embedder::embed_sequences(&mut self.shared.embed.borrow_mut(), &tokens, &lengths).map_err(js_error)
    }

    /// Check a batch without adding it (ids, duplicates, types, sizes).
    pub fn validate(&self, docs: JsValue) -> Result<(), JsValue> {
        let docs = docs_from_js(&docs).map_err(js_error)?;
        self.shared.coll.borrow().validate(&docs).map_err(js_error)
    }

    /// Delete documents by id (one transaction). Unknown ids: `NookNotFoundError`,
    /// nothing deleted. Resolves to the number deleted.
    pub fn delete(&self, ids: JsValue) -> Promise {
        let s = self.shared.clone();
        promise(async move {
            let _w = s.begin_write()?;
            let ids = ids_from_js(&ids)?;
            let n = ids.len();
            let result = s.coll.borrow_mut().delete(&ids);
            let writes = s.settle(result).await?;
            s.commit(writes).await?;
            Ok((n as f64).into())
        })
    }

    /// Move up to `pages` pages' worth of small documents stored alone (a database written
    /// before pages) into their pages, in one transaction; content is unchanged. Resolves
    /// to how many are left alone (0: nothing to do).
    #[wasm_bindgen(js_name = packLoose)]
    pub fn pack_loose(&self, pages: u32) -> Promise {
        let s = self.shared.clone();
        promise(async move {
            let _w = s.begin_write()?;
            let writes = s.coll.borrow_mut().pack_loose(pages as usize);
            if !writes.is_empty() {
                s.commit(writes).await?;
            }
            Ok((s.coll.borrow().loose() as f64).into())
        })
    }

    /// Give up to `n` long documents written before they kept their embedding (an earlier
    /// nook) their kept one, in one transaction (see `Collection::keep_long`). Resolves to
    /// how many are left (0: nothing to do).
    #[wasm_bindgen(js_name = keepLong)]
    pub fn keep_long(&self, n: u32) -> Promise {
        let s = self.shared.clone();
        promise(async move {
            let _w = s.begin_write()?;
            let result = {
                let mut e = s.embed.borrow_mut();
                s.coll.borrow_mut().keep_long(&mut *e, n as usize)
            };
            let (writes, left) = s.settle(result).await?;
            if !writes.is_empty() {
                s.commit(writes).await?;
            }
            Ok((left as f64).into())
        })
    }

    /// Unit-length embeddings of `texts` (row-major, `texts.length * dims` floats): the
    /// vectors nook indexes, for callers who want them (and for measuring recall).
    pub fn embed(&self, texts: Vec<String>) -> Result<js_sys::Float32Array, JsValue> {
        use crate::collection::Embed;
        self.shared.check_open().map_err(js_error)?;
        let mut e = self.shared.embed.borrow_mut();
        let tokens = texts.iter().map(|t| Embed::tokenize(&*e, t)).collect::<Result<Vec<_>>>().map_err(js_error)?;
        let seqs: Vec<&[u32]> = tokens.iter().map(Vec::as_slice).collect();
        let mut out = Vec::with_capacity(texts.len() * self.shared.dims);
        Embed::embed_tokens(&mut *e, &seqs, &mut out).map_err(js_error)?;
        Ok(js_sys::Float32Array::from(out.as_slice()))
    }

    /// Counts and bytes by part, and what an f32 HNSW would take (`hnswBytes`).
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        self.shared.check_open().map_err(js_error)?;
        Ok(stats_to_js(&self.shared.coll.borrow().stats(), self.shared.dims, self.shared.open_ms))
    }

    /// The committed generation held in memory.
    pub fn generation(&self) -> f64 {
        self.shared.coll.borrow().generation() as f64
    }

    /// Reload if another tab committed a newer generation. Resolves to true if reloaded.
    pub fn refresh(&self) -> Promise {
        let s = self.shared.clone();
        promise(async move {
            s.check_open()?;
            let stored = match s.store.get(Table::Meta, MANIFEST_KEY).await? {
                Some(b) => Manifest::generation_of(&b)?,
                None => 0,
            };
            if stored == s.coll.borrow().generation() {
                return Ok(false.into());
            }
            s.reload().await?;
            Ok(true.into())
        })
    }

    /// Every record in one self-checking byte string (see collection::export).
    pub fn export(&self) -> Result<Uint8Array, JsValue> {
        self.shared.check_open().map_err(js_error)?;
        let bytes = export::encode(&self.shared.coll.borrow().snapshot());
        Ok(Uint8Array::from(bytes.as_slice()))
    }

    /// Close the database; later calls fail with `NookStateError`.
    pub fn close(&self) {
        if !self.shared.closed.replace(true) {
            self.shared.store.close();
        }
    }
}
