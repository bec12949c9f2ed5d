//! Contracts: the schema's events described for programs in other
//! languages. [`events_json_schema`] is the JSON Schema (2020-12) of
//! goesgen's wire format, `{"type": ..., "payload": {...}}`, as a `oneOf`
//! over the kinds; [`asyncapi`] the AsyncAPI 3.0 document of the log: one
//! channel, one message per kind, and per service the messages it sends
//! (the events its methods emit) and receives (the events its projections
//! subscribe to).
//!
//! Both are built from a [`LogContract`], plain data: `include_schema!`
//! generates one per schema (with the feature `schemars`, each property's
//! schema comes from its Rust type through [`Describe`]), and the
//! `goesgen` command builds one from the schema file alone, where a
//! property's schema is known only for Rust's own types
//! ([`schema_of_rust_name`]).
//!
//! - `documents`: the two documents.
//! - `rust_names`: schemas from a type's Rust name.
//! - `describe` (feature `schemars`): [`Describe`] and [`Schemas`], the
//!   schemas of Rust types from schemars, and [`names_schema`], that of a
//!   generated state enum.

#[cfg(feature = "schemars")]
mod describe;
mod documents;
mod rust_names;

#[cfg(feature = "schemars")]
pub use describe::{Describe, Schemas, names_schema};
pub use documents::{asyncapi, events_json_schema, payload_schema};
pub use rust_names::schema_of_rust_name;
/// schemars, which describes Rust types (generated code implements its
/// `JsonSchema` for the projections' state enums through this path).
#[cfg(feature = "schemars")]
pub use schemars;

use serde_json::{Map, Value};

/// The JSON Schema dialect of every schema here (and of OpenAPI 3.1).
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Where [`events_json_schema`] keeps the definitions its schemas refer to.
pub const JSON_SCHEMA_DEFINITIONS: &str = "#/$defs/";

/// Where [`asyncapi`] (and an OpenAPI document) keeps the definitions its
/// schemas refer to.
pub const COMPONENT_SCHEMAS: &str = "#/components/schemas/";

/// One property of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyContract<'a> {
    /// Its name on the wire (the schema's).
    pub name: &'a str,
    /// The schema's comment on it (may be empty).
    pub doc: &'a str,
    /// Whether a payload must have it (`Option` properties need not).
    pub required: bool,
    /// Its JSON Schema (with `$ref`s into the contract's definitions).
    pub schema: Value,
}

/// One event kind.
#[derive(Debug, Clone, PartialEq)]
pub struct EventContract<'a> {
    /// Its kind, the `type` on the wire.
    pub name: &'a str,
    /// The schema's comment on it (may be empty).
    pub doc: &'a str,
    /// Its payload's properties, in schema order.
    pub properties: Vec<PropertyContract<'a>>,
}

/// One service, as the log sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceContract<'a> {
    /// Its name.
    pub name: &'a str,
    /// The schema's comment on it (may be empty).
    pub doc: &'a str,
    /// The kinds its methods emit, each once, in the order its methods
    /// first emit them.
    pub sends: Vec<&'a str>,
    /// The kinds its projections subscribe to, in schema order.
    pub receives: Vec<&'a str>,
}

/// Everything the documents say of a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct LogContract<'a> {
    /// The documents' title (the schema file's name).
    pub title: &'a str,
    /// The version the AsyncAPI document gives its API.
    pub version: &'a str,
    /// The events, in schema order.
    pub events: Vec<EventContract<'a>>,
    /// The services, in schema order.
    pub services: Vec<ServiceContract<'a>>,
    /// The schemas the properties' `$ref`s name, by name.
    pub definitions: Map<String, Value>,
}
