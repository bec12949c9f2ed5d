//! No lost updates: two service instances, each with its own store, on one
//! log; 8 tasks each deposit 1 a thousand times into one account through a
//! transaction whose event carries the new balance. Any lost update would
//! show as a balance below 8,000. Run on MemoryLog, SqliteLog (durable
//! commits) and PostgresLog (from `GOESGEN_TEST_POSTGRES`).

use std::time::Instant;

use goesgen::{MemoryLog, ServiceOptions, SqliteLog};

use super::sqlite_store::fresh_path;
use super::*;

const TASKS: usize = 8;
const EACH: u64 = 1_000;

async fn no_lost_updates(log: SharedLog, backend: &str) {
    let banks: Vec<Arc<MemoryBank>> = (0..2)
        .map(|_| Arc::new(memory_bank(&log, ServiceOptions::default())))
        .collect();
    banks[0]
        .open(&Caller::default(), "shared".into())
        .await
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let bank = banks[task % 2].clone();
            tokio::spawn(async move {
                for _ in 0..EACH {
                    bank.deposit(&Caller::default(), transfer("shared", 1))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let expected = TASKS as u64 * EACH;
    assert_eq!(log.head().await.unwrap(), expected + 1);
    let mut conflicts = 0;
    for bank in &banks {
        bank.sync().await.unwrap();
        assert_eq!(
            bank.balance(&Caller::default(), "shared".into())
                .await
                .unwrap(),
            expected,
            "{backend}: lost updates"
        );
        let stats = bank.stats();
        assert_eq!(stats.attempts, stats.commits + stats.conflicts, "{backend}");
        assert_eq!(
            bank.methods().calls.load(Ordering::Relaxed),
            stats.attempts,
            "{backend}: one method call per attempt"
        );
        conflicts += stats.conflicts;
    }
    assert!(
        conflicts > 0,
        "{backend}: the two instances never conflicted"
    );
    eprintln!("{backend}: {expected} transactions in {elapsed:?}, {conflicts} conflicts retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lost_updates_on_memory_log() {
    no_lost_updates(MemoryLog::shared(), "memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lost_updates_on_sqlite_log() {
    let log = SqliteLog::open(fresh_path("no-lost-updates"))
        .await
        .unwrap()
        .shared();
    no_lost_updates(log, "sqlite").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lost_updates_on_postgres_log() {
    if let Some(log) = goesgen_postgres::testing::fresh_log("services").await {
        no_lost_updates(Arc::new(log), "postgres").await;
    }
}
