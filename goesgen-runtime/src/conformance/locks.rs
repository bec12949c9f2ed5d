//! Write locks: they exclude other appends, dropping one releases it, and
//! `try_append_now` lands once or hands the append back.

use std::sync::Arc;
use std::time::Duration;

use super::PATIENCE;
use super::helpers::{append, event, read_all};
use crate::{Append, Condition, IdempotencyKey, KindFilter, LogError, NewEvent, SharedLog};
use serde_json::json;

/// While a write lock is held, another append waits; the lock's own append
/// comes first, and reads keep working meanwhile.
pub async fn write_lock_excludes_other_appends(log: SharedLog) {
    append(&log, vec![event("Before", json!({}))]).await;
    let lock = log.lock_writes().await.expect("lock");
    let other = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            log.append(vec![event("Other", json!({}))], Condition::None)
                .await
        })
    };
    // Give the other append every chance to go first, were it not held.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let batch = log
        .read(0, &KindFilter::All, 10)
        .await
        .expect("read under the lock");
    assert_eq!(batch.head, 1, "nothing was appended while the lock is held");
    let locked = lock
        .append(Append::new(vec![event("Locked", json!({}))]).condition(Condition::HeadIs(1)))
        .await
        .expect("append under the lock");
    assert_eq!((locked.first, locked.last), (2, 2));
    let other = tokio::time::timeout(PATIENCE, other)
        .await
        .expect("the other append went on once the lock was released")
        .expect("task")
        .expect("other append");
    assert_eq!(other.first, 3);
    let kinds: Vec<String> = read_all(&log).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["Before", "Locked", "Other"]);
}

/// Dropping a write lock without appending releases it.
pub async fn dropping_a_write_lock_releases_it(log: SharedLog) {
    let lock = log.lock_writes().await.expect("lock");
    drop(lock);
    let appended = tokio::time::timeout(
        PATIENCE,
        log.append(vec![event("A", json!({}))], Condition::None),
    )
    .await
    .expect("an append after the lock was dropped")
    .expect("append");
    assert_eq!(appended.first, 1);
    let again = tokio::time::timeout(PATIENCE, log.lock_writes())
        .await
        .expect("the lock can be taken again")
        .expect("lock");
    drop(again);
}

/// `try_append_now` either appends as `append_with` would (its condition
/// judged, its events checked) or hands the append back untouched, for
/// `append_with`; while another holds the write lock it never appends.
pub async fn an_append_now_lands_once_or_is_handed_back(log: SharedLog) {
    let now_or_later = |append: Append| {
        let log = Arc::clone(&log);
        async move {
            match log.try_append_now(append) {
                Ok(appended) => appended,
                Err(back) => log.append_with(back).await,
            }
        }
    };
    let first = Append::new(vec![event("Now", json!({"n": 1}))]).condition(Condition::HeadIs(0));
    let appended = now_or_later(first).await.expect("append");
    assert_eq!((appended.first, appended.last), (1, 1));
    let stale = Append::new(vec![event("Now", json!({"n": 2}))]).condition(Condition::HeadIs(0));
    assert!(
        matches!(now_or_later(stale).await, Err(LogError::Conflict(_))),
        "a failed condition is a conflict, now or later"
    );
    let bad = Append::new(vec![NewEvent::new("Two words", "{}")]);
    assert!(matches!(
        now_or_later(bad).await,
        Err(LogError::InvalidEvent { index: 0, .. })
    ));
    let lock = log.lock_writes().await.expect("lock");
    let key = IdempotencyKey::new("held").expect("key");
    let held = Append::new(vec![event("Held", json!({}))]).key(key.clone());
    match log.try_append_now(held) {
        Ok(appended) => panic!("appended past another's write lock: {appended:?}"),
        Err(back) => {
            assert_eq!(back.events.len(), 1, "handed back untouched");
            assert_eq!(back.events[0].kind, "Held");
            assert_eq!(back.key, Some(key));
        }
    }
    drop(lock);
    let kinds: Vec<String> = read_all(&log).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["Now"]);
}
