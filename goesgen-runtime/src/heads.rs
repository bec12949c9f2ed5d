//! How a log tells its followers that its head moved: [`HeadPublisher`],
//! held by a backend's writers, and [`Subscription`], held by followers.
//!
//! Every append publishes the new head, and almost always nobody is waiting
//! for it (a service engine holds a subscription to read the head, not to
//! wait on it). A `tokio::sync::watch` channel took a lock and notified its
//! internal wakers on every publication, waiting or not: about 8% of a
//! command on the memory log. Here a publication is an atomic update of the
//! head and an atomic load of the number of waiting subscriptions; only
//! when that number is not zero does it wake them through a
//! [`Notify`]. A subscription sees only the newest head, never a queue of
//! them, so a slow follower cannot fall behind on notifications (it reads
//! the log).
//!
//! # Why no wake-up is lost
//!
//! A publisher updates the head (`fetch_max`), then loads the number of
//! waiters (`waiters`), and calls [`Notify::notify_waiters`] only if it is
//! not zero. A waiter that finds the head short increments `waiters` (once,
//! undone by a drop guard however the wait ends), and then, each time
//! before it sleeps, creates and enables a
//! [`Notified`](tokio::sync::futures::Notified) future and loads the head
//! again. The head update, the load of `waiters`, the increment and the
//! re-check are all `SeqCst`: they fall in one total order that keeps each
//! thread's program order. Take a publication that a re-check did not see:
//! its update comes after that load in the total order, so the publisher's
//! load of `waiters` (after its update) comes after the waiter's increment
//! (before its load), and sees it: the publisher calls `notify_waiters`.
//! That call comes after the waiter's `Notified` was created (before the
//! re-check), and Tokio guarantees that a `Notified` receives every
//! `notify_waiters` made after its creation, polled or not: the waiter
//! wakes and checks again. A stale publication (not above the head) wakes
//! no one, rightly: the publication that stored the higher head does.
//!
//! Closing follows the same pattern with the `closed` flag (a `SeqCst`
//! swap, then `notify_waiters` whoever waits: it happens once) in place of
//! the head, which the waiter loads after its re-check of the head.

use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Notify;

use crate::error::LogError;
use crate::record::Position;

/// What a log's publishers and subscriptions share.
#[derive(Debug)]
struct Shared {
    /// The newest head published.
    head: AtomicU64,
    /// How many subscriptions are inside `changed` or `wait_for` past their
    /// first check (registered by [`Waiting`]).
    waiters: AtomicUsize,
    /// Set once, when the last publisher goes or one closes.
    closed: AtomicBool,
    /// How many [`HeadPublisher`] handles exist.
    publishers: AtomicUsize,
    /// Wakes the waiters, only when `waiters` is not zero.
    notify: Notify,
}

impl Shared {
    /// Marks the heads closed and wakes every waiter.
    fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            self.notify.notify_waiters();
        }
    }

    /// The newest head once `ready` accepts it; [`LogError::Closed`] if the
    /// heads are closed before one does.
    async fn wait(&self, ready: impl Fn(Position) -> bool) -> Result<Position, LogError> {
        // Nothing to register when the head is already there.
        let head = self.head.load(Ordering::SeqCst);
        if ready(head) {
            return Ok(head);
        }
        let _waiting = Waiting::register(self);
        loop {
            // Created and enabled before the check, so a publication the
            // check misses wakes it (see the module's documentation).
            let mut notified = pin!(self.notify.notified());
            notified.as_mut().enable();
            let head = self.head.load(Ordering::SeqCst);
            if ready(head) {
                return Ok(head);
            }
            if self.closed.load(Ordering::SeqCst) {
                // Heads published before the close still count.
                let head = self.head.load(Ordering::SeqCst);
                return if ready(head) {
                    Ok(head)
                } else {
                    Err(LogError::Closed)
                };
            }
            notified.await;
        }
    }
}

/// A subscription counted in [`Shared::waiters`] for as long as it lives:
/// dropping it (the wait ended, or its future was dropped) takes it out.
struct Waiting<'a> {
    shared: &'a Shared,
}

impl<'a> Waiting<'a> {
    fn register(shared: &'a Shared) -> Self {
        shared.waiters.fetch_add(1, Ordering::SeqCst);
        Self { shared }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.shared.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where a backend publishes its head for [`Subscription`]s.
///
/// Heads only move forward: publishing a head at or below the published
/// one does nothing. Publishing while no subscription waits costs two
/// atomic operations (no lock, no wake-up). A handle can be cloned (for a
/// backend's writer and watcher threads, say); when the last handle is
/// dropped, or one [`close`](Self::close)s, every subscription's
/// [`changed`](Subscription::changed) and
/// [`wait_for`](Subscription::wait_for) ends with [`LogError::Closed`]
/// (once they have returned the heads published before).
///
/// ```
/// # use goesgen_runtime::{HeadPublisher, LogError};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let heads = HeadPublisher::new(0);
/// let mut subscription = heads.subscribe();
/// heads.publish(3);
/// heads.publish(2); // stale: ignored
/// assert_eq!(subscription.changed().await?, 3);
/// drop(heads);
/// assert!(matches!(subscription.changed().await, Err(LogError::Closed)));
/// # Ok::<(), LogError>(())
/// # }).unwrap();
/// ```
pub struct HeadPublisher {
    shared: Arc<Shared>,
}

impl HeadPublisher {
    /// Heads starting at `head` (the log's head when it opens).
    pub fn new(head: Position) -> Self {
        Self {
            shared: Arc::new(Shared {
                head: AtomicU64::new(head),
                waiters: AtomicUsize::new(0),
                closed: AtomicBool::new(false),
                publishers: AtomicUsize::new(1),
                notify: Notify::new(),
            }),
        }
    }

    /// Publishes `head` if it is newer than the published one, waking the
    /// subscriptions that wait.
    pub fn publish(&self, head: Position) {
        let shared = &*self.shared;
        let previous = shared.head.fetch_max(head, Ordering::SeqCst);
        // SeqCst after the store: see the module's documentation.
        if previous < head && shared.waiters.load(Ordering::SeqCst) != 0 {
            shared.notify.notify_waiters();
        }
    }

    /// The newest head published.
    pub fn head(&self) -> Position {
        self.shared.head.load(Ordering::Acquire)
    }

    /// A subscription that starts from the head published now.
    pub fn subscribe(&self) -> Subscription {
        Subscription::starting_now(Arc::clone(&self.shared))
    }

    /// Ends every subscription (as dropping the last handle does), whatever
    /// other handles exist. Heads published afterwards still show in
    /// [`Subscription::head`] and are still returned once by
    /// [`Subscription::changed`].
    pub fn close(&self) {
        self.shared.close();
    }

    /// How many subscriptions are waiting now.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.shared.waiters.load(Ordering::SeqCst)
    }
}

impl Clone for HeadPublisher {
    fn clone(&self) -> Self {
        // As `Arc`: a new handle is made from an existing one, so the count
        // cannot be at zero.
        self.shared.publishers.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for HeadPublisher {
    fn drop(&mut self) {
        // AcqRel: every publication by any handle happens before the close.
        if self.shared.publishers.fetch_sub(1, Ordering::AcqRel) == 1 {
            tracing::trace!(head = self.head(), "last head publisher dropped");
            self.shared.close();
        }
    }
}

impl fmt::Debug for HeadPublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeadPublisher")
            .field("head", &self.head())
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Wakes a follower when the head of the log moves.
///
/// Made by [`HeadPublisher::subscribe`] (a log's
/// [`EventLog::subscribe`](crate::EventLog::subscribe)). A subscription
/// sees only the newest head, never a queue of them, so a slow follower
/// cannot fall behind on notifications (it reads the log). A clone
/// remembers the last head its original returned.
#[derive(Clone)]
pub struct Subscription {
    shared: Arc<Shared>,
    /// The last head this subscription returned, or the head when it was
    /// made.
    seen: Position,
}

impl Subscription {
    fn starting_now(shared: Arc<Shared>) -> Self {
        let seen = shared.head.load(Ordering::Acquire);
        Self { shared, seen }
    }

    /// A new subscription on the same heads that starts from the head
    /// published now (a clone would start from what this one saw). Only
    /// the PostgreSQL log (and this module's tests) need it.
    #[cfg(any(feature = "postgres", test))]
    pub(crate) fn resubscribe(&self) -> Self {
        Self::starting_now(Arc::clone(&self.shared))
    }

    /// The newest head published (without waiting).
    pub fn head(&self) -> Position {
        self.shared.head.load(Ordering::Acquire)
    }

    /// Waits until a head newer than the last one this subscription returned
    /// (or than the head when it was made) is published, and returns it.
    /// [`LogError::Closed`] once the log is closed and there is no such
    /// head.
    pub async fn changed(&mut self) -> Result<Position, LogError> {
        let seen = self.seen;
        let head = self.shared.wait(|head| head > seen).await?;
        self.seen = head;
        Ok(head)
    }

    /// Waits until the head is at least `position` and returns it (at once
    /// if it is already there, even on a closed log). [`LogError::Closed`]
    /// once the log is closed before it gets there.
    pub async fn wait_for(&mut self, position: Position) -> Result<Position, LogError> {
        let head = self.shared.wait(|head| head >= position).await?;
        self.seen = self.seen.max(head);
        Ok(head)
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("head", &self.head())
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    use super::*;

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
}
