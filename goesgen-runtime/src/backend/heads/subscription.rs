//! [`Subscription`]: what a follower holds to learn that the head moved.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::shared::Shared;
use crate::error::LogError;
use crate::record::Position;

/// Wakes a follower when the head of the log moves.
///
/// Made by [`HeadPublisher::subscribe`](super::HeadPublisher::subscribe) (a log's
/// [`EventLog::subscribe`](crate::EventLog::subscribe)). A subscription
/// sees only the newest head, never a queue of them, so a slow follower
/// cannot fall behind on notifications (it reads the log). A clone
/// remembers the last head its original returned.
#[derive(Clone)]
pub struct Subscription {
    pub(super) shared: Arc<Shared>,
    /// The last head this subscription returned, or the head when it was
    /// made.
    seen: Position,
}

impl Subscription {
    pub(super) fn starting_now(shared: Arc<Shared>) -> Self {
        let seen = shared.head.load(Ordering::Acquire);
        Self { shared, seen }
    }

    /// A new subscription on the same heads that starts from the head
    /// published now (a clone would start from what this one saw): what a
    /// backend whose [`EventLog::subscribe`](crate::EventLog::subscribe)
    /// hands out copies of one subscription it keeps returns.
    pub fn resubscribe(&self) -> Self {
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
