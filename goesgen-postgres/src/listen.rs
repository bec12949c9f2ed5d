//! The follower side: a background task per [`PostgresLog`] that holds a
//! dedicated connection in `LISTEN` on the log's channel and publishes the
//! head after every append another process announces (appends `pg_notify`
//! from their transaction, so it is sent at commit).
//!
//! A notification is only a wake-up: any login to the database can
//! `NOTIFY` the channel with any payload, and heads only move forward, so
//! publishing a payload would let anyone stall every follower (a head of
//! `u64::MAX` that the log never reaches sends followers reading in a
//! loop). On a notification the listener reads the head from the table
//! and publishes that; the notifications that arrived meanwhile are
//! covered by the same read, so a burst costs one or two reads.
//!
//! Notifications sent while the listener is disconnected are lost, so after
//! every (re)connection it first `LISTEN`s and then reads the head and
//! publishes it: whatever was committed while it was away is covered by that
//! read, whatever comes after by a notification.
//!
//! [`PostgresLog`]: super::PostgresLog

use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

use super::Stats;
use super::connect::{Backoff, Connector, db_error};
use super::schema::Sql;
use goesgen_runtime::error::LogError;
use goesgen_runtime::log::HeadPublisher;

/// Listens for new heads until `shutdown` fires (or its sender is dropped),
/// reconnecting with backoff whenever the connection is lost.
pub(crate) async fn run(
    connector: Arc<Connector>,
    sql: Arc<Sql>,
    heads: HeadPublisher,
    mut shutdown: watch::Receiver<bool>,
    stats: Arc<Stats>,
) {
    let mut backoff = Backoff::default();
    loop {
        let ended = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            ended = listen(&connector, &sql, &heads, &mut backoff, &stats) => ended,
        };
        let delay = backoff.failed();
        tracing::warn!(error = %ended, ?delay, table = %sql.table, "PostgreSQL log listener disconnected; reconnecting");
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    tracing::debug!(table = %sql.table, "PostgreSQL log listener stopped");
}

/// One connection's life: `LISTEN`, read and publish the head, then read
/// and publish it again after every notification (a burst read once) until
/// the connection ends. Returns why it ended.
async fn listen(
    connector: &Connector,
    sql: &Sql,
    heads: &HeadPublisher,
    backoff: &mut Backoff,
    stats: &Stats,
) -> LogError {
    let (client, mut connection) = match connector.connect_raw().await {
        Ok(pair) => pair,
        Err(error) => return error,
    };
    let (notified, mut notifications) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(_))) => {
                    // The payload is not trusted: only the wake-up counts.
                    if notified.send(()).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::debug!(%error, "PostgreSQL listener connection failed");
                    return;
                }
                None => return,
            }
        }
    });
    // Ends the driver (and so the connection) however this function ends.
    let _driver = AbortOnDrop(driver);

    if let Err(error) = client.batch_execute(&sql.listen).await {
        return db_error("cannot LISTEN for new events", error);
    }
    let head = match client.prepare(&sql.head).await {
        Ok(statement) => statement,
        Err(error) => return db_error("cannot prepare the head query", error),
    };
    let read_head = async || -> Result<(), LogError> {
        stats.listener_head_reads.fetch_add(1, Ordering::Relaxed);
        let row = client
            .query_one(&head, &[])
            .await
            .map_err(|e| db_error("cannot read the head", e))?;
        heads.publish(super::head_of(&row)?);
        Ok(())
    };
    if let Err(error) = read_head().await {
        return error;
    }
    backoff.succeeded();
    tracing::debug!(table = %sql.table, "PostgreSQL log listener connected");

    while notifications.recv().await.is_some() {
        // Everything notified so far is committed: one read covers it all.
        let mut burst = 1_u64;
        while notifications.try_recv().is_ok() {
            burst += 1;
        }
        stats.notifications.fetch_add(burst, Ordering::Relaxed);
        if let Err(error) = read_head().await {
            return error;
        }
    }
    LogError::Unavailable {
        message: "the listener's connection was lost".to_owned(),
        source: None,
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
