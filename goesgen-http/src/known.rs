//! [`Known`]: the problems goesgen's own server answers with, in one
//! table. Each entry gives a problem's status, its stable code (from
//! [`codes`]) and its title together, so a code cannot lose its title nor
//! a title its status; the server, the key checks and the mapping of
//! service errors build every problem of theirs from an entry here. A few
//! codes have more than one entry (`invalid-json` for an unreadable body
//! and for a wrong input, `invalid-header` per header, `internal` for an
//! output that does not encode): their titles say which.

use std::time::Duration;

use crate::codes;
use crate::problem::Problem;

/// The pause a `503` asks for (its `Retry-After`).
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One of the problems goesgen's server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// The body is no JSON of the method's input.
    InvalidInput,
    /// The body could not be read.
    UnreadableBody,
    /// A header is not visible ASCII.
    InvalidHeader,
    /// `Goesgen-Seen-Position` is no position.
    InvalidSeenPosition,
    /// `Idempotency-Key` does not make a key of the log.
    InvalidIdempotencyKey,
    /// The authenticator does not know the caller.
    Unauthenticated,
    /// The authenticator refuses the caller.
    Forbidden,
    /// No method at the path.
    UnknownMethod,
    /// A method's path with another HTTP method than POST.
    MethodNotAllowed,
    /// A transaction conflicted on each of its attempts.
    Conflict,
    /// A call with the key is in the log already.
    Duplicate,
    /// The key was used for another request.
    KeyReused,
    /// The body is over the limit.
    BodyTooLarge,
    /// The body is not JSON.
    UnsupportedMediaType,
    /// The method refused the call (a method error's default).
    MethodError,
    /// The store refused an event of the method.
    Refused,
    /// The append may or may not have been written.
    Indeterminate,
    /// The events were appended but not applied.
    Unsynced,
    /// The projection is stuck on a record of the log.
    ProjectionStuck,
    /// Any other failure.
    Internal,
    /// The method's output could not be encoded.
    UnencodableOutput,
    /// The event log is unavailable.
    LogUnavailable,
    /// The store is unavailable.
    StoreUnavailable,
    /// The service did not reach the seen position in time.
    NotCaughtUp,
}

impl Known {
    /// Every entry of the table.
    #[cfg(any(test, feature = "openapi"))]
    pub(crate) const ALL: [Known; 24] = [
        Known::InvalidInput,
        Known::UnreadableBody,
        Known::InvalidHeader,
        Known::InvalidSeenPosition,
        Known::InvalidIdempotencyKey,
        Known::Unauthenticated,
        Known::Forbidden,
        Known::UnknownMethod,
        Known::MethodNotAllowed,
        Known::Conflict,
        Known::Duplicate,
        Known::KeyReused,
        Known::BodyTooLarge,
        Known::UnsupportedMediaType,
        Known::MethodError,
        Known::Refused,
        Known::Indeterminate,
        Known::Unsynced,
        Known::ProjectionStuck,
        Known::Internal,
        Known::UnencodableOutput,
        Known::LogUnavailable,
        Known::StoreUnavailable,
        Known::NotCaughtUp,
    ];

    /// The table: the entry's status, code and title.
    pub(crate) const fn entry(self) -> (u16, &'static str, &'static str) {
        match self {
            Known::InvalidInput => (400, codes::INVALID_JSON, "invalid input"),
            Known::UnreadableBody => (400, codes::INVALID_JSON, "the body could not be read"),
            Known::InvalidHeader => (400, codes::INVALID_HEADER, "invalid header"),
            Known::InvalidSeenPosition => {
                (400, codes::INVALID_HEADER, "invalid Goesgen-Seen-Position")
            }
            Known::InvalidIdempotencyKey => (400, codes::INVALID_HEADER, "invalid Idempotency-Key"),
            Known::Unauthenticated => (401, codes::UNAUTHENTICATED, "not authenticated"),
            Known::Forbidden => (403, codes::FORBIDDEN, "forbidden"),
            Known::UnknownMethod => (404, codes::UNKNOWN_METHOD, "no such service or method"),
            Known::MethodNotAllowed => (
                405,
                codes::METHOD_NOT_ALLOWED,
                "methods are called with POST",
            ),
            Known::Conflict => (409, codes::CONFLICT, "the transaction kept conflicting"),
            Known::Duplicate => (
                409,
                codes::DUPLICATE,
                "a call with this idempotency key was already written",
            ),
            Known::KeyReused => (
                422,
                codes::KEY_REUSED,
                "this idempotency key was used for another request",
            ),
            Known::BodyTooLarge => (413, codes::BODY_TOO_LARGE, "the body is too large"),
            Known::UnsupportedMediaType => {
                (415, codes::UNSUPPORTED_MEDIA_TYPE, "the body must be JSON")
            }
            Known::MethodError => (422, codes::METHOD_ERROR, "the method refused the call"),
            Known::Refused => (
                422,
                codes::REFUSED,
                "the store refused an event of the method",
            ),
            Known::Indeterminate => (
                500,
                codes::INDETERMINATE,
                "the outcome of the append is unknown",
            ),
            Known::Unsynced => (
                500,
                codes::UNSYNCED,
                "the events were appended but not applied",
            ),
            Known::ProjectionStuck => (
                500,
                codes::PROJECTION_STUCK,
                "the projection is stuck on a record of the log",
            ),
            Known::Internal => (500, codes::INTERNAL, "internal error"),
            Known::UnencodableOutput => (500, codes::INTERNAL, "the output could not be encoded"),
            Known::LogUnavailable => (503, codes::LOG_UNAVAILABLE, "the event log is unavailable"),
            Known::StoreUnavailable => (503, codes::STORE_UNAVAILABLE, "the store is unavailable"),
            Known::NotCaughtUp => (
                503,
                codes::NOT_CAUGHT_UP,
                "the service has not reached the position yet",
            ),
        }
    }

    /// The entry's problem, with a `Retry-After` for a `503` (the log or
    /// the store is down, or the service behind: worth a retry soon).
    pub(crate) fn problem(self) -> Problem {
        let (status, code, title) = self.entry();
        let problem = Problem::new(status, code, title);
        if status == 503 {
            problem.retry_after(RETRY_AFTER)
        } else {
            problem
        }
    }

    /// The entry's problem with `detail`.
    pub(crate) fn detail(self, detail: impl Into<String>) -> Problem {
        self.problem().detail(detail)
    }

    /// The entry's problem as JSON, written without serde: the body of
    /// last resort when a problem does not encode (it cannot: a problem is
    /// strings and numbers, but the server says so rather than panic).
    pub(crate) fn fallback_json(self) -> String {
        let (status, code, title) = self.entry();
        format!(
            r#"{{"type":"urn:goesgen:problem:{code}","title":"{title}","status":{status},"code":"{code}"}}"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every public code, as `codes` declares them.
    const CODES: [&str; 20] = [
        codes::INVALID_JSON,
        codes::INVALID_HEADER,
        codes::UNAUTHENTICATED,
        codes::FORBIDDEN,
        codes::UNKNOWN_METHOD,
        codes::METHOD_NOT_ALLOWED,
        codes::CONFLICT,
        codes::DUPLICATE,
        codes::KEY_REUSED,
        codes::BODY_TOO_LARGE,
        codes::UNSUPPORTED_MEDIA_TYPE,
        codes::METHOD_ERROR,
        codes::REFUSED,
        codes::INDETERMINATE,
        codes::UNSYNCED,
        codes::PROJECTION_STUCK,
        codes::INTERNAL,
        codes::LOG_UNAVAILABLE,
        codes::STORE_UNAVAILABLE,
        codes::NOT_CAUGHT_UP,
    ];

    #[test]
    fn every_code_has_an_entry_and_one_status() {
        let in_table: BTreeSet<&str> = Known::ALL.iter().map(|known| known.entry().1).collect();
        assert_eq!(in_table, CODES.into_iter().collect());
        for code in CODES {
            let statuses: BTreeSet<u16> = Known::ALL
                .iter()
                .map(|known| known.entry())
                .filter(|entry| entry.1 == code)
                .map(|entry| entry.0)
                .collect();
            assert_eq!(statuses.len(), 1, "{code}: {statuses:?}");
        }
    }

    #[test]
    fn titles_are_not_empty_and_tell_entries_apart() {
        let titles: BTreeSet<&str> = Known::ALL.iter().map(|known| known.entry().2).collect();
        assert_eq!(titles.len(), Known::ALL.len());
        assert!(!titles.contains(""));
    }

    #[test]
    fn only_a_503_asks_for_a_retry() {
        for known in Known::ALL {
            let problem = known.problem();
            assert_eq!(
                problem.members.retry_after.is_some(),
                problem.status == 503,
                "{known:?}"
            );
        }
    }

    #[test]
    fn the_fallback_body_is_the_entry_as_serde_writes_it() {
        let known = Known::Internal;
        let written: serde_json::Value = serde_json::to_value(known.problem()).unwrap();
        let fallback: serde_json::Value = serde_json::from_str(&known.fallback_json()).unwrap();
        assert_eq!(fallback, written);
    }
}
