//! goesgen: event sourcing and CQRS from one YAML schema.
//!
//! Write the events, projections and services of a system in a schema file,
//! turn it into typed Rust at compile time, and run the services against a
//! shared event log (in memory, in an SQLite file, or in PostgreSQL) with
//! optimistic concurrency control.
//!
//! This crate is the one to depend on: it re-exports the runtime
//! ([`goesgen_runtime`]) and the [`include_schema!`] macro.
//!
//! Features: `sqlite` (default) for the SQLite log, `postgres` for the
//! PostgreSQL log, `http` for services over HTTP (a generated axum router
//! and reqwest client per service, and its OpenAPI document; see
//! `goesgen::http`), `contracts` (which `http` brings) for the events'
//! JSON Schema and AsyncAPI document (`events::json_schema()`,
//! `events::asyncapi()`; see [`contracts`]), `testing` for the test kit
//! (a given / when / then harness per service, `<Service>Service::test`;
//! see `goesgen::testing`), for dev-dependencies.
//!
//! # A service, end to end
//!
//! The schema `tests/fixtures/counter.yml` declares one event (`Counted`),
//! one projection and a service `Counters` with a readonly method `Total`
//! and a transaction `Count`. The projection (a map of totals) lives in
//! goesgen's in-memory store kit, so the store is the projection type and
//! one apply function per event; transactions, rollback and the version come
//! from the kit. You write the methods trait (the business logic); the
//! generated service runs them against an event log with optimistic
//! concurrency control.
//!
//! ```
//! use std::sync::Arc;
//!
//! use goesgen::kits::{MemoryRead, MemoryWrite, Overlaid, Table};
//! use goesgen::{MemoryLog, MemoryStore, MethodError, Recorded, ServiceOptions, StoreError};
//!
//! pub mod schema {
//!     goesgen::include_schema!("tests/fixtures/counter.yml");
//! }
//! use schema::counters::{CountEvent, CountersInMemory, CountersMethods, CountersService};
//! use schema::events::Counted;
//!
//! /// The projection: each counter's total, in the kit's transactional
//! /// table (a write transaction costs what it changes).
//! #[derive(Default)]
//! struct Totals {
//!     totals: Table<String, u64>,
//! }
//! goesgen::transactional!(Totals { totals });
//!
//! type Store = MemoryStore<Totals, Overlaid>;
//!
//! impl CountersInMemory for Totals {
//!     fn apply_counted(&mut self, _at: &Recorded, event: &Counted) -> Result<(), StoreError> {
//!         self.totals.insert(event.counter.clone(), event.total);
//!         Ok(())
//!     }
//! }
//!
//! struct Logic;
//!
//! impl CountersMethods for Logic {
//!     type Store = Store;
//!     type Context = (); // who calls: e.g. the authenticated user
//!     type Error = std::convert::Infallible;
//!
//!     async fn total(&self, _ctx: &(), txn: &mut MemoryRead<Totals>, counter: String)
//!         -> Result<u64, MethodError<Self::Error>> {
//!         Ok(txn.totals.get(&counter).copied().unwrap_or(0))
//!     }
//!     async fn count(&self, _ctx: &(), txn: &mut MemoryWrite<Totals, Overlaid>, counter: String)
//!         -> Result<(u64, Vec<CountEvent>), MethodError<Self::Error>> {
//!         let total = txn.totals.get(&counter).copied().unwrap_or(0) + 1;
//!         Ok((total, vec![Counted { counter, total }.into()]))
//!     }
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Or `goesgen::open_log("sqlite:events.db")`, chosen at run time.
//!     let log = MemoryLog::shared();
//!     let service = Arc::new(CountersService::new(
//!         Logic,
//!         Store::default(),
//!         log.clone(),
//!         ServiceOptions::default(),
//!     ));
//!     let first = service.count(&(), "visits".into()).await?;
//!     assert_eq!((first.output, first.appended.first), (1, 1));
//!     let again = tokio::spawn({
//!         let service = service.clone();
//!         async move { service.count(&(), "visits".into()).await }
//!     });
//!     assert_eq!(again.await??.output, 2);
//!     // A read right after a write sees it.
//!     assert_eq!(service.total(&(), "visits".into()).await?, 2);
//!     assert_eq!(log.head().await?, 2);
//!     Ok(())
//! }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod open;

pub use goesgen_runtime::*;
pub use open::open_log;

/// The service engine generated services run on (the runtime's
/// [`service`](goesgen_runtime::service) module), and [`open_log`], which
/// opens the log a program names at run time.
pub mod service {
    pub use crate::open::open_log;
    pub use goesgen_runtime::service::*;
}

/// The PostgreSQL event log (the crate `goesgen-postgres`, feature
/// `postgres`).
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use goesgen_postgres as postgres;
#[cfg(feature = "postgres")]
pub use goesgen_postgres::{PostgresLog, PostgresOptions};

/// Services over HTTP (feature `http`): the crate `goesgen-http`, which
/// the generated router and client of each service build on.
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use goesgen_http as http;

/// Turns a schema file into typed Rust at compile time.
///
/// ```ignore
/// pub mod schema {
///     goesgen::include_schema!("schema.yml");
/// }
/// use schema::events::{Event, TicketCreated};
/// use schema::projections::TicketState;
/// ```
///
/// # Where the file is looked for
///
/// As `include_str!` looks for its own: relative to the directory of the
/// source file that contains the call. Where the compiler cannot name that
/// file, or nothing is there, relative to the including crate's directory
/// (`CARGO_MANIFEST_DIR`). Absolute paths are refused, so the crate builds
/// on every machine. A missing or unreadable file is a compile error naming
/// the paths tried. The expansion includes the file's bytes, so cargo
/// rebuilds the crate when the schema changes.
///
/// # Errors
///
/// Every mistake in the schema is a compile error at the path literal, all
/// of them at once, each naming `file:LINE:COLUMN`, the entry's path in the
/// schema, the problem, the offending line with a caret under it, and a
/// hint where there is one. The modules `events` and `projections` are then
/// empty.
///
/// # Schema evolution
///
/// `include_schema!("schema.yml", baseline = "schema.v1.yml")` also reads
/// the baseline, the schema version a log was written under (found like
/// the schema, and tracked for rebuilds too), and refuses to compile when
/// the schema breaks it: an event removed or renamed, an event property
/// removed, renamed, retyped or added without `Option<..>`, a projection's
/// initial state or `createOn` changed, or a state or transition that
/// stored events reach removed. Each breaking change is a compile error
/// with the message `goesgen diff` prints (the rules are goesgen-schema's
/// `evolution`), located at the new schema's line, or the baseline's where
/// the entry is gone (a removed event), its hint naming the declarations
/// that would cover it. Compatible changes compile, and so do migrated
/// ones: changes the schema's migration declarations cover (a property's
/// `default` and `was`, an event's `was` and `upcast`; docs/schema.md,
/// "Changing events already in the log"), which decoding applies to the
/// records already written.
///
/// # What it generates
///
/// Put the call in a module of its own; it expands to two modules:
///
/// - `events`: one struct per event, named as in the schema, with
///   snake_case fields (raw identifiers for keywords) serialised under the
///   schema's exact property names; `enum Event` with one same-named variant
///   per event and `From<EachEvent> for Event`; `enum EventKind` with
///   `ALL`, `name()` and `FromStr`. `Event::to_json` / `Event::from_json`
///   use goesgen's wire format `{"type":"TicketCreated","payload":{...}}`;
///   `Event::to_json_batch` / `Event::from_json_batch` a JSON array of
///   those (decoding also accepts a single object); `Event::to_new_event` /
///   `Event::from_record` the kind and payload as the event log stores them;
///   `Event::verify_log` decodes a whole log and lists the records that do
///   not. A failed decode is a [`DecodeError`] naming the event type and
///   field.
/// - `projections`: per projection `enum <Name>State` with `ALL`,
///   `INITIAL`, `CREATE_ON`, `targets(kind)` and the checked
///   `transition(kind, to)` (an undeclared move is a [`TransitionError`]),
///   and `struct <Name>Properties` of its properties.
///
/// Per service, a module (`users` for `Users`) with the `<Service>Store`
/// (one apply function per subscribed event, on top of [`Store`]'s
/// transactions; the store kits implement it) and `<Service>Methods` traits
/// to implement, per write method the enum of the events it may emit, and
/// `<Service>Service`, which runs them (and derefs to a
/// [`service::Runner`] for `sync`, `follow`, `stats` and the like).
/// With the feature `http`, also `<Service>Service::router` (an axum
/// router with one `POST /<Service>/<Method>` route per method) and
/// `<Service>Client` (a typed HTTP client); see `goesgen::http`. With the
/// feature `testing`, also `<Service>Service::test(methods, store)`, its
/// test harness (`<Service>Test`: `given`, `when(ctx)` giving
/// `<Service>When`, one typed call per method with the `then_*`
/// assertions; see `goesgen::testing`).
///
/// Property types are paths from the crate root (`id.User` is
/// `crate::id::User`, `Title` is `crate::Title`) or Rust types as written;
/// they must implement `Debug`, `Clone`, `PartialEq`, `serde::Serialize` and
/// `serde::Deserialize`. Generated code names this crate only through
/// `$crate`, so it works under a renamed dependency and needs no other
/// dependency than this crate (and serde for the property types).
///
/// # Compile time
///
/// The macro parses the schema at every check of the including crate. By
/// default cargo compiles proc macros unoptimised; a workspace that includes
/// large schemas checks faster with them optimised (serde's derives
/// profit too):
///
/// ```toml
/// [profile.dev.build-override]
/// opt-level = 3
/// ```
#[macro_export]
macro_rules! include_schema {
    ($path:literal $(,)?) => {
        $crate::__private::include_schema!($crate, $path);
    };
    ($path:literal, baseline = $baseline:literal $(,)?) => {
        $crate::__private::include_schema!($crate, $path, baseline = $baseline);
    };
}

/// Expands its tokens when the feature `http` is on, else nothing: the
/// generated HTTP server and client of each service go through it.
#[cfg(feature = "http")]
#[doc(hidden)]
#[macro_export]
macro_rules! __goesgen_if_http {
    ($($tokens:tt)*) => { $($tokens)* };
}

/// Expands its tokens when the feature `http` is on, else nothing: the
/// generated HTTP server and client of each service go through it.
#[cfg(not(feature = "http"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __goesgen_if_http {
    ($($tokens:tt)*) => {};
}

/// Expands its tokens when the feature `contracts` is on (`http` brings
/// it), else nothing: the generated JSON Schema and AsyncAPI of the events
/// go through it.
#[cfg(feature = "contracts")]
#[doc(hidden)]
#[macro_export]
macro_rules! __goesgen_if_contracts {
    ($($tokens:tt)*) => { $($tokens)* };
}

/// Expands its tokens when the feature `contracts` is on (`http` brings
/// it), else nothing: the generated JSON Schema and AsyncAPI of the events
/// go through it.
#[cfg(not(feature = "contracts"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __goesgen_if_contracts {
    ($($tokens:tt)*) => {};
}

/// What generated code reaches through `$crate`; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__goesgen_if_contracts as if_contracts;
    pub use crate::__goesgen_if_http as if_http;
    pub use goesgen_macros::include_schema;
    pub use serde;
    pub use serde_json;
    pub use std::future::ready;

    /// Expands to its input where this crate has its `sqlite` feature (the
    /// SQLite store kit's glue), to nothing otherwise.
    #[cfg(feature = "sqlite")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __goesgen_if_sqlite {
        ($($item:tt)*) => { $($item)* };
    }

    /// Expands to its input where this crate has its `sqlite` feature (the
    /// SQLite store kit's glue), to nothing otherwise.
    #[cfg(not(feature = "sqlite"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __goesgen_if_sqlite {
        ($($item:tt)*) => {};
    }

    pub use __goesgen_if_sqlite as if_sqlite;

    /// Expands to its input where this crate has its `testing` feature (the
    /// test harness of each service), to nothing otherwise.
    #[cfg(feature = "testing")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __goesgen_if_testing {
        ($($item:tt)*) => { $($item)* };
    }

    /// Expands to its input where this crate has its `testing` feature (the
    /// test harness of each service), to nothing otherwise.
    #[cfg(not(feature = "testing"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __goesgen_if_testing {
        ($($item:tt)*) => {};
    }

    pub use __goesgen_if_testing as if_testing;
}
