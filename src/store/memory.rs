//! [`MemoryStore`]: a store in a `RefCell`, the portable default and the reference the
//! conformance suite (tests/store_conformance/) is written against.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::{Failure, Kind, Result, Snapshot, Store, Table, Write};

/// Records in memory. `fail_next` makes the next commit fail (to test rollbacks).
#[derive(Default)]
pub struct MemoryStore {
    tables: RefCell<BTreeMap<(Table, u64), Vec<u8>>>,
    /// When set, the next commit fails with this kind and writes nothing.
    pub fail_next: RefCell<Option<Kind>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Put and delete records as one commit would, without the injected failure.
    pub fn apply(&self, writes: &[Write]) {
        let mut t = self.tables.borrow_mut();
        for w in writes {
            match &w.value {
                Some(v) => t.insert((w.table, w.key), v.clone()),
                None => t.remove(&(w.table, w.key)),
            };
        }
    }

    /// Every record, as [`Store::load`] returns them.
    pub fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot::default();
        for (&(t, k), v) in self.tables.borrow().iter() {
            snap.table_mut(t).push((k, v.clone()));
        }
        snap
    }
}

impl Store for MemoryStore {
    async fn load(&self) -> Result<Snapshot> {
        Ok(self.snapshot())
    }

    async fn get(&self, table: Table, key: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.tables.borrow().get(&(table, key)).cloned())
    }

    async fn commit(&self, writes: &[Write]) -> Result<()> {
        if let Some(kind) = self.fail_next.borrow_mut().take() {
            return Err(Failure::new(kind, "injected failure"));
        }
        self.apply(writes);
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        self.tables.borrow_mut().clear();
        Ok(())
    }
}
