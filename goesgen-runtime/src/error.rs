//! The one error type of the event log, [`LogError`], and the [`Conflict`]
//! an append reports when its condition does not hold.

use crate::log::Condition;
use crate::record::Position;

/// What an event log operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The append's condition did not hold; nothing was written. Catch up
    /// with the log and decide again.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// The backend could not be reached or failed to do the work (I/O error,
    /// lost connection, busy database). Nothing was written; the operation
    /// may be retried.
    #[error("event log unavailable, retry later: {message}")]
    Unavailable {
        /// What went wrong, for people.
        message: String,
        /// The backend's own error, where there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A stored record cannot be read back: the log is damaged or was written
    /// by something else. Reading stops at this position.
    #[error("corrupt record at position {position}: {reason}")]
    Corrupt {
        /// The position of the record that could not be read.
        position: Position,
        /// Why it could not be read.
        reason: String,
    },
    /// An event handed to an append is not a valid event (an empty kind, a
    /// payload that is not one JSON object in UTF-8); nothing was written.
    /// Not retryable: fix the event.
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
    /// connection string); fix the configuration.
    #[error("invalid event log configuration: {0}")]
    Config(String),
}

impl LogError {
    /// Whether trying the same operation again may succeed: true for
    /// [`LogError::Unavailable`] and [`LogError::Conflict`] (after catching
    /// up), false otherwise.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LogError::Unavailable { .. } | LogError::Conflict(_))
    }

    /// An [`LogError::Unavailable`] wrapping a backend error.
    pub fn unavailable(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LogError::Unavailable {
            message: message.into(),
            source: Some(Box::new(source)),
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
