//! What the server needs of a service and of its callers: [`HttpService`]
//! (its name, its catch-up and its log; implemented once here for every
//! generated `<Service>Service`, which derefs to the runtime's
//! [`Runner`]) and [`Authenticate`] (the user's: who calls, and how far
//! their idempotency keys reach).

use std::future::Future;
use std::ops::Deref;

use axum::http::request::Parts;
use goesgen_runtime::service::{Dispatch, Runner};
use goesgen_runtime::{Position, ServiceError, SharedLog};

use crate::problem::Problem;
use crate::service_error::MethodProblem;

/// A generated service as the HTTP server sees it: its name, how to catch
/// it up with the log, and the log. Every type that derefs to a
/// [`Runner`] (each generated `<Service>Service`) whose method error
/// implements [`MethodProblem`] is one.
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

impl<T, D, E> HttpService for T
where
    T: Deref<Target = Runner<D, E>> + Send + Sync + 'static,
    D: Dispatch,
    E: MethodProblem + Send + Sync + 'static,
{
    type Error = E;
    const NAME: &'static str = D::SERVICE;

    fn catch_up(&self) -> impl Future<Output = Result<Position, ServiceError<E>>> + Send {
        Runner::sync(self)
    }

    fn event_log(&self) -> &SharedLog {
        Runner::log(self)
    }
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

    /// How the authenticator is described in the OpenAPI document the
    /// router serves (feature `openapi`): `None` (the default) describes
    /// no security.
    #[cfg(feature = "openapi")]
    fn security(&self) -> Option<crate::openapi::Security> {
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
