//! The frozen-format fixtures' shared definitions (tests/formats.rs natively, and the
//! IndexedDB check in tests/wasm_common): how they were written and how their recorded
//! results are formatted.

#![allow(dead_code)]

use nook::collection::{Collection, Doc, HashEmbed, Settings};
use nook::store::Snapshot;

pub const DIMS: usize = 64;
pub const QUERIES: [&str; 4] = ["river garden", "python engine notes", "planet ocean music", "https://example.org/7"];

/// The thresholds the fixtures were written with (three phases in a few hundred documents).
pub fn settings() -> Settings {
    Settings { prune_at: 300, graph_at: 600, ..Settings::default() }
}

pub fn doc(i: usize) -> Doc {
    let words = ["graph", "vector", "pasta", "river", "mountain", "music", "python", "rust", "garden", "ocean", "planet", "engine"];
    let text = format!("{} {} {} note {i}", words[i % 12], words[(i / 12) % 12], words[(i * 7) % 12]);
    Doc { id: format!("doc-{i}"), title: format!("Title {}", words[(i * 5) % 12]), url: format!("https://example.org/{i}"), text, meta: format!("{{\"n\":{i}}}"), tokens: vec![] }
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

/// The collections: (name, documents added, documents then deleted).
pub const COLLECTIONS: [(&str, usize, usize); 3] = [("stored", 120, 5), ("flat", 450, 20), ("graph", 700, 30)];


/// Open the snapshot and, if it opens, use it: searches of both kinds, an add, a delete.
pub fn exercise(snap: &Snapshot) {
    let Ok(mut c) = Collection::load(settings(), DIMS, snap) else { return };
    let mut embed = HashEmbed { dims: DIMS };
    for q in ["river garden", "https://example.org/7", "note 12"] {
        let _ = c.search(&mut embed, q, 10, true, None);
        let _ = c.search(&mut embed, q, 5, false, None);
    }
    let _ = c.add(&mut embed, vec![Doc { id: "mutant-new".into(), text: "a new pasta note".into(), ..Doc::default() }]);
    let _ = c.delete(&["doc-3".to_string(), "doc-400".to_string()]);
    let _ = c.search(&mut embed, "pasta", 10, true, None);
}

