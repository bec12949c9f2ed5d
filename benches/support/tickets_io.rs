//! The inputs and outputs the tickets schema names (`service.tickets.io.*`,
//! `service.users.io.*`): the example's own files, over the including
//! crate's `id` types.

/// The example's `service/tickets/io.rs`.
#[path = "../../examples/tickets/service/tickets/io.rs"]
pub mod tickets_io;
/// The example's `service/users/io.rs`.
#[path = "../../examples/tickets/service/users/io.rs"]
pub mod users_io;

/// The `Tickets` service's inputs and outputs.
pub mod tickets {
    pub use super::tickets_io as io;
}

/// The `Users` service's inputs and outputs.
pub mod users {
    pub use super::users_io as io;
}
