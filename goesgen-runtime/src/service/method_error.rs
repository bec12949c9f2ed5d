//! [`MethodError`]: what a service method returns on failure, either its
//! own refusal or a store failure met while reading, so that a method can
//! use `?` on both without its error type having to wrap [`StoreError`].

use std::fmt;

use crate::service::store_error::StoreError;

/// Marks a method's own error type so that `?` and `.into()` turn it into a
/// [`MethodError::Refused`]. Implement it (it has no items) for the error
/// type of a service's methods:
///
/// ```
/// #[derive(Debug, thiserror::Error)]
/// #[error("no such account")]
/// struct NoAccount;
/// impl goesgen_runtime::service::DomainError for NoAccount {}
///
/// fn refuse() -> Result<(), goesgen_runtime::service::MethodError<NoAccount>> {
///     Err(NoAccount)?
/// }
/// assert!(matches!(refuse(), Err(goesgen_runtime::service::MethodError::Refused(NoAccount))));
/// ```
pub trait DomainError {}

/// Why a method failed: it refused (its own error), or the store failed
/// while it read. The service reports the first as
/// [`ServiceError::Method`](crate::ServiceError::Method) and the second as
/// [`ServiceError::Store`](crate::ServiceError::Store).
#[derive(Debug)]
pub enum MethodError<E> {
    /// The method refused: its own error.
    Refused(E),
    /// The store failed while the method read it.
    Store(StoreError),
}

impl<E> MethodError<E> {
    /// The same failure with the refusal converted by `f` (for a method
    /// that wraps another's).
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> MethodError<F> {
        match self {
            MethodError::Refused(error) => MethodError::Refused(f(error)),
            MethodError::Store(error) => MethodError::Store(error),
        }
    }
}

impl<E: DomainError> From<E> for MethodError<E> {
    fn from(error: E) -> Self {
        MethodError::Refused(error)
    }
}

impl<E> From<StoreError> for MethodError<E> {
    fn from(error: StoreError) -> Self {
        MethodError::Store(error)
    }
}

impl<E: fmt::Display> fmt::Display for MethodError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MethodError::Refused(error) => error.fmt(f),
            MethodError::Store(error) => error.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for MethodError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MethodError::Refused(error) => error.source(),
            MethodError::Store(error) => std::error::Error::source(error),
        }
    }
}
