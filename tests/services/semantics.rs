//! The semantics of generated services on MemoryLog: what each method type
//! writes, rollbacks, `sync_after_push`, the conflict rules, unknown kinds
//! and corrupt records.

use std::sync::atomic::Ordering;

use goesgen::{
    Condition, ConflictRule, KindFilter, MemoryLog, NewEvent, ServiceError, ServiceOptions,
    UnknownEvents,
};

use super::schema::bank::DepositEvent;
use super::schema::events::{Event, EventKind, MoneyDeposited};
use super::*;

fn caller() -> Caller {
    Caller {
        name: "test".into(),
    }
}

async fn opened(options: ServiceOptions) -> (SharedLog, MemoryBank) {
    let log = MemoryLog::shared();
    let bank = memory_bank(&log, options);
    bank.open(&caller(), "alice".into()).await.unwrap();
    (log, bank)
}

#[tokio::test]
async fn readonly_methods_read_and_never_write() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 0);
    assert_eq!(bank.accounts(&caller()).await.unwrap(), 1);
    let error = bank.balance(&caller(), "bob".into()).await.unwrap_err();
    assert!(matches!(error, ServiceError::Method(BankError::NoAccount(ref a)) if a == "bob"));
    assert_eq!(log.head().await.unwrap(), 1, "only the open was written");
}

#[tokio::test]
async fn a_transaction_returns_its_events_where_they_were_recorded() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    let committed = bank
        .deposit(&caller(), transfer("alice", 30))
        .await
        .unwrap();
    assert_eq!(committed.output, 30);
    assert_eq!(committed.attempts, 1);
    assert_eq!(committed.appended.positions(), 2..=2);
    let expected = MoneyDeposited {
        account: "alice".into(),
        amount: 30,
        balance: 30,
    };
    assert_eq!(
        committed.events,
        vec![DepositEvent::MoneyDeposited(expected.clone())]
    );
    assert_eq!(committed.events[0].kind(), EventKind::MoneyDeposited);
    let (at, _) = committed.recorded().next().unwrap();
    let record = &log.read(1, &KindFilter::All, 1).await.unwrap().records[0];
    assert_eq!((at.position, at.recorded_at), (2, record.recorded_at));
    assert_eq!(
        Event::from_record(&record.kind, &record.payload).unwrap(),
        Event::MoneyDeposited(expected)
    );
    // sync_after_push: a read right after the write sees it.
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 30);
    assert_eq!(bank.projection_version().await.unwrap(), 2);
}

#[tokio::test]
async fn a_refused_transaction_rolls_back_and_appends_nothing() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    bank.deposit(&caller(), transfer("alice", 10))
        .await
        .unwrap();
    let error = bank
        .withdraw(&caller(), transfer("alice", 11))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ServiceError::Method(BankError::Insufficient { balance: 10, .. })
        ),
        "{error}"
    );
    assert_eq!(log.head().await.unwrap(), 2);
    let error = bank.open(&caller(), "alice".into()).await.unwrap_err();
    assert!(matches!(error, ServiceError::Method(BankError::Exists(_))));
    assert_eq!(log.head().await.unwrap(), 2);
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 10);
    let committed = bank
        .withdraw(&caller(), transfer("alice", 10))
        .await
        .unwrap();
    assert_eq!(committed.output, 0);
    assert_eq!(bank.stats().commits, 3);
}

#[tokio::test]
async fn a_transaction_decides_on_the_log_not_on_a_stale_store() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    // Another instance (its own store) deposits; this one has not synced.
    let other = memory_bank(&log, ServiceOptions::default());
    other
        .deposit(&caller(), transfer("alice", 50))
        .await
        .unwrap();
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 0);
    // The transaction catches up first, so it sees the 50.
    let committed = bank
        .withdraw(&caller(), transfer("alice", 20))
        .await
        .unwrap();
    assert_eq!(committed.output, 30);
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 30);
}

#[tokio::test]
async fn an_append_method_appends_without_a_condition() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    let other = memory_bank(&log, ServiceOptions::default());
    other
        .deposit(&caller(), transfer("alice", 50))
        .await
        .unwrap();
    // Blind: decides on its own stale store (balance 0), appends anyway.
    let committed = bank
        .deposit_blindly(&caller(), transfer("alice", 5))
        .await
        .unwrap();
    assert_eq!(committed.appended.positions(), 3..=3);
    let DepositBlindlyEvent::MoneyDeposited(event) = &committed.events[0];
    assert_eq!(event.balance, 5, "decided on the stale projection");
    assert_eq!(
        bank.stats().attempts,
        1,
        "the open only: appends make no attempts"
    );
    // Synced after the push: it applied the other deposit and its own.
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 5);
    assert_eq!(bank.store().snapshot().await.applied, vec![1, 2, 3]);
}

#[tokio::test]
async fn without_sync_after_push_reads_wait_for_sync() {
    let (_log, bank) = opened(ServiceOptions::default().sync_after_push(false)).await;
    assert_eq!(bank.accounts(&caller()).await.unwrap(), 0);
    assert_eq!(bank.projection_version().await.unwrap(), 0);
    assert_eq!(bank.sync().await.unwrap(), 1);
    assert_eq!(bank.accounts(&caller()).await.unwrap(), 1);
    bank.deposit(&caller(), transfer("alice", 7)).await.unwrap();
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 0);
    bank.sync().await.unwrap();
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 7);
}

#[tokio::test]
async fn unrelated_appends_conflict_under_strict_only() {
    for (rule, conflicts) in [(ConflictRule::Subscribed, 0), (ConflictRule::Strict, 10)] {
        let log = MemoryLog::shared();
        let options = ServiceOptions::default().conflict_rule(rule);
        let bank = memory_bank(&log, options.clone());
        let audit = AuditService::new(Auditor, NotesStore::default(), log.clone(), options);
        bank.open(&caller(), "alice".into()).await.unwrap();
        // The audit appends between the bank's decision and its append:
        // the audit's note lands while the bank's method runs.
        let ctx = caller();
        for round in 0..10 {
            let bank_call = bank.deposit(&ctx, transfer("alice", 1));
            let audit_call = audit.note(&(), format!("note {round}"));
            let (deposit, note) = interleave(bank_call, audit_call).await;
            deposit.unwrap();
            note.unwrap();
        }
        assert_eq!(bank.stats().conflicts, conflicts, "{rule:?}");
        assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 10);
        assert_eq!(audit.notes(&()).await.unwrap(), 10);
    }
}

/// Runs `first` until it first waits, then `second` to completion, then
/// `first` to completion: `second` lands in the middle of `first`.
async fn interleave<A: std::future::Future, B: std::future::Future>(
    first: A,
    second: B,
) -> (A::Output, B::Output) {
    let mut first = std::pin::pin!(first);
    let early = std::future::poll_fn(|cx| std::task::Poll::Ready(first.as_mut().poll(cx))).await;
    let second = second.await;
    let first = match early {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => first.await,
    };
    (first, second)
}

#[tokio::test]
async fn unknown_kinds_fail_by_default_and_are_skipped_when_asked() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    log.append(
        vec![NewEvent::new(
            "AccountClosed",
            br#"{"account":"alice"}"#.to_vec(),
        )],
        Condition::None,
    )
    .await
    .unwrap();
    let error = bank.sync().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::UnknownKind { position: 2, ref kind } if kind == "AccountClosed"),
        "{error}"
    );
    // A transaction catching up stops there too, appending nothing.
    let error = bank
        .deposit(&caller(), transfer("alice", 1))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::UnknownKind { position: 2, .. }
    ));
    assert_eq!(log.head().await.unwrap(), 2);
    assert_eq!(bank.projection_version().await.unwrap(), 1);

    let skipping = memory_bank(
        &log,
        ServiceOptions::default().unknown_events(UnknownEvents::Skip),
    );
    assert_eq!(skipping.sync().await.unwrap(), 2);
    let committed = skipping
        .deposit(&caller(), transfer("alice", 1))
        .await
        .unwrap();
    assert_eq!(committed.appended.positions(), 3..=3);
}

#[tokio::test]
async fn a_corrupt_payload_is_a_decode_error_naming_its_position() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    log.append(
        vec![NewEvent::new(
            "MoneyDeposited",
            br#"{"account":"alice","amount":1}"#.to_vec(),
        )],
        Condition::None,
    )
    .await
    .unwrap();
    let error = bank.sync().await.unwrap_err();
    match &error {
        ServiceError::Decode {
            position,
            kind,
            source,
        } => {
            assert_eq!((*position, kind.as_str()), (2, "MoneyDeposited"));
            assert_eq!(source.field(), Some("balance"));
        }
        other => panic!("expected a decode error, got {other}"),
    }
    assert!(error.to_string().contains("position 2"), "{error}");
    assert_eq!(bank.projection_version().await.unwrap(), 1);
}

#[tokio::test]
async fn a_conflict_retries_the_method_with_a_fresh_projection() {
    let (log, bank) = opened(ServiceOptions::default()).await;
    let other = memory_bank(&log, ServiceOptions::default());
    other.sync().await.unwrap();
    // `other` deposits while `bank`'s deposit is deciding.
    let (mine, theirs) = interleave(
        bank.deposit(&caller(), transfer("alice", 1)),
        other.deposit(&caller(), transfer("alice", 100)),
    )
    .await;
    let mine = mine.unwrap();
    theirs.unwrap();
    assert_eq!(mine.attempts, 2);
    assert_eq!(mine.output, 101);
    assert_eq!(
        bank.methods().calls.load(Ordering::Relaxed),
        3,
        "open + 2 attempts"
    );
    assert_eq!(bank.stats().conflicts, 1);
    let error = {
        let strict = memory_bank(&log, ServiceOptions::default().max_attempts(1));
        strict.sync().await.unwrap();
        let (result, _) = interleave(
            strict.deposit(&caller(), transfer("alice", 1)),
            other.deposit(&caller(), transfer("alice", 1)),
        )
        .await;
        result.unwrap_err()
    };
    assert!(
        matches!(error, ServiceError::Conflict { attempts: 1, .. }),
        "{error}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn services_are_send_and_follow_keeps_them_current() {
    let log = MemoryLog::shared();
    let writer = Arc::new(memory_bank(&log, ServiceOptions::default()));
    let reader = Arc::new(memory_bank(&log, ServiceOptions::default()));
    let follower = tokio::spawn({
        let reader = reader.clone();
        async move { reader.follow().await }
    });
    let task = tokio::spawn({
        let writer = writer.clone();
        async move {
            writer.open(&caller(), "alice".into()).await?;
            writer.deposit(&caller(), transfer("alice", 3)).await
        }
    });
    task.await.unwrap().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while reader.projection_version().await.unwrap() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the follower did not catch up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(reader.balance(&caller(), "alice".into()).await.unwrap(), 3);
    follower.abort();
    assert!(follower.await.unwrap_err().is_cancelled());
}
