//! What a rusqlite error means to a store: its [`StoreErrorKind`] by
//! SQLite's result code, and the conversions that let `?` turn a
//! `rusqlite::Error` into a [`StoreError`] or a [`MethodError`] in the
//! apply functions and methods of a store on SQLite. Here, beside the
//! SQLite kit, so that the engine does not know rusqlite.

use crate::service::{MethodError, StoreError, StoreErrorKind};

/// The kind of an SQLite error, by its result code: a constraint is a
/// refusal, busy or locked a conflict, I/O and full disks unavailability,
/// damaged files corruption.
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

impl From<rusqlite::Error> for StoreError {
    /// Classified by SQLite's result code (see [`StoreErrorKind`]).
    fn from(error: rusqlite::Error) -> Self {
        let kind = sqlite_kind(&error);
        let message = match kind {
            StoreErrorKind::Refused => "the SQLite store refused the change",
            StoreErrorKind::Conflict => "the SQLite store is busy",
            StoreErrorKind::Unavailable => "the SQLite store is unavailable",
            StoreErrorKind::Corrupt => "the SQLite store is damaged",
            _ => "the SQLite store failed",
        };
        Self::of(kind, message).caused_by(error)
    }
}

impl<E> From<rusqlite::Error> for MethodError<E> {
    fn from(error: rusqlite::Error) -> Self {
        MethodError::Store(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
