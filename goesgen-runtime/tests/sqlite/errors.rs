//! Errors classified by cause on SQLite: every member of a failed group
//! keeps SQLite's error as its source, and a read-only file is `Denied`.

use std::sync::Arc;
use std::time::Duration;

use goesgen_runtime::{Condition, LogError, SqliteOptions};

use super::{chain, conformance, event, fresh_path, open, open_with, raw};

/// A failed group gives every member the same error, with SQLite's error
/// as its source.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_member_of_a_failed_group_keeps_the_cause() {
    let path = fresh_path("group-cause");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let log = open_with(&path, options).await;
    let blocker = raw(&path);
    blocker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move { log.append(vec![event("A")], Condition::None).await })
        })
        .collect();
    for task in tasks {
        let error = task.await.expect("task").expect_err("locked out");
        assert!(matches!(error, LogError::Unavailable { .. }), "{error:?}");
        let cause = std::error::Error::source(&error).expect("a cause");
        assert!(
            cause.to_string().contains("locked") || cause.to_string().contains("busy"),
            "{}",
            chain(&error)
        );
        assert!(!error.to_string().contains(&cause.to_string()));
    }
    blocker.execute_batch("ROLLBACK").expect("release");
}

/// A log opened read-only (`SqliteOptions::read_only`, i.e.
/// `SQLITE_OPEN_READONLY`: tests run as root, where `chmod 0444` does not
/// stop writes) reads, and refuses appends and locks with `Denied`, naming
/// SQLITE_READONLY once in the whole chain, with SQLite's error as the
/// cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_file_is_denied_naming_sqlite_readonly_once() {
    let path = fresh_path("read-only");
    {
        let log = open(&path).await;
        conformance::append(&log, vec![event("A")]).await;
    }
    let options = SqliteOptions {
        read_only: true,
        ..Default::default()
    };
    let log = open_with(&path, options).await;
    assert_eq!(conformance::read_all(&log).await.len(), 1);
    let error = log
        .append(vec![event("B")], Condition::None)
        .await
        .expect_err("read-only");
    let lock_error = match log.lock_writes().await {
        Err(error) => error,
        Ok(_) => panic!("a read-only log gave a write lock"),
    };
    for error in [error, lock_error] {
        assert!(matches!(error, LogError::Denied { .. }), "{error:?}");
        assert!(!error.is_retryable());
        let text = chain(&error);
        assert_eq!(text.matches("SQLITE_READONLY").count(), 1, "{text}");
        // The message names the code; SQLite's own words are the cause's
        // (rusqlite repeats them one level further down, its own chain).
        let cause = std::error::Error::source(&error).expect("a cause");
        assert!(!error.to_string().contains(&cause.to_string()), "{text}");
        assert!(cause.to_string().contains("readonly"), "{text}");
    }
    assert_eq!(log.head().await.expect("head"), 1);
}
