//! [`Personal<T>`]: the type of a property the schema marks as personal
//! data, either known or forgotten (its subject's key was deleted), which
//! never prints its value.

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The marker a forgotten value is written as: `{"goesgen:forgotten":true}`.
pub const FORGOTTEN_MARKER: &str = "goesgen:forgotten";

/// A personal value: known, or forgotten because its subject's data key
/// was deleted ([`EventLog::forget`](crate::EventLog::forget)).
///
/// `Debug` and `Display` never print the value (`Personal(<redacted>)`,
/// `Personal(<forgotten>)`), so a log line or a panic message cannot leak
/// it; read it with [`known`](Self::known) or a `match`.
///
/// On the wire, `Known(v)` serialises as `v` itself (the plaintext, which
/// the log seals before it stores it) and `Forgotten` as the marker
/// object `{"goesgen:forgotten":true}`; deserialising the marker gives
/// `Forgotten`, anything else is decoded as a `T`.
///
/// ```
/// use goesgen_runtime::Personal;
///
/// let name: Personal<String> = "Ada".to_owned().into();
/// assert_eq!(format!("{name:?} {name}"), "Personal(<redacted>) Personal(<redacted>)");
/// assert_eq!(name.known().map(String::as_str), Some("Ada"));
/// assert_eq!(serde_json::to_string(&name).unwrap(), r#""Ada""#);
///
/// let gone: Personal<String> = serde_json::from_str(r#"{"goesgen:forgotten":true}"#).unwrap();
/// assert!(gone.is_forgotten());
/// assert_eq!(gone.to_string(), "Personal(<forgotten>)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Personal<T> {
    /// The value, as the event carried it.
    Known(T),
    /// The value's subject was forgotten: its data key is gone, and the
    /// value with it.
    Forgotten,
}

impl<T> Personal<T> {
    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Personal::Known(value) => Some(value),
            Personal::Forgotten => None,
        }
    }

    /// The value, if known (the same as [`known`](Self::known)).
    pub fn as_known(&self) -> Option<&T> {
        self.known()
    }

    /// The value, if known, by value.
    pub fn into_known(self) -> Option<T> {
        match self {
            Personal::Known(value) => Some(value),
            Personal::Forgotten => None,
        }
    }

    /// Whether the value was forgotten.
    pub fn is_forgotten(&self) -> bool {
        matches!(self, Personal::Forgotten)
    }

    /// A reference to the value, known or forgotten.
    pub fn as_ref(&self) -> Personal<&T> {
        match self {
            Personal::Known(value) => Personal::Known(value),
            Personal::Forgotten => Personal::Forgotten,
        }
    }

    /// The value mapped by `f`, if known.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Personal<U> {
        match self {
            Personal::Known(value) => Personal::Known(f(value)),
            Personal::Forgotten => Personal::Forgotten,
        }
    }
}

impl<T> From<T> for Personal<T> {
    fn from(value: T) -> Self {
        Personal::Known(value)
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T> fmt::Display for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Personal::Known(_) => f.write_str("Personal(<redacted>)"),
            Personal::Forgotten => f.write_str("Personal(<forgotten>)"),
        }
    }
}

impl<T: Serialize> Serialize for Personal<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Personal::Known(value) => value.serialize(serializer),
            Personal::Forgotten => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(FORGOTTEN_MARKER, &true)?;
                map.end()
            }
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Personal<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if is_forgotten_marker(&value) {
            return Ok(Personal::Forgotten);
        }
        T::deserialize(value)
            .map(Personal::Known)
            .map_err(D::Error::custom)
    }
}

/// Whether `value` is the marker of a forgotten value.
pub(crate) fn is_forgotten_marker(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.len() == 1 && map.get(FORGOTTEN_MARKER) == Some(&Value::Bool(true))
        }
        _ => false,
    }
}

/// A personal value's JSON Schema is its type's: the contracts describe
/// the value as an application sees it (a reader of the log meets the
/// sealed form, documented with the schema language).
#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Personal<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_print_the_value() {
        let secret = Personal::Known("s3cret-name".to_owned());
        for text in [
            format!("{secret:?}"),
            format!("{secret}"),
            format!("{:?}", Some(&secret)),
        ] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert_eq!(
            format!("{:?}", Personal::<u8>::Forgotten),
            "Personal(<forgotten>)"
        );
    }

    #[test]
    fn round_trips_known_and_forgotten() {
        let known = Personal::Known(vec![1, 2]);
        let text = serde_json::to_string(&known).unwrap();
        assert_eq!(text, "[1,2]");
        assert_eq!(
            serde_json::from_str::<Personal<Vec<u8>>>(&text).unwrap(),
            known
        );
        let gone = serde_json::to_string(&Personal::<Vec<u8>>::Forgotten).unwrap();
        assert_eq!(gone, r#"{"goesgen:forgotten":true}"#);
        assert!(
            serde_json::from_str::<Personal<Vec<u8>>>(&gone)
                .unwrap()
                .is_forgotten()
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error() {
        assert!(serde_json::from_str::<Personal<u32>>(r#""text""#).is_err());
        // An object that is not exactly the marker is decoded as T.
        assert!(serde_json::from_str::<Personal<u32>>(r#"{"goesgen:forgotten":false}"#).is_err());
    }
}
