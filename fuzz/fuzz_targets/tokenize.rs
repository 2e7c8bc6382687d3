//! Fuzz the tokenizer nook runs on every text it is given (`embed::wordpiece`,
//! `embed::tokenize`): the first byte picks what the rest is. Even: a text (lossy UTF-8)
//! tokenized with the model's own `tokenizer.json` (models/, or `NOOK_MODEL_DIR`), which
//! must give `[CLS] … [SEP]` within `max_tokens`, every id inside the vocabulary. Odd:
//! `tokenizer.json` bytes, which must give a tokenizer or an `Err`. Never a panic, a hang or
//! an allocation without bound.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nook::embed::tokenize::Tokenizer;

const MAX_TOKENS: usize = 64;

fn tokenizer() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| {
        let dir = std::env::var("NOOK_MODEL_DIR").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../models").into());
        let bytes = std::fs::read(format!("{dir}/tokenizer.json")).expect("the model's tokenizer.json (scripts/fetch_model.sh)");
        Tokenizer::from_bytes(&bytes, MAX_TOKENS).expect("the model's tokenizer.json reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let t = tokenizer();
        let text = String::from_utf8_lossy(rest);
        let ids = t.encode(&text).expect("tokenizing never fails");
        assert!(ids.len() >= 2 && ids.len() <= MAX_TOKENS, "{} ids", ids.len());
        assert_eq!((ids[0], ids[ids.len() - 1]), (101, 102));
        assert!(ids.iter().all(|&id| (id as usize) < t.vocab_size()));
    } else if let Ok(t) = Tokenizer::from_bytes(rest, MAX_TOKENS) {
        let _ = t.encode("a text, with some words; and [MASK] éè 東京");
    }
});
