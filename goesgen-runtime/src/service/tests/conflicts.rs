//! Optimistic concurrency: a conflict catches up and calls the method
//! again, up to the limit; which appends conflict under each rule; two
//! engines on one log lose no update.

use super::*;

#[tokio::test]
async fn a_conflict_catches_up_and_calls_the_method_again() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    // Another writer moves the counter to 10 while the method decides.
    let count = Count::new(&*log, "a").interfering(counted("a", 10), 1);
    let committed = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.attempts, 2);
    assert_eq!(committed.output, 11, "the second call decided on 10");
    assert_eq!(committed.appended.positions(), 2..=2);
    assert_eq!(total(&engine, "a").await, 11);
    assert_eq!(store.snapshot().await.applied, vec![1, 2]);
    let stats = engine.stats();
    assert_eq!((stats.attempts, stats.conflicts, stats.commits), (2, 1, 1));
}

#[tokio::test]
async fn conflicts_beyond_the_limit_are_an_error_carrying_the_attempts() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default().max_attempts(3));
    let count = Count::new(&*log, "a").interfering(counted("a", 10), u32::MAX);
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    match &error {
        ServiceError::Conflict { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert_eq!(last.head, 3);
            assert!(error.is_retryable());
        }
        other => panic!("expected Conflict, got {other}"),
    }
    // Only the interfering writer's events are in the log.
    assert_eq!(log.head().await.unwrap(), 3);
    assert_eq!(store.snapshot().await.version, 0, "rolled back");
}

#[tokio::test]
async fn unrelated_appends_conflict_under_strict_only() {
    for (rule, attempts) in [(ConflictRule::Subscribed, 1), (ConflictRule::Strict, 2)] {
        let log = MemoryLog::shared();
        let (engine, store) = engine(&log, ServiceOptions::default().conflict_rule(rule));
        let count = Count::new(&*log, "a").interfering(noted("unrelated"), 1);
        let committed = engine
            .run_transaction(&count, &CallOptions::new())
            .await
            .unwrap();
        assert_eq!(committed.attempts, attempts, "{rule:?}");
        assert_eq!(committed.output, 1);
        assert_eq!(committed.appended.positions(), 2..=2, "{rule:?}");
        let state = store.snapshot().await;
        assert_eq!((state.version, state.applied), (2, vec![2]), "{rule:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_log_lose_no_update() {
    const TASKS: usize = 8;
    const EACH: u64 = 200;
    let log = MemoryLog::shared();
    let engines: Vec<Arc<Engine<Store>>> = (0..2)
        .map(|_| Arc::new(engine(&log, ServiceOptions::default()).0))
        .collect();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let engine = engines[task % 2].clone();
            let log = log.clone();
            tokio::spawn(async move {
                for _ in 0..EACH {
                    engine
                        .run_transaction(&Count::new(&*log, "shared"), &CallOptions::new())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let expected = TASKS as u64 * EACH;
    assert_eq!(log.head().await.unwrap(), expected);
    for engine in &engines {
        engine.sync::<Infallible>().await.unwrap();
        assert_eq!(total(engine, "shared").await, expected);
    }
}
