//! The server side: [`Routes`] builds an axum [`Router`](axum::Router)
//! from a service and its methods (generated code lists them;
//! `<Service>Service::router` is the usual entry), [`Authenticate`] turns a
//! request into the service's context, [`HttpOptions`] bounds the body and
//! the catch-up wait, and [`serve`] runs a router on a listener until a
//! shutdown signal.
//!
//! Each method is `POST /<Service>/<Method>` (the schema's names), the
//! input the JSON body, the output the JSON response; write methods answer
//! `{"output": ..., "positions": {"first": F, "last": L}}` and the header
//! `Goesgen-Position: L`. Errors are [`Problem`](crate::Problem)s.
//!
//! - `service`: what the server needs of a service ([`HttpService`]) and
//!   of its callers ([`Authenticate`]).
//! - `options`: [`HttpOptions`].
//! - `routes`: [`Routes`], the fallbacks and [`serve`].
//! - `request`: a request taken apart (content type, caller, headers,
//!   body, input, key).
//! - `seen`: the seen position and the wait for it.
//! - `response`: a success as JSON, [`Written`] for write methods.

mod options;
mod request;
mod response;
mod routes;
mod seen;
mod service;

pub use options::HttpOptions;
pub use response::Written;
pub use routes::{Routes, serve, unknown_method};
pub use service::{Authenticate, HttpService};
