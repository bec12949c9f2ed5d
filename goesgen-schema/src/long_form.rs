//! The shape of the migration declarations, goesgen-for-Rust extensions
//! of the schema language (`docs/schema.md`, "Changing events already in
//! the log"): an event's `was: [OldName]` and `upcast: crate::path`, and a
//! property's long form `{type: X, default: <JSON>, was: oldName}`, which
//! also marks personal data (`personal: true`) and whose data it is
//! (`subject: true`, "Personal data").
//!
//! An event's mapping holds its properties, so the two event keys are told
//! from properties by their value: `was` with a list is the declaration
//! (`was: SomeType` stays a property), `upcast` with a single value is the
//! declaration (a property named `upcast` is written in the long form).
//! A goesgen (Go) schema therefore reads as it always did, unless one of
//! its events has a property `upcast`.

use crate::ast::{EventDecl, PropertyDecl};
use crate::context::Context;
use crate::error::Rule;
use crate::raw::{Entry, Kind, Node, Spot, Text};
use crate::shape::{join, known, mapping, names, properties_of, scalar};

/// Keys of a property's long form.
const PROPERTY_KEYS: &[&str] = &["type", "default", "was", "personal", "subject"];

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
/// was: oldName, personal: true, subject: true}` (`node` is that mapping).
pub(crate) fn property(name: &Text, node: &Node, path: &str, cx: &mut Context<'_>) -> PropertyDecl {
    let mut decl = PropertyDecl {
        name: name.clone(),
        ty: None,
        long_form: true,
        default: None,
        was: Vec::new(),
        personal: None,
        subject: None,
    };
    let expected = "a property: a type, or a mapping with `type` and optionally `default`, \
                    `was`, `personal` and `subject`";
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
            "personal" => decl.personal = flag(field, &at, cx),
            "subject" => decl.subject = flag(field, &at, cx),
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
            Rule::Shape,
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

/// A flag of the long form (`personal: true`): where its key is written
/// when it is `true`; `None` when it is `false` or not a boolean
/// (reported).
fn flag(field: &Entry, path: &str, cx: &mut Context<'_>) -> Option<Spot> {
    let key = &field.key.text;
    match &field.value.kind {
        Kind::Scalar(text) if text.typed && text.text.eq_ignore_ascii_case("true") => {
            Some(field.key.spot)
        }
        Kind::Scalar(text) if text.typed && text.text.eq_ignore_ascii_case("false") => None,
        other => {
            let found = match other {
                Kind::Scalar(text) => format!("`{}`", text.text),
                other => other.describe().to_string(),
            };
            let message = format!("expected `true` or `false` for `{key}`, found {found}");
            let hint = format!("write `{key}: true`, or leave `{key}` out");
            cx.error(Rule::Shape, field.value.spot, path, message, Some(hint));
            None
        }
    }
}
