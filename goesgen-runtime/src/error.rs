//! The one error type of the event log, [`LogError`], the [`Conflict`] an
//! append reports when its condition does not hold, and [`Cause`], the
//! backend error kept behind each failure.
//!
//! Each variant says what is safe to do next: [`LogError::Unavailable`]
//! always means nothing was written (retry); [`LogError::Indeterminate`]
//! means an append may or may not have landed (retry only with the same
//! idempotency key); the others are not fixed by retrying. A message never
//! repeats its cause: the backend's error is the `source()`.

use std::sync::Arc;

use crate::log::Condition;
use crate::record::Position;

/// A backend's error kept as the `source()` of a [`LogError`]. Shared, so
/// every member of a failed group commit keeps the same original error.
pub type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What an event log operation can fail with.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The append's condition did not hold; nothing was written. Catch up
    /// with the log and decide again.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// The backend could not be reached or failed to do the work (I/O error,
    /// lost connection, busy or locked database) before anything was
    /// written. Nothing was written; the operation may be retried.
    #[error("event log unavailable ({message}); nothing was written, retry later")]
    Unavailable {
        /// What was being done, for people.
        message: String,
        /// The backend's own error, where there is one.
        #[source]
        source: Option<Cause>,
    },
    /// An append was sent but its outcome is unknown (the connection was
    /// lost while the commit was in flight): the events may or may not be
    /// in the log. Not retryable as such: repeat the append with the same
    /// idempotency key, which writes it at most once, or read the log.
    #[error(
        "the append may or may not have been written ({message}); retry only with the same \
         idempotency key"
    )]
    Indeterminate {
        /// What was being done, for people.
        message: String,
        /// The backend's own error, where there is one.
        #[source]
        source: Option<Cause>,
    },
    /// The backend refused access: a read-only file or database, a missing
    /// permission, a failed login. Nothing was written; fix the access, a
    /// retry will not help.
    #[error("event log access refused ({message})")]
    Denied {
        /// What was refused, for people (naming the backend's code, e.g.
        /// `SQLITE_READONLY`).
        message: String,
        /// The backend's own error, where there is one.
        #[source]
        source: Option<Cause>,
    },
    /// A stored record cannot be read back, or the log's storage is damaged
    /// (positions out of order, a file that is not a database): the log is
    /// damaged or was written by something else. Reading stops at this
    /// position. Not retryable.
    #[error("corrupt record at position {position}: {reason}")]
    Corrupt {
        /// The position of the record that could not be read (for damage
        /// that is not tied to one record, the first position it affects,
        /// or 0).
        position: Position,
        /// Why it could not be read.
        reason: String,
    },
    /// An event handed to an append is not a valid event (an empty kind, a
    /// kind or payload over the log's limits, a payload that is not one
    /// JSON object in UTF-8); nothing of its batch was written (other
    /// appends of the same group commit are not affected). Not retryable:
    /// fix the event.
    #[error("invalid event at index {index} of the batch: {reason}")]
    InvalidEvent {
        /// The index of the offending event in the appended batch.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The log was closed (or its background worker stopped); open it again.
    #[error("the event log is closed")]
    Closed,
    /// The log was configured wrongly (a bad table name, a malformed
    /// connection string, an invalid idempotency key); fix the
    /// configuration.
    #[error("invalid event log configuration: {0}")]
    Config(String),
    /// Personal data could not be sealed or opened: a wrong or missing
    /// master key, a sealed value that was tampered with, a damaged key
    /// store (see [`PersonalError`](crate::personal::PersonalError)).
    /// Nothing was written. Not retryable.
    #[error(transparent)]
    Personal(#[from] crate::personal::PersonalError),
}

impl LogError {
    /// Whether trying the same operation again may succeed: true for
    /// [`LogError::Unavailable`] and [`LogError::Conflict`] (after catching
    /// up), false otherwise. [`LogError::Indeterminate`] is not: repeat
    /// the append only with the same idempotency key.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LogError::Unavailable { .. } | LogError::Conflict(_))
    }

    /// A [`LogError::Unavailable`] caused by a backend error.
    pub fn unavailable(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LogError::Unavailable {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// A [`LogError::Indeterminate`] caused by a backend error.
    pub fn indeterminate(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LogError::Indeterminate {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// A [`LogError::Denied`] caused by a backend error.
    pub fn denied(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LogError::Denied {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

/// An append's condition did not hold. Carries the condition and what the
/// log held instead, so the caller can tell why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("append conflict: expected {condition}, but the log head is {head}{}", found_text(.found))]
pub struct Conflict {
    /// The condition the append asked for.
    pub condition: Condition,
    /// The head of the log when the condition was checked.
    pub head: Position,
    /// For [`Condition::NoneOfKindsAfter`], the newest event of one of those
    /// kinds after the given position: its position and kind.
    pub found: Option<(Position, String)>,
}

fn found_text(found: &Option<(Position, String)>) -> String {
    match found {
        Some((position, kind)) => format!(" and holds {kind} at position {position}"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_cause_is_the_source_and_not_in_the_message() {
        let io = std::io::Error::other("disk on fire");
        let error = LogError::unavailable("cannot append", io);
        assert!(!error.to_string().contains("disk on fire"), "{error}");
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("disk on fire")
        );
        // A clone (each member of a failed group) keeps the same cause.
        let copy = error.clone();
        assert!(copy.source().is_some());
    }

    #[test]
    fn only_unavailable_and_conflict_are_retryable() {
        let io = || std::io::Error::other("x");
        assert!(LogError::unavailable("a", io()).is_retryable());
        assert!(!LogError::indeterminate("a", io()).is_retryable());
        assert!(!LogError::denied("a", io()).is_retryable());
        assert!(!LogError::Closed.is_retryable());
        assert!(
            !LogError::Corrupt {
                position: 1,
                reason: "x".into()
            }
            .is_retryable()
        );
    }
}
