//! Keyed byte records, the vocabulary between the collection (which decides what to
//! write) and the stores (which move the bytes): the tables, the fixed keys, a write,
//! a snapshot of every record; and [`Failure`], the error of every layer above the core.
//! Pure data: no I/O. Below both `collection` and `store`, so neither depends on the other.

mod failure;
mod frame;

pub use failure::{Failure, Kind, Result};
pub use frame::{Checksum, Frame};

/// The tables of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Meta,
    Docs,
    Blocks,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Meta, Table::Docs, Table::Blocks];

    /// Object-store name (IndexedDB) and export tag.
    pub fn name(self) -> &'static str {
        match self {
            Table::Meta => "meta",
            Table::Docs => "docs",
            Table::Blocks => "blocks",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Table::Meta => 0,
            Table::Docs => 1,
            Table::Blocks => 2,
        }
    }

    pub fn from_code(c: u8) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.code() == c)
    }
}

/// Key of the manifest in [`Table::Meta`].
pub const MANIFEST_KEY: u64 = 0;
/// Key of the PQ codebook in [`Table::Meta`].
pub const CODEBOOK_KEY: u64 = 1;
/// Key of the model's mark (`collection::model`) in [`Table::Meta`].
pub const MODEL_KEY: u64 = 2;
/// Key of the search hints (`collection::hints`) in [`Table::Meta`].
pub const HINTS_KEY: u64 = 3;

/// One record to put (`Some`) or delete (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub table: Table,
    pub key: u64,
    pub value: Option<Vec<u8>>,
}

/// All records of one table, in key order.
pub type Records = Vec<(u64, Vec<u8>)>;

/// Every record of a store, as loaded at open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub meta: Records,
    pub docs: Records,
    pub blocks: Records,
}

impl Snapshot {
    pub fn table(&self, t: Table) -> &Records {
        match t {
            Table::Meta => &self.meta,
            Table::Docs => &self.docs,
            Table::Blocks => &self.blocks,
        }
    }

    pub fn table_mut(&mut self, t: Table) -> &mut Records {
        match t {
            Table::Meta => &mut self.meta,
            Table::Docs => &mut self.docs,
            Table::Blocks => &mut self.blocks,
        }
    }

    /// Every record as a write: what puts this snapshot into an empty store.
    pub fn writes(&self) -> Vec<Write> {
        Table::ALL.iter().flat_map(|&t| self.table(t).iter().map(move |(key, v)| Write { table: t, key: *key, value: Some(v.clone()) })).collect()
    }

    /// Bytes held, per table.
    pub fn bytes(&self, t: Table) -> usize {
        self.table(t).iter().map(|(_, v)| v.len() + 8).sum()
    }
}
