//! Concurrent appenders: positions without gaps, and contended conditions
//! that lose no update.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::PATIENCE;
use super::helpers::{assert_positions, event, payload, read_all};
use crate::{Condition, KindFilter, LogError, LogReader, Position, SharedLog};
use serde_json::json;

/// 16 concurrent appenders: positions 1..N without gaps, each acknowledged
/// batch stored whole at the positions it was given, and a follower reading
/// concurrently sees exactly the final log.
pub async fn concurrent_appenders_get_gap_free_positions(log: SharedLog) {
    const WRITERS: u64 = 16;
    const BATCHES: u64 = 25;
    let size = |writer: u64, batch: u64| 1 + (writer + batch) % 3;
    let total: u64 = (0..WRITERS)
        .flat_map(|w| (0..BATCHES).map(move |b| size(w, b)))
        .sum();

    let follower = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            let mut subscription = log.subscribe();
            let mut reader = LogReader::new(&*log, KindFilter::All, 0).with_batch_size(37);
            let mut seen = Vec::new();
            while (seen.len() as u64) < total {
                let batch = reader
                    .next_batch_or_wait(&mut subscription)
                    .await
                    .expect("follow");
                seen.extend(batch);
            }
            seen
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for batch in 0..BATCHES {
                    let events = (0..size(writer, batch))
                        .map(|item| {
                            event(
                                "Tick",
                                json!({"writer": writer, "batch": batch, "item": item}),
                            )
                        })
                        .collect();
                    let appended = log.append(events, Condition::None).await.expect("append");
                    acked.push((batch, appended));
                }
                (writer, acked)
            })
        })
        .collect();

    let mut expected: BTreeMap<Position, (u64, u64, u64)> = BTreeMap::new();
    for handle in writers {
        let (writer, acked) = handle.await.expect("writer task");
        let mut previous = 0;
        for (batch, appended) in acked {
            assert_eq!(appended.len() as u64, size(writer, batch));
            assert!(appended.first > previous, "one writer's batches in order");
            previous = appended.last;
            for (item, position) in appended.positions().enumerate() {
                let clash = expected.insert(position, (writer, batch, item as u64));
                assert!(clash.is_none(), "position {position} acknowledged twice");
            }
        }
    }
    assert_eq!(expected.len() as u64, total);
    assert_eq!(log.head().await.expect("head"), total);
    let records = read_all(&log).await;
    assert_positions(&records, 1..=total);
    for record in &records {
        let (writer, batch, item) = expected[&record.position];
        assert_eq!(
            payload(record),
            json!({"writer": writer, "batch": batch, "item": item}),
            "record at {}",
            record.position
        );
    }
    let followed = tokio::time::timeout(PATIENCE, follower)
        .await
        .expect("the follower caught up")
        .expect("follower task");
    assert_eq!(followed, records, "the follower saw exactly the log");
}

/// 16 tasks increment a counter with read-then-append under `HeadIs`: some
/// appends conflict, none is lost or doubled.
pub async fn contended_head_conditions_lose_no_update(log: SharedLog) {
    const TASKS: u64 = 16;
    const EACH: u64 = 4;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut conflicts = 0u64;
                let mut done = 0;
                while done < EACH {
                    let head = log.head().await.expect("head");
                    let last = log
                        .read(head.saturating_sub(1), &KindFilter::All, 1)
                        .await
                        .expect("read");
                    if last.records.last().map_or(0, |r| r.position) != last.head {
                        continue; // the log moved between head() and read()
                    }
                    let value = last
                        .records
                        .first()
                        .map_or(0, |r| payload(r)["value"].as_u64().expect("value"));
                    let next = event("Counted", json!({"value": value + 1, "task": task}));
                    match log.append(vec![next], Condition::HeadIs(last.head)).await {
                        Ok(appended) => {
                            assert_eq!(appended.first, last.head + 1);
                            done += 1;
                        }
                        Err(LogError::Conflict(conflict)) => {
                            assert!(conflict.head > last.head);
                            conflicts += 1;
                        }
                        Err(other) => panic!("append failed: {other}"),
                    }
                }
                conflicts
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let records = read_all(&log).await;
    assert_positions(&records, 1..=TASKS * EACH);
    for record in &records {
        assert_eq!(payload(record)["value"], json!(record.position));
    }
}
