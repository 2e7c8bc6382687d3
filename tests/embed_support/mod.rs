//! Shared by the embed tests: the reference fixture and cosine similarity.
//! The fixture (tests/fixtures/embed/reference.json) is made by
//! scripts/make_embed_fixture.py with onnxruntime on the original model file.

#![allow(dead_code)]

use serde_json::Value;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub const FIXTURE: &str = include_str!("../fixtures/embed/reference.json");

pub struct Case {
    pub name: String,
    pub text: String,
    pub ids: Vec<u32>,
    pub embedding: Vec<f32>,
}

pub fn cases() -> Vec<Case> {
    let doc: Value = serde_json::from_str(FIXTURE).expect("fixture is valid JSON");
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

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
    let na: f64 = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}
