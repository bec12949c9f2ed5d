//! The schema front end of goesgen: schema text (SCHEMA.md) to a validated
//! model that code generation reads.
//!
//! - [`model`]: the validated model.
//! - [`naming`]: names and their Rust forms.
#![warn(missing_docs)]

pub mod model;
pub mod naming;

pub use model::*;
pub use naming::Name;
