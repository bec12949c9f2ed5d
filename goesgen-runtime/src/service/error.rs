//! [`ServiceError`], what a service method returns, generic over the error
//! type of the user's methods. What a store reports is in
//! [`store_error`](super::store_error); what a method returns in
//! [`method_error`](super::method_error).

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;

use crate::codec::{DecodeError, EncodeError};
use crate::error::{Conflict, LogError};
use crate::log::Appended;
use crate::record::Position;
use crate::service::method_error::MethodError;
use crate::service::stale::StaleStore;
use crate::service::store_error::StoreError;

/// What a service call can fail with. `E` is the error type of the
/// service's methods.
///
/// Whatever the variant, the store was rolled back, and nothing was
/// appended to the log except where the variant says otherwise
/// ([`ServiceError::Unsynced`], [`ServiceError::Duplicate`], and a
/// [`LogError::Indeterminate`] in [`ServiceError::Log`]).
/// [`is_retryable`](Self::is_retryable) says whether repeating the call is
/// safe. Each message says what happened; its cause is the `source()`.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServiceError<E> {
    /// The method returned an error.
    Method(E),
    /// The store failed.
    Store(StoreError),
    /// The event log failed (a conflict of a transaction is reported as
    /// [`ServiceError::Conflict`] instead). A
    /// [`LogError::Indeterminate`] here means the events may be in the
    /// log: repeat the call only with the same idempotency key.
    Log(LogError),
    /// An event the method returned could not be encoded.
    Encode(EncodeError),
    /// The store refused an event the method emitted (a move the
    /// projection's rules forbid, a broken invariant): it was not
    /// appended, nor anything else of the call.
    Refused {
        /// The event's index among the method's events.
        index: usize,
        /// Its kind.
        kind: String,
        /// The store's refusal.
        source: StoreError,
    },
    /// The store refused a record of the log while catching up (a poison
    /// record, appended by someone else). The projection stays before it:
    /// fix the store, or skip the record ([`RefusedRecords::Skip`] or
    /// [`ServiceOptions::skip_positions`]).
    ///
    /// [`RefusedRecords::Skip`]: crate::service::RefusedRecords::Skip
    /// [`ServiceOptions::skip_positions`]: crate::service::ServiceOptions::skip_positions
    Apply {
        /// The record's position.
        position: Position,
        /// Its kind.
        kind: String,
        /// The store's refusal.
        source: StoreError,
    },
    /// A record of a subscribed kind could not be decoded. The projection
    /// stays before it; fix or remove the record, or skip its position.
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
    /// A transaction kept meeting conflicts until its `attempts` ran out;
    /// the last conflict is the source. Nothing was appended; the call may be
    /// retried.
    Conflict {
        /// How many times the method was called.
        attempts: u32,
        /// The last conflict the log reported.
        last: Conflict,
    },
    /// A call with the same idempotency key is already in the log, at
    /// `appended`: nothing was written again (and the method's output of
    /// that first call is not kept). The call's effect is there once.
    Duplicate {
        /// Where the first call's events were appended.
        appended: Appended,
    },
    /// The call's idempotency key was already used, at `appended`, for
    /// another request (its fingerprint differs: another method, another
    /// input): nothing was written. A key names one request; use a new
    /// key for a new request.
    KeyReused {
        /// Where the first request with the key was appended.
        appended: Appended,
    },
    /// The events were appended (at `appended`), but applying them to the
    /// store afterwards failed and the store was rolled back: the
    /// projection does not show them yet. Do not repeat the call (or only
    /// with the same idempotency key); the next sync applies them (or
    /// fails the same way, naming the cause).
    Unsynced {
        /// Where the events were appended.
        appended: Appended,
        /// Why the store did not take them.
        source: Box<ServiceError<E>>,
    },
    /// The store's projections are stale (its fingerprint is not the
    /// code's, or it keeps none but has projections) and the service's
    /// [`StalePolicy`](crate::service::StalePolicy) is to refuse: nothing
    /// was called, read or written. Not retryable: rebuild the store (the
    /// service's `rebuild()`) or start with a policy that does.
    Stale(StaleStore),
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
            // Wrappers show what they wrap (and pass its source on), so a
            // chain printer says each cause once.
            ServiceError::Method(error) => error.fmt(f),
            ServiceError::Store(error) => error.fmt(f),
            ServiceError::Log(error) => error.fmt(f),
            ServiceError::Encode(error) => error.fmt(f),
            ServiceError::Stale(error) => error.fmt(f),
            ServiceError::Refused { index, kind, .. } => write!(
                f,
                "the store refused event {index} ({kind}) of the method; nothing was appended"
            ),
            ServiceError::Apply { position, kind, .. } => write!(
                f,
                "the store refused the record at position {position} ({kind}); the projection \
                 stays before it"
            ),
            ServiceError::Decode { position, kind, .. } => {
                write!(
                    f,
                    "the record at position {position} ({kind}) does not decode"
                )
            }
            ServiceError::UnknownKind { position, kind } => write!(
                f,
                "the record at position {position} is of kind `{kind}`, which the schema does not \
                 define; upgrade the schema or set `UnknownEvents::Skip`"
            ),
            ServiceError::Conflict { attempts, .. } => {
                write!(
                    f,
                    "transaction gave up after {attempts} conflicting attempts"
                )
            }
            ServiceError::Duplicate { appended } => write!(
                f,
                "a call with this idempotency key was already appended at positions {}..={}; \
                 nothing was written again",
                appended.first, appended.last
            ),
            ServiceError::KeyReused { appended } => write!(
                f,
                "this idempotency key was already used for another request, appended at \
                 positions {}..={}; nothing was written",
                appended.first, appended.last
            ),
            ServiceError::Unsynced { appended, .. } => write!(
                f,
                "events appended at positions {}..={} but the store did not take them",
                appended.first, appended.last
            ),
        }
    }
}

impl<E: StdError + 'static> StdError for ServiceError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ServiceError::Method(error) => error.source(),
            ServiceError::Store(error) => error.source(),
            ServiceError::Log(error) => error.source(),
            ServiceError::Encode(error) => error.source(),
            ServiceError::Stale(error) => error.source(),
            ServiceError::Refused { source, .. } | ServiceError::Apply { source, .. } => {
                Some(source)
            }
            ServiceError::Decode { source, .. } => Some(source),
            ServiceError::UnknownKind { .. }
            | ServiceError::Duplicate { .. }
            | ServiceError::KeyReused { .. } => None,
            ServiceError::Conflict { last, .. } => Some(last),
            ServiceError::Unsynced { source, .. } => Some(&**source),
        }
    }
}

impl<E> ServiceError<E> {
    /// The error of a method that failed: its refusal as
    /// [`ServiceError::Method`], a store failure as [`ServiceError::Store`].
    pub fn from_method(error: MethodError<E>) -> Self {
        match error {
            MethodError::Refused(error) => ServiceError::Method(error),
            MethodError::Store(error) => ServiceError::Store(error),
        }
    }

    /// Whether repeating the call may succeed and cannot write anything
    /// twice: true for conflicts and for a log that was unavailable
    /// (nothing was written), and for a store that was unavailable or met
    /// a conflict of its own (a busy database). False for an unknown outcome
    /// ([`LogError::Indeterminate`]) and for [`ServiceError::Unsynced`]:
    /// repeat those only with the same idempotency key.
    pub fn is_retryable(&self) -> bool {
        match self {
            ServiceError::Conflict { .. } => true,
            ServiceError::Log(error) => error.is_retryable(),
            ServiceError::Store(error) => error.is_retryable(),
            _ => false,
        }
    }

    /// Where the call's events are, when they were appended although the
    /// call failed or was a repeat: [`ServiceError::Unsynced`] and
    /// [`ServiceError::Duplicate`].
    pub fn appended(&self) -> Option<&Appended> {
        match self {
            ServiceError::Unsynced { appended, .. } | ServiceError::Duplicate { appended } => {
                Some(appended)
            }
            _ => None,
        }
    }
}

impl ServiceError<Infallible> {
    /// The same error as one of a service whose methods fail with `E`
    /// (an error of the engine's own work, a check or a rebuild, holds no
    /// method's error).
    pub(crate) fn widen<E>(self) -> ServiceError<E> {
        match self {
            ServiceError::Method(never) => match never {},
            ServiceError::Store(error) => ServiceError::Store(error),
            ServiceError::Log(error) => ServiceError::Log(error),
            ServiceError::Encode(error) => ServiceError::Encode(error),
            ServiceError::Refused {
                index,
                kind,
                source,
            } => ServiceError::Refused {
                index,
                kind,
                source,
            },
            ServiceError::Apply {
                position,
                kind,
                source,
            } => ServiceError::Apply {
                position,
                kind,
                source,
            },
            ServiceError::Decode {
                position,
                kind,
                source,
            } => ServiceError::Decode {
                position,
                kind,
                source,
            },
            ServiceError::UnknownKind { position, kind } => {
                ServiceError::UnknownKind { position, kind }
            }
            ServiceError::Conflict { attempts, last } => ServiceError::Conflict { attempts, last },
            ServiceError::Duplicate { appended } => ServiceError::Duplicate { appended },
            ServiceError::KeyReused { appended } => ServiceError::KeyReused { appended },
            ServiceError::Unsynced { appended, source } => ServiceError::Unsynced {
                appended,
                source: Box::new(source.widen()),
            },
            ServiceError::Stale(error) => ServiceError::Stale(error),
        }
    }
}
