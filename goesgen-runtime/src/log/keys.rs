//! Idempotency keys and the fingerprints kept with them: checked text of
//! bounded length ([`IdempotencyKey`], [`Fingerprint`], [`MAX_KEY_BYTES`],
//! [`MAX_FINGERPRINT_BYTES`]).

use std::fmt;
use std::sync::Arc;

use crate::error::LogError;

/// The longest idempotency key, in bytes.
pub const MAX_KEY_BYTES: usize = 200;

/// The longest [`Fingerprint`], in bytes.
pub const MAX_FINGERPRINT_BYTES: usize = 64;

/// Text of 1 to `max` bytes without control characters, or
/// [`LogError::Config`] naming `what` it was for.
fn checked_text(what: &str, text: String, max: usize) -> Result<Arc<str>, LogError> {
    if text.is_empty() || text.len() > max {
        return Err(LogError::Config(format!(
            "{what} must be 1 to {max} bytes long, not {}",
            text.len()
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(LogError::Config(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(text.into())
}

/// A caller's digest of the request an [`IdempotencyKey`] was first used
/// with, kept with the key, so that a repeat of the request can be told
/// from a reuse of the key for another request.
///
/// Opaque text of 1 to [`MAX_FINGERPRINT_BYTES`] bytes without control
/// characters (a hash in hex or base64, with an algorithm prefix if the
/// caller likes); the log only stores and returns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(Arc<str>);

impl Fingerprint {
    /// A fingerprint from the caller's text; [`LogError::Config`] if it is
    /// empty, longer than [`MAX_FINGERPRINT_BYTES`] or has control
    /// characters.
    pub fn new(text: impl Into<String>) -> Result<Self, LogError> {
        checked_text("a fingerprint", text.into(), MAX_FINGERPRINT_BYTES).map(Self)
    }

    /// The fingerprint's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A caller's name for one append, so that repeating the append after an
/// unknown outcome writes it at most once.
///
/// A key is 1 to [`MAX_KEY_BYTES`] bytes of text without control
/// characters. Every backend stores the keys of the appends that carried
/// one, under a unique constraint, for as long as the log keeps its
/// events: a key is never forgotten, so never reuse one for another
/// operation. [`IdempotencyKey::random`] makes a fresh one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    /// A key from the caller's text; [`LogError::Config`] if it is empty,
    /// longer than [`MAX_KEY_BYTES`] or has control characters.
    pub fn new(key: impl Into<String>) -> Result<Self, LogError> {
        checked_text("an idempotency key", key.into(), MAX_KEY_BYTES).map(Self)
    }

    /// A fresh key: a UUID v7, unique (74 random bits) and ordered by
    /// time, so that a log's table of keys grows at its end instead of
    /// at random places (with random keys, each key of a batch dirties a
    /// page of its own: 64 keyed calls per commit on durable SQLite ran
    /// at 0.63× of unkeyed ones, time-ordered keys at 0.9×).
    pub fn random() -> Self {
        Self(uuid::Uuid::now_v7().to_string().into())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
