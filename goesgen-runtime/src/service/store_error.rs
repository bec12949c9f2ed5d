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

/// The kind of an SQLite error, by its result code: a constraint is a
/// refusal, busy or locked a conflict, I/O and full disks unavailability,
/// damaged files corruption.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_kind(error: &rusqlite::Error) -> StoreErrorKind {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreErrorKind::Refused,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreErrorKind::Conflict,
        Some(
            ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::CannotOpen
            | ErrorCode::OutOfMemory,
        ) => StoreErrorKind::Unavailable,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreErrorKind::Corrupt,
        _ => StoreErrorKind::Other,
    }
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for StoreError {
    /// Classified by SQLite's result code (see [`StoreErrorKind`]).
    fn from(error: rusqlite::Error) -> Self {
        let message = match sqlite_kind(&error) {
            StoreErrorKind::Refused => "the SQLite store refused the change",
            StoreErrorKind::Conflict => "the SQLite store is busy",
            StoreErrorKind::Unavailable => "the SQLite store is unavailable",
            StoreErrorKind::Corrupt => "the SQLite store is damaged",
            _ => "the SQLite store failed",
        };
        Self::of(sqlite_kind(&error), message).caused_by(error)
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

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_errors_are_classified_by_code() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (name TEXT UNIQUE); INSERT INTO t VALUES ('a');")
            .unwrap();
        let unique = db.execute("INSERT INTO t VALUES ('a')", []).unwrap_err();
        let error = StoreError::from(unique);
        assert_eq!(error.kind(), StoreErrorKind::Refused);
        // The message does not repeat the cause; the cause is the source.
        assert!(!error.to_string().contains("UNIQUE"), "{error}");
        assert!(
            std::error::Error::source(&error)
                .unwrap()
                .to_string()
                .contains("UNIQUE")
        );
    }
}
