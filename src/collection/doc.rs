//! A document and its record in the `docs` table.
//!
//! ```text
//! b"ND" u8(version=1) then varint-length strings id, title, url, text, meta (JSON or ""),
//! varint(token count) varint tokens..., u32 LE crc32 of everything before it
//! ```

use crate::format::varint::{Reader, put_varint};
use crate::records::{Frame, Result};

const FRAME: Frame = Frame { magic: b"ND", version: 1, name: "document record", written: "this database was" };

/// A document as the collection keeps it. `tokens` are the embedder's token ids of
/// [`Doc::embed_text`], kept so recomputing its embedding skips the tokenizer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    pub id: String,
    pub title: String,
    pub url: String,
    pub text: String,
    /// The caller's metadata as a JSON string ("" for none).
    pub meta: String,
    pub tokens: Vec<u32>,
}

impl Doc {
    /// What is embedded: the title, then the text.
    pub fn embed_text(&self) -> String {
        embed_text(&self.title, &self.text)
    }

    /// No title and no text: nothing was embedded but an empty string.
    pub fn is_blank(&self) -> bool {
        self.title.trim().is_empty() && self.text.trim().is_empty()
    }

    /// Same content (tokens aside)?
    pub fn same_content(&self, other: &Doc) -> bool {
        self.id == other.id && self.title == other.title && self.url == other.url && self.text == other.text && self.meta == other.meta
    }

    /// Keyword fields with their weights (title counts twice).
    pub fn fields(&self) -> [(&str, u32); 3] {
        [(&self.title, 2), (&self.url, 1), (&self.text, 1)]
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = FRAME.start(16 + self.text.len() + self.title.len() + self.url.len() + self.meta.len() + self.tokens.len() * 2);
        for s in [&self.id, &self.title, &self.url, &self.text, &self.meta] {
            put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        put_varint(&mut out, self.tokens.len() as u64);
        for &t in &self.tokens {
            put_varint(&mut out, t as u64);
        }
        Frame::seal(&mut out);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Doc> {
        let bad = |what: &str| FRAME.bad(what);
        let body = FRAME.open(bytes, 0)?;
        let mut r = Reader::new(body);
        let mut s = || -> Result<String> {
            let n = r.count(body.len(), "string length").map_err(|e| bad(&e.to_string()))?;
            let b = r.take(n).map_err(|e| bad(&e.to_string()))?;
            String::from_utf8(b.to_vec()).map_err(|_| bad("a string is not UTF-8"))
        };
        let (id, title, url, text, meta) = (s()?, s()?, s()?, s()?, s()?);
        let n = r.count(body.len(), "token count").map_err(|e| bad(&e.to_string()))?;
        let mut tokens = Vec::with_capacity(n);
        for _ in 0..n {
            let t = r.varint().map_err(|e| bad(&e.to_string()))?;
            tokens.push(u32::try_from(t).map_err(|_| bad("token id out of range"))?);
        }
        if !r.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(Doc { id, title, url, text, meta, tokens })
    }
}

/// The text embedded for a document: the title, then the text.
pub fn embed_text(title: &str, text: &str) -> String {
    match (title.trim().is_empty(), text.trim().is_empty()) {
        (true, _) => text.to_string(),
        (false, true) => title.to_string(),
        (false, false) => format!("{title}\n{text}"),
    }
}
