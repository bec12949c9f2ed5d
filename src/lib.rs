//! goesgen: event sourcing and CQRS from one YAML schema.
//!
//! Write the events, projections and services of a system in a schema file,
//! turn it into typed Rust at compile time, and run the services against a
//! shared event log (in memory, in an SQLite file, or in PostgreSQL) with
//! optimistic concurrency control.
//!
//! This crate is the one to depend on: it re-exports the runtime
//! ([`goesgen_runtime`]) and the `include_schema!` macro.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub use goesgen_runtime::*;
