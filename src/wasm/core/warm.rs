//! `NookCore`'s background warm-up of the cache of recomputed embeddings after an open
//! (`collection/warm.rs`): in steps on the nook worker (`warm`), and in larger batches a
//! search helper embeds meanwhile (`warmTake`, then `warmPut` with what it made); and
//! the record of what searches needed that orders the next open's warm-up (`saveHints`).

use js_sys::{Float64Array, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::NookCore;
use crate::collection::{Precomputed, split_sequences};
use crate::store::{Failure, Result, Store};
use crate::wasm::convert::{embedded_from_js, sequences_to_js};
use crate::wasm::js_error;

#[wasm_bindgen]
impl NookCore {
    /// One step of the background warm-up (see `Collection::warm`): embeds the next
    /// documents a search is likely to need, up to `tokens` tokens of them. Returns how
    /// many are left at most (0: over). Writes nothing.
    pub fn warm(&self, tokens: u32) -> Result<u32, JsValue> {
        self.shared.check_open().map_err(js_error)?;
        let mut e = self.shared.embed.borrow_mut();
        let w = self.shared.coll.borrow_mut().warm(&mut *e, tokens as usize).map_err(js_error)?;
        Ok(w.left.min(u32::MAX as usize) as u32)
    }

    /// The next documents of the warm-up, up to `tokens` tokens of them, taken off its
    /// queue for a helper to embed (see `Collection::warm_take`): `{keys: Float64Array,
    /// tokens, lengths}` as `tokens()` gives sequences; no keys when the warm-up is over.
    #[wasm_bindgen(js_name = warmTake)]
    pub fn warm_take(&self, tokens: u32) -> Result<JsValue, JsValue> {
        self.shared.check_open().map_err(js_error)?;
        let mut c = self.shared.coll.borrow_mut();
        let (keys, _) = c.warm_take(tokens as usize);
        let (keys, seqs): (Vec<f64>, Vec<Vec<u32>>) = keys.iter().filter_map(|&k| c.doc(k).map(|d| (k as f64, d.tokens.to_vec()))).unzip();
        let o = sequences_to_js(&seqs);
        let _ = Reflect::set(&o, &"keys".into(), &Float64Array::from(keys.as_slice()));
        Ok(o)
    }

    /// Cache what a helper made of `warmTake`'s documents: `keys` as it gave them and
    /// `embedded` `{tokens, lengths, vectors}` as `add` takes it. Documents deleted, changed
    /// or cached meanwhile are skipped or embedded here, as a search would (see
    /// `Collection::warm_put`). Returns how many were cached.
    #[wasm_bindgen(js_name = warmPut)]
    pub fn warm_put(&self, keys: Vec<f64>, embedded: JsValue) -> Result<u32, JsValue> {
        self.put(&keys, &embedded).map(|n| n.min(u32::MAX as usize) as u32).map_err(js_error)
    }

    /// Turn the search hints on or off (see `Collection::remember_searches`); the worker
    /// then saves, which deletes a stored record when off.
    #[wasm_bindgen(js_name = setRememberSearches)]
    pub fn set_remember_searches(&self, on: bool) -> Result<(), JsValue> {
        self.shared.check_open().map_err(js_error)?;
        self.shared.coll.borrow_mut().remember_searches(on);
        Ok(())
    }

    /// Has a search needed documents since the last `saveHints`?
    #[wasm_bindgen(js_name = hintsChanged)]
    pub fn hints_changed(&self) -> bool {
        !self.shared.closed.get() && self.shared.coll.borrow().hints_changed()
    }

    /// Store what exact searches needed, for the next open's warm-up (see
    /// `Collection::hints_to_save`): one record, no change of the collection (the generation
    /// stays, so other tabs do not reload). Resolves to whether anything was written.
    #[wasm_bindgen(js_name = saveHints)]
    pub fn save_hints(&self) -> Promise {
        let s = self.shared.clone();
        super::promise(async move {
            s.check_open()?;
            let Some(save) = s.coll.borrow().hints_to_save() else { return Ok(false.into()) };
            s.store.commit(std::slice::from_ref(&save.write)).await?;
            s.coll.borrow_mut().hints_saved(save);
            Ok(true.into())
        })
    }
}

impl NookCore {
    fn put(&self, keys: &[f64], embedded: &JsValue) -> Result<usize> {
        self.shared.check_open()?;
        let keys = keys
            .iter()
            .map(|&k| (k >= 0.0 && k.fract() == 0.0 && k <= 9_007_199_254_740_992.0).then_some(k as u64))
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| Failure::input("warmPut: keys must be the whole numbers warmTake gave"))?;
        let m = embedded_from_js(embedded)?.ok_or_else(|| Failure::input("warmPut: embedded {tokens, lengths, vectors} is required"))?;
        let mut e = self.shared.embed.borrow_mut();
        let seqs = split_sequences(&m.tokens, &m.lengths, e.config().max_tokens)?;
        let mut pre = Precomputed::new(&mut *e, &seqs, &m.vectors)?;
        self.shared.coll.borrow_mut().warm_put(&mut pre, &keys)
    }
}
