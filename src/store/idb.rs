//! [`IdbStore`]: the [`Store`] on IndexedDB (wasm32, window or worker). One database per
//! collection with three object stores (`meta`, `docs`, `blocks`), out-of-line numeric
//! keys, `Uint8Array` values. Every commit is one readwrite transaction over all three:
//! the browser applies all of it or none (a quota error aborts it whole).
//!
//! Only moves bytes; knows nothing of what they mean.

use js_sys::{Array, Promise, Uint8Array};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use web_sys::{IdbDatabase, IdbFactory, IdbKeyRange, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::{Failure, Kind, MANIFEST_KEY, Records, Result, Snapshot, Store, Table, Write};

const DB_VERSION: u32 = 1;

/// An open IndexedDB database holding one collection.
pub struct IdbStore {
    db: IdbDatabase,
    name: String,
    /// Set when another connection deleted or upgraded the database: this one let go.
    gone: std::rc::Rc<std::cell::Cell<bool>>,
}

/// A storage failure from a JS value (usually a `DOMException`).
pub fn failure(what: &str, e: &JsValue) -> Failure {
    let name = js_sys::Reflect::get(e, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let message = js_sys::Reflect::get(e, &"message".into()).ok().and_then(|v| v.as_string()).unwrap_or_else(|| format!("{e:?}"));
    let kind = if name == "QuotaExceededError" { Kind::Quota } else { Kind::Storage };
    let hint = if kind == Kind::Quota {
        " (the browser's storage quota is full: nothing of this operation was written; free space or call navigator.storage.persist())"
    } else {
        ""
    };
    Failure::new(kind, format!("IndexedDB {what} failed: {name} {message}{hint}"))
}

fn factory() -> Result<IdbFactory> {
    let global = js_sys::global();
    let f = js_sys::Reflect::get(&global, &"indexedDB".into()).map_err(|e| failure("lookup", &e))?;
    f.dyn_into::<IdbFactory>().map_err(|_| Failure::new(Kind::Storage, "IndexedDB is not available in this context (private mode or a sandboxed frame?)"))
}

/// A promise settled by `req`'s outcome (its handlers are attached now, so an outcome
/// that arrives before anyone awaits it is kept).
fn settled(req: &IdbRequest) -> JsFuture {
    settled_with(req, Ok)
}

/// [`settled`], the result first handed to `then` inside the success event (where the
/// request's transaction is still active, so `then` may issue more requests on it); the
/// promise resolves with what `then` returns, or rejects with its error.
fn settled_with(req: &IdbRequest, then: impl FnOnce(JsValue) -> std::result::Result<JsValue, JsValue> + 'static) -> JsFuture {
    let mut then = Some(then);
    let promise = Promise::new(&mut |resolve, reject| {
        let (r, then, bad) = (req.clone(), then.take(), reject.clone());
        let ok = Closure::once_into_js(move || {
            let outcome = then.map_or(Ok(JsValue::UNDEFINED), |f| f(r.result().unwrap_or(JsValue::UNDEFINED)));
            let _ = match outcome {
                Ok(v) => resolve.call1(&JsValue::NULL, &v),
                Err(e) => bad.call1(&JsValue::NULL, &e),
            };
        });
        let r = req.clone();
        let err = Closure::once_into_js(move || {
            let e = r.error().ok().flatten().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise)
}

/// Resolve when `req` succeeds (with its result), reject with its error.
async fn request(req: &IdbRequest, what: &str) -> Result<JsValue> {
    settled(req).await.map_err(|e| failure(what, &e))
}

/// Resolve when `tx` completes, reject when it errors or aborts.
async fn finished(tx: IdbTransaction, what: &'static str) -> Result<()> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let rej = reject.clone();
        let bad = Closure::once_into_js(move || {
            let e = t.error().map(JsValue::from).unwrap_or_else(|| JsValue::from_str("transaction aborted"));
            let _ = rej.call1(&JsValue::NULL, &e);
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onabort(Some(bad.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| failure(what, &e))
}

fn names() -> Array {
    Table::ALL.iter().map(|t| JsValue::from_str(t.name())).collect()
}

impl IdbStore {
    /// Open (creating if needed) the database `name`.
    pub async fn open(name: &str) -> Result<IdbStore> {
        Self::open_with(name, None).await
    }

    /// Open the database `name`, adopting `ready` (a connection the caller opened while it
    /// did other work, e.g. while the wasm module compiled) when it is one to this version
    /// of an existing nook database; otherwise (closing it) open, creating if needed.
    pub async fn open_with(name: &str, ready: Option<IdbDatabase>) -> Result<IdbStore> {
        if let Some(db) = ready {
            let have = db.object_store_names();
            if db.name() == name && db.version() == f64::from(DB_VERSION) && Table::ALL.iter().all(|t| have.contains(t.name())) {
                return Ok(Self::adopt(db, name));
            }
            db.close();
        }
        let req: IdbOpenDbRequest = factory()?.open_with_u32(name, DB_VERSION).map_err(|e| failure("open", &e))?;
        let r = req.clone();
        let upgrade = Closure::once_into_js(move || {
            if let Ok(db) = r.result().and_then(|d| d.dyn_into::<IdbDatabase>()) {
                let have = db.object_store_names();
                for t in Table::ALL {
                    if !have.contains(t.name()) {
                        let _ = db.create_object_store(t.name());
                    }
                }
            }
        });
        req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let blocked = Closure::<dyn FnMut()>::new(|| {});
        req.set_onblocked(Some(blocked.as_ref().unchecked_ref()));
        let db = request(&req, "open").await?;
        drop(blocked);
        let db: IdbDatabase = db.dyn_into().map_err(|_| Failure::new(Kind::Storage, "IndexedDB open returned no database"))?;
        let have = db.object_store_names();
        if Table::ALL.iter().any(|t| !have.contains(t.name())) {
            return Err(Failure::new(Kind::Version, format!("IndexedDB database {name:?} is not a nook database of this version")));
        }
        Ok(Self::adopt(db, name))
    }

    fn adopt(db: IdbDatabase, name: &str) -> IdbStore {
        // Another connection deleting or upgrading the database (Nook.deleteDatabase, another
        // tab): let it, and remember, so this instance stops answering from what it holds.
        let d = db.clone();
        let gone = std::rc::Rc::new(std::cell::Cell::new(false));
        let g = gone.clone();
        let vc = Closure::<dyn FnMut()>::new(move || {
            g.set(true);
            d.close();
        });
        db.set_onversionchange(Some(vc.as_ref().unchecked_ref()));
        vc.forget();
        IdbStore { db, name: name.to_string(), gone }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// True once another connection deleted or upgraded the database.
    pub fn is_gone(&self) -> bool {
        self.gone.get()
    }

    pub fn close(&self) {
        self.db.close();
    }

    /// Delete the database `name` (all of its data).
    pub async fn delete_database(name: &str) -> Result<()> {
        let req = factory()?.delete_database(name).map_err(|e| failure("deleteDatabase", &e))?;
        request(&req, "deleteDatabase").await.map(|_| ())
    }

    fn tx(&self, mode: IdbTransactionMode) -> Result<IdbTransaction> {
        self.db
            .transaction_with_str_sequence_and_mode(&names(), mode)
            .map_err(|e| Failure::new(Kind::State, format!("IndexedDB transaction could not start (database closed?): {e:?}")))
    }

    /// A commit's writes issued now, in one readwrite transaction; the future says whether
    /// the browser applied them (all) or aborted it (none). It holds no borrow of the
    /// store, so a caller may let the transaction finish on its own.
    pub fn issue(&self, writes: &[Write]) -> Result<impl std::future::Future<Output = Result<()>> + 'static> {
        let tx = if writes.is_empty() { None } else { Some(self.tx(IdbTransactionMode::Readwrite)?) };
        if let Some(tx) = &tx {
            let mut stores = Vec::new();
            for t in Table::ALL {
                stores.push(tx.object_store(t.name()).map_err(|e| failure("objectStore", &e))?);
            }
            for w in writes {
                let os = &stores[w.table.code() as usize];
                let key = JsValue::from_f64(w.key as f64);
                let r = match &w.value {
                    Some(v) => os.put_with_key(&Uint8Array::from(v.as_slice()), &key),
                    None => os.delete(&key),
                };
                if let Err(e) = r {
                    let _ = tx.abort();
                    return Err(failure("write", &e));
                }
            }
        }
        Ok(async move {
            match tx {
                Some(tx) => finished(tx, "commit").await,
                None => Ok(()),
            }
        })
    }
}

fn key_of(v: &JsValue) -> Result<u64> {
    v.as_f64().filter(|k| *k >= 0.0 && k.fract() == 0.0).map(|k| k as u64).ok_or_else(|| Failure::corrupt("an IndexedDB record has a non-numeric key"))
}

/// A load whose requests are in flight, all in one readonly transaction:
/// [`IdbStore::begin_load`] issues them, so the browser reads while the caller does other
/// work (building the embedder). The meta and index-block tables come whole
/// ([`PendingLoad::head`]); the documents in key ranges ([`PendingLoad::next_docs`]), so
/// the first parts can be indexed while the browser still reads the rest.
pub struct PendingLoad {
    meta: Option<(JsFuture, JsFuture)>,
    blocks: Option<(JsFuture, JsFuture)>,
    /// Settles once the document reads are issued (from the manifest read's success).
    issued: Option<JsFuture>,
    docs: Rc<RefCell<VecDeque<(JsFuture, JsFuture)>>>,
}

/// Splits the documents table, given the manifest record's bytes (if any): the keys where
/// one part ends and the next begins, ascending (none: one part).
pub type DocSplits = Box<dyn FnOnce(Option<&[u8]>) -> Vec<u64>>;

impl IdbStore {
    /// Issue the reads of every record (one readonly transaction) without waiting for
    /// them. The documents' reads are issued, in the parts `split` says, as soon as the
    /// manifest record is read (in its success event, where the transaction is active):
    /// await [`PendingLoad::issued`] before keeping the thread busy.
    pub fn begin_load(&self, split: DocSplits) -> Result<PendingLoad> {
        let tx = self.tx(IdbTransactionMode::Readonly)?;
        let store = |t: Table| tx.object_store(t.name()).map_err(|e| failure("objectStore", &e));
        let whole = |t: Table| -> Result<(JsFuture, JsFuture)> {
            let os = store(t)?;
            let keys = os.get_all_keys().map_err(|e| failure("getAllKeys", &e))?;
            let values = os.get_all().map_err(|e| failure("getAll", &e))?;
            Ok((settled(&keys), settled(&values)))
        };
        let manifest = store(Table::Meta)?.get(&JsValue::from_f64(MANIFEST_KEY as f64)).map_err(|e| failure("get", &e))?;
        let meta = whole(Table::Meta)?;
        let blocks = whole(Table::Blocks)?;
        let docs_os = store(Table::Docs)?;
        let docs = Rc::new(RefCell::new(VecDeque::new()));
        let queue = docs.clone();
        let issued = settled_with(&manifest, move |record| {
            let bytes = record.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec());
            *queue.borrow_mut() = doc_parts(&docs_os, &split(bytes.as_deref()))?;
            Ok(JsValue::UNDEFINED)
        });
        Ok(PendingLoad { meta: Some(meta), blocks: Some(blocks), issued: Some(issued), docs })
    }
}

/// Issue the reads of the documents table in key ranges cut at `cuts` (the first part
/// unbounded below, the last unbounded above: every key is in exactly one part).
fn doc_parts(os: &web_sys::IdbObjectStore, cuts: &[u64]) -> std::result::Result<VecDeque<(JsFuture, JsFuture)>, JsValue> {
    let key = |k: u64| JsValue::from_f64(k as f64);
    let mut ranges: Vec<Option<IdbKeyRange>> = Vec::new();
    if cuts.is_empty() {
        ranges.push(None);
    } else {
        ranges.push(Some(IdbKeyRange::upper_bound_with_open(&key(cuts[0]), true)?));
        for w in cuts.windows(2) {
            ranges.push(Some(IdbKeyRange::bound_with_lower_open_and_upper_open(&key(w[0]), &key(w[1]), false, true)?));
        }
        ranges.push(Some(IdbKeyRange::lower_bound(&key(cuts[cuts.len() - 1]))?));
    }
    let mut parts = VecDeque::with_capacity(ranges.len());
    for range in ranges {
        let (keys, values) = match &range {
            None => (os.get_all_keys()?, os.get_all()?),
            Some(r) => (os.get_all_keys_with_key(r)?, os.get_all_with_key(r)?),
        };
        parts.push_back((settled(&keys), settled(&values)));
    }
    Ok(parts)
}

/// The records one `getAllKeys` and `getAll` pair returned.
async fn records(t: Table, (keys, values): (JsFuture, JsFuture)) -> Result<Records> {
    let keys = keys.await.map_err(|e| failure("getAllKeys", &e))?;
    let values = values.await.map_err(|e| failure("getAll", &e))?;
    let (keys, values) = (Array::from(&keys), Array::from(&values));
    if keys.length() != values.length() {
        return Err(Failure::corrupt("IndexedDB returned different numbers of keys and values"));
    }
    let mut recs = Vec::with_capacity(keys.length() as usize);
    for i in 0..keys.length() {
        let v = values.get(i);
        let bytes = v.dyn_ref::<Uint8Array>().ok_or_else(|| Failure::corrupt(format!("a record in {} is not bytes", t.name())))?;
        recs.push((key_of(&keys.get(i))?, bytes.to_vec()));
    }
    Ok(recs)
}

impl PendingLoad {
    /// Wait until the document reads are issued (the manifest read: milliseconds).
    pub async fn issued(&mut self) -> Result<()> {
        if let Some(f) = self.issued.take() {
            f.await.map_err(|e| failure("get", &e))?;
        }
        Ok(())
    }

    /// The meta and index-block records (once; empty after).
    pub async fn head(&mut self) -> Result<(Records, Records)> {
        let meta = match self.meta.take() {
            Some(m) => records(Table::Meta, m).await?,
            None => Vec::new(),
        };
        let blocks = match self.blocks.take() {
            Some(b) => records(Table::Blocks, b).await?,
            None => Vec::new(),
        };
        Ok((meta, blocks))
    }

    /// The next part of the document records, in key order; None once all were given.
    pub async fn next_docs(&mut self) -> Result<Option<Records>> {
        self.issued().await?;
        let next = self.docs.borrow_mut().pop_front();
        match next {
            Some(part) => Ok(Some(records(Table::Docs, part).await?)),
            None => Ok(None),
        }
    }

    /// Every record the reads returned.
    pub async fn finish(mut self) -> Result<Snapshot> {
        let (meta, blocks) = self.head().await?;
        let mut snap = Snapshot { meta, blocks, docs: Vec::new() };
        while let Some(mut part) = self.next_docs().await? {
            snap.docs.append(&mut part);
        }
        Ok(snap)
    }
}

impl Store for IdbStore {
    async fn load(&self) -> Result<Snapshot> {
        self.begin_load(Box::new(|_| Vec::new()))?.finish().await
    }

    async fn get(&self, table: Table, key: u64) -> Result<Option<Vec<u8>>> {
        let tx = self.tx(IdbTransactionMode::Readonly)?;
        let os = tx.object_store(table.name()).map_err(|e| failure("objectStore", &e))?;
        let v = request(&os.get(&JsValue::from_f64(key as f64)).map_err(|e| failure("get", &e))?, "get").await?;
        if v.is_undefined() {
            return Ok(None);
        }
        let bytes = v.dyn_ref::<Uint8Array>().ok_or_else(|| Failure::corrupt(format!("a record in {} is not bytes", table.name())))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn commit(&self, writes: &[Write]) -> Result<()> {
        self.issue(writes)?.await
    }

    async fn clear(&self) -> Result<()> {
        let tx = self.tx(IdbTransactionMode::Readwrite)?;
        let done = finished(tx.clone(), "clear");
        for t in Table::ALL {
            let os = tx.object_store(t.name()).map_err(|e| failure("objectStore", &e))?;
            os.clear().map_err(|e| failure("clear", &e))?;
        }
        done.await
    }
}
