//! The generic shapes the engine runs: [`ServiceStore`], the store of one
//! service as the engine sees it (a [`Store`] that applies the schema's
//! events; generated code gets it from [`Dispatched`](crate::service::Dispatched)),
//! and [`MethodCall`], one call of a user's method with its context and
//! input (generated per schema method).

use std::future::Future;

use crate::codec::EventSet;
use crate::personal::Subject;
use crate::service::committed::Recorded;
use crate::service::fingerprint::StoreFingerprint;
use crate::service::method_error::MethodError;
use crate::service::store_error::StoreError;
use crate::store::Store;

/// The store of a service as the engine sees it: a [`Store`] (its
/// transactions and version) that knows the schema's events and applies
/// the subscribed ones.
///
/// Generated code gets it from [`Dispatched`](crate::service::Dispatched) over the user's
/// `<Service>Store`, whose `apply_<event>` methods its
/// [`Dispatch`](crate::service::Dispatch) calls. It can also be implemented
/// by hand (the runtime's own tests do).
pub trait ServiceStore: Store {
    /// The schema's event enum (`events::Event`).
    type Event: EventSet + Clone + Send + Sync + 'static;

    /// The service's name, for messages.
    const SERVICE: &'static str;
    /// The event kinds the service subscribes to (those of its
    /// projections), in schema order.
    const SUBSCRIBED: &'static [<Self::Event as EventSet>::Kind];

    /// Applies a subscribed event recorded at `at`. Called in log order,
    /// only for kinds in [`SUBSCRIBED`](Self::SUBSCRIBED).
    fn apply(
        &self,
        txn: &mut Self::Write,
        at: &Recorded,
        event: &Self::Event,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The hash of what the schema says about this service's projections
    /// (the schema's part of its [`StoreFingerprint`]); generated code
    /// computes it at compile time. 0 by default (a store written by hand
    /// with no schema behind it).
    const SCHEMA_FINGERPRINT: u64 = 0;
    /// The revision of the store's apply functions (the user's
    /// `<Service>Store::REVISION`, 0 unless bumped).
    const REVISION: u32 = 0;

    /// What this store's projections are built from: the schema's part and
    /// the revision.
    fn fingerprint() -> StoreFingerprint {
        StoreFingerprint {
            schema: Self::SCHEMA_FINGERPRINT,
            revision: Self::REVISION,
        }
    }

    /// The subject kinds (id type names, `User`) whose forgetting this
    /// store hears of through [`forget`](Self::forget): those whose
    /// personal data its projections hold. None by default.
    const FORGETS: &'static [&'static str] = &[];

    /// Drops what the store holds of `subject`, forgotten by a
    /// `SubjectForgotten` record at `at` (one of the kinds in
    /// [`FORGETS`](Self::FORGETS)). Called in log order, in the sync's
    /// transaction. Does nothing by default.
    fn forget(
        &self,
        txn: &mut Self::Write,
        at: &Recorded,
        subject: &Subject,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (txn, at, subject);
        std::future::ready(Ok(()))
    }
}

/// An event a write method emits: its `<Method>Event` enum, which holds
/// exactly the schema's events the method may emit (generated per method).
///
/// The engine moves each into the schema's event enum to encode it and to
/// apply it to the store, then moves it back for the caller's
/// [`Committed`](crate::Committed): a transaction method's events are not
/// copied (an append method copies those it applies after its append). The two
/// conversions must agree (generated code's do); a `TryFrom` that refuses
/// what `Into` made fails the call with
/// [`ServiceError::Encode`](crate::ServiceError::Encode) before anything is
/// written.
pub trait Emitted<Event>: Into<Event> + TryFrom<Event> + Send {}

impl<Event, T: Into<Event> + TryFrom<Event> + Send> Emitted<Event> for T {}

/// One call of a user's method: the method with its context and input,
/// ready to be called (again, after a conflict) on a transaction `T`.
///
/// Generated code implements it per schema method, cloning the input for
/// each call. `Output` is the method's output for readonly methods, and
/// `(output, Vec<event>)` for write methods.
pub trait MethodCall<T: Send>: Sync {
    /// What the method returns.
    type Output: Send;
    /// The method's error.
    type Error: Send;
    /// The method's name, for spans and messages (generated code sets the
    /// schema's name, `CreateTicket`; hand-written calls may keep the
    /// default).
    const NAME: &'static str = "call";
    /// Calls the method on `txn`.
    fn call(
        &self,
        txn: &mut T,
    ) -> impl Future<Output = Result<Self::Output, MethodError<Self::Error>>> + Send;
}
