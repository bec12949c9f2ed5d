//! [`MemoryStore`]: a projection of the user's type kept in memory.
//!
//! Writers take turns on an async lock; a write transaction holds a clone
//! of the committed projection and changes it; commit publishes the clone
//! as the new committed projection (with its version), rollback or drop
//! discards it. Readers take the committed projection (an `Arc`) and never
//! wait for a writer. Cancellation cannot leave a half-applied projection:
//! nothing is published before commit.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::record::Position;

/// A projection of type `P` in memory, with the version it reflects. See
/// the [module docs](crate::kits).
///
/// `P` is cloned at the start of each write transaction: keep it cheap to
/// clone with persistent collections (e.g. the `imbl` crate's `HashMap`,
/// `OrdMap`, `Vector`), so a transaction costs what it changes, not the
/// size of the projection. With `std` collections each write transaction
/// copies the whole projection.
pub struct MemoryStore<P> {
    shared: Arc<Shared<P>>,
}

struct Shared<P> {
    writer: Arc<Mutex<()>>,
    committed: RwLock<Arc<Committed<P>>>,
}

struct Committed<P> {
    state: P,
    version: Position,
}

impl<P> Clone for MemoryStore<P> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<P: Default> Default for MemoryStore<P> {
    fn default() -> Self {
        Self::new(P::default())
    }
}

impl<P> fmt::Debug for MemoryStore<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("version", &self.committed().version)
            .finish_non_exhaustive()
    }
}

impl<P> MemoryStore<P> {
    /// A store holding `state` at version 0.
    pub fn new(state: P) -> Self {
        Self {
            shared: Arc::new(Shared {
                writer: Arc::new(Mutex::new(())),
                committed: RwLock::new(Arc::new(Committed { state, version: 0 })),
            }),
        }
    }

    fn committed(&self) -> Arc<Committed<P>> {
        let committed = self
            .shared
            .committed
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&committed)
    }

    /// The committed projection, as a read transaction (never waits).
    pub fn read(&self) -> MemoryRead<P> {
        MemoryRead(self.committed())
    }
}

impl<P: Clone> MemoryStore<P> {
    /// Opens a write transaction on a clone of the committed projection,
    /// waiting for the open one, if any.
    pub async fn write(&self) -> MemoryWrite<P> {
        let turn = Arc::clone(&self.shared.writer).lock_owned().await;
        let committed = self.committed();
        MemoryWrite {
            _turn: turn,
            state: committed.state.clone(),
            version: committed.version,
            savepoint: None,
        }
    }

    /// Commits `txn`: its projection and version become the committed
    /// ones.
    pub fn commit(&self, txn: MemoryWrite<P>) {
        let MemoryWrite {
            _turn,
            state,
            version,
            savepoint: _,
        } = txn;
        let mut committed = self
            .shared
            .committed
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *committed = Arc::new(Committed { state, version });
        // `_turn` is released after the new projection is published.
    }
}

/// A write transaction of a [`MemoryStore`]: the projection as this
/// transaction changes it (`Deref`/`DerefMut` to `P`). Dropped without
/// [`MemoryStore::commit`], its changes are discarded.
pub struct MemoryWrite<P> {
    _turn: OwnedMutexGuard<()>,
    state: P,
    version: Position,
    /// A copy of the state and version to roll back to.
    savepoint: Option<(P, Position)>,
}

impl<P: Clone> MemoryWrite<P> {
    /// Marks the projection as it is now for
    /// [`rollback_to_savepoint`](Self::rollback_to_savepoint) (a clone of
    /// it: as cheap as the clone a write transaction begins with).
    pub fn savepoint(&mut self) {
        self.savepoint = Some((self.state.clone(), self.version));
    }

    /// Returns the projection to the last [`savepoint`](Self::savepoint),
    /// which stays set; an error if there is none.
    pub fn rollback_to_savepoint(&mut self) -> Result<(), crate::service::StoreError> {
        let Some((state, version)) = &self.savepoint else {
            return Err(crate::service::StoreError::new(
                "no savepoint to roll back to in this memory transaction",
            ));
        };
        self.state = state.clone();
        self.version = *version;
        Ok(())
    }
}

impl<P> MemoryWrite<P> {
    /// The projection version as of this transaction.
    pub fn version(&self) -> Position {
        self.version
    }

    /// Sets the projection version in this transaction.
    pub fn set_version(&mut self, version: Position) {
        self.version = version;
    }
}

impl<P> Deref for MemoryWrite<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.state
    }
}

impl<P> DerefMut for MemoryWrite<P> {
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

    #[tokio::test]
    async fn commit_publishes_and_drop_discards() {
        let store = MemoryStore::<Totals>::default();
        let mut txn = store.write().await;
        txn.insert("a".into(), 1);
        txn.set_version(1);
        let before = store.read();
        store.commit(txn);
        assert_eq!((before.version(), before.get("a")), (0, None));
        let after = store.read();
        assert_eq!((after.version(), after.get("a")), (1, Some(&1)));

        let mut txn = store.write().await;
        txn.insert("a".into(), 2);
        txn.set_version(2);
        drop(txn);
        assert_eq!(
            (store.read().version(), store.read().get("a")),
            (1, Some(&1))
        );
    }

    #[tokio::test]
    async fn a_rollback_to_the_savepoint_undoes_only_what_came_after_it() {
        let store = MemoryStore::<Totals>::default();
        let mut txn = store.write().await;
        assert!(txn.rollback_to_savepoint().is_err(), "no savepoint yet");
        txn.insert("a".into(), 1);
        txn.set_version(1);
        txn.savepoint();
        txn.insert("b".into(), 2);
        txn.set_version(2);
        txn.rollback_to_savepoint().unwrap();
        assert_eq!(
            (txn.version(), txn.get("a"), txn.get("b")),
            (1, Some(&1), None)
        );
        txn.insert("c".into(), 3);
        txn.rollback_to_savepoint().unwrap();
        assert_eq!(txn.get("c"), None, "the savepoint stays set");
        store.commit(txn);
        assert_eq!(store.read().version(), 1);
    }

    #[tokio::test]
    async fn writers_take_turns_and_a_cancelled_one_leaves_nothing() {
        let store = MemoryStore::<Totals>::default();
        let first = store.write().await;
        // A second writer waits; cancelled while waiting, it changes nothing.
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), store.write());
        assert!(waiting.await.is_err(), "the second writer waited");
        drop(first);
        let mut txn = store.write().await;
        txn.insert("b".into(), 1);
        let cancelled = async move {
            let _txn = txn;
            std::future::pending::<()>().await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_millis(10), cancelled).await;
        assert!(store.read().get("b").is_none());
        assert!(store.write().await.get("b").is_none());
    }
}
