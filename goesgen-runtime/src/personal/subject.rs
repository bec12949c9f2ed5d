//! [`PersonalSpec`], what the schema says about one event's personal data,
//! and [`Subject`], the person (or other data subject) a personal value
//! belongs to, whose data key seals it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use super::PersonalError;

/// What the schema says about one event's personal data: generated, one
/// static per event with personal properties
/// ([`EventPayload::PERSONAL`](crate::codec::EventPayload::PERSONAL),
/// [`EventSet::personal`](crate::codec::EventSet::personal)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonalSpec {
    /// The wire name of the property naming the data subject (`id`).
    pub subject: &'static str,
    /// The subject's kind: the id type's name (`User` for `id.User`).
    pub subject_kind: &'static str,
    /// The wire names of the personal properties, in schema order.
    pub fields: &'static [&'static str],
}

/// A data subject: its kind (the id type's name in the schema) and its
/// id, kept as the id's JSON text (`User` and `"u-1"`).
///
/// Displayed `User:"u-1"`, the form [`FromStr`] takes back; `User:u-1` is
/// taken too (an id that is not JSON is taken as a JSON string). The id's
/// JSON is kept in its compact form, so both name the same subject.
///
/// ```
/// use goesgen_runtime::personal::Subject;
///
/// let subject: Subject = "User:u-1".parse().unwrap();
/// assert_eq!(subject, Subject::new("User", &"u-1").unwrap());
/// assert_eq!(subject.to_string(), r#"User:"u-1""#);
/// assert_eq!(subject.kind(), "User");
/// assert_eq!(subject.id(), r#""u-1""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    kind: String,
    id: String,
}

impl Subject {
    /// The subject of kind `kind` whose id serialises as `id`.
    pub fn new(kind: impl Into<String>, id: &impl Serialize) -> Result<Self, PersonalError> {
        let id = serde_json::to_value(id).map_err(|error| PersonalError::BadSubject {
            reason: format!("its id does not serialise: {error}"),
        })?;
        Self::from_json(kind, &id)
    }

    /// The subject of kind `kind` whose id is the JSON value `id` (a
    /// string, a number, or any JSON an id type serialises to).
    pub fn from_json(kind: impl Into<String>, id: &Value) -> Result<Self, PersonalError> {
        let kind = kind.into();
        check_kind(&kind)?;
        if id.is_null() {
            return Err(PersonalError::BadSubject {
                reason: format!("the id of a {kind} is null"),
            });
        }
        Ok(Self {
            kind,
            id: id.to_string(),
        })
    }

    /// The subject's kind (`User`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The subject's id as JSON text (`"u-1"`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The subject's id as a JSON value, for generated code to decode as
    /// the id type.
    pub fn id_value(&self) -> Value {
        // The id was made from a Value's own text: it parses back.
        serde_json::from_str(&self.id).unwrap_or_else(|_| Value::String(self.id.clone()))
    }
}

fn check_kind(kind: &str) -> Result<(), PersonalError> {
    let valid = !kind.is_empty()
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if valid {
        Ok(())
    } else {
        Err(PersonalError::BadSubject {
            reason: format!(
                "its kind {kind:?} is not an id type's name (letters, digits, `_` or `.`)"
            ),
        })
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

impl FromStr for Subject {
    type Err = PersonalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((kind, id)) = text.split_once(':') else {
            return Err(PersonalError::BadSubject {
                reason: format!("{text:?} is not `Kind:id` (as in `User:\"u-1\"`)"),
            });
        };
        if id.is_empty() {
            return Err(PersonalError::BadSubject {
                reason: format!("{text:?} has no id after its kind"),
            });
        }
        let id = serde_json::from_str(id).unwrap_or_else(|_| Value::String(id.to_owned()));
        Self::from_json(kind, &id)
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Subject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_and_bare_ids_alike() {
        let quoted: Subject = r#"User:"u-1""#.parse().unwrap();
        let bare: Subject = "User:u-1".parse().unwrap();
        assert_eq!(quoted, bare);
        let number: Subject = "Account:17".parse().unwrap();
        assert_eq!(number.id(), "17");
        assert_eq!(number.id_value(), Value::from(17));
        let uuid: Subject = "User:0190b6a2-8c1e-7000-8000-000000000001".parse().unwrap();
        assert_eq!(uuid.id(), r#""0190b6a2-8c1e-7000-8000-000000000001""#);
    }

    #[test]
    fn refuses_what_names_no_subject() {
        for bad in ["", "User", "User:", ":u-1", "Us er:u-1", "User:null"] {
            assert!(bad.parse::<Subject>().is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_through_its_text() {
        let subject = Subject::new("User", &"a:b \"c\"").unwrap();
        let text = subject.to_string();
        assert_eq!(text.parse::<Subject>().unwrap(), subject);
        let json = serde_json::to_string(&subject).unwrap();
        assert_eq!(serde_json::from_str::<Subject>(&json).unwrap(), subject);
    }
}
