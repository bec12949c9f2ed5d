//! [`MemoryLog`]: the event log in memory, for tests and for programs that
//! need no durability. A lock around the records (kept in `Chunks`, so
//! an append never copies the ones before it), an index of positions per
//! kind (so filtered reads and kind conditions do not scan the log), a map
//! of idempotency keys, a [`HeadPublisher`] for the head (two atomic
//! operations per append while no subscription waits), and a flag that
//! [`EventLog::lock_writes`] raises to keep other writers out.

mod chunks;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tokio::sync::{Notify, OwnedMutexGuard};

use chunks::Chunks;

use crate::backend::budget::ReadBudget;
use crate::backend::fnv::Fnv1a;
use crate::backend::parts;
use crate::backend::{budget, checks, time};
use crate::error::Conflict;
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::log::{
    Append, AppendCost, Appended, AppendedParts, BoxFuture, Condition, EventLog, HeadPublisher,
    IdempotencyKey, KeyRecord, KindFilter, ReadBatch, Subscription, WriteLock,
};
use crate::record::{NewEvent, Position, Record};

/// An event log held in memory.
///
/// Appends and reads take a lock for as long as it takes to copy the
/// records in or out, never across an `await`. Everything is lost when the
/// last handle is dropped, and then every [`Subscription`] ends with
/// [`LogError::Closed`].
#[derive(Debug)]
pub struct MemoryLog {
    state: Arc<Mutex<State>>,
    heads: HeadPublisher,
    /// Held by the one [`EventLog::lock_writes`] holder at a time.
    writers: Arc<tokio::sync::Mutex<()>>,
    /// Wakes the appends that found the log locked, when the lock ends.
    unlocked: Arc<Notify>,
    limits: LogLimits,
}

#[derive(Debug, Default)]
struct State {
    /// The record at position `p` is `records[p - 1]`.
    records: Chunks<Record>,
    /// For each kind, the positions of its events in ascending order
    /// (hashed with FNV-1a: a log holds a schema's few short event names,
    /// looked up on every append, where SipHash's defence against chosen
    /// keys costs more than it protects).
    by_kind: HashMap<String, Chunks<Position>, BuildHasherDefault<Fnv1a>>,
    /// Where each keyed append (or part) was written, with its
    /// fingerprint (`replayed` set: as a replay returns it).
    keys: HashMap<IdempotencyKey, KeyRecord>,
    /// Whether a write lock is held: then only its holder appends. Read
    /// and set under the state's lock, so no append slips past it.
    write_locked: bool,
}

impl Default for MemoryLog {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryLog {
    /// An empty log with the default [`LogLimits`].
    pub fn new() -> Self {
        Self::with_limits(LogLimits::default())
    }

    /// An empty log with these limits.
    pub fn with_limits(limits: LogLimits) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::default())),
            heads: HeadPublisher::new(0),
            writers: Arc::new(tokio::sync::Mutex::new(())),
            unlocked: Arc::new(Notify::new()),
            limits,
        }
    }

    /// An empty log, ready to hand to services.
    pub fn shared() -> crate::log::SharedLog {
        Arc::new(Self::new())
    }

    fn head_now(&self) -> Position {
        lock(&self.state).records.len() as Position
    }

    fn read_now(&self, after: Position, filter: &KindFilter, limit: usize) -> ReadBatch {
        let state = lock(&self.state);
        let head = state.records.len() as Position;
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        let mut budget = ReadBudget::new(limit, &self.limits);
        let mut records: Vec<Record> = Vec::new();
        let mut take = |record: &Record| {
            if budget.is_full() {
                return false;
            }
            budget.take(record.payload.len());
            records.push(record.clone());
            true
        };
        match filter {
            KindFilter::All => {
                for record in state.records.iter_from(start) {
                    if !take(record) {
                        break;
                    }
                }
            }
            KindFilter::Kinds(kinds) => {
                let mut positions: Vec<Position> = Vec::new();
                for kind in kinds {
                    if let Some(of_kind) = state.by_kind.get(kind) {
                        let first = of_kind.partition_point(|p| *p <= after);
                        positions.extend(of_kind.iter_from(first).take(limit));
                    }
                }
                positions.sort_unstable();
                for p in positions {
                    // The index only holds positions of records.
                    let Some(record) = state.records.get((p - 1) as usize) else {
                        break;
                    };
                    if !take(record) {
                        break;
                    }
                }
            }
        }
        let through = budget::covered_through(after, head, &budget, &records);
        ReadBatch {
            records,
            head,
            through,
        }
    }
}

/// The state behind the lock. Nothing panics while the lock is held after a
/// change has begun, so the state behind a poisoned lock is still whole.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Checks an append's events against the limits, before any lock, and
/// gives the time it records (the engine's as it is: already cut).
fn prepare(append: &Append, limits: &LogLimits) -> Result<SystemTime, LogError> {
    checks::check_append(append, limits)?;
    match append.recorded_at {
        Some(engine) if append.encoded => {
            debug_assert_eq!(time::stamp(Some(engine)).0, engine, "cut");
            Ok(engine)
        }
        asked => Ok(time::stamp(asked).0),
    }
}

/// What an append got: kept whole for an append without parts or key
/// (the engine's hot path), so that no vector of parts is made for a
/// caller that wants one [`Appended`].
enum Outcome {
    /// An append without parts or key.
    Whole(Appended),
    /// An append with parts or a key.
    Parts(AppendedParts),
}

impl Outcome {
    /// As [`AppendedParts::single`].
    fn single(self) -> Appended {
        match self {
            Outcome::Whole(appended) => appended,
            Outcome::Parts(parts) => parts.single(),
        }
    }

    /// As [`EventLog::append_parts`] answers.
    fn into_parts(self) -> AppendedParts {
        match self {
            Outcome::Whole(appended) => AppendedParts {
                appended,
                parts: vec![KeyRecord {
                    appended,
                    fingerprint: None,
                }],
                held_back: false,
            },
            Outcome::Parts(parts) => parts,
        }
    }
}

/// Judges `condition` against `state`, whose head is `head`.
fn judge_locked(state: &State, condition: &Condition, head: Position) -> Result<(), Conflict> {
    // Nothing appended after the version: no kind can have moved (and
    // there is no stored table whose lookup could find damage).
    let unmoved = matches!(
        condition,
        Condition::NoneOfKindsAfter { after, .. } if *after >= head
    );
    let judged = checks::judge(condition, head, |kind| {
        if unmoved {
            return Ok(None);
        }
        Ok::<_, std::convert::Infallible>(
            state
                .by_kind
                .get(kind)
                .and_then(|positions| positions.last().copied()),
        )
    });
    match judged {
        Ok(judged) => judged,
        Err(never) => match never {},
    }
}

/// Writes `events` at `positions`, all recorded at `recorded_at`.
fn push_events(
    state: &mut State,
    positions: std::ops::RangeInclusive<Position>,
    events: impl Iterator<Item = NewEvent>,
    recorded_at: SystemTime,
) {
    for (position, event) in positions.zip(events) {
        match state.by_kind.get_mut(&event.kind) {
            Some(positions) => positions.push(position),
            None => {
                state
                    .by_kind
                    .insert(event.kind.clone(), Chunks::one(position));
            }
        }
        state.records.push(Record {
            position,
            recorded_at,
            kind: event.kind,
            payload: event.payload,
        });
    }
}

/// Appends to `state` (whose write lock, if one is held, is the caller's)
/// and publishes the head.
fn append_locked(
    state: &mut State,
    heads: &HeadPublisher,
    mut append: Append,
    recorded_at: SystemTime,
) -> Result<Outcome, LogError> {
    let head = state.records.len() as Position;
    // An append without parts or key: nothing to plan.
    if append.parts.is_empty() && append.key.is_none() {
        let appended = Appended {
            first: head + 1,
            last: head + append.events.len() as Position,
            recorded_at,
            replayed: false,
        };
        if !append.events.is_empty() {
            judge_locked(state, &append.condition, head)?;
            push_events(
                state,
                appended.positions(),
                append.events.into_iter(),
                recorded_at,
            );
            // Published under the lock, so heads are published in order.
            heads.publish(appended.last);
        }
        return Ok(Outcome::Whole(appended));
    }
    // An append without parts is one part, planned from the stack.
    let whole = parts::whole_part(&mut append);
    let shares = match &whole {
        Some(whole) => std::slice::from_ref(whole),
        None => append.parts.as_slice(),
    };
    let planned = parts::plan(
        shares,
        head,
        recorded_at,
        |key| Ok::<_, std::convert::Infallible>(state.keys.get(key).cloned()),
        || Ok(judge_locked(state, &append.condition, head)),
    );
    let planned = match planned {
        Ok(Ok(planned)) => planned,
        Ok(Err(conflict)) => return Err(conflict.into()),
        Err(never) => match never {},
    };
    if !planned.writes {
        return Ok(Outcome::Parts(planned.parts));
    }
    let mut events = append.events.into_iter();
    for (part, outcome) in shares.iter().zip(&planned.parts.parts) {
        let mine = events.by_ref().take(part.len);
        if outcome.appended.replayed {
            mine.for_each(drop);
            continue;
        }
        push_events(state, outcome.appended.positions(), mine, recorded_at);
        if let Some(key) = &part.key {
            let record = KeyRecord {
                appended: Appended {
                    replayed: true,
                    ..outcome.appended
                },
                fingerprint: outcome.fingerprint.clone(),
            };
            state.keys.insert(key.clone(), record);
        }
    }
    let last = planned.parts.appended.last;
    if last > head {
        heads.publish(last);
    }
    Ok(Outcome::Parts(planned.parts))
}

/// [`MemoryLog`]'s write lock: the state's flag raised, and the writers'
/// mutex held so that no other lock raises it meanwhile. Dropped, it lowers
/// the flag and wakes the appends that waited.
struct MemoryWriteLock {
    state: Arc<Mutex<State>>,
    heads: HeadPublisher,
    limits: LogLimits,
    unlocked: Arc<Notify>,
    _writer: OwnedMutexGuard<()>,
}

impl MemoryWriteLock {
    fn append_now(&self, append: Append) -> Result<Outcome, LogError> {
        prepare(&append, &self.limits).and_then(|recorded_at| {
            append_locked(&mut lock(&self.state), &self.heads, append, recorded_at)
        })
    }
}

impl WriteLock for MemoryWriteLock {
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>> {
        let appended = self.append_now(append).map(Outcome::single);
        Box::pin(std::future::ready(appended))
    }

    fn append_parts(
        self: Box<Self>,
        append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        let appended = self.append_now(append).map(Outcome::into_parts);
        Box::pin(std::future::ready(appended))
    }
}

impl Drop for MemoryWriteLock {
    fn drop(&mut self) {
        lock(&self.state).write_locked = false;
        self.unlocked.notify_waiters();
    }
}

impl MemoryLog {
    /// Appends a prepared append now unless a write lock is held (one held
    /// is another writer's: its holder appends through it); then gives it
    /// back.
    fn append_if_unlocked(
        &self,
        append: Append,
        recorded_at: SystemTime,
    ) -> Result<Result<Outcome, LogError>, Append> {
        let mut state = lock(&self.state);
        if state.write_locked {
            return Err(append);
        }
        Ok(append_locked(&mut state, &self.heads, append, recorded_at))
    }

    /// Prepares an append and appends it now, or once no write lock is
    /// held; its outcome through `outcome`.
    fn append_then<T: Send + 'static>(
        &self,
        append: Append,
        outcome: impl FnOnce(Outcome) -> T + Send + 'static,
    ) -> BoxFuture<'_, Result<T, LogError>> {
        let recorded_at = match prepare(&append, &self.limits) {
            Ok(recorded_at) => recorded_at,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        match self.append_if_unlocked(append, recorded_at) {
            Ok(appended) => Box::pin(std::future::ready(appended.map(outcome))),
            Err(append) => Box::pin(async move {
                let appended = self.append_unlocked(append, recorded_at).await?;
                Ok(outcome(appended))
            }),
        }
    }

    /// Prepares an append and appends it now unless a write lock is held
    /// (its outcome through `outcome`), else gives it back.
    fn try_now<T>(
        &self,
        append: Append,
        outcome: impl FnOnce(Outcome) -> T,
    ) -> Result<Result<T, LogError>, Append> {
        match prepare(&append, &self.limits) {
            Ok(recorded_at) => self
                .append_if_unlocked(append, recorded_at)
                .map(|appended| appended.map(outcome)),
            Err(error) => Ok(Err(error)),
        }
    }

    /// Appends a prepared append once no write lock is held.
    async fn append_unlocked(
        &self,
        mut append: Append,
        recorded_at: SystemTime,
    ) -> Result<Outcome, LogError> {
        loop {
            // Registered before the flag is read, so the wake-up of a lock
            // that ends right after cannot be missed.
            let unlocked = self.unlocked.notified();
            tokio::pin!(unlocked);
            unlocked.as_mut().enable();
            append = match self.append_if_unlocked(append, recorded_at) {
                Ok(appended) => return appended,
                Err(append) => append,
            };
            unlocked.await;
        }
    }
}

impl EventLog for MemoryLog {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        let head = self.head_now();
        Box::pin(std::future::ready(Ok(head)))
    }

    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        let batch = self.read_now(after, filter, limit);
        Box::pin(std::future::ready(Ok(batch)))
    }

    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        self.append_then(append, Outcome::single)
    }

    fn keyed_parts(&self) -> bool {
        true
    }

    fn append_parts(&self, append: Append) -> BoxFuture<'_, Result<AppendedParts, LogError>> {
        self.append_then(append, Outcome::into_parts)
    }

    fn try_append_now(&self, append: Append) -> Result<Result<Appended, LogError>, Append> {
        self.try_now(append, Outcome::single)
    }

    fn try_append_parts_now(
        &self,
        append: Append,
    ) -> Result<Result<AppendedParts, LogError>, Append> {
        self.try_now(append, Outcome::into_parts)
    }

    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<KeyRecord>, LogError>> {
        let found = lock(&self.state).keys.get(key).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        Box::pin(async move {
            let writer = Arc::clone(&self.writers).lock_owned().await;
            // Raised and handed over with no await between: a cancelled
            // call leaves no flag behind.
            lock(&self.state).write_locked = true;
            let lock: Box<dyn WriteLock> = Box::new(MemoryWriteLock {
                state: Arc::clone(&self.state),
                heads: self.heads.clone(),
                limits: self.limits,
                unlocked: Arc::clone(&self.unlocked),
                _writer: writer,
            });
            Ok(lock)
        })
    }

    fn subscribe(&self) -> Subscription {
        self.heads.subscribe()
    }

    fn append_cost(&self) -> AppendCost {
        AppendCost::Negligible
    }
}
