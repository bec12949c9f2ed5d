//! The schema front end of goesgen: schema text (`docs/schema.md`) to a
//! validated model that code generation reads.
//!
//! [`parse`] reads a schema and returns its [`Schema`], or every error it
//! found ([`SchemaErrors`]), each located in the file and rendered like a
//! compiler message.
//!
//! - [`model`]: the validated model.
//! - [`naming`]: names and their Rust forms.
//! - [`error`]: errors and their rendering.
//! - [`evolution`]: what changed between two versions of a schema, and
//!   whether the change breaks a log written under the old one ([`diff`]),
//!   or is migrated by the schema's declarations.
//! - `flows`: per service, the events it sends and receives
//!   ([`Schema::sends`], [`Schema::receives`]).
//! - [`fingerprint`](mod@fingerprint): the schema's part of a store's fingerprint, a
//!   stable hash of what the schema says about one service's projections
//!   ([`fingerprint()`], [`ProjectionsShape`]).
//! - [`extensions`]: the parts of a schema the Go original would refuse
//!   (the migration declarations, [`go_extensions`]).
//! - [`json_shape`]: the JSON a Rust type reads, as far as it is known
//!   without compiling ([`JsonShape`]).
//!
//! Inside, a schema goes through these stages, all reporting to one error
//! context (`context`): YAML to a raw located tree (`raw`), the tree to the
//! declared schema with its shape checked (`shape`, `ast`), the declared
//! schema to the model with every rule checked (`resolve`, `rules`), with
//! doc comments (`comments`), type references (`types`) and name
//! suggestions (`suggest`); the migration declarations' shape is read by
//! `long_form`, their rules are `rules::migrations`.
#![warn(missing_docs)]

mod ast;
mod comments;
mod context;
pub mod error;
pub mod evolution;
pub mod extensions;
pub mod fingerprint;
mod flows;
pub mod json_shape;
mod long_form;
pub mod model;
pub mod naming;
mod raw;
mod resolve;
mod rules;
mod shape;
mod suggest;
mod types;

pub use error::{Rule, SchemaError, SchemaErrors};
pub use evolution::{Change, ChangeKind, Class, diff};
pub use extensions::{Extension, go_extensions};
pub use fingerprint::{ProjectionsShape, fingerprint, fnv1a64};
pub use json_shape::JsonShape;
pub use model::*;
pub use naming::Name;

use context::Context;

/// Reads the schema `source`, read from `file` (the name used in messages),
/// into its validated model; or returns every error found, in file order.
///
/// A YAML syntax error is reported alone (there is no tree to check
/// further); every other error is collected, so one call reports all the
/// problems of a schema.
///
/// ```
/// let source = "\
/// events:
///   Opened: {by: id.User}
/// services:
///   Doors:
///     methods:
///       Open: {emits: [Opened]}
/// ";
/// let schema = goesgen_schema::parse(source, "schema.yml")?;
/// assert_eq!(schema.events[0].properties[0].ty.rust, "crate::id::User");
///
/// let errors = goesgen_schema::parse("events: {}\nservices: {}\n", "schema.yml")
///     .unwrap_err();
/// assert_eq!(errors.len(), 2);
/// assert!(errors.to_string().starts_with("schema.yml:1:1: the schema has no events"));
/// # Ok::<(), goesgen_schema::SchemaErrors>(())
/// ```
pub fn parse(source: &str, file: &str) -> Result<Schema, SchemaErrors> {
    let mut cx = Context::new(source, file);
    let tree = match raw::read(source) {
        Ok(tree) => tree,
        Err(error) => {
            cx.yaml_error(&error);
            return cx.finish(None);
        }
    };
    let schema =
        shape::read(&tree, &mut cx).and_then(|decl| resolve::resolve(&decl, file, &mut cx));
    cx.finish(schema)
}
