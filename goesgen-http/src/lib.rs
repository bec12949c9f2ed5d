//! Services over HTTP (feature `http`): a generated axum server and a
//! typed reqwest client per service.
//!
//! With the feature on, `include_schema!` adds to each service module:
//!
//! - `<Service>Service::router(self: Arc<Self>, auth, options)`: an axum
//!   [`Router`] with one `POST /<Service>/<Method>` route per method (the
//!   schema's names). The input is the JSON body; a readonly method
//!   answers its output, a write method a [`Written`]
//!   `{"output": ..., "positions": {"first": F, "last": L}}` and the header
//!   `Goesgen-Position: L`. Readonly methods are POST too: their input is a
//!   JSON value like any other, which a query string cannot carry
//!   faithfully, and one verb keeps the routes, the client and the error
//!   handling alike.
//! - `<Service>Client`: one async method per schema method with the same
//!   input and output types, over an [`HttpClient`].
//!
//! The generated part only lists the methods ([`Routes::readonly`],
//! [`Routes::write`]); this module does the rest.
//!
//! Headers: `Idempotency-Key` names the call for retries, scoped to the
//! service, the method and the caller where the authenticator names one,
//! and kept with a fingerprint of the request (see [`WithKeyScope`] and
//! the README's HTTP section); `Goesgen-Seen-Position: P`
//! makes the service catch up to position `P` before it answers (bounded
//! by [`HttpOptions::catch_up_timeout`], then `503 not-caught-up`), so a
//! client that wrote through one service reads its write through another.
//! Errors are [`Problem`]s (`application/problem+json`, RFC 9457) with a
//! stable `code` (see [`codes`]); the method's own errors map through
//! [`MethodProblem`]. Requests are authenticated by an [`Authenticate`].
//!
//! Every input and output type of a schema's methods must implement
//! `serde::Serialize` and `serde::Deserialize` when the feature is on.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod client;
mod keys;
mod problem;
mod server;

pub use axum::Router;
pub use axum::http::request::Parts;
pub use client::{ClientError, HttpClient, RequestOptions, RetryPolicy};
pub use keys::{WithKeyScope, log_key};
pub use problem::{Members, MethodProblem, PROBLEM_JSON, Positions, Problem, codes, problem_of};
pub use server::{Authenticate, HttpOptions, HttpService, Routes, Written, serve, unknown_method};

/// The header that carries a write call's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header that carries the log position a request must have seen.
pub const SEEN_POSITION: &str = "goesgen-seen-position";
/// The response header with the last position a write call appended at.
pub const POSITION: &str = "goesgen-position";
