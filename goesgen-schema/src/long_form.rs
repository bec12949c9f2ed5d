//! The shape of the migration declarations, goesgen-for-Rust extensions
//! of the schema language (`docs/schema.md`, "Changing events already in
//! the log"): an event's `was: [OldName]` and `upcast: crate::path`, and a
//! property's long form `{type: X, default: <JSON>, was: oldName}`.
//!
//! An event's mapping holds its properties, so the two event keys are told
//! from properties by their value: `was` with a list is the declaration
//! (`was: SomeType` stays a property), `upcast` with a single value is the
//! declaration (a property named `upcast` is written in the long form).
//! A goesgen (Go) schema therefore reads as it always did, unless one of
//! its events has a property `upcast`.

use crate::ast::{EventDecl, PropertyDecl};
use crate::context::Context;
use crate::raw::{Entry, Kind, Node, Text};
use crate::shape::{join, known, mapping, names, properties_of, scalar};

/// Keys of a property's long form.
const PROPERTY_KEYS: &[&str] = &["type", "default", "was"];

/// The event named `name` whose value is `node`: its properties and its
/// declarations.
pub(crate) fn event(name: &Text, node: &Node, path: &str, cx: &mut Context<'_>) -> EventDecl {
    let mut decl = EventDecl {
        name: name.clone(),
        properties: Vec::new(),
        was: Vec::new(),
        upcast: None,
    };
    let expected = "a mapping of property names to types (`title: TicketTitle`)";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return decl;
    };
    let mut properties: Vec<&Entry> = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = entry.key.text.as_str();
        match (key, &entry.value.kind) {
            ("was", Kind::Seq(_)) => {
                decl.was = names(&entry.value, &join(path, key), "event", cx);
            }
            ("upcast", Kind::Scalar(text)) => decl.upcast = Some(text.clone()),
            _ => properties.push(entry),
        }
    }
    decl.properties = properties_of(&properties, path, true, cx);
    decl
}

/// A property written in the long form: `name: {type: X, default: <JSON>,
/// was: oldName}` (`node` is that mapping).
pub(crate) fn property(name: &Text, node: &Node, path: &str, cx: &mut Context<'_>) -> PropertyDecl {
    let mut decl = PropertyDecl {
        name: name.clone(),
        ty: None,
        long_form: true,
        default: None,
        was: Vec::new(),
    };
    let expected =
        "a property: a type, or a mapping with `type` and optionally `default` and `was`";
    let entries = mapping(node, path, expected, cx).unwrap_or_default();
    let mut typed = false;
    for field in known(&entries, PROPERTY_KEYS, path, "a property", cx) {
        let at = join(path, &field.key.text);
        match field.key.text.as_str() {
            "type" => {
                typed = true;
                decl.ty = scalar(&field.value, &at, "a type (`id.User`, `u64`, `String`)", cx);
            }
            "default" => decl.default = Some(field.value.clone()),
            _ => {
                decl.was = match &field.value.kind {
                    Kind::Seq(_) => names(&field.value, &at, "property", cx),
                    _ => scalar(&field.value, &at, "a property name", cx)
                        .into_iter()
                        .collect(),
                };
            }
        }
    }
    if !typed {
        let message =
            "the property has no `type`: the long form is `{type: X, default: .., was: ..}`";
        cx.error(
            crate::error::Rule::Shape,
            name.spot,
            path,
            message.to_string(),
            Some(format!(
                "add its type: `{}: {{type: String, ...}}`",
                name.text
            )),
        );
    }
    decl
}
