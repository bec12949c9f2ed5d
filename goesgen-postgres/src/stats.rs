//! What a [`PostgresLog`] has done, counted for tests and diagnostics:
//! [`PostgresStats`] (not a stable interface).

use std::sync::atomic::{AtomicU64, Ordering};

use super::PostgresLog;

/// What a log has done, counted for tests and diagnostics.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Pages read (`read`).
    pub(crate) reads: AtomicU64,
    /// Heads read for callers (`head`, an empty append).
    pub(crate) head_reads: AtomicU64,
    /// Notifications the listener received.
    pub(crate) notifications: AtomicU64,
    /// Heads the listener read from the table.
    pub(crate) listener_head_reads: AtomicU64,
}

/// A snapshot of a [`PostgresLog`]'s counters (not a stable interface:
/// for tests and diagnostics).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostgresStats {
    /// Pages read by `read`.
    pub reads: u64,
    /// Heads read by `head` (and empty appends).
    pub head_reads: u64,
    /// Notifications received on the log's channel.
    pub notifications: u64,
    /// Heads the listener read from the table after notifications or
    /// reconnects.
    pub listener_head_reads: u64,
}

impl PostgresLog {
    /// The log's counters (not a stable interface: for tests and
    /// diagnostics).
    #[doc(hidden)]
    pub fn stats(&self) -> PostgresStats {
        PostgresStats {
            reads: self.stats.reads.load(Ordering::Relaxed),
            head_reads: self.stats.head_reads.load(Ordering::Relaxed),
            notifications: self.stats.notifications.load(Ordering::Relaxed),
            listener_head_reads: self.stats.listener_head_reads.load(Ordering::Relaxed),
        }
    }
}
