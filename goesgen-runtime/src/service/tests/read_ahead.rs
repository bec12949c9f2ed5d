//! A long catch-up reading ahead: the next batches are read while the
//! store applies, handed over in log order; a read that fails ends the
//! sync after its last commit; a refused record skipped mid-sync reads
//! on from the last commit; a transaction commits once its records reach
//! the byte bound; and a sync dropped at any await point stops its
//! read-ahead, leaving whole transactions.

use std::sync::{Mutex, Weak};
use std::time::{Duration, Instant};

use super::logs::FlakyLog;
use super::observe::Yielding;
use super::*;
use crate::SharedLog;
use crate::service::engine::Core;

#[path = "../../../tests/support/cancel.rs"]
mod cancel;

/// Appends `events` records to `log`, every seventh a `Noted` the service
/// passes over; returns the positions of the others (`Counted`).
async fn fill(log: &SharedLog, events: u64) -> Vec<Position> {
    let records = (1..=events)
        .map(|n| {
            if n % 7 == 0 {
                noted("seventh")
            } else {
                counted("c", n)
            }
        })
        .collect();
    log.append(records, Condition::None).await.unwrap();
    (1..=events).filter(|n| n % 7 != 0).collect()
}

/// The positions in `counted` up to `version`.
fn up_to(counted: &[Position], version: Position) -> Vec<Position> {
    counted
        .iter()
        .copied()
        .filter(|position| *position <= version)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_sync_applies_every_event_once_in_log_order() {
    let log = MemoryLog::shared();
    let counted = fill(&log, 1_000).await;
    let options = ServiceOptions::default().read_batch(7).sync_batch(50);
    let (engine, store) = engine(&log, options);
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 1_000);
    let state = store.snapshot().await;
    assert_eq!(state.applied, counted);
    assert_eq!(state.version, 1_000);
    // Appended since: a second sync reads on from the version.
    let more = fill(&log, 30).await;
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 1_030);
    let state = store.snapshot().await;
    let all: Vec<Position> = counted
        .into_iter()
        .chain(more.into_iter().map(|n| n + 1_000))
        .collect();
    assert_eq!(state.applied, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_batches_are_read_while_the_store_applies_one() {
    let flaky = FlakyLog::shared(0, 0);
    let log: SharedLog = flaky.clone();
    let counted = fill(&log, 40).await;
    let (engine, store) = engine(&log, ServiceOptions::default().read_batch(4));
    // Applying the first event waits for the reads of the second and
    // third batches: it fails unless they are read meanwhile.
    *store.wait_at.lock().unwrap() = Some(WaitAt {
        position: 1,
        count: flaky.reads.subscribe(),
        reaches: 3,
    });
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 40);
    assert_eq!(store.snapshot().await.applied, counted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_ahead_that_fails_ends_the_sync_after_its_last_commit() {
    let flaky = FlakyLog::shared(0, 0);
    let log: SharedLog = flaky.clone();
    let counted = fill(&log, 100).await;
    // Every read batch commits; the third read (the read-ahead's second)
    // and all after it fail.
    flaky.fail_reads_from.store(3, Ordering::SeqCst);
    let options = ServiceOptions::default().read_batch(5).sync_batch(5);
    let (engine, store) = engine(&log, options);
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(
            error,
            ServiceError::Log(crate::LogError::Unavailable { .. })
        ),
        "{error}"
    );
    // The two batches read before it were applied and committed, in
    // order; nothing after.
    let state = store.snapshot().await;
    assert_eq!(state.version, 10);
    assert_eq!(state.applied, up_to(&counted, 10));
    // The log is back: the next sync goes on from there.
    flaky.fail_reads_from.store(0, Ordering::SeqCst);
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 100);
    assert_eq!(store.snapshot().await.applied, counted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_record_skipped_mid_sync_reads_on_from_the_last_commit() {
    let log = MemoryLog::shared();
    let counted = fill(&log, 200).await;
    // The refusal rolls back the open transaction (from 49 on): the
    // batches read ahead of it are read again, passing over 50.
    let options = ServiceOptions::default()
        .read_batch(4)
        .sync_batch(16)
        .refused_records(RefusedRecords::Skip);
    let (engine, store) = engine(&log, options);
    *store.fail_at.lock().unwrap() = Some(50);
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 200);
    let expected: Vec<Position> = counted.into_iter().filter(|n| *n != 50).collect();
    assert_eq!(store.snapshot().await.applied, expected);
    let skipped: Vec<Position> = engine.skipped().iter().map(|s| s.position).collect();
    assert_eq!(skipped, vec![50]);
}

#[tokio::test]
async fn a_sync_transaction_commits_once_its_records_reach_the_byte_bound() {
    let log = MemoryLog::shared();
    let records = (1..=9).map(|total| counted("a", total)).collect();
    log.append(records, Condition::None).await.unwrap();
    let first_three: usize = log
        .read(0, &crate::KindFilter::All, 3)
        .await
        .unwrap()
        .records
        .iter()
        .map(|record| record.kind.len() + record.payload.len())
        .sum();
    // One record per read, no bound in records: the bytes of three
    // records close each transaction, so a failure at 8 leaves 6.
    let options = ServiceOptions::default()
        .read_batch(1)
        .sync_batch(1_000)
        .sync_batch_bytes(first_three);
    assert_eq!(options.sync_batch_byte_bound(), first_three);
    let (engine, store) = engine(&log, options.clone());
    *store.fail_at.lock().unwrap() = Some(8);
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(matches!(error, ServiceError::Apply { position: 8, .. }));
    let state = store.snapshot().await;
    assert_eq!(state.version, 6);
    assert_eq!(state.applied, (1..=6).collect::<Vec<Position>>());
    // A byte short of three records: the fourth closes the transaction.
    let (engine, store) = self::engine(&log, options.sync_batch_bytes(first_three + 1));
    *store.fail_at.lock().unwrap() = Some(8);
    engine.sync::<Infallible>().await.unwrap_err();
    assert_eq!(store.snapshot().await.version, 4);
    // Under the default bound the whole log is one transaction.
    let options = ServiceOptions::default().read_batch(1).sync_batch(1_000);
    assert_eq!(options.sync_batch_byte_bound(), DEFAULT_SYNC_BATCH_BYTES);
    let (engine, store) = self::engine(&log, options);
    *store.fail_at.lock().unwrap() = Some(8);
    engine.sync::<Infallible>().await.unwrap_err();
    assert_eq!(store.snapshot().await.version, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_dropped_at_any_await_point_stops_its_read_ahead() {
    let log = MemoryLog::shared();
    let counted = fill(&log, 300).await;
    // Reads of 4, commits after 16, on a store that yields as each write
    // transaction begins.
    let options = ServiceOptions::default().read_batch(4).sync_batch(16);
    // The engine of the run (a fresh store each), as a weak handle: the
    // read-ahead task holds a strong one while it runs.
    let run: Mutex<Option<(Weak<Core<Yielding>>, Store)>> = Mutex::new(None);
    let drops = cancel::drop_at_every_await(
        |_| {
            let store = Store::default();
            let engine = Engine::new(Yielding(store.clone()), log.clone(), options.clone());
            *run.lock().unwrap() = Some((Arc::downgrade(&engine.core), store));
            async move { engine.sync::<Infallible>().await }
        },
        async |pendings, output| {
            let (engine, store) = run.lock().unwrap().take().expect("a run");
            if let Some(output) = output {
                assert_eq!(output.unwrap(), 300);
            }
            // Nothing of the dropped sync keeps running: its read-ahead
            // task is gone, and the engine with it.
            let deadline = Instant::now() + Duration::from_secs(10);
            while engine.strong_count() > 0 {
                assert!(
                    Instant::now() < deadline,
                    "cut after {pendings} pendings: the read-ahead still runs"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            // Whole transactions, each event applied once, in order.
            let state = store.snapshot().await;
            assert_eq!(
                state.applied,
                up_to(&counted, state.version),
                "cut after {pendings} pendings"
            );
            assert!(
                state.version % 16 == 0 || state.version == 300,
                "cut after {pendings} pendings: version {}",
                state.version
            );
        },
    )
    .await;
    assert!(drops > 1, "the sync suspended ({drops} drops)");
}
