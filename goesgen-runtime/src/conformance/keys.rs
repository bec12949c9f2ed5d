//! Idempotency keys: a keyed append writes once, whatever its condition and
//! however many race.

use std::sync::Arc;

use super::helpers::{append, assert_positions, event, read_all};
use crate::{Append, Condition, IdempotencyKey, SharedLog};
use serde_json::json;

/// An append with an idempotency key writes once: repeating it writes
/// nothing and returns the first append's positions and time, marked as a
/// replay; `find_key` finds it; another key appends anew.
pub async fn keyed_append_writes_once(log: SharedLog) {
    let key = IdempotencyKey::new("order-17").expect("key");
    assert_eq!(log.find_key(&key).await.expect("find_key"), None);
    append(&log, vec![event("Before", json!({}))]).await;
    let batch = || vec![event("Ordered", json!({"n": 17})), event("Paid", json!({}))];
    let first = log
        .append_with(Append::new(batch()).key(key.clone()))
        .await
        .expect("first keyed append");
    assert_eq!((first.first, first.last, first.replayed), (2, 3, false));
    let again = log
        .append_with(Append::new(batch()).key(key.clone()))
        .await
        .expect("repeated keyed append");
    assert!(again.replayed);
    assert_eq!(
        (again.first, again.last, again.recorded_at),
        (first.first, first.last, first.recorded_at)
    );
    let found = log.find_key(&key).await.expect("find_key").expect("found");
    assert_eq!(found.appended, again);
    assert_eq!(found.fingerprint, None);
    let other = log
        .append_with(Append::new(batch()).key(IdempotencyKey::new("order-18").expect("key")))
        .await
        .expect("another key");
    assert_eq!((other.first, other.last), (4, 5));
    assert_positions(&read_all(&log).await, 1..=5);
}

/// A repeated keyed append is a replay even when its condition no longer
/// holds (the first append moved the log).
pub async fn keys_replay_whatever_the_condition(log: SharedLog) {
    let key = IdempotencyKey::random();
    let keyed = || {
        Append::new(vec![event("Claim", json!({}))])
            .condition(Condition::HeadIs(0))
            .key(key.clone())
    };
    let first = log.append_with(keyed()).await.expect("first");
    let again = log
        .append_with(keyed())
        .await
        .expect("replay, not conflict");
    assert!(again.replayed);
    assert_eq!((again.first, again.last), (first.first, first.last));
    assert_eq!(log.head().await.expect("head"), 1);
}

/// Many appends with one key at the same moment (so a backend that groups
/// commits gets them in one group): exactly one copy is written, and every
/// caller gets its positions.
pub async fn keyed_appends_racing_write_once(log: SharedLog) {
    const RACERS: usize = 16;
    let key = IdempotencyKey::new("racing").expect("key");
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for n in 0..RACERS {
        let (log, start, key) = (Arc::clone(&log), Arc::clone(&start), key.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let events = vec![
                event("Once", json!({"n": n})),
                event("Once", json!({"n": n})),
            ];
            log.append_with(Append::new(events).key(key)).await
        }));
    }
    let mut written = 0;
    let mut positions = Vec::new();
    for task in tasks {
        let appended = task.await.expect("task").expect("keyed append");
        if !appended.replayed {
            written += 1;
        }
        positions.push((appended.first, appended.last));
    }
    assert_eq!(written, 1, "exactly one racer writes");
    assert!(positions.iter().all(|p| *p == (1, 2)), "{positions:?}");
    assert_positions(&read_all(&log).await, 1..=2);
}
