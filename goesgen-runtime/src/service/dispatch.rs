//! [`Dispatch`] and [`Dispatched`]: how generated code makes the user's
//! store a [`ServiceStore`] without forwarding each of its transaction
//! methods. Generated code emits only the dispatch of a subscribed event to
//! the store's `apply_<event>` (a [`Dispatch`] on a type of its own);
//! [`Dispatched`] adds the store's transactions, written once here.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use crate::codec::EventSet;
use crate::personal::Subject;
use crate::record::Position;
use crate::service::committed::Recorded;
use crate::service::fingerprint::StoreFingerprint;
use crate::service::store::ServiceStore;
use crate::service::store_error::StoreError;
use crate::store::Store;

/// What a service's schema adds to its [`Store`]: the event enum, the
/// subscribed kinds, and the dispatch of an event to the store's apply
/// functions. Generated per service (for a type of no size), so that
/// [`Dispatched`] is its [`ServiceStore`].
pub trait Dispatch: Send + Sync + 'static {
    /// The user's store (`<Service>Store`).
    type Store: Store;
    /// The schema's event enum (`events::Event`).
    type Event: EventSet + Clone + Send + Sync + 'static;

    /// The service's name, for messages.
    const SERVICE: &'static str;
    /// The event kinds the service subscribes to, in schema order.
    const SUBSCRIBED: &'static [<Self::Event as EventSet>::Kind];

    /// Applies a subscribed event recorded at `at` to `store` in `txn`
    /// (calls its `apply_<event>`).
    fn apply(
        store: &Self::Store,
        txn: &mut <Self::Store as Store>::Write,
        at: &Recorded,
        event: &Self::Event,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The hash of what the schema says about the service's projections
    /// (see [`ServiceStore::SCHEMA_FINGERPRINT`]). 0 by default.
    const SCHEMA_FINGERPRINT: u64 = 0;
    /// The revision of the store's apply functions (generated code
    /// forwards the user's `<Service>Store::REVISION`). 0 by default.
    const REVISION: u32 = 0;

    /// The subject kinds whose forgetting the store hears of (see
    /// [`ServiceStore::FORGETS`]). None by default.
    const FORGETS: &'static [&'static str] = &[];

    /// Drops what `store` holds of `subject` in `txn` (generated code
    /// parses the subject's id as its id type and calls the store's
    /// `forget_<subject>`). Does nothing by default.
    fn forget(
        store: &Self::Store,
        txn: &mut <Self::Store as Store>::Write,
        at: &Recorded,
        subject: &Subject,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (store, txn, at, subject);
        std::future::ready(Ok(()))
    }
}

/// A store with the dispatch `D` of its service's events: the
/// [`ServiceStore`] an engine runs, its transactions those of the store.
pub struct Dispatched<D: Dispatch> {
    store: D::Store,
    dispatch: PhantomData<fn() -> D>,
}

impl<D: Dispatch> Dispatched<D> {
    /// `store` with the dispatch `D`.
    pub fn new(store: D::Store) -> Self {
        Self {
            store,
            dispatch: PhantomData,
        }
    }

    /// The store.
    pub fn store(&self) -> &D::Store {
        &self.store
    }
}

impl<D: Dispatch> fmt::Debug for Dispatched<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatched")
            .field("service", &D::SERVICE)
            .finish_non_exhaustive()
    }
}

impl<D: Dispatch> Store for Dispatched<D> {
    type Write = <D::Store as Store>::Write;
    type Read = <D::Store as Store>::Read;

    fn begin_write(&self) -> impl Future<Output = Result<Self::Write, StoreError>> + Send {
        self.store.begin_write()
    }
    fn begin_read(&self) -> impl Future<Output = Result<Self::Read, StoreError>> + Send {
        self.store.begin_read()
    }
    fn commit(&self, txn: Self::Write) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.commit(txn)
    }
    fn rollback(&self, txn: Self::Write) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.rollback(txn)
    }
    fn read_version(
        &self,
        txn: &mut Self::Read,
    ) -> impl Future<Output = Result<Position, StoreError>> + Send {
        self.store.read_version(txn)
    }
    fn version(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<Position, StoreError>> + Send {
        self.store.version(txn)
    }
    fn set_version(
        &self,
        txn: &mut Self::Write,
        version: Position,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.set_version(txn, version)
    }
    fn savepoint(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.store.savepoint(txn)
    }
    fn forgot(&self, txn: &mut Self::Write) {
        self.store.forgot(txn)
    }
    fn rollback_to_savepoint(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.rollback_to_savepoint(txn)
    }
    fn keeps_fingerprint(&self) -> bool {
        self.store.keeps_fingerprint()
    }
    fn fingerprint(
        &self,
        txn: &mut Self::Write,
    ) -> impl Future<Output = Result<Option<StoreFingerprint>, StoreError>> + Send {
        self.store.fingerprint(txn)
    }
    fn set_fingerprint(
        &self,
        txn: &mut Self::Write,
        fingerprint: StoreFingerprint,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.set_fingerprint(txn, fingerprint)
    }
    fn clear(&self, txn: &mut Self::Write) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.clear(txn)
    }
    async fn beside(&self, fingerprint: StoreFingerprint) -> Result<Option<Self>, StoreError> {
        Ok(self.store.beside(fingerprint).await?.map(Self::new))
    }
    fn swap_in(
        &self,
        txn: Self::Write,
        built: Self,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.store.swap_in(txn, built.store)
    }
}

impl<D: Dispatch> ServiceStore for Dispatched<D> {
    type Event = D::Event;
    const SERVICE: &'static str = D::SERVICE;
    const SUBSCRIBED: &'static [<D::Event as EventSet>::Kind] = D::SUBSCRIBED;

    fn apply(
        &self,
        txn: &mut Self::Write,
        at: &Recorded,
        event: &Self::Event,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        D::apply(&self.store, txn, at, event)
    }

    const SCHEMA_FINGERPRINT: u64 = D::SCHEMA_FINGERPRINT;
    const REVISION: u32 = D::REVISION;
    const FORGETS: &'static [&'static str] = D::FORGETS;

    fn forget(
        &self,
        txn: &mut Self::Write,
        at: &Recorded,
        subject: &Subject,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        D::forget(&self.store, txn, at, subject)
    }
}
