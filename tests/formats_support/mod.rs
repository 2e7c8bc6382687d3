//! The frozen-format fixtures' shared definitions (tests/formats.rs natively, the
//! IndexedDB check in tests/wasm_common, tests/mutations.rs and the fuzz targets): how
//! they were written, how their recorded results are formatted, what a crafter of
//! records recomputes, and what a collection that opens must survive.

#![allow(dead_code)]

use nook::collection::manifest::Manifest;
use nook::collection::{Collection, Doc, HashEmbed, Settings};
use nook::store::{CODEBOOK_KEY, MANIFEST_KEY, Snapshot};

pub const DIMS: usize = 64;
pub const QUERIES: [&str; 4] = ["river garden", "python engine notes", "planet ocean music", "https://example.org/7"];

/// The thresholds the fixtures were written with (three phases in a few hundred documents).
pub fn settings() -> Settings {
    Settings { prune_at: 300, graph_at: 600, ..Settings::default() }
}

pub fn doc(i: usize) -> Doc {
    let words = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean", "planet", "engine"];
    let text = format!("{} {} {} note {i}", words[i % 12], words[(i / 12) % 12], words[(i * 7) % 12]);
    Doc {
        id: format!("doc-{i}"),
        title: format!("Title {}", words[(i * 5) % 12]),
        url: format!("https://example.org/{i}"),
        text,
        meta: format!("{{\"n\":{i}}}"),
        tokens: vec![],
        kept: Vec::new(),
    }
}

/// Every query, vector-only and hybrid: ids with scores to 4 decimals, one line each.
pub fn results(c: &mut Collection) -> String {
    let mut out = String::new();
    for q in QUERIES {
        for hybrid in [false, true] {
            let found = c.search(&mut HashEmbed { dims: DIMS }, q, 10, hybrid, None).unwrap();
            let line: Vec<String> = found.iter().map(|f| format!("{}:{:.4}", c.doc(f.key).unwrap().id, f.score)).collect();
            out.push_str(&format!("{q} | hybrid {hybrid} | {}\n", line.join(" ")));
        }
    }
    out
}

/// Checks `got` against results recorded by [`results`]: the same queries, the same ids in
/// the same order, each score within 5e-4 of the recorded one. Exact vectors are rounded to
/// f16 since the fixtures were written (`collection::cache`), which moves a cosine by up to
/// ~2^-11 of the vectors' mass; the ranking the fixtures recorded must not move.
pub fn assert_recorded(got: &str, want: &str, what: &str) {
    let (got_lines, want_lines): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    assert_eq!(got_lines.len(), want_lines.len(), "{what}: {got}\nrecorded:\n{want}");
    for (g, w) in got_lines.iter().zip(&want_lines) {
        let parse = |line: &str| -> (String, Vec<(String, f32)>) {
            let (head, hits) = line.rsplit_once(" | ").unwrap_or((line, ""));
            let hits = hits
                .split_whitespace()
                .map(|h| {
                    let (id, score) = h.rsplit_once(':').expect("id:score");
                    (id.to_string(), score.parse::<f32>().expect("a score"))
                })
                .collect();
            (head.to_string(), hits)
        };
        let ((gq, gh), (wq, wh)) = (parse(g), parse(w));
        let ids = |h: &[(String, f32)]| h.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        assert_eq!((&gq, ids(&gh)), (&wq, ids(&wh)), "{what}: {g}\nrecorded: {w}");
        for ((_, a), (_, b)) in gh.iter().zip(&wh) {
            assert!((a - b).abs() <= 5e-4, "{what}: score {a} where {b} was recorded\n{g}\nrecorded: {w}");
        }
    }
}

/// The collections: (name, documents added, documents then deleted).
pub const COLLECTIONS: [(&str, usize, usize); 3] = [("stored", 120, 5), ("flat", 450, 20), ("graph", 700, 30)];

/// Open the snapshot and, if it opens, use it: searches of both kinds, an add, a delete.
pub fn exercise(snap: &Snapshot) {
    let whole = Collection::load(settings(), DIMS, snap);
    // As a browser open takes them: the documents in key ranges, here in reverse order.
    let manifest = snap.meta.iter().find(|(k, _)| *k == MANIFEST_KEY).map(|(_, b)| b.as_slice());
    let mut bounds = vec![0u64];
    bounds.extend(nook::collection::doc_splits(manifest, 3, 1));
    let parted = nook::collection::Loading::begin(settings(), DIMS, &snap.meta, &snap.blocks).and_then(|mut l| {
        for (i, &lo) in bounds.iter().enumerate().rev() {
            let part: Vec<(u64, Vec<u8>)> =
                snap.docs.iter().filter(|(k, _)| (i == 0 || *k >= lo) && bounds.get(i + 1).is_none_or(|hi| k < hi)).cloned().collect();
            l.docs(&part)?;
        }
        l.finish()
    });
    assert_eq!(parted.as_ref().map(Collection::len).ok(), whole.as_ref().map(Collection::len).ok(), "parts and whole agree");
    let Ok(mut c) = whole else { return };
    let mut embed = HashEmbed { dims: DIMS };
    for q in ["river garden", "https://example.org/7", "note 12"] {
        let _ = c.search(&mut embed, q, 10, true, None);
        let _ = c.search(&mut embed, q, 5, false, None);
    }
    let _ = c.add(&mut embed, vec![Doc { id: "mutant-new".into(), text: "a new pasta note".into(), ..Doc::default() }]);
    let _ = c.delete(&["doc-3".to_string(), "doc-400".to_string()]);
    let _ = c.search(&mut embed, "pasta", 10, true, None);
}

/// Recompute what a crafter would: each document record's or page's crc, the manifest's
/// crcs of every block and of the codebook, and the manifest's own crc (if it still
/// decodes; if not, its trailing crc).
pub fn fix_checksums(snap: &mut Snapshot) {
    // Document records and pages: their own trailing crc32.
    for (_, d) in snap.docs.iter_mut().filter(|(_, d)| d.len() >= 4) {
        let body = d.len() - 4;
        let crc = crc32fast::hash(&d[..body]);
        d[body..].copy_from_slice(&crc.to_le_bytes());
    }
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

/// The export's trailing crc32, as anyone crafting an import file computes it.
pub fn with_crc(body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    bytes
}
