//! Text -> token ids: BERT WordPiece ([`super::wordpiece`]), `[CLS]` and `[SEP]` around
//! it, truncation at nook's own limit (the file's padding and truncation are not used).
//!
//! Owns only tokenization (no model, no pooling). Long inputs are cut to a prefix before
//! tokenizing, at a point where the prefix provably tokenizes like the start of the whole
//! text, so 1 MB of text costs about as much as a page (see [`Tokenizer::encode`]).

use super::wordpiece::WordPiece;
use crate::error::{Error, Result};

/// Token ids of one text, with `[CLS]` first and `[SEP]` last, at most `max_tokens` long.
pub type TokenIds = Vec<u32>;

/// Bytes of text tried per allowed token before the prefix is grown (doubling).
const BYTES_PER_TOKEN_GUESS: usize = 16;

/// A tokenizer configured for embedding: no padding, truncation at `max_tokens`.
pub struct Tokenizer {
    words: WordPiece,
    max_tokens: usize,
    /// Ids of the text itself that fit between the special tokens.
    room: usize,
}

impl Tokenizer {
    /// Parse `tokenizer.json` bytes; `max_tokens` counts `[CLS]` and `[SEP]`.
    pub fn from_bytes(json: &[u8], max_tokens: usize) -> Result<Self> {
        let words = WordPiece::from_json(json)?;
        let specials = words.before.len() + words.after.len();
        let room = max_tokens
            .checked_sub(specials)
            .ok_or_else(|| Error::InvalidParameter(format!("max_tokens is {max_tokens} but the tokenizer adds {specials} special tokens")))?;
        Ok(Tokenizer { words, max_tokens, room })
    }

    /// Is `word` (as given: lowercase for an uncased model) one whole token of the
    /// vocabulary? A word the model has no token for is split into pieces, or unknown.
    pub fn has_word(&self, word: &str) -> bool {
        self.words.id_of(word).is_some()
    }

    /// Is `id` the unknown token (`[UNK]`) or a piece of one letter other than ASCII?
    pub fn is_unknown_or_letter(&self, id: u32) -> bool {
        self.words.is_unknown_or_letter(id)
    }

    /// Is `id` one the tokenizer puts around a text (`[CLS]`, `[SEP]`)?
    pub fn is_special(&self, id: u32) -> bool {
        self.words.before.contains(&id) || self.words.after.contains(&id)
    }

    /// Vocabulary size including added tokens: every id this tokenizer emits is below it.
    pub fn vocab_size(&self) -> usize {
        self.words.vocab_size()
    }

    /// Maximum ids per text, `[CLS]` and `[SEP]` included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Token ids of `text`, truncated to `max_tokens`.
    ///
    /// The empty string and whitespace-only strings give `[CLS] [SEP]`, which the model
    /// embeds like any other input: a defined (if not very meaningful) vector.
    ///
    /// Only a prefix of a long text is tokenized. The prefix ends before an ASCII
    /// whitespace or punctuation character or a CJK ideograph, where BERT's normaliser and
    /// pre-tokenizer always split words, so its tokens are the first tokens of the whole
    /// text, except possibly the last few if an added token (`[MASK]`) straddles the cut.
    /// The prefix is accepted once it has [`OVERFLOW_MARGIN`] tokens more than fit, which
    /// makes the truncated result equal to tokenizing everything.
    pub fn encode(&self, text: &str) -> Result<TokenIds> {
        let mut budget = self.max_tokens.saturating_mul(BYTES_PER_TOKEN_GUESS).max(1024);
        let mut words = Vec::new();
        loop {
            let cut = word_boundary_near(text, budget);
            words.clear();
            self.words.push_ids(&text[..cut], &mut words);
            if cut == text.len() || words.len() >= self.max_tokens + OVERFLOW_MARGIN {
                words.truncate(self.room);
                let mut ids = Vec::with_capacity(words.len() + self.max_tokens - self.room);
                ids.extend_from_slice(&self.words.before);
                ids.extend_from_slice(&words);
                ids.extend_from_slice(&self.words.after);
                return Ok(ids);
            }
            budget = budget.saturating_mul(2);
        }
    }
}

/// Tokens a cut prefix must have beyond `max_tokens` before its truncation is trusted:
/// more than an added token (`[MASK]`, 6 chars) split at the cut can turn into.
pub const OVERFLOW_MARGIN: usize = 16;

/// A cut at or before `budget` (else the first one after it) at which `text` may be split
/// without changing how the part before it tokenizes; `text.len()` if there is none.
fn word_boundary_near(text: &str, budget: usize) -> usize {
    if budget >= text.len() {
        return text.len();
    }
    let is_cut =
        |c: char| c.is_ascii_whitespace() || c.is_ascii_punctuation() || ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c);
    // Cutting before an ASCII char or a CJK ideograph is safe for the normaliser too: both
    // are Unicode starters, so accent stripping (NFD) never reaches across them.
    let head = &text[..text.floor_char_boundary(budget)];
    if let Some((i, _)) = head.char_indices().rev().find(|&(i, c)| i > 0 && is_cut(c)) {
        return i;
    }
    let tail = head.len();
    text[tail..].char_indices().find(|&(_, c)| is_cut(c)).map_or(text.len(), |(i, _)| tail + i)
}

#[cfg(test)]
mod tests {
    use super::word_boundary_near as cut;

    #[test]
    fn cuts_before_separators_only() {
        assert_eq!(cut("hello world", 100), 11);
        assert_eq!(cut("hello world", 7), 5);
        assert_eq!(cut("héllo,wörld", 9), 6);
        assert_eq!(cut("ééééé ab", 3), 10);
        assert_eq!(cut("éééééé", 3), 12);
        assert_eq!(cut("ab我们", 6), 2);
        assert_eq!(cut(" abc", 2), 4);
    }
}
