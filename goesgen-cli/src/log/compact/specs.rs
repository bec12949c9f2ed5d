//! What the schema says about each event's personal data, as the runtime
//! seals it: a [`PersonalSpec`] per event with personal properties, under
//! its kind and each former kind, one per name its subject property was
//! written under (a record keeps the names of its time).
//!
//! The runtime takes `&'static` specs (generated code has them as
//! statics); the command makes them from the schema file it was given,
//! once, and leaks them: a handful of small values for the life of one
//! process.

use std::collections::HashMap;

use goesgen_runtime::personal::{FORGOTTEN_MARKER, PersonalSpec, SEALED_MARKER, Subject};
use goesgen_schema::Schema;
use serde_json::{Map, Value, json};

/// The personal specs of a schema's events, by kind.
pub struct PersonalSpecs {
    by_kind: HashMap<String, Vec<&'static PersonalSpec>>,
}

impl PersonalSpecs {
    /// The specs of `schema`'s events that have personal properties.
    pub fn of(schema: &Schema) -> Self {
        let mut by_kind = HashMap::new();
        for event in &schema.events {
            let (Some(subject), Some(property)) = (&event.subject, event.subject_property()) else {
                continue;
            };
            let fields: Vec<&'static str> = event
                .personal_properties()
                .flat_map(|p| std::iter::once(&p.name).chain(&p.was))
                .map(|name| leak(&name.text))
                .collect();
            let fields: &'static [&'static str] = Vec::leak(fields);
            let subject_kind = leak(&subject.kind.text);
            let specs: Vec<&'static PersonalSpec> = std::iter::once(&property.name)
                .chain(&property.was)
                .map(|name| {
                    &*Box::leak(Box::new(PersonalSpec {
                        subject: leak(&name.text),
                        subject_kind,
                        fields,
                    }))
                })
                .collect();
            for kind in std::iter::once(&event.name).chain(&event.was) {
                by_kind.insert(kind.text.clone(), specs.clone());
            }
        }
        Self { by_kind }
    }

    /// Whether the schema has no personal property.
    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }

    /// How a record of `kind` with `payload` (opened: no value sealed) is
    /// sealed: `None` if it holds no personal value in the clear (none of
    /// its kind, or all missing or forgotten); else the spec of the
    /// subject property it carries, with how many values it seals, or
    /// what is wrong (it carries no subject).
    pub fn for_record(
        &self,
        kind: &str,
        payload: &[u8],
    ) -> Option<Result<(&'static PersonalSpec, usize), String>> {
        let specs = self.by_kind.get(kind)?;
        let Ok(map) = serde_json::from_slice::<Map<String, Value>>(payload) else {
            return Some(Err("its payload is not a JSON object".to_owned()));
        };
        let clear = specs.first()?.fields.iter().filter(|field| {
            map.get(**field).is_some_and(|value| {
                value.get(SEALED_MARKER).is_none() && value.get(FORGOTTEN_MARKER).is_none()
            })
        });
        let count = clear.count();
        if count == 0 {
            return None;
        }
        Some(
            specs
                .iter()
                .find(|spec| map.contains_key(spec.subject))
                .map(|spec| (*spec, count))
                .ok_or_else(|| {
                    format!(
                        "it holds personal values but no subject property `{}`",
                        specs.first().map_or("", |spec| spec.subject)
                    )
                }),
        )
    }
}

/// The subject a record's personal values belong to under `spec`; `None`
/// if its payload names none.
pub fn subject_of(spec: &PersonalSpec, payload: &[u8]) -> Option<Subject> {
    let map = serde_json::from_slice::<Map<String, Value>>(payload).ok()?;
    Subject::from_json(spec.subject_kind, map.get(spec.subject)?).ok()
}

/// `payload` with each personal value `spec` names in the clear replaced
/// by the forgotten marker.
pub fn forget_values(spec: &PersonalSpec, payload: &[u8]) -> Vec<u8> {
    let Ok(mut map) = serde_json::from_slice::<Map<String, Value>>(payload) else {
        return payload.to_vec();
    };
    for field in spec.fields {
        if let Some(value) = map.get_mut(*field) {
            *value = json!({ FORGOTTEN_MARKER: true });
        }
    }
    serde_json::to_vec(&map).unwrap_or_else(|_| payload.to_vec())
}

/// `text` for the rest of the process.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "\
events:
  UserCreated:
    was: [Registered]
    id: {type: id.User, subject: true, was: user}
    name: {type: UserName, personal: true, was: fullName}
    plan: String
  UserRenamed:
    id: id.User
    name: UserName
projections:
  User:
    states: [Active]
    createOn: UserCreated
    transitions:
      UserRenamed: [Active -> Active]
services:
  Users:
    projections: [User]
    methods:
      CreateUser: {emits: [UserCreated]}
      RenameUser: {emits: [UserRenamed]}
";

    #[test]
    fn seals_the_personal_values_under_every_name_of_their_time() {
        let schema = goesgen_schema::parse(SCHEMA, "schema.yml").expect("valid schema");
        let specs = PersonalSpecs::of(&schema);
        assert!(!specs.is_empty());
        let (spec, count) = specs
            .for_record("UserCreated", br#"{"id":"u-1","name":"Ada","plan":"x"}"#)
            .expect("personal")
            .expect("a subject");
        assert_eq!((spec.subject, spec.subject_kind, count), ("id", "User", 1));
        assert_eq!(spec.fields, ["name", "fullName"]);
        let (spec, _) = specs
            .for_record("Registered", br#"{"user":"u-1","fullName":"Ada"}"#)
            .expect("personal")
            .expect("a subject");
        assert_eq!(spec.subject, "user");
        assert!(
            specs
                .for_record("UserRenamed", br#"{"id":"u-1","name":"Ada"}"#)
                .is_none()
        );
        assert!(
            specs
                .for_record(
                    "UserCreated",
                    br#"{"id":"u-1","name":{"goesgen:forgotten":true}}"#
                )
                .is_none()
        );
        assert!(
            specs
                .for_record("UserCreated", br#"{"id":"u-1"}"#)
                .is_none()
        );
        let missing = specs
            .for_record("UserCreated", br#"{"name":"Ada"}"#)
            .expect("personal");
        assert!(missing.unwrap_err().contains("`id`"));

        let payload = br#"{"id":"u-1","name":"Ada","plan":"x"}"#;
        assert_eq!(
            subject_of(spec, br#"{"user":"u-1"}"#).map(|s| s.to_string()),
            Some(r#"User:"u-1""#.to_owned())
        );
        let (spec, _) = specs
            .for_record("UserCreated", payload)
            .expect("personal")
            .expect("a subject");
        assert_eq!(
            serde_json::from_slice::<Value>(&forget_values(spec, payload)).unwrap(),
            json!({"id": "u-1", "name": {"goesgen:forgotten": true}, "plan": "x"})
        );
    }
}
