//! [`SqliteStore`]: a projection kept in tables of an SQLite database of the
//! user's, through rusqlite (re-exported as `goesgen::rusqlite`: a store
//! must use that version, since both link the native SQLite).
//!
//! One write connection behind an async lock: a write transaction owns it
//! inside `BEGIN IMMEDIATE`, which (with its busy wait) and `COMMIT` (with
//! its fsync) run on the blocking pool, never on an async worker thread.
//! The lock's guard is wrapped at once in a `WriteTurn`, which rolls back
//! the transaction still open when it is dropped, whoever drops it: a
//! transaction dropped unfinished, a blocking pool dropping the result of
//! work whose caller was cancelled (a `BEGIN IMMEDIATE` that succeeded
//! after its `begin` was dropped), a failed `COMMIT`. So the connection
//! never goes back to the lock inside a transaction (`transaction`: the
//! transactions). The projection version and fingerprint are a row of
//! `goesgen_projection (name, version, fingerprint)` (`version`), so
//! several stores can share a database under different names. Reads on a
//! database file use pooled read connections (WAL snapshots that never wait
//! for the writer); an in-memory database reads through the write
//! connection.
//!
//! A store given its DDL ([`SqliteStore::with_schema`]) can be rebuilt
//! (`rebuild`): in place (its tables dropped and created again inside a
//! write transaction) or beside (built in a new file next to its own, then
//! copied in inside one write transaction); `schema` learns which tables
//! are the projection's.
//!
//! Every connection keeps [`SQLITE_STATEMENT_CACHE`] prepared statements:
//! the kit runs its own (`BEGIN IMMEDIATE`, `COMMIT`, the version's)
//! through that cache, and apply functions and methods should too
//! (`db.prepare_cached(sql)?.execute(..)` rather than `db.execute(sql,
//! ..)`, which parses the SQL on every event).

mod rebuild;
mod schema;
mod transaction;
mod version;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use rusqlite::Connection;
use tokio::sync::{Mutex, OwnedMutexGuard};

use self::transaction::{ReadConnection, WriteTurn};
pub use self::transaction::{SqliteRead, SqliteWrite};
use crate::kits::sqlite_error::sqlite_kind;
use crate::record::Position;
use crate::service::{StoreError, StoreErrorKind, StoreFingerprint};
use crate::sqlite::idle::IdleConnections;
use crate::store::Store;

/// The most idle read connections kept.
const MAX_IDLE_READERS: usize = 4;

/// How many prepared statements each of the store's connections keeps for
/// `prepare_cached` (rusqlite keeps 16): room for the apply functions'
/// and the methods' statements of a service with many events, beside the
/// kit's own, so that none is parsed again per event.
pub const SQLITE_STATEMENT_CACHE: usize = 256;

/// A projection in SQLite tables, with the apply functions `T` (the user's
/// value implementing the generated `<Service>InSqlite` trait). See the
/// [kits](crate::kits).
pub struct SqliteStore<T> {
    /// Shared with the stores rebuilt beside this one.
    tables: Arc<T>,
    shared: Arc<Shared>,
}

struct Shared {
    name: String,
    write: Arc<Mutex<Connection>>,
    /// `None` for an in-memory database: reads use the write connection.
    readers: Option<Readers>,
    /// The DDL given by [`SqliteStore::with_schema`] (empty if none was):
    /// what a rebuild creates again.
    schema: std::sync::Mutex<String>,
    /// Held by the store built beside this one, while it lives: one
    /// rebuild at a time.
    rebuilding: Arc<Mutex<()>>,
    /// For a store built beside another: that one's `rebuilding`.
    building: Option<OwnedMutexGuard<()>>,
}

struct Readers {
    path: PathBuf,
    idle: IdleConnections,
}

impl<T> Clone for SqliteStore<T> {
    fn clone(&self) -> Self {
        Self {
            tables: Arc::clone(&self.tables),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for SqliteStore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("name", &self.shared.name)
            .finish_non_exhaustive()
    }
}

fn sql_error(doing: &str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |error| {
        StoreError::of(sqlite_kind(&error), format!("SQLite store: {doing}")).caused_by(error)
    }
}

impl<T> SqliteStore<T> {
    /// The store `name` in the database file at `path` (created if
    /// missing, switched to WAL), with the apply functions `tables`.
    pub fn open(path: impl AsRef<Path>, name: &str, tables: T) -> Result<Self, StoreError> {
        Self::open_with(path.as_ref(), name, Arc::new(tables))
    }

    /// [`open`](Self::open) with apply functions shared with another store.
    fn open_with(path: &Path, name: &str, tables: Arc<T>) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let write = Connection::open(&path).map_err(sql_error("opening the database"))?;
        write
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(sql_error("setting up the database"))?;
        Self::with(
            write,
            name,
            tables,
            Some(Readers {
                path,
                idle: IdleConnections::new(MAX_IDLE_READERS),
            }),
        )
    }

    /// The store `name` in a new in-memory database, with the apply
    /// functions `tables`.
    pub fn in_memory(name: &str, tables: T) -> Result<Self, StoreError> {
        Self::in_memory_with(name, Arc::new(tables))
    }

    /// [`in_memory`](Self::in_memory) with apply functions shared with
    /// another store.
    fn in_memory_with(name: &str, tables: Arc<T>) -> Result<Self, StoreError> {
        let write = Connection::open_in_memory().map_err(sql_error("opening the database"))?;
        Self::with(write, name, tables, None)
    }

    fn with(
        write: Connection,
        name: &str,
        tables: Arc<T>,
        readers: Option<Readers>,
    ) -> Result<Self, StoreError> {
        write.set_prepared_statement_cache_capacity(SQLITE_STATEMENT_CACHE);
        // What a forget hook deletes is overwritten, not left in free space.
        write
            .pragma_update(None, "secure_delete", true)
            .map_err(sql_error("setting up the database"))?;
        version::ensure_table(&write)?;
        Ok(Self {
            tables,
            shared: Arc::new(Shared {
                name: name.to_owned(),
                write: Arc::new(Mutex::new(write)),
                readers,
                schema: std::sync::Mutex::new(String::new()),
                rebuilding: Arc::new(Mutex::new(())),
                building: None,
            }),
        })
    }

    /// Runs `sql` (the projection's `CREATE TABLE IF NOT EXISTS ...`) on the
    /// new store's database, while nothing else uses it, and keeps it: a
    /// rebuild ([`Store::clear`], [`Store::beside`]) drops what it creates
    /// and runs it again, so it must create every table, index, view and
    /// trigger the projection uses and nothing else (other stores' tables
    /// in the same database are left alone), and run again on a database
    /// that has them (`IF NOT EXISTS`). Called again, the store keeps both.
    /// `sql` must not leave a transaction open (one left open is rolled
    /// back, an error).
    pub fn with_schema(self, sql: &str) -> Result<Self, StoreError> {
        let turn = Arc::clone(&self.shared.write)
            .try_lock_owned()
            .map(WriteTurn)
            .map_err(|_| {
                StoreError::of(
                    StoreErrorKind::Unavailable,
                    "SQLite store: the schema is set up while the store is in use",
                )
            })?;
        turn.execute_batch(sql)
            .map_err(sql_error("creating the projection's tables"))?;
        turn.no_transaction_left("creating the projection's tables")?;
        let mut schema = self
            .shared
            .schema
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !schema.is_empty() {
            schema.push_str(";\n");
        }
        schema.push_str(sql);
        drop(schema);
        Ok(self)
    }

    /// The DDL given by [`with_schema`](Self::with_schema) (empty if none
    /// was).
    fn schema_sql(&self) -> String {
        self.shared
            .schema
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The write connection, once the open transaction (if any) ended.
    async fn write_turn(&self) -> WriteTurn {
        WriteTurn(Arc::clone(&self.shared.write).lock_owned().await)
    }

    /// The apply functions.
    pub fn tables(&self) -> &T {
        &self.tables
    }

    /// The store's name (its row in `goesgen_projection`).
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Runs `setup` on the write connection outside any transaction
    /// (waiting for the open one): create the projection's tables here.
    /// `setup` must not leave a transaction open (one left open is rolled
    /// back, an error). Cancelled, the setup still runs to its end.
    pub async fn setup<R: Send + 'static>(
        &self,
        setup: impl FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, StoreError> {
        let turn = self.write_turn().await;
        blocking(move || {
            let doing = "setting up the projection";
            let done = setup(&turn).map_err(sql_error(doing))?;
            turn.no_transaction_left(doing)?;
            Ok(done)
        })
        .await
    }
}

impl<T: Send + Sync + 'static> Store for SqliteStore<T> {
    type Write = SqliteWrite;
    type Read = SqliteRead;

    /// Opens a write transaction: the write connection inside `BEGIN
    /// IMMEDIATE` (waiting for other writers, in this process and others,
    /// off the async threads). Cancelled at any point, it leaves no
    /// transaction open.
    async fn begin_write(&self) -> Result<SqliteWrite, StoreError> {
        let turn = self.write_turn().await;
        let name = self.shared.name.clone();
        // The transaction is built where it begins: if this call is gone
        // by then, the pool drops it, and dropping it rolls back.
        blocking(move || {
            run_cached(&turn, "BEGIN IMMEDIATE")
                .map_err(sql_error("beginning a write transaction"))?;
            Ok(SqliteWrite {
                turn,
                name,
                savepoint: false,
                forgot: false,
            })
        })
        .await
    }

    /// Opens a read transaction: a snapshot of the committed projection.
    async fn begin_read(&self) -> Result<SqliteRead, StoreError> {
        let Some(readers) = &self.shared.readers else {
            let turn = self.write_turn().await;
            run_cached(&turn, "BEGIN").map_err(sql_error("beginning a read transaction"))?;
            return Ok(SqliteRead {
                connection: ReadConnection::Shared(turn),
                shared: Arc::clone(&self.shared),
            });
        };
        let connection = match readers.idle.take() {
            Some(connection) => connection,
            None => {
                let path = readers.path.clone();
                blocking(move || {
                    let connection =
                        Connection::open(path).map_err(sql_error("opening a reader"))?;
                    connection
                        .execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")
                        .map_err(sql_error("setting up a reader"))?;
                    connection.set_prepared_statement_cache_capacity(SQLITE_STATEMENT_CACHE);
                    Ok(connection)
                })
                .await?
            }
        };
        run_cached(&connection, "BEGIN").map_err(sql_error("beginning a read transaction"))?;
        Ok(SqliteRead {
            connection: ReadConnection::Pooled(Some(connection)),
            shared: Arc::clone(&self.shared),
        })
    }

    /// Commits `txn` (its fsync off the async threads), then, if a forget
    /// hook ran in it, truncates the write-ahead log so that the forgotten
    /// data is in neither file. On failure the transaction is rolled back.
    /// Cancelled, the commit still runs to its end (or, if it never
    /// started, the transaction rolls back).
    async fn commit(&self, txn: SqliteWrite) -> Result<(), StoreError> {
        let forgot = txn.forgot;
        txn.end("COMMIT", forgot).await
    }

    /// Rolls `txn` back.
    async fn rollback(&self, txn: SqliteWrite) -> Result<(), StoreError> {
        txn.end("ROLLBACK", false).await
    }

    fn forgot(&self, txn: &mut SqliteWrite) {
        txn.forgot = true;
    }

    async fn read_version(&self, txn: &mut SqliteRead) -> Result<Position, StoreError> {
        txn.version()
    }

    async fn version(&self, txn: &mut SqliteWrite) -> Result<Position, StoreError> {
        txn.version()
    }

    /// Sets the projection version in this transaction.
    async fn set_version(
        &self,
        txn: &mut SqliteWrite,
        version: Position,
    ) -> Result<(), StoreError> {
        version::set_version(txn, &txn.name, version)
    }

    /// True: the fingerprint is the `fingerprint` column of the store's
    /// row in `goesgen_projection`.
    fn keeps_fingerprint(&self) -> bool {
        true
    }

    async fn fingerprint(
        &self,
        txn: &mut SqliteWrite,
    ) -> Result<Option<StoreFingerprint>, StoreError> {
        txn.fingerprint()
    }

    async fn set_fingerprint(
        &self,
        txn: &mut SqliteWrite,
        fingerprint: StoreFingerprint,
    ) -> Result<(), StoreError> {
        version::set_fingerprint(txn, &txn.name, fingerprint)
    }

    /// Drops the tables, indexes, views and triggers the store's DDL
    /// ([`with_schema`](SqliteStore::with_schema)) creates, runs it again
    /// and deletes the store's row (version 0, no fingerprint), all in
    /// `txn`; other tables of the database are left alone. An error if the
    /// store was given no DDL. Runs on the caller's thread, as the apply
    /// functions do (a rebuild in place is for small stores).
    async fn clear(&self, txn: &mut SqliteWrite) -> Result<(), StoreError> {
        self.clear_tables(txn)
    }

    /// A new store with this one's name and DDL: in a new in-memory
    /// database, or in the file `<file>.rebuild-<name>` next to this one's
    /// (resumed if a killed process left it half-built for `fingerprint`,
    /// else started again). An error if the store was given no DDL.
    async fn beside(&self, fingerprint: StoreFingerprint) -> Result<Option<Self>, StoreError> {
        self.build_beside(fingerprint).await.map(Some)
    }

    /// Replaces the projection's tables and the store's row with `built`'s
    /// inside `txn`, which then commits: readers that began before keep
    /// their snapshot, later ones see the rebuilt tables; killed during
    /// the copy, the database is as it was. Then deletes the built file.
    /// (What `txn` itself changed in the projection's tables and row is
    /// replaced too; an in-memory store's `txn` is rolled back and the
    /// built database takes its place.)
    async fn swap_in(&self, txn: SqliteWrite, built: Self) -> Result<(), StoreError> {
        self.swap_in_built(txn, built).await
    }

    /// An SQL `SAVEPOINT`, replacing the one set before.
    async fn savepoint(&self, txn: &mut SqliteWrite) -> Result<bool, StoreError> {
        let sql = if txn.savepoint {
            "RELEASE goesgen_savepoint; SAVEPOINT goesgen_savepoint"
        } else {
            "SAVEPOINT goesgen_savepoint"
        };
        txn.execute_batch(sql)
            .map_err(sql_error("setting a savepoint"))?;
        txn.savepoint = true;
        Ok(true)
    }

    async fn rollback_to_savepoint(&self, txn: &mut SqliteWrite) -> Result<(), StoreError> {
        if !txn.savepoint {
            return Err(StoreError::new(
                "no savepoint to roll back to in this SQLite transaction",
            ));
        }
        txn.execute_batch("ROLLBACK TO goesgen_savepoint")
            .map_err(sql_error("rolling back to a savepoint"))
    }
}

/// Runs `sql`, one statement without parameters, through the
/// connection's statement cache (a transaction's `BEGIN` and `COMMIT` are
/// parsed once, not per transaction).
fn run_cached(db: &Connection, sql: &str) -> rusqlite::Result<()> {
    db.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs blocking SQLite work on the blocking pool. If the caller is gone
/// (cancelled), the work still runs to its end and the pool drops what it
/// returns, so that must clean up after itself when dropped.
async fn blocking<R: Send + 'static>(
    work: impl FnOnce() -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        StoreError::of(StoreErrorKind::Unavailable, "SQLite store: a worker failed")
            .caused_by(error)
    })?
}
