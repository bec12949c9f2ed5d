//! A harness call dropped at any of its await points (as a test's
//! `select!` or timeout would) leaves the harness usable: the log and the
//! store stay one history, and the next given and call see it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use super::*;

/// Polls `future` at most `polls` times, then drops it; whether it ended.
fn poll_then_drop(future: impl Future, polls: usize) -> bool {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    (0..polls).any(|_| future.as_mut().poll(&mut cx).is_ready())
}

#[tokio::test]
async fn a_dropped_given_or_call_leaves_the_harness_usable() {
    let mut polls = 0;
    loop {
        let t = doors(Keeper::default(), store());
        let ended = poll_then_drop(t.given([installed("front")]), polls)
            && poll_then_drop(t.when(&caller(&t, "ann")).open("front".into()), polls);
        // Whatever was appended is applied before the next call decides.
        t.given([installed("back")]).await.unwrap();
        let front = t.when(&caller(&t, "bob")).look("front".into()).await;
        let head = t.kit().log().head().await.unwrap();
        match head {
            // Nothing of the dropped calls reached the log.
            1 => {
                front.then_refuses(|e| matches!(e, DoorsError::NoDoor(_)));
            }
            // The given, not the call.
            2 => assert_eq!(front.answer().state, DoorState::Closed),
            // Both: the door was opened.
            _ => assert_eq!(front.answer().state, DoorState::Open),
        }
        if ended {
            break;
        }
        polls += 1;
    }
}
