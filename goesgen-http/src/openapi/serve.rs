//! The route `GET /<Service>/openapi.json`: the service's document, with
//! the authenticator's security, encoded once when the router is built.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::{Security, secure};
use crate::known::Known;
use crate::server::HttpService;

/// `router` with `GET /<Service>/openapi.json` answering `document()`
/// secured by `security`.
pub(crate) fn serve_document<S: HttpService>(
    router: Router,
    document: fn() -> Value,
    security: Option<Security>,
) -> Router {
    let mut document = document();
    if let Some(security) = &security {
        document = secure(document, security);
    }
    let body = serde_json::to_vec(&document)
        .map(Bytes::from)
        .map_err(|error| error.to_string());
    let path = format!("/{}/openapi.json", S::NAME);
    router.route(
        &path,
        axum::routing::get(move || {
            let body = body.clone();
            async move { respond(body) }
        }),
    )
}

fn respond(body: Result<Bytes, String>) -> Response {
    match body {
        Ok(body) => {
            let mut response = (StatusCode::OK, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(error) => Known::Internal.detail(error).into_response(),
    }
}
