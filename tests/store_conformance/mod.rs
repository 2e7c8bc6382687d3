//! The conformance suite every `Store` backend runs: natively against `MemoryStore`
//! (`tests/store.rs`) and in headless Chromium against IndexedDB, in a window and in a
//! dedicated worker (`tests/wasm_window.rs`, `tests/wasm_worker.rs`, through
//! `tests/wasm_common`). Each check panics with what went wrong. Test code: it lives
//! under `tests/`, not in the library.

use nook::store::{Store, Table, Write};

fn put(table: Table, key: u64, v: &[u8]) -> Write {
    Write { table, key, value: Some(v.to_vec()) }
}

/// Run every check on an empty store; leaves it empty.
pub async fn run<S: Store>(store: &S) {
    store.clear().await.expect("clear");
    let snap = store.load().await.expect("load empty");
    assert!(snap.meta.is_empty() && snap.docs.is_empty() && snap.blocks.is_empty(), "a new store is empty");

    // Puts across tables land together; keys come back in order.
    let big = vec![7u8; 300_000];
    store.commit(&[put(Table::Docs, 3, b"c"), put(Table::Docs, 1, b"a"), put(Table::Blocks, 0, &big), put(Table::Meta, 0, b"m1")]).await.expect("commit");
    let snap = store.load().await.expect("load");
    assert_eq!(snap.docs, vec![(1, b"a".to_vec()), (3, b"c".to_vec())]);
    assert_eq!(snap.blocks, vec![(0, big.clone())]);
    assert_eq!(store.get(Table::Meta, 0).await.unwrap().as_deref(), Some(&b"m1"[..]));
    assert_eq!(store.get(Table::Meta, 5).await.unwrap(), None);

    // Overwrite and delete in one commit; large keys survive (up to 2^53).
    let far = (1u64 << 53) - 1;
    store.commit(&[put(Table::Docs, 1, b"a2"), Write { table: Table::Docs, key: 3, value: None }, put(Table::Docs, far, b"z")]).await.expect("commit 2");
    let snap = store.load().await.unwrap();
    assert_eq!(snap.docs, vec![(1, b"a2".to_vec()), (far, b"z".to_vec())]);

    // Writes apply in order: of two to one key, the later one stands.
    let gone = |key| Write { table: Table::Docs, key, value: None };
    store.commit(&[gone(1), put(Table::Docs, 1, b"a3"), put(Table::Docs, far, b"y"), gone(far)]).await.expect("commit 3");
    assert_eq!(store.load().await.unwrap().docs, vec![(1, b"a3".to_vec())]);

    // Deleting a missing key is not an error; an empty commit is fine.
    store.commit(&[Write { table: Table::Blocks, key: 99, value: None }]).await.expect("delete missing");
    store.commit(&[]).await.expect("empty commit");

    store.clear().await.expect("clear");
    assert_eq!(store.load().await.unwrap(), Default::default(), "clear empties every table");
}
