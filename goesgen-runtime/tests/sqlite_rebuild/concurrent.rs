//! Rebuild beside while writers append deposits and readers read
//! throughout: no write is lost (exact totals, every deposit counted once
//! in the end) and no read sees a half-built store (each read's total is
//! the one its version and fingerprint imply: the old store's, with the
//! deposits before the fix counted twice, or the rebuilt one's).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use goesgen_runtime::{Position, Store};

use crate::ledger::{
    self, Balances, MemoryLog, NEW, NEW_LEDGER, OLD, OLD_LEDGER, Seen, deposited, seen,
};

/// Deposits made by the old code before the drill.
const BEFORE: Position = 20_000;
/// Writers and readers running throughout.
const WRITERS: usize = 3;
const READERS: usize = 2;

/// Whether `seen` is what a whole store holds: the old one (deposits up
/// to `BEFORE` counted twice, later ones once) or the rebuilt one.
fn whole(seen: Seen) -> bool {
    match seen.fingerprint {
        Some(OLD) => seen.total == deposited(seen.version) + deposited(BEFORE),
        Some(NEW) => seen.total == deposited(seen.version),
        _ => false,
    }
}

/// The drill on `store` (the ledger on the new code, holding what the old
/// code built); `file` is its database file, if any.
async fn drill(store: Balances, file: Option<&Path>) {
    let mut txn = store.begin_write().await.unwrap();
    for position in 1..=BEFORE {
        OLD_LEDGER.apply(&txn, position).unwrap();
    }
    store.set_version(&mut txn, BEFORE).await.unwrap();
    store.set_fingerprint(&mut txn, OLD).await.unwrap();
    store.commit(txn).await.unwrap();
    assert!(whole(seen(&store).await));

    let log = Arc::new(MemoryLog::with(BEFORE));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (store, log, stop) = (store.clone(), Arc::clone(&log), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut deposits = 0_u64;
                while !stop.load(Ordering::SeqCst) {
                    ledger::deposit(&store, &log).await.unwrap();
                    deposits += 1;
                    tokio::task::yield_now().await;
                }
                deposits
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (store, stop) = (store.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let (mut old, mut new) = (0_u64, 0_u64);
                while !stop.load(Ordering::SeqCst) {
                    let seen = seen(&store).await;
                    assert!(whole(seen), "a read saw a store half-built: {seen:?}");
                    match seen.fingerprint {
                        Some(OLD) => old += 1,
                        _ => new += 1,
                    }
                    tokio::task::yield_now().await;
                }
                (old, new)
            })
        })
        .collect();

    let grown = |past: Position| {
        let log = Arc::clone(&log);
        async move {
            while log.last() < past + 20 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    };
    grown(BEFORE).await;
    let started = log.last();
    let mut at_swap = 0;
    ledger::rebuild_beside(&store, &*log, NEW, 500, || at_swap = log.last())
        .await
        .unwrap();
    assert!(at_swap > started, "writes went on during the rebuild");
    grown(at_swap).await;
    stop.store(true, Ordering::SeqCst);

    let mut deposits = 0;
    for writer in writers {
        deposits += writer.await.unwrap();
    }
    for reader in readers {
        let (old, new) = reader.await.unwrap();
        assert!(old + new > 0, "each reader read");
    }
    let last = log.last();
    assert_eq!(deposits, last - BEFORE, "each deposit appended once");
    let after = seen(&store).await;
    assert_eq!(
        after,
        Seen {
            version: last,
            fingerprint: Some(NEW),
            total: deposited(last),
        },
        "every deposit, counted once"
    );

    // Account by account, what a replay from scratch builds.
    let replayed = ledger::in_memory(NEW_LEDGER);
    ledger::replay(&replayed, &*log, 10_000).await.unwrap();
    let replayed = replayed.begin_read().await.unwrap();
    let read = store.begin_read().await.unwrap();
    assert_eq!(ledger::balances_in(&read), ledger::balances_in(&replayed));
    // The trigger's count was copied, not counted again by the copy.
    assert_eq!(ledger::opened_in(&read), ledger::opened_in(&replayed));
    drop(read);

    if let Some(file) = file {
        assert!(
            !ledger::built_file(file).exists(),
            "the built file is deleted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebuild_beside_a_file_under_writes_and_reads_loses_nothing_and_shows_no_half_store() {
    let path = crate::fresh("concurrent");
    drill(ledger::open(&path, "ledger", NEW_LEDGER), Some(&path)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebuild_beside_in_memory_under_writes_and_reads_loses_nothing() {
    drill(ledger::in_memory(NEW_LEDGER), None).await;
}
