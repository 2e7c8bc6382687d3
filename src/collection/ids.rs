//! Document ids to internal keys, without a second copy of every id.
//!
//! The map holds a hash of each id and its key; the id itself is the document's, read back
//! to confirm a lookup. An id whose hash another id already holds (rare: 64-bit hashes,
//! seeded per map) goes to a small map of whole ids. A load of 80,000 bookmarks builds
//! this with one `u64` insert per document instead of an allocated `String` each.

use super::doc::StoredDoc;
use crate::FastMap;
use std::hash::BuildHasher;

/// Ids to keys (see the module docs). `S` hashes ids; tests give one that collides.
#[derive(Debug, Default)]
pub struct IdMap<S = foldhash::fast::RandomState> {
    by_hash: FastMap<u64, u64>,
    /// Ids whose hash is held by another id.
    spill: FastMap<String, u64>,
    hasher: S,
}

/// The stored documents the map confirms ids against.
type Docs = FastMap<u64, StoredDoc>;

impl<S: BuildHasher> IdMap<S> {
    #[cfg(test)]
    fn with_hasher(hasher: S) -> Self {
        IdMap { by_hash: FastMap::default(), spill: FastMap::default(), hasher }
    }

    fn id_of(docs: &Docs, key: u64) -> Option<&str> {
        docs.get(&key).map(|d| d.view().id)
    }

    /// The key of the document with this id.
    pub fn get(&self, id: &str, docs: &Docs) -> Option<u64> {
        if !self.spill.is_empty()
            && let Some(&key) = self.spill.get(id)
        {
            return Some(key);
        }
        let key = *self.by_hash.get(&self.hasher.hash_one(id))?;
        (Self::id_of(docs, key) == Some(id)).then_some(key)
    }

    /// Map `id` to `key`; the key it had, if any (still in `docs`: the caller inserts the
    /// new document after this, and removes an old one with [`IdMap::remove`] before it).
    pub fn insert(&mut self, id: &str, key: u64, docs: &Docs) -> Option<u64> {
        if let Some(old) = self.spill.get_mut(id) {
            return Some(std::mem::replace(old, key));
        }
        match self.by_hash.entry(self.hasher.hash_one(id)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(key);
                None
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                if Self::id_of(docs, *slot.get()) == Some(id) {
                    return Some(slot.insert(key));
                }
                self.spill.insert(id.to_string(), key)
            }
        }
    }

    /// Forget `id`, mapped to `key`.
    pub fn remove(&mut self, id: &str, key: u64) {
        if self.spill.get(id) == Some(&key) {
            self.spill.remove(id);
            return;
        }
        let h = self.hasher.hash_one(id);
        if self.by_hash.get(&h) == Some(&key) {
            self.by_hash.remove(&h);
        }
    }

    /// Room for `n` more ids.
    pub fn reserve(&mut self, n: usize) {
        self.by_hash.reserve(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::Doc;

    /// Every id hashes alike: every id after the first is spilled.
    #[derive(Default)]
    struct Collide;
    struct Constant;
    impl std::hash::Hasher for Constant {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }
    impl BuildHasher for Collide {
        type Hasher = Constant;
        fn build_hasher(&self) -> Constant {
            Constant
        }
    }

    fn doc(id: &str) -> StoredDoc {
        Doc { id: id.into(), ..Doc::default() }.into()
    }

    fn exercise<S: BuildHasher>(mut m: IdMap<S>) {
        let mut docs = Docs::default();
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            let key = i as u64 + 1;
            assert_eq!(m.insert(id, key, &docs), None);
            docs.insert(key, doc(id));
        }
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            assert_eq!(m.get(id, &docs), Some(i as u64 + 1), "{id}");
        }
        assert_eq!(m.get("e", &docs), None);
        // Re-adding an id reports the key it had; the caller removes the old document.
        assert_eq!(m.insert("b", 10, &docs), Some(2));
        docs.remove(&2);
        docs.insert(10, doc("b"));
        assert_eq!(m.get("b", &docs), Some(10));
        // Removing the id that holds the hash leaves the others found.
        m.remove("a", 1);
        docs.remove(&1);
        assert_eq!(m.get("a", &docs), None);
        for (id, key) in [("b", 10), ("c", 3), ("d", 4)] {
            assert_eq!(m.get(id, &docs), Some(key), "{id}");
        }
        // A new id may take the freed hash; a removed spilled id is gone.
        assert_eq!(m.insert("e", 11, &docs), None);
        docs.insert(11, doc("e"));
        m.remove("c", 3);
        docs.remove(&3);
        assert_eq!(m.get("c", &docs), None);
        for (id, key) in [("b", 10), ("d", 4), ("e", 11)] {
            assert_eq!(m.get(id, &docs), Some(key), "{id}");
        }
        // A stale key does not remove the id's current mapping.
        m.remove("d", 99);
        assert_eq!(m.get("d", &docs), Some(4));
    }

    #[test]
    fn ids_are_found_with_and_without_collisions() {
        exercise(IdMap::<foldhash::fast::RandomState>::default());
        let colliding = IdMap::with_hasher(Collide);
        exercise(colliding);
    }

    #[test]
    fn colliding_ids_are_spilled_whole() {
        let mut m = IdMap::with_hasher(Collide);
        let mut docs = Docs::default();
        for (key, id) in [(1, "x"), (2, "y"), (3, "z")] {
            m.insert(id, key, &docs);
            docs.insert(key, doc(id));
        }
        assert_eq!((m.by_hash.len(), m.spill.len()), (1, 2));
    }
}
