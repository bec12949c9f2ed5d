//! [`Routes`]: the router of one service, one `POST /<Service>/<Method>`
//! route per method (generated code adds them), each preparing its request,
//! running the method and answering (a problem on any failure), with a log
//! line per request; the `404 unknown-method` and `405
//! method-not-allowed` fallbacks; and [`serve`], which runs a router on a
//! listener until a shutdown signal.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use goesgen_runtime::{CallOptions, Committed, ServiceError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::known::Known;
use crate::problem::Positions;
use crate::server::options::HttpOptions;
use crate::server::request::{Prepared, prepare};
use crate::server::response::{Written, json_response};
use crate::server::service::{Authenticate, HttpService};
use crate::service_error::problem_of;

/// What every route of one service shares.
pub(super) struct Shared<S, A> {
    pub(super) service: Arc<S>,
    pub(super) auth: A,
    pub(super) options: HttpOptions,
}

/// Builds the router of one service: one `POST /<Service>/<Method>` route
/// per method, added by generated code with [`readonly`](Self::readonly)
/// and [`write`](Self::write); [`into_router`](Self::into_router) adds the
/// `404 unknown-method` and `405 method-not-allowed` fallbacks.
pub struct Routes<S, A, C> {
    shared: Arc<Shared<S, A>>,
    router: Router,
    /// The service's OpenAPI document, served when the options ask.
    #[cfg(feature = "openapi")]
    document: Option<fn() -> serde_json::Value>,
    context: PhantomData<fn() -> C>,
}

impl<S, A, C> std::fmt::Debug for Routes<S, A, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl<S, A, C> Routes<S, A, C>
where
    S: HttpService,
    A: Authenticate<C>,
    C: Send + Sync + 'static,
{
    /// No routes yet, for `service` with callers told apart by `auth`.
    pub fn new(service: Arc<S>, auth: A, options: HttpOptions) -> Self {
        Self {
            shared: Arc::new(Shared {
                service,
                auth,
                options,
            }),
            router: Router::new(),
            #[cfg(feature = "openapi")]
            document: None,
            context: PhantomData,
        }
    }

    /// Adds the readonly method `method`: `call` runs it; its output is
    /// the response body.
    pub fn readonly<I, O, F, Fut>(self, method: &'static str, call: F) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize + 'static,
        F: Fn(Arc<S>, C, I) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ServiceError<S::Error>>> + Send + 'static,
    {
        self.route(method, move |service, prepared: Prepared<C, I>| {
            let call = call.clone();
            async move {
                match call(service, prepared.ctx, prepared.input).await {
                    Ok(output) => json_response(&output, None),
                    Err(error) => problem_of(&error).into_response(),
                }
            }
        })
    }

    /// Adds the write (append or transaction) method `method`: `call` runs
    /// it with the request's idempotency key; the response body is a
    /// [`Written`].
    pub fn write<I, O, E, F, Fut>(self, method: &'static str, call: F) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize + 'static,
        E: 'static,
        F: Fn(Arc<S>, C, I, CallOptions) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Committed<O, E>, ServiceError<S::Error>>> + Send + 'static,
    {
        self.route(method, move |service, prepared: Prepared<C, I>| {
            let call = call.clone();
            async move {
                let mut options = CallOptions::new();
                if let Some((key, fingerprint)) = prepared.key {
                    options = options.key(key).fingerprint(fingerprint);
                }
                match call(service, prepared.ctx, prepared.input, options).await {
                    Ok(committed) => {
                        let positions = Positions::from(&committed.appended);
                        let written = Written {
                            output: committed.output,
                            positions,
                        };
                        json_response(&written, Some(positions.last))
                    }
                    Err(error) => problem_of(&error).into_response(),
                }
            }
        })
    }

    /// Routes `POST /<Service>/<method>`: the request prepared (caller,
    /// headers, body; a problem otherwise), `respond` called with it, the
    /// response logged.
    fn route<I, F, Fut>(mut self, method: &'static str, respond: F) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        F: Fn(Arc<S>, Prepared<C, I>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        let shared = self.shared.clone();
        let handler = move |request: Request| {
            let shared = shared.clone();
            let respond = respond.clone();
            async move {
                let started = Instant::now();
                let response = match prepare::<S, A, C, I>(&shared, method, request).await {
                    Ok(prepared) => respond(shared.service.clone(), prepared).await,
                    Err(problem) => problem.into_response(),
                };
                log(S::NAME, method, &response, started);
                response
            }
        };
        self.router = self
            .router
            .route(&path::<S>(method), axum::routing::post(handler));
        self
    }

    /// The service's OpenAPI document (`<Service>Service::openapi`), which
    /// the router serves at `GET /<Service>/openapi.json` with the
    /// authenticator's security when [`HttpOptions::serve_openapi`] is on.
    #[cfg(feature = "openapi")]
    pub fn describe(mut self, document: fn() -> serde_json::Value) -> Self {
        self.document = Some(document);
        self
    }

    /// The router, with the fallbacks: `404 unknown-method` for any other
    /// path, `405 method-not-allowed` for a method's path with another
    /// HTTP method than POST. To serve several services behind one router,
    /// merge theirs with [`Router::merge`] after
    /// [`Router::reset_fallback`] (axum keeps one fallback per router) and
    /// set [`unknown_method`] as the fallback of the result.
    pub fn into_router(self) -> Router {
        #[cfg(feature = "openapi")]
        let router = match self.document {
            Some(document) if self.shared.options.serve_openapi => {
                crate::openapi::serve_document::<S>(
                    self.router,
                    document,
                    self.shared.auth.security(),
                )
            }
            _ => self.router,
        };
        #[cfg(not(feature = "openapi"))]
        let router = self.router;
        router
            .method_not_allowed_fallback(method_not_allowed)
            .fallback(unknown_method)
    }
}

/// `/<Service>/<Method>`.
fn path<S: HttpService>(method: &str) -> String {
    format!("/{}/{method}", S::NAME)
}

/// The 404 of any path that is no method.
pub async fn unknown_method(request: Request) -> Response {
    Known::UnknownMethod
        .detail(format!(
            "no method at {}; methods are POST /<Service>/<Method>",
            request.uri().path()
        ))
        .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    let mut response = Known::MethodNotAllowed
        .detail(format!("{} is not allowed; use POST", request.method()))
        .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

fn log(service: &str, method: &str, response: &Response, started: Instant) {
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    if status >= 500 {
        tracing::warn!(service, method, status, ?elapsed, "request failed");
    } else {
        tracing::debug!(service, method, status, ?elapsed, "request");
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (graceful shutdown).
///
/// # Errors
/// What accepting connections failed with.
pub async fn serve<F>(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
