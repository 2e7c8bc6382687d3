//! The embedder on the real model, natively: agreement with onnxruntime reference
//! embeddings, batch/single agreement, huge and bad inputs.
//!
//! Needs the prepared model: run `scripts/fetch_model.sh` first (or `scripts/test_embed.sh`).
//! The directory comes from `NOOK_MODEL_DIR` (default `models/` at the crate root); a
//! missing model is a test failure, not a skip.

#![cfg(all(feature = "embed", not(target_arch = "wasm32")))]

mod embed_support;

use embed_support::{cases, cosine};
use nook::embed::{EmbedConfig, Embedder, TextVectors, TokenVectors};
use nook::{Error, ExactVectors};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

fn model_dir() -> PathBuf {
    std::env::var_os("NOOK_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"))
}

fn read(name: &str) -> Vec<u8> {
    let path = model_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}. Run scripts/fetch_model.sh (or set NOOK_MODEL_DIR).", path.display()))
}

fn model_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| read("minilm-l6-int8.onnx"))
}

fn tokenizer_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| read("tokenizer.json"))
}

fn embedder() -> Embedder {
    let t = Instant::now();
    let e = Embedder::from_bytes(model_bytes(), tokenizer_bytes()).expect("model loads");
    eprintln!("model loaded in {:?}", t.elapsed());
    e
}

#[test]
fn matches_onnxruntime_reference() {
    let mut e = embedder();
    assert_eq!(e.dims(), 384);
    let mut worst = (1.0f64, String::new());
    for case in cases() {
        let ids = e.tokenize(&case.text).unwrap();
        assert_eq!(ids, case.ids, "token ids of case {}", case.name);
        let v = e.embed(&[&case.text]).unwrap().remove(0);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "case {} has norm {norm}", case.name);
        let c = cosine(&v, &case.embedding);
        if c < worst.0 {
            worst = (c, case.name.clone());
        }
        assert!(c >= 0.999, "case {}: cosine {c} with the onnxruntime reference", case.name);
    }
    eprintln!("lowest cosine vs reference: {:.7} ({})", worst.0, worst.1);
}

/// The embeddings' exact bits, which the wasm tests check too: an index built natively
/// (`nook site build`) and the browser recompute the same vectors.
#[test]
fn embedding_bits_are_the_committed_ones() {
    let got = embed_support::bits_checksum(&mut embedder());
    assert_eq!(got, embed_support::EMBEDDING_BITS, "embedding bits changed: if deliberate, set EMBEDDING_BITS = {got:#x}");
}

/// The model read a tensor at a time from where it lies (`Embedder::from_source`: what the
/// browser does with the file's `Uint8Array`, never copied whole into wasm memory) is the
/// same model: the same bits, for the int8 export and for another exporter's fp32 one.
#[test]
fn a_model_read_where_it_lies_embeds_the_same_bits() {
    let source: &[u8] = model_bytes();
    let skeleton = nook::embed::skeleton::skeleton(&source).unwrap();
    eprintln!("the skeleton of MiniLM: {} bytes of {}", skeleton.len(), source.len());
    assert!(skeleton.len() < 300_000, "the skeleton of MiniLM is {} bytes", skeleton.len());
    let mut e = Embedder::from_source(&source, tokenizer_bytes(), EmbedConfig::default()).unwrap();
    let got = embed_support::bits_checksum(&mut e);
    assert_eq!(got, embed_support::EMBEDDING_BITS, "read where it lies, the model embeds otherwise ({got:#x})");
    let l3 = read("paraphrase-minilm-l3.onnx");
    let cfg = EmbedConfig { max_tokens: 128, ..Default::default() };
    let texts = ["hello world", "a cat sat on the mat", "the quick brown fox jumps over the lazy dog"];
    let whole = Embedder::with_config(&l3, tokenizer_bytes(), cfg.clone()).unwrap().embed(&texts).unwrap();
    let there = Embedder::from_source(&l3, tokenizer_bytes(), cfg).unwrap().embed(&texts).unwrap();
    assert_eq!(whole, there);
    // A damaged file is an error either way.
    let cut: &[u8] = &source[..source.len() / 2];
    assert!(matches!(Embedder::from_source(&cut, tokenizer_bytes(), EmbedConfig::default()), Err(Error::Embed(_))));
}

/// A second model nook was not built around (paraphrase-MiniLM-L3-v2: fp32 weights,
/// 3 layers, another exporter's names and graph, a Div-scaled attention, no
/// token_type_ids input): read from its ONNX file alone (heads from the graph) and
/// checked against onnxruntime running the model's own pooling.
#[test]
fn a_second_model_matches_its_reference() {
    let l3 = read("paraphrase-minilm-l3.onnx");
    let cfg = EmbedConfig { max_tokens: 128, ..Default::default() };
    let mut e = Embedder::with_config(&l3, tokenizer_bytes(), cfg).expect("paraphrase-MiniLM-L3-v2 loads");
    assert_eq!(e.describe(), "3 layers, 384 wide, 12 heads, vocabulary 30522, f32 weights, Mean");
    let mut worst = 1.0f64;
    for case in embed_support::cases_of(embed_support::FIXTURE_L3) {
        assert_eq!(e.tokenize(&case.text).unwrap(), case.ids, "token ids of case {}", case.name);
        let c = cosine(&e.embed(&[&case.text]).unwrap()[0], &case.embedding);
        worst = worst.min(c);
        assert!(c >= 0.99999, "case {}: cosine {c} with onnxruntime", case.name);
    }
    eprintln!("paraphrase-MiniLM-L3-v2: lowest cosine vs onnxruntime {worst:.7}");
    // nook ships no rotation for it: its codes are quantized as they are (the default
    // model's take its own, below).
    assert_eq!(nook::collection::ModelMark::of(&mut e).unwrap().rotation(), nook::quant::Rotation::None);
    assert_eq!(nook::collection::ModelMark::of(&mut embedder()).unwrap().rotation(), nook::quant::Rotation::MiniLmL6);
    // Told the wrong number of heads, it still runs (the caller's choice), but differently.
    let wrong = EmbedConfig { max_tokens: 128, heads: Some(6), ..Default::default() };
    let mut w = Embedder::with_config(&l3, tokenizer_bytes(), wrong).unwrap();
    assert!(cosine(&w.embed(&["hello world"]).unwrap()[0], &e.embed(&["hello world"]).unwrap()[0]) < 0.9999);
    let bad = EmbedConfig { max_tokens: 128, heads: Some(7), ..Default::default() };
    assert!(matches!(Embedder::with_config(&l3, tokenizer_bytes(), bad), Err(Error::InvalidParameter(_))));
}

#[test]
fn batch_agrees_with_single() {
    let mut e = embedder();
    let cases = cases();
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    // Repeat so some buckets get batches of 2, 4 and 8 rows.
    let many: Vec<&str> = texts.iter().cycle().take(texts.len() * 3).copied().collect();
    let batched = e.embed(&many).unwrap();
    assert_eq!(batched.len(), many.len());
    for (i, text) in many.iter().enumerate() {
        let single = e.embed(&[text]).unwrap().remove(0);
        let c = cosine(&batched[i], &single);
        assert!(c >= 0.9999, "text {i} ({:?}...): batch vs single cosine {c}", &text.chars().take(20).collect::<String>());
    }
    // Token ids route = text route.
    let ids: Vec<_> = texts.iter().map(|t| e.tokenize(t).unwrap()).collect();
    let from_ids = e.embed_tokens(&ids).unwrap();
    for (a, b) in from_ids.iter().zip(&batched) {
        assert!(cosine(a, b) >= 0.99999);
    }
    assert!(e.embed(&[]).unwrap().is_empty());
    // A search's recomputation (each text alone) = indexing's batches, bit for bit.
    let mut lone = Vec::new();
    e.embed_recomputed_tokens(&ids, &mut lone).unwrap();
    for (i, (a, b)) in lone.chunks_exact(e.dims()).zip(&batched).enumerate() {
        assert_eq!(a, b.as_slice(), "text {i}: alone vs batched");
    }
}

#[test]
fn latency_runs_do_not_depend_on_companions() {
    embed_support::latency_runs_do_not_depend_on_companions(&mut embedder());
}

#[test]
fn empty_and_whitespace_are_cls_sep() {
    let mut e = embedder();
    let ids = e.tokenize("").unwrap();
    assert_eq!(ids, vec![101, 102]);
    assert_eq!(e.tokenize(" \t\n\u{3000}  ").unwrap(), ids);
    let v = e.embed(&["", "   "]).unwrap();
    assert!(cosine(&v[0], &v[1]) > 0.99999);
}

#[test]
fn huge_text_is_truncated_quickly() {
    let e = embedder();
    let sentence = "Private semantic search keeps every byte on the user's machine, [MASK] included. ";
    let english: String = sentence.repeat((1 << 20) / sentence.len() + 1);
    let cjk: String = "我喜欢在周末读书和散步。".repeat((1 << 20) / 36 + 1);
    let no_breaks: String = "a".repeat(1 << 20);
    let emoji: String = "🍕".repeat(1 << 18);
    let spaces: String = " ".repeat(1 << 20) + "hello";
    let reference = reference_tokenizer(256);
    for (name, text) in [("english", &english), ("cjk", &cjk), ("no_breaks", &no_breaks), ("emoji", &emoji), ("spaces", &spaces)] {
        assert!(text.len() >= 1 << 20);
        let t = Instant::now();
        let ids = e.tokenize(text).unwrap();
        let took = t.elapsed();
        let want = reference.encode(text.as_str(), true).unwrap().get_ids().to_vec();
        assert_eq!(ids, want, "{name}: prefix tokenization differs from tokenizing everything");
        assert!(ids.len() <= 256);
        eprintln!("1 MB {name}: {} tokens in {took:?}", ids.len());
    }
    let mut e = e;
    let v = e.embed(&[&english]).unwrap();
    assert_eq!(v[0].len(), 384);
}

#[test]
fn prefix_cut_is_exact_at_every_offset() {
    // Texts whose cut lands on every kind of boundary, including inside `[MASK]`.
    let e = Embedder::with_config(model_bytes(), tokenizer_bytes(), EmbedConfig { max_tokens: 8, ..Default::default() }).unwrap();
    let reference = reference_tokenizer(8);
    let pieces = ["[MASK]", "naïve", "東京", "!!", " ", "word", "e\u{301}", "\t", "x-y", "🍕"];
    let mut seed = 12345u64;
    for _ in 0..300 {
        let mut text = String::new();
        while text.len() < 3000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        let want = reference.encode(text.as_str(), true).unwrap().get_ids().to_vec();
        assert_eq!(e.tokenize(&text).unwrap(), want, "text {text:?}");
    }
}

fn reference_tokenizer(max: usize) -> tokenizers::Tokenizer {
    let mut t = tokenizers::Tokenizer::from_bytes(tokenizer_bytes()).unwrap();
    t.with_padding(None);
    t.with_truncation(Some(tokenizers::TruncationParams { max_length: max, ..Default::default() })).unwrap();
    t
}

#[test]
fn configurable_truncation() {
    let cfg = EmbedConfig { max_tokens: 32, ..Default::default() };
    let mut e = Embedder::with_config(model_bytes(), tokenizer_bytes(), cfg).unwrap();
    let long = cases().into_iter().find(|c| c.name == "long_truncated").unwrap().text;
    let ids = e.tokenize(&long).unwrap();
    assert_eq!(ids.len(), 32);
    assert_eq!(*ids.last().unwrap(), 102);
    assert_eq!(e.embed(&[&long]).unwrap()[0].len(), 384);
    for bad in [0, 1, 513, 100_000] {
        let cfg = EmbedConfig { max_tokens: bad, ..Default::default() };
        assert!(matches!(Embedder::with_config(model_bytes(), tokenizer_bytes(), cfg), Err(Error::InvalidParameter(_))));
    }
}

#[test]
fn corrupt_or_wrong_model_bytes_are_errors() {
    let tok = tokenizer_bytes();
    let m = model_bytes();
    let garbage: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let mut flipped = m.to_vec();
    for i in (1000..flipped.len()).step_by(997) {
        flipped[i] ^= 0x5a;
    }
    let inputs: Vec<(&str, &[u8])> = vec![
        ("empty", &[]),
        ("garbage", &garbage),
        ("truncated", &m[..m.len() / 2]),
        ("first 100 bytes", &m[..100]),
        ("tokenizer.json as model", tok),
        ("bit flips", &flipped),
    ];
    for (name, bytes) in inputs {
        let r = std::panic::catch_unwind(|| Embedder::from_bytes(bytes, tok).map(|_| ()));
        match r {
            Ok(Err(Error::Embed(msg))) => eprintln!("{name}: {msg:.160}"),
            Ok(Ok(())) if name == "bit flips" => {
                // Flips inside weights still parse: it must then embed without panicking.
                let mut e = Embedder::from_bytes(bytes, tok).unwrap();
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| e.embed(&["hello"]).map(|_| ())));
                assert!(r.is_ok(), "{name}: embedding panicked");
            }
            Ok(other) => panic!("{name}: expected Err(Embed), got {other:?}"),
            Err(_) => panic!("{name}: loading panicked"),
        }
    }
}

#[test]
fn mismatched_or_broken_tokenizer_is_an_error() {
    let m = model_bytes();
    let json: serde_json::Value = serde_json::from_slice(tokenizer_bytes()).unwrap();
    // A bigger vocabulary (e.g. a multilingual model's tokenizer).
    let mut bigger = json.clone();
    let vocab = bigger["model"]["vocab"].as_object_mut().unwrap();
    for i in 0..5000 {
        vocab.insert(format!("extra{i}"), (30522 + i).into());
    }
    // A smaller one (e.g. bert-base-cased's 28996).
    let mut smaller = json.clone();
    let vocab = smaller["model"]["vocab"].as_object_mut().unwrap();
    vocab.retain(|_, id| id.as_u64().unwrap() < 28996);
    // No [CLS]/[SEP] template.
    let mut no_specials = json.clone();
    no_specials["post_processor"] = serde_json::Value::Null;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bigger vocab", serde_json::to_vec(&bigger).unwrap()),
        ("smaller vocab", serde_json::to_vec(&smaller).unwrap()),
        ("no special tokens", serde_json::to_vec(&no_specials).unwrap()),
        ("not json", b"{\"version\": ".to_vec()),
        ("model bytes", m[..4096].to_vec()),
        ("empty", Vec::new()),
    ];
    for (name, tok) in cases {
        let r = std::panic::catch_unwind(|| Embedder::from_bytes(m, &tok).map(|_| ()));
        match r {
            Ok(Err(Error::Embed(msg))) => eprintln!("{name}: {msg:.160}"),
            other => panic!("{name}: expected Err(Embed), got {other:?}"),
        }
    }
}

#[test]
fn bad_token_ids_are_errors() {
    let mut e = embedder();
    let empty: Vec<u32> = vec![];
    let too_long = vec![1000u32; 257];
    let out_of_vocab = vec![101, 30522, 102];
    for ids in [empty, too_long, out_of_vocab] {
        assert!(matches!(e.embed_tokens(&[ids]), Err(Error::InvalidParameter(_))));
    }
    // Without [CLS]/[SEP] ids are still valid input, just not what tokenize() makes.
    assert_eq!(e.embed_tokens(&[vec![7592u32]]).unwrap()[0].len(), 384);
}

#[test]
fn providers_recompute_from_text_and_tokens() {
    let mut e = embedder();
    let docs = ["sourdough bread recipe", "rust webassembly vector search", ""];
    let want = e.embed(&docs).unwrap();
    let tokens: Vec<Vec<u32>> = docs.iter().map(|d| e.tokenize(d).unwrap()).collect();

    let mut out = Vec::new();
    let mut p = TextVectors { embedder: &mut e, text_of: |id: u64| docs.get(id as usize).map(|s| s.to_string()) };
    p.exact_vectors(&[2, 0], &mut out).unwrap();
    assert_eq!(out.len(), 2 * 384);
    assert!(cosine(&out[..384], &want[2]) > 0.99999);
    assert!(cosine(&out[384..], &want[0]) > 0.99999);
    assert_eq!(p.exact_vectors(&[7], &mut out), Err(Error::UnknownId(7)));

    let mut out = Vec::new();
    let mut p = TokenVectors { embedder: &mut e, tokens_of: |id: u64| tokens.get(id as usize).cloned() };
    p.exact_vectors(&[1], &mut out).unwrap();
    assert!(cosine(&out, &want[1]) > 0.99999);
    assert_eq!(p.exact_vectors(&[3], &mut out), Err(Error::UnknownId(3)));
}
