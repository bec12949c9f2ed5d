//! [`CallOptions`]: what a caller can say about one call of a service
//! method beyond its input: today, the idempotency key that makes repeating
//! a write call safe.

use crate::log::{Fingerprint, IdempotencyKey};

/// Options of one call of a service method.
///
/// With an [`IdempotencyKey`], a write call (append or transaction) is
/// written at most once whatever happens: a repeat of a call whose outcome
/// was unknown ([`LogError::Indeterminate`](crate::LogError::Indeterminate),
/// [`ServiceError::Unsynced`](crate::ServiceError::Unsynced), a lost
/// connection or response) with the same key either writes the events (the
/// first call did not) or fails with
/// [`ServiceError::Duplicate`](crate::ServiceError::Duplicate) naming where
/// the first call's events are. Readonly calls ignore the key.
///
/// ```
/// use goesgen_runtime::IdempotencyKey;
/// use goesgen_runtime::service::CallOptions;
///
/// let key = IdempotencyKey::new("create-ticket-7f3a").unwrap();
/// let options = CallOptions::new().key(key.clone());
/// assert_eq!(options.idempotency_key(), Some(&key));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    pub(crate) key: Option<IdempotencyKey>,
    pub(crate) fingerprint: Option<Fingerprint>,
}

impl CallOptions {
    /// No options: what the plain service methods use.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call's idempotency key.
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The call's idempotency key, if it has one.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.key.as_ref()
    }

    /// A digest of the request (its method and input), kept with the key:
    /// a repeat of the key with another fingerprint is not the same
    /// request, and fails with
    /// [`ServiceError::KeyReused`](crate::ServiceError::KeyReused) instead
    /// of [`Duplicate`](crate::ServiceError::Duplicate). Without one (or
    /// where the first call had none) any repeat of the key is a
    /// duplicate.
    pub fn fingerprint(mut self, fingerprint: Fingerprint) -> Self {
        self.fingerprint = Some(fingerprint);
        self
    }

    /// The call's fingerprint, if it has one.
    pub fn request_fingerprint(&self) -> Option<&Fingerprint> {
        self.fingerprint.as_ref()
    }
}
