//! [`SqliteWriteLock`]: SQLite's write lock held by a connection of its
//! own (`BEGIN IMMEDIATE`) until it appends through that connection or is
//! dropped.

use std::path::PathBuf;

use rusqlite::Connection;

use super::{SqliteOptions, classify, connection, run_blocking, writer};
use crate::backend::checks;
use crate::error::LogError;
use crate::log::{Append, Appended, AppendedParts, BoxFuture, HeadPublisher, WriteLock};

/// The write lock of a [`SqliteLog`](super::SqliteLog): a connection in an
/// open `BEGIN IMMEDIATE` transaction. Every other writer, in this process
/// (the log's writer thread) or another, waits for SQLite's write lock
/// until it is released.
pub(super) struct SqliteWriteLock {
    /// `None` once it has been committed or rolled back.
    connection: Option<Connection>,
    options: SqliteOptions,
    heads: HeadPublisher,
}

impl SqliteWriteLock {
    /// Opens a connection to `path` and takes the write lock on it, on a
    /// blocking thread, waiting up to the busy timeout for other writers
    /// ([`LogError::Unavailable`] after that).
    pub(super) async fn take(
        path: PathBuf,
        options: SqliteOptions,
        heads: HeadPublisher,
    ) -> Result<Self, LogError> {
        let settings = options.clone();
        let connection = run_blocking(move || {
            if settings.read_only {
                // SQLite lets a read-only connection begin an IMMEDIATE
                // transaction (it takes no write lock): refuse it here as
                // SQLite refuses a write.
                let refused = rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                    Some(
                        "attempt to write a readonly database: the log was opened read-only"
                            .to_owned(),
                    ),
                );
                return Err(classify("cannot take the write lock", refused));
            }
            let connection = connection::open(&path, &settings)?;
            connection
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| classify("cannot take the write lock", e))?;
            tracing::debug!(path = %path.display(), "took the SQLite write lock");
            Ok(connection)
        })
        .await?;
        Ok(Self {
            connection: Some(connection),
            options,
            heads,
        })
    }

    /// Judges and writes `append` in the open transaction and commits it
    /// (rolls back on a conflict or an error); publishes the new head.
    fn append_blocking(mut self, append: Append) -> Result<AppendedParts, LogError> {
        let connection = self.connection.take().ok_or(LogError::Closed)?;
        checks::check_append(&append, &self.options.limits)
            .and_then(|()| writer::Member::new(append, &self.options))
            .and_then(|member| {
                let mut head = writer::begin_writing(&connection, None)?;
                let outcome = writer::write_member(&connection, &mut head, &member)?;
                Ok((outcome, head))
            })
            .and_then(|(outcome, head)| match outcome {
                Ok(appended) => {
                    connection
                        .execute_batch("COMMIT")
                        .map_err(writer::commit_failed)?;
                    self.heads.publish(head);
                    Ok(appended)
                }
                Err(conflict) => Err(conflict.into()),
            })
            .inspect_err(|_| release(&connection))
    }
}

/// Rolls back the lock's transaction, releasing SQLite's write lock.
fn release(connection: &Connection) {
    if !connection.is_autocommit()
        && let Err(error) = connection.execute_batch("ROLLBACK")
    {
        // Closing the connection rolls back anyway.
        tracing::debug!(%error, "cannot roll back the SQLite write lock");
    }
}

impl WriteLock for SqliteWriteLock {
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>> {
        let lock = *self;
        Box::pin(run_blocking(move || {
            lock.append_blocking(append).map(|parts| parts.single())
        }))
    }

    fn append_parts(
        self: Box<Self>,
        append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        let lock = *self;
        Box::pin(run_blocking(move || lock.append_blocking(append)))
    }
}

impl Drop for SqliteWriteLock {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            let unlock = move || {
                release(&connection);
                drop(connection);
                tracing::debug!("released the SQLite write lock");
            };
            // Off the async threads when there are some.
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn_blocking(unlock)),
                Err(_) => unlock(),
            }
        }
    }
}
