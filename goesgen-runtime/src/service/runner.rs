//! [`Runner`]: what every generated `<Service>Service` has beside its
//! methods (sync, follow, stats, progress, the store, the log), written
//! once here; a generated service holds one and derefs to it.

use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;

use crate::log::SharedLog;
use crate::record::Position;
use crate::service::committed::{ServiceStats, Skipped};
use crate::service::dispatch::{Dispatch, Dispatched};
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::observe::ProgressReceiver;
use crate::service::options::ServiceOptions;

/// A service's [`Engine`] over its store (with the dispatch `D` of its
/// events), its errors typed with the methods' error `E`: so that
/// `service.sync().await?` in a function returning
/// `Result<_, ServiceError<E>>` needs no annotation.
pub struct Runner<D: Dispatch, E> {
    engine: Engine<Dispatched<D>>,
    error: PhantomData<fn() -> E>,
}

impl<D: Dispatch, E> Runner<D, E> {
    /// A runner of `store` on `log`.
    pub fn new(store: D::Store, log: SharedLog, options: ServiceOptions) -> Self {
        Self {
            engine: Engine::new(Dispatched::new(store), log, options),
            error: PhantomData,
        }
    }

    /// The engine, which runs the service's methods.
    pub fn engine(&self) -> &Engine<Dispatched<D>> {
        &self.engine
    }

    /// Catches the store up with the log; returns the new projection
    /// version.
    ///
    /// # Errors
    /// What the store or the log failed with, or a record that does not
    /// decode or is of an unknown kind (naming its position).
    pub async fn sync(&self) -> Result<Position, ServiceError<E>> {
        self.engine.sync().await
    }

    /// The log position the store's projections reflect.
    ///
    /// # Errors
    /// What the store failed with.
    pub async fn projection_version(&self) -> Result<Position, ServiceError<E>> {
        self.engine.projection_version().await
    }

    /// Keeps the store current as the log grows, until the future is
    /// dropped (or its task aborted).
    ///
    /// # Errors
    /// A sync error that a retry cannot fix (a refused or undecodable
    /// record, a closed log); an unavailable log is retried.
    pub async fn follow(&self) -> Result<Infallible, ServiceError<E>> {
        self.engine.follow().await
    }

    /// Counters of commits, attempts, conflicts and skipped records since
    /// the service was built, and the projection version, the log's head
    /// and the lag between them as of this instance's last commit.
    pub fn stats(&self) -> ServiceStats {
        self.engine.stats()
    }

    /// Where the projection stands against the log, published after every
    /// commit (each sync batch of `sync()` and `follow()`, each write): a
    /// `tokio::sync::watch::Receiver` of
    /// [`Progress`](crate::service::Progress) (`version`, `head`), to show
    /// a long catch-up.
    pub fn progress(&self) -> ProgressReceiver {
        self.engine.progress()
    }

    /// The records this service passed over while catching up (listed in
    /// its options, or refused by its store under
    /// [`RefusedRecords::Skip`](crate::RefusedRecords::Skip)), oldest
    /// first.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.engine.skipped()
    }

    /// The store.
    pub fn store(&self) -> &D::Store {
        self.engine.store().store()
    }

    /// The event log.
    pub fn log(&self) -> &SharedLog {
        self.engine.log()
    }
}

impl<D: Dispatch, E> fmt::Debug for Runner<D, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("engine", &self.engine)
            .finish()
    }
}
