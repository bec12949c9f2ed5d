//! The domain types the schema names at the crate root (`TicketTitle`,
//! `TicketDescription`, `TicketCommentMessage`, `UserName`) and their rules:
//! a title or a comment is not empty (blank counts as empty), a user name is
//! 4 to 64 characters. The only way to get a value is through a check:
//! `new`, `FromStr`, or deserialisation, which goes through the same `new`
//! (`#[serde(try_from = "String")]`), so an input read from JSON cannot
//! bypass it.
//!
//! Each keeps its text as an `Arc<str>`: a value is written once and copied
//! often (from the input into the event, from the event into the
//! projection, and with the ticket each time the memory kit's
//! `Arc::make_mut` copies one to change it), and a copy of an `Arc<str>`
//! is a reference count, not an allocation.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    /// The value is empty or only whitespace.
    #[error("invalid {what}: empty")]
    Empty {
        /// What the value is (`ticket title`).
        what: &'static str,
    },
    /// The value has fewer characters than allowed.
    #[error("invalid {what}: {len} characters, at least {min} needed")]
    TooShort {
        /// What the value is.
        what: &'static str,
        /// Its length in characters.
        len: usize,
        /// The least allowed.
        min: usize,
    },
    /// The value has more characters than allowed.
    #[error("invalid {what}: {len} characters, at most {max} allowed")]
    TooLong {
        /// What the value is.
        what: &'static str,
        /// Its length in characters.
        len: usize,
        /// The most allowed.
        max: usize,
    },
}

/// The rule of a domain type's text: not blank, and at least `min` and
/// at most `max` characters.
#[derive(Debug, Clone, Copy)]
struct Rule {
    min: usize,
    max: Option<usize>,
}

impl Rule {
    /// Checks `text` (the value of `what`) against the rule.
    fn check(self, what: &'static str, text: &str) -> Result<(), InvalidValue> {
        if text.trim().is_empty() {
            return Err(InvalidValue::Empty { what });
        }
        let len = text.chars().count();
        if len < self.min {
            return Err(InvalidValue::TooShort {
                what,
                len,
                min: self.min,
            });
        }
        match self.max {
            Some(max) if len > max => Err(InvalidValue::TooLong { what, len, max }),
            _ => Ok(()),
        }
    }
}

/// The JSON Schema of a text under `rule` (`None`: any text), described
/// by `description`: the contracts say the rule the type checks.
#[cfg(feature = "contracts")]
fn text_schema(rule: Option<Rule>, description: &str) -> schemars::Schema {
    let mut schema = schemars::json_schema!({"type": "string"});
    schema.insert("description".into(), description.trim().into());
    if let Some(rule) = rule {
        schema.insert("minLength".into(), rule.min.into());
        if let Some(max) = rule.max {
            schema.insert("maxLength".into(), max.into());
        }
        // Not blank: at least one character that is not whitespace.
        schema.insert("pattern".into(), "\\S".into());
    }
    schema
}

macro_rules! checked_text {
    ($(#[doc = $doc:literal] $name:ident: $what:literal, $rule:expr;)*) => {
        $(
            #[doc = $doc]
            #[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
            #[serde(try_from = "String")]
            pub struct $name(Arc<str>);

            impl $name {
                /// The value, if `text` passes the type's rule.
                pub fn new(text: impl Into<String>) -> Result<Self, InvalidValue> {
                    let text = text.into();
                    let rule: Option<Rule> = $rule;
                    if let Some(rule) = rule {
                        rule.check($what, &text)?;
                    }
                    Ok(Self(text.into()))
                }

                /// The text.
                pub fn as_str(&self) -> &str {
                    &self.0
                }
            }

            /// The text, as a JSON string.
            impl Serialize for $name {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(&self.0)
                }
            }

            #[cfg(feature = "contracts")]
            impl schemars::JsonSchema for $name {
                fn schema_name() -> std::borrow::Cow<'static, str> {
                    stringify!($name).into()
                }

                fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                    text_schema($rule, $doc)
                }
            }
            impl TryFrom<String> for $name {
                type Error = InvalidValue;
                fn try_from(text: String) -> Result<Self, InvalidValue> {
                    Self::new(text)
                }
            }

            impl FromStr for $name {
                type Err = InvalidValue;
                fn from_str(text: &str) -> Result<Self, InvalidValue> {
                    Self::new(text)
                }
            }

            impl From<$name> for String {
                fn from(value: $name) -> String {
                    value.0.as_ref().to_owned()
                }
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(&self.0)
                }
            }
        )*
    };
}

checked_text! {
    /// A ticket's title: not empty.
    TicketTitle: "ticket title", Some(Rule { min: 1, max: None });
    /// A ticket's description: any text, empty included.
    TicketDescription: "ticket description", None;
    /// A comment's message: not empty.
    TicketCommentMessage: "comment message", Some(Rule { min: 1, max: None });
    /// A user's name: 4 to 64 characters.
    UserName: "user name", Some(Rule { min: 4, max: Some(64) });
}
