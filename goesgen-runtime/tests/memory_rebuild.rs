//! The memory kit's side of a rebuild (its fingerprint, `clear`, `beside`
//! and `swap_in`), in both modes: what a write transaction and readers see,
//! and that the store goes on working (commits through its tables' spare
//! maps) after it was cleared or had a built store swapped in. The
//! engine's use of them is tested in the runtime's service tests.

use std::collections::BTreeMap;

use goesgen_runtime::kits::{Overlaid, Set, Table};
use goesgen_runtime::{MemoryStore, Store, StoreFingerprint};

#[derive(Debug, Default)]
struct Names {
    by_id: Table<u32, String>,
    banned: Set<u32>,
}
goesgen_runtime::transactional!(Names { by_id, banned });

type Overlay = MemoryStore<Names, Overlaid>;

const FINGERPRINT: StoreFingerprint = StoreFingerprint {
    schema: 0xfeed,
    revision: 3,
};

/// Commits `names` (id, name) at `version` in one write transaction.
async fn write<S>(store: &S, names: &[(u32, &str)], version: u64)
where
    S: Store<Write = goesgen_runtime::kits::MemoryWrite<Names, Overlaid>>,
{
    let mut txn = store.begin_write().await.unwrap();
    for (id, name) in names {
        txn.by_id.insert(*id, (*name).to_owned());
    }
    store.set_version(&mut txn, version).await.unwrap();
    store.commit(txn).await.unwrap();
}

fn named(store: &goesgen_runtime::kits::MemoryRead<Names>) -> BTreeMap<u32, String> {
    store
        .by_id
        .iter()
        .map(|(id, name)| (*id, name.clone()))
        .collect()
}

#[tokio::test]
async fn the_fingerprint_is_kept_with_the_committed_projection() {
    let store = Overlay::default();
    assert!(store.keeps_fingerprint());
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(store.fingerprint(&mut txn).await.unwrap(), None);
    store.set_fingerprint(&mut txn, FINGERPRINT).await.unwrap();
    drop(txn);
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(
        store.fingerprint(&mut txn).await.unwrap(),
        None,
        "dropped uncommitted"
    );
    store.set_fingerprint(&mut txn, FINGERPRINT).await.unwrap();
    store.commit(txn).await.unwrap();
    let mut txn = store.clone().begin_write().await.unwrap();
    assert_eq!(
        store.fingerprint(&mut txn).await.unwrap(),
        Some(FINGERPRINT)
    );
}

#[tokio::test]
async fn clear_starts_the_transaction_over_and_readers_keep_the_old_projection_until_commit() {
    let store = Overlay::default();
    write(&store, &[(1, "Ada"), (2, "Bo")], 2).await;
    let mut txn = store.begin_write().await.unwrap();
    store.set_fingerprint(&mut txn, FINGERPRINT).await.unwrap();
    txn.banned.insert(2);
    store.commit(txn).await.unwrap();

    let mut txn = store.begin_write().await.unwrap();
    store.clear(&mut txn).await.unwrap();
    assert_eq!(
        (
            txn.version(),
            txn.by_id.len(),
            txn.banned.len(),
            store.fingerprint(&mut txn).await.unwrap()
        ),
        (0, 0, 0, None)
    );
    txn.by_id.insert(3, "Cy".into());
    store.set_version(&mut txn, 5).await.unwrap();
    let before = store.begin_read().await.unwrap();
    assert_eq!(named(&before).len(), 2, "not committed yet");
    store.commit(txn).await.unwrap();
    assert_eq!(named(&before).len(), 2, "a read keeps what it saw");
    assert!(before.banned.contains(&2));

    let after = store.begin_read().await.unwrap();
    assert_eq!(after.version(), 5);
    assert_eq!(named(&after), BTreeMap::from([(3, "Cy".to_owned())]));
    assert!(after.banned.is_empty());
    drop((before, after));
    // The cleared tables commit as any others.
    for version in 6..10 {
        write(&store, &[(version as u32, "Di")], version).await;
    }
    let read = store.begin_read().await.unwrap();
    assert_eq!((read.version(), read.by_id.len()), (9, 5));
}

#[tokio::test]
async fn swap_in_publishes_the_built_store_under_the_writers_turn() {
    let store = Overlay::default();
    let other_handle = store.clone();
    write(&store, &[(1, "Old")], 1).await;
    let built = store
        .beside(FINGERPRINT)
        .await
        .unwrap()
        .expect("rebuildable");
    write(&built, &[(1, "New"), (2, "Newer")], 4).await;
    let mut txn = built.begin_write().await.unwrap();
    built.set_fingerprint(&mut txn, FINGERPRINT).await.unwrap();
    built.commit(txn).await.unwrap();
    assert_eq!(
        named(&store.begin_read().await.unwrap()),
        BTreeMap::from([(1, "Old".to_owned())]),
        "the built store is apart"
    );

    let before = store.begin_read().await.unwrap();
    let mut txn = store.begin_write().await.unwrap();
    txn.by_id.insert(9, "discarded".into());
    store.swap_in(txn, built).await.unwrap();
    assert_eq!(before.version(), 1, "a read keeps what it saw");
    let after = other_handle.begin_read().await.unwrap();
    assert_eq!(after.version(), 4);
    assert_eq!(
        named(&after),
        BTreeMap::from([(1, "New".to_owned()), (2, "Newer".to_owned())])
    );
    drop((before, after));
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(
        store.fingerprint(&mut txn).await.unwrap(),
        Some(FINGERPRINT)
    );
    drop(txn);
    // The swapped-in tables commit as any others.
    for version in 5..9 {
        write(&store, &[(3, "Later")], version).await;
    }
    let read = store.begin_read().await.unwrap();
    assert_eq!((read.version(), read.by_id.len()), (8, 3));
}

#[tokio::test]
async fn a_cloned_store_clears_to_its_default() {
    let store = MemoryStore::<BTreeMap<String, u64>>::default();
    let mut txn = store.begin_write().await.unwrap();
    txn.insert("a".into(), 1);
    store.set_version(&mut txn, 1).await.unwrap();
    store.commit(txn).await.unwrap();
    let mut txn = store.begin_write().await.unwrap();
    assert!(store.savepoint(&mut txn).await.unwrap());
    store.clear(&mut txn).await.unwrap();
    assert!(txn.is_empty());
    assert!(
        store.rollback_to_savepoint(&mut txn).await.is_err(),
        "clear drops the savepoint"
    );
    store.commit(txn).await.unwrap();
    let read = store.begin_read().await.unwrap();
    assert_eq!((read.version(), read.len()), (0, 0));
}

#[tokio::test]
async fn a_store_made_from_a_value_alone_cannot_be_rebuilt_unless_told_what_empty_is() {
    let store: Overlay = MemoryStore::new(Names::default());
    let mut txn = store.begin_write().await.unwrap();
    let error = store.clear(&mut txn).await.unwrap_err();
    assert!(error.to_string().contains("with_empty"), "{error}");
    assert!(store.beside(FINGERPRINT).await.unwrap().is_none());
    drop(txn);

    let store: Overlay = MemoryStore::with_empty(Names::default(), Names::default);
    write(&store, &[(1, "Ada")], 1).await;
    let mut txn = store.begin_write().await.unwrap();
    store.clear(&mut txn).await.unwrap();
    assert_eq!(txn.by_id.len(), 0);
    assert!(store.beside(FINGERPRINT).await.unwrap().is_some());
}
