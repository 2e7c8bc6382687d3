//! Shared by the embed tests: the reference fixture and cosine similarity.
//! The fixture (tests/fixtures/embed/reference.json) is made by
//! scripts/make_embed_fixture.py with onnxruntime on the original model file.

#![allow(dead_code)]

use serde_json::Value;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub const FIXTURE: &str = include_str!("../fixtures/embed/reference.json");
/// The second model's references (paraphrase-MiniLM-L3-v2, its own pooled output).
pub const FIXTURE_L3: &str = include_str!("../fixtures/embed/paraphrase-l3.json");

pub struct Case {
    pub name: String,
    pub text: String,
    pub ids: Vec<u32>,
    pub embedding: Vec<f32>,
}

pub fn cases() -> Vec<Case> {
    cases_of(FIXTURE)
}

pub fn cases_of(fixture: &str) -> Vec<Case> {
    let doc: Value = serde_json::from_str(fixture).expect("fixture is valid JSON");
    doc["cases"]
        .as_array()
        .expect("fixture has cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("name").to_string(),
            text: c["text"].as_str().expect("text").to_string(),
            ids: c["ids"].as_array().expect("ids").iter().map(|v| v.as_u64().expect("id") as u32).collect(),
            embedding: c["embedding"].as_array().expect("embedding").iter().map(|v| v.as_f64().expect("f") as f32).collect(),
        })
        .collect()
}

/// FNV-1a over the bits of every reference case's embedding (MiniLM int8, default config),
/// in order: the same natively and in wasm (tests/embed_native.rs, embed_support/wasm.rs).
/// A deliberate change of the numerics updates it (the failing test prints the new value).
pub const EMBEDDING_BITS: u64 = 0xe4a4_1403_c0e2_fe2d;

pub fn bits_checksum(e: &mut nook::embed::Embedder) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for case in cases() {
        for x in e.embed(&[&case.text]).expect("embeds").remove(0) {
            for b in x.to_bits().to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    h
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
    let na: f64 = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// Latency mode (a query and the documents a search recomputes) runs a search's cold
/// documents together: a document's embedding must not depend on which others share its
/// run, bit for bit, or a ranking would depend on what the cache held. Checks every
/// case alone against the same case inside runs of 2, 3, 5 and all the cases.
pub fn latency_runs_do_not_depend_on_companions(e: &mut nook::embed::Embedder) {
    let ids: Vec<Vec<u32>> = cases().iter().map(|c| e.tokenize(&c.text).expect("tokenizes")).collect();
    let dims = e.dims();
    let alone: Vec<Vec<f32>> = ids
        .iter()
        .map(|s| {
            let mut v = Vec::new();
            e.embed_recomputed_tokens(&[s], &mut v).expect("embeds");
            v
        })
        .collect();
    // Twice over, so each length gets runs of several sizes with different companions.
    let twice: Vec<&Vec<u32>> = ids.iter().chain(ids.iter().rev()).collect();
    for size in [2, 3, 5, twice.len()] {
        for group in twice.chunks(size) {
            let mut v = Vec::new();
            e.embed_recomputed_tokens(group, &mut v).expect("embeds");
            for (seq, got) in group.iter().zip(v.chunks_exact(dims)) {
                let i = ids.iter().position(|s| s == *seq).expect("a case");
                assert!(got == alone[i].as_slice(), "case {i} embeds differently in a latency run of {} (cosine {})", group.len(), cosine(got, &alone[i]));
            }
        }
    }
}
