//! The heads' publication and waiting: wake-ups only when someone waits,
//! stale publications ignored, closing, and races between publishers and
//! waiters.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::*;
use crate::error::LogError;
use crate::record::Position;

/// How long a test waits for something that should happen at once.
const PATIENCE: Duration = Duration::from_secs(10);

/// Polls `future` once, without a runtime.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// The output of a future that is ready at its first poll.
fn ready<T>(poll: Poll<T>) -> T {
    match poll {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future should be ready"),
    }
}

/// The output of `future`, which must be ready at its first poll.
fn now<F: Future>(future: F) -> F::Output {
    ready(poll_once(pin!(future)))
}

/// Whether `publish` woke the `Notify` (a `Notified` created before a
/// `notify_waiters` call completes).
fn notifies(heads: &HeadPublisher, publish: impl FnOnce()) -> bool {
    let mut notified = pin!(heads.shared.notify.notified());
    notified.as_mut().enable();
    publish();
    poll_once(notified).is_ready()
}

#[test]
fn publishing_with_no_subscriber_moves_the_head_and_wakes_nothing() {
    let heads = HeadPublisher::new(4);
    assert_eq!(heads.head(), 4);
    assert!(!notifies(&heads, || heads.publish(5)));
    assert_eq!(heads.head(), 5);
    let subscription = heads.subscribe();
    assert!(!notifies(&heads, || heads.publish(6)));
    assert_eq!((heads.head(), subscription.head()), (6, 6));
}

#[test]
fn a_stale_publication_is_ignored() {
    let heads = HeadPublisher::new(0);
    let mut subscription = heads.subscribe();
    heads.publish(7);
    heads.publish(3);
    heads.publish(7);
    assert_eq!(heads.head(), 7);
    assert_eq!(now(subscription.changed()).expect("open"), 7);
    let mut changed = pin!(subscription.changed());
    assert!(poll_once(changed.as_mut()).is_pending());
    heads.publish(5);
    assert!(poll_once(changed.as_mut()).is_pending());
    heads.publish(8);
    assert_eq!(ready(poll_once(changed.as_mut())).expect("open"), 8);
}

#[tokio::test]
async fn a_waiting_changed_is_woken_by_a_publication() {
    let heads = HeadPublisher::new(2);
    let mut subscription = heads.subscribe();
    let waiter = tokio::spawn(async move { subscription.changed().await });
    while heads.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    heads.publish(3);
    let changed = tokio::time::timeout(PATIENCE, waiter).await;
    assert_eq!(changed.expect("woken").expect("joined").expect("open"), 3);
    assert_eq!(heads.waiting(), 0);
}

#[tokio::test]
async fn changed_returns_heads_newer_than_the_last_returned() {
    let heads = HeadPublisher::new(0);
    heads.publish(1);
    // Made after 1 was published: waits for a newer one.
    let mut subscription = heads.subscribe();
    heads.publish(2);
    heads.publish(3);
    assert_eq!(subscription.changed().await.expect("open"), 3);
    let mut clone = subscription.clone();
    assert_eq!(subscription.wait_for(2).await.expect("open"), 3);
    heads.publish(4);
    assert_eq!(subscription.changed().await.expect("open"), 4);
    assert_eq!(clone.changed().await.expect("open"), 4);
    let mut fresh = subscription.resubscribe();
    let mut changed = pin!(fresh.changed());
    assert!(poll_once(changed.as_mut()).is_pending());
}

#[tokio::test]
async fn wait_for_returns_at_once_when_the_head_is_there() {
    let heads = HeadPublisher::new(0);
    let mut subscription = heads.subscribe();
    heads.publish(10);
    assert!(!notifies(&heads, || {}));
    assert_eq!(now(subscription.wait_for(10)).expect("open"), 10);
    assert_eq!(now(subscription.wait_for(3)).expect("open"), 10);
    assert_eq!(heads.waiting(), 0);
    // Below the target a publication wakes it but does not end it.
    let mut waiting = pin!(subscription.wait_for(12));
    assert!(poll_once(waiting.as_mut()).is_pending());
    assert_eq!(heads.waiting(), 1);
    heads.publish(11);
    assert!(poll_once(waiting.as_mut()).is_pending());
    heads.publish(12);
    assert_eq!(ready(poll_once(waiting.as_mut())).expect("open"), 12);
    assert_eq!(heads.waiting(), 0);
}

#[tokio::test]
async fn dropping_the_last_publisher_ends_waiters_with_closed() {
    let heads = HeadPublisher::new(0);
    let second = heads.clone();
    let mut subscription = heads.subscribe();
    let mut other = heads.subscribe();
    let waiter = tokio::spawn(async move { subscription.changed().await });
    while heads.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    drop(heads);
    // Another handle keeps the heads open.
    tokio::task::yield_now().await;
    assert!(!waiter.is_finished());
    second.publish(1);
    drop(second);
    let ended = tokio::time::timeout(PATIENCE, waiter).await;
    // The head published before the close comes first, then Closed.
    assert_eq!(ended.expect("woken").expect("joined").expect("open"), 1);
    assert_eq!(other.changed().await.expect("open"), 1);
    assert!(matches!(other.changed().await, Err(LogError::Closed)));
    assert!(matches!(other.wait_for(2).await, Err(LogError::Closed)));
    assert_eq!(other.wait_for(1).await.expect("there"), 1);
    assert_eq!(other.head(), 1);
}

#[tokio::test]
async fn closing_ends_waiters_and_later_subscriptions() {
    let heads = HeadPublisher::new(5);
    let kept = heads.clone();
    let mut subscription = heads.subscribe();
    let waiter = tokio::spawn(async move { subscription.wait_for(6).await });
    while heads.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    heads.close();
    let ended = tokio::time::timeout(PATIENCE, waiter).await;
    assert!(matches!(
        ended.expect("woken").expect("joined"),
        Err(LogError::Closed)
    ));
    assert_eq!(heads.waiting(), 0);
    let mut late = kept.subscribe();
    assert!(matches!(late.changed().await, Err(LogError::Closed)));
    assert_eq!(late.wait_for(5).await.expect("there"), 5);
    drop((heads, kept));
    let mut after_drop = late.resubscribe();
    assert!(matches!(after_drop.changed().await, Err(LogError::Closed)));
}

#[test]
fn a_cancelled_wait_leaves_no_waiter() {
    let heads = HeadPublisher::new(0);
    let mut subscription = heads.subscribe();
    {
        let mut changed = pin!(subscription.changed());
        assert!(poll_once(changed.as_mut()).is_pending());
        assert_eq!(heads.waiting(), 1);
        let mut other = heads.subscribe();
        let mut waiting = pin!(other.wait_for(9));
        assert!(poll_once(waiting.as_mut()).is_pending());
        assert_eq!(heads.waiting(), 2);
    }
    assert_eq!(heads.waiting(), 0);
    // Nobody waits: publishing does not touch the `Notify`.
    assert!(!notifies(&heads, || heads.publish(1)));
    assert_eq!(subscription.head(), 1);
}

/// A runtime of four worker threads, for the wake-up drills.
fn four_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("a runtime")
}

/// One task publishes every head up to `LAST` as fast as it can while
/// subscriptions on other threads wait for the last one, with
/// `wait_for` or `changed` over and over: a lost wake-up for the last
/// head leaves one asleep past the timeout. (Earlier lost wake-ups are
/// covered by later publications here; the lockstep test below makes
/// every publication the last for a while.)
#[test]
fn no_wake_up_is_lost_under_contention() {
    const LAST: Position = 100_000;
    const SUBSCRIBERS: usize = 6;
    four_workers().block_on(async {
        for round in 0..3 {
            let heads = HeadPublisher::new(0);
            let mut waiters = Vec::new();
            for index in 0..SUBSCRIBERS {
                let mut subscription = heads.subscribe();
                waiters.push(tokio::spawn(async move {
                    if index % 2 == 0 {
                        subscription.wait_for(LAST).await
                    } else {
                        let mut head = 0;
                        while head < LAST {
                            head = subscription.changed().await?;
                        }
                        Ok(head)
                    }
                }));
            }
            let publisher = heads.clone();
            let publishing = tokio::spawn(async move {
                for head in 1..=LAST {
                    publisher.publish(head);
                    if head % 1024 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            });
            let all = async {
                publishing.await.expect("published");
                for waiter in waiters {
                    assert_eq!(waiter.await.expect("joined").expect("open"), LAST);
                }
            };
            tokio::time::timeout(PATIENCE, all)
                .await
                .unwrap_or_else(|_| panic!("round {round}: a subscriber missed a wake-up"));
            assert_eq!(heads.waiting(), 0);
        }
    });
}

/// Each publication is the last one until every subscription has seen
/// it (they meet at a barrier before the next), so the publisher and
/// the subscriptions race to publish and to register, over and over,
/// and a lost wake-up stalls the test.
#[test]
fn no_wake_up_is_lost_in_lockstep() {
    const ROUNDS: Position = 50_000;
    const SUBSCRIBERS: usize = 3;
    four_workers().block_on(async {
        let heads = HeadPublisher::new(0);
        let barrier = Arc::new(tokio::sync::Barrier::new(SUBSCRIBERS + 1));
        let mut waiters = Vec::new();
        for index in 0..SUBSCRIBERS {
            let mut subscription = heads.subscribe();
            let barrier = Arc::clone(&barrier);
            waiters.push(tokio::spawn(async move {
                for head in 1..=ROUNDS {
                    let seen = if index == 0 {
                        subscription.changed().await?
                    } else {
                        subscription.wait_for(head).await?
                    };
                    assert_eq!(seen, head);
                    barrier.wait().await;
                }
                Ok::<_, LogError>(())
            }));
        }
        let lockstep = async {
            for head in 1..=ROUNDS {
                // A varying delay, so that publications land at every
                // point of the subscriptions' registration.
                for _ in 0..(head * 37) % 512 {
                    std::hint::spin_loop();
                }
                heads.publish(head);
                barrier.wait().await;
            }
            for waiter in waiters {
                waiter.await.expect("joined").expect("open");
            }
        };
        // Generous: the rounds take about a second; a lost wake-up
        // stalls for ever.
        tokio::time::timeout(PATIENCE * 6, lockstep)
            .await
            .unwrap_or_else(|_| panic!("a subscriber missed a wake-up"));
        assert_eq!(heads.waiting(), 0);
    });
}
