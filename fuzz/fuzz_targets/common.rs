//! Shared by the collection fuzz targets: what a crafter recomputes, and what a collection
//! that opens must survive.

use nook::collection::manifest::Manifest;
use nook::collection::{Collection, Doc, HashEmbed, Settings};
use nook::store::{CODEBOOK_KEY, MANIFEST_KEY, Snapshot};

/// The v1 fixtures' dimensions and thresholds (tests/fixtures/formats/v1, the seeds).
pub const DIMS: usize = 64;

pub fn settings() -> Settings {
    Settings { prune_at: 300, graph_at: 600, ..Settings::default() }
}

/// The export's trailing crc32, as anyone crafting an import file computes it.
pub fn with_crc(body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    bytes
}

/// The manifest's crcs of every block and of the codebook, and its own crc.
pub fn fix_checksums(snap: &mut Snapshot) {
    let blocks: Vec<u32> = snap.blocks.iter().map(|(_, b)| crc32fast::hash(b)).collect();
    let codebook = snap.meta.iter().find(|(k, _)| *k == CODEBOOK_KEY).map(|(_, b)| crc32fast::hash(b));
    let Some((_, m)) = snap.meta.iter_mut().find(|(k, _)| *k == MANIFEST_KEY) else { return };
    match Manifest::decode(m) {
        Ok(mut manifest) => {
            if manifest.block_crcs.len() == blocks.len() {
                manifest.block_crcs = blocks;
            }
            if manifest.codebook_crc != 0 {
                manifest.codebook_crc = codebook.unwrap_or(0);
            }
            *m = manifest.encode();
        }
        Err(_) if m.len() >= 4 => {
            let body = m.len() - 4;
            let crc = crc32fast::hash(&m[..body]);
            m[body..].copy_from_slice(&crc.to_le_bytes());
        }
        Err(_) => {}
    }
}

/// Open the records; if they open, search both ways, add, delete, search again.
pub fn exercise(snap: &Snapshot) {
    let Ok(mut c) = Collection::load(settings(), DIMS, snap) else { return };
    let mut embed = HashEmbed { dims: DIMS };
    for q in ["river garden", "https://example.org/7", "note 12"] {
        let _ = c.search(&mut embed, q, 10, true, None);
        let _ = c.search(&mut embed, q, 5, false, None);
    }
    let _ = c.add(&mut embed, vec![Doc { id: "fuzz-new".into(), text: "a new pasta note".into(), ..Doc::default() }]);
    let _ = c.delete(&["doc-3".to_string()]);
    let _ = c.search(&mut embed, "pasta", 10, true, None);
}
