//! The stable codes of the problems goesgen's server answers with, for
//! programs to match on (a problem's `code`, and the last segment of its
//! `type`, `urn:goesgen:problem:<code>`); the method's own errors add
//! theirs through [`MethodProblem`](crate::MethodProblem). Each code's
//! status and title are in one table, the crate's `known` module.

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
