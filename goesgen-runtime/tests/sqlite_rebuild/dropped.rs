//! Rebuilds dropped at each of their await points in turn: `beside`
//! (waiting for the turn to rebuild, opening the file on the blocking
//! pool) keeps what was built for the same fingerprint, and a whole
//! rebuild beside (reset, `beside`, the catch-up's transactions, the
//! store's write lock, `swap_in`) leaves the store whole, old or rebuilt,
//! and usable.

use std::path::Path;
use std::time::Duration;

use goesgen_runtime::{Position, Store, StoreError};

use crate::cancel::drop_at_every_await;
use crate::ledger::{self, Balances, MemoryLog, NEW, NEW_LEDGER, OLD, OLD_LEDGER, Seen, seen_in};

/// How long a check may wait for what a dropped future left running.
const SETTLE: Duration = Duration::from_secs(10);

/// Deposits in the log.
const EVENTS: Position = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beside_dropped_at_each_await_keeps_what_was_built_for_the_fingerprint() {
    let path = crate::fresh("dropped-beside");
    let store = ledger::open(&path, "ledger", NEW_LEDGER);
    let log = MemoryLog::with(1_000);
    let mut built_before = 0;
    let runs = drop_at_every_await(
        |_| {
            let store = store.clone();
            async move { store.beside(NEW).await }
        },
        async |cut, output: Option<Result<Option<Balances>, StoreError>>| {
            drop(output);
            // Waits for the turn a dropped run's work may still hold.
            let built = tokio::time::timeout(SETTLE, store.beside(NEW))
                .await
                .unwrap_or_else(|_| panic!("cut {cut}: the turn to rebuild comes back"))
                .unwrap()
                .unwrap();
            let txn = built.begin_write().await.unwrap();
            assert_eq!(
                txn.version().unwrap(),
                built_before,
                "cut {cut}: what was built is resumed"
            );
            drop(txn);
            ledger::catch_up(&built, &log, 1).await.unwrap();
            built_before += 1;
        },
    )
    .await;
    eprintln!("beside was dropped at {runs} await points");

    // Another fingerprint starts again.
    let built = store.beside(OLD).await.unwrap().unwrap();
    let txn = built.begin_write().await.unwrap();
    assert_eq!(
        txn.version().unwrap(),
        0,
        "a file built for NEW is discarded"
    );
}

/// Puts the old code's projection of the log in `store`, in one
/// transaction (clearing what was there).
async fn reset(store: &Balances) -> Result<(), StoreError> {
    let mut txn = store.begin_write().await?;
    store.clear(&mut txn).await?;
    for position in 1..=EVENTS {
        OLD_LEDGER.apply(&txn, position)?;
    }
    store.set_version(&mut txn, EVENTS).await?;
    store.set_fingerprint(&mut txn, OLD).await?;
    store.commit(txn).await
}

/// Drops a whole rebuild beside of `store` at each await in turn; after
/// each, waits for the write lock and finds the store whole.
async fn drill(store: Balances, file: Option<&Path>) {
    let log = MemoryLog::with(EVENTS);
    let old = Seen::old(EVENTS);
    let new = Seen::rebuilt(EVENTS);
    let empty = Seen {
        version: 0,
        fingerprint: None,
        total: 0,
    };
    let runs = drop_at_every_await(
        |_| {
            let (store, log) = (store.clone(), &log);
            async move {
                reset(&store).await?;
                ledger::rebuild_beside(&store, log, NEW, 3, || {}).await
            }
        },
        async |cut, output| {
            if let Some(output) = output {
                output.unwrap();
            }
            let txn = tokio::time::timeout(SETTLE, store.begin_write())
                .await
                .unwrap_or_else(|_| panic!("cut {cut}: the write lock comes back"))
                .unwrap();
            let seen = seen_in(&txn, "ledger");
            assert!(
                [old, new, empty].contains(&seen),
                "cut {cut}: a whole store, not {seen:?}"
            );
            store.rollback(txn).await.unwrap();
            let read = store.begin_read().await.unwrap();
            assert_eq!(seen_in(&read, "ledger"), seen, "cut {cut}: reads agree");
        },
    )
    .await;
    eprintln!("a rebuild beside was dropped at {runs} await points");
    let read = store.begin_read().await.unwrap();
    assert_eq!(seen_in(&read, "ledger"), new, "the last run rebuilt it");
    if let Some(file) = file {
        assert!(
            !ledger::built_file(file).exists(),
            "the built file is deleted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_beside_a_file_dropped_at_each_await_leaves_a_whole_store() {
    let path = crate::fresh("dropped-rebuild");
    drill(ledger::open(&path, "ledger", NEW_LEDGER), Some(&path)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_beside_in_memory_dropped_at_each_await_leaves_a_whole_store() {
    drill(ledger::in_memory(NEW_LEDGER), None).await;
}
