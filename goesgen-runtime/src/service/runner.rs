//! [`Runner`]: what every generated `<Service>Service` has beside its
//! methods (sync, rebuild, follow, stats, progress, the store, the log),
//! written once here; a generated service holds one and derefs to it.

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

    /// Rebuilds the store's projections from the log now: beside the
    /// store if it can (the SQLite kit builds them in a new file and swaps
    /// it in; the old projections serve meanwhile), else in place (one
    /// write transaction; readers see the old projections until it
    /// commits). Returns the new projection version. Progress shows on
    /// [`progress`](Self::progress) as
    /// [`Progress::rebuilding`](crate::service::Progress::rebuilding).
    ///
    /// For a fix of the store's apply functions that did not bump its
    /// `REVISION`, or to rebuild a stale store refused by the default
    /// [`StalePolicy::Refuse`](crate::service::StalePolicy::Refuse). Once
    /// rebuilt, the store carries the code's fingerprint and the service
    /// runs. Dropping the future leaves the old projections serving.
    ///
    /// # Errors
    /// What the store or the log failed with, or a record that does not
    /// decode, is refused or is of an unknown kind (naming its position):
    /// the old projections then stay.
    pub async fn rebuild(&self) -> Result<Position, ServiceError<E>> {
        self.engine.rebuild().await
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
    /// commit (each sync batch of `sync()` and `follow()`, each write, each
    /// step of a rebuild): a `tokio::sync::watch::Receiver` of
    /// [`Progress`](crate::service::Progress) (`version`, `head`,
    /// `rebuilding`), to show a long catch-up or rebuild.
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
