//! The `Users` service's projection in SQLite, on goesgen's `SqliteStore`
//! kit: a `users` table whose `name` is unique, and the one apply function
//! that fills it. The kit runs the transactions (`BEGIN IMMEDIATE` off the
//! async threads, `COMMIT`, `ROLLBACK` on error and when a transaction is
//! dropped unfinished) and keeps the version. In memory by default, in a
//! file when asked. Every statement goes through the connection's cache of
//! prepared statements (`prepare_cached`): parsed once, not once per event
//! or call.

use std::path::Path;

use goesgen::rusqlite::{Connection, OptionalExtension, params};
use goesgen::{Recorded, StoreError};

use crate::schema::events::UserCreated;
use crate::schema::users::UsersInSqlite;
use crate::{UserName, id};

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS users (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
";

/// The projection's tables: what the kit needs to know of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct UsersTables;

/// The store: the `users` table in goesgen's SQLite kit.
pub type UsersStore = goesgen::SqliteStore<UsersTables>;
/// A write transaction (`Deref` to the connection inside it).
pub type Write = goesgen::kits::SqliteWrite;
/// A read transaction (`Deref` to the connection inside it).
pub type Read = goesgen::kits::SqliteRead;

/// A store in a new in-memory database.
pub fn in_memory() -> Result<UsersStore, StoreError> {
    UsersStore::in_memory("users", UsersTables)?.with_schema(SCHEMA)
}

/// The store in the database file at `path`, created if missing.
pub fn open(path: impl AsRef<Path>) -> Result<UsersStore, StoreError> {
    UsersStore::open(path, "users", UsersTables)?.with_schema(SCHEMA)
}

impl UsersInSqlite for UsersTables {
    fn apply_user_created(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        // A name taken already fails the UNIQUE constraint: a refusal, and
        // the service appends nothing (or a sync stops, naming the event).
        db.prepare_cached("INSERT INTO users (id, name) VALUES (?1, ?2)")?
            .execute(params![event.id.to_string(), event.name.as_str()])?;
        Ok(())
    }
}

/// The user `id` and their name, if they exist.
pub fn user(db: &Connection, id: &id::User) -> Result<Option<UserName>, StoreError> {
    let name: Option<String> = db
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([id.to_string()], |row| row.get(0))
        .optional()?;
    name.map(|name| {
        UserName::new(name)
            .map_err(|e| StoreError::with_source(format!("user {id} in the database"), e))
    })
    .transpose()
}

/// The id of the user named `name`, if there is one.
pub fn user_named(db: &Connection, name: &UserName) -> Result<Option<id::User>, StoreError> {
    let found: Option<String> = db
        .prepare_cached("SELECT id FROM users WHERE name = ?1")?
        .query_row([name.as_str()], |row| row.get(0))
        .optional()?;
    found
        .map(|text| {
            text.parse::<id::User>().map_err(|e| {
                StoreError::with_source(format!("user id `{text}` in the database"), e)
            })
        })
        .transpose()
}

/// How many users there are.
pub fn count(db: &Connection) -> Result<u64, StoreError> {
    let count: i64 = db
        .prepare_cached("SELECT count(*) FROM users")?
        .query_row([], |row| row.get(0))?;
    Ok(count.unsigned_abs())
}
