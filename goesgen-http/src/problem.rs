//! [`Problem`]: an error as an HTTP response body, in the
//! `application/problem+json` format of RFC 9457 (type, title, status,
//! detail) with a stable `code` for programs, and [`MethodProblem`], how a
//! service's own error becomes one. [`problem_of`] maps every
//! [`ServiceError`] to its status and code (the table is in
//! `docs/decisions.md`, "Services over HTTP").

use std::convert::Infallible;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use goesgen_runtime::error::LogError;
use goesgen_runtime::log::Appended;
use goesgen_runtime::record::Position;
use goesgen_runtime::service::ServiceError;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The stable codes of the problems goesgen's server answers with (the
/// method's own errors add theirs through [`MethodProblem`]).
pub mod codes {
    /// 400: the body is not valid JSON for the method's input.
    pub const INVALID_JSON: &str = "invalid-json";
    /// 400: a request header has a value the server cannot use.
    pub const INVALID_HEADER: &str = "invalid-header";
    /// 401: the caller is not authenticated (from an authenticator).
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    /// 403: the caller may not call the method (from an authenticator).
    pub const FORBIDDEN: &str = "forbidden";
    /// 404: no such service or method.
    pub const UNKNOWN_METHOD: &str = "unknown-method";
    /// 405: methods are called with POST.
    pub const METHOD_NOT_ALLOWED: &str = "method-not-allowed";
    /// 409: a transaction met a conflict on each of its attempts; retry.
    pub const CONFLICT: &str = "conflict";
    /// 409: a call with this idempotency key is already in the log; the
    /// problem's `positions` say where.
    pub const DUPLICATE: &str = "duplicate";
    /// 422: this idempotency key was already used for another request
    /// (another method or input: its fingerprint differs); nothing was
    /// written. The problem's `positions` say where the first request's
    /// events are.
    pub const KEY_REUSED: &str = "key-reused";
    /// 413: the body is over the server's limit.
    pub const BODY_TOO_LARGE: &str = "body-too-large";
    /// 415: the body is not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported-media-type";
    /// 422: the method refused the call (the default for a method error).
    pub const METHOD_ERROR: &str = "method-error";
    /// 422: the store refused an event the method emitted; nothing was
    /// appended.
    pub const REFUSED: &str = "refused";
    /// 500: the append may or may not have been written; retry with the
    /// same `Idempotency-Key`.
    pub const INDETERMINATE: &str = "indeterminate";
    /// 500: the events were appended (the problem's `positions`) but the
    /// store did not take them; retry only with the same
    /// `Idempotency-Key` (the answer is then `duplicate`).
    pub const UNSYNCED: &str = "unsynced";
    /// 500: the service's projection is stuck on a record of the log (it
    /// does not decode, the store refuses it, or its kind is unknown).
    pub const PROJECTION_STUCK: &str = "projection-stuck";
    /// 500: any other failure of the server.
    pub const INTERNAL: &str = "internal";
    /// 503: the event log is unavailable; nothing was written; retry.
    pub const LOG_UNAVAILABLE: &str = "log-unavailable";
    /// 503: the service's store failed; nothing was written; retry.
    pub const STORE_UNAVAILABLE: &str = "store-unavailable";
    /// 503: the service did not reach the position the request said it
    /// must have seen (`Goesgen-Seen-Position`) in time; retry.
    pub const NOT_CAUGHT_UP: &str = "not-caught-up";
}

/// The positions a write call appended at (or, for a duplicate, where the
/// first call with the key did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Positions {
    /// The first event's position (for an empty batch: the head plus one).
    pub first: Position,
    /// The last event's position (for an empty batch: the head).
    pub last: Position,
}

impl From<&Appended> for Positions {
    fn from(appended: &Appended) -> Self {
        Self {
            first: appended.first,
            last: appended.last,
        }
    }
}

/// An error as an HTTP response: an RFC 9457 problem with a stable
/// `code`, the positions where a duplicate's or an unsynced call's events
/// are, and how long to wait before a retry (sent as `Retry-After`).
///
/// ```
/// use goesgen_http::Problem;
///
/// let problem = Problem::new(404, "ticket-not-found", "ticket not found")
///     .detail("ticket 7 does not exist");
/// assert_eq!(problem.status, 404);
/// assert_eq!(problem.type_uri, "urn:goesgen:problem:ticket-not-found");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:goesgen:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the kind of problem, the same for every
    /// occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened this time, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The stable code, for programs.
    pub code: String,
    /// The members beyond the standard ones (boxed: a problem is passed
    /// around in `Result`s and should stay small).
    #[serde(flatten)]
    pub members: Box<Members>,
}

/// The members of a [`Problem`] beyond RFC 9457's own and `code`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Members {
    /// For `invalid-json`: the path of the field that failed (`name`,
    /// `items[2].id`), where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `duplicate` and `unsynced`: where the call's events are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positions: Option<Positions>,
    /// Seconds to wait before a retry (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// More members, as RFC 9457 allows (e.g. the id of the user who has a
    /// name already), set with [`Problem::extension`].
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem of `status` with a stable `code` and a `title`.
    pub fn new(status: u16, code: impl Into<String>, title: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            type_uri: format!("urn:goesgen:problem:{code}"),
            title: title.into(),
            status,
            detail: String::new(),
            code,
            members: Box::default(),
        }
    }

    /// Where a duplicate's or an unsynced call's events are.
    pub fn appended_at(&self) -> Option<Positions> {
        self.members.positions
    }

    /// A member beyond the standard ones, by name.
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.members.extensions.get(name)
    }

    /// The same problem with one more member `name` (ignored if it is one
    /// of the standard members).
    pub fn extension(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        const TAKEN: [&str; 8] = [
            "type",
            "title",
            "status",
            "detail",
            "code",
            "field",
            "positions",
            "retry_after",
        ];
        if !TAKEN.contains(&name) {
            self.members
                .extensions
                .insert(name.to_owned(), value.into());
        }
        self
    }

    /// 401 `unauthenticated`, with `detail`.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(401, codes::UNAUTHENTICATED, "not authenticated").detail(detail)
    }

    /// 403 `forbidden`, with `detail`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, codes::FORBIDDEN, "forbidden").detail(detail)
    }

    /// The same problem with `detail`.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// The same problem with a `Retry-After` of `after` (whole seconds, at
    /// least one).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.members.retry_after = Some(after.as_secs().max(1));
        self
    }

    /// The same problem naming the positions of the call's events.
    pub fn positions(mut self, positions: Positions) -> Self {
        self.members.positions = Some(positions);
        self
    }

    /// The same problem naming the field that failed.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.members.field = Some(field.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.status, self.title, self.code)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = match serde_json::to_vec(&self) {
            Ok(body) => body,
            // A problem is strings and numbers: this cannot fail; say so
            // rather than panic.
            Err(_) => br#"{"type":"urn:goesgen:problem:internal","title":"internal error","status":500,"code":"internal"}"#.to_vec(),
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.members.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

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
        Problem::new(422, codes::METHOD_ERROR, "the method refused the call")
            .detail(self.to_string())
    }
}

impl MethodProblem for Infallible {}

/// The problem of a stable `code` with `status` and the code's title.
fn coded(status: u16, code: &'static str) -> Problem {
    Problem::new(status, code, title(code))
}

/// The title of the problem of a stable `code`.
fn title(code: &str) -> &'static str {
    match code {
        codes::CONFLICT => "the transaction kept conflicting",
        codes::DUPLICATE => "a call with this idempotency key was already written",
        codes::KEY_REUSED => "this idempotency key was used for another request",
        codes::REFUSED => "the store refused an event of the method",
        codes::INDETERMINATE => "the outcome of the append is unknown",
        codes::UNSYNCED => "the events were appended but not applied",
        codes::PROJECTION_STUCK => "the projection is stuck on a record of the log",
        codes::LOG_UNAVAILABLE => "the event log is unavailable",
        codes::STORE_UNAVAILABLE => "the store is unavailable",
        _ => "internal error",
    }
}

/// The pause a `503` asks for.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The problem a service call failed with: the method's own errors through
/// [`MethodProblem`], the others by the table of `docs/decisions.md`.
pub fn problem_of<E: MethodProblem>(error: &ServiceError<E>) -> Problem {
    match error {
        ServiceError::Method(error) => error.problem(),
        ServiceError::Conflict { .. } => coded(409, codes::CONFLICT).detail(error.to_string()),
        ServiceError::Duplicate { appended } => coded(409, codes::DUPLICATE)
            .detail(error.to_string())
            .positions(appended.into()),
        ServiceError::KeyReused { appended } => coded(422, codes::KEY_REUSED)
            .detail(format!("{error}; send a new key with a new request"))
            .positions(appended.into()),
        ServiceError::Refused { .. } => coded(422, codes::REFUSED).detail(error.to_string()),
        ServiceError::Unsynced { appended, .. } => coded(500, codes::UNSYNCED)
            .detail(format!(
                "{error}; retry only with the same Idempotency-Key (the answer is then \
                 `duplicate`), or read after the positions"
            ))
            .positions(appended.into()),
        ServiceError::Log(log) => log_problem(log),
        ServiceError::Store(store) if store.is_retryable() => coded(503, codes::STORE_UNAVAILABLE)
            .detail(store.to_string())
            .retry_after(RETRY_AFTER),
        ServiceError::Store(store) if store.kind() == goesgen_runtime::StoreErrorKind::Refused => {
            coded(422, codes::REFUSED).detail(store.to_string())
        }
        ServiceError::Apply { .. }
        | ServiceError::Decode { .. }
        | ServiceError::UnknownKind { .. } => {
            coded(500, codes::PROJECTION_STUCK).detail(error.to_string())
        }
        _ => coded(500, codes::INTERNAL).detail(error.to_string()),
    }
}

/// The problem of a log error.
fn log_problem(error: &LogError) -> Problem {
    match error {
        LogError::Unavailable { .. } => coded(503, codes::LOG_UNAVAILABLE)
            .detail(error.to_string())
            .retry_after(RETRY_AFTER),
        LogError::Indeterminate { .. } => {
            coded(500, codes::INDETERMINATE).detail(error.to_string())
        }
        LogError::Conflict(_) => coded(409, codes::CONFLICT).detail(error.to_string()),
        _ => coded(500, codes::INTERNAL).detail(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goesgen_runtime::error::Conflict;
    use goesgen_runtime::log::Condition;
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
                ServiceError::Store(goesgen_runtime::StoreError::of(
                    goesgen_runtime::StoreErrorKind::Unavailable,
                    "down",
                )),
                503,
                codes::STORE_UNAVAILABLE,
            ),
            (
                ServiceError::Refused {
                    index: 0,
                    kind: "Counted".into(),
                    source: goesgen_runtime::StoreError::new("no"),
                },
                422,
                codes::REFUSED,
            ),
            (
                ServiceError::Apply {
                    position: 9,
                    kind: "Counted".into(),
                    source: goesgen_runtime::StoreError::new("no"),
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
                    source: Box::new(ServiceError::Store(goesgen_runtime::StoreError::of(
                        goesgen_runtime::StoreErrorKind::Unavailable,
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

    #[test]
    fn a_problem_is_problem_json_with_retry_after() {
        let response = Problem::new(503, codes::LOG_UNAVAILABLE, "down")
            .retry_after(Duration::from_millis(10))
            .into_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn extensions_round_trip_beside_the_standard_members() {
        let problem = Problem::new(409, "name-taken", "taken")
            .extension("user", "u-1")
            .extension("status", 7);
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["user"], "u-1");
        assert_eq!(json["status"], 409);
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!(back, problem);
    }
}
