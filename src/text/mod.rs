//! Keyword side of hybrid search: BM25 (Robertson & Zaragoza) over a document's title, URL
//! and text, for what an embedding blurs (exact names, identifiers, URL fragments,
//! acronyms), with typo tolerance. Derived data: the index is rebuilt at load from the
//! terms counted when each page of documents was written (`collection::pages`, by
//! [`TERMS_VERSION`]; other versions are tokenised again). Pure, in memory.
//!
//! | module | owns |
//! |---|---|
//! | `terms.rs` | text -> terms (stopwords and 1-character tokens dropped, accents folded, CJK bigrams, Thai, Lao, Khmer and Myanmar pairs of units); what a term adds to BM25's document length; a result's snippet around where they match |
//! | `fuzzy.rs` | bounded edit distance for query words the index does not know |
//! | `index.rs` | the inverted index, BM25 ranking, and [`KeywordIndex::evidence`] for fusion |

mod fuzzy;
mod index;
mod terms;

pub use index::{Bm25Params, Completion, Evidence, KeywordIndex, Query, TERMS_VERSION, count_terms, unfinished};
pub use terms::{Rules, each_term, is_cjk_ideograph, is_stopword, snippet, terms, terms_by, words};
