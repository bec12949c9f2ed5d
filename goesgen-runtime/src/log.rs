//! The [`EventLog`] contract that every backend implements and every service
//! runs against, with its vocabulary: [`KindFilter`], [`Condition`],
//! [`ReadBatch`], [`Appended`], [`Subscription`] (with [`HeadPublisher`],
//! where a backend publishes its head for subscriptions), and the
//! idempotency keys of appends and their parts ([`IdempotencyKey`],
//! [`Fingerprint`], [`AppendPart`], [`AppendedParts`], [`KeyRecord`]).
//!
//! The trait is dyn-compatible (its futures are boxed), so one program can
//! pick its backend at run time and hand a [`SharedLog`] to its services
//! without generic plumbing. A box per call costs nanoseconds; an append or a
//! read costs microseconds at the least.

use std::fmt;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

pub use crate::backend::heads::{HeadPublisher, Subscription};
use crate::error::LogError;
use crate::record::{NewEvent, Position, Record};

/// A boxed future that can be sent across threads, as the log's methods
/// return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An event log shared by the services of a program.
pub type SharedLog = Arc<dyn EventLog>;

/// Which events a read returns.
///
/// Build one with [`KindFilter::All`] or [`KindFilter::kinds`]; the kinds
/// of [`KindFilter::Kinds`] are always sorted and without duplicates (the
/// backends rely on it), so they can only be made through that constructor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KindFilter {
    /// Every event.
    #[default]
    All,
    /// Only events whose kind is one of these.
    Kinds(SortedKinds),
}

/// The kinds of a [`KindFilter::Kinds`]: sorted, without duplicates. Read
/// them as a slice; make them with [`KindFilter::kinds`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SortedKinds(Arc<[String]>);

impl SortedKinds {
    /// The kinds as a sorted slice without duplicates.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl std::ops::Deref for SortedKinds {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl SortedKinds {
    fn sorted(mut kinds: Vec<String>) -> Self {
        kinds.sort_unstable();
        kinds.dedup();
        SortedKinds(kinds.into())
    }
}

impl From<Vec<String>> for SortedKinds {
    /// The kinds, sorted and without duplicates.
    fn from(kinds: Vec<String>) -> Self {
        Self::sorted(kinds)
    }
}

impl<S: Into<String>> FromIterator<S> for SortedKinds {
    /// The kinds, sorted and without duplicates.
    fn from_iter<I: IntoIterator<Item = S>>(kinds: I) -> Self {
        Self::sorted(kinds.into_iter().map(Into::into).collect())
    }
}

impl<'a> IntoIterator for &'a SortedKinds {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl KindFilter {
    /// A filter for the given kinds (sorted and deduplicated).
    pub fn kinds<I, S>(kinds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        KindFilter::Kinds(kinds.into_iter().collect())
    }

    /// Whether an event of `kind` passes the filter.
    pub fn matches(&self, kind: &str) -> bool {
        match self {
            KindFilter::All => true,
            KindFilter::Kinds(kinds) => kinds.binary_search_by(|k| k.as_str().cmp(kind)).is_ok(),
        }
    }
}

/// The condition under which an append may go ahead. It is checked in the
/// same atomic step as the write: a batch whose condition fails writes
/// nothing and returns [`LogError::Conflict`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Condition {
    /// Append unconditionally.
    #[default]
    None,
    /// The head of the log is still this position (goesgen's strict rule:
    /// any append by anyone since is a conflict).
    HeadIs(Position),
    /// No event of any of these kinds was appended after this position (the
    /// default for transactions: only what the decision depended on counts).
    NoneOfKindsAfter {
        /// The kinds that must not have been appended (shared: a service
        /// appends on the same kinds every time; make them with
        /// `.into()` from a `Vec<String>` or `collect()`).
        kinds: SortedKinds,
        /// The position the decision was taken at.
        after: Position,
    },
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::None => f.write_str("no condition"),
            Condition::HeadIs(head) => write!(f, "head {head}"),
            Condition::NoneOfKindsAfter { kinds, after } => {
                write!(f, "no event of [{}] after {after}", kinds.join(", "))
            }
        }
    }
}

/// The answer to [`EventLog::read`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBatch {
    /// The matching records after the requested position, in order, at most
    /// `limit` of them.
    pub records: Vec<Record>,
    /// The head of the log as the read saw it.
    pub head: Position,
    /// How far the read covered the log: every matching record in
    /// `(after, through]` is in `records`. It is the head when the read
    /// returned fewer than `limit` records, else the last record's position
    /// (for a `limit` of 0: `after`, or the head if that is lower).
    /// A reader continues from here, so a filtered reader advances past the
    /// events it does not care about.
    pub through: Position,
}

/// What an append wrote: the positions of its events and when it was
/// committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The position of the batch's first event (for an empty batch: the head
    /// plus one).
    pub first: Position,
    /// The position of the batch's last event (for an empty batch: the head).
    pub last: Position,
    /// When the batch was recorded (the time the append asked for, or the
    /// time it was committed).
    pub recorded_at: SystemTime,
    /// Whether the idempotency key (of the append, or of the part this
    /// describes) was already in the log: then nothing was written, and
    /// the positions and time are those of the append (or part) that
    /// first used the key.
    pub replayed: bool,
}

impl Appended {
    /// The positions of the appended events, in order (empty for an empty
    /// batch).
    pub fn positions(&self) -> RangeInclusive<Position> {
        self.first..=self.last
    }

    /// How many events were appended.
    pub fn len(&self) -> usize {
        (self.last + 1).saturating_sub(self.first) as usize
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One append: the events, the [`Condition`] they are appended on, an
/// optional [`IdempotencyKey`] (or [`AppendPart`]s, each with its own key)
/// and an optional time to record.
///
/// ```
/// use goesgen_runtime::{Append, Condition, IdempotencyKey, NewEvent};
///
/// let append = Append::new(vec![NewEvent::new("Opened", "{}")])
///     .condition(Condition::HeadIs(0))
///     .key(IdempotencyKey::new("order-17").unwrap());
/// assert_eq!(append.events.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Append {
    /// The events, appended at consecutive positions in this order.
    pub events: Vec<NewEvent>,
    /// The condition under which they are appended.
    pub condition: Condition,
    /// The append's idempotency key: if an append with the same key is
    /// already in the log, this one writes nothing and returns the first
    /// one's positions (with [`Appended::replayed`] set), whatever its
    /// condition. The same as one part covering every event under this
    /// key; must be `None` when [`parts`](Self::parts) is not empty.
    pub key: Option<IdempotencyKey>,
    /// The callers' shares of the events, in order, each under its own
    /// key (see [`EventLog::append_parts`]). Empty: one part covering
    /// every event, under [`key`](Self::key). Otherwise their lengths
    /// must add up to the number of events ([`LogError::Config`] if not).
    pub parts: Vec<AppendPart>,
    /// The time to record (cut to microseconds); `None` for the time of
    /// the commit. A service sets it to the time its store saw when it
    /// applied the events before appending them.
    pub recorded_at: Option<SystemTime>,
    /// Whether the service engine encoded the payloads itself (serde's
    /// JSON of the schema's event structs): backends then skip parsing
    /// them again, and its `recorded_at` is already cut to microseconds.
    /// Only the engine can set it; appends from elsewhere are checked in
    /// full.
    pub(crate) encoded: bool,
}

impl Append {
    /// An unconditional append of `events`, without key.
    pub fn new(events: Vec<NewEvent>) -> Self {
        Self {
            events,
            ..Self::default()
        }
    }

    /// The condition under which the events are appended.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = condition;
        self
    }

    /// The append's idempotency key.
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The callers' shares of the events, each under its own key.
    pub fn parts(mut self, parts: Vec<AppendPart>) -> Self {
        self.parts = parts;
        self
    }

    /// The time to record.
    pub fn recorded_at(mut self, time: SystemTime) -> Self {
        self.recorded_at = Some(time);
        self
    }

    /// Marks the payloads as encoded by the service engine, whose
    /// `recorded_at` is already cut to microseconds.
    pub(crate) fn encoded(mut self) -> Self {
        self.encoded = true;
        self
    }
}

/// One caller's share of an append: the next `len` events of
/// [`Append::events`], under its own key.
///
/// ```
/// use goesgen_runtime::{Append, AppendPart, Fingerprint, IdempotencyKey, NewEvent};
///
/// let events = vec![NewEvent::new("Opened", "{}"), NewEvent::new("Paid", "{}")];
/// let append = Append::new(events).parts(vec![
///     AppendPart::new(1),
///     AppendPart::new(1)
///         .key(IdempotencyKey::new("pay-17").unwrap())
///         .fingerprint(Fingerprint::new("sha256:0f3a").unwrap()),
/// ]);
/// assert_eq!(append.parts.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendPart {
    /// How many events of the append are this part's.
    pub len: usize,
    /// The part's idempotency key: if it is already in the log (or used by
    /// an earlier part of the same append), the part writes nothing and
    /// gets the first use's [`KeyRecord`].
    pub key: Option<IdempotencyKey>,
    /// The digest of the caller's request, kept with the key (ignored
    /// without a key).
    pub fingerprint: Option<Fingerprint>,
    /// Whether the part was decided on the state that includes the parts
    /// before it (a batch of calls, each deciding after the ones before
    /// it): if one of those is replayed with events, this part's decision
    /// rests on an effect that is not written again, so nothing of the
    /// append is written ([`AppendedParts::held_back`]) and its caller
    /// decides again without the replayed parts.
    pub depends: bool,
}

impl AppendPart {
    /// A part of `len` events, without key.
    pub fn new(len: usize) -> Self {
        Self {
            len,
            key: None,
            fingerprint: None,
            depends: false,
        }
    }

    /// Marks the part as decided on the state that includes the parts
    /// before it (see [`AppendPart::depends`]).
    pub fn depends(mut self) -> Self {
        self.depends = true;
        self
    }

    /// The part's idempotency key.
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The digest of the request, kept with the key.
    pub fn fingerprint(mut self, fingerprint: Fingerprint) -> Self {
        self.fingerprint = Some(fingerprint);
        self
    }
}

/// What the log keeps for an idempotency key: where the part (or append)
/// that first used it was written, and the fingerprint it carried. Also
/// what each part of an append gets ([`AppendedParts::parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The part's positions (an empty range, `last == first - 1`, for a
    /// part without events) and time. [`Appended::replayed`] is set when
    /// the record is the first use's: from [`EventLog::find_key`], or for
    /// a part that was replayed.
    pub appended: Appended,
    /// The fingerprint the first use carried.
    pub fingerprint: Option<Fingerprint>,
}

/// What one part of an append got: its own positions, or the first use of
/// its key (see [`AppendedParts::parts`]).
pub type PartAppended = KeyRecord;

/// The outcome of [`EventLog::append_parts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedParts {
    /// The events written, at consecutive positions `first..=last` (for
    /// none: the empty range after the head the append was judged
    /// against). `replayed` is never set here: see the parts.
    pub appended: Appended,
    /// Per part, in order: its own sub-range of `appended` (not
    /// replayed), or, when its key was already in the log or used by an
    /// earlier part of the same append, the [`KeyRecord`] of the first use
    /// (replayed): that part wrote nothing, and the parts after it moved
    /// up.
    pub parts: Vec<PartAppended>,
    /// Whether nothing was written because a replayed part came before a
    /// part that [`depends`](AppendPart::depends) on it: then `appended`
    /// and the parts that are not replays are the empty range after the
    /// head, and the append may be decided again without the replays.
    pub held_back: bool,
}

impl AppendedParts {
    /// The outcome as [`EventLog::append_with`] reports it: with one
    /// part, that part's (the first use's when it was replayed); else the
    /// events written.
    pub fn single(&self) -> Appended {
        match self.parts.as_slice() {
            [one] => one.appended,
            _ => self.appended,
        }
    }
}

/// The longest idempotency key, in bytes.
pub const MAX_KEY_BYTES: usize = 200;

/// The longest [`Fingerprint`], in bytes.
pub const MAX_FINGERPRINT_BYTES: usize = 64;

/// Text of 1 to `max` bytes without control characters, or
/// [`LogError::Config`] naming `what` it was for.
fn checked_text(what: &str, text: String, max: usize) -> Result<Arc<str>, LogError> {
    if text.is_empty() || text.len() > max {
        return Err(LogError::Config(format!(
            "{what} must be 1 to {max} bytes long, not {}",
            text.len()
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(LogError::Config(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(text.into())
}

/// A caller's digest of the request an [`IdempotencyKey`] was first used
/// with, kept with the key, so that a repeat of the request can be told
/// from a reuse of the key for another request.
///
/// Opaque text of 1 to [`MAX_FINGERPRINT_BYTES`] bytes without control
/// characters (a hash in hex or base64, with an algorithm prefix if the
/// caller likes); the log only stores and returns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(Arc<str>);

impl Fingerprint {
    /// A fingerprint from the caller's text; [`LogError::Config`] if it is
    /// empty, longer than [`MAX_FINGERPRINT_BYTES`] or has control
    /// characters.
    pub fn new(text: impl Into<String>) -> Result<Self, LogError> {
        checked_text("a fingerprint", text.into(), MAX_FINGERPRINT_BYTES).map(Self)
    }

    /// The fingerprint's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A caller's name for one append, so that repeating the append after an
/// unknown outcome writes it at most once.
///
/// A key is 1 to [`MAX_KEY_BYTES`] bytes of text without control
/// characters. Every backend stores the keys of the appends that carried
/// one, under a unique constraint, for as long as the log keeps its
/// events: a key is never forgotten, so never reuse one for another
/// operation. [`IdempotencyKey::random`] makes a fresh one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    /// A key from the caller's text; [`LogError::Config`] if it is empty,
    /// longer than [`MAX_KEY_BYTES`] or has control characters.
    pub fn new(key: impl Into<String>) -> Result<Self, LogError> {
        checked_text("an idempotency key", key.into(), MAX_KEY_BYTES).map(Self)
    }

    /// A fresh key: a UUID v7, unique (74 random bits) and ordered by
    /// time, so that a log's table of keys grows at its end instead of
    /// at random places (with random keys, each key of a batch dirties a
    /// page of its own: 64 keyed calls per commit on durable SQLite ran
    /// at 0.63× of unkeyed ones, time-ordered keys at 0.9×).
    pub fn random() -> Self {
        Self(uuid::Uuid::now_v7().to_string().into())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Exclusive write access to a log, from [`EventLog::lock_writes`]: while
/// it is held no other writer (in this process or another) can append, so
/// what its holder reads stays current until it appends through it.
/// Dropping it releases the lock without appending.
pub trait WriteLock: Send {
    /// Appends under the lock and releases it (as
    /// [`EventLog::append_with`]).
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>>;

    /// Appends the parts of `append` under the lock and releases it (as
    /// [`EventLog::append_parts`]).
    ///
    /// The default goes through [`append`](Self::append), and so only
    /// takes parts without keys or fingerprints (it splits the positions
    /// written among them); anything else is [`LogError::Config`], with
    /// the lock released. Every backend of this crate implements it in
    /// full.
    fn append_parts(
        self: Box<Self>,
        mut append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        let parts = match crate::backend::parts::unkeyed(&mut append) {
            Ok(parts) => parts,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        let written = self.append(append);
        Box::pin(async move { Ok(crate::backend::parts::split(written.await?, parts)) })
    }
}

/// What one append costs beyond its events: a hint for writers that can
/// let several callers share one append. The service engine batches
/// concurrent transactions only where an append costs more than handing a
/// transaction from one task to another (see
/// [`ServiceOptions::max_batch_calls`](crate::ServiceOptions::max_batch_calls)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppendCost {
    /// About what a task switch costs, or less: the memory log. Sharing an
    /// append saves nothing there, and the hand-offs a shared append needs
    /// cost more than they save.
    Negligible,
    /// A commit: an fsync, a round trip to a server (the SQLite and
    /// PostgreSQL logs, and the default for any other log).
    Commit,
}

/// The one shared, totally ordered event log.
///
/// Promises every backend keeps (and the conformance suite checks):
/// - positions are 1, 2, 3, ... in commit order, without gaps; a reader that
///   has seen position P and reads after P never misses an event;
/// - an append writes its whole batch at consecutive positions or nothing,
///   and only if its [`Condition`] holds at the moment it commits;
/// - an empty batch writes nothing and succeeds whatever the condition;
/// - an append whose idempotency key is in the log writes nothing and
///   returns the positions of the append that first used the key,
///   whatever its condition;
/// - an append with parts ([`append_parts`](Self::append_parts)) is
///   judged once, against the log before it: a part whose key is in the
///   log, or used by an earlier part of the same append, writes nothing
///   and gets the first use's [`KeyRecord`]; the other parts are written
///   in order at consecutive positions, each keyed one recording its key
///   with its own sub-range and [`Fingerprint`] (a keyed part without
///   events records an empty range); if the condition fails and anything
///   would be written, nothing is (a conflict), and an append that would
///   write nothing (every part replayed, or no events and no keys)
///   succeeds whatever its condition;
/// - a key once recorded is kept with its sub-range and fingerprint for
///   as long as the log, and [`find_key`](Self::find_key) returns them;
/// - an event over the log's [`LogLimits`](crate::LogLimits) is refused
///   alone, and a read returns at most its byte budget;
/// - a record that cannot be read back is [`LogError::Corrupt`], never a
///   panic;
/// - a handle that has found its log damaged ([`LogError::Corrupt`] from a
///   read, a head, a key lookup, an append, or the check a durable log
///   runs when it is opened) takes no more appends: each one, through
///   [`append_with`](Self::append_with),
///   [`try_append_now`](Self::try_append_now) or
///   [`lock_writes`](Self::lock_writes), is refused with `Corrupt` naming
///   the first damaged position found, until the log is repaired and
///   opened again; reads go on, and report `Corrupt` where they meet the
///   damage ([`MemoryLog`](crate::MemoryLog) holds only what it was given
///   and is never damaged).
pub trait EventLog: Send + Sync + 'static {
    /// The position of the newest event (0 for an empty log).
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>>;

    /// At most `limit` records after position `after` that pass `filter`, in
    /// order, with the head the read saw. See [`ReadBatch::through`] for how
    /// to continue.
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>>;

    /// Appends the events of `append` atomically at consecutive positions
    /// if its condition holds, else fails with [`LogError::Conflict`]
    /// having written nothing. With a key already in the log: writes
    /// nothing and returns the first append's positions (see
    /// [`Append::key`]). An append with several [`parts`](Append::parts)
    /// is written as [`append_parts`](Self::append_parts) writes it, and
    /// reported as [`AppendedParts::single`] reports it.
    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>>;

    /// Appends the [`parts`](Append::parts) of `append` in one atomic step
    /// (see the promises above), each keyed part under its own key:
    /// where each part was written, or the first use of its key.
    /// [`LogError::Config`] if the parts' lengths do not add up to the
    /// number of events, or if the append has both parts and a key.
    ///
    /// The default goes through [`append_with`](Self::append_with), and
    /// so takes what one append expresses: parts without keys (the
    /// positions written are split among them), or a single keyed part
    /// (whose fingerprint it does not keep: a repeat of its key is then a
    /// duplicate whatever its fingerprint). Anything else is
    /// [`LogError::Config`] without writing. Every backend of this crate
    /// implements it in full, and says so with
    /// [`keyed_parts`](Self::keyed_parts); a log of another crate should
    /// too.
    fn append_parts(&self, mut append: Append) -> BoxFuture<'_, Result<AppendedParts, LogError>> {
        match crate::backend::parts::as_one_append(&mut append) {
            Ok(parts) => Box::pin(async move {
                let appended = self.append_with(append).await?;
                if appended.replayed {
                    // Nothing was written: an empty range after the head.
                    let head = self.head().await?;
                    Ok(crate::backend::parts::replayed_alone(appended, head))
                } else {
                    Ok(crate::backend::parts::split(appended, parts))
                }
            }),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }

    /// Appends as [`append_with`](Self::append_with) does if the log can
    /// without waiting, else gives `append` back untouched, for
    /// `append_with`. The default gives it back; [`MemoryLog`] appends
    /// unless a write lock is held. A caller on the hot path (the service
    /// engine) thus skips `append_with`'s boxed future where there is
    /// nothing to wait for.
    ///
    /// [`MemoryLog`]: crate::MemoryLog
    fn try_append_now(&self, append: Append) -> Result<Result<Appended, LogError>, Append> {
        Err(append)
    }

    /// [`append_parts`](Self::append_parts) if the log can without
    /// waiting, else `append` back untouched, as
    /// [`try_append_now`](Self::try_append_now) does for `append_with`.
    /// The default gives it back; [`MemoryLog`] appends unless a write
    /// lock is held.
    ///
    /// [`MemoryLog`]: crate::MemoryLog
    fn try_append_parts_now(
        &self,
        append: Append,
    ) -> Result<Result<AppendedParts, LogError>, Append> {
        Err(append)
    }

    /// Appends `events` on `condition`, without key:
    /// [`append_with`](Self::append_with) for the common case.
    fn append(
        &self,
        events: Vec<NewEvent>,
        condition: Condition,
    ) -> BoxFuture<'_, Result<Appended, LogError>> {
        self.append_with(Append::new(events).condition(condition))
    }

    /// Where the append (or part) that carried `key` was written, and the
    /// fingerprint it carried, if one did ([`Appended::replayed`] set).
    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<KeyRecord>, LogError>>;

    /// Takes the log's write lock (waiting for other writers to finish): no
    /// one else appends until the returned [`WriteLock`] has appended or is
    /// dropped. A service takes it for a transaction that keeps losing to
    /// others, so that it cannot lose again. Hold it briefly.
    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>>;

    /// Whether [`append_parts`](Self::append_parts) takes several keyed
    /// parts in one append, with their fingerprints (default `false`, as
    /// the default `append_parts` does not). The service engine puts
    /// several keyed calls in one append only where it does; elsewhere a
    /// keyed call is appended alone. The memory, SQLite and PostgreSQL
    /// logs answer `true`; a wrapper should forward it with
    /// `append_parts`.
    fn keyed_parts(&self) -> bool {
        false
    }

    /// What an append costs beyond its events (default:
    /// [`AppendCost::Commit`]). A log held in memory answers
    /// [`AppendCost::Negligible`].
    fn append_cost(&self) -> AppendCost {
        AppendCost::Commit
    }

    /// A subscription that wakes when the head moves (including appends by
    /// other processes, where the backend can see them).
    fn subscribe(&self) -> Subscription;
}
