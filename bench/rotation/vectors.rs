//! The vectors a rotation is learned from (`bench/rotation/run.sh`): the default model's
//! embeddings of three corpora no benchmark asks and no parameter was chosen on (Debian
//! 12's package descriptions, short and long, and MDN's browser-compat feature names: ~36,600
//! texts of 2 to 130 tokens), and the model's mark, which the rotation file carries so a
//! collection knows the rotation is for its model.
//!
//! Reads `data/quality/{debian,debian-long,mdn}/docs.json` (bench/quality/fetch_corpora.py
//! --only debian debian-long mdn); a document is embedded as its text, or its title when it
//! has none. Writes `data/rotation/vectors.f32` (rows of little-endian f32) and
//! `data/rotation/mark.i8`.
//! Run: `cargo bench --features embed --bench rotation_vectors` (~6 minutes on 2 cores).

use nook::collection::{Embed, ModelMark};

const CORPORA: [&str; 3] = ["debian", "debian-long", "mdn"];

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).expect("models/minilm-l6-int8.onnx (scripts/fetch_model.sh)");
    let tok = std::fs::read(format!("{root}/models/tokenizer.json")).expect("models/tokenizer.json");
    let mut embed = nook::embed::Embedder::from_bytes(&model, &tok).expect("the model loads");
    let out = format!("{root}/data/rotation");
    std::fs::create_dir_all(&out).expect("data/rotation");
    let mut vectors: Vec<f32> = Vec::new();
    for corpus in CORPORA {
        let path = format!("{root}/data/quality/{corpus}/docs.json");
        let docs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path}: run bench/quality/fetch_corpora.py --only {corpus}")))
                .expect("docs.json is JSON");
        let texts: Vec<&str> = docs
            .as_array()
            .expect("docs.json is an array")
            .iter()
            .map(|d| match d["text"].as_str().filter(|t| !t.trim().is_empty()) {
                Some(t) => t,
                None => d["title"].as_str().expect("a document has a title"),
            })
            .collect();
        let t = std::time::Instant::now();
        for chunk in texts.chunks(64) {
            embed.embed_into(chunk, &mut vectors).expect("embed");
        }
        eprintln!("rotation_vectors: {corpus}: {} texts in {:.0} s", texts.len(), t.elapsed().as_secs_f64());
    }
    let bytes: Vec<u8> = vectors.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(format!("{out}/vectors.f32"), bytes).expect("write vectors.f32");
    let mark = ModelMark::of(&mut embed as &mut dyn Embed).expect("the probe embeds");
    std::fs::write(format!("{out}/mark.i8"), mark.values().iter().map(|&x| x as u8).collect::<Vec<u8>>()).expect("write mark.i8");
    eprintln!("rotation_vectors: {} vectors, the mark, in {out}", vectors.len() / embed.dims());
}
