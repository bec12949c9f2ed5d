//! The errors of services: [`StoreError`], what a user's store reports, and
//! [`ServiceError`], what a service method returns, generic over the error
//! type of the user's methods.

use std::error::Error as StdError;
use std::fmt;

use crate::codec::{DecodeError, EncodeError};
use crate::error::{Conflict, LogError};
use crate::log::Appended;
use crate::projection::TransitionError;
use crate::record::Position;

/// A store (where a service keeps its projections) failed: a database
/// error, a projection transition the schema does not allow, a lost lock.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl StoreError {
    /// An error described by `message` alone.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<TransitionError> for StoreError {
    fn from(error: TransitionError) -> Self {
        Self::with_source(error.to_string(), error)
    }
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::with_source(format!("SQLite store: {error}"), error)
    }
}

/// What a service call can fail with. `E` is the error type of the
/// service's methods.
///
/// Whatever the variant, the store was rolled back and, except for
/// [`ServiceError::Unsynced`], nothing was appended to the log.
#[derive(Debug)]
pub enum ServiceError<E> {
    /// The method returned an error.
    Method(E),
    /// The store failed.
    Store(StoreError),
    /// The event log failed (a conflict of a transaction is reported as
    /// [`ServiceError::Conflict`] instead).
    Log(LogError),
    /// An event the method returned could not be encoded.
    Encode(EncodeError),
    /// A record of a subscribed kind could not be decoded. The projection
    /// stays before it; fix or remove the record.
    Decode {
        /// The record's position.
        position: Position,
        /// The record's kind.
        kind: String,
        /// Why it does not decode.
        source: DecodeError,
    },
    /// A record's kind is not one the schema defines and the options say to
    /// fail on those ([`UnknownEvents::Fail`](crate::service::UnknownEvents)).
    /// The projection stays before it.
    UnknownKind {
        /// The record's position.
        position: Position,
        /// Its kind.
        kind: String,
    },
    /// A transaction met a conflict on each of its `attempts`; the last
    /// conflict is attached. Nothing was appended; the call may be retried.
    Conflict {
        /// How many times the method was called.
        attempts: u32,
        /// The last conflict the log reported.
        last: Conflict,
    },
    /// The events were appended (at `appended`), but applying them to the
    /// store afterwards failed and the store was rolled back: the
    /// projection does not show them yet. Do not repeat the call; the next
    /// sync applies them (or fails the same way, naming the cause).
    Unsynced {
        /// Where the events were appended.
        appended: Appended,
        /// Why the store did not take them.
        source: Box<ServiceError<E>>,
    },
}

impl<E> From<StoreError> for ServiceError<E> {
    fn from(error: StoreError) -> Self {
        ServiceError::Store(error)
    }
}

impl<E> From<EncodeError> for ServiceError<E> {
    fn from(error: EncodeError) -> Self {
        ServiceError::Encode(error)
    }
}

impl<E: fmt::Display> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Method(error) => write!(f, "method failed: {error}"),
            ServiceError::Store(error) => write!(f, "store failed: {error}"),
            ServiceError::Log(error) => write!(f, "event log failed: {error}"),
            ServiceError::Encode(error) => error.fmt(f),
            ServiceError::Decode {
                position,
                kind,
                source,
            } => write!(
                f,
                "record at position {position} ({kind}) does not decode: {source}"
            ),
            ServiceError::UnknownKind { position, kind } => write!(
                f,
                "record at position {position} is of kind `{kind}`, which the schema does not \
                 define; upgrade the schema or set `UnknownEvents::Skip`"
            ),
            ServiceError::Conflict { attempts, last } => write!(
                f,
                "transaction gave up after {attempts} conflicting attempts: {last}"
            ),
            ServiceError::Unsynced { appended, source } => write!(
                f,
                "events appended at positions {}..={} but the store did not take them: {source}",
                appended.first, appended.last
            ),
        }
    }
}

impl<E: StdError + 'static> StdError for ServiceError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ServiceError::Method(error) => Some(error),
            ServiceError::Store(error) => Some(error),
            ServiceError::Log(error) => Some(error),
            ServiceError::Encode(error) => Some(error),
            ServiceError::Decode { source, .. } => Some(source),
            ServiceError::UnknownKind { .. } => None,
            ServiceError::Conflict { last, .. } => Some(last),
            ServiceError::Unsynced { source, .. } => Some(&**source),
        }
    }
}

impl<E> ServiceError<E> {
    /// Whether repeating the call may succeed: true for conflicts and for
    /// a log that was unavailable.
    pub fn is_retryable(&self) -> bool {
        match self {
            ServiceError::Conflict { .. } => true,
            ServiceError::Log(error) => error.is_retryable(),
            _ => false,
        }
    }
}
