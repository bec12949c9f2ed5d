//! [`HttpOptions`]: how the server treats requests (the largest body, how
//! long a request waits for the position it has seen).

use std::time::Duration;

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
    /// Whether the router also serves its service's OpenAPI document at
    /// `GET /<Service>/openapi.json` (feature `openapi`; default off).
    pub serve_openapi: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            body_limit: 1 << 20,
            catch_up_timeout: Duration::from_secs(5),
            serve_openapi: false,
        }
    }
}

impl HttpOptions {
    /// The largest request body, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Whether the router serves its service's OpenAPI document at
    /// `GET /<Service>/openapi.json` (feature `openapi`), with the
    /// authenticator's [`security`](crate::Authenticate::security).
    pub fn serve_openapi(mut self, serve: bool) -> Self {
        self.serve_openapi = serve;
        self
    }

    /// How long a request waits for its seen position.
    pub fn catch_up_timeout(mut self, timeout: Duration) -> Self {
        self.catch_up_timeout = timeout;
        self
    }
}
