//! Batches that commit together: each call decides on the state holding
//! the calls before it and the batch is one append; a batch takes at most
//! `max_batch_calls`; on a log whose appends cost next to nothing, calls
//! run one by one.

use super::*;

#[tokio::test]
async fn a_later_call_in_a_batch_sees_the_effect_of_an_earlier_one() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let calls: Vec<_> = (0..3).map(|_| Count::new(&*log, "x")).collect();
    let results = counts_in_one_batch(&engine, &store, &calls).await;
    let committed: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    // Each decided on the state holding the ones before it.
    let outputs: Vec<u64> = committed.iter().map(|c| c.output).collect();
    assert_eq!(outputs, [1, 2, 3]);
    let positions: Vec<_> = committed.iter().map(|c| c.appended.positions()).collect();
    assert_eq!(positions, [1..=1, 2..=2, 3..=3]);
    assert!(committed.iter().all(|c| c.attempts == 1));
    assert_eq!(counting.appends(), 1, "one append for the batch");
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "x".into(), 1), (2, "x".into(), 2), (3, "x".into(), 3)]
    );
    let state = store.snapshot().await;
    assert_eq!(state.version, 3);
    assert_eq!(state.applied, [1, 2, 3]);
    let stats = engine.stats();
    assert_eq!((stats.commits, stats.attempts, stats.conflicts), (3, 3, 0));
}

#[tokio::test]
async fn a_batch_takes_at_most_max_batch_calls() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default().max_batch_calls(2));
    let calls: Vec<_> = (0..5).map(|_| Count::new(&*log, "x")).collect();
    let results = counts_in_one_batch(&engine, &store, &calls).await;
    let outputs: Vec<u64> = results.into_iter().map(|r| r.unwrap().output).collect();
    assert_eq!(outputs, [1, 2, 3, 4, 5]);
    assert_eq!(counting.appends(), 3, "batches of 2, 2 and 1");
}

/// On a log whose appends cost next to nothing (the memory log), calls
/// that wait together still run one by one, each with its own append.
#[tokio::test]
async fn calls_on_a_log_of_negligible_append_cost_run_alone() {
    let counting = Counting::costing(AppendCost::Negligible);
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let calls: Vec<_> = (0..3).map(|_| Count::new(&*log, "x")).collect();
    let results = counts_in_one_batch(&engine, &store, &calls).await;
    let mut outputs: Vec<u64> = results.into_iter().map(|r| r.unwrap().output).collect();
    outputs.sort_unstable();
    assert_eq!(outputs, [1, 2, 3]);
    assert_eq!(counting.appends(), 3, "one append per call");
    assert_eq!(MemoryLog::new().append_cost(), AppendCost::Negligible);
}
