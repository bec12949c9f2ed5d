//! The [`EventLog`] contract that every backend implements and every service
//! runs against, with its vocabulary: [`KindFilter`], [`Condition`],
//! [`ReadBatch`], [`Appended`] and [`Subscription`].
//!
//! The trait is dyn-compatible (its futures are boxed), so one program can
//! pick its backend at run time and hand a [`SharedLog`] to its services
//! without generic plumbing. A box per call costs nanoseconds; an append or a
//! read costs microseconds at the least.

use std::fmt;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::watch;

use crate::error::LogError;
use crate::record::{NewEvent, Position, Record};

/// A boxed future that can be sent across threads, as the log's methods
/// return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An event log shared by the services of a program.
pub type SharedLog = Arc<dyn EventLog>;

/// Which events a read returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KindFilter {
    /// Every event.
    #[default]
    All,
    /// Only events whose kind is one of these (sorted, without duplicates).
    Kinds(Vec<String>),
}

impl KindFilter {
    /// A filter for the given kinds (sorted and deduplicated).
    pub fn kinds<I, S>(kinds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut kinds: Vec<String> = kinds.into_iter().map(Into::into).collect();
        kinds.sort_unstable();
        kinds.dedup();
        KindFilter::Kinds(kinds)
    }

    /// Whether an event of `kind` passes the filter.
    pub fn matches(&self, kind: &str) -> bool {
        match self {
            KindFilter::All => true,
            KindFilter::Kinds(kinds) => kinds.binary_search_by(|k| k.as_str().cmp(kind)).is_ok(),
        }
    }
}

/// The condition under which an append may go ahead. It is checked in the
/// same atomic step as the write: a batch whose condition fails writes
/// nothing and returns [`LogError::Conflict`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Condition {
    /// Append unconditionally.
    #[default]
    None,
    /// The head of the log is still this position (goesgen's strict rule:
    /// any append by anyone since is a conflict).
    HeadIs(Position),
    /// No event of any of these kinds was appended after this position (the
    /// default for transactions: only what the decision depended on counts).
    NoneOfKindsAfter {
        /// The kinds that must not have been appended.
        kinds: Vec<String>,
        /// The position the decision was taken at.
        after: Position,
    },
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::None => f.write_str("no condition"),
            Condition::HeadIs(head) => write!(f, "head {head}"),
            Condition::NoneOfKindsAfter { kinds, after } => {
                write!(f, "no event of [{}] after {after}", kinds.join(", "))
            }
        }
    }
}

/// The answer to [`EventLog::read`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBatch {
    /// The matching records after the requested position, in order, at most
    /// `limit` of them.
    pub records: Vec<Record>,
    /// The head of the log as the read saw it.
    pub head: Position,
    /// How far the read covered the log: every matching record in
    /// `(after, through]` is in `records`. It is the head when the read
    /// returned fewer than `limit` records, else the last record's position
    /// (for a `limit` of 0: `after`, or the head if that is lower).
    /// A reader continues from here, so a filtered reader advances past the
    /// events it does not care about.
    pub through: Position,
}

/// What an append wrote: the positions of its events and when it was
/// committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The position of the batch's first event (for an empty batch: the head
    /// plus one).
    pub first: Position,
    /// The position of the batch's last event (for an empty batch: the head).
    pub last: Position,
    /// When the batch was committed.
    pub recorded_at: SystemTime,
}

impl Appended {
    /// The positions of the appended events, in order (empty for an empty
    /// batch).
    pub fn positions(&self) -> RangeInclusive<Position> {
        self.first..=self.last
    }

    /// How many events were appended.
    pub fn len(&self) -> usize {
        (self.last + 1).saturating_sub(self.first) as usize
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Wakes a follower when the head of the log moves.
///
/// Backends publish the newest head they know of into a watch channel;
/// a subscription sees only the latest value, never a queue of them, so a
/// slow follower cannot fall behind on notifications (it reads the log).
#[derive(Debug, Clone)]
pub struct Subscription {
    heads: watch::Receiver<Position>,
}

impl Subscription {
    /// A subscription on a backend's channel of heads.
    pub fn new(heads: watch::Receiver<Position>) -> Self {
        Self { heads }
    }

    /// The newest head published (without waiting).
    pub fn head(&self) -> Position {
        *self.heads.borrow()
    }

    /// Waits until a head newer than the last one this subscription returned
    /// is published, and returns it. [`LogError::Closed`] once the log is
    /// closed.
    pub async fn changed(&mut self) -> Result<Position, LogError> {
        self.heads.changed().await.map_err(|_| LogError::Closed)?;
        Ok(*self.heads.borrow_and_update())
    }

    /// Waits until the head is at least `position` and returns it.
    pub async fn wait_for(&mut self, position: Position) -> Result<Position, LogError> {
        let head = self
            .heads
            .wait_for(|head| *head >= position)
            .await
            .map_err(|_| LogError::Closed)?;
        Ok(*head)
    }
}

/// The one shared, totally ordered event log.
///
/// Promises every backend keeps (and the conformance suite checks):
/// - positions are 1, 2, 3, ... in commit order, without gaps; a reader that
///   has seen position P and reads after P never misses an event;
/// - an append writes its whole batch at consecutive positions or nothing,
///   and only if its [`Condition`] holds at the moment it commits;
/// - an empty batch writes nothing and succeeds whatever the condition;
/// - a record that cannot be read back is [`LogError::Corrupt`], never a
///   panic.
pub trait EventLog: Send + Sync + 'static {
    /// The position of the newest event (0 for an empty log).
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>>;

    /// At most `limit` records after position `after` that pass `filter`, in
    /// order, with the head the read saw. See [`ReadBatch::through`] for how
    /// to continue.
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>>;

    /// Appends `events` atomically at consecutive positions if `condition`
    /// holds, else fails with [`LogError::Conflict`] having written nothing.
    fn append(
        &self,
        events: Vec<NewEvent>,
        condition: Condition,
    ) -> BoxFuture<'_, Result<Appended, LogError>>;

    /// A subscription that wakes when the head moves (including appends by
    /// other processes, where the backend can see them).
    fn subscribe(&self) -> Subscription;
}
