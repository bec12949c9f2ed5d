//! The identifiers the schema names `id.User`, `id.Ticket` and `id.Comment`:
//! random (v4) UUIDs, each its own type so that a ticket id cannot be passed
//! where a user id is expected. On the wire each is the UUID's hyphenated
//! text, as goesgen's Go example writes its string ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {
        $(
            #[$doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
            #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
            #[serde(transparent)]
            pub struct $name(Uuid);

            impl $name {
                /// A new, random id.
                pub fn new() -> Self {
                    Self(Uuid::new_v4())
                }

                /// The id as a UUID.
                pub fn uuid(&self) -> Uuid {
                    self.0
                }
            }

            impl Default for $name {
                fn default() -> Self {
                    Self::new()
                }
            }

            impl From<Uuid> for $name {
                fn from(uuid: Uuid) -> Self {
                    Self(uuid)
                }
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl FromStr for $name {
                type Err = uuid::Error;
                fn from_str(text: &str) -> Result<Self, Self::Err> {
                    Uuid::parse_str(text).map(Self)
                }
            }
        )*
    };
}

uuid_id!(
    /// A user's id.
    User,
    /// A ticket's id.
    Ticket,
    /// A comment's id.
    Comment,
);
