//! A collection's knobs: [`Settings`], what `Default` gives (the browser package's
//! values), and what each one changes.

use super::embed::Embed;
use crate::index::{PqParams, PruneParams, Stop, TwoLevelParams};

/// Knobs of a collection. `Default` is what the browser package uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Live documents at which the index switches from stored vectors to PQ codes.
    pub prune_at: usize,
    /// Documents from which the PQ-coded index gets its pruned graph (built over the adds
    /// that follow); below, searches scan all codes: the graph, linked by its codes'
    /// distances, finds less than the scan at every size measured (`bench/results/linking.md`)
    /// and its bytes would go to finer codes.
    pub graph_at: usize,
    pub pq: PqParams,
    pub prune: PruneParams,
    /// Two-level search; its `ef` is the beam of a walk over the graph (512: measured to find
    /// 0.07-0.10 more of the true top 10 than 64, for ~0.2 ms natively; a scan ignores it).
    pub two_level: TwoLevelParams,
    /// Beam width of stored-vector search.
    pub ef: usize,
    /// Recomputed embeddings kept in memory (f16, 768 bytes each at 384 dimensions).
    pub cache: usize,
    /// Compact when this fraction of nodes is deleted.
    pub compact_at: f32,
    /// Hybrid: weight of the keyword evidence (`share`, 0..1) added to cosine similarity;
    /// [`UNREAD`] times it for a query the model cannot read, [`BLIND`] times it for one it
    /// does not see at all (`keyword_weight` below).
    pub keyword_weight: f32,
    /// Hybrid: exponent of a matched term's specificity (idf over the idf of a term one
    /// document has) in the evidence; 0 counts every matched term by its BM25 alone.
    pub keyword_specificity: f32,
    /// Hybrid: evidence below this share counts for nothing, above it linearly up to 1
    /// (a partial match of a few query words must not reorder what meaning ranked).
    pub keyword_gate: f32,
    /// Relevance floor: results scoring below it are dropped, so weak tails are cut.
    /// Calibrated for all-MiniLM-L6-v2 (bench/results/quality-sweep.md); 0 keeps all.
    pub min_score: f32,
    /// The floor for a query none of whose words the model or the documents know
    /// ("qwxzvbnmk", "zzz"): such strings land close to odd documents by chance, so only a
    /// strong match counts.
    pub min_score_unknown: f32,
    /// Largest document text, in bytes.
    pub max_text: usize,
    /// Preview (PQ phase): its best candidates by its own ranking that get an exact
    /// similarity, recomputed if need be; the rest rank by a cached embedding or their code.
    /// 0: a preview never recomputes.
    pub preview_exact: usize,
    /// Documents of at least this many tokens keep their embedding in their record and are
    /// never recomputed (see `doc`); above the embedder's `max_tokens`: none do.
    pub keep_from_tokens: usize,
    /// Recomputed embeddings the background warm-up after an open fills the cache to
    /// (at most three quarters of `cache`; 0: no warm-up). See `warm`.
    pub warm_up: usize,
    /// Remember which documents exact searches needed, in the database, so the warm-up
    /// after the next open recomputes them first (see `hints`; off: none is written and
    /// the warm-up goes by the mean direction alone).
    pub hints: bool,
}

/// How much more the keyword evidence weighs when the model knows at most half of the
/// query's terms as words of its vocabulary: text in a language or script it was not
/// trained on (Chinese or Japanese characters in pairs, most German or French words for
/// an English model), where its cosines say little and the documents' keywords lead. Chosen on the
/// English ranking benchmark (mean MRR@10 over its natural, keyword and typo queries,
/// `quality.md`; only keyword and typo queries moved); ARCHITECTURE.md "Text that is not
/// English".
pub const UNREAD: f32 = 3.0;

/// How much more the keyword evidence weighs when the model does not see the query at all:
/// most of its tokens are the unknown one or single letters spelled out (Thai, Lao,
/// Chinese, Japanese, Korean, Cyrillic... for an English model, which has no words of
/// them: `Embed::sees`). Such a query embeds to a vector that says little of what it
/// means, and so does such a document: on 6,000 Thai Wikipedia
/// titles the similarities of a query's candidates spread over 0.5-1.0 by noise, and took
/// the first place from the title holding the query one time in five. Not tuned: large
/// enough that the keywords decide (a share's least difference outweighs the similarity's
/// whole range), the similarity only breaking their ties; and a result needs keyword
/// evidence ([`Reading::keeps`]).
pub const BLIND: f32 = 100.0;

/// The keyword weight of a hybrid search: `weight`, [`UNREAD`] times it when the model
/// reads at most half of the query's terms, [`BLIND`] times it when it does not see the
/// query.
pub fn keyword_weight(weight: f32, reading: Reading) -> f32 {
    match reading {
        Reading { blind: true, .. } => weight * BLIND,
        Reading { read: false, .. } => weight * UNREAD,
        _ => weight,
    }
}

/// What a search (a collection's or a static site's) knows of its query's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// Some term is a word of the model's vocabulary or of the documents (exactly or as a
    /// typo): the relevance floor is `min_score`, else the stricter one for unknown words.
    pub known: bool,
    /// Most of the terms (more than half) are words of the model's vocabulary: else the
    /// keyword side leads ([`keyword_weight`]). A French query often holds a word English
    /// has as well (`premiere`, `assistant`) beside one it has not; an English one's
    /// unknown word is a name or an identifier among words it reads.
    pub read: bool,
    /// The model does not see the query (most of its tokens unknown or single letters:
    /// [`BLIND`]; `Embed::sees`); a hybrid search's only.
    pub blind: bool,
}

impl Reading {
    /// Of a search for `text`, whose terms are `terms`: `embed` says which terms are words
    /// of the model's vocabulary and, for a `hybrid` search, whether it sees the query at
    /// all ([`BLIND`]); `in_documents` asks the documents' terms (only for words the model
    /// does not know).
    pub fn of<S: AsRef<str>>(embed: &dyn Embed, text: &str, terms: impl IntoIterator<Item = S>, in_documents: impl Fn(&str) -> bool, hybrid: bool) -> Reading {
        let blind = hybrid && !embed.sees(text);
        let mut r = Reading { known: false, read: false, blind };
        let (mut words, mut read) = (0usize, 0usize);
        for w in terms {
            let w = w.as_ref();
            words += 1;
            if embed.knows_word(w) {
                read += 1;
                r.known = true;
            } else if !r.known {
                r.known = in_documents(w);
            }
        }
        r.read = read * 2 > words;
        r
    }

    /// The relevance floor: `min_score`, or `min_score_unknown` if higher when no term is
    /// known.
    pub fn floor(&self, min_score: f32, min_score_unknown: f32) -> f32 {
        if self.known { min_score } else { min_score.max(min_score_unknown) }
    }

    /// Does a result of `score` and keyword share `keyword` stay, under `floor` (none at
    /// 0 or below)? A query the model does not see keeps only results its keywords found
    /// (the rest would be ranked by noise).
    pub fn keeps(&self, floor: f32, score: f32, keyword: f32) -> bool {
        (floor <= 0.0 || score >= floor) && (!self.blind || keyword > 0.0)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            prune_at: 1000,
            graph_at: 1_000_000,
            pq: PqParams { subspaces: 64, bits: 4, ..PqParams::default() },
            prune: PruneParams::default(),
            two_level: TwoLevelParams { ef: 512, rerank: 64, batch: 16, stop: Stop::Bound { first: 16, step: 8, z: 1.25, z_fit: 2.0 }, extra: 0 },
            ef: 64,
            cache: 16_384,
            compact_at: 0.25,
            keyword_weight: 0.4,
            keyword_specificity: 0.0,
            keyword_gate: 0.2,
            min_score: 0.25,
            min_score_unknown: 0.4,
            max_text: 1 << 20,
            preview_exact: 4,
            keep_from_tokens: super::doc::KEEP_FROM_TOKENS,
            warm_up: 12_288,
            hints: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Result;

    /// An embedder whose vocabulary is `words` (nothing else of it is asked).
    struct Vocabulary(&'static [&'static str]);

    impl Embed for Vocabulary {
        fn dims(&self) -> usize {
            1
        }
        fn tokenize(&self, _text: &str) -> Result<Vec<u32>> {
            Ok(Vec::new())
        }
        fn embed_tokens(&mut self, _seqs: &[&[u32]], _out: &mut Vec<f32>) -> Result<()> {
            Ok(())
        }
        fn knows_word(&self, word: &str) -> bool {
            self.0.contains(&word)
        }
    }

    fn reading(query: &str, in_documents: &[&str]) -> Reading {
        let vocabulary = Vocabulary(&["assistant", "premiere", "nouveau", "how", "to", "compress", "files", "with"]);
        Reading::of(&vocabulary, query, query.split(' '), |w| in_documents.contains(&w), true)
    }

    #[test]
    fn a_query_is_read_when_most_of_its_words_are_the_models() {
        // Two words of French, one English has too: the keywords lead.
        let r = reading("apres assistant", &["apres"]);
        assert_eq!(r, Reading { known: true, read: false, blind: false });
        assert_eq!(keyword_weight(0.4, r), 0.4 * UNREAD);
        // Both words English has: read, as an English query of them would be.
        assert!(reading("premiere nouveau", &[]).read);
        // An English query with one identifier among words the model reads.
        let r = reading("how to compress files with xz", &[]);
        assert_eq!(r, Reading { known: true, read: true, blind: false });
        assert_eq!(keyword_weight(0.4, r), 0.4);
        // Half is not most.
        assert!(!reading("compress xz", &[]).read);
        // No word the model knows: known only through the documents, and then not at all.
        assert_eq!(reading("coupure saisie", &["saisie"]), Reading { known: true, read: false, blind: false });
        assert_eq!(reading("qwxzv zzz", &[]), Reading { known: false, read: false, blind: false });
    }
}
