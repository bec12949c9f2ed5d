//! [`MemoryStore`]: a projection of the user's type kept in memory.
//!
//! Writers take turns on an async lock ([`Turns`], which a running task
//! takes without a hand-off to a parked one); a write transaction holds the
//! projection as its mode begins it (a clone in [`Cloned`] mode, a view of
//! the tables over the committed ones in [`Overlaid`](super::Overlaid) mode) and changes
//! it; commit publishes it as the new committed projection (with its
//! version), rollback or drop discards it. Readers take the committed
//! projection (an `Arc`) and never wait for a writer: the commit swaps a
//! pointer under a lock held for nothing else. Cancellation cannot leave a
//! half-applied projection: nothing is published before commit.
//!
//! The committed projection carries its version and its fingerprint (what
//! built it), so a service checks a `MemoryStore` for stale projections as
//! any other store. A rebuild needs an empty projection to start from: a
//! store made with [`MemoryStore::default`] (or
//! [`MemoryStore::with_empty`]) keeps how to make one, and can be cleared
//! (a rebuild in place) or rebuilt beside (a new store, whose committed
//! projection, version and fingerprint [`Store::swap_in`] publishes as
//! this store's under its writer's turn). One made with
//! [`MemoryStore::new`] from a value alone cannot be rebuilt (`P` need not
//! be `Default`).

use std::fmt;
use std::future::{Future, ready};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, PoisonError, RwLock};

use crate::record::Position;
use crate::service::{StoreError, StoreFingerprint};
use crate::store::Store;

use super::transactional::{Cloned, WriteMode};
use super::turns::{Turn, Turns};

/// A projection of type `P` in memory, with the version it reflects, in
/// mode `M`. See the [module docs](crate::kits).
///
/// - `MemoryStore<P>` ([`Cloned`] mode) keeps any `P: Clone`, and clones it
///   at the start of each write transaction: with `std` collections inside,
///   each write transaction copies the whole projection.
/// - `MemoryStore<P, Overlaid>` ([`Overlaid`](super::Overlaid) mode) keeps a projection of
///   [`Table`](super::Table)s and [`Set`](super::Set)s
///   ([`Transactional`](super::Transactional)): a write transaction costs
///   what it changes. The choice for a projection of any size.
pub struct MemoryStore<P, M = Cloned> {
    shared: Arc<Shared<P>>,
    mode: PhantomData<fn() -> M>,
}

struct Shared<P> {
    writer: Arc<Turns>,
    committed: RwLock<Arc<Committed<P>>>,
    /// Makes an empty projection, for a rebuild (`None`: built from a
    /// value alone, the store cannot be rebuilt).
    empty: Option<fn() -> P>,
}

struct Committed<P> {
    state: P,
    version: Position,
    fingerprint: Option<StoreFingerprint>,
}

impl<P, M> Clone for MemoryStore<P, M> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            mode: PhantomData,
        }
    }
}

/// An empty store (`P::default()` at version 0) that can be rebuilt: it
/// starts each rebuild from `P::default()`.
impl<P: Default, M: WriteMode<P>> Default for MemoryStore<P, M> {
    fn default() -> Self {
        Self::with_empty(P::default(), P::default)
    }
}

impl<P, M> fmt::Debug for MemoryStore<P, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let committed = self.committed();
        f.debug_struct("MemoryStore")
            .field("version", &committed.version)
            .field("fingerprint", &committed.fingerprint)
            .finish_non_exhaustive()
    }
}

impl<P, M: WriteMode<P>> MemoryStore<P, M> {
    /// A store holding `state` at version 0 (in [`Overlaid`](super::Overlaid) mode, changes
    /// made to tables outside a store are committed first). It cannot be
    /// rebuilt (nothing says what an empty `P` is): use
    /// [`MemoryStore::default`] or [`with_empty`](Self::with_empty) for a
    /// store that can.
    pub fn new(state: P) -> Self {
        Self::made(state, None)
    }

    /// A store holding `state` at version 0 whose rebuilds start from
    /// `empty()` (e.g. `Projection::empty`), for a `P` that is not
    /// `Default` or whose default is not empty.
    pub fn with_empty(state: P, empty: fn() -> P) -> Self {
        Self::made(state, Some(empty))
    }

    fn made(state: P, empty: Option<fn() -> P>) -> Self {
        let state = M::commit(state);
        Self {
            shared: Arc::new(Shared {
                writer: Arc::default(),
                committed: RwLock::new(Arc::new(Committed {
                    state,
                    version: 0,
                    fingerprint: None,
                })),
                empty,
            }),
            mode: PhantomData,
        }
    }
}

impl<P, M> MemoryStore<P, M> {
    fn committed(&self) -> Arc<Committed<P>> {
        let committed = self
            .shared
            .committed
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&committed)
    }
}

impl<P: Send + Sync + 'static, M: WriteMode<P>> Store for MemoryStore<P, M> {
    type Write = MemoryWrite<P, M>;
    type Read = MemoryRead<P>;

    /// Opens a write transaction on the committed projection (a clone, or a
    /// view of its tables), waiting for the open one, if any.
    async fn begin_write(&self) -> Result<MemoryWrite<P, M>, StoreError> {
        let turn = self.shared.writer.take().await;
        let committed = self.committed();
        Ok(MemoryWrite {
            _turn: turn,
            state: M::begin_write(&committed.state),
            version: committed.version,
            fingerprint: committed.fingerprint,
            savepoint: None,
        })
    }

    /// The committed projection, as a read transaction (never waits).
    fn begin_read(&self) -> impl Future<Output = Result<MemoryRead<P>, StoreError>> + Send {
        ready(Ok(MemoryRead(self.committed())))
    }

    /// Commits `txn`: its projection and version become the committed
    /// ones.
    fn commit(
        &self,
        txn: MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let MemoryWrite {
            _turn,
            state,
            version,
            fingerprint,
            savepoint: _,
        } = txn;
        self.publish(Arc::new(Committed {
            state: M::commit(state),
            version,
            fingerprint,
        }));
        // `_turn` is released after the new projection is published.
        ready(Ok(()))
    }

    /// Drops `txn`: its changes are discarded.
    fn rollback(
        &self,
        txn: MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        drop(txn);
        ready(Ok(()))
    }

    fn read_version(
        &self,
        txn: &mut MemoryRead<P>,
    ) -> impl Future<Output = Result<Position, StoreError>> + Send {
        ready(Ok(txn.version()))
    }

    fn version(
        &self,
        txn: &mut MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<Position, StoreError>> + Send {
        ready(Ok(txn.version()))
    }

    fn set_version(
        &self,
        txn: &mut MemoryWrite<P, M>,
        version: Position,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        txn.version = version;
        ready(Ok(()))
    }

    /// Marks the projection: in [`Cloned`] mode, keeps a clone of it (as
    /// costly as the clone a write transaction begins with); in
    /// [`Overlaid`](super::Overlaid) mode, a mark in each table's overlay.
    fn savepoint(
        &self,
        txn: &mut MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        txn.savepoint = Some(Savepoint {
            state: M::savepoint(&mut txn.state),
            version: txn.version,
            fingerprint: txn.fingerprint,
        });
        ready(Ok(true))
    }

    fn rollback_to_savepoint(
        &self,
        txn: &mut MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let Some(savepoint) = &txn.savepoint else {
            return ready(Err(StoreError::new(
                "no savepoint to roll back to in this memory transaction",
            )));
        };
        M::rollback_to_savepoint(&mut txn.state, &savepoint.state);
        txn.version = savepoint.version;
        txn.fingerprint = savepoint.fingerprint;
        ready(Ok(()))
    }

    /// The fingerprint is kept in the committed projection.
    fn keeps_fingerprint(&self) -> bool {
        true
    }

    fn fingerprint(
        &self,
        txn: &mut MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<Option<StoreFingerprint>, StoreError>> + Send {
        ready(Ok(txn.fingerprint))
    }

    fn set_fingerprint(
        &self,
        txn: &mut MemoryWrite<P, M>,
        fingerprint: StoreFingerprint,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        txn.fingerprint = Some(fingerprint);
        ready(Ok(()))
    }

    /// Starts `txn` over from an empty projection (see
    /// [`with_empty`](MemoryStore::with_empty)), at version 0 with no
    /// fingerprint (and no savepoint).
    fn clear(
        &self,
        txn: &mut MemoryWrite<P, M>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let Some(empty) = self.shared.empty else {
            return ready(Err(cannot_rebuild()));
        };
        txn.state = M::begin_write(&M::commit(empty()));
        txn.version = 0;
        txn.fingerprint = None;
        txn.savepoint = None;
        ready(Ok(()))
    }

    /// A new, empty store (with the same way to make an empty projection);
    /// `None` for a store that cannot be rebuilt.
    fn beside(
        &self,
        fingerprint: StoreFingerprint,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send {
        let _ = fingerprint;
        ready(Ok(self
            .shared
            .empty
            .map(|empty| Self::with_empty(empty(), empty))))
    }

    /// Publishes `built`'s committed projection, version and fingerprint as
    /// this store's, under this store's writer's turn (`txn`, whose changes
    /// are dropped).
    fn swap_in(
        &self,
        txn: MemoryWrite<P, M>,
        built: Self,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.publish(built.committed());
        drop(txn);
        ready(Ok(()))
    }
}

impl<P, M> MemoryStore<P, M> {
    /// Makes `next` the committed projection.
    fn publish(&self, next: Arc<Committed<P>>) {
        let mut committed = self
            .shared
            .committed
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let previous = std::mem::replace(&mut *committed, next);
        drop(committed);
        // Dropped (perhaps the last reference) once readers can go on.
        drop(previous);
    }
}

/// Why a store made from a value alone cannot be rebuilt.
fn cannot_rebuild() -> StoreError {
    StoreError::new(
        "this MemoryStore was made with `MemoryStore::new` and cannot be rebuilt: make it with \
         `MemoryStore::default()` or `MemoryStore::with_empty`",
    )
}

/// A write transaction of a [`MemoryStore`]: the projection as this
/// transaction changes it (`Deref`/`DerefMut` to `P`). Dropped without
/// [`Store::commit`], its changes are discarded.
pub struct MemoryWrite<P, M: WriteMode<P> = Cloned> {
    _turn: Turn,
    state: P,
    version: Position,
    fingerprint: Option<StoreFingerprint>,
    savepoint: Option<Savepoint<M::Savepoint>>,
}

/// What a [`MemoryWrite`] returns to at its savepoint.
struct Savepoint<S> {
    state: S,
    version: Position,
    fingerprint: Option<StoreFingerprint>,
}

impl<P, M: WriteMode<P>> MemoryWrite<P, M> {
    /// The projection version as of this transaction.
    pub fn version(&self) -> Position {
        self.version
    }
}

impl<P, M: WriteMode<P>> Deref for MemoryWrite<P, M> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.state
    }
}

impl<P, M: WriteMode<P>> DerefMut for MemoryWrite<P, M> {
    fn deref_mut(&mut self) -> &mut P {
        &mut self.state
    }
}

/// A read transaction of a [`MemoryStore`]: the committed projection when
/// it was opened (`Deref` to `P`), unchanged by later commits.
pub struct MemoryRead<P>(Arc<Committed<P>>);

impl<P> MemoryRead<P> {
    /// The projection version this read sees.
    pub fn version(&self) -> Position {
        self.0.version
    }
}

impl<P> Deref for MemoryRead<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.0.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    type Totals = BTreeMap<String, u64>;

    async fn read(store: &MemoryStore<Totals>) -> MemoryRead<Totals> {
        store.begin_read().await.unwrap()
    }

    #[tokio::test]
    async fn commit_publishes_and_drop_discards() {
        let store = MemoryStore::<Totals>::default();
        let mut txn = store.begin_write().await.unwrap();
        txn.insert("a".into(), 1);
        store.set_version(&mut txn, 1).await.unwrap();
        let before = read(&store).await;
        store.commit(txn).await.unwrap();
        assert_eq!((before.version(), before.get("a")), (0, None));
        let after = read(&store).await;
        assert_eq!((after.version(), after.get("a")), (1, Some(&1)));

        let mut txn = store.begin_write().await.unwrap();
        txn.insert("a".into(), 2);
        store.set_version(&mut txn, 2).await.unwrap();
        drop(txn);
        let now = read(&store).await;
        assert_eq!((now.version(), now.get("a")), (1, Some(&1)));
    }

    #[tokio::test]
    async fn a_rollback_to_the_savepoint_undoes_only_what_came_after_it() {
        let store = MemoryStore::<Totals>::default();
        let mut txn = store.begin_write().await.unwrap();
        assert!(
            store.rollback_to_savepoint(&mut txn).await.is_err(),
            "no savepoint yet"
        );
        txn.insert("a".into(), 1);
        store.set_version(&mut txn, 1).await.unwrap();
        assert!(store.savepoint(&mut txn).await.unwrap());
        txn.insert("b".into(), 2);
        store.set_version(&mut txn, 2).await.unwrap();
        store.rollback_to_savepoint(&mut txn).await.unwrap();
        assert_eq!(
            (txn.version(), txn.get("a"), txn.get("b")),
            (1, Some(&1), None)
        );
        txn.insert("c".into(), 3);
        store.rollback_to_savepoint(&mut txn).await.unwrap();
        assert_eq!(txn.get("c"), None, "the savepoint stays set");
        store.commit(txn).await.unwrap();
        assert_eq!(read(&store).await.version(), 1);
    }

    #[tokio::test]
    async fn writers_take_turns_and_a_cancelled_one_leaves_nothing() {
        let store = MemoryStore::<Totals>::default();
        let first = store.begin_write().await.unwrap();
        // A second writer waits; cancelled while waiting, it changes nothing.
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), store.begin_write());
        assert!(waiting.await.is_err(), "the second writer waited");
        drop(first);
        let mut txn = store.begin_write().await.unwrap();
        txn.insert("b".into(), 1);
        let cancelled = async move {
            let _txn = txn;
            std::future::pending::<()>().await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_millis(10), cancelled).await;
        assert!(read(&store).await.get("b").is_none());
        assert!(store.begin_write().await.unwrap().get("b").is_none());
    }
}
