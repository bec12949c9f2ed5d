//! Who is calling: the context every service method gets. A real system
//! would fill it from a session or a token; the example and its tests name
//! the user directly.

use crate::id;

/// The caller of a service method: an authenticated user, or nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Caller {
    /// Not authenticated.
    #[default]
    Anonymous,
    /// The authenticated user.
    User(id::User),
}

/// A method that needs a user was called anonymously.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unauthenticated: this method needs a signed-in user")]
pub struct Unauthenticated;

impl Caller {
    /// The authenticated user, or [`Unauthenticated`].
    pub fn user(&self) -> Result<id::User, Unauthenticated> {
        match self {
            Caller::User(user) => Ok(*user),
            Caller::Anonymous => Err(Unauthenticated),
        }
    }
}
