//! Vector quantization: product quantization for navigation in pruned indexes
//! ([`pq`]), the rotation learned per model that goes before it ([`rotation`]), and
//! k-means, the training both rest on ([`kmeans`]).

pub mod fastscan;
pub mod kmeans;
pub mod pq;
pub mod rotation;

pub use pq::{PqParams, ProductQuantizer};
pub use rotation::Rotation;
