//! BERT's WordPiece tokenizer, read from a `tokenizer.json` and run by nook: the text's
//! added tokens (`[MASK]`, `[SEP]`…) split out, the rest normalised (`BertNormalizer`),
//! cut into words at whitespace and punctuation (`BertPreTokenizer`), and each word cut
//! into the vocabulary's longest pieces (`WordPiece`).
//!
//! Owns reading `tokenizer.json` and the ids of a text's words; `[CLS]`/`[SEP]` are
//! read here but added, with truncation, by [`super::tokenize`]. For the configurations it
//! accepts it gives the ids Hugging Face's tokenizers crate gives (tested against it
//! natively on corpora and random text), with the same Unicode tables (categories from
//! `unicode_categories`, NFD from `unicode-normalization-alignments`, Unicode 9), so the
//! token ids an earlier nook stored agree with a query tokenized now. Anything else
//! (another normaliser, pre-tokenizer or model, added tokens that strip spaces or match
//! normalised text) is refused with an error naming it.

use crate::FastMap;
use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::Value;
use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::UnicodeNormalization;

/// What `tokenizer.json` holds that nook reads; the rest (padding, truncation, decoder) is
/// nook's own choice or unused.
#[derive(Deserialize)]
struct File {
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
    #[serde(default)]
    normalizer: Value,
    #[serde(default)]
    pre_tokenizer: Value,
    #[serde(default)]
    post_processor: Value,
    model: Model,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    content: String,
    #[serde(default)]
    single_word: bool,
    #[serde(default)]
    lstrip: bool,
    #[serde(default)]
    rstrip: bool,
    #[serde(default)]
    normalized: bool,
}

#[derive(Deserialize)]
struct Model {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(deserialize_with = "vocab_map")]
    vocab: FastMap<Box<str>, u32>,
    unk_token: String,
    #[serde(default = "default_prefix")]
    continuing_subword_prefix: String,
    #[serde(default = "default_max_chars")]
    max_input_chars_per_word: usize,
}

/// The vocabulary, into a map sized for BERT's 30,522 pieces from the start: JSON says
/// nothing of an object's size, and growing the map rehashed every key up to a dozen times
/// (a tenth of a model's load in V8's baseline tier). A key given twice keeps its last id,
/// as serde's own map does.
fn vocab_map<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<FastMap<Box<str>, u32>, D::Error> {
    struct Vocab;
    impl<'de> serde::de::Visitor<'de> for Vocab {
        type Value = FastMap<Box<str>, u32>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of vocabulary pieces to ids")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
            let mut vocab = FastMap::with_capacity_and_hasher(map.size_hint().unwrap_or(0).max(1 << 15), Default::default());
            while let Some((k, v)) = map.next_entry::<Box<str>, u32>()? {
                vocab.insert(k, v);
            }
            Ok(vocab)
        }
    }
    d.deserialize_map(Vocab)
}

fn default_prefix() -> String {
    "##".into()
}

fn default_max_chars() -> usize {
    100
}

/// `BertNormalizer`'s four switches (strip accents resolved: by default it follows
/// `lowercase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Normalizer {
    clean_text: bool,
    chinese_chars: bool,
    strip_accents: bool,
    lowercase: bool,
}

/// A BERT tokenizer: vocabulary, added tokens, normaliser switches and the special tokens
/// the post-processor puts around a single text.
pub struct WordPiece {
    vocab: FastMap<Box<str>, u32>,
    /// Pieces that continue a word, without the continuing prefix (`##`): looked up
    /// without building the prefixed string.
    continuing: FastMap<Box<str>, u32>,
    unk: u32,
    /// Pieces that are one letter of a script other than ASCII (`ก`, `##ร`, `東`): what
    /// a word the vocabulary has no piece for is spelled out with, when it can be.
    letters: crate::FastSet<u32>,
    max_word_chars: usize,
    /// Added tokens matched in the raw text, leftmost then longest.
    added: Vec<(Box<str>, u32)>,
    /// First bytes of the added tokens: where a match can start.
    added_first: [bool; 256],
    normalizer: Normalizer,
    /// Ids put before and after a text's own (`[CLS]` and `[SEP]` for BERT).
    pub before: Vec<u32>,
    pub after: Vec<u32>,
    /// One more than the largest id this tokenizer can emit.
    vocab_size: usize,
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::Embed(format!("tokenizer.json: {what}; nook reads BERT WordPiece tokenizers (use the model's own tokenizer.json)"))
}

impl WordPiece {
    /// Read `tokenizer.json` bytes.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let file: File = serde_json::from_slice(json).map_err(|e| Error::Embed(format!("tokenizer.json could not be read: {e}")))?;
        let model = file.model;
        if let Some(kind) = model.kind.as_deref().filter(|&k| k != "WordPiece") {
            return Err(bad(format!("its model is {kind}, not WordPiece")));
        }
        let normalizer = read_normalizer(&file.normalizer)?;
        match file.pre_tokenizer.get("type").and_then(Value::as_str) {
            Some("BertPreTokenizer") => {}
            other => return Err(bad(format!("its pre-tokenizer is {}, not BertPreTokenizer", other.unwrap_or("missing")))),
        }
        let mut added = Vec::with_capacity(file.added_tokens.len());
        for t in file.added_tokens {
            if t.single_word || t.lstrip || t.rstrip || t.normalized {
                return Err(bad(format!("added token {:?} is single_word, lstrip, rstrip or normalized", t.content)));
            }
            if !t.content.is_empty() {
                added.push((t.content.into_boxed_str(), t.id));
            }
        }
        let mut added_first = [false; 256];
        for (content, _) in &added {
            added_first[content.as_bytes()[0] as usize] = true;
        }
        let id_of = |token: &str| token_id(&added, &model.vocab, token);
        let unk = id_of(&model.unk_token).ok_or_else(|| bad(format!("the unknown token {:?} is not in the vocabulary", model.unk_token)))?;
        let (before, after) = read_specials(&file.post_processor, id_of)?;
        let prefix = model.continuing_subword_prefix.as_str();
        // About a fifth of BERT's pieces continue a word: room for them from the start.
        let mut continuing = FastMap::with_capacity_and_hasher(model.vocab.len() / 4, Default::default());
        continuing.extend(model.vocab.iter().filter_map(|(k, &id)| Some((k.strip_prefix(prefix)?.into(), id))));
        let one_letter = |k: &str| {
            let mut c = k.strip_prefix(prefix).unwrap_or(k).chars();
            matches!((c.next(), c.next()), (Some(c), None) if !c.is_ascii())
        };
        let letters = model.vocab.iter().filter(|(k, _)| one_letter(k)).map(|(_, &id)| id).collect();
        let largest = model.vocab.values().chain(added.iter().map(|(_, id)| id)).copied().max().unwrap_or(0);
        let vocab_size = largest as usize + 1;
        Ok(WordPiece {
            vocab: model.vocab,
            continuing,
            unk,
            letters,
            max_word_chars: model.max_input_chars_per_word,
            added,
            added_first,
            normalizer,
            before,
            after,
            vocab_size,
        })
    }

    /// One more than the largest id this tokenizer emits.
    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    /// Is `id` the unknown token, or a piece of one letter other than ASCII? A text made
    /// mostly of these is one the model has no words for (see `Embedder::sees`).
    pub fn is_unknown_or_letter(&self, id: u32) -> bool {
        id == self.unk || self.letters.contains(&id)
    }

    /// The id of one token as written (an added token or a vocabulary entry).
    pub fn id_of(&self, token: &str) -> Option<u32> {
        token_id(&self.added, &self.vocab, token)
    }

    /// Append the ids of `text`'s words (no special tokens) to `out`.
    pub fn push_ids(&self, text: &str, out: &mut Vec<u32>) {
        let mut scratch = (String::new(), String::new());
        let mut from = 0;
        while let Some((at, len, id)) = self.next_added(text, from) {
            self.push_piece(&text[from..at], out, &mut scratch);
            out.push(id);
            from = at + len;
        }
        self.push_piece(&text[from..], out, &mut scratch);
    }

    /// The leftmost added token at or after `from`, the longest of those starting there:
    /// `(start, length, id)`.
    fn next_added(&self, text: &str, from: usize) -> Option<(usize, usize, u32)> {
        let bytes = text.as_bytes();
        let mut at = from;
        while let Some(p) = bytes[at..].iter().position(|&b| self.added_first[b as usize]) {
            let start = at + p;
            let best = self.added.iter().filter(|(c, _)| bytes[start..].starts_with(c.as_bytes())).max_by_key(|(c, _)| c.len());
            if let Some((c, id)) = best {
                return Some((start, c.len(), *id));
            }
            // Added tokens are UTF-8 and start with a leading byte, so no match starts
            // inside a character: the next byte is as good a place to look as any.
            at = start + 1;
        }
        None
    }

    /// Ids of a stretch of text between added tokens.
    fn push_piece(&self, piece: &str, out: &mut Vec<u32>, (norm, tmp): &mut (String, String)) {
        if piece.is_empty() {
            return;
        }
        self.normalizer.apply(piece, norm, tmp);
        let mut word_start = None;
        for (i, c) in norm.char_indices() {
            if c.is_whitespace() || is_bert_punctuation(c) {
                if let Some(s) = word_start.take() {
                    self.push_word(&norm[s..i], out);
                }
                if !c.is_whitespace() {
                    self.push_word(&norm[i..i + c.len_utf8()], out);
                }
            } else if word_start.is_none() {
                word_start = Some(i);
            }
        }
        if let Some(s) = word_start {
            self.push_word(&norm[s..], out);
        }
    }

    /// The longest vocabulary piece first, then the longest continuing piece, to the end
    /// of the word; a word that cannot be covered (or is too long) is one unknown token.
    fn push_word(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > self.max_word_chars {
            out.push(self.unk);
            return;
        }
        let mark = out.len();
        let mut start = 0;
        while start < word.len() {
            let pieces = if start == 0 { &self.vocab } else { &self.continuing };
            let mut end = word.len();
            loop {
                if let Some(&id) = pieces.get(&word[start..end]) {
                    out.push(id);
                    start = end;
                    break;
                }
                end = word[..end].char_indices().next_back().map_or(0, |(i, _)| i);
                if end <= start {
                    out.truncate(mark);
                    out.push(self.unk);
                    return;
                }
            }
        }
    }
}

/// A token's id: an added token's, else the vocabulary's.
fn token_id(added: &[(Box<str>, u32)], vocab: &FastMap<Box<str>, u32>, token: &str) -> Option<u32> {
    added.iter().find(|(c, _)| &**c == token).map(|&(_, id)| id).or_else(|| vocab.get(token).copied())
}

fn read_normalizer(v: &Value) -> Result<Normalizer> {
    if v.is_null() {
        return Ok(Normalizer { clean_text: false, chinese_chars: false, strip_accents: false, lowercase: false });
    }
    if v.get("type").and_then(Value::as_str) != Some("BertNormalizer") {
        return Err(bad(format!("its normalizer is {}, not BertNormalizer", v.get("type").unwrap_or(&Value::Null))));
    }
    let flag = |name: &str, default: bool| match v.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(bad(format!("normalizer.{name} is {other}, not a boolean"))),
    };
    let lowercase = flag("lowercase", true)?;
    Ok(Normalizer {
        clean_text: flag("clean_text", true)?,
        chinese_chars: flag("handle_chinese_chars", true)?,
        strip_accents: flag("strip_accents", lowercase)?,
        lowercase,
    })
}

/// The ids the post-processor puts before and after a single text.
fn read_specials(v: &Value, id_of: impl Fn(&str) -> Option<u32>) -> Result<(Vec<u32>, Vec<u32>)> {
    let named = |token: &Value| -> Result<u32> {
        let name = token.as_str().ok_or_else(|| bad(format!("special token {token} is not a string")))?;
        id_of(name).ok_or_else(|| bad(format!("special token {name:?} is not in the vocabulary")))
    };
    match v.get("type").and_then(Value::as_str) {
        Some("BertProcessing") => {
            let pair = |key: &str| v.get(key).and_then(|p| p.get(0)).ok_or_else(|| bad(format!("post_processor.{key} is missing")));
            Ok((vec![named(pair("cls")?)?], vec![named(pair("sep")?)?]))
        }
        Some("TemplateProcessing") => {
            let single = v.get("single").and_then(Value::as_array).ok_or_else(|| bad("post_processor.single is missing"))?;
            let (mut before, mut after, mut seen_text) = (Vec::new(), Vec::new(), false);
            for piece in single {
                if piece.get("Sequence").is_some() {
                    if seen_text {
                        return Err(bad("the single-text template names the text twice"));
                    }
                    seen_text = true;
                } else if let Some(special) = piece.get("SpecialToken") {
                    let name = special.get("id").ok_or_else(|| bad("a template special token has no id"))?;
                    let ids = v
                        .get("special_tokens")
                        .and_then(|s| s.get(name.as_str().unwrap_or_default()))
                        .and_then(|s| s.get("ids"))
                        .and_then(Value::as_array)
                        .map(|ids| ids.iter().map(|i| i.as_u64().and_then(|i| u32::try_from(i).ok())).collect::<Option<Vec<u32>>>());
                    let ids = match ids {
                        Some(Some(ids)) => ids,
                        Some(None) => return Err(bad(format!("special token {name} has an id that is not a number"))),
                        None => vec![named(name)?],
                    };
                    let side = if seen_text { &mut after } else { &mut before };
                    side.extend(ids);
                } else {
                    return Err(bad(format!("template piece {piece} is neither a sequence nor a special token")));
                }
            }
            if before.is_empty() && after.is_empty() {
                return Err(bad("the template adds no special tokens ([CLS]/[SEP])"));
            }
            Ok((before, after))
        }
        other => Err(bad(format!("its post-processor is {}: it adds no special tokens ([CLS]/[SEP]) nook knows how to add", other.unwrap_or("missing")))),
    }
}

impl Normalizer {
    /// `BertNormalizer` in its order: clean, space out CJK ideographs, strip accents
    /// (NFD, then drop non-spacing marks), lowercase (each character's full mapping).
    fn apply(self, text: &str, out: &mut String, tmp: &mut String) {
        tmp.clear();
        for c in text.chars() {
            if self.clean_text && (c == '\0' || c == '\u{fffd}' || is_control(c)) {
                continue;
            }
            let c = if self.clean_text && is_bert_whitespace(c) { ' ' } else { c };
            if self.chinese_chars && crate::text::is_cjk_ideograph(c) {
                tmp.extend([' ', c, ' ']);
            } else {
                tmp.push(c);
            }
        }
        if self.strip_accents {
            out.clear();
            out.extend(tmp.nfd().map(|(c, _)| c).filter(|c| !c.is_mark_nonspacing()));
            std::mem::swap(out, tmp);
        }
        out.clear();
        if self.lowercase {
            out.extend(tmp.chars().flat_map(char::to_lowercase));
        } else {
            out.push_str(tmp);
        }
    }
}

/// Tab, newline and carriage return count as whitespace, not control characters.
fn is_bert_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

/// Unicode "other" (Cc, Cf, Co) except tab, newline and carriage return.
fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

/// ASCII punctuation (`$`, `+`, `^`… too) or a Unicode punctuation character.
fn is_bert_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}
