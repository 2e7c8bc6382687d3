//! The vectors a rotation is learned from (`bench/rotation/run.sh`): the default model's
//! embeddings of the texts `bench/rotation/texts.py` gathers (docstrings of seven pinned
//! Python wheels and Debian's fortune cookies: ~43,000 texts no benchmark asks, of no
//! corpus any benchmark measures, none a Debian package description), and the model's
//! mark, which the rotation file carries so a collection knows the rotation is for its
//! model.
//!
//! Reads `data/rotation/texts.json` (a JSON array of strings). Writes
//! `data/rotation/vectors.f32` (rows of little-endian f32) and `data/rotation/mark.i8`.
//! Run: `cargo bench --features embed --bench rotation_vectors` (~8 minutes on 2 cores).

use nook::collection::{Embed, ModelMark};

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let model = std::fs::read(format!("{root}/models/minilm-l6-int8.onnx")).expect("models/minilm-l6-int8.onnx (scripts/fetch_model.sh)");
    let tok = std::fs::read(format!("{root}/models/tokenizer.json")).expect("models/tokenizer.json");
    let mut embed = nook::embed::Embedder::from_bytes(&model, &tok).expect("the model loads");
    let out = format!("{root}/data/rotation");
    std::fs::create_dir_all(&out).expect("data/rotation");
    let mut vectors: Vec<f32> = Vec::new();
    let path = format!("{out}/texts.json");
    let texts: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path}: run bench/rotation/texts.py")))
        .expect("texts.json is an array of strings");
    let t = std::time::Instant::now();
    for chunk in texts.chunks(64) {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        embed.embed_into(&chunk, &mut vectors).expect("embed");
    }
    eprintln!("rotation_vectors: {} texts in {:.0} s", texts.len(), t.elapsed().as_secs_f64());
    let bytes: Vec<u8> = vectors.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(format!("{out}/vectors.f32"), bytes).expect("write vectors.f32");
    let mark = ModelMark::of(&mut embed as &mut dyn Embed).expect("the probe embeds");
    std::fs::write(format!("{out}/mark.i8"), mark.values().iter().map(|&x| x as u8).collect::<Vec<u8>>()).expect("write mark.i8");
    eprintln!("rotation_vectors: {} vectors, the mark, in {out}", vectors.len() / embed.dims());
}
