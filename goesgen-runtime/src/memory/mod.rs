//! [`MemoryLog`]: the event log in memory, for tests and for programs that
//! need no durability. A lock around the records (kept in `Chunks`, so
//! an append never copies the ones before it), an index of positions per
//! kind (so filtered reads and kind conditions do not scan the log), a map
//! of idempotency keys, a [`HeadPublisher`] for the head (two atomic
//! operations per append while no subscription waits), and a flag that
//! [`EventLog::lock_writes`] raises to keep other writers out.
//!
//! - `read`: the head and reads.
//! - `append`: one append under the lock, from the limits to the head.
//! - `write_lock`: [`EventLog::lock_writes`]'s holder, and appends waiting
//!   for it.
//! - `personal`: the key store of personal data (sealing under the
//!   lock, keys for reads, forgetting).
//! - `chunks`: the grow-by-chunk vector the records and the index live in.

mod append;
mod chunks;
mod personal;
mod read;
mod write_lock;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use append::Outcome;
use chunks::Chunks;

use crate::backend::fnv::Fnv1a;
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::log::{
    Append, AppendCost, Appended, AppendedParts, BoxFuture, EventLog, HeadPublisher,
    IdempotencyKey, KeyRecord, KindFilter, ReadBatch, Subscription, WriteLock,
};
use crate::personal::{DataKeys, Forgot, KeyId, Subject};
use crate::record::{Position, Record};

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
    /// The data keys of personal values and the master key's check value.
    personal: personal::MemoryKeys,
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
}

/// The state behind the lock. Nothing panics while the lock is held after a
/// change has begun, so the state behind a poisoned lock is still whole.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
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
            let lock: Box<dyn WriteLock> = Box::new(self.take_write_lock().await);
            Ok(lock)
        })
    }

    fn subscribe(&self) -> Subscription {
        self.heads.subscribe()
    }

    fn append_cost(&self) -> AppendCost {
        AppendCost::Negligible
    }

    fn seals_personal(&self) -> bool {
        true
    }

    fn data_keys<'a>(&'a self, ids: &'a [KeyId]) -> BoxFuture<'a, Result<DataKeys, LogError>> {
        Box::pin(std::future::ready(self.data_keys_now(ids)))
    }

    fn forget<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Result<Forgot, LogError>> {
        let had_key = self.has_key(subject);
        let appended = self.append_with(Append::forgetting(subject));
        Box::pin(async move {
            Ok(Forgot {
                record: appended.await?,
                had_key,
            })
        })
    }
}
