//! Refusals and re-decisions in a batch: a failing, refused or cancelled
//! call leaves the rest to commit; a refused call is undone alone where
//! the store has savepoints; a conflict decides the whole batch again; a
//! refusal on a state the log has moved past is decided again.

use super::*;

/// A call that fails, one whose event the store refuses and one whose
/// caller gives up before its turn, between calls that commit.
#[tokio::test]
async fn failed_refused_and_cancelled_calls_leave_the_rest_of_the_batch_to_commit() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    *store.refuse.lock().unwrap() = Some("refused".into());
    let first = Count::new(&*log, "a");
    let mut failing = Count::new(&*log, "b");
    failing.limit = 0;
    let refused = Count::new(&*log, "refused");
    let cancelled = Count::new(&*log, "gone");
    let last = Count::new(&*log, "e");
    let options = CallOptions::new();

    let held = store.state.clone().write_owned().await;
    let mut first_call = Box::pin(engine.run_transaction(&first, &options));
    let mut failing_call = Box::pin(engine.run_transaction(&failing, &options));
    let mut refused_call = Box::pin(engine.run_transaction(&refused, &options));
    let mut cancelled_call = Box::pin(engine.run_transaction(&cancelled, &options));
    let mut last_call = Box::pin(engine.run_transaction(&last, &options));
    assert!(futures_poll_once(first_call.as_mut()).await.is_none());
    assert!(futures_poll_once(failing_call.as_mut()).await.is_none());
    assert!(futures_poll_once(refused_call.as_mut()).await.is_none());
    assert!(futures_poll_once(cancelled_call.as_mut()).await.is_none());
    assert!(futures_poll_once(last_call.as_mut()).await.is_none());
    // The caller of `cancelled` gives up while it waits for its turn.
    drop(cancelled_call);
    drop(held);

    let (first_result, failing_result, refused_result, last_result) =
        tokio::join!(first_call, failing_call, refused_call, last_call);
    let first_result = first_result.unwrap();
    let last_result = last_result.unwrap();
    assert_eq!(first_result.output, 1);
    assert_eq!(first_result.appended.positions(), 1..=1);
    assert_eq!(last_result.output, 1);
    assert_eq!(last_result.appended.positions(), 2..=2);
    assert_eq!(
        first_result.appended.recorded_at,
        last_result.appended.recorded_at
    );
    assert!(
        matches!(&failing_result, Err(ServiceError::Method(AtLimit(c))) if c == "b"),
        "{failing_result:?}"
    );
    assert!(
        matches!(&refused_result, Err(ServiceError::Refused { index: 0, kind, .. }) if kind == "Counted"),
        "{refused_result:?}"
    );
    assert_eq!(cancelled.calls.load(Ordering::SeqCst), 0, "never called");
    assert_eq!(counting.appends(), 1, "one append for the batch");
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "a".into(), 1), (2, "e".into(), 1)],
        "exactly the committed calls' events, in call order"
    );
    let state = store.snapshot().await;
    assert_eq!(state.applied, [1, 2]);
    assert_eq!(state.totals.len(), 2);
    let stats = engine.stats();
    assert_eq!(stats.commits, 2);
    assert_eq!(
        (stats.refusals, stats.conflicts, stats.failures),
        (2, 0, 0),
        "the failing call and the refused one"
    );
    // `a` was decided before each failure, `e` after both.
    assert_eq!(first_result.attempts, 3);
    assert_eq!(stats.redecisions, 2);
    assert_eq!(
        stats.attempts,
        stats.commits + stats.conflicts + stats.refusals + stats.redecisions + stats.failures
    );
}

/// 64 calls in one batch, every other one refused by its method: with
/// savepoints each refused call is undone alone and every call is called
/// once; without, each refusal makes the batch decide again from its
/// start. The method calls per committed call, both ways.
#[tokio::test]
async fn a_refused_call_is_undone_alone_where_the_store_has_savepoints() {
    let mut per_commit = Vec::new();
    for savepoints in [false, true] {
        let counting = Counting::shared();
        let log: crate::SharedLog = counting.clone();
        let store = Store {
            savepoints,
            ..Store::default()
        };
        let engine = Engine::new(store.clone(), log.clone(), ServiceOptions::default());
        let calls: Vec<_> = (0..64)
            .map(|index| {
                let mut call = Count::new(&*log, &format!("c{index}"));
                if index % 2 == 1 {
                    call.limit = 0;
                }
                call
            })
            .collect();
        let results = counts_in_one_batch(&engine, &store, &calls).await;
        let committed = results.iter().filter(|result| result.is_ok()).count();
        assert_eq!(committed, 32, "savepoints: {savepoints}");
        assert_eq!(counting.appends(), 1, "one append for the batch");
        assert_eq!(store.snapshot().await.applied, (1..=32).collect::<Vec<_>>());
        let stats = engine.stats();
        assert_eq!(
            stats.attempts,
            stats.commits + stats.conflicts + stats.refusals + stats.redecisions + stats.failures,
            "{stats:?}"
        );
        assert_eq!((stats.commits, stats.refusals), (32, 32));
        if savepoints {
            assert_eq!((stats.attempts, stats.redecisions), (64, 0));
        } else {
            assert!(stats.redecisions > 0, "{stats:?}");
        }
        per_commit.push(stats.attempts as f64 / committed as f64);
    }
    println!(
        "method calls per committed call, a batch of 64 with 32 refused: \
         {:.2} without savepoints, {:.2} with",
        per_commit[0], per_commit[1]
    );
}

/// The second call of a batch appends someone else's count first, so the
/// batch's append conflicts: both calls decide again on the caught-up
/// state and are appended once.
#[tokio::test]
async fn a_conflict_decides_the_whole_batch_again_and_appends_it_once() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let first = Count::new(&*log, "x");
    let second = Count::new(&*log, "x").interfering(counted("x", 7), 1);
    let options = CallOptions::new();
    let results = in_one_batch(
        &store,
        vec![
            engine.run_transaction(&first, &options),
            engine.run_transaction(&second, &options),
        ],
    )
    .await;
    let committed: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(committed[0].output, 8, "decided again after the other's 7");
    assert_eq!(committed[1].output, 9);
    assert_eq!(committed[0].appended.positions(), 2..=2);
    assert_eq!(committed[1].appended.positions(), 3..=3);
    assert_eq!((committed[0].attempts, committed[1].attempts), (2, 2));
    assert_eq!(first.calls.load(Ordering::SeqCst), 2);
    assert_eq!(second.calls.load(Ordering::SeqCst), 2);
    // The interference, the batch that conflicted, the batch again.
    assert_eq!(counting.appends(), 3);
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "x".into(), 7), (2, "x".into(), 8), (3, "x".into(), 9)],
        "nothing appended twice"
    );
    assert_eq!(store.snapshot().await.applied, [1, 2, 3]);
    let stats = engine.stats();
    assert_eq!((stats.commits, stats.attempts, stats.conflicts), (2, 4, 2));
}

/// A call that refuses on a state the log has moved past (this engine was
/// not told of another writer's append yet) is checked against the log's
/// head and decided again on the caught-up state, alone and in a batch.
#[tokio::test]
async fn a_refusal_on_a_state_the_log_moved_past_is_decided_again() {
    for cost in [AppendCost::Negligible, AppendCost::Commit] {
        let counting = Arc::new(Counting {
            lagging: Some(crate::log::HeadPublisher::new(0)),
            ..Arc::into_inner(Counting::costing(cost)).unwrap()
        });
        let log: crate::SharedLog = counting.clone();
        let (engine, _store) = engine(&log, ServiceOptions::default());
        log.append(vec![counted("x", 5)], Condition::None)
            .await
            .unwrap();
        engine.sync::<Infallible>().await.unwrap();
        // Another writer sets the counter back; this engine is not told.
        log.append(vec![counted("x", 0)], Condition::None)
            .await
            .unwrap();
        let mut call = Count::new(&*log, "x");
        call.limit = 5;
        let committed = engine
            .run_transaction(&call, &CallOptions::new())
            .await
            .unwrap_or_else(|error| panic!("{cost:?}: {error:?}"));
        assert_eq!(committed.output, 1, "{cost:?}: decided on the caught-up 0");
        assert_eq!(committed.appended.positions(), 3..=3, "{cost:?}");
        assert_eq!(committed.attempts, 2, "{cost:?}");
        let stats = engine.stats();
        assert_eq!(
            (
                stats.attempts,
                stats.commits,
                stats.redecisions,
                stats.refusals
            ),
            (2, 1, 1, 0),
            "{cost:?}"
        );
        // A refusal the log bears out stands.
        let refused = engine.run_transaction(&call, &CallOptions::new()).await;
        assert!(refused.is_ok(), "{cost:?}: 1 is below the limit");
        call.limit = 0;
        let refused = engine.run_transaction(&call, &CallOptions::new()).await;
        assert!(
            matches!(refused, Err(ServiceError::Method(AtLimit(_)))),
            "{cost:?}: {refused:?}"
        );
    }
}
