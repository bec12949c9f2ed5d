//! The SQLite log's key store: the table `goesgen_personal_keys` (key id,
//! subject, wrapped key) and `goesgen_personal_check` (the master key's
//! check value) in the log's own file, created on first use in the
//! append's own transaction. Every connection runs with `secure_delete`
//! on, so a deleted key's bytes are overwritten in the file, and the
//! writer checkpoints and truncates the write-ahead log after a forget,
//! so they do not survive in the WAL either.

use rusqlite::{Connection, OptionalExtension};

use std::sync::Arc;

use super::{SqliteLog, classify, run_blocking};
use crate::error::LogError;
use crate::log::{Append, EventLog};
use crate::personal::{
    DataKeys, Forgot, KeyId, KeyStore, MasterKey, PersonalError, Subject, unwrap_keys,
};

const CREATE: &str = "CREATE TABLE IF NOT EXISTS goesgen_personal_keys (
        key_id BLOB PRIMARY KEY NOT NULL,
        subject TEXT NOT NULL UNIQUE,
        wrapped BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS goesgen_personal_check (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        check_value BLOB NOT NULL
    );";

/// Whether the key store's tables exist.
fn exists(connection: &Connection) -> Result<bool, LogError> {
    connection
        .prepare_cached(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'goesgen_personal_keys'",
        )
        .and_then(|mut statement| statement.exists([]))
        .map_err(|e| classify("cannot look for the personal data keys", e))
}

/// The stored check value of the master key, if any.
fn check_value(connection: &Connection) -> Result<Option<Vec<u8>>, LogError> {
    connection
        .prepare_cached("SELECT check_value FROM goesgen_personal_check WHERE id = 1")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())
        .map_err(|e| classify("cannot read the master key's check value", e))
}

/// The key store inside the writer's open transaction.
pub(super) struct WriterKeys<'c> {
    connection: &'c Connection,
    ready: bool,
}

impl<'c> WriterKeys<'c> {
    pub(super) fn new(connection: &'c Connection) -> Self {
        Self {
            connection,
            ready: false,
        }
    }

    /// Creates the tables if they are missing (in the open transaction).
    fn ready(&mut self) -> Result<(), LogError> {
        if !self.ready {
            if !exists(self.connection)? {
                self.connection
                    .execute_batch(CREATE)
                    .map_err(|e| classify("cannot create the personal data key store", e))?;
            }
            self.ready = true;
        }
        Ok(())
    }

    /// Deletes `subject`'s key, if it has one.
    pub(super) fn delete(&mut self, subject: &Subject) -> Result<(), LogError> {
        if !exists(self.connection)? {
            return Ok(());
        }
        self.connection
            .prepare_cached("DELETE FROM goesgen_personal_keys WHERE subject = ?1")
            .and_then(|mut statement| statement.execute([subject.to_string()]))
            .map(drop)
            .map_err(|e| classify("cannot delete a personal data key", e))
    }
}

impl KeyStore for WriterKeys<'_> {
    fn check_value(&mut self) -> Result<Option<Vec<u8>>, LogError> {
        self.ready()?;
        check_value(self.connection)
    }

    fn set_check_value(&mut self, check: &[u8]) -> Result<(), LogError> {
        self.ready()?;
        self.connection
            .prepare_cached("INSERT INTO goesgen_personal_check (id, check_value) VALUES (1, ?1)")
            .and_then(|mut statement| statement.execute([check]))
            .map(drop)
            .map_err(|e| classify("cannot store the master key's check value", e))
    }

    fn find(&mut self, subject: &Subject) -> Result<Option<(KeyId, Vec<u8>)>, LogError> {
        self.ready()?;
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .connection
            .prepare_cached("SELECT key_id, wrapped FROM goesgen_personal_keys WHERE subject = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([subject.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(|e| classify("cannot read a personal data key", e))?;
        match row {
            None => Ok(None),
            Some((id, wrapped)) => match KeyId::from_slice(&id) {
                Some(id) => Ok(Some((id, wrapped))),
                None => Err(PersonalError::DamagedKey {
                    subject: subject.to_string(),
                }
                .into()),
            },
        }
    }

    fn insert(&mut self, subject: &Subject, id: KeyId, wrapped: &[u8]) -> Result<(), LogError> {
        self.ready()?;
        self.connection
            .prepare_cached(
                "INSERT INTO goesgen_personal_keys (key_id, subject, wrapped) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut statement| {
                statement.execute((&id.as_bytes()[..], subject.to_string(), wrapped))
            })
            .map(drop)
            .map_err(|e| classify("cannot store a personal data key", e))
    }
}

/// Checks `master` against the check value stored in the file, if there
/// is one: [`PersonalError::WrongMasterKey`] when it does not match.
pub(super) fn verify_at_open(connection: &Connection, master: &MasterKey) -> Result<(), LogError> {
    if !exists(connection)? {
        return Ok(());
    }
    match check_value(connection)? {
        Some(check) => Ok(master.verify(&check)?),
        None => Ok(()),
    }
}

/// The keys of `ids` the file holds, unwrapped with `master`.
pub(super) fn data_keys(
    connection: &Connection,
    master: Option<&MasterKey>,
    ids: &[KeyId],
) -> Result<DataKeys, LogError> {
    if ids.is_empty() || !exists(connection)? {
        return Ok(DataKeys::new());
    }
    let doing = "cannot read the personal data keys";
    let mut rows = Vec::new();
    {
        let mut statement = connection
            .prepare_cached("SELECT subject, wrapped FROM goesgen_personal_keys WHERE key_id = ?1")
            .map_err(|e| classify(doing, e))?;
        for id in ids {
            let row: Option<(String, Vec<u8>)> = statement
                .query_row([&id.as_bytes()[..]], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .map_err(|e| classify(doing, e))?;
            if let Some((subject, wrapped)) = row {
                let subject: Subject = subject.parse().map_err(|_| PersonalError::DamagedKey {
                    subject: subject.clone(),
                })?;
                rows.push((*id, subject, wrapped));
            }
        }
    }
    if rows.is_empty() {
        return Ok(DataKeys::new());
    }
    let master = master.ok_or(PersonalError::NoMasterKey)?;
    unwrap_keys(master, check_value(connection)?.as_deref(), rows)
}

/// Whether `subject` has a key in the file.
pub(super) fn has_key(connection: &Connection, subject: &Subject) -> Result<bool, LogError> {
    if !exists(connection)? {
        return Ok(false);
    }
    connection
        .prepare_cached("SELECT 1 FROM goesgen_personal_keys WHERE subject = ?1")
        .and_then(|mut statement| statement.exists([subject.to_string()]))
        .map_err(|e| classify("cannot read a personal data key", e))
}

/// Copies the write-ahead log into the file and truncates it, so that the
/// pages that held deleted data are gone from the WAL (the log's after a
/// forget, and the SQLite store kit's after a sync that forgot): tried a
/// few times while readers hold old snapshots, then left with a warning
/// naming `what` (the database) and `then` (what truncates it later).
pub(crate) fn truncate_wal(connection: &Connection, what: &str, then: &str) {
    for attempt in 0..50 {
        let busy = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            row.get::<_, i64>(0)
        });
        match busy {
            Ok(0) => return,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(2 * (attempt + 1))),
            Err(error) => {
                tracing::warn!(%error, "cannot checkpoint {what} after a forget");
                return;
            }
        }
    }
    tracing::warn!(
        "readers kept {what}'s write-ahead log from being truncated after a forget; {then}"
    );
}

impl SqliteLog {
    pub(super) async fn data_keys_now(&self, ids: Vec<KeyId>) -> Result<DataKeys, LogError> {
        let readers = Arc::clone(&self.readers);
        let master = self.options.master_key.clone();
        run_blocking(move || {
            readers.with_connection(|connection| data_keys(connection, master.as_ref(), &ids))
        })
        .await
    }

    pub(super) async fn forget_now(&self, subject: &Subject) -> Result<Forgot, LogError> {
        let readers = Arc::clone(&self.readers);
        let asked = subject.clone();
        let had_key =
            run_blocking(move || readers.with_connection(|connection| has_key(connection, &asked)))
                .await?;
        let record = self.append_with(Append::forgetting(subject)).await?;
        Ok(Forgot { record, had_key })
    }
}
