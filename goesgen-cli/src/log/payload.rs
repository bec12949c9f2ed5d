//! Checking a payload against the schema's event properties, without the
//! generated code: each property's Rust type (as the schema resolved it)
//! is read as a JSON shape (goesgen-schema's [`JsonShape`]: what is
//! checked and what cannot be), and the payload must be an object with
//! every required property, each of its shape. Properties the schema does
//! not declare are allowed (decoders ignore them).

use std::collections::HashMap;
use std::path::Path;

use goesgen_schema::JsonShape;
use serde_json::Value;

use crate::error::CliError;
use crate::schema_file::SchemaFile;

/// The expected shape of each event's payload, by kind.
pub struct EventShapes {
    events: HashMap<String, Vec<(String, JsonShape)>>,
}

impl EventShapes {
    /// The shapes of the events of the schema at `path` (which must be
    /// valid).
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let schema = SchemaFile::read(path)?.valid()?;
        Ok(EventShapes {
            events: schema
                .events
                .iter()
                .map(|event| {
                    let properties = event
                        .properties
                        .iter()
                        .map(|p| (p.name.text.clone(), JsonShape::of(&p.ty.rust)))
                        .collect();
                    (event.name.text.clone(), properties)
                })
                .collect(),
        })
    }

    /// What is wrong with `payload` (an object) as an event of `kind`:
    /// `None` when the schema has no such event, else the problems (none
    /// when it matches).
    pub fn check(&self, kind: &str, payload: &Value) -> Option<Vec<String>> {
        let properties = self.events.get(kind)?;
        let mut problems = Vec::new();
        for (name, shape) in properties {
            match payload.get(name) {
                None if shape.optional() => {}
                None => problems.push(format!("required property `{name}` is missing")),
                Some(value) => {
                    if let Err(expected) = shape.accepts(value) {
                        problems.push(format!(
                            "property `{name}`: expected {expected}, found {}",
                            short(value)
                        ));
                    }
                }
            }
        }
        Some(problems)
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
