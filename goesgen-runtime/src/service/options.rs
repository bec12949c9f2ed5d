//! [`ServiceOptions`]: how a service runs its methods against the log: the
//! conflict rule of transactions, how often a conflicting transaction is
//! tried and how long it pauses between tries, whether a service applies its own events right after appending
//! them, and what it does with events of kinds its schema does not know.

use std::time::Duration;

/// Which appends make a transaction's decision stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// How a service runs. [`ServiceOptions::default`] is what most programs
/// want; the builder methods change one setting each.
///
/// ```
/// use goesgen_runtime::service::{ConflictRule, ServiceOptions, UnknownEvents};
///
/// let options = ServiceOptions::default()
///     .conflict_rule(ConflictRule::Strict)
///     .max_attempts(10)
///     .unknown_events(UnknownEvents::Skip);
/// assert!(options.sync_after_push);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceOptions {
    /// After appending its events, the service applies them to its store at
    /// once, so a read right after a write sees it (default: on). Off, the
    /// projection moves only on [`sync`](crate::service::Engine::sync) or
    /// while following the log.
    pub sync_after_push: bool,
    /// Which appends conflict with a transaction (default:
    /// [`ConflictRule::Subscribed`]).
    pub conflict_rule: ConflictRule,
    /// How many times a transaction method is called before a conflict is
    /// reported as [`ServiceError::Conflict`](crate::service::ServiceError::Conflict)
    /// (default: 1,000; at least 1).
    pub max_attempts: u32,
    /// The longest random pause between two attempts of a conflicting
    /// transaction (default: 20 ms; zero retries at once). The first retry
    /// never waits; from the second conflict on, the pause is random below
    /// a bound that doubles per conflict up to this cap, so racing writers
    /// cannot starve one another in lockstep.
    pub max_backoff: Duration,
    /// What to do with records of kinds the schema does not define
    /// (default: [`UnknownEvents::Fail`]).
    pub unknown_events: UnknownEvents,
    /// How many records a catch-up reads per read (default: 1,024; at least
    /// 1). [`sync`](crate::service::Engine::sync) commits the store after
    /// each such batch.
    pub read_batch: usize,
}

/// The default number of attempts of a conflicting transaction.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 1_000;

/// The default cap of the random pause between attempts of a conflicting
/// transaction.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_millis(20);

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            sync_after_push: true,
            conflict_rule: ConflictRule::Subscribed,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_backoff: DEFAULT_MAX_BACKOFF,
            unknown_events: UnknownEvents::Fail,
            read_batch: crate::reader::DEFAULT_BATCH,
        }
    }
}

impl ServiceOptions {
    /// Whether the service applies its own events right after appending
    /// them.
    pub fn sync_after_push(mut self, on: bool) -> Self {
        self.sync_after_push = on;
        self
    }

    /// The conflict rule of transactions.
    pub fn conflict_rule(mut self, rule: ConflictRule) -> Self {
        self.conflict_rule = rule;
        self
    }

    /// How many times a conflicting transaction is tried (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The longest random pause between attempts of a conflicting
    /// transaction (zero: retry at once).
    pub fn max_backoff(mut self, cap: Duration) -> Self {
        self.max_backoff = cap;
        self
    }

    /// What to do with records of kinds the schema does not define.
    pub fn unknown_events(mut self, unknown: UnknownEvents) -> Self {
        self.unknown_events = unknown;
        self
    }

    /// How many records a catch-up reads at a time (at least 1).
    pub fn read_batch(mut self, records: usize) -> Self {
        self.read_batch = records.max(1);
        self
    }
}
