//! Reads on SQLite: filtered reads of a rare kind or of many kinds, and a
//! read stopping at its byte budget without losing a record.

use goesgen_runtime::{KindFilter, LogLimits, Position, SqliteOptions};
use serde_json::json;

use super::{conformance, fresh_path, open, open_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_reads_of_a_rare_kind_in_a_long_log() {
    // Reading the rare kind of a long log is fast because each read goes
    // through the kind index; the check here is behaviour (what comes
    // back), timing is in the benches.
    let path = fresh_path("filtered");
    let log = open(&path).await;
    for chunk in 0..20u64 {
        let events = (0..500u64)
            .map(|i| {
                let n = chunk * 500 + i;
                let kind = if n % 1000 == 999 { "Rare" } else { "Common" };
                conformance::event(kind, json!({"n": n}))
            })
            .collect();
        conformance::append(&log, events).await;
    }
    let rare = KindFilter::kinds(["Rare", "Missing"]);
    let batch = log.read(0, &rare, 3).await.expect("read");
    let positions: Vec<Position> = batch.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [1000, 2000, 3000]);
    assert_eq!((batch.head, batch.through), (10_000, 3000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_of_many_kinds_read_like_few() {
    let log = open(&fresh_path("many-kinds")).await;
    let events = (0..300u64)
        .map(|n| conformance::event(&format!("K{}", n % 100), json!({"n": n})))
        .collect();
    conformance::append(&log, events).await;
    // 600 kinds, of which K0..K39 (even ones) are in the log.
    let many = KindFilter::kinds(
        (0..40)
            .step_by(2)
            .map(|k| format!("K{k}"))
            .chain((0..580).map(|k| format!("Absent{k}"))),
    );
    let few = KindFilter::kinds((0..40).step_by(2).map(|k| format!("K{k}")));
    for (after, limit) in [(0, 1000), (0, 7), (57, 11), (250, 1000)] {
        let got = log.read(after, &many, limit).await.expect("many kinds");
        let want = log.read(after, &few, limit).await.expect("few kinds");
        assert_eq!(got, want, "read({after}, _, {limit})");
    }
    let all = log.read(0, &many, 1000).await.expect("read");
    assert_eq!(all.records.len(), 60);
}

/// A read stops at its byte budget, and `through` lets the reader go on
/// without missing a record, filtered or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_stops_at_its_byte_budget() {
    let options = SqliteOptions {
        limits: LogLimits::default().max_read_bytes(2500),
        ..Default::default()
    };
    let log = open_with(&fresh_path("budget"), options).await;
    for n in 0..5 {
        let kind = if n == 4 { "Other" } else { "Big" };
        let events = vec![conformance::event(
            kind,
            json!({"n": n, "pad": "x".repeat(1000)}),
        )];
        conformance::append(&log, events).await;
    }
    for filter in [KindFilter::All, KindFilter::kinds(["Big", "Other"])] {
        let mut after = 0;
        let mut seen = Vec::new();
        let mut reads = 0;
        loop {
            let batch = log.read(after, &filter, 100).await.expect("read");
            assert!(batch.records.len() < 5, "the budget cut the read");
            seen.extend(batch.records.iter().map(|r| r.position));
            reads += 1;
            if batch.through == batch.head {
                break;
            }
            assert!(batch.through > after, "progress");
            after = batch.through;
        }
        assert_eq!(seen, [1, 2, 3, 4, 5], "{filter:?}");
        assert!(reads >= 2);
    }
}
