//! Opening a connection to the log's file with its settings, and creating
//! (or checking) the log's tables.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use super::{SqliteOptions, Synchronous, unavailable};
use crate::error::LogError;

/// The version of the tables below, kept in `goesgen_meta`.
const SCHEMA_VERSION: i64 = 1;

/// The log's tables. Positions are the rowid (`INTEGER PRIMARY KEY`, no
/// `AUTOINCREMENT`), assigned by the writer as head + 1 inside its
/// `BEGIN IMMEDIATE` transaction. `goesgen_kinds` keeps the newest position
/// of each kind, so a kind condition costs one lookup per kind.
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS goesgen_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS goesgen_events (
    position INTEGER PRIMARY KEY,
    recorded_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS goesgen_events_by_kind ON goesgen_events (kind, position);
CREATE TABLE IF NOT EXISTS goesgen_kinds (
    kind TEXT PRIMARY KEY,
    last_position INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Opens a connection to `path` (creating the file if needed) in WAL mode
/// with the options' synchronous mode and busy timeout, and automatic
/// checkpoints off (the watcher checkpoints).
pub(super) fn open(path: &Path, options: &SqliteOptions) -> Result<Connection, LogError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)
        .map_err(|e| unavailable(&format!("cannot open {}", path.display()), e))?;
    configure(&connection, options).map_err(|e| unavailable("cannot configure connection", e))?;
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
        .map_err(|e| unavailable("cannot switch to WAL mode", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LogError::Config(format!(
            "{} cannot use WAL mode (journal mode is {mode})",
            path.display()
        )));
    }
    Ok(connection)
}

fn configure(connection: &Connection, options: &SqliteOptions) -> rusqlite::Result<()> {
    connection.busy_timeout(options.busy_timeout)?;
    let synchronous = match options.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    connection.pragma_update(None, "synchronous", synchronous)?;
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    connection.set_prepared_statement_cache_capacity(32);
    Ok(())
}

/// Creates the tables if they are missing (one transaction, so processes
/// opening a new file at once do not trip over each other) and checks the
/// version of existing ones.
pub(super) fn create_tables(connection: &Connection) -> Result<(), LogError> {
    let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(|e| unavailable("cannot begin creating tables", e))?;
    transaction
        .execute_batch(TABLES)
        .map_err(|e| unavailable("cannot create tables", e))?;
    let version: Option<i64> = transaction
        .query_row(
            "SELECT value FROM goesgen_meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| unavailable("cannot read the schema version", e))?;
    match version {
        Some(SCHEMA_VERSION) => {}
        Some(other) => {
            return Err(LogError::Config(format!(
                "the file holds an event log of schema version {other}, this build reads version {SCHEMA_VERSION}"
            )));
        }
        None => {
            transaction
                .execute(
                    "INSERT INTO goesgen_meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(|e| unavailable("cannot record the schema version", e))?;
        }
    }
    transaction
        .commit()
        .map_err(|e| unavailable("cannot commit the tables", e))
}
