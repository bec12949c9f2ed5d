//! Cancellation of a batch: a caller that gives up during its turn takes
//! the batch's transaction with it, and the batch is decided again without
//! it.

use super::*;

/// A transaction method that never returns (its caller gives up first);
/// it notes when it has the transaction.
#[derive(Default)]
struct Stall {
    entered: std::sync::atomic::AtomicBool,
}

impl MethodCall<Write> for Stall {
    type Output = (u64, Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        _txn: &mut Write,
    ) -> Result<(u64, Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        self.entered.store(true, Ordering::SeqCst);
        std::future::pending().await
    }
}

/// A caller that gives up during its turn takes the batch's transaction
/// with it (dropped, so rolled back): the batch is decided again without
/// it, and the call decided before it counts a re-decision.
#[tokio::test]
async fn a_call_cancelled_during_its_turn_leaves_the_batch_to_be_decided_again() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let first = Count::new(&*log, "x");
    let stall = Stall::default();
    let last = Count::new(&*log, "x");
    let options = CallOptions::new();

    let held = store.state.clone().write_owned().await;
    let mut first_call = Box::pin(engine.run_transaction(&first, &options));
    let mut stalled_call = Box::pin(engine.run_transaction(&stall, &options));
    let mut last_call = Box::pin(engine.run_transaction(&last, &options));
    assert!(futures_poll_once(first_call.as_mut()).await.is_none());
    assert!(futures_poll_once(stalled_call.as_mut()).await.is_none());
    assert!(futures_poll_once(last_call.as_mut()).await.is_none());
    drop(held);
    // The first call decides, then the stalling call takes the
    // transaction into its method and never returns.
    while !stall.entered.load(Ordering::SeqCst) {
        assert!(futures_poll_once(first_call.as_mut()).await.is_none());
        assert!(futures_poll_once(stalled_call.as_mut()).await.is_none());
        tokio::task::yield_now().await;
    }
    assert_eq!(first.calls.load(Ordering::SeqCst), 1);
    drop(stalled_call);

    let (first_result, last_result) = tokio::join!(first_call, last_call);
    let (first_result, last_result) = (first_result.unwrap(), last_result.unwrap());
    assert_eq!((first_result.output, last_result.output), (1, 2));
    assert_eq!(
        first_result.attempts, 2,
        "decided again without the stalled call"
    );
    assert_eq!(last_result.attempts, 1);
    assert_eq!(first_result.appended.positions(), 1..=1);
    assert_eq!(last_result.appended.positions(), 2..=2);
    assert_eq!(counting.appends(), 1);
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    assert_eq!(
        counter_events(&read),
        [(1, "x".into(), 1), (2, "x".into(), 2)]
    );
    assert_eq!(store.snapshot().await.applied, [1, 2]);
    let stats = engine.stats();
    assert_eq!(
        (
            stats.attempts,
            stats.commits,
            stats.redecisions,
            stats.failures
        ),
        (4, 2, 1, 1),
        "the first call decided twice, the stalled one went away in its turn"
    );
}
