//! The people of `tests/fixtures/people.yml` as the tests run them: the
//! generated code, the `Users` logic over any store whose transactions
//! read names ([`Names`]), and its two stores: [`People`] on the memory
//! kit (a map of rows, name and email personal) and [`UserTables`] on the
//! SQLite kit (a `users` table whose `name` is NULL once forgotten). Each
//! implements the generated `forget_user` hook, which the compiler made
//! them write.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use goesgen::kits::{MemoryRead, MemoryWrite, SqliteRead, SqliteWrite};
use goesgen::rusqlite::{Connection, OptionalExtension, params};
use goesgen::{
    MasterKey, MemoryLog, MethodError, Personal, Recorded, SharedLog, SqliteLog, SqliteOptions,
    StoreError,
};

use crate::NewUser;
use crate::id::User;
use crate::scratch::sqlite_path;

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../fixtures/people.yml");
}

use schema::events::{UserCreated, UserRenamed};
use schema::users::{
    CreateUserEvent, RenameUserEvent, UsersInMemory, UsersInSqlite, UsersMethods, UsersService,
    UsersStore,
};

/// What the `Users` methods read: a user's name, `None` when there is no
/// such user.
pub trait Names {
    /// The name of `id`.
    fn name(&mut self, id: &User) -> Result<Option<Personal<String>>, StoreError>;
}

/// Why a `Users` method refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsersError {
    /// The user exists already.
    #[error("user {0} exists already")]
    Exists(User),
    /// There is no such user.
    #[error("no user {0}")]
    NoSuchUser(User),
}

impl goesgen::DomainError for UsersError {}

#[cfg(feature = "http")]
impl goesgen::http::MethodProblem for UsersError {}

type UsersResult<T> = Result<T, MethodError<UsersError>>;

/// The `Users` logic over a store `S`.
pub struct Users<S>(PhantomData<fn() -> S>);

impl<S> Default for Users<S> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<S> UsersMethods for Users<S>
where
    S: UsersStore,
    S::Write: Names,
    S::Read: Names,
{
    type Store = S;
    type Context = ();
    type Error = UsersError;

    async fn create_user(
        &self,
        _ctx: &(),
        txn: &mut S::Write,
        input: NewUser,
    ) -> UsersResult<((), Vec<CreateUserEvent>)> {
        if txn.name(&input.id)?.is_some() {
            return Err(UsersError::Exists(input.id).into());
        }
        let event = UserCreated {
            id: input.id,
            name: input.name.into(),
            email: input.email.map(Personal::from),
        };
        Ok(((), vec![event.into()]))
    }

    async fn rename_user(
        &self,
        _ctx: &(),
        txn: &mut S::Write,
        input: NewUser,
    ) -> UsersResult<((), Vec<RenameUserEvent>)> {
        if txn.name(&input.id)?.is_none() {
            return Err(UsersError::NoSuchUser(input.id).into());
        }
        let event = UserRenamed {
            id: input.id,
            name: input.name.into(),
        };
        Ok(((), vec![event.into()]))
    }

    async fn greet(&self, _ctx: &(), txn: &mut S::Read, input: User) -> UsersResult<String> {
        // The type makes the method say what it does with a forgotten name.
        match txn.name(&input)? {
            None => Err(UsersError::NoSuchUser(input).into()),
            Some(Personal::Known(name)) => Ok(format!("Hello, {name}!")),
            Some(Personal::Forgotten) => Ok("Hello, whoever you were.".to_owned()),
        }
    }
}

/// The `Users` service over the store `S`.
pub type Service<S> = UsersService<Users<S>>;

/// A `Users` service over `store` on `log`.
pub fn service<S>(store: S, log: &SharedLog) -> Service<S>
where
    S: UsersStore,
    S::Write: Names,
    S::Read: Names,
{
    Service::new(
        Users::default(),
        store,
        log.clone(),
        goesgen::ServiceOptions::default(),
    )
}

/// The master key of the tests' logs.
fn master_key() -> MasterKey {
    MasterKey::from_bytes([7; 32])
}

/// A new log of each backend that keeps personal data keys, named: in
/// memory, and in a new SQLite file (`name` names it).
pub async fn logs(name: &str) -> Vec<(&'static str, SharedLog)> {
    let memory: SharedLog = Arc::new(MemoryLog::new().with_master_key(master_key()));
    let options = SqliteOptions {
        master_key: Some(master_key()),
        ..SqliteOptions::default()
    };
    let sqlite = SqliteLog::open_with(sqlite_path("personal", name), options)
        .await
        .expect("an SQLite log")
        .shared();
    vec![("memory log", memory), ("SQLite log", sqlite)]
}

/// The input that makes user `id` called `name`.
pub fn new_user(id: &str, name: &str, email: Option<&str>) -> NewUser {
    NewUser {
        id: User(id.to_owned()),
        name: name.to_owned(),
        email: email.map(str::to_owned),
    }
}

// ---- the memory kit -------------------------------------------------------

/// A user as [`People`] keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Their name.
    pub name: Personal<String>,
    /// Their email address, if they gave one.
    pub email: Option<Personal<String>>,
}

/// The users, in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// Each user's row.
    pub rows: BTreeMap<User, Row>,
}

/// The store of [`People`].
pub type MemoryStore = goesgen::MemoryStore<People>;

impl UsersInMemory for People {
    fn apply_user_created(
        &mut self,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        let row = Row {
            name: event.name.clone(),
            email: event.email.clone(),
        };
        self.rows.insert(event.id.clone(), row);
        Ok(())
    }

    fn apply_user_renamed(
        &mut self,
        _at: &Recorded,
        event: &UserRenamed,
    ) -> Result<(), StoreError> {
        let row = self
            .rows
            .get_mut(&event.id)
            .ok_or_else(|| StoreError::refused(format!("no user {}", event.id)))?;
        row.name = event.name.clone();
        Ok(())
    }

    fn forget_user(&mut self, _at: &Recorded, id: &User) -> Result<(), StoreError> {
        if let Some(row) = self.rows.get_mut(id) {
            row.name = Personal::Forgotten;
            row.email = row.email.take().map(|_| Personal::Forgotten);
        }
        Ok(())
    }
}

impl Names for MemoryWrite<People> {
    fn name(&mut self, id: &User) -> Result<Option<Personal<String>>, StoreError> {
        Ok(self.rows.get(id).map(|row| row.name.clone()))
    }
}

impl Names for MemoryRead<People> {
    fn name(&mut self, id: &User) -> Result<Option<Personal<String>>, StoreError> {
        Ok(self.rows.get(id).map(|row| row.name.clone()))
    }
}

// ---- the SQLite kit -------------------------------------------------------

/// The users' table: a forgotten user's `name` is NULL.
pub const USERS_TABLE: &str = "CREATE TABLE IF NOT EXISTS users (
    id   TEXT PRIMARY KEY,
    name TEXT
)";

/// The users in SQLite tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserTables;

/// The store of [`UserTables`].
pub type SqliteStore = goesgen::SqliteStore<UserTables>;

/// A new SQLite store in memory, with its table.
pub fn sqlite_store() -> SqliteStore {
    SqliteStore::in_memory("users", UserTables)
        .and_then(|store| store.with_schema(USERS_TABLE))
        .expect("an SQLite store in memory")
}

impl UsersInSqlite for UserTables {
    fn apply_user_created(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        db.execute(
            "INSERT INTO users (id, name) VALUES (?1, ?2)",
            params![event.id.0, event.name.known()],
        )?;
        Ok(())
    }

    fn apply_user_renamed(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &UserRenamed,
    ) -> Result<(), StoreError> {
        db.execute(
            "UPDATE users SET name = ?2 WHERE id = ?1",
            params![event.id.0, event.name.known()],
        )?;
        Ok(())
    }

    fn forget_user(&self, db: &Connection, _at: &Recorded, id: &User) -> Result<(), StoreError> {
        db.execute("UPDATE users SET name = NULL WHERE id = ?1", [&id.0])?;
        Ok(())
    }
}

fn name_in(db: &Connection, id: &User) -> Result<Option<Personal<String>>, StoreError> {
    let name: Option<Option<String>> = db
        .query_row("SELECT name FROM users WHERE id = ?1", [&id.0], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(name.map(|name| name.map_or(Personal::Forgotten, Personal::Known)))
}

impl Names for SqliteWrite {
    fn name(&mut self, id: &User) -> Result<Option<Personal<String>>, StoreError> {
        name_in(self, id)
    }
}

impl Names for SqliteRead {
    fn name(&mut self, id: &User) -> Result<Option<Personal<String>>, StoreError> {
        name_in(self, id)
    }
}
