//! Changing events already in the log: the tickets example's
//! `schema.v2.yml` (a renamed event, a renamed property, a default, an
//! upcaster) read over records written by version 1's generated code
//! (`examples/tickets/schema.yml`), through the codec (`codec`), on every
//! log backend (`logs`), and by a service's sync (`sync`, on a counter
//! whose event was renamed).
//!
//! Both versions' generated code lives in this crate (`schemas`), beside
//! the types their references name (`crate::id::User`, `crate::TicketTitle`,
//! from the shared test support) and version 2's upcaster
//! (`crate::migrations`).

mod support;

#[path = "evolution/codec.rs"]
mod codec;
#[path = "evolution/logs.rs"]
mod logs;
#[path = "evolution/migrations.rs"]
pub mod migrations;
#[path = "evolution/schemas.rs"]
mod schemas;
#[path = "support/scratch.rs"]
mod scratch;
#[path = "evolution/sync.rs"]
mod sync;

#[allow(unused_imports)]
pub use support::{TicketCommentMessage, TicketDescription, TicketTitle, UserName, id, service};

/// A user's handle (version 2): the name, lowercase, words joined by dots.
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserHandle(pub String);

/// A counter's unit (version 2 of the counter).
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CounterUnit(pub String);
