//! Checking a payload against the schema's event properties, without the
//! generated code: each property's Rust type (as the schema resolved it)
//! is read as a JSON shape (goesgen-schema's [`JsonShape`]: what is
//! checked and what cannot be), and the payload must be an object with
//! every required property, each of its shape. Properties the schema does
//! not declare are allowed (decoders ignore them).
//!
//! The schema's migration declarations apply as the generated decoder
//! applies them: a former kind (`was`) reads as its event, a former
//! property name as the property, a missing property with a default as
//! the default. Upcasters are Rust functions: a record that would need one
//! is reported as such ([`Checked::NeedsUpcaster`]), not checked.
//!
//! Personal properties (`personal: true`): a sealed value that was not
//! opened (no master key) or a forgotten one stands in for any value of
//! the property; one stored in the clear is reported
//! ([`EventShapes::clear_personal`]), since the schema says it must be
//! sealed (`goesgen log compact` rewrites such a log).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use goesgen_runtime::codec::rename_field;
use goesgen_runtime::personal::{FORGOTTEN_MARKER, SEALED_MARKER};
use goesgen_schema::JsonShape;
use serde_json::Value;

use crate::error::CliError;
use crate::schema_file::SchemaFile;

/// The expected shape of each event's payload, and its migration
/// declarations.
pub struct EventShapes {
    /// The events, in schema order.
    events: Vec<EventShape>,
    /// Each kind (current and former names) to its event.
    kinds: HashMap<String, usize>,
}

/// One event: its properties and its upcaster.
struct EventShape {
    name: String,
    properties: Vec<PropertyShape>,
    upcast: Option<String>,
}

/// One property: its shape, former names and default.
struct PropertyShape {
    name: String,
    shape: JsonShape,
    was: Vec<String>,
    default: Option<Value>,
    personal: bool,
}

/// What checking one payload found.
#[derive(Debug, PartialEq)]
pub enum Checked {
    /// The schema has no event of that kind (current or former).
    UnknownKind,
    /// What is wrong with the payload (nothing when it matches).
    Problems(Vec<String>),
    /// The payload needs the event's upcaster, which runs only in Rust:
    /// why, in words.
    NeedsUpcaster(String),
}

impl EventShapes {
    /// The shapes of the events of the schema at `path` (which must be
    /// valid).
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let schema = SchemaFile::read(path)?.valid()?;
        let events: Vec<EventShape> = schema
            .events
            .iter()
            .map(|event| EventShape {
                name: event.name.text.clone(),
                properties: event
                    .properties
                    .iter()
                    .map(|p| PropertyShape {
                        name: p.name.text.clone(),
                        shape: JsonShape::of(&p.ty.rust),
                        was: p.was.iter().map(|n| n.text.clone()).collect(),
                        // The schema wrote it from a JSON value.
                        default: p
                            .default
                            .as_ref()
                            .and_then(|d| serde_json::from_str(&d.json).ok()),
                        personal: p.personal,
                    })
                    .collect(),
                upcast: event.upcast.as_ref().map(|u| u.path.clone()),
            })
            .collect();
        let mut kinds = HashMap::new();
        for (index, event) in schema.events.iter().enumerate() {
            kinds.insert(event.name.text.clone(), index);
            for former in &event.was {
                kinds.insert(former.text.clone(), index);
            }
        }
        Ok(EventShapes { events, kinds })
    }

    /// What is wrong with `payload` (an object) as a record of `kind`, with
    /// the event's renames and defaults applied as the generated decoder
    /// applies them. A record the decoder would hand to the event's
    /// upcaster (one under a former kind, or one that does not match as it
    /// is) cannot be checked here.
    pub fn check(&self, kind: &str, payload: &Value) -> Checked {
        let Some(event) = self.kinds.get(kind).map(|&i| &self.events[i]) else {
            return Checked::UnknownKind;
        };
        // Copied only for an event with renames or defaults to apply.
        let declared = event
            .properties
            .iter()
            .any(|p| !p.was.is_empty() || p.default.is_some());
        let mut payload = Cow::Borrowed(payload);
        if declared && let Value::Object(fields) = payload.to_mut() {
            for property in &event.properties {
                rename_field(
                    fields,
                    &property.name,
                    property.was.iter().map(String::as_str),
                );
                if let Some(default) = &property.default {
                    fields
                        .entry(property.name.clone())
                        .or_insert_with(|| default.clone());
                }
            }
        }
        let problems = event.problems(&payload);
        match &event.upcast {
            Some(upcast) if kind != event.name => Checked::NeedsUpcaster(format!(
                "a {kind} record is read as {} by its upcaster `{upcast}`, which runs only in Rust",
                event.name
            )),
            Some(upcast) if !problems.is_empty() => Checked::NeedsUpcaster(format!(
                "the record needs {}'s upcaster `{upcast}`, which runs only in Rust ({})",
                event.name,
                problems.join("; ")
            )),
            _ => Checked::Problems(problems),
        }
    }
}

impl EventShapes {
    /// The personal properties of a record of `kind` whose values are
    /// stored in the clear: present (under their name or a former one),
    /// neither among the `sealed` properties (those stored sealed) nor the
    /// forgotten marker.
    pub fn clear_personal(&self, kind: &str, payload: &Value, sealed: &[String]) -> Vec<String> {
        let Some(event) = self.kinds.get(kind).map(|&i| &self.events[i]) else {
            return Vec::new();
        };
        event
            .properties
            .iter()
            .filter(|p| p.personal)
            .flat_map(|p| std::iter::once(&p.name).chain(&p.was))
            .filter(|name| {
                payload
                    .get(name.as_str())
                    .is_some_and(|value| !sealed.contains(name) && !is_forgotten(value))
            })
            .cloned()
            .collect()
    }
}

/// Whether `value` is the marker of a forgotten personal value.
fn is_forgotten(value: &Value) -> bool {
    value.get(FORGOTTEN_MARKER) == Some(&Value::Bool(true))
}

impl EventShape {
    /// What is wrong with `payload`, in the current shape, as this event.
    fn problems(&self, payload: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        for property in &self.properties {
            let name = &property.name;
            match payload.get(name) {
                None if property.shape.optional() => {}
                None => problems.push(format!("required property `{name}` is missing")),
                // Sealed (not opened here) or forgotten: its value is not
                // known, and either stands in for any.
                Some(value)
                    if property.personal
                        && (value.get(SEALED_MARKER).is_some() || is_forgotten(value)) => {}
                Some(value) => {
                    if let Err(expected) = property.shape.accepts(value) {
                        problems.push(format!(
                            "property `{name}`: expected {expected}, found {}",
                            short(value)
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// A value as a message shows it, cut after 60 characters.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}
