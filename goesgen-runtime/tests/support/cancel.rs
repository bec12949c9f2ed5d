//! Cancellation drills: a future dropped at each of its await points in
//! turn (after its first, second, ... `Poll::Pending`), with a check of
//! what it left behind after each drop.
//!
//! Include it with `#[path = ".../support/cancel.rs"] mod cancel;`. It
//! needs only `std` and a Tokio runtime (with its timer).
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// Where a drill stops: a future that has not finished after this many
/// `Poll::Pending` is taken for one that never finishes.
const MOST_PENDINGS: usize = 10_000;

/// How long one run of a drill may take: one that takes longer is stuck
/// (waiting for a wake-up that never comes, e.g. on a lock left held).
const MOST_TIME: Duration = Duration::from_secs(60);

/// Polls `future` (with the caller's context, so its wake-ups are real)
/// until it has returned `Poll::Pending` `pendings` times, then drops it:
/// `None` then, `Some(output)` if it finished before. With 0 it is dropped
/// before it is ever polled.
pub async fn drop_after_pendings<F: Future>(future: F, pendings: usize) -> Option<F::Output> {
    if pendings == 0 {
        return None;
    }
    let mut future = pin!(future);
    let mut seen = 0;
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending => {
            seen += 1;
            if seen == pendings {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        }
    })
    .await
}

/// Runs the future `make(pendings)` builds once per cut, dropping it after
/// its 0th, 1st, 2nd, ... `Poll::Pending` until one run finishes, and
/// calls `check(pendings, output)` after each run (`output` is `None` for
/// a dropped run): the check waits for whatever the dropped future left
/// running and asserts that nothing it left behind is broken.
///
/// Returns how many times the future was dropped unfinished (the await
/// points it suspended at, plus the drop before its first poll).
///
/// # Panics
///
/// If the future has not finished after [`MOST_PENDINGS`] pendings, or a
/// run is stuck for [`MOST_TIME`].
pub async fn drop_at_every_await<F: Future>(
    mut make: impl FnMut(usize) -> F,
    mut check: impl AsyncFnMut(usize, Option<F::Output>),
) -> usize {
    for pendings in 0..=MOST_PENDINGS {
        let output = tokio::time::timeout(MOST_TIME, drop_after_pendings(make(pendings), pendings))
            .await
            .unwrap_or_else(|_| panic!("the run cut after {pendings} pendings is stuck"));
        let finished = output.is_some();
        check(pendings, output).await;
        if finished {
            return pendings;
        }
    }
    panic!("the future did not finish after {MOST_PENDINGS} pendings");
}
