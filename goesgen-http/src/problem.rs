//! [`Problem`]: an error as an HTTP response body, in the
//! `application/problem+json` format of RFC 9457 (type, title, status,
//! detail) with a stable `code` for programs, its further [`Members`], and
//! the [`Positions`] of a write call's events. How a service's error
//! becomes one is in `service_error`; goesgen's own problems are in the
//! one table of `known`.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use goesgen_runtime::{Appended, Position};

use crate::known::Known;

/// The members a problem body has by name (RFC 9457's, `code`, and
/// goesgen's own), which [`Problem::extension`] does not replace.
pub(crate) const MEMBERS: [&str; 8] = [
    "type",
    "title",
    "status",
    "detail",
    "code",
    "field",
    "positions",
    "retry_after",
];

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

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
        if !MEMBERS.contains(&name) {
            self.members
                .extensions
                .insert(name.to_owned(), value.into());
        }
        self
    }

    /// 401 `unauthenticated`, with `detail`.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Known::Unauthenticated.detail(detail)
    }

    /// 403 `forbidden`, with `detail`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Known::Forbidden.detail(detail)
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
            Err(_) => Known::Internal.fallback_json().into_bytes(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

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
