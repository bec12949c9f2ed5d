//! Catching up with the log: own events applied in order around kinds the
//! service passes over, unknown kinds and undecodable payloads, and
//! `follow` keeping the store current.

use super::*;

#[tokio::test]
async fn own_events_are_applied_without_skipping_unknown_kinds_in_between() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    // A record of a kind the schema does not know lands between the
    // decision and the append; under the default rule it is no conflict,
    // but the version must not jump over it unchecked.
    let count =
        Count::new(&*log, "a").interfering(NewEvent::new("Mystery", br#"{"x":1}"#.to_vec()), 1);
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    match error {
        ServiceError::Unsynced { appended, source } => {
            assert_eq!(appended.positions(), 2..=2);
            assert!(
                matches!(*source, ServiceError::UnknownKind { position: 1, ref kind } if kind == "Mystery")
            );
        }
        other => panic!("expected Unsynced, got {other}"),
    }
    assert_eq!(store.snapshot().await.version, 0);
    // With unknown kinds skipped, the own event is applied directly.
    let (engine, store) = self::engine(
        &log,
        ServiceOptions::default().unknown_events(UnknownEvents::Skip),
    );
    let count = Count::new(&*log, "b").interfering(NewEvent::new("Mystery", b"{}".to_vec()), 1);
    engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap();
    let state = store.snapshot().await;
    assert_eq!(state.version, 4);
    assert_eq!(state.totals.get("a"), Some(&1));
    assert_eq!(state.totals.get("b"), Some(&1));
}

#[tokio::test]
async fn unknown_kinds_fail_by_default_and_are_skipped_when_asked() {
    let log = MemoryLog::shared();
    log.append(
        vec![
            counted("a", 1),
            NewEvent::new("Mystery", b"{}".to_vec()),
            counted("a", 2),
        ],
        Condition::None,
    )
    .await
    .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::UnknownKind { position: 2, ref kind } if kind == "Mystery"),
        "{error}"
    );
    assert!(error.to_string().contains("position 2"));
    assert_eq!(store.snapshot().await.version, 0, "the batch rolled back");
    let (engine, store) = self::engine(
        &log,
        ServiceOptions::default().unknown_events(UnknownEvents::Skip),
    );
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 3);
    assert_eq!(store.snapshot().await.applied, vec![1, 3]);
}

#[tokio::test]
async fn a_corrupt_payload_is_a_decode_error_naming_its_position() {
    let log = MemoryLog::shared();
    log.append(
        vec![
            noted("fine"),
            NewEvent::new("Counted", br#"{"counter":"a","total":"many"}"#.to_vec()),
        ],
        Condition::None,
    )
    .await
    .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine.sync::<Infallible>().await.unwrap_err();
    match &error {
        ServiceError::Decode {
            position, source, ..
        } => {
            assert_eq!(*position, 2);
            assert_eq!(source.field(), Some("total"));
        }
        other => panic!("expected Decode, got {other}"),
    }
    assert!(error.to_string().contains("position 2"), "{error}");
    assert_eq!(store.snapshot().await.version, 0);
}

#[tokio::test]
async fn follow_keeps_the_store_current_until_dropped() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let engine = Arc::new(engine);
    let follower = tokio::spawn({
        let engine = engine.clone();
        async move { engine.follow::<Infallible>().await }
    });
    for total in 1..=5 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.snapshot().await.version < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the follower did not catch up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(total(&engine, "a").await, 5);
    follower.abort();
    assert!(follower.await.unwrap_err().is_cancelled());
    // The store is usable after the follower was cut off.
    engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(total(&engine, "a").await, 6);
}

#[tokio::test]
async fn a_sync_commits_once_per_sync_batch_and_a_failure_rolls_back_only_the_open_one() {
    let log = MemoryLog::shared();
    for total in 1..=13 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    // Reads of 2, a commit once 5 were read: transactions cover 1-6,
    // 7-12 and 13.
    let options = ServiceOptions::default().read_batch(2).sync_batch(5);
    let (engine, store) = engine(&log, options);
    let mut progress = engine.progress();
    *store.fail_at.lock().unwrap() = Some(9);
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::Apply { position: 9, .. }),
        "{error}"
    );
    // The first transaction committed; the second, open at the failure,
    // rolled back whole (7 and 8 with it).
    let state = store.snapshot().await;
    assert_eq!(state.version, 6);
    assert_eq!(state.applied, (1..=6).collect::<Vec<Position>>());
    assert_eq!(progress.borrow_and_update().version, 6);
    *store.fail_at.lock().unwrap() = None;
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 13);
    let state = store.snapshot().await;
    assert_eq!(state.applied, (1..=13).collect::<Vec<Position>>());
}

#[tokio::test]
async fn a_sync_dropped_at_any_await_point_leaves_whole_transactions() {
    let log = MemoryLog::shared();
    for total in 1..=50 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    // Reads of 4, commits after 8, on a store that yields as each write
    // transaction begins: a suspension per transaction.
    let options = ServiceOptions::default().read_batch(4).sync_batch(8);
    let store = Store::default();
    let engine = Engine::new(
        super::observe::Yielding(store.clone()),
        log.clone(),
        options,
    );
    let mut cut = 0;
    loop {
        let mut sync = Box::pin(engine.sync::<Infallible>());
        let mut done = None;
        for _ in 0..=cut {
            done = super::batching::futures_poll_once(sync.as_mut()).await;
            if done.is_some() {
                break;
            }
            tokio::task::yield_now().await;
        }
        if let Some(done) = done {
            assert_eq!(done.unwrap(), 50);
            break;
        }
        drop(sync);
        // Dropped after `cut` suspensions: only whole transactions show,
        // each applied once and in order, the version at their end.
        let state = store.snapshot().await;
        let expected: Vec<Position> = (1..=state.version).collect();
        assert_eq!(state.applied, expected, "cut after {cut} suspensions");
        assert!(state.version % 8 == 0 || state.version == 50);
        cut += 1;
        assert!(cut < 1_000, "the sync never ends");
    }
    assert!(cut > 3, "the sync was cut off at several points ({cut})");
    let state = store.snapshot().await;
    assert_eq!(state.applied, (1..=50).collect::<Vec<Position>>());
}
