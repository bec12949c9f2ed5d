//! What services hand back: [`Recorded`] (where and when the log recorded
//! an event), [`Committed`] (the result of a write method),
//! [`ServiceStats`] (how often transactions met conflicts, how many records
//! were skipped) and [`Skipped`] (a record a service passed over).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
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
    /// conflicts, or its batch was decided again without a call that
    /// failed or went away).
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

/// Counters of a service since it was built, and where its projection
/// stands against the log.
///
/// Every call of a transaction method's body is an attempt, and each
/// attempt ends in exactly one way, so that (for calls not cancelled by
/// their callers) `attempts = commits + conflicts + refusals + redecisions
/// + failures`, where `commits` counts transaction calls (append methods
/// add to `commits` too, not to `attempts`).
///
/// `version`, `head` and `lag` are as of the last commit this instance of
/// the service made (or the last projection version it read) and the
/// newest head of the log it was told of (published by the log, or seen in
/// a read): another instance writing the same store, or an append not yet
/// published to this process, shows only later. Until the instance first
/// commits or reads its version, `version` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServiceStats {
    /// Calls of write methods that committed: an append method's calls
    /// that appended events, and transaction calls whose events were
    /// appended or that had none to append.
    pub commits: u64,
    /// Calls of transaction methods' bodies, counting every retry.
    pub attempts: u64,
    /// Attempts whose append was refused because its condition no longer
    /// held (a refused batch counts each of its calls).
    pub conflicts: u64,
    /// Attempts that ended in the call's own refusal: the method's error,
    /// or the store refusing one of its events.
    pub refusals: u64,
    /// Attempts decided in a batch and then dropped, because another call
    /// of the batch failed or went away during its turn (the store cannot
    /// undo one call alone): the call is decided again.
    pub redecisions: u64,
    /// Attempts that ended in any other way: the store, the log or the
    /// encoding failed, the call's key turned out to be in the log, or its
    /// caller went away during its turn.
    pub failures: u64,
    /// Transaction attempts made under the log's write lock, after
    /// [`ServiceOptions::escalate_after`](crate::service::ServiceOptions::escalate_after)
    /// conflicts.
    pub escalations: u64,
    /// Records passed over while catching up (listed by an operator, or
    /// refused by the store under [`RefusedRecords::Skip`](crate::service::RefusedRecords::Skip)).
    pub skipped: u64,
    /// The projection version this instance last committed (see above).
    pub version: Position,
    /// The newest head of the log this instance knows of (at least
    /// `version`).
    pub head: Position,
    /// `head - version`: how many positions the projection is behind.
    pub lag: u64,
}

/// Why a service passed over a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipCause {
    /// Its position was in [`ServiceOptions::skip_positions`](crate::service::ServiceOptions::skip_positions).
    Listed,
    /// The store refused it and the options say to skip such records.
    Refused,
}

/// A record a service passed over while catching up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// The record's position.
    pub position: Position,
    /// Its kind, where it was read.
    pub kind: String,
    /// Why it was passed over.
    pub cause: SkipCause,
    /// The store's refusal, for [`SkipCause::Refused`].
    pub reason: Option<String>,
}

/// The most skipped records a service lists (the count goes on).
pub(crate) const MAX_LISTED_SKIPS: usize = 1_000;

/// The live counters behind [`ServiceStats`], and the skipped records.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    commits: AtomicU64,
    attempts: AtomicU64,
    conflicts: AtomicU64,
    refusals: AtomicU64,
    redecisions: AtomicU64,
    failures: AtomicU64,
    escalations: AtomicU64,
    skipped: AtomicU64,
    skips: Mutex<SkipLog>,
}

/// The records skipped so far: every position (so each counts once), and
/// the first [`MAX_LISTED_SKIPS`] in full.
#[derive(Debug, Default)]
struct SkipLog {
    positions: std::collections::BTreeSet<Position>,
    listed: Vec<Skipped>,
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

    /// `count` attempts decided in a batch were dropped, to be decided
    /// again.
    pub(crate) fn redecisions(&self, count: usize) {
        self.redecisions.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// `count` attempts failed (see [`ServiceStats::failures`]).
    pub(crate) fn failures(&self, count: usize) {
        self.failures.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// An attempt ended with `error` (not a conflict): a refusal when it is
    /// the call's own (the method's error, or the store refusing its
    /// events), else a failure.
    pub(crate) fn ended_with<M>(&self, error: &crate::service::error::ServiceError<M>) {
        use crate::service::error::ServiceError;
        let counter = match error {
            ServiceError::Method(_) | ServiceError::Refused { .. } => &self.refusals,
            _ => &self.failures,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a record at `position` was skipped because the store
    /// refused it (it is then passed over when read again).
    pub(crate) fn was_skipped(&self, position: Position) -> bool {
        // Nothing skipped yet (the common case): no lock per record read.
        // `skip` counts after it lists, under the lock, and a catch-up
        // that noted a skip reads again after it: it sees the count.
        if self.skipped.load(Ordering::Acquire) == 0 {
            return false;
        }
        let skips = self.skips.lock().unwrap_or_else(PoisonError::into_inner);
        skips.positions.contains(&position)
    }

    pub(crate) fn escalation(&self) {
        self.escalations.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts and lists a skipped record (once per position: a batch that
    /// is read again after a rollback passes over it again).
    pub(crate) fn skip(&self, skipped: Skipped) {
        let mut skips = self.skips.lock().unwrap_or_else(PoisonError::into_inner);
        if !skips.positions.insert(skipped.position) {
            return;
        }
        self.skipped.fetch_add(1, Ordering::Release);
        if skips.listed.len() < MAX_LISTED_SKIPS {
            skips.listed.push(skipped);
        }
    }

    /// The skipped records, oldest first.
    pub(crate) fn skipped(&self) -> Vec<Skipped> {
        self.skips
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .listed
            .clone()
    }

    pub(crate) fn snapshot(&self) -> ServiceStats {
        ServiceStats {
            commits: self.commits.load(Ordering::Relaxed),
            attempts: self.attempts.load(Ordering::Relaxed),
            conflicts: self.conflicts.load(Ordering::Relaxed),
            refusals: self.refusals.load(Ordering::Relaxed),
            redecisions: self.redecisions.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            escalations: self.escalations.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            ..ServiceStats::default()
        }
    }
}
