//! [`EventLog::lock_writes`](goesgen_runtime::EventLog::lock_writes) on
//! PostgreSQL: the log's advisory lock held in a transaction on a
//! connection of its own, until the lock appends or is dropped.

use std::sync::{Arc, PoisonError};

use goesgen_runtime::error::LogError;
use goesgen_runtime::log::{Append, Appended, AppendedParts, BoxFuture, WriteLock};

use super::PostgresLog;
use super::append::{WriteConn, run_group};
use super::connect::db_error;

impl PostgresLog {
    /// Takes the log's advisory lock in a transaction on a connection of
    /// its own.
    pub(crate) async fn lock(&self) -> Result<PostgresWriteLock<'_>, LogError> {
        self.check_open()?;
        let conn = WriteConn::open(&self.connector, &self.sql).await?;
        conn.client
            .batch_execute(&self.sql.begin_locked)
            .await
            .map_err(|e| db_error("cannot lock the event log", e))?;
        tracing::debug!(table = %self.sql.table, "PostgreSQL log write lock taken");
        Ok(PostgresWriteLock { log: self, conn })
    }
}

/// [`PostgresLog`]'s write lock: a connection of its own, in a transaction
/// that holds the log's advisory lock. Appending writes and commits through
/// it (with the writer's code); dropping it closes the connection, which
/// rolls the transaction back and releases the lock.
pub(crate) struct PostgresWriteLock<'a> {
    log: &'a PostgresLog,
    pub(crate) conn: WriteConn,
}

impl WriteLock for PostgresWriteLock<'_> {
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>> {
        let appended = self.append_parts(append);
        Box::pin(async move { Ok(appended.await?.single()) })
    }

    fn append_parts(
        self: Box<Self>,
        append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        Box::pin(self.commit(append))
    }
}

impl PostgresWriteLock<'_> {
    /// Appends `append` in the lock's transaction (with whatever the
    /// transaction already did) and commits; the lock is released either
    /// way.
    pub(crate) fn commit(
        self,
        append: Append,
    ) -> impl Future<Output = Result<AppendedParts, LogError>> + Send + 'static {
        let prepared = self.log.prepare_append(append);
        let connector = Arc::clone(&self.log.connector);
        let sql = Arc::clone(&self.log.sql);
        let sealer = Arc::clone(&self.log.sealer);
        let heads = self
            .log
            .heads_tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let conn = self.conn;
        let group_timeout = self.log.group_timeout;
        async move {
            // Dropping `conn` on any return releases the lock.
            let append = prepared?;
            let outcome = run_group(
                &conn,
                &connector,
                &sql,
                &sealer,
                &[&append],
                true,
                group_timeout,
            )
            .await;
            drop(conn);
            if let (Some(heads), Some(head)) = (heads, outcome.head) {
                heads.publish(head);
            }
            outcome
                .results
                .into_iter()
                .next()
                .unwrap_or(Err(LogError::Closed))
        }
    }
}
