//! The error type of the browser-facing layers (store, collection, wasm): a stable kind
//! (which becomes the JS `Error.name`) and a message that says what to do.

/// Stable categories; [`Kind::name`] is the JS error name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Bad arguments: wrong types, duplicate ids, oversize documents, bad `k`.
    Input,
    /// An id that is not in the collection.
    NotFound,
    /// Stored records or imported bytes are damaged.
    Corrupt,
    /// Stored data was written by a newer nook.
    Version,
    /// The browser refused to store more (nothing of the operation was written).
    Quota,
    /// Any other storage failure (nothing of the operation was written).
    Storage,
    /// The embedder failed (model or tokenizer).
    Embed,
    /// The object is closed, or used in a way its state does not allow.
    State,
}

impl Kind {
    /// Every kind (what `ERROR_NAMES` in the JS client lists, checked by a test).
    pub const ALL: [Kind; 8] = [Kind::Input, Kind::NotFound, Kind::Corrupt, Kind::Version, Kind::Quota, Kind::Storage, Kind::Embed, Kind::State];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Input => "NookInputError",
            Kind::NotFound => "NookNotFoundError",
            Kind::Corrupt => "NookCorruptError",
            Kind::Version => "NookVersionError",
            Kind::Quota => "NookQuotaError",
            Kind::Storage => "NookStorageError",
            Kind::Embed => "NookEmbedError",
            Kind::State => "NookStateError",
        }
    }
}

/// An error of the browser-facing layers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into() }
    }
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(Kind::Input, message)
    }
    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(Kind::Corrupt, message)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Failure {}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        use crate::Error as E;
        let kind = match &e {
            E::DimensionMismatch { .. } | E::NonFiniteValue(_) | E::InvalidParameter(_) | E::DuplicateId(_) => Kind::Input,
            E::UnknownId(_) => Kind::NotFound,
            E::NotAnIndex | E::Truncated(_) | E::Corrupt(_) | E::Checksum(_) => Kind::Corrupt,
            E::NewerFormat { .. } => Kind::Version,
            E::Provider(_) | E::Embed(_) => Kind::Embed,
            E::Unsupported(_) => Kind::State,
        };
        Failure { kind, message: e.to_string() }
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;
