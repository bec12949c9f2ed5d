//! What the server needs of a service and of its callers: [`HttpService`]
//! (implemented by generated code for each `<Service>Service`: its name,
//! its catch-up and its log) and [`Authenticate`] (the user's: who calls,
//! and how far their idempotency keys reach).

use std::future::Future;

use axum::http::request::Parts;
use goesgen_runtime::{Position, ServiceError, SharedLog};

use crate::problem::Problem;
use crate::service_error::MethodProblem;

/// A generated service as the HTTP server sees it: its name, how to catch
/// it up with the log, and the log. Generated code implements it for each
/// `<Service>Service` whose method error implements [`MethodProblem`].
pub trait HttpService: Send + Sync + 'static {
    /// The error of the service's methods.
    type Error: MethodProblem + Send + Sync + 'static;
    /// The service's name as in the schema (the first segment of its
    /// routes).
    const NAME: &'static str;
    /// Catches the service's store up with the log; returns the new
    /// projection version.
    fn catch_up(&self) -> impl Future<Output = Result<Position, ServiceError<Self::Error>>> + Send;
    /// The event log the service runs on.
    fn event_log(&self) -> &SharedLog;
}

/// Who calls: turns a request's head (its headers, URI, extensions) into
/// the service's context `C`, or refuses with a [`Problem`] (usually
/// [`Problem::unauthenticated`], 401, or [`Problem::forbidden`], 403).
///
/// A closure `Fn(&Parts) -> Result<C, Problem>` is one.
pub trait Authenticate<C>: Send + Sync + 'static {
    /// The caller's context, or why the request is refused.
    fn authenticate(&self, parts: &Parts) -> impl Future<Output = Result<C, Problem>> + Send;

    /// Who the caller is, for scoping idempotency keys: two callers' keys
    /// never meet. `None` (the default): keys are scoped to the service and
    /// method only. [`WithKeyScope`](crate::WithKeyScope) names the
    /// caller around any authenticator.
    fn key_scope(&self, ctx: &C) -> Option<String> {
        let _ = ctx;
        None
    }
}

impl<C, F> Authenticate<C> for F
where
    F: Fn(&Parts) -> Result<C, Problem> + Send + Sync + 'static,
    C: Send,
{
    fn authenticate(&self, parts: &Parts) -> impl Future<Output = Result<C, Problem>> + Send {
        std::future::ready(self(parts))
    }
}
