//! The conformance suite on `MemoryLog`, plus what is particular to it.

mod conformance;

use goesgen_runtime::{Append, EventLog, KindFilter, MemoryLog};

conformance::conformance_tests!(|| async { MemoryLog::shared() });

#[tokio::test]
async fn the_whole_suite_runs_in_sequence() {
    conformance::run_all(|| async { MemoryLog::shared() }).await;
}

#[tokio::test]
async fn memory_logs_are_independent() {
    let one = MemoryLog::new();
    let other = MemoryLog::default();
    one.append(
        vec![conformance::event("A", serde_json::json!({}))],
        Default::default(),
    )
    .await
    .expect("append");
    assert_eq!(one.head().await.expect("head"), 1);
    assert_eq!(other.head().await.expect("head"), 0);
    let batch = other.read(0, &KindFilter::All, 10).await.expect("read");
    assert!(batch.records.is_empty());
}

#[tokio::test]
async fn memory_appends_now_unless_a_write_lock_is_held() {
    let log = MemoryLog::new();
    let event = || vec![conformance::event("A", serde_json::json!({}))];
    let appended = log
        .try_append_now(Append::new(event()))
        .expect("appended at once")
        .expect("append");
    assert_eq!((appended.first, appended.last), (1, 1));
    let lock = log.lock_writes().await.expect("lock");
    assert!(log.try_append_now(Append::new(event())).is_err());
    drop(lock);
    assert!(log.try_append_now(Append::new(event())).is_ok());
    assert_eq!(log.head().await.expect("head"), 2);
}
