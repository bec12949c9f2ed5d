//! What a log's [`HeadPublisher`](super::HeadPublisher)s and
//! [`Subscription`](super::Subscription)s share: the newest head, the count
//! of waiters, the closed flag, and the wait that does not lose a wake-up
//! (see the parent module's documentation for why).

use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Notify;

use crate::error::LogError;
use crate::record::Position;

/// What a log's publishers and subscriptions share.
#[derive(Debug)]
pub(super) struct Shared {
    /// The newest head published.
    pub(super) head: AtomicU64,
    /// How many subscriptions are inside `changed` or `wait_for` past their
    /// first check (registered by `Waiting`).
    pub(super) waiters: AtomicUsize,
    /// Set once, when the last publisher goes or one closes.
    pub(super) closed: AtomicBool,
    /// How many [`HeadPublisher`](super::HeadPublisher) handles exist.
    pub(super) publishers: AtomicUsize,
    /// Wakes the waiters, only when `waiters` is not zero.
    pub(super) notify: Notify,
}

impl Shared {
    /// Marks the heads closed and wakes every waiter.
    pub(super) fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            self.notify.notify_waiters();
        }
    }

    /// The newest head once `ready` accepts it; [`LogError::Closed`] if the
    /// heads are closed before one does.
    pub(super) async fn wait(
        &self,
        ready: impl Fn(Position) -> bool,
    ) -> Result<Position, LogError> {
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
