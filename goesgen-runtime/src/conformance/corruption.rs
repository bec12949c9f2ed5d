//! Damage: a corrupt record is reported where it is, and a handle that found
//! its log damaged takes no appends. The backend supplies the hook that
//! damages its storage.

use std::future::Future;

use super::helpers::{append, assert_positions, event};
use crate::{
    Append, Appended, Condition, IdempotencyKey, KindFilter, LogError, LogReader, Position,
    SharedLog,
};
use serde_json::json;

/// The record at position 3 of 5 is damaged by `corrupt`: reads that reach
/// it fail with `Corrupt` at 3, reads around it work, and the handle takes
/// no more appends (each is refused with `Corrupt` at 3).
pub async fn corrupt_record_is_reported<F, Fut>(log: SharedLog, corrupt: F)
where
    F: FnOnce(Position) -> Fut,
    Fut: Future<Output = ()>,
{
    for n in 1..=5 {
        append(&log, vec![event("A", json!({"n": n}))]).await;
    }
    corrupt(3).await;
    match log.read(0, &KindFilter::All, 10).await {
        Err(LogError::Corrupt {
            position: 3,
            reason,
        }) => assert!(!reason.is_empty()),
        other => panic!("expected Corrupt at 3, got {other:?}"),
    }
    let before = log.read(0, &KindFilter::All, 2).await.expect("read before");
    assert_positions(&before.records, [1, 2]);
    let after = log.read(3, &KindFilter::All, 10).await.expect("read after");
    assert_positions(&after.records, [4, 5]);

    let mut reader = LogReader::new(&*log, KindFilter::All, 2);
    assert!(matches!(
        reader.next_batch().await,
        Err(LogError::Corrupt { position: 3, .. })
    ));
    assert_eq!(reader.position(), 2, "a failed read leaves the cursor");

    assert_eq!(log.head().await.expect("head"), 5);
    appends_are_refused(&log, 3, 5).await;
}

/// Issue 19, "a damaged log is latched": the rows at positions 6 to 10 of
/// a log of 10 are shifted up by one behind the handle's back by `shift`
/// (to 7 to 11: the handle's own writer checked them before, so only a
/// read finds the gap). A read reports `Corrupt` at 6, and from then on
/// every append through the handle is refused with `Corrupt` naming 6 and
/// writes nothing, while reads before the damage go on.
pub async fn a_damaged_log_takes_no_appends<F, Fut>(log: SharedLog, shift: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    for n in 1..=10 {
        append(&log, vec![event("A", json!({"n": n}))]).await;
    }
    shift().await;
    match log.read(0, &KindFilter::All, 100).await {
        Err(LogError::Corrupt { position: 6, .. }) => {}
        other => panic!("expected Corrupt at 6, got {other:?}"),
    }
    appends_are_refused(&log, 6, 11).await;
    let before = log.read(0, &KindFilter::All, 5).await.expect("read before");
    assert_positions(&before.records, 1..=5);
    assert!(matches!(
        log.read(0, &KindFilter::All, 100).await,
        Err(LogError::Corrupt { position: 6, .. })
    ));
}

/// Every way of appending through `log` is refused with `Corrupt` at
/// `at`, and the head stays `head`: a plain, a keyed and a conditional
/// append, an append now, and a write lock's append.
pub async fn appends_are_refused(log: &SharedLog, at: Position, head: Position) {
    let refused = |what: &str, result: Result<Appended, LogError>| match result {
        Err(LogError::Corrupt { position, reason }) if position == at => {
            assert!(!reason.is_empty(), "{what}");
        }
        other => panic!("{what}: expected Corrupt at {at}, got {other:?}"),
    };
    let new = || vec![event("A", json!({"late": true}))];
    refused("append", log.append(new(), Condition::None).await);
    refused(
        "keyed append",
        log.append_with(Append::new(new()).key(IdempotencyKey::random()))
            .await,
    );
    refused(
        "conditional append",
        log.append(new(), Condition::HeadIs(head)).await,
    );
    let now = match log.try_append_now(Append::new(new())) {
        Ok(result) => result,
        Err(append) => log.append_with(append).await,
    };
    refused("append now", now);
    match log.lock_writes().await {
        Ok(lock) => refused("write lock", lock.append(Append::new(new())).await),
        Err(LogError::Corrupt { position, .. }) if position == at => {}
        Err(other) => panic!("write lock: expected Corrupt at {at}, got {other:?}"),
    }
    assert_eq!(
        log.head().await.expect("head"),
        head,
        "nothing was appended"
    );
}
