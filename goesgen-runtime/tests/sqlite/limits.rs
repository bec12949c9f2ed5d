//! Limits on SQLite: oversized events refused alone while the rest land,
//! and a bounded queue of one still taking a flood of appends.

use std::sync::Arc;

use goesgen_runtime::{Condition, LogError, LogLimits, SqliteOptions};
use serde_json::json;

use super::{conformance, event, fresh_path, open_with};

/// Oversized kinds and payloads are refused alone, naming their index,
/// while the other appends sent at the same moment land.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_events_are_refused_alone() {
    let options = SqliteOptions {
        limits: LogLimits::default()
            .max_kind_bytes(10)
            .max_payload_bytes(100),
        ..Default::default()
    };
    let log = open_with(&fresh_path("limits"), options).await;
    let big = conformance::event("Big", json!({"pad": "x".repeat(200)}));
    let start = Arc::new(tokio::sync::Barrier::new(30));
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let log = Arc::clone(&log);
            let start = Arc::clone(&start);
            let big = big.clone();
            tokio::spawn(async move {
                let events = match n % 3 {
                    0 => vec![event("Fine"), event("Fine")],
                    1 => vec![event("Fine"), event("KindFarTooLong")],
                    _ => vec![event("Fine"), event("Fine"), big],
                };
                start.wait().await;
                (n % 3, log.append(events, Condition::None).await)
            })
        })
        .collect();
    for task in tasks {
        match task.await.expect("task") {
            (0, result) => {
                result.expect("a fine append beside oversized ones");
            }
            (1, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("kind"), "{reason}")
            }
            (2, Err(LogError::InvalidEvent { index: 2, reason })) => {
                assert!(reason.contains("payload"), "{reason}")
            }
            (case, other) => panic!("case {case}: {other:?}"),
        }
    }
    let records = conformance::read_all(&log).await;
    assert_eq!(records.len(), 20);
    assert!(records.iter().all(|r| r.kind == "Fine"));
}

/// A bounded queue of one still takes a flood of appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queue_of_one_takes_a_flood() {
    let options = SqliteOptions {
        queue_capacity: 1,
        ..Default::default()
    };
    let log = open_with(&fresh_path("queue"), options).await;
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move { conformance::append(&log, vec![event("A")]).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(log.head().await.expect("head"), 64);
}
