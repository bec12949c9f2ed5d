//! A request taken apart before its method runs: the content type (415),
//! the caller (401/403), the headers (400), the body (413, 400) decoded as
//! the method's input (400 naming the field that failed), the idempotency
//! key scoped and fingerprinted, and the seen position waited for (503).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use goesgen_runtime::{Fingerprint, IdempotencyKey};
use serde::de::DeserializeOwned;

use crate::keys;
use crate::known::Known;
use crate::problem::Problem;
use crate::server::routes::Shared;
use crate::server::seen::{catch_up_to, parse_seen};
use crate::server::service::{Authenticate, HttpService};
use crate::{IDEMPOTENCY_KEY, SEEN_POSITION};

/// A request taken apart: the caller, the input, and the key (scoped)
/// with the request's fingerprint.
pub(super) struct Prepared<C, I> {
    pub(super) ctx: C,
    pub(super) input: I,
    pub(super) key: Option<(IdempotencyKey, Fingerprint)>,
}

/// Everything before the call: the content type (415), the caller
/// (401/403), the headers (400), the body (413, 400), the seen position
/// (503).
pub(super) async fn prepare<S, A, C, I>(
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
        Some(text) => Some(parse_seen(text)?),
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
    Known::UnsupportedMediaType.detail("send the input with `Content-Type: application/json`")
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
            Known::InvalidHeader.detail(format!("the `{name}` header is not visible ASCII"))
        }),
    }
}

fn too_large(limit: usize) -> Problem {
    Known::BodyTooLarge.detail(format!(
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
            Err(Known::UnreadableBody.detail(error.to_string()))
        }
    }
}

/// The input from the body (an empty body is JSON `null`, the input of a
/// method that takes none); 400 naming the field that failed.
fn decode<I: DeserializeOwned>(bytes: &[u8]) -> Result<I, Problem> {
    let bytes: &[u8] = if bytes.is_empty() { b"null" } else { bytes };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let invalid = |detail: String| Known::InvalidInput.detail(detail);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use serde::Deserialize;

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
