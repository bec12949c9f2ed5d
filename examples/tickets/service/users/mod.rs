//! The `Users` service: users and their unique names, in an SQLite database
//! (`store`), created and looked up by `methods`.

pub mod io;
pub mod methods;
pub mod store;

pub use methods::{Users, UsersError};
pub use store::UsersStore;

/// The `Users` service as the example runs it.
pub type UsersService = crate::schema::users::UsersService<Users>;
