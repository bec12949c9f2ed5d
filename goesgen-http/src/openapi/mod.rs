//! OpenAPI 3.1 documents of services (feature `openapi`): what a program
//! in another language needs to call them. The generated
//! `<Service>Service::openapi()` lists its methods as a [`ServiceApi`]
//! (names, comments, kinds, and the input and output schemas from
//! `schemars`, through the runtime's `contracts::Describe`); [`document`]
//! builds the rest, the same for every service: one `POST
//! /<Service>/<Method>` operation per method, the `Idempotency-Key` and
//! `Goesgen-Seen-Position` headers, `{"output", "positions"}` bodies for
//! writes, and every problem response as RFC 9457 problem details,
//! described once in the components from the one table of goesgen's
//! problems (the crate's `known`).
//!
//! [`Security`] says how an authenticator is described (its scheme, and
//! which methods also serve anonymous callers); [`secure`] adds it to a
//! document, [`merge`] puts several services' documents into one. The
//! router serves its service's document at `GET /<Service>/openapi.json`
//! when [`HttpOptions::serve_openapi`](crate::HttpOptions::serve_openapi)
//! asks for it (per service, so that merged routers do not clash).
//!
//! - `document`: [`ServiceApi`], [`OperationApi`], [`document`], [`merge`]
//!   ([`MergeConflict`]).
//! - `problems`: the problem components.
//! - `security`: [`Security`], [`secure`], [`WithSecurity`].
//! - `serve`: the route `GET /<Service>/openapi.json`.

mod document;
mod problems;
mod security;
mod serve;

pub use document::{MergeConflict, OperationApi, ServiceApi, document, merge};
pub use security::{Security, WithSecurity, secure};
pub(crate) use serve::serve_document;

/// The OpenAPI version of the documents.
pub const OPENAPI_VERSION: &str = "3.1.0";
