//! The one error type of nook. Messages say what went wrong and what to do.

/// Everything that can go wrong in nook, from bad input to unreadable index bytes.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    #[error("vector has {got} dimensions but the index expects {expected}")]
    DimensionMismatch { expected: usize, got: usize },
    #[error("vector contains a non-finite value (NaN or infinity) at position {0}")]
    NonFiniteValue(usize),
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("unknown document id {0}")]
    UnknownId(u64),
    #[error("document id {0} is already in the index; delete it first or use upsert")]
    DuplicateId(u64),
    #[error("not a nook index: the bytes do not start with the nook magic")]
    NotAnIndex,
    #[error("index format {found} is newer than this nook understands ({supported}): upgrade nook")]
    NewerFormat { found: u32, supported: u32 },
    #[error("index bytes are truncated: {0}")]
    Truncated(String),
    #[error("index bytes are corrupt: {0}")]
    Corrupt(String),
    #[error("checksum mismatch in section {0}: the index bytes were damaged")]
    Checksum(String),
    #[error("the exact-vector provider failed: {0}")]
    Provider(String),
    #[error("the operation needs stored vectors or a trained quantizer: {0}")]
    Unsupported(String),
    #[error("embedder: {0}")]
    Embed(String),
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
