//! A batch's error as each of its calls gets it: widened to the call's
//! method error type, and copied for every call (causes shared).

use std::convert::Infallible;

use crate::service::error::ServiceError;

/// A batch's error as one call's: a conflict counts that call's attempts.
pub(super) fn widen<M>(error: ServiceError<Infallible>, attempts: u32) -> ServiceError<M> {
    match error {
        ServiceError::Conflict { last, .. } => ServiceError::Conflict { attempts, last },
        ServiceError::Unsynced { appended, source } => ServiceError::Unsynced {
            appended,
            source: Box::new(widen(*source, attempts)),
        },
        error => error.widen(),
    }
}

/// A copy of a batch's error for another call of the batch (causes are
/// shared).
pub(super) fn duplicate(error: &mut ServiceError<Infallible>) -> ServiceError<Infallible> {
    match error {
        ServiceError::Method(never) => match *never {},
        ServiceError::Store(error) => ServiceError::Store(error.share()),
        ServiceError::Log(error) => ServiceError::Log(error.clone()),
        // Encoding fails per call, never for a whole batch; kept total.
        ServiceError::Encode(error) => {
            ServiceError::Store(crate::service::StoreError::new(error.to_string()))
        }
        ServiceError::Refused {
            index,
            kind,
            source,
        } => ServiceError::Refused {
            index: *index,
            kind: kind.clone(),
            source: source.share(),
        },
        ServiceError::Apply {
            position,
            kind,
            source,
        } => ServiceError::Apply {
            position: *position,
            kind: kind.clone(),
            source: source.share(),
        },
        ServiceError::Decode {
            position,
            kind,
            source,
        } => ServiceError::Decode {
            position: *position,
            kind: kind.clone(),
            source: source.clone(),
        },
        ServiceError::UnknownKind { position, kind } => ServiceError::UnknownKind {
            position: *position,
            kind: kind.clone(),
        },
        ServiceError::Conflict { attempts, last } => ServiceError::Conflict {
            attempts: *attempts,
            last: last.clone(),
        },
        ServiceError::Duplicate { appended } => ServiceError::Duplicate {
            appended: *appended,
        },
        ServiceError::KeyReused { appended } => ServiceError::KeyReused {
            appended: *appended,
        },
        ServiceError::Unsynced { appended, source } => ServiceError::Unsynced {
            appended: *appended,
            source: Box::new(duplicate(source)),
        },
        ServiceError::Stale(error) => ServiceError::Stale(error.clone()),
    }
}
