//! The client side: [`HttpClient`] calls the methods of a service served by
//! [`Routes`](crate::Routes) (generated `<Service>Client`s wrap one),
//! with [`RequestOptions`] (the idempotency key, the seen position), and
//! retries what is safe to retry under a [`RetryPolicy`].
//!
//! Every write call carries an `Idempotency-Key` (the caller's, or a fresh
//! random one per call), and every retry of it the same key: a retry can
//! therefore never write twice. Retried: connection errors and timeouts,
//! `503` (log or store unavailable, not caught up), `409 conflict` and
//! `500 indeterminate`. A retry of a write whose first attempt did land
//! answers `409 duplicate` with the first attempt's positions: the call's
//! effect is there once, its output is not kept.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use goesgen_runtime::service::random_below;
use goesgen_runtime::{IdempotencyKey, Position};

use crate::codes;
use crate::problem::{Positions, Problem};
use crate::{IDEMPOTENCY_KEY, SEEN_POSITION};

/// How a client retries: at most `max_attempts` tries, pausing a random
/// time below a bound that starts at `first_backoff` and doubles up to
/// `max_backoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The most tries of one call (at least 1; default 5).
    pub max_attempts: u32,
    /// The bound of the first pause (default 20 ms).
    pub first_backoff: Duration,
    /// The cap of the bound (default 1 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// No retries: one try per call.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// The most tries of one call (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The bound of the first pause and the cap of the bound.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_backoff = first;
        self.max_backoff = max.max(first);
        self
    }

    /// The pause before try `attempt + 1` (after `attempt` failed tries).
    fn pause(&self, attempt: u32) -> Duration {
        let doubling = 1u32 << attempt.saturating_sub(1).min(16);
        let bound = self
            .first_backoff
            .saturating_mul(doubling)
            .min(self.max_backoff);
        random_below(bound)
    }
}

/// Options of one remote call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The call's idempotency key; a write call without one gets a fresh
    /// random key, kept across its retries.
    pub key: Option<IdempotencyKey>,
    /// The log position the service must have seen before it answers
    /// (`Goesgen-Seen-Position`): e.g. the `positions.last` of a write
    /// made through another service.
    pub seen: Option<Position>,
}

impl RequestOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call's idempotency key.
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The position the service must have seen.
    pub fn seen(mut self, position: Position) -> Self {
        self.seen = Some(position);
        self
    }
}

/// What a remote call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a problem (the method's own error, or one
    /// of goesgen's: see [`codes`]), after `attempts` tries.
    #[error("{problem}")]
    Problem {
        /// The problem.
        problem: Problem,
        /// How many tries the call took.
        attempts: u32,
    },
    /// The request could not be made or its response not read (after
    /// `attempts` tries). For a write call the outcome may be unknown:
    /// repeat it with the same key ([`RequestOptions::key`]).
    #[error("HTTP request failed after {attempts} tries")]
    Transport {
        /// How many tries the call took.
        attempts: u32,
        /// The last failure.
        #[source]
        source: reqwest::Error,
    },
    /// The input could not be encoded as JSON.
    #[error("the input could not be encoded as JSON")]
    Encode(#[source] serde_json::Error),
    /// The server's answer is not what the method returns.
    #[error("unexpected response (status {status})")]
    Decode {
        /// The response's status.
        status: u16,
        /// Why it does not decode.
        #[source]
        source: serde_json::Error,
    },
}

impl ClientError {
    /// The problem the server answered with, if it did.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Problem { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The problem's stable code, if the server answered with one.
    pub fn code(&self) -> Option<&str> {
        self.problem().map(|problem| problem.code.as_str())
    }

    /// The problem's HTTP status, if the server answered with one.
    pub fn status(&self) -> Option<u16> {
        self.problem().map(|problem| problem.status)
    }

    /// For a duplicate (or unsynced) call: where its events are.
    pub fn positions(&self) -> Option<Positions> {
        self.problem().and_then(Problem::appended_at)
    }
}

/// Whether a problem is worth another try with the same key.
fn retryable(problem: &Problem) -> bool {
    problem.status == 503
        || (problem.status == 409 && problem.code == codes::CONFLICT)
        || (problem.status == 500 && problem.code == codes::INDETERMINATE)
}

/// A client of the services served at one base URL
/// (`http://127.0.0.1:8080`). Cheap to clone; share it.
#[derive(Debug, Clone)]
pub struct HttpClient {
    http: reqwest::Client,
    base: String,
    retry: RetryPolicy,
    authorization: Option<HeaderValue>,
}

impl HttpClient {
    /// A client of the server at `base`, with a default reqwest client and
    /// [`RetryPolicy::default`].
    pub fn new(base: impl Into<String>) -> Self {
        Self::with_client(base, reqwest::Client::new())
    }

    /// A client of the server at `base` over `http` (set its timeouts,
    /// pool and default headers there).
    pub fn with_client(base: impl Into<String>, http: reqwest::Client) -> Self {
        let base: String = base.into();
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            retry: RetryPolicy::default(),
            authorization: None,
        }
    }

    /// The same client with another retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The same client sending `Authorization: Bearer <token>` (a token
    /// that is no valid header value is not sent).
    pub fn bearer(mut self, token: &str) -> Self {
        self.authorization = HeaderValue::from_str(&format!("Bearer {token}")).ok();
        self
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Calls `POST <base>/<service>/<method>` with `input`, retrying under
    /// the client's policy; `O` is the method's output (a
    /// [`Written`](crate::Written) for write methods). Generated
    /// clients call it.
    ///
    /// # Errors
    /// See [`ClientError`].
    pub async fn call<I, O>(
        &self,
        service: &str,
        method: &str,
        input: &I,
        write: bool,
        options: RequestOptions,
    ) -> Result<O, ClientError>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let body = serde_json::to_vec(input).map_err(ClientError::Encode)?;
        let url = format!("{}/{service}/{method}", self.base);
        let key = match (write, options.key) {
            (true, None) => Some(IdempotencyKey::random()),
            (_, key) => key,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
            if let Some(key) = &key {
                request = request.header(IDEMPOTENCY_KEY, key.as_str());
            }
            if let Some(seen) = options.seen {
                request = request.header(SEEN_POSITION, seen);
            }
            if let Some(authorization) = &self.authorization {
                request = request.header(AUTHORIZATION, authorization.clone());
            }
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.bytes().await {
                        Ok(bytes) if (200..300).contains(&status) => {
                            return serde_json::from_slice(&bytes)
                                .map_err(|source| ClientError::Decode { status, source });
                        }
                        Ok(bytes) => {
                            let problem = problem_from(status, &bytes);
                            if attempt >= self.retry.max_attempts || !retryable(&problem) {
                                return Err(ClientError::Problem {
                                    problem,
                                    attempts: attempt,
                                });
                            }
                            tracing::debug!(service, method, attempt, %problem, "retrying");
                            continue_after(&self.retry, attempt).await;
                            continue;
                        }
                        Err(error) => error,
                    }
                }
                Err(error) => error,
            };
            let transient = failure.is_connect() || failure.is_timeout() || failure.is_request();
            if attempt >= self.retry.max_attempts || !transient {
                return Err(ClientError::Transport {
                    attempts: attempt,
                    source: failure,
                });
            }
            tracing::debug!(service, method, attempt, error = %failure, "retrying");
            continue_after(&self.retry, attempt).await;
        }
    }
}

async fn continue_after(policy: &RetryPolicy, attempt: u32) {
    tokio::time::sleep(policy.pause(attempt)).await;
}

/// The problem of a failed response: its problem body, or one made of its
/// status and text.
fn problem_from(status: u16, bytes: &[u8]) -> Problem {
    serde_json::from_slice::<Problem>(bytes).unwrap_or_else(|_| {
        let code = format!("http-{status}");
        Problem::new(status, code, "unexpected response")
            .detail(String::from_utf8_lossy(bytes).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_stay_below_a_doubling_capped_bound() {
        let policy =
            RetryPolicy::default().backoff(Duration::from_millis(10), Duration::from_millis(40));
        for attempt in 1..10 {
            let bound = Duration::from_millis(10 * (1 << (attempt - 1)).min(4));
            assert!(policy.pause(attempt) < bound, "{attempt}");
        }
    }

    #[test]
    fn only_unavailable_conflict_and_unknown_outcomes_are_retried() {
        let problem = |status, code: &str| Problem::new(status, code, "t");
        assert!(retryable(&problem(503, codes::LOG_UNAVAILABLE)));
        assert!(retryable(&problem(503, codes::NOT_CAUGHT_UP)));
        assert!(retryable(&problem(409, codes::CONFLICT)));
        assert!(retryable(&problem(500, codes::INDETERMINATE)));
        assert!(!retryable(&problem(409, codes::DUPLICATE)));
        assert!(!retryable(&problem(422, codes::KEY_REUSED)));
        assert!(!retryable(&problem(500, codes::UNSYNCED)));
        assert!(!retryable(&problem(422, codes::METHOD_ERROR)));
        assert!(!retryable(&problem(400, codes::INVALID_JSON)));
    }

    #[test]
    fn a_body_that_is_no_problem_becomes_one() {
        let problem = problem_from(502, b"bad gateway");
        assert_eq!((problem.status, problem.code.as_str()), (502, "http-502"));
        assert_eq!(problem.detail, "bad gateway");
    }
}
