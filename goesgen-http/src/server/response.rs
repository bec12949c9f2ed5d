//! What a method answers with when it succeeds: its output as JSON, and
//! for a write method a [`Written`] (the output and the positions of its
//! events) with the header `Goesgen-Position`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use goesgen_runtime::Position;
use serde::{Deserialize, Serialize};

use crate::POSITION;
use crate::known::Known;
use crate::problem::Positions;

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

/// A JSON 200 response, with `Goesgen-Position` for writes.
pub(super) fn json_response<T: Serialize>(value: &T, position: Option<Position>) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(error) => {
            return Known::UnencodableOutput
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
