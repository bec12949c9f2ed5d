//! The parts of a schema the Go original would refuse: goesgen-for-Rust
//! extensions of the schema language. Today these are the migration
//! declarations (`docs/schema.md`, "Changing events already in the log"):
//! a property's long form with its `default` and `was`, an event's `was`
//! and `upcast`; and personal data ("Personal data"): a property's
//! `personal: true` and `subject: true`, whose sealed values the Go
//! original cannot read. `goesgen check --go` lists them ([`go_extensions`]), so a
//! team sharing one schema with Go services knows what to keep out of it.

use crate::model::{Location, Schema};

/// One part of a schema that only goesgen for Rust reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Where in the schema: `events.TicketResolved.reason`.
    pub path: String,
    /// Where it is written.
    pub at: Location,
    /// What it is, in words (`a property in the long form`).
    pub what: String,
}

/// Every goesgen-for-Rust extension `schema` uses, in schema order; empty
/// when the Go original reads it as it is.
///
/// ```
/// let source = "\
/// events:
///   Opened:
///     by: {type: String, default: \"nobody\"}
/// services:
///   Doors: {methods: {Open: {emits: [Opened]}}}
/// ";
/// let schema = goesgen_schema::parse(source, "schema.yml")?;
/// let found = goesgen_schema::go_extensions(&schema);
/// assert_eq!(found[0].path, "events.Opened.by");
/// assert_eq!(found[0].what, "a property in the long form `{type: ..}` with `default: \"nobody\"`");
/// # Ok::<(), goesgen_schema::SchemaErrors>(())
/// ```
pub fn go_extensions(schema: &Schema) -> Vec<Extension> {
    let mut found = Vec::new();
    for event in &schema.events {
        let path = format!("events.{}", event.name);
        if !event.was.is_empty() {
            let names: Vec<&str> = event.was.iter().map(|n| n.as_str()).collect();
            found.push(Extension {
                path: format!("{path}.was"),
                at: event.was[0].at,
                what: format!("an event's former names `was: [{}]`", names.join(", ")),
            });
        }
        if let Some(upcast) = &event.upcast {
            found.push(Extension {
                path: format!("{path}.upcast"),
                at: upcast.at,
                what: format!("an upcaster `upcast: {}`", upcast.path),
            });
        }
        for property in event.properties.iter().filter(|p| p.long_form) {
            let mut what = "a property in the long form `{type: ..}`".to_string();
            let mut with = Vec::new();
            if let Some(default) = &property.default {
                with.push(format!("`default: {}`", default.json));
            }
            if !property.was.is_empty() {
                let names: Vec<&str> = property.was.iter().map(|n| n.as_str()).collect();
                with.push(format!("`was: {}`", names.join(", ")));
            }
            if property.personal {
                with.push("`personal: true` (sealed in the log)".to_string());
            }
            if property.subject {
                with.push("`subject: true`".to_string());
            }
            if !with.is_empty() {
                what.push_str(" with ");
                what.push_str(&with.join(" and "));
            }
            found.push(Extension {
                path: format!("{path}.{}", property.name),
                at: property.name.at,
                what,
            });
        }
    }
    found
}
