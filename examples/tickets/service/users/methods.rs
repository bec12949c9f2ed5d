//! The business logic of the `Users` service: `CreateUser` (a name is
//! unique) and `GetUserByID`.

use goesgen::{DomainError, MethodError};

use super::io::{CreateUserIn, CreateUserOut, GetUserByIDOut};
use super::store::{self, Read, UsersStore, Write};
use crate::auth::Caller;
use crate::id;
use crate::schema::events::UserCreated;
use crate::schema::users::{CreateUserEvent, UsersMethods};

/// Why the `Users` service refused a call.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// Another user has the name.
    #[error("the name {name:?} is taken by user {by}")]
    NameTaken {
        /// The name.
        name: String,
        /// The user who has it.
        by: id::User,
    },
    /// No user has the id.
    #[error("user {0} not found")]
    NotFound(id::User),
}

impl DomainError for UsersError {}

/// The `Users` service's methods.
#[derive(Debug, Clone, Copy, Default)]
pub struct Users;

impl UsersMethods for Users {
    type Store = UsersStore;
    type Context = Caller;
    type Error = UsersError;

    async fn get_user_by_id(
        &self,
        _ctx: &Caller,
        txn: &mut Read,
        input: id::User,
    ) -> Result<GetUserByIDOut, MethodError<UsersError>> {
        let name = store::user(txn, &input)?.ok_or(UsersError::NotFound(input))?;
        Ok(GetUserByIDOut { id: input, name })
    }

    async fn create_user(
        &self,
        _ctx: &Caller,
        txn: &mut Write,
        input: CreateUserIn,
    ) -> Result<(CreateUserOut, Vec<CreateUserEvent>), MethodError<UsersError>> {
        if let Some(by) = store::user_named(txn, &input.name)? {
            return Err(UsersError::NameTaken {
                name: input.name.into(),
                by,
            }
            .into());
        }
        let out = CreateUserOut {
            id: id::User::new(),
            name: input.name,
        };
        let event = UserCreated {
            id: out.id,
            name: out.name.clone(),
        };
        Ok((out, vec![event.into()]))
    }
}
