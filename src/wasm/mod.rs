//! The `#[wasm_bindgen]` surface (wasm32 + features `web` and `embed`): nothing but
//! conversions between JS values and the pure layers. One file per exported class.
//!
//! - [`core`]: `NookCore`, one open collection (IndexedDB store + embedder). The npm
//!   package's worker (pkg/src/worker.js) is its only intended caller.
//! - [`embedder`]: `NookEmbedder`, the embedder alone, for the workers that help a
//!   `NookCore` embed a large `add` (pkg/src/embed-worker.js).
//! - [`site`]: `NookSite`, a paged static site and the embedder; the worker fetches the
//!   pages its searches name.
//!
//! Rules: no `RefCell` borrow is held across an `.await` (exported objects are re-entered
//! while a promise is pending); every error is a JS `Error` whose `name` is a stable
//! `Nook*Error` (see [`crate::store::Kind`]); the panic hook is installed once.

mod convert;
mod core;
mod embedder;
mod site;
mod timing;

pub use self::core::NookCore;
pub use self::embedder::{JsBytes, NookEmbedder};
pub use self::site::NookSite;

use wasm_bindgen::prelude::*;

use crate::store::Failure;

/// A JS `Error` with the failure's stable name.
pub(crate) fn js_error(f: Failure) -> JsValue {
    let e = js_sys::Error::new(&f.message);
    e.set_name(f.kind.name());
    e.into()
}

pub(crate) fn init() {
    console_error_panic_hook::set_once();
}
