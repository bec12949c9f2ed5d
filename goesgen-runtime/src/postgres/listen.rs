//! The follower side: a background task per [`PostgresLog`] that holds a
//! dedicated connection in `LISTEN` on the log's channel and publishes every
//! head an append announces (appends `pg_notify` the new head from their
//! transaction, so it is sent at commit).
//!
//! Notifications sent while the listener is disconnected are lost, so after
//! every (re)connection it first `LISTEN`s and then reads the head and
//! publishes it: whatever was committed while it was away is covered by that
//! read, whatever comes after by a notification.
//!
//! [`PostgresLog`]: super::PostgresLog

use std::future::poll_fn;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

use super::connect::{Backoff, Connector, db_error};
use super::schema::Sql;
use crate::error::LogError;
use crate::record::Position;

/// Publishes `head` if it is newer than the published one.
pub(crate) fn publish(heads: &watch::Sender<Position>, head: Position) {
    heads.send_if_modified(|published| {
        let newer = head > *published;
        if newer {
            *published = head;
        }
        newer
    });
}

/// Listens for new heads until `shutdown` fires (or its sender is dropped),
/// reconnecting with backoff whenever the connection is lost.
pub(crate) async fn run(
    connector: Arc<Connector>,
    sql: Arc<Sql>,
    heads: watch::Sender<Position>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::default();
    loop {
        let ended = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            ended = listen(&connector, &sql, &heads, &mut backoff) => ended,
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

/// One connection's life: `LISTEN`, read and publish the head, then publish
/// every notified head until the connection ends. Returns why it ended.
async fn listen(
    connector: &Connector,
    sql: &Sql,
    heads: &watch::Sender<Position>,
    backoff: &mut Backoff,
) -> LogError {
    let (client, mut connection) = match connector.connect_raw().await {
        Ok(pair) => pair,
        Err(error) => return error,
    };
    let (notified, mut notifications) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(notification))) => {
                    if notified.send(notification.payload().to_owned()).is_err() {
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
    match client.query_one(sql.head.as_str(), &[]).await {
        Ok(row) => match row.try_get::<_, i64>(0) {
            Ok(head) => publish(heads, Position::try_from(head).unwrap_or(0)),
            Err(error) => return db_error("unexpected head row", error),
        },
        Err(error) => return db_error("cannot read the head", error),
    }
    backoff.succeeded();
    tracing::debug!(table = %sql.table, "PostgreSQL log listener connected");

    while let Some(payload) = notifications.recv().await {
        match payload.parse::<Position>() {
            Ok(head) => publish(heads, head),
            Err(_) => tracing::warn!(%payload, "ignoring a malformed head notification"),
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
