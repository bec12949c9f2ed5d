//! The two services of the tickets system, each in its own module with its
//! inputs and outputs (`io`), its store (where its projections live) and its
//! methods (the business logic): `users` keeps users in SQLite, `tickets`
//! keeps tickets (and the users it needs to know) in memory. Both run on
//! one shared event log.

pub mod tickets;
pub mod users;
