//! Reads: kind filters, the head and `through` a batch reports, the edges of
//! the log, and the batched reader on a long log.

use super::helpers::{append, assert_positions, event, payload};
use crate::{KindFilter, LogReader, Position, SharedLog};
use serde_json::json;

/// Filtered reads return only their kinds, in order, and report the head
/// and how far they covered the log.
pub async fn filtered_reads_report_head_and_through(log: SharedLog) {
    // 1 A, 2 B, 3 A, 4 C, 5 B, 6 A
    for kind in ["A", "B", "A", "C", "B", "A"] {
        append(&log, vec![event(kind, json!({}))]).await;
    }
    let a = KindFilter::kinds(["A"]);
    let ab = KindFilter::kinds(["B", "A", "B"]);
    let none = KindFilter::kinds(["Z"]);
    let cases: [(Position, &KindFilter, usize, Vec<Position>, Position); 10] = [
        (0, &a, 10, vec![1, 3, 6], 6),
        (0, &a, 2, vec![1, 3], 3),
        (3, &a, 2, vec![6], 6),
        (0, &ab, 3, vec![1, 2, 3], 3),
        (3, &ab, 10, vec![5, 6], 6),
        (0, &none, 10, vec![], 6),
        (0, &KindFilter::All, 4, vec![1, 2, 3, 4], 4),
        (4, &KindFilter::All, 10, vec![5, 6], 6),
        (6, &KindFilter::All, 10, vec![], 6),
        (6, &a, 1, vec![], 6),
    ];
    for (after, filter, limit, expected, through) in cases {
        let batch = log.read(after, filter, limit).await.expect("read");
        let got: Vec<Position> = batch.records.iter().map(|r| r.position).collect();
        assert_eq!(got, expected, "read({after}, {filter:?}, {limit})");
        assert_eq!(batch.head, 6, "head of read({after}, {filter:?}, {limit})");
        assert_eq!(
            batch.through, through,
            "through of read({after}, {filter:?}, {limit})"
        );
        assert!(batch.records.iter().all(|r| filter.matches(&r.kind)));
    }
}

/// A `limit` of 0 reads nothing and covers nothing past `after` (or the
/// head, if lower); a read after the head returns nothing and reports the
/// head.
pub async fn reads_at_the_edges(log: SharedLog) {
    append(&log, (0..4).map(|n| event("A", json!({"n": n}))).collect()).await;
    let cases: [(Position, usize, Position); 5] =
        [(0, 0, 0), (2, 0, 2), (9, 0, 4), (4, 10, 4), (9, 10, 4)];
    for (after, limit, through) in cases {
        let batch = log
            .read(after, &KindFilter::All, limit)
            .await
            .expect("read");
        assert!(batch.records.is_empty(), "read({after}, All, {limit})");
        assert_eq!(
            (batch.head, batch.through),
            (4, through),
            "head and through of read({after}, All, {limit})"
        );
    }
    let none = log
        .read(0, &KindFilter::kinds(Vec::<String>::new()), 10)
        .await
        .expect("read");
    assert!(none.records.is_empty());
    assert_eq!((none.head, none.through), (4, 4), "a filter of no kinds");
}

/// The batched reader reads a long log in order, filtered or not, and
/// picks up what is appended after it caught up.
pub async fn batched_reader_reads_a_long_log(log: SharedLog) {
    const EVENTS: u64 = 6000;
    let kinds = ["A", "B", "C"];
    for start in (0..EVENTS).step_by(250) {
        let batch = (start..start + 250)
            .map(|n| event(kinds[(n % 3) as usize], json!({"n": n})))
            .collect();
        append(&log, batch).await;
    }
    let mut reader = LogReader::new(&*log, KindFilter::All, 0).with_batch_size(700);
    let mut seen = 0u64;
    let mut reads = 0;
    while let Some(batch) = reader.next_batch().await.expect("read") {
        assert!(batch.len() <= 700);
        for record in batch {
            assert_eq!(record.position, seen + 1);
            assert_eq!(payload(&record)["n"], json!(seen));
            seen += 1;
        }
        reads += 1;
    }
    assert_eq!((seen, reader.position(), reads), (EVENTS, EVENTS, 9));

    let mut only_b = LogReader::new(&*log, KindFilter::kinds(["B"]), 0).with_batch_size(128);
    let mut positions = Vec::new();
    while let Some(batch) = only_b.next_batch().await.expect("read") {
        positions.extend(batch.iter().map(|r| r.position));
    }
    let expected: Vec<Position> = (1..=EVENTS).filter(|p| (p - 1) % 3 == 1).collect();
    assert_eq!(positions, expected);
    assert_eq!(only_b.position(), EVENTS);

    append(
        &log,
        vec![event("C", json!({})), event("B", json!({"late": true}))],
    )
    .await;
    let late = only_b.next_batch().await.expect("read").expect("the new B");
    assert_positions(&late, [EVENTS + 2]);
    assert!(only_b.next_batch().await.expect("read").is_none());
}
