//! [`Store`]: the contract of a store's transactions, the same for every
//! service and every kind of store. A store kit
//! ([`MemoryStore`](crate::MemoryStore), `SqliteStore`) implements it once;
//! a hand-written store implements it too. What depends on the schema (one
//! `apply_<event>` per subscribed event) is the generated `<Service>Store`
//! trait, which extends this one.
//!
//! The contract also says how a store notices that its projections are
//! stale (a [`StoreFingerprint`] kept beside the version) and how it is
//! rebuilt: in place ([`Store::clear`], then a replay of the log in the
//! same transaction) or beside ([`Store::beside`] builds a new store while
//! this one serves, [`Store::swap_in`] puts it in this one's place).

use std::future::Future;

use crate::record::Position;
use crate::service::{StoreError, StoreFingerprint};

/// A store's transactions and its projection version: where a service
/// keeps its projections, as every service's engine uses it.
///
/// # Contract
///
/// - A `Write` is exclusive: while one is open no other `Write` or `Read`
///   of the same store sees its changes; [`commit`](Self::commit) makes
///   them visible at once, [`rollback`](Self::rollback) discards them.
///   A `Write` dropped without either (its future was cancelled) must
///   discard its changes too.
/// - The version is the log position the projections reflect: every
///   subscribed event up to it has been applied, none after it (0 for a
///   new store).
/// - Methods get a `&mut` transaction so that it only needs to be `Send`
///   (a `rusqlite::Connection` is not `Sync`): an owned lock guard is the
///   usual choice (`tokio::sync::OwnedMutexGuard<Connection>` after
///   `BEGIN`, or a guard over a map plus an undo log).
pub trait Store: Send + Sync + 'static {
    /// An exclusive write transaction (`'static`: a batch of transactions
    /// is finished by a task of its own).
    type Write: Send + 'static;
    /// A shared read transaction.
    type Read: Send;

    /// Opens a write transaction (waiting for the one open, if any).
    fn begin_write(&self) -> impl Future<Output = Result<Self::Write, StoreError>> + Send;
    /// Opens a read transaction.
    fn begin_read(&self) -> impl Future<Output = Result<Self::Read, StoreError>> + Send;
    /// Commits a write transaction (on failure it must be rolled back).
    fn commit(&self, txn: Self::Write) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Discards a write transaction.
    fn rollback(&self, txn: Self::Write) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The projection version as a read transaction sees it (0 for a new
    /// store).
    fn read_version(
        &self,
        txn: &mut Self::Read,
    ) -> impl Future<Output = Result<Position, StoreError>> + Send;
    /// The projection version as of this transaction (0 for a new store).
    fn version(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<Position, StoreError>> + Send;
    /// Sets the projection version in this transaction.
    fn set_version(
        &self,
        txn: &mut Self::Write,
        version: Position,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Marks the state of `txn` so that
    /// [`rollback_to_savepoint`](Self::rollback_to_savepoint) can return
    /// to it (a later mark replaces an earlier one). The engine marks
    /// before each call of a batch, so that a call that fails is undone
    /// alone and the calls before it keep their decisions. `Ok(false)`,
    /// the default: the store cannot, and a failed call makes the batch
    /// decide again from its start.
    fn savepoint(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = txn;
        std::future::ready(Ok(false))
    }
    /// Told that a `forget_<subject>` hook ran in `txn` (before it
    /// commits): a store whose files keep deleted bytes makes that commit
    /// erase them (the SQLite kit truncates its write-ahead log after
    /// it). Does nothing by default.
    fn forgot(&self, txn: &mut Self::Write) {
        let _ = txn;
    }
    /// Undoes what `txn` did since its last
    /// [`savepoint`](Self::savepoint) (which stays set). Called only after
    /// a `savepoint` that answered `true`.
    fn rollback_to_savepoint(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = txn;
        std::future::ready(Err(StoreError::new(
            "this store keeps no savepoints to roll back to",
        )))
    }

    /// Whether the store keeps a fingerprint beside its version (false by
    /// default: a hand-written store that does not is not checked, and the
    /// engine says so once in a `warn` event). A store that answers `true`
    /// implements [`fingerprint`](Self::fingerprint) and
    /// [`set_fingerprint`](Self::set_fingerprint).
    fn keeps_fingerprint(&self) -> bool {
        false
    }
    /// The fingerprint kept beside the version; `None` for a new store (or
    /// one written before fingerprints). `Ok(None)` by default.
    fn fingerprint(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<Option<StoreFingerprint>, StoreError>> + Send {
        let _ = txn;
        std::future::ready(Ok(None))
    }
    /// Keeps `fingerprint` beside the version, in `txn` (visible once it
    /// commits). Fails by default: the store keeps no fingerprint.
    fn set_fingerprint(
        &self,
        txn: &mut Self::Write,
        fingerprint: StoreFingerprint,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (txn, fingerprint);
        std::future::ready(Err(StoreError::new(
            "this store keeps no fingerprint beside its version",
        )))
    }
    /// Empties the projections in `txn` (version 0, no fingerprint): a
    /// rebuild in place then replays the log into it before it commits, so
    /// readers see the old projections until then. Fails by default: the
    /// store cannot be rebuilt in place.
    fn clear(&self, txn: &mut Self::Write) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = txn;
        std::future::ready(Err(StoreError::new(
            "this store cannot be emptied, so it cannot be rebuilt in place",
        )))
    }
    /// A new, empty store beside this one, to rebuild into while this one
    /// serves (`Ok(None)` by default: the store cannot rebuild beside). A
    /// file-backed store resumes a half-built one left by a killed process
    /// if its fingerprint is the one asked for, else discards it. The
    /// built store's fingerprint is set by whoever rebuilds it, once it is
    /// caught up (so a half-built one never carries it as its own).
    fn beside(
        &self,
        fingerprint: StoreFingerprint,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send
    where
        Self: Sized,
    {
        let _ = fingerprint;
        std::future::ready(Ok(None))
    }
    /// Puts `built` (caught up with the log while `txn`, this store's
    /// write transaction, was held, so no write came between) in this
    /// store's place in one step: reads begun after see `built`, reads
    /// begun before keep what they saw. `txn` is consumed (its own changes
    /// discarded). Fails by default (a store whose
    /// [`beside`](Self::beside) answers `None` is never asked).
    fn swap_in(
        &self,
        txn: Self::Write,
        built: Self,
    ) -> impl Future<Output = Result<(), StoreError>> + Send
    where
        Self: Sized,
    {
        let _ = (txn, built);
        std::future::ready(Err(StoreError::new(
            "this store cannot rebuild beside, so nothing can be swapped in",
        )))
    }
}
