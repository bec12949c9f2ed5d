//! The engine rebuilding the bank's SQLite store: on demand while calls
//! deposit and readers read the store (nothing lost, no half-built store
//! seen), and at the first call when the store is stale, by each policy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use goesgen::rusqlite::Connection;
use goesgen::service::StalePolicy;
use goesgen::{ServiceError, ServiceOptions};

use crate::bank::transfer;
use crate::{caller, contents, contents_in, fresh, memory_log, open_store, replayed, service};

/// Writers, one account each.
const WRITERS: usize = 4;
/// Deposits of 1 made by each writer before the rebuild.
const BEFORE: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebuild_on_demand_under_calls_loses_no_deposit_and_shows_no_half_built_store() {
    let path = fresh("on-demand");
    let log = memory_log();
    let bank = Arc::new(service(open_store(&path), &log, ServiceOptions::default()));
    // The accounts at positions 1..=WRITERS; every later event deposits 1,
    // so a whole store's balances sum to its version less WRITERS.
    for writer in 0..WRITERS {
        bank.open(&caller(), format!("w{writer}")).await.unwrap();
    }
    let deposit_all = |count: usize| {
        let bank = Arc::clone(&bank);
        async move {
            let tasks: Vec<_> = (0..WRITERS)
                .map(|writer| {
                    let bank = Arc::clone(&bank);
                    tokio::spawn(async move {
                        for _ in 0..count {
                            bank.deposit(&caller(), transfer(&format!("w{writer}"), 1))
                                .await
                                .unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }
    };
    deposit_all(BEFORE).await;

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (bank, stop) = (Arc::clone(&bank), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut deposits = 0_u64;
                while !stop.load(Ordering::SeqCst) {
                    bank.deposit(&caller(), transfer(&format!("w{writer}"), 1))
                        .await
                        .unwrap();
                    deposits += 1;
                }
                deposits
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (bank, stop) = (Arc::clone(&bank), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut reads = 0_u64;
                while !stop.load(Ordering::SeqCst) {
                    let seen = contents(bank.store()).await;
                    let sum: u64 = seen.balances.values().sum();
                    assert_eq!(
                        sum + WRITERS as u64,
                        seen.version,
                        "a read saw a store half-built: {seen:?}"
                    );
                    reads += 1;
                    tokio::task::yield_now().await;
                }
                reads
            })
        })
        .collect();

    let before = bank.projection_version().await.unwrap();
    let rebuilt = bank.rebuild().await.unwrap();
    assert!(rebuilt > before, "calls went on during the rebuild");
    // And after it, through the rebuilt store.
    let after = bank.projection_version().await.unwrap();
    while bank.projection_version().await.unwrap() < after + 20 {
        tokio::task::yield_now().await;
    }
    stop.store(true, Ordering::SeqCst);

    let mut deposits = Vec::new();
    for writer in writers {
        deposits.push(writer.await.unwrap());
    }
    for reader in readers {
        assert!(reader.await.unwrap() > 0, "each reader read");
    }
    let now = contents(bank.store()).await;
    for (writer, made) in deposits.iter().enumerate() {
        assert_eq!(
            now.balances[&format!("w{writer}")],
            BEFORE as u64 + made,
            "writer {writer}: every acknowledged deposit, once"
        );
    }
    assert_eq!(now, replayed(&log).await, "equal to a replay from scratch");
    let built = format!("{}.rebuild-bank", path.display());
    assert!(
        !std::path::Path::new(&built).exists(),
        "the built file is gone"
    );
}

/// Makes the store at `path` look built by older code: another
/// fingerprint, and balances its apply functions got wrong.
fn make_stale(path: &std::path::Path) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(
        "UPDATE goesgen_projection SET fingerprint = '00000000000000ff-7' WHERE name = 'bank';
         UPDATE accounts SET balance = balance * 2;",
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_sqlite_store_is_refused_or_rebuilt_at_the_first_call_by_each_policy() {
    let path = fresh("stale");
    let log = memory_log();
    {
        let bank = service(open_store(&path), &log, ServiceOptions::default());
        bank.open(&caller(), "alice".into()).await.unwrap();
        bank.deposit(&caller(), transfer("alice", 5)).await.unwrap();
    }
    let expected = replayed(&log).await;
    assert!(
        expected.fingerprint.is_some(),
        "the engine keeps a fingerprint"
    );

    make_stale(&path);
    let refusing = service(open_store(&path), &log, ServiceOptions::default());
    let error = refusing
        .balance(&caller(), "alice".into())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Stale(_)), "{error}");
    drop(refusing);

    for policy in [StalePolicy::RebuildBeside, StalePolicy::RebuildInPlace] {
        make_stale(&path);
        let bank = service(
            open_store(&path),
            &log,
            ServiceOptions::default().on_stale(policy),
        );
        assert_eq!(
            bank.balance(&caller(), "alice".into()).await.unwrap(),
            5,
            "{policy:?}"
        );
        assert_eq!(contents(bank.store()).await, expected, "{policy:?}");
        drop(bank);
        let db = Connection::open(&path).unwrap();
        assert_eq!(contents_in(&db), expected, "{policy:?}: on disk");
    }
}
