//! [`StoreError`]: what a store (where a service keeps its projections)
//! fails with, and its [`StoreErrorKind`], so callers can tell a refusal by
//! the projection's rules from a database that was busy or damaged without
//! matching text.

use std::error::Error as StdError;
use std::sync::Arc;

use crate::projection::TransitionError;

/// What kind of failure a [`StoreError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The projection's rules refuse the change (a transition the schema
    /// does not declare, a uniqueness constraint, a broken invariant).
    /// Retrying the same change is refused again.
    Refused,
    /// The store met a concurrent writer of its own (a serialization
    /// failure, a deadlock); nothing was kept. May be retried.
    Conflict,
    /// The store could not be reached or was busy (a lock wait that timed
    /// out, an I/O error); nothing was kept. May be retried.
    Unavailable,
    /// The store's data is damaged. Not retryable.
    Corrupt,
    /// Anything else.
    Other,
}

/// A store failed: a database error, a projection transition the schema
/// does not allow, a lost lock. Its [`kind`](Self::kind) says which; the
/// message says what was being done and the cause is the `source()`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl StoreError {
    /// An error of kind [`StoreErrorKind::Other`] described by `message`
    /// alone.
    pub fn new(message: impl Into<String>) -> Self {
        Self::of(StoreErrorKind::Other, message)
    }

    /// An error of `kind` described by `message` alone.
    pub fn of(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A refusal by the projection's rules ([`StoreErrorKind::Refused`]).
    pub fn refused(message: impl Into<String>) -> Self {
        Self::of(StoreErrorKind::Refused, message)
    }

    /// An error of kind [`StoreErrorKind::Other`] described by `message`,
    /// caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self::new(message).caused_by(source)
    }

    /// The same error with `source` as its cause.
    pub fn caused_by(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the same call may succeed if repeated: for
    /// [`StoreErrorKind::Conflict`] and [`StoreErrorKind::Unavailable`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            StoreErrorKind::Conflict | StoreErrorKind::Unavailable
        )
    }
}

impl StoreError {
    /// A copy of this error for another caller (every call of a failed
    /// batch gets one): the same kind and message, and the same cause,
    /// which both now share.
    pub(crate) fn share(&mut self) -> StoreError {
        let source = self
            .source
            .take()
            .map(|source| SharedSource(Arc::from(source)));
        self.source = source
            .clone()
            .map(|source| Box::new(source) as Box<dyn StdError + Send + Sync>);
        StoreError {
            kind: self.kind,
            message: self.message.clone(),
            source: source.map(|source| Box::new(source) as Box<dyn StdError + Send + Sync>),
        }
    }
}

/// A cause shared by the copies of a [`StoreError`]: shows and passes on
/// what it wraps.
#[derive(Debug, Clone)]
struct SharedSource(Arc<dyn StdError + Send + Sync + 'static>);

impl std::fmt::Display for SharedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for SharedSource {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

impl From<TransitionError> for StoreError {
    fn from(error: TransitionError) -> Self {
        Self::refused("the projection's transition table refuses the move").caused_by(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_say_what_is_retryable() {
        assert!(!StoreError::refused("no").is_retryable());
        assert!(StoreError::of(StoreErrorKind::Unavailable, "busy").is_retryable());
        assert_eq!(StoreError::new("x").kind(), StoreErrorKind::Other);
    }
}
