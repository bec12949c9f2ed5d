//! Services of goesgen over HTTP: the axum server and the typed reqwest
//! client that the code `include_schema!` generates for each service builds
//! on. Use it through the `goesgen` crate's feature `http`, as
//! `goesgen::http`.
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
//! [`Routes::write`]); this crate does the rest. It is a crate of its own:
//! it builds on goesgen-runtime, which knows nothing of HTTP (nor of axum
//! and reqwest). From the runtime it uses the engine's results
//! and errors ([`ServiceError`](goesgen_runtime::ServiceError),
//! [`Committed`](goesgen_runtime::Committed), [`CallOptions`](goesgen_runtime::CallOptions)),
//! the log's keys and head ([`IdempotencyKey`](goesgen_runtime::IdempotencyKey),
//! [`SharedLog`](goesgen_runtime::SharedLog)), its stable hash
//! ([`Fnv1a`](goesgen_runtime::Fnv1a)) and its randomised pause
//! ([`random_below`](goesgen_runtime::service::random_below)).
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
//!
//! With the feature `openapi` (the `goesgen` crate's `http` brings it),
//! each `<Service>Service` also has `openapi()`, its OpenAPI 3.1 document
//! (see [`openapi`]), which the router serves at
//! `GET /<Service>/openapi.json` when [`HttpOptions::serve_openapi`] asks.
//!
//! The modules: [`codes`] (the stable codes), `problem` (the [`Problem`]
//! body), `known` (the one table of goesgen's own problems: status, code
//! and title), `service_error` (how a service call's error becomes a
//! problem: [`problem_of`], [`MethodProblem`]), `keys` (idempotency keys
//! and request fingerprints), `server` (routes, request decoding,
//! responses, the seen position), `client` ([`HttpClient`] and its
//! retries) and, with the feature `openapi`, [`openapi`] (the documents,
//! their problem components from `known`, the authenticator's security).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod client;
pub mod codes;
mod keys;
mod known;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
mod problem;
mod server;
mod service_error;

pub use axum::Router;
pub use axum::http::request::Parts;
pub use client::{ClientError, HttpClient, RequestOptions, RetryPolicy};
pub use keys::{WithKeyScope, log_key};
pub use problem::{Members, PROBLEM_JSON, Positions, Problem};
pub use server::{Authenticate, HttpOptions, HttpService, Routes, Written, serve, unknown_method};
pub use service_error::{MethodProblem, problem_of};

/// The header that carries a write call's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header that carries the log position a request must have seen.
pub const SEEN_POSITION: &str = "goesgen-seen-position";
/// The response header with the last position a write call appended at.
pub const POSITION: &str = "goesgen-position";
