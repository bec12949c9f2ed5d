//! The three kinds of method on the engine: readonly methods never write;
//! a transaction appends, applies its events and is seen by the next read;
//! an append method appends without condition; errors (the method's, the
//! store's, a refused own event, an event that does not convert back) roll
//! the store back and append nothing.

use super::*;

/// Payloads are encoded through a buffer kept per thread: each comes out
/// whole, at its exact size, whatever was encoded before it.
#[test]
fn encoded_payloads_come_out_exact_after_longer_ones() {
    // Under the scratch buffer's keep limit (64 KiB), so the short one is
    // written into the same, grown buffer.
    let long = noted(&"x".repeat(1_000));
    assert_eq!(long.payload.len(), 1_000 + r#"{"text":""}"#.len());
    let short = noted("y");
    assert_eq!(short.payload, br#"{"text":"y"}"#);
    assert_eq!(short.payload.capacity(), short.payload.len());
    assert_eq!(short.kind, "Noted");
}

/// Events move into the schema's enum and back without a copy; a
/// conversion back that fails is an encoding error before anything is
/// written, and the store is rolled back.
#[tokio::test]
async fn an_event_that_does_not_convert_back_fails_the_call_before_the_append() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine
        .run_transaction(&Disown, &CallOptions::new())
        .await
        .unwrap_err();
    match &error {
        ServiceError::Encode(encode) => {
            assert_eq!(encode.kind, "Counted");
            assert!(encode.to_string().contains("TryFrom"), "{encode}");
        }
        other => panic!("expected Encode, got {other:?}"),
    }
    assert_eq!(log.head().await.unwrap(), 0, "nothing appended");
    assert_eq!(store.snapshot().await, State::default(), "rolled back");
}

#[tokio::test]
async fn readonly_methods_never_write() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    assert_eq!(total(&engine, "a").await, 0);
    assert_eq!(log.head().await.unwrap(), 0);
    assert_eq!(store.snapshot().await, State::default());
}

#[tokio::test]
async fn a_transaction_appends_and_a_read_right_after_sees_it() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.output, 1);
    assert_eq!(committed.attempts, 1);
    assert_eq!(committed.appended.positions(), 1..=1);
    let recorded: Vec<_> = committed.recorded().map(|(at, _)| at.position).collect();
    assert_eq!(recorded, vec![1]);
    assert_eq!(total(&engine, "a").await, 1);
    let state = store.snapshot().await;
    assert_eq!((state.version, state.applied), (1, vec![1]));
    let batch = log.read(0, &crate::KindFilter::All, 10).await.unwrap();
    assert_eq!(batch.records[0].kind, "Counted");
    assert_eq!(batch.records[0].payload, br#"{"counter":"a","total":1}"#);
    let stats = engine.stats();
    assert_eq!((stats.commits, stats.attempts, stats.conflicts), (1, 1, 0));
}

#[tokio::test]
async fn without_sync_after_push_a_read_sees_the_write_only_after_sync() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default().sync_after_push(false));
    engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(total(&engine, "a").await, 0);
    assert_eq!(engine.projection_version::<Infallible>().await.unwrap(), 0);
    // A second transaction catches up first, so it decides on the first;
    // its store changes (catch-up and own event) are rolled back.
    let second = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(second.output, 2);
    assert_eq!(total(&engine, "a").await, 0);
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 2);
    assert_eq!(total(&engine, "a").await, 2);
    assert_eq!(store.snapshot().await.applied, vec![1, 2]);
}

#[tokio::test]
async fn a_method_error_rolls_back_and_appends_nothing() {
    let log = MemoryLog::shared();
    log.append(vec![counted("a", 5)], Condition::None)
        .await
        .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let mut count = Count::new(&*log, "a");
    count.limit = 5;
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Method(AtLimit(ref c)) if c == "a"));
    assert_eq!(log.head().await.unwrap(), 1);
    // The catch-up that preceded the call was rolled back with it.
    assert_eq!(store.snapshot().await, State::default());
    assert_eq!(engine.stats().commits, 0);
}

#[tokio::test]
async fn a_store_error_rolls_back_and_the_version_stays_behind_it() {
    let log = MemoryLog::shared();
    for total in 1..=3 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    let (engine, store) = engine(&log, ServiceOptions::default().read_batch(2).sync_batch(2));
    *store.fail_at.lock().unwrap() = Some(3);
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::Apply { position: 3, ref kind, .. } if kind == "Counted"),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "the store refused the record at position 3 (Counted); the projection stays before it"
    );
    // The first batch (positions 1 and 2) committed; the second rolled back.
    let state = store.snapshot().await;
    assert_eq!((state.version, state.applied), (2, vec![1, 2]));
    // A transaction catching up meets the same error and appends nothing.
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Apply { position: 3, .. }));
    assert_eq!(log.head().await.unwrap(), 3);
    *store.fail_at.lock().unwrap() = None;
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 3);
    assert_eq!(total(&engine, "a").await, 3);
}

#[tokio::test]
async fn an_own_event_the_store_refuses_is_never_appended() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    *store.fail_at.lock().unwrap() = Some(1);
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    match &error {
        ServiceError::Refused { index, kind, .. } => {
            assert_eq!((*index, kind.as_str()), (0, "Counted"))
        }
        other => panic!("expected Refused, got {other}"),
    }
    assert!(!error.is_retryable());
    assert_eq!(log.head().await.unwrap(), 0, "nothing appended");
    assert_eq!(store.snapshot().await, State::default(), "store unchanged");
    *store.fail_at.lock().unwrap() = None;
    engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(total(&engine, "a").await, 1);
}

#[tokio::test]
async fn an_append_method_appends_without_condition_and_then_syncs() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    log.append(vec![noted("x")], Condition::None).await.unwrap();
    let committed = engine
        .run_append(&CountBlindly("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.appended.positions(), 2..=2);
    assert_eq!(total(&engine, "a").await, 1);
    assert_eq!(store.snapshot().await.version, 2);
    // Blind: an append method decides on what the store has, not the log.
    log.append(vec![counted("a", 7)], Condition::None)
        .await
        .unwrap();
    let committed = engine
        .run_append(&CountBlindly("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(
        committed.events,
        vec![CountEvent::Counted(Counted {
            counter: "a".into(),
            total: 2
        })]
    );
    // The sync after the push read the other writer's event too.
    assert_eq!(store.snapshot().await.applied, vec![2, 3, 4]);
    assert_eq!(total(&engine, "a").await, 2);
}

/// A clock set in the options stamps an append method's events as it
/// does a transaction's (the log's time of commit only without one).
#[tokio::test]
async fn the_options_clock_stamps_append_methods_and_transactions() {
    use std::time::{Duration, UNIX_EPOCH};
    let at = UNIX_EPOCH + Duration::from_secs(1_000_000);
    let log = MemoryLog::shared();
    let options = ServiceOptions::default().clock(Clock::from_fn(move || at));
    let (engine, _store) = engine(&log, options);
    let appended = engine
        .run_append(&CountBlindly("a".into()), &CallOptions::new())
        .await
        .unwrap()
        .appended;
    assert_eq!(appended.recorded_at, at);
    let appended = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap()
        .appended;
    assert_eq!(appended.recorded_at, at);
    let batch = log.read(0, &crate::KindFilter::All, 10).await.unwrap();
    let times: Vec<_> = batch.records.iter().map(|r| r.recorded_at).collect();
    assert_eq!(times, vec![at, at]);
}

#[tokio::test]
async fn a_transaction_that_emits_nothing_commits_only_the_catch_up() {
    let log = MemoryLog::shared();
    log.append(vec![counted("a", 3)], Condition::None)
        .await
        .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let committed = engine
        .run_transaction(&Nothing, &CallOptions::new())
        .await
        .unwrap();
    assert!(committed.appended.is_empty());
    assert_eq!(committed.appended.first, 2);
    assert_eq!(log.head().await.unwrap(), 1);
    assert_eq!(store.snapshot().await.version, 1);
    let read = engine
        .run_transaction(&Total("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(read.output, 3);
}
