//! nook's WordPiece reader against Hugging Face's tokenizers crate, natively: the same ids
//! for real text (this repository's documents, every vocabulary entry), for seeded random
//! text over the characters BERT's normaliser treats specially and over all of Unicode,
//! under the model's `tokenizer.json` and under variants of it (cased, accents kept, no
//! CJK spacing, `BertProcessing`); configurations it does not read are refused.
//!
//! Needs the prepared model directory (`scripts/fetch_model.sh`; `NOOK_MODEL_DIR`); a
//! missing `tokenizer.json` is a failure, not a skip.

#![cfg(all(feature = "embed", not(target_arch = "wasm32")))]

use nook::Error;
use nook::embed::tokenize::Tokenizer;
use serde_json::{Value, json};
use std::path::PathBuf;

const MAX: usize = 512;

fn tokenizer_json() -> Value {
    let dir = std::env::var_os("NOOK_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"));
    let path = dir.join("tokenizer.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}. Run scripts/fetch_model.sh.", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

/// Both tokenizers from the same file, truncating at `MAX`.
fn pair(file: &Value) -> (Tokenizer, tokenizers::Tokenizer) {
    let bytes = serde_json::to_vec(file).unwrap();
    let ours = Tokenizer::from_bytes(&bytes, MAX).expect("nook reads it");
    let mut theirs = tokenizers::Tokenizer::from_bytes(&bytes).unwrap();
    theirs.with_padding(None);
    theirs.with_truncation(Some(tokenizers::TruncationParams { max_length: MAX, ..Default::default() })).unwrap();
    (ours, theirs)
}

fn assert_same(file: &Value, texts: &[String], what: &str) {
    let (ours, theirs) = pair(file);
    let mut tokens = 0;
    for text in texts {
        let want = theirs.encode(text.as_str(), true).unwrap().get_ids().to_vec();
        let got = ours.encode(text).unwrap();
        assert_eq!(got, want, "{what}: ids of {text:?}");
        tokens += got.len();
    }
    eprintln!("{what}: {} texts, {tokens} tokens agree", texts.len());
}

/// Lines of the repository's own documents: English prose, code, tables, Unicode arrows, the
/// quality benchmark's queries.
fn documents() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    for name in [
        "README.md",
        "ARCHITECTURE.md",
        "www/README.md",
        "src/embed/wordpiece.rs",
        "bench/quality/README.md",
        "bench/quality/queries/wordnet.json",
        "bench/quality/queries/mdn.json",
        "bench/quality/queries/manpages.json",
    ] {
        let text = std::fs::read_to_string(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        texts.extend(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned));
        texts.push(text.chars().take(20_000).collect());
    }
    assert!(texts.len() > 500, "only {} lines", texts.len());
    texts
}

/// Characters BERT's normaliser and pre-tokenizer treat specially, and ordinary ones.
const POOL: &[&str] = &[
    "a",
    "B",
    "z",
    "Q",
    "0",
    "7",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u{a0}",
    "\u{2003}",
    "\u{3000}",
    "\u{200b}",
    "\u{feff}",
    "\0",
    "\u{fffd}",
    "\u{7f}",
    "\u{1b}",
    "\u{ad}",
    "\u{e000}",
    "\u{f8ff}",
    "é",
    "e\u{301}",
    "ñ",
    "Å",
    "ﬁ",
    "İ",
    "ß",
    "Σ",
    "ς",
    "ΌΣΟΣ",
    "ǅ",
    "Ⅻ",
    "①",
    "Ж",
    "ё",
    "й",
    "ا",
    "ك",
    "\u{64b}",
    "ह\u{93f}",
    "한",
    "国",
    "東京",
    "𠀀",
    "\u{2f800}",
    "\u{f900}",
    "ー",
    "カ",
    "ひ",
    "🍕",
    "👍🏽",
    "🇫🇷",
    "\u{1f3fb}",
    "!",
    "?",
    ",",
    ".",
    "-",
    "_",
    "'",
    "\"",
    "#",
    "##",
    "$",
    "+",
    "^",
    "`",
    "~",
    "|",
    "<",
    "=",
    "@",
    "\\",
    "/",
    "(",
    "]",
    "¿",
    "¡",
    "«",
    "»",
    "—",
    "–",
    "…",
    "・",
    "。",
    "、",
    "「",
    "」",
    "،",
    "\u{2028}",
    "[MASK]",
    "[CLS]",
    "[SEP]",
    "[PAD]",
    "[UNK]",
    "[mask]",
    "[MAS",
    "K]",
    "[",
    "the",
    "un",
    "##able",
    "token",
    "ization",
    "search",
    "running",
    "naïve",
    "café",
    "Zürich",
    "Ελληνικά",
    "Москва",
    "日本語",
    "中文",
    "한국어",
    "עברית",
    "\u{300}\u{301}\u{302}",
    "\u{1100}\u{1161}",
    "\u{e0041}",
    "\u{10ffff}",
    "\u{1d400}",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn random_texts(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut texts = Vec::with_capacity(n);
    for _ in 0..n {
        let pieces = 1 + rng.next() as usize % 40;
        let mut t = String::new();
        for _ in 0..pieces {
            match rng.next() % 10 {
                // Any scalar value at all, assigned or not.
                0 => t.extend(char::from_u32(rng.next() as u32 % 0x11_0000)),
                // A run of one letter: words past 100 characters become [UNK].
                1 => t.push_str(&"x".repeat(rng.next() as usize % 130)),
                _ => t.push_str(POOL[rng.next() as usize % POOL.len()]),
            }
        }
        texts.push(t);
    }
    texts
}

#[test]
fn same_ids_as_hugging_face_on_real_text() {
    let file = tokenizer_json();
    assert_same(&file, &documents(), "repository documents");
    // Every vocabulary entry as a text of its own, and all of them as one long text.
    let vocab: Vec<String> = file["model"]["vocab"].as_object().unwrap().keys().cloned().collect();
    assert_same(&file, &vocab, "vocabulary entries");
    assert_same(&file, &[vocab.join(" ")], "the vocabulary as one text");
}

#[test]
fn same_ids_as_hugging_face_on_random_text() {
    let file = tokenizer_json();
    assert_same(&file, &random_texts(1, 20_000), "random text");
}

#[test]
fn same_ids_under_other_bert_configurations() {
    let base = tokenizer_json();
    let texts = random_texts(2, 4_000);
    for (what, normalizer) in [
        ("cased", json!({"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": false})),
        (
            "lowercase, accents kept",
            json!({"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": false, "lowercase": true}),
        ),
        (
            "cased, accents stripped",
            json!({"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": true, "lowercase": false}),
        ),
        (
            "no cleaning, no CJK spacing",
            json!({"type": "BertNormalizer", "clean_text": false, "handle_chinese_chars": false, "strip_accents": null, "lowercase": true}),
        ),
    ] {
        let mut file = base.clone();
        file["normalizer"] = normalizer;
        assert_same(&file, &texts, what);
    }
    let mut bert_processing = base.clone();
    bert_processing["post_processor"] = json!({"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]});
    assert_same(&bert_processing, &texts, "BertProcessing");
    let mut short_words = base.clone();
    short_words["model"]["max_input_chars_per_word"] = json!(5);
    assert_same(&short_words, &texts, "max_input_chars_per_word 5");
}

#[test]
fn other_tokenizers_are_refused_by_name() {
    let base = tokenizer_json();
    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    let mut f = base.clone();
    f["normalizer"] = json!({"type": "Lowercase"});
    cases.push(("another normalizer", f, "Lowercase"));
    let mut f = base.clone();
    f["pre_tokenizer"] = json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true});
    cases.push(("another pre-tokenizer", f, "ByteLevel"));
    let mut f = base.clone();
    f["model"]["type"] = json!("BPE");
    cases.push(("another model", f, "BPE"));
    let mut f = base.clone();
    f["added_tokens"][4]["lstrip"] = json!(true);
    cases.push(("an added token that strips spaces", f, "[MASK]"));
    let mut f = base.clone();
    f["model"]["unk_token"] = json!("<unk>");
    cases.push(("an unknown token outside the vocabulary", f, "<unk>"));
    let mut f = base.clone();
    f["post_processor"]["single"] = json!([{"Sequence": {"id": "A", "type_id": 0}}]);
    cases.push(("a template without special tokens", f, "no special tokens"));
    let mut f = base.clone();
    f["model"]["vocab"] = json!([["a", 0.0]]);
    cases.push(("a Unigram vocabulary", f, "could not be read"));
    for (what, file, named) in cases {
        match Tokenizer::from_bytes(&serde_json::to_vec(&file).unwrap(), MAX) {
            Err(Error::Embed(msg)) => assert!(msg.contains(named), "{what}: {msg:?} does not name {named:?}"),
            Err(other) => panic!("{what}: expected Error::Embed, got {other:?}"),
            Ok(_) => panic!("{what}: accepted"),
        }
    }
}
