//! Drills of failing safe, each a way things go wrong: an event the own
//! store refuses (also after a conflict), a poison record appended by
//! someone else (stop, skip by policy, skip by list; `follow` ends rather
//! than spins), an append whose answer is lost (retried with the same key:
//! one copy), and transactions that keep losing (bounded by escalation).

use std::sync::atomic::AtomicBool;

use super::*;
use crate::log::{Append, BoxFuture, WriteLock};
use crate::service::{CallOptions, RefusedRecords, SkipCause};
use crate::{Appended, IdempotencyKey, LogError};

#[tokio::test]
async fn an_own_event_refused_after_a_conflict_is_not_appended_either() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    // Someone else counts "a" during the first call: a conflict. On the
    // second attempt the method's event (position 2) is refused.
    *store.fail_at.lock().unwrap() = Some(2);
    let count = Count::new(&*log, "a").interfering(counted("a", 7), 1);
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ServiceError::Refused { index: 0, kind, .. } if kind == "Counted"),
        "{error}"
    );
    let records = log.read(0, &crate::KindFilter::All, 10).await.unwrap();
    assert_eq!(
        records.head, 1,
        "only the other writer's event is in the log"
    );
    assert_eq!(store.snapshot().await, State::default(), "store unchanged");
    assert_eq!(engine.stats().conflicts, 1);
}

/// A log of one poison record (position 2, refused by the store) between
/// two good ones.
async fn poisoned() -> (crate::SharedLog, Store) {
    let log = MemoryLog::shared();
    for total in 1..=3 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    let store = Store::default();
    *store.fail_at.lock().unwrap() = Some(2);
    (log, store)
}

#[tokio::test]
async fn a_poison_record_stops_sync_naming_it_and_follow_ends() {
    let (log, store) = poisoned().await;
    let engine = Engine::new(store.clone(), log.clone(), ServiceOptions::default());
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(&error, ServiceError::Apply { position: 2, kind, .. } if kind == "Counted"),
        "{error}"
    );
    assert!(!error.is_retryable());
    // The batch it was read in was rolled back: the projection is before it.
    assert_eq!(store.snapshot().await.version, 0);
    // follow() ends with the same error instead of retrying for ever.
    let ended = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        engine.follow::<Infallible>(),
    )
    .await
    .expect("follow ends on a poison record");
    assert!(matches!(
        ended,
        Err(ServiceError::Apply { position: 2, .. })
    ));
    // A transaction catching up meets it too, and appends nothing.
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Apply { position: 2, .. }));
    assert_eq!(log.head().await.unwrap(), 3);
}

#[tokio::test]
async fn the_skip_policy_gets_past_a_poison_record_and_reports_it() {
    let (log, store) = poisoned().await;
    let options = ServiceOptions::default().refused_records(RefusedRecords::Skip);
    let engine = Engine::new(store.clone(), log.clone(), options);
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 3);
    let state = store.snapshot().await;
    assert_eq!((state.version, state.applied), (3, vec![1, 3]));
    assert_eq!(engine.stats().skipped, 1);
    let skipped = engine.skipped();
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        (
            skipped[0].position,
            skipped[0].kind.as_str(),
            skipped[0].cause
        ),
        (2, "Counted", SkipCause::Refused)
    );
    assert!(
        skipped[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("refusing position 2")
    );
    // Transactions go on past it.
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!((committed.output, committed.appended.first), (4, 4));
}

#[tokio::test]
async fn a_transaction_skips_a_poison_record_in_its_catch_up_by_policy() {
    let (log, store) = poisoned().await;
    let options = ServiceOptions::default()
        .refused_records(RefusedRecords::Skip)
        .max_attempts(1);
    let engine = Engine::new(store.clone(), log.clone(), options);
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!((committed.output, committed.attempts), (4, 1));
    assert_eq!(store.snapshot().await.applied, vec![1, 3, 4]);
    assert_eq!(engine.stats().skipped, 1);
}

#[tokio::test]
async fn an_operator_listed_position_is_skipped_undecoded() {
    let log = MemoryLog::shared();
    log.append(vec![counted("a", 1)], Condition::None)
        .await
        .unwrap();
    // A record of a subscribed kind that does not decode.
    log.append(
        vec![NewEvent::new("Counted", r#"{"counter":"a"}"#)],
        Condition::None,
    )
    .await
    .unwrap();
    let (engine, _) = engine(&log, ServiceOptions::default());
    assert!(matches!(
        engine.sync::<Infallible>().await,
        Err(ServiceError::Decode { position: 2, .. })
    ));
    let (engine, store) = super::engine(&log, ServiceOptions::default().skip_positions([2]));
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 2);
    assert_eq!(store.snapshot().await.applied, vec![1]);
    let skipped = engine.skipped();
    assert_eq!(
        (skipped[0].position, skipped[0].cause),
        (2, SkipCause::Listed)
    );
    // Read again, it counts once.
    engine.sync::<Infallible>().await.unwrap();
    assert_eq!(engine.stats().skipped, 1);
}

/// A log that commits an append and then loses its answer (once, when
/// armed): what a dropped connection during COMMIT looks like.
struct LostAnswer {
    inner: MemoryLog,
    armed: AtomicBool,
}

impl EventLog for LostAnswer {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        self.inner.head()
    }
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a crate::KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<crate::ReadBatch, LogError>> {
        self.inner.read(after, filter, limit)
    }
    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        Box::pin(async move {
            let appended = self.inner.append_with(append).await?;
            if self.armed.swap(false, Ordering::SeqCst) {
                return Err(LogError::Indeterminate {
                    message: "lost the answer".into(),
                    source: None,
                });
            }
            Ok(appended)
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
    fn subscribe(&self) -> crate::Subscription {
        self.inner.subscribe()
    }
}

fn lost_answer() -> crate::SharedLog {
    Arc::new(LostAnswer {
        inner: MemoryLog::new(),
        armed: AtomicBool::new(true),
    })
}

#[tokio::test]
async fn a_lost_answer_retried_with_the_same_key_writes_once() {
    let log = lost_answer();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let key = IdempotencyKey::new("deposit-1").unwrap();
    let options = CallOptions::new().key(key.clone());
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ServiceError::Log(LogError::Indeterminate { .. })),
        "{error}"
    );
    assert!(!error.is_retryable(), "an unknown outcome is not retryable");
    assert_eq!(store.snapshot().await.version, 0, "the store rolled back");
    // The client retries with the same key: nothing new is written, and it
    // learns where its events are.
    let again = engine
        .run_transaction(&Count::new(&*log, "a"), &options)
        .await
        .unwrap_err();
    match again {
        ServiceError::Duplicate { appended } => {
            assert_eq!(appended.positions(), 1..=1);
            assert!(appended.replayed);
        }
        other => panic!("expected Duplicate, got {other}"),
    }
    assert_eq!(log.head().await.unwrap(), 1, "exactly one copy");
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 1);
    assert_eq!(total(&engine, "a").await, 1);
    // A new key is a new call.
    let committed = engine
        .run_transaction(
            &Count::new(&*log, "a"),
            &CallOptions::new().key(IdempotencyKey::new("deposit-2").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(committed.output, 2);
}

#[tokio::test]
async fn a_lost_answer_of_an_append_method_retried_with_the_key_writes_once() {
    let log = lost_answer();
    let (engine, _) = engine(&log, ServiceOptions::default());
    let options = CallOptions::new().key(IdempotencyKey::random());
    let error = engine
        .run_append(&CountBlindly("a".into()), &options)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::Log(LogError::Indeterminate { .. })
    ));
    let again = engine
        .run_append(&CountBlindly("a".into()), &options)
        .await
        .unwrap_err();
    assert_eq!(again.appended().map(|a| a.positions()), Some(1..=1));
    assert_eq!(log.head().await.unwrap(), 1);
}

/// A key another process used is found by the append (which writes
/// nothing) or, where the method refuses on a state that holds the first
/// call's effect, by a second look at the refusal: either way the call is
/// a duplicate, and nothing is written twice.
#[tokio::test]
async fn a_key_used_by_another_process_is_a_duplicate_and_writes_nothing() {
    let log = MemoryLog::shared();
    let key = IdempotencyKey::new("k").unwrap();
    log.append_with(Append::new(vec![counted("a", 1)]).key(key.clone()))
        .await
        .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let options = CallOptions::new().key(key);
    let count = Count::new(&*log, "a");
    let error = engine.run_transaction(&count, &options).await.unwrap_err();
    assert!(
        matches!(&error, ServiceError::Duplicate { appended } if appended.first == 1),
        "{error:?}"
    );
    // At its limit on the first call's effect, the method refuses: the
    // refusal is not the answer, the key is.
    let mut at_limit = Count::new(&*log, "a");
    at_limit.limit = 1;
    let error = engine
        .run_transaction(&at_limit, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ServiceError::Duplicate { appended } if appended.first == 1),
        "{error:?}"
    );
    assert_eq!(at_limit.calls.load(Ordering::SeqCst), 1);
    assert_eq!(log.head().await.unwrap(), 1, "nothing written twice");
    engine.sync::<Infallible>().await.unwrap();
    let state = store.snapshot().await;
    assert_eq!((state.applied.clone(), state.totals["a"]), (vec![1], 1));
}

/// A transaction (counter += 1) that, before it returns, has another
/// writer count the same counter, as a faster competitor would: each
/// attempt loses, unless the log's write lock holds the competitor off (its
/// append then gives up after a while: the method must not wait for it).
struct Contended<'a> {
    log: &'a dyn EventLog,
    calls: AtomicU32,
    landed: AtomicU32,
}

impl MethodCall<Write> for Contended<'_> {
    type Output = (u64, Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        txn: &mut Write,
    ) -> Result<(u64, Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let total = txn.guard.totals.get("a").copied().unwrap_or(0);
        let competitor = self.log.append(vec![counted("a", 1_000)], Condition::None);
        if let Ok(appended) =
            tokio::time::timeout(std::time::Duration::from_millis(100), competitor).await
        {
            appended.unwrap();
            self.landed.fetch_add(1, Ordering::SeqCst);
        }
        let event = CountEvent::Counted(Counted {
            counter: "a".into(),
            total: total + 1,
        });
        Ok((total + 1, vec![event]))
    }
}

#[tokio::test]
async fn a_transaction_that_keeps_losing_escalates_and_wins() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(
        &log,
        ServiceOptions::default()
            .escalate_after(3)
            .max_backoff(std::time::Duration::ZERO),
    );
    let contended = Contended {
        log: &*log,
        calls: AtomicU32::new(0),
        landed: AtomicU32::new(0),
    };
    let committed = engine
        .run_transaction(&contended, &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(
        committed.attempts, 4,
        "three conflicts, then under the lock"
    );
    assert_eq!(
        contended.landed.load(Ordering::SeqCst),
        3,
        "held off under the lock"
    );
    let stats = engine.stats();
    assert_eq!((stats.conflicts, stats.escalations), (3, 1));
    assert_eq!(
        committed.output, 1_001,
        "decided on the competitor's last count"
    );
    assert_eq!(store.snapshot().await.version, log.head().await.unwrap());
}

#[tokio::test]
async fn the_recorded_time_the_store_saw_is_the_logs() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    let record = &log
        .read(0, &crate::KindFilter::All, 1)
        .await
        .unwrap()
        .records[0];
    assert_eq!(record.recorded_at, committed.appended.recorded_at);
    let state = store.snapshot().await;
    assert_eq!(state.applied, vec![1]);
    // The time the store was given when the event was applied ahead.
    assert_eq!(state.applied_at, vec![record.recorded_at]);
}
