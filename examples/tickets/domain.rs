//! The domain types the schema names at the crate root (`TicketTitle`,
//! `TicketDescription`, `TicketCommentMessage`, `UserName`) and their rules:
//! a title or a comment is not empty (blank counts as empty), a user name is
//! 4 to 64 characters. The only way to get a value is through a check:
//! `new`, `FromStr`, or deserialisation, which goes through the same `new`
//! (`#[serde(try_from = "String")]`), so an input read from JSON cannot
//! bypass it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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

/// Checks `text` against the rule of one domain type.
fn check(
    what: &'static str,
    text: &str,
    min: usize,
    max: Option<usize>,
) -> Result<(), InvalidValue> {
    if text.trim().is_empty() {
        return Err(InvalidValue::Empty { what });
    }
    let len = text.chars().count();
    if len < min {
        return Err(InvalidValue::TooShort { what, len, min });
    }
    match max {
        Some(max) if len > max => Err(InvalidValue::TooLong { what, len, max }),
        _ => Ok(()),
    }
}

macro_rules! checked_text {
    ($(#[$doc:meta] $name:ident: $what:literal, $check:expr;)*) => {
        $(
            #[$doc]
            #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
            #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
            #[serde(try_from = "String", into = "String")]
            pub struct $name(String);

            impl $name {
                /// The value, if `text` passes the type's rule.
                pub fn new(text: impl Into<String>) -> Result<Self, InvalidValue> {
                    let text = text.into();
                    let check: fn(&'static str, &str) -> Result<(), InvalidValue> = $check;
                    check($what, &text)?;
                    Ok(Self(text))
                }

                /// The text.
                pub fn as_str(&self) -> &str {
                    &self.0
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
                    value.0
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
    TicketTitle: "ticket title", |what, text| check(what, text, 1, None);
    /// A ticket's description: any text, empty included.
    TicketDescription: "ticket description", |_, _| Ok(());
    /// A comment's message: not empty.
    TicketCommentMessage: "comment message", |what, text| check(what, text, 1, None);
    /// A user's name: 4 to 64 characters.
    UserName: "user name", |what, text| check(what, text, 4, Some(64));
}
