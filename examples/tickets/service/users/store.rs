//! The `Users` service's projection in SQLite (rusqlite): a `users` table
//! whose `name` is unique and a one-row `projection` table holding the
//! version, changed only inside SQL transactions (`BEGIN IMMEDIATE` ...
//! `COMMIT`, or `ROLLBACK` on error, on rollback and when a transaction is
//! dropped unfinished). In memory by default, in a file when asked.
//!
//! The connection sits behind an async mutex; a transaction owns the guard,
//! so it is `Send` although a `rusqlite::Connection` is not `Sync`.

use std::path::Path;
use std::sync::Arc;

use goesgen::{Position, Recorded, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::schema::events::UserCreated;
use crate::schema::users::UsersStore as Store;
use crate::{UserName, id};

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS users (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE IF NOT EXISTS projection (
        id      INTEGER PRIMARY KEY CHECK (id = 0),
        version INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO projection (id, version) VALUES (0, 0);
";

/// The store: one SQLite connection.
#[derive(Clone)]
pub struct UsersStore {
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for UsersStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsersStore").finish_non_exhaustive()
    }
}

/// A transaction: the connection inside `BEGIN`, ended with `COMMIT` or
/// `ROLLBACK`; dropped while open, it rolls back.
pub struct Txn {
    connection: OwnedMutexGuard<Connection>,
    open: bool,
}

/// A write transaction.
pub type Write = Txn;
/// A read transaction (ended when dropped).
pub type Read = Txn;

impl Drop for Txn {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the transaction was cut off or was a
            // read; either way it must not stay open.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

impl Txn {
    /// The user `id` and their name, if they exist.
    pub fn user(&self, id: &id::User) -> Result<Option<UserName>, StoreError> {
        let name: Option<String> = self
            .connection
            .query_row(
                "SELECT name FROM users WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        name.map(|name| {
            UserName::new(name)
                .map_err(|e| StoreError::with_source(format!("user {id} in the database"), e))
        })
        .transpose()
    }

    /// The id of the user named `name`, if there is one.
    pub fn user_named(&self, name: &UserName) -> Result<Option<id::User>, StoreError> {
        let found: Option<String> = self
            .connection
            .query_row(
                "SELECT id FROM users WHERE name = ?1",
                [name.as_str()],
                |row| row.get(0),
            )
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
    pub fn count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM users", [], |row| row.get(0))?;
        Ok(count.unsigned_abs())
    }

    fn end(mut self, sql: &str) -> Result<(), StoreError> {
        self.open = false;
        if let Err(error) = self.connection.execute_batch(sql) {
            // A failed COMMIT may leave the transaction open: close it.
            let _ = self.connection.execute_batch("ROLLBACK");
            return Err(error.into());
        }
        Ok(())
    }
}

impl UsersStore {
    /// A store in a new in-memory database.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::with(Connection::open_in_memory()?)
    }

    /// The store in the database file at `path`, created if missing.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")?;
        Self::with(connection)
    }

    fn with(connection: Connection) -> Result<Self, StoreError> {
        connection.execute_batch(SCHEMA)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    async fn begin(&self, sql: &str) -> Result<Txn, StoreError> {
        let connection = self.connection.clone().lock_owned().await;
        connection.execute_batch(sql)?;
        Ok(Txn {
            connection,
            open: true,
        })
    }
}

impl Store for UsersStore {
    type Write = Write;
    type Read = Read;

    async fn begin_write(&self) -> Result<Write, StoreError> {
        self.begin("BEGIN IMMEDIATE").await
    }

    async fn begin_read(&self) -> Result<Read, StoreError> {
        self.begin("BEGIN").await
    }

    async fn commit(&self, txn: Write) -> Result<(), StoreError> {
        txn.end("COMMIT")
    }

    async fn rollback(&self, txn: Write) -> Result<(), StoreError> {
        txn.end("ROLLBACK")
    }

    async fn version(&self, txn: &mut Write) -> Result<Position, StoreError> {
        let version: i64 =
            txn.connection
                .query_row("SELECT version FROM projection", [], |row| row.get(0))?;
        Position::try_from(version)
            .map_err(|e| StoreError::with_source(format!("projection version {version}"), e))
    }

    async fn set_version(&self, txn: &mut Write, version: Position) -> Result<(), StoreError> {
        let version = i64::try_from(version)
            .map_err(|e| StoreError::with_source(format!("projection version {version}"), e))?;
        txn.connection
            .execute("UPDATE projection SET version = ?1", [version])?;
        Ok(())
    }

    async fn apply_user_created(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        // A name taken already fails the UNIQUE constraint: the store is
        // rolled back and the error names the event.
        txn.connection
            .execute(
                "INSERT INTO users (id, name) VALUES (?1, ?2)",
                params![event.id.to_string(), event.name.as_str()],
            )
            .map_err(|e| {
                StoreError::with_source(
                    format!(
                        "cannot add user {} named {:?}",
                        event.id,
                        event.name.as_str()
                    ),
                    e,
                )
            })?;
        Ok(())
    }
}
