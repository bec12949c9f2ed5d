//! Decoding records written under an older schema: the migration
//! declarations of an event ([`Migrated`], implemented by generated code
//! from the schema's `was`, `default` and `upcast`) applied when a record
//! is read, in order: the kind renamed (the generated decoder routes a
//! former kind to its event), properties renamed, defaults filled, the
//! upcaster run. The log's bytes never change; new records are written in
//! the current shape only.
//!
//! What it costs: a record under the event's current kind is decoded by
//! serde's derived code first, exactly as an event without declarations
//! (renamed properties are serde aliases there, so a record that only
//! carries a former property name decodes in that one pass too). Only when
//! that fails, or the kind is a former one, is the payload read once into a
//! `serde_json::Value`, migrated in place and decoded from the value: a
//! record needing a default or the upcaster costs the failed attempt and
//! one parse, a record under a former kind one parse.

use serde_json::Value;

use super::diagnose::diagnose_value;
use super::{DecodeError, EventPayload};

/// An upcaster: turns an old record's payload (with the kind it was written
/// under, current or former) into the event's current payload. The schema
/// names it (`upcast: crate::migrations::ticket_closed`); it receives the
/// payload with the property renames and defaults already applied.
pub type Upcaster = fn(&str, Value) -> Result<Value, UpcastError>;

/// An upcaster's refusal of a record: the record decodes to a
/// [`DecodeError::Upcast`] naming its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UpcastError {
    message: String,
}

impl UpcastError {
    /// A refusal saying why (`"no closing time in the record"`).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Why the record was refused.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A property renamed in the schema (`closedBy: {type: .., was: closer}`).
#[derive(Debug, Clone, Copy)]
pub struct Renamed {
    /// Its current wire name.
    pub name: &'static str,
    /// The names older records carry it under, most recent first.
    pub was: &'static [&'static str],
}

/// A property with a default (`reason: {type: .., default: ".."}`).
#[derive(Debug, Clone, Copy)]
pub struct Defaulted {
    /// Its wire name.
    pub name: &'static str,
    /// The value of records that lack it, as JSON text.
    pub json: &'static str,
}

/// An event struct whose schema entry declares migrations: generated code
/// implements it, and decodes the event's records with [`decode_migrated`].
pub trait Migrated: EventPayload {
    /// The kinds its records were written under before it was renamed
    /// (`was: [..]`).
    const FORMER_KINDS: &'static [&'static str];
    /// Its renamed properties.
    const RENAMED: &'static [Renamed];
    /// Its properties with a default.
    const DEFAULTS: &'static [Defaulted];
    /// Its upcaster, if the schema names one.
    const UPCAST: Option<Upcaster>;
}

/// Decodes a record of the event `P` written under `kind` (its current
/// kind or a former one), applying `P`'s declarations where the record
/// needs them: what generated [`EventSet::decode_payload`](super::EventSet)
/// calls for an event with declarations.
pub fn decode_migrated<P: Migrated>(kind: &str, payload: &[u8]) -> Result<P, DecodeError> {
    if kind == P::KIND
        && let Ok(event) = serde_json::from_slice::<P>(payload)
    {
        return Ok(event);
    }
    let value: Value =
        serde_json::from_slice(payload).map_err(|error| DecodeError::json(&error))?;
    let value = migrate::<P>(kind, value)?;
    P::deserialize(&value).map_err(|error| diagnose_value::<P>(&value, &error))
}

/// `payload` (of a record written under `kind`) in `P`'s current shape:
/// renamed properties moved to their current names (a record that already
/// has the current name keeps it, and loses the former ones), defaults
/// filled where the property is
/// missing, then the upcaster run. A payload that is not an object is left
/// to the upcaster (and then to decoding, which names the problem).
pub fn migrate<P: Migrated>(kind: &str, mut payload: Value) -> Result<Value, DecodeError> {
    if let Value::Object(fields) = &mut payload {
        for renamed in P::RENAMED {
            rename_field(fields, renamed.name, renamed.was.iter().copied());
        }
        for default in P::DEFAULTS {
            if fields.contains_key(default.name) {
                continue;
            }
            let value = serde_json::from_str(default.json).map_err(|error| DecodeError::Field {
                kind: P::KIND.to_string(),
                field: default.name.to_string(),
                problem: super::FieldProblem::Invalid(format!(
                    "its default `{}` is not JSON: {error}",
                    default.json
                )),
            })?;
            fields.insert(default.name.to_string(), value);
        }
    }
    match P::UPCAST {
        None => Ok(payload),
        Some(upcast) => upcast(kind, payload).map_err(|source| DecodeError::Upcast {
            kind: kind.to_string(),
            event: P::KIND,
            source,
        }),
    }
}

/// Moves the value of a renamed property to its current name `name` in a
/// payload's `fields`: the current name wins, then the most recent former
/// one (`was`, most recent first); the other former names go (serde would
/// see them as the field given twice). Shared with the `goesgen` command's
/// `log verify`, which applies the declarations without generated code.
pub fn rename_field<'a>(
    fields: &mut serde_json::Map<String, Value>,
    name: &str,
    was: impl IntoIterator<Item = &'a str>,
) {
    let first = was
        .into_iter()
        .filter_map(|old| fields.remove(old))
        .reduce(|first, _| first);
    if let Some(value) = first
        && !fields.contains_key(name)
    {
        fields.insert(name.to_string(), value);
    }
}

/// Whether the default `json` decodes as a `T`: the check generated code
/// runs in a test for each default the schema could not check itself (a
/// property of the user's own type).
pub fn check_default<T: serde::de::DeserializeOwned>(json: &str) -> Result<(), serde_json::Error> {
    let value: Value = serde_json::from_str(json)?;
    T::deserialize(&value).map(drop)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{check_default, rename_field};

    #[test]
    fn a_renamed_field_takes_the_current_name_then_the_most_recent_former_one() {
        let rename = |payload: serde_json::Value| {
            let mut payload = payload;
            let fields = payload.as_object_mut().unwrap();
            rename_field(fields, "closedBy", ["closer", "by"]);
            payload
        };
        assert_eq!(rename(json!({"by": 1})), json!({"closedBy": 1}));
        assert_eq!(
            rename(json!({"by": 1, "closer": 2})),
            json!({"closedBy": 2})
        );
        assert_eq!(
            rename(json!({"by": 1, "closedBy": 3, "x": 0})),
            json!({"closedBy": 3, "x": 0})
        );
        assert_eq!(rename(json!({"x": 0})), json!({"x": 0}));
    }

    #[test]
    fn a_default_is_checked_against_its_type() {
        assert!(check_default::<u8>("7").is_ok());
        assert!(check_default::<u8>("300").is_err());
        assert!(check_default::<Vec<String>>(r#"["a"]"#).is_ok());
        assert!(check_default::<String>("not json").is_err());
    }
}
