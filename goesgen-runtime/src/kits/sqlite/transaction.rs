//! The SQLite kit's transactions: [`SqliteWrite`] (the write connection
//! inside `BEGIN IMMEDIATE`, owned through a [`WriteTurn`] that rolls back
//! whatever is left open when it is dropped) and [`SqliteRead`] (a
//! snapshot on a pooled read connection, or on the write connection of an
//! in-memory database). Apart from the store, so that the store's file
//! says how a store is opened and rebuilt and this one what a transaction
//! holds.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::OwnedMutexGuard;

use super::version::{read_fingerprint, read_version};
use super::{Shared, blocking, run_cached, sql_error};
use crate::record::Position;
use crate::service::{StoreError, StoreErrorKind, StoreFingerprint};

/// The write connection, taken from the store's lock. Dropped with a
/// transaction open, it rolls it back before the lock is released.
pub(super) struct WriteTurn(pub(super) OwnedMutexGuard<Connection>);

impl WriteTurn {
    /// An error (after rolling back) if a transaction is left open, by SQL
    /// that was to run outside any.
    pub(super) fn no_transaction_left(&self, doing: &str) -> Result<(), StoreError> {
        if self.is_autocommit() {
            return Ok(());
        }
        self.roll_back();
        Err(StoreError::of(
            StoreErrorKind::Other,
            format!("SQLite store: {doing} left a transaction open; it was rolled back"),
        ))
    }

    pub(super) fn roll_back(&self) {
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

impl DerefMut for WriteTurn {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0
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

/// A write transaction of a [`SqliteStore`](super::SqliteStore): the write connection inside
/// `BEGIN IMMEDIATE` (`Deref` to `rusqlite::Connection`). Dropped without
/// commit or rollback, it rolls back.
pub struct SqliteWrite {
    pub(super) turn: WriteTurn,
    pub(super) name: String,
    /// Whether the savepoint of [`Store::savepoint`](crate::Store::savepoint) is set.
    pub(super) savepoint: bool,
    /// Whether a forget hook ran ([`Store::forgot`](crate::Store::forgot)).
    pub(super) forgot: bool,
}

impl SqliteWrite {
    /// The projection version as of this transaction.
    pub fn version(&self) -> Result<Position, StoreError> {
        read_version(self, &self.name)
    }

    /// The fingerprint kept beside the version as of this transaction
    /// (`None` if none is kept).
    pub fn fingerprint(&self) -> Result<Option<StoreFingerprint>, StoreError> {
        read_fingerprint(self, &self.name)
    }

    /// Ends the transaction with `statement`, then truncates the WAL if
    /// `truncate` (still holding the write connection).
    pub(super) async fn end(
        self,
        statement: &'static str,
        truncate: bool,
    ) -> Result<(), StoreError> {
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

pub(super) enum ReadConnection {
    Pooled(Option<Connection>),
    /// An in-memory database's write connection; dropping the turn ends
    /// the read transaction.
    Shared(WriteTurn),
}

/// A read transaction of a [`SqliteStore`](super::SqliteStore): a snapshot of the committed
/// projection (`Deref` to `rusqlite::Connection`), ended when dropped.
pub struct SqliteRead {
    pub(super) connection: ReadConnection,
    pub(super) shared: Arc<Shared>,
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
