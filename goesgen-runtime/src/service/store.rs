//! The generic shapes the engine runs: [`ServiceStore`], the store of one
//! service as the engine sees it (generated code adapts the user's
//! `<Service>Store` to it), and [`MethodCall`], one call of a user's method
//! with its context and input (generated per schema method).

use std::future::Future;

use crate::codec::EventSet;
use crate::record::Position;
use crate::service::committed::Recorded;
use crate::service::method_error::MethodError;
use crate::service::store_error::StoreError;

/// The store of a service: where its projections live, with transactions,
/// the projection version and a way to apply a subscribed event.
///
/// Generated code implements it for an adapter over the user's
/// `<Service>Store`, whose `apply_<event>` methods [`ServiceStore::apply`]
/// dispatches to. It can also be implemented by hand (the runtime's own
/// tests do).
///
/// # Contract
///
/// - A `Write` is exclusive: while one is open no other `Write` or `Read`
///   of the same store sees its changes; [`commit`](Self::commit) makes
///   them visible at once, [`rollback`](Self::rollback) discards them.
///   A `Write` dropped without either (its future was cancelled) must
///   discard its changes too.
/// - The version is the log position the projections reflect: every
///   subscribed event up to it has been applied, none after it.
/// - Methods get a `&mut` transaction so that it only needs to be `Send`
///   (a `rusqlite::Connection` is not `Sync`): an owned lock guard is the
///   usual choice (`tokio::sync::OwnedMutexGuard<Connection>` after
///   `BEGIN`, or a guard over a map plus an undo log).
pub trait ServiceStore: Send + Sync + 'static {
    /// The schema's event enum (`events::Event`).
    type Event: EventSet + Clone + Send + Sync + 'static;
    /// An exclusive write transaction (`'static`: a batch of transactions
    /// is finished by a task of its own).
    type Write: Send + 'static;
    /// A shared read transaction.
    type Read: Send;

    /// The service's name, for messages.
    const SERVICE: &'static str;
    /// The event kinds the service subscribes to (those of its
    /// projections), in schema order.
    const SUBSCRIBED: &'static [<Self::Event as EventSet>::Kind];

    /// Opens a write transaction (waiting for the one open, if any).
    fn begin_write(&self) -> impl Future<Output = Result<Self::Write, StoreError>> + Send;
    /// Opens a read transaction.
    fn begin_read(&self) -> impl Future<Output = Result<Self::Read, StoreError>> + Send;
    /// Commits a write transaction.
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
    /// Applies a subscribed event recorded at `at`. Called in log order,
    /// only for kinds in [`SUBSCRIBED`](Self::SUBSCRIBED).
    fn apply(
        &self,
        txn: &mut Self::Write,
        at: &Recorded,
        event: &Self::Event,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
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
