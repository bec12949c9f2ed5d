//! How a service call's error becomes a [`Problem`]: [`MethodProblem`]
//! for the method's own errors (implemented by the user for each method
//! error type), and [`problem_of`] for every [`ServiceError`], with the
//! status and code of the table in `docs/decisions.md` ("Services over
//! HTTP"); each of goesgen's own problems comes from the crate's one
//! table (`known`).

use std::convert::Infallible;

use goesgen_runtime::{LogError, ServiceError, StoreErrorKind};

use crate::known::Known;
use crate::problem::Problem;

/// How a service method's own error becomes a [`Problem`]: implement it
/// for the method's error type (an empty `impl` takes the default, 422
/// `method-error` with the error's text as the detail).
///
/// ```
/// use goesgen_http::{MethodProblem, Problem};
///
/// #[derive(Debug, thiserror::Error)]
/// enum AccountError {
///     #[error("account {0} not found")]
///     NotFound(u64),
///     #[error("insufficient funds")]
///     Insufficient,
/// }
///
/// impl MethodProblem for AccountError {
///     fn problem(&self) -> Problem {
///         match self {
///             AccountError::NotFound(_) => Problem::new(404, "account-not-found", "no such account"),
///             AccountError::Insufficient => Problem::new(422, "insufficient-funds", "insufficient funds"),
///         }
///         .detail(self.to_string())
///     }
/// }
/// assert_eq!(AccountError::NotFound(3).problem().status, 404);
/// ```
pub trait MethodProblem: std::error::Error {
    /// The problem this error is answered with.
    fn problem(&self) -> Problem {
        Known::MethodError.detail(self.to_string())
    }
}

impl MethodProblem for Infallible {}

/// The problem a service call failed with: the method's own errors through
/// [`MethodProblem`], the others by the table of `docs/decisions.md`.
pub fn problem_of<E: MethodProblem>(error: &ServiceError<E>) -> Problem {
    match error {
        ServiceError::Method(error) => error.problem(),
        ServiceError::Conflict { .. } => Known::Conflict.detail(error.to_string()),
        ServiceError::Duplicate { appended } => Known::Duplicate
            .detail(error.to_string())
            .positions(appended.into()),
        ServiceError::KeyReused { appended } => Known::KeyReused
            .detail(format!("{error}; send a new key with a new request"))
            .positions(appended.into()),
        ServiceError::Refused { .. } => Known::Refused.detail(error.to_string()),
        ServiceError::Unsynced { appended, .. } => Known::Unsynced
            .detail(format!(
                "{error}; retry only with the same Idempotency-Key (the answer is then \
                 `duplicate`), or read after the positions"
            ))
            .positions(appended.into()),
        ServiceError::Log(log) => log_problem(log),
        ServiceError::Store(store) if store.is_retryable() => {
            Known::StoreUnavailable.detail(store.to_string())
        }
        ServiceError::Store(store) if store.kind() == StoreErrorKind::Refused => {
            Known::Refused.detail(store.to_string())
        }
        ServiceError::Apply { .. }
        | ServiceError::Decode { .. }
        | ServiceError::UnknownKind { .. } => Known::ProjectionStuck.detail(error.to_string()),
        _ => Known::Internal.detail(error.to_string()),
    }
}

/// The problem of a log error.
fn log_problem(error: &LogError) -> Problem {
    match error {
        LogError::Unavailable { .. } => Known::LogUnavailable.detail(error.to_string()),
        LogError::Indeterminate { .. } => Known::Indeterminate.detail(error.to_string()),
        LogError::Conflict(_) => Known::Conflict.detail(error.to_string()),
        _ => Known::Internal.detail(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use crate::problem::Positions;
    use goesgen_runtime::{Appended, Condition, Conflict, StoreError};
    use std::time::SystemTime;

    #[derive(Debug, thiserror::Error)]
    #[error("no")]
    struct No;
    impl MethodProblem for No {}

    fn appended() -> Appended {
        Appended {
            first: 3,
            last: 4,
            recorded_at: SystemTime::now(),
            replayed: true,
        }
    }

    #[test]
    fn each_service_error_has_its_status_and_code() {
        let io = || std::io::Error::other("x");
        let cases: Vec<(ServiceError<No>, u16, &str)> = vec![
            (ServiceError::Method(No), 422, codes::METHOD_ERROR),
            (
                ServiceError::Conflict {
                    attempts: 3,
                    last: Conflict {
                        condition: Condition::HeadIs(1),
                        head: 2,
                        found: None,
                    },
                },
                409,
                codes::CONFLICT,
            ),
            (
                ServiceError::Duplicate {
                    appended: appended(),
                },
                409,
                codes::DUPLICATE,
            ),
            (
                ServiceError::KeyReused {
                    appended: appended(),
                },
                422,
                codes::KEY_REUSED,
            ),
            (
                ServiceError::Log(LogError::unavailable("a", io())),
                503,
                codes::LOG_UNAVAILABLE,
            ),
            (
                ServiceError::Log(LogError::indeterminate("a", io())),
                500,
                codes::INDETERMINATE,
            ),
            (
                ServiceError::Store(StoreError::of(StoreErrorKind::Unavailable, "down")),
                503,
                codes::STORE_UNAVAILABLE,
            ),
            (
                ServiceError::Refused {
                    index: 0,
                    kind: "Counted".into(),
                    source: StoreError::new("no"),
                },
                422,
                codes::REFUSED,
            ),
            (
                ServiceError::Apply {
                    position: 9,
                    kind: "Counted".into(),
                    source: StoreError::new("no"),
                },
                500,
                codes::PROJECTION_STUCK,
            ),
            (
                ServiceError::UnknownKind {
                    position: 9,
                    kind: "Later".into(),
                },
                500,
                codes::PROJECTION_STUCK,
            ),
            (ServiceError::Log(LogError::Closed), 500, codes::INTERNAL),
            (
                ServiceError::Unsynced {
                    appended: appended(),
                    source: Box::new(ServiceError::Store(StoreError::of(
                        StoreErrorKind::Unavailable,
                        "down",
                    ))),
                },
                500,
                codes::UNSYNCED,
            ),
        ];
        for (error, status, code) in cases {
            let problem = problem_of(&error);
            assert_eq!(
                (problem.status, problem.code.as_str()),
                (status, code),
                "{error}"
            );
            assert_eq!(
                problem.members.retry_after.is_some(),
                status == 503,
                "{error}"
            );
            let positioned = matches!(code, codes::DUPLICATE | codes::KEY_REUSED | codes::UNSYNCED);
            assert_eq!(
                problem.members.positions,
                positioned.then_some(Positions { first: 3, last: 4 }),
                "{error}"
            );
        }
    }
}
