//! The inputs and outputs of the `Users` service's methods, as the schema
//! names them (`service.users.io.*`). Inputs deserialise through the domain
//! types' checks.

use serde::{Deserialize, Serialize};

use crate::{UserName, id};

/// The input of `CreateUser`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CreateUserIn {
    /// The new user's name (unique).
    pub name: UserName,
}

/// The output of `CreateUser`: the new user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CreateUserOut {
    /// The user's id.
    pub id: id::User,
    /// The user's name.
    pub name: UserName,
}

/// The output of `GetUserByID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct GetUserByIDOut {
    /// The user's id.
    pub id: id::User,
    /// The user's name.
    pub name: UserName,
}
