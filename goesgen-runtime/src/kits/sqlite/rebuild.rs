//! Rebuilding a [`SqliteStore`] whose projections are stale, in the two
//! ways of the store contract; both need the store's DDL
//! ([`SqliteStore::with_schema`]), and touch nothing but the objects it
//! creates and the store's own row of `goesgen_projection`.
//!
//! - In place ([`Store::clear`](crate::Store::clear)): inside the caller's
//!   write transaction, the projection's tables are dropped and created
//!   again, and the store's row deleted (version 0, no fingerprint).
//! - Beside ([`Store::beside`](crate::Store::beside), then
//!   [`Store::swap_in`](crate::Store::swap_in)). A store on a file is built
//!   in a new file next to it, `<file>.rebuild-<store name>`, which records
//!   in `goesgen_rebuilding` the fingerprint it is built for: a file left
//!   half-built by a killed process is resumed if that is the fingerprint
//!   asked for, else deleted with its `-wal` and `-shm` and started again.
//!   The swap runs inside this store's write transaction, on its own write
//!   connection: it attaches the built file (SQLite attaches inside a
//!   transaction), drops and re-creates the projection's tables, copies
//!   the built rows in (`INSERT .. SELECT`), takes the built version and
//!   fingerprint, commits, detaches and deletes the built file. One
//!   transaction: readers in WAL keep their snapshot, the next ones see the
//!   new tables, and a process killed during the copy leaves the old
//!   database whole (the uncommitted frames of the WAL are ignored when it
//!   is opened again) and the built file there to resume. Files are never
//!   renamed under live connections (their `-wal` and `-shm` are named
//!   after the path), and SQLite's backup API cannot be used: it copies a
//!   whole database, other stores' tables and a log kept in the same file
//!   included, and refuses a destination with a transaction open.
//!   An in-memory store is built in a new in-memory database, and the swap
//!   puts that connection in place of the old one under the write lock
//!   (every read of an in-memory store goes through it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};
use tokio::sync::OwnedMutexGuard;

use super::schema::ProjectionSchema;
use super::version::forget_store;
use super::{Readers, Shared, SqliteStore, SqliteWrite, blocking, run_cached, sql_error};
use crate::service::{StoreError, StoreErrorKind, StoreFingerprint};

/// The name the built database is attached under during a swap.
const BUILT: &str = "goesgen_rebuild";

/// What a file being built beside a store records: the fingerprint it is
/// built for (the one its `goesgen_projection` row gets only once caught
/// up, from whoever rebuilds it).
const BUILDING_TABLE: &str = "CREATE TABLE IF NOT EXISTS goesgen_rebuilding (
    name        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL
)";

impl<T: Send + Sync + 'static> SqliteStore<T> {
    /// The DDL the store was given, or an error saying that without it the
    /// store cannot be rebuilt.
    fn rebuild_schema(&self) -> Result<String, StoreError> {
        let sql = self.schema_sql();
        if sql.trim().is_empty() {
            return Err(StoreError::new(format!(
                "SQLite store `{}`: it was given no schema (`SqliteStore::with_schema`), so the \
                 kit does not know its tables and cannot rebuild it",
                self.shared.name
            )));
        }
        Ok(sql)
    }

    /// [`Store::clear`](crate::Store::clear): drops and re-creates the
    /// projection's tables in `txn`, and deletes the store's row.
    pub(super) fn clear_tables(&self, txn: &mut SqliteWrite) -> Result<(), StoreError> {
        let sql = self.rebuild_schema()?;
        ProjectionSchema::learn(&sql)?.recreate(txn)?;
        forget_store(txn, &txn.name)
    }

    /// [`Store::beside`](crate::Store::beside): a new store with the same
    /// name and DDL, in a new in-memory database or in the file beside
    /// this one's (resumed if it is being built for `fingerprint`). Waits
    /// for the store built beside before, if it is still alive (one
    /// rebuild at a time: they would share the file). Cancelled, the
    /// opening still runs to its end.
    pub(super) async fn build_beside(
        &self,
        fingerprint: StoreFingerprint,
    ) -> Result<Self, StoreError> {
        let sql = self.rebuild_schema()?;
        ProjectionSchema::learn(&sql)?;
        let turn = Arc::clone(&self.shared.rebuilding).lock_owned().await;
        let name = self.shared.name.clone();
        let tables = Arc::clone(&self.tables);
        let Some(readers) = &self.shared.readers else {
            return Self::in_memory_with(&name, tables)?
                .with_schema(&sql)
                .map(|built| built.building(turn));
        };
        let path = beside_path(&readers.path, &name);
        blocking(move || {
            match building_for(&path, &name) {
                Ok(Some(building)) if building == fingerprint => {
                    tracing::info!(store = %name, path = %path.display(), %fingerprint,
                        "SQLite store: resuming the rebuild left half-done");
                    return Self::open_with(&path, &name, tables)?
                        .with_schema(&sql)
                        .map(|built| built.building(turn));
                }
                Ok(None) => {}
                Ok(Some(other)) => {
                    tracing::info!(store = %name, path = %path.display(), built_for = %other,
                        %fingerprint, "SQLite store: discarding a rebuild for another fingerprint");
                }
                Err(error) => {
                    tracing::warn!(store = %name, path = %path.display(), error = %error,
                        "SQLite store: discarding an unreadable rebuild file");
                }
            }
            remove_database(&path)?;
            let built = Self::open_with(&path, &name, tables)?.with_schema(&sql)?;
            mark_building(&built, fingerprint)?;
            Ok(built.building(turn))
        })
        .await
    }

    /// This new store, holding the turn to rebuild of the store it is
    /// built beside while it lives.
    fn building(mut self, turn: OwnedMutexGuard<()>) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.building = Some(turn);
        }
        self
    }

    /// [`Store::swap_in`](crate::Store::swap_in): `built` (from
    /// [`build_beside`](Self::build_beside)) in this store's place, in
    /// `txn`. Cancelled, the swap still runs to its end.
    pub(super) async fn swap_in_built(
        &self,
        txn: SqliteWrite,
        built: Self,
    ) -> Result<(), StoreError> {
        let sql = self.rebuild_schema()?;
        if built.shared.name != self.shared.name {
            return Err(StoreError::new(format!(
                "SQLite store `{}`: the store to swap in is `{}`, not one built beside it",
                self.shared.name, built.shared.name
            )));
        }
        let in_use = || {
            StoreError::of(
                StoreErrorKind::Unavailable,
                "SQLite store: the store built beside is still in use (a clone of it lives), so \
                 it cannot be swapped in",
            )
        };
        // Its connections close here (writing its WAL back into its file,
        // which is deleted later by path); its turn to rebuild is held to
        // the end of the swap.
        let Shared {
            write,
            readers,
            building,
            ..
        } = Arc::try_unwrap(built.shared).map_err(|_| in_use())?;
        let connection = Arc::try_unwrap(write).map_err(|_| in_use())?.into_inner();
        match (&self.shared.readers, readers) {
            (None, None) => {
                swap_connection(txn, connection)?;
                drop(building);
                Ok(())
            }
            (Some(ours), Some(theirs)) if ours.path != theirs.path => {
                let Readers { path, idle } = theirs;
                drop((connection, idle));
                blocking(move || {
                    copy_in(&txn, &path, &sql)?;
                    // Still holding the write lock: whoever writes next
                    // finds the rebuild over, its file gone.
                    if let Err(error) = remove_database(&path) {
                        tracing::warn!(path = %path.display(), error = %error,
                            "SQLite store: the rebuilt file was swapped in but not deleted");
                    }
                    drop(txn);
                    drop(building);
                    Ok(())
                })
                .await
            }
            _ => Err(StoreError::new(format!(
                "SQLite store `{}`: the store to swap in was not built beside it \
                 (`Store::beside`)",
                self.shared.name
            ))),
        }
    }
}

/// Where the store `name` of the database at `path` is rebuilt beside it:
/// `<file>.rebuild-<name>` (the name's characters other than ASCII
/// letters, digits, `-` and `_` written `_`), one file per store sharing
/// the database.
fn beside_path(path: &Path, name: &str) -> PathBuf {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut file = path.as_os_str().to_owned();
    file.push(format!(".rebuild-{name}"));
    PathBuf::from(file)
}

/// The fingerprint the file at `path` is being built for as the store
/// `name` (`None` if there is no such file, or it records none).
fn building_for(path: &Path, name: &str) -> Result<Option<StoreFingerprint>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    let doing = "reading what a rebuild file is built for";
    let db = Connection::open(path).map_err(sql_error(doing))?;
    let marked: bool = db
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'goesgen_rebuilding'",
            [],
            |row| row.get(0),
        )
        .map_err(sql_error(doing))?;
    if !marked {
        return Ok(None);
    }
    let text: Option<String> = db
        .query_row(
            "SELECT fingerprint FROM goesgen_rebuilding WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql_error(doing))?;
    Ok(text.and_then(|text| text.parse().ok()))
}

/// Records in `built`'s file that it is built for `fingerprint` (committed
/// at once: a process killed from here on leaves a file to resume).
fn mark_building<T>(
    built: &SqliteStore<T>,
    fingerprint: StoreFingerprint,
) -> Result<(), StoreError> {
    let turn = built.shared.write.try_lock().map_err(|_| {
        StoreError::of(
            StoreErrorKind::Unavailable,
            "SQLite store: a new rebuild file is in use",
        )
    })?;
    let doing = "marking a rebuild file";
    turn.execute_batch(BUILDING_TABLE)
        .map_err(sql_error(doing))?;
    turn.execute(
        "INSERT INTO goesgen_rebuilding (name, fingerprint) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint",
        rusqlite::params![built.shared.name, fingerprint.to_string()],
    )
    .map_err(sql_error(doing))?;
    Ok(())
}

/// Deletes the SQLite database at `path` with its `-wal`, `-shm` and
/// `-journal` files (those missing are fine).
fn remove_database(path: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(StoreError::of(
                    StoreErrorKind::Unavailable,
                    format!("SQLite store: deleting {}", Path::new(&file).display()),
                )
                .caused_by(error));
            }
        }
    }
    Ok(())
}

/// The swap of a store on a file: in `txn`, the projection's tables
/// dropped, created again and filled from the database at `built`, and the
/// built store's row taken; then committed (or rolled back on failure).
/// The built database stays attached only for this call.
fn copy_in(txn: &SqliteWrite, built: &Path, sql: &str) -> Result<(), StoreError> {
    let schema = ProjectionSchema::learn(sql)?;
    let doing = "swapping in the store built beside";
    let path = built.to_str().ok_or_else(|| {
        StoreError::new(format!(
            "SQLite store: the rebuild file's path {} is not UTF-8",
            built.display()
        ))
    })?;
    txn.execute(&format!("ATTACH DATABASE ?1 AS {BUILT}"), [path])
        .map_err(sql_error(doing))?;
    let copied = schema
        .recreate(txn)
        .and_then(|()| schema.copy_rows(txn, BUILT))
        .and_then(|()| {
            forget_store(txn, &txn.name)?;
            txn.execute(
                &format!(
                    "INSERT INTO main.goesgen_projection (name, version, fingerprint)
                     SELECT name, version, fingerprint FROM {BUILT}.goesgen_projection
                     WHERE name = ?1"
                ),
                [&txn.name],
            )
            .map_err(sql_error(doing))?;
            Ok(())
        })
        .and_then(|()| run_cached(txn, "COMMIT").map_err(sql_error(doing)));
    if !txn.is_autocommit() {
        txn.turn.roll_back();
    }
    if let Err(error) = txn.execute_batch(&format!("DETACH DATABASE {BUILT}")) {
        tracing::warn!(%error, "SQLite store: cannot detach the rebuilt database");
    }
    copied
}

/// The swap of an in-memory store: `txn` rolled back, and the built
/// store's `connection` put in place of this one's, under the write lock.
fn swap_connection(mut txn: SqliteWrite, connection: Connection) -> Result<(), StoreError> {
    run_cached(&txn, "ROLLBACK").map_err(sql_error("swapping in the store built beside"))?;
    let old = std::mem::replace(&mut *txn.turn, connection);
    drop(old);
    Ok(())
}
