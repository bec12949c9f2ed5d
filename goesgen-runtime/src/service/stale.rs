//! Stale projections: the check an engine makes once, before its first
//! sync or call, that its store's projections were built from what the
//! code says ([`StoreFingerprint`]: the schema's part and the store's
//! `REVISION`), the [`StalePolicy`] that says what happens when they were
//! not, and [`StaleStore`], the refusal.
//!
//! The check, once per engine:
//!
//! - A store that keeps no fingerprint ([`Store::keeps_fingerprint`] is
//!   false, a hand-written store) is not checked: a `warn` event says so,
//!   once.
//! - A new store (version 0, no fingerprint) gets the code's fingerprint,
//!   committed in a write transaction of its own.
//! - A store whose fingerprint is the code's passes.
//! - Any other store is stale: its fingerprint differs, or it has
//!   projections (version > 0) but no fingerprint (written before
//!   fingerprints were kept: nothing says what built it). The policy then
//!   refuses ([`ServiceError::Stale`], every call and sync until the store
//!   is rebuilt) or rebuilds (see the `rebuild` module), and the calls wait
//!   for the rebuild.
//!
//! The engine keeps whether the check passed in a [`tokio::sync::OnceCell`]:
//! once it has, a call pays one atomic load for it. A check (or a rebuild
//! it runs) whose future is dropped leaves the cell empty and the store as
//! it was: the next call checks again.
//!
//! [`Store::keeps_fingerprint`]: crate::Store::keeps_fingerprint

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::record::Position;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::fingerprint::StoreFingerprint;
use crate::service::store::ServiceStore;

/// What a service does when its store's projections are stale: the
/// fingerprint kept beside the store's version is not the code's (the
/// schema changed what the service's projections are built from, or the
/// store's `REVISION` was bumped), or the store has projections but no
/// fingerprint. Checked once, before the service's first sync or call
/// ([`ServiceOptions::on_stale`](crate::ServiceOptions::on_stale)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StalePolicy {
    /// Every sync and call fails with [`ServiceError::Stale`], naming both
    /// fingerprints and what changed (the default): an operator decides
    /// (rebuild on demand with the service's `rebuild()`, or restart with
    /// another policy).
    #[default]
    Refuse,
    /// Empty the store and replay the log into it in one write transaction
    /// ([`Store::clear`](crate::Store::clear)): readers see the old
    /// projections until it commits; writers wait for it. For memory
    /// stores and small SQL stores.
    RebuildInPlace,
    /// Build the projections in a new store beside the old one
    /// ([`Store::beside`](crate::Store::beside)), catch it up with the log,
    /// then swap it in, in one step, under the old store's write
    /// transaction ([`Store::swap_in`](crate::Store::swap_in)). Writers
    /// through other processes go on meanwhile; this engine's calls wait
    /// for the swap (they would otherwise run on projections their code
    /// does not match). A store that cannot rebuild beside is rebuilt in
    /// place (a `warn` event says so).
    RebuildBeside,
}

/// Which part of a store's fingerprint differs from the code's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StalePart {
    /// The schema's part: what the schema says about the service's
    /// projections changed (a subscribed event, its properties, a
    /// projection's states or transitions).
    Schema,
    /// The revision: the store's apply functions changed (its `REVISION`
    /// was bumped).
    Revision,
    /// Both.
    Both,
    /// The store keeps no fingerprint but has projections (version > 0):
    /// written before fingerprints were kept, so nothing says what built
    /// them.
    NoneKept,
}

impl fmt::Display for StalePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StalePart::Schema => "the schema's part changed",
            StalePart::Revision => "the revision changed",
            StalePart::Both => "the schema's part and the revision changed",
            StalePart::NoneKept => "the store keeps no fingerprint",
        })
    }
}

/// A service's store is stale and its [`StalePolicy`] is
/// [`Refuse`](StalePolicy::Refuse): what the store's projections were
/// built from and what the code expects. Not retryable: the store stays
/// stale until it is rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct StaleStore {
    service: &'static str,
    stored: Option<StoreFingerprint>,
    expected: StoreFingerprint,
    version: Position,
}

impl StaleStore {
    /// The service whose store is stale.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// The fingerprint the store keeps (`None`: it keeps none, yet has
    /// projections).
    pub fn stored(&self) -> Option<StoreFingerprint> {
        self.stored
    }

    /// The fingerprint the code expects.
    pub fn expected(&self) -> StoreFingerprint {
        self.expected
    }

    /// The store's projection version.
    pub fn version(&self) -> Position {
        self.version
    }

    /// Which part differs.
    pub fn part(&self) -> StalePart {
        match self.stored {
            None => StalePart::NoneKept,
            Some(stored) => match (
                stored.schema != self.expected.schema,
                stored.revision != self.expected.revision,
            ) {
                (true, true) => StalePart::Both,
                (true, false) => StalePart::Schema,
                // Equal fingerprints are never stale; said as the revision.
                (false, _) => StalePart::Revision,
            },
        }
    }

    fn describe(&self) -> String {
        let Self {
            service,
            expected,
            version,
            ..
        } = self;
        let built = match self.stored {
            Some(stored) => format!("its projections were built from fingerprint {stored}"),
            None => format!(
                "it holds projections up to position {version} but no fingerprint (written \
                 before fingerprints were kept)"
            ),
        };
        format!(
            "the store of service {service} is stale: {built}, the code expects {expected} ({}); \
             rebuild it (the service's `rebuild()`, or `ServiceOptions::on_stale`)",
            self.part()
        )
    }
}

/// What a store's fingerprint says, looked at in a write transaction.
pub(crate) enum Look {
    /// The code's fingerprint: nothing to do.
    Current,
    /// A new store: to be stamped with the code's fingerprint.
    New,
    /// Stale.
    Stale(StaleStore),
}

/// An error of the engine's own work (a check, a rebuild): no method's
/// error in it; [`ServiceError::widen`] makes it any service's.
pub(crate) type OwnError = ServiceError<Infallible>;

/// The future of a first check (boxed: a call's future carries a pointer
/// to it, not its state).
type Check<'a> = Pin<Box<dyn Future<Output = Result<(), OwnError>> + Send + 'a>>;

impl<S: ServiceStore> Engine<S> {
    /// Whether the store was checked (see the [module docs](self)): one
    /// atomic load, the cost a call pays once it has.
    #[inline]
    pub(crate) fn is_checked(&self) -> bool {
        self.core.checked.initialized()
    }

    /// Checks the store once (callers test [`is_checked`](Self::is_checked)
    /// first); concurrent callers wait for the one check in flight.
    pub(crate) fn check(&self) -> Check<'_> {
        Box::pin(async move {
            self.core
                .checked
                .get_or_try_init(|| self.check_store())
                .await
                .map(|_| ())
        })
    }

    /// The check itself: passes, stamps a new store, or applies the
    /// policy to a stale one.
    async fn check_store(&self) -> Result<(), OwnError> {
        let store = &self.core.store;
        if !store.keeps_fingerprint() {
            tracing::warn!(
                service = S::SERVICE,
                "the store keeps no fingerprint: it is not checked for stale projections"
            );
            return Ok(());
        }
        let _rebuilding = self.core.rebuilds.lock().await;
        let mut txn = store.begin_write().await?;
        let look = match self.look(&mut txn).await {
            Ok(look) => look,
            Err(error) => {
                self.rollback(txn).await;
                return Err(error);
            }
        };
        match look {
            Look::Current => {
                self.rollback(txn).await;
                Ok(())
            }
            Look::New => {
                let stamped = store
                    .set_fingerprint(&mut txn, <S as ServiceStore>::fingerprint())
                    .await
                    .map_err(ServiceError::from);
                self.finish(txn, stamped).await?;
                tracing::debug!(
                    service = S::SERVICE,
                    fingerprint = %<S as ServiceStore>::fingerprint(),
                    "a new store: its fingerprint is set"
                );
                Ok(())
            }
            Look::Stale(stale) => {
                tracing::warn!(service = S::SERVICE, policy = ?self.core.options.on_stale, "{stale}");
                match self.core.options.on_stale {
                    StalePolicy::Refuse => {
                        self.rollback(txn).await;
                        Err(ServiceError::Stale(stale))
                    }
                    StalePolicy::RebuildInPlace => {
                        self.rebuild_in_place(Some(txn)).await.map(|_| ())
                    }
                    StalePolicy::RebuildBeside => {
                        self.rollback(txn).await;
                        self.rebuild_locked(true).await.map(|_| ())
                    }
                }
            }
        }
    }

    /// What the store's fingerprint says, in `txn`.
    pub(crate) async fn look<M>(&self, txn: &mut S::Write) -> Result<Look, ServiceError<M>> {
        let store = &self.core.store;
        let expected = <S as ServiceStore>::fingerprint();
        let stored = store.fingerprint(txn).await?;
        let version = store.version(txn).await?;
        Ok(match stored {
            Some(stored) if stored == expected => Look::Current,
            None if version == 0 => Look::New,
            stored => Look::Stale(StaleStore {
                service: S::SERVICE,
                stored,
                expected,
                version,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stale(stored: Option<(u64, u32)>) -> StaleStore {
        StaleStore {
            service: "Users",
            stored: stored.map(|(schema, revision)| StoreFingerprint { schema, revision }),
            expected: StoreFingerprint {
                schema: 0xab,
                revision: 2,
            },
            version: 42,
        }
    }

    #[test]
    fn a_refusal_names_both_fingerprints_and_what_changed() {
        let cases = [
            (Some((0xab, 1)), StalePart::Revision, "the revision changed"),
            (
                Some((0xcd, 2)),
                StalePart::Schema,
                "the schema's part changed",
            ),
            (Some((0xcd, 1)), StalePart::Both, "and the revision changed"),
            (
                None,
                StalePart::NoneKept,
                "up to position 42 but no fingerprint",
            ),
        ];
        for (stored, part, said) in cases {
            let error = stale(stored);
            assert_eq!(error.part(), part);
            let text = error.to_string();
            assert!(text.contains(said), "{text}");
            assert!(text.contains("00000000000000ab-2"), "{text}");
            assert!(
                text.starts_with("the store of service Users is stale"),
                "{text}"
            );
            if let Some(stored) = error.stored() {
                assert!(text.contains(&stored.to_string()), "{text}");
            }
            let service: ServiceError<std::convert::Infallible> = ServiceError::Stale(error);
            assert!(!service.is_retryable());
            assert_eq!(service.to_string(), text);
        }
    }
}
