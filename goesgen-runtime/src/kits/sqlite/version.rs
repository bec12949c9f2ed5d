//! The SQLite kit's own table, `goesgen_projection (name, version,
//! fingerprint)`: one row per store, so that several stores share a
//! database under different names. `version` is the log position the
//! store's tables reflect; `fingerprint` the [`StoreFingerprint`] they were
//! built for, in its text form (`NULL` when none is kept). A database made
//! before fingerprints gains the column when a store opens it.
//!
//! Every statement here runs through the connection's statement cache.

use rusqlite::{Connection, OptionalExtension};

use super::sql_error;
use crate::record::Position;
use crate::service::{StoreError, StoreErrorKind, StoreFingerprint};

/// The table, as a new database gets it.
const PROJECTION_TABLE: &str = "CREATE TABLE IF NOT EXISTS goesgen_projection (
    name        TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    fingerprint TEXT
)";

const HAS_FINGERPRINT: &str =
    "SELECT count(*) FROM pragma_table_info('goesgen_projection') WHERE name = 'fingerprint'";
const ADD_FINGERPRINT: &str = "ALTER TABLE goesgen_projection ADD COLUMN fingerprint TEXT";

const READ_VERSION: &str = "SELECT version FROM goesgen_projection WHERE name = ?1";
const SET_VERSION: &str = "INSERT INTO goesgen_projection (name, version) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET version = excluded.version";
const READ_FINGERPRINT: &str = "SELECT fingerprint FROM goesgen_projection WHERE name = ?1";
const SET_FINGERPRINT: &str = "INSERT INTO goesgen_projection (name, version, fingerprint)
             VALUES (?1, 0, ?2)
             ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint";
const FORGET_STORE: &str = "DELETE FROM goesgen_projection WHERE name = ?1";

/// Creates the table in a new database, or adds the fingerprint column to
/// one made before fingerprints (under the write lock, looking again
/// there: another process may be adding it at the same time). Runs outside
/// any transaction.
pub(super) fn ensure_table(db: &Connection) -> Result<(), StoreError> {
    db.execute_batch(PROJECTION_TABLE)
        .map_err(sql_error("creating the version table"))?;
    if has_fingerprint(db)? {
        return Ok(());
    }
    let doing = "adding the fingerprint column to the version table";
    db.execute_batch("BEGIN IMMEDIATE")
        .map_err(sql_error(doing))?;
    let added = has_fingerprint(db).and_then(|has| {
        if has {
            return Ok(());
        }
        db.execute_batch(ADD_FINGERPRINT).map_err(sql_error(doing))
    });
    let ended = match added {
        Ok(()) => db.execute_batch("COMMIT"),
        Err(_) => db.execute_batch("ROLLBACK"),
    };
    added?;
    ended.map_err(sql_error(doing))
}

fn has_fingerprint(db: &Connection) -> Result<bool, StoreError> {
    let count: i64 = db
        .query_row(HAS_FINGERPRINT, [], |row| row.get(0))
        .map_err(sql_error("reading the version table's columns"))?;
    Ok(count > 0)
}

/// The version of the store `name` (0 for a new store).
pub(super) fn read_version(db: &Connection, name: &str) -> Result<Position, StoreError> {
    let doing = "reading the projection version";
    let version: Option<i64> = db
        .prepare_cached(READ_VERSION)
        .map_err(sql_error(doing))?
        .query_row([name], |row| row.get(0))
        .optional()
        .map_err(sql_error(doing))?;
    let version = version.unwrap_or(0);
    Position::try_from(version).map_err(|_| {
        StoreError::of(
            StoreErrorKind::Corrupt,
            format!("the stored projection version {version} is negative"),
        )
    })
}

/// Sets the version of the store `name`.
pub(super) fn set_version(
    db: &Connection,
    name: &str,
    version: Position,
) -> Result<(), StoreError> {
    let version = i64::try_from(version).map_err(|_| {
        StoreError::of(
            StoreErrorKind::Other,
            format!("projection version {version} does not fit SQLite's integers"),
        )
    })?;
    let doing = "setting the projection version";
    db.prepare_cached(SET_VERSION)
        .map_err(sql_error(doing))?
        .execute(rusqlite::params![name, version])
        .map_err(sql_error(doing))?;
    Ok(())
}

/// The fingerprint of the store `name` (`None` if none is kept).
pub(super) fn read_fingerprint(
    db: &Connection,
    name: &str,
) -> Result<Option<StoreFingerprint>, StoreError> {
    let doing = "reading the projection fingerprint";
    let text: Option<Option<String>> = db
        .prepare_cached(READ_FINGERPRINT)
        .map_err(sql_error(doing))?
        .query_row([name], |row| row.get(0))
        .optional()
        .map_err(sql_error(doing))?;
    text.flatten()
        .map(|text| {
            text.parse().map_err(|error| {
                StoreError::of(
                    StoreErrorKind::Corrupt,
                    format!("SQLite store: the fingerprint kept for `{name}` is damaged"),
                )
                .caused_by(error)
            })
        })
        .transpose()
}

/// Keeps `fingerprint` for the store `name` (version 0 if it had none).
pub(super) fn set_fingerprint(
    db: &Connection,
    name: &str,
    fingerprint: StoreFingerprint,
) -> Result<(), StoreError> {
    let doing = "setting the projection fingerprint";
    db.prepare_cached(SET_FINGERPRINT)
        .map_err(sql_error(doing))?
        .execute(rusqlite::params![name, fingerprint.to_string()])
        .map_err(sql_error(doing))?;
    Ok(())
}

/// Forgets the store `name`'s row: version 0, no fingerprint.
pub(super) fn forget_store(db: &Connection, name: &str) -> Result<(), StoreError> {
    let doing = "resetting the projection version";
    db.prepare_cached(FORGET_STORE)
        .map_err(sql_error(doing))?
        .execute([name])
        .map_err(sql_error(doing))?;
    Ok(())
}
