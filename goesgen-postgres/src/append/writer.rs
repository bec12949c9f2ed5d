//! [`Writer`]: the single writer task of one log, which owns the write
//! connection and commits the queued appends group by group, reconnecting
//! after a lost connection.

use std::sync::Arc;
use std::time::Duration;

use goesgen_runtime::error::LogError;
use goesgen_runtime::log::{Append, HeadPublisher};
use tokio::sync::{mpsc, watch};

use super::{GroupOutcome, PendingAppend, WriteConn, run_group};
use crate::connect::{Backoff, Connector};
use crate::personal::Sealer;
use crate::schema::Sql;

/// The single writer of one log: owns the write connection and commits the
/// queued appends group by group.
pub(crate) struct Writer {
    connector: Arc<Connector>,
    sql: Arc<Sql>,
    sealer: Arc<Sealer>,
    conn: Option<WriteConn>,
    backoff: Backoff,
    heads: HeadPublisher,
    max_group: usize,
    group_timeout: Duration,
}

impl Writer {
    /// A writer that publishes the heads it commits to `heads`, puts at
    /// most `max_group` appends in one transaction, and gives each
    /// transaction `group_timeout`.
    pub fn new(
        connector: Arc<Connector>,
        sql: Arc<Sql>,
        sealer: Arc<Sealer>,
        heads: HeadPublisher,
        max_group: usize,
        group_timeout: Duration,
    ) -> Self {
        Self {
            connector,
            sql,
            sealer,
            conn: None,
            backoff: Backoff::default(),
            heads,
            max_group: max_group.max(1),
            group_timeout,
        }
    }

    /// Commits queued appends until the queue closes or `shutdown` fires;
    /// appends still queued then fail with [`LogError::Closed`].
    pub async fn run(
        mut self,
        mut queue: mpsc::Receiver<PendingAppend>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut group = Vec::with_capacity(self.max_group);
        loop {
            let first = tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                next = queue.recv() => match next {
                    Some(next) => next,
                    None => break,
                },
            };
            group.push(first);
            while group.len() < self.max_group {
                match queue.try_recv() {
                    Ok(next) => group.push(next),
                    Err(_) => break,
                }
            }
            self.commit_group(&mut group).await;
        }
        queue.close();
        while let Ok(pending) = queue.try_recv() {
            // The caller may have gone; then nobody waits for the answer.
            let _ = pending.reply.send(Err(LogError::Closed));
        }
        tracing::debug!(table = %self.sql.table, "PostgreSQL log writer stopped");
    }

    /// Commits one group and answers each of its members.
    async fn commit_group(&mut self, group: &mut Vec<PendingAppend>) {
        let outcome = match self.connect().await {
            Ok(()) => match &self.conn {
                Some(conn) => {
                    let members: Vec<&Append> = group.iter().map(|p| &p.append).collect();
                    run_group(
                        conn,
                        &self.connector,
                        &self.sql,
                        &self.sealer,
                        &members,
                        false,
                        self.group_timeout,
                    )
                    .await
                }
                None => GroupOutcome::failed(group.len(), &LogError::Closed, false),
            },
            Err(error) => GroupOutcome::failed(group.len(), &error, true),
        };
        if !outcome.reusable {
            self.conn = None;
        }
        // Publish before answering: a caller that subscribes after its
        // append returned must not be woken by that append.
        if let Some(head) = outcome.head {
            self.heads.publish(head);
        }
        for (pending, result) in group.drain(..).zip(outcome.results) {
            // The caller may have gone; the append stands anyway.
            let _ = pending.reply.send(result);
        }
    }

    /// Opens the write connection (again) if there is none or it was lost.
    async fn connect(&mut self) -> Result<(), LogError> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            self.backoff.check()?;
            match WriteConn::open(&self.connector, &self.sql).await {
                Ok(conn) => {
                    self.backoff.succeeded();
                    self.conn = Some(conn);
                }
                Err(error) => {
                    let delay = self.backoff.failed();
                    tracing::warn!(%error, ?delay, "PostgreSQL log writer cannot connect");
                    return Err(error);
                }
            }
        }
        Ok(())
    }
}
