//! What services hand back: [`Recorded`] (where and when the log recorded
//! an event), [`Committed`] (the result of a write method) and
//! [`ServiceStats`] (how often transactions met conflicts).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::log::Appended;
use crate::record::Position;

/// Where and when the log recorded an event: what a store's `apply_*`
/// methods get beside the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The event's position in the log.
    pub position: Position,
    /// When the append that wrote it was committed.
    pub recorded_at: SystemTime,
}

/// The result of a write method (append or transaction): its output, the
/// events it emitted, where the log recorded them and how many attempts it
/// took.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed<O, E> {
    /// The method's output.
    pub output: O,
    /// The events the method emitted, in the order appended.
    pub events: Vec<E>,
    /// Their positions and commit time. For a method that emitted nothing,
    /// an empty range after the projection's version.
    pub appended: Appended,
    /// How many times the method was called (1 unless a transaction met
    /// conflicts).
    pub attempts: u32,
}

impl<O, E> Committed<O, E> {
    /// Each event with where and when it was recorded.
    pub fn recorded(&self) -> impl Iterator<Item = (Recorded, &E)> {
        let recorded_at = self.appended.recorded_at;
        self.appended
            .positions()
            .zip(&self.events)
            .map(move |(position, event)| {
                (
                    Recorded {
                        position,
                        recorded_at,
                    },
                    event,
                )
            })
    }
}

/// Counters of a service since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServiceStats {
    /// Write methods (append and transaction) that committed.
    pub commits: u64,
    /// Calls of transaction methods, counting every retry.
    pub attempts: u64,
    /// Appends refused because their condition no longer held.
    pub conflicts: u64,
}

/// The live counters behind [`ServiceStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    commits: AtomicU64,
    attempts: AtomicU64,
    conflicts: AtomicU64,
}

impl Counters {
    pub(crate) fn commit(&self) {
        self.commits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn conflict(&self) {
        self.conflicts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ServiceStats {
        ServiceStats {
            commits: self.commits.load(Ordering::Relaxed),
            attempts: self.attempts.load(Ordering::Relaxed),
            conflicts: self.conflicts.load(Ordering::Relaxed),
        }
    }
}
