//! The embedder's wasm32 test bodies, run by tests/embed_browser.rs (window) and
//! tests/embed_worker.rs (dedicated worker). The model is fetched from the test server.

use super::{cases, cosine};
use nook::Error;
use nook::embed::Embedder;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::console_log;

#[wasm_bindgen(inline_js = r#"
export async function fetch_bytes(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}; run scripts/fetch_model.sh`);
    return new Uint8Array(await r.arrayBuffer());
}
export function lone_surrogates() { return "abc\uD800def\uDFFF ghi \uDBFF"; }
export function now() { return performance.now(); }
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn fetch_bytes(url: &str) -> Result<JsValue, JsValue>;
    fn lone_surrogates() -> String;
    fn now() -> f64;
}

const MODEL_URL: &str = match option_env!("NOOK_MODEL_URL") {
    Some(u) => u,
    None => "/models",
};

async fn bytes(name: &str) -> Vec<u8> {
    let url = format!("{MODEL_URL}/{name}");
    match fetch_bytes(&url).await {
        Ok(v) => js_sys::Uint8Array::new(&v).to_vec(),
        Err(e) => panic!("fetching {url} failed: {e:?}"),
    }
}

async fn load() -> (Vec<u8>, Vec<u8>) {
    (bytes("minilm-l6-int8.onnx").await, bytes("tokenizer.json").await)
}

/// The model read where it lies (in a JS array, a tensor at a time, through the package's
/// own source) embeds the same bits.
pub async fn read_where_it_lies(ctx: &str) {
    let url = format!("{MODEL_URL}/minilm-l6-int8.onnx");
    let model = js_sys::Uint8Array::new(&fetch_bytes(&url).await.unwrap_or_else(|e| panic!("fetching {url} failed: {e:?}")));
    let tok = bytes("tokenizer.json").await;
    let t = now();
    let mut e = Embedder::from_source(&nook::wasm::JsBytes(model), &tok, Default::default()).expect("model loads from a JS array");
    let loaded = now() - t;
    let bits = super::bits_checksum(&mut e);
    assert_eq!(bits, super::EMBEDDING_BITS, "read where it lies, the model embeds otherwise ({bits:#x})");
    console_log!("{ctx}: model read from a JS array in {loaded:.0} ms");
}

/// The reference fixture, batch vs single; `ctx` names the context in the log.
pub async fn matches_reference(ctx: &str) {
    let (model, tok) = load().await;
    let t = now();
    let mut e = Embedder::from_bytes(&model, &tok).expect("model loads in wasm");
    let loaded = now() - t;
    let cases = cases();
    let mut worst = 1.0f64;
    for case in &cases {
        assert_eq!(e.tokenize(&case.text).unwrap(), case.ids, "token ids of {}", case.name);
        let v = e.embed(&[&case.text]).unwrap().remove(0);
        let c = cosine(&v, &case.embedding);
        worst = worst.min(c);
        assert!(c >= 0.999, "case {}: cosine {c} with the onnxruntime reference", case.name);
    }
    // Batched (one call, several buckets and batch sizes) vs single.
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    let batched = e.embed(&texts).unwrap();
    for (case, b) in cases.iter().zip(&batched) {
        let single = e.embed(&[&case.text]).unwrap().remove(0);
        let c = cosine(b, &single);
        assert!(c >= 0.9999, "case {}: batch vs single cosine {c}", case.name);
    }
    super::latency_runs_do_not_depend_on_companions(&mut e);
    let bits = super::bits_checksum(&mut e);
    assert_eq!(bits, super::EMBEDDING_BITS, "wasm embeddings differ from native ones in their bits ({bits:#x})");
    console_log!("{ctx}: model loaded in {loaded:.0} ms; lowest cosine vs reference {worst:.7}");
}

/// Corrupt/mismatched bytes, lone surrogates, 1 MB of text, ids outside the vocabulary.
pub async fn bad_input_is_an_error_not_a_trap(ctx: &str) {
    let (model, tok) = load().await;
    // Corrupt or mismatched bytes.
    assert!(matches!(Embedder::from_bytes(&model[..model.len() / 2], &tok), Err(Error::Embed(_))));
    assert!(matches!(Embedder::from_bytes(&tok, &tok), Err(Error::Embed(_))));
    assert!(matches!(Embedder::from_bytes(&model, &model[..1000]), Err(Error::Embed(_))));
    assert!(matches!(Embedder::from_bytes(&[], &tok), Err(Error::Embed(_))));

    let mut e = Embedder::from_bytes(&model, &tok).unwrap();
    // JS strings with lone surrogates arrive as String with U+FFFD in their place.
    let s = lone_surrogates();
    assert!(s.contains('\u{FFFD}'));
    assert_eq!(e.embed(&[&s]).unwrap()[0].len(), 384);
    // 1 MB of text: truncated, quickly.
    let big = "the quick brown fox jumps over the lazy dog ".repeat(24_000);
    let t = now();
    let ids = e.tokenize(&big).unwrap();
    let took = now() - t;
    assert_eq!(ids.len(), 256);
    assert!(took < 2000.0, "tokenizing 1 MB took {took} ms");
    assert_eq!(e.embed(&["", "   ", &big]).unwrap().len(), 3);
    // Token ids outside the vocabulary.
    assert!(matches!(e.embed_tokens(&[vec![101u32, 40_000, 102]]), Err(Error::InvalidParameter(_))));
    console_log!("{ctx}: 1 MB tokenized in {took:.1} ms");
}
