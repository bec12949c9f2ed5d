//! Store kits: where a service keeps its projections, with transactions,
//! rollback, cancellation safety and the projection version done once here,
//! so a user writes only the apply functions (one per subscribed event) and
//! the methods' reads.
//!
//! - [`MemoryStore`]: the projection is a value of the user's type, kept in
//!   memory. A write transaction works on a clone; commit publishes it,
//!   rollback (or dropping the transaction) drops it. With persistent
//!   collections in the projection (the `imbl` crate's maps and vectors,
//!   as the tickets example uses), the clone is a few pointer copies and a
//!   transaction costs what it changes.
//! - `SqliteStore` (feature `sqlite`): the projection is tables in an SQLite
//!   database of the user's, changed inside `BEGIN IMMEDIATE` ... `COMMIT`
//!   run off the async worker threads; the version is in a table goesgen
//!   manages; a transaction dropped unfinished rolls back.
//!
//! Each implements [`Store`](crate::Store) once, here (the SQLite kit's
//! error mapping, what a `rusqlite::Error` means to a store, is beside it
//! in `sqlite_error`). `include_schema!` generates, per service, a
//! `<Service>InMemory` trait (implement it for the projection type: one
//! `apply_<event>(&mut self, ..)` per subscribed event) and a
//! `<Service>InSqlite` trait (one `apply_<event>(&self, db, ..)`), with the
//! glue that forwards the service's `apply_<event>` to them, which makes
//! `MemoryStore<P>` and `SqliteStore<T>` the service's store.

mod memory;
mod publish;
mod set;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_error;
mod table;
mod transactional;

pub use memory::{MemoryRead, MemoryStore, MemoryWrite};
pub use set::Set;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteRead, SqliteStore, SqliteWrite};
pub use table::{Iter, Table};
pub use transactional::{Cloned, Mark, Overlaid, Transactional, WriteMode};
