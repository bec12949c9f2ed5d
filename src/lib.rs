//! goesgen: event sourcing and CQRS from one YAML schema.
//!
//! Write the events, projections and services of a system in a schema file,
//! turn it into typed Rust at compile time, and run the services against a
//! shared event log (in memory, in an SQLite file, or in PostgreSQL) with
//! optimistic concurrency control.
//!
//! This crate is the one to depend on: it re-exports the runtime
//! ([`goesgen_runtime`]) and the [`include_schema!`] macro.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub use goesgen_runtime::*;

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
///   `Event::from_record` the kind and payload as the event log stores them.
///   A failed decode is a [`DecodeError`] naming the event type and field.
/// - `projections`: per projection `enum <Name>State` with `ALL`,
///   `INITIAL`, `CREATE_ON`, `targets(kind)` and the checked
///   `transition(kind, to)` (an undeclared move is a [`TransitionError`]),
///   and `struct <Name>Properties` of its properties.
///
/// Property types are paths from the crate root (`id.User` is
/// `crate::id::User`, `Title` is `crate::Title`) or Rust types as written;
/// they must implement `Debug`, `Clone`, `PartialEq`, `serde::Serialize` and
/// `serde::Deserialize`. Generated code names this crate only through
/// `$crate`, so it works under a renamed dependency and needs no other
/// dependency than this crate (and serde for the property types).
#[macro_export]
macro_rules! include_schema {
    ($path:literal $(,)?) => {
        $crate::__private::include_schema!($crate, $path);
    };
}

/// What generated code reaches through `$crate`; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use goesgen_macros::include_schema;
    pub use serde;
    pub use serde_json;
}
