//! The log's limits: oversized events are refused alone, and reads stop at
//! the byte budget.

use std::sync::Arc;

use super::helpers::{append, assert_positions, event, read_all};
use crate::{Condition, KindFilter, LogError, LogReader, NewEvent, Position, SharedLog};
use serde_json::json;

/// An event over the default limits (a kind over 256 bytes, a payload over
/// 4 MiB) is refused with its index, alone: appends beside it land.
pub async fn oversized_events_are_refused_alone(log: SharedLog) {
    let long_kind = "K".repeat(300);
    let big_payload = format!("{{\"blob\":\"{}\"}}", "x".repeat(4 * 1024 * 1024));
    let start = Arc::new(tokio::sync::Barrier::new(4));
    let mut tasks = Vec::new();
    let batches = vec![
        vec![event("Fine", json!({}))],
        vec![event("Fine", json!({})), NewEvent::new(long_kind, "{}")],
        vec![event("Fine", json!({})), NewEvent::new("Big", big_payload)],
        vec![event("Fine", json!({}))],
    ];
    for events in batches {
        let (log, start) = (Arc::clone(&log), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            log.append(events, Condition::None).await
        }));
    }
    let mut landed = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        match (n, task.await.expect("task")) {
            (0 | 3, Ok(_)) => landed += 1,
            (1, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("300 bytes"), "{reason}")
            }
            (2, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("over the limit"), "{reason}")
            }
            (n, other) => panic!("append {n}: unexpected {other:?}"),
        }
    }
    assert_eq!(landed, 2);
    let records = read_all(&log).await;
    assert_positions(&records, 1..=2);
    assert!(records.iter().all(|r| r.kind == "Fine"));
}

/// A read stops once its payloads reach the byte budget (16 MiB by
/// default), taking at least one record, and `through` lets a reader go
/// on without missing any.
pub async fn reads_stop_at_the_byte_budget(log: SharedLog) {
    const BIG: usize = 4 * 1024 * 1024 - 100;
    for n in 0..6 {
        let payload = format!("{{\"n\":{n},\"blob\":\"{}\"}}", "y".repeat(BIG - 20));
        append(&log, vec![NewEvent::new("Big", payload)]).await;
    }
    let batch = log.read(0, &KindFilter::All, 100).await.expect("read");
    assert!(
        (1..6).contains(&batch.records.len()),
        "{} records in one read",
        batch.records.len()
    );
    assert_eq!(
        batch.through,
        batch.records.last().expect("a record").position
    );
    let filtered = log
        .read(0, &KindFilter::kinds(["Big"]), 100)
        .await
        .expect("filtered read");
    assert!(filtered.records.len() < 6);
    let mut reader = LogReader::new(&*log, KindFilter::All, 0).with_batch_size(100);
    let mut positions = Vec::new();
    while let Some(batch) = reader.next_batch().await.expect("read") {
        positions.extend(batch.iter().map(|r| r.position));
    }
    assert_eq!(positions, (1..=6).collect::<Vec<Position>>());
}
