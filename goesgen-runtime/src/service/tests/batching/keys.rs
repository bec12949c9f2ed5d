//! Keys in a batch: keyed calls share a batch and a key already in the
//! log fails only its call; a replayed key holds back the calls that
//! decided on its effect; keyed calls go alone on a log without keyed
//! parts; a keyed call that emits nothing still records its key.

use super::*;

/// Keyed calls join batches: one append, one key per call's part. A key
/// already in the log makes its call a duplicate while the rest commit; a
/// key already in the log for another request is a reuse; a key twice in
/// one batch waits for the next one (then it is the first's duplicate).
#[tokio::test]
async fn keyed_calls_share_a_batch_and_a_replayed_key_fails_only_its_call() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let key = |text: &str| IdempotencyKey::new(text).unwrap();
    let print = |text: &str| crate::Fingerprint::new(text).unwrap();
    let earlier = Count::new(&*log, "earlier");
    let first = engine
        .run_transaction(
            &earlier,
            &CallOptions::new().key(key("old")).fingerprint(print("a")),
        )
        .await
        .unwrap();
    // A key in the log is found by the append: the same request is a
    // duplicate, another a reuse of the key; nothing is written.
    let again = Count::new(&*log, "x");
    let repeat = engine
        .run_transaction(
            &again,
            &CallOptions::new().key(key("old")).fingerprint(print("a")),
        )
        .await;
    assert!(
        matches!(&repeat, Err(ServiceError::Duplicate { appended }) if appended.positions() == first.appended.positions()),
        "{repeat:?}"
    );
    let reused = engine
        .run_transaction(
            &again,
            &CallOptions::new().key(key("old")).fingerprint(print("b")),
        )
        .await;
    assert!(
        matches!(&reused, Err(ServiceError::KeyReused { appended }) if appended.positions() == first.appended.positions()),
        "{reused:?}"
    );
    assert_eq!(log.head().await.unwrap(), 1, "nothing written");

    let calls: Vec<_> = (0..3).map(|_| Count::new(&*log, "x")).collect();
    let options = [
        CallOptions::new().key(key("k1")),
        CallOptions::new(),
        CallOptions::new().key(key("k1")),
    ];
    let appends_before = counting.appends();
    let results = in_one_batch(
        &store,
        calls
            .iter()
            .zip(&options)
            .map(|(call, options)| engine.run_transaction(call, options))
            .collect(),
    )
    .await;
    let [fresh, plain, twice]: [_; 3] = results.try_into().unwrap();
    let (fresh, plain) = (fresh.unwrap(), plain.unwrap());
    assert_eq!((fresh.output, plain.output), (1, 2));
    assert_eq!(fresh.appended.positions(), 2..=2);
    assert_eq!(plain.appended.positions(), 3..=3);
    // The second `k1` waited for the next batch, whose append found it.
    assert!(
        matches!(twice, Err(ServiceError::Duplicate { appended }) if appended.positions() == fresh.appended.positions()),
        "{twice:?}"
    );
    assert_eq!(
        counting.appends() - appends_before,
        2,
        "the batch, then the second `k1`, replayed"
    );
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [
            (1, "earlier".into(), 1),
            (2, "x".into(), 1),
            (3, "x".into(), 2)
        ],
        "nothing written twice"
    );
    assert_eq!(store.snapshot().await.applied, [1, 2, 3]);
}

/// A repeat of a keyed call that joins the next batch while the first is
/// still being appended is decided on a state that holds the first's
/// effect: the log replays it, and the call after it in the batch, which
/// decided on that effect applied twice, is decided again (nothing of the
/// held-back append is written), so no update is counted twice.
#[tokio::test]
async fn a_replayed_key_holds_back_the_calls_that_decided_on_its_effect() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let keyed = CallOptions::new().key(IdempotencyKey::new("k").unwrap());
    let (first, repeat, other) = (
        Count::new(&*log, "x"),
        Count::new(&*log, "x"),
        Count::new(&*log, "x"),
    );
    let gate = counting.gate.clone().write_owned().await;
    let mut first_call = Box::pin(engine.run_transaction(&first, &keyed));
    while counting.appends() == 0 {
        assert!(futures_poll_once(first_call.as_mut()).await.is_none());
        tokio::task::yield_now().await;
    }
    // The first call's append is in flight: its key is not in the log yet.
    let plain = CallOptions::new();
    let mut repeat_call = Box::pin(engine.run_transaction(&repeat, &keyed));
    let mut other_call = Box::pin(engine.run_transaction(&other, &plain));
    assert!(futures_poll_once(repeat_call.as_mut()).await.is_none());
    assert!(futures_poll_once(other_call.as_mut()).await.is_none());
    drop(gate);
    let (first_result, repeat_result, other_result) =
        tokio::join!(first_call, repeat_call, other_call);
    let first_result = first_result.unwrap();
    assert_eq!((first_result.output, first_result.appended.first), (1, 1));
    assert!(
        matches!(&repeat_result, Err(ServiceError::Duplicate { appended }) if appended.first == 1),
        "{repeat_result:?}"
    );
    let other_result = other_result.unwrap();
    assert_eq!(other_result.output, 2, "counted once after the first");
    assert_eq!(other_result.appended.positions(), 2..=2);
    assert_eq!(
        other_result.attempts, 2,
        "decided again after the hold-back"
    );
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "x".into(), 1), (2, "x".into(), 2)]
    );
    assert_eq!(store.snapshot().await.applied, [1, 2]);
    assert_eq!(
        counting.appends(),
        3,
        "the first, the held-back batch, again"
    );
}

/// On a log that takes one keyed part per append (a log of another crate
/// that does not implement `append_parts`), keyed calls are batched alone
/// and unkeyed ones together.
#[tokio::test]
async fn keyed_calls_go_alone_on_a_log_without_keyed_parts() {
    let counting = Arc::new(Counting {
        keyed_parts: false,
        ..Arc::into_inner(Counting::shared()).unwrap()
    });
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let calls: Vec<_> = (0..4).map(|_| Count::new(&*log, "x")).collect();
    let key = |text: &str| CallOptions::new().key(IdempotencyKey::new(text).unwrap());
    let options = [key("a"), CallOptions::new(), key("b"), CallOptions::new()];
    let results = in_one_batch(
        &store,
        calls
            .iter()
            .zip(&options)
            .map(|(call, options)| engine.run_transaction(call, options))
            .collect(),
    )
    .await;
    let mut outputs: Vec<u64> = results.into_iter().map(|r| r.unwrap().output).collect();
    outputs.sort_unstable();
    assert_eq!(outputs, [1, 2, 3, 4]);
    assert_eq!(
        counting.appends(),
        3,
        "`a` alone, the two unkeyed calls together, `b` alone"
    );
}

/// A keyed call that emits nothing still records its key: its repeat is a
/// duplicate, in a batch and alone.
#[tokio::test]
async fn a_keyed_call_that_emits_nothing_records_its_key() {
    for cost in [AppendCost::Commit, AppendCost::Negligible] {
        let counting = Counting::costing(cost);
        let log: crate::SharedLog = counting.clone();
        let (engine, _store) = engine(&log, ServiceOptions::default());
        let options = CallOptions::new().key(IdempotencyKey::new("nothing").unwrap());
        let first = engine.run_transaction(&Nothing, &options).await.unwrap();
        assert!(first.appended.is_empty());
        let record = log
            .find_key(&IdempotencyKey::new("nothing").unwrap())
            .await
            .unwrap()
            .expect("the key is recorded");
        assert!(record.appended.is_empty(), "{cost:?}");
        let repeat = engine.run_transaction(&Nothing, &options).await;
        assert!(
            matches!(&repeat, Err(ServiceError::Duplicate { appended }) if appended.is_empty()),
            "{cost:?}: {repeat:?}"
        );
        assert_eq!(log.head().await.unwrap(), 0, "no event was written");
    }
}
