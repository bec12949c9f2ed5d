//! Personal data end to end, through the service generated from
//! `tests/fixtures/people.yml`: a `Users` service whose table keeps each
//! user's name (personal data of the user it names), on both store kits,
//! over both logs that keep personal data keys (memory, SQLite).
//!
//! - `sealing`: a created user's name is sealed in the log (the raw
//!   payload holds no plaintext, the user's id stays in the clear) and
//!   known to the service, its methods and a reader of the log.
//! - `forgetting`: after `forget`, the service's table dropped the name
//!   through its `forget_user` hook, other users keep theirs, and a fresh
//!   sync (a rebuild from the log) reads the name as forgotten.
//! - `postgres` (feature `postgres`, with a database): the same over the
//!   PostgreSQL log.
//! - `store_file`: the SQLite store kit's file and WAL keep no forgotten
//!   name once the sync that forgot returns (the kit's `secure_delete`
//!   and WAL truncation).
//!
//! The support is `people`: the generated code, the `Users` logic (written
//! once against any store that can read names) and its two stores.

#[path = "personal/forgetting.rs"]
mod forgetting;
#[path = "personal/people.rs"]
mod people;
#[cfg(feature = "postgres")]
#[path = "personal/postgres.rs"]
mod postgres;
#[path = "support/scratch.rs"]
mod scratch;
#[path = "personal/sealing.rs"]
mod sealing;
#[path = "personal/store_file.rs"]
mod store_file;

/// The schema's `id.User`.
pub mod id {
    use serde::{Deserialize, Serialize};

    /// A user's id: its text on the wire.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    #[serde(transparent)]
    pub struct User(pub String);

    impl std::fmt::Display for User {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }
}

/// The input of `CreateUser` and `RenameUser`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct NewUser {
    /// The user.
    pub id: id::User,
    /// Their name.
    pub name: String,
    /// Their email address, if they gave one.
    pub email: Option<String>,
}
