//! A prebuilt index for a static site: documents in (from [`source`]), a folder of files
//! out that any static host serves and `Nook.openSite` reads.
//!
//! Layout (format 1): `nook-site.json`, the manifest (the only file whose name does not
//! change; served with revalidation), and `index.<16 hex>.nook`, the collection as
//! `Nook.export` bytes (`collection::export`), named by the start of its SHA-256 so it can
//! be cached forever. The manifest:
//!
//! ```json
//! {"format": "nook-site", "version": 1, "documents": 3101, "dims": 384,
//!  "model": {"bytes": 22957392, "sha256": "…"},
//!  "index": {"file": "index.0123456789abcdef.nook", "bytes": 1234567, "sha256": "…"}}
//! ```
//!
//! The browser (`pkg/src/site.js`, which also reads the manifest) fetches the manifest, then
//! the index file whole (its bytes checked against the manifest's length and SHA-256), and
//! keeps it in IndexedDB. What this does not do
//! yet: cut the index into pages read on demand (Granne's layout); a site of 100,000
//! passages would download ~3.5 MB of codes and all documents up front.
//!
//! Pure: documents and an embedder in, bytes out; hashing and files are the caller's.

pub mod paged;
pub mod source;

use crate::collection::{Collection, Doc, Embed, Precomputed, Settings, export};
use crate::records::Result;
use crate::store::MemoryStore;
use serde_json::json;

/// Name of the manifest in a site folder.
pub const MANIFEST: &str = "nook-site.json";
/// The manifest format this nook writes and reads.
pub const VERSION: u64 = 1;

/// Index every document in chunks of `chunk` and return the collection as export bytes.
/// `embed` tokenizes; each chunk's token sequences go to `embed_many` with `embed` (the
/// caller may embed part of them with it and spread the rest over threads, each with its
/// own embedder), and `embed` embeds anything `embed_many` did not. The index is the one
/// `embed` alone would build. Duplicate ids: the last one wins, as with
/// `add`. `progress(done, total)` after each chunk.
pub fn build(
    settings: Settings,
    embed: &mut dyn Embed,
    docs: Vec<Doc>,
    chunk: usize,
    mut embed_many: impl FnMut(&mut dyn Embed, &[&[u32]]) -> Result<Vec<f32>>,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Vec<u8>, Collection)> {
    let mut collection = Collection::new(settings, embed.dims())?;
    // The export carries the model's mark: a page that opens it with another model is refused.
    collection.bind_model(crate::collection::ModelMark::of(embed)?)?;
    let total = docs.len();
    let records = MemoryStore::new();
    let mut done = 0;
    let mut docs = docs.into_iter().peekable();
    while docs.peek().is_some() {
        let part: Vec<Doc> = docs.by_ref().take(chunk.max(1)).collect();
        let n = part.len();
        let seqs = collection.tokens_to_embed(embed, &part)?;
        let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
        let vectors = embed_many(&mut *embed, &refs)?;
        let mut pre = Precomputed::new(embed, &refs, &vectors)?;
        records.apply(&collection.add(&mut pre, part)?.0);
        done += n;
        progress(done, total);
    }
    Ok((export::encode(&records.snapshot()), collection))
}

/// The manifest for an index file of `index` bytes named `file`, with the model's size and
/// hash so a page can tell it runs the model the index was built with.
pub fn manifest(documents: usize, dims: usize, model: (usize, &str), file: &str, index: (usize, &str)) -> String {
    let m = json!({
        "format": "nook-site",
        "version": VERSION,
        "documents": documents,
        "dims": dims,
        "model": { "bytes": model.0, "sha256": model.1 },
        "index": { "file": file, "bytes": index.0, "sha256": index.1 },
    });
    serde_json::to_string_pretty(&m).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::HashEmbed;

    #[test]
    fn manifest_names_the_index_and_the_model() {
        let sha = "ab".repeat(32);
        let text = manifest(3, 384, (10, &sha), "index.abababababababab.nook", (99, &sha));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["format"], "nook-site");
        assert_eq!(v["version"], VERSION);
        assert_eq!((v["documents"].as_u64(), v["dims"].as_u64()), (Some(3), Some(384)));
        assert_eq!(v["index"], json!({ "file": "index.abababababababab.nook", "bytes": 99, "sha256": sha }));
        assert_eq!(v["model"], json!({ "bytes": 10, "sha256": sha }));
    }

    #[test]
    fn build_gives_an_export_that_opens() {
        let docs: Vec<Doc> =
            (0..300).map(|i| Doc { id: format!("d{i}"), text: format!("document number {i} about topic {}", i % 7), ..Default::default() }).collect();
        let settings = Settings { prune_at: 256, ..Settings::default() };
        let mut e = HashEmbed { dims: 64 };
        let mut helper = HashEmbed { dims: 64 };
        let mut seen = Vec::new();
        let embed_many = |_: &mut dyn Embed, seqs: &[&[u32]]| {
            let mut out = Vec::new();
            helper.embed_tokens(seqs, &mut out).map(|_| out)
        };
        let (bytes, built) = build(settings.clone(), &mut e, docs.clone(), 64, embed_many, |d, t| seen.push((d, t))).unwrap();
        assert_eq!(seen.last(), Some(&(300, 300)));
        assert_eq!(built.len(), 300);
        let snap = export::decode(&bytes).unwrap();
        assert!(snap.meta.iter().any(|(k, _)| *k == crate::records::MODEL_KEY), "a site carries its model's mark");
        let opened = Collection::load(settings.clone(), 64, &snap).unwrap();
        assert_eq!(opened.len(), 300);
        assert!(opened.is_pruned());
        // The same bytes as one embedder adding the documents alone, chunk by chunk.
        let mut alone = HashEmbed { dims: 64 };
        let mut c = Collection::new(settings.clone(), 64).unwrap();
        c.bind_model(crate::collection::ModelMark::of(&mut alone).unwrap()).unwrap();
        let records = MemoryStore::new();
        for part in docs.chunks(64) {
            records.apply(&c.add(&mut alone, part.to_vec()).unwrap().0);
        }
        assert!(export::encode(&records.snapshot()) == bytes);
    }
}
