//! Idempotency keys on SQLite: a keyed append writes once (twice in a row,
//! after reopening, raced from two handles, twice in one group), and the
//! time recorded is the time asked.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use goesgen_runtime::{Append, Appended, Condition, IdempotencyKey};

use super::{conformance, event, fresh_path, key, open};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_append_twice_writes_once() {
    let log = open(&fresh_path("key-twice")).await;
    conformance::append(&log, vec![event("Before")]).await;
    let append = || Append::new(vec![event("A"), event("B")]).key(key("order-17"));
    let first = log
        .append_with(append().condition(Condition::HeadIs(1)))
        .await
        .expect("first");
    assert_eq!((first.first, first.last, first.replayed), (2, 3, false));
    // The same key again, on a condition that would now fail: a replay.
    let again = log
        .append_with(append().condition(Condition::HeadIs(1)))
        .await
        .expect("replay");
    assert_eq!(
        again,
        Appended {
            replayed: true,
            ..first
        }
    );
    assert_eq!(log.head().await.expect("head"), 3, "one copy");
    assert_eq!(conformance::read_all(&log).await.len(), 3);
    assert_eq!(
        log.find_key(&key("order-17"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(again)
    );
    assert_eq!(log.find_key(&key("order-18")).await.expect("find"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_survive_reopening() {
    let path = fresh_path("key-reopen");
    let first = {
        let log = open(&path).await;
        log.append_with(Append::new(vec![event("A")]).key(key("k")))
            .await
            .expect("append")
    };
    let log = open(&path).await;
    let found = log
        .find_key(&key("k"))
        .await
        .expect("find")
        .map(|record| record.appended);
    assert_eq!(
        found,
        Some(Appended {
            replayed: true,
            ..first
        })
    );
    let again = log
        .append_with(Append::new(vec![event("A")]).key(key("k")))
        .await
        .expect("replay");
    assert!(again.replayed);
    assert_eq!((again.first, again.recorded_at), (1, first.recorded_at));
    assert_eq!(log.head().await.expect("head"), 1);
}

/// Two handles on one file (two writer threads, like two processes) and
/// many tasks on each race one key: one copy, everyone gets its positions.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_one_key_from_two_handles_writes_once() {
    let path = fresh_path("key-race");
    let handles = [open(&path).await, open(&path).await];
    const TASKS: usize = 16;
    let start = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let log = Arc::clone(&handles[n % 2]);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                // Unkeyed appends in the same moment share the groups.
                conformance::append(&log, vec![event("Noise")]).await;
                log.append_with(Append::new(vec![event("Paid"), event("Paid")]).key(key("pay-1")))
                    .await
                    .expect("keyed append")
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    let written: Vec<&Appended> = results.iter().filter(|a| !a.replayed).collect();
    assert_eq!(written.len(), 1, "exactly one append wrote: {results:?}");
    for result in &results {
        assert_eq!(
            (result.first, result.last),
            (written[0].first, written[0].last)
        );
        assert_eq!(result.recorded_at, written[0].recorded_at);
    }
    let records = conformance::read_all(&handles[0]).await;
    assert_eq!(records.iter().filter(|r| r.kind == "Paid").count(), 2);
    assert_eq!(records.len(), TASKS + 2);
}

/// Members of one group with the same key: the first writes, the others
/// replay it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_twice_in_a_group_is_a_replay() {
    let log = open(&fresh_path("key-group")).await;
    let start = Arc::new(tokio::sync::Barrier::new(24));
    let tasks: Vec<_> = (0..24)
        .map(|n| {
            let log = Arc::clone(&log);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                let key = key(&format!("k{}", n % 3));
                log.append_with(Append::new(vec![event("A")]).key(key.clone()))
                    .await
                    .map(|appended| (key, appended))
                    .expect("keyed append")
            })
        })
        .collect();
    let mut by_key: std::collections::HashMap<IdempotencyKey, Vec<Appended>> = Default::default();
    for task in tasks {
        let (key, appended) = task.await.expect("task");
        by_key.entry(key).or_default().push(appended);
    }
    for (key, results) in &by_key {
        assert_eq!(results.iter().filter(|a| !a.replayed).count(), 1, "{key}");
        assert!(results.iter().all(|a| a.first == results[0].first));
    }
    assert_eq!(log.head().await.expect("head"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_recorded_is_the_time_asked() {
    let log = open(&fresh_path("recorded-at")).await;
    let asked = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    let cut = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
    let appended = log
        .append_with(
            Append::new(vec![event("A"), event("B")])
                .recorded_at(asked)
                .key(key("t")),
        )
        .await
        .expect("append");
    assert_eq!(appended.recorded_at, cut);
    // A replay answers with the first append's time, not the one it asks.
    let replay = log
        .append_with(
            Append::new(vec![event("A")])
                .recorded_at(SystemTime::now())
                .key(key("t")),
        )
        .await
        .expect("replay");
    assert_eq!(replay.recorded_at, cut);
    let records = conformance::read_all(&log).await;
    assert!(records.iter().all(|r| r.recorded_at == cut), "{records:?}");
    // Without a time asked: the commit's.
    let before = SystemTime::now() - Duration::from_secs(1);
    let now = conformance::append(&log, vec![event("C")]).await;
    assert!(now.recorded_at > before);
}
