//! [`ServiceOptions`]: how a service runs its methods against the log: the
//! conflict rule of transactions, how often a conflicting transaction is
//! tried, when it takes the log's write lock and how long it pauses
//! between tries, whether a service applies its own events right after
//! appending them, what it does with events of kinds its schema does not
//! know and with records its store refuses, and what it does with a store
//! whose projections are stale ([`StalePolicy`]).
//!
//! The fields are private: every setting goes through a builder method that
//! keeps it valid (at least one attempt, at least one record per read), so
//! no option can make a service spin.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::record::Position;
use crate::service::clock::Clock;
use crate::service::stale::StalePolicy;

/// Which appends make a transaction's decision stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ConflictRule {
    /// Only an event of a kind the service subscribes to, appended after
    /// the projection's version, is a conflict (the default): a decision
    /// depends on nothing else the service knows.
    #[default]
    Subscribed,
    /// Any append after the projection's version is a conflict: the whole
    /// log's head must still be the version (goesgen's rule; kept for
    /// parity and to measure the difference).
    Strict,
}

/// What a service does with a record of a kind its schema does not define
/// (written by a newer version of the system, or by something else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownEvents {
    /// Stop with [`ServiceError::UnknownKind`](crate::service::ServiceError::UnknownKind)
    /// naming the record's position (the default): the projection stays at
    /// the last position before it. Detecting them costs reading every
    /// record, not only the subscribed kinds.
    #[default]
    Fail,
    /// Skip them (reads are then filtered to the subscribed kinds).
    Skip,
}

/// What a service does with a record its store refuses while catching up
/// (an event appended by someone else that the projection's rules do not
/// allow: a poison record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RefusedRecords {
    /// Stop with [`ServiceError::Apply`](crate::service::ServiceError::Apply)
    /// naming the record's position and kind (the default): the projection
    /// stays before it until an operator decides (fix the store, or list
    /// the position with [`ServiceOptions::skip_positions`]).
    #[default]
    Stop,
    /// Pass over it: the store's changes for it are rolled back, it is
    /// logged at error level with its position, counted in
    /// [`ServiceStats::skipped`](crate::service::ServiceStats::skipped) and
    /// listed by the service's `skipped()`.
    Skip,
}

/// How a service runs. [`ServiceOptions::default`] is what most programs
/// want; the builder methods change one setting each.
///
/// ```
/// use goesgen_runtime::service::{ConflictRule, RefusedRecords, ServiceOptions, UnknownEvents};
///
/// let options = ServiceOptions::default()
///     .conflict_rule(ConflictRule::Strict)
///     .max_attempts(10)
///     .unknown_events(UnknownEvents::Skip)
///     .refused_records(RefusedRecords::Skip)
///     .skip_positions([17, 42]);
/// assert!(options.applies_own_events());
/// assert_eq!(options.attempts(), 10);
/// assert!(options.skipped_positions().contains(&42));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceOptions {
    pub(crate) sync_after_push: bool,
    pub(crate) conflict_rule: ConflictRule,
    pub(crate) max_attempts: u32,
    pub(crate) escalate_after: u32,
    pub(crate) max_backoff: Duration,
    pub(crate) unknown_events: UnknownEvents,
    pub(crate) refused_records: RefusedRecords,
    pub(crate) skip_positions: BTreeSet<Position>,
    pub(crate) read_batch: usize,
    pub(crate) sync_batch: usize,
    pub(crate) max_batch_calls: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) clock: Clock,
    pub(crate) on_stale: StalePolicy,
}

/// The default number of attempts of a conflicting transaction.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 1_000;

/// The default number of conflicts after which a transaction takes the
/// log's write lock for its next attempt.
pub const DEFAULT_ESCALATE_AFTER: u32 = 3;

/// The default most calls of transaction methods that share one store
/// transaction and one append.
pub const DEFAULT_MAX_BATCH_CALLS: usize = 64;

/// The default byte budget of a batch of transaction calls: no call joins
/// a batch whose events (kinds and payloads) already reach it.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 1 << 20;

/// The default least number of records one write transaction of a
/// [`sync`](crate::service::Engine::sync) covers before it commits.
pub const DEFAULT_SYNC_BATCH: usize = 16_384;

/// The default cap of the random pause between attempts of a conflicting
/// transaction.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_millis(20);

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            sync_after_push: true,
            conflict_rule: ConflictRule::Subscribed,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            escalate_after: DEFAULT_ESCALATE_AFTER,
            max_backoff: DEFAULT_MAX_BACKOFF,
            unknown_events: UnknownEvents::Fail,
            refused_records: RefusedRecords::Stop,
            skip_positions: BTreeSet::new(),
            read_batch: crate::reader::DEFAULT_BATCH,
            sync_batch: DEFAULT_SYNC_BATCH,
            max_batch_calls: DEFAULT_MAX_BATCH_CALLS,
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
            clock: Clock::system(),
            on_stale: StalePolicy::Refuse,
        }
    }
}

impl ServiceOptions {
    /// The clock the service stamps its methods' events with (default:
    /// the system clock); a test sets its own to control time.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Whether the service keeps its own events in its store as it appends
    /// them (default: on), so a read right after a write sees it. Off, the
    /// projection moves only on [`sync`](crate::service::Engine::sync) or
    /// while following the log. Either way a transaction's events are
    /// applied to its store before they are appended, so that an event the
    /// store refuses is never appended; off, those changes are then rolled
    /// back.
    pub fn sync_after_push(mut self, on: bool) -> Self {
        self.sync_after_push = on;
        self
    }

    /// Which appends conflict with a transaction (default:
    /// [`ConflictRule::Subscribed`]).
    pub fn conflict_rule(mut self, rule: ConflictRule) -> Self {
        self.conflict_rule = rule;
        self
    }

    /// How many times a transaction method is called before a conflict is
    /// reported as [`ServiceError::Conflict`](crate::service::ServiceError::Conflict)
    /// (default: 1,000; at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// After how many conflicts a transaction takes the log's write lock
    /// ([`EventLog::lock_writes`](crate::EventLog::lock_writes)) for its
    /// next attempt, so it cannot lose again (default: 3; at least 1). A
    /// transaction that keeps losing to other writers of the same kinds is
    /// thus called at most this many times plus one.
    pub fn escalate_after(mut self, conflicts: u32) -> Self {
        self.escalate_after = conflicts.max(1);
        self
    }

    /// The longest random pause between two attempts of a conflicting
    /// transaction (default: 20 ms; zero retries at once). The first retry
    /// never waits; from the second conflict on, the pause is random below
    /// a bound that doubles per conflict up to this cap, so racing writers
    /// cannot starve one another in lockstep.
    pub fn max_backoff(mut self, cap: Duration) -> Self {
        self.max_backoff = cap;
        self
    }

    /// What to do with records of kinds the schema does not define
    /// (default: [`UnknownEvents::Fail`]).
    pub fn unknown_events(mut self, unknown: UnknownEvents) -> Self {
        self.unknown_events = unknown;
        self
    }

    /// What to do with records the store refuses while catching up
    /// (default: [`RefusedRecords::Stop`]).
    pub fn refused_records(mut self, policy: RefusedRecords) -> Self {
        self.refused_records = policy;
        self
    }

    /// Positions an operator decided to skip: the records there are never
    /// decoded nor applied, whatever they hold (logged at warning level,
    /// counted and listed like records skipped by policy). Adds to the
    /// positions given before.
    pub fn skip_positions(mut self, positions: impl IntoIterator<Item = Position>) -> Self {
        self.skip_positions.extend(positions);
        self
    }

    /// How many records a catch-up reads at a time (default: 1,024; at
    /// least 1): what it holds in memory at once.
    pub fn read_batch(mut self, records: usize) -> Self {
        self.read_batch = records.max(1);
        self
    }

    /// How many records one write transaction of a
    /// [`sync`](crate::service::Engine::sync) (and so of
    /// [`follow`](crate::service::Engine::follow)) covers: it reads batch
    /// after batch ([`read_batch`](Self::read_batch)) in one transaction
    /// and commits once it has read at least this many, or the whole log
    /// (default: [`DEFAULT_SYNC_BATCH`], 16,384; at least 1: then every read
    /// batch commits). A commit costs a store on disk (an fsync, the
    /// pages written) what thousands of events cost, so a long catch-up
    /// into the SQLite kit runs about three times as fast at 16,384 as at
    /// 1,024 (docs/benchmarks.md). The bound: a failure rolls back up to
    /// this many records (plus one read batch), and the store's write
    /// transaction is held while they are applied.
    pub fn sync_batch(mut self, records: usize) -> Self {
        self.sync_batch = records.max(1);
        self
    }

    /// How many concurrent calls of transaction methods may share one
    /// store write transaction and one append (default: 64; at least 1;
    /// 1 runs every call alone, as before batching). The calls waiting when
    /// the store becomes free form the batch: a lone caller never waits
    /// for company. Calls with an idempotency key always run alone, and so
    /// do all calls on a log whose appends cost next to nothing
    /// ([`AppendCost::Negligible`](crate::AppendCost::Negligible): the
    /// memory log), where handing the transaction from call to call would
    /// cost more than the shared append saves.
    pub fn max_batch_calls(mut self, calls: usize) -> Self {
        self.max_batch_calls = calls.max(1);
        self
    }

    /// The byte budget of a batch (default: 1 MiB): once the events decided
    /// in a batch (kinds and payloads) reach it, the calls still waiting go
    /// to the next batch. A call whose events alone exceed it still runs.
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = bytes.max(1);
        self
    }

    /// What the service does when its store's fingerprint is not the
    /// code's (default: [`StalePolicy::Refuse`]): checked once, before the
    /// service's first sync or call (see [`StalePolicy`]).
    pub fn on_stale(mut self, policy: StalePolicy) -> Self {
        self.on_stale = policy;
        self
    }

    /// What the service does with a stale store.
    pub fn stale_policy(&self) -> StalePolicy {
        self.on_stale
    }

    /// The most calls in a batch.
    pub fn batch_calls(&self) -> usize {
        self.max_batch_calls
    }

    /// The byte budget of a batch.
    pub fn batch_bytes(&self) -> usize {
        self.max_batch_bytes
    }

    /// Whether the service keeps its own events in its store as it appends
    /// them.
    pub fn applies_own_events(&self) -> bool {
        self.sync_after_push
    }

    /// The conflict rule of transactions.
    pub fn rule(&self) -> ConflictRule {
        self.conflict_rule
    }

    /// How many times a conflicting transaction is called at most.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// After how many conflicts a transaction takes the log's write lock.
    pub fn escalation(&self) -> u32 {
        self.escalate_after
    }

    /// The cap of the random pause between attempts.
    pub fn backoff_cap(&self) -> Duration {
        self.max_backoff
    }

    /// What happens to records of unknown kinds.
    pub fn on_unknown(&self) -> UnknownEvents {
        self.unknown_events
    }

    /// What happens to records the store refuses.
    pub fn on_refused(&self) -> RefusedRecords {
        self.refused_records
    }

    /// The positions an operator decided to skip.
    pub fn skipped_positions(&self) -> &BTreeSet<Position> {
        &self.skip_positions
    }

    /// How many records a catch-up reads at a time.
    pub fn batch_records(&self) -> usize {
        self.read_batch
    }

    /// How many records one write transaction of a sync covers, at least
    /// (see [`sync_batch`](Self::sync_batch)).
    pub fn sync_batch_records(&self) -> usize {
        self.sync_batch
    }
}
