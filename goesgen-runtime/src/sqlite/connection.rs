//! Creating the log's file, opening a connection to it with its settings,
//! and creating (or checking) the log's tables.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use super::{SqliteOptions, Synchronous, classify};
use crate::error::LogError;

/// The version of the tables below, kept in `goesgen_meta`. The keys table
/// was added without a new version: files of version 1 get it when a build
/// that knows it opens them, and builds that do not know it take no keyed
/// appends. Version 2 keeps one key per part of an append: the keys table
/// gained the nullable `fingerprint` column, and a key's range may be
/// empty (`last = first - 1`, a keyed part without events), which a build
/// of version 1 would read as damage. A writable open upgrades a file of
/// version 1 ([`upgrade_from_1`]); a build of version 1 refuses a file of
/// version 2.
const SCHEMA_VERSION: i64 = 2;

/// The log's tables. Positions are the rowid (`INTEGER PRIMARY KEY`, no
/// `AUTOINCREMENT`), assigned by the writer as head + 1 inside its
/// `BEGIN IMMEDIATE` transaction. `goesgen_kinds` keeps the newest position
/// of each kind, so a kind condition costs one lookup per kind.
/// `goesgen_keys` keeps, for each idempotency key, where its append (or
/// part of an append) was written, when (microseconds since the Unix
/// epoch) and the fingerprint it carried, for as long as the file exists:
/// keys are never removed.
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
CREATE TABLE IF NOT EXISTS goesgen_keys (
    key TEXT PRIMARY KEY,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    fingerprint TEXT
) WITHOUT ROWID;
";

/// Creates the log's file with permissions `mode` (Unix) if it does not
/// exist yet, so that SQLite (which then opens it, and gives its `-wal`
/// and `-shm` files the same permissions) never creates it with the
/// process's default permissions. An existing file is left alone.
pub(super) fn create_file(path: &Path, mode: u32) -> Result<(), LogError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path);
        let failed = |error: std::io::Error| {
            let message = format!("SQLite event log: cannot create {}", path.display());
            if error.kind() == std::io::ErrorKind::PermissionDenied {
                LogError::denied(message, error)
            } else {
                LogError::unavailable(message, error)
            }
        };
        match created {
            // Exactly `mode`, whatever the process's umask.
            Ok(file) => file
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(failed),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(error) => Err(failed(error)),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Opens a connection to `path` in WAL mode with the options' synchronous
/// mode and busy timeout, and automatic checkpoints off (the watcher
/// checkpoints). With [`SqliteOptions::read_only`] the connection is
/// read-only and the file must already be in WAL mode.
pub(super) fn open(path: &Path, options: &SqliteOptions) -> Result<Connection, LogError> {
    let access = if options.read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    };
    let connection = Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| classify("cannot open the log file", e))?;
    configure(&connection, options).map_err(|e| classify("cannot configure a connection", e))?;
    let mode =
        journal_mode(&connection, options).map_err(|e| classify("cannot switch to WAL mode", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LogError::Config(format!(
            "{} cannot use WAL mode (journal mode is {mode})",
            path.display()
        )));
    }
    Ok(connection)
}

/// Switches the file to WAL mode (or, read-only, reads its mode). Two
/// processes opening a new file at once can make the switch fail with
/// SQLITE_BUSY at once, without SQLite's busy handler: retried for up to
/// the busy timeout.
fn journal_mode(connection: &Connection, options: &SqliteOptions) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + options.busy_timeout;
    loop {
        let mode = if options.read_only {
            connection.pragma_query_value(None, "journal_mode", |row| row.get(0))
        } else {
            connection.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
        };
        match mode {
            Err(error)
                if matches!(
                    error.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

fn configure(connection: &Connection, options: &SqliteOptions) -> rusqlite::Result<()> {
    connection.busy_timeout(options.busy_timeout)?;
    let synchronous = match options.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    connection.pragma_update(None, "synchronous", synchronous)?;
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    // A deleted personal data key is overwritten in the file, not left in
    // free space (issue 25); the log deletes nothing else.
    connection.pragma_update(None, "secure_delete", true)?;
    connection.set_prepared_statement_cache_capacity(32);
    Ok(())
}

/// Creates the tables if they are missing (one transaction, so processes
/// opening a new file at once do not trip over each other) and checks the
/// version of existing ones. A read-only connection only checks the
/// version.
pub(super) fn create_tables(connection: &Connection, read_only: bool) -> Result<(), LogError> {
    let behavior = if read_only {
        TransactionBehavior::Deferred
    } else {
        TransactionBehavior::Immediate
    };
    let transaction = Transaction::new_unchecked(connection, behavior)
        .map_err(|e| classify("cannot begin creating tables", e))?;
    if !read_only {
        transaction
            .execute_batch(TABLES)
            .map_err(|e| classify("cannot create tables", e))?;
    }
    let version: Option<i64> = transaction
        .query_row(
            "SELECT value FROM goesgen_meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| classify("cannot read the schema version", e))?;
    match version {
        Some(SCHEMA_VERSION) => {}
        Some(1) if !read_only => upgrade_from_1(&transaction)?,
        Some(1) => {
            return Err(LogError::Config(format!(
                "the file holds an event log of schema version 1, which this build reads once \
                 it has upgraded it to version {SCHEMA_VERSION}: open it writable once"
            )));
        }
        Some(other) => {
            return Err(LogError::Config(format!(
                "the file holds an event log of schema version {other}, this build reads version {SCHEMA_VERSION}"
            )));
        }
        None if read_only => {
            return Err(LogError::Config(
                "the file holds no event log, and a read-only log cannot create one".to_owned(),
            ));
        }
        None => {
            transaction
                .execute(
                    "INSERT INTO goesgen_meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(|e| classify("cannot record the schema version", e))?;
        }
    }
    transaction
        .commit()
        .map_err(|e| classify("cannot commit the tables", e))
}

/// Upgrades the tables of a file of version 1 to version 2, inside the
/// transaction that creates the tables: the keys table gains its
/// `fingerprint` column (unless the table was just created with it: files
/// of version 1 that never had a keys table).
fn upgrade_from_1(transaction: &Transaction<'_>) -> Result<(), LogError> {
    let has_fingerprint: bool = transaction
        .query_row(
            "SELECT count(*) > 0 FROM pragma_table_info('goesgen_keys') \
             WHERE name = 'fingerprint'",
            [],
            |row| row.get(0),
        )
        .map_err(|e| classify("cannot read the keys table's columns", e))?;
    if !has_fingerprint {
        transaction
            .execute_batch("ALTER TABLE goesgen_keys ADD COLUMN fingerprint TEXT")
            .map_err(|e| classify("cannot upgrade the keys table", e))?;
    }
    transaction
        .execute(
            "UPDATE goesgen_meta SET value = ?1 WHERE key = 'schema_version'",
            [SCHEMA_VERSION],
        )
        .map_err(|e| classify("cannot record the schema version", e))?;
    tracing::info!(
        from = 1,
        to = SCHEMA_VERSION,
        "upgraded the SQLite event log's tables"
    );
    Ok(())
}
