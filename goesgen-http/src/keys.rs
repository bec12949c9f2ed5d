//! Idempotency keys over HTTP, as the IETF `Idempotency-Key` draft
//! describes them: a key is the client's for one request to one method.
//!
//! The server scopes the header's key to the service, the method and, where
//! the authenticator names one ([`Authenticate::key_scope`], or
//! [`WithKeyScope`] around any authenticator), the caller: the same text
//! from another caller or for another method is another key. It keeps a
//! fingerprint of the request (the method and its JSON input, with object
//! members in a fixed order) with the key, so a repeat that asks for
//! something else is told apart from a true repeat (`422 key-reused`).

use std::hash::Hasher;

use axum::http::request::Parts;

use goesgen_runtime::{Fingerprint, Fnv1a, IdempotencyKey, MAX_KEY_BYTES};

use crate::known::Known;
use crate::problem::Problem;
use crate::server::Authenticate;

/// An authenticator that also names the caller for scoping idempotency
/// keys: `auth` decides who calls, `scope` names them (a user id), so that
/// two callers' keys never meet.
///
/// ```
/// use goesgen_http::{Parts, Problem, WithKeyScope};
///
/// fn user(parts: &Parts) -> Result<String, Problem> {
///     Ok(parts.headers.get("x-user").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned())
/// }
/// let auth = WithKeyScope::new(user, |user: &String| Some(user.clone()));
/// # let _ = auth;
/// ```
#[derive(Debug, Clone)]
pub struct WithKeyScope<A, F> {
    auth: A,
    scope: F,
}

impl<A, F> WithKeyScope<A, F> {
    /// `auth`, with `scope` naming the caller of each request.
    pub fn new(auth: A, scope: F) -> Self {
        Self { auth, scope }
    }
}

impl<C, A, F> Authenticate<C> for WithKeyScope<A, F>
where
    A: Authenticate<C>,
    F: Fn(&C) -> Option<String> + Send + Sync + 'static,
{
    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl std::future::Future<Output = Result<C, Problem>> + Send {
        self.auth.authenticate(parts)
    }

    fn key_scope(&self, ctx: &C) -> Option<String> {
        (self.scope)(ctx)
    }

    #[cfg(feature = "openapi")]
    fn security(&self) -> Option<crate::openapi::Security> {
        self.auth.security()
    }
}

/// Where the server keeps an `Idempotency-Key` header's `key` sent to
/// `service`'s `method` by the caller its authenticator named `scope`
/// ([`Authenticate::key_scope`]): the log's key `service/method/caller/key`,
/// the caller as a hash (its name may be long, or personal). Look a
/// request up in the log with it ([`EventLog::find_key`]). A key that
/// does not fit the log's [`MAX_KEY_BYTES`] then is `400 invalid-header`.
///
/// [`EventLog::find_key`]: goesgen_runtime::EventLog::find_key
pub fn log_key(
    service: &str,
    method: &str,
    scope: Option<&str>,
    key: &str,
) -> Result<IdempotencyKey, Problem> {
    let caller = match scope {
        Some(scope) => {
            let mut hasher = Fnv1a::default();
            hasher.write(scope.as_bytes());
            format!("{:016x}", hasher.finish())
        }
        None => "-".to_owned(),
    };
    let text = format!("{service}/{method}/{caller}/{key}");
    if text.len() > MAX_KEY_BYTES {
        let room = MAX_KEY_BYTES - (text.len() - key.len());
        return Err(invalid(format!(
            "an Idempotency-Key for {service}/{method} must be at most {room} bytes long"
        )));
    }
    IdempotencyKey::new(text).map_err(|error| invalid(error.to_string()))
}

fn invalid(detail: String) -> Problem {
    Known::InvalidIdempotencyKey.detail(detail)
}

/// The fingerprint of a request: the method and a hash of its JSON input
/// (objects' members in sorted order, so the same input spelled with
/// other spacing or member order is the same request).
pub(crate) fn fingerprint(method: &str, input: &serde_json::Value) -> Fingerprint {
    let mut hasher = Fnv1a::default();
    hash_value(input, &mut hasher);
    let text = format!("{method}:{:016x}", hasher.finish());
    let text = if text.len() > 64 {
        format!("{:016x}", {
            let mut whole = Fnv1a::default();
            whole.write(text.as_bytes());
            whole.finish()
        })
    } else {
        text
    };
    Fingerprint::new(text).unwrap_or_else(|_| unreachable!("a method name and hex digits"))
}

/// Feeds `value` to `hasher`, every part tagged and length-prefixed so
/// that different values cannot feed the same bytes.
fn hash_value(value: &serde_json::Value, hasher: &mut Fnv1a) {
    use serde_json::Value;
    let text = |hasher: &mut Fnv1a, text: &str| {
        hasher.write_u64(text.len() as u64);
        hasher.write(text.as_bytes());
    };
    match value {
        Value::Null => hasher.write_u8(0),
        Value::Bool(b) => {
            hasher.write_u8(1);
            hasher.write_u8(u8::from(*b));
        }
        Value::Number(number) => {
            hasher.write_u8(2);
            text(hasher, &number.to_string());
        }
        Value::String(string) => {
            hasher.write_u8(3);
            text(hasher, string);
        }
        Value::Array(items) => {
            hasher.write_u8(4);
            hasher.write_u64(items.len() as u64);
            for item in items {
                hash_value(item, hasher);
            }
        }
        Value::Object(members) => {
            hasher.write_u8(5);
            hasher.write_u64(members.len() as u64);
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (name, member) in sorted {
                text(hasher, name);
                hash_value(member, hasher);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use serde_json::json;

    #[test]
    fn a_key_is_scoped_to_its_service_method_and_caller() {
        let key = |method, scope| log_key("Users", method, scope, "k-1").unwrap();
        assert_eq!(key("CreateUser", None).as_str(), "Users/CreateUser/-/k-1");
        assert_ne!(key("CreateUser", None), key("CloseTicket", None));
        assert_ne!(
            key("CreateUser", Some("ann")),
            key("CreateUser", Some("bob"))
        );
        assert_ne!(key("CreateUser", Some("ann")), key("CreateUser", None));
        assert_eq!(
            key("CreateUser", Some("ann")),
            key("CreateUser", Some("ann"))
        );
    }

    #[test]
    fn a_key_too_long_for_its_scope_is_a_bad_header() {
        let long = "k".repeat(MAX_KEY_BYTES);
        let problem = log_key("Users", "CreateUser", Some("ann"), &long).unwrap_err();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (400, codes::INVALID_HEADER)
        );
    }

    #[test]
    fn the_fingerprint_tells_inputs_and_methods_apart_but_not_member_order() {
        let a = json!({"name": "ann", "age": 3});
        let b: serde_json::Value = serde_json::from_str(r#"{ "age":3,"name":"ann" }"#).unwrap();
        assert_eq!(fingerprint("M", &a), fingerprint("M", &b));
        assert_ne!(fingerprint("M", &a), fingerprint("N", &a));
        assert_ne!(
            fingerprint("M", &a),
            fingerprint("M", &json!({"name": "ann", "age": 4}))
        );
        assert_ne!(
            fingerprint("M", &json!(["ab"])),
            fingerprint("M", &json!(["a", "b"]))
        );
        assert_ne!(fingerprint("M", &json!("1")), fingerprint("M", &json!(1)));
        assert!(fingerprint(&"M".repeat(80), &a).as_str().len() <= 64);
    }
}
