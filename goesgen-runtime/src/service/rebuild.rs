//! Rebuilding a store's projections from the log: on demand
//! ([`Engine::rebuild`]) or when the check finds the store stale (see the
//! `stale` module and [`StalePolicy`](crate::service::StalePolicy)).
//!
//! - In place: one write transaction of the store empties it
//!   ([`Store::clear`](crate::Store::clear)), replays the log into it from position 0 and sets
//!   the code's fingerprint, then commits. Readers see the old projections
//!   until the commit; writers wait for it. A record the store refuses
//!   under [`RefusedRecords::Skip`](crate::RefusedRecords::Skip) makes the
//!   replay start again without it (the transaction may hold half of it).
//! - Beside: the store makes a new one ([`Store::beside`](crate::Store::beside)); a second engine
//!   over it (same log, same options, no check) syncs it, committing batch
//!   by batch, while the old store serves. Then the old store's write
//!   transaction is taken (no write through it comes between), the built
//!   store caught up with the head and stamped with the fingerprint, and
//!   [`Store::swap_in`](crate::Store::swap_in) puts it in the old one's place.
//!
//! Either way the progress channel shows it: [`Progress::rebuilding`] is
//! how far the new projections have come, until they serve.
//!
//! Cancellation: a rebuild dropped at any await point leaves the old store
//! serving as it was (an in-place rebuild's transaction is discarded; a
//! built store is dropped, or, a file-backed one, left for the next
//! rebuild to resume) and the engine unchecked, so the next call checks
//! again. Rebuilds of one engine take turns.
//!
//! [`Progress::rebuilding`]: crate::service::Progress::rebuilding

use std::sync::Arc;

use crate::record::Position;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::observe::Tracker;
use crate::service::stale::OwnError;
use crate::service::store::ServiceStore;
use crate::service::store_error::StoreError;

impl<S: ServiceStore> Engine<S> {
    /// Rebuilds the store's projections from the log now, whatever their
    /// fingerprint: beside the store if it can
    /// ([`Store::beside`](crate::Store::beside); the old projections serve meanwhile), else in
    /// place (one write transaction; readers see the old projections until
    /// it commits). Returns the rebuilt projection's version. Progress is
    /// published on [`progress`](Self::progress) as
    /// [`Progress::rebuilding`](crate::service::Progress::rebuilding).
    ///
    /// Afterwards the store carries the code's fingerprint (if it keeps
    /// one), and the engine's staleness check has passed.
    ///
    /// Dropping the future at any point leaves the old projections
    /// serving, unchanged.
    ///
    /// # Errors
    /// What the store or the log failed with, or a record that does not
    /// decode, is refused by the store or is of an unknown kind (naming its
    /// position): the old projections then stay.
    #[tracing::instrument(level = "info", name = "rebuild", skip_all, fields(service = S::SERVICE))]
    pub async fn rebuild<M>(&self) -> Result<Position, ServiceError<M>> {
        let rebuilt = {
            let _turn = self.core.rebuilds.lock().await;
            self.rebuild_locked(false).await
        };
        let version = rebuilt.map_err(ServiceError::widen)?;
        // A check in flight finds the new fingerprint, and stops there.
        let _ = self.core.checked.set(());
        Ok(version)
    }

    /// Rebuilds beside if the store can, else in place (with a warning if
    /// the policy asked for beside), the engine's rebuild turn held.
    pub(crate) async fn rebuild_locked(&self, asked_beside: bool) -> Result<Position, OwnError> {
        if let Some(version) = self.rebuild_beside().await? {
            return Ok(version);
        }
        if asked_beside {
            tracing::warn!(
                service = S::SERVICE,
                "the store cannot rebuild beside itself; rebuilding it in place"
            );
        }
        self.rebuild_in_place(None).await
    }

    /// Rebuilds in place: in `txn` if given (a write transaction just
    /// opened), else in a new one; commits. See the [module docs](self).
    pub(crate) async fn rebuild_in_place(
        &self,
        txn: Option<S::Write>,
    ) -> Result<Position, OwnError> {
        let _shown = Shown::start(&self.core.tracker, 0);
        let mut txn = txn;
        loop {
            let mut write = match txn.take() {
                Some(write) => write,
                None => self.core.store.begin_write().await?,
            };
            let replayed = self.replay(&mut write).await;
            match self.finish(write, replayed).await {
                Ok(version) => {
                    self.committed_version(version);
                    tracing::info!(
                        service = S::SERVICE,
                        version,
                        "the store was rebuilt in place"
                    );
                    return Ok(version);
                }
                Err(error) if self.skips_refused(&error) => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Empties the store in `txn` and replays the whole log into it,
    /// publishing how far it came; sets the fingerprint.
    async fn replay(&self, txn: &mut S::Write) -> Result<Position, OwnError> {
        let store = &self.core.store;
        store.clear(txn).await?;
        self.core.tracker.rebuilding(Some(0));
        let mut version = 0;
        loop {
            let (through, more) = self
                .cover_some(txn, version, self.core.options.sync_batch)
                .await?;
            version = through;
            self.core.tracker.rebuilding(Some(version));
            if !more {
                break;
            }
        }
        if store.keeps_fingerprint() {
            store
                .set_fingerprint(txn, <S as ServiceStore>::fingerprint())
                .await?;
        }
        Ok(version)
    }

    /// Rebuilds beside: `None` if the store cannot. See the
    /// [module docs](self).
    async fn rebuild_beside(&self) -> Result<Option<Position>, OwnError> {
        let fingerprint = <S as ServiceStore>::fingerprint();
        let Some(built) = self.core.store.beside(fingerprint).await? else {
            return Ok(None);
        };
        let _shown = Shown::start(&self.core.tracker, 0);
        let builder = Engine::unchecked(built, self.core.log.clone(), self.core.options.clone());
        self.build(&builder).await?;
        // No write through the old store comes between the catch-up and
        // the swap.
        let txn = self.core.store.begin_write().await?;
        let through = match builder.seal().await {
            Ok(through) => through,
            Err(error) => {
                self.rollback(txn).await;
                return Err(error);
            }
        };
        for skipped in builder.skipped() {
            self.core.counters.skip(skipped);
        }
        let Ok(core) = Arc::try_unwrap(builder.core) else {
            self.rollback(txn).await;
            return Err(
                StoreError::new("the rebuilt store is still in use; not swapped in").into(),
            );
        };
        self.core.store.swap_in(txn, core.store).await?;
        self.committed_version(through);
        tracing::info!(
            service = S::SERVICE,
            version = through,
            "the store was rebuilt beside and swapped in"
        );
        Ok(Some(through))
    }

    /// Syncs `builder` (over the store being built) to the head,
    /// publishing its progress as this engine's rebuild.
    async fn build(&self, builder: &Engine<S>) -> Result<Position, OwnError> {
        let mut progress = builder.progress();
        let sync = builder.sync::<std::convert::Infallible>();
        tokio::pin!(sync);
        loop {
            tokio::select! {
                biased;
                synced = &mut sync => return synced,
                Ok(()) = progress.changed() => {
                    let version = progress.borrow_and_update().version;
                    self.core.tracker.rebuilding(Some(version));
                }
            }
        }
    }

    /// On the engine of a store being built beside: catches it up with the
    /// head, sets the fingerprint and commits. Returns the version.
    async fn seal(&self) -> Result<Position, OwnError> {
        let store = &self.core.store;
        let mut txn = store.begin_write().await?;
        let sealed = async {
            let version = store.version(&mut txn).await?;
            let through = self.catch_up(&mut txn, version).await?;
            if store.keeps_fingerprint() {
                store
                    .set_fingerprint(&mut txn, <S as ServiceStore>::fingerprint())
                    .await?;
            }
            Ok(through)
        }
        .await;
        self.finish(txn, sealed).await
    }

    /// An engine that does not check its store (the one a rebuild beside
    /// builds).
    fn unchecked(store: S, log: crate::log::SharedLog, options: crate::ServiceOptions) -> Self {
        let engine = Self::new(store, log, options);
        let _ = engine.core.checked.set(());
        engine
    }
}

/// A rebuild shown on the progress channel: cleared when it ends, however
/// it ends.
struct Shown<'a>(&'a Tracker);

impl<'a> Shown<'a> {
    fn start(tracker: &'a Tracker, from: Position) -> Self {
        tracker.rebuilding(Some(from));
        Self(tracker)
    }
}

impl Drop for Shown<'_> {
    fn drop(&mut self) {
        self.0.rebuilding(None);
    }
}
