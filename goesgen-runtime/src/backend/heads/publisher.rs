//! [`HeadPublisher`]: where a backend's writers publish the head.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Notify;

use super::shared::Shared;
use super::subscription::Subscription;
use crate::record::Position;

/// Where a backend publishes its head for [`Subscription`]s.
///
/// Heads only move forward: publishing a head at or below the published
/// one does nothing. Publishing while no subscription waits costs two
/// atomic operations (no lock, no wake-up). A handle can be cloned (for a
/// backend's writer and watcher threads, say); when the last handle is
/// dropped, or one [`close`](Self::close)s, every subscription's
/// [`changed`](Subscription::changed) and
/// [`wait_for`](Subscription::wait_for) ends with [`LogError::Closed`](crate::LogError::Closed)
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
    pub(super) shared: Arc<Shared>,
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
    pub(super) fn waiting(&self) -> usize {
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
