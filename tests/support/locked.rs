//! The one hand-written test store of the integration tests: projections
//! `T` behind an async lock, implementing `goesgen::Store` the plain way a
//! user would without a kit. Its write transaction is an owned guard with a
//! copy to roll back to (restored on rollback and when dropped
//! unfinished); its faults make opening or committing a transaction fail,
//! for the tests of what a failing store does to a call.

#![allow(dead_code)]

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use goesgen::{Position, StoreError, StoreErrorKind};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

/// Projections that carry their version, so that [`Locked`] is a
/// `goesgen::Store` over them.
pub trait Versioned: Clone + Send + Sync + 'static {
    /// The projection version.
    fn version(&self) -> Position;
    /// Sets the projection version.
    fn set_version(&mut self, version: Position);
}

/// Store faults to inject; all off by default.
#[derive(Debug, Default)]
pub struct Faults {
    /// Opening a transaction (write or read) fails as unavailable.
    pub begin: AtomicBool,
    /// Committing fails as unavailable (the transaction is rolled back).
    pub commit: AtomicBool,
}

impl Faults {
    fn check(on: &AtomicBool, what: &str) -> Result<(), StoreError> {
        if on.load(Ordering::SeqCst) {
            Err(StoreError::of(
                StoreErrorKind::Unavailable,
                format!("injected: {what} failed"),
            ))
        } else {
            Ok(())
        }
    }
}

/// A store in memory: a lock over the projections `T`, and its faults.
#[derive(Debug, Default)]
pub struct Locked<T> {
    /// The projections.
    pub state: Arc<RwLock<T>>,
    /// What to make fail.
    pub faults: Arc<Faults>,
}

impl<T> Clone for Locked<T> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            faults: self.faults.clone(),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Locked<T> {
    /// A copy of the committed projections.
    pub async fn snapshot(&self) -> T {
        self.state.read().await.clone()
    }
}

/// A write transaction: the lock, and the projections to restore unless
/// committed (also when dropped unfinished). It derefs to the projections.
pub struct SavedWrite<T> {
    guard: OwnedRwLockWriteGuard<T>,
    saved: Option<T>,
}

impl<T> Deref for SavedWrite<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for SavedWrite<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for SavedWrite<T> {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            *self.guard = saved;
        }
    }
}

impl<T: Versioned> goesgen::Store for Locked<T> {
    type Write = SavedWrite<T>;
    type Read = OwnedRwLockReadGuard<T>;

    async fn begin_write(&self) -> Result<SavedWrite<T>, StoreError> {
        Faults::check(&self.faults.begin, "begin")?;
        let guard = self.state.clone().write_owned().await;
        // A copy to roll back to: small projections in tests (a large store
        // would keep an undo log instead).
        let saved = Some(guard.clone());
        Ok(SavedWrite { guard, saved })
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        Faults::check(&self.faults.begin, "begin")?;
        Ok(self.state.clone().read_owned().await)
    }
    async fn commit(&self, mut txn: SavedWrite<T>) -> Result<(), StoreError> {
        // A failed commit drops `txn` with its copy: rolled back.
        Faults::check(&self.faults.commit, "commit")?;
        txn.saved = None;
        Ok(())
    }
    async fn rollback(&self, txn: SavedWrite<T>) -> Result<(), StoreError> {
        drop(txn);
        Ok(())
    }
    async fn read_version(&self, txn: &mut Self::Read) -> Result<Position, StoreError> {
        Ok(txn.version())
    }
    async fn version(&self, txn: &mut SavedWrite<T>) -> Result<Position, StoreError> {
        Ok(txn.guard.version())
    }
    async fn set_version(
        &self,
        txn: &mut SavedWrite<T>,
        version: Position,
    ) -> Result<(), StoreError> {
        txn.guard.set_version(version);
        Ok(())
    }
}
