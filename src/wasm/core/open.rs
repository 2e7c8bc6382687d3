//! What an open reads and rebuilds: the model's files and the database's records (or an
//! import's bytes), into the collection, the embedder and the model's mark.
//!
//! Both arrive from elsewhere: the files from the Cache API, the network or an extension's
//! package, the records from IndexedDB, and after a browser start the browser process
//! serves both slowly (80,000 bookmarks in the extension: the 23 MB model file ~0.15-0.35 s
//! after the wasm, the documents' last part ~0.5 s after their reads were issued). So the
//! reads are issued first, and then this thread works on whichever arrives first: it indexes
//! each part of the documents as it comes ([`Loading::docs`]) and builds the model once its
//! files are there, instead of idling until the files came and only then taking the parts
//! (ARCHITECTURE.md, "What an open costs").

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::super::timing::now;
use crate::collection::{Collection, Loading, ModelMark, Settings, doc_splits, export};
use crate::embed::{EmbedConfig, Embedder};
use crate::store::idb::{IdbStore, PendingLoad};
use crate::store::{Failure, Kind, MANIFEST_KEY, Result, Store, Table};

/// Milliseconds of an open, by step. The records are read while the model's files arrive
/// and the model is built, so `read` is only the time this thread had nothing to do.
#[derive(Clone, Copy, Default)]
pub(in crate::wasm) struct OpenTiming {
    /// Opening the IndexedDB connection (only checking it when the worker opened it while
    /// the wasm compiled) and reading the manifest, which issues the documents' reads.
    pub store: f64,
    /// Parsing and optimising the model, and its mark.
    pub model: f64,
    /// Waiting, with nothing else to do, for the records or the model's files (or decoding
    /// an import).
    pub read: f64,
    /// Rebuilding the collection from its records (checksums, index, documents, keywords).
    pub load: f64,
    /// An import only: writing its records to IndexedDB (0 for an open; for a site's
    /// copy, issuing them: the write finishes after the open).
    pub write: f64,
}

/// How an import's records reach IndexedDB.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Commit {
    /// Written before the open resolves (`Nook.import`).
    Awaited,
    /// Issued, and left to finish while the collection already answers: a read-only copy
    /// of a site's index, which its next open checks (document count) and fetches again
    /// if the write did not land.
    Detached,
}

/// The model's files (ONNX model, tokenizer.json) for an open.
pub(super) enum Files {
    Bytes(Uint8Array, Vec<u8>),
    /// A promise of `[model, tokenizer]` (`Uint8Array`s), awaited once the database's reads
    /// are issued, so that IndexedDB reads the records while the files still arrive. A
    /// rejected promise fails the open; its caller has the reason.
    Promised(Promise),
}

impl Files {
    async fn bytes(self) -> Result<(Uint8Array, Vec<u8>)> {
        let promise = match self {
            Files::Bytes(model, tokenizer) => return Ok((model, tokenizer)),
            Files::Promised(p) => p,
        };
        let pair = JsFuture::from(promise).await.map_err(|_| Failure::input("the model files could not be read"))?;
        let files = pair.dyn_into::<Array>().ok().and_then(|a| Some((a.get(0).dyn_into::<Uint8Array>().ok()?, a.get(1).dyn_into::<Uint8Array>().ok()?)));
        let (model, tokenizer) = files.ok_or_else(|| Failure::input("the model files must come as [model, tokenizer] Uint8Arrays"))?;
        Ok((model, tokenizer.to_vec()))
    }
}

/// The embedder and its mark, from the model's files.
fn model_of((model, tokenizer): (Uint8Array, Vec<u8>), config: EmbedConfig) -> Result<(Embedder, ModelMark)> {
    let mut embed = super::super::embedder::embedder_of(&model, &tokenizer, config)?;
    drop((model, tokenizer));
    let mark = ModelMark::of(&mut embed)?;
    Ok((embed, mark))
}

impl OpenTiming {
    /// [`model_of`] the files that arrived (or their error), timed as `model`.
    fn build(&mut self, files: Result<(Uint8Array, Vec<u8>)>, config: EmbedConfig) -> Result<(Embedder, ModelMark)> {
        let t = now();
        let built = model_of(files?, config);
        self.model = now() - t;
        built
    }

    /// `files` awaited, the wait timed as `read`, then [`OpenTiming::build`].
    async fn build_when(&mut self, files: impl Future<Output = Result<(Uint8Array, Vec<u8>)>>, config: EmbedConfig) -> Result<(Embedder, ModelMark)> {
        let t = now();
        let files = files.await;
        self.read += now() - t;
        self.build(files, config)
    }
}

/// An open reads the documents in about this many parts, of at least `DOC_PART_MIN` keys
/// (80,000 bookmarks: 8 parts; the first arrives in ~0.2 s, all in ~0.8 s, and indexing a
/// part takes less than reading the next, measured in Chromium).
const DOC_PARTS: u64 = 8;
const DOC_PART_MIN: u64 = 4096;

/// The collection, embedder and model mark of an open: the stored records, or `import`'s
/// bytes written to the (empty) database; refused when they were built with another model.
pub(super) async fn opened(
    store: &IdbStore,
    name: &str,
    settings: &Settings,
    (files, embed_config): (Files, EmbedConfig),
    import: Option<(Vec<u8>, Commit)>,
    connecting: f64,
) -> Result<(Collection, Embedder, ModelMark, OpenTiming)> {
    let Some((bytes, commit)) = import else {
        // The documents' reads are issued (from the manifest's, a few milliseconds) before
        // anything keeps this thread busy.
        let mut pending = store.begin_load(Box::new(|m| doc_splits(m, DOC_PARTS, DOC_PART_MIN)))?;
        pending.issued().await?;
        let issued = now();
        let (coll, embed, mark, mut timing) = load_stored(pending, settings, (files, embed_config)).await?;
        timing.store = issued - connecting;
        return Ok((coll, embed, mark, timing));
    };
    let t0 = now();
    let (embed, mark) = model_of(files.bytes().await?, embed_config)?;
    let t1 = now();
    let snap = export::decode(&bytes)?;
    let t2 = now();
    let mut coll = Collection::load(settings.clone(), embed.dims(), &snap)?;
    coll.bind_model(mark.clone())?;
    let t3 = now();
    let mut timing = OpenTiming { store: t0 - connecting, model: t1 - t0, read: t2 - t1, load: t3 - t2, write: 0.0 };
    if store.get(Table::Meta, MANIFEST_KEY).await?.is_some() {
        return Err(Failure::new(Kind::State, format!("database {name:?} already exists: delete it first (Nook.deleteDatabase) or import under another name")));
    }
    let written = store.issue(&snap.writes())?;
    if commit == Commit::Detached {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = written.await {
                web_sys::console::warn_1(&format!("nook: the stored copy was not written ({e}); the next open fetches it again").into());
            }
        });
    } else {
        written.await?;
    }
    timing.write = now() - t3;
    Ok((coll, embed, mark, timing))
}

/// The model while an open runs: its files still arriving, or built.
enum Model<F> {
    Arriving(Pin<Box<F>>),
    Built(Box<(Embedder, ModelMark)>),
}

/// What came first of two things awaited.
enum First<A, B> {
    Files(A),
    Part(B),
}

/// Whichever of `files` and `part` is ready first (`files` when both are).
async fn first<A, B>(mut files: Pin<&mut impl Future<Output = A>>, mut part: Pin<&mut impl Future<Output = B>>) -> First<A, B> {
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = files.as_mut().poll(cx) {
            return Poll::Ready(First::Files(v));
        }
        part.as_mut().poll(cx).map(First::Part)
    })
    .await
}

/// The stored collection rebuilt from its records (the documents part by part as they
/// arrive) and the model built from its files, in the order they arrive (module docs).
/// `store` of the timing is left to the caller.
async fn load_stored(
    mut pending: PendingLoad,
    settings: &Settings,
    (files, embed_config): (Files, EmbedConfig),
) -> Result<(Collection, Embedder, ModelMark, OpenTiming)> {
    let mut timing = OpenTiming::default();
    let t = now();
    let (meta, blocks) = pending.head().await?;
    timing.read += now() - t;
    let t = now();
    let stored = Loading::stored(settings.clone(), &meta, &blocks)?;
    timing.load += now() - t;
    let Some(mut loading) = stored else {
        // A new database: nothing to index before the model gives the collection its width.
        let (embed, mark) = timing.build_when(files.bytes(), embed_config).await?;
        let mut coll = Loading::begin(settings.clone(), embed.dims(), &meta, &blocks)?.finish()?;
        coll.bind_model(mark.clone())?;
        return Ok((coll, embed, mark, timing));
    };
    drop((meta, blocks));
    let mut model = Model::Arriving(Box::pin(files.bytes()));
    loop {
        let part = {
            let mut next = std::pin::pin!(pending.next_docs());
            loop {
                let Model::Arriving(files) = &mut model else {
                    let t = now();
                    let part = next.await;
                    timing.read += now() - t;
                    break part;
                };
                let t = now();
                let got = first(files.as_mut(), next.as_mut()).await;
                timing.read += now() - t;
                match got {
                    First::Part(part) => break part,
                    First::Files(bytes) => model = Model::Built(Box::new(timing.build(bytes, embed_config.clone())?)),
                }
            }
        };
        let Some(part) = part? else { break };
        let t = now();
        loading.docs(&part)?;
        timing.load += now() - t;
    }
    let (embed, mark) = match model {
        Model::Built(built) => *built,
        Model::Arriving(files) => timing.build_when(files, embed_config).await?,
    };
    let t = now();
    loading.check_dims(embed.dims())?;
    let mut coll = loading.finish()?;
    coll.bind_model(mark.clone())?;
    timing.load += now() - t;
    Ok((coll, embed, mark, timing))
}
