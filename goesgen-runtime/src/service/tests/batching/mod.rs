//! Batched transactions: calls waiting for the store share its write
//! transaction and one append; each decides on the state that includes
//! the calls before it; a failing, refused or cancelled call contributes
//! nothing and fails no other; a conflict decides the whole batch again.
//!
//! A batch forms deterministically here: the test holds the store's lock,
//! polls every call once (the first leads and waits for the store, the
//! others queue), then lets the store go.

use std::future::Future;

use super::*;
use crate::log::{
    Append, AppendCost, Appended, BoxFuture, KindFilter, ReadBatch, Subscription, WriteLock,
};
use crate::service::CallOptions;
use crate::{IdempotencyKey, LogError};

/// A MemoryLog that counts the appends asked of it and says its appends
/// cost a commit (as a durable log's do), unless told otherwise. An
/// append waits while the gate is held (written), as one in flight.
pub(super) struct Counting {
    inner: MemoryLog,
    appends: AtomicU32,
    cost: AppendCost,
    pub(super) gate: Arc<tokio::sync::RwLock<()>>,
    /// Whether it says it takes several keyed parts in one append.
    keyed_parts: bool,
    /// Heads its subscriptions see instead of the log's (as a slow
    /// notification from another process would leave them).
    lagging: Option<crate::log::HeadPublisher>,
}

impl Counting {
    pub(super) fn shared() -> Arc<Self> {
        Self::costing(AppendCost::Commit)
    }

    fn costing(cost: AppendCost) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryLog::new(),
            appends: AtomicU32::new(0),
            cost,
            gate: Arc::default(),
            keyed_parts: true,
            lagging: None,
        })
    }

    pub(super) fn appends(&self) -> u32 {
        self.appends.load(Ordering::SeqCst)
    }
}

impl EventLog for Counting {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        self.inner.head()
    }
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        self.inner.read(after, filter, limit)
    }
    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _open = self.gate.read().await;
            self.inner.append_with(append).await
        })
    }
    fn keyed_parts(&self) -> bool {
        self.keyed_parts && self.inner.keyed_parts()
    }
    fn append_parts(
        &self,
        append: Append,
    ) -> BoxFuture<'_, Result<crate::log::AppendedParts, LogError>> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _open = self.gate.read().await;
            self.inner.append_parts(append).await
        })
    }
    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<crate::KeyRecord>, LogError>> {
        self.inner.find_key(key)
    }
    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        self.inner.lock_writes()
    }
    fn subscribe(&self) -> Subscription {
        match &self.lagging {
            Some(heads) => heads.subscribe(),
            None => self.inner.subscribe(),
        }
    }
    fn append_cost(&self) -> AppendCost {
        self.cost
    }
}

/// `calls` run as transactions without options, in one batch (see
/// [`in_one_batch`]).
async fn counts_in_one_batch(
    engine: &Engine<Store>,
    store: &Store,
    calls: &[Count<'_>],
) -> Vec<Result<Committed<u64, CountEvent>, ServiceError<AtLimit>>> {
    let options = CallOptions::new();
    let runs = calls
        .iter()
        .map(|call| engine.run_transaction(call, &options))
        .collect();
    in_one_batch(store, runs).await
}

/// Holds the store while `calls` are polled once each (the first leads
/// and waits for the store, the rest queue behind it), then lets it go and
/// runs them all to the end.
async fn in_one_batch<F: Future>(store: &Store, calls: Vec<F>) -> Vec<F::Output> {
    let held = store.state.clone().write_owned().await;
    let mut calls: Vec<_> = calls.into_iter().map(Box::pin).collect();
    for call in &mut calls {
        assert!(
            futures_poll_once(call.as_mut()).await.is_none(),
            "a call finished while the store was held"
        );
    }
    drop(held);
    // Run them together: the leader waits for each call to take its turn.
    let mut outputs: Vec<Option<F::Output>> = calls.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (call, output) in calls.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match call.as_mut().poll(cx) {
                    std::task::Poll::Ready(done) => *output = Some(done),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Polls `future` once.
pub(super) async fn futures_poll_once<F: Future>(
    mut future: std::pin::Pin<&mut F>,
) -> Option<F::Output> {
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        std::task::Poll::Ready(output) => std::task::Poll::Ready(Some(output)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

pub(super) fn counter_events(batch: &ReadBatch) -> Vec<(Position, String, u64)> {
    batch
        .records
        .iter()
        .map(
            |record| match Event::decode_payload(&record.kind, &record.payload).unwrap() {
                Event::Counted(c) => (record.position, c.counter, c.total),
                Event::Noted(n) => (record.position, n.text, 0),
            },
        )
        .collect()
}

#[tokio::test]
async fn a_later_call_in_a_batch_sees_the_effect_of_an_earlier_one() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let calls: Vec<_> = (0..3).map(|_| Count::new(&*log, "x")).collect();
    let results = counts_in_one_batch(&engine, &store, &calls).await;
    let committed: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    // Each decided on the state holding the ones before it.
    let outputs: Vec<u64> = committed.iter().map(|c| c.output).collect();
    assert_eq!(outputs, [1, 2, 3]);
    let positions: Vec<_> = committed.iter().map(|c| c.appended.positions()).collect();
    assert_eq!(positions, [1..=1, 2..=2, 3..=3]);
    assert!(committed.iter().all(|c| c.attempts == 1));
    assert_eq!(counting.appends(), 1, "one append for the batch");
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "x".into(), 1), (2, "x".into(), 2), (3, "x".into(), 3)]
    );
    let state = store.snapshot().await;
    assert_eq!(state.version, 3);
    assert_eq!(state.applied, [1, 2, 3]);
    let stats = engine.stats();
    assert_eq!((stats.commits, stats.attempts, stats.conflicts), (3, 3, 0));
}

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

#[tokio::test]
async fn a_batch_takes_at_most_max_batch_calls() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default().max_batch_calls(2));
    let calls: Vec<_> = (0..5).map(|_| Count::new(&*log, "x")).collect();
    let results = counts_in_one_batch(&engine, &store, &calls).await;
    let outputs: Vec<u64> = results.into_iter().map(|r| r.unwrap().output).collect();
    assert_eq!(outputs, [1, 2, 3, 4, 5]);
    assert_eq!(counting.appends(), 3, "batches of 2, 2 and 1");
}

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

/// On a log whose appends cost next to nothing (the memory log), calls
/// that wait together still run one by one, each with its own append.
#[tokio::test]
async fn calls_on_a_log_of_negligible_append_cost_run_alone() {
    let counting = Counting::costing(AppendCost::Negligible);
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let calls: Vec<_> = (0..3).map(|_| Count::new(&*log, "x")).collect();
    let results = counts_in_one_batch(&engine, &store, &calls).await;
    let mut outputs: Vec<u64> = results.into_iter().map(|r| r.unwrap().output).collect();
    outputs.sort_unstable();
    assert_eq!(outputs, [1, 2, 3]);
    assert_eq!(counting.appends(), 3, "one append per call");
    assert_eq!(MemoryLog::new().append_cost(), AppendCost::Negligible);
}

/// A transaction method that never returns (its caller gives up first);
/// it notes when it has the transaction.
#[derive(Default)]
struct Stall {
    entered: std::sync::atomic::AtomicBool,
}

impl MethodCall<Write> for Stall {
    type Output = (u64, Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        _txn: &mut Write,
    ) -> Result<(u64, Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        self.entered.store(true, Ordering::SeqCst);
        std::future::pending().await
    }
}

/// A caller that gives up during its turn takes the batch's transaction
/// with it (dropped, so rolled back): the batch is decided again without
/// it, and the call decided before it counts a re-decision.
#[tokio::test]
async fn a_call_cancelled_during_its_turn_leaves_the_batch_to_be_decided_again() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let first = Count::new(&*log, "x");
    let stall = Stall::default();
    let last = Count::new(&*log, "x");
    let options = CallOptions::new();

    let held = store.state.clone().write_owned().await;
    let mut first_call = Box::pin(engine.run_transaction(&first, &options));
    let mut stalled_call = Box::pin(engine.run_transaction(&stall, &options));
    let mut last_call = Box::pin(engine.run_transaction(&last, &options));
    assert!(futures_poll_once(first_call.as_mut()).await.is_none());
    assert!(futures_poll_once(stalled_call.as_mut()).await.is_none());
    assert!(futures_poll_once(last_call.as_mut()).await.is_none());
    drop(held);
    // The first call decides, then the stalling call takes the
    // transaction into its method and never returns.
    while !stall.entered.load(Ordering::SeqCst) {
        assert!(futures_poll_once(first_call.as_mut()).await.is_none());
        assert!(futures_poll_once(stalled_call.as_mut()).await.is_none());
        tokio::task::yield_now().await;
    }
    assert_eq!(first.calls.load(Ordering::SeqCst), 1);
    drop(stalled_call);

    let (first_result, last_result) = tokio::join!(first_call, last_call);
    let (first_result, last_result) = (first_result.unwrap(), last_result.unwrap());
    assert_eq!((first_result.output, last_result.output), (1, 2));
    assert_eq!(
        first_result.attempts, 2,
        "decided again without the stalled call"
    );
    assert_eq!(last_result.attempts, 1);
    assert_eq!(first_result.appended.positions(), 1..=1);
    assert_eq!(last_result.appended.positions(), 2..=2);
    assert_eq!(counting.appends(), 1);
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "x".into(), 1), (2, "x".into(), 2)]
    );
    assert_eq!(store.snapshot().await.applied, [1, 2]);
    let stats = engine.stats();
    assert_eq!(
        (
            stats.attempts,
            stats.commits,
            stats.redecisions,
            stats.failures
        ),
        (4, 2, 1, 1),
        "the first call decided twice, the stalled one went away in its turn"
    );
}
