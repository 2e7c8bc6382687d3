//! Where the embedder's time goes, per tract op (native, one thread). Not a check: an
//! ignored test that prints a table. Run with
//! `cargo test --release --features embed --test embed_profile -- --ignored --nocapture`
//! (model from scripts/fetch_model.sh; `NOOK_PROFILE_SHAPES=1x16,16x32` picks shapes).
//! The browser benchmark has the same table for wasm (`bench/embed/run.sh --profile`).

#![cfg(all(feature = "embed", not(target_arch = "wasm32")))]

use std::path::PathBuf;
use std::time::Instant;

fn model_dir() -> PathBuf {
    std::env::var_os("NOOK_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"))
}

#[test]
#[ignore = "prints a per-op profile; run by hand"]
fn profile_ops() {
    let bytes = std::fs::read(model_dir().join("minilm-l6-int8.onnx")).expect("run scripts/fetch_model.sh");
    let shapes = std::env::var("NOOK_PROFILE_SHAPES").unwrap_or_else(|_| "1x16,16x16,1x32".into());
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    // NOOK_PROFILE_OWN_MATMUL=1: with nook's own GEMM (the wasm default; portable kernel here).
    let own = std::env::var_os("NOOK_PROFILE_OWN_MATMUL").is_some();
    for shape in shapes.split(',') {
        let (b, s) = shape.split_once('x').expect("shape like 1x16");
        let (b, s): (usize, usize) = (b.parse().expect("batch"), s.parse().expect("length"));
        println!("{}", nook::embed::model::profile_ops(&bytes, own, b, s, 20, &now).expect("profile"));
    }
}
