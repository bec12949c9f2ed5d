//! The code generated from goesgen's tickets schema (`schema.yml`, beside
//! this file): the events, the `Ticket` and `User` projections' state
//! machines, and the `Users` and `Tickets` services' traits.
//!
//! The schema's type references resolve from the crate root: `id.User` is
//! `crate::id::User`, `TicketTitle` is `crate::TicketTitle`,
//! `service.tickets.io.CreateTicketIn` is
//! `crate::service::tickets::io::CreateTicketIn`.

goesgen::include_schema!("schema.yml");
