//! Vector quantization: product quantization for navigation in pruned indexes
//! ([`pq`]), and k-means, the training both rest on ([`kmeans`]).

pub mod kmeans;
pub mod pq;

pub use pq::{PqParams, ProductQuantizer};
