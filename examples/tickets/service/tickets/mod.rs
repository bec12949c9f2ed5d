//! The `Tickets` service: tickets, their assignees and comments, and the
//! users they refer to, in memory (`store`), changed through the seven
//! methods of `methods`, following the `Ticket` state machine of the
//! schema (`lifecycle`).

pub mod io;
pub mod lifecycle;
pub mod methods;
pub mod store;

pub use methods::{Tickets, TicketsError};
pub use store::TicketsStore;

/// The `Tickets` service as the example runs it.
pub type TicketsService = crate::schema::tickets::TicketsService<Tickets>;
