//! Store kits: where a service keeps its projections, with transactions,
//! rollback, cancellation safety and the projection version done once here,
//! so a user writes only the apply functions (one per subscribed event) and
//! the methods' reads.
//!
//! - [`MemoryStore`]: the projection is a value of the user's type, kept in
//!   memory; readers take the committed value and never wait for a writer.
//!   Its mode says how a write transaction begins:
//!   - [`Overlaid`] (`MemoryStore<P, Overlaid>`): `P` is a struct of the
//!     kit's transactional collections, [`Table`] and [`Set`], made
//!     [`Transactional`] with [`transactional!`](crate::transactional). A
//!     write transaction is an overlay of the keys it changed over the
//!     committed maps (a change copies the one value it touches); commit
//!     publishes it without copying the maps (`table`, `publish`: double
//!     buffering); rollback drops the overlay. A transaction costs what it
//!     changes, with `HashMap` constants. The choice for a projection of
//!     any size; the tickets example uses it.
//!   - [`Cloned`] (`MemoryStore<P>`, the default): any `P: Clone`; a write
//!     transaction works on a clone, so it costs a copy of the whole
//!     projection unless `P` is made of persistent collections.
//! - `SqliteStore` (feature `sqlite`): the projection is tables in an SQLite
//!   database of the user's, changed inside `BEGIN IMMEDIATE` ... `COMMIT`
//!   run off the async worker threads; the version is in a table goesgen
//!   manages (with the store's fingerprint); a transaction dropped
//!   unfinished rolls back. Its connections cache prepared statements:
//!   apply functions use `db.prepare_cached(sql)?`, parsed once, not per
//!   event. Given its DDL (`with_schema`), it rebuilds in place (the DDL's
//!   tables dropped and created again) and beside (a new file, copied in
//!   within one write transaction).
//!
//! Each implements [`Store`](crate::Store) once, here (the SQLite kit's
//! error mapping, what a `rusqlite::Error` means to a store, is beside it
//! in `sqlite_error`). `include_schema!` generates, per service, a
//! `<Service>InMemory` trait (implement it for the projection type: one
//! `apply_<event>(&mut self, ..)` per subscribed event) and a
//! `<Service>InSqlite` trait (one `apply_<event>(&self, db, ..)`), with the
//! glue that forwards the service's `apply_<event>` to them, which makes
//! `MemoryStore<P, M>` (either mode) and `SqliteStore<T>` the service's
//! store.

mod memory;
mod overlay;
mod publish;
mod set;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_error;
mod table;
mod transactional;
mod turns;

pub use memory::{MemoryRead, MemoryStore, MemoryWrite};
pub use set::Set;
#[cfg(feature = "sqlite")]
pub use sqlite::{SQLITE_STATEMENT_CACHE, SqliteRead, SqliteStore, SqliteWrite};
pub use table::{Iter, Table};
pub use transactional::{Cloned, Mark, Overlaid, Transactional, WriteMode};
