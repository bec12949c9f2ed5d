//! [`IdleConnections`]: the idle read connections to an SQLite file, kept
//! for the next read up to a maximum. The log's read pool and the SQLite
//! store kit's readers share it.

use std::sync::{Mutex, PoisonError};

use rusqlite::Connection;

/// Idle connections, at most `max` of them.
#[derive(Debug)]
pub(crate) struct IdleConnections {
    idle: Mutex<Vec<Connection>>,
    max: usize,
}

impl IdleConnections {
    /// No idle connection yet; at most `max` are kept.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            max,
        }
    }

    /// An idle connection, if there is one (the newest).
    pub(crate) fn take(&self) -> Option<Connection> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Keeps `connection` for the next read if fewer than the maximum are
    /// idle, else closes it.
    pub(crate) fn keep(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.max {
            idle.push(connection);
        }
    }
}
