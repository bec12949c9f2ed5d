//! The watcher thread: it sees commits by other processes (and connections)
//! by polling `PRAGMA data_version`, publishes the new head to
//! subscriptions, and checkpoints the write-ahead log so it stays short.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::SqliteOptions;
use crate::error::LogError;
use crate::log::HeadPublisher;

/// How long a `TRUNCATE` checkpoint may wait for readers and writers.
const TRUNCATE_PATIENCE: Duration = Duration::from_millis(100);

/// Starts the watcher on `connection`; it stops when the returned sender is
/// dropped.
pub(super) fn start(
    connection: Connection,
    heads: HeadPublisher,
    options: &SqliteOptions,
) -> Result<mpsc::Sender<()>, LogError> {
    let (stop, stopped) = mpsc::channel();
    let watcher = Watcher {
        connection,
        heads,
        poll: options.poll_interval.max(Duration::from_micros(100)),
        checkpoint_interval: options.checkpoint_interval,
        truncate_after_idle: options.truncate_after_idle,
        busy_timeout: options.busy_timeout,
    };
    std::thread::Builder::new()
        .name("goesgen-sqlite-watcher".to_owned())
        .spawn(move || watcher.run(stopped))
        .map_err(|e| LogError::unavailable("cannot start the SQLite watcher thread", e))?;
    Ok(stop)
}

struct Watcher {
    connection: Connection,
    heads: HeadPublisher,
    poll: Duration,
    checkpoint_interval: Duration,
    truncate_after_idle: Duration,
    busy_timeout: Duration,
}

impl Watcher {
    fn run(self, stopped: mpsc::Receiver<()>) {
        let mut version = self.data_version();
        let mut last_change = Instant::now();
        let mut last_checkpoint = Instant::now();
        // Commits not yet checkpointed (passive) / not yet truncated.
        let mut unchecked = false;
        let mut untruncated = true;
        // Anything but a timeout (the log dropped its sender) stops it.
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(self.poll) {
            let now = self.data_version();
            if now.is_some() && now != version {
                version = now;
                last_change = Instant::now();
                unchecked = true;
                untruncated = true;
                self.publish_head();
            }
            if unchecked && last_checkpoint.elapsed() >= self.checkpoint_interval {
                self.checkpoint("PASSIVE");
                last_checkpoint = Instant::now();
                unchecked = false;
            }
            if untruncated && last_change.elapsed() >= self.truncate_after_idle {
                // Wait only briefly for readers and writers: a TRUNCATE
                // checkpoint holds new writers off while it waits.
                let _ = self.connection.busy_timeout(TRUNCATE_PATIENCE);
                self.checkpoint("TRUNCATE");
                let _ = self.connection.busy_timeout(self.busy_timeout);
                last_checkpoint = Instant::now();
                untruncated = false;
            }
        }
        tracing::debug!("SQLite watcher stopped");
    }

    fn data_version(&self) -> Option<i64> {
        match self
            .connection
            .pragma_query_value(None, "data_version", |row| row.get(0))
        {
            Ok(version) => Some(version),
            Err(error) => {
                tracing::warn!(%error, "cannot poll the SQLite data version");
                None
            }
        }
    }

    fn publish_head(&self) {
        match super::read::head(&self.connection) {
            Ok(head) => self.heads.publish(head),
            Err(error) => tracing::warn!(%error, "cannot read the head of the SQLite log"),
        }
    }

    fn checkpoint(&self, mode: &str) {
        let result =
            self.connection
                .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                });
        match result {
            Ok((busy, frames, done)) => {
                tracing::trace!(mode, busy, frames, done, "SQLite checkpoint");
            }
            Err(error) => tracing::debug!(%error, mode, "SQLite checkpoint did not run"),
        }
    }
}
