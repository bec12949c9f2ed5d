//! The write lock on SQLite: it holds off other handles and connections
//! until its append, is released when dropped, and its append goes through
//! the same checks (keys, limits) as any other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen_runtime::{
    Append, Appended, Condition, KindFilter, LogError, LogLimits, SqliteLog, SqliteOptions,
};
use serde_json::json;

use super::{conformance, event, fresh_path, key, open, open_with};

/// While one handle holds the write lock, an append through another
/// handle on the same file cannot land: it lands after the lock's append.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_write_lock_holds_off_another_handle_until_it_appends() {
    let path = fresh_path("lock-append");
    let holder = open(&path).await;
    let other = open(&path).await;
    conformance::append(&holder, vec![event("A")]).await;
    let lock = holder.lock_writes().await.expect("lock");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move { conformance::append(&other, vec![event("Other")]).await })
    };
    // Give the other append every chance to land if the lock let it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the other append waits for the lock"
    );
    // Reads go on under the lock.
    let read = other.read(0, &KindFilter::All, 10).await.expect("read");
    assert_eq!(read.head, 1);
    let locked = lock
        .append(Append::new(vec![event("Locked")]).condition(Condition::HeadIs(1)))
        .await
        .expect("append under the lock");
    assert_eq!(locked.positions(), 2..=2);
    let landed = waiting.await.expect("other append");
    assert_eq!(landed.first, 3, "the other append came after the lock's");
    assert!(
        holder.subscribe().head() >= 2,
        "the lock published its head"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dropping_the_write_lock_releases_it() {
    let path = fresh_path("lock-drop");
    let holder = open(&path).await;
    let other = open(&path).await;
    let lock = holder.lock_writes().await.expect("lock");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move { conformance::append(&other, vec![event("Other")]).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the other append waits for the lock"
    );
    drop(lock);
    let landed = waiting.await.expect("other append");
    assert_eq!(
        landed.first, 1,
        "nothing was written under the dropped lock"
    );
    // A lock whose condition fails writes nothing and releases too.
    let lock = holder.lock_writes().await.expect("lock again");
    conformance::expect_conflict(
        lock.append(Append::new(vec![event("Late")]).condition(Condition::HeadIs(0)))
            .await,
    );
    let after = conformance::append(&other, vec![event("After")]).await;
    assert_eq!(after.first, 2);
}

/// The lock's append goes through the same checks: keys and limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_lock_replays_keys_and_applies_limits() {
    let path = fresh_path("lock-checks");
    let options = SqliteOptions {
        limits: LogLimits::default().max_kind_bytes(8),
        ..Default::default()
    };
    let log = open_with(&path, options).await;
    let first = log
        .append_with(Append::new(vec![event("A")]).key(key("k")))
        .await
        .expect("append");
    let lock = log.lock_writes().await.expect("lock");
    let replay = lock
        .append(Append::new(vec![event("A")]).key(key("k")))
        .await
        .expect("replay under the lock");
    assert_eq!(
        replay,
        Appended {
            replayed: true,
            ..first
        }
    );
    let lock = log.lock_writes().await.expect("lock");
    match lock
        .append(Append::new(vec![event("A"), event("MuchTooLong")]))
        .await
    {
        Err(LogError::InvalidEvent { index: 1, .. }) => {}
        other => panic!("expected InvalidEvent at 1, got {other:?}"),
    }
    assert_eq!(log.head().await.expect("head"), 1);
    conformance::append(&log, vec![event("B")]).await;
}

/// While another connection holds the write lock, reads go on, and an
/// append waits for the busy timeout and then fails as retryable, having
/// written nothing; once the lock is released appends go through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_write_lock_blocks_appends_not_reads() {
    let path = fresh_path("locked");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let log = SqliteLog::open_with(&path, options)
        .await
        .expect("open")
        .shared();
    conformance::append(&log, vec![conformance::event("A", json!({}))]).await;

    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let read = tokio::time::timeout(Duration::from_secs(2), log.read(0, &KindFilter::All, 10))
        .await
        .expect("a read does not wait for the writer")
        .expect("read");
    assert_eq!(read.records.len(), 1);
    let started = Instant::now();
    match log
        .append(vec![conformance::event("B", json!({}))], Condition::None)
        .await
    {
        Err(error @ LogError::Unavailable { .. }) => assert!(error.is_retryable()),
        other => panic!("expected Unavailable while locked, got {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "waited for the lock"
    );
    raw.execute_batch("ROLLBACK")
        .expect("release the write lock");

    assert_eq!(
        log.head().await.expect("head"),
        1,
        "the failed append wrote nothing"
    );
    let appended = conformance::append(&log, vec![conformance::event("B", json!({}))]).await;
    assert_eq!(appended.first, 2);
}
