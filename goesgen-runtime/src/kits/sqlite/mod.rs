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
//! never goes back to the lock inside a transaction. The projection
//! version is a row of `goesgen_projection (name, version)`, so several
//! stores can share a database under different names. Reads on a database
//! file use pooled read connections (WAL snapshots that never wait for the
//! writer); an in-memory database reads through the write connection.
//!
//! Every connection keeps [`SQLITE_STATEMENT_CACHE`] prepared statements:
//! the kit runs its own (`BEGIN IMMEDIATE`, `COMMIT`, the version's)
//! through that cache, and apply functions and methods should too
//! (`db.prepare_cached(sql)?.execute(..)` rather than `db.execute(sql,
//! ..)`, which parses the SQL on every event).

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::kits::sqlite_error::sqlite_kind;
use crate::record::Position;
use crate::service::{StoreError, StoreErrorKind};
use crate::sqlite::idle::IdleConnections;
use crate::store::Store;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS goesgen_projection (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
)";

/// The most idle read connections kept.
const MAX_IDLE_READERS: usize = 4;

/// How many prepared statements each of the store's connections keeps for
/// `prepare_cached` (rusqlite keeps 16): room for the apply functions'
/// and the methods' statements of a service with many events, beside the
/// kit's own, so that none is parsed again per event.
pub const SQLITE_STATEMENT_CACHE: usize = 256;

const READ_VERSION: &str = "SELECT version FROM goesgen_projection WHERE name = ?1";
const SET_VERSION: &str = "INSERT INTO goesgen_projection (name, version) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET version = excluded.version";

/// A projection in SQLite tables, with the apply functions `T` (the user's
/// value implementing the generated `<Service>InSqlite` trait). See the
/// [kits](crate::kits).
pub struct SqliteStore<T> {
    tables: T,
    shared: Arc<Shared>,
}

struct Shared {
    name: String,
    write: Arc<Mutex<Connection>>,
    /// `None` for an in-memory database: reads use the write connection.
    readers: Option<Readers>,
}

struct Readers {
    path: PathBuf,
    idle: IdleConnections,
}

impl<T: Clone> Clone for SqliteStore<T> {
    fn clone(&self) -> Self {
        Self {
            tables: self.tables.clone(),
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

fn to_version(version: i64) -> Result<Position, StoreError> {
    Position::try_from(version).map_err(|_| {
        StoreError::of(
            StoreErrorKind::Corrupt,
            format!("the stored projection version {version} is negative"),
        )
    })
}

fn read_version(db: &Connection, name: &str) -> Result<Position, StoreError> {
    let doing = "reading the projection version";
    let version: Option<i64> = db
        .prepare_cached(READ_VERSION)
        .map_err(sql_error(doing))?
        .query_row([name], |row| row.get(0))
        .optional()
        .map_err(sql_error(doing))?;
    to_version(version.unwrap_or(0))
}

impl<T> SqliteStore<T> {
    /// The store `name` in the database file at `path` (created if
    /// missing, switched to WAL), with the apply functions `tables`.
    pub fn open(path: impl AsRef<Path>, name: &str, tables: T) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
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
        let write = Connection::open_in_memory().map_err(sql_error("opening the database"))?;
        Self::with(write, name, tables, None)
    }

    fn with(
        write: Connection,
        name: &str,
        tables: T,
        readers: Option<Readers>,
    ) -> Result<Self, StoreError> {
        write.set_prepared_statement_cache_capacity(SQLITE_STATEMENT_CACHE);
        // What a forget hook deletes is overwritten, not left in free space.
        write
            .pragma_update(None, "secure_delete", true)
            .map_err(sql_error("setting up the database"))?;
        write
            .execute_batch(VERSION_TABLE)
            .map_err(sql_error("creating the version table"))?;
        Ok(Self {
            tables,
            shared: Arc::new(Shared {
                name: name.to_owned(),
                write: Arc::new(Mutex::new(write)),
                readers,
            }),
        })
    }

    /// Runs `sql` (the projection's `CREATE TABLE IF NOT EXISTS ...`) on the
    /// new store's database, while nothing else uses it. `sql` must not
    /// leave a transaction open (one left open is rolled back, an error).
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
        Ok(self)
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
        let version = i64::try_from(version).map_err(|_| {
            StoreError::of(
                StoreErrorKind::Other,
                format!("projection version {version} does not fit SQLite's integers"),
            )
        })?;
        let doing = "setting the projection version";
        txn.prepare_cached(SET_VERSION)
            .map_err(sql_error(doing))?
            .execute(rusqlite::params![txn.name, version])
            .map_err(sql_error(doing))?;
        Ok(())
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

/// The write connection, taken from the store's lock. Dropped with a
/// transaction open, it rolls it back before the lock is released.
struct WriteTurn(OwnedMutexGuard<Connection>);

impl WriteTurn {
    /// An error (after rolling back) if a transaction is left open, by SQL
    /// that was to run outside any.
    fn no_transaction_left(&self, doing: &str) -> Result<(), StoreError> {
        if self.is_autocommit() {
            return Ok(());
        }
        self.roll_back();
        Err(StoreError::of(
            StoreErrorKind::Other,
            format!("SQLite store: {doing} left a transaction open; it was rolled back"),
        ))
    }

    fn roll_back(&self) {
        if let Err(error) = self.execute_batch("ROLLBACK") {
            tracing::warn!(%error, "SQLite store: cannot roll back an abandoned transaction");
        }
    }
}

impl Deref for WriteTurn {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.0
    }
}

impl Drop for WriteTurn {
    fn drop(&mut self) {
        if !self.is_autocommit() {
            // Cut off unfinished (a cancelled future, a failed COMMIT):
            // undo, without anyone to report to.
            self.roll_back();
        }
    }
}

/// A write transaction of a [`SqliteStore`]: the write connection inside
/// `BEGIN IMMEDIATE` (`Deref` to `rusqlite::Connection`). Dropped without
/// commit or rollback, it rolls back.
pub struct SqliteWrite {
    turn: WriteTurn,
    name: String,
    /// Whether the savepoint of [`Store::savepoint`] is set.
    savepoint: bool,
    /// Whether a forget hook ran ([`Store::forgot`]).
    forgot: bool,
}

impl SqliteWrite {
    /// The projection version as of this transaction.
    pub fn version(&self) -> Result<Position, StoreError> {
        read_version(self, &self.name)
    }

    /// Ends the transaction with `statement`, then truncates the WAL if
    /// `truncate` (still holding the write connection).
    async fn end(self, statement: &'static str, truncate: bool) -> Result<(), StoreError> {
        // A failed COMMIT may leave the transaction open: dropping the
        // turn closes it.
        blocking(move || {
            run_cached(&self.turn, statement).map_err(sql_error("ending a write transaction"))?;
            if truncate {
                crate::sqlite::personal::truncate_wal(
                    &self.turn,
                    "the SQLite store",
                    "the next sync that forgets tries again",
                );
            }
            Ok(())
        })
        .await
    }
}

impl Deref for SqliteWrite {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.turn
    }
}

enum ReadConnection {
    Pooled(Option<Connection>),
    /// An in-memory database's write connection; dropping the turn ends
    /// the read transaction.
    Shared(WriteTurn),
}

/// A read transaction of a [`SqliteStore`]: a snapshot of the committed
/// projection (`Deref` to `rusqlite::Connection`), ended when dropped.
pub struct SqliteRead {
    connection: ReadConnection,
    shared: Arc<Shared>,
}

impl SqliteRead {
    /// The projection version this read sees.
    pub fn version(&self) -> Result<Position, StoreError> {
        read_version(self, &self.shared.name)
    }
}

impl Deref for SqliteRead {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match &self.connection {
            ReadConnection::Pooled(connection) => connection
                .as_ref()
                .unwrap_or_else(|| unreachable!("a read transaction is used after it ended")),
            ReadConnection::Shared(turn) => turn,
        }
    }
}

impl Drop for SqliteRead {
    fn drop(&mut self) {
        // A shared connection's turn rolls back when dropped.
        let ReadConnection::Pooled(connection) = &mut self.connection else {
            return;
        };
        let Some(connection) = connection.take() else {
            return;
        };
        if run_cached(&connection, "ROLLBACK").is_err() {
            return; // not reused
        }
        if let Some(readers) = &self.shared.readers {
            readers.idle.keep(connection);
        }
    }
}
