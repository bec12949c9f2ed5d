//! [`Security`]: how a router's authenticator is described in an OpenAPI
//! document (a security scheme the user names, and the methods that also
//! serve anonymous callers); [`secure`] adds it to a document;
//! [`WithSecurity`] gives it to an authenticator.

use std::collections::BTreeSet;
use std::future::Future;

use axum::http::request::Parts;
use serde_json::{Value, json};

use crate::problem::Problem;
use crate::server::Authenticate;

/// An authenticator as OpenAPI describes it: a security scheme under a
/// name, required by every operation but those that also serve anonymous
/// callers.
///
/// ```
/// use goesgen_http::openapi::Security;
///
/// let security = Security::new("bearer", serde_json::json!({"type": "http", "scheme": "bearer"}))
///     .anonymous_service("Users");
/// assert!(!security.requires("Users", "CreateUser"));
/// assert!(security.requires("Tickets", "CreateTicket"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Security {
    name: String,
    scheme: Value,
    anonymous_services: BTreeSet<String>,
    anonymous_methods: BTreeSet<(String, String)>,
}

impl Security {
    /// The security scheme object `scheme` (OpenAPI's, e.g.
    /// `{"type": "http", "scheme": "bearer"}`) under `name`.
    pub fn new(name: impl Into<String>, scheme: Value) -> Self {
        Self {
            name: name.into(),
            scheme,
            anonymous_services: BTreeSet::new(),
            anonymous_methods: BTreeSet::new(),
        }
    }

    /// The HTTP bearer scheme (`Authorization: Bearer <token>`) under
    /// `name`, described by `description`.
    pub fn bearer(name: impl Into<String>, description: &str) -> Self {
        Self::new(
            name,
            json!({"type": "http", "scheme": "bearer", "description": description}),
        )
    }

    /// Every method of `service` also serves anonymous callers.
    pub fn anonymous_service(mut self, service: &str) -> Self {
        self.anonymous_services.insert(service.to_owned());
        self
    }

    /// `service`'s `method` also serves anonymous callers.
    pub fn anonymous_method(mut self, service: &str, method: &str) -> Self {
        self.anonymous_methods
            .insert((service.to_owned(), method.to_owned()));
        self
    }

    /// The scheme's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `service`'s `method` needs the scheme's credentials.
    pub fn requires(&self, service: &str, method: &str) -> bool {
        !self.anonymous_services.contains(service)
            && !self
                .anonymous_methods
                .contains(&(service.to_owned(), method.to_owned()))
    }
}

/// `document` with `security`: its scheme under `components.securitySchemes`
/// and on each operation (`x-goesgen-service` and `x-goesgen-method` name
/// it) the requirement: the scheme, or for one that also serves anonymous
/// callers, the scheme or nothing.
pub fn secure(mut document: Value, security: &Security) -> Value {
    document["components"]["securitySchemes"][&security.name] = security.scheme.clone();
    let Some(paths) = document["paths"].as_object_mut() else {
        return document;
    };
    for item in paths.values_mut() {
        let Some(operation) = item.get_mut("post") else {
            continue;
        };
        let (Some(service), Some(method)) = (
            operation["x-goesgen-service"].as_str(),
            operation["x-goesgen-method"].as_str(),
        ) else {
            continue;
        };
        let scheme = json!({ security.name.as_str(): [] });
        operation["security"] = if security.requires(service, method) {
            json!([scheme])
        } else {
            json!([{}, scheme])
        };
    }
    document
}

/// An authenticator described by a [`Security`]: `auth` decides who
/// calls (and names them for keys), the router's OpenAPI document says
/// `security`.
#[derive(Debug, Clone)]
pub struct WithSecurity<A> {
    auth: A,
    security: Security,
}

impl<A> WithSecurity<A> {
    /// `auth`, described by `security`.
    pub fn new(auth: A, security: Security) -> Self {
        Self { auth, security }
    }
}

impl<C, A: Authenticate<C>> Authenticate<C> for WithSecurity<A> {
    fn authenticate(&self, parts: &Parts) -> impl Future<Output = Result<C, Problem>> + Send {
        self.auth.authenticate(parts)
    }

    fn key_scope(&self, ctx: &C) -> Option<String> {
        self.auth.key_scope(ctx)
    }

    fn security(&self) -> Option<Security> {
        Some(self.security.clone())
    }
}
