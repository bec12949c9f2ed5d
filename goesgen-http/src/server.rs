//! The server side: [`Routes`] builds an axum [`Router`] from a service
//! and its methods (generated code lists them; `<Service>Service::router`
//! is the usual entry), [`Authenticate`] turns a request into the
//! service's context, [`HttpOptions`] bounds the body and the catch-up
//! wait, and [`serve`] runs a router on a listener until a shutdown
//! signal.
//!
//! Each method is `POST /<Service>/<Method>` (the schema's names), the
//! input the JSON body, the output the JSON response; write methods answer
//! `{"output": ..., "positions": {"first": F, "last": L}}` and the header
//! `Goesgen-Position: L`. Errors are [`Problem`]s.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::keys;
use crate::problem::{MethodProblem, Positions, Problem, RETRY_AFTER, codes, problem_of};
use crate::{IDEMPOTENCY_KEY, POSITION, SEEN_POSITION};
use goesgen_runtime::log::{Fingerprint, IdempotencyKey, SharedLog};
use goesgen_runtime::record::Position;
use goesgen_runtime::service::{CallOptions, Committed, ServiceError};

/// The body of a write method's response: its output and where its
/// events were appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written<O> {
    /// The method's output.
    pub output: O,
    /// Where its events were appended (for a method that emitted nothing,
    /// an empty range after the projection's version).
    pub positions: Positions,
}

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

/// How the server treats requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpOptions {
    /// The largest request body, in bytes (default 1 MiB); a larger one is
    /// `413 body-too-large`.
    pub body_limit: usize,
    /// How long a request with `Goesgen-Seen-Position` waits for the
    /// service to reach that position (default 5 s); then
    /// `503 not-caught-up`.
    pub catch_up_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            body_limit: 1 << 20,
            catch_up_timeout: Duration::from_secs(5),
        }
    }
}

impl HttpOptions {
    /// The largest request body, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long a request waits for its seen position.
    pub fn catch_up_timeout(mut self, timeout: Duration) -> Self {
        self.catch_up_timeout = timeout;
        self
    }
}

/// What every route of one service shares.
struct Shared<S, A> {
    service: Arc<S>,
    auth: A,
    options: HttpOptions,
}

/// Builds the router of one service: one `POST /<Service>/<Method>` route
/// per method, added by generated code with [`readonly`](Self::readonly)
/// and [`write`](Self::write); [`into_router`](Self::into_router) adds the
/// `404 unknown-method` and `405 method-not-allowed` fallbacks.
pub struct Routes<S, A, C> {
    shared: Arc<Shared<S, A>>,
    router: Router,
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

    /// The router, with the fallbacks: `404 unknown-method` for any other
    /// path, `405 method-not-allowed` for a method's path with another
    /// HTTP method than POST. To serve several services behind one router,
    /// merge theirs with [`Router::merge`] after
    /// [`Router::reset_fallback`] (axum keeps one fallback per router) and
    /// set [`unknown_method`] as the fallback of the result.
    pub fn into_router(self) -> Router {
        self.router
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
    Problem::new(404, codes::UNKNOWN_METHOD, "no such service or method")
        .detail(format!(
            "no method at {}; methods are POST /<Service>/<Method>",
            request.uri().path()
        ))
        .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    let mut response = Problem::new(
        405,
        codes::METHOD_NOT_ALLOWED,
        "methods are called with POST",
    )
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

/// A request taken apart: the caller, the input, and the key (scoped)
/// with the request's fingerprint.
struct Prepared<C, I> {
    ctx: C,
    input: I,
    key: Option<(IdempotencyKey, Fingerprint)>,
}

/// Everything before the call: the content type (415), the caller
/// (401/403), the headers (400), the body (413, 400), the seen position
/// (503).
async fn prepare<S, A, C, I>(
    shared: &Shared<S, A>,
    method: &str,
    request: Request,
) -> Result<Prepared<C, I>, Problem>
where
    S: HttpService,
    A: Authenticate<C>,
    I: DeserializeOwned,
{
    let (parts, body) = request.into_parts();
    let json = content_type_is_json(&parts.headers)?;
    let ctx = shared.auth.authenticate(&parts).await?;
    let key = match header_text(&parts.headers, IDEMPOTENCY_KEY)? {
        Some(text) => {
            let scope = shared.auth.key_scope(&ctx);
            Some(keys::log_key(S::NAME, method, scope.as_deref(), text)?)
        }
        None => None,
    };
    let seen = match header_text(&parts.headers, SEEN_POSITION)? {
        Some(text) => Some(text.trim().parse::<Position>().map_err(|_| {
            Problem::new(400, codes::INVALID_HEADER, "invalid Goesgen-Seen-Position")
                .detail(format!("`{text}` is not a log position"))
        })?),
        None => None,
    };
    let bytes = read_body(&parts.headers, body, shared.options.body_limit).await?;
    if !json && !bytes.is_empty() {
        return Err(unsupported_media_type());
    }
    let input = decode::<I>(&bytes)?;
    let key = match key {
        // Decoded as the input, so it is JSON.
        Some(key) => Some((key, keys::fingerprint(method, &decode(&bytes)?))),
        None => None,
    };
    if let Some(seen) = seen {
        catch_up_to(&*shared.service, seen, shared.options.catch_up_timeout).await?;
    }
    Ok(Prepared { ctx, input, key })
}

fn unsupported_media_type() -> Problem {
    Problem::new(415, codes::UNSUPPORTED_MEDIA_TYPE, "the body must be JSON")
        .detail("send the input with `Content-Type: application/json`")
}

/// Whether the request says its body is JSON; 415 if it says something
/// else (in any of its `Content-Type` headers). No content type is
/// accepted for an empty body only.
fn content_type_is_json(headers: &HeaderMap) -> Result<bool, Problem> {
    let mut json = false;
    for value in headers.get_all(header::CONTENT_TYPE) {
        let text = value.to_str().map_err(|_| unsupported_media_type())?;
        let essence = text
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
        {
            json = true;
        } else {
            return Err(unsupported_media_type().detail(format!(
                "`{text}` is not JSON; send the input with `Content-Type: application/json`"
            )));
        }
    }
    Ok(json)
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, Problem> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(Some).map_err(|_| {
            Problem::new(400, codes::INVALID_HEADER, "invalid header")
                .detail(format!("the `{name}` header is not visible ASCII"))
        }),
    }
}

fn too_large(limit: usize) -> Problem {
    Problem::new(413, codes::BODY_TOO_LARGE, "the body is too large").detail(format!(
        "the server accepts bodies of at most {limit} bytes"
    ))
}

/// The body, at most `limit` bytes (413 beyond).
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(error) => {
            let error = error.into_inner();
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*error);
            while let Some(current) = cause {
                if current.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large(limit));
                }
                cause = current.source();
            }
            Err(
                Problem::new(400, codes::INVALID_JSON, "the body could not be read")
                    .detail(error.to_string()),
            )
        }
    }
}

/// The input from the body (an empty body is JSON `null`, the input of a
/// method that takes none); 400 naming the field that failed.
fn decode<I: DeserializeOwned>(bytes: &[u8]) -> Result<I, Problem> {
    let bytes: &[u8] = if bytes.is_empty() { b"null" } else { bytes };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let invalid =
        |detail: String| Problem::new(400, codes::INVALID_JSON, "invalid input").detail(detail);
    let input: I = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        if field == "." {
            invalid(error.inner().to_string())
        } else {
            invalid(format!("at `{field}`: {}", error.inner())).field(field)
        }
    })?;
    deserializer
        .end()
        .map_err(|error| invalid(error.to_string()))?;
    Ok(input)
}

/// Waits (at most `timeout`) until the service's projection has reached
/// `seen`: catches it up, and while it is behind waits for the log's head
/// to move (or a short while, for a backend that cannot tell) and catches
/// up again. `503 not-caught-up` when time is out.
async fn catch_up_to<S: HttpService>(
    service: &S,
    seen: Position,
    timeout: Duration,
) -> Result<(), Problem> {
    let deadline = Instant::now() + timeout;
    let mut heads = service.event_log().subscribe();
    loop {
        let version = service
            .catch_up()
            .await
            .map_err(|error| problem_of(&error))?;
        if version >= seen {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Problem::new(
                503,
                codes::NOT_CAUGHT_UP,
                "the service has not reached the position yet",
            )
            .detail(format!(
                "the service is at position {version}, the request needs {seen}"
            ))
            .retry_after(RETRY_AFTER));
        }
        let wait = (deadline - now).min(Duration::from_millis(100));
        let waited = Instant::now();
        let _ = tokio::time::timeout(wait, heads.wait_for(seen)).await;
        // The head may be there before the projection can read it: do not
        // spin.
        if waited.elapsed() < Duration::from_millis(2) {
            tokio::time::sleep(Duration::from_millis(5).min(wait)).await;
        }
    }
}

/// A JSON 200 response, with `Goesgen-Position` for writes.
fn json_response<T: Serialize>(value: &T, position: Option<Position>) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(error) => {
            return Problem::new(500, codes::INTERNAL, "the output could not be encoded")
                .detail(error.to_string())
                .into_response();
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(position) = position {
        headers.insert(POSITION, HeaderValue::from(position));
    }
    response
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_names_the_field_and_refuses_trailing_text() {
        assert_eq!(decode::<String>(br#""a""#).unwrap(), "a");
        assert_eq!(decode::<()>(b"").unwrap(), ());
        let trailing = decode::<String>(br#""a" 7"#).unwrap_err();
        assert_eq!(trailing.code, codes::INVALID_JSON, "{trailing}");
        #[derive(Debug, Deserialize)]
        struct Named {
            #[allow(dead_code)]
            name: String,
        }
        let wrong = decode::<Named>(br#"{"name": 7}"#).unwrap_err();
        assert_eq!(wrong.members.field.as_deref(), Some("name"), "{wrong}");
    }
}
