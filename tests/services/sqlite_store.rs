//! The bank on goesgen's SQLite store kit (`tests/support/bank.rs`):
//! `goesgen::SqliteStore` runs the transactions (`BEGIN IMMEDIATE` off the
//! async threads, rollback when dropped unfinished) and keeps the version.

use std::path::PathBuf;

use goesgen::{MemoryLog, ServiceOptions, Store as _};

use super::*;

/// A path for a new database file under cargo's scratch directory.
pub fn fresh_path(name: &str) -> PathBuf {
    crate::scratch::sqlite_path("services", name)
}

fn caller() -> Caller {
    Caller::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_store_runs_the_bank_from_spawned_tasks() {
    let path = fresh_path("bank-store");
    let log = MemoryLog::shared();
    let store = open_store(&path).await;
    let bank = Arc::new(schema::bank::BankService::new(
        Bank::<SqliteStore>::default(),
        store,
        log.clone(),
        ServiceOptions::default(),
    ));
    bank.open(&caller(), "alice".into()).await.unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let bank = bank.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    bank.deposit(&caller(), transfer("alice", 2)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 200);
    // A refused withdrawal leaves the database as it was.
    let error = bank
        .withdraw(&caller(), transfer("alice", 201))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        goesgen::ServiceError::Method(BankError::Insufficient { .. })
    ));
    assert_eq!(bank.projection_version().await.unwrap(), 101);

    // The projections are durable: a new store on the same file, given the
    // same log, resumes at its version and reads nothing twice.
    drop(bank);
    let reopened = schema::bank::BankService::new(
        Bank::<SqliteStore>::default(),
        open_store(&path).await,
        log.clone(),
        ServiceOptions::default(),
    );
    assert_eq!(reopened.projection_version().await.unwrap(), 101);
    assert_eq!(
        reopened.balance(&caller(), "alice".into()).await.unwrap(),
        200
    );
    let committed = reopened
        .withdraw(&caller(), transfer("alice", 200))
        .await
        .unwrap();
    assert_eq!(committed.output, 0);
}

#[tokio::test]
async fn a_cut_off_write_transaction_is_rolled_back() {
    let path = fresh_path("cut-off");
    let store = open_store(&path).await;
    {
        let mut txn = store.begin_write().await.unwrap();
        set_balance(&txn, "ghost", 5).unwrap();
        goesgen::Store::set_version(&store, &mut txn, 9)
            .await
            .unwrap();
        // Dropped without commit, as a cancelled future would drop it.
    }
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(goesgen::Store::version(&store, &mut txn).await.unwrap(), 0);
    assert_eq!(txn.balance("ghost").unwrap(), None);
    goesgen::Store::rollback(&store, txn).await.unwrap();
    // Reads see only what was committed, at the version committed.
    let mut txn = store.begin_write().await.unwrap();
    set_balance(&txn, "kept", 7).unwrap();
    goesgen::Store::set_version(&store, &mut txn, 3)
        .await
        .unwrap();
    goesgen::Store::commit(&store, txn).await.unwrap();
    let mut read = goesgen::Store::begin_read(&store).await.unwrap();
    assert_eq!(
        goesgen::Store::read_version(&store, &mut read)
            .await
            .unwrap(),
        3
    );
    assert_eq!(read.balance("kept").unwrap(), Some(7));
}
