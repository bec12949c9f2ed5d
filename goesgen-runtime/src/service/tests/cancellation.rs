//! Cancellation: a caller that goes away at any await point changes no
//! other caller's outcome. The drill drops one call of a batch after its
//! n-th suspension, for n = 0, 1, 2, ... until the batch's append is in
//! flight, and checks what the other calls got, the log and the store.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use super::batching::{Counting, counter_events, futures_poll_once};
use super::*;
use crate::log::KindFilter;
use crate::service::CallOptions;

/// Polls every future to its end, together.
async fn all<F: Future>(mut futures: Vec<Pin<Box<F>>>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(done) => *output = Some(done),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Three calls in one batch; the one at `victim` is dropped after `cut`
/// suspensions (or once the batch's append is in flight, if sooner).
/// Returns whether the append was in flight when it was dropped.
async fn drop_one(victim: usize, cut: usize) -> bool {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let calls: Vec<_> = (0..3).map(|_| Count::new(&*log, "x")).collect();
    let options = CallOptions::new();
    // Appends wait at the gate until the victim is gone.
    let gate = counting.gate.clone().write_owned().await;
    let held = store.state.clone().write_owned().await;
    let mut runs: Vec<_> = calls
        .iter()
        .map(|call| Box::pin(engine.run_transaction(call, &options)))
        .collect();
    for run in &mut runs {
        assert!(futures_poll_once(run.as_mut()).await.is_none());
    }
    drop(held);
    let mut dropped = runs.remove(victim);
    let mut suspensions = 0;
    while suspensions < cut && counting.appends() == 0 {
        assert!(futures_poll_once(dropped.as_mut()).await.is_none());
        suspensions += 1;
        for run in &mut runs {
            assert!(futures_poll_once(run.as_mut()).await.is_none());
        }
        tokio::task::yield_now().await;
    }
    let in_flight = counting.appends() > 0;
    drop(dropped);
    drop(gate);

    let context = format!("victim {victim}, cut after {cut} suspensions");
    let results = all(runs).await;
    let mut positions = Vec::new();
    for result in results {
        let committed = result.unwrap_or_else(|error| panic!("{context}: {error:?}"));
        positions.push(committed.appended.first);
    }
    let read = log.read(0, &KindFilter::All, 10).await.unwrap();
    let events = counter_events(&read);
    if in_flight {
        assert_eq!(events.len(), 3, "{context}: the dropped call's event lands");
    }
    // No lost update: the totals count up one by one.
    let totals: Vec<u64> = events.iter().map(|(_, _, total)| *total).collect();
    let expected: Vec<u64> = (1..=events.len() as u64).collect();
    assert_eq!(totals, expected, "{context}");
    for position in positions {
        assert!(
            events.iter().any(|(at, _, _)| *at == position),
            "{context}: a committed call's event is in the log"
        );
    }
    engine.sync::<Infallible>().await.unwrap();
    let state = store.snapshot().await;
    let logged: Vec<Position> = events.iter().map(|(at, _, _)| *at).collect();
    assert_eq!(state.applied, logged, "{context}: the store equals the log");
    assert_eq!(state.version, logged.len() as Position, "{context}");
    let stats = engine.stats();
    assert_eq!(
        stats.attempts,
        stats.commits + stats.conflicts + stats.refusals + stats.redecisions + stats.failures,
        "{context}: {stats:?}"
    );
    in_flight
}

#[tokio::test]
async fn a_call_dropped_at_any_await_point_changes_no_other_calls_outcome() {
    for victim in 0..3 {
        let mut cut = 0;
        // Each cut a suspension later, through the append in flight.
        while !drop_one(victim, cut).await {
            cut += 1;
            assert!(cut < 100, "the batch never appended");
        }
    }
}

/// A store that panics while the driver task catches a batch up ends that
/// task: its calls are answered (nothing was appended), none waits for
/// ever, and the next call starts a new driver.
#[tokio::test]
async fn a_driver_that_panics_answers_its_calls_and_the_next_call_starts_another() {
    let counting = Counting::shared();
    let log: crate::SharedLog = counting.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    log.append(vec![counted("x", 5)], crate::Condition::None)
        .await
        .unwrap();
    *store.panic_at.lock().unwrap() = Some(1);
    let calls: Vec<_> = (0..2).map(|_| Count::new(&*log, "x")).collect();
    let options = CallOptions::new();
    let runs = calls
        .iter()
        .map(|call| Box::pin(engine.run_transaction(call, &options)))
        .collect();
    for result in all(runs).await {
        let error = result.expect_err("the driver panicked");
        assert!(
            matches!(&error, ServiceError::Store(e) if e.to_string().contains("nothing of it was appended")),
            "{error:?}"
        );
    }
    assert!(calls.iter().all(|c| c.calls.load(Ordering::SeqCst) == 0));
    assert_eq!(log.head().await.unwrap(), 1, "nothing appended");
    *store.panic_at.lock().unwrap() = None;
    let committed = engine
        .run_transaction(&Count::new(&*log, "x"), &options)
        .await
        .unwrap();
    assert_eq!((committed.output, committed.appended.first), (6, 2));
}
